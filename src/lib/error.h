/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Errors are a negative errno plus a message, carried up to main(), which prints
 * once. Nothing below main() prints or exits. The message buffer is fixed so that
 * reporting an error never needs to allocate.
 */

#include <stdarg.h>

#define ERROR_MSG_MAX 1024

struct error {
        int code;                 /* negative errno, 0 when unset */
        char msg[ERROR_MSG_MAX];
};

/* Sets the error and returns code (a negative errno). */
int error_set(struct error *e, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Like error_set, with ": strerror(-code)" appended. */
int error_setsys(struct error *e, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prefixes context ("file:line: ") to an error already set; returns its code. */
int error_wrap(struct error *e, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/*
 * For main() alone: prints "<prog>: <message>" and a newline to stderr with control
 * characters and invalid UTF-8 escaped (str_escape), the one way the programs' errors
 * leave them. Messages carry what an image, config.json or the state wrote; raw, a
 * newline in them would forge a line and an escape sequence would drive a terminal.
 */
void error_print(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Diagnostics for --validate, which reports every problem, not just the first. */
#define DIAG_MAX 64

struct diag {
        unsigned n;               /* problems seen (may exceed DIAG_MAX) */
        char *msgs[DIAG_MAX];
};

void diag_add(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_free(struct diag *d);
