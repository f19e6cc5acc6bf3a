/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A plan file (libconfig) loaded into plain structs. Loading checks everything
 * that can be checked without a container: keys, types, paths, modes, mount
 * options and variable names, each error with file:line.
 */

#include <stdbool.h>

#include "cond.h"
#include "error.h"

#define PLAN_FORMAT_VERSION 1
#define PLAN_MAX_BYTES (1024 * 1024)

enum action_kind {
        ACTION_TMPFS,
        ACTION_BIND,
        ACTION_CGROUP,
        ACTION_MKDIR,
        ACTION_FILE,
        _ACTION_KIND_MAX,
};

/* When a file action writes: the file is missing, missing or empty, or always. */
enum file_replace {
        REPLACE_MISSING,
        REPLACE_EMPTY,
        REPLACE_ALWAYS,
};

struct action {
        enum action_kind kind;
        int line;
        char *name;
        struct cond when;

        char *target;             /* template; absolute inside the container */
        char *source;             /* bind: template */
        bool source_in_rootfs;    /* bind: source names a path inside the rootfs */
        char *options;            /* tmpfs, bind: mount options (plain text, no variables) */
        bool keep_submounts;      /* tmpfs: carry over mounts below the target */
        bool readonly;            /* bind */
        bool create;              /* bind: create a missing target */
        bool recursive;           /* bind */
        unsigned mode;            /* mkdir, file, tmpfs root */
        char *content;            /* file: template */
        enum file_replace replace;
        bool via_bind;            /* file: bind a private copy over the target, never write it */
        char *child;              /* cgroup: the delegated child cgroup's name */
};

struct plan {
        char *file;               /* as given, for messages */
        char *name;
        int version;
        struct cond when;
        struct action *actions;
        size_t n_actions;
};

/* Loads and checks a plan; every problem goes to d as "file:line: message". */
int plan_load(const char *path, struct plan *p, struct diag *d);

/* Same, from text already in memory (tests, fuzzing). */
int plan_load_string(const char *text, size_t len, const char *path, struct plan *p, struct diag *d);

void plan_free(struct plan *p);

const char *action_kind_name(enum action_kind kind);
