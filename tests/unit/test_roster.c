/* SPDX-License-Identifier: MIT
 * roster: only entries the org key signed are kept; whatever order enrolments and
 * revocations arrive in, every node ends with the same roster, and a revocation is final. */
#include "helpers.h"

#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/roster_entry.h"
#include "auth/roster.h"

#include <sodium.h>

typedef struct {
    uint8_t pk[CRYPTO_PK_LEN];
    uint8_t *sk;
} keys_t;

static void keys_new(keys_t *k)
{
    k->sk = sodium_malloc(CRYPTO_SK_LEN);
    assert_non_null(k->sk);
    crypto_keypair(k->pk, k->sk);
}

static size_t sign_entry(const keys_t *org, const uint8_t node_pk[32], roster_action_t action, uint64_t when,
                         const char *name, uint8_t out[ROSTER_ENTRY_MAX])
{
    roster_entry_t e;
    memset(&e, 0, sizeof e);
    e.action = (uint8_t)action;
    memcpy(e.pk, node_pk, 32);
    snprintf(e.name, sizeof e.name, "%s", name);
    snprintf(e.role, sizeof e.role, "branch");
    snprintf(e.region, sizeof e.region, "north");
    e.issued_ms = when;
    size_t len = 0;
    assert_int_equal(roster_entry_sign(&e, org->sk, out, &len), 0);
    return len;
}

static void test_entry_signature_and_strict_decoding(void **state)
{
    (void)state;
    keys_t org, other, node;
    keys_new(&org);
    keys_new(&other);
    keys_new(&node);
    uint8_t buf[ROSTER_ENTRY_MAX];
    size_t len = sign_entry(&org, node.pk, ROSTER_ENROLL, 1000, "tehran-1", buf);
    roster_entry_t e;
    assert_int_equal(roster_entry_open(buf, len, org.pk, &e), 0);
    assert_string_equal(e.name, "tehran-1");
    assert_memory_equal(e.pk, node.pk, 32);
    assert_int_equal(e.issued_ms, 1000);
    /* another org's key, and every single flipped byte, are refused */
    assert_int_equal(roster_entry_open(buf, len, other.pk, &e), ACCORD_ESIG);
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x20;
        assert_int_not_equal(roster_entry_open(buf, len, org.pk, &e), 0);
        buf[i] ^= 0x20;
    }
    for (size_t cut = 0; cut < len; cut++) assert_int_not_equal(roster_entry_open(buf, cut, org.pk, &e), 0);
    /* bad labels are not signed */
    roster_entry_t bad;
    memset(&bad, 0, sizeof bad);
    bad.action = ROSTER_ENROLL;
    snprintf(bad.name, sizeof bad.name, "bad name");
    snprintf(bad.role, sizeof bad.role, "branch");
    bad.issued_ms = 1;
    assert_non_null(roster_entry_invalid(&bad));
    assert_int_equal(roster_entry_sign(&bad, org.sk, buf, &len), ACCORD_EINVAL);
    sodium_free(org.sk);
    sodium_free(other.sk);
    sodium_free(node.sk);
}

/* Every order of the same entries gives the same standing entry for the key. */
static void test_any_order_same_roster_revocation_final(void **state)
{
    (void)state;
    keys_t org, node;
    keys_new(&org);
    keys_new(&node);
    uint8_t entries[4][ROSTER_ENTRY_MAX];
    size_t lens[4];
    lens[0] = sign_entry(&org, node.pk, ROSTER_ENROLL, 1000, "old-name", entries[0]);
    lens[1] = sign_entry(&org, node.pk, ROSTER_ENROLL, 2000, "new-name", entries[1]);
    lens[2] = sign_entry(&org, node.pk, ROSTER_REVOKE, 1500, "old-name", entries[2]);
    lens[3] = sign_entry(&org, node.pk, ROSTER_ENROLL, 9000, "after-revoke", entries[3]);
    static const int orders[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}, {3, 0, 1, 2}};
    uint8_t first_standing[ROSTER_ENTRY_MAX];
    size_t first_len = 0;
    for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
        char *dir = tmp_dir();
        store_t *st;
        store_txn_t *t;
        assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0);
        assert_int_equal(store_txn_begin(st, true, &t), 0);
        bool changed;
        roster_entry_t e;
        assert_int_equal(roster_add(t, entries[0], lens[0], &changed, &e), ACCORD_ENOTFOUND); /* no org pinned */
        assert_int_equal(roster_pin_org(t, org.pk), 0);
        for (int i = 0; i < 4; i++) assert_int_equal(roster_add(t, entries[orders[o][i]], lens[orders[o][i]], &changed, &e), 0);
        uint8_t origin[CRYPTO_ORIGIN_LEN], curve[32];
        crypto_origin_of(node.pk, origin);
        assert_int_equal(crypto_curve_pk(node.pk, curve), 0);
        assert_int_equal(roster_by_origin(t, origin, &e), 0);
        assert_int_equal(e.action, ROSTER_REVOKE);
        assert_int_equal(e.issued_ms, 1500);
        assert_int_equal(roster_by_curve(t, curve, &e), 0);
        assert_int_equal(e.action, ROSTER_REVOKE);
        store_val_t v;
        uint8_t key[33] = {'N'};
        memcpy(key + 1, node.pk, 32);
        assert_int_equal(store_get(t, TBL_ROSTER, key, sizeof key, &v), 0);
        if (o == 0) {
            memcpy(first_standing, v.data, v.len);
            first_len = v.len;
        } else {
            assert_int_equal(v.len, first_len);
            assert_memory_equal(v.data, first_standing, first_len);
        }
        /* adding what is there again changes nothing */
        uint64_t gen = roster_generation(t);
        assert_int_equal(roster_add(t, entries[2], lens[2], &changed, &e), 0);
        assert_false(changed);
        assert_int_equal(roster_generation(t), gen);
        store_txn_abort(&t);
        store_close(&st);
        rm_dir(dir);
    }
    sodium_free(org.sk);
    sodium_free(node.sk);
}

static void test_forged_entry_is_not_kept(void **state)
{
    (void)state;
    keys_t org, impostor, node;
    keys_new(&org);
    keys_new(&impostor);
    keys_new(&node);
    char *dir = tmp_dir();
    store_t *st;
    store_txn_t *t;
    assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0);
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    assert_int_equal(roster_pin_org(t, org.pk), 0);
    uint8_t buf[ROSTER_ENTRY_MAX];
    size_t len = sign_entry(&impostor, node.pk, ROSTER_ENROLL, 5, "evil", buf);
    bool changed = true;
    roster_entry_t e;
    assert_int_equal(roster_add(t, buf, len, &changed, &e), ACCORD_ESIG);
    assert_false(changed);
    uint8_t origin[CRYPTO_ORIGIN_LEN];
    crypto_origin_of(node.pk, origin);
    assert_int_equal(roster_by_origin(t, origin, &e), ACCORD_ENOTFOUND);
    store_txn_abort(&t);
    store_close(&st);
    rm_dir(dir);
    sodium_free(org.sk);
    sodium_free(impostor.sk);
    sodium_free(node.sk);
}

static int collect(void *ctx, const uint8_t *signed_entry, size_t len, const roster_entry_t *e)
{
    (void)signed_entry;
    (void)len;
    char *names = ctx;
    strcat(names, e->name);
    strcat(names, e->action == ROSTER_REVOKE ? "(revoked) " : " ");
    return 0;
}

/* What a hub sends its peers when the roster changes: only the entries changed since. */
static void test_changes_since_a_generation(void **state)
{
    (void)state;
    keys_t org, n1, n2, n3;
    keys_new(&org);
    keys_new(&n1);
    keys_new(&n2);
    keys_new(&n3);
    char *dir = tmp_dir();
    store_t *st;
    store_txn_t *t;
    assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0);
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    assert_int_equal(roster_pin_org(t, org.pk), 0);
    uint8_t buf[ROSTER_ENTRY_MAX];
    bool changed;
    roster_entry_t e;
    assert_int_equal(roster_add(t, buf, sign_entry(&org, n1.pk, ROSTER_ENROLL, 10, "one", buf), &changed, &e), 0);
    assert_int_equal(roster_add(t, buf, sign_entry(&org, n2.pk, ROSTER_ENROLL, 11, "two", buf), &changed, &e), 0);
    uint64_t gen = roster_generation(t);
    assert_int_equal(gen, 2);
    assert_int_equal(roster_add(t, buf, sign_entry(&org, n3.pk, ROSTER_ENROLL, 12, "three", buf), &changed, &e), 0);
    assert_int_equal(roster_add(t, buf, sign_entry(&org, n1.pk, ROSTER_REVOKE, 13, "one", buf), &changed, &e), 0);
    /* an entry that loses changes nothing and is not sent */
    assert_int_equal(roster_add(t, buf, sign_entry(&org, n2.pk, ROSTER_ENROLL, 1, "two-old", buf), &changed, &e), 0);
    assert_false(changed);
    char names[200] = "";
    assert_int_equal(roster_each_since(t, gen, collect, names), 0);
    assert_string_equal(names, "three one(revoked) ");
    names[0] = 0;
    assert_int_equal(roster_each_since(t, roster_generation(t), collect, names), 0);
    assert_string_equal(names, "");
    names[0] = 0;
    assert_int_equal(roster_each(t, collect, names), 0);
    assert_int_equal(strlen(names), strlen("one(revoked) two three "));
    store_txn_abort(&t);
    store_close(&st);
    rm_dir(dir);
    sodium_free(org.sk);
    sodium_free(n1.sk);
    sodium_free(n2.sk);
    sodium_free(n3.sk);
}

int main(void)
{
    assert_int_equal(crypto_init(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_signature_and_strict_decoding),
        cmocka_unit_test(test_any_order_same_roster_revocation_final),
        cmocka_unit_test(test_forged_entry_is_not_kept),
        cmocka_unit_test(test_changes_since_a_generation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
