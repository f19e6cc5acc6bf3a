/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Is the container in a user namespace, and which host ids does its root map to?
 * The kernel's word (/proc/PID/uid_map of the container's init) when the hook
 * runs for a container, cross-checked with config.json's mappings; config.json's
 * alone for a dry run. Learnt before config.json is read, since inside a user
 * namespace the hook may not be able to read the bundle (Docker's userns-remap).
 */

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "idmap.h"
#include "spec.h"

struct userns_facts {
        bool known;               /* the kernel was asked (a hook run, with a container) */
        bool userns;              /* ... and the init is not in the initial user namespace */
        int pid;                  /* whose maps: the container's init as /proc names it, 0: the hook's */
        struct idmap uid_map;     /* the kernel's */
        struct idmap gid_map;
};

/*
 * Reads the maps of the container's init: at createContainer the hook's own (it
 * runs in the container's namespaces, which the cgroup step checks), at the other
 * stages the state's pid; none for a dry run or when the pid is unknown.
 */
int userns_probe(const char *stage, int state_pid, bool dry_run, struct userns_facts *u, struct error *e);

/* The outcome: whether there is a user namespace, the root's host ids, and how that is known. */
struct userns_result {
        bool userns;
        uint32_t root_uid;
        uint32_t root_gid;
        char *why;                /* allocated */
};

/*
 * Settles the facts with config.json (what: its path, for messages): maps that disagree with the kernel's, a user
 * namespace one side has and the other lacks, or a root that is not mapped are
 * refused.
 */
int userns_settle(const struct userns_facts *u, const struct spec *s, const char *what, struct userns_result *out,
                  struct error *e);

void userns_facts_free(struct userns_facts *u);
void userns_result_free(struct userns_result *r);
