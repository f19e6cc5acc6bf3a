/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Executing a resolution: the only code that mounts and writes. Every path inside
 * the rootfs goes through the rootfs resolver; on failure the operations already
 * done are undone in reverse order.
 */

#include "resolve.h"

/* What became of each operation, for the log. */
enum exec_outcome {
        OUTCOME_SKIPPED,          /* its conditions did not hold */
        OUTCOME_NOT_RUN,          /* an earlier operation failed */
        OUTCOME_DONE,
        OUTCOME_ALREADY,          /* already in place (the hook ran before): nothing done */
        OUTCOME_FAILED,
        OUTCOME_UNDONE,           /* done, then rolled back after a later failure */
};

const char *exec_outcome_name(enum exec_outcome o);

/* outcomes has r->n_ops entries. */
int exec_resolution(const struct resolution *r, const struct spec *spec, const struct state *state,
                    enum exec_outcome *outcomes, struct error *e);
