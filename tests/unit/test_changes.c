/* SPDX-License-Identifier: MIT
 * changes: what an HTTP client of the API needs beyond the verbs people use (issue 18):
 * list's updated_since, the records of a kind changed since a time in the order they
 * changed, paged by a cursor, deleted ones included; and each record's etag, which update
 * and delete check (if_match) so that a client cannot overwrite a change it has not seen. */
#include "helpers.h"
#include "fixture.h"
#include "api_harness.h"

#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "state/changes.h"
#include "state/entity.h"
#include "state/index.h"

#include <time.h>
#include <unistd.h>

static const msgpack_object *items_of(const result_t *r)
{
    const msgpack_object *items = get(&r->out.data, "items");
    assert_non_null(items);
    assert_int_equal(items->type, MSGPACK_OBJECT_ARRAY);
    return items;
}

/* the time of now as updated_since takes it, and a pause so that what follows is later */
static void mark_time(char out[32])
{
    usleep(3000);
    hlc_format(HLC_PACK(hlc_wall_ms(), 0), out, 32);
    usleep(3000);
}

static void create_customer(node_t *n, const char *name, char id[33])
{
    result_t r = {0};
    call(n, &r, "create", "kind", "customer", "name", name, NULL);
    id_of(&r, id);
}

/* the ids of a list of changes' page, joined by spaces, and its next */
static void page_ids(const result_t *r, char *out, size_t cap, char next[64])
{
    const msgpack_object *items = items_of(r);
    out[0] = 0;
    for (uint32_t i = 0; i < items->via.array.size; i++) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", n ? " " : "", text(&items->via.array.ptr[i], "id"));
    }
    snprintf(next, 64, "%s", text(&r->out.data, "next"));
}

static void test_updated_since_lists_changes_in_their_order(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char c1[33], c2[33], c3[33], start[32], mid[32], ids[512], next[64], want[512];
    mark_time(start);
    create_customer(&a, "Sara Ahmadi", c1);
    create_customer(&a, "Reza Karimi", c2);
    mark_time(mid);
    create_customer(&a, "Mina Rad", c3);
    /* an edit of a field no list sorts or filters by moves the record to the end */
    call(&a, &r, "update", "id", c1, "address", "Vali-Asr 12", NULL);
    ok(&r);

    call(&a, &r, "list", "kind", "customer", "updated_since", start, NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, next);
    snprintf(want, sizeof want, "%s %s %s", c2, c3, c1);
    assert_string_equal(ids, want);
    const msgpack_object *first = &items_of(&r)->via.array.ptr[0];
    assert_string_equal(text(first, "name"), "Reza Karimi");
    assert_int_equal(strlen(text(first, "etag")), ENTITY_ETAG_LEN);
    assert_int_equal(strlen(text(first, "updated")), 24);
    assert_true(strcmp(text(first, "updated"), start) > 0);

    /* since mid: c2 made before is left out */
    call(&a, &r, "list", "kind", "customer", "updated_since", mid, NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, next);
    snprintf(want, sizeof want, "%s %s", c3, c1);
    assert_string_equal(ids, want);

    /* pages of one by the cursor; the last page's next is where to ask again later */
    char cursor[64];
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "limit", "\0021", NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, cursor);
    assert_string_equal(ids, c2);
    assert_true(get(&r.out.data, "more")->via.boolean);
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "limit", "\0021", "after", cursor, NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, cursor);
    assert_string_equal(ids, c3);
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "limit", "\0022", "after", cursor, NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, cursor);
    assert_string_equal(ids, c1);
    assert_false(get(&r.out.data, "more")->via.boolean);
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "after", cursor, NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, next);
    assert_string_equal(ids, "");
    assert_string_equal(next, cursor); /* nothing new: the same place */

    /* a delete is a change: the record comes again, as a tombstone, after the cursor */
    call(&a, &r, "delete", "id", c2, NULL);
    ok(&r);
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "after", cursor, NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, next);
    assert_string_equal(ids, c2);
    const msgpack_object *gone = &items_of(&r)->via.array.ptr[0];
    assert_true(get(gone, "deleted")->via.boolean);
    assert_null(get(gone, "name"));
    /* other kinds are not in a list of customers' changes */
    call(&a, &r, "create", "kind", "note", "text", "called back", "related", c1, NULL);
    ok(&r);
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "after", next, NULL);
    ok(&r);
    assert_int_equal(items_of(&r)->via.array.size, 0);
    fixture_assert_index_complete(a.fx.st);

    call(&a, &r, "list", "kind", "customer", "updated_since", "yesterday", NULL);
    refused(&r, ACCORD_EINVAL, "updated_since");
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "sort", "name", NULL);
    refused(&r, ACCORD_EINVAL, "order");
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "after", c1, NULL);
    refused(&r, ACCORD_EINVAL, "after");
    result_done(&r);
    node_close(&a);
}

/* A change another branch made before T that arrives after T is a change since T here: a
 * client polling updated_since misses nothing a branch that was offline sends later. */
static void test_a_late_arrival_is_a_change_since(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "tehran-1");
    node_open(&b, "shiraz-2");
    result_t r = {0};
    char made_early[33], since[32], ids[256], next[64];
    create_customer(&b, "Made Offline", made_early); /* at shiraz-2, before since */
    mark_time(since);
    call(&a, &r, "list", "kind", "customer", "updated_since", since, NULL);
    ok(&r);
    assert_int_equal(items_of(&r)->via.array.size, 0);
    replicate(&b, &a); /* arrives now */
    call(&a, &r, "list", "kind", "customer", "updated_since", since, NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, next);
    assert_string_equal(ids, made_early);
    result_done(&r);
    node_close(&a);
    node_close(&b);
}

/* A store from before the log: its records are noted once at the time their state says. */
static void test_a_store_from_before_the_log_gets_one(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char c1[33], ids[256], next[64];
    create_customer(&a, "Before The Log", c1);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(a.fx.st, true, &t), 0);
    assert_int_equal(store_clear_table(t, TBL_CHANGES), 0);
    assert_int_equal(store_clear_table(t, TBL_CHANGED_AT), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    call(&a, &r, "list", "kind", "customer", "updated_since", "2000-01-01", NULL);
    ok(&r);
    assert_int_equal(items_of(&r)->via.array.size, 0);
    uint64_t n;
    assert_int_equal(changes_upgrade(a.fx.st, &n), 0);
    assert_true(n == 1);
    call(&a, &r, "list", "kind", "customer", "updated_since", "2000-01-01", NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, next);
    assert_string_equal(ids, c1);
    assert_int_equal(changes_upgrade(a.fx.st, &n), 0); /* once */
    assert_true(n == UINT64_MAX);
    result_done(&r);
    node_close(&a);
}

/* With a filter, the records that hold it now; a deleted one holds nothing. */
static void test_updated_since_takes_the_list_filters(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char c1[33], c2[33], start[32], ids[512], next[64];
    mark_time(start);
    call(&a, &r, "create", "kind", "customer", "name", "Sara Ahmadi", "city", "Tehran", NULL);
    id_of(&r, c1);
    call(&a, &r, "create", "kind", "customer", "name", "Reza Karimi", "city", "Shiraz", NULL);
    id_of(&r, c2);
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "city", "tehran", NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, next);
    assert_string_equal(ids, c1);
    call(&a, &r, "delete", "id", c1, NULL);
    ok(&r);
    call(&a, &r, "list", "kind", "customer", "updated_since", start, "city", "tehran", NULL);
    ok(&r);
    page_ids(&r, ids, sizeof ids, next);
    assert_string_equal(ids, "");
    result_done(&r);
    node_close(&a);
}

static void etag_of(node_t *n, const char *id, char out[ENTITY_ETAG_LEN + 1])
{
    result_t r = {0};
    call(n, &r, "get", "id", id, "etag", "\3", NULL);
    ok(&r);
    snprintf(out, ENTITY_ETAG_LEN + 1, "%s", text(&r.out.data, "etag"));
    assert_int_equal(strlen(out), ENTITY_ETAG_LEN);
    result_done(&r);
}

static void test_if_match_refuses_a_change_on_what_was_not_seen(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "tehran-1");
    node_open(&b, "shiraz-2");
    result_t r = {0};
    char cu[33], seen[ENTITY_ETAG_LEN + 1], now[ENTITY_ETAG_LEN + 1], other[ENTITY_ETAG_LEN + 1];
    create_customer(&a, "Sara Ahmadi", cu);
    etag_of(&a, cu, seen);
    call(&a, &r, "get", "id", cu, NULL); /* asked for only: get as people use it is unchanged */
    ok(&r);
    assert_null(get(&r.out.data, "etag"));

    call(&a, &r, "update", "id", cu, "city", "Karaj", "if_match", seen, NULL);
    ok(&r);
    etag_of(&a, cu, now);
    assert_string_not_equal(now, seen);
    /* the etag the change was made on is stale now: refused, nothing written */
    call(&a, &r, "update", "id", cu, "city", "Qom", "if_match", seen, NULL);
    refused(&r, ACCORD_ECHANGED, now);
    call(&a, &r, "get", "id", cu, NULL);
    ok(&r);
    assert_string_equal(text(&r.out.data, "city"), "Karaj");
    call(&a, &r, "delete", "id", cu, "if_match", seen, NULL);
    refused(&r, ACCORD_ECHANGED, "changed since you read it");
    call(&a, &r, "update", "id", cu, "city", "Qom", "if_match", "12ab", NULL);
    refused(&r, ACCORD_EINVAL, "if_match");

    /* the same state is the same etag on another node; a change that arrives from another
     * node counts as a change not seen */
    replicate(&a, &b);
    etag_of(&b, cu, other);
    assert_string_equal(other, now);
    call(&b, &r, "update", "id", cu, "city", "Shiraz", NULL);
    ok(&r);
    replicate(&b, &a);
    call(&a, &r, "update", "id", cu, "name", "Sara Ahmadi-Rad", "if_match", now, NULL);
    refused(&r, ACCORD_ECHANGED, "read it again");
    etag_of(&a, cu, now);
    call(&a, &r, "delete", "id", cu, "if_match", now, NULL);
    ok(&r);
    result_done(&r);
    node_close(&a);
    node_close(&b);
}

/* updated_since as other systems write times: RFC 3339 with Z or an offset, any fraction. */
static void test_times_as_other_systems_write_them(void **state)
{
    (void)state;
    uint64_t ms;
    const uint64_t at = 1764581400000ull; /* 2025-12-01T09:30:00Z */
    assert_int_equal(hlc_parse_time("2025-12-01T09:30:00Z", &ms), 0);
    assert_true(ms == at);
    assert_int_equal(hlc_parse_time("2025-12-01T09:30Z", &ms), 0);
    assert_true(ms == at);
    assert_int_equal(hlc_parse_time("2025-12-01T09:30:00.250Z", &ms), 0);
    assert_true(ms == at + 250);
    assert_int_equal(hlc_parse_time("2025-12-01T09:30:00.123456789Z", &ms), 0);
    assert_true(ms == at + 123);
    assert_int_equal(hlc_parse_time("2025-12-01T13:00:00+03:30", &ms), 0);
    assert_true(ms == at);
    assert_int_equal(hlc_parse_time("2025-12-01T13:00:00 03:30", &ms), 0); /* '+' decoded from a query */
    assert_true(ms == at);
    assert_int_equal(hlc_parse_time("2025-12-01T04:30:00-05:00", &ms), 0);
    assert_true(ms == at);
    assert_int_equal(hlc_parse_time("2025-12-01", &ms), 0);
    assert_true(ms == at - (9 * 3600 + 1800) * 1000ull);
    assert_int_equal(hlc_parse_time("2025-12-01t09:30:00z", &ms), 0); /* RFC 3339 5.6: t and z too */
    assert_true(ms == at);
    static const char *const bad[] = {"2025-12-01T09:30:00", "2025-02-30", "2025-13-01", "2025-12-01T24:00Z",
        "2025-12-01T09:30:00.Z", "2025-12-01T09:30:00+3:30", "yesterday", "", "2025-12-01T09:30:00Zx",
        "+025-12-01", "1969-12-31"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!hlc_parse_time(bad[i], &ms)) fail_msg("'%s' was taken", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times_as_other_systems_write_them),
        cmocka_unit_test(test_updated_since_lists_changes_in_their_order),
        cmocka_unit_test(test_updated_since_takes_the_list_filters),
        cmocka_unit_test(test_a_late_arrival_is_a_change_since),
        cmocka_unit_test(test_a_store_from_before_the_log_gets_one),
        cmocka_unit_test(test_if_match_refuses_a_change_on_what_was_not_seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
