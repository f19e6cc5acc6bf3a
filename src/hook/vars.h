/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Variables in plan strings: ${id}, ${machine_id}, ${bundle}, ${rootfs},
 * ${hostname}, ${pid}, ${stage}, ${host_uid}, ${host_gid}, ${mount_label},
 * ${env:NAME}, ${annotation:NAME}; "$$" is a
 * literal '$'. Templates are checked when the plan is loaded (an unknown variable
 * is an error there, with its line) and expanded when it is resolved.
 */

#include <stdint.h>

#include "error.h"
#include "util.h"

struct var_ctx {
        const char *id;
        const char *machine_id;
        const char *bundle;
        const char *rootfs;
        const char *hostname;
        const char *stage;
        int pid;
        unsigned host_uid;        /* the host ids the container's root maps to (0 without a user namespace) */
        unsigned host_gid;
        const char *mount_label;  /* linux.mountLabel, or NULL */
        const struct kvlist *env;
        const struct kvlist *annotations;
};

/* Checks a template's syntax and variable names without expanding it. */
int vars_check(const char *tmpl, struct error *e);

/* Expands a template; a missing env or annotation value expands to "". */
int vars_expand(const char *tmpl, const struct var_ctx *ctx, char **out, struct error *e);

/*
 * A systemd machine id (32 lowercase hex digits, not all zero) derived from the
 * container id: its first 32 hex digits when it has them (Docker's ids), otherwise
 * a 128-bit hash of it shaped as a v4 UUID, so that short or non-hex ids still give
 * a stable, valid id. Returns how it was derived, for explanations.
 */
const char *machine_id_from_container_id(const char *id, char out[33]);
