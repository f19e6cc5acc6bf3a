/* SPDX-License-Identifier: MIT */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "mount.h"
#include "util.h"

#define PROC_FILE_MAX (1024 * 1024)

/* ---------------------------------------------------------------- config.json's claim (pure) */

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice", as systemd nests slices. */
static char *slice_path(const char *slice)
{
        size_t n = strlen(slice) - strlen(".slice");
        char *out = xstrdup("");

        if (strcmp(slice, "-.slice") == 0)
                return out;
        for (size_t i = 0; i <= n; i++) {
                char *next;

                if (i < n && slice[i] != '-')
                        continue;
                next = xasprintf("%s/%.*s.slice", out, (int)i, slice);
                free(out);
                out = next;
        }
        return out;
}

static bool unit_name_ok(const char *s)
{
        if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (; *s; s++)
                if (*s == '/' || *s == ':' || (unsigned char)*s < 0x20)
                        return false;
        return true;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* runc's and crun's systemd driver: "slice:prefix:name", the unit prefix-name.scope in slice. */
static int systemd_form_path(const char *cgroups_path, char **out)
{
        _cleanup_free_ char *copy = xstrdup(cgroups_path), *slices = NULL, *leaf = NULL;
        char *prefix = strchr(copy, ':'), *name;
        const char *slice = copy;

        *prefix++ = '\0';
        name = strchr(prefix, ':');
        if (!name || strchr(name + 1, ':'))
                return -EINVAL;
        *name++ = '\0';
        if (!*slice)
                slice = "system.slice";
        if (!unit_name_ok(slice) || !ends_with(slice, ".slice") || !unit_name_ok(name) ||
            (*prefix && !unit_name_ok(prefix)))
                return -EINVAL;
        slices = slice_path(slice);
        if (ends_with(name, ".slice"))
                leaf = xstrdup(name);
        else
                leaf = *prefix ? xasprintf("%s-%s.scope", prefix, name) : xasprintf("%s.scope", name);
        *out = xasprintf("%s/%s", slices, leaf);
        return 0;
}

int cgroup_expected_path(const char *cgroups_path, char **out, bool *relative)
{
        _cleanup_free_ char *abs = NULL;

        *out = NULL;
        *relative = false;
        if (!cgroups_path || !*cgroups_path)
                return 0;
        if (strchr(cgroups_path, ':'))
                return systemd_form_path(cgroups_path, out);
        *relative = cgroups_path[0] != '/';
        abs = *relative ? xasprintf("/%s", cgroups_path) : xstrdup(cgroups_path);
        if (!path_is_normalized_absolute(abs))
                return -EINVAL;
        *out = TAKE_PTR(abs);
        return 0;
}

bool cgroup_child_name_ok(const char *name)
{
        if (!*name || strlen(name) > 64 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return false;
        /* The kernel's own files live in the same directory: never shadow one. */
        if (strncmp(name, "cgroup.", 7) == 0)
                return false;
        for (const char *p = name; *p; p++)
                if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
                      *p == '-' || *p == '_' || *p == '.' || *p == '@'))
                        return false;
        return true;
}

/* ---------------------------------------------------------------- facts from /proc */

void cgroup_facts_init(struct cgroup_facts *f)
{
        memset(f, 0, sizeof(*f));
        f->hostfd = -1;
}

void cgroup_facts_free(struct cgroup_facts *f)
{
        free(f->ns_path);
        free(f->host_path);
        free(f->expected);
        free(f->init_line);
        if (f->hostfd >= 0)
                close(f->hostfd);
        cgroup_facts_init(f);
}

/* The inode of /proc/<who>/ns/<ns>: equal inodes, same namespace. */
static int ns_inode(const char *who, const char *ns, ino_t *ino, struct error *e)
{
        char path[64];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/%s/ns/%s", who, ns);
        if (stat(path, &st) < 0)
                return error_setsys(e, -errno, "%s", path);
        *ino = st.st_ino;
        return 0;
}

/* The hook's own namespaces, looked up once per cgroup_find_init (before any setns). */
struct self_ns {
        ino_t mnt, cgroup;
};

static int self_ns_read(struct self_ns *self, struct error *e)
{
        int r = ns_inode("self", "mnt", &self->mnt, e);

        return r < 0 ? r : ns_inode("self", "cgroup", &self->cgroup, e);
}

/* Is who's mount namespace the hook's? */
static int same_mnt_ns(const char *who, const struct self_ns *self, bool *same, struct error *e)
{
        ino_t ino;
        int r = ns_inode(who, "mnt", &ino, e);

        if (r < 0)
                return r;
        *same = ino == self->mnt;
        return 0;
}

/* The "0::" line of /proc/<who>/cgroup (as the reader's cgroup namespace sees it), or NULL. */
static int read_cgroup2_line(const char *who, char **out, struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        char path[64];
        int r;

        *out = NULL;
        snprintf(path, sizeof(path), "/proc/%s/cgroup", who);
        r = read_file_capped(AT_FDCWD, path, PROC_FILE_MAX, &buf, NULL, e);
        if (r < 0)
                return r;
        for (char *line = buf; line && *line; ) {
                char *nl = strchr(line, '\n');

                if (nl)
                        *nl = '\0';
                if (strncmp(line, "0::", 3) == 0) {
                        *out = xstrdup(line + 3);
                        return 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return 0;
}

static int proc_parent_of(const char *who, int *ppid, struct error *e);

/* Also returns the parent's cgroup namespace and keeps its cgroup for cgroup_read_paths. */
static int find_parent_init(struct cgroup_facts *f, const struct self_ns *self, ino_t *cgns, struct error *e)
{
        _cleanup_free_ char *mine = NULL, *theirs = NULL;
        char who[16];
        bool same_mnt, same_cg;
        int r;

        /* /proc names it in the host's pid namespace; getppid() in the hook's. */
        if ((r = proc_parent_of("self", &f->pid, e)) < 0)
                return r;
        f->vpid = (int)getppid();
        snprintf(who, sizeof(who), "%d", f->pid);
        if (f->vpid <= 0)
                return error_set(e, -ESRCH, "the hook's parent (pid %d) is outside its pid namespace: "
                                 "not the container's init; refusing", f->pid);
        if ((r = same_mnt_ns(who, self, &same_mnt, e)) < 0 || (r = ns_inode(who, "cgroup", cgns, e)) < 0)
                return r;
        same_cg = *cgns == self->cgroup;
        if (!same_mnt || !same_cg)
                return error_set(e, -EPERM, "the hook's parent (pid %d) is not in the hook's %s namespace: "
                                 "not the container's init; refusing", f->pid, same_mnt ? "cgroup" : "mount");
        if ((r = read_cgroup2_line(who, &theirs, e)) < 0 || (r = read_cgroup2_line("self", &mine, e)) < 0)
                return r;
        if ((theirs || mine) && (!theirs || !mine || strcmp(theirs, mine) != 0))
                return error_set(e, -EPERM, "the hook's parent (pid %d) is in cgroup %s, the hook in %s: "
                                 "not the container's init; refusing", f->pid, theirs ? theirs : "-",
                                 mine ? mine : "-");
        /* No namespace changes before cgroup_read_paths: what was read here still holds. */
        f->line_known = true;
        f->init_line = TAKE_PTR(theirs);
        return 0;
}

/* The kernel's initial cgroup namespace (PROC_CGROUP_INIT_INO): a fresh mount there is host-wide. */
#define CGROUP_INIT_NS_INO 0xEFFFFFFBU

/*
 * A process's parent as /proc names it: the fourth field of /proc/<who>/stat, after
 * the name in parentheses (which may hold any byte but NUL, ')' too: the last one
 * ends it). stat, not status: the kernel formats a few numbers, not forty lines.
 */
static int proc_parent_of(const char *who, int *ppid, struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        char path[64], state;
        const char *p;
        int r;

        snprintf(path, sizeof(path), "/proc/%s/stat", who);
        r = read_file_capped(AT_FDCWD, path, PROC_FILE_MAX, &buf, NULL, e);
        if (r < 0)
                return r;
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 1, " %c %d", &state, ppid) != 2 || *ppid <= 0)
                return error_set(e, -ESRCH, "%s: no parent process", path);
        return 0;
}

/*
 * The host's cgroup namespace: the runtime's. At createContainer the hook is inside
 * the container: /proc/1's, or where /proc/1 may not be looked at, that of the
 * init's nearest ancestor outside its mount namespace (the runtime that started it).
 */
static int host_cgroupns(const struct cgroup_facts *f, const char *stage, const struct self_ns *self, ino_t *ino,
                         struct error *e)
{
        char who[16];
        int pid = f->pid, r;
        bool same = true;

        if (strcmp(stage, "createContainer") != 0) {
                *ino = self->cgroup;
                return 0;
        }
        if (ns_inode("1", "cgroup", ino, e) == 0)
                return 0;
        for (int depth = 0; same && depth < 32; depth++) {
                snprintf(who, sizeof(who), "%d", pid);
                if ((r = proc_parent_of(who, &pid, e)) < 0)
                        return r;
                snprintf(who, sizeof(who), "%d", pid);
                if ((r = same_mnt_ns(who, self, &same, e)) < 0)
                        return r;
        }
        if (same)
                return error_set(e, -ESRCH, "cannot find the runtime that started the container's init");
        return ns_inode(who, "cgroup", ino, e);
}

int cgroup_find_init(const char *stage, int state_pid, struct cgroup_facts *f, struct error *e)
{
        struct self_ns self;
        char who[16];
        ino_t theirs = 0, host;
        bool same;
        int r;

        if ((r = self_ns_read(&self, e)) < 0)
                return r;
        if (strcmp(stage, "createContainer") == 0)
                r = find_parent_init(f, &self, &theirs, e);
        else if (state_pid <= 0)
                r = error_set(e, -EINVAL, "stage %s needs the container's pid in the state", stage);
        else {
                f->pid = f->vpid = state_pid;
                snprintf(who, sizeof(who), "%d", f->pid);
                if ((r = same_mnt_ns(who, &self, &same, e)) == 0 && same)
                        r = error_set(e, -EPERM, "pid %d from the state shares the hook's mount namespace: "
                                      "not a container's init; refusing", f->pid);
                if (r == 0)
                        r = ns_inode(who, "cgroup", &theirs, e);
        }
        if (r < 0)
                return r;
        /*
         * In the initial namespace it is the host's, whatever else says so: then the
         * host's need not be looked for (at createContainer a walk up /proc).
         */
        if (theirs == CGROUP_INIT_NS_INO) {
                f->own_ns = false;
                return 0;
        }
        if ((r = host_cgroupns(f, stage, &self, &host, e)) < 0)
                return r;
        f->own_ns = theirs != host;
        return 0;
}

int cgroup_read_paths(struct cgroup_facts *f, bool entered, struct error *e)
{
        _cleanup_free_ char *line = NULL;
        char who[16];
        int r;

        snprintf(who, sizeof(who), "%d", f->pid);
        if (f->line_known) {
                line = TAKE_PTR(f->init_line);
                f->line_known = false;
        } else if ((r = read_cgroup2_line(who, &line, e)) < 0)
                return r;
        if (!line)
                return 0;       /* a cgroup v1-only host */
        /* Not entered yet: the hook is in the runtime's namespace, the host's. */
        if (entered || !f->own_ns) {
                free(f->ns_path);
                f->ns_path = xstrdup(line);
        }
        if (!entered || !f->own_ns) {
                free(f->host_path);
                f->host_path = xstrdup(line);
        }
        return 0;
}

/* ---------------------------------------------------------------- cross-check */

/* The host's cgroup2 mount, as runtimes look for it: /sys/fs/cgroup, else .../unified. */
static int open_host_cgroup2(int *fd)
{
        static const char *const where[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };

        for (size_t i = 0; i < ELEMENTSOF(where); i++) {
                _cleanup_close_ int d = open(where[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                bool is_root, ro;
                long fstype;

                if (d < 0 || mount_inspect(d, &is_root, &fstype, &ro) < 0 || !is_root || fstype != CGROUP2_SUPER_MAGIC)
                        continue;
                /* The root cgroup has no cgroup.type: a mount of a sub-tree would shift every path. */
                if (faccessat(d, "cgroup.type", F_OK, 0) == 0)
                        continue;
                *fd = TAKE_FD(d);
                return 0;
        }
        return -ENOENT;
}

static const char *rel(const char *path)
{
        return path[1] ? path + 1 : ".";
}

/* Is vpid listed in <dirfd>/<path>/cgroup.procs? The kernel's word on where it is. */
static bool pid_in_cgroup(int dirfd, const char *path, int vpid)
{
        _cleanup_free_ char *file = path_join(rel(path), "cgroup.procs"), *buf = NULL;
        struct error ignored = { 0 };

        if (read_file_capped(dirfd, file, 16 * 1024 * 1024, &buf, NULL, &ignored) < 0)
                return false;
        for (char *line = buf; line && *line; ) {
                char *nl = strchr(line, '\n');

                if (atoi(line) == vpid)
                        return true;
                line = nl ? nl + 1 : NULL;
        }
        return false;
}

/*
 * Does path match what config.json names: exactly, by its tail for a relative
 * cgroupsPath, and for systemd's form also below the scope (crun puts the init in
 * <scope>/container when it must keep the scope itself free of processes).
 */
static bool matches_expected(const struct cgroup_facts *f, const char *path)
{
        size_t n;

        if (!f->expected)
                return true;
        if (f->expected_relative)
                return ends_with(path, f->expected);
        n = strlen(f->expected);
        return strcmp(path, f->expected) == 0 ||
               (f->expected_systemd && strncmp(path, f->expected, n) == 0 && path[n] == '/');
}

static char *parent_of(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
}

static bool in_child(const char *path, const char *child)
{
        const char *slash = strrchr(path, '/');

        return strcmp(path, "/") != 0 && strcmp(slash + 1, child) == 0;
}

/* Was the init moved into the child already (the hook ran before)? Where is C then? */
static int locate_in_host(struct cgroup_facts *f, const char *child, bool *moved, char **c_host,
                          struct error *e)
{
        _cleanup_free_ char *parent = parent_of(f->host_path);

        *moved = false;
        if (in_child(f->host_path, child) && matches_expected(f, parent))
                *moved = true;
        else if (matches_expected(f, f->host_path))
                *moved = false;
        else
                return error_set(e, -EPERM, "the container's init (pid %d) is in cgroup %s, but config.json's "
                                 "linux.cgroupsPath names %s%s; refusing", f->pid, f->host_path,
                                 f->expected_relative ? "a cgroup ending in " : "", f->expected);
        *c_host = *moved ? TAKE_PTR(parent) : xstrdup(f->host_path);
        return 0;
}

const char *cgroup_container_path(const struct cgroup_facts *f, const char *child, char **buf)
{
        if (!in_child(f->ns_path, child))
                return f->ns_path;
        /* Checked against the host's view in cgroup_check when that is known. */
        *buf = parent_of(f->ns_path);
        return *buf;
}

static bool init_moved(const struct cgroup_facts *f, const char *child)
{
        return in_child(f->ns_path, child);
}

/* Is the init in <c_host> (or its child, once moved), as the host's tree lists it? */
static bool in_cgroup_or_child(const struct cgroup_facts *f, const char *c_host, bool moved, const char *child)
{
        _cleanup_free_ char *where = moved ? path_join(c_host, child) : xstrdup(c_host);

        return pid_in_cgroup(f->hostfd, where, f->vpid);
}

static int check_in_host_tree(struct cgroup_facts *f, const char *c_host, bool moved, const char *child,
                              struct error *e)
{
        _cleanup_free_ char *where = moved ? path_join(c_host, child) : xstrdup(c_host);
        struct stat st;

        if (!pid_in_cgroup(f->hostfd, where, f->vpid))
                return error_set(e, -EPERM, "the container's init (pid %d) is not in cgroup %s%s%s; refusing",
                                 f->pid, where, f->expected ? ", which config.json's linux.cgroupsPath names" : "",
                                 f->own_ns ? " (seen from the host's cgroup2 mount)" : "");
        if (fstatat(f->hostfd, rel(c_host), &st, AT_SYMLINK_NOFOLLOW) < 0)
                return error_setsys(e, -errno, "cgroup %s", c_host);
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        f->ino_known = true;
        return 0;
}

/*
 * systemd's form, seen from inside the container's own namespace: the init is in the
 * scope, or (crun) in a cgroup right below it. Which one, the host's tree tells.
 */
static char *find_below_scope(const struct cgroup_facts *f, bool moved, const char *child)
{
        _cleanup_close_ int fd = -1;
        struct dirent *de;
        char *found = NULL;
        DIR *d;

        if (in_cgroup_or_child(f, f->expected, moved, child))
                return xstrdup(f->expected);
        fd = openat(f->hostfd, rel(f->expected), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        d = fd >= 0 ? fdopendir(TAKE_FD(fd)) : NULL;
        while (d && !found && (de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                sub = path_join(f->expected, de->d_name);
                if (in_cgroup_or_child(f, sub, moved, child))
                        found = TAKE_PTR(sub);
        }
        if (d)
                closedir(d);
        return found ? found : xstrdup(f->expected);
}

int cgroup_check(struct cgroup_facts *f, const char *cgroups_path, const char *child, bool need,
                 struct error *e)
{
        _cleanup_free_ char *c_host = NULL;
        bool moved;
        int r;

        if (!f->ns_path)
                return need ? error_set(e, -EOPNOTSUPP, "the container has no cgroup2 cgroup (a cgroup v1-only "
                                        "host); not supported") : 0;
        f->expected_systemd = cgroups_path && strchr(cgroups_path, ':');
        if (cgroup_expected_path(cgroups_path, &f->expected, &f->expected_relative) < 0)
                return error_set(e, -EINVAL, "config.json: linux.cgroupsPath \"%s\" is not a cgroup path", cgroups_path);
        if (open_host_cgroup2(&f->hostfd) < 0 && !f->own_ns)
                return error_set(e, -ENOENT, "cannot find the host's cgroup2 mount (/sys/fs/cgroup or "
                                 "/sys/fs/cgroup/unified) in the container's mount namespace");
        if (f->host_path) {
                if ((r = locate_in_host(f, child, &moved, &c_host, e)) < 0)
                        return r;
                if (moved != init_moved(f, child))
                        return error_set(e, -EPERM, "the container's init is in %s, %s from its own cgroup "
                                         "namespace; refusing", f->host_path, f->ns_path);
        } else if (f->expected && !f->expected_relative && f->hostfd >= 0) {
                /* Inside its own namespace: ask the host's tree whether the init is where config.json says. */
                moved = init_moved(f, child);
                c_host = f->expected_systemd ? find_below_scope(f, moved, child) : xstrdup(f->expected);
        } else
                return 0;       /* nothing to cross-check with: the kernel's word alone */
        if (!f->own_ns && strcmp(c_host, "/") == 0)
                return error_set(e, -EPERM, "the container shares the host's cgroup namespace and sits in its root "
                                 "cgroup2 cgroup; refusing to delegate that");
        return check_in_host_tree(f, c_host, moved, child, e);
}

/* ---------------------------------------------------------------- delegation */

void cgroup_undo_init(struct cgroup_undo *u)
{
        memset(u, 0, sizeof(*u));
        u->view_fd = -1;
        u->cfd = -1;
        u->child_mount_fd = -1;
}

static void close_if(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/*
 * "PID\n" into a cgroup.procs in one write(2): the kernel takes one pid per write,
 * and dprintf() added an fstat and an lseek. 0 or -1 with errno set.
 */
static int write_pid(int fd, pid_t pid)
{
        char buf[24], *p = buf + sizeof(buf);
        unsigned long v = (unsigned long)pid;
        ssize_t n;

        /* "0" would move the writer itself. */
        if (pid <= 0) {
                errno = EINVAL;
                return -1;
        }
        *--p = '\n';
        do
                *--p = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        n = write(fd, p, (size_t)(buf + sizeof(buf) - p));
        if (n == buf + sizeof(buf) - p)
                return 0;
        if (n >= 0)
                errno = EIO;
        return -1;
}

/* The init back into C, through the tree made writable again. */
static void move_back(const struct cgroup_undo *u)
{
        _cleanup_close_ int fd = openat(u->cfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

        if (fd >= 0)
                (void)write_pid(fd, u->vpid);
}

void cgroup_undo_run(struct cgroup_undo *u, bool rollback)
{
        if (rollback && u->view_fd >= 0)
                (void)mount_set_flags(u->view_fd, MS_NOSUID | MS_NODEV | MS_NOEXEC, false);
        if (rollback && u->child_mount_fd >= 0)
                (void)mount_detach(u->child_mount_fd);
        if (rollback && u->moved && u->cfd >= 0)
                move_back(u);
        if (rollback && u->child && u->cfd >= 0)
                (void)unlinkat(u->cfd, u->child, AT_REMOVEDIR);
        close_if(&u->view_fd);
        close_if(&u->cfd);
        close_if(&u->child_mount_fd);
        free(u->child);
        u->child = NULL;
}

void cgroup_undo_forget(struct cgroup_undo *u)
{
        free(u->child);
        cgroup_undo_init(u);
}

bool cgroup_already_delegated(const struct cgroup_facts *f, int tfd, const char *child)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int cfd = -1, chfd = -1;
        const char *cpath = cgroup_container_path(f, child, &buf);
        bool is_root, ro;
        long fstype;

        if (!init_moved(f, child))
                return false;
        if (mount_inspect(tfd, &is_root, &fstype, &ro) < 0 || !is_root || fstype != CGROUP2_SUPER_MAGIC || !ro)
                return false;
        cfd = openat(tfd, rel(cpath), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0)
                return false;
        chfd = openat(cfd, child, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return chfd >= 0 && mount_inspect(chfd, &is_root, &fstype, &ro) == 0 && is_root && !ro;
}

/* C in the new mount: it must be the very cgroup the kernel and config.json agreed on. */
static int open_container_cgroup(const struct cgroup_facts *f, int viewfd, const char *child, int *cfd,
                                 struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        const char *cpath = cgroup_container_path(f, child, &buf);
        struct stat st;

        if (!path_is_normalized_absolute(cpath))
                return error_set(e, -EINVAL, "odd cgroup path \"%s\"", cpath);
        *cfd = openat(viewfd, rel(cpath), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (*cfd < 0)
                return error_setsys(e, -errno, "cannot find the container's cgroup %s", cpath);
        if (fstat(*cfd, &st) < 0)
                return error_setsys(e, -errno, "cgroup %s", cpath);
        if (f->ino_known && (st.st_dev != f->dev || st.st_ino != f->ino))
                return error_set(e, -EXDEV, "the cgroup2 mount shows another cgroup at %s than the container's; "
                                 "refusing", cpath);
        return 0;
}

static int make_child(int cfd, const char *child, struct cgroup_undo *u, struct error *e)
{
        if (mkdirat(cfd, child, 0755) == 0)
                u->child = xstrdup(child);
        else if (errno != EEXIST)
                return error_setsys(e, -errno, "cannot create the child cgroup %s", child);
        return 0;
}

/* Moves the init into the child. No fd stays open for writing: the tree could not become read-only. */
static int move_init(const struct cgroup_facts *f, int chfd, const char *child, struct cgroup_undo *u,
                     struct error *e)
{
        _cleanup_close_ int procs = openat(chfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

        if (procs < 0)
                return error_setsys(e, -errno, "cannot open %s/cgroup.procs", child);
        if (write_pid(procs, f->vpid) < 0)
                return error_setsys(e, -errno, "cannot move the container's init (pid %d) into %s", f->pid, child);
        u->moved = true;
        u->vpid = f->vpid;
        return 0;
}

/* The files of a cgroup its delegatee may write: the kernel lists them (cgroup-v2.rst, "Delegation"). */
static const char *const delegate_files_default[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };

/*
 * A user namespace's root gets the child and its delegation files, as the kernel's
 * model of delegation to a less privileged user says; C and its limits stay root's.
 */
static int give_child(int chfd, const char *child, uid_t uid, gid_t gid, struct error *e)
{
        _cleanup_free_ char *list = NULL;
        char *save = NULL;

        if (uid == 0 && gid == 0)
                return 0;
        if (fchownat(chfd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return error_setsys(e, -errno, "cannot give the child cgroup %s to %u:%u", child, uid, gid);
        if (read_file_capped(AT_FDCWD, "/sys/kernel/cgroup/delegate", PROC_FILE_MAX, &list, NULL, NULL) < 0)
                list = NULL;
        if (!list) {
                for (size_t i = 0; i < ELEMENTSOF(delegate_files_default); i++)
                        if (fchownat(chfd, delegate_files_default[i], uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                                return error_setsys(e, -errno, "cannot give %s/%s to %u:%u", child,
                                                    delegate_files_default[i], uid, gid);
                return 0;
        }
        for (char *name = strtok_r(list, "\n", &save); name; name = strtok_r(NULL, "\n", &save))
                /* A file this kernel lists but this cgroup lacks (a controller not enabled) is fine. */
                if (fchownat(chfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
                        return error_setsys(e, -errno, "cannot give %s/%s to %u:%u", child, name, uid, gid);
        return 0;
}

int cgroup_delegate(const struct cgroup_facts *f, int viewfd, const char *child, uid_t uid, gid_t gid,
                    struct cgroup_undo *u, struct error *e)
{
        const unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        _cleanup_close_ int chfd = -1, landed = -1;
        bool is_root, ro;
        long fstype;
        int r;

        u->view_fd = fcntl(viewfd, F_DUPFD_CLOEXEC, 3);
        if (u->view_fd < 0)
                return error_setsys(e, -errno, "cannot keep a handle to undo the cgroup tree's flags");
        if ((r = open_container_cgroup(f, viewfd, child, &u->cfd, e)) < 0)
                return r;
        if ((r = make_child(u->cfd, child, u, e)) < 0)
                return r;
        chfd = openat(u->cfd, child, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (chfd < 0)
                return error_setsys(e, -errno, "cannot open the child cgroup %s", child);
        if ((r = give_child(chfd, child, uid, gid, e)) < 0)
                return r;
        if (!init_moved(f, child) && (r = move_init(f, chfd, child, u, e)) < 0)
                return r;
        r = mount_bind_at(chfd, chfd, false, 0);
        if (r < 0)
                return error_setsys(e, r, "cannot bind the child cgroup %s over itself", child);
        landed = openat(u->cfd, child, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        /* Only a proven new mount becomes the undo handle: rollback detaches it. */
        if (landed < 0 || mount_inspect(landed, &is_root, &fstype, &ro) < 0 || !is_root ||
            fstype != CGROUP2_SUPER_MAGIC || ro)
                return error_set(e, -EXDEV, "the child cgroup %s is not a writable mount of its own after binding it",
                                 child);
        u->child_mount_fd = TAKE_FD(landed);
        /* Last: C's own files and every ancestor's become read-only for the container. */
        r = mount_set_flags(viewfd, base | MS_RDONLY, false);
        if (r < 0)
                return error_setsys(e, r, "cannot make the cgroup tree read-only");
        return 0;
}
