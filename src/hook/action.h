/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One unit per action kind. Each kind lives in its own file (action-<kind>.c) and
 * is found through one table of operations, indexed by enum action_kind (as crun
 * finds its custom handlers and the kernel a file's file_operations): its plan
 * keys, defaults, the resolve step (plan -> struct op), the execute step (struct
 * op -> syscalls, leaving an undo record) and its dry-run lines. Adding a kind is
 * a value in enum action_kind, a row in action.c's table and a file.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "plan.h"
#include "resolve.h"

enum field_type {
        FIELD_NAME,               /* plain string */
        FIELD_PATH,               /* template; absolute and normalized inside the container */
        FIELD_SOURCE,             /* template; absolute (host or rootfs) */
        FIELD_TEXT,               /* template, any text */
        FIELD_BOOL,
        FIELD_MODE,               /* octal string, at most 07777 */
        FIELD_TMPFS_OPTIONS,
        FIELD_BIND_OPTIONS,
        FIELD_ENUM,               /* one of values[] (NULL slots are not accepted); an unsigned */
        FIELD_WHEN,
        FIELD_CGROUP_CHILD,       /* one plain name, not a kernel file's */
};

struct field {
        const char *key;
        enum field_type type;
        bool required;
        size_t offset;            /* into struct action */
        const char *const *values; /* FIELD_ENUM: names indexed by value */
        unsigned n_values;
};

#define FIELD(k, t, req, member) { k, t, req, offsetof(struct action, member), NULL, 0 }
#define FIELD_ENUM_OF(k, member, names) \
        { k, FIELD_ENUM, false, offsetof(struct action, member), names, ELEMENTSOF(names) }
#define COMMON_FIELDS FIELD("name", FIELD_NAME, false, name), FIELD("when", FIELD_WHEN, false, when)

struct resolver;
struct executor;
struct undo;

struct action_ops {
        const char *name;
        const struct field *fields;            /* ends with { 0 } */
        void (*defaults)(struct action *a);
        /* Fills op from a (target is expanded already): everything execute needs. */
        int (*resolve)(struct resolver *R, const struct action *a, struct op *op, struct error *e);
        /* 0, EXEC_ALREADY, or a negative errno with e set; what it did goes in u. */
        int (*exec)(struct executor *x, const struct op *op, struct undo *u, struct error *e);
        /* The dry run: the kind's part of an operation's text line and JSON object. */
        void (*report_text)(FILE *f, const struct op *op);
        void (*report_json)(json_t *o, const struct op *op);
};

extern const struct action_ops action_tmpfs_ops, action_bind_ops, action_cgroup_ops, action_mkdir_ops,
        action_file_ops, action_symlink_ops;

const struct action_ops *action_ops_of(enum action_kind kind);

/* The kind named name; false when there is none. */
bool action_kind_from_name(const char *name, enum action_kind *kind);

/* "tmpfs, bind, ...": for messages. */
const char *action_kind_list(void);

/* Shared by the kinds' report parts (report.c). */
char *report_options_string(const struct op *op);
json_t *report_json_text(const char *s);
json_t *report_json_textn(const char *s, size_t len);
json_t *report_json_strv(const struct strv *s);
