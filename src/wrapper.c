/* SPDX-License-Identifier: MIT */
/* The pure part of oci-mountplan-runtime: argument handling and hook injection. */
#include <errno.h>
#include <string.h>

#include "wrapper.h"

/* The hook refuses these itself; the wrapper says so before a container is made. */
#define RELATIVE_PLAN_MSG "%s \"%s\" is a relative path: the hook runs in the container's root " \
        "directory and needs an absolute one"

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

int wrapper_parse_flags(int argc, char **argv, struct wrapper *w, struct error *e)
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
                else if ((v = option_value(argc, argv, &i, "--hook-path"))) {
                        if (v[0] != '/')
                                return error_set(e, -EINVAL, "--hook-path \"%s\" is a relative path: the "
                                                 "runtime needs an absolute one", v);
                        w->hook_path = v;
                } else if ((v = option_value(argc, argv, &i, "--plan"))) {
                        if (w->n_plans == MAX_PLANS)
                                return error_set(e, -E2BIG, "at most %d --plan", MAX_PLANS);
                        if (v[0] != '/')
                                return error_set(e, -EINVAL, RELATIVE_PLAN_MSG, "--plan", v);
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

void wrapper_parse_runtime_args(struct wrapper *w)
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

json_t *wrapper_default_hooks(const struct wrapper *w)
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

/*
 * A plan path in the arguments of an oci-mountplan hook, in the forms its getopt
 * takes ("--plan X", "--plan=X", "-p X", "-pX", and so for --plan-dir and -d):
 * returns the option's name and sets *value, or returns NULL.
 */
static const char *plan_option(json_t *args, size_t *j, const char **value)
{
        static const struct { const char *lng, *shrt; } opts[] = { { "--plan", "-p" }, { "--plan-dir", "-d" } };
        const char *a = json_string_value(json_array_get(args, *j));

        for (size_t k = 0; a && k < ELEMENTSOF(opts); k++) {
                size_t n = strlen(opts[k].lng);

                if (strcmp(a, opts[k].lng) == 0 || strcmp(a, opts[k].shrt) == 0) {
                        *value = json_string_value(json_array_get(args, ++*j));
                        return *value ? opts[k].lng : NULL;
                }
                if (strncmp(a, opts[k].lng, n) == 0 && a[n] == '=') {
                        *value = a + n + 1;
                        return opts[k].lng;
                }
                if (strncmp(a, opts[k].shrt, 2) == 0 && a[2]) {
                        *value = a + 2;
                        return opts[k].lng;
                }
        }
        return NULL;
}

/* An oci-mountplan hook in the hook config must name its plans by absolute paths. */
static int check_plan_args(json_t *hook, const char *what, const char *stage, size_t i, struct error *e)
{
        const char *path = json_string_value(json_object_get(hook, "path")), *base = strrchr(path, '/') + 1;
        json_t *args = json_object_get(hook, "args");

        if (strcmp(base, "oci-mountplan") != 0 || !args)
                return 0;
        /* args[0] is the program's name, as for execve(2) */
        for (size_t j = 1; j < json_array_size(args); j++) {
                const char *value = NULL, *opt = plan_option(args, &j, &value);

                if (opt && value[0] != '/')
                        return error_set(e, -EINVAL, "%s: hooks.%s[%zu]: " RELATIVE_PLAN_MSG, what, stage, i,
                                         opt, value);
        }
        return 0;
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
        return check_plan_args(hook, what, stage, i, e);
}

int wrapper_parse_hook_config(const char *buf, size_t len, const char *path, json_t **out, struct error *e)
{
        _cleanup_json_ json_t *root = NULL;
        json_t *hooks, *list;
        const char *stage;
        int r;

        if ((r = json_parse_strict(buf, len, path, &root, e)) < 0)
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

int wrapper_inject_hooks(json_t *config, json_t *hooks, const char *what, bool *changed, struct error *e)
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

