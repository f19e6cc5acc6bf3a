/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

#define LOG_NONE (-1)

static int max_level = LOG_NONE;
static int log_fd = -1;

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

/*
 * A minimal syslog client instead of syslog(3): glibc's tries to reconnect on every
 * message when there is no socket, and reads /etc/localtime for a timestamp that
 * journald and rsyslog replace anyway. Connected once, before the hook enters the
 * container's namespaces; no socket means no log.
 */
void log_open(int level)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };

        max_level = level;
        if (level == LOG_NONE)
                return;
        log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (log_fd < 0)
                return;
        if (connect(log_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
                close(log_fd);
                log_fd = -1;
        }
}

bool log_enabled(int prio)
{
        return log_fd >= 0 && prio <= max_level;
}

/*
 * Every message is escaped here (str_escape), where it leaves: what a container
 * names reaches the log, and a newline in it would start a forged log line.
 */
void log_msg(int prio, const char *fmt, ...)
{
        char msg[4096], buf[8192];
        va_list ap;
        int n;

        if (!log_enabled(prio))
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        n = snprintf(buf, sizeof(buf), "<%d>oci-mountplan[%d]: ", LOG_DAEMON | prio, (int)getpid());
        str_escape(buf + n, sizeof(buf) - (size_t)n, msg);
        (void)!send(log_fd, buf, strlen(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
}
