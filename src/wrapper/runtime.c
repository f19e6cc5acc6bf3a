/* SPDX-License-Identifier: MIT */
/*
 * oci-mountplan-runtime: an OCI runtime wrapper that injects hooks into the
 * bundle's config.json and then becomes the real runtime (runc by default), so
 * that engines which cannot add hooks themselves (Docker, containerd) can use
 * oci-mountplan. It takes the flags of the older Go wrapper (--hook-config-path,
 * --runtime-path) before the runtime's own arguments, which pass through as they
 * are.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "util.h"
#include "wrapper.h"

#define CONFIG_MAX_BYTES (16 * 1024 * 1024)
#define HOOK_CONFIG_MAX_BYTES (1024 * 1024)

/*
 * Errors go to stderr and, when the runtime was given --log, to that file in its
 * format; both with control characters and invalid UTF-8 escaped (str_escape), as
 * the message may carry what config.json or the command line held.
 */
static void report_error(const struct wrapper *w, const char *raw)
{
        char stamp[64], msg[4 * ERROR_MSG_MAX];
        struct tm tm;
        time_t now = time(NULL);
        FILE *f;

        str_escape(msg, sizeof(msg), raw);
        error_print("oci-mountplan-runtime", "%s", raw);
        if (!w->log_path)
                return;
        f = fopen(w->log_path, "ae");
        if (!f)
                return;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (w->log_format && strcmp(w->log_format, "json") == 0) {
                _cleanup_free_ char *full = xasprintf("oci-mountplan-runtime: %s", msg);
                json_t *j = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", full, "time", stamp);
                char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;

                if (line)
                        fprintf(f, "%s\n", line);
                free(line);
                json_decref(j);
        } else {
                fprintf(f, "time=\"%s\" level=error msg=\"oci-mountplan-runtime: ", stamp);
                for (const char *c = msg; *c; c++)
                        fprintf(f, (*c == '"' || *c == '\\') ? "\\%c" : "%c", *c);
                fprintf(f, "\"\n");
        }
        fclose(f);
}

/*
 * Reads a file that must be a regular file: opened without following a last
 * symlink and without blocking (a FIFO named config.json would otherwise hang the
 * wrapper, and so the engine, until someone writes to it), checked with fstat
 * before a byte is read.
 */
static int read_regular_file(const char *path, size_t max, char **buf, size_t *len, struct stat *st,
                             struct error *e)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

        if (fd < 0 && errno == ELOOP)
                return error_set(e, -ELOOP, "%s is a symbolic link, not a regular file", path);
        if (fd < 0 || fstat(fd, st) < 0)
                return error_setsys(e, -errno, "%s", path);
        if (!S_ISREG(st->st_mode))
                return error_set(e, -EINVAL, "%s is not a regular file", path);
        return read_fd_capped(fd, max, buf, len, e, path);
}

/* The hook config file, read and checked. */
static int load_hook_config(const char *path, json_t **out, struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;
        int r;

        if ((r = read_regular_file(path, HOOK_CONFIG_MAX_BYTES, &buf, &len, &st, e)) < 0)
                return r;
        return wrapper_parse_hook_config(buf, len, path, out, e);
}

/* The directory a file is in ("." for a bare name), for a temporary file beside it. */
static char *path_dirname(const char *path)
{
        const char *slash = strrchr(path, '/');

        if (!slash)
                return xstrdup(".");
        if (slash == path)
                return xstrdup("/");
        return xasprintf("%.*s", (int)(slash - path), path);
}

/*
 * Replaces config.json atomically: a temporary file in the same directory with the
 * same mode and owner, fsynced, renamed over it. A reader (or a crash) sees the old
 * file or the new one, never a mix.
 */
static int write_config_atomically(const char *path, const struct stat *st, const char *text, size_t len,
                                   struct error *e)
{
        _cleanup_free_ char *dir = path_dirname(path);
        _cleanup_free_ char *tmp = path_join(dir, ".config.json.XXXXXX");
        _cleanup_close_ int fd = -1, dirfd = -1;
        int r;

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return error_setsys(e, -errno, "cannot create a temporary file in %s", dir);
        if (fchmod(fd, st->st_mode & 07777) < 0 || fchown(fd, st->st_uid, st->st_gid) < 0 ||
            (r = write_all(fd, text, len)) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
                r = -errno;
                unlink(tmp);
                return error_setsys(e, r, "cannot rewrite %s", path);
        }
        /* The rename itself survives a crash only once the directory is on disk. */
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd >= 0)
                (void)fsync(dirfd);
        return 0;
}

static int rewrite_config(const struct wrapper *w, struct error *e)
{
        _cleanup_free_ char *path = wrapper_config_path(w);
        _cleanup_free_ char *buf = NULL, *text = NULL;
        _cleanup_json_ json_t *hooks = NULL;
        size_t len = 0, text_len = 0;
        struct stat st;
        int r;

        if (w->hook_config_path)
                r = load_hook_config(w->hook_config_path, &hooks, e);
        else
                hooks = wrapper_default_hooks(w), r = 0;
        if (r < 0)
                return r;
        if ((r = read_regular_file(path, CONFIG_MAX_BYTES, &buf, &len, &st, e)) < 0 ||
            (r = wrapper_splice_hooks(buf, len, hooks, path, &text, &text_len, e)) < 0)
                return r;
        if (!text)
                return 0;       /* idempotent: the hooks are there already */
        return write_config_atomically(path, &st, text, text_len, e);
}

static bool is_executable_file(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/*
 * The runtime's path, found as execvp(3) finds it (a name with a '/' as it is,
 * otherwise the first executable of that name on $PATH), before config.json is
 * touched: a runtime that is not there must leave the bundle as it was.
 */
static int find_runtime(const char *name, char **out, struct error *e)
{
        const char *path = getenv("PATH");

        if (strchr(name, '/')) {
                if (!is_executable_file(name))
                        return error_setsys(e, access(name, X_OK) < 0 ? -errno : -EACCES,
                                            "cannot run the runtime \"%s\"", name);
                *out = xstrdup(name);
                return 0;
        }
        if (!path || !*path)
                path = "/bin:/usr/bin";             /* execvp's own default */
        for (const char *dir = path; *name; dir++) {
                size_t len = strcspn(dir, ":");
                /* an empty entry is the current directory, as for execvp */
                _cleanup_free_ char *candidate = len ? xasprintf("%.*s/%s", (int)len, dir, name) : xstrdup(name);

                if (is_executable_file(candidate)) {
                        *out = candidate;
                        candidate = NULL;
                        return 0;
                }
                dir += len;
                if (!*dir)
                        break;
        }
        return error_set(e, -ENOENT, "cannot run the runtime \"%s\": not found on PATH (%s)", name, path);
}

static void usage(void)
{
        printf("Usage: oci-mountplan-runtime [--hook-config-path FILE] [--runtime-path RUNTIME]\n"
               "                             [--hook-path HOOK] [--plan PLAN...] [--]\n"
               "                             [RUNTIME-OPTION...] COMMAND [ARGUMENT...]\n"
               "       oci-mountplan-runtime [--runtime-path RUNTIME] --version\n"
               "       oci-mountplan-runtime --help\n"
               "\n"
               "An OCI runtime wrapper: for create and run it adds the oci-mountplan hook to the\n"
               "bundle's config.json, then it becomes the runtime. Its own options come first;\n"
               "the rest (and all after --) is the runtime's, passed through unchanged.\n"
               "\n"
               "  --hook-config-path FILE  add the hooks listed in FILE (JSON), not the default hook\n"
               "  --runtime-path RUNTIME   the runtime, a path or a name on PATH (default: runc)\n"
               "  --hook-path HOOK         the default hook's binary\n"
               "                           (default: " BINDIR "/oci-mountplan)\n"
               "  --plan PLAN              an absolute plan for the default hook; repeat for more\n"
               "                           (default: none, the hook takes its plan directories)\n"
               "  --help                   this help; the runtime's is RUNTIME --help\n"
               "  --version                this version, then the runtime's (RUNTIME --version)\n"
               "\n"
               "Exit status: the runtime's once it runs; 1 config.json or the hook configuration\n"
               "is bad, 2 bad wrapper options, 126 the runtime cannot run, 127 it is not found.\n");
}

int main(int argc, char **argv)
{
        struct wrapper w = { .runtime_path = "runc" };
        struct error e = { 0 };
        _cleanup_free_ char *runtime = NULL;
        char **rargv;
        int err;

        json_seed();
        if (wrapper_parse_flags(argc, argv, &w, &e) < 0) {
                report_error(&w, e.msg);
                return 2;
        }
        /*
         * --help and --version right after the wrapper's options are the wrapper's.
         * Engines run "RUNTIME --version" (dockerd for docker info) and take the
         * last line with "version" in it: ours comes first, then the runtime's.
         */
        if (w.runtime_argc > 0 && !w.after_dashdash && strcmp(w.runtime_argv[0], "--help") == 0) {
                usage();
                return 0;
        }
        if (w.runtime_argc > 0 && !w.after_dashdash && strcmp(w.runtime_argv[0], "--version") == 0) {
                printf("oci-mountplan-runtime %s\n", PACKAGE_VERSION);
                fflush(stdout);
        }
        if (wrapper_parse_runtime_args(&w, &e) < 0) {
                report_error(&w, e.msg);
                return 2;
        }
        err = find_runtime(w.runtime_path, &runtime, &e);
        if (err < 0) {
                report_error(&w, e.msg);
                return err == -ENOENT ? 127 : 126;
        }
        if (w.bundle && rewrite_config(&w, &e) < 0) {
                report_error(&w, e.msg);
                return 1;
        }
        /* Become the runtime: its pid, signals, stdio and exit status are the caller's. */
        rargv = xmalloc(((size_t)w.runtime_argc + 2) * sizeof(char *));
        rargv[0] = (char *)w.runtime_path;
        memcpy(rargv + 1, w.runtime_argv, (size_t)w.runtime_argc * sizeof(char *));
        rargv[w.runtime_argc + 1] = NULL;
        execv(runtime, rargv);
        err = errno;
        snprintf(e.msg, sizeof(e.msg), "cannot run the runtime \"%s\": %s", runtime, strerror(err));
        report_error(&w, e.msg);
        free(rargv);
        return err == ENOENT ? 127 : 126;
}
