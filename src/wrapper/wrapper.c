/* SPDX-License-Identifier: MIT */
/* The pure part of oci-mountplan-runtime: argument handling and hook injection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "wrapper.h"

/* The hook refuses these itself; the wrapper says so before a container is made. */
#define RELATIVE_PLAN_MSG "%s \"%s\" is a relative path: the hook runs in the container's root " \
        "directory and needs an absolute one"

static const char *const oci_stages[] = {
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
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
                        w->after_dashdash = true;
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

/*
 * The runtime's command line. runc parses it with Go's flag package (through
 * urfave/cli): "-name" and "--name" alike, "-name=value", a value always in the
 * same or the next argument, flags after the container id too. crun parses it with
 * argp: "--name", "--name=value", unambiguous prefixes of long names ("--bund"),
 * short options with the value attached ("-b/x") or next, and "-bundle" means
 * "-b undle". Each runtime's reading is computed by its own rules; for a runtime
 * that is neither, both are, and an argument they read differently is refused
 * rather than guessed: injecting into the wrong file leaves the container without
 * its hook and rewrites a file the runtime never reads.
 */
enum {
        RT_GO = 1 << 0,         /* runc */
        RT_ARGP = 1 << 1,       /* crun */
};

enum rt_slot {
        SLOT_NONE,              /* a value that matters to nobody here */
        SLOT_BUNDLE,
        SLOT_CONFIG,
        SLOT_LOG,
        SLOT_LOG_FORMAT,
};

struct rt_option {
        const char *name;
        char short_name;        /* argp's short option; for Go a one-letter name */
        bool value;
        enum rt_slot slot;
        unsigned runtimes;
};

/* Global options, before the command (runc --help, crun --help). */
static const struct rt_option global_options[] = {
        { "root", 0, true, SLOT_NONE, RT_GO | RT_ARGP },
        { "log", 0, true, SLOT_LOG, RT_GO | RT_ARGP },
        { "log-format", 0, true, SLOT_LOG_FORMAT, RT_GO | RT_ARGP },
        { "log-level", 0, true, SLOT_NONE, RT_ARGP },
        { "criu", 0, true, SLOT_NONE, RT_GO },
        { "rootless", 0, true, SLOT_NONE, RT_GO | RT_ARGP },
        { "cgroup-manager", 0, true, SLOT_NONE, RT_ARGP },
        { "systemd-cgroup", 0, false, SLOT_NONE, RT_GO | RT_ARGP },
        { "debug", 0, false, SLOT_NONE, RT_GO | RT_ARGP },
        { "help", 'h', false, SLOT_NONE, RT_GO },
        { "help", '?', false, SLOT_NONE, RT_ARGP },
        { "version", 'v', false, SLOT_NONE, RT_GO | RT_ARGP },
};

/* Options of create and run (runc create/run --help, crun's src/create.c and src/run.c). */
static const struct rt_option create_options[] = {
        { "bundle", 'b', true, SLOT_BUNDLE, RT_GO | RT_ARGP },
        { "config", 'f', true, SLOT_CONFIG, RT_ARGP },
        { "console-socket", 0, true, SLOT_NONE, RT_GO | RT_ARGP },
        { "console", 0, true, SLOT_NONE, RT_GO },
        { "pid-file", 0, true, SLOT_NONE, RT_GO | RT_ARGP },
        { "preserve-fds", 0, true, SLOT_NONE, RT_GO | RT_ARGP },
        { "detach", 'd', false, SLOT_NONE, RT_GO | RT_ARGP },
        { "keep", 0, false, SLOT_NONE, RT_GO | RT_ARGP },
        { "no-pivot", 0, false, SLOT_NONE, RT_GO | RT_ARGP },
        { "no-new-keyring", 0, false, SLOT_NONE, RT_GO | RT_ARGP },
        { "no-subreaper", 0, false, SLOT_NONE, RT_GO | RT_ARGP },
        { "help", 'h', false, SLOT_NONE, RT_GO },
        { "help", '?', false, SLOT_NONE, RT_ARGP },
};

/* What one runtime would make of the command line. */
struct rt_reading {
        const char *command, *bundle, *config, *log_path, *log_format;
};

static void reading_set(struct rt_reading *r, enum rt_slot slot, const char *v)
{
        switch (slot) {
        case SLOT_NONE:
                break;
        case SLOT_BUNDLE:
                r->bundle = v;
                break;
        case SLOT_CONFIG:
                r->config = v;
                break;
        case SLOT_LOG:
                r->log_path = v;
                break;
        case SLOT_LOG_FORMAT:
                r->log_format = v;
                break;
        }
}

/* Go: a flag's name is matched whole, whether it has one letter or many. */
static const struct rt_option *find_go(const struct rt_option *t, size_t n, const char *name, size_t len)
{
        for (size_t i = 0; i < n; i++) {
                if (!(t[i].runtimes & RT_GO))
                        continue;
                if ((strlen(t[i].name) == len && strncmp(t[i].name, name, len) == 0) ||
                    (t[i].short_name && len == 1 && name[0] == t[i].short_name))
                        return &t[i];
        }
        return NULL;
}

/* argp (getopt_long): an exact long name, else the one long name it is a prefix of. */
static const struct rt_option *find_argp_long(const struct rt_option *t, size_t n, const char *name, size_t len,
                                              bool *ambiguous)
{
        const struct rt_option *found = NULL;

        *ambiguous = false;
        for (size_t i = 0; i < n; i++) {
                if (!(t[i].runtimes & RT_ARGP) || strncmp(t[i].name, name, len) != 0)
                        continue;
                if (strlen(t[i].name) == len)
                        return &t[i];
                if (found && strcmp(found->name, t[i].name) != 0)
                        *ambiguous = true;
                found = &t[i];
        }
        return *ambiguous ? NULL : found;
}

static const struct rt_option *find_argp_short(const struct rt_option *t, size_t n, char c)
{
        for (size_t i = 0; i < n; i++)
                if ((t[i].runtimes & RT_ARGP) && t[i].short_name == c)
                        return &t[i];
        return NULL;
}

/*
 * One option argument argv[*i] (it starts with '-' and is not "-" or "--") by Go's
 * rules. Unknown flags make runc fail; they are passed over.
 */
static int go_option(int argc, char **argv, int *i, const struct rt_option *t, size_t n, struct rt_reading *r,
                     struct error *e)
{
        const char *name = argv[*i] + 1 + (argv[*i][1] == '-'), *eq = strchr(name, '=');
        const struct rt_option *o = find_go(t, n, name, eq ? (size_t)(eq - name) : strlen(name));

        if (!o || !o->value)
                return 0;
        if (eq) {
                reading_set(r, o->slot, eq + 1);
                return 0;
        }
        if (*i + 1 >= argc)
                return error_set(e, -EINVAL, "%s needs a value", argv[*i]);
        reading_set(r, o->slot, argv[++*i]);
        return 0;
}

/* The same by argp's rules, short options clustered ("-db DIR", "-bDIR"). */
static int argp_option(int argc, char **argv, int *i, const struct rt_option *t, size_t n, struct rt_reading *r,
                       struct error *e)
{
        const char *a = argv[*i];
        const struct rt_option *o = NULL;

        if (a[1] == '-') {
                const char *name = a + 2, *eq = strchr(name, '=');
                bool ambiguous;

                o = find_argp_long(t, n, name, eq ? (size_t)(eq - name) : strlen(name), &ambiguous);
                if (ambiguous)
                        return error_set(e, -EINVAL, "%s is ambiguous", a);
                if (!o || !o->value)
                        return 0;
                if (eq) {
                        reading_set(r, o->slot, eq + 1);
                        return 0;
                }
        } else {
                for (a++; *a; a++) {
                        o = find_argp_short(t, n, *a);
                        if (!o)
                                return 0;
                        if (!o->value)
                                continue;
                        if (a[1]) {
                                reading_set(r, o->slot, a + 1);
                                return 0;
                        }
                        break;
                }
                if (!*a)
                        return 0;
        }
        if (*i + 1 >= argc)
                return error_set(e, -EINVAL, "%s needs a value", argv[*i]);
        reading_set(r, o->slot, argv[++*i]);
        return 0;
}

static bool is_option(const char *a)
{
        return a[0] == '-' && a[1] != '\0';
}

static int read_command_line(int argc, char **argv, unsigned runtime, struct rt_reading *r, struct error *e)
{
        int (*option)(int, char **, int *, const struct rt_option *, size_t, struct rt_reading *, struct error *) =
                runtime == RT_GO ? go_option : argp_option;
        int i, ret;

        /* Global options end at the command, or at "--" before it. */
        for (i = 0; i < argc && !r->command; i++) {
                if (strcmp(argv[i], "--") == 0) {
                        if (i + 1 < argc)
                                r->command = argv[++i];
                } else if (!is_option(argv[i]))
                        r->command = argv[i];
                else if ((ret = option(argc, argv, &i, global_options, ELEMENTSOF(global_options), r, e)) < 0)
                        return ret;
        }
        if (!r->command || (strcmp(r->command, "create") != 0 && strcmp(r->command, "run") != 0))
                return 0;
        /* Both take options after the container id too (urfave/cli reorders, argp permutes). */
        for (; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (is_option(argv[i]) &&
                    (ret = option(argc, argv, &i, create_options, ELEMENTSOF(create_options), r, e)) < 0)
                        return ret;
        if (!r->bundle || !*r->bundle)
                r->bundle = ".";
        return 0;
}

/* runc and crun by their names (runc.amd64, crun-1.8 too); 0 for another runtime. */
static unsigned runtime_kind(const char *path)
{
        const char *base = strrchr(path, '/');

        base = base ? base + 1 : path;
        if (strncmp(base, "runc", 4) == 0)
                return RT_GO;
        if (strncmp(base, "crun", 4) == 0 || strncmp(base, "krun", 4) == 0)
                return RT_ARGP;
        return 0;
}

static bool same(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

int wrapper_parse_runtime_args(struct wrapper *w, struct error *e)
{
        struct rt_reading go = { 0 }, argp = { 0 }, *r = &go;
        unsigned kind = runtime_kind(w->runtime_path);
        int ret;

        if (kind != RT_ARGP && (ret = read_command_line(w->runtime_argc, w->runtime_argv, RT_GO, &go, e)) < 0)
                return ret;
        if (kind != RT_GO && (ret = read_command_line(w->runtime_argc, w->runtime_argv, RT_ARGP, &argp, e)) < 0)
                return ret;
        if (kind == RT_ARGP)
                r = &argp;
        else if (kind == 0 && (!same(go.command, argp.command) || !same(go.bundle, argp.bundle) ||
                               !same(go.config, argp.config)))
                return error_set(e, -EINVAL,
                                 "cannot tell which bundle runtime \"%s\" will use: runc and crun read these "
                                 "arguments differently; use --bundle DIR", w->runtime_path);
        w->command = r->command;
        w->bundle = r->bundle;
        w->config = r->config;
        w->log_path = r->log_path;
        w->log_format = r->log_format;
        return 0;
}

char *wrapper_config_path(const struct wrapper *w)
{
        /* crun: a --config other than "config.json" is taken before it changes to the bundle. */
        if (w->config && strcmp(w->config, "config.json") != 0)
                return xstrdup(w->config);
        return path_join(w->bundle, "config.json");
}

static json_t *default_hook(const struct wrapper *w, const char *stage)
{
        json_t *args = json_array();

        json_array_append_new(args, json_string("oci-mountplan"));
        if (stage) {
                json_array_append_new(args, json_string("--stage"));
                json_array_append_new(args, json_string(stage));
        }
        for (size_t i = 0; i < w->n_plans; i++) {
                json_array_append_new(args, json_string("--plan"));
                json_array_append_new(args, json_string(w->plans[i]));
        }
        /* Without --plan the hook takes the plan directories, with the admin's plans.d. */
        return json_pack("{s:s, s:o, s:[s]}", "path", w->hook_path ? w->hook_path : BINDIR "/oci-mountplan",
                         "args", args, "env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
}

/*
 * Both stages a plan may act at: createContainer (in the container's namespaces)
 * and createRuntime (real root, the runtime's namespaces), where the systemd plan
 * serves user-namespaced containers. A run with nothing to do at its stage ends
 * before reading config.json.
 */
json_t *wrapper_default_hooks(const struct wrapper *w)
{
        json_t *hooks = json_object();

        json_object_set_new(hooks, "createRuntime", json_pack("[o]", default_hook(w, "createRuntime")));
        json_object_set_new(hooks, "createContainer", json_pack("[o]", default_hook(w, NULL)));
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


/* Text to insert into config.json before buf[pos]. */
struct insertion {
        size_t pos;
        char *text;
};

/* At most one per stage (OCI has six) and one for a new hooks object. */
struct splice {
        struct insertion v[ELEMENTSOF(oci_stages) + 1];
        size_t n;
};

static void splice_add(struct splice *sp, size_t pos, char *text)
{
        sp->v[sp->n++] = (struct insertion){ pos, text };
}

static char *dump_compact(json_t *j)
{
        char *s = json_dumps(j, JSON_COMPACT);

        if (!s)
                abort();        /* out of memory, as xmalloc() does */
        return s;
}

/* "{hook},{hook}" for the hooks from have[from] on, with a leading comma if comma. */
static char *joined_hooks(json_t *have, size_t from, bool comma)
{
        char *out = xstrdup("");

        for (size_t i = from; i < json_array_size(have); i++) {
                _cleanup_free_ char *h = dump_compact(json_array_get(have, i)), *prev = out;

                out = xasprintf("%s%s%s", prev, comma || i > from ? "," : "", h);
        }
        return out;
}

/*
 * The insertions for a config.json the scanner found valid. The hooks object's
 * text alone goes through wrapper_inject_hooks(), so the decisions and errors are
 * the same as on the whole document; what it appended goes in before the closing
 * bracket of that stage's array, of the hooks object (a new stage) or of the
 * document (a new hooks object).
 */
static int plan_splice(const char *buf, size_t len, struct jscan_span doc, json_t *hooks, const char *what,
                       struct splice *sp, struct error *e)
{
        _cleanup_json_ json_t *config = json_object();
        struct jscan_span hs = { 0 }, as;
        bool has_hooks = jscan_member(buf, len, doc.start, "hooks", &hs), changed = false, hooks_empty;
        size_t before[ELEMENTSOF(oci_stages)] = { 0 }, i = 0;
        json_t *target, *list;
        const char *stage;
        int r;

        if (has_hooks) {
                json_t *old = json_loadb(buf + hs.start, hs.end - hs.start, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
                                         NULL);

                if (!old)
                        return error_set(e, -EINVAL, "%s: cannot read its hooks", what);
                json_object_set_new(config, "hooks", old);
        }
        /* hooks holds known stages only (wrapper_parse_hook_config, wrapper_default_hooks). */
        json_object_foreach(hooks, stage, list)
                if (i < ELEMENTSOF(before))
                        before[i++] = json_array_size(json_object_get(json_object_get(config, "hooks"), stage));
        if ((r = wrapper_inject_hooks(config, hooks, what, &changed, e)) < 0 || !changed)
                return r;
        target = json_object_get(config, "hooks");
        if (!has_hooks) {
                _cleanup_free_ char *text = dump_compact(target);

                splice_add(sp, doc.end - 1,
                           xasprintf("%s\"hooks\":%s", jscan_is_empty(buf, len, doc.start) ? "" : ",", text));
                return 0;
        }
        hooks_empty = jscan_is_empty(buf, len, hs.start);
        i = 0;
        json_object_foreach(hooks, stage, list) {
                json_t *have = json_object_get(target, stage);
                size_t from = i < ELEMENTSOF(before) ? before[i] : 0;

                i++;
                if (json_array_size(have) == from)
                        continue;
                if (jscan_member(buf, len, hs.start, stage, &as)) {
                        splice_add(sp, as.end - 1, joined_hooks(have, from, !jscan_is_empty(buf, len, as.start)));
                } else {
                        _cleanup_free_ char *text = joined_hooks(have, 0, false);

                        splice_add(sp, hs.end - 1, xasprintf("%s\"%s\":[%s]", hooks_empty ? "" : ",", stage, text));
                        hooks_empty = false;
                }
        }
        return 0;
}

/* buf with the insertions made, in the order of their positions (stable for equal ones). */
static char *apply_splice(const char *buf, size_t len, struct splice *sp, size_t *out_len)
{
        size_t total = len, at = 0, o = 0;
        char *out;

        for (size_t i = 1; i < sp->n; i++)
                for (size_t j = i; j > 0 && sp->v[j - 1].pos > sp->v[j].pos; j--) {
                        struct insertion t = sp->v[j];

                        sp->v[j] = sp->v[j - 1];
                        sp->v[j - 1] = t;
                }
        for (size_t i = 0; i < sp->n; i++)
                total += strlen(sp->v[i].text);
        out = xmalloc(total + 1);
        for (size_t i = 0; i < sp->n; i++) {
                size_t n = strlen(sp->v[i].text);

                memcpy(out + o, buf + at, sp->v[i].pos - at);
                o += sp->v[i].pos - at;
                at = sp->v[i].pos;
                memcpy(out + o, sp->v[i].text, n);
                o += n;
        }
        memcpy(out + o, buf + at, len - at);
        o += len - at;
        out[o] = '\0';
        *out_len = o;
        return out;
}

/* Where the scanner is not sure: the whole document through jansson and out again, as before. */
static int inject_reserialised(const char *buf, size_t len, json_t *hooks, const char *what, char **out,
                               size_t *out_len, struct error *e)
{
        _cleanup_json_ json_t *config = NULL;
        bool changed = false;
        int r;

        if ((r = json_parse_strict(buf, len, what, &config, e)) < 0 ||
            (r = wrapper_inject_hooks(config, hooks, what, &changed, e)) < 0 || !changed)
                return r;
        *out = dump_compact(config);
        *out_len = strlen(*out);
        return 0;
}

int wrapper_splice_hooks(const char *buf, size_t len, json_t *hooks, const char *what, char **out, size_t *out_len,
                         struct error *e)
{
        struct splice sp = { .n = 0 };
        struct jscan_span doc;
        int r;

        *out = NULL;
        *out_len = 0;
        if (!jscan_valid_object(buf, len, &doc))
                return inject_reserialised(buf, len, hooks, what, out, out_len, e);
        r = plan_splice(buf, len, doc, hooks, what, &sp, e);
        if (r == 0 && sp.n > 0)
                *out = apply_splice(buf, len, &sp, out_len);
        for (size_t i = 0; i < sp.n; i++)
                free(sp.v[i].text);
        return r;
}
