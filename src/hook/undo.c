/* SPDX-License-Identifier: MIT */
#include "executor.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mount.h"

struct undo *undo_new(struct executor *x)
{
        struct undo *u;

        x->undo = xrealloc(x->undo, (x->n_undo + 1) * sizeof(*x->undo));
        u = &x->undo[x->n_undo++];
        memset(u, 0, sizeof(*u));
        u->mount_fd = -1;
        u->remount_fd = -1;
        u->file_dirfd = -1;
        cgroup_undo_init(&u->cg);
        return u;
}

static void undo_rollback(struct executor *x, struct undo *u)
{
        if (u->mount_fd >= 0)
                (void)mount_detach(u->mount_fd);
        if (u->remount_fd >= 0)
                (void)mount_set_flags(u->remount_fd, u->old_flags, false);
        if (u->file_dirfd >= 0 && u->file_created)
                (void)unlinkat(u->file_dirfd, u->file_name, 0);
        if (u->file_dirfd >= 0 && u->restore)
                u->restore(u);
        rootfs_rmdir_created(&x->root, &u->dirs);
}

void undo_one(struct executor *x, struct undo *u, bool rollback)
{
        if (!rollback && x->exiting) {
                /* Nothing to undo, and the process exits next: exit() closes the held fds at once. */
                cgroup_undo_forget(&u->cg);
                goto out;
        }
        cgroup_undo_run(&u->cg, rollback);      /* before its mount goes: it moves the init back through it */
        if (rollback)
                undo_rollback(x, u);
        if (u->mount_fd >= 0)
                close(u->mount_fd);
        if (u->remount_fd >= 0)
                close(u->remount_fd);
        if (u->file_dirfd >= 0)
                close(u->file_dirfd);
out:
        strv_free(&u->dirs);
        free(u->file_name);
        free(u->old_content);
}
