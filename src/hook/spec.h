/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the plan needs from the bundle's config.json. Unknown keys are ignored (the
 * OCI spec says so); optional sections may be missing; what is present must have
 * the right type.
 */

#include <stdbool.h>

#include "error.h"
#include "idmap.h"
#include "jscan.h"
#include "util.h"

#define SPEC_MAX_BYTES (8 * 1024 * 1024)

struct spec_mount {
        char *destination;        /* as written in config.json */
        char *type;
        char *source;
};

struct spec {
        char *root_path;          /* absolute: relative paths are made relative to the bundle */
        bool root_readonly;
        struct strv args;
        char *cwd;                /* process.cwd, or NULL */
        struct kvlist env;
        char *hostname;
        struct kvlist annotations;
        struct spec_mount *mounts;
        size_t n_mounts;
        bool cgroupns_private;    /* a cgroup namespace without a path: a new one */
        bool cgroupns_joined;     /* a cgroup namespace with a path: an existing one */
        char *cgroups_path;
        bool userns;              /* a user namespace: a new one, or one joined by path */
        bool userns_joined;
        struct idmap uid_map;     /* linux.uidMappings, checked; empty when none */
        struct idmap gid_map;
        char *mount_label;        /* linux.mountLabel, or NULL */
};

/* The members of config.json spec_parse() reads (for the scanner; see jscan.h). */
extern const struct jscan_keep spec_keep[];

/* Parses config.json text; what names it in messages, bundle resolves root.path. */
int spec_parse(const char *buf, size_t len, const char *what, const char *bundle,
               struct spec *s, struct error *e);

/* Reads <bundle>/config.json. */
int spec_load(const char *bundle, struct spec *s, struct error *e);

void spec_free(struct spec *s);

/* Does config.json mount something exactly at dest (normalized absolute)? */
bool spec_mounts_at(const struct spec *s, const char *dest);
