/* SPDX-License-Identifier: MIT
 * calendar: Gregorian dates as day numbers, and the Solar Hijri calendar (Iran's), for
 * invoice years, fa: report periods and printed dates. Pure arithmetic, in proto/ so that
 * the node and the CLI share one copy. Days are numbered as kpi.h numbers them (1 =
 * 1970-01-01). Solar Hijri months 1-6 have 31 days, 7-11 have 30, Esfand (12) 29 or 30
 * in a leap year. Farvardin 1st of year y is day 365 (y - 1) + floor((8 y + 21) / 33) -
 * 492267: the 33-year arithmetic rule, which ICU used for decades and which agrees with
 * the astronomical calendar from 1349 (1970) to 1502 (2123). */
#ifndef ACCORD_CALENDAR_H
#define ACCORD_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#define CALENDAR_PERSIAN_FIRST_YEAR 1349
#define CALENDAR_PERSIAN_LAST_YEAR 1500

/* The day number of a Gregorian date "YYYY-MM-DD" (the first 10 of len bytes); 0 if it
 * is malformed, not a real date (2026-02-30) or before 1970. */
uint32_t calendar_day_of_date(const char *s, size_t len);
/* The day number (1 = 1970-01-01) of 1 Farvardin of Solar Hijri year y. */
uint32_t calendar_persian_new_year(int y);
/* The day number of the first day of month m (1-12) of Solar Hijri year y. */
uint32_t calendar_persian_month_start(int y, int m);
/* The days in month m (1-12) of Solar Hijri year y: 31, 30, or 29/30 for Esfand. */
uint32_t calendar_persian_month_days(int y, int m);
/* The Solar Hijri year, month and day of a day number; -1 (and nothing set) when outside
 * CALENDAR_PERSIAN_FIRST_YEAR..CALENDAR_PERSIAN_LAST_YEAR, else 0. */
int calendar_persian_of_day(uint32_t day, int *y, int *m, int *d);
/* The Solar Hijri year of a Gregorian date YYYY-MM-DD; -1 if malformed or outside
 * CALENDAR_PERSIAN_FIRST_YEAR..CALENDAR_PERSIAN_LAST_YEAR. */
int calendar_persian_year(const char *date);

#endif
