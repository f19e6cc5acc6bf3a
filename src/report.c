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
                fprintf(f, " mode=%04o replace=%s content=\"%s\"", a->mode, replace_name(a->replace), preview);
                break;
        default:
                break;
        }
}

void report_text(FILE *f, const struct resolution *r)
{
        fprintf(f, "container %s stage %s rootfs %s machine-id %s\n", r->id, r->stage, r->rootfs, r->machine_id);
        for (size_t i = 0; i < r->n_plans; i++) {
                const struct plan_result *pr = &r->plans[i];

                if (!pr->applies) {
                        fprintf(f, "plan %s (%s) does not apply: %s\n", pr->plan->name, pr->plan->file, pr->why);
                        continue;
                }
                fprintf(f, "plan %s (%s) applies: %s\n", pr->plan->name, pr->plan->file, pr->why);
                for (size_t j = pr->first_op; j < pr->first_op + pr->n_ops; j++) {
                        const struct op *op = &r->ops[j];

                        if (op->skipped) {
                                fprintf(f, "  skip   %-6s %s: %s [%s:%d]\n", action_kind_name(op->kind), op->target,
                                        op->why, op->plan->file, op->action->line);
                                continue;
                        }
                        fprintf(f, "  %-6s %s host=%s", action_kind_name(op->kind), op->target, op->host_path);
                        report_op_details(f, op);
                        fprintf(f, " [%s:%d]\n", op->plan->file, op->action->line);
                }
        }
        fprintf(f, "%zu operation(s), %zu skipped\n", resolution_active_ops(r), r->n_ops - resolution_active_ops(r));
}

static json_t *json_strv(const struct strv *s)
{
        json_t *a = json_array();

        for (size_t i = 0; i < s->n; i++)
                json_array_append_new(a, json_string(s->v[i]));
        return a;
}

static json_t *op_to_json(const struct op *op)
{
        const struct action *a = op->action;
        json_t *o = json_object();
        _cleanup_free_ char *opts = NULL, *rw = NULL;

        json_object_set_new(o, "action", json_string(action_kind_name(op->kind)));
        json_object_set_new(o, "target", json_string(op->target));
        json_object_set_new(o, "host_path", json_string(op->host_path));
        json_object_set_new(o, "file", json_string(op->plan->file));
        json_object_set_new(o, "line", json_integer(a->line));
        if (a->name)
                json_object_set_new(o, "name", json_string(a->name));
        json_object_set_new(o, "skipped", json_boolean(op->skipped));
        if (op->why)
                json_object_set_new(o, op->skipped ? "reason" : "matched", json_string(op->why));
        switch (op->kind) {
        case ACTION_TMPFS:
        case ACTION_BIND:
                opts = options_string(op);
                json_object_set_new(o, "type", json_string(op->kind == ACTION_TMPFS ? "tmpfs" : "bind"));
                json_object_set_new(o, "options", json_string(strcmp(opts, "-") ? opts : ""));
                if (op->kind == ACTION_TMPFS) {
                        json_object_set_new(o, "keep_submounts", json_strv(&op->keep));
                        break;
                }
                json_object_set_new(o, "source", json_string(op->source));
                json_object_set_new(o, "source_in", json_string(a->source_in_rootfs ? "rootfs" : "host"));
                json_object_set_new(o, "recursive", json_boolean(a->recursive));
                json_object_set_new(o, "create", json_boolean(a->create));
                break;
        case ACTION_CGROUP:
                json_object_set_new(o, "type", json_string("cgroup"));
                json_object_set_new(o, "cgroup_namespace", json_string(op->cgroupns_private ? "private" : "host"));
                json_object_set_new(o, "cgroups_path", json_string(op->cgroups_path));
                json_object_set_new(o, "cgroup", *op->cgroup_expected ? json_string(op->cgroup_expected) : json_null());
                json_object_set_new(o, "cgroup_relative", json_boolean(op->cgroup_relative));
                json_object_set_new(o, "child", json_string(a->child));
                json_object_set_new(o, "read_only", json_string(op->target));
                rw = cgroup_writable(op);
                json_object_set_new(o, "writable", json_string(rw));
                break;
        case ACTION_MKDIR:
                json_object_set_new(o, "type", json_string("directory"));
                json_object_set_new(o, "mode", json_sprintf("%04o", a->mode));
                break;
        case ACTION_FILE:
                json_object_set_new(o, "type", json_string("file"));
                json_object_set_new(o, "mode", json_sprintf("%04o", a->mode));
                json_object_set_new(o, "replace", json_string(replace_name(a->replace)));
                json_object_set_new(o, "content", json_stringn(op->content, op->content_len));
                break;
        default:
                break;
        }
        return o;
}

int report_json(FILE *f, const struct resolution *r)
{
        _cleanup_json_ json_t *root = json_object();
        json_t *plans = json_array();

        json_object_set_new(root, "format_version", json_integer(1));
        json_object_set_new(root, "container", json_string(r->id));
        json_object_set_new(root, "stage", json_string(r->stage));
        json_object_set_new(root, "rootfs", json_string(r->rootfs));
        json_object_set_new(root, "machine_id", json_string(r->machine_id));
        for (size_t i = 0; i < r->n_plans; i++) {
                const struct plan_result *pr = &r->plans[i];
                json_t *p = json_object(), *ops = json_array();

                json_object_set_new(p, "name", json_string(pr->plan->name));
                json_object_set_new(p, "file", json_string(pr->plan->file));
                json_object_set_new(p, "applies", json_boolean(pr->applies));
                json_object_set_new(p, "reason", json_string(pr->why));
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
