/* SPDX-License-Identifier: MIT */
/* bind: a host path (or one inside the rootfs) bound onto target, read-only if asked. */
#include "action.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "executor.h"
#include "mount.h"

static const char *const source_in_names[] = { [SOURCE_IN_HOST] = "host", [SOURCE_IN_ROOTFS] = "rootfs" };

static const struct field bind_fields[] = {
        COMMON_FIELDS,
        FIELD("source", FIELD_SOURCE, true, source),
        FIELD_ENUM_OF("source_in", source_in, source_in_names),
        FIELD("target", FIELD_PATH, true, target),
        FIELD("readonly", FIELD_BOOL, false, readonly),
        FIELD("create", FIELD_BOOL, false, create),
        FIELD("recursive", FIELD_BOOL, false, recursive),
        FIELD("options", FIELD_BIND_OPTIONS, false, options),
        { 0 },
};

static void bind_defaults(struct action *a)
{
        a->create = true;
        a->recursive = true;
}

static int bind_resolve(struct resolver *R, const struct action *a, struct op *op, struct error *e)
{
        int r = resolve_mount_options(R, op, a->options, MOUNTOPT_BIND, &op->opts, e);

        if (r < 0)
                return r;
        if (a->readonly)
                op->opts.flags |= MS_RDONLY;
        op->source_in_rootfs = a->source_in == SOURCE_IN_ROOTFS;
        op->create = a->create;
        op->recursive = a->recursive;
        return resolve_expand_path(R, op, "source", a->source, &op->source, e);
}

static int open_bind_source(struct executor *x, const struct op *op, int *fd)
{
        if (op->source_in_rootfs)
                return rootfs_open_at(&x->root, op->source, O_PATH, fd);
        /* A host source is the admin's own path, trusted like the plan itself. */
        *fd = open(op->source, O_PATH | O_CLOEXEC);
        return *fd < 0 ? -errno : 0;
}

/* A missing file target is made empty, as the mount point (rollback removes it). */
static int create_file_target(struct executor *x, const struct op *op, struct undo *u, int *fd, struct error *e)
{
        _cleanup_close_ int parent = -1, nfd = -1;
        const char *name;
        int r = rootfs_open_parent(&x->root, op->target, true, &u->dirs, &parent, &name);

        if (r < 0)
                return exec_resolve_failed(e, r, op->target);
        nfd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (nfd < 0)
                return exec_resolve_failed(e, -errno, op->target);
        u->file_dirfd = TAKE_FD(parent);
        u->file_name = xstrdup(name);
        u->file_created = true;
        if ((r = exec_chown_at(op, nfd, "", e)) < 0)
                return r;
        r = rootfs_open_at(&x->root, op->target, O_PATH | O_NOFOLLOW, fd);
        return r < 0 ? exec_resolve_failed(e, r, op->target) : 0;
}

static int open_bind_target(struct executor *x, const struct op *op, bool is_dir, struct undo *u, int *fd,
                            struct error *e)
{
        int r;

        if (is_dir && op->create) {
                r = rootfs_mkdir_p(&x->root, op->target, 0755, &u->dirs, fd);
                return r < 0 ? exec_resolve_failed(e, r, op->target) : 0;
        }
        r = rootfs_open_at(&x->root, op->target, O_PATH | (is_dir ? O_DIRECTORY : O_NOFOLLOW), fd);
        if (r == -ENOENT && !is_dir && op->create)
                return create_file_target(x, op, u, fd, e);
        return r < 0 ? exec_resolve_failed(e, r, op->target) : 0;
}

static int bind_exec(struct executor *x, const struct op *op, struct undo *u, struct error *e)
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
        if ((r = open_bind_target(x, op, S_ISDIR(st.st_mode), u, &tfd, e)) < 0)
                return r;
        if (mount_inspect(tfd, &is_root, &fstype, &ro) == 0 && is_root && fd_same_inode(src, tfd))
                return EXEC_ALREADY;
        pending = mount_bind_at(src, tfd, op->recursive, op->opts.flags);
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
        if (pending == MOUNT_FLAGS_PENDING && (r = mount_set_flags(u->mount_fd, op->opts.flags, op->recursive)) < 0)
                return error_setsys(e, r, "cannot set the flags of the bind on %s", op->target);
        return 0;
}

static void bind_report_text(FILE *f, const struct op *op)
{
        _cleanup_free_ char *opts = report_options_string(op);

        fprintf(f, " source=%s%s options=%s%s%s", op->source_in_rootfs ? "rootfs:" : "", op->source, opts,
                op->recursive ? " recursive" : "", op->create ? " create" : "");
}

static void bind_report_json(json_t *o, const struct op *op)
{
        _cleanup_free_ char *opts = report_options_string(op);

        json_object_set_new(o, "type", json_string("bind"));
        json_object_set_new(o, "options", report_json_text(strcmp(opts, "-") ? opts : ""));
        json_object_set_new(o, "source", report_json_text(op->source));
        json_object_set_new(o, "source_in", json_string(op->source_in_rootfs ? "rootfs" : "host"));
        json_object_set_new(o, "recursive", json_boolean(op->recursive));
        json_object_set_new(o, "create", json_boolean(op->create));
}

const struct action_ops action_bind_ops = {
        .name = "bind",
        .fields = bind_fields,
        .defaults = bind_defaults,
        .resolve = bind_resolve,
        .exec = bind_exec,
        .report_text = bind_report_text,
        .report_json = bind_report_json,
};
