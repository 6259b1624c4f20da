/* SPDX-License-Identifier: MIT
 * webhooks (server/hooks/): the events of a change and the patterns that match them, the
 * URL check (not http(s), or this node itself: refused), the signature a receiver checks,
 * the backoff schedule, the outbox row written in the change's own transaction (own
 * changes and replicated ones; nothing for a change that is rolled back, nothing without
 * a matching hook), and what each attempt leaves: delivered, retried, given up but kept. */
#include "helpers.h"
#include "fixture.h"

#include "feed/apply.h"
#include "feed/restamp.h"
#include "proto/hlc.h"
#include "hooks/hook_deliver.h"
#include "hooks/hook_events.h"
#include "hooks/hook_log.h"
#include "hooks/hook_outbox.h"
#include "hooks/hook_store.h"
#include "hooks/hook_url.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static record_t rec_with(unsigned kind, unsigned n, const record_op_t *ops)
{
    record_t r;
    memset(&r, 0, sizeof r);
    r.kind = (uint8_t)kind;
    r.n_ops = n;
    memcpy(r.ops, ops, n * sizeof *ops);
    return r;
}

#define STR(s) {VAL_STR, 0, s, sizeof s - 1}
#define BOOL(b) {VAL_BOOL, b, NULL, 0}

static void test_events_of_a_change(void **state)
{
    (void)state;
    hook_events_t ev;
    record_op_t create[] = {{F_CREATED, OP_SET, STR("2026-12-01T10:00:00Z"), false, {0}},
                            {F_CU_NAME, OP_SET, STR("Sara"), false, {0}}};
    record_t r = rec_with(KIND_CUSTOMER, 2, create);
    hook_events_of(&r, &ev);
    assert_int_equal(ev.n, 1);
    assert_string_equal(ev.name[0], "customer.created");

    record_op_t won[] = {{F_DE_STAGE, OP_SET, STR("WON"), true, {0}}};
    r = rec_with(KIND_DEAL, 1, won);
    hook_events_of(&r, &ev);
    assert_int_equal(ev.n, 2);
    assert_string_equal(ev.name[0], "deal.updated");
    assert_string_equal(ev.name[1], "deal.won");

    record_op_t lost_word[] = {{F_DE_STAGE, OP_SET, STR("Lostish"), true, {0}}};
    r = rec_with(KIND_DEAL, 1, lost_word);
    hook_events_of(&r, &ev);
    assert_int_equal(ev.n, 1); /* a stage that merely starts with "lost" is no deal.lost */

    record_op_t del[] = {{F_DELETED, OP_SET, BOOL(1), true, {0}}};
    r = rec_with(KIND_TASK, 1, del);
    hook_events_of(&r, &ev);
    assert_string_equal(ev.name[0], "task.deleted");

    record_op_t done[] = {{F_TA_DONE, OP_SET, BOOL(1), true, {0}}};
    r = rec_with(KIND_TASK, 1, done);
    hook_events_of(&r, &ev);
    assert_int_equal(ev.n, 2);
    assert_string_equal(ev.name[1], "task.done");

    record_op_t pay[] = {{F_IV_PAYMENTS, OP_ADD, STR("2026-12-01 100 cash 0123456789abcdef"), false, {0}}};
    r = rec_with(KIND_INVOICE, 1, pay);
    hook_events_of(&r, &ev);
    assert_string_equal(ev.name[1], "invoice.paid");
}

static void test_body_leaves_password_hashes_out(void **state)
{
    (void)state;
    record_op_t user[] = {{F_US_LOGIN, OP_SET, STR("sara"), false, {0}},
                          {F_US_PASSWORD, OP_SET, STR("$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"), false, {0}},
                          {F_US_ROLES, OP_ADD, STR("staff org"), false, {0}},
                          {F_US_ROLES, OP_ADD, STR("admin branch b1"), false, {0}}};
    record_t r = rec_with(KIND_USER, 4, user);
    r.seq = 7;
    r.author = "admin";
    r.author_len = 5;
    hook_events_t ev;
    hook_events_of(&r, &ev);
    size_t len;
    char *body = hook_body(&r, "user.updated", &ev, &len);
    assert_int_equal(strlen(body), len);
    assert_null(strstr(body, "argon2"));
    assert_null(strstr(body, "password"));
    assert_non_null(strstr(body, "\"set\":{\"login\":\"sara\"}"));
    assert_non_null(strstr(body, "\"added\":{\"roles\":[\"staff org\",\"admin branch b1\"]}"));
    assert_non_null(strstr(body, ":7\",\"event\":\"user.updated\""));
    free(body);
}

static void test_patterns_parse_and_match(void **state)
{
    (void)state;
    hook_patterns_t p;
    char why[256], text[HOOK_EVENTS_TEXT_MAX];
    const char *list = "customer.*, deal.won,deal.won,task.created";
    assert_int_equal(hook_patterns_parse(list, strlen(list), &p, why, sizeof why), 0);
    assert_int_equal(p.n, 3); /* the duplicate once */
    hook_patterns_format(&p, text, sizeof text);
    assert_string_equal(text, "customer.*,deal.won,task.created");
    assert_true(hook_patterns_match(&p, "customer.created"));
    assert_true(hook_patterns_match(&p, "customer.deleted"));
    assert_true(hook_patterns_match(&p, "deal.won"));
    assert_false(hook_patterns_match(&p, "deal.updated"));
    assert_false(hook_patterns_match(&p, "contact.created"));
    assert_false(hook_patterns_match(&p, "task.updated"));

    hook_events_t ev = {2, {"deal.updated", "deal.won"}};
    assert_string_equal(hook_patterns_first(&p, &ev), "deal.won");
    assert_int_equal(hook_patterns_parse("*", 1, &p, why, sizeof why), 0);
    assert_string_equal(hook_patterns_first(&p, &ev), "deal.updated");

    const char *bad[] = {"", "customer", "customer.", ".created", "custard.*", "deal.flew", "deal.won,,task.done",
                         "customer.**", "*.created", "customer.created\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hook_patterns_parse(bad[i], strlen(bad[i]), &p, why, sizeof why), ACCORD_EINVAL);
        assert_non_null(strstr(why, "events"));
    }
}

static void test_url_check(void **state)
{
    (void)state;
    hook_self_t self = {0};
    assert_true(hook_self_add(&self, "7480"));                    /* --http PORT: 127.0.0.1 */
    assert_true(hook_self_add(&self, "tcp://0.0.0.0:7400"));      /* sync --listen */
    assert_false(hook_self_add(&self, "ipc:///tmp/x"));
    char why[256];
    const char *good[] = {"http://127.0.0.1:8080/hook", "https://crm-hooks.example.com/in?x=1", "HTTP://[::1]:9000/",
                          "http://10.1.2.3/", "http://localhost:7481/"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(hook_url_check(good[i], strlen(good[i]), &self, why, sizeof why), 0);
    const char *bad[] = {"ftp://127.0.0.1:8080/", "file:///etc/passwd", "gopher://x/", "http://", "http:///x",
                         "http://user:pw@example.com/", "http://example.com:0/", "http://example.com:99999/",
                         "http://exa mple.com/", "http://[::1/", "http://example.com:80x/", "javascript:alert(1)",
                         /* this node itself, however it is named */
                         "http://127.0.0.1:7480/", "http://localhost:7480/x", "http://[::1]:7480/",
                         "http://127.0.0.2:7480/", "http://0.0.0.0:7400/", "http://127.0.0.1:7400/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (hook_url_check(bad[i], strlen(bad[i]), &self, why, sizeof why) != ACCORD_EINVAL) fail_msg("took %s", bad[i]);
        assert_non_null(strstr(why, "url"));
    }
    assert_true(hook_self_refuses(&self, "127.0.0.1", 7480));
    assert_false(hook_self_refuses(&self, "127.0.0.1", 7481));
    assert_false(hook_self_refuses(&self, "192.0.2.1", 7480)); /* TEST-NET: not this machine */
}

/* An IPv4 address written another way is the same address: an IPv4-mapped IPv6 address
 * (an AF_INET6 socket connecting to ::ffff:A reaches an IPv4 listener on A) and the
 * decimal, hex, octal and short forms curl takes in a URL (2130706433 is 127.0.0.1). */
static void test_url_check_sees_an_ipv4_address_however_written(void **state)
{
    (void)state;
    hook_self_t self = {0};
    assert_true(hook_self_add(&self, "7480"));                   /* 127.0.0.1 */
    assert_true(hook_self_add(&self, "tcp://192.0.2.77:7400"));  /* the listen address as given */
    assert_true(hook_self_refuses(&self, "::ffff:192.0.2.77", 7400));
    assert_true(hook_self_refuses(&self, "::ffff:c000:24d", 7400));
    assert_true(hook_self_refuses(&self, "0:0:0:0:0:ffff:c000:24d", 7400));
    assert_false(hook_self_refuses(&self, "::ffff:192.0.2.78", 7400));
    assert_false(hook_self_refuses(&self, "::ffff:192.0.2.77", 7401));
    char why[256];
    const char *bad[] = {"http://2130706433:7480/", "http://127.1:7480/", "http://0x7f000001:7480/",
                         "http://0177.0.0.1:7480/", "http://0x7f.0.0.1:7480/", "http://3221226061:7400/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (hook_url_check(bad[i], strlen(bad[i]), &self, why, sizeof why) != ACCORD_EINVAL) fail_msg("took %s", bad[i]);
    /* a name that only looks like a number is still a name: resolved (and checked) at delivery */
    const char *good[] = {"http://2130706433.example.com:7480/", "http://127.1:7481/"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(hook_url_check(good[i], strlen(good[i]), &self, why, sizeof why), 0);

    /* one of this machine's own addresses, mapped: the node listening on every address */
    hook_self_t any = {0};
    assert_true(hook_self_add(&any, "tcp://0.0.0.0:7400"));
    struct ifaddrs *list = NULL;
    assert_int_equal(getifaddrs(&list), 0);
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        char a4[INET_ADDRSTRLEN], mapped[INET6_ADDRSTRLEN + 8];
        inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, a4, sizeof a4);
        snprintf(mapped, sizeof mapped, "::ffff:%s", a4);
        if (!hook_self_refuses(&any, mapped, 7400)) fail_msg("took %s port 7400", mapped);
    }
    freeifaddrs(list);
}

static void test_signature_is_hmac_sha256_of_timestamp_dot_body(void **state)
{
    (void)state;
    char sig[HOOK_SIGNATURE_LEN + 1];
    hook_sign("abcdefghijklmnop", "1700000000", "{\"a\":1}", 7, sig);
    /* python3: hmac.new(b"abcdefghijklmnop", b"1700000000." + b'{"a":1}', hashlib.sha256) */
    assert_string_equal(sig, "sha256=ebd1783503362d9767cc4680f4cc3229a110311096c72abd3f9863261e12195d");
    hook_sign("abcdefghijklmnoq", "1700000000", "{\"a\":1}", 7, sig);
    assert_string_not_equal(sig, "sha256=ebd1783503362d9767cc4680f4cc3229a110311096c72abd3f9863261e12195d");
}

static void test_backoff_doubles_to_a_cap_with_jitter(void **state)
{
    (void)state;
    hook_policy_t pol = HOOK_POLICY_DEFAULT;
    assert_int_equal(hook_backoff_ms(&pol, 1, 0), 1000);
    assert_int_equal(hook_backoff_ms(&pol, 2, 0), 2000);
    assert_int_equal(hook_backoff_ms(&pol, 3, 0), 4000);
    assert_int_equal(hook_backoff_ms(&pol, 10, 0), 512000);
    assert_int_equal(hook_backoff_ms(&pol, 11, 0), 600000); /* capped at 10 min */
    assert_int_equal(hook_backoff_ms(&pol, 1000, 0), 600000);
    assert_int_equal(hook_backoff_ms(&pol, 1, UINT32_MAX), 800); /* at most 20% less */
    uint64_t mid = hook_backoff_ms(&pol, 3, UINT32_MAX / 2);
    assert_true(mid > 3200 && mid < 4000);
}

/* ---- the outbox ---- */

static uint64_t add_hook(fixture_t *f, const char *events)
{
    hook_t h;
    memset(&h, 0, sizeof h);
    snprintf(h.url, sizeof h.url, "http://127.0.0.1:9/in");
    snprintf(h.events, sizeof h.events, "%s", events);
    snprintf(h.secret, sizeof h.secret, "0123456789abcdef");
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, true, &t), 0);
    assert_int_equal(hook_add(t, &h, 1000), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    return h.id;
}

static uint64_t count_rows(store_t *st, store_table_t tbl)
{
    store_txn_t *t;
    store_iter_t *it;
    store_val_t k, v;
    uint64_t n = 0;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    assert_int_equal(store_iter_new(t, tbl, NULL, 0, false, &it), 0);
    while (store_iter_next(it, &k, &v) == 1) n++;
    store_iter_destroy(&it);
    store_txn_abort(&t);
    return n;
}

/* One customer written to f's feed in a transaction that commits, or is thrown away. */
static void write_customer(fixture_t *f, bool commit)
{
    store_txn_t *t;
    feed_head_t mark = oplog_mark(f->log);
    assert_int_equal(store_txn_begin(f->st, true, &t), 0);
    record_t rec;
    memset(&rec, 0, sizeof rec);
    crypto_random(rec.entity, ID_LEN);
    rec.kind = KIND_CUSTOMER;
    rec.author = "sara";
    rec.author_len = 4;
    rec.n_ops = 1;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, STR("Sara \"Q\""), false, {0}};
    assert_int_equal(oplog_append(f->log, t, &rec), 0);
    if (!commit) {
        store_txn_abort(&t);
        oplog_rollback(f->log, mark);
        return;
    }
    assert_int_equal(oplog_seal(f->log, t), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_commit_done(f->log);
}

static void test_outbox_row_is_written_in_the_changes_transaction(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "tehran-1", "branch");
    write_customer(&f, true); /* no hook yet: nothing queued */
    assert_int_equal(count_rows(f.st, TBL_OUTBOX), 0);
    uint64_t id = add_hook(&f, "customer.*");
    uint64_t other = add_hook(&f, "deal.won");
    write_customer(&f, false); /* thrown away: its row with it */
    assert_int_equal(count_rows(f.st, TBL_OUTBOX), 0);
    write_customer(&f, true);
    assert_int_equal(count_rows(f.st, TBL_OUTBOX), 1); /* once, for the hook that matches */

    store_txn_t *t;
    hook_item_t it;
    assert_int_equal(store_txn_begin(f.st, false, &t), 0);
    assert_int_equal(hook_item_first(t, other, &it), ACCORD_ENOTFOUND);
    assert_int_equal(hook_item_first(t, id, &it), 0);
    assert_int_equal(it.seq, oplog_head(f.log).seq);
    assert_memory_equal(it.origin, f.id->origin, ID_LEN);
    assert_string_equal(it.event, "customer.updated"); /* no created field: an update */
    char change[54], want[128];
    hook_change_id(f.id->origin, it.seq, change);
    snprintf(want, sizeof want, "{\"id\":\"%s\",\"event\":\"customer.updated\"", change);
    assert_memory_equal(it.body, want, strlen(want));
    assert_non_null(strstr(it.body, "\"set\":{\"name\":\"Sara \\\"Q\\\"\"}"));
    assert_non_null(strstr(it.body, "\"author\":\"sara\""));
    store_txn_abort(&t);

    /* removed: its rows go with it, and later changes queue nothing */
    assert_int_equal(store_txn_begin(f.st, true, &t), 0);
    uint64_t dropped = 0;
    assert_int_equal(hook_remove(t, id, &dropped), 0);
    assert_int_equal(hook_remove(t, id, &dropped), ACCORD_ENOTFOUND);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(dropped, 1);
    write_customer(&f, true);
    assert_int_equal(count_rows(f.st, TBL_OUTBOX), 0);
    fixture_close(&f);
}

static void test_a_replicated_change_is_queued_where_it_is_applied(void **state)
{
    (void)state;
    fixture_t a, hub;
    fixture_open(&a, "b1", "branch");
    fixture_open(&hub, "hq", "hub");
    uint64_t id = add_hook(&hub, "*");
    fixture_write_customers(&a, 3, "from b1", false); /* one batch of three, one checkpoint */
    assert_int_equal(count_rows(a.st, TBL_OUTBOX), 0);  /* b1 has no hook */

    uint8_t *bytes[3];
    const uint8_t *recs[3];
    size_t lens[3];
    apply_batch_t b = {recs, lens, 3, {0}};
    store_txn_t *t;
    assert_int_equal(store_txn_begin(a.st, false, &t), 0);
    for (uint64_t s = 1; s <= 3; s++) {
        uint8_t key[ID_LEN + 8];
        memcpy(key, a.id->origin, ID_LEN);
        be64_put(key + ID_LEN, s);
        store_val_t v;
        assert_int_equal(store_get(t, TBL_FEED, key, sizeof key, &v), 0);
        bytes[s - 1] = malloc(v.len);
        memcpy(bytes[s - 1], v.data, v.len);
        recs[s - 1] = bytes[s - 1];
        lens[s - 1] = v.len;
        if (s == 3) {
            assert_int_equal(store_get(t, TBL_CHECKPTS, key, sizeof key, &v), 0);
            memcpy(b.sig, v.data, CRYPTO_SIG_LEN);
        }
    }
    store_txn_abort(&t);
    for (int round = 0; round < 2; round++) { /* the second is a replay: nothing new, nothing queued */
        apply_result_t res;
        assert_int_equal(store_txn_begin(hub.st, true, &t), 0);
        assert_int_equal(apply_batch(t, a.id->origin, a.id->pk, &b, NULL, &res), 0);
        assert_int_equal(store_txn_commit(&t), 0);
        assert_int_equal(count_rows(hub.st, TBL_OUTBOX), 3);
    }
    hook_item_t it;
    assert_int_equal(store_txn_begin(hub.st, false, &t), 0);
    assert_int_equal(hook_item_first(t, id, &it), 0);
    assert_memory_equal(it.origin, a.id->origin, ID_LEN); /* the change keeps its origin's id */
    assert_int_equal(it.seq, 1);
    store_txn_abort(&t);
    for (int i = 0; i < 3; i++) free(bytes[i]);
    fixture_close(&a);
    fixture_close(&hub);
}

/* A record re-stamped after the clock was put right keeps its origin and seq: the same
 * change, queued once (restamp rebuilds and merges again without oplog_append). */
static void test_a_restamped_change_is_not_queued_again(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "b", "branch");
    add_hook(&f, "*");
    write_customer(&f, true); /* held by the hub */
    uint64_t now_ms = hlc_wall_ms(), ahead = HLC_PACK(now_ms + 3ULL * 3600 * 1000, 0);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f.st, true, &t), 0);
    for (int i = 0; i < 2; i++) {
        record_t rec;
        memset(&rec, 0, sizeof rec);
        crypto_random(rec.entity, ID_LEN);
        rec.kind = KIND_CUSTOMER;
        rec.author = "t";
        rec.author_len = 1;
        rec.hlc = ahead + (uint64_t)i;
        rec.n_ops = 1;
        rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, STR("Ahead"), false, {0}};
        assert_int_equal(oplog_append(f.log, t, &rec), 0);
    }
    assert_int_equal(oplog_seal(f.log, t), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_commit_done(f.log);
    assert_int_equal(count_rows(f.st, TBL_OUTBOX), 3);
    restamp_result_t res;
    assert_int_equal(store_txn_begin(f.st, true, &t), 0);
    assert_int_equal(restamp_note_ahead(t, 3ULL * 3600 * 1000), 0);
    assert_int_equal(restamp_tail(t, f.id, 1, now_ms + 2000, &res), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(res.first_seq, 2);
    assert_int_equal(res.last_seq, 3);
    assert_int_equal(count_rows(f.st, TBL_OUTBOX), 3);
    fixture_close(&f);
}

static hook_item_t first_item(fixture_t *f, uint64_t hook, store_txn_t **t)
{
    hook_item_t it;
    assert_int_equal(store_txn_begin(f->st, true, t), 0);
    assert_int_equal(hook_item_first(*t, hook, &it), 0);
    return it;
}

static void test_attempts_deliver_retry_and_give_up_but_keep(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "tehran-1", "branch");
    uint64_t id = add_hook(&f, "customer.*");
    write_customer(&f, true);
    write_customer(&f, true);
    hook_policy_t pol = {3, 3600000, 1000, 60000};
    hook_attempt_t fail = {false, 500, 12, "HTTP 500: try again"}, ok = {true, 204, 7, ""};
    store_txn_t *t;

    /* the first change: a 500, then a 204 */
    hook_item_t it = first_item(&f, id, &t);
    uint64_t seq1 = it.seq, t0 = it.queued_ms;
    assert_int_equal(hook_outbox_settle(t, &it, &fail, &pol, t0 + 50000, 0), 0);
    assert_int_equal(hook_item_first(t, id, &it), 0);
    assert_int_equal(it.seq, seq1); /* in order: the hook waits for it */
    assert_int_equal(it.attempts, 1);
    assert_int_equal(it.next_ms, t0 + 51000);
    assert_int_equal(hook_outbox_settle(t, &it, &ok, &pol, t0 + 51000, 0), 0);
    assert_int_equal(store_txn_commit(&t), 0);

    /* the second: three failures, then it is given up but kept */
    for (unsigned i = 0; i < 3; i++) {
        it = first_item(&f, id, &t);
        assert_int_equal(it.seq, seq1 + 1);
        assert_int_equal(hook_outbox_settle(t, &it, &fail, &pol, t0 + 60000 + i, 0), 0);
        assert_int_equal(store_txn_commit(&t), 0);
    }
    uint64_t pending, failed, next;
    hook_stats_t s;
    assert_int_equal(store_txn_begin(f.st, true, &t), 0);
    assert_int_equal(hook_item_first(t, id, &it), ACCORD_ENOTFOUND); /* nothing waits */
    assert_int_equal(hook_outbox_counts(t, id, &pending, &failed, &next), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(failed, 1);
    assert_int_equal(hook_stats_get(t, id, &s), 0);
    assert_int_equal(s.delivered, 1);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.last_ok_ms, t0 + 51000);
    assert_string_equal(s.last_error, "HTTP 500: try again");
    /* a row gone meanwhile (the hook removed during the POST): nothing written */
    hook_item_t gone = it;
    gone.qseq = 999999;
    assert_int_equal(hook_outbox_settle(t, &gone, &ok, &pol, t0 + 70000, 0), ACCORD_ENOTFOUND);
    store_txn_abort(&t);

    /* a change that waited past max_age is given up at its next failure */
    write_customer(&f, true);
    it = first_item(&f, id, &t);
    assert_int_equal(hook_outbox_settle(t, &it, &fail, &pol, it.queued_ms + pol.max_age_ms, 0), 0);
    assert_int_equal(hook_outbox_counts(t, id, &pending, &failed, &next), 0);
    assert_int_equal(failed, 2);
    store_txn_abort(&t);

    /* the log, newest first: failed, retry, retry, delivered, retry */
    typedef struct {
        unsigned n;
        uint8_t outcome[8];
    } seen_t;
    seen_t seen = {0};
    assert_int_equal(store_txn_begin(f.st, false, &t), 0);
    store_iter_t *iter;
    store_val_t k, v;
    assert_int_equal(store_iter_new(t, TBL_DELIVERIES, NULL, 0, true, &iter), 0);
    hook_log_entry_t e;
    while (store_iter_next(iter, &k, &v) == 1 && seen.n < 8) {
        assert_int_equal(hook_log_decode(k.data, k.len, v.data, v.len, &e), 0);
        seen.outcome[seen.n++] = e.outcome;
    }
    store_iter_destroy(&iter);
    store_txn_abort(&t);
    uint8_t want[] = {HOOK_LOG_FAILED, HOOK_LOG_RETRY, HOOK_LOG_RETRY, HOOK_LOG_DELIVERED, HOOK_LOG_RETRY};
    assert_int_equal(seen.n, 5);
    assert_memory_equal(seen.outcome, want, sizeof want);
    fixture_close(&f);
}

/* Given-up rows stay in the outbox, ahead of the pending ones (docs/WEBHOOKS.md): the
 * worker's look for a hook's next change starts where its last look found one, so it
 * steps over them once, not at every poll (a million of them, after a receiver was down
 * for days, cost a scan of 225 ms each look). */
static void test_a_look_steps_over_given_up_rows_once(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "tehran-1", "branch");
    uint64_t id = add_hook(&f, "customer.*");
    for (int i = 0; i < 4; i++) write_customer(&f, true);
    hook_policy_t pol = {1, 3600000, 1000, 60000}; /* one failure gives up */
    hook_attempt_t fail = {false, 500, 12, "HTTP 500: try again"};
    store_txn_t *t;
    hook_item_t it;
    uint64_t from = 0, q[4];
    for (int i = 0; i < 2; i++) { /* the first two given up */
        assert_int_equal(store_txn_begin(f.st, true, &t), 0);
        assert_int_equal(hook_item_pending(t, id, &from, &it), 0);
        q[i] = it.qseq;
        assert_int_equal(from, it.qseq); /* the next look starts at the row found */
        assert_int_equal(hook_outbox_settle(t, &it, &fail, &pol, it.queued_ms + 1, 0), 0);
        assert_int_equal(store_txn_commit(&t), 0);
    }
    assert_true(q[1] > q[0]);
    assert_int_equal(store_txn_begin(f.st, false, &t), 0);
    uint64_t fresh = 0;
    assert_int_equal(hook_item_pending(t, id, &fresh, &it), 0); /* from the start: over both */
    q[2] = it.qseq;
    assert_true(q[2] > q[1]);
    assert_int_equal(fresh, q[2]);
    assert_int_equal(hook_item_pending(t, id, &from, &it), 0); /* from the last look: the same row */
    assert_int_equal(it.qseq, q[2]);
    assert_int_equal(from, q[2]);
    hook_item_t first;
    assert_int_equal(hook_item_first(t, id, &first), 0);
    assert_int_equal(first.qseq, q[2]);
    store_txn_abort(&t);

    /* the rest given up too: nothing waits, and the next look starts past them all */
    for (int i = 2; i < 4; i++) {
        assert_int_equal(store_txn_begin(f.st, true, &t), 0);
        assert_int_equal(hook_item_pending(t, id, &from, &it), 0);
        q[i] = it.qseq;
        assert_int_equal(hook_outbox_settle(t, &it, &fail, &pol, it.queued_ms + 1, 0), 0);
        assert_int_equal(store_txn_commit(&t), 0);
    }
    assert_int_equal(store_txn_begin(f.st, false, &t), 0);
    assert_int_equal(hook_item_pending(t, id, &from, &it), ACCORD_ENOTFOUND);
    assert_int_equal(from, q[3] + 1);
    store_txn_abort(&t);
    write_customer(&f, true); /* a change queued later is found from there */
    assert_int_equal(store_txn_begin(f.st, false, &t), 0);
    assert_int_equal(hook_item_pending(t, id, &from, &it), 0);
    assert_true(it.qseq > q[3]);
    uint64_t pending, failed, next;
    assert_int_equal(hook_outbox_counts(t, id, &pending, &failed, &next), 0);
    assert_int_equal(pending, 1);
    assert_int_equal(failed, 4);
    store_txn_abort(&t);
    fixture_close(&f);
}

/* ---- the worker against a receiver on 127.0.0.1 ---- */

typedef struct {
    int fd;              /* listening */
    unsigned port;
    volatile int posts;  /* requests answered */
    volatile bool stop;
    pthread_t thread;
} counting_receiver_t;

/* Answers every request 204, one connection at a time (kept alive), and counts them. */
static void *receive(void *arg)
{
    counting_receiver_t *r = arg;
    while (!r->stop) {
        struct pollfd p = {r->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        int c = accept(r->fd, NULL, NULL);
        if (c < 0) continue;
        char buf[8192];
        size_t have = 0;
        while (!r->stop) {
            struct pollfd q = {c, POLLIN, 0};
            if (poll(&q, 1, 50) <= 0) continue;
            ssize_t n = recv(c, buf + have, sizeof buf - 1 - have, 0);
            if (n <= 0) break;
            have += (size_t)n;
            buf[have] = 0;
            char *end = strstr(buf, "\r\n\r\n"), *cl = strstr(buf, "Content-Length:"); /* as curl writes it */
            if (!end || !cl) continue;
            size_t body = strtoul(cl + 15, NULL, 10), head = (size_t)(end + 4 - buf);
            if (have < head + body) continue;
            const char answer[] = "HTTP/1.1 204 No Content\r\n\r\n";
            if (send(c, answer, sizeof answer - 1, MSG_NOSIGNAL) < 0) break;
            r->posts++;
            memmove(buf, buf + head + body, have - head - body);
            have -= head + body;
        }
        close(c);
    }
    return NULL;
}

static void receiver_start(counting_receiver_t *r)
{
    memset(r, 0, sizeof *r);
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(r->fd, 8), 0);
    assert_int_equal(getsockname(r->fd, (struct sockaddr *)&a, &len), 0);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, receive, r), 0);
}

static void receiver_stop(counting_receiver_t *r)
{
    r->stop = true;
    pthread_join(r->thread, NULL);
    close(r->fd);
}

/* A delivery the node cannot record (here its figures row is spoilt; a full disk does the
 * same) is sent again, but not at once: the worker waits before it tries that hook again,
 * so a receiver is not flooded with the same change hundreds of times a second. */
static void test_a_delivery_not_recorded_is_not_sent_again_at_once(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "tehran-1", "branch");
    counting_receiver_t r;
    receiver_start(&r);
    hook_t h;
    memset(&h, 0, sizeof h);
    snprintf(h.url, sizeof h.url, "http://127.0.0.1:%u/in", r.port);
    snprintf(h.events, sizeof h.events, "*");
    snprintf(h.secret, sizeof h.secret, "0123456789abcdef");
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f.st, true, &t), 0);
    assert_int_equal(hook_add(t, &h, 1000), 0);
    uint8_t key[9] = {'S'};
    be64_put(key + 1, h.id);
    assert_int_equal(store_put(t, TBL_HOOKS, key, sizeof key, "bad", 3), 0); /* hook_stats_get: ESTORE */
    assert_int_equal(store_txn_commit(&t), 0);
    write_customer(&f, true);
    hook_worker_config_t cfg = {.policy = HOOK_POLICY_DEFAULT, .timeout_ms = 2000, .connect_timeout_ms = 1000,
                                .poll_ms = 20};
    hook_worker_t *w = hook_worker_start(f.st, &cfg);
    assert_non_null(w);
    for (int i = 0; i < 100 && r.posts == 0; i++) usleep(10000);
    usleep(1000000);
    hook_worker_stop(&w);
    receiver_stop(&r);
    assert_true(r.posts >= 1);
    if (r.posts > 3) fail_msg("the same change was POSTed %d times in a second", r.posts);
    assert_int_equal(count_rows(f.st, TBL_OUTBOX), 1); /* still there: it is sent again later */
    fixture_close(&f);
}

/* A name of *.slow.invalid takes 6 s to resolve, as under a DNS server that does not
 * answer: this getaddrinfo stands in for libc's in this process (libcurl's resolver
 * thread calls it); every other name goes to libc's. */
#define SLOW_RESOLVE_S 6
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
    typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    static gai_fn real;
    size_t n = node ? strlen(node) : 0;
    if (n > 13 && !strcmp(node + n - 13, ".slow.invalid")) {
        sleep(SLOW_RESOLVE_S);
        return EAI_NONAME;
    }
    if (!real) *(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
    return real(node, service, hints, res);
}

/* The node stops in a bounded time even while a POST waits on a name being resolved
 * (getaddrinfo cannot be interrupted; curl would wait for its thread). */
static void test_stop_is_bounded_while_a_name_resolves(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "tehran-1", "branch");
    hook_t h;
    memset(&h, 0, sizeof h);
    snprintf(h.url, sizeof h.url, "http://receiver.slow.invalid:9/in");
    snprintf(h.events, sizeof h.events, "*");
    snprintf(h.secret, sizeof h.secret, "0123456789abcdef");
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f.st, true, &t), 0);
    assert_int_equal(hook_add(t, &h, 1000), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    write_customer(&f, true);
    hook_worker_config_t cfg = {.policy = HOOK_POLICY_DEFAULT, .timeout_ms = 30000, .connect_timeout_ms = 15000,
                                .poll_ms = 20};
    hook_worker_t *w = hook_worker_start(f.st, &cfg);
    assert_non_null(w);
    usleep(500000); /* the POST is resolving the name */
    uint64_t t0 = hlc_wall_ms();
    hook_worker_stop(&w);
    uint64_t took_ms = hlc_wall_ms() - t0;
    if (took_ms > 2000) fail_msg("stopping took %llu ms", (unsigned long long)took_ms);
    fixture_close(&f);
}

/* The event a stored row names goes into a header (X-Accord-Event): a row whose event is
 * not an event's name (a line break, a header of its own) is refused as the store's
 * fault, never sent. */
static void test_a_stored_event_is_an_events_name(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, "tehran-1", "branch");
    uint64_t id = add_hook(&f, "*");
    write_customer(&f, true);
    store_txn_t *t;
    store_iter_t *iter;
    store_val_t k, v;
    assert_int_equal(store_txn_begin(f.st, false, &t), 0);
    assert_int_equal(store_iter_new(t, TBL_OUTBOX, NULL, 0, false, &iter), 0);
    assert_int_equal(store_iter_next(iter, &k, &v), 1);
    uint8_t key[16], *row = malloc(v.len);
    size_t len = v.len;
    memcpy(key, k.data, sizeof key);
    memcpy(row, v.data, len);
    store_iter_destroy(&iter);
    store_txn_abort(&t);
    hook_item_t it;
    assert_int_equal(hook_item_decode(key, sizeof key, row, len, &it), 0);
    assert_int_equal(it.hook, id);
    const size_t at = 1 + 4 + 8 + 8 + ID_LEN + 8; /* the event's length byte */
    assert_int_equal(row[at], strlen("customer.updated"));
    const char *bad[] = {"customer\r\nX-A: b", "customer.upd\nted", "Customer.updated", "customer updated"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, row, len);
        memcpy(copy + at + 1, bad[i], strlen(bad[i])); /* as long as, or shorter than, the one written */
        memset(copy + at + 1 + strlen(bad[i]), 'd', strlen("customer.updated") - strlen(bad[i]));
        if (hook_item_decode(key, sizeof key, copy, len, &it) != ACCORD_ESTORE) fail_msg("took the event of row %zu", i);
        free(copy);
    }
    free(row);
    fixture_close(&f);
}

static void test_stored_rows_are_decoded_strictly(void **state)
{
    (void)state;
    hook_t h, back;
    memset(&h, 0, sizeof h);
    snprintf(h.url, sizeof h.url, "https://example.com/x");
    snprintf(h.events, sizeof h.events, "deal.won");
    snprintf(h.secret, sizeof h.secret, "0123456789abcdef");
    h.created_ms = 42;
    uint8_t row[HOOK_ROW_MAX];
    size_t len = hook_row_encode(&h, row);
    assert_int_equal(hook_row_decode(row, len, 7, &back), 0);
    assert_string_equal(back.url, h.url);
    assert_int_equal(back.id, 7);
    for (size_t cut = 0; cut < len; cut++) assert_int_equal(hook_row_decode(row, cut, 7, &back), ACCORD_ESTORE);
    row[14 + 16] = 'f'; /* "https" becomes "fttps" */
    assert_int_equal(hook_row_decode(row, len, 7, &back), ACCORD_ESTORE);
    uint8_t junk[40] = {0};
    hook_item_t it;
    hook_log_entry_t e;
    assert_int_equal(hook_item_decode(junk, 16, junk, sizeof junk, &it), ACCORD_ESTORE);
    assert_int_equal(hook_log_decode(junk, 8, junk, sizeof junk, &e), ACCORD_ESTORE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_of_a_change),
        cmocka_unit_test(test_body_leaves_password_hashes_out),
        cmocka_unit_test(test_patterns_parse_and_match),
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_url_check_sees_an_ipv4_address_however_written),
        cmocka_unit_test(test_signature_is_hmac_sha256_of_timestamp_dot_body),
        cmocka_unit_test(test_backoff_doubles_to_a_cap_with_jitter),
        cmocka_unit_test(test_outbox_row_is_written_in_the_changes_transaction),
        cmocka_unit_test(test_a_replicated_change_is_queued_where_it_is_applied),
        cmocka_unit_test(test_a_restamped_change_is_not_queued_again),
        cmocka_unit_test(test_attempts_deliver_retry_and_give_up_but_keep),
        cmocka_unit_test(test_a_look_steps_over_given_up_rows_once),
        cmocka_unit_test(test_a_delivery_not_recorded_is_not_sent_again_at_once),
        cmocka_unit_test(test_stop_is_bounded_while_a_name_resolves),
        cmocka_unit_test(test_a_stored_event_is_an_events_name),
        cmocka_unit_test(test_stored_rows_are_decoded_strictly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
