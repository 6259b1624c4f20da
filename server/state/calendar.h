/* SPDX-License-Identifier: MIT
 * calendar: the Solar Hijri calendar (Iran's), for invoice years and fa: report periods.
 * Months 1-6 have 31 days, 7-11 have 30, Esfand (12) 29 or 30 in a leap year. Farvardin
 * 1st of year y is day 365 (y - 1) + floor((8 y + 21) / 33) - 492267 as kpi.h numbers
 * days (1 = 1970-01-01): the 33-year arithmetic rule, which ICU used for decades and which
 * agrees with the astronomical calendar from 1349 (1970) to 1502 (2123). */
#ifndef ACCORD_CALENDAR_H
#define ACCORD_CALENDAR_H

#include <stdint.h>

#define CALENDAR_PERSIAN_FIRST_YEAR 1349
#define CALENDAR_PERSIAN_LAST_YEAR 1500

/* The day number (kpi.h's: 1 = 1970-01-01) of 1 Farvardin of Solar Hijri year y. */
uint32_t calendar_persian_new_year(int y);
/* The Solar Hijri year of a Gregorian date YYYY-MM-DD; -1 if malformed or outside
 * CALENDAR_PERSIAN_FIRST_YEAR..CALENDAR_PERSIAN_LAST_YEAR. */
int calendar_persian_year(const char *date);

#endif
