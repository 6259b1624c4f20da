/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The one process-wide setting left on purpose: set once at start (--verbose) before any
 * thread runs, read by every module that logs, which would otherwise all take a logger. */
static log_level_t min_level = LOG_INFO;

void log_set_level(log_level_t level)
{
    min_level = level;
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if (level < min_level) return;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s %s: ", ts, names[level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void log_assert_fail(const char *cond, const char *file, int line)
{
    log_msg(LOG_ERROR, "assertion failed: %s at %s:%d (a bug: please report it)", cond, file, line);
    abort();
}
