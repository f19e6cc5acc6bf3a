/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Mounting onto file descriptors. The new mount API (fsopen/fsmount/move_mount,
 * open_tree, mount_setattr) is used where the kernel has it; otherwise mount(2) on
 * /proc/self/fd/N. Either way nothing is mounted on a path built from strings.
 * Functions return 0 or a negative errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mountopt.h"

/*
 * A new tmpfs or cgroup2 superblock mounted on targetfd, with the MS_* flags. *mntfd
 * is the new mount's root, or -1 when mount(2) made it (the caller looks it up again).
 */
int mount_fs_at(const char *fstype, const char *data, unsigned long flags, int targetfd, int *mntfd);

/*
 * Binds what srcfd names onto targetfd; MS_RDONLY etc. in flags apply to the new
 * mount. Returns MOUNT_FLAGS_PENDING when mount(2) made it and flags are set: the
 * targetfd still names the directory below the new mount, so the caller, which
 * finds the new mount again through its resolver, applies them (mount_set_flags).
 */
#define MOUNT_FLAGS_PENDING 1
int mount_bind_at(int srcfd, int targetfd, bool recursive, unsigned long flags);

/* Changes the flags of the mount whose root fd is (MS_RDONLY cleared when not in flags). */
int mount_set_flags(int fd, unsigned long flags, bool recursive);

/*
 * Binds a new read-only file holding content (on a private tmpfs) over targetfd.
 * Without the new mount API the tmpfs is staged on a transient directory made in
 * stagedirfd (-1: none, and the result is -EROFS).
 */
int mount_file_with_content(int targetfd, int stagedirfd, const char *content, size_t len, unsigned mode);

/* Detaches the mount whose root fd is. */
int mount_detach(int fd);

/* Is fd the root of a mount? Of which filesystem (statfs f_type) and is it read-only? */
int mount_inspect(int fd, bool *is_mount_root, long *fstype, bool *readonly);

/* umask(2), remembered: a file made in a private tmpfs then needs no fchmod when the mask takes nothing. */
void mount_umask(mode_t mask);

/* The same, and the id of the mount fd is on (as mount_id_of()), from the same statx. */
int mount_inspect_id(int fd, bool *is_mount_root, long *fstype, bool *readonly, uint64_t *id);

/* The kernel's id of the mount fd is on (mountinfo's first field). */
int mount_id_of(int fd, uint64_t *id);

