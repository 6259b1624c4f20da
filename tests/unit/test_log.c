/* SPDX-License-Identifier: MIT
 * log: the rate limiter every per-frame and per-peer warning goes through. A flood writes
 * LOG_LIMIT_LINES lines per window and one summary, whatever its size; the summary comes
 * from the next line or the timer's flush, and says how many were suppressed. */
#include "helpers.h"

#include "common/log.h"

#include <unistd.h>

/* stderr goes to a temporary file while a test writes; lines_since counts what came. */
static FILE *capture;
static int saved_stderr = -1;

static void capture_start(void)
{
    fflush(stderr);
    capture = tmpfile();
    assert_non_null(capture);
    saved_stderr = dup(2);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(fileno(capture), 2) >= 0);
}

/* Stops capturing; returns the lines written and copies the last one into last. */
static unsigned capture_end(char *last, size_t cap)
{
    fflush(stderr);
    assert_true(dup2(saved_stderr, 2) >= 0);
    close(saved_stderr);
    rewind(capture);
    unsigned n = 0;
    char line[512];
    if (last) last[0] = 0;
    while (fgets(line, sizeof line, capture)) {
        n++;
        if (last) snprintf(last, cap, "%s", line);
    }
    fclose(capture);
    return n;
}

static void test_a_flood_writes_a_bounded_number_of_lines(void **state)
{
    (void)state;
    log_limit_t l;
    memset(&l, 0, sizeof l);
    capture_start();
    uint64_t now = 1000000;
    for (int i = 0; i < 10000; i++) log_limited(&l, now + (uint64_t)i / 10, LOG_WARN, "bad frame %d", i);
    unsigned n = capture_end(NULL, 0);
    assert_int_equal(n, LOG_LIMIT_LINES); /* 10,000 frames within one window (1 s) */
    assert_int_equal(l.suppressed, 10000 - LOG_LIMIT_LINES);
}

static void test_the_next_window_sums_up_what_was_suppressed(void **state)
{
    (void)state;
    log_limit_t l;
    memset(&l, 0, sizeof l);
    char last[512];
    capture_start();
    for (int i = 0; i < 25; i++) log_limited(&l, 5000, LOG_WARN, "bad ACK %d", i);
    log_limited(&l, 5000 + LOG_LIMIT_WINDOW_MS, LOG_WARN, "bad ACK again");
    unsigned n = capture_end(last, sizeof last);
    assert_int_equal(n, LOG_LIMIT_LINES + 2); /* the summary, then the new window's first line */
    assert_non_null(strstr(last, "bad ACK again"));
    assert_int_equal(l.written, 1);
    assert_int_equal(l.suppressed, 0);

    memset(&l, 0, sizeof l);
    capture_start();
    for (int i = 0; i < 25; i++) log_limited(&l, 5000, LOG_WARN, "bad ACK %d", i);
    log_limit_flush(&l, 5000 + LOG_LIMIT_WINDOW_MS - 1); /* the window is not over: nothing */
    log_limit_flush(&l, 5000 + LOG_LIMIT_WINDOW_MS);
    log_limit_flush(&l, 5000 + 2 * LOG_LIMIT_WINDOW_MS); /* summed up once */
    n = capture_end(last, sizeof last);
    assert_int_equal(n, LOG_LIMIT_LINES + 1);
    assert_non_null(strstr(last, "suppressed 15 similar messages"));
    assert_non_null(strstr(last, "the last: bad ACK 24"));
}

static void test_nothing_suppressed_needs_no_summary(void **state)
{
    (void)state;
    log_limit_t l;
    memset(&l, 0, sizeof l);
    capture_start();
    for (int w = 0; w < 3; w++)
        for (int i = 0; i < LOG_LIMIT_LINES; i++)
            log_limited(&l, 1 + (uint64_t)w * LOG_LIMIT_WINDOW_MS, LOG_WARN, "refused HELLO %d", i);
    log_limit_flush(&l, 10 * LOG_LIMIT_WINDOW_MS);
    assert_int_equal(capture_end(NULL, 0), 3 * LOG_LIMIT_LINES);
}

static void test_limiters_are_independent(void **state)
{
    (void)state;
    log_limit_t a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    capture_start();
    for (int i = 0; i < 100; i++) log_limited(&a, 7, LOG_WARN, "from a %d", i);
    for (int i = 0; i < 3; i++) log_limited(&b, 7, LOG_WARN, "from b %d", i);
    assert_int_equal(capture_end(NULL, 0), LOG_LIMIT_LINES + 3); /* a's flood does not hide b */
}

static void test_a_clock_that_went_back_ends_the_window(void **state)
{
    (void)state;
    log_limit_t l;
    memset(&l, 0, sizeof l);
    capture_start();
    for (int i = 0; i < 20; i++) log_limited(&l, 50000, LOG_WARN, "x %d", i);
    log_limited(&l, 100, LOG_WARN, "after the clock stepped back");
    assert_int_equal(capture_end(NULL, 0), LOG_LIMIT_LINES + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_flood_writes_a_bounded_number_of_lines),
        cmocka_unit_test(test_the_next_window_sums_up_what_was_suppressed),
        cmocka_unit_test(test_nothing_suppressed_needs_no_summary),
        cmocka_unit_test(test_limiters_are_independent),
        cmocka_unit_test(test_a_clock_that_went_back_ends_the_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
