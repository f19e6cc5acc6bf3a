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

struct op {
        const struct plan *plan;
        const struct action *action;
        enum action_kind kind;
        bool skipped;
        char *why;                /* skipped: the failed condition; else what matched, or NULL */

        char *target;             /* inside the container, normalized absolute */
        char *host_path;          /* rootfs + target: for people; the executor resolves safely */
        char *source;             /* bind: a host path, or a container path when source_in_rootfs */
        struct mountopt opts;     /* tmpfs, bind */
        struct strv keep;         /* tmpfs: mounts config.json makes below target, carried over */
        char *content;            /* file */
        size_t content_len;
        bool cgroupns_private;    /* cgroup: the container has its own cgroup namespace */
        char *cgroups_path;       /* cgroup: linux.cgroupsPath, for display */
        char *cgroup_expected;    /* cgroup: the cgroup it names ("" when none; the kernel decides) */
        bool cgroup_relative;     /* ... relative to the runtime's own cgroup */
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

int resolve_plans(const struct plan *plans, size_t n_plans, const struct spec *spec,
                  const struct state *state, const struct facts *facts, const char *stage,
                  struct resolution *out, struct error *e);

/* Operations that will run (not skipped). */
size_t resolution_active_ops(const struct resolution *r);

void resolution_free(struct resolution *r);
