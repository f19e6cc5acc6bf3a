/* SPDX-License-Identifier: MIT */
#include "exec.h"

#include <errno.h>

int exec_resolution(const struct resolution *r, const struct spec *spec, const struct state *state,
                    struct error *e)
{
        (void)spec;
        (void)state;
        if (resolution_active_ops(r) == 0)
                return 0;
        return error_set(e, -ENOSYS, "performing plans is not implemented yet");
}
