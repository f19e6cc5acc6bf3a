/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Facts: what the plan's conditions need to know about the container's rootfs,
 * gathered once, read-only, before resolving (which stays pure: it takes the facts
 * as input, and the golden tests give them through a small fixture rootfs): which
 * program the container really executes, and where its mounts land.
 */

#include <stdbool.h>

#include "spec.h"
#include "userns.h"

enum exec_format {
        EXEC_FORMAT_NONE,         /* not found, or not a regular file */
        EXEC_FORMAT_ELF,          /* an ELF executable or shared object (PIE) */
        EXEC_FORMAT_SCRIPT,       /* starts with "#!" */
        EXEC_FORMAT_OTHER,
};

/* One command, as the container names it, followed to the file the kernel would run. */
struct exec_fact {
        char *command;            /* args[0], or the command behind sh -c "exec ..." */
        char *path;               /* canonical inside the rootfs, symlinks followed; NULL: not found */
        bool via_path;            /* found through process.env's PATH */
        unsigned links;           /* symlinks followed */
        bool executable;          /* a regular file with an execute bit */
        enum exec_format format;
        char *detail;             /* a script's "#!" line, or why path is NULL */
};

struct facts {
        bool inspected;           /* the rootfs could be opened */
        char *problem;            /* when not: why (e.g. a dry run on a bundle without its rootfs) */
        struct exec_fact argv0;   /* process.args[0] */
        struct exec_fact shell;   /* seen through sh -c "exec ...": the same as argv0 without a shell */
        struct strv mount_dests;  /* config.json's mount destinations, in order, where they land in the
                                     rootfs (through its symlinks: /var/run/x -> /run/x); gathered for
                                     the dry run's preview only, else empty */
        struct userns_result userns; /* set by the caller from userns_settle(); freed with the facts */
};

/*
 * Inspects spec's rootfs read-only. Never fails: what cannot be found is recorded
 * (a missing rootfs, a command not found) and conditions on it do not hold. With
 * mount_preview, also where config.json's mounts land (a few lookups per mount:
 * the dry run shows it; a hook run takes what to carry from the mount table).
 */
void facts_gather(const struct spec *spec, bool mount_preview, struct facts *f);

/* Is x an ELF executable (regular file, execute bit)? */
bool exec_fact_is_elf(const struct exec_fact *x);

/* "/sbin/init -> /usr/lib/systemd/systemd (ELF executable)", for explanations. */
char *exec_fact_describe(const struct exec_fact *x);

void facts_free(struct facts *f);
