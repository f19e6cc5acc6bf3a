/* SPDX-License-Identifier: MIT */
/*
 * oci-mountplan-runtime's argument handling and hook injection. The input is
 * ARGS "\0\0" CONFIG ["\0\0" HOOKCONFIG]: ARGS are the wrapper's arguments,
 * separated by NUL bytes; CONFIG is a config.json; HOOKCONFIG, when present, is
 * a --hook-config-path file. Checked, beyond "no crash": the arguments found lie
 * in argv, a bundle is found only for create and run, injection is idempotent,
 * and the rewritten config.json reads back as the same document.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "wrapper.h"

#define MAX_ARGS 64

const char fuzz_name[] = "wrapper";

static bool in_argv(const char *p, char **argv, int argc)
{
        for (int i = 0; i < argc; i++)
                if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
                        return true;
        return false;
}

static void check_args(struct wrapper *w, char **argv, int argc)
{
        if (w->runtime_argv < argv + 1 || w->runtime_argv + w->runtime_argc != argv + argc)
                abort();
        if (w->command && !in_argv(w->command, argv, argc))
                abort();
        if (w->bundle && strcmp(w->bundle, ".") != 0 && !in_argv(w->bundle, argv, argc))
                abort();
        if (w->bundle && strcmp(w->command, "create") != 0 && strcmp(w->command, "run") != 0)
                abort();
        if (w->log_path && !in_argv(w->log_path, argv, argc))
                abort();
        if (w->config && (!w->bundle || !in_argv(w->config, argv, argc)))
                abort();
}

/*
 * Splicing into the text: the same errors as parsing and injecting into the tree,
 * a change exactly when that changes something, the same document read back,
 * and nothing more to add the second time.
 */
static void check_splice(const char *text, size_t len, json_t *hooks, int r, const struct error *e, bool changed,
                         json_t *injected)
{
        _cleanup_free_ char *out = NULL, *again = NULL;
        _cleanup_json_ json_t *back = NULL;
        struct error e2 = { 0 };
        size_t out_len, again_len;

        if (wrapper_splice_hooks(text, len, hooks, "config.json", &out, &out_len, &e2) != r ||
            strcmp(e->msg, e2.msg) != 0)
                abort();
        if (r < 0)
                return;
        if (!out != !changed)
                abort();
        if (!out)
                return;
        if (json_parse_strict(out, out_len, "spliced", &back, &e2) < 0 || !json_equal(back, injected))
                abort();
        if (wrapper_splice_hooks(out, out_len, hooks, "config.json", &again, &again_len, &e2) < 0 || again)
                abort();
}

/* Injects twice: the second time must change nothing; the result must survive a dump and reload. */
static void check_injection(const char *config_text, size_t config_len, json_t *hooks)
{
        _cleanup_json_ json_t *config = NULL, *again = NULL;
        _cleanup_free_ char *dumped = NULL;
        struct error e = { 0 };
        bool changed = false;
        int r;

        if ((r = json_parse_strict(config_text, config_len, "config.json", &config, &e)) < 0 ||
            (r = wrapper_inject_hooks(config, hooks, "config.json", &changed, &e)) < 0) {
                check_splice(config_text, config_len, hooks, r, &e, false, NULL);
                return;
        }
        check_splice(config_text, config_len, hooks, 0, &e, changed, config);
        changed = false;
        if (wrapper_inject_hooks(config, hooks, "config.json", &changed, &e) < 0 || changed)
                abort();
        dumped = json_dumps(config, JSON_COMPACT);
        if (!dumped || json_parse_strict(dumped, strlen(dumped), "rewritten", &again, &e) < 0 ||
            !json_equal(config, again))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *buf = fuzz_strndup(data, size);
        const char *end = buf + size, *config = NULL, *hook_config = NULL;
        char *argv[MAX_ARGS + 2] = { (char *)"oci-mountplan-runtime" };
        _cleanup_json_ json_t *hooks = NULL;
        struct wrapper w = { .runtime_path = "runc" };
        struct error e = { 0 };
        int argc = 1;

        /* ARGS: NUL-separated strings up to an empty one (the "\0\0"). */
        for (char *p = buf; p < end; p += strlen(p) + 1) {
                if (!*p) {
                        config = p + 1;
                        break;
                }
                if (argc == MAX_ARGS + 1)
                        return -1;
                argv[argc++] = p;
        }
        argv[argc] = NULL;
        if (config) {
                const char *sep = memmem(config, (size_t)(end - config), "\0\0", 2);

                if (sep)
                        hook_config = sep + 2;
                else
                        sep = end;
                if (wrapper_parse_flags(argc, argv, &w, &e) < 0)
                        return 0;
                if (wrapper_parse_runtime_args(&w, &e) < 0)
                        return 0;
                check_args(&w, argv, argc);
                if (hook_config && wrapper_parse_hook_config(hook_config, (size_t)(end - hook_config), "hooks.json",
                                                             &hooks, &e) < 0)
                        return 0;
                if (!hooks)
                        hooks = wrapper_default_hooks(&w);
                check_injection(config, (size_t)(sep - config), hooks);
        } else if (wrapper_parse_flags(argc, argv, &w, &e) == 0 && wrapper_parse_runtime_args(&w, &e) == 0) {
                check_args(&w, argv, argc);
        }
        return 0;
}
