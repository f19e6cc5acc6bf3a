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
        return tap_done();
}
