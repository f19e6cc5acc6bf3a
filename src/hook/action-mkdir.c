/* SPDX-License-Identifier: MIT */
/* mkdir: a directory (and its missing parents) inside the rootfs. */
#include "action.h"

#include "executor.h"

static const struct field mkdir_fields[] = {
        COMMON_FIELDS,
        FIELD("target", FIELD_PATH, true, target),
        FIELD("mode", FIELD_MODE, false, mode),
        { 0 },
};

static void mkdir_defaults(struct action *a)
{
        a->mode = 0755;
}

static int mkdir_resolve(struct resolver *R, const struct action *a, struct op *op, struct error *e)
{
        (void)R;
        (void)e;
        op->mode = a->mode;
        return 0;
}

static int mkdir_exec(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int fd = -1;
        int r = rootfs_mkdir_p(&x->root, op->target, op->mode, &u->dirs, &fd);

        if (r < 0)
                return exec_resolve_failed(e, r, op->target);
        if (u->dirs.n == 0)
                return EXEC_ALREADY;
        return 0;
}

static void mkdir_report_text(FILE *f, const struct op *op)
{
        fprintf(f, " mode=%04o", op->mode);
}

static void mkdir_report_json(json_t *o, const struct op *op)
{
        json_object_set_new(o, "type", json_string("directory"));
        json_object_set_new(o, "mode", json_sprintf("%04o", op->mode));
}

const struct action_ops action_mkdir_ops = {
        .name = "mkdir",
        .fields = mkdir_fields,
        .defaults = mkdir_defaults,
        .resolve = mkdir_resolve,
        .exec = mkdir_exec,
        .report_text = mkdir_report_text,
        .report_json = mkdir_report_json,
};
