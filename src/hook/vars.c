/* SPDX-License-Identifier: MIT */
#include "vars.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

enum var_arg { VAR_PLAIN, VAR_WITH_NAME };

struct var_def {
        const char *name;
        enum var_arg arg;
};

static const struct var_def var_table[] = {
        { "id",          VAR_PLAIN },
        { "machine_id",  VAR_PLAIN },
        { "bundle",      VAR_PLAIN },
        { "rootfs",      VAR_PLAIN },
        { "hostname",    VAR_PLAIN },
        { "pid",         VAR_PLAIN },
        { "stage",       VAR_PLAIN },
        { "host_uid",    VAR_PLAIN },
        { "host_gid",    VAR_PLAIN },
        { "mount_label", VAR_PLAIN },
        { "env",         VAR_WITH_NAME },
        { "annotation",  VAR_WITH_NAME },
};

static const struct var_def *var_lookup(const char *name, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(var_table); i++)
                if (strlen(var_table[i].name) == len && memcmp(var_table[i].name, name, len) == 0)
                        return &var_table[i];
        return NULL;
}

static const char *var_value(const struct var_def *def, const char *arg,
                             const struct var_ctx *ctx, char pidbuf[16])
{
        const char *v = NULL;

        if (strcmp(def->name, "id") == 0)
                v = ctx->id;
        else if (strcmp(def->name, "machine_id") == 0)
                v = ctx->machine_id;
        else if (strcmp(def->name, "bundle") == 0)
                v = ctx->bundle;
        else if (strcmp(def->name, "rootfs") == 0)
                v = ctx->rootfs;
        else if (strcmp(def->name, "hostname") == 0)
                v = ctx->hostname;
        else if (strcmp(def->name, "stage") == 0)
                v = ctx->stage;
        else if (strcmp(def->name, "pid") == 0) {
                snprintf(pidbuf, 16, "%d", ctx->pid);
                v = pidbuf;
        } else if (strcmp(def->name, "host_uid") == 0 || strcmp(def->name, "host_gid") == 0) {
                snprintf(pidbuf, 16, "%u", def->name[5] == 'u' ? ctx->host_uid : ctx->host_gid);
                v = pidbuf;
        } else if (strcmp(def->name, "mount_label") == 0)
                v = ctx->mount_label;
        else if (strcmp(def->name, "env") == 0)
                v = ctx->env ? kvlist_get(ctx->env, arg) : NULL;
        else if (strcmp(def->name, "annotation") == 0)
                v = ctx->annotations ? kvlist_get(ctx->annotations, arg) : NULL;
        return v ? v : "";
}

/* Parses "${...}" at p; on success sets *def, the argument and the end. */
static int var_parse(const char *p, const struct var_def **def, char *arg, size_t argsz,
                     const char **end, struct error *e)
{
        const char *close = strchr(p + 2, '}');
        const char *name = p + 2, *colon;
        size_t len;

        if (!close)
                return error_set(e, -EINVAL, "unterminated variable \"%.20s\"", p);
        colon = memchr(name, ':', (size_t)(close - name));
        len = (size_t)((colon ? colon : close) - name);
        *def = var_lookup(name, len);
        if (!*def)
                return error_set(e, -EINVAL, "unknown variable \"${%.*s}\"",
                                 (int)(close - name), name);
        if ((*def)->arg == VAR_WITH_NAME) {
                size_t alen;

                if (!colon || colon + 1 == close)
                        return error_set(e, -EINVAL, "variable \"${%.*s}\" needs a name, as in ${%s:NAME}",
                                         (int)(close - name), name, (*def)->name);
                alen = (size_t)(close - colon - 1);
                if (alen >= argsz)
                        return error_set(e, -EINVAL, "variable name too long");
                memcpy(arg, colon + 1, alen);
                arg[alen] = '\0';
        } else if (colon)
                return error_set(e, -EINVAL, "variable \"${%s}\" takes no argument", (*def)->name);
        *end = close + 1;
        return 0;
}

static int vars_walk(const char *tmpl, const struct var_ctx *ctx, char **out, struct error *e)
{
        struct strbuf b = { 0 }, *f = ctx ? &b : NULL;
        int r = 0;

        for (const char *p = tmpl; *p; ) {
                const struct var_def *def = NULL;
                char arg[256], pidbuf[16];

                if (*p != '$') {
                        /* The text up to the next '$' in one piece. */
                        const char *dollar = strchrnul(p, '$');

                        if (f)
                                strbuf_add(f, p, (size_t)(dollar - p));
                        p = dollar;
                        continue;
                }
                if (p[1] == '$') {
                        if (f)
                                strbuf_putc(f, '$');
                        p += 2;
                        continue;
                }
                if (p[1] != '{') {
                        r = error_set(e, -EINVAL, "stray '$' (write $$ for a literal $)");
                        break;
                }
                r = var_parse(p, &def, arg, sizeof(arg), &p, e);
                if (r < 0)
                        break;
                if (f)
                        strbuf_puts(f, var_value(def, arg, ctx, pidbuf));
        }
        if (f && r < 0)
                free(b.s);
        else if (f)
                *out = strbuf_take(f);
        return r;
}

int vars_check(const char *tmpl, struct error *e)
{
        return vars_walk(tmpl, NULL, NULL, e);
}

int vars_expand(const char *tmpl, const struct var_ctx *ctx, char **out, struct error *e)
{
        return vars_walk(tmpl, ctx, out, e);
}

static bool take_hex_prefix(const char *id, char out[33])
{
        bool nonzero = false;

        for (int i = 0; i < 32; i++) {
                if (!isxdigit((unsigned char)id[i]))
                        return false;
                out[i] = (char)tolower((unsigned char)id[i]);
                nonzero |= out[i] != '0';
        }
        out[32] = '\0';
        return nonzero;
}

const char *machine_id_from_container_id(const char *id, char out[33])
{
        /* FNV-1a, 128-bit: stable across builds and machines, no crypto library needed. */
        const unsigned __int128 prime = ((unsigned __int128)1 << 88) + 0x13b;
        unsigned __int128 h = ((unsigned __int128)0x6c62272e07bb0142ULL << 64) | 0x62b821756295c58dULL;
        unsigned char b[16];

        if (take_hex_prefix(id, out))
                return "the container id's first 32 hex digits";
        for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
                h ^= *p;
                h *= prime;
        }
        for (int i = 0; i < 16; i++)
                b[i] = (unsigned char)(h >> (8 * (15 - i)));
        b[6] = (b[6] & 0x0f) | 0x40;            /* version 4, as systemd makes random ids */
        b[8] = (b[8] & 0x3f) | 0x80;            /* RFC 4122 variant */
        for (int i = 0; i < 16; i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
        return "a hash of the container id";
}
