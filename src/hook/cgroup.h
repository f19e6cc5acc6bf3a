/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The container's cgroup, delegated as the kernel's rules say (cgroup-v2.rst,
 * "Delegation Containment"): the container may create cgroups and move processes
 * below a child of the cgroup the engine gave it, never write the engine's limits.
 *
 * cgroup_expected_path() is pure (the resolver shows its answer). The rest learns
 * facts from the kernel and acts on them; nothing here trusts config.json or the
 * state alone: which process is the container's, which cgroup and which cgroup
 * namespace it is in come from /proc and are cross-checked with linux.cgroupsPath.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#define CGROUP_CHILD_DEFAULT "payload"

/*
 * The cgroup linux.cgroupsPath names: cgroupfs form "/a/b" (absolute) or "a/b"
 * (relative to the runtime's own cgroup: *relative is set and only a suffix is
 * known), systemd form "slice:prefix:name" -> "/<slice path>/prefix-name.scope".
 * *out is NULL when cgroupsPath is empty (the runtime picks one). -EINVAL on a
 * path that is not clean.
 */
int cgroup_expected_path(const char *cgroups_path, char **out, bool *relative);

/* Is name a usable name for the delegated child cgroup (one plain component)? */
bool cgroup_child_name_ok(const char *name);

/* What the kernel says about the container, gathered before anything is done. */
struct cgroup_facts {
        int pid;                  /* the container's init, as /proc names it */
        int vpid;                 /* ... as the hook's pid namespace names it (cgroup.procs) */
        bool own_ns;              /* its cgroup namespace is not the host's (/proc/1's) */
        char *ns_path;            /* its cgroup2 cgroup, seen from its own cgroup namespace */
        char *host_path;          /* ... seen from the host's, or NULL when unknown */
        char *expected;           /* from linux.cgroupsPath, or NULL */
        bool expected_relative;
        bool expected_systemd;    /* systemd's form: the init may sit below the scope */
        bool line_known;          /* createContainer: init_line was read by cgroup_find_init ... */
        char *init_line;          /* ... the init's "0::" cgroup (NULL: none), for cgroup_read_paths */
        int hostfd;               /* O_PATH root of the host's cgroup2 mount, or -1 */
        bool ino_known;           /* the engine's cgroup C, found in the host's mount */
        dev_t dev;                /* ... its device and inode */
        ino_t ino;
};

void cgroup_facts_init(struct cgroup_facts *f);
void cgroup_facts_free(struct cgroup_facts *f);

/*
 * The container's init: at createContainer the hook's parent, which must share the
 * hook's mount namespace, cgroup namespace and cgroup; at the other stages the
 * state's pid, whose mount namespace must not be the hook's own.
 */
int cgroup_find_init(const char *stage, int state_pid, struct cgroup_facts *f, struct error *e);

/* Reads the init's cgroup; call before entering its cgroup namespace and again after. */
int cgroup_read_paths(struct cgroup_facts *f, bool entered, struct error *e);

/*
 * After entering the container's namespaces: finds the host's cgroup2 mount and
 * cross-checks the init's cgroup with linux.cgroupsPath (child: the delegated
 * child's name, where a hook that ran before put the init). Without need (no
 * cgroup action), a host without cgroup2 is no error.
 */
int cgroup_check(struct cgroup_facts *f, const char *cgroups_path, const char *child, bool need,
                 struct error *e);

/* The engine's cgroup C, seen from the container's cgroup namespace ("/" usually). */
const char *cgroup_container_path(const struct cgroup_facts *f, const char *child, char **buf);

/* What cgroup_delegate did, for rollback. */
struct cgroup_undo {
        int view_fd;              /* the tree's mount, made read-only last, or -1 */
        int cfd;                  /* C, or -1 */
        char *child;              /* the child we made, or NULL */
        bool moved;               /* we moved the init into the child */
        int vpid;
        int child_mount_fd;       /* the child bound over itself, or -1 */
};

void cgroup_undo_init(struct cgroup_undo *u);
/* Releases what was held; with rollback, undoes it first (read-only, child mount, move, mkdir). */
void cgroup_undo_run(struct cgroup_undo *u, bool rollback);
/* Success, and the process exits next: frees the record's memory, leaves its fds to exit(). */
void cgroup_undo_forget(struct cgroup_undo *u);

/* Is the layout cgroup_delegate makes already on tfd (the hook ran before)? */
bool cgroup_already_delegated(const struct cgroup_facts *f, int tfd, const char *child);

/*
 * On viewfd, the root of a writable cgroup2 mount the caller made on the target
 * (the host's mount cloned, or a fresh one inside the container's cgroup
 * namespace): finds C in it (the very cgroup the kernel named), makes C/child,
 * gives it to uid:gid (a user namespace's root) when they are not 0,
 * moves the init into it, binds the child over itself writable and makes the
 * rest of the tree read-only.
 */
int cgroup_delegate(const struct cgroup_facts *f, int viewfd, const char *child, uid_t uid, gid_t gid,
                    struct cgroup_undo *u, struct error *e);
