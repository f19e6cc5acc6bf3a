/* SPDX-License-Identifier: MIT */
#include "mountopt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "util.h"

/*
 * The VFS options a plan may use, as a table (crun keeps one too). libmount knows
 * them as well, but linking it costs every container start a few milliseconds of
 * loader time; tests/unit/test-mountopt.c checks this table against libmount's.
 * attr is the new mount API's MOUNT_ATTR_* for the flag (mount_setattr, fsmount).
 */
static const struct flag_def {
        const char *name;
        unsigned long flag;
        bool clear;
        unsigned long long attr;
} flag_table[] = {
        { "defaults", 0, false, 0 },
        { "ro", MS_RDONLY, false, MOUNT_ATTR_RDONLY }, { "rw", MS_RDONLY, true, 0 },
        { "nosuid", MS_NOSUID, false, MOUNT_ATTR_NOSUID }, { "suid", MS_NOSUID, true, 0 },
        { "nodev", MS_NODEV, false, MOUNT_ATTR_NODEV }, { "dev", MS_NODEV, true, 0 },
        { "noexec", MS_NOEXEC, false, MOUNT_ATTR_NOEXEC }, { "exec", MS_NOEXEC, true, 0 },
        { "noatime", MS_NOATIME, false, MOUNT_ATTR_NOATIME }, { "atime", MS_NOATIME, true, 0 },
        { "nodiratime", MS_NODIRATIME, false, MOUNT_ATTR_NODIRATIME }, { "diratime", MS_NODIRATIME, true, 0 },
        { "relatime", MS_RELATIME, false, MOUNT_ATTR_RELATIME }, { "norelatime", MS_RELATIME, true, 0 },
        { "strictatime", MS_STRICTATIME, false, MOUNT_ATTR_STRICTATIME },
        { "nostrictatime", MS_STRICTATIME, true, 0 },
        { "nosymfollow", MS_NOSYMFOLLOW, false, MOUNT_ATTR_NOSYMFOLLOW }, { "symfollow", MS_NOSYMFOLLOW, true, 0 },
};

/* Options that exist but are the engine's business, or mount(8)'s, not a plan's. */
static const char *const refused[] = {
        "bind", "rbind", "remount", "move", "private", "rprivate", "shared", "rshared", "slave",
        "rslave", "unbindable", "runbindable", "sync", "dirsync", "mand", "nomand", "silent", "loud",
        "auto", "noauto", "user", "nouser", "users", "owner", "group", "nofail", "_netdev",
};

static const char *const tmpfs_keys[] = {
        "size", "nr_blocks", "nr_inodes", "mode", "uid", "gid", "huge", "mpol",
        "inode32", "inode64", "noswap",
        /* Security labels (SELinux), e.g. context="${mount_label}": the value is quoted, it has commas. */
        "context", "fscontext", "defcontext", "rootcontext",
};

ssize_t mountopt_next(const char *p)
{
        size_t len = strcspn(p, ",\"");

        /* A quoted value, key="a,b", runs to its closing quote, which must end the option. */
        if (p[len] == '"') {
                const char *close = strchr(p + len + 1, '"');

                if (len == 0 || p[len - 1] != '=' || !close || (close[1] != ',' && close[1] != '\0'))
                        return -1;
                len = (size_t)(close + 1 - p);
        }
        return (ssize_t)len;
}

static bool mountopt_value_is_empty_quote(const char *p, size_t len)
{
        return len >= 3 && memcmp(p + len - 3, "=\"\"", 3) == 0;
}

/* Is name (len bytes) word? The first byte decides most: every option is looked up twice a run. */
static bool same_word(const char *word, const char *name, size_t len)
{
        return len > 0 && word[0] == name[0] && strncmp(word, name, len) == 0 && word[len] == '\0';
}

static bool in_list(const char *name, size_t len, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (same_word(list[i], name, len))
                        return true;
        return false;
}

static const struct flag_def *flag_lookup(const char *name, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(flag_table); i++)
                if (same_word(flag_table[i].name, name, len))
                        return &flag_table[i];
        return NULL;
}

static int check_tmpfs_option(const char *opt, size_t len, struct error *e)
{
        const char *eq = memchr(opt, '=', len);
        size_t nlen = eq ? (size_t)(eq - opt) : len;
        char value[16];
        unsigned mode;

        if (!in_list(opt, nlen, tmpfs_keys, ELEMENTSOF(tmpfs_keys)))
                return error_set(e, -EINVAL, "unknown tmpfs option \"%.*s\"", (int)nlen, opt);
        if (nlen == 4 && memcmp(opt, "mode", 4) == 0) {
                size_t vlen = eq ? len - nlen - 1 : 0;

                if (vlen == 0 || vlen >= sizeof(value))
                        return error_set(e, -EINVAL, "bad tmpfs mode \"%.*s\" (octal, at most 7777)", (int)vlen,
                                         eq ? eq + 1 : "");
                memcpy(value, eq + 1, vlen);
                value[vlen] = '\0';
                if (parse_mode(value, &mode) < 0)
                        return error_set(e, -EINVAL, "bad tmpfs mode \"%s\" (octal, at most 7777)", value);
        }
        return 0;
}

int mountopt_parse(const char *optstr, enum mountopt_for kind, struct mountopt *out, struct error *e)
{
        size_t total = optstr ? strlen(optstr) : 0;
        _cleanup_free_ char *data = xmalloc(total + 1);
        size_t dlen = 0;
        unsigned long flags = 0;

        memset(out, 0, sizeof(*out));
        if (total > 4096)
                return error_set(e, -EINVAL, "mount options too long");
        for (const char *p = optstr; p && *p; ) {
                ssize_t n = mountopt_next(p);
                size_t len = n < 0 ? 0 : (size_t)n;
                const struct flag_def *f = flag_lookup(p, len);
                int r;

                if (n < 0)
                        return error_set(e, -EINVAL, "unterminated quote in mount option \"%s\"", p);
                if (len == 0)
                        return error_set(e, -EINVAL, "empty mount option in \"%s\"", optstr);
                if (mountopt_value_is_empty_quote(p, len)) {
                        /* context="" : the variable it names is empty (no label), so no option. */
                } else if (f) {
                        flags = f->clear ? flags & ~f->flag : flags | f->flag;
                } else if (in_list(p, strcspn(p, ",="), refused, ELEMENTSOF(refused)) || strncmp(p, "x-", 2) == 0) {
                        return error_set(e, -EINVAL, "mount option \"%.*s\" is not allowed in a plan", (int)len, p);
                } else if (kind == MOUNTOPT_BIND) {
                        return error_set(e, -EINVAL, "unknown bind mount option \"%.*s\"", (int)len, p);
                } else {
                        if ((r = check_tmpfs_option(p, len, e)) < 0)
                                return r;
                        if (dlen)
                                data[dlen++] = ',';
                        memcpy(data + dlen, p, len);
                        dlen += len;
                }
                p += len;
                if (*p == ',')
                        p++;
        }
        data[dlen] = '\0';
        out->flags = flags;
        out->data = TAKE_PTR(data);
        return 0;
}

void mountopt_free(struct mountopt *m)
{
        free(m->data);
        m->data = NULL;
}

char *mountopt_flags_string(unsigned long flags)
{
        char buf[256] = "";

        for (size_t i = 0; i < ELEMENTSOF(flag_table); i++)
                if (!flag_table[i].clear && flag_table[i].flag && (flags & flag_table[i].flag)) {
                        if (*buf)
                                strcat(buf, ",");
                        strcat(buf, flag_table[i].name);
                }
        return xstrdup(buf);
}

bool mountopt_flag_known(const char *name, unsigned long *flag, bool *clear)
{
        const struct flag_def *f = flag_lookup(name, strlen(name));

        if (!f)
                return false;
        *flag = f->flag;
        *clear = f->clear;
        return true;
}

unsigned long long mountopt_mount_attr(unsigned long flags)
{
        unsigned long long a = 0;

        for (size_t i = 0; i < ELEMENTSOF(flag_table); i++)
                if (!flag_table[i].clear && (flags & flag_table[i].flag))
                        a |= flag_table[i].attr;
        /* The atime modes are one field, not bits: noatime wins, then strictatime; relatime is 0. */
        if (a & MOUNT_ATTR_NOATIME)
                a &= ~(unsigned long long)MOUNT_ATTR_STRICTATIME;
        return a;
}

size_t mountopt_flag_names(const char ***names)
{
        static const char *list[ELEMENTSOF(flag_table)];

        for (size_t i = 0; i < ELEMENTSOF(flag_table); i++)
                list[i] = flag_table[i].name;
        *names = list;
        return ELEMENTSOF(flag_table);
}
