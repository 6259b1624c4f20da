/* SPDX-License-Identifier: MIT
 * KPI counters: random changes to deals, tasks, interactions and customers from three
 * origins, applied in two different orders, leave identical counters, equal to counters
 * derived from scratch from the final state; a known day's figures come out of the report
 * exactly; periods parse. */
#include "helpers.h"

#include <time.h>

#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "state/kpi.h"
#include "state/merge.h"
#include "ops/report.h"

#define MAX_RECS 40
#define CASES_DEFAULT 400

typedef struct {
    record_t rec;
    char strs[RECORD_MAX_OPS][40];
} gen_record_t;

static gen_record_t recs[MAX_RECS];
static unsigned n_recs;
static const char *const stages[] = {"Lead", "Won", "Lost", "Proposal"};
static const char *const currencies[] = {"EUR", "IRR"};
static const char *const branches[] = {"tehran-1", "shiraz-1"};

static void set_str(gen_record_t *g, unsigned field, const char *s)
{
    record_op_t *op = &g->rec.ops[g->rec.n_ops];
    snprintf(g->strs[g->rec.n_ops], sizeof g->strs[0], "%s", s);
    *op = (record_op_t){(uint8_t)field, OP_SET, {VAL_STR, 0, g->strs[g->rec.n_ops], strlen(g->strs[g->rec.n_ops])}, false, {0}};
    g->rec.n_ops++;
}

static void set_int(gen_record_t *g, unsigned field, value_type_t type, int64_t v)
{
    g->rec.ops[g->rec.n_ops++] = (record_op_t){(uint8_t)field, OP_SET, {type, v, NULL, 0}, false, {0}};
}

static void gen_case(void)
{
    n_recs = 4 + rng_below(MAX_RECS - 4);
    uint64_t seq[3] = {0}, hlc[3] = {0};
    uint64_t base_ms = 1763942400000ULL; /* 2025-11-24 */
    for (unsigned r = 0; r < n_recs; r++) {
        gen_record_t *g = &recs[r];
        record_t *rec = &g->rec;
        memset(rec, 0, offsetof(record_t, ops));
        unsigned o = rng_below(3);
        rec->origin[0] = (uint8_t)(0x20 + o);
        rec->seq = ++seq[o];
        hlc[o] += 1 + rng_below(3);
        rec->hlc = HLC_PACK(base_ms + hlc[o] * 3600000ULL * 7, 0); /* changes spread over days */
        rec->author = "t";
        rec->author_len = 1;
        unsigned which = rng_below(6);
        rec->entity[0] = 0xd0;
        rec->entity[15] = (uint8_t)which;
        rec->kind = which < 2 ? KIND_DEAL : which < 4 ? KIND_TASK : which < 5 ? KIND_INTERACTION : KIND_CUSTOMER;
        if (rec->kind == KIND_INTERACTION) { /* insert-only: one record each, stored before or after its customer */
            rec->entity[15] = (uint8_t)(10 + r);
            if (rng_below(2)) rec->entity[0] = 0xc0;
        }
        if (rng_below(3) == 0 || rec->kind == KIND_INTERACTION) {
            set_str(g, F_BRANCH, branches[rng_below(2)]);
            char created[32];
            snprintf(created, sizeof created, "2025-11-%02uT10:00:00Z", 20 + rng_below(10));
            set_str(g, F_CREATED, created);
        }
        static uint8_t customer_ids[2][ID_LEN] = {{0xd0, [15] = 5}, {0xd0, [15] = 7}};
        switch (rec->kind) {
        case KIND_DEAL:
            if (rng_below(2)) g->rec.ops[g->rec.n_ops++] = (record_op_t){F_DE_CUSTOMER, OP_SET,
                {VAL_REF, 0, (const char *)customer_ids[rng_below(2)], ID_LEN}, false, {0}};
            if (rng_below(2)) set_str(g, F_DE_STAGE, stages[rng_below(4)]);
            if (rng_below(2)) set_int(g, F_DE_AMOUNT, VAL_INT, 100 * (1 + rng_below(50)));
            if (rng_below(3) == 0) set_str(g, F_DE_CURRENCY, currencies[rng_below(2)]);
            if (rng_below(3) == 0) set_int(g, F_DE_PROBABILITY, VAL_INT, 10 * rng_below(11));
            if (rng_below(4) == 0) set_str(g, F_DE_LOST_REASON, rng_below(2) ? "price" : "timing");
            break;
        case KIND_TASK: {
            char due[16];
            snprintf(due, sizeof due, "2025-11-%02u", 20 + rng_below(10));
            if (rng_below(2)) set_str(g, F_TA_DUE, due);
            if (rng_below(2)) set_int(g, F_TA_DONE, VAL_BOOL, rng_below(2));
            break;
        }
        case KIND_INTERACTION: {
            set_str(g, F_IN_TYPE, rng_below(2) ? "call" : "visit");
            char when[32];
            snprintf(when, sizeof when, "2025-11-%02uT%02u:00:00Z", 20 + rng_below(10), rng_below(24));
            set_str(g, F_IN_WHEN, when);
            g->rec.ops[g->rec.n_ops++] = (record_op_t){F_IN_CUSTOMER, OP_SET,
                {VAL_REF, 0, (const char *)customer_ids[rng_below(2)], ID_LEN}, false, {0}};
            break;
        }
        default:
            if (rng_below(2)) rec->entity[15] = 7; /* two customers */
            if (rng_below(2)) set_str(g, F_CU_ASSIGNED, "sara");
            if (rng_below(2)) g->rec.ops[g->rec.n_ops++] = (record_op_t){F_CU_PHONES, (uint8_t)(rng_below(3) ? OP_ADD : OP_REMOVE),
                                                                      {VAL_STR, 0, "+989121234567", 13}, false, {0}};
            if (rng_below(2)) g->rec.ops[g->rec.n_ops++] = (record_op_t){F_CU_EMAILS, (uint8_t)(rng_below(3) ? OP_ADD : OP_REMOVE),
                                                                      {VAL_STR, 0, "ali@example.com", 15}, false, {0}};
            break;
        }
        if (rec->kind != KIND_INTERACTION && rng_below(8) == 0) set_int(g, F_DELETED, VAL_BOOL, 1);
        if (rec->n_ops == 0) set_str(g, F_BRANCH, branches[0]);
    }
}

static store_t *open_scratch(char **dir)
{
    *dir = tmp_dir();
    store_t *st;
    assert_int_equal(store_open(*dir, STORE_NOSYNC, &st), 0);
    return st;
}

static void apply_all(store_t *st, const unsigned *order)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    for (unsigned i = 0; i < n_recs; i++) {
        int rc = merge_apply(t, &recs[order[i]].rec);
        assert_true(rc == 0 || rc == ACCORD_EPROTO); /* a kind clash is refused, the same everywhere */
    }
    assert_int_equal(store_txn_commit(&t), 0);
}

/* Every key and value of TBL_KPI, concatenated, for comparison. */
static size_t dump_kpi(store_t *st, uint8_t *out, size_t cap)
{
    store_txn_t *t;
    store_iter_t *it;
    store_val_t k, v;
    size_t n = 0;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    static const store_table_t tables[] = {TBL_KPI, TBL_CUSTLINKS};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_iter_new(t, tables[i], NULL, 0, false, &it), 0);
        while (store_iter_next(it, &k, &v) == 1) {
            assert_true(n + k.len + v.len + 2 <= cap);
            out[n++] = (uint8_t)k.len;
            memcpy(out + n, k.data, k.len), n += k.len;
            memcpy(out + n, v.data, v.len), n += v.len;
        }
        store_iter_destroy(&it);
        out[n++] = 0xff;
    }
    store_txn_abort(&t);
    return n;
}

static void test_counters_converge_and_match_a_rebuild(void **state)
{
    (void)state;
    rng_seed();
    const char *env = getenv("ACCORD_MERGE_CASES");
    unsigned cases = env ? (unsigned)strtoul(env, NULL, 10) / 25 + 1 : CASES_DEFAULT;
    static uint8_t a_dump[1 << 16], b_dump[1 << 16], r_dump[1 << 16];
    for (unsigned c = 0; c < cases; c++) {
        gen_case();
        unsigned order[MAX_RECS], shuffled[MAX_RECS];
        for (unsigned i = 0; i < n_recs; i++) order[i] = shuffled[i] = i;
        for (unsigned i = n_recs - 1; i > 0; i--) {
            unsigned j = rng_below(i + 1), x = shuffled[i];
            shuffled[i] = shuffled[j], shuffled[j] = x;
        }
        char *da, *db;
        store_t *a = open_scratch(&da), *b = open_scratch(&db);
        apply_all(a, order);
        apply_all(b, shuffled);
        size_t na = dump_kpi(a, a_dump, sizeof a_dump), nb = dump_kpi(b, b_dump, sizeof b_dump);
        if (na != nb || memcmp(a_dump, b_dump, na)) fail_msg("case %u: counters differ between orders", c);
        store_txn_t *t;
        assert_int_equal(store_txn_begin(b, true, &t), 0);
        assert_int_equal(kpi_rebuild(t, NULL), 0);
        assert_int_equal(store_txn_commit(&t), 0);
        size_t nr = dump_kpi(b, r_dump, sizeof r_dump);
        if (na != nr || memcmp(a_dump, r_dump, na)) fail_msg("case %u: incremental counters differ from a rebuild", c);
        store_close(&a);
        store_close(&b);
        rm_dir(da);
        rm_dir(db);
    }
}

static void put(store_txn_t *t, record_t *rec)
{
    assert_int_equal(merge_apply(t, rec), 0);
}

static void test_known_figures(void **state)
{
    (void)state;
    char *dir;
    store_t *st = open_scratch(&dir);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    static gen_record_t g;
    uint64_t nov24 = 1763985600000ULL; /* 2025-11-24T12:00:00Z */
    /* a deal created on the 20th, won on the 24th; another lost; one open */
    for (unsigned d = 0; d < 3; d++) {
        memset(&g, 0, sizeof g);
        g.rec.origin[0] = 1, g.rec.seq = d + 1, g.rec.hlc = HLC_PACK(nov24 - 86400000ULL * 4, 0);
        g.rec.author = "t", g.rec.author_len = 1, g.rec.kind = KIND_DEAL;
        g.rec.entity[0] = 0xaa, g.rec.entity[15] = (uint8_t)d;
        set_str(&g, F_BRANCH, "tehran-1");
        set_str(&g, F_CREATED, "2025-11-20T12:00:00Z");
        set_int(&g, F_DE_AMOUNT, VAL_INT, 1000 * (d + 1));
        set_str(&g, F_DE_CURRENCY, "EUR");
        set_int(&g, F_DE_PROBABILITY, VAL_INT, 50);
        set_str(&g, F_DE_STAGE, "Lead");
        put(t, &g.rec);
    }
    for (unsigned d = 0; d < 2; d++) {
        memset(&g, 0, sizeof g);
        g.rec.origin[0] = 1, g.rec.seq = 10 + d, g.rec.hlc = HLC_PACK(nov24, 0);
        g.rec.author = "t", g.rec.author_len = 1, g.rec.kind = KIND_DEAL;
        g.rec.entity[0] = 0xaa, g.rec.entity[15] = (uint8_t)d;
        set_str(&g, F_DE_STAGE, d ? "Lost" : "Won");
        if (d) set_str(&g, F_DE_LOST_REASON, "price");
        put(t, &g.rec);
    }
    assert_int_equal(store_txn_commit(&t), 0);
    uint32_t from, to;
    assert_int_equal(report_period("2025-11", &from, &to), 0);
    report_t r;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    assert_int_equal(report_branches(t, from, to, to, NULL, &r), 0);
    assert_int_equal(r.n, 1);
    report_branch_t *b = &r.branches[0];
    assert_string_equal(b->branch, "tehran-1");
    assert_int_equal(b->deals_new, 3);
    assert_int_equal(b->deals_won, 1);
    assert_int_equal(b->deals_lost, 1);
    assert_int_equal(b->close_days, 4);
    assert_int_equal(b->deals_open, 1);
    assert_int_equal(b->won_value.n, 1);
    assert_string_equal(b->won_value.items[0].key, "EUR");
    assert_int_equal(b->won_value.items[0].value, 1000);
    assert_string_equal(b->lost_reasons.items[0].key, "price");
    assert_int_equal(b->pipeline.items[0].value, 3000);  /* the open deal */
    assert_int_equal(b->pipeline.items[0].value2, 1500); /* at 50% */
    report_free(&r);
    /* the won and lost days are the 24th: a report of the 23rd has none, of the 24th both */
    assert_int_equal(report_period("2025-11-23", &from, &to), 0);
    assert_int_equal(report_branches(t, from, to, to, NULL, &r), 0);
    assert_int_equal(r.branches[0].deals_won + r.branches[0].deals_lost, 0);
    report_free(&r);
    assert_int_equal(report_period("2025-11-24", &from, &to), 0);
    assert_int_equal(report_branches(t, from, to, to, "tehran-1", &r), 0);
    assert_int_equal(r.branches[0].deals_won + r.branches[0].deals_lost, 2);
    report_free(&r);
    assert_int_equal(report_branches(t, from, to, to, "shiraz-1", &r), 0);
    assert_int_equal(r.n, 0);
    report_free(&r);
    store_txn_abort(&t);
    store_close(&st);
    rm_dir(dir);
}

static void test_periods(void **state)
{
    (void)state;
    uint32_t from, to;
    assert_int_equal(report_period("2026-11", &from, &to), 0);
    assert_int_equal(to - from, 29);
    assert_int_equal(report_period("2024-02", &from, &to), 0);
    assert_int_equal(to - from, 28); /* a leap year */
    assert_int_equal(report_period("2026", &from, &to), 0);
    assert_int_equal(to - from, 364);
    assert_int_equal(report_period("2026-W01", &from, &to), 0);
    assert_int_equal(from, kpi_day_of_date("2025-12-29", 10)); /* ISO week 1 of 2026 starts on a Monday in 2025 */
    assert_int_equal(to - from, 6);
    assert_int_equal(report_period("2026-11-01..2026-11-15", &from, &to), 0);
    assert_int_equal(to - from, 14);
    const char *bad[] = {"", "2026-13", "26-11", "2026-11-15..2026-11-01", "2026-W60", "x", "2026-11-32", "1969",
                         "2026-Q0", "2026-Q5", "2026-Qx", "1969-Q4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (report_period(bad[i], &from, &to) != ACCORD_EINVAL) fail_msg("'%s' was accepted", bad[i]);
}

static void expect_period(const char *spec, const char *first, const char *last)
{
    uint32_t from, to;
    if (report_period(spec, &from, &to)) fail_msg("'%s' was refused", spec);
    char a[11], b[11];
    report_day_text(from, a);
    report_day_text(to, b);
    if (strcmp(a, first) || strcmp(b, last)) fail_msg("'%s' is %s..%s, not %s..%s", spec, a, b, first, last);
}

/* Issue 15 item 11: quarters, and periods in the Solar Hijri calendar after "fa:", each
 * the Gregorian days it covers (checked against ICU's Persian calendar, as Chromium's
 * Intl shows them). Azar 1405 is 2026-11-22..2026-12-21; Shahrivar (31 days) ends on
 * 2026-09-22 and Mehr (30) starts on the 23rd; 1403 is a leap year (Esfand 30th). */
static void test_quarters_and_solar_hijri_periods(void **state)
{
    (void)state;
    expect_period("2026-Q4", "2026-10-01", "2026-12-31");
    expect_period("2024-Q1", "2024-01-01", "2024-03-31");
    expect_period("fa:1405-09", "2026-11-22", "2026-12-21");
    expect_period("fa:1405-08", "2026-10-23", "2026-11-21");
    expect_period("fa:1405-06", "2026-08-23", "2026-09-22");
    expect_period("fa:1405-07", "2026-09-23", "2026-10-22");
    expect_period("fa:1405", "2026-03-21", "2027-03-20");
    expect_period("fa:1405-Q3", "2026-09-23", "2026-12-21");
    expect_period("fa:1405-Q4", "2026-12-22", "2027-03-20");
    expect_period("fa:1405-09-01", "2026-11-22", "2026-11-22");
    expect_period("fa:1405-09-01..1405-09-15", "2026-11-22", "2026-12-06");
    expect_period("fa:1403-12", "2025-02-19", "2025-03-20");
    expect_period("fa:1403-12-30", "2025-03-20", "2025-03-20");
    expect_period("fa:1404-01-01", "2025-03-21", "2025-03-21");
    expect_period("fa:1349-01-01", "1970-03-21", "1970-03-21");
    expect_period("fa:1500-12", "2122-02-20", "2122-03-20");
    uint32_t from, to;
    const char *bad[] = {"fa:", "fa:1405-13", "fa:1405-00", "fa:1405-Q5", "fa:1405-Q0", "fa:1348", "fa:1501",
                         "fa:1405-09-31", "fa:1404-12-30", "fa:1405-09-15..1405-09-01", "fa:2026-11", "fa:1405-9",
                         "fa:+405", "fa:1405-09-1", "fa:1405-W10", "fa:1405-09-01..2026-12-01", "fa:14O5", "FA:1405"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (report_period(bad[i], &from, &to) != ACCORD_EINVAL) fail_msg("'%s' was accepted", bad[i]);
}

/* An empty store (nothing to sort: qsort of NULL was a UBSan report) and a currency as a
 * query string may give it: the JSON is still valid, the currency escaped. */
static void test_customers_report_of_an_empty_store(void **state)
{
    (void)state;
    char *dir;
    store_t *st = open_scratch(&dir);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    report_customers_t r;
    assert_int_equal(report_customers(t, 1763985600000ULL, "E\"\x1b\xff", NULL, &r), 0);
    store_txn_abort(&t);
    assert_int_equal(r.n, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    report_customers_write_json(f, &r, 20);
    fclose(f);
    assert_string_equal(buf, "{\"currency\":\"E\\\"\\u001b\\ufffd\",\"customers_counted\":0,\"segments\":{\"champions\":0,"
                             "\"loyal\":0,\"new\":0,\"at risk\":0,\"hibernating\":0,\"needs attention\":0,"
                             "\"no activity\":0},\"customers\":[]}\n");
    free(buf);
    report_customers_free(&r);
    store_close(&st);
    rm_dir(dir);
}

/* One record of `kind` for entity (0xcc, n), at ms, with the fields set by the caller. */
static gen_record_t *rfm_record(unsigned kind, uint8_t n, uint64_t seq, uint64_t ms)
{
    static gen_record_t g;
    memset(&g, 0, sizeof g);
    g.rec.origin[0] = 2, g.rec.seq = seq, g.rec.hlc = HLC_PACK(ms, 0);
    g.rec.author = "t", g.rec.author_len = 1, g.rec.kind = (uint8_t)kind;
    g.rec.entity[0] = 0xcc, g.rec.entity[15] = n;
    set_str(&g, F_BRANCH, "tehran-1");
    return &g;
}

static void set_ref(gen_record_t *g, unsigned field, uint8_t n)
{
    static uint8_t refs[RECORD_MAX_OPS][16];
    uint8_t *ref = refs[g->rec.n_ops];
    memset(ref, 0, 16);
    ref[0] = 0xcc, ref[15] = n;
    g->rec.ops[g->rec.n_ops++] = (record_op_t){(uint8_t)field, OP_SET, {VAL_REF, 0, (const char *)ref, 16}, false, {0}};
}

/* Issue 15 item 12: ten customers, every one called yesterday, three times each; only the
 * last bought anything. The nine who never bought were "champions" (top recency and
 * frequency, and a monetary score of 5 shared with the best zero); now a customer with no
 * won value scores M 1 and is never a champion, and the buyer is. */
static void test_rfm_no_won_value_is_never_a_champion(void **state)
{
    (void)state;
    char *dir;
    store_t *st = open_scratch(&dir);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    uint64_t now = 1763985600000ULL, seq = 0; /* 2025-11-24T12:00:00Z */
    for (uint8_t c = 0; c < 10; c++) {
        gen_record_t *g = rfm_record(KIND_CUSTOMER, c, ++seq, now - 86400000ULL * 30);
        set_str(g, F_CU_NAME, c == 9 ? "buyer" : "caller");
        put(t, &g->rec);
        for (uint8_t i = 0; i < 3; i++) {
            g = rfm_record(KIND_INTERACTION, (uint8_t)(100 + 3 * c + i), ++seq, now - 86400000ULL);
            set_ref(g, F_IN_CUSTOMER, c);
            set_str(g, F_IN_TYPE, "call");
            set_str(g, F_IN_WHEN, "2025-11-23T12:00:00Z");
            put(t, &g->rec);
        }
    }
    gen_record_t *g = rfm_record(KIND_DEAL, 200, ++seq, now - 86400000ULL);
    set_ref(g, F_DE_CUSTOMER, 9);
    set_int(g, F_DE_AMOUNT, VAL_INT, 5000);
    set_str(g, F_DE_CURRENCY, "EUR");
    set_str(g, F_DE_STAGE, "Won");
    put(t, &g->rec);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    report_customers_t r;
    assert_int_equal(report_customers(t, now, "EUR", NULL, &r), 0);
    store_txn_abort(&t);
    assert_int_equal(r.n, 10);
    assert_string_equal(r.customers[0].name, "buyer"); /* highest won value first */
    assert_int_equal(r.customers[0].monetary, 5000);
    assert_int_equal(r.customers[0].m, 5);
    assert_string_equal(r.customers[0].segment, "champions");
    for (unsigned i = 1; i < r.n; i++) {
        assert_int_equal(r.customers[i].monetary, 0);
        assert_int_equal(r.customers[i].m, 1);
        if (!strcmp(r.customers[i].segment, "champions")) fail_msg("customer %u won nothing and is a champion", i);
        assert_string_equal(r.customers[i].segment, "loyal"); /* frequent and recent, but no money yet */
    }
    report_customers_free(&r);
    store_close(&st);
    rm_dir(dir);
}


/* ---- issue 15 item 11: the shares of new customers with a phone, an e-mail, an owner ---- */

#define NOV20_MS 1763629200000ULL /* 2025-11-20T09:00:00Z */
#define DAY_MS 86400000ULL

/* Customer (0xee, n) of tehran-1, a record at ms. */
static void customer_rec(gen_record_t *g, uint8_t n, uint64_t seq, uint64_t ms)
{
    memset(g, 0, sizeof *g);
    g->rec.origin[0] = 3, g->rec.seq = seq, g->rec.hlc = HLC_PACK(ms, 0);
    g->rec.author = "t", g->rec.author_len = 1, g->rec.kind = KIND_CUSTOMER;
    g->rec.entity[0] = 0xee, g->rec.entity[15] = n;
}

static void add_elem(gen_record_t *g, unsigned field, const char *s)
{
    g->rec.ops[g->rec.n_ops++] = (record_op_t){(uint8_t)field, OP_ADD, {VAL_STR, 0, s, strlen(s)}, false, {0}};
}

/* A new customer created on `day` (20 + day of November 2025) with what it has. */
static void new_customer(gen_record_t *g, uint8_t n, unsigned day, bool phone, bool email, bool owner)
{
    customer_rec(g, n, n, NOV20_MS + (day - 20) * DAY_MS);
    char created[32];
    snprintf(created, sizeof created, "2025-11-%02uT09:00:00Z", day);
    set_str(g, F_BRANCH, "tehran-1");
    set_str(g, F_CREATED, created);
    set_str(g, F_CU_NAME, "customer");
    if (phone) add_elem(g, F_CU_PHONES, "+989121234567");
    if (email) add_elem(g, F_CU_EMAILS, "c@example.com");
    if (owner) set_str(g, F_CU_ASSIGNED, "sara");
}

/* Three customers on the 20th (all three, a phone only, nothing), two on the 21st (e-mail
 * and owner, a phone); on the 24th the one with nothing gets a phone and the 21st's one
 * with a phone is deleted. */
enum { QUALITY_RECS = 7 };
static gen_record_t quality_recs[QUALITY_RECS];
static void quality_case(void)
{
    new_customer(&quality_recs[0], 1, 20, true, true, true);
    new_customer(&quality_recs[1], 2, 20, true, false, false);
    new_customer(&quality_recs[2], 3, 20, false, false, false);
    new_customer(&quality_recs[3], 4, 21, false, true, true);
    new_customer(&quality_recs[4], 5, 21, true, false, false);
    customer_rec(&quality_recs[5], 3, 10, NOV20_MS + 4 * DAY_MS);
    add_elem(&quality_recs[5], F_CU_PHONES, "+989127654321");
    customer_rec(&quality_recs[6], 5, 11, NOV20_MS + 4 * DAY_MS);
    set_int(&quality_recs[6], F_DELETED, VAL_BOOL, 1);
}

typedef struct {
    int64_t customers_new, phone, email, owner;
} new_quality_t;

static new_quality_t new_quality(store_t *st, const char *period)
{
    uint32_t from, to;
    assert_int_equal(report_period(period, &from, &to), 0);
    store_txn_t *t;
    report_t r;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    assert_int_equal(report_branches(t, from, to, to, NULL, &r), 0);
    store_txn_abort(&t);
    new_quality_t q = {0, 0, 0, 0};
    for (unsigned i = 0; i < r.n; i++) {
        q.customers_new += r.branches[i].customers_new;
        q.phone += r.branches[i].new_with_phone;
        q.email += r.branches[i].new_with_email;
        q.owner += r.branches[i].new_with_owner;
    }
    report_free(&r);
    return q;
}

static void expect_quality(store_t *st, const char *period, int64_t n, int64_t phone, int64_t email, int64_t owner)
{
    new_quality_t q = new_quality(st, period);
    if (q.customers_new != n || q.phone != phone || q.email != email || q.owner != owner)
        fail_msg("%s: %lld new, %lld with a phone, %lld with an e-mail, %lld with an owner; want %lld, %lld, %lld, %lld",
                 period, (long long)q.customers_new, (long long)q.phone, (long long)q.email, (long long)q.owner,
                 (long long)n, (long long)phone, (long long)email, (long long)owner);
}

static void apply_quality(store_t *st, unsigned from, unsigned to)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    for (unsigned i = from; i < to; i++) put(t, &quality_recs[i].rec);
    assert_int_equal(store_txn_commit(&t), 0);
}

static void test_new_customers_quality_by_day_created(void **state)
{
    (void)state;
    quality_case();
    char *dir;
    store_t *st = open_scratch(&dir);
    apply_quality(st, 0, 5);
    expect_quality(st, "2025-11-20", 3, 2, 1, 1);
    expect_quality(st, "2025-11-21", 2, 1, 1, 1);
    expect_quality(st, "2025-11", 5, 3, 2, 2);
    apply_quality(st, 5, 6); /* the phone added on the 24th counts on the day its customer was created */
    expect_quality(st, "2025-11-20", 3, 3, 1, 1);
    expect_quality(st, "2025-11-24", 0, 0, 0, 0);
    apply_quality(st, 6, 7); /* deleted: no longer a new customer of the 21st, nor one with a phone */
    expect_quality(st, "2025-11-21", 1, 0, 1, 1);
    expect_quality(st, "2025-11", 4, 3, 2, 2);
    expect_quality(st, "2025-10", 0, 0, 0, 0);
    store_close(&st);
    rm_dir(dir);
}

/* The same records in every order of a few dozen shuffles leave the same counters as in
 * order, and as a rebuild from the final state. */
static void test_new_customers_quality_is_the_same_in_any_order(void **state)
{
    (void)state;
    rng_seed();
    quality_case();
    static uint8_t want[1 << 14], got[1 << 14];
    char *dir;
    store_t *st = open_scratch(&dir);
    apply_quality(st, 0, QUALITY_RECS);
    size_t n_want = dump_kpi(st, want, sizeof want);
    store_close(&st);
    rm_dir(dir);
    for (unsigned c = 0; c < 40; c++) {
        unsigned order[QUALITY_RECS];
        for (unsigned i = 0; i < QUALITY_RECS; i++) order[i] = i;
        for (unsigned i = QUALITY_RECS - 1; i > 0; i--) {
            unsigned j = rng_below(i + 1), x = order[i];
            order[i] = order[j], order[j] = x;
        }
        st = open_scratch(&dir);
        store_txn_t *t;
        assert_int_equal(store_txn_begin(st, true, &t), 0);
        for (unsigned i = 0; i < QUALITY_RECS; i++) put(t, &quality_recs[order[i]].rec);
        assert_int_equal(store_txn_commit(&t), 0);
        size_t n_got = dump_kpi(st, got, sizeof got);
        if (n_got != n_want || memcmp(got, want, n_got)) fail_msg("shuffle %u: the counters differ from those in order", c);
        expect_quality(st, "2025-11", 4, 3, 2, 2);
        assert_int_equal(store_txn_begin(st, true, &t), 0);
        assert_int_equal(kpi_rebuild(t, NULL), 0);
        assert_int_equal(store_txn_commit(&t), 0);
        n_got = dump_kpi(st, got, sizeof got);
        if (n_got != n_want || memcmp(got, want, n_got)) fail_msg("shuffle %u: a rebuild differs", c);
        store_close(&st);
        rm_dir(dir);
    }
}

/* What a store an older version kept looks like: no counter of the new metrics, and its
 * version (if any) older. */
static void make_old(store_t *st, const char *version)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    for (uint8_t m = KPI_NEW_WITH_PHONE; m < KPI_METRIC_COUNT; m++) {
        for (;;) { /* deleting under a cursor: one key at a time */
            store_iter_t *it;
            store_val_t k, v;
            uint8_t key[KPI_KEY_MAX];
            assert_int_equal(store_iter_new(t, TBL_KPI, &m, 1, false, &it), 0);
            int rc = store_iter_next(it, &k, &v);
            size_t len = rc == 1 ? k.len : 0;
            if (rc == 1) memcpy(key, k.data, len);
            store_iter_destroy(&it);
            if (rc != 1) break;
            assert_int_equal(store_del(t, TBL_KPI, key, len), 0);
        }
    }
    int rc = version ? store_put(t, TBL_META, "kpi-version", 11, version, strlen(version))
                     : store_del(t, TBL_META, "kpi-version", 11);
    assert_true(rc == 0 || rc == ACCORD_ENOTFOUND);
    assert_int_equal(store_txn_commit(&t), 0);
}

static bool counters_current(store_t *st)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    bool current = kpi_current(t);
    store_txn_abort(&t);
    return current;
}

/* A store an older version kept (no version key, or "1") gets the new counters at the
 * node's start, once, exactly as merging would have made them; an empty store is current. */
static void test_an_old_store_gets_the_new_counters_at_start(void **state)
{
    (void)state;
    quality_case();
    static uint8_t want[1 << 14], got[1 << 14];
    char *dir;
    store_t *st = open_scratch(&dir);
    assert_true(counters_current(st)); /* nothing counted yet */
    uint64_t n;
    assert_int_equal(kpi_upgrade(st, &n), 0);
    assert_int_equal(n, 0); /* a new store: the version noted */
    assert_int_equal(kpi_upgrade(st, &n), 0);
    assert_true(n == UINT64_MAX);
    apply_quality(st, 0, QUALITY_RECS);
    size_t n_want = dump_kpi(st, want, sizeof want);
    static const char *const versions[] = {NULL, "1", "2", "x"};
    for (unsigned v = 0; v < 4; v++) {
        make_old(st, versions[v]);
        assert_false(counters_current(st));
        expect_quality(st, "2025-11", 4, 0, 0, 0); /* what a report would have said: none */
        assert_int_equal(kpi_upgrade(st, &n), 0);
        assert_int_equal(n, 5); /* five customers */
        assert_true(counters_current(st));
        expect_quality(st, "2025-11", 4, 3, 2, 2);
        size_t n_got = dump_kpi(st, got, sizeof got);
        if (n_got != n_want || memcmp(got, want, n_got)) fail_msg("version %s: the upgraded counters differ", versions[v]);
        assert_int_equal(kpi_upgrade(st, &n), 0); /* once */
        assert_true(n == UINT64_MAX);
    }
    store_close(&st);
    rm_dir(dir);
}

/* ---- issue 16: quotes, invoices and tickets ---- */

#define DAY_OF(date) kpi_day_of_date(date, 10)

/* tehran-1's figures for the period, today being `today` (YYYY-MM-DD); zero if none. */
static report_branch_t sales_figures(store_t *st, const char *period, const char *today)
{
    uint32_t from, to;
    assert_int_equal(report_period(period, &from, &to), 0);
    store_txn_t *t;
    report_t r;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    assert_int_equal(report_branches(t, from, to, DAY_OF(today), "tehran-1", &r), 0);
    store_txn_abort(&t);
    report_branch_t b;
    memset(&b, 0, sizeof b);
    if (r.n) b = r.branches[0];
    report_free(&r);
    return b;
}

static int64_t in_currency(const report_mix_t *m, const char *currency)
{
    for (unsigned i = 0; i < m->n; i++)
        if (!strcmp(m->items[i].key, currency)) return m->items[i].value;
    return 0;
}

static int64_t paid_in(store_t *st, const char *period, const char *currency)
{
    report_branch_t b = sales_figures(st, period, "2025-11-30");
    return in_currency(&b.paid, currency);
}

static void put_one(store_t *st, gen_record_t *g)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    put(t, &g->rec);
    assert_int_equal(store_txn_commit(&t), 0);
}

static void remove_elem(gen_record_t *g, unsigned field, const char *s)
{
    g->rec.ops[g->rec.n_ops++] = (record_op_t){(uint8_t)field, OP_REMOVE, {VAL_STR, 0, s, strlen(s)}, false, {0}};
}

/* The counters equal a rebuild from the state (what check and an upgrade derive). */
static void expect_rebuild_equal(store_t *st)
{
    static uint8_t want[1 << 16], got[1 << 16];
    size_t n_want = dump_kpi(st, want, sizeof want);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    assert_int_equal(kpi_rebuild(t, NULL), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    size_t n_got = dump_kpi(st, got, sizeof got);
    if (n_got != n_want || memcmp(got, want, n_got)) fail_msg("the counters differ from a rebuild");
}

/* An invoice of EUR 100.00 issued on the 20th, due the 25th, paid 30.00 on the 21st and
 * 20.00 on the 23rd, then cancelled: invoiced on the day issued, paid on each payment's
 * day, owed the rest, overdue from the day after it was due; a cancelled invoice is
 * neither invoiced nor owed, but its money was received. */
static void test_invoice_issued_paid_twice_and_cancelled(void **state)
{
    (void)state;
    char *dir;
    store_t *st = open_scratch(&dir);
    uint64_t ms = NOV20_MS, seq = 0;
    gen_record_t *g = rfm_record(KIND_INVOICE, 1, ++seq, ms);
    set_str(g, F_CREATED, "2025-11-20T09:00:00Z");
    set_str(g, F_IV_NUMBER, "TEH-2025-000001");
    set_str(g, F_IV_ISSUED, "2025-11-20");
    set_str(g, F_IV_DUE, "2025-11-25");
    set_str(g, F_IV_CURRENCY, "EUR");
    set_str(g, F_IV_STATUS, "issued");
    set_int(g, F_IV_TOTAL, VAL_INT, 10000);
    put_one(st, g);
    report_branch_t b = sales_figures(st, "2025-11", "2025-11-24");
    assert_int_equal(b.invoices_issued, 1);
    assert_int_equal(in_currency(&b.invoiced, "EUR"), 10000);
    assert_int_equal(in_currency(&b.outstanding, "EUR"), 10000);
    assert_int_equal(b.paid.n, 0);
    assert_int_equal(b.invoices_overdue, 0); /* due tomorrow */

    g = rfm_record(KIND_INVOICE, 1, ++seq, ms + DAY_MS);
    add_elem(g, F_IV_PAYMENTS, "2025-11-21 3000 cash 0123456789abcdef");
    put_one(st, g);
    g = rfm_record(KIND_INVOICE, 1, ++seq, ms + 3 * DAY_MS);
    add_elem(g, F_IV_PAYMENTS, "2025-11-23 2000 card fedcba9876543210 POS 7");
    put_one(st, g);
    b = sales_figures(st, "2025-11", "2025-11-25");
    assert_int_equal(in_currency(&b.paid, "EUR"), 5000);
    assert_int_equal(in_currency(&b.outstanding, "EUR"), 5000);
    assert_int_equal(b.invoices_overdue, 0); /* due today: not yet overdue */
    assert_int_equal(b.overdue_value.n, 0);
    b = sales_figures(st, "2025-11", "2025-11-26");
    assert_int_equal(b.invoices_overdue, 1);
    assert_int_equal(in_currency(&b.overdue_value, "EUR"), 5000);
    b = sales_figures(st, "2025-11-21", "2025-11-26");
    assert_int_equal(b.invoices_issued, 0); /* issued on the 20th */
    assert_int_equal(b.invoiced.n, 0);
    assert_int_equal(in_currency(&b.paid, "EUR"), 3000);
    assert_int_equal(in_currency(&b.outstanding, "EUR"), 5000); /* now, whatever the period */
    b = sales_figures(st, "2025-11-23", "2025-11-26");
    assert_int_equal(in_currency(&b.paid, "EUR"), 2000);
    expect_rebuild_equal(st);

    g = rfm_record(KIND_INVOICE, 1, ++seq, ms + 6 * DAY_MS);
    set_str(g, F_IV_STATUS, "cancelled");
    put_one(st, g);
    b = sales_figures(st, "2025-11", "2025-11-30");
    assert_int_equal(b.invoices_issued, 0);
    assert_int_equal(b.invoiced.n, 0);
    assert_int_equal(b.outstanding.n, 0);
    assert_int_equal(b.invoices_overdue, 0);
    assert_int_equal(b.overdue_value.n, 0);
    assert_int_equal(in_currency(&b.paid, "EUR"), 5000);
    expect_rebuild_equal(st);

    /* a payment taken back and the invoice deleted: nothing is left */
    g = rfm_record(KIND_INVOICE, 1, ++seq, ms + 7 * DAY_MS);
    remove_elem(g, F_IV_PAYMENTS, "2025-11-21 3000 cash 0123456789abcdef");
    put_one(st, g);
    assert_int_equal(paid_in(st, "2025-11", "EUR"), 2000);
    g = rfm_record(KIND_INVOICE, 1, ++seq, ms + 7 * DAY_MS);
    set_int(g, F_DELETED, VAL_BOOL, 1);
    put_one(st, g);
    assert_int_equal(sales_figures(st, "2025-11", "2025-11-30").paid.n, 0);
    store_close(&st);
    rm_dir(dir);
}

/* An invoice paid on 30 days: the first 28 days have their own counter, the last three
 * days' payments count on the 28th (KPI_MAX_TERMS); the month has them all, and the
 * counters are the same whatever order the payments came in. */
static void test_invoice_paid_on_many_days(void **state)
{
    (void)state;
    static char elems[30][48];
    static uint8_t first[1 << 14], second[1 << 14];
    size_t n_first = 0;
    for (int pass = 0; pass < 2; pass++) {
        char *dir;
        store_t *st = open_scratch(&dir);
        gen_record_t *g = rfm_record(KIND_INVOICE, 2, 1, NOV20_MS);
        set_str(g, F_IV_ISSUED, "2025-11-01");
        set_str(g, F_IV_DUE, "2025-12-31");
        set_str(g, F_IV_CURRENCY, "IRR");
        set_str(g, F_IV_STATUS, "issued");
        set_int(g, F_IV_TOTAL, VAL_INT, 100000);
        put_one(st, g);
        for (unsigned d = 0; d < 30; d++) {
            unsigned day = pass ? 30 - d : d + 1; /* the second pass in reverse order */
            snprintf(elems[d], sizeof elems[d], "2025-11-%02u 100 transfer %016x", day, day);
            g = rfm_record(KIND_INVOICE, 2, 2 + d, NOV20_MS + DAY_MS);
            add_elem(g, F_IV_PAYMENTS, elems[d]);
            put_one(st, g);
        }
        report_branch_t b = sales_figures(st, "2025-11", "2025-11-30");
        assert_int_equal(in_currency(&b.paid, "IRR"), 3000);
        assert_int_equal(in_currency(&b.outstanding, "IRR"), 97000);
        assert_int_equal(paid_in(st, "2025-11-27", "IRR"), 100);
        assert_int_equal(paid_in(st, "2025-11-28", "IRR"), 300);
        assert_int_equal(sales_figures(st, "2025-11-29..2025-11-30", "2025-11-30").paid.n, 0);
        expect_rebuild_equal(st);
        if (pass == 0) n_first = dump_kpi(st, first, sizeof first);
        else {
            size_t n = dump_kpi(st, second, sizeof second);
            if (n != n_first || memcmp(first, second, n)) fail_msg("payments in reverse order made other counters");
        }
        store_close(&st);
        rm_dir(dir);
    }
}

/* A quote sent on the 21st and accepted on the 23rd (the day of the change that set the
 * status, as a won deal's), another sent and rejected: 2 sent, 1 accepted, conversion 0.5. */
static void test_quote_sent_then_accepted(void **state)
{
    (void)state;
    char *dir;
    store_t *st = open_scratch(&dir);
    uint64_t seq = 0;
    for (uint8_t q = 3; q <= 4; q++) {
        gen_record_t *g = rfm_record(KIND_QUOTE, q, ++seq, NOV20_MS);
        set_str(g, F_CREATED, "2025-11-20T09:00:00Z");
        set_str(g, F_QU_STATUS, "draft");
        set_str(g, F_QU_CURRENCY, "EUR");
        put_one(st, g);
    }
    assert_int_equal(sales_figures(st, "2025-11", "2025-11-30").quotes_sent, 0); /* drafts */
    gen_record_t *g = rfm_record(KIND_QUOTE, 3, ++seq, NOV20_MS + DAY_MS);
    set_str(g, F_QU_STATUS, "sent");
    set_str(g, F_QU_SENT_AT, "2025-11-21T10:00:00Z");
    put_one(st, g);
    g = rfm_record(KIND_QUOTE, 4, ++seq, NOV20_MS + DAY_MS);
    set_str(g, F_QU_STATUS, "sent");
    set_str(g, F_QU_SENT_AT, "2025-11-21T11:00:00Z");
    put_one(st, g);
    report_branch_t b = sales_figures(st, "2025-11-21", "2025-11-30");
    assert_int_equal(b.quotes_sent, 2);
    assert_int_equal(b.quotes_accepted, 0);
    g = rfm_record(KIND_QUOTE, 3, ++seq, NOV20_MS + 3 * DAY_MS);
    set_str(g, F_QU_STATUS, "accepted");
    put_one(st, g);
    g = rfm_record(KIND_QUOTE, 4, ++seq, NOV20_MS + 3 * DAY_MS);
    set_str(g, F_QU_STATUS, "rejected");
    put_one(st, g);
    b = sales_figures(st, "2025-11-21", "2025-11-30");
    assert_int_equal(b.quotes_sent, 2); /* still sent on the 21st */
    assert_int_equal(b.quotes_accepted, 0);
    b = sales_figures(st, "2025-11-23", "2025-11-30");
    assert_int_equal(b.quotes_sent, 0);
    assert_int_equal(b.quotes_accepted, 1);
    b = sales_figures(st, "2025-11", "2025-11-30");
    assert_int_equal(b.quotes_sent, 2);
    assert_int_equal(b.quotes_accepted, 1);
    expect_rebuild_equal(st);
    store_close(&st);
    rm_dir(dir);
}

/* A ticket opened on the 20th at 09:00 with its SLA due the 21st at 09:00: open past its
 * SLA from the 22nd (as an overdue task, by day); closed on the 22nd at 15:00, late: one
 * closed, 54 hours to close, one breach (no longer an open one). Another closed within
 * its SLA in 6 hours: the average is 30 hours, still one breach. */
static void test_ticket_opened_and_closed_late(void **state)
{
    (void)state;
    char *dir;
    store_t *st = open_scratch(&dir);
    uint64_t seq = 0;
    static const char *const sla[] = {"2025-11-21T09:00:00Z", "2025-11-20T17:00:00Z"};
    for (uint8_t k = 0; k < 2; k++) {
        gen_record_t *g = rfm_record(KIND_TICKET, (uint8_t)(5 + k), ++seq, NOV20_MS);
        set_str(g, F_CREATED, "2025-11-20T09:00:00Z");
        set_str(g, F_TI_SUBJECT, "brakes");
        set_str(g, F_TI_STATUS, "inquiry");
        set_str(g, F_TI_SLA_DUE, sla[k]);
        put_one(st, g);
    }
    report_branch_t b = sales_figures(st, "2025-11", "2025-11-21");
    assert_int_equal(b.tickets_opened, 2);
    assert_int_equal(b.tickets_overdue, 1); /* the second's SLA day was the 20th */
    gen_record_t *g = rfm_record(KIND_TICKET, 6, ++seq, NOV20_MS + 6 * 3600000ULL);
    set_str(g, F_TI_STATUS, "closed");
    set_str(g, F_TI_CLOSED_AT, "2025-11-20T15:00:00Z");
    put_one(st, g);
    b = sales_figures(st, "2025-11", "2025-11-21");
    assert_int_equal(b.tickets_overdue, 0);
    assert_int_equal(b.sla_closed_late, 0);
    b = sales_figures(st, "2025-11", "2025-11-22");
    assert_int_equal(b.tickets_overdue, 1);
    g = rfm_record(KIND_TICKET, 5, ++seq, NOV20_MS + 2 * DAY_MS);
    set_str(g, F_TI_STATUS, "closed");
    set_str(g, F_TI_CLOSED_AT, "2025-11-22T15:00:00Z");
    put_one(st, g);
    b = sales_figures(st, "2025-11-22", "2025-11-23");
    assert_int_equal(b.tickets_opened, 0);
    assert_int_equal(b.tickets_closed, 1);
    assert_int_equal(b.close_minutes, 54 * 60);
    assert_int_equal(b.sla_closed_late, 1);
    assert_int_equal(b.tickets_overdue, 0);
    b = sales_figures(st, "2025-11", "2025-11-23");
    assert_int_equal(b.tickets_closed, 2);
    assert_int_equal(b.close_minutes, 60 * 60);
    assert_int_equal(b.sla_closed_late, 1);
    expect_rebuild_equal(st);
    store_close(&st);
    rm_dir(dir);
}

/* The report's JSON carries every sales and service figure (docs/CLI.md, Report figures). */
static void test_sales_figures_in_the_json(void **state)
{
    (void)state;
    char *dir;
    store_t *st = open_scratch(&dir);
    gen_record_t *g = rfm_record(KIND_INVOICE, 1, 1, NOV20_MS);
    set_str(g, F_IV_ISSUED, "2025-11-20");
    set_str(g, F_IV_DUE, "2025-11-21");
    set_str(g, F_IV_CURRENCY, "EUR");
    set_str(g, F_IV_STATUS, "issued");
    set_int(g, F_IV_TOTAL, VAL_INT, 12550);
    add_elem(g, F_IV_PAYMENTS, "2025-11-20 550 cash 00000000000000aa");
    put_one(st, g);
    g = rfm_record(KIND_TICKET, 2, 2, NOV20_MS);
    set_str(g, F_CREATED, "2025-11-20T09:00:00Z");
    set_str(g, F_TI_STATUS, "closed");
    set_str(g, F_TI_CLOSED_AT, "2025-11-20T10:30:00Z");
    put_one(st, g);
    g = rfm_record(KIND_QUOTE, 3, 3, NOV20_MS);
    set_str(g, F_QU_STATUS, "accepted");
    set_str(g, F_QU_SENT_AT, "2025-11-20T09:00:00Z");
    put_one(st, g);
    uint32_t from, to;
    assert_int_equal(report_period("2025-11", &from, &to), 0);
    store_txn_t *t;
    report_t r;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    assert_int_equal(report_branches(t, from, to, DAY_OF("2025-11-25"), NULL, &r), 0);
    store_txn_abort(&t);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    report_write_json(f, &r);
    fclose(f);
    report_free(&r);
    static const char *const want[] = {
        "\"quotes_sent\":1,\"quotes_accepted\":1,\"quote_conversion\":1.0000,\"invoices_issued\":1",
        "\"invoiced_minor\":{\"EUR\":12550},\"invoiced\":{\"EUR\":\"125.50\"}",
        "\"paid_minor\":{\"EUR\":550},\"paid\":{\"EUR\":\"5.50\"}",
        "\"outstanding_minor\":{\"EUR\":12000},\"outstanding\":{\"EUR\":\"120.00\"}",
        "\"invoices_overdue\":1,\"overdue_value_minor\":{\"EUR\":12000},\"overdue_value\":{\"EUR\":\"120.00\"}",
        "\"tickets_opened\":1,\"tickets_closed\":1,\"avg_hours_to_close\":1.50,\"sla_breaches\":0,\"tickets_overdue\":0}",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(buf, want[i])) fail_msg("the JSON lacks %s: %s", want[i], buf);
    free(buf);
    store_close(&st);
    rm_dir(dir);
}

/* Random edits of two invoices, a quote and a ticket from three origins, in two orders:
 * the same counters, equal to a rebuild from the final state. */
static void gen_sales_case(void)
{
    static const char *const iv_status[] = {"issued", "cancelled"};
    static const char *const qu_status[] = {"draft", "sent", "accepted", "rejected", "expired"};
    static const char *const ti_status[] = {"inquiry", "assigned", "closed", "cancelled"};
    static const char *const pays[] = {"2025-11-21 3000 cash 0123456789abcdef", "2025-11-23 2000 card fedcba9876543210",
                                       "2025-11-23 2000 card 00000000000000ff", "2025-11-30 9000 other 1111111111111111"};
    n_recs = 4 + rng_below(MAX_RECS - 4);
    uint64_t seq[3] = {0}, hlc[3] = {0};
    for (unsigned r = 0; r < n_recs; r++) {
        gen_record_t *g = &recs[r];
        record_t *rec = &g->rec;
        memset(rec, 0, offsetof(record_t, ops));
        unsigned o = rng_below(3), which = rng_below(4);
        rec->origin[0] = (uint8_t)(0x30 + o);
        rec->seq = ++seq[o];
        hlc[o] += 1 + rng_below(3);
        rec->hlc = HLC_PACK(NOV20_MS + hlc[o] * 3600000ULL * 7, 0);
        rec->author = "t", rec->author_len = 1;
        rec->entity[0] = 0xb0, rec->entity[15] = (uint8_t)which;
        rec->kind = which < 2 ? KIND_INVOICE : which < 3 ? KIND_QUOTE : KIND_TICKET;
        char when[32];
        if (rng_below(3) == 0) {
            set_str(g, F_BRANCH, branches[rng_below(2)]);
            snprintf(when, sizeof when, "2025-11-%02uT%02u:00:00Z", 20 + rng_below(10), rng_below(24));
            set_str(g, F_CREATED, when);
        }
        snprintf(when, sizeof when, "2025-11-%02uT%02u:00:00Z", 20 + rng_below(10), rng_below(24));
        char date[16];
        snprintf(date, sizeof date, "2025-11-%02u", 20 + rng_below(10));
        switch (rec->kind) {
        case KIND_INVOICE:
            if (rng_below(2)) set_str(g, F_IV_STATUS, iv_status[rng_below(2)]);
            if (rng_below(2)) set_int(g, F_IV_TOTAL, VAL_INT, 1000 * (1 + rng_below(20)));
            if (rng_below(3) == 0) set_str(g, F_IV_CURRENCY, currencies[rng_below(2)]);
            if (rng_below(3) == 0) set_str(g, F_IV_ISSUED, date);
            if (rng_below(3) == 0) set_str(g, F_IV_DUE, date);
            for (unsigned p = rng_below(3); p > 0; p--) {
                const char *e = pays[rng_below(4)];
                g->rec.ops[g->rec.n_ops++] = (record_op_t){F_IV_PAYMENTS, (uint8_t)(rng_below(3) ? OP_ADD : OP_REMOVE),
                                                           {VAL_STR, 0, e, strlen(e)}, false, {0}};
            }
            break;
        case KIND_QUOTE:
            if (rng_below(2)) set_str(g, F_QU_STATUS, qu_status[rng_below(5)]);
            if (rng_below(2)) set_str(g, F_QU_SENT_AT, when);
            break;
        default:
            if (rng_below(2)) set_str(g, F_TI_STATUS, ti_status[rng_below(4)]);
            if (rng_below(2)) set_str(g, F_TI_CLOSED_AT, when);
            snprintf(when, sizeof when, "2025-11-%02uT%02u:00:00Z", 20 + rng_below(10), rng_below(24));
            if (rng_below(2)) set_str(g, F_TI_SLA_DUE, when);
            break;
        }
        if (rng_below(10) == 0) set_int(g, F_DELETED, VAL_BOOL, 1);
        if (rec->n_ops == 0) set_str(g, F_BRANCH, branches[0]);
    }
}

static void test_sales_counters_converge_and_match_a_rebuild(void **state)
{
    (void)state;
    rng_seed();
    static uint8_t a_dump[1 << 16], b_dump[1 << 16], r_dump[1 << 16];
    for (unsigned c = 0; c < 200; c++) {
        gen_sales_case();
        unsigned order[MAX_RECS], shuffled[MAX_RECS];
        for (unsigned i = 0; i < n_recs; i++) order[i] = shuffled[i] = i;
        for (unsigned i = n_recs - 1; i > 0; i--) {
            unsigned j = rng_below(i + 1), x = shuffled[i];
            shuffled[i] = shuffled[j], shuffled[j] = x;
        }
        char *da, *db;
        store_t *a = open_scratch(&da), *b = open_scratch(&db);
        apply_all(a, order);
        apply_all(b, shuffled);
        size_t na = dump_kpi(a, a_dump, sizeof a_dump), nb = dump_kpi(b, b_dump, sizeof b_dump);
        if (na != nb || memcmp(a_dump, b_dump, na)) fail_msg("case %u: counters differ between orders", c);
        store_txn_t *t;
        assert_int_equal(store_txn_begin(b, true, &t), 0);
        assert_int_equal(kpi_rebuild(t, NULL), 0);
        assert_int_equal(store_txn_commit(&t), 0);
        size_t nr = dump_kpi(b, r_dump, sizeof r_dump);
        if (na != nr || memcmp(a_dump, r_dump, na)) fail_msg("case %u: incremental counters differ from a rebuild", c);
        store_close(&a);
        store_close(&b);
        rm_dir(da);
        rm_dir(db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_converge_and_match_a_rebuild),
        cmocka_unit_test(test_known_figures),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_quarters_and_solar_hijri_periods),
        cmocka_unit_test(test_customers_report_of_an_empty_store),
        cmocka_unit_test(test_rfm_no_won_value_is_never_a_champion),
        cmocka_unit_test(test_new_customers_quality_by_day_created),
        cmocka_unit_test(test_new_customers_quality_is_the_same_in_any_order),
        cmocka_unit_test(test_an_old_store_gets_the_new_counters_at_start),
        cmocka_unit_test(test_invoice_issued_paid_twice_and_cancelled),
        cmocka_unit_test(test_invoice_paid_on_many_days),
        cmocka_unit_test(test_quote_sent_then_accepted),
        cmocka_unit_test(test_ticket_opened_and_closed_late),
        cmocka_unit_test(test_sales_figures_in_the_json),
        cmocka_unit_test(test_sales_counters_converge_and_match_a_rebuild),
    };
    return cmocka_run_group_tests_name("kpi", tests, NULL, NULL);
}
