/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A user namespace's id mappings: config.json's linux.uidMappings/gidMappings, or
 * the kernel's /proc/PID/uid_map. Checked as the kernel checks them when a runtime
 * writes uid_map (kernel/user_namespace.c, map_write): at most 340 extents, none
 * empty, none wrapping past 2^32, no two overlapping inside or outside, so that a
 * malformed mapping is one error here and not a runtime's half-made container.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "error.h"

#define IDMAP_MAX_EXTENTS 340     /* the kernel's UID_GID_MAP_MAX_EXTENTS */

struct idmap_extent {
        uint32_t inside;          /* containerID */
        uint32_t outside;         /* hostID */
        uint32_t count;           /* size */
};

struct idmap {
        struct idmap_extent *v;
        size_t n;
};

/* Appends an extent (unchecked: idmap_check() checks the whole map). */
void idmap_push(struct idmap *m, uint32_t inside, uint32_t outside, uint32_t count);

/* Checks the map as the kernel would; what names it in messages ("linux.uidMappings"). */
int idmap_check(const struct idmap *m, const char *what, struct error *e);

/* Parses /proc/PID/uid_map text ("inside outside count" per line). */
int idmap_parse_proc(const char *text, const char *what, struct idmap *m, struct error *e);

/* The identity map of the initial user namespace ("0 0 4294967295"): no user namespace. */
bool idmap_is_identity(const struct idmap *m);

/* Same extents, in any order? */
bool idmap_equal(const struct idmap *a, const struct idmap *b);

/* The outside id of inside id `id`; false when it is not mapped. */
bool idmap_to_outside(const struct idmap *m, uint32_t id, uint32_t *out);

/* "0:100000:65536" (extents separated by ','), for messages and the dry run. */
char *idmap_describe(const struct idmap *m);

void idmap_free(struct idmap *m);
