/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Conditions on the container ("when" in a plan or an action). Each kind is a list
 * of patterns; every kind present must hold (AND), and each has a "_not" twin that
 * holds when none of its patterns does. Evaluation is pure and explains itself.
 */

#include <stdbool.h>
#include <stddef.h>

#include "facts.h"
#include "util.h"

enum cond_kind {
        COND_COMMAND,             /* any glob matches process.args[0] */
        COND_EXEC,                /* the ELF executable the container runs, symlinks followed, matches any glob */
        COND_ENV,                 /* every "NAME" is set / "NAME=glob" matches */
        COND_ANNOTATION,          /* same, on annotations (config.json and state) */
        COND_MOUNTED,             /* config.json mounts every listed destination */
        COND_STAGE,               /* the hook runs at one of these stages */
        _COND_KIND_MAX,
};

/* A yes/no condition that may be absent (zero: absent). */
enum cond_bool {
        COND_BOOL_ANY = 0,
        COND_BOOL_FALSE,
        COND_BOOL_TRUE,
};

struct cond {
        struct strv pos[_COND_KIND_MAX];
        struct strv neg[_COND_KIND_MAX];
        bool has_pos[_COND_KIND_MAX];
        bool has_neg[_COND_KIND_MAX];
        int see_through_shell;    /* -1: default (yes) */
        enum cond_bool root_readonly;
        enum cond_bool userns;    /* the container has a user namespace */
        struct cond *any;         /* groups of which one must hold (OR); not nested */
        size_t n_any;
};

/* What conditions are evaluated against. */
struct cond_input {
        const struct strv *args;
        const struct kvlist *env;
        const struct kvlist *annotations;
        const char *const *mounts;  /* destinations, n_mounts of them */
        size_t n_mounts;
        const char *stage;
        bool root_readonly;       /* config.json's root.readonly */
        bool userns;              /* the container has a user namespace */
        const char *userns_why;   /* how that is known, for explanations */
        const struct facts *facts; /* from the rootfs, gathered before resolving */
};

/* The key's kind, e.g. "env_not" gives COND_ENV and negated; false when unknown. */
bool cond_kind_from_key(const char *key, enum cond_kind *kind, bool *negated);

/* Checks one pattern's syntax for a kind; returns a static reason or NULL. */
const char *cond_pattern_problem(enum cond_kind kind, const char *pattern);

/*
 * Evaluates c. On false, *why explains the first condition that failed; on true,
 * what matched (for dry-run). *why is allocated. why may be NULL: no explanation is
 * built (a hook run that logs none).
 */
bool cond_eval(const struct cond *c, const struct cond_input *in, char **why);

/* The command the container runs, seen through `sh -c "exec CMD ..."` when asked. */
const char *cond_effective_command(const struct strv *args, bool see_through_shell, char **alloc);

/*
 * Does c fail on what is known before config.json is read: the stage, and whether
 * the container has a user namespace (other members of in are not looked at)? A
 * hook in a user namespace may not be able to read the bundle at all.
 */
bool cond_fails_early(const struct cond *c, const struct cond_input *in);

bool cond_is_empty(const struct cond *c);
void cond_free(struct cond *c);
