/* SPDX-License-Identifier: MIT */
/* cgroup: the container's cgroup tree, read-only but for a delegated child (cgroup.c). */
#include "action.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cgroup.h"
#include "executor.h"
#include "mount.h"

static const struct field cgroup_fields[] = {
        COMMON_FIELDS,
        FIELD("target", FIELD_PATH, false, target),
        FIELD("child", FIELD_CGROUP_CHILD, false, child),
        { 0 },
};

static void cgroup_defaults(struct action *a)
{
        a->target = xstrdup("/sys/fs/cgroup");
        a->child = xstrdup(CGROUP_CHILD_DEFAULT);
}

static int cgroup_resolve(struct resolver *R, const struct action *a, struct op *op, struct error *e)
{
        const struct spec *spec = resolver_spec(R);

        op->child = xstrdup(a->child);
        op->cgroupns_private = spec->cgroupns_private || spec->cgroupns_joined;
        op->cgroups_path = xstrdup(spec->cgroups_path ? spec->cgroups_path : "");
        if (cgroup_expected_path(op->cgroups_path, &op->cgroup_expected, &op->cgroup_relative) < 0)
                return error_set(e, -EINVAL, "config.json: linux.cgroupsPath \"%s\" is not a cgroup path",
                                 op->cgroups_path);
        if (!op->cgroup_expected)
                op->cgroup_expected = xstrdup("");
        return 0;
}

/*
 * mount(2) refuses a second mount of the same cgroup2 superblock where the runtime
 * already mounted it (move_mount allows it): use the runtime's mount, writable
 * until cgroup_delegate makes it read-only.
 */
static int cgroup_remount_writable(int tfd, const struct op *op, struct undo *u, struct error *e)
{
        _cleanup_close_ int keep = -1;
        bool is_root, ro;
        long fstype;
        int r;

        if (mount_inspect(tfd, &is_root, &fstype, &ro) < 0 || !is_root || fstype != CGROUP2_SUPER_MAGIC)
                return error_setsys(e, -EBUSY, "cannot mount cgroup2 on %s", op->target);
        /* The handle to put the flags back is taken before they change. */
        keep = fcntl(tfd, F_DUPFD_CLOEXEC, 3);
        if (keep < 0)
                return error_setsys(e, -errno, "cannot keep a handle to undo %s", op->target);
        r = mount_set_flags(tfd, MS_NOSUID | MS_NODEV | MS_NOEXEC, false);
        if (r < 0)
                return error_setsys(e, r, "cannot make cgroup2 on %s writable", op->target);
        u->remount_fd = TAKE_FD(keep);
        u->old_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (ro ? MS_RDONLY : 0);
        return 0;
}

/*
 * The cgroup tree for the container, writable only below a child of its cgroup
 * (cgroup.c). In a cgroup namespace of its own a fresh cgroup2 mount shows its
 * subtree and re-applies nothing host-wide; in the host's, a fresh mount would
 * re-apply the hierarchy's mount options to the whole host, so the host's mount
 * is cloned instead.
 */
static int cgroup_exec(struct executor *x, const struct op *op, struct undo *u, struct error *e)
{
        const unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        const struct cgroup_facts *f = &x->cg;
        _cleanup_close_ int tfd = -1;
        int r;

        if (!f->ns_path)
                return error_set(e, -EOPNOTSUPP, "the container has no cgroup2 cgroup (a cgroup v1-only host); "
                                 "not supported");
        r = rootfs_open_at(&x->root, op->target, O_PATH | O_DIRECTORY, &tfd);
        if (r < 0)
                return exec_resolve_failed(e, r, op->target);
        if (cgroup_already_delegated(f, tfd, op->child))
                return EXEC_ALREADY;    /* running twice must not stack mounts */
        if (f->own_ns)
                r = mount_fs_at("cgroup2", "", base, tfd, &u->mount_fd);
        else    /* flags after: mount(2) could not reach the new mount through tfd to set them */
                r = mount_bind_at(f->hostfd, tfd, false, 0);
        /*
         * In a user namespace's mount namespace the mounts copied from the host are
         * locked to their children (a runtime's binds below the cgroup2 root): the
         * kernel clones such a tree only whole, the children as the container had them.
         */
        if (r == -EINVAL && !f->own_ns)
                r = mount_bind_at(f->hostfd, tfd, true, 0);
        if (r == -EBUSY && f->own_ns) {
                if ((r = cgroup_remount_writable(tfd, op, u, e)) < 0)
                        return r;
                return cgroup_delegate(f, tfd, op->child, op->uid, op->gid, &u->cg, e);
        }
        if (r < 0)
                return error_setsys(e, r, "cannot mount cgroup2 on %s", op->target);
        r = exec_find_new_mount(x, op->target, CGROUP2_SUPER_MAGIC, &u->mount_fd);
        if (r < 0)
                return error_setsys(e, r, "cgroup2 on %s did not land where it was resolved", op->target);
        if (!f->own_ns && (r = mount_set_flags(u->mount_fd, base, false)) < 0)
                return error_setsys(e, r, "cannot set nosuid,nodev,noexec on cgroup2 on %s", op->target);
        return cgroup_delegate(f, u->mount_fd, op->child, op->uid, op->gid, &u->cg, e);
}

/* The cgroup config.json names, as shown: "-" when none, ".../a/b" when relative. */
static char *cgroup_shown(const struct op *op)
{
        if (!*op->cgroup_expected)
                return xstrdup("-");
        return xasprintf("%s%s", op->cgroup_relative ? "..." : "", op->cgroup_expected);
}

/*
 * Where the delegated child appears in the container: under the mount's root in a
 * cgroup namespace of its own (its root is the container's cgroup), else under
 * the cgroup's path. The executor takes the namespace and the cgroup from the
 * kernel; config.json's claim here is what the dry run can know.
 */
static char *cgroup_writable(const struct op *op)
{
        _cleanup_free_ char *shown = cgroup_shown(op);

        if (op->cgroupns_private)
                return xasprintf("%s/%s", op->target, op->child);
        if (!*op->cgroup_expected || op->cgroup_relative)
                return xasprintf("%s/<cgroup %s>/%s", op->target, shown, op->child);
        return xasprintf("%s%s/%s", op->target, op->cgroup_expected, op->child);
}

static void cgroup_report_text(FILE *f, const struct op *op)
{
        _cleanup_free_ char *cg = cgroup_shown(op), *rw = cgroup_writable(op);

        fprintf(f, " type=cgroup namespace=%s cgroupsPath=%s cgroup=%s child=%s read-only=%s writable=%s",
                op->cgroupns_private ? "private" : "host", *op->cgroups_path ? op->cgroups_path : "-", cg,
                op->child, op->target, rw);
}

static void cgroup_report_json(json_t *o, const struct op *op)
{
        _cleanup_free_ char *rw = cgroup_writable(op);

        json_object_set_new(o, "type", json_string("cgroup"));
        json_object_set_new(o, "cgroup_namespace", json_string(op->cgroupns_private ? "private" : "host"));
        json_object_set_new(o, "cgroups_path", report_json_text(op->cgroups_path));
        json_object_set_new(o, "cgroup", *op->cgroup_expected ? report_json_text(op->cgroup_expected) : json_null());
        json_object_set_new(o, "cgroup_relative", json_boolean(op->cgroup_relative));
        json_object_set_new(o, "child", report_json_text(op->child));
        json_object_set_new(o, "read_only", report_json_text(op->target));
        json_object_set_new(o, "writable", report_json_text(rw));
}

const struct action_ops action_cgroup_ops = {
        .name = "cgroup",
        .fields = cgroup_fields,
        .defaults = cgroup_defaults,
        .resolve = cgroup_resolve,
        .exec = cgroup_exec,
        .report_text = cgroup_report_text,
        .report_json = cgroup_report_json,
};
