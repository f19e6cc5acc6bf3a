/* SPDX-License-Identifier: MIT */
#include "facts.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "cond.h"
#include "rootfs.h"

#define HEADER_BYTES 128
#define MAX_PATH_DIRS 64
/* What runc and crun search when process.env has no PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* A script's "#!" line, printable and cut short, for explanations. */
static char *shebang_line(const char *buf, size_t n)
{
        size_t len = 0;

        while (len < n && len < 80 && buf[len] != '\n' && buf[len] >= 0x20 && buf[len] < 0x7f)
                len++;
        return xasprintf("%.*s", (int)len, buf);
}

static bool is_elf_program(const unsigned char *h, size_t n)
{
        unsigned type;

        if (n < EI_NIDENT + 2 || memcmp(h, ELFMAG, SELFMAG) != 0)
                return false;
        type = h[EI_DATA] == ELFDATA2MSB ? (unsigned)h[16] << 8 | h[17] : (unsigned)h[17] << 8 | h[16];
        return type == ET_EXEC || type == ET_DYN;
}

/* Reads the head of the regular file at path (canonical) to tell its format. */
static void inspect_file(const struct rootfs *root, struct exec_fact *x)
{
        _cleanup_close_ int pfd = -1, fd = -1;
        unsigned char head[HEADER_BYTES];
        struct stat st, st2;
        ssize_t n;

        if (rootfs_open_at(root, x->path, O_PATH | O_NOFOLLOW, &pfd) < 0 || fstat(pfd, &st) < 0)
                return;
        x->executable = S_ISREG(st.st_mode) && (st.st_mode & 0111);
        if (!S_ISREG(st.st_mode)) {
                x->detail = xstrdup(S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
                return;
        }
        /* O_NONBLOCK: never hang on a FIFO swapped in since the check; the inode is compared. */
        if (rootfs_open_at(root, x->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, &fd) < 0 ||
            fstat(fd, &st2) < 0 || st.st_dev != st2.st_dev || st.st_ino != st2.st_ino)
                return;
        n = pread(fd, head, sizeof(head), 0);
        if (n <= 0) {
                x->format = EXEC_FORMAT_OTHER;
                return;
        }
        if (is_elf_program(head, (size_t)n))
                x->format = EXEC_FORMAT_ELF;
        else if (n >= 2 && head[0] == '#' && head[1] == '!') {
                x->format = EXEC_FORMAT_SCRIPT;
                x->detail = shebang_line((const char *)head, (size_t)n);
        } else
                x->format = EXEC_FORMAT_OTHER;
}

/* Follows path inside the rootfs; 0, or a negative errno when it cannot. */
static int try_path(const struct rootfs *root, const char *path, struct exec_fact *x)
{
        char *canon = NULL;
        int r = rootfs_realpath(root, path, &canon, &x->links);

        if (r < 0)
                return r;
        free(x->path);
        x->path = canon;
        free(x->detail);
        x->detail = NULL;
        x->format = EXEC_FORMAT_NONE;
        x->executable = false;
        inspect_file(root, x);
        return 0;
}

/* execvp's search: the first regular, executable file named cmd in a PATH directory. */
static void search_path(const struct rootfs *root, const char *cmd, const char *path_var, struct exec_fact *x)
{
        _cleanup_free_ char *dirs = xstrdup(path_var);
        char *save = NULL, *dir;
        int n = 0;

        x->via_path = true;
        for (dir = strtok_r(dirs, ":", &save); dir && n < MAX_PATH_DIRS; dir = strtok_r(NULL, ":", &save), n++) {
                _cleanup_free_ char *cand = NULL;

                if (dir[0] != '/')
                        continue;       /* a relative PATH entry depends on the cwd; runtimes differ */
                cand = path_join(dir, cmd);
                if (try_path(root, cand, x) == 0 && x->executable)
                        return;
        }
        free(x->path);
        x->path = NULL;
        free(x->detail);
        x->detail = xasprintf("not found in PATH %s", path_var);
}

static void gather_command(const struct rootfs *root, const struct spec *spec, const char *cmd,
                           struct exec_fact *x)
{
        const char *path_var = kvlist_get(&spec->env, "PATH");
        _cleanup_free_ char *abs = NULL;
        int r;

        x->command = xstrdup(cmd);
        if (!*cmd || strlen(cmd) >= PATH_MAX) {
                x->detail = xstrdup(*cmd ? "command too long" : "no command");
                return;
        }
        if (!strchr(cmd, '/')) {
                search_path(root, cmd, path_var ? path_var : DEFAULT_PATH, x);
                return;
        }
        abs = cmd[0] == '/' ? xstrdup(cmd) : path_join(spec->cwd ? spec->cwd : "/", cmd);
        r = try_path(root, abs, x);
        if (r < 0)
                x->detail = xasprintf("cannot be followed in the rootfs (%s)", strerror(-r));
}

/* Without a shell in front, the command behind it is args[0] itself: look once. */
static void exec_fact_copy(const struct exec_fact *from, struct exec_fact *to)
{
        *to = *from;
        to->command = xstrdup(from->command);
        to->path = from->path ? xstrdup(from->path) : NULL;
        to->detail = from->detail ? xstrdup(from->detail) : NULL;
}

/*
 * Where the runtime mounts dest: its canonical place in the rootfs, through the
 * image's symlinks (runc and crun resolve destinations so). Components missing in
 * the image (the runtime makes them) and ones that cannot be followed stay as named.
 */
static char *mount_dest_in_rootfs(const struct rootfs *root, const char *dest)
{
        _cleanup_free_ char *parent = NULL, *real_parent = NULL;
        const char *slash = strrchr(dest, '/');
        char *real = NULL;

        if (rootfs_realpath(root, dest, &real, NULL) == 0)
                return real;
        if (!slash || slash == dest)
                return xstrdup(dest);
        parent = xstrndup(dest, (size_t)(slash - dest));
        real_parent = mount_dest_in_rootfs(root, parent);
        return path_join(real_parent, slash + 1);
}

void facts_gather(const struct spec *spec, bool mount_preview, struct facts *f)
{
        struct rootfs root = { .fd = -1 };
        _cleanup_free_ char *alloc = NULL;
        const char *shell_cmd = cond_effective_command(&spec->args, true, &alloc);
        int r;

        memset(f, 0, sizeof(*f));
        r = rootfs_open(spec->root_path, &root);
        if (r < 0) {
                f->problem = xasprintf("cannot open the rootfs %s: %s", spec->root_path, strerror(-r));
                f->argv0.command = xstrdup(spec->args.n ? spec->args.v[0] : "");
                f->shell.command = xstrdup(shell_cmd);
                return;
        }
        f->inspected = true;
        gather_command(&root, spec, spec->args.n ? spec->args.v[0] : "", &f->argv0);
        if (strcmp(shell_cmd, f->argv0.command) == 0)
                exec_fact_copy(&f->argv0, &f->shell);
        else
                gather_command(&root, spec, shell_cmd, &f->shell);
        for (size_t i = 0; mount_preview && i < spec->n_mounts; i++)
                strv_push(&f->mount_dests, mount_dest_in_rootfs(&root, spec->mounts[i].destination));
        rootfs_close(&root);
}

bool exec_fact_is_elf(const struct exec_fact *x)
{
        return x->path && x->executable && x->format == EXEC_FORMAT_ELF;
}

static const char *format_name(const struct exec_fact *x)
{
        switch (x->format) {
        case EXEC_FORMAT_ELF:
                return x->executable ? "ELF executable" : "ELF file without an execute bit";
        case EXEC_FORMAT_SCRIPT:
                return "script";
        case EXEC_FORMAT_OTHER:
                return "neither ELF nor a script";
        case EXEC_FORMAT_NONE:
                break;
        }
        return "unreadable";
}

char *exec_fact_describe(const struct exec_fact *x)
{
        const char *via = x->via_path ? " (via PATH)" : "";

        if (!x->path)
                return xasprintf("\"%s\" %s", x->command, x->detail ? x->detail : "was not looked up");
        if (x->format == EXEC_FORMAT_SCRIPT)
                return xasprintf("\"%s\"%s -> %s (script, %s)", x->command, via, x->path, x->detail);
        if (x->format == EXEC_FORMAT_NONE && x->detail)
                return xasprintf("\"%s\"%s -> %s (%s)", x->command, via, x->path, x->detail);
        return xasprintf("\"%s\"%s -> %s (%s)", x->command, via, x->path, format_name(x));
}

static void exec_fact_free(struct exec_fact *x)
{
        free(x->command);
        free(x->path);
        free(x->detail);
}

void facts_free(struct facts *f)
{
        userns_result_free(&f->userns);
        free(f->problem);
        exec_fact_free(&f->argv0);
        exec_fact_free(&f->shell);
        strv_free(&f->mount_dests);
        memset(f, 0, sizeof(*f));
}
