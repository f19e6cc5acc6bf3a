/* SPDX-License-Identifier: MIT */
#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util.h"

#define TMPFS_MAGIC_NUMBER 0x01021994

static bool new_api_missing;

static bool use_new_api(void)
{
        return !new_api_missing;
}

/* An ENOSYS from the new API switches to mount(2) for the rest of the run. */
static bool fell_back(int err)
{
        if (err != -ENOSYS)
                return false;
        new_api_missing = true;
        return true;
}

/* Data options one by one; a quoted value (context="a,b") goes to the kernel without its quotes. */
static int fsconfig_data(int fsfd, const char *data)
{
        _cleanup_free_ char *copy = xstrdup(data);

        for (char *opt = copy; *opt; ) {
                ssize_t n = mountopt_next(opt);
                char *eq, *end;
                int r;

                if (n <= 0)
                        return -EINVAL;        /* mountopt_parse() made data: cannot happen */
                end = opt + n;
                if (*end)
                        *end++ = '\0';
                eq = strchr(opt, '=');
                if (eq) {
                        char *v = eq + 1;
                        size_t vlen = strlen(v);

                        *eq = '\0';
                        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                                v[vlen - 1] = '\0';
                                v++;
                        }
                        r = fsconfig(fsfd, FSCONFIG_SET_STRING, opt, v, 0);
                } else
                        r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
                if (r < 0)
                        return -errno;
                opt = end;
        }
        return 0;
}

static int mount_fs_new_api(const char *fstype, const char *data, unsigned long flags, int targetfd, int *mntfd)
{
        _cleanup_close_ int fsfd = fsopen(fstype, FSOPEN_CLOEXEC);
        _cleanup_close_ int mfd = -1;
        int r;

        if (fsfd < 0)
                return -errno;
        /* Name the source as mount(8) would, so mountinfo reads "tmpfs tmpfs", not "none". */
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", fstype, 0) < 0)
                return -errno;
        if ((r = fsconfig_data(fsfd, data)) < 0)
                return r;
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned int)mountopt_mount_attr(flags));
        if (mfd < 0)
                return -errno;
        if (move_mount(mfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        /* Attached by fd where the target fd is: no path was involved to be raced. */
        *mntfd = TAKE_FD(mfd);
        return 0;
}

int mount_fs_at(const char *fstype, const char *data, unsigned long flags, int targetfd, int *mntfd)
{
        char target[PROC_FD_PATH_MAX];

        *mntfd = -1;
        if (use_new_api()) {
                int r = mount_fs_new_api(fstype, data, flags, targetfd, mntfd);

                if (!fell_back(r))
                        return r;
        }
        proc_fd_path(target, targetfd);
        if (mount(fstype, target, fstype, flags, data) < 0)
                return -errno;
        /* The fd's magic link still leads below the new mount: the caller finds it by path. */
        return 0;
}

static int mount_bind_new_api(int srcfd, int targetfd, bool recursive, unsigned long flags)
{
        struct mount_attr attr = { .attr_set = mountopt_mount_attr(flags) };
        _cleanup_close_ int tree = open_tree(srcfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                                                        (recursive ? AT_RECURSIVE : 0));

        if (tree < 0)
                return -errno;
        if (flags && mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
                return -errno;
        if (move_mount(tree, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

int mount_bind_at(int srcfd, int targetfd, bool recursive, unsigned long flags)
{
        char src[PROC_FD_PATH_MAX], target[PROC_FD_PATH_MAX];

        if (use_new_api()) {
                int r = mount_bind_new_api(srcfd, targetfd, recursive, flags);

                if (!fell_back(r))
                        return r;
        }
        proc_fd_path(src, srcfd);
        proc_fd_path(target, targetfd);
        if (mount(src, target, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
                return -errno;
        /*
         * Flags on a bind need a remount of the new mount's root, which neither fd
         * names: reopening /proc/self/fd/N finds the directory it covers (EINVAL).
         */
        return flags ? MOUNT_FLAGS_PENDING : 0;
}

/* What mount_umask() set; until then unknown (every bit: fchmod always). */
static mode_t known_umask = 0777;

void mount_umask(mode_t mask)
{
        umask(mask);
        known_umask = mask;
}

/*
 * A file in a tmpfs just made for it (no default ACL can be there): the mode given
 * to openat is the file's unless the umask takes bits from it; only then fchmod.
 */
static int write_new_file(int dirfd, const char *name, const char *content, size_t len, unsigned mode)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

        int r;

        if (fd < 0)
                return -errno;
        if ((r = write_all(fd, content, len)) < 0)
                return r;
        if ((mode & ~0777u) == 0 && (mode & known_umask) == 0)
                return 0;
        return fchmod(fd, mode) < 0 ? -errno : 0;
}

/*
 * mount(2) needs a directory to put the private tmpfs on: a transient one made in
 * stagedirfd (the target's own directory, inside the rootfs), removed again once the
 * file is bound. The tmpfs is made read-only first, and the bind inherits that.
 */
static int file_with_content_legacy(int stagedirfd, int targetfd, const char *content, size_t len,
                                    unsigned mode)
{
        const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        _cleanup_close_ int dfd = -1, mfd = -1, cfd = -1;
        char name[64], path[PROC_FD_PATH_MAX], src[PROC_FD_PATH_MAX];
        struct statfs sfs;
        int r;

        if (stagedirfd < 0)
                return -EROFS;
        snprintf(name, sizeof(name), ".oci-mountplan.%d", (int)getpid());
        if (mkdirat(stagedirfd, name, 0700) < 0)
                return -errno;
        dfd = openat(stagedirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
                r = -errno;
                goto out;
        }
        proc_fd_path(path, dfd);
        if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") < 0) {
                r = -errno;
                goto out;
        }
        mfd = openat(stagedirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (mfd < 0 || fstatfs(mfd, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC_NUMBER) {
                r = mfd < 0 ? -errno : -EXDEV;
                goto detach;
        }
        if ((r = write_new_file(mfd, "content", content, len, mode)) < 0 ||
            (r = mount_set_flags(mfd, ro, false)) < 0)
                goto detach;
        cfd = openat(mfd, "content", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0) {
                r = -errno;
                goto detach;
        }
        proc_fd_path(src, cfd);
        proc_fd_path(path, targetfd);
        r = mount(src, path, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
detach:
        if (mfd >= 0)
                (void)mount_detach(mfd);
        else
                (void)mount_detach(dfd);
out:
        (void)unlinkat(stagedirfd, name, AT_REMOVEDIR);
        return r;
}

int mount_file_with_content(int targetfd, int stagedirfd, const char *content, size_t len, unsigned mode)
{
        _cleanup_close_ int fsfd = -1, mfd = -1, tree = -1;
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                               MOUNT_ATTR_NOEXEC };
        int r;

        if (!use_new_api())
                return file_with_content_legacy(stagedirfd, targetfd, content, len, mode);
        fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return fell_back(-errno) ? file_with_content_legacy(stagedirfd, targetfd, content, len, mode)
                                         : -errno;
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
            fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
            fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (mfd < 0)
                return -errno;
        if ((r = write_new_file(mfd, "content", content, len, mode)) < 0)
                return r;
        tree = open_tree(mfd, "content", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0)
                return -errno;
        if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                return -errno;
        if (move_mount(tree, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

int mount_set_flags(int fd, unsigned long flags, bool recursive)
{
        char path[PROC_FD_PATH_MAX];

        if (use_new_api()) {
                struct mount_attr attr = {
                        .attr_set = mountopt_mount_attr(flags),
                        .attr_clr = (flags & MS_RDONLY) ? 0 : MOUNT_ATTR_RDONLY,
                };

                if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) == 0)
                        return 0;
                if (!fell_back(-errno))
                        return -errno;
        }
        proc_fd_path(path, fd);
        if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | (recursive ? MS_REC : 0) | flags, NULL) < 0)
                return -errno;
        return 0;
}

int mount_detach(int fd)
{
        char path[PROC_FD_PATH_MAX];

        proc_fd_path(path, fd);
        return umount2(path, MNT_DETACH) < 0 ? -errno : 0;
}

static int inspect(int fd, unsigned mask, struct statx *stx, bool *is_mount_root, long *fstype, bool *readonly)
{
        struct statfs sfs;

        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, mask, stx) < 0)
                return -errno;
        if (!(stx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
                return -EOPNOTSUPP;
        *is_mount_root = stx->stx_attributes & STATX_ATTR_MOUNT_ROOT;
        *fstype = 0;
        *readonly = false;
        if (!*is_mount_root)
                return 0;       /* callers only ask about mounts */
        if (fstatfs(fd, &sfs) < 0)
                return -errno;
        *fstype = (long)sfs.f_type;
        *readonly = sfs.f_flags & ST_RDONLY;   /* the mount's flags, since Linux 2.6.36 */
        return 0;
}

int mount_inspect(int fd, bool *is_mount_root, long *fstype, bool *readonly)
{
        struct statx stx;

        return inspect(fd, STATX_BASIC_STATS, &stx, is_mount_root, fstype, readonly);
}

static int mount_id_from_fdinfo(int fd, uint64_t *id)
{
        char path[64], buf[512];
        _cleanup_close_ int f = -1;
        const char *p;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
        f = open(path, O_RDONLY | O_CLOEXEC);
        if (f < 0)
                return -errno;
        n = read(f, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        p = strstr(buf, "\nmnt_id:");
        if (!p || sscanf(p + 8, "%" SCNu64, id) != 1)
                return -EOPNOTSUPP;
        return 0;
}

int mount_id_of(int fd, uint64_t *id)
{
        struct statx stx;

        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
                return -errno;
        if (!(stx.stx_mask & STATX_MNT_ID))
                return mount_id_from_fdinfo(fd, id);    /* before Linux 5.8 */
        *id = stx.stx_mnt_id;
        return 0;
}

int mount_inspect_id(int fd, bool *is_mount_root, long *fstype, bool *readonly, uint64_t *id)
{
        struct statx stx;
        int r = inspect(fd, STATX_BASIC_STATS | STATX_MNT_ID, &stx, is_mount_root, fstype, readonly);

        if (r < 0)
                return r;
        if (!(stx.stx_mask & STATX_MNT_ID))
                return mount_id_from_fdinfo(fd, id);    /* before Linux 5.8 */
        *id = stx.stx_mnt_id;
        return 0;
}
