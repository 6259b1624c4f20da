/* SPDX-License-Identifier: MIT */
#include "state/calendar.h"
#include "state/kpi.h"

#include <string.h>

uint32_t calendar_persian_new_year(int y)
{
    return (uint32_t)(365 * (y - 1) + (8 * y + 21) / 33 - 492267);
}

int calendar_persian_year(const char *date)
{
    uint32_t day = kpi_day_of_date(date, strlen(date));
    if (!day) return -1;
    for (int y = CALENDAR_PERSIAN_FIRST_YEAR; y <= CALENDAR_PERSIAN_LAST_YEAR; y++)
        if (day >= calendar_persian_new_year(y) && day < calendar_persian_new_year(y + 1)) return y;
    return -1;
}
