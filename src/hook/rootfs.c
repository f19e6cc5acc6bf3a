/* SPDX-License-Identifier: MIT */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MAX_SYMLINKS 40
#define MAX_DEPTH 256
#define OPENAT2_TRIES 64

bool rootfs_force_fallback;
static bool openat2_missing;

int rootfs_open(const char *path, struct rootfs *r)
{
        /* What it creates stays the caller's until the caller names an owner. */
        *r = (struct rootfs){ .path = path };
        r->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return r->fd < 0 ? -errno : 0;
}

void rootfs_close(struct rootfs *r)
{
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
}

/*
 * Is the directory dirfd the root or below it? Walks ".." (which climbs out of a
 * mount through its mount point) up to the root, or to "/" without meeting it.
 */
static int verify_beneath(int rootfd, int dirfd)
{
        _cleanup_close_ int cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);

        if (cur < 0)
                return -errno;
        for (int i = 0; i < MAX_DEPTH; i++) {
                int up;

                if (fd_same_inode(cur, rootfd))
                        return 0;
                up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (up < 0)
                        return -errno;
                if (fd_same_inode(up, cur)) {      /* reached "/" without meeting the root */
                        close(up);
                        return -EXDEV;
                }
                close(cur);
                cur = up;
        }
        return -ELOOP;
}

/*
 * The fallback: walk component by component with O_NOFOLLOW, expanding symlinks
 * by hand relative to the root, then verify that the result stays beneath it (a
 * directory moved out of the root mid-walk would otherwise lead out). Only
 * directories have a "..": for anything else the directory the walk found it in
 * is verified.
 */
static int walk_in_root(int rootfd, const char *path, int flags, int *out)
{
        char buf[PATH_MAX * 2];
        _cleanup_close_ int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3), dir = -1;
        struct stat cst;
        char *rest = buf;
        int links = 0, r;

        if (cur < 0)
                return -errno;
        if (strlen(path) >= sizeof(buf) / 2)
                return -ENAMETOOLONG;
        strcpy(buf, path);
        for (;;) {
                char *comp, target[PATH_MAX];
                _cleanup_close_ int next = -1;
                struct stat st;
                bool last;
                ssize_t n;

                rest += strspn(rest, "/");
                if (!*rest)
                        break;
                comp = rest;
                rest += strcspn(rest, "/");
                last = rest[strspn(rest, "/")] == '\0';
                if (*rest)
                        *rest++ = '\0';
                if (strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0) {
                        if (fd_same_inode(cur, rootfd))
                                continue;
                        next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                } else
                        next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return -errno;
                if (fstat(next, &st) < 0)
                        return -errno;
                if (S_ISLNK(st.st_mode) && (!last || !(flags & O_NOFOLLOW))) {
                        if (++links > MAX_SYMLINKS)
                                return -ELOOP;
                        n = readlinkat(next, "", target, sizeof(target) - 1);
                        if (n < 0)
                                return -errno;
                        target[n] = '\0';
                        if (strlen(target) + strlen(rest) + 2 >= sizeof(buf) / 2)
                                return -ENAMETOOLONG;
                        /* Splice the link's text in front of what is left. */
                        memmove(buf + strlen(target) + 1, rest, strlen(rest) + 1);
                        memcpy(buf, target, strlen(target));
                        buf[strlen(target)] = '/';
                        rest = buf;
                        if (target[0] == '/') {
                                close(cur);
                                cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
                                if (cur < 0)
                                        return -errno;
                        }
                        continue;
                }
                if (!last && !S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                if (dir >= 0)
                        close(dir);
                dir = TAKE_FD(cur);     /* the directory cur is found in */
                cur = TAKE_FD(next);
        }
        if (fstat(cur, &cst) < 0)
                return -errno;
        r = verify_beneath(rootfd, S_ISDIR(cst.st_mode) || dir < 0 ? cur : dir);
        if (r < 0)
                return r;
        if (flags & O_PATH && !(flags & O_DIRECTORY)) {
                *out = TAKE_FD(cur);
                return 0;
        }
        /* Reopen with the caller's flags; the walk proved what cur is. */
        r = openat(cur, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
        if (r < 0 && errno == ENOTDIR && !(flags & O_DIRECTORY)) {
                char proc[PROC_FD_PATH_MAX];

                r = open(proc_fd_path(proc, cur), (flags & ~O_NOFOLLOW) | O_CLOEXEC);
        }
        if (r < 0)
                return -errno;
        *out = r;
        return 0;
}

int rootfs_open_at(const struct rootfs *r, const char *path, int flags, int *fd)
{
        struct open_how how = {
                .flags = (unsigned long long)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        const char *rel = path + strspn(path, "/");
        int ret;

        if (!*rel)
                rel = ".";
        if (!rootfs_force_fallback && !openat2_missing) {
                /*
                 * EAGAIN: a ".." on the way raced with a mount or a rename anywhere in the
                 * system (the kernel cannot then prove it stayed beneath the root); as
                 * openat2(2) advises, try again. Containers starting in parallel cause it.
                 */
                int tries = 0;

                do
                        ret = (int)syscall(SYS_openat2, r->fd, rel, &how, sizeof(how));
                while (ret < 0 && errno == EAGAIN && ++tries < OPENAT2_TRIES);
                if (ret >= 0) {
                        *fd = ret;
                        return 0;
                }
                if (errno != ENOSYS)
                        return -errno;
                openat2_missing = true;
        }
        return walk_in_root(r->fd, rel, flags, fd);
}

/* Creates path, whose parent may be missing too; parents get 0755, path gets mode. */
static int mkdir_missing(const struct rootfs *r, const char *path, unsigned mode, struct strv *created,
                         int *fd, int depth)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int pfd = -1, dfd = -1;
        int ret;

        if (!slash || !slash[1] || depth > MAX_DEPTH)
                return slash && slash[1] ? -ELOOP : -ENOENT;
        parent = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
        ret = rootfs_open_at(r, parent, O_PATH | O_DIRECTORY, &pfd);
        if (ret == -ENOENT)
                ret = mkdir_missing(r, parent, 0755, created, &pfd, depth + 1);
        if (ret < 0)
                return ret;
        /* mkdirat does not follow a final symlink: a dangling one gives EEXIST. */
        if (mkdirat(pfd, slash + 1, mode) < 0)
                return -errno;
        if (created)
                strv_push_copy(created, path);
        /* Just made under a resolved parent: no symlink can be there. */
        dfd = openat(pfd, slash + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        /*
         * Through the fd that made it, before the mode (chown may clear set-id
         * bits): a user namespace's root owns what appears in its filesystem.
         */
        if ((r->uid || r->gid) && fchown(dfd, r->uid, r->gid) < 0)
                return -errno;
        /* The umask must not decide the mode. */
        if (fchmod(dfd, mode) < 0)
                return -errno;
        *fd = TAKE_FD(dfd);
        return 0;
}

int rootfs_mkdir_p(const struct rootfs *r, const char *path, unsigned mode, struct strv *created, int *fd)
{
        /* Usually it is there: one lookup. */
        int ret = rootfs_open_at(r, path, O_PATH | O_DIRECTORY, fd);

        if (ret != -ENOENT)
                return ret;
        return mkdir_missing(r, path, mode, created, fd, 0);
}

int rootfs_open_parent(const struct rootfs *r, const char *path, bool create, struct strv *created,
                       int *dirfd, const char **name)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *parent = NULL;

        if (!slash || !slash[1])
                return -EINVAL;
        *name = slash + 1;
        parent = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
        if (create)
                return rootfs_mkdir_p(r, parent, 0755, created, dirfd);
        return rootfs_open_at(r, parent, O_PATH | O_DIRECTORY, dirfd);
}

void rootfs_rmdir_created(const struct rootfs *r, struct strv *created)
{
        for (size_t i = created->n; i > 0; i--) {
                _cleanup_close_ int parent = -1;
                const char *name;

                if (rootfs_open_parent(r, created->v[i - 1], false, NULL, &parent, &name) == 0)
                        (void)unlinkat(parent, name, AT_REMOVEDIR);
        }
}

/* done + "/" + the first len bytes of comp; done is "" for the root. */
static char *path_append(const char *done, const char *comp, size_t len)
{
        size_t ld = strlen(done);
        char *out = xmalloc(ld + len + 2);

        memcpy(out, done, ld);
        out[ld] = '/';
        memcpy(out + ld + 1, comp, len);
        out[ld + 1 + len] = '\0';
        return out;
}

/*
 * Opens prefix cand of a walk (no symlink in it but possibly its last component) as
 * it is, O_NOFOLLOW. With more to come, a directory is all the walk needs to know:
 * O_DIRECTORY says so without an fstat (a symlink or a file gives ENOTDIR and is
 * looked at). *is_dir_only: the fd was opened so and st is not filled.
 */
static int open_component(const struct rootfs *r, const char *cand, bool last, int *fd, struct stat *st,
                          bool *is_dir_only)
{
        int ret;

        *is_dir_only = false;
        if (!last) {
                ret = rootfs_open_at(r, cand, O_PATH | O_NOFOLLOW | O_DIRECTORY, fd);
                if (ret != -ENOTDIR) {
                        *is_dir_only = ret == 0;
                        return ret;
                }
        }
        ret = rootfs_open_at(r, cand, O_PATH | O_NOFOLLOW, fd);
        if (ret == 0 && fstat(*fd, st) < 0) {
                ret = -errno;
                close(*fd);
                *fd = -1;
        }
        return ret;
}

/* The first len bytes of p have no "." or ".." component: the kernel may walk them as written. */
static bool plain_span(const char *p, size_t len)
{
        const char *end = p + len;

        while (p < end) {
                const char *slash = memchr(p, '/', (size_t)(end - p));
                size_t n = (size_t)((slash ? slash : end) - p);

                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (!slash)
                        break;
                p = slash + 1;
        }
        return len > 0;
}

/* done + "/" + the first len bytes of rest, runs of slashes made one: the walk's canonical form. */
static char *path_append_span(const char *done, const char *rest, size_t len)
{
        size_t ld = strlen(done);
        char *out = xmalloc(ld + len + 2), *o = out + ld;

        memcpy(out, done, ld);
        *o++ = '/';
        for (size_t i = 0; i < len; i++)
                if (rest[i] != '/' || o[-1] != '/')
                        *o++ = rest[i];
        *o = '\0';
        return out;
}

/*
 * cand in one step, for a walk whose rest has no symlink on the way: RESOLVE_NO_SYMLINKS
 * refuses one (-ELOOP, and the walk takes a component at a time), except the last,
 * which O_PATH | O_NOFOLLOW opens as itself. -ENOSYS: no openat2.
 */
static int open_symlink_free(const struct rootfs *r, const char *cand, int *fd, struct stat *st)
{
        struct open_how how = {
                .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS,
        };
        int tries = 0, ret;

        do
                ret = (int)syscall(SYS_openat2, r->fd, cand + strspn(cand, "/"), &how, sizeof(how));
        while (ret < 0 && errno == EAGAIN && ++tries < OPENAT2_TRIES);
        if (ret < 0 && errno == ENOSYS)
                openat2_missing = true;
        if (ret < 0)
                return -errno;
        if (fstat(ret, st) < 0) {
                int err = -errno;

                close(ret);
                return err;
        }
        *fd = ret;
        return 0;
}

/* The link fd's text in front of what is left of the walk; done loses its prefix for an absolute one. */
static int splice_link(int fd, char *done, const char *rest, char **todo)
{
        char target[PATH_MAX];
        ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

        if (n < 0)
                return -errno;
        target[n] = '\0';
        if (target[0] == '/')
                done[0] = '\0';
        *todo = path_append(target, rest, strlen(rest));
        return 0;
}

int rootfs_realpath_open(const struct rootfs *r, const char *path, char **out, unsigned *n_links, int *fdp,
                         struct stat *stp)
{
        _cleanup_free_ char *todo = xstrdup(path), *done = xstrdup("");
        _cleanup_close_ int final = -1;
        struct stat final_st;
        const char *rest = todo;
        unsigned links = 0;
        /* The whole rest in one openat2 while no symlink is known to be on its way. */
        bool whole = !rootfs_force_fallback && !openat2_missing;

        for (;;) {
                _cleanup_close_ int fd = -1;
                _cleanup_free_ char *cand = NULL;
                const char *comp;
                struct stat st;
                bool last, dir_only;
                size_t len;
                int ret;

                rest += strspn(rest, "/");
                if (!*rest)
                        break;
                /* The final object, when a name (not "." or "..") ends the path, is kept open. */
                if (final >= 0)
                        close(TAKE_FD(final));
                len = strlen(rest);
                while (len > 0 && rest[len - 1] == '/')
                        len--;          /* a trailing slash is ignored, as below */
                if (whole && plain_span(rest, len)) {
                        cand = path_append_span(done, rest, len);
                        ret = open_symlink_free(r, cand, &fd, &st);
                        if (ret == 0 && !S_ISLNK(st.st_mode)) {
                                free(done);
                                done = TAKE_PTR(cand);
                                final = TAKE_FD(fd);
                                final_st = st;
                                break;
                        }
                        if (ret == 0) {
                                /* Only the last component is a symlink: what leads to it is free of them. */
                                char *next = NULL;

                                if (++links > MAX_SYMLINKS)
                                        return -ELOOP;
                                *strrchr(cand, '/') = '\0';
                                free(done);
                                done = TAKE_PTR(cand);
                                if ((ret = splice_link(fd, done, "", &next)) < 0)
                                        return ret;
                                free(todo);
                                rest = todo = next;
                                continue;
                        }
                        if (ret != -ELOOP && ret != -ENOSYS)
                                return ret;
                        whole = false;
                        free(TAKE_PTR(cand));
                }
                comp = rest;
                len = strcspn(rest, "/");
                rest += len;
                if (len == 1 && comp[0] == '.')
                        continue;
                if (len == 2 && comp[0] == '.' && comp[1] == '.') {
                        char *slash = strrchr(done, '/');

                        if (slash)              /* ".." of the root is the root */
                                *slash = '\0';
                        continue;
                }
                cand = path_append(done, comp, len);
                last = rest[strspn(rest, "/")] == '\0';
                /* Every prefix in done is free of symlinks; the one safe resolver opens it. */
                ret = open_component(r, cand, last, &fd, &st, &dir_only);
                if (ret < 0)
                        return ret;
                if (dir_only || !S_ISLNK(st.st_mode)) {
                        if (!last && !dir_only && !S_ISDIR(st.st_mode))
                                return -ENOTDIR;
                        free(done);
                        done = TAKE_PTR(cand);
                        if (last) {
                                final = TAKE_FD(fd);
                                final_st = st;
                        }
                        continue;
                }
                if (++links > MAX_SYMLINKS)
                        return -ELOOP;
                /* What the link says comes before what is left of the path. */
                {
                        char *next = NULL;

                        if ((ret = splice_link(fd, done, rest, &next)) < 0)
                                return ret;
                        free(todo);
                        rest = todo = next;
                }
                whole = !rootfs_force_fallback && !openat2_missing;
        }
        if (fdp) {
                /* Ended by "." or "..", or the root itself: open what the walk arrived at. */
                if (final < 0) {
                        int ret = rootfs_open_at(r, *done ? done : "/", O_PATH | O_NOFOLLOW, &final);

                        if (ret < 0)
                                return ret;
                        if (fstat(final, &final_st) < 0)
                                return -errno;
                }
                *fdp = TAKE_FD(final);
                *stp = final_st;
        }
        *out = *done ? TAKE_PTR(done) : xstrdup("/");
        if (n_links)
                *n_links = links;
        return 0;
}

int rootfs_realpath(const struct rootfs *r, const char *path, char **out, unsigned *n_links)
{
        return rootfs_realpath_open(r, path, out, n_links, NULL, NULL);
}
