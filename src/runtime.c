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

/* The hook config file, read and checked. */
static int load_hook_config(const char *path, json_t **out, struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        if ((r = read_file_capped(AT_FDCWD, path, HOOK_CONFIG_MAX_BYTES, &buf, &len, e)) < 0)
                return r;
        return wrapper_parse_hook_config(buf, len, path, out, e);
}

/*
 * Replaces config.json atomically: a temporary file in the same directory with the
 * same mode and owner, fsynced, renamed over it. A reader (or a crash) sees the old
 * file or the new one, never a mix.
 */
static int write_config_atomically(const char *bundle, const char *path, const struct stat *st, json_t *config,
                                   struct error *e)
{
        _cleanup_free_ char *tmp = path_join(bundle, ".config.json.XXXXXX");
        _cleanup_free_ char *text = json_dumps(config, JSON_COMPACT);
        _cleanup_close_ int fd = -1, dirfd = -1;
        int r;

        if (!text)
                return error_set(e, -ENOMEM, "%s: cannot serialise", path);
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return error_setsys(e, -errno, "cannot create a temporary file in %s", bundle);
        if (fchmod(fd, st->st_mode & 07777) < 0 || fchown(fd, st->st_uid, st->st_gid) < 0 ||
            (r = write_all(fd, text, strlen(text))) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
                r = -errno;
                unlink(tmp);
                return error_setsys(e, r, "cannot rewrite %s", path);
        }
        /* The rename itself survives a crash only once the directory is on disk. */
        dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd >= 0)
                (void)fsync(dirfd);
        return 0;
}

static int rewrite_config(const struct wrapper *w, struct error *e)
{
        _cleanup_free_ char *path = path_join(w->bundle, "config.json");
        _cleanup_free_ char *buf = NULL;
        _cleanup_json_ json_t *config = NULL, *hooks = NULL;
        _cleanup_close_ int fd = -1;
        bool changed = false;
        struct stat st;
        size_t len = 0;
        int r;

        if (w->hook_config_path)
                r = load_hook_config(w->hook_config_path, &hooks, e);
        else
                hooks = wrapper_default_hooks(w), r = 0;
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || fstat(fd, &st) < 0)
                return error_setsys(e, -errno, "%s", path);
        if (!S_ISREG(st.st_mode))
                return error_set(e, -EINVAL, "%s is not a regular file", path);
        if ((r = read_fd_capped(fd, CONFIG_MAX_BYTES, &buf, &len, e, path)) < 0 ||
            (r = json_parse_strict(buf, len, path, &config, e)) < 0 ||
            (r = wrapper_inject_hooks(config, hooks, path, &changed, e)) < 0)
                return r;
        if (!changed)
                return 0;       /* idempotent: the hooks are there already */
        return write_config_atomically(w->bundle, path, &st, config, e);
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
        wrapper_parse_runtime_args(&w);
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
