/* SPDX-License-Identifier: MIT */
/*
 * End to end without side effects: plans + config.json + state -> resolve_plans ->
 * both --dry-run reports. The input is split at lines "%%" into
 *
 *     plan %% config.json %% state.json [%% plan %% plan ...]
 *
 * so a corpus file reads like the three inputs one after the other. A config or
 * state that does not parse is replaced by a valid default, so that most inputs
 * reach the resolver; a plan that does not load is dropped. The stage is chosen
 * by the input's length, so that a file always resolves the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "report.h"
#include "resolve.h"

FUZZ_LSAN_SUPPRESSIONS

const char fuzz_name[] = "resolve";

#define SEP "\n%%\n"
#define MAX_PARTS 6

static const char default_config[] =
        "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"/sbin/init\"], \"env\": [\"container=x\"]},"
        " \"root\": {\"path\": \"rootfs\"}, \"hostname\": \"h\","
        " \"mounts\": [{\"destination\": \"/run/x\", \"type\": \"bind\", \"source\": \"/v\"}],"
        " \"annotations\": {\"a\": \"b\"}, \"linux\": {\"namespaces\": [{\"type\": \"cgroup\"}]}}";
static const char default_state[] =
        "{\"ociVersion\": \"1.0.2\", \"id\": \"fuzz\", \"status\": \"creating\", \"pid\": 1,"
        " \"bundle\": \"/run/bundle\"}";
static const char *const stages[] = { "createContainer", "createRuntime", "prestart", "poststop" };

/* Splits text in place at SEP; returns the number of parts. */
static size_t split(char *text, size_t size, char *parts[MAX_PARTS], size_t lens[MAX_PARTS])
{
        char *p = text, *end = text + size;
        size_t n = 0;

        while (n < MAX_PARTS - 1) {
                char *s = memmem(p, (size_t)(end - p), SEP, strlen(SEP));

                if (!s)
                        break;
                *s = '\0';
                parts[n] = p;
                lens[n++] = (size_t)(s - p);
                p = s + strlen(SEP);
        }
        parts[n] = p;
        lens[n++] = (size_t)(end - p);
        return n;
}

static void report(const struct resolution *res)
{
        static FILE *devnull;

        if (!devnull)
                devnull = fopen("/dev/null", "we");
        if (!devnull)
                abort();
        report_text(devnull, res);
        (void)report_json(devnull, res);
}

static bool same_str(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What a hook run acts on is the same with and without the whys: which plans apply, the ops. */
static bool same_decisions(const struct resolution *a, const struct resolution *b)
{
        if (a->n_plans != b->n_plans || a->n_ops != b->n_ops)
                return false;
        for (size_t i = 0; i < a->n_plans; i++)
                if (a->plans[i].applies != b->plans[i].applies || a->plans[i].n_ops != b->plans[i].n_ops || b->plans[i].why)
                        return false;
        for (size_t i = 0; i < a->n_ops; i++) {
                const struct op *x = &a->ops[i], *y = &b->ops[i];

                if (x->kind != y->kind || x->skipped != y->skipped || y->why || !same_str(x->target, y->target) ||
                    !same_str(x->source, y->source) || !same_str(x->content, y->content) || x->mode != y->mode ||
                    !same_str(x->child, y->child))
                        return false;
        }
        return true;
}

/* Facts as the gatherer would give them, without a rootfs: none, an ELF or a script. */
static const struct facts *fake_facts(size_t size)
{
        static char cmd[] = "/sbin/init", elf[] = "/usr/lib/systemd/systemd", script[] = "/init",
                    shebang[] = "#!/bin/sh", problem[] = "cannot open the rootfs";
        static const struct facts f[] = {
                { .inspected = false, .problem = problem },
                { .inspected = true,
                  .argv0 = { .command = cmd, .path = elf, .executable = true, .format = EXEC_FORMAT_ELF, .links = 2 },
                  .shell = { .command = cmd, .path = elf, .executable = true, .format = EXEC_FORMAT_ELF, .links = 2 } },
                { .inspected = true,
                  .argv0 = { .command = script, .path = script, .executable = true, .format = EXEC_FORMAT_SCRIPT,
                             .detail = shebang },
                  .shell = { .command = cmd, .detail = problem } },
        };

        return size % 5 == 4 ? NULL : &f[size % 3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text, *parts[MAX_PARTS] = { 0 };
        size_t lens[MAX_PARTS] = { 0 }, n, n_plans = 0;
        struct plan plans[MAX_PARTS];
        struct spec spec;
        struct state state;
        struct resolution res;
        struct error e = { 0 };

        if (size > PLAN_MAX_BYTES)
                return -1;
        text = fuzz_strndup(data, size);
        n = split(text, size, parts, lens);
        for (size_t i = 0; i < n; i++) {
                struct diag d = { 0 };

                if (i == 1 || i == 2)
                        continue;
                if (plan_load_string(parts[i], lens[i], "fuzz.conf", &plans[n_plans], &d) == 0)
                        n_plans++;
                else
                        plan_free(&plans[n_plans]);
                diag_free(&d);
        }
        if (n < 3 || state_parse(parts[2], lens[2], "stdin", &state, &e) < 0)
                if (state_parse(default_state, strlen(default_state), "stdin", &state, &e) < 0)
                        abort();
        if (n < 2 || spec_parse(parts[1], lens[1], "config.json", state.bundle, &spec, &e) < 0)
                if (spec_parse(default_config, strlen(default_config), "config.json", state.bundle, &spec, &e) < 0)
                        abort();
        if (n_plans > 0 &&
            resolve_plans(plans, n_plans, &spec, &state, fake_facts(size), stages[size % 4], true, &res, &e) == 0) {
                struct resolution terse;
                struct error e2 = { 0 };

                (void)resolution_active_ops(&res);
                report(&res);
                /* Without explanations (a hook run): the same decisions, the same ops. */
                if (resolve_plans(plans, n_plans, &spec, &state, fake_facts(size), stages[size % 4], false, &terse,
                                  &e2) < 0 || !same_decisions(&res, &terse))
                        abort();
                resolution_free(&terse);
                resolution_free(&res);
        }
        spec_free(&spec);
        state_free(&state);
        for (size_t i = 0; i < n_plans; i++)
                plan_free(&plans[i]);
        free(text);
        return 0;
}
