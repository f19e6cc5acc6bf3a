/* SPDX-License-Identifier: MIT */
/*
 * The facts step on a small rootfs made in a temporary directory: PATH lookup,
 * symlinks followed inside the rootfs (never out of it), formats; and the exec
 * condition evaluated against those facts.
 */
#include "tap.h"
#include "cond.h"
#include "facts.h"
#include "rootfs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/omp-test-facts.XXXXXX";

/* A directory (content NULL) or a file of len bytes. */
static void mk(const char *path, const char *content, size_t len, mode_t mode)
{
        _cleanup_free_ char *p = path_join(root, path);
        char *slash;
        int fd;

        for (slash = strchr(p + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                (void)mkdir(p, 0755);
                *slash = '/';
        }
        if (!content) {
                (void)mkdir(p, mode);
                return;
        }
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0 || write(fd, content, len) != (ssize_t)len)
                abort();
        close(fd);
        chmod(p, mode);
}

static void ln(const char *target, const char *path)
{
        _cleanup_free_ char *p = path_join(root, path);

        if (symlink(target, p) < 0)
                abort();
}

static void make_rootfs(void)
{
        /* An ELF64 little-endian ET_EXEC header (the rest zero), then padding. */
        static const char elf[] = "\177ELF\002\001\001\0\0\0\0\0\0\0\0\0\002\0\076\0";
        char buf[sizeof(elf) + 20] = { 0 };

        memcpy(buf, elf, sizeof(elf));
        if (!mkdtemp(root))
                abort();
        mk("/usr/lib/systemd", NULL, 0, 0755);
        mk("/usr/bin", NULL, 0, 0755);
        mk("/usr/sbin", NULL, 0, 0755);
        mk("/usr/lib/systemd/systemd", buf, sizeof(buf), 0755);
        mk("/usr/bin/busybox", buf, sizeof(buf), 0755);
        mk("/usr/bin/noexec", buf, sizeof(buf), 0644);
        mk("/init", "#!/command/execlineb -S0\n", 25, 0755);
        ln("usr/bin", "/bin");
        ln("usr/sbin", "/sbin");
        ln("usr/lib", "/lib");
        ln("../lib/systemd/systemd", "/usr/sbin/init");
        ln("/usr/bin/busybox", "/usr/bin/sh");
        ln("../../../../../../../usr/lib/systemd/systemd", "/usr/bin/escape");
        ln("/etc/passwd", "/usr/bin/hostlink");
        ln("loop2", "/usr/bin/loop1");
        ln("loop1", "/usr/bin/loop2");
}

static void gather(struct facts *f, const char *a0, const char *a1, const char *a2, const char *path)
{
        struct spec s = { .root_path = root };

        if (a0) strv_push_copy(&s.args, a0);
        if (a1) strv_push_copy(&s.args, a1);
        if (a2) strv_push_copy(&s.args, a2);
        if (path)
                kvlist_set(&s.env, "PATH", path);
        facts_gather(&s, true, f);
        strv_free(&s.args);
        kvlist_free(&s.env);
}

/* rootfs_realpath_open hands over what the walk arrived at, opened O_PATH. */
static void realpath_open_is(const struct rootfs *r, const char *path, const char *want, const char *inside)
{
        _cleanup_close_ int fd = -1;
        struct stat st, want_st;
        char *p = NULL, full[PATH_MAX];

        snprintf(full, sizeof(full), "%s%s", root, inside);
        ok(rootfs_realpath_open(r, path, &p, NULL, &fd, &st) == 0 && fd >= 0, "%s: opened", path);
        is_str(p, want, "%s -> %s", path, want);
        ok(stat(full, &want_st) == 0 && fd >= 0 && st.st_ino == want_st.st_ino &&
           st.st_mode == want_st.st_mode, "%s: the fd and its stat are %s's", path, inside);
        free(p);
}

static void test_realpath_open(const struct rootfs *r)
{
        realpath_open_is(r, "/sbin/init", "/usr/lib/systemd/systemd", "/usr/lib/systemd/systemd");
        realpath_open_is(r, "/usr/bin", "/usr/bin", "/usr/bin");
        realpath_open_is(r, "/bin/..", "/usr", "/usr");
        realpath_open_is(r, "/usr/./bin/.", "/usr/bin", "/usr/bin");
        realpath_open_is(r, "/", "/", "/");
        realpath_open_is(r, "/init/", "/init", "/init");
}

static void test_realpath(void)
{
        struct rootfs r = { .fd = -1 };
        char *p = NULL;
        unsigned links = 0;

        ok(rootfs_open(root, &r) == 0, "rootfs opens");
        ok(rootfs_realpath(&r, "/sbin/init", &p, &links) == 0, "/sbin/init follows");
        is_str(p, "/usr/lib/systemd/systemd", "/sbin/init -> /usr/lib/systemd/systemd");
        ok(links == 2, "two symlinks followed (/sbin, init), got %u", links);
        free(p); p = NULL;
        ok(rootfs_realpath(&r, "/usr/bin/escape", &p, NULL) == 0, "a link with many .. stays in the rootfs");
        is_str(p, "/usr/lib/systemd/systemd", "... at the rootfs's /usr/lib/systemd/systemd");
        free(p); p = NULL;
        ok(rootfs_realpath(&r, "/usr/bin/hostlink", &p, NULL) < 0, "a link to a host file missing in the rootfs: not found");
        ok(rootfs_realpath(&r, "/usr/bin/loop1", &p, NULL) == -ELOOP, "a symlink loop: ELOOP");
        ok(rootfs_realpath(&r, "/init/x", &p, NULL) == -ENOTDIR, "a file used as a directory: ENOTDIR");
        ok(rootfs_realpath(&r, "/../../..", &p, NULL) == 0, "/../../.. resolves");
        is_str(p, "/", "... to the rootfs's /");
        free(p); p = NULL;
        test_realpath_open(&r);
        rootfs_force_fallback = true;   /* the component walk, as without openat2 */
        test_realpath_open(&r);
        rootfs_force_fallback = false;
        rootfs_close(&r);
}

static bool exec_matches(const struct facts *f, const char *pattern, int shell, char **why)
{
        struct cond c = { .see_through_shell = shell };
        struct kvlist empty = { 0 };
        struct strv args = { 0 };
        struct cond_input in = { .args = &args, .env = &empty, .annotations = &empty, .stage = "createContainer",
                                 .facts = f };
        bool r;

        strv_push_copy(&args, f->argv0.command);
        c.has_pos[COND_EXEC] = true;
        strv_push_copy(&c.pos[COND_EXEC], pattern);
        r = cond_eval(&c, &in, why);
        cond_free(&c);
        strv_free(&args);
        return r;
}

static void test_facts(void)
{
        struct facts f;
        char *why = NULL;

        gather(&f, "/sbin/init", NULL, NULL, NULL);
        ok(f.inspected, "rootfs inspected");
        is_str(f.argv0.path, "/usr/lib/systemd/systemd", "/sbin/init resolved");
        ok(f.argv0.format == EXEC_FORMAT_ELF && f.argv0.executable, "an ELF executable");
        ok(exec_matches(&f, "*/lib/systemd/systemd", -1, &why), "exec */lib/systemd/systemd holds");
        is_str(why, "exec \"/sbin/init\" -> /usr/lib/systemd/systemd (ELF executable) matches \"*/lib/systemd/systemd\"",
               "and says why");
        free(why);
        facts_free(&f);

        gather(&f, "/init", NULL, NULL, NULL);
        ok(f.argv0.format == EXEC_FORMAT_SCRIPT, "s6-overlay's /init is a script");
        is_str(f.argv0.detail, "#!/command/execlineb -S0", "its #! line is kept");
        ok(!exec_matches(&f, "*", -1, &why), "a script matches no exec pattern, not even *");
        free(why);
        facts_free(&f);

        gather(&f, "init", NULL, NULL, "/nonexistent:relative:/usr/bin:/sbin");
        ok(f.argv0.via_path, "no slash: PATH lookup");
        is_str(f.argv0.path, "/usr/lib/systemd/systemd", "found in /sbin after skipping missing and relative entries");
        facts_free(&f);

        gather(&f, "noexec", NULL, NULL, "/usr/bin");
        ok(!f.argv0.path, "PATH lookup skips a file without an execute bit");
        is_str(f.argv0.detail, "not found in PATH /usr/bin", "and says so");
        facts_free(&f);

        gather(&f, "/bin/sh", "-c", "exec /sbin/init --log-level=debug", NULL);
        is_str(f.argv0.path, "/usr/bin/busybox", "args[0] is the shell");
        is_str(f.shell.path, "/usr/lib/systemd/systemd", "through the shell: systemd");
        ok(exec_matches(&f, "*/lib/systemd/systemd", -1, &why), "exec sees through sh -c by default");
        free(why);
        ok(!exec_matches(&f, "*/lib/systemd/systemd", 0, &why), "shell = false: the shell itself");
        free(why);
        facts_free(&f);

        gather(&f, "/usr/bin/noexec", NULL, NULL, NULL);
        ok(!exec_matches(&f, "*", -1, &why), "an ELF without an execute bit does not match");
        free(why);
        facts_free(&f);

        gather(&f, "/usr/bin/loop1", NULL, NULL, NULL);
        ok(!f.argv0.path && f.argv0.detail && strstr(f.argv0.detail, "symbolic links"), "a loop is reported: %s",
           f.argv0.detail);
        facts_free(&f);
}

static void test_no_rootfs(void)
{
        struct spec s = { .root_path = (char *)"/nonexistent/omp-rootfs" };
        struct facts f;
        char *why = NULL;

        strv_push_copy(&s.args, "/sbin/init");
        facts_gather(&s, true, &f);
        ok(!f.inspected && f.problem, "a missing rootfs is recorded, not an error");
        ok(!exec_matches(&f, "*", -1, &why), "exec does not hold then");
        ok(why && strstr(why, "not looked up (cannot open the rootfs"), "and says why: %s", why);
        free(why);
        facts_free(&f);
        strv_free(&s.args);
}

int main(void)
{
        char cmd[64];

        make_rootfs();
        test_realpath();
        test_facts();
        test_no_rootfs();
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        if (system(cmd) != 0)
                printf("# could not remove %s\n", root);
        return tap_done();
}
