/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the action kinds' execute parts (action-*.c) share with the walk over the
 * operations (exec.c): the executor's state, the undo record each operation
 * fills, and the helpers every kind uses. Not for the rest of the program.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "exec.h"
#include "rootfs.h"

/* An operation found its result already in place: a success that changed nothing. */
#define EXEC_ALREADY 1

/* What one performed operation left behind, to be undone if a later one fails. */
struct undo {
        int mount_fd;             /* root of a mount we made, or -1 */
        int remount_fd;           /* a mount whose flags we changed, or -1 */
        unsigned long old_flags;  /* ... and what they were */
        struct strv dirs;         /* directories we created */
        int file_dirfd;           /* a file (or symlink) we created or changed: its directory */
        char *file_name;
        bool file_created;        /* rollback unlinks it */
        void (*restore)(const struct undo *u);  /* changed, not created: the kind's way back */
        char *old_content;        /* ... what was there, for restore */
        size_t old_len;
        mode_t old_mode;
        struct cgroup_undo cg;    /* a delegated cgroup */
};

struct executor {
        struct rootfs root;
        const struct resolution *res;
        const struct state *state;
        struct cgroup_facts cg;   /* what the kernel says about the container's cgroup */
        struct undo *undo;
        size_t n_undo;
        bool exiting;             /* done, and the process exits next: fds are left to exit() */
};

/* undo.c: a fresh record (nothing to undo yet), and undoing or releasing one. */
struct undo *undo_new(struct executor *x);
void undo_one(struct executor *x, struct undo *u, bool rollback);

/* Sets e for a path that could not be resolved or made inside the rootfs. */
int exec_resolve_failed(struct error *e, int r, const char *target);

/*
 * The root of the mount just made on target (after mount(2) looked up again and
 * checked to be a want_fstype mount's root). *fd is set only on success.
 */
int exec_find_new_mount(struct executor *x, const char *target, long want_fstype, int *fd);

/* A handle on dirfd for rollback, taken before anything in it is touched. */
int exec_keep_dir(int dirfd, const char *target, int *out, struct error *e);

/*
 * Gives what the operation created to its owner (op->uid:op->gid), when that is
 * not root: name in dirfd, never following a symlink. Directories need not be
 * given: the resolver that makes them gives them (struct rootfs's uid/gid).
 */
int exec_chown_at(const struct op *op, int dirfd, const char *name, struct error *e);
