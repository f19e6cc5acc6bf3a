/* SPDX-License-Identifier: MIT */
#pragma once

/* The OCI state a runtime writes to a hook's stdin. */

#include "error.h"
#include "util.h"

#define STATE_MAX_BYTES (1024 * 1024)

/* ociVersion and status are checked to be strings, not kept: nothing decides on them. */
struct state {
        char *id;
        int pid;                  /* 0 when absent (crun's createContainer) */
        char *bundle;             /* absolute */
        struct kvlist annotations;
};

/* Parses the state JSON; what names the input in messages ("stdin"). */
int state_parse(const char *buf, size_t len, const char *what, struct state *s, struct error *e);
void state_free(struct state *s);

/* The id ends up in paths and file contents: only what runc allows, [A-Za-z0-9_.+-]. */
bool state_id_is_sane(const char *id);
