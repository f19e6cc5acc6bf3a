/* SPDX-License-Identifier: MIT */
#include "cond.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

static const char *const cond_names[_COND_KIND_MAX] = {
        [COND_COMMAND] = "command",
        [COND_ENV] = "env",
        [COND_ANNOTATION] = "annotation",
        [COND_MOUNTED] = "mounted",
        [COND_STAGE] = "stage",
        [COND_EXEC] = "exec",
};

static const char *const stage_names[] = {
        "createRuntime", "createContainer", "prestart", "poststop",
};

bool cond_kind_from_key(const char *key, enum cond_kind *kind, bool *negated)
{
        for (int k = 0; k < _COND_KIND_MAX; k++) {
                size_t n = strlen(cond_names[k]);

                if (strncmp(key, cond_names[k], n) != 0)
                        continue;
                if (key[n] == '\0' || strcmp(key + n, "_not") == 0) {
                        *kind = (enum cond_kind)k;
                        *negated = key[n] != '\0';
                        return true;
                }
        }
        return false;
}

const char *cond_pattern_problem(enum cond_kind kind, const char *p)
{
        switch (kind) {
        case COND_COMMAND:
                return *p ? NULL : "empty command pattern";
        case COND_ENV:
        case COND_ANNOTATION:
                return (*p && *p != '=') ? NULL : "expected NAME or NAME=GLOB";
        case COND_MOUNTED:
                return path_is_normalized_absolute(p) ? NULL : "expected an absolute, normalized path";
        case COND_STAGE:
                for (size_t i = 0; i < ELEMENTSOF(stage_names); i++)
                        if (strcmp(p, stage_names[i]) == 0)
                                return NULL;
                return "unknown stage";
        case COND_EXEC:
                return (*p == '/' || *p == '*') ? NULL : "expected an absolute path glob, such as */lib/systemd/systemd";
        case _COND_KIND_MAX:
                break;
        }
        return "unknown condition";
}

static const char *basename_of(const char *p)
{
        const char *s = strrchr(p, '/');

        return s ? s + 1 : p;
}

static bool is_shell(const char *arg0)
{
        static const char *const shells[] = { "sh", "bash", "dash", "ash", "zsh", "ksh", "busybox" };
        const char *b = basename_of(arg0);

        for (size_t i = 0; i < ELEMENTSOF(shells); i++)
                if (strcmp(b, shells[i]) == 0)
                        return true;
        return false;
}

/* First word of a shell command line after any leading "exec", unquoted. */
static char *shell_first_command(const char *line)
{
        const char *p = line;

        for (;;) {
                size_t n;

                p += strspn(p, " \t\n");
                n = strcspn(p, " \t\n;&|");
                if (n == 4 && strncmp(p, "exec", 4) == 0) {
                        p += 4;
                        continue;
                }
                if (n >= 2 && (p[0] == '"' || p[0] == '\'') && p[n - 1] == p[0])
                        return n > 2 ? xstrndup(p + 1, n - 2) : NULL;
                return n > 0 ? xstrndup(p, n) : NULL;
        }
}

const char *cond_effective_command(const struct strv *args, bool see_through_shell, char **alloc)
{
        size_t i = 1;

        *alloc = NULL;
        if (args->n == 0)
                return "";
        if (!see_through_shell || !is_shell(args->v[0]))
                return args->v[0];
        if (strcmp(basename_of(args->v[0]), "busybox") == 0) {
                if (args->n < 2 || strcmp(args->v[1], "sh") != 0)
                        return args->v[0];
                i = 2;
        }
        /* sh [-options...] -c CMDLINE: "-c" may be combined with other flags, as in -ec. */
        for (; i < args->n && args->v[i][0] == '-'; i++)
                if (strchr(args->v[i], 'c') && i + 1 < args->n) {
                        *alloc = shell_first_command(args->v[i + 1]);
                        return *alloc ? *alloc : args->v[0];
                }
        return args->v[0];
}

static bool command_matches(const char *pattern, const char *cmd)
{
        const char *subject = strchr(pattern, '/') ? cmd : basename_of(cmd);

        return fnmatch(pattern, subject, 0) == 0;
}

/* "NAME" (set) or "NAME=GLOB" against a key/value list. */
static bool kv_matches(const char *pattern, const struct kvlist *l, const char **seen)
{
        const char *eq = strchr(pattern, '=');
        _cleanup_free_ char *name = eq ? xstrndup(pattern, (size_t)(eq - pattern)) : xstrdup(pattern);
        const char *v = kvlist_get(l, name);

        *seen = v;
        if (!v)
                return false;
        return !eq || fnmatch(eq + 1, v, 0) == 0;
}

/* The command as the container names it, and what it is inside the rootfs. */
struct command_seen {
        const char *cmd;
        const struct exec_fact *exec;     /* NULL: the rootfs was not inspected */
};

static bool one_matches(enum cond_kind k, const char *pattern, const struct cond_input *in,
                        const struct command_seen *c, const char **seen)
{
        const char *cmd = c->cmd;

        *seen = NULL;
        switch (k) {
        case COND_COMMAND:
                *seen = cmd;
                return command_matches(pattern, cmd) ||
                       (in->args->n > 0 && cmd != in->args->v[0] && command_matches(pattern, in->args->v[0]));
        case COND_ENV:
                return kv_matches(pattern, in->env, seen);
        case COND_ANNOTATION:
                return kv_matches(pattern, in->annotations, seen);
        case COND_MOUNTED:
                for (size_t i = 0; i < in->n_mounts; i++)
                        if (strcmp(in->mounts[i], pattern) == 0)
                                return true;
                return false;
        case COND_STAGE:
                *seen = in->stage;
                return strcmp(pattern, in->stage) == 0;
        case COND_EXEC:
                /* Only an ELF executable: a script named like the program is a different program. */
                return c->exec && exec_fact_is_elf(c->exec) && fnmatch(pattern, c->exec->path, 0) == 0;
        case _COND_KIND_MAX:
                break;
        }
        return false;
}

/* What the exec condition saw, for explanations. */
static char *exec_seen(const struct cond_input *in, const struct command_seen *c)
{
        if (!c->exec)
                return xasprintf("\"%s\" not looked up (%s)", c->cmd,
                                 in->facts && in->facts->problem ? in->facts->problem : "no rootfs inspected");
        return exec_fact_describe(c->exec);
}

static char *describe(enum cond_kind k, const char *pattern, const char *seen, bool matched,
                      const struct cond_input *in, const struct command_seen *c)
{
        const char *n = cond_names[k];
        _cleanup_free_ char *x = NULL;

        switch (k) {
        case COND_EXEC:
                x = exec_seen(in, c);
                return xasprintf("exec %s %s \"%s\"", x, matched ? "matches" : "does not match", pattern);
        case COND_COMMAND:
                return xasprintf("command \"%s\" %s \"%s\"", seen, matched ? "matches" : "does not match", pattern);
        case COND_STAGE:
                return xasprintf("stage %s %s %s", seen, matched ? "is" : "is not", pattern);
        case COND_MOUNTED:
                return xasprintf("config.json %s %s", matched ? "mounts" : "does not mount", pattern);
        case COND_ENV:
        case COND_ANNOTATION:
        case _COND_KIND_MAX:
                break;
        }
        if (seen)
                return xasprintf("%s %s (value \"%s\") %s", n, pattern, seen, matched ? "matches" : "does not match");
        return xasprintf("%s %s is not set", n, pattern);
}

/* Positive kinds: COND_COMMAND and COND_STAGE need any pattern, the others all of them. */
static bool eval_pos(enum cond_kind k, const struct strv *pats, const struct cond_input *in,
                     const struct command_seen *c, char **why)
{
        bool any = k == COND_COMMAND || k == COND_STAGE || k == COND_EXEC;
        const char *seen = NULL;

        for (size_t i = 0; i < pats->n; i++) {
                bool m = one_matches(k, pats->v[i], in, c, &seen);

                if (any && m) {
                        if (why)
                                *why = describe(k, pats->v[i], seen, true, in, c);
                        return true;
                }
                if (!any && !m) {
                        if (why)
                                *why = describe(k, pats->v[i], seen, false, in, c);
                        return false;
                }
        }
        if (!why)
                return !any;
        if (k == COND_EXEC) {
                _cleanup_free_ char *list = strv_join(pats, ", "), *x = exec_seen(in, c);

                *why = xasprintf("exec %s%s none of: %s", x, c->exec && c->exec->path ? " matches" : ": matches", list);
                return false;
        }
        if (any) {
                _cleanup_free_ char *list = strv_join(pats, ", ");

                *why = xasprintf("%s \"%s\" matches none of: %s", cond_names[k],
                                 k == COND_COMMAND ? c->cmd : in->stage, list);
                return false;
        }
        {
                _cleanup_free_ char *list = strv_join(pats, ", ");

                *why = xasprintf("%s: %s %s", cond_names[k], list, k == COND_MOUNTED ? "mounted" : "hold");
        }
        return true;
}

static bool eval_neg(enum cond_kind k, const struct strv *pats, const struct cond_input *in,
                     const struct command_seen *c, char **why)
{
        const char *seen = NULL;

        for (size_t i = 0; i < pats->n; i++)
                if (one_matches(k, pats->v[i], in, c, &seen)) {
                        _cleanup_free_ char *d = NULL;

                        if (!why)
                                return false;
                        d = describe(k, pats->v[i], seen, true, in, c);
                        *why = k == COND_ENV || k == COND_ANNOTATION
                                ? xasprintf("%s_not: %s %s%s%s", cond_names[k], pats->v[i],
                                            seen ? "is set to \"" : "is set", seen ? seen : "", seen ? "\"" : "")
                                : xasprintf("%s_not: %s", cond_names[k], d);
                        return false;
                }
        if (!why)
                return true;
        if (k == COND_EXEC) {
                _cleanup_free_ char *list = strv_join(pats, ", "), *x = exec_seen(in, c);

                *why = xasprintf("exec_not: %s matches none of %s", x, list);
                return true;
        }
        {
                _cleanup_free_ char *list = strv_join(pats, ", ");

                *why = xasprintf("%s_not: none of %s %s", cond_names[k], list,
                                 k == COND_COMMAND ? "matches" : k == COND_MOUNTED ? "mounted" :
                                 k == COND_STAGE ? "is the stage" : "set");
        }
        return true;
}

/* Appends one clause to the explanation, marked when it failed. */
static void explain(struct strbuf *b, bool *first, char *clause, bool held)
{
        if (!*first)
                strbuf_puts(b, "; ");
        strbuf_puts(b, clause);
        if (!held)
                strbuf_puts(b, " (failed)");
        *first = false;
        free(clause);
}

static bool eval_bool(enum cond_bool want, bool have)
{
        return want == COND_BOOL_ANY || (want == COND_BOOL_TRUE) == have;
}

/* The "any" groups: one must hold. Explained as "any: [..] or [..]". */
static bool eval_any(const struct cond *c, const struct cond_input *in, char **why)
{
        struct strbuf b = { 0 };
        bool held = false;

        /* When one holds, it alone explains; when none does, each says why. */
        for (size_t i = 0; i < c->n_any && !held; i++) {
                _cleanup_free_ char *w = NULL;

                if ((held = cond_eval(&c->any[i], in, why ? &w : NULL)) && why)
                        *why = xasprintf("any: [%s]", w);
        }
        if (held || !why)
                return held;
        strbuf_puts(&b, "any: none of ");
        for (size_t i = 0; i < c->n_any; i++) {
                _cleanup_free_ char *w = NULL;

                (void)cond_eval(&c->any[i], in, &w);
                strbuf_puts(&b, i ? " or [" : "[");
                strbuf_puts(&b, w);
                strbuf_puts(&b, "]");
        }
        *why = strbuf_take(&b);
        return false;
}

bool cond_eval(const struct cond *c, const struct cond_input *in, char **why)
{
        _cleanup_free_ char *alloc = NULL;
        bool through_shell = c->see_through_shell != 0;
        const struct command_seen seen = {
                .cmd = cond_effective_command(in->args, through_shell, &alloc),
                .exec = !in->facts || !in->facts->inspected ? NULL :
                        through_shell ? &in->facts->shell : &in->facts->argv0,
        };
        struct strbuf f = { 0 };
        bool all = true, first = true;

        for (int k = 0; k < _COND_KIND_MAX; k++) {
                char *w = NULL;
                bool held;

                if (c->has_pos[k]) {
                        held = eval_pos((enum cond_kind)k, &c->pos[k], in, &seen, why ? &w : NULL);
                        all &= held;
                        if (why)
                                explain(&f, &first, w, held);
                }
                if (c->has_neg[k]) {
                        held = eval_neg((enum cond_kind)k, &c->neg[k], in, &seen, why ? &w : NULL);
                        all &= held;
                        if (why)
                                explain(&f, &first, w, held);
                }
        }
        if (c->root_readonly != COND_BOOL_ANY) {
                bool held = (c->root_readonly == COND_BOOL_TRUE) == in->root_readonly;

                all &= held;
                if (why)
                        explain(&f, &first, xasprintf("root_readonly: root.readonly is %s",
                                                     in->root_readonly ? "true" : "false"), held);
        }
        if (c->userns != COND_BOOL_ANY) {
                bool held = eval_bool(c->userns, in->userns);

                all &= held;
                if (why)
                        explain(&f, &first, xasprintf("userns: %s", in->userns_why ? in->userns_why :
                                                      in->userns ? "a user namespace" : "no user namespace"),
                                held);
        }
        if (c->n_any > 0) {
                char *w = NULL;
                bool held = eval_any(c, in, why ? &w : NULL);

                all &= held;
                if (why)
                        explain(&f, &first, w, held);
        }
        if (!why)
                return all;
        if (first)
                strbuf_puts(&f, "no conditions");
        *why = strbuf_take(&f);
        return all;
}

bool cond_fails_early(const struct cond *c, const struct cond_input *in)
{
        const struct command_seen none = { .cmd = "" };
        char *w = NULL;
        bool fails = false;

        if (c->has_pos[COND_STAGE]) {
                fails |= !eval_pos(COND_STAGE, &c->pos[COND_STAGE], in, &none, &w);
                free(w);
        }
        if (c->has_neg[COND_STAGE]) {
                fails |= !eval_neg(COND_STAGE, &c->neg[COND_STAGE], in, &none, &w);
                free(w);
        }
        fails |= !eval_bool(c->userns, in->userns);
        if (c->n_any > 0) {
                bool all_fail = true;

                for (size_t i = 0; i < c->n_any; i++)
                        all_fail &= cond_fails_early(&c->any[i], in);
                fails |= all_fail;
        }
        return fails;
}

bool cond_is_empty(const struct cond *c)
{
        if (c->root_readonly != COND_BOOL_ANY || c->userns != COND_BOOL_ANY || c->n_any > 0)
                return false;
        for (int k = 0; k < _COND_KIND_MAX; k++)
                if (c->has_pos[k] || c->has_neg[k])
                        return false;
        return true;
}

void cond_free(struct cond *c)
{
        for (size_t i = 0; i < c->n_any; i++)
                cond_free(&c->any[i]);
        free(c->any);
        c->any = NULL;
        c->n_any = 0;
        for (int k = 0; k < _COND_KIND_MAX; k++) {
                strv_free(&c->pos[k]);
                strv_free(&c->neg[k]);
        }
}
