/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <string.h>

#define LOG_NONE (-1)

static int max_level = LOG_NONE;

bool log_parse_level(const char *name, int *level)
{
        static const struct { const char *name; int level; } levels[] = {
                { "none", LOG_NONE }, { "err", LOG_ERR }, { "warning", LOG_WARNING },
                { "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
        };

        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                if (strcmp(name, levels[i].name) == 0) {
                        *level = levels[i].level;
                        return true;
                }
        return false;
}

void log_open(int level)
{
        max_level = level;
        if (level == LOG_NONE)
                return;
        /* Connect now, before the hook enters the container's namespaces. */
        openlog("oci-mountplan", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

bool log_enabled(int prio)
{
        return prio <= max_level;
}

void log_msg(int prio, const char *fmt, ...)
{
        va_list ap;

        if (!log_enabled(prio))
                return;
        va_start(ap, fmt);
        vsyslog(prio, fmt, ap);
        va_end(ap);
}
