/* SPDX-License-Identifier: MIT
 * log: one-line messages on stderr with a UTC time stamp, for the node and the tools. */
#ifndef ACCORD_LOG_H
#define ACCORD_LOG_H

#include <stdint.h>

#if defined(__GNUC__)
#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LOG_PRINTF(a, b)
#endif

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

void log_set_level(log_level_t level);
void log_msg(log_level_t level, const char *fmt, ...) LOG_PRINTF(2, 3);
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A bound on one kind of message from one source (a peer's malformed frames, its ACKs that
 * answer nothing, refused HELLOs...), so that a flood of bad input cannot fill the disk
 * with log lines: at most LOG_LIMIT_LINES lines per LOG_LIMIT_WINDOW_MS; the rest are
 * counted, and once the window is over one line says how many were suppressed and
 * quotes the last. The caller holds one per kind and source (a flood from one peer does
 * not hide another's); zeroed, it is ready. */
#define LOG_LIMIT_LINES 10
#define LOG_LIMIT_WINDOW_MS 10000
typedef struct {
    uint64_t window_start_ms; /* when the current window began; 0: none began */
    uint32_t written;         /* lines written in the current window */
    uint64_t suppressed;      /* lines not written since the last summary */
    char last[200];           /* the last suppressed line, for the summary */
} log_limit_t;

/* log_msg through l, at now_ms (any millisecond clock that does not go back much): writes
 * the line if the window allows it, else counts it. Before that, a window that ended
 * with lines suppressed is summed up in one line. */
void log_limited(log_limit_t *l, uint64_t now_ms, log_level_t level, const char *fmt, ...) LOG_PRINTF(4, 5);
/* Writes the summary of a window that is over and suppressed lines (one line, or none);
 * for a timer, so the count is written even when the flood stops. */
void log_limit_flush(log_limit_t *l, uint64_t now_ms);

/* Checks a condition that only a bug can break, in every build: logs file:line, aborts.
 * Never for input from a peer, a file or a user; those get an error code. */
#define ACCORD_ASSERT(cond)                                                              \
    do {                                                                                 \
        if (!(cond)) log_assert_fail(#cond, __FILE__, __LINE__);                         \
    } while (0)
void log_assert_fail(const char *cond, const char *file, int line) __attribute__((noreturn));
/* The same for checks too costly for release builds: only where NDEBUG is not defined. */
#ifdef NDEBUG
#define ACCORD_DASSERT(cond) ((void)0)
#else
#define ACCORD_DASSERT(cond) ACCORD_ASSERT(cond)
#endif

#endif
