/* SPDX-License-Identifier: MIT
 * lists that scale (issue 15 item 5) and the pipeline's totals (item 3): list with sort,
 * desc, offset and limit pages the whole filtered set in order with its total; the filters
 * (branch, tag, assigned, city, segment) are ANDed and fold as search folds; search finds
 * customers by tag, part of an e-mail, a contact's name or phone, city and national id and
 * says when it left some out; an index built by an older version is rebuilt at start. */
#include "helpers.h"
#include "fixture.h"
#include "api_harness.h"

#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/request.h"
#include "proto/schema.h"
#include "api/api.h"
#include "state/index.h"

#include <msgpack.h>



static const msgpack_object *items_of(const result_t *r)
{
    if (r->code) fprintf(stderr, "# %s\n", r->msg);
    assert_int_equal(r->code, 0);
    const msgpack_object *items = get(&r->out.data, "items");
    assert_non_null(items);
    assert_int_equal(items->type, MSGPACK_OBJECT_ARRAY);
    return items;
}

static unsigned n_items(const result_t *r)
{
    return items_of(r)->via.array.size;
}

static const msgpack_object *item(const result_t *r, unsigned i)
{
    return &items_of(r)->via.array.ptr[i];
}

static bool more_of(const result_t *r)
{
    const msgpack_object *m = get(&r->out.data, "more");
    assert_non_null(m);
    return m->via.boolean;
}

static uint64_t total_of(const result_t *r)
{
    const msgpack_object *t = get(&r->out.data, "total");
    assert_non_null(t);
    assert_int_equal(t->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    return t->via.u64;
}

/* Creates a customer; its id into id (33 bytes). Empty values are left out. */
static void customer(node_t *n, result_t *r, char *id, const char *name, const char *city, const char *segment,
                     const char *assigned, const char *tag)
{
    const char *kv[16];
    unsigned k = 0;
    kv[k++] = "kind", kv[k++] = "customer", kv[k++] = "name", kv[k++] = name;
    if (city[0]) kv[k++] = "city", kv[k++] = city;
    if (segment[0]) kv[k++] = "segment", kv[k++] = segment;
    if (assigned[0]) kv[k++] = "assigned", kv[k++] = assigned;
    if (tag[0]) kv[k++] = "add:tags", kv[k++] = tag;
    while (k < 12) kv[k++] = NULL;
    call(n, r, "create", kv[0], kv[1], kv[2], kv[3], kv[4], kv[5], kv[6], kv[7], kv[8], kv[9], kv[10], kv[11], NULL);
    assert_int_equal(r->code, 0);
    snprintf(id, 33, "%s", text(&r->out.data, "id"));
}

/* 40 customers "Name 00".."Name 39" (in a shuffled creation order, with mixed case), every
 * third in "Tehran", every fourth in segment "retail", every fifth tagged vip, every other
 * assigned to sara; number 7 has no city. */
static void forty_customers(node_t *n, result_t *r, char ids[40][33])
{
    for (unsigned k = 0; k < 40; k++) {
        unsigned i = (k * 17) % 40; /* 17 and 40 share no factor: each once */
        char name[32];
        snprintf(name, sizeof name, i % 2 ? "name %02u" : "NAME %02u", i);
        customer(n, r, ids[i], name, i == 7 ? "" : i % 3 == 0 ? "Tehran" : "Shiraz", i % 4 == 0 ? "retail" : "wholesale",
                 i % 2 == 0 ? "sara" : "reza", i % 5 == 0 ? "VIP" : "");
    }
}

static void test_sorted_pages_hold_every_record_once_in_order(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char ids[40][33];
    forty_customers(&a, &r, ids);
    /* pages of 7 by name: every customer once, in name order whatever the case */
    unsigned seen = 0;
    for (unsigned off = 0; off < 40; off += 7) {
        char offs[16];
        snprintf(offs, sizeof offs, "\2%u", off);
        call(&a, &r, "list", "kind", "customer", "sort", "name", "offset", offs, "limit", "\0027", NULL);
        assert_int_equal(total_of(&r), 40);
        assert_int_equal(get(&r.out.data, "offset")->via.u64, off);
        for (unsigned i = 0; i < n_items(&r); i++, seen++) assert_string_equal(text(item(&r, i), "id"), ids[off + i]);
        assert_int_equal(more_of(&r), off + 7 < 40);
        assert_int_equal(get(&r.out.data, "next")->type, MSGPACK_OBJECT_NIL);
    }
    assert_int_equal(seen, 40);
    /* descending: the last first */
    call(&a, &r, "list", "kind", "customer", "sort", "name", "desc", "\3", "limit", "\0023", NULL);
    assert_int_equal(n_items(&r), 3);
    assert_string_equal(text(item(&r, 0), "id"), ids[39]);
    assert_string_equal(text(item(&r, 2), "id"), ids[37]);
    /* by city: Shiraz, then Tehran, then the one without a city, last (first when desc) */
    call(&a, &r, "list", "kind", "customer", "sort", "city", "offset", "\00239", NULL);
    assert_int_equal(n_items(&r), 1);
    assert_string_equal(text(item(&r, 0), "id"), ids[7]);
    assert_false(more_of(&r));
    call(&a, &r, "list", "kind", "customer", "sort", "city", "desc", "\3", "limit", "\0021", NULL);
    assert_string_equal(text(item(&r, 0), "id"), ids[7]);
    assert_true(more_of(&r));
    call(&a, &r, "list", "kind", "customer", "sort", "city", "limit", "\0021", NULL);
    assert_string_equal(text(item(&r, 0), "city"), "Shiraz");
    /* created: the order they were made in */
    call(&a, &r, "list", "kind", "customer", "sort", "created", "limit", "\0021", NULL);
    assert_int_equal(total_of(&r), 40);
    /* an offset at the end is an empty page; a deleted customer is not counted */
    call(&a, &r, "list", "kind", "customer", "sort", "name", "offset", "\00240", NULL);
    assert_int_equal(n_items(&r), 0);
    assert_false(more_of(&r));
    call(&a, &r, "delete", "id", ids[0], NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "list", "kind", "customer", "sort", "name", "limit", "\0021", NULL);
    assert_int_equal(total_of(&r), 39);
    assert_string_equal(text(item(&r, 0), "id"), ids[1]);
    /* a renamed customer moves */
    call(&a, &r, "update", "id", ids[39], "name", "Aaron", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "list", "kind", "customer", "sort", "name", "limit", "\0021", NULL);
    assert_string_equal(text(item(&r, 0), "id"), ids[39]);
    result_done(&r);
    node_close(&a);
}

static void test_filters_are_anded_and_folded(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char ids[40][33];
    forty_customers(&a, &r, ids);
    /* Tehran: 0, 3, ..., 39 (14 of them); typed in another case */
    call(&a, &r, "list", "kind", "customer", "sort", "name", "city", "TEHRAN", "limit", "\0025", NULL);
    assert_int_equal(total_of(&r), 14);
    assert_int_equal(n_items(&r), 5);
    assert_string_equal(text(item(&r, 1), "id"), ids[3]);
    assert_true(more_of(&r));
    /* Tehran and vip (0, 15, 30), and retail too (0 only) */
    call(&a, &r, "list", "kind", "customer", "sort", "name", "city", "tehran", "tag", "vip", NULL);
    assert_int_equal(total_of(&r), 3);
    assert_string_equal(text(item(&r, 2), "id"), ids[30]);
    call(&a, &r, "list", "kind", "customer", "sort", "name", "city", "tehran", "tag", "vip", "segment", "Retail", NULL);
    assert_int_equal(total_of(&r), 1);
    assert_string_equal(text(item(&r, 0), "id"), ids[0]);
    /* assigned to sara: the 20 even ones; and of this branch: all */
    call(&a, &r, "list", "kind", "customer", "sort", "name", "assigned", "sara", "desc", "\3", NULL);
    assert_int_equal(total_of(&r), 20);
    assert_string_equal(text(item(&r, 0), "id"), ids[38]);
    call(&a, &r, "list", "kind", "customer", "sort", "name", "branch", "tehran-1", NULL);
    assert_int_equal(total_of(&r), 40);
    call(&a, &r, "list", "kind", "customer", "sort", "name", "branch", "shiraz-2", NULL);
    assert_int_equal(total_of(&r), 0);
    assert_int_equal(n_items(&r), 0);
    /* without sort, the same filters page in id order (the old pages: after and next) */
    call(&a, &r, "list", "kind", "customer", "city", "Tehran", "tag", "VIP", "by_id", "\3", "limit", "\0022", NULL);
    assert_int_equal(n_items(&r), 2);
    assert_true(more_of(&r));
    char next[64];
    snprintf(next, sizeof next, "%s", text(&r.out.data, "next"));
    assert_true(strcmp(text(item(&r, 0), "id"), text(item(&r, 1), "id")) < 0);
    call(&a, &r, "list", "kind", "customer", "city", "Tehran", "tag", "VIP", "by_id", "\3", "after", next, NULL);
    assert_int_equal(n_items(&r), 1);
    assert_false(more_of(&r));
    result_done(&r);
    node_close(&a);
}

static void test_list_arguments_are_checked(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char ids[40][33];
    forty_customers(&a, &r, ids);
    call(&a, &r, "list", "kind", "customer", "sort", "phones", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "branch, created, name, city, segment or assigned"));
    call(&a, &r, "list", "kind", "customer", "offset", "\00250", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "give sort"));
    call(&a, &r, "list", "kind", "customer", "sort", "name", "offset", "\2-1", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    call(&a, &r, "list", "kind", "task", "city", "Tehran", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "no city"));
    call(&a, &r, "list", "kind", "customer", "totals", "\3", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    /* the branch app's query strings send numbers and flags as text */
    call(&a, &r, "list", "kind", "customer", "sort", "name", "desc", "true", "offset", "10", "limit", "5", NULL);
    assert_int_equal(n_items(&r), 5);
    assert_string_equal(text(item(&r, 0), "id"), ids[29]);
    call(&a, &r, "list", "kind", "customer", "sort", "name", "limit", "5x", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    result_done(&r);
    node_close(&a);
}

static const msgpack_object *total_row(const result_t *r, const char *stage, const char *currency)
{
    const msgpack_object *rows = get(&r->out.data, "totals");
    assert_non_null(rows);
    for (uint32_t i = 0; i < rows->via.array.size; i++) {
        const msgpack_object *row = &rows->via.array.ptr[i];
        if (!strcmp(text(row, "stage"), stage) && !strcmp(text(row, "currency"), currency)) return row;
    }
    return NULL;
}

static int64_t int_of(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = get(map, key);
    assert_non_null(o);
    return o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? o->via.i64 : (int64_t)o->via.u64;
}

static void test_pipeline_totals_cover_every_deal_not_the_page(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char cu[33];
    customer(&a, &r, cu, "Deal Owner", "", "", "", "");
    /* 25 deals: Lead in EUR 10.50 each (assigned sara), 5 Won in USD 1,000 each (reza) */
    for (int i = 0; i < 25; i++) {
        char title[32];
        snprintf(title, sizeof title, "Deal %02d", i);
        bool won = i < 5;
        call(&a, &r, "create", "kind", "deal", "customer", cu, "title", title, "amount", won ? "1000" : "10.50",
             "currency", won ? "USD" : "EUR", "assigned", won ? "reza" : "sara", NULL);
        assert_int_equal(r.code, 0);
        if (won) {
            char id[33];
            snprintf(id, sizeof id, "%s", text(&r.out.data, "id"));
            call(&a, &r, "update", "id", id, "stage", "Won", NULL);
            assert_int_equal(r.code, 0);
        }
    }
    call(&a, &r, "create", "kind", "deal", "customer", cu, "title", "No amount yet", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "list", "kind", "deal", "totals", "\3", "limit", "\0021", NULL);
    assert_int_equal(n_items(&r), 1);
    const msgpack_object *lead = total_row(&r, "Lead", "EUR"), *won = total_row(&r, "Won", "USD");
    assert_non_null(lead);
    assert_non_null(won);
    assert_int_equal(int_of(lead, "count"), 20);
    assert_int_equal(int_of(lead, "amount"), 20 * 1050);
    assert_int_equal(int_of(won, "count"), 5);
    assert_int_equal(int_of(won, "amount"), 5 * 100000);
    assert_int_equal(get(&r.out.data, "totals")->via.array.size, 3); /* and the deal without an amount */
    /* filtered by who is assigned; with sort, the page and the totals agree */
    call(&a, &r, "list", "kind", "deal", "totals", "\3", "assigned", "reza", "sort", "title", NULL);
    assert_int_equal(total_of(&r), 5);
    assert_int_equal(get(&r.out.data, "totals")->via.array.size, 1);
    assert_int_equal(int_of(total_row(&r, "Won", "USD"), "count"), 5);
    call(&a, &r, "list", "kind", "deal", "totals", "true", "branch", "elsewhere", NULL);
    assert_int_equal(get(&r.out.data, "totals")->via.array.size, 0);
    /* a deal's customer is a filter the index holds too (the card's lists) */
    call(&a, &r, "list", "kind", "deal", "customer", cu, "sort", "title", "limit", "\0022", NULL);
    assert_int_equal(total_of(&r), 26);
    assert_string_equal(text(item(&r, 0), "title"), "Deal 00");
    /* the amount is in minor units of its currency: a currency with other decimals alone
     * would read 10 USD as 1,000 JPY, so it needs the amount again; one with as many does not */
    call(&a, &r, "create", "kind", "deal", "customer", cu, "title", "Recurrency", "amount", "10", "currency", "USD", NULL);
    assert_int_equal(r.code, 0);
    char deal[33];
    snprintf(deal, sizeof deal, "%s", text(&r.out.data, "id"));
    call(&a, &r, "update", "id", deal, "currency", "JPY", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    assert_non_null(strstr(r.msg, "currency: give the amount again"));
    call(&a, &r, "update", "id", deal, "currency", "EUR", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "update", "id", deal, "currency", "JPY", "amount", "10", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "get", "id", deal, NULL);
    assert_int_equal(int_of(&r.out.data, "amount"), 10);
    result_done(&r);
    node_close(&a);
}

/* Finds q; returns the count, the first hit's id and matched into id and how. */
static unsigned search(node_t *a, result_t *r, const char *q, const char *limit)
{
    call(a, r, "search", "q", q, "limit", limit, NULL);
    assert_int_equal(r->code, 0);
    return n_items(r);
}

static void test_search_finds_tags_email_parts_contacts_city_and_national_id(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char ali[33], co[33], other[33];
    call(&a, &r, "create", "kind", "customer", "name", "Ali Karimi", "add:emails", "ali.karimi@gmail.com",
         "add:tags", "Fleet", "city", "Isfahan", "national_id", "0012345678", NULL);
    assert_int_equal(r.code, 0);
    snprintf(ali, sizeof ali, "%s", text(&r.out.data, "id"));
    call(&a, &r, "create", "kind", "customer", "name", "Pars Trucks", "type", "company", NULL);
    snprintf(co, sizeof co, "%s", text(&r.out.data, "id"));
    call(&a, &r, "create", "kind", "contact", "customer", co, "name", "Maryam Nouri", "add:phones", "+98 912 555 0101", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "create", "kind", "customer", "name", "Someone Else", "add:emails", "se@yahoo.com", NULL);
    snprintf(other, sizeof other, "%s", text(&r.out.data, "id"));

    assert_int_equal(search(&a, &r, "fleet", "\00210"), 1); /* a tag, with no by */
    assert_string_equal(text(item(&r, 0), "id"), ali);
    assert_string_equal(text(item(&r, 0), "matched"), "tag");
    assert_int_equal(search(&a, &r, "karimi", "\00210"), 1); /* the name first, once */
    assert_string_equal(text(item(&r, 0), "matched"), "name");
    assert_int_equal(search(&a, &r, "gmail", "\00210"), 1); /* part of an e-mail */
    assert_string_equal(text(item(&r, 0), "id"), ali);
    assert_string_equal(text(item(&r, 0), "matched"), "email");
    assert_int_equal(search(&a, &r, "arimi@gm", "\00210"), 1);
    assert_int_equal(search(&a, &r, "yahoo.com", "\00210"), 1);
    assert_string_equal(text(item(&r, 0), "id"), other);
    assert_int_equal(search(&a, &r, "ya", "\00210"), 0); /* fewer than 3: not a part of an address */
    assert_int_equal(search(&a, &r, "maryam", "\00210"), 1); /* a contact's name: her company */
    assert_string_equal(text(item(&r, 0), "id"), co);
    assert_string_equal(text(item(&r, 0), "matched"), "contact");
    assert_string_equal(text(item(&r, 0), "contact_name"), "Maryam Nouri");
    assert_int_equal(search(&a, &r, "0912 555 0101", "\00210"), 1); /* a contact's phone */
    assert_string_equal(text(item(&r, 0), "id"), co);
    assert_string_equal(text(item(&r, 0), "matched"), "contact");
    assert_int_equal(search(&a, &r, "isfa", "\00210"), 1); /* a city as it begins */
    assert_string_equal(text(item(&r, 0), "matched"), "city");
    assert_int_equal(search(&a, &r, "0012345678", "\00210"), 1); /* a national id */
    assert_string_equal(text(item(&r, 0), "matched"), "national_id");
    assert_string_equal(text(item(&r, 0), "id"), ali);
    /* more: the two left out are found by other ways than the first */
    call(&a, &r, "update", "id", other, "city", "Karaj", NULL);
    call(&a, &r, "update", "id", co, "add:tags", "kar", NULL);
    assert_int_equal(search(&a, &r, "kar", "\0021"), 1); /* Karimi by name; Karaj and the tag left out */
    assert_true(more_of(&r));
    assert_int_equal(search(&a, &r, "kar", "\0023"), 3);
    assert_false(more_of(&r));
    result_done(&r);
    node_close(&a);
}

/* A store whose index an older version built has no ORDER terms: the node's start builds
 * them, once. */
/* The list's filters narrow a search too: the page keeps them while someone types. */
static void test_search_keeps_the_lists_filters(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char ids[40][33];
    forty_customers(&a, &r, ids);
    call(&a, &r, "search", "q", "name", "limit", "\00210", "city", "tehran", NULL); /* 14 in Tehran */
    assert_int_equal(r.code, 0);
    assert_int_equal(n_items(&r), 10);
    assert_true(more_of(&r));
    for (unsigned i = 0; i < 10; i++) {
        unsigned k = 0;
        while (k < 40 && strcmp(ids[k], text(item(&r, i), "id"))) k++;
        assert_true(k < 40 && k % 3 == 0);
    }
    call(&a, &r, "search", "q", "name", "limit", "\00210", "city", "Tehran", "tag", "vip", NULL); /* 0, 15, 30 */
    assert_int_equal(r.code, 0);
    assert_int_equal(n_items(&r), 3);
    assert_false(more_of(&r));
    call(&a, &r, "search", "q", "name", "city", "", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    result_done(&r);
    node_close(&a);
}

/* Saved filters are each user's own: kept, replaced by name, bounded, deleted. */
static void test_saved_filters_are_per_user(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    call(&a, &r, "view_save", "user", "sara", "name", "VIPs in Isfahan", "filter", "{\"city\":\"Isfahan\",\"tag\":\"vip\"}", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "view_save", "user", "sara", "name", "Fleet", "filter", "{\"segment\":\"fleet\"}", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "view_save", "user", "reza", "name", "Mine", "filter", "{\"assigned\":\"reza\"}", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "view_save", "user", "sara", "name", "Fleet", "filter", "{\"segment\":\"fleet\",\"city\":\"Qom\"}", NULL);
    assert_int_equal(r.code, 0); /* the same name replaces */
    call(&a, &r, "views", "user", "sara", NULL);
    assert_int_equal(r.code, 0);
    const msgpack_object *items = items_of(&r);
    assert_int_equal(items->via.array.size, 2);
    assert_string_equal(text(&items->via.array.ptr[0], "name"), "Fleet");
    assert_string_equal(text(&items->via.array.ptr[0], "filter"), "{\"segment\":\"fleet\",\"city\":\"Qom\"}");
    call(&a, &r, "views", "user", "reza", NULL);
    assert_int_equal(n_items(&r), 1); /* each sees their own */
    call(&a, &r, "view_save", "user", "sara", "name", "", "filter", "{}", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    call(&a, &r, "view_save", "user", "sara", "name", "x", "filter", "not json", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL);
    call(&a, &r, "view_save", "name", "x", "filter", "{}", NULL);
    assert_int_equal(r.code, ACCORD_EINVAL); /* whose? */
    for (int i = 0; i < 48; i++) {
        char n[16];
        snprintf(n, sizeof n, "v%02d", i);
        call(&a, &r, "view_save", "user", "sara", "name", n, "filter", "{}", NULL);
        assert_int_equal(r.code, 0);
    }
    call(&a, &r, "view_save", "user", "sara", "name", "one too many", "filter", "{}", NULL);
    assert_int_equal(r.code, ACCORD_ETOOBIG);
    call(&a, &r, "view_delete", "user", "sara", "name", "Fleet", NULL);
    assert_int_equal(r.code, 0);
    call(&a, &r, "view_delete", "user", "sara", "name", "Fleet", NULL);
    assert_int_equal(r.code, ACCORD_ENOTFOUND);
    call(&a, &r, "views", "user", "sara", NULL);
    assert_int_equal(n_items(&r), 49);
    result_done(&r);
    node_close(&a);
}

static void test_an_older_index_is_rebuilt_at_start(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char ids[40][33];
    forty_customers(&a, &r, ids);
    uint64_t n;
    assert_int_equal(index_upgrade(a.fx.st, &n), 0); /* a store this version made (node init notes it): nothing to do */
    assert_int_equal(n, UINT64_MAX);
    /* as an older version left it: no ORDER terms, no version */
    store_txn_t *t;
    uint8_t order = IDX_ORDER;
    assert_int_equal(store_txn_begin(a.fx.st, true, &t), 0);
    assert_int_equal(store_del_prefix(t, TBL_INDEX, &order, 1, NULL), 0);
    assert_int_equal(store_del(t, TBL_META, "index-version", 13), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    call(&a, &r, "list", "kind", "customer", "sort", "name", NULL);
    assert_int_equal(total_of(&r), 0);
    assert_int_equal(index_upgrade(a.fx.st, &n), 0);
    assert_int_equal(n, 40);
    call(&a, &r, "list", "kind", "customer", "sort", "name", "limit", "\0021", NULL);
    assert_int_equal(total_of(&r), 40);
    assert_string_equal(text(item(&r, 0), "id"), ids[0]);
    call(&a, &r, "search", "q", "name 07", NULL); /* the rest of the index is whole */
    assert_int_equal(n_items(&r), 1);
    result_done(&r);
    node_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_pages_hold_every_record_once_in_order),
        cmocka_unit_test(test_filters_are_anded_and_folded),
        cmocka_unit_test(test_list_arguments_are_checked),
        cmocka_unit_test(test_pipeline_totals_cover_every_deal_not_the_page),
        cmocka_unit_test(test_search_finds_tags_email_parts_contacts_city_and_national_id),
        cmocka_unit_test(test_search_keeps_the_lists_filters),
        cmocka_unit_test(test_saved_filters_are_per_user),
        cmocka_unit_test(test_an_older_index_is_rebuilt_at_start),
    };
    return cmocka_run_group_tests_name("lists", tests, NULL, NULL);
}
