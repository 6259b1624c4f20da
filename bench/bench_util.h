/* SPDX-License-Identifier: MIT
 * What both benchmarks measure with: a monotonic clock and percentiles. */
#ifndef ACCORD_BENCH_UTIL_H
#define ACCORD_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-th quantile of v (sorted in place); 0 when empty. */
static inline double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n ? v[(size_t)((double)(n - 1) * p)] : 0;
}

#endif
