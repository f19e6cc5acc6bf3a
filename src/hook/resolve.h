/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Resolving: plans + config.json + state -> an ordered list of concrete operations.
 * Pure: no syscalls, no output. --dry-run prints the result, the executor performs
 * it, and the golden tests compare it.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "facts.h"
#include "mountopt.h"
#include "plan.h"
#include "spec.h"
#include "state.h"

/*
 * One concrete operation: everything the executor needs, resolved from the plan's
 * action, config.json and the state. The executor never sees the action.
 */
struct op {
        enum action_kind kind;
        const char *file;         /* the plan's file and the action's line, for messages */
        int line;
        const char *name;         /* the action's name or NULL (both strings the plan's) */
        bool skipped;
        char *why;                /* skipped: the failed condition; else what matched, or NULL */

        char *target;             /* inside the container, normalized absolute */
        char *host_path;          /* rootfs + target: for people; the executor resolves safely */
        uid_t uid;                /* the owner of what the operation creates in the container */
        gid_t gid;
        unsigned mode;            /* mkdir, file */
        char *source;             /* bind: a host path, or a container path when source_in_rootfs */
        bool source_in_rootfs;    /* bind */
        bool create;              /* bind: create a missing target */
        bool recursive;           /* bind */
        struct mountopt opts;     /* tmpfs, bind (readonly folded in) */
        bool keep_submounts;      /* tmpfs: carry over the mounts the kernel lists below target */
        struct strv keep;         /* tmpfs: mounts config.json makes below target (the dry run's preview) */
        char *content;            /* file */
        size_t content_len;
        enum file_replace replace;        /* file */
        bool via_bind;            /* file: bind a private copy over the target, never write it */
        bool cgroupns_private;    /* cgroup: the container has its own cgroup namespace */
        char *cgroups_path;       /* cgroup: linux.cgroupsPath, for display */
        char *cgroup_expected;    /* cgroup: the cgroup it names ("" when none; the kernel decides) */
        bool cgroup_relative;     /* ... relative to the runtime's own cgroup */
        char *child;              /* cgroup: the delegated child's name */
};

struct plan_result {
        const struct plan *plan;
        bool applies;
        char *why;
        size_t first_op;
        size_t n_ops;
};

struct resolution {
        char *rootfs;
        char *id;
        char *stage;
        char machine_id[33];
        const char *machine_id_source;    /* static: how machine_id was derived */
        /* The host ids the container's root maps to (0 without a user namespace):
         * what the hook creates in the container is given to them. */
        uid_t root_uid;
        gid_t root_gid;
        const struct facts *facts;        /* the caller's, not owned */
        struct op *ops;
        size_t n_ops;
        struct plan_result *plans;
        size_t n_plans;
};

/*
 * explain: build the why of each plan and op (the dry run's report, the debug log);
 * without it they are NULL, and a hook run saves the text it would not show.
 */
int resolve_plans(const struct plan *plans, size_t n_plans, const struct spec *spec,
                  const struct state *state, const struct facts *facts, const char *stage, bool explain,
                  struct resolution *out, struct error *e);

/* For the action kinds' resolve parts (action-*.c): the resolver's state is resolve.c's. */
struct resolver;
const struct spec *resolver_spec(const struct resolver *R);

/* Expands a template field of op's action; errors name the plan file and line. */
int resolve_expand(struct resolver *R, const struct op *op, const char *what, const char *tmpl, char **out,
                   struct error *e);

/* Same, and the result must be an absolute, normalized path other than "/". */
int resolve_expand_path(struct resolver *R, const struct op *op, const char *what, const char *tmpl,
                        char **out, struct error *e);

/* Expands and parses op's mount options. */
int resolve_mount_options(struct resolver *R, const struct op *op, const char *options, enum mountopt_for k,
                          struct mountopt *out, struct error *e);

/* Fills op->keep: where config.json mounts below op->target (the dry run's preview). */
void resolve_collect_keep(struct resolver *R, struct op *op);

/* Operations that will run (not skipped). */
size_t resolution_active_ops(const struct resolution *r);

void resolution_free(struct resolution *r);
