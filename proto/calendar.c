/* SPDX-License-Identifier: MIT */
#include "proto/calendar.h"

#include <string.h>

static int digits_value(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int gregorian_month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : days[m - 1];
}

/* Days from 1970-01-01 of a Gregorian date from 1970 on (Howard Hinnant's days_from_civil). */
static uint32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = y / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint32_t)(era * 146097 + doe - 719468);
}

uint32_t calendar_day_of_date(const char *s, size_t len)
{
    if (len < 10 || s[4] != '-' || s[7] != '-') return 0;
    int y = digits_value(s, 4), m = digits_value(s + 5, 2), d = digits_value(s + 8, 2);
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > gregorian_month_days(y, m)) return 0;
    return days_from_civil(y, m, d) + 1;
}

uint32_t calendar_persian_new_year(int y)
{
    return (uint32_t)(365 * (y - 1) + (8 * y + 21) / 33 - 492267);
}

uint32_t calendar_persian_month_start(int y, int m)
{
    return calendar_persian_new_year(y) + (uint32_t)(m <= 7 ? 31 * (m - 1) : 186 + 30 * (m - 7));
}

uint32_t calendar_persian_month_days(int y, int m)
{
    return m <= 6 ? 31 : m <= 11 ? 30 : calendar_persian_new_year(y + 1) - calendar_persian_month_start(y, 12);
}

int calendar_persian_of_day(uint32_t day, int *y, int *m, int *d)
{
    for (int year = CALENDAR_PERSIAN_FIRST_YEAR; year <= CALENDAR_PERSIAN_LAST_YEAR; year++) {
        if (day < calendar_persian_new_year(year) || day >= calendar_persian_new_year(year + 1)) continue;
        int month = 12;
        while (month > 1 && day < calendar_persian_month_start(year, month)) month--;
        *y = year, *m = month;
        *d = (int)(day - calendar_persian_month_start(year, month)) + 1;
        return 0;
    }
    return -1;
}

int calendar_persian_year(const char *date)
{
    int y, m, d;
    uint32_t day = calendar_day_of_date(date, strlen(date));
    return day && !calendar_persian_of_day(day, &y, &m, &d) ? y : -1;
}
