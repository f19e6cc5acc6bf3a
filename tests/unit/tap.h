/* SPDX-License-Identifier: MIT */
#pragma once

/* A minimal TAP producer for the unit tests (automake's tap-driver reads it). */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) \
        tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

/* Prints one TAP line and, on failure, where it failed. */
__attribute__((format(printf, 4, 0)))
static inline bool tap_vreport(bool c, const char *file, int line, const char *fmt, va_list ap)
{
        tap_n++;
        printf("%s %d - ", c ? "ok" : "not ok", tap_n);
        vprintf(fmt, ap);
        printf("\n");
        if (!c) {
                tap_failed++;
                printf("#   failed at %s:%d\n", file, line);
        }
        /* Each line out at once: a crash or a fork must neither lose nor repeat it. */
        fflush(stdout);
        return c;
}

__attribute__((format(printf, 4, 5)))
static inline bool tap_ok(bool c, const char *file, int line, const char *fmt, ...)
{
        va_list ap;
        bool r;

        va_start(ap, fmt);
        r = tap_vreport(c, file, line, fmt, ap);
        va_end(ap);
        return r;
}

__attribute__((format(printf, 5, 6)))
static inline bool tap_is_str(const char *got, const char *want, const char *file, int line,
                              const char *fmt, ...)
{
        bool c = got && want ? strcmp(got, want) == 0 : got == want;
        va_list ap;

        va_start(ap, fmt);
        tap_vreport(c, file, line, fmt, ap);
        va_end(ap);
        if (!c)
                printf("#   got:  \"%s\"\n#   want: \"%s\"\n", got ? got : "(null)",
                       want ? want : "(null)");
        return c;
}

static inline int tap_done(void)
{
        printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}
