/* SPDX-License-Identifier: MIT
 * log: one-line messages on stderr with a UTC time stamp, for the node and the tools. */
#ifndef ACCORD_LOG_H
#define ACCORD_LOG_H

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
