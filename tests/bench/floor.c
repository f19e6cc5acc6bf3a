/* SPDX-License-Identifier: MIT */
/*
 * The floor for the hook benchmark: what plans/systemd.conf makes the hook do,
 * done with raw syscalls and no parsing. Same mounts (new mount API onto fds
 * resolved with openat2(RESOLVE_IN_ROOT)), same writes, same cgroup2 layout
 * choice from /proc/self/cgroup; no plan, no JSON, no rollback bookkeeping. And the
 * same checks, each as cheaply as the kernel allows: its inputs read (not parsed),
 * the user namespace told by one stat, the container's init (the caller) checked to
 * share its mount and cgroup namespaces and cgroup, and listed in that cgroup's
 * cgroup.procs before it is moved; each target's path read back before the mount
 * table is read for what it covers; one line to syslog.
 *
 *   floor ROOTFS CONFIG PLAN  perform, with the OCI state on stdin (drained, not parsed)
 *   floor --bare ROOTFS       the mounts and writes alone, without the checks, the
 *                             inputs and syslog (the floor until 2026-12-01)
 *   floor --null              drain stdin and exit: the cost of spawning a program at all
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static const char machine_id[] = "4f66a1e3b0e4c1d6a9a3b2f1e0d9c8b7\n";
static bool bare;                 /* --bare: no checks (the earlier floor) */
static const char *config_path, *plan_path;
static int log_fd = -1;

/* A small file read whole (until read returns 0, as for any file that may grow). */
static int read_whole(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n, len = 0;

        if (fd < 0)
                return -1;
        while ((n = read(fd, buf + len, size - 1 - (size_t)len)) > 0)
                len += n;
        close(fd);
        if (n < 0)
                return -1;
        buf[len] = '\0';
        return (int)len;
}

/* Retried on EAGAIN (a ".." raced with a mount or rename anywhere), as the hook does. */
static int in_root(int root, const char *path, int flags)
{
        struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC),
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        int fd, tries = 0;

        do
                fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN && ++tries < 64);
        return fd;
}

/* fsopen + fsconfig + fsmount + move_mount onto fd; opts is "key=value" pairs, NULL-ended. */
static int mount_fs(const char *type, const char *const *opts, unsigned attr, int target)
{
        int fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC), mnt;

        if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", type, 0) < 0)
                return -1;
        for (; opts && opts[0]; opts += 2)
                if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, opts[0], opts[1], 0) < 0)
                        return -1;
        if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -1;
        mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attr);
        close(fs);
        if (mnt < 0 || syscall(SYS_move_mount, mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -1;
        close(mnt);
        return 0;
}

/* The cgroup2 path after "0::" in /proc/self/cgroup, or NULL. */
static char *cgroup2_path(char *buf, size_t size)
{
        int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);
        char *p;

        if (fd >= 0)
                close(fd);
        if (n <= 0)
                return NULL;
        buf[n] = '\0';
        p = strncmp(buf, "0::", 3) == 0 ? buf : strstr(buf, "\n0::");
        if (!p)
                return NULL;
        p += p == buf ? 3 : 4;
        p[strcspn(p, "\n")] = '\0';
        return p;
}

/*
 * One step of the plan. path is inside the rootfs; what the other fields mean
 * depends on the step's function.
 */
struct step {
        const char *what;
        int (*run)(int root, const struct step *st);
        const char *path;
        const char *name;               /* mkdir: the new directory's name in path; new file: its content */
        const char *const *opts;        /* tmpfs: "key", "value", ..., NULL */
        unsigned attr;                  /* tmpfs: MOUNT_ATTR_* */
        mode_t mode;                    /* mkdir */
        bool made;                      /* tmpfs: on a directory a step before made (empty: the
                                           hook reads no mount table for it) */
        bool check;                     /* a check, input or log step: not with --bare */
};

/* The mount table, read whole: what the hook consults before covering a path. */
static int read_mountinfo(void)
{
        static char buf[1 << 16];
        int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -1;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                ;
        close(fd);
        return n < 0 ? -1 : 0;
}

/*
 * A tmpfs, after a look at the mount table for what it would cover (the hook carries
 * those over): the target's path as the table names it, read back from its fd.
 */
static int tmpfs_step(int root, const struct step *st)
{
        int fd = in_root(root, st->path, O_PATH | O_DIRECTORY);
        char proc[64], real[4096];

        if (fd < 0)
                return -1;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        if (!st->made && !bare && readlink(proc, real, sizeof(real)) < 0)
                return -1;
        if ((!st->made && read_mountinfo() < 0) || mount_fs("tmpfs", st->opts, st->attr, fd) < 0)
                return -1;
        return close(fd);
}

/*
 * What the container will exec, checked in the rootfs: the command resolved through
 * its symlinks beneath the root, its real path read back, its first bytes an ELF header.
 */
static int exec_check_step(int root, const struct step *st)
{
        char head[64], real[4096], proc[64];
        int fd = in_root(root, st->path, O_RDONLY);
        struct stat s;

        if (fd < 0 || fstat(fd, &s) < 0 || !S_ISREG(s.st_mode) || read(fd, head, sizeof(head)) < 4 ||
            memcmp(head, "\177ELF", 4) != 0)
                return -1;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        if (readlink(proc, real, sizeof(real)) < 0)
                return -1;
        return close(fd);
}

/* A file whose content lives on a private tmpfs, bound read-only over the target. */
static int bind_file_step(int root, const struct step *st)
{
        struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                             MOUNT_ATTR_NOEXEC };
        int target = in_root(root, st->path, O_PATH | O_NOFOLLOW), fs, mnt, fd, tree;

        fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
        if (target < 0 || fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
            syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
            syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -1;
        mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        close(fs);
        fd = mnt < 0 ? -1 : openat(mnt, "content", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->mode);
        if (fd < 0 || write(fd, machine_id, sizeof(machine_id) - 1) != sizeof(machine_id) - 1 ||
            fchmod(fd, st->mode) < 0)
                return -1;
        close(fd);
        tree = (int)syscall(SYS_open_tree, mnt, "content", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0 || syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0 ||
            syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -1;
        close(tree);
        close(mnt);
        return close(target);
}

/* A new file: its directories made one by one beneath the root, then written. */
static int new_file_step(int root, const struct step *st)
{
        char dirs[4096];
        int dir = in_root(root, "run", O_PATH | O_DIRECTORY), fd;     /* path is below /run */

        snprintf(dirs, sizeof(dirs), "%s", st->path);
        for (char *c = dirs, *slash; dir >= 0 && (slash = strchr(c, '/')); c = slash + 1) {
                int next;

                *slash = '\0';
                if (mkdirat(dir, c, 0755) < 0)
                        return -1;
                next = openat(dir, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                close(dir);
                dir = next;
                *slash = '/';
        }
        fd = dir < 0 ? -1 : openat(dir, strrchr(st->path, '/') + 1, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                   st->mode);
        if (fd < 0 || write(fd, st->name, strlen(st->name)) < 0 || fchmod(fd, st->mode) < 0)
                return -1;
        close(fd);
        return close(dir);
}

/*
 * cgroup2 as the hook sets it up (the container in the host's cgroup namespace, as
 * the benchmark runs it): a child "payload" of the container's cgroup (from
 * /proc/self/cgroup) made, the container's init (our parent) moved into it, the
 * host's cgroup2 mount cloned read-only onto the target (never a fresh mount, which
 * would re-apply the hierarchy's options), the child bound writable at its place.
 */
static int cgroup_step(int root, const struct step *st)
{
        struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                             MOUNT_ATTR_NOEXEC };
        struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };
        char buf[4096], pid[32];
        const char *cg = cgroup2_path(buf, sizeof(buf));
        int host = open("/sys/fs/cgroup/unified", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int target = in_root(root, st->path, O_PATH | O_DIRECTORY), c, procs, tree, child, mnt, n;

        if (host < 0)
                host = open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (!cg || host < 0 || target < 0 || strcmp(cg, "/") == 0)
                return -1;
        c = openat(host, cg + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        n = snprintf(pid, sizeof(pid), "%d", (int)getppid());
        if (!bare) {
                /* The kernel's word that the init is in that cgroup, and which cgroup it is. */
                char file[4096], list[4096], *hit;
                struct stat s;
                ssize_t len;

                snprintf(file, sizeof(file), "%s/cgroup.procs", cg + 1);
                procs = openat(host, file, O_RDONLY | O_CLOEXEC);
                if (procs < 0 || (len = read(procs, list, sizeof(list) - 1)) < 0 || fstatat(c, "", &s, AT_EMPTY_PATH) < 0)
                        return -1;
                close(procs);
                list[len] = '\0';
                if (!(hit = strstr(list, pid)) || (hit != list && hit[-1] != '\n') || hit[n] != '\n')
                        return -1;
        }
        if (c < 0 || mkdirat(c, "payload", 0755) < 0)
                return -1;
        procs = openat(c, "payload/cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (procs < 0 || write(procs, pid, (size_t)n) != n)
                return -1;
        close(procs);
        tree = (int)syscall(SYS_open_tree, host, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (tree < 0 || syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0 ||
            syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -1;
        mnt = openat(tree, cg + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        child = (int)syscall(SYS_open_tree, c, "payload", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (mnt < 0 || child < 0 || syscall(SYS_mount_setattr, child, "", AT_EMPTY_PATH, &rw, sizeof(rw)) < 0 ||
            syscall(SYS_move_mount, child, "", mnt, "payload", MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return -1;
        close(child), close(mnt), close(tree), close(c), close(host);
        return close(target);
}static int mkdir_step(int root, const struct step *st)
{
        int fd = in_root(root, st->path, O_PATH | O_DIRECTORY);

        if (fd < 0 || mkdirat(fd, st->name, st->mode) < 0)
                return -1;
        return close(fd);
}

/* The syslog socket, connected before anything else (where there is no /dev/log, tried). */
static int log_open_step(int root, const struct step *st)
{
        struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };

        log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (log_fd >= 0 && connect(log_fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
                close(log_fd);
                log_fd = -1;
        }
        return 0;
}

/* The plan and config.json read, not parsed. */
static int inputs_step(int root, const struct step *st)
{
        static char buf[1 << 16];

        return read_whole(plan_path, buf, sizeof(buf)) < 0 || read_whole(config_path, buf, sizeof(buf)) < 0 ? -1 : 0;
}

/* In the initial user namespace (its fixed inode): no maps to read. */
static int userns_step(int root, const struct step *st)
{
        struct stat s;

        return stat("/proc/self/ns/user", &s) < 0 || s.st_ino != 0xEFFFFFFDU ? -1 : 0;
}

static int ns_ino(const char *pid, const char *ns, ino_t *ino)
{
        char path[64];
        struct stat s;

        snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns);
        if (stat(path, &s) < 0)
                return -1;
        *ino = s.st_ino;
        return 0;
}

/*
 * The caller is the container's init: in our mount and cgroup namespaces and our
 * cgroup, found by its pid as /proc names it (the fourth field of our stat).
 */
static int init_check_step(int root, const struct step *st)
{
        char stat_buf[1024], mine[4096], theirs[4096], pid[16], path[64];
        ino_t m1, c1, m2, c2;
        const char *p;
        int ppid;

        if (ns_ino("self", "mnt", &m1) < 0 || ns_ino("self", "cgroup", &c1) < 0 ||
            read_whole("/proc/self/stat", stat_buf, sizeof(stat_buf)) < 0 || !(p = strrchr(stat_buf, ')')) ||
            sscanf(p + 1, " %*c %d", &ppid) != 1)
                return -1;
        snprintf(pid, sizeof(pid), "%d", ppid);
        snprintf(path, sizeof(path), "/proc/%s/cgroup", pid);
        if (ns_ino(pid, "mnt", &m2) < 0 || ns_ino(pid, "cgroup", &c2) < 0 || m1 != m2 || c1 != c2 ||
            read_whole(path, theirs, sizeof(theirs)) < 0 || read_whole("/proc/self/cgroup", mine, sizeof(mine)) < 0 ||
            strcmp(mine, theirs) != 0)
                return -1;
        return 0;
}

/* One line to syslog for the run, as the hook logs it. */
static int log_step(int root, const struct step *st)
{
        static const char line[] = "<30>oci-mountplan: 4f66a1e3b0e4: stage createContainer: plan systemd applies";

        if (log_fd >= 0) {
                if (send(log_fd, line, sizeof(line) - 1, 0) < 0)
                        return -1;
                close(log_fd);
        }
        return 0;
}

/* uid and gid as the plan gives them (${host_uid}, ${host_gid}: 0 without a user namespace). */
static const char *const run_opts[] = { "mode", "755", "size", "20%", "uid", "0", "gid", "0", NULL };
static const char *const lock_opts[] = { "mode", "1777", "size", "5m", "uid", "0", "gid", "0", NULL };
static const char *const tmp_opts[] = { "mode", "1777", "uid", "0", "gid", "0", NULL };
#define NN (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

/*
 * What plans/systemd.conf makes the hook do in the benchmark's container (env
 * container=docker, so no /run/host), in the hook's order. When the hook learns
 * more (a delegated child cgroup, submounts carried into /run, a check of the
 * command in the rootfs), add its raw-syscall equivalent here.
 */
static const struct step steps[] = {
        { .what = "syslog socket", .run = log_open_step, .check = true },
        { .what = "read the plan and config.json", .run = inputs_step, .check = true },
        { .what = "user namespace", .run = userns_step, .check = true },
        { .what = "exec check /sbin/init", .run = exec_check_step, .path = "sbin/init" },
        { .what = "the container's init", .run = init_check_step, .check = true },
        { .what = "tmpfs /run", .run = tmpfs_step, .path = "run", .opts = run_opts, .attr = NN },
        { .what = "mkdir /run/lock", .run = mkdir_step, .path = "run", .name = "lock", .mode = 0755 },
        { .what = "tmpfs /run/lock", .run = tmpfs_step, .path = "run/lock", .opts = lock_opts,
          .attr = NN | MOUNT_ATTR_NOEXEC, .made = true },
        { .what = "tmpfs /tmp", .run = tmpfs_step, .path = "tmp", .opts = tmp_opts, .attr = NN },
        { .what = "cgroup2 /sys/fs/cgroup", .run = cgroup_step, .path = "sys/fs/cgroup" },
        { .what = "bind /etc/machine-id", .run = bind_file_step, .path = "etc/machine-id", .mode = 0444 },
        { .what = "file machine-id-commit drop-in", .run = new_file_step,
          .path = "systemd/system/systemd-machine-id-commit.service.d/oci-mountplan.conf",
          .name = "[Unit]\nConditionPathIsMountPoint=!/etc/machine-id\n", .mode = 0644 },
        { .what = "mkdir /var/log/journal", .run = mkdir_step, .path = "var/log", .name = "journal", .mode = 02755 },
        { .what = "syslog line", .run = log_step, .check = true },
};

int main(int argc, char **argv)
{
        char state[65536];
        int root;

        while (read(STDIN_FILENO, state, sizeof(state)) > 0)
                ;
        if (argc == 2 && strcmp(argv[1], "--null") == 0)
                return 0;
        bare = argc == 3 && strcmp(argv[1], "--bare") == 0;
        if (!bare && argc != 4) {
                fprintf(stderr, "usage: floor ROOTFS CONFIG PLAN < state.json | floor --bare ROOTFS | floor --null\n");
                return 2;
        }
        config_path = argv[2], plan_path = argv[3];
        umask(0);
        root = open(argv[bare ? 2 : 1], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0) {
                perror(argv[bare ? 2 : 1]);
                return 1;
        }
        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
                if (!(bare && steps[i].check) && steps[i].run(root, &steps[i]) < 0) {
                        fprintf(stderr, "floor: %s: %m\n", steps[i].what);
                        return 1;
                }
        return 0;
}
