/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The libFuzzer entry point each harness defines, and the corpus name the plain
 * replay driver (replay.c) looks up when no directory is given.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "plan", "state", ...: tests/fuzz/corpus/<fuzz_name> is the seed corpus. */
extern const char fuzz_name[];

/*
 * libconfig 1.5 (Debian 12) leaks tokens its parser discards on a syntax error
 * (fixed upstream in 1.7.3, hyperrealm/libconfig#142 and #155); not ours to fix, and
 * without this every fuzzer run would stop at it within seconds. The harnesses
 * that parse plans define it.
 */
#define FUZZ_LSAN_SUPPRESSIONS \
        __attribute__((used)) const char *__lsan_default_suppressions(void); \
        __attribute__((used)) const char *__lsan_default_suppressions(void) \
        { \
                return "leak:strbuf_append\nleak:libconfig_yylex\n"; \
        }

/* The input as a NUL-terminated string (plan_load_string expects one); free() it. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}
