/* SPDX-License-Identifier: MIT */
#include "nsenter.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The first cgroup operation that will run, or NULL. */
static const struct op *cgroup_op(const struct resolution *r)
{
        for (size_t i = 0; i < r->n_ops; i++)
                if (!r->ops[i].skipped && r->ops[i].kind == ACTION_CGROUP)
                        return &r->ops[i];
        return NULL;
}

static int enter_ns(const char *pid, const char *ns, int nstype, struct error *e)
{
        char path[64];
        _cleanup_close_ int fd = -1;
        struct stat mine, theirs;

        snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_setsys(e, -errno, "%s", path);
        snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
        if (stat(path, &mine) == 0 && fstat(fd, &theirs) == 0 && mine.st_ino == theirs.st_ino)
                return 0;
        if (setns(fd, nstype) < 0)
                return error_setsys(e, -errno, "cannot enter the container's %s namespace", ns);
        return 0;
}

/*
 * createContainer runs inside the container's namespaces already: the container's
 * init is the hook's parent (cgroup_find_init checks it). The runtime-namespace
 * stages enter the cgroup and mount namespaces of the state's pid, once the kernel
 * has confirmed it is a container's. Which cgroup and cgroup namespace the init is
 * in comes from /proc, cross-checked with config.json's linux.cgroupsPath.
 */
int nsenter_container(const struct resolution *r, const struct spec *spec, const struct state *state,
                      struct cgroup_facts *cg, struct error *e)
{
        bool in_container = strcmp(r->stage, "createContainer") == 0;
        const struct op *op = cgroup_op(r);
        const char *child = op ? op->child : CGROUP_CHILD_DEFAULT;
        char pid[16];
        int ret;

        if (in_container && !op)
                return 0;
        if ((ret = cgroup_find_init(r->stage, state->pid, cg, e)) < 0 ||
            (ret = cgroup_read_paths(cg, in_container, e)) < 0)
                return ret;
        if (!in_container) {
                snprintf(pid, sizeof(pid), "%d", cg->pid);
                if ((ret = enter_ns(pid, "cgroup", CLONE_NEWCGROUP, e)) < 0)
                        return ret;
                if (cg->own_ns && (ret = cgroup_read_paths(cg, true, e)) < 0)
                        return ret;
                if ((ret = enter_ns(pid, "mnt", CLONE_NEWNS, e)) < 0)
                        return ret;
        }
        return cgroup_check(cg, spec->cgroups_path, child, op != NULL, e);
}
