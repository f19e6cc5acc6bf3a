/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Mount options as a plan writes them ("nosuid,nodev,mode=755,size=64m"), split
 * into VFS flags and filesystem data, and checked against what each kind of mount
 * may take, so that a typo fails validation rather than the mount.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/types.h>

#include "error.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256        /* Linux 5.10; older C libraries lack it */
#endif

enum mountopt_for {
        MOUNTOPT_TMPFS,
        MOUNTOPT_BIND,
};

struct mountopt {
        unsigned long flags;      /* MS_* */
        char *data;               /* filesystem options, "" when none */
};

/*
 * The length of the option at p, up to the next comma outside a quoted value
 * (key="a,b"); -1 for a quote that is not closed or not a whole value.
 */
ssize_t mountopt_next(const char *p);

/*
 * An option whose quoted value is empty (context="${mount_label}" for a container
 * without a label) is left out.
 */
int mountopt_parse(const char *optstr, enum mountopt_for kind, struct mountopt *out, struct error *e);
void mountopt_free(struct mountopt *m);

/* The flags back as option words ("nosuid,nodev"), for display. */
char *mountopt_flags_string(unsigned long flags);

/* The MS_* flags as the new mount API's MOUNT_ATTR_* (from the same table). */
unsigned long long mountopt_mount_attr(unsigned long flags);

/* The flag table, for the test that checks it against libmount's. */
bool mountopt_flag_known(const char *name, unsigned long *flag, bool *clear);
size_t mountopt_flag_names(const char ***names);
