/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "json.h"

static const char *replace_name(enum file_replace r)
{
        return r == REPLACE_MISSING ? "missing" : r == REPLACE_ALWAYS ? "always" : "empty";
}

/* "nosuid,nodev" + "mode=755" -> "nosuid,nodev,mode=755", "-" when empty. */
static char *options_string(const struct op *op)
{
        _cleanup_free_ char *flags = mountopt_flags_string(op->opts.flags);
        const char *data = op->opts.data ? op->opts.data : "";

        if (!*flags && !*data)
                return xstrdup("-");
        return xasprintf("%s%s%s", flags, *flags && *data ? "," : "", data);
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

/* The cgroup config.json names, as shown: "-" when none, ".../a/b" when relative. */
static char *cgroup_shown(const struct op *op)
{
        if (!*op->cgroup_expected)
                return xstrdup("-");
        return xasprintf("%s%s", op->cgroup_relative ? "..." : "", op->cgroup_expected);
}

/*
 * Where the delegated child appears in the container: under the mount's root in a
 * cgroup namespace of its own (its root is the container's cgroup), else under
 * the cgroup's path. The executor takes the namespace and the cgroup from the
 * kernel; config.json's claim here is what the dry run can know.
 */
static char *cgroup_writable(const struct op *op)
{
        _cleanup_free_ char *shown = cgroup_shown(op);

        if (op->cgroupns_private)
                return xasprintf("%s/%s", op->target, op->action->child);
        if (!*op->cgroup_expected || op->cgroup_relative)
                return xasprintf("%s/<cgroup %s>/%s", op->target, shown, op->action->child);
        return xasprintf("%s%s/%s", op->target, op->cgroup_expected, op->action->child);
}

static void report_op_details(FILE *f, const struct op *op)
{
        const struct action *a = op->action;
        _cleanup_free_ char *opts = NULL, *preview = NULL, *cg = NULL, *rw = NULL;

        switch (op->kind) {
        case ACTION_TMPFS:
                opts = options_string(op);
                fprintf(f, " type=tmpfs options=%s", opts);
                for (size_t i = 0; i < op->keep.n; i++)
                        fprintf(f, "%s%s", i ? "," : " keep=", op->keep.v[i]);
                break;
        case ACTION_BIND:
                opts = options_string(op);
                fprintf(f, " source=%s%s options=%s%s%s", a->source_in_rootfs ? "rootfs:" : "", op->source, opts,
                        a->recursive ? " recursive" : "", a->create ? " create" : "");
                break;
        case ACTION_CGROUP:
                cg = cgroup_shown(op);
                rw = cgroup_writable(op);
                fprintf(f, " type=cgroup namespace=%s cgroupsPath=%s cgroup=%s child=%s read-only=%s writable=%s",
                        op->cgroupns_private ? "private" : "host", *op->cgroups_path ? op->cgroups_path : "-", cg,
                        a->child, op->target, rw);
                break;
        case ACTION_MKDIR:
                fprintf(f, " mode=%04o", a->mode);
                break;
        case ACTION_FILE:
                preview = content_preview(op->content);
                fprintf(f, " mode=%04o replace=%s via=%s content=\"%s\"", a->mode, replace_name(a->replace),
                        a->via_bind ? "bind" : "write", preview);
                break;
        case _ACTION_KIND_MAX:
                break;
        }
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
                                        op->why, op->plan->file, op->action->line);
                        else {
                                fprintf(f, "  %-6s %s host=%s", action_kind_name(op->kind), op->target, op->host_path);
                                report_op_details(f, op);
                                fprintf(f, " [%s:%d]", op->plan->file, op->action->line);
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
static json_t *json_textn(const char *s, size_t len)
{
        json_t *j = json_stringn(s, len);
        _cleanup_free_ char *escaped = NULL;

        if (j)
                return j;
        escaped = str_escape_dup(s);
        return json_string(escaped);
}

static json_t *json_text(const char *s)
{
        return json_textn(s, strlen(s));
}

static json_t *json_strv(const struct strv *s)
{
        json_t *a = json_array();

        for (size_t i = 0; i < s->n; i++)
                json_array_append_new(a, json_text(s->v[i]));
        return a;
}

static json_t *op_to_json(const struct op *op)
{
        const struct action *a = op->action;
        json_t *o = json_object();
        _cleanup_free_ char *opts = NULL, *rw = NULL;

        json_object_set_new(o, "action", json_string(action_kind_name(op->kind)));
        json_object_set_new(o, "target", json_text(op->target));
        json_object_set_new(o, "host_path", json_text(op->host_path));
        json_object_set_new(o, "file", json_text(op->plan->file));
        json_object_set_new(o, "line", json_integer(a->line));
        if (a->name)
                json_object_set_new(o, "name", json_text(a->name));
        json_object_set_new(o, "skipped", json_boolean(op->skipped));
        if (op->why)
                json_object_set_new(o, op->skipped ? "reason" : "matched", json_text(op->why));
        switch (op->kind) {
        case ACTION_TMPFS:
        case ACTION_BIND:
                opts = options_string(op);
                json_object_set_new(o, "type", json_string(op->kind == ACTION_TMPFS ? "tmpfs" : "bind"));
                json_object_set_new(o, "options", json_text(strcmp(opts, "-") ? opts : ""));
                if (op->kind == ACTION_TMPFS) {
                        json_object_set_new(o, "keep_submounts", json_strv(&op->keep));
                        break;
                }
                json_object_set_new(o, "source", json_text(op->source));
                json_object_set_new(o, "source_in", json_string(a->source_in_rootfs ? "rootfs" : "host"));
                json_object_set_new(o, "recursive", json_boolean(a->recursive));
                json_object_set_new(o, "create", json_boolean(a->create));
                break;
        case ACTION_CGROUP:
                json_object_set_new(o, "type", json_string("cgroup"));
                json_object_set_new(o, "cgroup_namespace", json_string(op->cgroupns_private ? "private" : "host"));
                json_object_set_new(o, "cgroups_path", json_text(op->cgroups_path));
                json_object_set_new(o, "cgroup", *op->cgroup_expected ? json_text(op->cgroup_expected) : json_null());
                json_object_set_new(o, "cgroup_relative", json_boolean(op->cgroup_relative));
                json_object_set_new(o, "child", json_text(a->child));
                json_object_set_new(o, "read_only", json_text(op->target));
                rw = cgroup_writable(op);
                json_object_set_new(o, "writable", json_text(rw));
                break;
        case ACTION_MKDIR:
                json_object_set_new(o, "type", json_string("directory"));
                json_object_set_new(o, "mode", json_sprintf("%04o", a->mode));
                break;
        case ACTION_FILE:
                json_object_set_new(o, "type", json_string("file"));
                json_object_set_new(o, "mode", json_sprintf("%04o", a->mode));
                json_object_set_new(o, "replace", json_string(replace_name(a->replace)));
                json_object_set_new(o, "via", json_string(a->via_bind ? "bind" : "write"));
                json_object_set_new(o, "content", json_textn(op->content, op->content_len));
                break;
        case _ACTION_KIND_MAX:
                break;
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

        json_object_set_new(o, "command", json_text(x->command));
        json_object_set_new(o, "path", x->path ? json_text(x->path) : json_null());
        json_object_set_new(o, "via_path", json_boolean(x->via_path));
        json_object_set_new(o, "symlinks", json_integer(x->links));
        json_object_set_new(o, "executable", json_boolean(x->executable));
        json_object_set_new(o, "format", json_string(formats[x->format]));
        json_object_set_new(o, "description", json_text(d));
        return o;
}

static json_t *facts_to_json(const struct facts *x)
{
        json_t *o = json_object();

        json_object_set_new(o, "inspected", json_boolean(x->inspected));
        if (!x->inspected) {
                json_object_set_new(o, "problem", json_text(x->problem ? x->problem : ""));
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
        json_object_set_new(root, "container", json_text(r->id));
        json_object_set_new(root, "stage", json_text(r->stage));
        json_object_set_new(root, "rootfs", json_text(r->rootfs));
        json_object_set_new(root, "machine_id", json_text(r->machine_id));
        json_object_set_new(root, "machine_id_source", json_text(r->machine_id_source));
        if (r->facts)
                json_object_set_new(root, "exec", facts_to_json(r->facts));
        for (size_t i = 0; i < r->n_plans; i++) {
                const struct plan_result *pr = &r->plans[i];
                json_t *p = json_object(), *ops = json_array();

                json_object_set_new(p, "name", json_text(pr->plan->name));
                json_object_set_new(p, "file", json_text(pr->plan->file));
                json_object_set_new(p, "applies", json_boolean(pr->applies));
                json_object_set_new(p, "reason", json_text(pr->why));
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
