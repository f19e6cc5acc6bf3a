/* SPDX-License-Identifier: MIT */
/* tmpfs: a fresh tmpfs on target; the mounts beneath it are carried over into it. */
#include "action.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "executor.h"
#include "mount.h"
#include "mounttable.h"

static const struct field tmpfs_fields[] = {
        COMMON_FIELDS,
        FIELD("target", FIELD_PATH, true, target),
        FIELD("options", FIELD_TMPFS_OPTIONS, false, options),
        FIELD("keep_submounts", FIELD_BOOL, false, keep_submounts),
        { 0 },
};

static void tmpfs_defaults(struct action *a)
{
        a->keep_submounts = true;
}

static int tmpfs_resolve(struct resolver *R, const struct action *a, struct op *op, struct error *e)
{
        int r = resolve_mount_options(R, op, a->options, MOUNTOPT_TMPFS, &op->opts, e);

        if (r < 0)
                return r;
        op->keep_submounts = a->keep_submounts;
        if (a->keep_submounts)
                resolve_collect_keep(R, op);
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

/* A file to carry a file mount onto, given to the operation's owner when made here. */
static int make_file_mountpoint(struct executor *x, const struct op *op, const char *path, struct strv *dirs,
                                struct error *e)
{
        _cleanup_close_ int dirfd = -1, fd = -1;
        const char *name;
        int r = rootfs_open_parent(&x->root, path, true, dirs, &dirfd, &name);

        if (r < 0)
                return r;
        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
                return -errno;
        if (fd >= 0 && exec_chown_at(op, fd, "", e) < 0)
                return e->code;
        return 0;
}

/*
 * Makes the mount point for a carried mount inside the new tmpfs, through the same
 * resolver as every other path, and checks it landed on that tmpfs.
 */
static int make_mountpoint(struct executor *x, const struct op *op, const char *path, bool is_dir, int tmpfs_fd,
                           struct strv *dirs, int *out, struct error *e)
{
        _cleanup_close_ int fd = -1;
        struct stat st, tst;
        int r;

        if (is_dir)
                r = rootfs_mkdir_p(&x->root, path, 0755, dirs, &fd);
        else if ((r = make_file_mountpoint(x, op, path, dirs, e)) == 0)
                r = rootfs_open_at(&x->root, path, O_PATH | O_NOFOLLOW, &fd);
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
                struct strv dirs = { 0 };
                struct stat st;
                int r;

                if (c->fds[i] < 0)
                        continue;
                path = path_join(op->target, c->table.v[i].rel);
                if (fstat(c->fds[i], &st) < 0)
                        return error_setsys(e, -errno, "%s", path);
                /* In the new tmpfs: what is made there goes with it, nothing to undo one by one. */
                r = make_mountpoint(x, op, path, S_ISDIR(st.st_mode), tmpfs_fd, &dirs, &mp, e);
                strv_free(&dirs);
                if (r < 0)
                        return error_setsys(e, r, "cannot make the mount point to carry %s over", path);
                r = mount_bind_at(c->fds[i], mp, true, 0);
                if (r < 0)
                        return error_setsys(e, r, "cannot carry over %s", path);
        }
        return 0;
}

/* Does the plan set the tmpfs root's owner itself (uid=, gid= in its options)? */
static bool options_set_owner(const char *data)
{
        for (const char *p = data ? data : ""; *p; ) {
                ssize_t n = mountopt_next(p);

                if (n <= 0)
                        return false;
                if (strncmp(p, "uid=", 4) == 0 || strncmp(p, "gid=", 4) == 0)
                        return true;
                p += n + (p[n] == ',');
        }
        return false;
}

/* The new tmpfs's root goes to the operation's owner too, unless the plan says whose it is. */
static int give_tmpfs_root(const struct op *op, int mount_fd, struct error *e)
{
        if (options_set_owner(op->opts.data))
                return 0;
        return exec_chown_at(op, mount_fd, "", e);
}

static int tmpfs_exec(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int tfd = -1;
        struct carried carried = { 0 };
        size_t dirs_before = u->dirs.n;
        bool is_root = false, ro, made;
        long fstype = 0;
        int r;

        r = rootfs_mkdir_p(&x->root, op->target, 0755, &u->dirs, &tfd);
        if (r < 0)
                return exec_resolve_failed(e, r, op->target);
        /* A directory made just now is empty: nothing is mounted on it or beneath it. */
        made = u->dirs.n > dirs_before;
        r = made ? 0 : mount_inspect(tfd, &is_root, &fstype, &ro);
        if (r < 0)
                return error_setsys(e, r, "cannot inspect %s", op->target);
        if (!made && is_root && fstype == TMPFS_MAGIC)
                return EXEC_ALREADY;    /* a tmpfs already: running twice must not stack mounts */
        if (op->keep_submounts && !made && (r = open_carried(x, op, tfd, &carried, e)) < 0)
                goto out;
        r = mount_fs_at("tmpfs", op->opts.data, op->opts.flags, tfd, &u->mount_fd);
        if (r < 0) {
                r = error_setsys(e, r, "cannot mount tmpfs on %s", op->target);
                goto out;
        }
        r = exec_find_new_mount(x, op->target, TMPFS_MAGIC, &u->mount_fd);
        if (r < 0) {
                r = error_setsys(e, r, "tmpfs on %s did not land where it was resolved", op->target);
                goto out;
        }
        if ((r = give_tmpfs_root(op, u->mount_fd, e)) < 0)
                goto out;
        if (carried.fds)
                r = carry_over(x, op, &carried, u->mount_fd, e);
out:
        carried_free(&carried);
        return r;
}

static void tmpfs_report_text(FILE *f, const struct op *op)
{
        _cleanup_free_ char *opts = report_options_string(op);

        fprintf(f, " type=tmpfs options=%s", opts);
        for (size_t i = 0; i < op->keep.n; i++)
                fprintf(f, "%s%s", i ? "," : " keep=", op->keep.v[i]);
}

static void tmpfs_report_json(json_t *o, const struct op *op)
{
        _cleanup_free_ char *opts = report_options_string(op);

        json_object_set_new(o, "type", json_string("tmpfs"));
        json_object_set_new(o, "options", report_json_text(strcmp(opts, "-") ? opts : ""));
        json_object_set_new(o, "keep_submounts", report_json_strv(&op->keep));
}

const struct action_ops action_tmpfs_ops = {
        .name = "tmpfs",
        .fields = tmpfs_fields,
        .defaults = tmpfs_defaults,
        .resolve = tmpfs_resolve,
        .exec = tmpfs_exec,
        .report_text = tmpfs_report_text,
        .report_json = tmpfs_report_json,
};
