/* SPDX-License-Identifier: MIT */
/*
 * The engine keeps its own table of mount flags (libmount costs every container
 * start its loader time); libmount is the reference it must agree with.
 */
#include "tap.h"
#include "mountopt.h"

#include <libmount.h>

int main(void)
{
        const char **names;
        size_t n = mountopt_flag_names(&names);

        for (size_t i = 0; i < n; i++) {
                const struct libmnt_optmap *map = mnt_get_builtin_optmap(MNT_LINUX_MAP);
                unsigned long ours = 0, theirs = 0;
                bool clear = false;

                ok(mountopt_flag_known(names[i], &ours, &clear), "%s in our table", names[i]);
                /* libmount applies "no"-options by clearing; start from all set to see them. */
                theirs = clear ? ~0UL : 0;
                ok(mnt_optstr_get_flags(names[i], &theirs, map) == 0 &&
                   (clear ? (~theirs & ours) == ours && (~theirs) == ours : theirs == ours),
                   "%s: flag %#lx%s agrees with libmount (%#lx)", names[i], ours, clear ? " cleared" : "",
                   clear ? ~theirs : theirs);
        }
        /* The new mount API's attributes come from the same table. */
        ok(mountopt_mount_attr(0) == MOUNT_ATTR_RELATIME, "no flags: relatime");
        ok(mountopt_mount_attr(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) ==
           (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC), "ro,nosuid,nodev,noexec");
        ok(mountopt_mount_attr(MS_NODIRATIME | MS_NOSYMFOLLOW) == (MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW),
           "nodiratime,nosymfollow");
        ok(mountopt_mount_attr(MS_STRICTATIME) == MOUNT_ATTR_STRICTATIME, "strictatime");
        ok(mountopt_mount_attr(MS_NOATIME | MS_STRICTATIME) == MOUNT_ATTR_NOATIME, "noatime wins over strictatime");
        return tap_done();
}
