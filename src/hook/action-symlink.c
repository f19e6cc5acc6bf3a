/* SPDX-License-Identifier: MIT */
/*
 * symlink: a symbolic link at target holding source (any text, relative or not; it
 * is read in the container). An existing symlink at target is never followed: it
 * is left alone (replace = "missing") or replaced atomically (replace = "always");
 * anything else there is never removed.
 */
#include "action.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "executor.h"

#define LINK_TEXT_MAX 4095        /* PATH_MAX less the NUL: what symlink(2) accepts */

static const char *const replace_names[] = { [REPLACE_MISSING] = "missing", [REPLACE_ALWAYS] = "always" };

static const struct field symlink_fields[] = {
        COMMON_FIELDS,
        FIELD("target", FIELD_PATH, true, target),
        FIELD("source", FIELD_TEXT, true, source),
        FIELD_ENUM_OF("replace", replace, replace_names),
        { 0 },
};

static void symlink_defaults(struct action *a)
{
        a->replace = REPLACE_MISSING;
}

static int symlink_resolve(struct resolver *R, const struct action *a, struct op *op, struct error *e)
{
        int r = resolve_expand(R, op, "source", a->source, &op->source, e);

        if (r < 0)
                return r;
        if (!*op->source || strlen(op->source) > LINK_TEXT_MAX)
                return error_set(e, -EINVAL, "%s:%d: source must be 1 to %d bytes after expansion",
                                 op->file, op->line, LINK_TEXT_MAX);
        op->replace = (enum file_replace)a->replace;
        return 0;
}

/* Does the symlink name in dirfd already hold text? */
static bool link_holds(int dirfd, const char *name, const char *text)
{
        char buf[LINK_TEXT_MAX + 2];
        ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

        return n >= 0 && (size_t)n == strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

static int create_link(int dirfd, const char *name, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int keep = -1;
        int r;

        if ((r = exec_keep_dir(dirfd, op->target, &keep, e)) < 0)
                return r;
        if (symlinkat(op->source, dirfd, name) < 0)
                return error_setsys(e, -errno, "cannot create the symlink %s", op->target);
        u->file_dirfd = TAKE_FD(keep);
        u->file_name = xstrdup(name);
        u->file_created = true;
        return exec_chown_at(op, dirfd, name, e);
}

/* Rollback: the old link's text back under its name, the same way it was replaced. */
static void restore_link(const struct undo *u)
{
        _cleanup_free_ char *tmp = xasprintf(".#omp-%s", u->file_name);

        if (symlinkat(u->old_content, u->file_dirfd, tmp) == 0 &&
            renameat(u->file_dirfd, tmp, u->file_dirfd, u->file_name) < 0)
                (void)unlinkat(u->file_dirfd, tmp, 0);
}

/*
 * replace = "always" over another symlink: the new link is made beside it and
 * renamed over it, so the name never points anywhere else and the old link is
 * never followed. Rollback puts the old text back the same way.
 */
static int replace_link(int dirfd, const char *name, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_free_ char *tmp = xasprintf(".#omp-%s", name);
        char old[LINK_TEXT_MAX + 2];
        ssize_t n = readlinkat(dirfd, name, old, sizeof(old) - 1);
        int r;

        if (n < 0)
                return error_setsys(e, -errno, "cannot read the symlink %s", op->target);
        old[n] = '\0';
        if ((r = exec_keep_dir(dirfd, op->target, &u->file_dirfd, e)) < 0)
                return r;
        if (symlinkat(op->source, dirfd, tmp) < 0)
                return error_setsys(e, -errno, "cannot create a symlink beside %s", op->target);
        if ((r = exec_chown_at(op, dirfd, tmp, e)) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
                (void)unlinkat(dirfd, tmp, 0);
                return r < 0 ? r : error_setsys(e, -errno, "cannot replace the symlink %s", op->target);
        }
        u->file_name = xstrdup(name);
        u->old_content = xstrdup(old);
        u->restore = restore_link;
        return 0;
}

static int symlink_exec(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int dirfd = -1;
        const char *name;
        struct stat st;
        int r;

        r = rootfs_open_parent(&x->root, op->target, true, &u->dirs, &dirfd, &name);
        if (r < 0)
                return exec_resolve_failed(e, r, op->target);
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return error_setsys(e, -errno, "%s", op->target);
                return create_link(dirfd, name, op, u, e);
        }
        if (op->replace == REPLACE_MISSING || (S_ISLNK(st.st_mode) && link_holds(dirfd, name, op->source)))
                return EXEC_ALREADY;
        if (!S_ISLNK(st.st_mode))
                return error_set(e, -EEXIST, "%s exists and is not a symlink, refusing to replace it", op->target);
        return replace_link(dirfd, name, op, u, e);
}

/* The line is escaped as a whole (report.c): the link text goes in as it is. */
static void symlink_report_text(FILE *f, const struct op *op)
{
        fprintf(f, " -> %s replace=%s", op->source, replace_names[op->replace]);
}

static void symlink_report_json(json_t *o, const struct op *op)
{
        json_object_set_new(o, "type", json_string("symlink"));
        json_object_set_new(o, "source", report_json_text(op->source));
        json_object_set_new(o, "replace", json_string(replace_names[op->replace]));
}

const struct action_ops action_symlink_ops = {
        .name = "symlink",
        .fields = symlink_fields,
        .defaults = symlink_defaults,
        .resolve = symlink_resolve,
        .exec = symlink_exec,
        .report_text = symlink_report_text,
        .report_json = symlink_report_json,
};
