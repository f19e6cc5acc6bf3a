/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Entering the container before acting on it: its cgroup and mount namespaces for
 * the stages that run in the runtime's (prestart, createRuntime), and the facts
 * about its cgroup, checked against config.json.
 */

#include "cgroup.h"
#include "resolve.h"

int nsenter_container(const struct resolution *r, const struct spec *spec, const struct state *state,
                      struct cgroup_facts *cg, struct error *e);
