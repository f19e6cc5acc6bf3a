/* SPDX-License-Identifier: MIT */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "mount.h"
#include "mounttable.h"
#include "rootfs.h"

#define FILE_BACKUP_MAX (1024 * 1024)

/* An operation found its result already in place: a success that changed nothing. */
#define EXEC_ALREADY 1

/* rewrite_file: the file cannot be opened for writing on a read-only rootfs; nothing was changed. */
#define EXEC_READ_ONLY 2

/* What one performed operation left behind, to be undone if a later one fails. */
struct undo {
        int mount_fd;             /* root of a mount we made, or -1 */
        int remount_fd;           /* a mount whose flags we changed, or -1 */
        unsigned long old_flags;  /* ... and what they were */
        struct strv dirs;         /* directories we created */
        int file_dirfd;           /* a file we created or rewrote: its directory */
        char *file_name;
        bool file_created;
        char *old_content;        /* for a rewritten file */
        size_t old_len;
        mode_t old_mode;
        struct cgroup_undo cg;    /* a delegated cgroup */
};

struct executor {
        struct rootfs root;
        const struct resolution *res;
        const struct state *state;
        struct cgroup_facts cg;   /* what the kernel says about the container's cgroup */
        struct undo *undo;
        size_t n_undo;
};

/*
 * A path that could not be resolved or made inside the rootfs. EEXIST from making a
 * directory means a symlink whose target (taken inside the rootfs) is missing: the
 * usual shape of an image pointing /run or /etc at a host path.
 */
static int resolve_failed(struct error *e, int r, const char *target)
{
        if (r == -EEXIST)
                return error_set(e, r, "%s (or a parent) is a symlink to a path missing inside the rootfs; "
                                 "refusing to follow it out", target);
        return error_setsys(e, r, "cannot resolve %s inside the rootfs", target);
}

static struct undo *undo_new(struct executor *x)
{
        struct undo *u;

        x->undo = xrealloc(x->undo, (x->n_undo + 1) * sizeof(*x->undo));
        u = &x->undo[x->n_undo++];
        memset(u, 0, sizeof(*u));
        u->mount_fd = -1;
        u->remount_fd = -1;
        u->file_dirfd = -1;
        cgroup_undo_init(&u->cg);
        return u;
}

static void undo_one(struct executor *x, struct undo *u, bool rollback)
{
        cgroup_undo_run(&u->cg, rollback);      /* before its mount goes: it moves the init back through it */
        if (rollback && u->mount_fd >= 0)
                (void)mount_detach(u->mount_fd);
        if (rollback && u->remount_fd >= 0)
                (void)mount_set_flags(u->remount_fd, u->old_flags, false);
        if (rollback && u->file_dirfd >= 0 && u->file_created)
                (void)unlinkat(u->file_dirfd, u->file_name, 0);
        if (rollback && u->file_dirfd >= 0 && !u->file_created) {
                int fd = openat(u->file_dirfd, u->file_name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

                if (fd >= 0) {
                        if (ftruncate(fd, 0) == 0 && u->old_len)
                                (void)!write(fd, u->old_content, u->old_len);
                        (void)fchmod(fd, u->old_mode);
                        close(fd);
                }
        }
        if (rollback)
                rootfs_rmdir_created(&x->root, &u->dirs);
        if (u->mount_fd >= 0)
                close(u->mount_fd);
        if (u->remount_fd >= 0)
                close(u->remount_fd);
        if (u->file_dirfd >= 0)
                close(u->file_dirfd);
        strv_free(&u->dirs);
        free(u->file_name);
        free(u->old_content);
}

/*
 * The root of the mount just made on target. The new mount API hands it over; after
 * mount(2) it is looked up again, and checked to be that mount (as bubblewrap does).
 * *fd is set only on success: what is found there otherwise is not what was made, and
 * rollback must not detach it. A mount(2) mount that cannot be found again is left
 * to die with the container's mount namespace.
 */
static int find_new_mount(struct executor *x, const char *target, long want_fstype, int *fd)
{
        _cleanup_close_ int found = -1;
        bool is_root, ro;
        long fstype;
        int r;

        if (*fd >= 0)
                return 0;
        r = rootfs_open_at(&x->root, target, O_PATH | O_DIRECTORY, &found);
        if (r < 0)
                return r;
        r = mount_inspect(found, &is_root, &fstype, &ro);
        if (r < 0)
                return r;
        if (!is_root || fstype != want_fstype)
                return -EXDEV;
        *fd = TAKE_FD(found);
        return 0;
}

/* Mounts found beneath a tmpfs target, held open to be carried over into the new tmpfs. */
struct carried {
        struct submounts table;
        int *fds;                 /* per table entry: the mount, or -1 when not visible there */
};

static void carried_free(struct carried *c)
{
        for (size_t i = 0; c->fds && i < c->table.n; i++)
                if (c->fds[i] >= 0)
                        close(c->fds[i]);
        free(c->fds);
        submounts_free(&c->table);
}

/*
 * Opens each mount the kernel lists beneath the target through the safe resolver
 * and keeps those that are what the table says (the same mount id): a mount
 * covered by a later one is not visible there and needs no carrying.
 */
static int open_carried(struct executor *x, const struct op *op, int tfd, struct carried *c, struct error *e)
{
        int r = mounttable_beneath(tfd, &c->table);

        if (r < 0)
                return error_setsys(e, r, "cannot list the mounts beneath %s", op->target);
        c->fds = xmalloc((c->table.n + 1) * sizeof(int));
        for (size_t i = 0; i < c->table.n; i++) {
                _cleanup_free_ char *path = path_join(op->target, c->table.v[i].rel);
                _cleanup_close_ int fd = -1;
                uint64_t id;

                c->fds[i] = -1;
                r = rootfs_open_at(&x->root, path, O_PATH | O_NOFOLLOW, &fd);
                if (r == -ENOENT || r == -EXDEV)
                        continue;
                if (r < 0)
                        return error_setsys(e, r, "cannot open the mount at %s", path);
                if ((r = mount_id_of(fd, &id)) < 0)
                        return error_setsys(e, r, "cannot identify the mount at %s", path);
                if (submounts_has(&c->table, c->table.v[i].rel, id))
                        c->fds[i] = TAKE_FD(fd);
        }
        return 0;
}

/*
 * Makes the mount point for a carried mount inside the new tmpfs, through the same
 * resolver as every other path, and checks it landed on that tmpfs.
 */
static int make_mountpoint(struct executor *x, const char *path, bool is_dir, int tmpfs_fd, int *out)
{
        _cleanup_close_ int dirfd = -1, fd = -1;
        struct stat st, tst;
        const char *name;
        int r;

        if (is_dir)
                r = rootfs_mkdir_p(&x->root, path, 0755, NULL, &fd);
        else {
                r = rootfs_open_parent(&x->root, path, true, NULL, &dirfd, &name);
                if (r < 0)
                        return r;
                fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0)
                        return -errno;
                close(fd);
                r = rootfs_open_at(&x->root, path, O_PATH | O_NOFOLLOW, &fd);
        }
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0 || fstat(tmpfs_fd, &tst) < 0)
                return -errno;
        if (st.st_dev != tst.st_dev)
                return -EXDEV;
        *out = TAKE_FD(fd);
        return 0;
}

static int carry_over(struct executor *x, const struct op *op, const struct carried *c, int tmpfs_fd,
                      struct error *e)
{
        for (size_t i = 0; i < c->table.n; i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_close_ int mp = -1;
                struct stat st;
                int r;

                if (c->fds[i] < 0)
                        continue;
                path = path_join(op->target, c->table.v[i].rel);
                if (fstat(c->fds[i], &st) < 0)
                        return error_setsys(e, -errno, "%s", path);
                r = make_mountpoint(x, path, S_ISDIR(st.st_mode), tmpfs_fd, &mp);
                if (r < 0)
                        return error_setsys(e, r, "cannot make the mount point to carry %s over", path);
                r = mount_bind_at(c->fds[i], mp, true, 0);
                if (r < 0)
                        return error_setsys(e, r, "cannot carry over %s", path);
        }
        return 0;
}

static int exec_tmpfs(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int tfd = -1;
        struct carried carried = { 0 };
        bool is_root, ro;
        long fstype;
        int r;

        r = rootfs_mkdir_p(&x->root, op->target, 0755, &u->dirs, &tfd);
        if (r < 0)
                return resolve_failed(e, r, op->target);
        r = mount_inspect(tfd, &is_root, &fstype, &ro);
        if (r < 0)
                return error_setsys(e, r, "cannot inspect %s", op->target);
        if (is_root && fstype == TMPFS_MAGIC)
                return EXEC_ALREADY;    /* a tmpfs already: running twice must not stack mounts */
        if (op->action->keep_submounts && (r = open_carried(x, op, tfd, &carried, e)) < 0)
                goto out;
        r = mount_fs_at("tmpfs", op->opts.data, op->opts.flags, tfd, &u->mount_fd);
        if (r < 0) {
                r = error_setsys(e, r, "cannot mount tmpfs on %s", op->target);
                goto out;
        }
        r = find_new_mount(x, op->target, TMPFS_MAGIC, &u->mount_fd);
        if (r < 0) {
                r = error_setsys(e, r, "tmpfs on %s did not land where it was resolved", op->target);
                goto out;
        }
        if (carried.fds)
                r = carry_over(x, op, &carried, u->mount_fd, e);
out:
        carried_free(&carried);
        return r;
}

static int open_bind_source(struct executor *x, const struct op *op, int *fd)
{
        if (op->action->source_in_rootfs)
                return rootfs_open_at(&x->root, op->source, O_PATH, fd);
        /* A host source is the admin's own path, trusted like the plan itself. */
        *fd = open(op->source, O_PATH | O_CLOEXEC);
        return *fd < 0 ? -errno : 0;
}

static int open_bind_target(struct executor *x, const struct op *op, bool is_dir, struct undo *u, int *fd)
{
        _cleanup_close_ int parent = -1;
        const char *name;
        int r, nfd;

        if (is_dir)
                return op->action->create ? rootfs_mkdir_p(&x->root, op->target, 0755, &u->dirs, fd)
                                          : rootfs_open_at(&x->root, op->target, O_PATH | O_DIRECTORY, fd);
        r = rootfs_open_at(&x->root, op->target, O_PATH | O_NOFOLLOW, fd);
        if (r != -ENOENT || !op->action->create)
                return r;
        r = rootfs_open_parent(&x->root, op->target, true, &u->dirs, &parent, &name);
        if (r < 0)
                return r;
        nfd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (nfd < 0)
                return -errno;
        close(nfd);
        u->file_dirfd = TAKE_FD(parent);
        u->file_name = xstrdup(name);
        u->file_created = true;
        return rootfs_open_at(&x->root, op->target, O_PATH | O_NOFOLLOW, fd);
}

static int exec_bind(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int src = -1, tfd = -1, landed = -1;
        struct stat st;
        bool is_root, ro;
        long fstype;
        int r, pending;

        r = open_bind_source(x, op, &src);
        if (r < 0 || fstat(src, &st) < 0)
                return error_setsys(e, r < 0 ? r : -errno, "bind source %s", op->source);
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
                return error_set(e, -EINVAL, "bind source %s is neither a directory nor a regular file", op->source);
        r = open_bind_target(x, op, S_ISDIR(st.st_mode), u, &tfd);
        if (r < 0)
                return resolve_failed(e, r, op->target);
        if (mount_inspect(tfd, &is_root, &fstype, &ro) == 0 && is_root && fd_same_inode(src, tfd))
                return EXEC_ALREADY;
        pending = mount_bind_at(src, tfd, op->action->recursive, op->opts.flags);
        if (pending < 0)
                return error_setsys(e, pending, "cannot bind %s on %s", op->source, op->target);
        r = rootfs_open_at(&x->root, op->target, O_PATH | (S_ISDIR(st.st_mode) ? O_DIRECTORY : O_NOFOLLOW),
                           &landed);
        /* Only what is proven to be the new bind becomes the undo handle (rollback detaches it). */
        if (r < 0 || !fd_same_inode(src, landed))
                return error_setsys(e, r < 0 ? r : -EXDEV, "bind on %s did not land where it was resolved",
                                    op->target);
        u->mount_fd = TAKE_FD(landed);
        /* mount(2) made it: its flags go on the new mount, found again just above. */
        if (pending == MOUNT_FLAGS_PENDING &&
            (r = mount_set_flags(u->mount_fd, op->opts.flags, op->action->recursive)) < 0)
                return error_setsys(e, r, "cannot set the flags of the bind on %s", op->target);
        return 0;
}

static int exec_mkdir(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int fd = -1;
        int r = rootfs_mkdir_p(&x->root, op->target, op->action->mode, &u->dirs, &fd);

        if (r < 0)
                return resolve_failed(e, r, op->target);
        return u->dirs.n == 0 ? EXEC_ALREADY : 0;
}

static const char *file_type_name(mode_t m)
{
        if (S_ISDIR(m)) return "a directory";
        if (S_ISFIFO(m)) return "a FIFO";
        if (S_ISCHR(m)) return "a character device";
        if (S_ISBLK(m)) return "a block device";
        if (S_ISSOCK(m)) return "a socket";
        if (S_ISLNK(m)) return "a symlink";
        return "not a regular file";
}

/* Checks that an existing target is a regular, singly linked file; refuses anything else. */
static int check_existing_file(int pfd, const char *target, struct stat *st, struct error *e)
{
        if (fstat(pfd, st) < 0)
                return error_setsys(e, -errno, "%s", target);
        if (!S_ISREG(st->st_mode))
                return error_set(e, -EPERM, "%s is %s, refusing to write it", target, file_type_name(st->st_mode));
        if (st->st_nlink > 1)
                return error_set(e, -EPERM, "%s has %ju hard links, refusing to write it", target,
                                 (uintmax_t)st->st_nlink);
        return 0;
}

/*
 * A handle on the directory of a file about to be created or rewritten, for rollback:
 * taken before the file is touched, so that a failure here leaves nothing to undo.
 */
static int keep_dir(int dirfd, const char *target, int *out, struct error *e)
{
        *out = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (*out < 0)
                return error_setsys(e, -errno, "cannot keep a handle to undo %s", target);
        return 0;
}

static int create_file(int dirfd, const char *name, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int fd = -1, keep = -1;
        int r;

        if ((r = keep_dir(dirfd, op->target, &keep, e)) < 0)
                return r;
        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, op->action->mode);
        if (fd < 0)
                return error_setsys(e, -errno, "cannot create %s", op->target);
        u->file_dirfd = TAKE_FD(keep);
        u->file_name = xstrdup(name);
        u->file_created = true;
        if ((r = write_all(fd, op->content, op->content_len)) < 0 || fchmod(fd, op->action->mode) < 0)
                return error_setsys(e, r < 0 ? r : -errno, "cannot write %s", op->target);
        return 0;
}

/*
 * Rewrites the very inode checked (reopened through its O_PATH fd), keeping a backup for
 * rollback. Returns 0, a negative errno with e set, or EXEC_READ_ONLY (e untouched).
 */
static int rewrite_file(int dirfd, const char *name, int pfd, const struct stat *st, const struct op *op,
                        struct undo *u, struct error *e)
{
        _cleanup_close_ int fd = -1, keep = -1;
        char proc[PROC_FD_PATH_MAX];
        ssize_t n;
        int r = 0;

        if (st->st_size > FILE_BACKUP_MAX)
                return error_set(e, -EFBIG, "%s is larger than %d bytes, refusing to replace it", op->target,
                                 FILE_BACKUP_MAX);
        if ((r = keep_dir(dirfd, op->target, &keep, e)) < 0)
                return r;
        /* An empty file (replace = "empty", the machine id) has nothing to back up: truncate on open. */
        fd = open(proc_fd_path(proc, pfd), O_RDWR | O_NOCTTY | O_CLOEXEC | (st->st_size == 0 ? O_TRUNC : 0));
        if (fd < 0 && errno == EROFS)
                return EXEC_READ_ONLY;
        if (fd < 0)
                return error_setsys(e, -errno, "cannot open %s", op->target);
        u->old_content = xmalloc((size_t)st->st_size + 1);
        n = st->st_size == 0 ? 0 : pread(fd, u->old_content, (size_t)st->st_size, 0);
        u->old_len = n > 0 ? (size_t)n : 0;
        u->old_mode = st->st_mode & 07777;
        u->file_dirfd = TAKE_FD(keep);
        u->file_name = xstrdup(name);
        if ((st->st_size > 0 && ftruncate(fd, 0) < 0) || (r = write_all(fd, op->content, op->content_len)) < 0 ||
            fchmod(fd, op->action->mode) < 0)
                return error_setsys(e, r < 0 ? r : -errno, "cannot write %s", op->target);
        return 0;
}

/*
 * The file just bound over target (pfd, opened before): a mount's root, and another
 * mount than pfd's (a runtime's bind there is not ours), before it becomes the undo handle.
 */
static int find_bound_file(struct executor *x, const struct op *op, int pfd, struct undo *u, struct error *e)
{
        _cleanup_close_ int landed = -1;
        uint64_t old_id, new_id;
        bool is_root, ro;
        long fstype;
        int r = rootfs_open_at(&x->root, op->target, O_PATH | O_NOFOLLOW, &landed);

        if (r < 0)
                return error_setsys(e, r, "cannot find %s after binding over it", op->target);
        if (mount_inspect(landed, &is_root, &fstype, &ro) < 0 || !is_root || mount_id_of(pfd, &old_id) < 0 ||
            mount_id_of(landed, &new_id) < 0 || new_id == old_id)
                return error_set(e, -EXDEV, "the file bound over %s did not land where it was resolved",
                                 op->target);
        u->mount_fd = TAKE_FD(landed);
        return 0;
}

/*
 * A read-only rootfs cannot be written: put the content in a file of its own and
 * bind it over the target instead, as systemd does for a transient machine id.
 */
static int bind_file_over(struct executor *x, int pfd, const struct op *op, struct undo *u, struct error *e)
{
        int r = mount_file_with_content(pfd, -1, op->content, op->content_len, op->action->mode);

        if (r < 0)
                return error_setsys(e, r, "read-only rootfs: cannot bind a file over %s", op->target);
        return find_bound_file(x, op, pfd, u, e);
}

/*
 * via = "bind": the target in the rootfs is never written, so the content stays out
 * of the image (docker commit) and out of the container's writable layer. A missing
 * target is created empty, as the mount point; that empty file stays.
 */
static int exec_file_bind(struct executor *x, int dirfd, const char *name, const struct op *op, struct undo *u,
                          struct error *e)
{
        const struct action *a = op->action;
        _cleanup_close_ int pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        bool created = false, is_root, ro;
        struct stat st;
        long fstype;
        int r;

        if (pfd < 0 && errno == ENOENT) {
                _cleanup_close_ int keep = -1;
                int fd;

                if ((r = keep_dir(dirfd, op->target, &keep, e)) < 0)
                        return r;
                fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
                if (fd < 0)
                        return error_setsys(e, -errno, "cannot create the mount point %s", op->target);
                close(fd);
                u->file_dirfd = TAKE_FD(keep);
                u->file_name = xstrdup(name);
                u->file_created = created = true;
                pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (pfd < 0)
                return error_setsys(e, -errno, "%s", op->target);
        /* Already bound (the hook ran before in this mount namespace): do not stack. */
        if (!created && mount_inspect(pfd, &is_root, &fstype, &ro) == 0 && is_root)
                return EXEC_ALREADY;
        if ((r = check_existing_file(pfd, op->target, &st, e)) < 0)
                return r;
        if (!created && (a->replace == REPLACE_MISSING || (a->replace == REPLACE_EMPTY && st.st_size > 0)))
                return EXEC_ALREADY;
        r = mount_file_with_content(pfd, dirfd, op->content, op->content_len, a->mode);
        if (r < 0)
                return error_setsys(e, r, "cannot bind a file over %s", op->target);
        return find_bound_file(x, op, pfd, u, e);
}

static int exec_file(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        const struct action *a = op->action;
        _cleanup_close_ int dirfd = -1, pfd = -1;
        const char *name;
        struct stat st;
        int r;

        r = rootfs_open_parent(&x->root, op->target, true, &u->dirs, &dirfd, &name);
        if (r < 0)
                return resolve_failed(e, r, op->target);
        if (a->via_bind)
                return exec_file_bind(x, dirfd, name, op, u, e);
        pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (pfd < 0 && errno == ENOENT)
                return create_file(dirfd, name, op, u, e);
        if (pfd < 0)
                return error_setsys(e, -errno, "%s", op->target);
        if ((r = check_existing_file(pfd, op->target, &st, e)) < 0)
                return r;
        if (a->replace == REPLACE_MISSING || (a->replace == REPLACE_EMPTY && st.st_size > 0))
                return EXEC_ALREADY;
        r = rewrite_file(dirfd, name, pfd, &st, op, u, e);
        if (r == EXEC_READ_ONLY)
                return bind_file_over(x, pfd, op, u, e);
        return r;
}

/*
 * mount(2) refuses a second mount of the same cgroup2 superblock where the runtime
 * already mounted it (move_mount allows it): use the runtime's mount, writable
 * until cgroup_delegate makes it read-only.
 */
static int cgroup_remount_writable(int tfd, const struct op *op, struct undo *u, struct error *e)
{
        bool is_root, ro;
        long fstype;
        int r;

        _cleanup_close_ int keep = -1;

        if (mount_inspect(tfd, &is_root, &fstype, &ro) < 0 || !is_root || fstype != CGROUP2_SUPER_MAGIC)
                return error_setsys(e, -EBUSY, "cannot mount cgroup2 on %s", op->target);
        /* The handle to put the flags back is taken before they change. */
        keep = fcntl(tfd, F_DUPFD_CLOEXEC, 3);
        if (keep < 0)
                return error_setsys(e, -errno, "cannot keep a handle to undo %s", op->target);
        r = mount_set_flags(tfd, MS_NOSUID | MS_NODEV | MS_NOEXEC, false);
        if (r < 0)
                return error_setsys(e, r, "cannot make cgroup2 on %s writable", op->target);
        u->remount_fd = TAKE_FD(keep);
        u->old_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (ro ? MS_RDONLY : 0);
        return 0;
}

/*
 * The cgroup tree for the container, writable only below a child of its cgroup
 * (cgroup.c). In a cgroup namespace of its own a fresh cgroup2 mount shows its
 * subtree and re-applies nothing host-wide; in the host's, a fresh mount would
 * re-apply the hierarchy's mount options to the whole host, so the host's mount
 * is cloned instead.
 */
static int exec_cgroup(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        const unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        const struct cgroup_facts *f = &x->cg;
        _cleanup_close_ int tfd = -1;
        int r;

        if (!f->ns_path)
                return error_set(e, -EOPNOTSUPP, "the container has no cgroup2 cgroup (a cgroup v1-only host); "
                                 "not supported");
        r = rootfs_open_at(&x->root, op->target, O_PATH | O_DIRECTORY, &tfd);
        if (r < 0)
                return resolve_failed(e, r, op->target);
        if (cgroup_already_delegated(f, tfd, op->action->child))
                return EXEC_ALREADY;    /* running twice must not stack mounts */
        if (f->own_ns)
                r = mount_fs_at("cgroup2", "", base, tfd, &u->mount_fd);
        else    /* flags after: mount(2) could not reach the new mount through tfd to set them */
                r = mount_bind_at(f->hostfd, tfd, false, 0);
        if (r == -EBUSY && f->own_ns) {
                if ((r = cgroup_remount_writable(tfd, op, u, e)) < 0)
                        return r;
                return cgroup_delegate(f, tfd, op->action->child, x->res->root_uid, x->res->root_gid, &u->cg, e);
        }
        if (r < 0)
                return error_setsys(e, r, "cannot mount cgroup2 on %s", op->target);
        r = find_new_mount(x, op->target, CGROUP2_SUPER_MAGIC, &u->mount_fd);
        if (r < 0)
                return error_setsys(e, r, "cgroup2 on %s did not land where it was resolved", op->target);
        if (!f->own_ns && (r = mount_set_flags(u->mount_fd, base, false)) < 0)
                return error_setsys(e, r, "cannot set nosuid,nodev,noexec on cgroup2 on %s", op->target);
        return cgroup_delegate(f, u->mount_fd, op->action->child, x->res->root_uid, x->res->root_gid, &u->cg, e);
}

static int exec_op(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        switch (op->kind) {
        case ACTION_TMPFS: return exec_tmpfs(x, op, u, e);
        case ACTION_BIND: return exec_bind(x, op, u, e);
        case ACTION_CGROUP: return exec_cgroup(x, op, u, e);
        case ACTION_MKDIR: return exec_mkdir(x, op, u, e);
        case ACTION_FILE: return exec_file(x, op, u, e);
        case _ACTION_KIND_MAX: break;
        }
        return error_set(e, -EINVAL, "unknown operation");
}

/* The first cgroup operation that will run, or NULL. */
static const struct op *cgroup_op(const struct resolution *r)
{
        for (size_t i = 0; i < r->n_ops; i++)
                if (!r->ops[i].skipped && r->ops[i].kind == ACTION_CGROUP)
                        return &r->ops[i];
        return NULL;
}

static int enter_ns(const char *pid, const char *ns, int nstype, struct error *e)
{
        char path[64];
        _cleanup_close_ int fd = -1;
        struct stat mine, theirs;

        snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_setsys(e, -errno, "%s", path);
        snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
        if (stat(path, &mine) == 0 && fstat(fd, &theirs) == 0 && mine.st_ino == theirs.st_ino)
                return 0;
        if (setns(fd, nstype) < 0)
                return error_setsys(e, -errno, "cannot enter the container's %s namespace", ns);
        return 0;
}

/*
 * createContainer runs inside the container's namespaces already: the container's
 * init is the hook's parent (cgroup_find_init checks it). The runtime-namespace
 * stages enter the cgroup and mount namespaces of the state's pid, once the kernel
 * has confirmed it is a container's. Which cgroup and cgroup namespace the init is
 * in comes from /proc, cross-checked with config.json's linux.cgroupsPath.
 */
static int enter_container(struct executor *x, const struct spec *spec, struct error *e)
{
        bool in_container = strcmp(x->res->stage, "createContainer") == 0;
        const struct op *cg = cgroup_op(x->res);
        const char *child = cg ? cg->action->child : CGROUP_CHILD_DEFAULT;
        char pid[16];
        int r;

        if (in_container && !cg)
                return 0;
        if ((r = cgroup_find_init(x->res->stage, x->state->pid, &x->cg, e)) < 0 ||
            (r = cgroup_read_paths(&x->cg, in_container, e)) < 0)
                return r;
        if (!in_container) {
                snprintf(pid, sizeof(pid), "%d", x->cg.pid);
                if ((r = enter_ns(pid, "cgroup", CLONE_NEWCGROUP, e)) < 0)
                        return r;
                if (x->cg.own_ns && (r = cgroup_read_paths(&x->cg, true, e)) < 0)
                        return r;
                if ((r = enter_ns(pid, "mnt", CLONE_NEWNS, e)) < 0)
                        return r;
        }
        return cgroup_check(&x->cg, spec->cgroups_path, child, cg != NULL, e);
}

const char *exec_outcome_name(enum exec_outcome o)
{
        static const char *const names[] = {
                [OUTCOME_SKIPPED] = "skipped", [OUTCOME_NOT_RUN] = "not run", [OUTCOME_DONE] = "done",
                [OUTCOME_ALREADY] = "already in place", [OUTCOME_FAILED] = "failed", [OUTCOME_UNDONE] = "undone",
        };

        return names[o];
}

int exec_resolution(const struct resolution *r, const struct spec *spec, const struct state *state,
                    enum exec_outcome *outcomes, struct error *e)
{
        struct executor x = { .root = { .fd = -1 }, .res = r, .state = state };
        size_t *undo_of = xmalloc((r->n_ops + 1) * sizeof(size_t));
        int ret = 0;

        cgroup_facts_init(&x.cg);
        for (size_t i = 0; i < r->n_ops; i++)
                outcomes[i] = r->ops[i].skipped ? OUTCOME_SKIPPED : OUTCOME_NOT_RUN;
        if (resolution_active_ops(r) == 0 || strcmp(r->stage, "poststop") == 0)
                goto out;       /* poststop: the container's namespaces are gone */
        if (geteuid() != 0) {
                ret = error_set(e, -EPERM, "performing a plan needs root (try --dry-run)");
                goto out;
        }
        if ((ret = enter_container(&x, spec, e)) < 0)
                goto out;
        if ((ret = rootfs_open(r->rootfs, &x.root)) < 0) {
                error_setsys(e, ret, "rootfs %s", r->rootfs);
                goto out;
        }
        for (size_t i = 0; i < r->n_ops; i++) {
                const struct op *op = &r->ops[i];

                if (op->skipped)
                        continue;
                undo_of[x.n_undo] = i;
                ret = exec_op(&x, op, undo_new(&x), e);
                if (ret < 0) {
                        outcomes[i] = OUTCOME_FAILED;
                        error_wrap(e, "%s:%d: %s %s: ", op->plan->file, op->action->line,
                                   action_kind_name(op->kind), op->target);
                        break;
                }
                outcomes[i] = ret == EXEC_ALREADY ? OUTCOME_ALREADY : OUTCOME_DONE;
                ret = 0;
        }
out:
        /* Undo in reverse order on failure; on success only release what was held. */
        for (size_t i = x.n_undo; i > 0; i--) {
                if (ret < 0 && outcomes[undo_of[i - 1]] == OUTCOME_DONE)
                        outcomes[undo_of[i - 1]] = OUTCOME_UNDONE;
                undo_one(&x, &x.undo[i - 1], ret < 0);
        }
        free(undo_of);
        free(x.undo);
        cgroup_facts_free(&x.cg);
        rootfs_close(&x.root);
        return ret;
}
