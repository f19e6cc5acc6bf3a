/* SPDX-License-Identifier: MIT */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void error_vset(struct error *e, int code, const char *fmt, va_list ap)
{
        e->code = code < 0 ? code : -EINVAL;
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int error_set(struct error *e, int code, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        error_vset(e, code, fmt, ap);
        va_end(ap);
        return e->code;
}

int error_setsys(struct error *e, int code, const char *fmt, ...)
{
        va_list ap;
        size_t len;

        va_start(ap, fmt);
        error_vset(e, code, fmt, ap);
        va_end(ap);
        len = strlen(e->msg);
        snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", strerror(-e->code));
        return e->code;
}

int error_wrap(struct error *e, const char *fmt, ...)
{
        char prefix[ERROR_MSG_MAX];
        size_t plen, mlen;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        plen = strlen(prefix);
        mlen = strnlen(e->msg, sizeof(e->msg) - 1);
        if (plen > sizeof(e->msg) - 1)
                plen = sizeof(e->msg) - 1;
        if (plen + mlen > sizeof(e->msg) - 1)
                mlen = sizeof(e->msg) - 1 - plen;
        memmove(e->msg + plen, e->msg, mlen);
        memcpy(e->msg, prefix, plen);
        e->msg[plen + mlen] = '\0';
        if (e->code == 0)
                e->code = -EINVAL;
        return e->code;
}

void diag_add(struct diag *d, const char *fmt, ...)
{
        va_list ap;
        char *m = NULL;

        if (d->n < DIAG_MAX) {
                va_start(ap, fmt);
                if (vasprintf(&m, fmt, ap) < 0)
                        abort();        /* as xasprintf */
                va_end(ap);
                d->msgs[d->n] = m;
        }
        d->n++;
}

void diag_free(struct diag *d)
{
        for (unsigned i = 0; i < d->n && i < DIAG_MAX; i++) {
                free(d->msgs[i]);
                d->msgs[i] = NULL;
        }
        d->n = 0;
}

void error_print(const char *prog, const char *fmt, ...)
{
        char msg[ERROR_MSG_MAX], escaped[4 * ERROR_MSG_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        str_escape(escaped, sizeof(escaped), msg);
        fprintf(stderr, "%s: %s\n", prog, escaped);
}
