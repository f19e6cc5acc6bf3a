/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Executing a resolution: the only code that mounts and writes. Every path inside
 * the rootfs goes through the rootfs resolver; on failure the operations already
 * done are undone in reverse order.
 */

#include "resolve.h"

int exec_resolution(const struct resolution *r, const struct spec *spec, const struct state *state,
                    struct error *e);
