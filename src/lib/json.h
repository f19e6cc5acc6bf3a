/* SPDX-License-Identifier: MIT */
#pragma once

/* Small jansson helpers shared by the state and config.json readers. */

#include <jansson.h>

#include "error.h"
#include "jscan.h"
#include "util.h"

/* jansson (>= 2.11) provides json_decrefp for its json_auto_t. */
#define _cleanup_json_ __attribute__((cleanup(json_decrefp)))

/*
 * Seeds jansson's hash function from getrandom(): one syscall, where jansson's own
 * seeding opens and reads /dev/urandom. Call before the first JSON object exists.
 */
void json_seed(void);

/*
 * For a program that leaves its JSON values to exit() (see exit_keep()): jansson
 * allocates from chunks of 64 KiB by bumping a pointer and frees nothing, where
 * malloc and free per value were a tenth of the hook's instructions. The chunks
 * stay reachable until exit. Call before the first JSON value exists.
 */
void json_use_arena(void);

/* Parses with duplicate keys refused; errors name what, line and column. */
int json_parse_strict(const char *buf, size_t len, const char *what, json_t **out, struct error *e);

/*
 * The same result for the members kept (see jscan.h), without building the rest:
 * the same errors as json_parse_strict() on the whole text, the same values.
 */
int json_parse_kept(const char *buf, size_t len, const char *what, const struct jscan_keep *keep, json_t **out,
                    struct error *e);

/*
 * Typed getters for an optional member: a missing or null member leaves *out as is
 * and returns 0; a member of the wrong type is an error naming the path.
 */
int json_get_string(json_t *obj, const char *key, const char *what, const char *path,
                    const char **out, struct error *e);
int json_get_object(json_t *obj, const char *key, const char *what, const char *path,
                    json_t **out, struct error *e);
int json_get_array(json_t *obj, const char *key, const char *what, const char *path,
                   json_t **out, struct error *e);

/* Reads an object of string values (annotations) into l. */
int json_get_string_map(json_t *obj, const char *key, const char *what, const char *path,
                        struct kvlist *l, struct error *e);
