/* SPDX-License-Identifier: MIT */
#include "tap.h"
#include "mountopt.h"
#include "mounttable.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

/* Linked with -Wl,--wrap=realloc: out of memory on demand. */
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
static bool realloc_fails;

void *__wrap_realloc(void *p, size_t n)
{
        return realloc_fails ? NULL : __real_realloc(p, n);
}

/*
 * One out-of-memory policy: abort, as xmalloc does (nothing sensible a hook can do
 * without memory). A push that failed quietly would drop a directory out of rollback.
 */
static void test_oom_aborts(void)
{
        struct strv s = { 0 };
        int status = 0;
        pid_t pid;

        strv_push_copy(&s, "/run");
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                realloc_fails = true;
                strv_push_copy(&s, "/run/lock");
                _exit(0);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid)
                status = -1;
        ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "strv_push aborts when realloc fails (status %#x)", status);
        ok(s.n == 1 && strcmp(s.v[0], "/run") == 0, "the parent's list is untouched");
        strv_free(&s);
}

static void test_paths(void)
{
        ok(path_is_normalized_absolute("/"), "/ is normalized");
        ok(path_is_normalized_absolute("/run/lock"), "/run/lock is normalized");
        ok(!path_is_normalized_absolute("run"), "relative refused");
        ok(!path_is_normalized_absolute("/run/"), "trailing slash refused");
        ok(!path_is_normalized_absolute("/run//lock"), "empty component refused");
        ok(!path_is_normalized_absolute("/run/../etc"), ".. refused");
        ok(!path_is_normalized_absolute("/./run"), ". refused");
        ok(!path_is_normalized_absolute(""), "empty refused");
        ok(path_is_normalized_absolute("/a..b/.c"), "dots inside names are fine");
        ok(path_is_below("/run/x", "/run", false), "/run/x below /run");
        ok(!path_is_below("/runner", "/run", false), "/runner not below /run");
        ok(!path_is_below("/run", "/run", false), "/run not strictly below itself");
        ok(path_is_below("/run", "/run", true), "/run below-or-equal itself");
        ok(path_is_below("/x", "/", false), "everything below /");
        {
                static const int fds[] = { 0, 7, 10, 123, 2147483647, -1 };
                static const char *const want[] = { "/proc/self/fd/0", "/proc/self/fd/7", "/proc/self/fd/10",
                                                     "/proc/self/fd/123", "/proc/self/fd/2147483647",
                                                     "/proc/self/fd/-1" };
                char buf[PROC_FD_PATH_MAX];

                for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
                        is_str(proc_fd_path(buf, fds[i]), want[i], "proc_fd_path(%d)", fds[i]);
        }
        {
                static const char *const cases[][3] = {
                        { "/run", "lock", "/run/lock" }, { "/run/", "/lock", "/run/lock" }, { "/", "x", "/x" },
                        { "", "x", "/x" }, { "/a//", "//b/c", "/a/b/c" }, { "/a", "", "/a/" },
                };

                for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                        char *j = path_join(cases[i][0], cases[i][1]);

                        is_str(j, cases[i][2], "path_join(\"%s\", \"%s\")", cases[i][0], cases[i][1]);
                        free(j);
                }
        }
}

static void test_normalize(void)
{
        static const struct { const char *in, *out; } cases[] = {
                { "/run/../etc", "/etc" }, { "/var/run//secrets/", "/var/run/secrets" },
                { "run/./x", "/run/x" }, { "/a/b/../../c", "/c" }, { "/..x/y..", "/..x/y.." },
                { "/run/..", "/" }, { "", "/" }, { "//", "/" },
        };
        static const char *const climbing[] = { "/..", "/run/../..", "..", "/a/../../etc/passwd", "x/../../y" };
        char *out;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                out = NULL;
                ok(path_normalize(cases[i].in, &out) == 0 && out && strcmp(out, cases[i].out) == 0,
                   "normalize \"%s\" -> \"%s\" (got \"%s\")", cases[i].in, cases[i].out, out ? out : "(error)");
                free(out);
        }
        for (size_t i = 0; i < ELEMENTSOF(climbing); i++)
                ok(path_normalize(climbing[i], &out) == -EINVAL, "\"%s\" climbs out of / and is refused", climbing[i]);
}

static void test_mounttable(void)
{
        char table[] =
                "22 1 0:21 / /proc rw - proc proc rw\n"
                "30 28 0:40 / /b/rootfs rw - overlay overlay rw\n"
                "31 30 0:41 / /b/rootfs/run/secrets/x rw - tmpfs tmpfs rw\n"
                "32 31 0:42 / /b/rootfs/run/secrets/x/nested rw - tmpfs tmpfs rw\n"
                "33 30 8:1 /sock /b/rootfs/run/docker.sock rw - ext4 /dev/vda rw\n"
                "34 30 8:1 /a /b/rootfs/run/with\\040space rw - ext4 /dev/vda rw\n"
                "35 33 8:1 /b /b/rootfs/run/docker.sock rw - ext4 /dev/vda rw\n"
                "36 30 0:43 / /b/rootfs/runner rw - tmpfs tmpfs rw\n"
                "37 30 0:44 / /b/rootfs/run rw - tmpfs tmpfs rw\n"
                "garbage\n"
                "38 30 0:45 /b/rootfs/run/short\n"
                "39 30 0:46 / \n"
                "\n"
                "x40 30 0:47 / /b/rootfs/run/badid rw - tmpfs tmpfs rw\n"
                "41 30 0:48 / /b/rootfs/run/last";
        struct submounts s = { 0 };

        ok(mounttable_parse(table, "/b/rootfs/run", &s) == 0 && s.n == 5, "5 outermost mounts beneath /run (got %zu)", s.n);
        if (s.n == 5) {
                is_str(s.v[0].rel, "secrets/x", "first: secrets/x");
                is_str(s.v[4].rel, "last", "a last line without fields after the mount point nor a newline");
                ok(s.v[0].id == 31, "with its mount id");
                is_str(s.v[1].rel, "docker.sock", "a file mount");
                is_str(s.v[2].rel, "with space", "\\040 unescaped");
                ok(s.v[3].id == 35 && strcmp(s.v[3].rel, "docker.sock") == 0, "a mount stacked on docker.sock is listed too");
        }
        ok(submounts_has(&s, "docker.sock", 35) && !submounts_has(&s, "secrets/x", 32), "submounts_has by place and id");
        submounts_free(&s);
}

static void test_modes(void)
{
        unsigned m = 0;

        ok(parse_mode("0755", &m) == 0 && m == 0755, "0755");
        ok(parse_mode("1777", &m) == 0 && m == 01777, "1777");
        ok(parse_mode("7777", &m) == 0 && m == 07777, "7777 is the largest");
        ok(parse_mode("10000", &m) < 0, "10000 refused");
        ok(parse_mode("0789", &m) < 0, "non-octal refused");
        ok(parse_mode("", &m) < 0, "empty refused");
        ok(parse_mode("-1", &m) < 0, "negative refused");
}

static void test_mountopts(void)
{
        struct mountopt mo;
        struct error e = { 0 };

        ok(mountopt_parse("nosuid,nodev,mode=755,size=64m", MOUNTOPT_TMPFS, &mo, &e) == 0 &&
           mo.flags == (MS_NOSUID | MS_NODEV) && strcmp(mo.data, "mode=755,size=64m") == 0,
           "tmpfs options split into flags and data");
        mountopt_free(&mo);
        ok(mountopt_parse("tmpf", MOUNTOPT_TMPFS, &mo, &e) < 0 && strstr(e.msg, "tmpf"),
           "unknown tmpfs option refused: %s", e.msg);
        ok(mountopt_parse("mode=99999", MOUNTOPT_TMPFS, &mo, &e) < 0, "absurd tmpfs mode refused");
        ok(mountopt_parse("bind", MOUNTOPT_TMPFS, &mo, &e) < 0, "bind flag refused: %s", e.msg);
        ok(mountopt_parse("size=1m", MOUNTOPT_BIND, &mo, &e) < 0, "data on a bind refused");
        ok(mountopt_parse("ro,nosuid", MOUNTOPT_BIND, &mo, &e) == 0 && mo.flags == (MS_RDONLY | MS_NOSUID),
           "bind flags");
        mountopt_free(&mo);
        ok(mountopt_parse("noauto", MOUNTOPT_TMPFS, &mo, &e) < 0, "userspace option refused: %s", e.msg);
}

static void test_kvlist(void)
{
        struct kvlist l = { 0 };

        kvlist_set(&l, "a", "1");
        kvlist_set(&l, "b", "2");
        kvlist_set(&l, "a", "3");
        ok(l.n == 2, "kvlist replaces");
        is_str(kvlist_get(&l, "a"), "3", "kvlist get");
        ok(kvlist_get(&l, "c") == NULL, "kvlist missing");
        kvlist_free(&l);
        /* Keys cut from "K=V" strings: a prefix of another key is not that key. */
        kvlist_set_n(&l, "PATH=/bin", 4, "/bin");
        kvlist_set_n(&l, "PATHX=1", 5, "1");
        kvlist_set_n(&l, "PAT=2", 3, "2");
        kvlist_set_n(&l, "PATH=/usr/bin", 4, "/usr/bin");
        ok(l.n == 3, "kvlist_set_n: three keys, PATH replaced");
        is_str(kvlist_get(&l, "PATH"), "/usr/bin", "kvlist_set_n: the later PATH wins");
        is_str(kvlist_get(&l, "PATHX"), "1", "kvlist_set_n: PATHX apart from PATH");
        is_str(kvlist_get(&l, "PAT"), "2", "kvlist_set_n: PAT apart from PATH");
        kvlist_free(&l);
        {
                struct strv sv = { 0 };
                size_t bad = 0;
                char k[16], v[16];

                /* Through several doublings, reused after a free: each entry where it was put. */
                for (int round = 0; round < 2; round++) {
                        for (int i = 0; i < 100; i++) {
                                snprintf(k, sizeof(k), "k%d", i);
                                snprintf(v, sizeof(v), "v%d", i);
                                kvlist_set(&l, k, v);
                                strv_push_copy(&sv, k);
                                bad += sv.v[sv.n] != NULL;
                        }
                        for (int i = 0; i < 100; i++) {
                                snprintf(k, sizeof(k), "k%d", i);
                                snprintf(v, sizeof(v), "v%d", i);
                                bad += !kvlist_get(&l, k) || strcmp(kvlist_get(&l, k), v) != 0 || strcmp(sv.v[i], k) != 0;
                        }
                        ok(l.n == 100 && sv.n == 100 && bad == 0, "100 entries in a kvlist and a strv (round %d)", round);
                        kvlist_free(&l);
                        strv_free(&sv);
                }
        }
}

/* str_escape: what may pass to a terminal or a log line, and what must not. */
static void test_escape(void)
{
        static const struct { const char *in, *want, *name; } cases[] = {
                { "plain /run/lock", "plain /run/lock", "plain text unchanged" },
                { "", "", "empty" },
                { "a\nb\rc\td", "a\\nb\\rc\\td", "\\n \\r \\t by name" },
                { "\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m", "ESC" },
                { "\x01\x07\x08\x0b\x0c\x1f", "\\x01\\x07\\x08\\x0b\\x0c\\x1f", "other C0 controls" },
                { "del\x7f", "del\\x7f", "DEL" },
                { "back\\slash \"q\"", "back\\slash \"q\"", "backslash and quote pass" },
                { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7",
                  "valid UTF-8 (2, 3, 4 bytes) passes" },
                { "\xc2\xa0nbsp", "\xc2\xa0nbsp", "U+00A0, just past C1, passes" },
                { "csi\xc2\x9b" "2J", "csi\\xc2\\x9b2J", "C1 U+009B as UTF-8: both bytes escaped" },
                { "\xc2\x80\xc2\x9f", "\\xc2\\x80\\xc2\\x9f", "C1 U+0080 and U+009F" },
                { "lone\x9b" "2J", "lone\\x9b2J", "a lone C1 byte (invalid UTF-8)" },
                { "\xff\xfe", "\\xff\\xfe", "bytes never in UTF-8" },
                { "\xc0\xaf", "\\xc0\\xaf", "overlong 2-byte form" },
                { "\xe0\x80\xaf", "\\xe0\\x80\\xaf", "overlong 3-byte form" },
                { "\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf", "overlong 4-byte form" },
                { "\xed\xa0\x80", "\\xed\\xa0\\x80", "UTF-16 surrogate" },
                { "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "above U+10FFFF" },
                { "cut\xe2\x82", "cut\\xe2\\x82", "truncated sequence at the end" },
                { "\xe2\x82\n", "\\xe2\\x82\\n", "truncated sequence before a newline" },
                { "\xc3" "A", "\\xc3" "A", "lead byte before ASCII: only the lead escaped" },
        };
        char buf[8];
        size_t n;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *got = str_escape_dup(cases[i].in);

                is_str(got, cases[i].want, "escape: %s", cases[i].name);
        }
        n = str_escape(buf, sizeof(buf), "ab\x1b" "cdef");
        ok(n == 10 && strcmp(buf, "ab\\x1bc") == 0, "a full buffer: the whole length returned, NUL-terminated");
        n = str_escape(buf, 5, "ab\x1b" "c");
        ok(n == 7 && strcmp(buf, "ab") == 0, "an escape that does not fit is left out whole, and all after it");
        n = str_escape(buf, 4, "a\xe2\x82\xac");
        ok(n == 4 && strcmp(buf, "a") == 0, "a character that does not fit is left out whole");
        ok(str_escape(NULL, 0, "a\nb") == 4, "size 0: only the length");
}

/* Reads a pipe carrying n bytes (written by a child) through read_fd_capped. */
static int read_n(size_t n, size_t max, char **out, size_t *len, struct error *e)
{
        int p[2], r;
        pid_t pid;

        if (pipe(p) < 0)
                return -errno;
        pid = fork();
        if (pid == 0) {
                char chunk[4096];

                close(p[0]);
                for (size_t i = 0; i < sizeof(chunk); i++)
                        chunk[i] = (char)('a' + i % 26);
                for (size_t done = 0; done < n; ) {
                        size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
                        ssize_t w = write(p[1], chunk, k);

                        if (w <= 0)
                                _exit(1);
                        done += (size_t)w;
                }
                _exit(0);
        }
        close(p[1]);
        r = read_fd_capped(p[0], max, out, len, e, "pipe");
        close(p[0]);
        waitpid(pid, NULL, 0);
        return r;
}

static void test_read_capped(void)
{
        static const size_t sizes[] = { 0, 1, 4095, 65535, 65536, 65537, 300000 };

        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                struct error e = { 0 };
                char *buf = NULL;
                size_t len = 0, bad = 0;

                ok(read_n(sizes[i], 1 << 20, &buf, &len, &e) == 0 && len == sizes[i] && buf[len] == '\0',
                   "%zu bytes read whole", sizes[i]);
                for (size_t k = 0; buf && k < len; k++)
                        bad += buf[k] != (char)('a' + (k % 4096) % 26);
                ok(bad == 0, "%zu bytes: the content is what was written", sizes[i]);
                free(buf);
        }
        {
                struct error e = { 0 };
                char *buf = NULL;

                ok(read_n(200000, 100000, &buf, NULL, &e) == -EFBIG && !buf, "past max: EFBIG");
                ok(read_n(65537, 65536, &buf, NULL, &e) == -EFBIG && !buf, "max + 1 beyond the stack buffer: EFBIG");
        }
}

int main(void)
{
        test_read_capped();
        test_paths();
        test_normalize();
        test_mounttable();
        test_modes();
        test_mountopts();
        test_kvlist();
        test_escape();
        test_oom_aborts();
        return tap_done();
}
