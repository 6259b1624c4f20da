/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"

#include <stdarg.h>
#include <stdbool.h>
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

static void log_vmsg(log_level_t level, const char *fmt, va_list ap) LOG_PRINTF(2, 0);
static void log_vmsg(log_level_t level, const char *fmt, va_list ap)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if (level < min_level) return;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s %s: ", ts, names[level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

void log_limit_flush(log_limit_t *l, uint64_t now_ms)
{
    /* a clock that went back also ends the window, or it could stay shut for long */
    bool over = l->window_start_ms && (now_ms < l->window_start_ms || now_ms - l->window_start_ms >= LOG_LIMIT_WINDOW_MS);
    if (!over) return;
    if (l->suppressed)
        log_msg(LOG_WARN, "suppressed %llu similar messages in the last %d s; the last: %s",
                (unsigned long long)l->suppressed, LOG_LIMIT_WINDOW_MS / 1000, l->last);
    l->window_start_ms = 0;
    l->written = 0;
    l->suppressed = 0;
}

void log_limited(log_limit_t *l, uint64_t now_ms, log_level_t level, const char *fmt, ...)
{
    if (level < min_level) return;
    log_limit_flush(l, now_ms);
    if (!l->window_start_ms) l->window_start_ms = now_ms ? now_ms : 1;
    va_list ap;
    va_start(ap, fmt);
    if (l->written < LOG_LIMIT_LINES) {
        l->written++;
        log_vmsg(level, fmt, ap);
    } else {
        l->suppressed++;
        vsnprintf(l->last, sizeof l->last, fmt, ap);
    }
    va_end(ap);
}

void log_assert_fail(const char *cond, const char *file, int line)
{
    log_msg(LOG_ERROR, "assertion failed: %s at %s:%d (a bug: please report it)", cond, file, line);
    abort();
}
