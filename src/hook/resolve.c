/* SPDX-License-Identifier: MIT */
#include "resolve.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "action.h"
#include "vars.h"

struct resolver {
        const struct spec *spec;
        const struct state *state;
        struct kvlist annotations;        /* config.json's, then the state's on top */
        const char **mount_dests;
        struct var_ctx vars;
        struct cond_input cin;
        struct resolution *out;
        size_t cap;
        bool explain;                     /* build the whys (resolve_plans) */
};

static struct op *resolver_new_op(struct resolver *R, const struct plan *p, const struct action *a)
{
        struct resolution *out = R->out;
        struct op *op;

        if (out->n_ops == R->cap) {
                R->cap = R->cap ? 2 * R->cap : 16;
                out->ops = xrealloc(out->ops, R->cap * sizeof(*out->ops));
        }
        op = &out->ops[out->n_ops++];
        memset(op, 0, sizeof(*op));
        op->file = p->file;
        op->kind = a->kind;
        op->line = a->line;
        op->name = a->name;
        return op;
}

const struct spec *resolver_spec(const struct resolver *R)
{
        return R->spec;
}

int resolve_expand(struct resolver *R, const struct op *op, const char *what, const char *tmpl, char **out,
                   struct error *e)
{
        int r = vars_expand(tmpl, &R->vars, out, e);

        if (r < 0)
                return error_wrap(e, "%s:%d: %s: ", op->file, op->line, what);
        return 0;
}

/* Variables may carry anything; a path must still be a clean absolute path after expansion. */
int resolve_expand_path(struct resolver *R, const struct op *op, const char *what, const char *tmpl,
                        char **out, struct error *e)
{
        int r = resolve_expand(R, op, what, tmpl, out, e);

        if (r < 0)
                return r;
        if (!path_is_normalized_absolute(*out) || strcmp(*out, "/") == 0) {
                r = error_set(e, -EINVAL, "%s:%d: %s \"%s\" is not an absolute, normalized path after expansion",
                              op->file, op->line, what, *out);
                free(*out);
                *out = NULL;
        }
        return r;
}

/* Options may name variables (uid=${host_uid}, context="${mount_label}"): expanded, then checked. */
int resolve_mount_options(struct resolver *R, const struct op *op, const char *options, enum mountopt_for k,
                          struct mountopt *out, struct error *e)
{
        _cleanup_free_ char *text = NULL;
        int r = resolve_expand(R, op, "options", options ? options : "", &text, e);

        if (r < 0)
                return r;
        if (mountopt_parse(text, k, out, e) < 0)
                return error_wrap(e, "%s:%d: options: ", op->file, op->line);
        return 0;
}

/*
 * What config.json mounts beneath the target, where it lands when the facts say
 * (the dry run's preview: at run time the mount table decides).
 */
void resolve_collect_keep(struct resolver *R, struct op *op)
{
        const struct strv *real = R->cin.facts ? &R->cin.facts->mount_dests : NULL;

        for (size_t i = 0; i < R->spec->n_mounts; i++) {
                const char *d = real && real->n == R->spec->n_mounts ? real->v[i] : R->mount_dests[i];

                if (path_is_below(d, op->target, false) && !strv_contains(&op->keep, d))
                        strv_push_copy(&op->keep, d);
        }
}

/* The parts every kind shares (target, owner), then the kind's own. */
static int resolve_action(struct resolver *R, const struct action *a, struct op *op, struct error *e)
{
        int r = resolve_expand_path(R, op, "target", a->target, &op->target, e);

        if (r < 0)
                return r;
        op->host_path = path_join(R->out->rootfs, op->target);
        op->uid = R->out->root_uid;
        op->gid = R->out->root_gid;
        return action_ops_of(a->kind)->resolve(R, a, op, e);
}

static int resolve_plan(struct resolver *R, const struct plan *p, struct plan_result *pr, struct error *e)
{
        pr->plan = p;
        pr->first_op = R->out->n_ops;
        pr->applies = cond_eval(&p->when, &R->cin, R->explain ? &pr->why : NULL);
        if (!pr->applies)
                return 0;
        for (size_t i = 0; i < p->n_actions; i++) {
                const struct action *a = &p->actions[i];
                struct op *op = resolver_new_op(R, p, a);
                int r;

                op->skipped = !cond_eval(&a->when, &R->cin, R->explain ? &op->why : NULL);
                if (!op->skipped && cond_is_empty(&a->when)) {
                        free(op->why);
                        op->why = NULL;
                }
                r = resolve_action(R, a, op, e);
                pr->n_ops++;
                if (r < 0)
                        return r;
        }
        return 0;
}

static void resolver_init(struct resolver *R, const struct spec *spec, const struct state *state,
                          const struct facts *facts, const char *stage, struct resolution *out)
{
        memset(R, 0, sizeof(*R));
        R->spec = spec;
        R->state = state;
        R->out = out;
        for (size_t i = 0; i < spec->annotations.n; i++)
                kvlist_set(&R->annotations, spec->annotations.v[i].key, spec->annotations.v[i].value);
        for (size_t i = 0; i < state->annotations.n; i++)
                kvlist_set(&R->annotations, state->annotations.v[i].key, state->annotations.v[i].value);
        R->mount_dests = xmalloc((spec->n_mounts + 1) * sizeof(char *));
        for (size_t i = 0; i < spec->n_mounts; i++)
                R->mount_dests[i] = spec->mounts[i].destination;
        out->rootfs = xstrdup(spec->root_path);
        out->id = xstrdup(state->id);
        out->stage = xstrdup(stage);
        out->machine_id_source = machine_id_from_container_id(state->id, out->machine_id);
        out->facts = facts;
        out->root_uid = facts ? facts->userns.root_uid : 0;
        out->root_gid = facts ? facts->userns.root_gid : 0;
        R->vars = (struct var_ctx){
                .id = state->id, .machine_id = out->machine_id, .bundle = state->bundle,
                .rootfs = out->rootfs, .hostname = spec->hostname, .stage = stage,
                .pid = state->pid, .env = &spec->env, .annotations = &R->annotations,
                .host_uid = out->root_uid, .host_gid = out->root_gid, .mount_label = spec->mount_label,
        };
        R->cin = (struct cond_input){
                .args = &spec->args, .env = &spec->env, .annotations = &R->annotations,
                .mounts = R->mount_dests, .n_mounts = spec->n_mounts, .stage = stage,
                .root_readonly = spec->root_readonly, .facts = facts,
                .userns = facts && facts->userns.why ? facts->userns.userns : spec->userns,
                .userns_why = facts ? facts->userns.why : NULL,
        };
}

int resolve_plans(const struct plan *plans, size_t n_plans, const struct spec *spec,
                  const struct state *state, const struct facts *facts, const char *stage, bool explain,
                  struct resolution *out, struct error *e)
{
        struct resolver R;
        int r = 0;

        memset(out, 0, sizeof(*out));
        resolver_init(&R, spec, state, facts, stage, out);
        R.explain = explain;
        out->plans = xcalloc(n_plans + 1, sizeof(*out->plans));
        for (size_t i = 0; i < n_plans && r >= 0; i++) {
                r = resolve_plan(&R, &plans[i], &out->plans[i], e);
                out->n_plans++;
        }
        kvlist_free(&R.annotations);
        free(R.mount_dests);
        if (r < 0)
                resolution_free(out);
        return r;
}

size_t resolution_active_ops(const struct resolution *r)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_ops; i++)
                n += !r->ops[i].skipped;
        return n;
}

void resolution_free(struct resolution *r)
{
        for (size_t i = 0; i < r->n_ops; i++) {
                struct op *op = &r->ops[i];

                free(op->why);
                free(op->target);
                free(op->host_path);
                free(op->source);
                mountopt_free(&op->opts);
                strv_free(&op->keep);
                free(op->content);
                free(op->cgroups_path);
                free(op->cgroup_expected);
                free(op->child);
        }
        free(r->ops);
        for (size_t i = 0; i < r->n_plans; i++)
                free(r->plans[i].why);
        free(r->plans);
        free(r->rootfs);
        free(r->id);
        free(r->stage);
        memset(r, 0, sizeof(*r));
}
