/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A validating JSON scanner that builds no tree. config.json is mostly parts the
 * hook never reads (Docker's seccomp profile alone is three quarters of it);
 * building them into a jansson tree and freeing it again was most of the hook's
 * work. The scanner checks the whole text and copies out only the members asked
 * for, built as jansson values; the wrapper uses it to find where to splice its
 * hook into config.json's text.
 *
 * It never accepts what jansson (json_loadb with JSON_REJECT_DUPLICATES) refuses.
 * It is stricter where checking jansson's way would cost (an escaped object key,
 * an integer of more than 18 digits, an exponent, more than JSCAN_MAX_KEYS keys
 * in an object or JSCAN_MAX_DEPTH nesting): then it says "not sure" and the
 * caller parses the whole text with jansson, whose error messages
 * (file:line:column) are the ones users see.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define JSCAN_MAX_DEPTH 64
#define JSCAN_MAX_KEYS 48

/*
 * Members to keep, a table ending with a NULL name. members: for an object
 * value, the table of its members to keep; for an array, of the members of each
 * element that is an object; NULL keeps the whole value. Anything else (a string
 * where an object was expected, an array's element that is not an object) is
 * kept whole, so that type errors still show.
 */
struct jscan_keep {
        const char *name;
        const struct jscan_keep *members;
};

/* A value's text, buf[start] to buf[end - 1]. */
struct jscan_span {
        size_t start, end;
};

/* Is buf for certain a JSON object that jansson accepts? obj (may be NULL): where it is. */
bool jscan_valid_object(const char *buf, size_t len, struct jscan_span *obj);

/*
 * The same check and, when it passes, the kept members as a jansson object, in
 * their order, with the values json_loadb() would give them; NULL when the check
 * fails. Only what is kept is ever built.
 */
json_t *jscan_extract(const char *buf, size_t len, const struct jscan_keep *keep);

/*
 * In a text jscan_valid_object() accepted: the value of member key (written
 * without escapes) of the object whose '{' is at buf[obj]; false if it has none.
 */
bool jscan_member(const char *buf, size_t len, size_t obj, const char *key, struct jscan_span *value);

/* The same text: is the object or array at buf[at] empty ({} or [])? */
bool jscan_is_empty(const char *buf, size_t len, size_t at);
