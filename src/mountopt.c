/* SPDX-License-Identifier: MIT */
#include "mountopt.h"

#include <errno.h>
#include <libmount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "util.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* The VFS flags a plan may ask for; the rest (bind, move, remount, ...) the engine owns. */
#define ALLOWED_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | \
                       MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW)

static const struct flag_name {
        unsigned long flag;
        const char *name;
} flag_names[] = {
        { MS_RDONLY, "ro" }, { MS_NOSUID, "nosuid" }, { MS_NODEV, "nodev" },
        { MS_NOEXEC, "noexec" }, { MS_NOATIME, "noatime" }, { MS_NODIRATIME, "nodiratime" },
        { MS_RELATIME, "relatime" }, { MS_STRICTATIME, "strictatime" },
        { MS_NOSYMFOLLOW, "nosymfollow" },
};

static const char *const tmpfs_keys[] = {
        "size", "nr_blocks", "nr_inodes", "mode", "uid", "gid", "huge", "mpol",
        "inode32", "inode64", "noswap",
};

static bool tmpfs_key_known(const char *name, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(tmpfs_keys); i++)
                if (strlen(tmpfs_keys[i]) == len && memcmp(tmpfs_keys[i], name, len) == 0)
                        return true;
        return false;
}

static int check_tmpfs_data(const char *data, struct error *e)
{
        char *p = (char *)data, *name, *value;
        size_t nsz, vsz;

        while (mnt_optstr_next_option(&p, &name, &nsz, &value, &vsz) == 0) {
                if (!tmpfs_key_known(name, nsz))
                        return error_set(e, -EINVAL, "unknown tmpfs option \"%.*s\"", (int)nsz, name);
                if (nsz == 4 && memcmp(name, "mode", 4) == 0) {
                        _cleanup_free_ char *v = value ? strndup(value, vsz) : NULL;
                        unsigned mode;

                        if (!v || parse_mode(v, &mode) < 0)
                                return error_set(e, -EINVAL, "bad tmpfs mode \"%s\" (octal, at most 7777)",
                                                 v ? v : "");
                }
        }
        return 0;
}

int mountopt_parse(const char *optstr, enum mountopt_for kind, struct mountopt *out, struct error *e)
{
        _cleanup_free_ char *user = NULL, *vfs = NULL, *fs = NULL;
        unsigned long flags = 0;
        int r;

        memset(out, 0, sizeof(*out));
        if (!optstr)
                optstr = "";
        if (strlen(optstr) > 4096)
                return error_set(e, -EINVAL, "mount options too long");
        if (mnt_split_optstr(optstr, &user, &vfs, &fs, 0, 0) < 0)
                return error_set(e, -EINVAL, "cannot parse mount options \"%s\"", optstr);
        if (user && *user)
                return error_set(e, -EINVAL, "\"%s\" is not a kernel mount option", user);
        if (vfs && mnt_optstr_get_flags(vfs, &flags, mnt_get_builtin_optmap(MNT_LINUX_MAP)) < 0)
                return error_set(e, -EINVAL, "cannot parse mount options \"%s\"", vfs);
        if (flags & ~(unsigned long)ALLOWED_FLAGS)
                return error_set(e, -EINVAL, "mount options \"%s\": only ro, nosuid, nodev, noexec, "
                                 "noatime, nodiratime, relatime, strictatime, nosymfollow are allowed here", vfs);
        if (kind == MOUNTOPT_BIND && fs && *fs)
                return error_set(e, -EINVAL, "unknown bind mount option \"%s\"", fs);
        if (kind == MOUNTOPT_TMPFS && fs && (r = check_tmpfs_data(fs, e)) < 0)
                return r;
        out->flags = flags;
        out->data = xstrdup(fs ? fs : "");
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

        for (size_t i = 0; i < ELEMENTSOF(flag_names); i++)
                if (flags & flag_names[i].flag) {
                        if (*buf)
                                strcat(buf, ",");
                        strcat(buf, flag_names[i].name);
                }
        return xstrdup(buf);
}
