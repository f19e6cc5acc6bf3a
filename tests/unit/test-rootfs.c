/* SPDX-License-Identifier: MIT */
/*
 * The safe resolver's path rules (src/rootfs.c), unprivileged, on a small tree in a
 * temporary directory: absolute and relative symlinks, "..", loops, dangling links and
 * links climbing out with many "..". Every result must stay beneath the root, with
 * openat2 and with the fallback component walk (rootfs_force_fallback), as on kernels
 * before 5.6. Next to the root lies "outside", which nothing may reach.
 */
#include "tap.h"
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[] = "/tmp/omp-test-rootfs.XXXXXX";
static char root_path[64];

static void put(const char *rel, const char *content)
{
        char p[256];
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", top, rel);
        f = fopen(p, "w");
        if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
                printf("Bail out! cannot write %s\n", p);
                exit(1);
        }
}

static void dir(const char *rel)
{
        char p[256];

        snprintf(p, sizeof(p), "%s/%s", top, rel);
        if (mkdir(p, 0755) < 0) {
                printf("Bail out! mkdir %s: %s\n", p, strerror(errno));
                exit(1);
        }
}

static void link_(const char *target, const char *rel)
{
        char p[256];

        snprintf(p, sizeof(p), "%s/%s", top, rel);
        if (symlink(target, p) < 0) {
                printf("Bail out! symlink %s: %s\n", p, strerror(errno));
                exit(1);
        }
}

/*
 * root/ usr/lib/systemd/systemd, usr/bin/sh, etc/passwd ("inside"), with
 *   sbin/init -> /usr/lib/systemd/systemd     bin -> usr/bin
 *   up -> ../../../../../../../../../../etc    abs-up -> /../../../etc
 *   out -> ../outside                          out-abs -> TOP/outside (a host path)
 *   loop1 -> loop2 -> loop1                    self -> self
 *   dangling -> /nonexistent                   lib -> /usr/lib
 * outside/ passwd ("outside"), next to root.
 */
static void build_tree(void)
{
        char host[128];

        if (!mkdtemp(top)) {
                printf("Bail out! mkdtemp: %s\n", strerror(errno));
                exit(1);
        }
        snprintf(root_path, sizeof(root_path), "%s/root", top);
        dir("root");
        dir("outside");
        put("outside/passwd", "outside");
        dir("root/etc");
        put("root/etc/passwd", "inside");
        dir("root/usr");
        dir("root/usr/lib");
        dir("root/usr/lib/systemd");
        put("root/usr/lib/systemd/systemd", "systemd");
        dir("root/usr/bin");
        put("root/usr/bin/sh", "sh");
        dir("root/sbin");
        link_("/usr/lib/systemd/systemd", "root/sbin/init");
        link_("usr/bin", "root/bin");
        link_("../../../../../../../../../../etc", "root/up");
        link_("/../../../etc", "root/abs-up");
        link_("../outside", "root/out");
        snprintf(host, sizeof(host), "%s/outside", top);
        link_(host, "root/out-abs");
        link_("loop2", "root/loop1");
        link_("loop1", "root/loop2");
        link_("self", "root/self");
        link_("/nonexistent", "root/dangling");
        link_("/usr/lib", "root/lib");
}

/* Does fd name the same file as TOP/rel? */
static bool is(int fd, const char *rel)
{
        char p[256];
        struct stat a, b;

        snprintf(p, sizeof(p), "%s/%s", top, rel);
        return fd >= 0 && fstat(fd, &a) == 0 && stat(p, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool exists(const char *rel)
{
        char p[256];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", top, rel);
        return lstat(p, &st) == 0;
}

/* Opens path in the rootfs: 0 and the file at TOP/want, or the error want_err. */
static void check_open(const struct rootfs *r, const char *mode, const char *path, const char *want, int want_err)
{
        _cleanup_close_ int fd = -1;
        int ret = rootfs_open_at(r, path, O_RDONLY, &fd);

        if (want)
                ok(ret == 0 && is(fd, want), "%s: open %s is root's %s (got %d)", mode, path,
                   want[4] ? want + 5 : "/", ret);
        else
                ok(ret == -want_err, "%s: open %s fails with %s (got %d)", mode, path, strerror(want_err), ret);
}

static void check_realpath(const struct rootfs *r, const char *mode, const char *path, const char *want,
                           unsigned want_links)
{
        _cleanup_free_ char *out = NULL;
        unsigned links = 0;
        int ret = rootfs_realpath(r, path, &out, &links);

        if (!want) {
                ok(ret < 0 && !out, "%s: realpath %s fails (got %d)", mode, path, ret);
                return;
        }
        is_str(out, want, "%s: realpath %s", mode, path);
        ok(ret == 0 && links == want_links, "%s: realpath %s follows %u link(s) (got %u)", mode, path, want_links,
           links);
}

static void check_mode(const struct rootfs *r, const char *mode)
{
        /* Symlinks are read as if the root were "/". */
        check_open(r, mode, "/etc/passwd", "root/etc/passwd", 0);
        check_open(r, mode, "/sbin/init", "root/usr/lib/systemd/systemd", 0);
        check_open(r, mode, "/bin/sh", "root/usr/bin/sh", 0);
        check_open(r, mode, "/lib/systemd/systemd", "root/usr/lib/systemd/systemd", 0);
        /* Climbing out, with ".." in the path or in a link, stops at the root. */
        check_open(r, mode, "/usr/../../../../etc/passwd", "root/etc/passwd", 0);
        check_open(r, mode, "/up/passwd", "root/etc/passwd", 0);
        check_open(r, mode, "/abs-up/passwd", "root/etc/passwd", 0);
        check_open(r, mode, "/../outside/passwd", NULL, ENOENT);
        check_open(r, mode, "/out/passwd", NULL, ENOENT);
        check_open(r, mode, "/out-abs/passwd", NULL, ENOENT);
        /* Loops and dangling links. */
        check_open(r, mode, "/loop1", NULL, ELOOP);
        check_open(r, mode, "/self", NULL, ELOOP);
        check_open(r, mode, "/dangling", NULL, ENOENT);
        check_open(r, mode, "/", "root", 0);

        check_realpath(r, mode, "/sbin/init", "/usr/lib/systemd/systemd", 1);
        check_realpath(r, mode, "/bin/sh", "/usr/bin/sh", 1);
        check_realpath(r, mode, "/up/passwd", "/etc/passwd", 1);
        check_realpath(r, mode, "/usr/bin/../../sbin/./init", "/usr/lib/systemd/systemd", 1);
        check_realpath(r, mode, "/../../etc//passwd", "/etc/passwd", 0);
        check_realpath(r, mode, "/loop1", NULL, 0);
        check_realpath(r, mode, "/dangling", NULL, 0);
        check_realpath(r, mode, "/out/passwd", NULL, 0);
        /* A link on the way (lib), a chain (bin/sh through bin), a trailing slash, the root's "..". */
        check_realpath(r, mode, "/lib/systemd/systemd", "/usr/lib/systemd/systemd", 1);
        check_realpath(r, mode, "/bin/../lib/systemd/systemd", "/usr/lib/systemd/systemd", 1);
        check_realpath(r, mode, "/usr/lib/systemd/", "/usr/lib/systemd", 0);
        check_realpath(r, mode, "//usr//lib///systemd//systemd", "/usr/lib/systemd/systemd", 0);
        check_realpath(r, mode, "/bin//sh", "/usr/bin/sh", 1);
        check_realpath(r, mode, "/abs-up/passwd", "/etc/passwd", 1);
        check_realpath(r, mode, "/out-abs/passwd", NULL, 0);
        check_realpath(r, mode, "/usr/lib/nonexistent/x", NULL, 0);
        check_realpath(r, mode, "/etc/passwd/x", NULL, 0);
        {
                _cleanup_free_ char *out = NULL;
                _cleanup_close_ int fd = -1;
                unsigned links = 0;
                struct stat st;
                int ret = rootfs_realpath_open(r, "/sbin/init", &out, &links, &fd, &st);

                ok(ret == 0 && is(fd, "root/usr/lib/systemd/systemd") && S_ISREG(st.st_mode) && links == 1,
                   "%s: realpath_open /sbin/init holds the file it names (got %d)", mode, ret);
        }

        /* mkdir_p through links that climb out makes the directories inside. */
        {
                struct strv created = { 0 };
                _cleanup_close_ int fd = -1;
                int ret = rootfs_mkdir_p(r, "/up/new/deep", 0700, &created, &fd);

                ok(ret == 0 && is(fd, "root/etc/new/deep") && created.n == 2,
                   "%s: mkdir_p /up/new/deep makes root's /etc/new/deep (got %d, %zu made)", mode, ret, created.n);
                ok(!exists("new") && !exists("etc"), "%s: mkdir_p /up/new/deep: nothing made outside", mode);
                rootfs_rmdir_created(r, &created);
                ok(!exists("root/etc/new"), "%s: rmdir_created removes what mkdir_p made", mode);
                strv_free(&created);
        }
        {
                struct strv created = { 0 };
                _cleanup_close_ int fd = -1;
                int ret = rootfs_mkdir_p(r, "/out-abs/made", 0755, &created, &fd);

                ok(!exists("outside/made"), "%s: mkdir_p through an absolute host path makes nothing there (got %d)",
                   mode, ret);
                ok(ret < 0 || is(fd, "root/outside/made"), "%s: mkdir_p /out-abs/made lands inside, if anywhere", mode);
                rootfs_rmdir_created(r, &created);
                strv_free(&created);
        }
        {
                _cleanup_close_ int fd = -1;
                int ret = rootfs_mkdir_p(r, "/loop1/x", 0755, NULL, &fd);

                ok(ret < 0, "%s: mkdir_p through a loop fails (got %d)", mode, ret);
        }

        /* open_parent: the directory the last component is in, beneath the root. */
        {
                _cleanup_close_ int dfd = -1;
                const char *name = NULL;
                int ret = rootfs_open_parent(r, "/up/passwd", false, NULL, &dfd, &name);

                ok(ret == 0 && is(dfd, "root/etc") && name && strcmp(name, "passwd") == 0,
                   "%s: open_parent /up/passwd is root's /etc and \"passwd\" (got %d)", mode, ret);
        }
        {
                _cleanup_close_ int dfd = -1;
                const char *name = NULL;
                int ret = rootfs_open_parent(r, "/abs-up/../../x", false, NULL, &dfd, &name);

                ok(ret == 0 && is(dfd, "root") && name && strcmp(name, "x") == 0,
                   "%s: open_parent /abs-up/../../x is the root and \"x\" (got %d)", mode, ret);
        }
        {
                struct strv created = { 0 };
                _cleanup_close_ int dfd = -1;
                const char *name = NULL;
                int ret = rootfs_open_parent(r, "/out/sub/file", true, &created, &dfd, &name);

                /* The link out names a missing directory: refused or made inside, never next to the root. */
                ok((ret < 0 || is(dfd, "root/outside/sub")) && !exists("outside/sub"),
                   "%s: open_parent /out/sub/file with create: nothing made next to the root (got %d)", mode, ret);
                rootfs_rmdir_created(r, &created);
                ok(!exists("root/outside"), "%s: rmdir_created leaves nothing behind", mode);
                strv_free(&created);
        }
        {
                _cleanup_close_ int dfd = -1;
                const char *name = NULL;
                int ret = rootfs_open_parent(r, "/dangling/x", false, NULL, &dfd, &name);

                ok(ret == -ENOENT, "%s: open_parent through a dangling link without create: ENOENT (got %d)", mode, ret);
        }
}

int main(void)
{
        struct rootfs r;
        char cmd[128];
        int ret;

        build_tree();
        ret = rootfs_open(root_path, &r);
        if (ret < 0) {
                printf("Bail out! rootfs_open %s: %s\n", root_path, strerror(-ret));
                return 1;
        }
        rootfs_force_fallback = false;
        check_mode(&r, "openat2");
        rootfs_force_fallback = true;
        check_mode(&r, "fallback");
        rootfs_close(&r);
        ok(exists("outside/passwd") && !exists("outside/new") && !exists("outside/sub") && !exists("outside/made"),
           "outside is untouched");
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
        if (system(cmd) != 0)
                printf("# cannot remove %s\n", top);
        return tap_done();
}
