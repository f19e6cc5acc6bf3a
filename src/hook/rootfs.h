/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The one safe path resolver. The rootfs is opened once as an O_PATH directory;
 * every path inside it is resolved beneath that fd, with symlinks (absolute or
 * with "..") interpreted as if the rootfs were "/": openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) where the kernel has it, otherwise a component walk
 * with O_NOFOLLOW whose result is verified to lie beneath the root. Nothing in
 * this file builds a host path from strings.
 *
 * Functions return 0 or a negative errno; callers add the context.
 */

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util.h"

struct rootfs {
        int fd;                   /* O_PATH | O_DIRECTORY */
        const char *path;         /* for messages only */
        uid_t uid;                /* who owns the directories the resolver creates: the container's */
        gid_t gid;                /* root (0:0, the default, leaves them to the caller) */
};

int rootfs_open(const char *path, struct rootfs *r);
void rootfs_close(struct rootfs *r);

/* Opens path (absolute, inside the rootfs) with open(2) flags; O_CLOEXEC is added. */
int rootfs_open_at(const struct rootfs *r, const char *path, int flags, int *fd);

/*
 * Opens the directory path, creating what is missing with mode; each directory it
 * creates is appended to created (for rollback, deepest last).
 */
int rootfs_mkdir_p(const struct rootfs *r, const char *path, unsigned mode, struct strv *created, int *fd);

/*
 * Opens the parent directory of path (creating it when create is set) and returns
 * the last component in *name (pointing into path).
 */
int rootfs_open_parent(const struct rootfs *r, const char *path, bool create, struct strv *created,
                       int *dirfd, const char **name);

/*
 * The canonical path of path inside the rootfs, every symlink followed as if the
 * rootfs were "/" and "." and ".." applied: where an exec of path would land. Each
 * prefix is opened with rootfs_open_at, so nothing outside the rootfs is read.
 * *n_links (optional) counts the symlinks followed. The result must exist.
 */
int rootfs_realpath(const struct rootfs *r, const char *path, char **out, unsigned *n_links);

/*
 * rootfs_realpath, and the object it names opened O_PATH | O_NOFOLLOW (the last
 * step of the walk, through the same resolver) in *fd, with its fstat in *st: a
 * caller that looks at the file need not resolve the path again.
 */
int rootfs_realpath_open(const struct rootfs *r, const char *path, char **out, unsigned *n_links, int *fd,
                         struct stat *st);

/* Removes directories rootfs_mkdir_p created, deepest first; best effort. */
void rootfs_rmdir_created(const struct rootfs *r, struct strv *created);

/* Testing hook: pretend openat2 is missing (the fallback walk is used). */
extern bool rootfs_force_fallback;
