/* SPDX-License-Identifier: MIT
 * ingest: sync and bundle import share one admission path. A bundle carrying records of a
 * feed that sync quarantined is refused and the refusal kept, exactly as sync refuses it;
 * the same bundle applies once the quarantine is lifted, and a second import holds it. */
#include "helpers.h"
#include "fixture.h"

#include "auth/identity.h"
#include "auth/roster.h"
#include "feed/bundle_in.h"
#include "feed/ingest.h"
#include "feed/oplog.h"
#include "proto/accord_err.h"
#include "proto/bundle.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/roster_entry.h"
#include "proto/schema.h"
#include "proto/wire.h"

#include <sodium.h>

typedef fixture_t node_t;

static void node_open(node_t *n, const char *name)
{
    fixture_open(n, name, "branch");
}

static void node_close(node_t *n)
{
    fixture_close(n);
}

/* Pins the org key at `at` and enrols `who` there, as `accordctl enroll` would. */
static void enrol(node_t *at, const uint8_t org_pk[32], const uint8_t *org_sk, const node_t *who)
{
    roster_entry_t e;
    memset(&e, 0, sizeof e);
    e.action = ROSTER_ENROLL;
    memcpy(e.pk, who->id->pk, CRYPTO_PK_LEN);
    snprintf(e.name, sizeof e.name, "%s", who->id->name);
    snprintf(e.role, sizeof e.role, "branch");
    e.issued_ms = 1;
    uint8_t buf[ROSTER_ENTRY_MAX];
    size_t len = 0;
    assert_int_equal(roster_entry_sign(&e, org_sk, buf, &len), 0);
    store_txn_t *t;
    bool changed;
    roster_entry_t out;
    assert_int_equal(store_txn_begin(at->st, true, &t), 0);
    assert_int_equal(roster_pin_org(t, org_pk), 0);
    assert_int_equal(roster_add(t, buf, len, &changed, &out), 0);
    assert_int_equal(store_txn_commit(&t), 0);
}

/* A hub "hq" with a branch "a" enrolled at it; returns the org's secret key (sodium_free it). */
static uint8_t *hub_and_branch(node_t *hub, node_t *a)
{
    uint8_t org_pk[32], *org_sk = sodium_malloc(CRYPTO_SK_LEN);
    crypto_keypair(org_pk, org_sk);
    node_open(a, "a");
    node_open(hub, "hq");
    enrol(hub, org_pk, org_sk, a);
    return org_sk;
}

static void write_customers(node_t *n, unsigned count)
{
    fixture_write_customers(n, count, "Customer", false);
}

/* A bundle for `to` holding from's records 1..last as one batch, as bundle export writes it. */
static void write_bundle(node_t *from, node_t *to, uint64_t last, const char *path)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(from->st, false, &t), 0);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    uint8_t key[ID_LEN + 8];
    memcpy(key, from->id->origin, ID_LEN);
    be64_put(key + ID_LEN, last);
    store_val_t v;
    assert_int_equal(store_get(t, TBL_CHECKPTS, key, sizeof key, &v), 0);
    wire_pack_batch_head(&pk, from->id->origin, v.data, (uint32_t)last);
    for (uint64_t s = 1; s <= last; s++) {
        be64_put(key + ID_LEN, s);
        assert_int_equal(store_get(t, TBL_FEED, key, sizeof key, &v), 0);
        wire_pack_bin(&pk, v.data, v.len);
    }
    store_txn_abort(&t);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    bundle_writer_t *w;
    assert_int_equal(bundle_writer_open(f, to->id->pk, &w), 0);
    assert_int_equal(bundle_write(w, sb.data, sb.size), 0);
    assert_int_equal(bundle_writer_finish(&w), 0);
    fclose(f);
    msgpack_sbuffer_destroy(&sb);
}

static uint64_t head_of(node_t *n, const uint8_t *origin)
{
    store_txn_t *t;
    uint64_t seq = 0;
    uint8_t hash[32];
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    assert_int_equal(apply_head(t, origin, &seq, hash), 0);
    store_txn_abort(&t);
    return seq;
}

/* The refusal kept for (source, feed, code), as sync status reads it. */
static bool refusal_kept(node_t *n, const uint8_t source[ID_LEN], const uint8_t feed[ID_LEN], int code)
{
    uint8_t key[2 * ID_LEN + 1];
    memcpy(key, source, ID_LEN);
    memcpy(key + ID_LEN, feed, ID_LEN);
    key[2 * ID_LEN] = (uint8_t)-code;
    store_txn_t *t;
    store_val_t v;
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    bool found = store_get(t, TBL_REJECTS, key, sizeof key, &v) == 0;
    store_txn_abort(&t);
    return found;
}

static void lift_quarantine(node_t *n, const uint8_t feed[ID_LEN])
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->st, true, &t), 0);
    assert_int_equal(store_del(t, TBL_QUARANTINE, feed, ID_LEN), 0);
    assert_int_equal(store_txn_commit(&t), 0);
}

static void test_bundle_of_quarantined_feed_is_refused_like_sync(void **state)
{
    (void)state;
    node_t a, hub;
    uint8_t *org_sk = hub_and_branch(&hub, &a);
    write_customers(&a, 3);
    char path[256];
    snprintf(path, sizeof path, "%s/a.bundle", hub.dir);
    write_bundle(&a, &hub, 3, path);

    /* sync saw a fork of a's feed from some peer: the one ingest record quarantines it */
    uint8_t peer[ID_LEN];
    memset(peer, 7, sizeof peer);
    bool quarantined = false;
    assert_int_equal(ingest_record_refusal(hub.st, hub.id->origin, peer, a.id->origin, ACCORD_EFORK, 2,
                                           "a second record 2", 1000, &quarantined), 0);
    assert_true(quarantined);

    bundle_in_report_t rep;
    assert_int_equal(bundle_in_file(hub.st, hub.id, path, NULL, 0, NULL, &rep), 0);
    assert_int_equal(rep.batches, 1);
    assert_int_equal(rep.refused, 1);
    assert_int_equal(rep.applied, 0);
    assert_int_equal(rep.first_code, ACCORD_EQUARANTINE);
    assert_int_equal(head_of(&hub, a.id->origin), 0);
    assert_true(refusal_kept(&hub, INGEST_SOURCE_BUNDLE, a.id->origin, ACCORD_EQUARANTINE));

    /* sync's own path gives the same answer for the same batch */
    {
        store_txn_t *t;
        assert_int_equal(store_txn_begin(hub.st, true, &t), 0);
        ingest_policy_t pol = {.self = hub.id->origin};
        apply_result_t res;
        char why[200];
        apply_batch_t empty = {NULL, NULL, 0, {0}};
        assert_int_equal(ingest_batch(t, &pol, a.id->origin, &empty, &res, why, sizeof why),
                         ACCORD_EQUARANTINE);
        store_txn_abort(&t);
    }

    /* released: the same file applies, and a second import holds it */
    lift_quarantine(&hub, a.id->origin);
    assert_int_equal(bundle_in_file(hub.st, hub.id, path, NULL, 0, NULL, &rep), 0);
    assert_int_equal(rep.refused, 0);
    assert_int_equal(rep.applied, 3);
    assert_int_equal(head_of(&hub, a.id->origin), 3);
    assert_int_equal(bundle_in_file(hub.st, hub.id, path, NULL, 0, NULL, &rep), 0);
    assert_int_equal(rep.held_batches, 1);
    assert_int_equal(rep.applied, 0);

    node_close(&a);
    node_close(&hub);
    sodium_free(org_sk);
}

static void test_ingest_admission(void **state)
{
    (void)state;
    uint8_t org_pk[32], *org_sk = sodium_malloc(CRYPTO_SK_LEN);
    crypto_keypair(org_pk, org_sk);
    node_t a, b, hub;
    node_open(&a, "a");
    node_open(&b, "b");
    node_open(&hub, "hq");
    enrol(&hub, org_pk, org_sk, &a); /* b is not enrolled */
    write_customers(&b, 1);
    char path[256];
    snprintf(path, sizeof path, "%s/b.bundle", hub.dir);
    write_bundle(&b, &hub, 1, path);
    bundle_in_report_t rep;
    assert_int_equal(bundle_in_file(hub.st, hub.id, path, NULL, 0, NULL, &rep), 0);
    assert_int_equal(rep.first_code, ACCORD_EUNKNOWN);
    assert_true(refusal_kept(&hub, INGEST_SOURCE_BUNDLE, b.id->origin, ACCORD_EUNKNOWN));

    /* this node's own feed is refused unless it rejoins, and never quarantined */
    store_txn_t *t;
    apply_result_t res;
    char why[300];
    apply_batch_t empty = {NULL, NULL, 0, {0}};
    ingest_policy_t pol = {.self = hub.id->origin};
    assert_int_equal(store_txn_begin(hub.st, true, &t), 0);
    assert_int_equal(ingest_batch(t, &pol, hub.id->origin, &empty, &res, why, sizeof why), ACCORD_EFORK);
    store_txn_abort(&t);
    bool quarantined = true;
    assert_int_equal(ingest_record_refusal(hub.st, hub.id->origin, a.id->origin, hub.id->origin, ACCORD_EFORK, 1,
                                           why, 1, &quarantined), 0);
    assert_false(quarantined);

    /* a file that is not for this node applies nothing and says why */
    snprintf(path, sizeof path, "%s/for-a.bundle", hub.dir);
    write_bundle(&b, &a, 1, path);
    assert_int_equal(bundle_in_file(hub.st, hub.id, path, NULL, 0, NULL, &rep), ACCORD_ENOTMINE);
    assert_non_null(strstr(rep.why, "another node"));
    node_close(&a);
    node_close(&b);
    node_close(&hub);
    sodium_free(org_sk);
}

/* A batch of n's records first..last, as sync receives it (copies nothing: valid while t is). */
typedef struct {
    const uint8_t *recs[16];
    size_t lens[16];
    apply_batch_t b;
} view_batch_t;

static void view_batch(store_txn_t *t, node_t *n, uint64_t first, uint64_t last, view_batch_t *vb)
{
    uint8_t key[ID_LEN + 8];
    memcpy(key, n->id->origin, ID_LEN);
    store_val_t v;
    for (uint64_t s = first; s <= last; s++) {
        be64_put(key + ID_LEN, s);
        assert_int_equal(store_get(t, TBL_FEED, key, sizeof key, &v), 0);
        vb->recs[s - first] = v.data;
        vb->lens[s - first] = v.len;
    }
    be64_put(key + ID_LEN, last);
    assert_int_equal(store_get(t, TBL_CHECKPTS, key, sizeof key, &v), 0);
    memcpy(vb->b.sig, v.data, CRYPTO_SIG_LEN);
    vb->b.recs = vb->recs, vb->b.lens = vb->lens, vb->b.n = (unsigned)(last - first + 1);
}

/* Issue 13, item 2: no origin can make a node store more than its allowance of the day;
 * the refusal says so, the rest applies the next day. */
static void test_an_origin_has_a_daily_allowance(void **state)
{
    (void)state;
    node_t a, hub;
    uint8_t *org_sk = hub_and_branch(&hub, &a);
    fixture_write_customers(&a, 6, "Customer", true);
    store_txn_t *src;
    assert_int_equal(store_txn_begin(a.st, false, &src), 0);
    view_batch_t first, rest;
    view_batch(src, &a, 1, 2, &first);
    view_batch(src, &a, 3, 6, &rest);
    size_t two = first.lens[0] + first.lens[1];
    uint64_t now_ms = hlc_wall_ms();
    apply_clock_t day1 = {now_ms, 300000}, day2 = {now_ms + 86400000ULL, 300000};
    ingest_policy_t pol = {.self = hub.id->origin, .clock = &day1, .origin_day_bytes = two + 10};
    apply_result_t res;
    char why[300];
    store_txn_t *t;
    assert_int_equal(store_txn_begin(hub.st, true, &t), 0);
    assert_int_equal(ingest_batch(t, &pol, a.id->origin, &first.b, &res, why, sizeof why), 0);
    assert_int_equal(ingest_batch(t, &pol, a.id->origin, &rest.b, &res, why, sizeof why), ACCORD_EQUOTA);
    assert_non_null(strstr(why, "a day"));
    assert_int_equal(res.bad_seq, 3);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(head_of(&hub, a.id->origin), 2);
    /* the next day the same batch applies */
    pol.clock = &day2;
    pol.origin_day_bytes = 1u << 20;
    assert_int_equal(store_txn_begin(hub.st, true, &t), 0);
    assert_int_equal(ingest_batch(t, &pol, a.id->origin, &rest.b, &res, why, sizeof why), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(head_of(&hub, a.id->origin), 6);
    store_txn_abort(&src);
    node_close(&a);
    node_close(&hub);
    sodium_free(org_sk);
}

/* Issue 13, item 6: a replay names the seqs that were sent again. */
static void test_a_replay_names_its_seqs(void **state)
{
    (void)state;
    node_t a, hub;
    uint8_t *org_sk = hub_and_branch(&hub, &a);
    fixture_write_customers(&a, 5, "Customer", true);
    store_txn_t *src, *t;
    assert_int_equal(store_txn_begin(a.st, false, &src), 0);
    view_batch_t all, middle;
    view_batch(src, &a, 1, 5, &all);
    view_batch(src, &a, 2, 3, &middle);
    ingest_policy_t pol = {.self = hub.id->origin};
    apply_result_t res;
    char why[300];
    assert_int_equal(store_txn_begin(hub.st, true, &t), 0);
    assert_int_equal(ingest_batch(t, &pol, a.id->origin, &all.b, &res, why, sizeof why), 0);
    assert_int_equal(ingest_batch(t, &pol, a.id->origin, &middle.b, &res, why, sizeof why), ACCORD_EREPLAY);
    assert_non_null(strstr(why, "records 2-3 were sent again"));
    assert_non_null(strstr(why, "up to 5"));
    store_txn_abort(&t);
    store_txn_abort(&src);
    node_close(&a);
    node_close(&hub);
    sodium_free(org_sk);
}

int main(void)
{
    assert_int_equal(crypto_init(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_of_quarantined_feed_is_refused_like_sync),
        cmocka_unit_test(test_ingest_admission),
        cmocka_unit_test(test_an_origin_has_a_daily_allowance),
        cmocka_unit_test(test_a_replay_names_its_seqs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
