/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "hlc.h"

#include <stdio.h>
#include <time.h>

uint64_t hlc_tick(hlc_clock_t *c, uint64_t now_ms)
{
    uint64_t wall = HLC_PACK(now_ms & 0xffffffffffffULL, 0);
    /* If the counter would overflow, borrow the next millisecond: still monotonic. */
    c->last = wall > c->last ? wall : c->last + 1;
    return c->last;
}

void hlc_observe(hlc_clock_t *c, uint64_t remote)
{
    if (remote > c->last) c->last = remote;
}

uint64_t hlc_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void hlc_format(uint64_t hlc, char *out, unsigned out_len)
{
    uint64_t ms = HLC_MS(hlc);
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(out, out_len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned)(ms % 1000));
}
