/* SPDX-License-Identifier: MIT
 * api: the local API verbs in process, on two nodes whose records are copied between
 * their stores the way replication will: concurrent edits become conflicts on both,
 * resolving one is itself a change that closes it on both. */
#include "helpers.h"
#include "fixture.h"
#include "api_harness.h"

#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "api/api.h"
#include "auth/users.h"
#include "state/merge.h"

#include <time.h>


static void str_of(const msgpack_object *o, char *out, size_t cap)
{
    assert_non_null(o);
    assert_int_equal(o->type, MSGPACK_OBJECT_STR);
    snprintf(out, cap, "%.*s", (int)o->via.str.size, o->via.str.ptr);
}

/* The items of a list or search reply ({items, more, next}). */
static const msgpack_object *items_of(const result_t *r)
{
    const msgpack_object *items = get(&r->out.data, "items");
    assert_non_null(items);
    assert_int_equal(items->type, MSGPACK_OBJECT_ARRAY);
    return items;
}

static bool more_of(const result_t *r)
{
    const msgpack_object *more = get(&r->out.data, "more");
    assert_non_null(more);
    assert_int_equal(more->type, MSGPACK_OBJECT_BOOLEAN);
    return more->via.boolean;
}

/* The open conflicts of a node's "conflicts" reply (a page: {conflicts, more, next}). */
static const msgpack_object *conflict_list(node_t *n, result_t *r)
{
    call(n, r, "conflicts", NULL);
    assert_int_equal(r->code, 0);
    const msgpack_object *list = get(&r->out.data, "items");
    assert_non_null(list);
    assert_int_equal(list->type, MSGPACK_OBJECT_ARRAY);
    return list;
}

/* Issue 15, item 7: what the conflicts inbox shows of a conflict of the city set to Karaj
 * by ali at tehran-1 and to Shiraz by mina at shiraz-2: the record's name, the value kept
 * now (the winner's), and each side's who, where and when. va, vb: the sides' values. */
static void check_inbox_entry(const msgpack_object *cf, const char *va, const char *vb, bool at_tehran)
{
    const msgpack_object *sides = get(cf, "sides");
    char name[64], current[32], winner[4];
    str_of(get(cf, "name"), name, sizeof name);
    assert_string_equal(name, "Sara Ahmadi");
    str_of(get(cf, "current"), current, sizeof current);
    str_of(get(cf, "winner"), winner, sizeof winner);
    assert_true(winner[0] == 'a' || winner[0] == 'b');
    assert_string_equal(current, winner[0] == 'a' ? va : vb);
    for (unsigned s = 0; s < 2; s++) {
        const msgpack_object *side = &sides->via.array.ptr[s];
        char value[32], author[16], branch[64], when[40];
        str_of(get(side, "value"), value, sizeof value);
        str_of(get(side, "author"), author, sizeof author);
        str_of(get(side, "branch"), branch, sizeof branch);
        str_of(get(side, "when"), when, sizeof when);
        assert_string_equal(author, !strcmp(value, "Karaj") ? "ali" : "mina");
        assert_true(strlen(branch) > 0);
        if (at_tehran && !strcmp(value, "Karaj")) assert_string_equal(branch, "tehran-1"); /* its own name */
        assert_int_equal(strlen(when), 24); /* 2026-11-24T10:00:00.000Z */
        assert_int_equal(when[10], 'T');
        assert_int_equal(when[23], 'Z');
    }
}

static void test_conflict_is_listed_and_resolved_on_both(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b, c;
    node_open(&a, "tehran-1");
    node_open(&b, "shiraz-2");
    node_open(&c, "tabriz-3");
    result_t r = {0};
    char id[64], kept[64];
    call(&a, &r, "create", "kind", "customer", "name", "Sara Ahmadi", "city", "Tehran", "user", "ali", NULL);
    assert_int_equal(r.code, 0);
    str_of(get(&r.out.data, "id"), id, sizeof id);
    replicate(&a, &b);
    replicate(&a, &c);
    /* both branches change the city, each having seen Tehran */
    call(&a, &r, "update", "id", id, "city", "Karaj", "user", "ali", NULL);
    assert_int_equal(r.code, 0);
    call(&b, &r, "update", "id", id, "city", "Shiraz", "user", "mina", NULL);
    assert_int_equal(r.code, 0);
    /* and each adds a phone: sets merge, no conflict */
    call(&a, &r, "update", "id", id, "add:phones", "09121111111", NULL);
    call(&b, &r, "update", "id", id, "add:phones", "09122222222", NULL);
    replicate(&a, &b);
    replicate(&b, &a);
    char conflict[256];
    node_t *nodes[2] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        const msgpack_object *list = conflict_list(nodes[i], &r);
        assert_int_equal(list->via.array.size, 1);
        assert_false(get(&r.out.data, "more")->via.boolean);
        const msgpack_object *cf = &list->via.array.ptr[0];
        char field[32], va[32], vb[32];
        str_of(get(cf, "field"), field, sizeof field);
        assert_string_equal(field, "city");
        const msgpack_object *sides = get(cf, "sides");
        assert_int_equal(sides->via.array.size, 2);
        str_of(get(&sides->via.array.ptr[0], "value"), va, sizeof va);
        str_of(get(&sides->via.array.ptr[1], "value"), vb, sizeof vb);
        assert_true((!strcmp(va, "Karaj") && !strcmp(vb, "Shiraz")) || (!strcmp(va, "Shiraz") && !strcmp(vb, "Karaj")));
        check_inbox_entry(cf, va, vb, nodes[i] == &a);
        str_of(get(cf, "conflict"), conflict, sizeof conflict);
        if (i == 0) snprintf(kept, sizeof kept, "%s", va);
        call(nodes[i], &r, "get", "id", id, NULL);
        const msgpack_object *phones = get(&r.out.data, "phones");
        assert_int_equal(phones->via.array.size, 2);
    }
    /* both nodes hold the same winner */
    char city_a[32], city_b[32];
    call(&a, &r, "get", "id", id, NULL);
    str_of(get(&r.out.data, "city"), city_a, sizeof city_a);
    call(&b, &r, "get", "id", id, NULL);
    str_of(get(&r.out.data, "city"), city_b, sizeof city_b);
    assert_string_equal(city_a, city_b);
    /* resolving at b keeps side a, and replicates like any change */
    call(&b, &r, "resolve", "conflict", conflict, "keep", "a", "user", "mina", NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(get(&r.out.data, "remaining")->via.u64, 0);
    replicate(&b, &a);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(conflict_list(nodes[i], &r)->via.array.size, 0);
        call(nodes[i], &r, "get", "id", id, NULL);
        char city[32];
        str_of(get(&r.out.data, "city"), city, sizeof city);
        assert_string_equal(city, kept);
        call(nodes[i], &r, "conflicts", "all", "\1nil", NULL); /* "all" not true: still none */
        assert_int_equal(get(&r.out.data, "items")->via.array.size, 0);
    }
    /* history shows the other branch's records, whose key this node does not know yet */
    call(&a, &r, "history", "id", id, NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(get(&r.out.data, "items")->via.array.size, 6);
    call(&a, &r, "resolve", "conflict", conflict, "keep", "a", NULL); /* resolved: it would undo later edits */
    assert_int_equal(r.code, ACCORD_EEXISTS);

    /* a third branch, offline all along, had changed the city from Tehran too: its edit is a
     * new side of the same conflict, which opens again with three sides */
    call(&c, &r, "update", "id", id, "city", "Tabriz", "user", "reza", NULL);
    assert_int_equal(r.code, 0);
    replicate(&c, &a);
    const msgpack_object *list = conflict_list(&a, &r);
    assert_int_equal(list->via.array.size, 1);
    const msgpack_object *cf = &list->via.array.ptr[0];
    assert_int_equal(get(cf, "sides")->via.array.size, 3);
    assert_int_equal(get(cf, "n_sides")->via.u64, 3);
    char again[256];
    str_of(get(cf, "conflict"), again, sizeof again);
    assert_string_equal(again, conflict); /* one conflict per field and base, not per pair */
    call(&a, &r, "resolve", "conflict", conflict, "keep", "d", "user", "ali", NULL); /* three sides: a to c */
    assert_int_equal(r.code, ACCORD_EINVAL);
    call(&a, &r, "resolve", "conflict", conflict, "keep", "c", "user", "ali", NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(conflict_list(&a, &r)->via.array.size, 0);
    call(&a, &r, "conflicts", "all", "\3", NULL);
    assert_int_equal(get(&r.out.data, "items")->via.array.size, 1);
    result_done(&r);
    node_close(&a);
    node_close(&b);
    node_close(&c);
}

/* Issue 13, item 15: the conflicts list pages and says when there is more. */
static void test_conflicts_page(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "tehran-1");
    node_open(&b, "shiraz-2");
    result_t r = {0};
    char ids[5][64];
    for (int i = 0; i < 5; i++) {
        call(&a, &r, "create", "kind", "customer", "name", "Shared Customer", "city", "Tehran", NULL);
        assert_int_equal(r.code, 0);
        str_of(get(&r.out.data, "id"), ids[i], sizeof ids[i]);
    }
    replicate(&a, &b);
    for (int i = 0; i < 5; i++) {
        call(&a, &r, "update", "id", ids[i], "city", "Karaj", NULL);
        call(&b, &r, "update", "id", ids[i], "city", "Shiraz", NULL);
    }
    replicate(&b, &a);
    char after[256] = "";
    unsigned seen = 0, pages = 0;
    for (;;) {
        if (after[0]) call(&a, &r, "conflicts", "limit", "\2" "2", "after", after, NULL);
        else call(&a, &r, "conflicts", "limit", "\2" "2", NULL);
        assert_int_equal(r.code, 0);
        const msgpack_object *items = get(&r.out.data, "items"), *more = get(&r.out.data, "more");
        assert_true(items->via.array.size <= 2);
        seen += items->via.array.size;
        pages++;
        if (!more->via.boolean) {
            assert_int_equal(get(&r.out.data, "next")->type, MSGPACK_OBJECT_NIL);
            break;
        }
        assert_int_equal(items->via.array.size, 2);
        str_of(get(&r.out.data, "next"), after, sizeof after);
    }
    assert_int_equal(seen, 5);
    assert_int_equal(pages, 3);
    call(&a, &r, "conflicts", "after", "not-a-conflict", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    result_done(&r);
    node_close(&a);
    node_close(&b);
}

/* Issue 13, item 15: a history of more than 1,000 changes pages, oldest first, none lost. */
static void test_history_pages_past_1000(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char id[64], city[32];
    call(&a, &r, "create", "kind", "customer", "name", "Busy Customer", NULL);
    str_of(get(&r.out.data, "id"), id, sizeof id);
    for (int i = 0; i < 1200; i++) {
        snprintf(city, sizeof city, "City %d", i);
        call(&a, &r, "update", "id", id, "city", city, NULL);
        assert_int_equal(r.code, 0);
    }
    char after[256] = "";
    unsigned seen = 0, pages = 0;
    uint64_t last_hlc = 0;
    for (;;) {
        if (after[0]) call(&a, &r, "history", "id", id, "limit", "\2" "500", "after", after, NULL);
        else call(&a, &r, "history", "id", id, "limit", "\2" "500", NULL);
        assert_int_equal(r.code, 0);
        const msgpack_object *items = get(&r.out.data, "items");
        for (uint32_t i = 0; i < items->via.array.size; i++) {
            uint64_t h = get(&items->via.array.ptr[i], "hlc")->via.u64;
            assert_true(h > last_hlc); /* oldest first, each once */
            last_hlc = h;
        }
        seen += items->via.array.size;
        pages++;
        if (!get(&r.out.data, "more")->via.boolean) break;
        str_of(get(&r.out.data, "next"), after, sizeof after);
    }
    assert_int_equal(seen, 1201);
    assert_int_equal(pages, 3);
    call(&a, &r, "history", "id", id, NULL); /* the default page: 1,000, and it says there is more */
    assert_int_equal(get(&r.out.data, "items")->via.array.size, 1000);
    assert_true(get(&r.out.data, "more")->via.boolean);
    result_done(&r);
    node_close(&a);
}

static void test_refusals_name_the_problem(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char cust[64], note[64];
    call(&a, &r, "create", "kind", "customer", "name", "X", NULL);
    str_of(get(&r.out.data, "id"), cust, sizeof cust);
    call(&a, &r, "create", "kind", "robot", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "kind must be one of"));
    call(&a, &r, "create", "kind", "customer", "name", "Y", "shoe_size", "44", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "unknown field 'shoe_size'"));
    call(&a, &r, "create", "kind", "customer", "name", "Y", "branch", "evil", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "kept by the node"));
    call(&a, &r, "create", "kind", "note", "related", cust, "text", "hello", NULL);
    assert_int_equal(r.code, 0);
    str_of(get(&r.out.data, "id"), note, sizeof note);
    call(&a, &r, "update", "id", note, "text", "changed", NULL);
    assert_int_equal(r.code, ACCORD_EREADONLY);
    assert_non_null(strstr(r.msg, "insert-only"));
    call(&a, &r, "update", "id", cust, "name", "\1nil", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "cannot be cleared"));
    call(&a, &r, "update", "id", cust, NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    call(&a, &r, "frobnicate", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "unknown request"));
    call(&a, &r, "search", "q", "", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    /* a refused request leaves the feed as it was */
    call(&a, &r, "status", NULL);
    assert_int_equal(get(&r.out.data, "feed_seq")->via.u64, 2);
    result_done(&r);
    node_close(&a);
}

/* A store that fills up refuses the write that does not fit with EFULL, keeps everything
 * acknowledged before it, and its feed still verifies. */
static void test_full_store_refuses_cleanly(void **state)
{
    (void)state;
    crypto_init();
    const char *was = getenv("ACCORD_MAP_MB"); /* valgrind's run sets one: the tests after need it back */
    char *saved = was ? strdup(was) : NULL;
    setenv("ACCORD_MAP_MB", "16", 1);
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char cust[64], text[3901];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = 0;
    call(&a, &r, "create", "kind", "customer", "name", "Full", NULL);
    str_of(get(&r.out.data, "id"), cust, sizeof cust);
    int stored = 0;
    for (int i = 0; i < 20000; i++) {
        text[0] = (char)('a' + i % 26);
        call(&a, &r, "create", "kind", "note", "related", cust, "text", text, NULL);
        if (r.code) break;
        stored++;
    }
    assert_int_equal(r.code, ACCORD_EFULL);
    assert_non_null(strstr(r.msg, "full"));
    assert_true(stored > 100);
    /* everything acknowledged is there and the feed is sound */
    call(&a, &r, "list", "kind", "note", NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal((int)items_of(&r)->via.array.size, stored < 1000 ? stored : 1000);
    call(&a, &r, "status", NULL);
    assert_int_equal((int)get(&r.out.data, "feed_seq")->via.u64, stored + 1);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(a.fx.st, false, &t), 0);
    feed_report_t rep;
    assert_int_equal(oplog_verify(t, a.fx.id->origin, a.fx.id->pk, &rep, NULL, NULL), 0);
    assert_int_equal((int)rep.records, stored + 1);
    store_txn_abort(&t);
    result_done(&r);
    node_close(&a);
    if (saved) setenv("ACCORD_MAP_MB", saved, 1);
    else unsetenv("ACCORD_MAP_MB");
    free(saved);
}

/* Adds tags PREFIX000 ... to the record, one update each (a request holds at most 64). */
static void add_tags(node_t *n, result_t *r, const char *id, const char *prefix, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "%s%03u", prefix, i);
        call(n, r, "update", "id", id, "add:tags", tag, NULL);
        assert_int_equal(r->code, 0);
    }
}

static unsigned array_size(const msgpack_object *o)
{
    assert_non_null(o);
    assert_int_equal(o->type, MSGPACK_OBJECT_ARRAY);
    return o->via.array.size;
}

/* issue 13 item 15: a record with more stored rows than a fixed read buffer held (300 tags
 * are 300 rows) is shown whole, and what is stored after the tags too: a tombstone's
 * merged_into, a deal's assigned. A merge copies every tag and the city, in as many records
 * as that takes. The index holds every term: the last tag finds the customer. */
static void test_300_tags_are_shown_searched_and_merged_in_full(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char keep[64], other[64], deal[64], s[64];
    call(&a, &r, "create", "kind", "customer", "name", "Reza Karimi", NULL);
    str_of(get(&r.out.data, "id"), keep, sizeof keep);
    call(&a, &r, "create", "kind", "customer", "name", "Reza Karimi Dup", "city", "Tabriz", NULL);
    str_of(get(&r.out.data, "id"), other, sizeof other);
    add_tags(&a, &r, other, "t", 300);
    call(&a, &r, "get", "id", other, NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(array_size(get(&r.out.data, "tags")), 300);
    call(&a, &r, "search", "q", "t299", "by", "tag", NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(array_size(items_of(&r)), 1);

    call(&a, &r, "merge", "keep", keep, "other", other, "user", "ali", NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(get(&r.out.data, "copied")->via.u64, 301);
    call(&a, &r, "get", "id", keep, NULL);
    assert_int_equal(array_size(get(&r.out.data, "tags")), 300);
    str_of(get(&r.out.data, "city"), s, sizeof s);
    assert_string_equal(s, "Tabriz");
    call(&a, &r, "get", "id", other, NULL); /* the tombstone: its tags, then merged_into */
    assert_int_equal(array_size(get(&r.out.data, "tags")), 300);
    str_of(get(&r.out.data, "merged_into"), s, sizeof s);
    assert_string_equal(s, keep);
    call(&a, &r, "search", "q", "t299", "by", "tag", NULL);
    assert_int_equal(array_size(items_of(&r)), 1);
    str_of(get(&items_of(&r)->via.array.ptr[0], "id"), s, sizeof s);
    assert_string_equal(s, keep);

    call(&a, &r, "create", "kind", "deal", "customer", keep, "title", "Fleet", "assigned", "mina", NULL);
    assert_int_equal(r.code, 0);
    str_of(get(&r.out.data, "id"), deal, sizeof deal);
    add_tags(&a, &r, deal, "d", 300);
    call(&a, &r, "list", "kind", "deal", NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(array_size(items_of(&r)), 1);
    const msgpack_object *d = &items_of(&r)->via.array.ptr[0];
    assert_int_equal(array_size(get(d, "tags")), 300);
    str_of(get(d, "assigned"), s, sizeof s);
    assert_string_equal(s, "mina");
    result_done(&r);
    node_close(&a);
}

/* Every word of a name is indexed and matched: a name of 66 short words (197 bytes) is
 * found by its last, which a 64-token cut left out. */
static void test_a_name_is_found_by_its_last_word(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char name[200] = "";
    for (int i = 0; i < 66; i++)
        snprintf(name + strlen(name), sizeof name - strlen(name), "%s%c%c", i ? " " : "", 'a' + i / 26, 'a' + i % 26);
    call(&a, &r, "create", "kind", "customer", "name", name, NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "search", "q", "cn", "by", "name", NULL); /* the 66th word */
    assert_int_equal(r.code, 0);
    assert_int_equal(array_size(items_of(&r)), 1);
    call(&a, &r, "search", "q", "aa cn", NULL);
    assert_int_equal(array_size(items_of(&r)), 1);
    result_done(&r);
    node_close(&a);
}

/* A set field holds at most SCHEMA_SET_MAX elements: the add past it is refused, naming
 * the limit, and a merge that would pass it is refused the same way. */
static void test_a_set_past_its_limit_is_refused(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char id[64], other[64];
    call(&a, &r, "create", "kind", "customer", "name", "Full Tags", NULL);
    str_of(get(&r.out.data, "id"), id, sizeof id);
    add_tags(&a, &r, id, "x", SCHEMA_SET_MAX);
    call(&a, &r, "update", "id", id, "add:tags", "x000", NULL); /* held already: no change */
    assert_int_equal(r.code, 0);
    call(&a, &r, "update", "id", id, "add:tags", "one-more", NULL);
    assert_int_equal(r.code, ACCORD_ETOOBIG);
    char want[64];
    snprintf(want, sizeof want, "at most %d", SCHEMA_SET_MAX);
    assert_non_null(strstr(r.msg, want));
    call(&a, &r, "create", "kind", "customer", "name", "Other", "add:tags", "y", NULL);
    str_of(get(&r.out.data, "id"), other, sizeof other);
    call(&a, &r, "merge", "keep", id, "other", other, NULL);
    assert_int_equal(r.code, ACCORD_ETOOBIG);
    assert_non_null(strstr(r.msg, want));
    call(&a, &r, "get", "id", other, NULL); /* nothing was written */
    assert_null(get(&r.out.data, "merged_into"));
    result_done(&r);
    node_close(&a);
}

/* issue 13 item 12: a list pages past API_LIST_MAX: each reply says whether more follow and
 * where the next page starts (after), and the pages together hold every record once. */
static void test_list_pages_past_1000(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    fixture_write_customers(&a.fx, 1500, "Paged", false);
    result_t r = {0};
    call(&a, &r, "list", "kind", "customer", NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(array_size(items_of(&r)), 1000);
    assert_true(more_of(&r));
    char next[64], seen_next[64];
    str_of(get(&r.out.data, "next"), next, sizeof next);
    call(&a, &r, "list", "kind", "customer", "after", next, NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(array_size(items_of(&r)), 500);
    assert_false(more_of(&r));
    assert_int_equal(get(&r.out.data, "next")->type, MSGPACK_OBJECT_NIL);

    /* small pages in id order: 1500 distinct ids, then an empty end */
    unsigned total = 0, pages = 0;
    char last[64] = "";
    seen_next[0] = 0;
    for (;;) {
        if (seen_next[0]) call(&a, &r, "list", "kind", "customer", "limit", "\002400", "by_id", "\3", "after", seen_next, NULL);
        else call(&a, &r, "list", "kind", "customer", "limit", "\002400", "by_id", "\3", NULL);
        assert_int_equal(r.code, 0);
        const msgpack_object *items = items_of(&r);
        for (uint32_t i = 0; i < items->via.array.size; i++) {
            char id[64];
            str_of(get(&items->via.array.ptr[i], "id"), id, sizeof id);
            assert_true(strcmp(id, last) > 0);
            snprintf(last, sizeof last, "%s", id);
        }
        total += items->via.array.size;
        pages++;
        if (!more_of(&r)) break;
        str_of(get(&r.out.data, "next"), seen_next, sizeof seen_next);
        assert_string_equal(seen_next, last);
    }
    assert_int_equal(total, 1500);
    assert_int_equal(pages, 4);
    call(&a, &r, "list", "kind", "customer", "limit", "\0021001", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "1000"));
    /* a search that stops at its limit says so */
    call(&a, &r, "search", "q", "paged", "limit", "\00210", NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(array_size(items_of(&r)), 10);
    assert_true(more_of(&r));
    call(&a, &r, "search", "q", "paged 1499", NULL);
    assert_int_equal(array_size(items_of(&r)), 1);
    assert_false(more_of(&r));
    result_done(&r);
    node_close(&a);
}

/* The titles of a task list's items, sorted and joined by ",", into out. */
static void titles_of(const result_t *r, char *out, size_t cap)
{
    const msgpack_object *items = items_of(r);
    char titles[16][64];
    unsigned n = items->via.array.size < 16 ? items->via.array.size : 16;
    for (unsigned i = 0; i < n; i++) str_of(get(&items->via.array.ptr[i], "title"), titles[i], sizeof titles[i]);
    qsort(titles, n, sizeof titles[0], (int (*)(const void *, const void *))strcmp);
    out[0] = 0;
    for (unsigned i = 0; i < n; i++) snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? "," : "", titles[i]);
}

/* Issue 15, item 4: a task has a due time (HH:MM on its due date, the branch's wall time)
 * and a reminder (minutes before); lists find a person's tasks and a calendar's days, and
 * a task due today is overdue once its due time has passed. */
static void test_task_due_time_reminder_and_filters(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char id[64], list[256];
    call(&a, &r, "create", "kind", "task", "title", "A", "due_time", "09:00", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "due_time: give the due date too"));
    call(&a, &r, "create", "kind", "task", "title", "A", "due", "2026-12-01", "due_time", "9:5", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "HH:MM"));
    call(&a, &r, "create", "kind", "task", "title", "A", "due", "2026-12-01", "reminder", "\00220000", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "reminder: 20000 must be a whole number from 0 to 10080"));
    call(&a, &r, "create", "kind", "task", "title", "A", "due", "2026-12-01", "due_time", "۰۹:۰۰", "reminder", "30",
         "assignee", "mina", NULL);
    assert_int_equal(r.code, 0);
    str_of(get(&r.out.data, "id"), id, sizeof id);
    call(&a, &r, "get", "id", id, NULL);
    char due_time[16];
    str_of(get(&r.out.data, "due_time"), due_time, sizeof due_time);
    assert_string_equal(due_time, "09:00");
    assert_int_equal(get(&r.out.data, "reminder")->via.i64, 30);
    /* the due date cannot go while the due time stays; both together can */
    call(&a, &r, "update", "id", id, "due", "\1nil", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "clear due_time too"));
    call(&a, &r, "create", "kind", "task", "title", "B", "due", "2026-12-01", "assignee", "ali", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "create", "kind", "task", "title", "C", "due", "2026-12-03", "assignee", "mina", NULL);
    call(&a, &r, "create", "kind", "task", "title", "D", "due", "2026-11-30", "due_time", "10:00", "assignee", "mina",
         "done", "yes", NULL);
    call(&a, &r, "create", "kind", "task", "title", "E", "assignee", "mina", NULL);
    char no_due[64];
    str_of(get(&r.out.data, "id"), no_due, sizeof no_due);
    call(&a, &r, "update", "id", no_due, "due_time", "08:00", NULL); /* E has no due date */
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "give the due date too"));

    call(&a, &r, "list", "kind", "task", "assignee", "mina", NULL);
    titles_of(&r, list, sizeof list);
    assert_string_equal(list, "A,C,D,E");
    call(&a, &r, "list", "kind", "task", "assignee", "mina", "open", "\3", NULL);
    titles_of(&r, list, sizeof list);
    assert_string_equal(list, "A,C,E");
    call(&a, &r, "list", "kind", "task", "assignee", "min", NULL); /* exact, not a prefix */
    assert_int_equal(array_size(items_of(&r)), 0);
    call(&a, &r, "list", "kind", "task", "due_from", "2026-11-30", "due_to", "2026-12-01", NULL);
    titles_of(&r, list, sizeof list);
    assert_string_equal(list, "A,B,D");
    call(&a, &r, "list", "kind", "task", "due_from", "2026-12-01", "open", "\3", "assignee", "mina", NULL);
    titles_of(&r, list, sizeof list);
    assert_string_equal(list, "A,C");
    call(&a, &r, "list", "kind", "task", "due_to", "2026-12-02", NULL);
    titles_of(&r, list, sizeof list);
    assert_string_equal(list, "A,B,D");
    call(&a, &r, "list", "kind", "task", "due_from", "2026-12-03", "due_to", "2026-12-01", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "earlier day first"));
    call(&a, &r, "list", "kind", "task", "due_from", "1 Dec", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "due_from: give a date as YYYY-MM-DD"));

    /* due today at 09:00: overdue at 10:00, not at 08:59; B, due today with no time, only tomorrow */
    call(&a, &r, "list", "kind", "task", "overdue", "\3", "today", "2026-12-01", "now", "10:00", NULL);
    assert_int_equal(r.code, 0);
    titles_of(&r, list, sizeof list);
    assert_string_equal(list, "A");
    call(&a, &r, "list", "kind", "task", "overdue", "\3", "today", "2026-12-01", "now", "08:59", NULL);
    assert_int_equal(array_size(items_of(&r)), 0);
    call(&a, &r, "list", "kind", "task", "overdue", "\3", "today", "2026-12-01", NULL); /* no time: days before */
    assert_int_equal(array_size(items_of(&r)), 0);
    call(&a, &r, "list", "kind", "task", "overdue", "\3", "today", "2026-12-02", NULL);
    titles_of(&r, list, sizeof list);
    assert_string_equal(list, "A,B");
    /* a day's tasks in the order of their times, one without a time before them */
    call(&a, &r, "create", "kind", "task", "title", "F", "due", "2026-12-01", "due_time", "08:15", NULL);
    call(&a, &r, "list", "kind", "task", "due", "2026-12-01", NULL);
    const msgpack_object *day = items_of(&r);
    assert_int_equal(day->via.array.size, 3);
    const char *order[] = {"B", "F", "A"};
    for (unsigned i = 0; i < 3; i++) {
        char title[8];
        str_of(get(&day->via.array.ptr[i], "title"), title, sizeof title);
        assert_string_equal(title, order[i]);
    }
    call(&a, &r, "list", "kind", "task", "overdue", "\3", "today", "2026-12-01", "now", "25:00", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "now: give the local time of day as HH:MM"));
    result_done(&r);
    node_close(&a);
}

/* Two branches may leave a task with a due time and no due date between them (one clears
 * both, the other, later, moves the time): the task is shown as it is and still done. */
static void test_a_due_time_left_alone_by_two_branches_does_not_block_the_task(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "tehran-1");
    node_open(&b, "shiraz-2");
    result_t r = {0};
    char id[64];
    call(&a, &r, "create", "kind", "task", "title", "Call", "due", "2026-12-01", "due_time", "09:00", NULL);
    str_of(get(&r.out.data, "id"), id, sizeof id);
    replicate(&a, &b);
    call(&a, &r, "update", "id", id, "due", "\1nil", "due_time", "\1nil", NULL);
    assert_int_equal(r.code, 0);
    struct timespec later = {0, 5 * 1000 * 1000}; /* b's change is the later by its clock too */
    nanosleep(&later, NULL);
    call(&b, &r, "update", "id", id, "due_time", "10:00", NULL);
    assert_int_equal(r.code, 0);
    replicate(&b, &a);
    call(&a, &r, "get", "id", id, NULL);
    char at[8];
    str_of(get(&r.out.data, "due_time"), at, sizeof at);
    assert_string_equal(at, "10:00");
    assert_true(get(&r.out.data, "due") == NULL || get(&r.out.data, "due")->type == MSGPACK_OBJECT_NIL);
    call(&a, &r, "update", "id", id, "done", "yes", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "update", "id", id, "due_time", "11:00", NULL); /* but not a new time without a date */
    assert_int_equal(r.code, ACCORD_EINVAL);
    result_done(&r);
    node_close(&a);
    node_close(&b);
}

/* Issue 15: the page picks an owner or an assignee from the node's users: each name with
 * its role, sorted by name as people read it (case aside), never a password hash. */
static void test_users_lists_names_and_roles(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    call(&a, &r, "users", NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(array_size(items_of(&r)), 0);
    assert_false(more_of(&r));
    store_txn_t *t;
    char err[128];
    assert_int_equal(store_txn_begin(a.fx.st, true, &t), 0);
    assert_int_equal(users_put(t, "mina", USER_STAFF, "a long password 1", err, sizeof err), 0);
    assert_int_equal(users_put(t, "ali", USER_MANAGER, "a long password 2", err, sizeof err), 0);
    assert_int_equal(users_put(t, "Zahra", USER_ADMIN, "a long password 3", err, sizeof err), 0);
    assert_int_equal(users_put(t, "زهرا", USER_ADMIN, "a long password 3", err, sizeof err), ACCORD_EINVAL); /* ASCII names */
    assert_int_equal(store_txn_commit(&t), 0);
    call(&a, &r, "users", NULL);
    assert_int_equal(r.code, 0);
    const msgpack_object *items = items_of(&r);
    assert_int_equal(items->via.array.size, 3);
    static const char *const want[][2] = {{"ali", "manager"}, {"mina", "staff"}, {"Zahra", "admin"}}; /* not by case */
    for (unsigned i = 0; i < 3; i++) {
        const msgpack_object *u = &items->via.array.ptr[i];
        char name[64], role[16];
        assert_int_equal(u->via.map.size, 2); /* name and role, nothing else */
        str_of(get(u, "name"), name, sizeof name);
        str_of(get(u, "role"), role, sizeof role);
        assert_string_equal(name, want[i][0]);
        assert_string_equal(role, want[i][1]);
    }
    assert_false(more_of(&r));
    result_done(&r);
    node_close(&a);
}

/* An import that fills the store is refused whole (EFULL), not as rows refused in a batch
 * that commits: a row refused for want of room may have left its merge or its feed record
 * half written (a record merged with no feed record, a seq given twice). Everything the
 * imports that were answered made is there, and the feed holds exactly it. */
static void test_an_import_that_fills_the_store_is_refused_whole(void **state)
{
    (void)state;
    crypto_init();
    const char *was = getenv("ACCORD_MAP_MB");
    char *saved = was ? strdup(was) : NULL;
    setenv("ACCORD_MAP_MB", "16", 1);
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    static char rows[1024 * 480 + 8];
    int created = 0, calls = 0;
    for (; calls < 400; calls++) {
        size_t n = 1; /* "\4" then 64 items of 16 rows (an item is at most 8 KiB), rows joined
                       * by 0x1D, cells by 0x1F, each item ended by 0x1E */
        rows[0] = '\4';
        for (int i = 0; i < 512; i++) {
            n += (size_t)snprintf(rows + n, sizeof rows - n, "%sCustomer %d %d\x1f", i % 16 ? "\x1d" : "", calls, i);
            memset(rows + n, 'a' + i % 26, 450);
            n += 450;
            if (i % 16 == 15) rows[n++] = '\x1e';
        }
        rows[n] = 0;
        call(&a, &r, "import", "kind", "customer", "mode", "create", "columns", "\4name\x1e" "address\x1e", "rows", rows, NULL);
        if (r.code) break;
        created += (int)num(&r.out.data, "created");
        assert_int_equal(get(&r.out.data, "failed")->via.array.size, 0);
    }
    assert_int_equal(r.code, ACCORD_EFULL);
    assert_true(created >= 100);
    call(&a, &r, "status", NULL);
    ok(&r);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(a.fx.st, false, &t), 0);
    feed_report_t rep;
    assert_int_equal(oplog_verify(t, a.fx.id->origin, a.fx.id->pk, &rep, NULL, NULL), 0);
    assert_int_equal((int)rep.records, created);
    store_txn_abort(&t);
    result_done(&r);
    node_close(&a);
    if (saved) setenv("ACCORD_MAP_MB", saved, 1);
    else unsetenv("ACCORD_MAP_MB");
    free(saved);
}

/* An edit recomputes only the terms of the fields it changes (index_terms_of): after edits
 * of every kind of indexed field — a name, a city, phones and tags, a deal's amount and
 * currency (its stage term's tail), its stage, a delete — the index is what computing every
 * term afresh gives. */
static void test_edits_keep_the_index_as_a_rebuild_makes_it(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char cu[64], cu2[64], deal[64];
    call(&a, &r, "create", "kind", "customer", "name", "Sara Ahmadi", "city", "Tehran", "add:phones", "09121111111",
         "add:tags", "vip", NULL);
    assert_int_equal(r.code, 0);
    str_of(get(&r.out.data, "id"), cu, sizeof cu);
    call(&a, &r, "create", "kind", "customer", "name", "Reza Karimi", NULL);
    assert_int_equal(r.code, 0);
    str_of(get(&r.out.data, "id"), cu2, sizeof cu2);
    call(&a, &r, "create", "kind", "deal", "customer", cu, "title", "Van", "amount", "1200", "currency", "EUR", NULL);
    assert_int_equal(r.code, 0);
    str_of(get(&r.out.data, "id"), deal, sizeof deal);
    fixture_assert_index_complete(a.fx.st);
    call(&a, &r, "update", "id", cu, "name", "Sara Ahmadi-Rad", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "update", "id", cu, "city", "Karaj", "add:phones", "09122222222", "remove:tags", "vip", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "update", "id", deal, "amount", "1500", NULL);
    assert_int_equal(r.code, 0);
    fixture_assert_index_complete(a.fx.st);
    call(&a, &r, "update", "id", deal, "currency", "USD", "stage", "Won", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "delete", "id", cu2, NULL);
    assert_int_equal(r.code, 0);
    fixture_assert_index_complete(a.fx.st);
    result_done(&r);
    node_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conflict_is_listed_and_resolved_on_both),
        cmocka_unit_test(test_conflicts_page),
        cmocka_unit_test(test_history_pages_past_1000),
        cmocka_unit_test(test_refusals_name_the_problem),
        cmocka_unit_test(test_full_store_refuses_cleanly),
        cmocka_unit_test(test_an_import_that_fills_the_store_is_refused_whole),
        cmocka_unit_test(test_300_tags_are_shown_searched_and_merged_in_full),
        cmocka_unit_test(test_a_name_is_found_by_its_last_word),
        cmocka_unit_test(test_a_set_past_its_limit_is_refused),
        cmocka_unit_test(test_list_pages_past_1000),
        cmocka_unit_test(test_task_due_time_reminder_and_filters),
        cmocka_unit_test(test_users_lists_names_and_roles),
        cmocka_unit_test(test_a_due_time_left_alone_by_two_branches_does_not_block_the_task),
        cmocka_unit_test(test_edits_keep_the_index_as_a_rebuild_makes_it),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
