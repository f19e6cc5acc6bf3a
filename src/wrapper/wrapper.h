/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * oci-mountplan-runtime's pure part: its command line, the runtime's command
 * line it passes on (the command, the bundle, --log), the hook configuration and
 * the injection of hooks into a parsed config.json. No I/O: runtime.c reads and
 * writes the files and execs the runtime; tests/unit/test-wrapper.c and the fuzzer
 * call these directly.
 */

#include <stdbool.h>

#include "error.h"
#include "json.h"

#define MAX_PLANS 16

struct wrapper {
        const char *hook_config_path;
        const char *runtime_path;
        const char *hook_path;            /* the default hook's binary */
        const char *plans[MAX_PLANS];     /* the default hook's plans */
        size_t n_plans;
        char **runtime_argv;              /* what follows the wrapper's own flags */
        bool after_dashdash;              /* they ended with "--": nothing after is ours */
        int runtime_argc;
        const char *command;              /* create, run, start, ... */
        const char *bundle;
        const char *config;               /* crun's --config FILE, as given */
        const char *log_path;             /* the runtime's --log, for our errors too */
        const char *log_format;
};

/*
 * The wrapper's own flags (--hook-config-path, --runtime-path, --hook-path, --plan),
 * up to the first other argument or "--"; the rest is the runtime's command line.
 */
int wrapper_parse_flags(int argc, char **argv, struct wrapper *w, struct error *e);

/*
 * Finds the runtime's command and, for create and run, the bundle and crun's
 * --config, as runc (Go flags: -bundle, --bundle=DIR, -b DIR, ...) or crun (argp:
 * --bundle DIR, -bDIR, --config FILE, ...) reads them, told apart by the runtime's
 * name; for another runtime, arguments the two read differently are refused.
 * Notes --log and --log-format for errors.
 */
int wrapper_parse_runtime_args(struct wrapper *w, struct error *e);

/* The file create or run will read: <bundle>/config.json, or crun's --config FILE. */
char *wrapper_config_path(const struct wrapper *w);

/* Without a hook config: oci-mountplan as a createContainer hook, with the --plan given. */
json_t *wrapper_default_hooks(const struct wrapper *w);

/* A hook config, {"hooks": {"<stage>": [{path, args, env, timeout}]}}: checks it, returns its "hooks". */
int wrapper_parse_hook_config(const char *buf, size_t len, const char *path, json_t **out, struct error *e);

/* Adds each hook not already there (same path and args); *changed says whether config changed. */
int wrapper_inject_hooks(json_t *config, json_t *hooks, const char *what, bool *changed, struct error *e);

/*
 * config.json's text with the hooks not there yet added: spliced into the text
 * (before the closing bracket of the stage's array, of "hooks" or of the
 * document), every other byte as it was. Where the scanner is not sure of the text
 * (see jscan.h) the whole document is parsed, injected into and written out again
 * instead. The errors are those of json_parse_strict() and wrapper_inject_hooks().
 * *out (malloc'd, *out_len bytes) is NULL when nothing needs to change.
 */
int wrapper_splice_hooks(const char *buf, size_t len, json_t *hooks, const char *what, char **out, size_t *out_len,
                         struct error *e);
