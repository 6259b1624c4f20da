/* SPDX-License-Identifier: MIT
 * access: the sign-in throttle's table (free failures, doubling locks with a cap, what a
 * full table gives up), API tokens (stored hashed, checked, expired, revoked, their use
 * noted at most once a minute) and the access audit (newest first, filtered, bounded,
 * its texts made harmless). */
#define _GNU_SOURCE /* memmem */
#include "helpers.h"

#include <sodium.h>

#include "auth/audit.h"
#include "auth/throttle.h"
#include "auth/tokens.h"
#include "auth/users.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"

static const throttle_limits_t LIMITS = {5, 1000, 15 * 60 * 1000, 24ull * 3600 * 1000};

static throttle_t *throttle_new_for_test(void)
{
    throttle_t *t = malloc(sizeof *t);
    assert_non_null(t);
    throttle_init(t, &LIMITS);
    return t;
}

static void test_throttle_free_failures_then_doubling_locks_capped(void **state)
{
    (void)state;
    throttle_t *t = throttle_new_for_test();
    uint64_t now = 1000000;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(throttle_wait_ms(t, "u:sara", now, NULL), 0);
        assert_int_equal(throttle_failed(t, "u:sara", now), 0); /* five are free */
    }
    assert_int_equal(throttle_wait_ms(t, "u:sara", now, NULL), 0);
    uint64_t expect = 1000;
    for (int i = 0; i < 14; i++) { /* the sixth locks for 1 s, then 2, 4 ... up to 15 min */
        assert_int_equal(throttle_failed(t, "u:sara", now), expect);
        assert_int_equal(throttle_wait_ms(t, "u:sara", now + expect - 1, NULL), 1);
        assert_int_equal(throttle_wait_ms(t, "u:sara", now + expect, NULL), 0);
        now += expect;
        expect = expect * 2 > 15 * 60 * 1000 ? 15 * 60 * 1000 : expect * 2;
    }
    assert_int_equal(expect, 15 * 60 * 1000);
    assert_int_equal(throttle_wait_ms(t, "u:maryam", now, NULL), 0); /* another key is not touched */
    free(t);
}

static void test_throttle_refusals_do_not_count_success_forgets(void **state)
{
    (void)state;
    throttle_t *t = throttle_new_for_test();
    uint64_t now = 5000;
    for (int i = 0; i < 6; i++) throttle_failed(t, "a:10.0.0.1", now);
    bool first = false;
    assert_int_equal(throttle_wait_ms(t, "a:10.0.0.1", now + 10, &first), 990);
    assert_true(first);
    for (int i = 0; i < 1000; i++) { /* a flood of refused tries neither counts nor lengthens the lock */
        assert_true(throttle_wait_ms(t, "a:10.0.0.1", now + 20, &first) > 0);
        assert_false(first);
    }
    assert_int_equal(throttle_wait_ms(t, "a:10.0.0.1", now + 1000, NULL), 0);
    assert_int_equal(throttle_failed(t, "a:10.0.0.1", now + 1000), 2000); /* the seventh failure: 2 s */
    throttle_succeeded(t, "a:10.0.0.1");
    assert_int_equal(throttle_wait_ms(t, "a:10.0.0.1", now + 1001, NULL), 0);
    assert_int_equal(throttle_used(t), 0);
    free(t);
}

static void test_throttle_quiet_key_forgotten_full_table_evicts_oldest_unlocked(void **state)
{
    (void)state;
    throttle_t *t = throttle_new_for_test();
    for (int i = 0; i < 20; i++) throttle_failed(t, "locked", 100); /* locked for 15 min */
    uint64_t quiet_end = 100 + LIMITS.forget_ms;
    char key[32];
    for (unsigned i = 0; i < THROTTLE_SLOTS - 1; i++) { /* fill the rest, each newer than the one before */
        snprintf(key, sizeof key, "k%u", i);
        throttle_failed(t, key, 200 + i);
    }
    assert_int_equal(throttle_used(t), THROTTLE_SLOTS);
    assert_int_equal(throttle_failed(t, "newcomer", 5000), 0); /* k0, the oldest unlocked, made room */
    for (int i = 0; i < 5; i++) throttle_failed(t, "k0", 5001); /* k0 starts again from nothing */
    assert_int_equal(throttle_wait_ms(t, "k0", 5001, NULL), 0);
    assert_true(throttle_wait_ms(t, "locked", 5002, NULL) > 0); /* the locked one, older, was kept */
    /* a key quiet for a day starts afresh: 5 more free failures */
    for (int i = 0; i < 5; i++) assert_int_equal(throttle_failed(t, "k5", quiet_end + 300), 0);
    assert_int_equal(throttle_failed(t, "k5", quiet_end + 300), 1000);
    free(t);
}

typedef struct {
    char *dir;
    store_t *st;
} store_fixture_t;

static int open_store(void **state)
{
    store_fixture_t *f = calloc(1, sizeof *f);
    f->dir = tmp_dir();
    assert_int_equal(store_open(f->dir, STORE_NOSYNC, &f->st), 0);
    *state = f;
    return 0;
}

static int close_store(void **state)
{
    store_fixture_t *f = *state;
    store_close(&f->st);
    rm_dir(f->dir);
    free(f);
    return 0;
}

static void add_user(store_t *st, const char *name, user_role_t role)
{
    store_txn_t *t;
    char err[128];
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    assert_int_equal(users_put(t, name, role, "a long password", err, sizeof err), 0);
    assert_int_equal(store_txn_commit(&t), 0);
}

static void test_tokens_stored_hashed_checked_expired_revoked(void **state)
{
    store_fixture_t *f = *state;
    add_user(f->st, "sara", USER_STAFF);
    store_txn_t *t;
    char token[TOKEN_TEXT_LEN + 1], err[160] = "";
    token_info_t made, got;
    token_state_t ts;
    uint64_t now = 1800000000000ull;
    assert_int_equal(store_txn_begin(f->st, true, &t), 0);
    assert_int_equal(tokens_add(t, "nobody", TOKEN_READ, 0, NULL, now, token, &made, err, sizeof err), ACCORD_ENOTFOUND);
    assert_non_null(strstr(err, "no user 'nobody'"));
    assert_int_equal(tokens_add(t, "sara", TOKEN_WRITE, now + 3600000, "erp", now, token, &made, err, sizeof err), 0);
    assert_int_equal(strlen(token), TOKEN_TEXT_LEN);
    assert_memory_equal(token, "acc_", 4);
    /* the table holds the hash, never the token */
    store_val_t v;
    uint8_t hash[32];
    crypto_generichash(hash, 32, (const unsigned char *)token, TOKEN_TEXT_LEN, NULL, 0);
    assert_int_equal(store_get(t, TBL_TOKENS, hash, 32, &v), 0);
    assert_null(memmem(v.data, v.len, token + 4, 16));
    char id[TOKEN_ID_LEN + 1];
    crypto_hex(hash, TOKEN_ID_LEN / 2, id);
    assert_string_equal(made.id, id);

    assert_int_equal(tokens_check(t, token, now + 1, &ts, &got), 0);
    assert_int_equal(ts, TOKEN_VALID);
    assert_string_equal(got.user, "sara");
    assert_string_equal(got.name, "erp");
    assert_int_equal(got.scope, TOKEN_WRITE);
    assert_int_equal(got.created_ms, now);
    assert_int_equal(tokens_check(t, token, now + 3600000, &ts, &got), 0);
    assert_int_equal(ts, TOKEN_EXPIRED);
    char wrong[TOKEN_TEXT_LEN + 1];
    memcpy(wrong, token, sizeof wrong);
    wrong[10] = wrong[10] == '0' ? '1' : '0';
    assert_int_equal(tokens_check(t, wrong, now, &ts, &got), 0);
    assert_int_equal(ts, TOKEN_UNKNOWN);
    assert_int_equal(tokens_check(t, "acc_short", now, &ts, &got), 0);
    assert_int_equal(ts, TOKEN_UNKNOWN);

    assert_int_equal(tokens_revoke(t, "zz", now, &got), ACCORD_EINVAL);
    assert_int_equal(tokens_revoke(t, "000000000000", now, &got), ACCORD_ENOTFOUND);
    assert_int_equal(tokens_revoke(t, made.id, now + 5, &got), 0);
    assert_int_equal(tokens_revoke(t, made.id, now + 9, &got), 0); /* again: the first time stays */
    assert_int_equal(got.revoked_ms, now + 5);
    assert_int_equal(tokens_check(t, token, now + 10, &ts, &got), 0);
    assert_int_equal(ts, TOKEN_REVOKED);
    assert_int_equal(store_txn_commit(&t), 0);
}

static int count_token(void *ctx, const token_info_t *info)
{
    (void)info;
    ++*(int *)ctx;
    return 0;
}

static void test_tokens_use_noted_at_most_once_a_minute(void **state)
{
    store_fixture_t *f = *state;
    add_user(f->st, "ali", USER_MANAGER);
    store_txn_t *t;
    char token[TOKEN_TEXT_LEN + 1], err[160];
    token_info_t made, got;
    token_state_t ts;
    bool written;
    uint64_t now = 1800000000000ull;
    assert_int_equal(store_txn_begin(f->st, true, &t), 0);
    assert_int_equal(tokens_add(t, "ali", TOKEN_READ, 0, "", now, token, &made, err, sizeof err), 0);
    assert_int_equal(tokens_touch(t, made.hash, now + 1000, "10.1.2.3", &written), 0);
    assert_true(written);
    assert_int_equal(tokens_touch(t, made.hash, now + 1000 + TOKEN_TOUCH_MS - 1, "10.9.9.9", &written), 0);
    assert_false(written);
    assert_int_equal(tokens_check(t, token, now + 2000, &ts, &got), 0);
    assert_int_equal(ts, TOKEN_VALID); /* expires 0: never */
    assert_int_equal(got.last_used_ms, now + 1000);
    assert_string_equal(got.last_address, "10.1.2.3");
    assert_int_equal(tokens_touch(t, made.hash, now + 1000 + TOKEN_TOUCH_MS, "10.9.9.9", &written), 0);
    assert_true(written);
    uint8_t none[32] = {0};
    assert_int_equal(tokens_touch(t, none, now, "", &written), ACCORD_ENOTFOUND);
    int n = 0;
    assert_int_equal(tokens_each(t, count_token, &n), 0);
    assert_int_equal(n, 1);
    store_txn_abort(&t);
}

static void test_token_expiry_forms(void **state)
{
    (void)state;
    uint64_t now = 1800000000000ull, at; /* 2027-01-15T08:00:00Z */
    assert_int_equal(token_parse_expiry("30d", now, &at), 0);
    assert_int_equal(at, now + 30ull * 86400000);
    assert_int_equal(token_parse_expiry("12h", now, &at), 0);
    assert_int_equal(at, now + 12ull * 3600000);
    assert_int_equal(token_parse_expiry("2027-01-31", now, &at), 0);
    assert_int_equal(at, 1801353600000ull); /* 00:00 UTC that day */
    const char *bad[] = {"2027-02-30", "2020-01-01", "0d", "-3d", "30", "30m", "30dd", "", "2027-1-31", "d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_int_equal(token_parse_expiry(bad[i], now, &at), ACCORD_EINVAL);
}

typedef struct {
    audit_event_t got[8];
    int n;
} collected_t;

static int collect(void *ctx, const audit_event_t *e)
{
    collected_t *c = ctx;
    if (c->n < 8) c->got[c->n] = *e;
    c->n++;
    return 0;
}

static void test_audit_newest_first_filtered_texts_made_harmless(void **state)
{
    store_fixture_t *f = *state;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, true, &t), 0);
    assert_int_equal(audit_append(t, 1000, AUDIT_SIGNIN_FAILED, "sara", "10.0.0.1", ""), 0);
    assert_int_equal(audit_append(t, 2000, AUDIT_SIGNIN_OK, "sara", "10.0.0.1", NULL), 0);
    assert_int_equal(audit_append(t, 3000, AUDIT_EXPORT, "ali", NULL, "customer"), 0);
    char evil[300];
    memset(evil, 'x', sizeof evil);
    memcpy(evil, "\x1b[31mroot\n", 10);
    memcpy(evil + 63, "\xd8\xb9", 2); /* a two-byte letter across the 64-byte cut */
    evil[sizeof evil - 1] = 0;
    assert_int_equal(audit_append(t, 4000, AUDIT_SIGNIN_FAILED, evil, "::1", evil), 0);
    assert_int_equal(store_txn_commit(&t), 0);

    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    collected_t c = {0};
    audit_filter_t all = {0};
    assert_int_equal(audit_each(t, &all, collect, &c), 0);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.got[0].time_ms, 4000);
    assert_int_equal(c.got[3].time_ms, 1000);
    assert_true(c.got[0].seq > c.got[1].seq);
    assert_memory_equal(c.got[0].user, "?[31mroot?", 10); /* no escape reaches a terminal */
    assert_int_equal(strlen(c.got[0].user), 63);         /* cut before the letter, not inside it */
    assert_int_equal(strlen(c.got[0].detail), AUDIT_DETAIL_MAX);
    assert_string_equal(c.got[1].detail, "customer");
    assert_string_equal(c.got[1].address, "");

    collected_t k = {0};
    audit_filter_t failed = {.kind = AUDIT_SIGNIN_FAILED, .user = "sara"};
    assert_int_equal(audit_each(t, &failed, collect, &k), 0);
    assert_int_equal(k.n, 1);
    assert_int_equal(k.got[0].time_ms, 1000);
    collected_t s = {0};
    audit_filter_t since = {.since_ms = 2000, .limit = 2};
    assert_int_equal(audit_each(t, &since, collect, &s), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.got[1].time_ms, 3000);
    store_txn_abort(&t);

    assert_string_equal(audit_kind_name(AUDIT_PERMISSION_REFUSED), "permission_refused");
    assert_int_equal(audit_kind_by_name("token_used"), AUDIT_TOKEN_USED);
    assert_int_equal(audit_kind_by_name("tokens"), ACCORD_EINVAL);
    char when[25];
    audit_format_time(1801353600123ull, when);
    assert_string_equal(when, "2027-01-31T00:00:00.123Z");
    uint64_t ms;
    assert_int_equal(audit_parse_time("2027-01-31T10:20Z", &ms), 0);
    assert_int_equal(ms, 1801353600000ull + (10 * 60 + 20) * 60000ull);
    assert_int_equal(audit_parse_time("2027-01-31 10:20", &ms), ACCORD_EINVAL);
}

static int first_seq(void *ctx, const audit_event_t *e)
{
    *(uint64_t *)ctx = e->seq;
    return 0;
}

static void test_audit_keeps_the_newest(void **state)
{
    store_fixture_t *f = *state;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, true, &t), 0);
    for (unsigned i = 0; i < AUDIT_KEEP + 3; i++) assert_int_equal(audit_append(t, 1000 + i, AUDIT_TOKEN_USED, "u", "", ""), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    collected_t c = {0};
    audit_filter_t all = {0};
    assert_int_equal(audit_each(t, &all, collect, &c), 0);
    assert_int_equal(c.n, AUDIT_KEEP);
    assert_int_equal(c.got[0].seq, AUDIT_KEEP + 3);
    uint64_t oldest = 0;
    assert_int_equal(audit_each(t, &all, first_seq, &oldest), 0); /* the last one called is the oldest */
    assert_int_equal(oldest, 4);
    store_txn_abort(&t);
}

static void test_audit_record_commits_its_own(void **state)
{
    store_fixture_t *f = *state;
    assert_int_equal(audit_record(f->st, AUDIT_TOKEN_ADDED, "sara", "", "0123456789ab"), 0);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    collected_t c = {0};
    audit_filter_t all = {0};
    assert_int_equal(audit_each(t, &all, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.got[0].kind, AUDIT_TOKEN_ADDED);
    assert_true(c.got[0].time_ms > 1700000000000ull);
    store_txn_abort(&t);
}

int main(void)
{
    assert_int_equal(crypto_init(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_throttle_free_failures_then_doubling_locks_capped),
        cmocka_unit_test(test_throttle_refusals_do_not_count_success_forgets),
        cmocka_unit_test(test_throttle_quiet_key_forgotten_full_table_evicts_oldest_unlocked),
        cmocka_unit_test_setup_teardown(test_tokens_stored_hashed_checked_expired_revoked, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_tokens_use_noted_at_most_once_a_minute, open_store, close_store),
        cmocka_unit_test(test_token_expiry_forms),
        cmocka_unit_test_setup_teardown(test_audit_newest_first_filtered_texts_made_harmless, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_audit_keeps_the_newest, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_audit_record_commits_its_own, open_store, close_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
