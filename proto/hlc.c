/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "hlc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* For tests only: ACCORD_TEST_CLOCK_OFFSET_MS moves this process's wall clock, so a test
 * can run a node whose clock is wrong (tests/integration/clock_test.sh): signed
 * milliseconds, or "@PATH" of a file holding them, read at every call, so a test can put
 * a running node's clock right. Read here and nowhere else; never set it on a real node. */
static int64_t test_clock_offset_ms(void)
{
    const char *s = getenv("ACCORD_TEST_CLOCK_OFFSET_MS");
    if (!s || !*s) return 0;
    if (*s != '@') return strtoll(s, NULL, 10);
    char buf[32] = "";
    FILE *f = fopen(s + 1, "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
        fclose(f);
    }
    return strtoll(buf, NULL, 10);
}

uint64_t hlc_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + (uint64_t)test_clock_offset_ms();
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

/* n digits at p as a number, or -1 if any is not a digit. */
static int digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

int hlc_parse_time(const char *text, uint64_t *ms)
{
    size_t n = strlen(text);
    if (n < 10 || text[4] != '-' || text[7] != '-') return -1;
    int y = digits(text, 4), mo = digits(text + 5, 2), d = digits(text + 8, 2), h = 0, mi = 0, sec = 0, milli = 0;
    long offset_s = 0;
    const char *p = text + 10;
    if (*p == 'T' || *p == 't') { /* RFC 3339 5.6: "T" and "Z" may be lower case */
        if (strlen(p) < 7 || p[3] != ':' || (h = digits(p + 1, 2)) < 0 || (mi = digits(p + 4, 2)) < 0) return -1;
        p += 6;
        if (*p == ':') {
            if ((sec = digits(p + 1, 2)) < 0) return -1;
            p += 3;
            if (*p == '.') { /* a fraction of any length: its milliseconds */
                int k = 0;
                for (p++; *p >= '0' && *p <= '9'; p++, k++)
                    if (k < 3) milli = milli * 10 + (*p - '0');
                if (!k) return -1;
                for (; k < 3; k++) milli *= 10;
            }
        }
        if (*p == 'Z' || *p == 'z') p++;
        else if (*p == '+' || *p == '-' || *p == ' ') { /* an offset; ' ' is a '+' a query string decoded */
            int oh, om;
            if (strlen(p) != 6 || p[3] != ':' || (oh = digits(p + 1, 2)) < 0 || (om = digits(p + 4, 2)) < 0 || oh > 23 || om > 59)
                return -1;
            offset_s = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
            p += 6;
        } else return -1;
    }
    if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    time_t s = timegm(&tm);
    if (s < 0 || tm.tm_mday != d || s - offset_s < 0) return -1; /* 2026-02-30 came out as March */
    *ms = (uint64_t)(s - offset_s) * 1000 + (uint64_t)milli;
    return 0;
}
