/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Plan directories, in the way admins know from systemd: the shipped plans in
 * $(datadir)/oci-mountplan/plans, the admin's in $(sysconfdir)/oci-mountplan/plans.d.
 * A file in a later directory replaces the one of the same name in an earlier one,
 * new names add, and the result is taken in lexical order of the names. A file that
 * is empty or a symlink to /dev/null disables the plan of that name.
 */

#include "error.h"
#include "util.h"

#define PLANDIR_MAX_FILES 256

/* Fills plans with the paths to load, from dirs in increasing priority. */
int plandir_collect(const char *const *dirs, size_t n_dirs, struct strv *plans, struct error *e);
