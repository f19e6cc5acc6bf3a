/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The hook's log: syslog (journald picks it up), where admins look for what a hook
 * did to a container. Errors also go to stderr, from main(), where runc, crun and
 * Docker show them. Without a syslog socket logging is silently off: a hook must
 * not fail or wait because of its log.
 */

#include <stdbool.h>
#include <syslog.h>

/* "err", "warning", "notice", "info", "debug" or "none"; false when unknown. */
bool log_parse_level(const char *name, int *level);

void log_open(int level);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool log_enabled(int prio);
