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

#define CONFIG_MAX_BYTES (16 * 1024 * 1024)
#define HOOK_CONFIG_MAX_BYTES (1024 * 1024)
#define MAX_PLANS 16

struct wrapper {
        const char *hook_config_path;
        const char *runtime_path;
        const char *hook_path;            /* the default hook's binary */
        const char *plans[MAX_PLANS];     /* the default hook's plans */
        size_t n_plans;
        char **runtime_argv;              /* what follows the wrapper's own flags */
        int runtime_argc;
        const char *command;              /* create, run, start, ... */
        const char *bundle;
        const char *log_path;             /* the runtime's --log, for our errors too */
        const char *log_format;
};

static const char *const oci_stages[] = {
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* Global runtime options (runc, crun) that take a value as the next argument. */
static const char *const global_value_options[] = {
        "--root", "--log", "--log-format", "--log-level", "--criu", "--rootless", "--cgroup-manager",
};

static bool is_one_of(const char *s, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(s, list[i]) == 0)
                        return true;
        return false;
}

/* "--name value" or "--name=value": returns the value and advances *i, or NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
        size_t n = strlen(name);

        if (strncmp(argv[*i], name, n) != 0)
                return NULL;
        if (argv[*i][n] == '=')
                return argv[*i] + n + 1;
        if (argv[*i][n] != '\0' || *i + 1 >= argc)
                return NULL;
        return argv[++*i];
}

/* Errors go to stderr and, when the runtime was given --log, to that file in its format. */
static void report_error(const struct wrapper *w, const char *msg)
{
        char stamp[64];
        struct tm tm;
        time_t now = time(NULL);
        FILE *f;

        fprintf(stderr, "oci-mountplan-runtime: %s\n", msg);
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

static int parse_wrapper_flags(int argc, char **argv, struct wrapper *w, struct error *e)
{
        int i = 1;

        for (; i < argc; i++) {
                const char *v;

                if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                }
                if ((v = option_value(argc, argv, &i, "--hook-config-path")))
                        w->hook_config_path = v;
                else if ((v = option_value(argc, argv, &i, "--runtime-path")))
                        w->runtime_path = v;
                else if ((v = option_value(argc, argv, &i, "--hook-path")))
                        w->hook_path = v;
                else if ((v = option_value(argc, argv, &i, "--plan"))) {
                        if (w->n_plans == MAX_PLANS)
                                return error_set(e, -E2BIG, "at most %d --plan", MAX_PLANS);
                        w->plans[w->n_plans++] = v;
                } else if (strcmp(argv[i], "--hook-config-path") == 0 || strcmp(argv[i], "--runtime-path") == 0 ||
                           strcmp(argv[i], "--hook-path") == 0 || strcmp(argv[i], "--plan") == 0)
                        return error_set(e, -EINVAL, "%s needs a value", argv[i]);
                else
                        break;
        }
        w->runtime_argv = argv + i;
        w->runtime_argc = argc - i;
        return 0;
}

/* Finds the command and, for create and run, the bundle; notes --log for errors. */
static void parse_runtime_args(struct wrapper *w)
{
        int argc = w->runtime_argc, i;
        char **argv = w->runtime_argv;

        for (i = 0; i < argc; i++) {
                const char *v;

                if ((v = option_value(argc, argv, &i, "--log")))
                        w->log_path = v;
                else if ((v = option_value(argc, argv, &i, "--log-format")))
                        w->log_format = v;
                else if (argv[i][0] == '-') {
                        if (!strchr(argv[i], '=') &&
                            is_one_of(argv[i], global_value_options, ELEMENTSOF(global_value_options)))
                                i++;
                } else {
                        w->command = argv[i];
                        break;
                }
        }
        if (!w->command || (strcmp(w->command, "create") != 0 && strcmp(w->command, "run") != 0))
                return;
        for (i++; i < argc; i++) {
                const char *v;

                if (strcmp(argv[i], "--") == 0)
                        break;
                if ((v = option_value(argc, argv, &i, "--bundle")) || (v = option_value(argc, argv, &i, "-b")))
                        w->bundle = v;
        }
        if (!w->bundle)
                w->bundle = ".";
}

static json_t *default_hooks(const struct wrapper *w)
{
        json_t *args = json_array(), *hook, *hooks;

        json_array_append_new(args, json_string("oci-mountplan"));
        for (size_t i = 0; i < w->n_plans; i++) {
                json_array_append_new(args, json_string("--plan"));
                json_array_append_new(args, json_string(w->plans[i]));
        }
        /* Without --plan the hook takes the plan directories, with the admin's plans.d. */
        hook = json_pack("{s:s, s:o, s:[s]}", "path", w->hook_path ? w->hook_path : BINDIR "/oci-mountplan",
                         "args", args, "env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
        hooks = json_object();
        json_object_set_new(hooks, "createContainer", json_pack("[o]", hook));
        return hooks;
}

static int check_hook(json_t *hook, const char *what, const char *stage, size_t i, struct error *e)
{
        json_t *path = json_object_get(hook, "path"), *args = json_object_get(hook, "args");
        json_t *env = json_object_get(hook, "env"), *timeout = json_object_get(hook, "timeout"), *v;
        size_t j;

        if (!json_is_object(hook))
                return error_set(e, -EINVAL, "%s: hooks.%s[%zu] must be an object", what, stage, i);
        if (!json_is_string(path) || json_string_value(path)[0] != '/')
                return error_set(e, -EINVAL, "%s: hooks.%s[%zu].path must be an absolute path", what, stage, i);
        if ((args && !json_is_array(args)) || (env && !json_is_array(env)))
                return error_set(e, -EINVAL, "%s: hooks.%s[%zu]: args and env must be arrays of strings",
                                 what, stage, i);
        json_array_foreach(args, j, v)
                if (!json_is_string(v))
                        return error_set(e, -EINVAL, "%s: hooks.%s[%zu].args[%zu] must be a string", what, stage, i, j);
        json_array_foreach(env, j, v)
                if (!json_is_string(v))
                        return error_set(e, -EINVAL, "%s: hooks.%s[%zu].env[%zu] must be a string", what, stage, i, j);
        if (timeout && (!json_is_integer(timeout) || json_integer_value(timeout) <= 0))
                return error_set(e, -EINVAL, "%s: hooks.%s[%zu].timeout must be a positive integer", what, stage, i);
        return 0;
}

/* The hook config file: {"hooks": {"<stage>": [{path, args, env, timeout}]}}. */
static int load_hook_config(const char *path, json_t **out, struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_json_ json_t *root = NULL;
        json_t *hooks, *list;
        const char *stage;
        size_t len = 0;
        int r;

        if ((r = read_file_capped(AT_FDCWD, path, HOOK_CONFIG_MAX_BYTES, &buf, &len, e)) < 0 ||
            (r = json_parse_strict(buf, len, path, &root, e)) < 0)
                return r;
        hooks = json_object_get(root, "hooks");
        if (!json_is_object(hooks))
                return error_set(e, -EINVAL, "%s: expected {\"hooks\": {\"<stage>\": [...]}}", path);
        json_object_foreach(hooks, stage, list) {
                json_t *h;
                size_t i;

                if (!is_one_of(stage, oci_stages, ELEMENTSOF(oci_stages)))
                        return error_set(e, -EINVAL, "%s: unknown hook stage \"%s\"", path, stage);
                if (!json_is_array(list))
                        return error_set(e, -EINVAL, "%s: hooks.%s must be an array", path, stage);
                json_array_foreach(list, i, h)
                        if ((r = check_hook(h, path, stage, i, e)) < 0)
                                return r;
        }
        *out = json_incref(hooks);
        return 0;
}

static bool hook_present(json_t *list, json_t *hook)
{
        json_t *h;
        size_t i;

        json_array_foreach(list, i, h) {
                json_t *a1 = json_object_get(h, "args"), *a2 = json_object_get(hook, "args");

                if (json_equal(json_object_get(h, "path"), json_object_get(hook, "path")) &&
                    (a1 == a2 || (a1 && a2 && json_equal(a1, a2))))
                        return true;
        }
        return false;
}

/* Adds each hook not already there; returns whether config changed. */
static int inject_hooks(json_t *config, json_t *hooks, const char *what, bool *changed, struct error *e)
{
        json_t *target = json_object_get(config, "hooks"), *list;
        const char *stage;

        if (!target) {
                target = json_object();
                json_object_set_new(config, "hooks", target);
        } else if (!json_is_object(target))
                return error_set(e, -EINVAL, "%s: hooks must be an object", what);
        json_object_foreach(hooks, stage, list) {
                json_t *have = json_object_get(target, stage), *h;
                size_t i;

                if (!have) {
                        have = json_array();
                        json_object_set_new(target, stage, have);
                } else if (!json_is_array(have))
                        return error_set(e, -EINVAL, "%s: hooks.%s must be an array", what, stage);
                json_array_foreach(list, i, h)
                        if (!hook_present(have, h)) {
                                json_array_append(have, h);
                                *changed = true;
                        }
        }
        return 0;
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
                hooks = default_hooks(w), r = 0;
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || fstat(fd, &st) < 0)
                return error_setsys(e, -errno, "%s", path);
        if (!S_ISREG(st.st_mode))
                return error_set(e, -EINVAL, "%s is not a regular file", path);
        if ((r = read_fd_capped(fd, CONFIG_MAX_BYTES, &buf, &len, e, path)) < 0 ||
            (r = json_parse_strict(buf, len, path, &config, e)) < 0 ||
            (r = inject_hooks(config, hooks, path, &changed, e)) < 0)
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
        if (parse_wrapper_flags(argc, argv, &w, &e) < 0) {
                report_error(&w, e.msg);
                return 2;
        }
        parse_runtime_args(&w);
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
