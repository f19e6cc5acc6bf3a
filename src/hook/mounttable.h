/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What is mounted beneath a directory, as the kernel's mount table says: never
 * guessed from how config.json spelled a destination (an image symlink such as
 * /var/run -> /run, "..", "//" all lead elsewhere than the string says).
 *
 * The table is /proc/self/mountinfo, read once per question: one read(2) of the
 * whole table, where listmount(2) would need one statmount(2) per mount to learn
 * where each one sits. Its mount points are the kernel's own canonical paths (no
 * symlinks, no ".."). Callers open what is listed through the safe resolver and
 * check the mount id they reach against the one listed here.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct submount {
        uint64_t id;              /* the kernel's mount id (mountinfo's first field, statx's STATX_MNT_ID) */
        char *rel;                /* where it sits beneath the directory: relative, canonical */
};

struct submounts {
        struct submount *v;
        size_t n;
};

/*
 * The outermost mounts strictly beneath the directory dirfd, in mount order; mounts
 * nested in one of them are left out (a recursive bind carries them along). Several
 * mounts stacked on one mount point are all listed, in mount order.
 */
int mounttable_beneath(int dirfd, struct submounts *out);

/* Does the table list mount id at rel? */
bool submounts_has(const struct submounts *s, const char *rel, uint64_t id);

void submounts_free(struct submounts *s);

/* Parses mountinfo text (exposed for the unit test): mounts strictly beneath dir. */
int mounttable_parse(char *text, const char *dir, struct submounts *out);
