/* SPDX-License-Identifier: MIT */
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "action.h"
#include "cfgtree.h"
#include "cgroup.h"
#include "mountopt.h"
#include "vars.h"

/* Context for one file being loaded: where problems are reported. */
struct loader {
        const char *file;
        struct diag *d;
};

#define problem(L, line, fmt, ...) diag_add((L)->d, "%s:%d: " fmt, (L)->file, (line), ##__VA_ARGS__)

static const char *setting_type_name(int type)
{
        switch (type) {
        case CFG_GROUP: return "a group";
        case CFG_INT:
        case CFG_INT64: return "an integer";
        case CFG_FLOAT: return "a number";
        case CFG_STRING: return "a string";
        case CFG_BOOL: return "a boolean";
        case CFG_ARRAY: return "an array";
        case CFG_LIST: return "a list";
        default: return "a value";
        }
}

static int line_of(const struct cfg *s)
{
        return s->line;
}

/* Gets a string, or says what was wrong with the setting; NULL on a problem. */
static const char *want_string(struct loader *L, const struct cfg *s)
{
        if (s->type != CFG_STRING) {
                problem(L, line_of(s), "%s must be a string, not %s",
                        s->name, setting_type_name(s->type));
                return NULL;
        }
        return s->v.s;
}

static bool check_template(struct loader *L, const struct cfg *s, const char *v)
{
        struct error e = { 0 };

        if (vars_check(v, &e) < 0) {
                problem(L, line_of(s), "%s: %s", s->name, e.msg);
                return false;
        }
        return true;
}

/* A path template must be absolute and normalized as written (variables aside). */
static bool check_path(struct loader *L, const struct cfg *s, const char *v)
{
        if (!check_template(L, s, v))
                return false;
        if (strcmp(v, "/") == 0) {
                problem(L, line_of(s), "%s \"/\" would cover the whole container", s->name);
                return false;
        }
        if (!path_is_normalized_absolute(v)) {
                problem(L, line_of(s), "%s \"%s\" must be an absolute path without \".\", \"..\" or "
                        "empty components", s->name, v);
                return false;
        }
        return true;
}

static bool parse_options_field(struct loader *L, const struct cfg *s, const char *v, enum mountopt_for k)
{
        const struct var_ctx none = { 0 };
        _cleanup_free_ char *text = NULL;
        struct mountopt m;
        struct error e = { 0 };

        /* Variables are checked by name here; the options' shape with them empty or 0. */
        if (vars_check(v, &e) < 0 || vars_expand(v, &none, &text, &e) < 0 || mountopt_parse(text, k, &m, &e) < 0) {
                problem(L, line_of(s), "%s: %s", s->name, e.msg);
                return false;
        }
        mountopt_free(&m);
        return true;
}

static bool parse_when(struct loader *L, const struct cfg *s, struct cond *c);

/* Writes a FIELD_ENUM's value: the index of its name in the field's table. */
static bool parse_enum_field(struct loader *L, const struct field *f, const struct cfg *s, const char *v,
                             unsigned *out)
{
        for (unsigned i = 0; i < f->n_values; i++)
                if (f->values[i] && strcmp(v, f->values[i]) == 0) {
                        *out = i;
                        return true;
                }
        problem(L, line_of(s), "%s: unknown value \"%s\"", s->name, v);
        return false;
}

/* A string field's value checked by its type; false when it was reported. */
static bool check_string_field(struct loader *L, const struct field *f, const struct cfg *s, const char *v)
{
        switch (f->type) {
        case FIELD_PATH:
        case FIELD_SOURCE:
                return check_path(L, s, v);
        case FIELD_TEXT:
                return check_template(L, s, v);
        case FIELD_TMPFS_OPTIONS:
        case FIELD_BIND_OPTIONS:
                return parse_options_field(L, s, v, f->type == FIELD_TMPFS_OPTIONS ? MOUNTOPT_TMPFS : MOUNTOPT_BIND);
        case FIELD_CGROUP_CHILD:
                if (!cgroup_child_name_ok(v)) {
                        problem(L, line_of(s), "child \"%s\" must be one name of letters, digits, \"-_.@\", "
                                "not starting with \"cgroup.\"", v);
                        return false;
                }
                return true;
        case FIELD_NAME:
        case FIELD_BOOL:
        case FIELD_MODE:
        case FIELD_ENUM:
        case FIELD_WHEN:
                return true;
        }
        return true;
}

static bool parse_field(struct loader *L, const struct field *f, const struct cfg *s, struct action *a)
{
        void *field = (char *)a + f->offset;
        const char *v;

        if (f->type == FIELD_WHEN)
                return parse_when(L, s, field);
        if (f->type == FIELD_BOOL) {
                if (s->type != CFG_BOOL) {
                        problem(L, line_of(s), "%s must be true or false", f->key);
                        return false;
                }
                *(bool *)field = s->v.b;
                return true;
        }
        if (f->type == FIELD_MODE && s->type != CFG_STRING) {
                problem(L, line_of(s), "mode must be an octal string such as \"0755\"");
                return false;
        }
        v = want_string(L, s);
        if (!v)
                return false;
        if (f->type == FIELD_MODE) {
                if (parse_mode(v, field) < 0) {
                        problem(L, line_of(s), "mode \"%s\" must be octal, at most 7777", v);
                        return false;
                }
                return true;
        }
        if (f->type == FIELD_ENUM)
                return parse_enum_field(L, f, s, v, field);
        if (!check_string_field(L, f, s, v))
                return false;
        free(*(char **)field);
        *(char **)field = xstrdup(v);
        return true;
}

static const struct field *find_field(const struct field *fields, const char *key)
{
        for (const struct field *f = fields; f->key; f++)
                if (strcmp(f->key, key) == 0)
                        return f;
        return NULL;
}

/* A condition's patterns: one string or an array/list of strings. */
static bool parse_patterns(struct loader *L, const struct cfg *s, enum cond_kind kind, struct strv *out)
{
        bool scalar = !cfg_is_aggregate(s);
        bool ok = true;

        if (s->type == CFG_GROUP || (!cfg_is_aggregate(s) &&
                                                            s->type != CFG_STRING)) {
                problem(L, line_of(s), "%s must be a string or a list of strings",
                        s->name);
                return false;
        }
        for (const struct cfg *e = scalar ? s : s->first; e; e = scalar ? NULL : e->next) {
                const char *v = e->type == CFG_STRING ? e->v.s : NULL;
                const char *why;

                if (!v) {
                        problem(L, line_of(e), "%s: every pattern must be a string",
                                s->name);
                        ok = false;
                        continue;
                }
                why = cond_pattern_problem(kind, v);
                if (why) {
                        problem(L, line_of(e), "%s: \"%s\": %s", s->name, v, why);
                        ok = false;
                        continue;
                }
                strv_push_copy(out, v);
        }
        return ok;
}

static bool parse_cond_bool(struct loader *L, const struct cfg *k, enum cond_bool *out)
{
        if (k->type != CFG_BOOL) {
                problem(L, line_of(k), "%s must be true or false", k->name);
                return false;
        }
        *out = k->v.b ? COND_BOOL_TRUE : COND_BOOL_FALSE;
        return true;
}

static bool parse_when_in(struct loader *L, const struct cfg *s, struct cond *c, bool nested);

/* any = ( { ... }, { ... } ): one of the groups must hold. One level deep. */
static bool parse_any(struct loader *L, const struct cfg *k, struct cond *c, bool nested)
{
        int n = k->n;
        bool ok = true;

        if (nested) {
                problem(L, line_of(k), "any cannot be nested in any");
                return false;
        }
        if (k->type != CFG_LIST || n == 0) {
                problem(L, line_of(k), "any must be a list of groups ( { ... }, { ... } )");
                return false;
        }
        c->any = xcalloc((size_t)n, sizeof(*c->any));
        for (const struct cfg *g = k->first; g; g = g->next) {
                c->any[c->n_any].see_through_shell = -1;
                ok &= parse_when_in(L, g, &c->any[c->n_any], true);
                c->n_any++;
        }
        return ok;
}

static bool parse_when(struct loader *L, const struct cfg *s, struct cond *c)
{
        return parse_when_in(L, s, c, false);
}

static bool parse_when_in(struct loader *L, const struct cfg *s, struct cond *c, bool nested)
{
        bool ok = true;

        if (s->type != CFG_GROUP) {
                problem(L, line_of(s), "when must be a group { ... }");
                return false;
        }
        for (const struct cfg *k = s->first; k; k = k->next) {
                const char *key = k->name;
                enum cond_kind kind;
                bool neg;

                if (strcmp(key, "shell") == 0) {
                        if (k->type != CFG_BOOL) {
                                problem(L, line_of(k), "shell must be true or false");
                                ok = false;
                        } else
                                c->see_through_shell = k->v.b;
                        continue;
                }
                if (strcmp(key, "root_readonly") == 0 || strcmp(key, "userns") == 0) {
                        ok &= parse_cond_bool(L, k, key[0] == 'r' ? &c->root_readonly : &c->userns);
                        continue;
                }
                if (strcmp(key, "any") == 0) {
                        ok &= parse_any(L, k, c, nested);
                        continue;
                }
                if (!cond_kind_from_key(key, &kind, &neg)) {
                        problem(L, line_of(k), "unknown condition \"%s\"", key);
                        ok = false;
                        continue;
                }
                if (neg)
                        c->has_neg[kind] = true;
                else
                        c->has_pos[kind] = true;
                ok &= parse_patterns(L, k, kind, neg ? &c->neg[kind] : &c->pos[kind]);
        }
        return ok;
}

static bool parse_action_kind(struct loader *L, const struct cfg *s, enum action_kind *kind)
{
        const struct cfg *t = cfg_member(s, "type");
        const char *v;

        if (!t) {
                problem(L, line_of(s), "action has no type (one of %s)", action_kind_list());
                return false;
        }
        v = want_string(L, t);
        if (!v)
                return false;
        if (action_kind_from_name(v, kind))
                return true;
        problem(L, line_of(t), "unknown action \"%s\" (one of %s)", v, action_kind_list());
        return false;
}

static bool parse_action(struct loader *L, const struct cfg *s, struct action *a)
{
        const struct field *fields;
        bool ok = true;

        a->line = line_of(s);
        a->when.see_through_shell = -1;
        if (s->type != CFG_GROUP) {
                problem(L, line_of(s), "each action must be a group { type = ...; }");
                return false;
        }
        if (!parse_action_kind(L, s, &a->kind))
                return false;
        fields = action_ops_of(a->kind)->fields;
        if (action_ops_of(a->kind)->defaults)
                action_ops_of(a->kind)->defaults(a);
        for (const struct cfg *k = s->first; k; k = k->next) {
                const char *key = k->name;
                const struct field *f;

                if (strcmp(key, "type") == 0)
                        continue;
                f = find_field(fields, key);
                if (!f) {
                        problem(L, line_of(k), "unknown key \"%s\" for action %s", key,
                                action_kind_name(a->kind));
                        ok = false;
                        continue;
                }
                ok &= parse_field(L, f, k, a);
        }
        for (const struct field *f = fields; f->key; f++)
                if (f->required && !cfg_member(s, f->key)) {
                        problem(L, a->line, "action %s needs \"%s\"",
                                action_kind_name(a->kind), f->key);
                        ok = false;
                }
        return ok;
}

static bool parse_actions(struct loader *L, const struct cfg *s, struct plan *p)
{
        int n;
        bool ok = true;

        if (s->type != CFG_LIST) {
                problem(L, line_of(s), "actions must be a list ( {...}, {...} )");
                return false;
        }
        n = s->n;
        p->actions = xcalloc((size_t)n + 1, sizeof(*p->actions));
        for (const struct cfg *a = s->first; a; a = a->next) {
                ok &= parse_action(L, a, &p->actions[p->n_actions]);
                p->n_actions++;
        }
        return ok;
}

static bool parse_version(struct loader *L, const struct cfg *s, struct plan *p)
{
        int t = s->type;

        if (t != CFG_INT && t != CFG_INT64) {
                problem(L, line_of(s), "version must be an integer");
                return false;
        }
        /* As config_setting_get_int(): 0 for a value out of int's range. */
        p->version = s->v.i < INT_MIN || s->v.i > INT_MAX ? 0 : (int)s->v.i;
        if (p->version != PLAN_FORMAT_VERSION) {
                problem(L, line_of(s), "unsupported plan format version %d (this build reads %d)", p->version, PLAN_FORMAT_VERSION);
                return false;
        }
        return true;
}

static bool parse_top(struct loader *L, const struct cfg *root, struct plan *p)
{
        bool ok = true, have_version = false, have_actions = false;

        for (const struct cfg *k = root->first; k; k = k->next) {
                const char *key = k->name;

                if (strcmp(key, "version") == 0) {
                        have_version = true;
                        ok &= parse_version(L, k, p);
                } else if (strcmp(key, "name") == 0) {
                        const char *v = want_string(L, k);

                        if (v) {
                                free(p->name);
                                p->name = xstrdup(v);
                        }
                        ok &= v != NULL;
                } else if (strcmp(key, "when") == 0) {
                        ok &= parse_when(L, k, &p->when);
                } else if (strcmp(key, "actions") == 0) {
                        have_actions = true;
                        ok &= parse_actions(L, k, p);
                } else {
                        problem(L, line_of(k), "unknown key \"%s\"", key);
                        ok = false;
                }
        }
        if (!have_version)
                problem(L, 1, "missing \"version = %d;\"", PLAN_FORMAT_VERSION);
        if (!have_actions)
                problem(L, 1, "missing \"actions = ( ... );\"");
        return ok && have_version && have_actions;
}

/* libconfig would open @include files relative to the working directory: refuse them. */
static bool refuse_includes(struct loader *L, const char *text)
{
        int line = 1;

        for (const char *p = text; *p; line++) {
                const char *s = p + strspn(p, " \t");
                const char *nl = strchr(p, '\n');

                if (strncmp(s, "@include", 8) == 0) {
                        problem(L, line, "@include is not allowed in plans");
                        return false;
                }
                if (!nl)
                        break;
                p = nl + 1;
        }
        return true;
}

/* The line of text that p points into, counted from 1. */
static int line_at(const char *text, const char *p)
{
        int line = 1;

        for (const char *nl = memchr(text, '\n', (size_t)(p - text)); nl;
             nl = memchr(nl + 1, '\n', (size_t)(p - nl - 1)))
                line++;
        return line;
}

/*
 * libconfig reads "\x00" in a string as a NUL that silently ends it ("a\x00b" is
 * read as "a"), so the plan would say one thing and do another: refused wherever it
 * is written. "\\" is an escaped backslash, as in libconfig's strings.
 */
static bool refuse_nul_escapes(struct loader *L, const char *text)
{
        for (const char *p = strchr(text, '\\'); p; p = strchr(p, '\\')) {
                if (p[1] == '\\') {
                        p += 2;
                        continue;
                }
                if ((p[1] == 'x' || p[1] == 'X') && p[2] == '0' && p[3] == '0') {
                        problem(L, line_at(text, p), "\\x00 (a NUL byte) is not allowed: it would end the string there");
                        return false;
                }
                p++;
        }
        return true;
}

static char *plan_default_name(const char *path)
{
        const char *b = strrchr(path, '/');
        const char *dot;

        b = b ? b + 1 : path;
        dot = strrchr(b, '.');
        return dot && dot != b ? xstrndup(b, (size_t)(dot - b)) : xstrdup(b);
}

int plan_load_string(const char *text, size_t len, const char *path, struct plan *p, struct diag *d)
{
        struct loader L = { .file = path, .d = d };
        unsigned before = d->n;
        struct cfg_doc doc;

        memset(p, 0, sizeof(*p));
        p->file = xstrdup(path);
        p->when.see_through_shell = -1;
        if (strlen(text) != len) {
                problem(&L, 1, "contains a NUL byte");
                return -EINVAL;
        }
        if (!refuse_includes(&L, text) || !refuse_nul_escapes(&L, text))
                return -EINVAL;
        if (cfg_parse(text, len, &doc) < 0) {
                problem(&L, doc.error_line, "%s", doc.error);
                cfg_doc_free(&doc);
                return -EINVAL;
        }
        parse_top(&L, doc.root, p);
        cfg_doc_free(&doc);
        if (!p->name)
                p->name = plan_default_name(path);
        return d->n > before ? -EINVAL : 0;
}

int plan_load(const char *path, struct plan *p, struct diag *d)
{
        _cleanup_free_ char *text = NULL;
        struct error e = { 0 };
        size_t len = 0;

        memset(p, 0, sizeof(*p));
        if (read_file_capped(AT_FDCWD, path, PLAN_MAX_BYTES, &text, &len, &e) < 0) {
                diag_add(d, "%s", e.msg);
                p->file = xstrdup(path);
                return e.code;
        }
        return plan_load_string(text, len, path, p, d);
}

static void action_free(struct action *a)
{
        free(a->name);
        cond_free(&a->when);
        free(a->target);
        free(a->source);
        free(a->options);
        free(a->content);
        free(a->child);
}

void plan_free(struct plan *p)
{
        for (size_t i = 0; i < p->n_actions; i++)
                action_free(&p->actions[i]);
        free(p->actions);
        cond_free(&p->when);
        free(p->file);
        free(p->name);
        memset(p, 0, sizeof(*p));
}
