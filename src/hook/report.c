/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "action.h"
#include "json.h"

/* "nosuid,nodev" + "mode=755" -> "nosuid,nodev,mode=755", "-" when empty. */
char *report_options_string(const struct op *op)
{
        _cleanup_free_ char *flags = mountopt_flags_string(op->opts.flags);
        const char *data = op->opts.data ? op->opts.data : "";

        if (!*flags && !*data)
                return xstrdup("-");
        return xasprintf("%s%s%s", flags, *flags && *data ? "," : "", data);
}

/* The owner is shown only when it is not root's (a user namespace maps the container's root). */
static bool owner_shown(const struct op *op)
{
        return op->uid != 0 || op->gid != 0;
}

/*
 * One line of the text report, built in pieces and written with control characters
 * escaped (str_escape) as it leaves: ids, paths, annotation and environment values
 * come from config.json and the state, and a newline or an escape sequence in them
 * must neither start a line of its own nor drive the terminal.
 */
struct line {
        FILE *f;
        char *text;
        size_t size;
};

static FILE *line_begin(struct line *l)
{
        l->text = NULL;
        l->f = open_memstream(&l->text, &l->size);
        if (!l->f)
                abort();
        return l->f;
}

static void line_end(struct line *l, FILE *out)
{
        _cleanup_free_ char *escaped = NULL;

        if (fclose(l->f) != 0 || !l->text)
                abort();
        escaped = str_escape_dup(l->text);
        fprintf(out, "%s\n", escaped);
        free(l->text);
}

/* What the container executes, as the facts step found it in the rootfs. */
static void report_exec_text(FILE *out, const struct facts *x)
{
        _cleanup_free_ char *a = NULL, *s = NULL;
        struct line l;

        if (!x)
                return;
        if (!x->inspected) {
                fprintf(line_begin(&l), "exec: rootfs not inspected (%s)", x->problem ? x->problem : "no rootfs");
                line_end(&l, out);
                return;
        }
        a = exec_fact_describe(&x->argv0);
        fprintf(line_begin(&l), "exec: %s", a);
        line_end(&l, out);
        if (strcmp(x->argv0.command, x->shell.command) != 0) {
                s = exec_fact_describe(&x->shell);
                fprintf(line_begin(&l), "exec through the shell: %s", s);
                line_end(&l, out);
        }
}

void report_text(FILE *out, const struct resolution *r)
{
        struct line l;

        fprintf(line_begin(&l), "container %s stage %s rootfs %s machine-id %s", r->id, r->stage, r->rootfs,
                r->machine_id);
        line_end(&l, out);
        fprintf(line_begin(&l), "machine-id: from %s", r->machine_id_source);
        line_end(&l, out);
        report_exec_text(out, r->facts);
        for (size_t i = 0; i < r->n_plans; i++) {
                const struct plan_result *pr = &r->plans[i];

                fprintf(line_begin(&l), "plan %s (%s) %s: %s", pr->plan->name, pr->plan->file,
                        pr->applies ? "applies" : "does not apply", pr->why);
                line_end(&l, out);
                if (!pr->applies)
                        continue;
                for (size_t j = pr->first_op; j < pr->first_op + pr->n_ops; j++) {
                        const struct op *op = &r->ops[j];
                        FILE *f = line_begin(&l);

                        if (op->skipped)
                                fprintf(f, "  skip   %-6s %s: %s [%s:%d]", action_kind_name(op->kind), op->target,
                                        op->why, op->file, op->line);
                        else {
                                fprintf(f, "  %-6s %s host=%s", action_kind_name(op->kind), op->target, op->host_path);
                                action_ops_of(op->kind)->report_text(f, op);
                                if (owner_shown(op))
                                        fprintf(f, " owner=%u:%u", (unsigned)op->uid, (unsigned)op->gid);
                                fprintf(f, " [%s:%d]", op->file, op->line);
                        }
                        line_end(&l, out);
                }
        }
        fprintf(out, "%zu operation(s), %zu skipped\n", resolution_active_ops(r), r->n_ops - resolution_active_ops(r));
}

/*
 * A JSON string: exact when the text is UTF-8, as jansson requires; otherwise (a
 * plan's bytes, a plan file's name may be anything) its str_escape form, rather
 * than a member that silently goes missing.
 */
json_t *report_json_textn(const char *s, size_t len)
{
        json_t *j = json_stringn(s, len);
        _cleanup_free_ char *escaped = NULL;

        if (j)
                return j;
        escaped = str_escape_dup(s);
        return json_string(escaped);
}

json_t *report_json_text(const char *s)
{
        return report_json_textn(s, strlen(s));
}

json_t *report_json_strv(const struct strv *s)
{
        json_t *a = json_array();

        for (size_t i = 0; i < s->n; i++)
                json_array_append_new(a, report_json_text(s->v[i]));
        return a;
}

static json_t *op_to_json(const struct op *op)
{
        json_t *o = json_object();

        json_object_set_new(o, "action", json_string(action_kind_name(op->kind)));
        json_object_set_new(o, "target", report_json_text(op->target));
        json_object_set_new(o, "host_path", report_json_text(op->host_path));
        json_object_set_new(o, "file", report_json_text(op->file));
        json_object_set_new(o, "line", json_integer(op->line));
        if (op->name)
                json_object_set_new(o, "name", report_json_text(op->name));
        json_object_set_new(o, "skipped", json_boolean(op->skipped));
        if (op->why)
                json_object_set_new(o, op->skipped ? "reason" : "matched", report_json_text(op->why));
        action_ops_of(op->kind)->report_json(o, op);
        if (owner_shown(op)) {
                json_object_set_new(o, "uid", json_integer(op->uid));
                json_object_set_new(o, "gid", json_integer(op->gid));
        }
        return o;
}

static json_t *exec_fact_to_json(const struct exec_fact *x)
{
        json_t *o = json_object();
        _cleanup_free_ char *d = exec_fact_describe(x);
        static const char *const formats[] = {
                [EXEC_FORMAT_NONE] = "none", [EXEC_FORMAT_ELF] = "elf",
                [EXEC_FORMAT_SCRIPT] = "script", [EXEC_FORMAT_OTHER] = "other",
        };

        json_object_set_new(o, "command", report_json_text(x->command));
        json_object_set_new(o, "path", x->path ? report_json_text(x->path) : json_null());
        json_object_set_new(o, "via_path", json_boolean(x->via_path));
        json_object_set_new(o, "symlinks", json_integer(x->links));
        json_object_set_new(o, "executable", json_boolean(x->executable));
        json_object_set_new(o, "format", json_string(formats[x->format]));
        json_object_set_new(o, "description", report_json_text(d));
        return o;
}

static json_t *facts_to_json(const struct facts *x)
{
        json_t *o = json_object();

        json_object_set_new(o, "inspected", json_boolean(x->inspected));
        if (!x->inspected) {
                json_object_set_new(o, "problem", report_json_text(x->problem ? x->problem : ""));
                return o;
        }
        json_object_set_new(o, "command", exec_fact_to_json(&x->argv0));
        json_object_set_new(o, "through_shell", exec_fact_to_json(&x->shell));
        return o;
}

int report_json(FILE *f, const struct resolution *r)
{
        _cleanup_json_ json_t *root = json_object();
        json_t *plans = json_array();

        json_object_set_new(root, "format_version", json_integer(1));
        json_object_set_new(root, "container", report_json_text(r->id));
        json_object_set_new(root, "stage", report_json_text(r->stage));
        json_object_set_new(root, "rootfs", report_json_text(r->rootfs));
        json_object_set_new(root, "machine_id", report_json_text(r->machine_id));
        json_object_set_new(root, "machine_id_source", report_json_text(r->machine_id_source));
        if (r->facts)
                json_object_set_new(root, "exec", facts_to_json(r->facts));
        for (size_t i = 0; i < r->n_plans; i++) {
                const struct plan_result *pr = &r->plans[i];
                json_t *p = json_object(), *ops = json_array();

                json_object_set_new(p, "name", report_json_text(pr->plan->name));
                json_object_set_new(p, "file", report_json_text(pr->plan->file));
                json_object_set_new(p, "applies", json_boolean(pr->applies));
                json_object_set_new(p, "reason", report_json_text(pr->why));
                for (size_t j = pr->first_op; j < pr->first_op + pr->n_ops; j++)
                        json_array_append_new(ops, op_to_json(&r->ops[j]));
                json_object_set_new(p, "operations", ops);
                json_array_append_new(plans, p);
        }
        json_object_set_new(root, "plans", plans);
        if (json_dumpf(root, f, JSON_INDENT(2)) < 0)
                return -EIO;
        fputc('\n', f);
        return 0;
}
