/* SPDX-License-Identifier: MIT */
/*
 * file: a file with the plan's content, written into the rootfs, or bound over
 * the target from a private copy (via = "bind", and on a read-only rootfs).
 */
#include "action.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "executor.h"
#include "mount.h"

#define FILE_BACKUP_MAX (1024 * 1024)

/* rewrite_file: the file cannot be opened for writing on a read-only rootfs; nothing was changed. */
#define EXEC_READ_ONLY 2

static const char *const replace_names[] = {
        [REPLACE_MISSING] = "missing", [REPLACE_EMPTY] = "empty", [REPLACE_ALWAYS] = "always",
};
static const char *const via_names[] = { [VIA_WRITE] = "write", [VIA_BIND] = "bind" };

static const struct field file_fields[] = {
        COMMON_FIELDS,
        FIELD("target", FIELD_PATH, true, target),
        FIELD("content", FIELD_TEXT, true, content),
        FIELD("mode", FIELD_MODE, false, mode),
        FIELD_ENUM_OF("replace", replace, replace_names),
        FIELD_ENUM_OF("via", via, via_names),
        { 0 },
};

static void file_defaults(struct action *a)
{
        a->mode = 0644;
        a->replace = REPLACE_EMPTY;
}

static int file_resolve(struct resolver *R, const struct action *a, struct op *op, struct error *e)
{
        int r = resolve_expand(R, op, "content", a->content, &op->content, e);

        if (r < 0)
                return r;
        op->content_len = strlen(op->content);
        op->mode = a->mode;
        op->replace = (enum file_replace)a->replace;
        op->via_bind = a->via == VIA_BIND;
        return 0;
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

/* Whether an existing file stays as it is. */
static bool file_stays(const struct op *op, const struct stat *st)
{
        return op->replace == REPLACE_MISSING || (op->replace == REPLACE_EMPTY && st->st_size > 0);
}

/* The undo record takes *dirfd (the caller is done with it): no duplicate to keep. */
static int create_file(int *dirfd, const char *name, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int fd = -1;
        int r;

        fd = openat(*dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, op->mode);
        if (fd < 0)
                return error_setsys(e, -errno, "cannot create %s", op->target);
        u->file_dirfd = TAKE_FD(*dirfd);
        u->file_name = xstrdup(name);
        u->file_created = true;
        if ((r = write_all(fd, op->content, op->content_len)) < 0 || fchmod(fd, op->mode) < 0)
                return error_setsys(e, r < 0 ? r : -errno, "cannot write %s", op->target);
        return exec_chown_at(op, fd, "", e);
}

/* Rollback: puts a rewritten file's old content and mode back, into the same inode. */
static void restore_file(const struct undo *u)
{
        int fd = openat(u->file_dirfd, u->file_name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return;
        if (ftruncate(fd, 0) == 0 && u->old_len)
                (void)!write(fd, u->old_content, u->old_len);
        (void)fchmod(fd, u->old_mode);
        close(fd);
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
        if ((r = exec_keep_dir(dirfd, op->target, &keep, e)) < 0)
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
        u->restore = restore_file;
        if ((st->st_size > 0 && ftruncate(fd, 0) < 0) || (r = write_all(fd, op->content, op->content_len)) < 0 ||
            fchmod(fd, op->mode) < 0)
                return error_setsys(e, r < 0 ? r : -errno, "cannot write %s", op->target);
        return 0;
}

/*
 * The file just bound over target (pfd, opened before): a mount's root, and another
 * mount than pfd's (a runtime's bind there is not ours), before it becomes the undo handle.
 */
static int find_bound_file(struct executor *x, const struct op *op, int pfd, const uint64_t *pfd_id,
                           struct undo *u, struct error *e)
{
        _cleanup_close_ int landed = -1;
        uint64_t old_id = 0, new_id;
        bool is_root, ro;
        long fstype;
        int r = rootfs_open_at(&x->root, op->target, O_PATH | O_NOFOLLOW, &landed);

        if (r < 0)
                return error_setsys(e, r, "cannot find %s after binding over it", op->target);
        /* pfd was opened before the bind: its mount id, if known, was taken then. */
        if (pfd_id)
                old_id = *pfd_id;
        if (mount_inspect_id(landed, &is_root, &fstype, &ro, &new_id) < 0 || !is_root ||
            (!pfd_id && mount_id_of(pfd, &old_id) < 0) || new_id == old_id)
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
        int r = mount_file_with_content(pfd, -1, op->content, op->content_len, op->mode);

        if (r < 0)
                return error_setsys(e, r, "read-only rootfs: cannot bind a file over %s", op->target);
        return find_bound_file(x, op, pfd, NULL, u, e);
}

/* via = "bind" and no file there: an empty one, as the mount point. */
static int create_mountpoint(int dirfd, const char *name, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int keep = -1, fd = -1;
        int r;

        if ((r = exec_keep_dir(dirfd, op->target, &keep, e)) < 0)
                return r;
        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
        if (fd < 0)
                return error_setsys(e, -errno, "cannot create the mount point %s", op->target);
        u->file_dirfd = TAKE_FD(keep);
        u->file_name = xstrdup(name);
        u->file_created = true;
        return exec_chown_at(op, fd, "", e);
}

/*
 * via = "bind": the target in the rootfs is never written, so the content stays out
 * of the image (docker commit) and out of the container's writable layer. A missing
 * target is created empty, as the mount point; that empty file stays.
 */
static int exec_file_bind(struct executor *x, int dirfd, const char *name, const struct op *op, struct undo *u,
                          struct error *e)
{
        _cleanup_close_ int pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        bool created = false, is_root, ro, have_id = false;
        uint64_t pfd_id = 0;
        struct stat st;
        long fstype;
        int r;

        if (pfd < 0 && errno == ENOENT) {
                if ((r = create_mountpoint(dirfd, name, op, u, e)) < 0)
                        return r;
                created = true;
                pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (pfd < 0)
                return error_setsys(e, -errno, "%s", op->target);
        /* Already bound (the hook ran before in this mount namespace): do not stack. */
        if (!created && mount_inspect_id(pfd, &is_root, &fstype, &ro, &pfd_id) == 0) {
                if (is_root)
                        return EXEC_ALREADY;
                have_id = true;
        }
        if ((r = check_existing_file(pfd, op->target, &st, e)) < 0)
                return r;
        if (!created && file_stays(op, &st))
                return EXEC_ALREADY;
        r = mount_file_with_content(pfd, dirfd, op->content, op->content_len, op->mode);
        if (r < 0)
                return error_setsys(e, r, "cannot bind a file over %s", op->target);
        return find_bound_file(x, op, pfd, have_id ? &pfd_id : NULL, u, e);
}

static int file_exec(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int dirfd = -1, pfd = -1;
        const char *name;
        struct stat st;
        int r;

        r = rootfs_open_parent(&x->root, op->target, true, &u->dirs, &dirfd, &name);
        if (r < 0)
                return exec_resolve_failed(e, r, op->target);
        if (op->via_bind)
                return exec_file_bind(x, dirfd, name, op, u, e);
        /* A directory just made (the last one created is the parent) is empty: nothing to look up. */
        if (u->dirs.n > 0)
                return create_file(&dirfd, name, op, u, e);
        pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (pfd < 0 && errno == ENOENT)
                return create_file(&dirfd, name, op, u, e);
        if (pfd < 0)
                return error_setsys(e, -errno, "%s", op->target);
        if ((r = check_existing_file(pfd, op->target, &st, e)) < 0)
                return r;
        if (file_stays(op, &st))
                return EXEC_ALREADY;
        r = rewrite_file(dirfd, name, pfd, &st, op, u, e);
        if (r == EXEC_READ_ONLY)
                return bind_file_over(x, pfd, op, u, e);
        return r;
}

/* Printable content: newlines and controls escaped, long content cut. */
static char *content_preview(const char *c)
{
        char *out = xmalloc(4 * 64 + 8), *o = out;
        size_t n = 0;

        for (; *c && n < 64; c++, n++) {
                if (*c == '\n')
                        o += sprintf(o, "\\n");
                else if ((unsigned char)*c < 0x20 || *c == '"' || *c == '\\')
                        o += sprintf(o, "\\x%02x", (unsigned char)*c);
                else
                        *o++ = *c;
        }
        if (*c)
                o += sprintf(o, "...");
        *o = '\0';
        return out;
}

static void file_report_text(FILE *f, const struct op *op)
{
        _cleanup_free_ char *preview = content_preview(op->content);

        fprintf(f, " mode=%04o replace=%s via=%s content=\"%s\"", op->mode, replace_names[op->replace],
                op->via_bind ? "bind" : "write", preview);
}

static void file_report_json(json_t *o, const struct op *op)
{
        json_object_set_new(o, "type", json_string("file"));
        json_object_set_new(o, "mode", json_sprintf("%04o", op->mode));
        json_object_set_new(o, "replace", json_string(replace_names[op->replace]));
        json_object_set_new(o, "via", json_string(op->via_bind ? "bind" : "write"));
        json_object_set_new(o, "content", report_json_textn(op->content, op->content_len));
}

const struct action_ops action_file_ops = {
        .name = "file",
        .fields = file_fields,
        .defaults = file_defaults,
        .resolve = file_resolve,
        .exec = file_exec,
        .report_text = file_report_text,
        .report_json = file_report_json,
};
