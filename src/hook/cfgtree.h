/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A libconfig document as a small tree, the form plan.c reads. Two readers make it:
 * a hand-written one for the part of the language plans are written in (settings,
 * groups, lists, arrays, strings, decimal integers, booleans, comments), which is
 * what every hook run pays for, and libconfig itself for everything else: numbers in
 * other forms, rarer escapes, and every error, so messages stay libconfig's. The
 * fast reader declines anything it is not sure of; the fuzzer fuzz-cfgtree checks
 * that whatever it accepts, libconfig accepts, into the same tree, lines included.
 */

#include <stdbool.h>
#include <stddef.h>

enum cfg_type {
        CFG_GROUP,
        CFG_INT,
        CFG_INT64,
        CFG_FLOAT,
        CFG_STRING,
        CFG_BOOL,
        CFG_ARRAY,
        CFG_LIST,
};

struct cfg {
        enum cfg_type type;
        int line;                 /* libconfig's config_setting_source_line() */
        const char *name;         /* NULL for the elements of arrays and lists */
        struct cfg *first, *next; /* group, array, list: the children in order */
        int n;                    /* group, array, list: how many */
        union {
                bool b;
                long long i;
                double f;
                const char *s;
        } v;
};

struct cfg_block;

struct cfg_doc {
        struct cfg *root;         /* a group */
        int error_line;           /* on failure: libconfig's line and text */
        const char *error;
        struct cfg_block *blocks; /* every node and string */
};

/* Reads text (NUL-terminated, len bytes): 0, or -EINVAL with error_line and error. */
int cfg_parse(const char *text, size_t len, struct cfg_doc *doc);

/* The two readers on their own, for the fuzzer: 1 read, 0 declined (fast) / failed. */
int cfg_parse_fast(const char *text, size_t len, struct cfg_doc *doc);
int cfg_parse_libconfig(const char *text, struct cfg_doc *doc);

void cfg_doc_free(struct cfg_doc *doc);

/* A group's member by name, or NULL. */
const struct cfg *cfg_member(const struct cfg *group, const char *name);

static inline bool cfg_is_aggregate(const struct cfg *c)
{
        return c->type == CFG_GROUP || c->type == CFG_ARRAY || c->type == CFG_LIST;
}
