/* SPDX-License-Identifier: MIT */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "executor.h"
#include "mount.h"
#include "nsenter.h"

/*
 * A path that could not be resolved or made inside the rootfs. EEXIST from making a
 * directory means a symlink whose target (taken inside the rootfs) is missing: the
 * usual shape of an image pointing /run or /etc at a host path.
 */
int exec_resolve_failed(struct error *e, int r, const char *target)
{
        if (r == -EEXIST)
                return error_set(e, r, "%s (or a parent) is a symlink to a path missing inside the rootfs; "
                                 "refusing to follow it out", target);
        return error_setsys(e, r, "cannot resolve %s inside the rootfs", target);
}

/*
 * The new mount API hands the new mount over; after mount(2) it is looked up
 * again, and checked to be that mount (as bubblewrap does). What is found there
 * otherwise is not what was made, and rollback must not detach it. A mount(2)
 * mount that cannot be found again is left to die with the container's mount
 * namespace.
 */
int exec_find_new_mount(struct executor *x, const char *target, long want_fstype, int *fd)
{
        _cleanup_close_ int found = -1;
        bool is_root, ro;
        long fstype;
        int r;

        if (*fd >= 0)
                return 0;
        r = rootfs_open_at(&x->root, target, O_PATH | O_DIRECTORY, &found);
        if (r < 0)
                return r;
        r = mount_inspect(found, &is_root, &fstype, &ro);
        if (r < 0)
                return r;
        if (!is_root || fstype != want_fstype)
                return -EXDEV;
        *fd = TAKE_FD(found);
        return 0;
}

int exec_keep_dir(int dirfd, const char *target, int *out, struct error *e)
{
        *out = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (*out < 0)
                return error_setsys(e, -errno, "cannot keep a handle to undo %s", target);
        return 0;
}

static bool owner_is_root(const struct op *op)
{
        return op->uid == 0 && op->gid == 0;
}

int exec_chown_at(const struct op *op, int dirfd, const char *name, struct error *e)
{
        if (owner_is_root(op))
                return 0;
        if (fchownat(dirfd, name, op->uid, op->gid, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
                return error_setsys(e, -errno, "cannot give what was made for %s to %u:%u", op->target,
                                    (unsigned)op->uid, (unsigned)op->gid);
        return 0;
}

const char *exec_outcome_name(enum exec_outcome o)
{
        static const char *const names[] = {
                [OUTCOME_SKIPPED] = "skipped", [OUTCOME_NOT_RUN] = "not run", [OUTCOME_DONE] = "done",
                [OUTCOME_ALREADY] = "already in place", [OUTCOME_FAILED] = "failed", [OUTCOME_UNDONE] = "undone",
        };

        return names[o];
}

/* Performs the operations in order; stops at the first failure. */
static int exec_ops(struct executor *x, size_t *undo_of, enum exec_outcome *outcomes, struct error *e)
{
        const struct resolution *r = x->res;

        for (size_t i = 0; i < r->n_ops; i++) {
                const struct op *op = &r->ops[i];
                int ret;

                if (op->skipped)
                        continue;
                undo_of[x->n_undo] = i;
                ret = action_ops_of(op->kind)->exec(x, op, undo_new(x), e);
                if (ret < 0) {
                        outcomes[i] = OUTCOME_FAILED;
                        return error_wrap(e, "%s:%d: %s %s: ", op->file, op->line,
                                          action_kind_name(op->kind), op->target);
                }
                outcomes[i] = ret == EXEC_ALREADY ? OUTCOME_ALREADY : OUTCOME_DONE;
        }
        return 0;
}

int exec_resolution(const struct resolution *r, const struct spec *spec, const struct state *state,
                    enum exec_outcome *outcomes, struct error *e)
{
        struct executor x = { .root = { .fd = -1 }, .res = r, .state = state };
        size_t *undo_of = xmalloc((r->n_ops + 1) * sizeof(size_t));
        int ret = 0;

        cgroup_facts_init(&x.cg);
        for (size_t i = 0; i < r->n_ops; i++)
                outcomes[i] = r->ops[i].skipped ? OUTCOME_SKIPPED : OUTCOME_NOT_RUN;
        if (resolution_active_ops(r) == 0 || strcmp(r->stage, "poststop") == 0)
                goto out;       /* poststop: the container's namespaces are gone */
        if (geteuid() != 0) {
                ret = error_set(e, -EPERM, "performing a plan needs root (try --dry-run)");
                goto out;
        }
        if ((ret = nsenter_container(r, spec, state, &x.cg, e)) < 0)
                goto out;
        if ((ret = rootfs_open(r->rootfs, &x.root)) < 0) {
                error_setsys(e, ret, "rootfs %s", r->rootfs);
                goto out;
        }
        x.root.uid = r->root_uid;
        x.root.gid = r->root_gid;
        ret = exec_ops(&x, undo_of, outcomes, e);
out:
        /*
         * Undo in reverse order on failure; on success only release what was held. A
         * hook exits right after (exit_keep_enabled()): its fds need no close() each.
         */
        x.exiting = ret == 0 && exit_keep_enabled();
        if (x.exiting) {
                x.cg.hostfd = -1;
                x.root.fd = -1;
        }
        for (size_t i = x.n_undo; i > 0; i--) {
                if (ret < 0 && outcomes[undo_of[i - 1]] == OUTCOME_DONE)
                        outcomes[undo_of[i - 1]] = OUTCOME_UNDONE;
                undo_one(&x, &x.undo[i - 1], ret < 0);
        }
        free(undo_of);
        free(x.undo);
        cgroup_facts_free(&x.cg);
        rootfs_close(&x.root);
        return ret;
}
