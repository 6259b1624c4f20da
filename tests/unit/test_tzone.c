/* SPDX-License-Identifier: MIT
 * tzone: local days in a named zone, with the process's TZ left alone. */
#include "helpers.h"

#include "proto/accord_err.h"
#include "state/tzone.h"

#include <time.h>

/* ms of a UTC date and time */
static uint64_t utc_ms(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi;
    return (uint64_t)timegm(&tm) * 1000;
}

static void test_days_in_zones(void **state)
{
    (void)state;
    unsetenv("TZ");
    tzone_t *tehran = NULL, *ny = NULL;
    assert_int_equal(tzone_open("Asia/Tehran", &tehran), 0);
    assert_int_equal(tzone_open("America/New_York", &ny), 0);
    /* 2026-12-01 21:00 UTC is 00:30 on the 2nd in Tehran (UTC+3:30), 16:00 on the 1st in New York */
    uint64_t t = utc_ms(2026, 12, 1, 21, 0);
    uint32_t utc_day = tzone_day_of_ms(NULL, t);
    assert_int_equal(utc_day, (uint32_t)(t / 86400000) + 1);
    assert_int_equal(tzone_day_of_ms(tehran, t), utc_day + 1);
    assert_int_equal(tzone_day_of_ms(ny, t), utc_day);
    assert_int_equal(tzone_offset_ms(tehran, t), 3 * 3600000 + 1800000);
    /* New York keeps summer time: -4 h in July, -5 h in December */
    assert_int_equal(tzone_offset_ms(ny, utc_ms(2026, 7, 1, 12, 0)), -4 * 3600000);
    assert_int_equal(tzone_offset_ms(ny, t), -5 * 3600000);
    /* 03:00 UTC on 1 July is the evening before in New York */
    assert_int_equal(tzone_day_of_ms(ny, utc_ms(2026, 7, 1, 3, 0)), tzone_day_of_ms(NULL, utc_ms(2026, 6, 30, 12, 0)));
    /* the wall time a task's due_time is compared with: 00:30 in Tehran, 16:00 in New York */
    char hhmm[6], date[11];
    tzone_time_of_day(tehran, t, hhmm);
    tzone_date(tehran, t, date);
    assert_string_equal(hhmm, "00:30");
    assert_string_equal(date, "2026-12-02");
    tzone_time_of_day(ny, t, hhmm);
    assert_string_equal(hhmm, "16:00");
    tzone_time_of_day(NULL, t, hhmm);
    assert_string_equal(hhmm, "21:00");
    assert_string_equal(tzone_name(tehran), "Asia/Tehran");
    assert_string_equal(tzone_name(NULL), "UTC");
    assert_null(getenv("TZ")); /* nothing set the process's zone */
    tzone_destroy(&tehran);
    tzone_destroy(&tehran); /* safe twice */
    tzone_destroy(&ny);
}

static void test_unknown_zones_are_refused(void **state)
{
    (void)state;
    tzone_t *z = (tzone_t *)1;
    assert_int_equal(tzone_open("Mars/Olympus", &z), ACCORD_EINVAL);
    assert_null(z);
    assert_int_equal(tzone_open("../../etc/passwd", &z), ACCORD_EINVAL);
    assert_int_equal(tzone_open("", &z), 0); /* UTC */
    assert_null(z);
    assert_int_equal(tzone_open("UTC", &z), 0);
    assert_int_equal(tzone_offset_ms(z, utc_ms(2026, 1, 1, 0, 0)), 0);
    tzone_destroy(&z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_in_zones),
        cmocka_unit_test(test_unknown_zones_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
