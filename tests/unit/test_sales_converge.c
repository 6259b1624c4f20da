/* SPDX-License-Identifier: MIT
 * Sales and service across branches (issue 16, "Rules and bad input"): three branch nodes,
 * each with its own invoice prefix, take random products, quotes with lines, line edits,
 * status moves (refused ones too), orders from quotes, invoices from orders and on their
 * own, payments and tickets through the local API, while apart and between partial
 * exchanges of their feeds in random orders. Then every feed reaches every node, and two
 * more stores take all the records in random orders of their own. Every one of them ends
 * with the same state digest; every quote, order and invoice reads the same (`document`,
 * byte for byte) on every node; an invoice's totals are the ones it was issued with; no
 * two invoices share a number, each branch numbers its year 1, 2, 3 ... and no number
 * changes on its way. ACCORD_MERGE_CASES bounds the cases (one per 1000, at least one;
 * 40 by default, about 3 s); ACCORD_SEED repeats a run; SALES_DEBUG=1 prints each refusal.
 *
 * The second part: two branches moving one ticket apart converge on one status with the
 * pair listed by `conflicts`; two adding one SKU apart both keep their product, listed by
 * `clashes {kind: product}` until one SKU changes. */
#include "helpers.h"
#include "fixture.h"
#include "api_harness.h"

#include "feed/apply.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "proto/validate.h"
#include "sales/sales.h"
#include "state/digest.h"
#include "state/merge.h"

#include <msgpack.h>

#define CASES_DEFAULT 40
#define N_NODES 3
#define ROUNDS 3
#define OPS_PER_ROUND 30
#define MAX_IDS 512

static const char *const node_names[N_NODES] = {"tehran-1", "shiraz-2", "tabriz-3"};
static const char *const prefixes[N_NODES] = {"TEH", "SHZ", "TBZ"};
static const char *const calendars[N_NODES] = {"solar", "gregorian", "solar"};

/* ---- what the case has made: ids by kind, as the replies named them ---- */

enum { P_CUSTOMER, P_PRODUCT, P_QUOTE, P_LINE, P_ORDER, P_INVOICE, P_TICKET, P_COUNT };

typedef struct {
    char ids[P_COUNT][MAX_IDS][33];
    unsigned creator[P_COUNT][MAX_IDS]; /* the node that made it */
    uint64_t seq[P_COUNT][MAX_IDS];     /* its record's seq in that node's feed */
    uint64_t heads[N_NODES][N_NODES];   /* [at][origin]: the records of origin that node holds */
    unsigned n[P_COUNT];
    /* the invoices: number and totals as the issuing node replied and read them */
    char number[MAX_IDS][40];
    int64_t issued_total[MAX_IDS];
    unsigned issuer[MAX_IDS];
    unsigned ok[16], refused[16]; /* per operation */
} pool_t;

static pool_t pool;

static unsigned at_node;  /* the node the operation being made runs at */
static node_t *nodes_now; /* the case's nodes */

/* A record of kind, mostly one the node has by now (made there or sent to it); now and
 * then one it has not heard of yet. */
static const char *pick(unsigned kind)
{
    if (pool.n[kind] == 0) return NULL;
    for (unsigned tries = 0; tries < 8; tries++) {
        unsigned i = rng_below(pool.n[kind]);
        if (pool.heads[at_node][pool.creator[kind][i]] >= pool.seq[kind][i]) return pool.ids[kind][i];
    }
    return pool.ids[kind][rng_below(pool.n[kind])];
}

static void remember(unsigned kind, const char *id)
{
    assert_true(pool.n[kind] < MAX_IDS);
    unsigned i = pool.n[kind]++;
    snprintf(pool.ids[kind][i], 33, "%s", id);
    pool.creator[kind][i] = at_node;
    pool.seq[kind][i] = pool.heads[at_node][at_node];
}

static void text_of(const msgpack_object *map, const char *key, char *out, size_t cap)
{
    const msgpack_object *o = get(map, key);
    out[0] = 0;
    if (o && o->type == MSGPACK_OBJECT_STR) snprintf(out, cap, "%.*s", (int)o->via.str.size, o->via.str.ptr);
}

static int64_t int_of(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = get(map, key);
    assert_non_null(o);
    assert_true(o->type == MSGPACK_OBJECT_POSITIVE_INTEGER || o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER);
    return o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? o->via.i64 : (int64_t)o->via.u64;
}

/* A refusal the rules give (a move not allowed, a record another node has not sent yet, a
 * duplicate SKU...) is part of the game; anything else — a store error, a record the
 * node's own validator refuses (EPROTO) — is a bug. Counts both per operation. */
static bool outcome(result_t *r, unsigned op, const char *what)
{
    if (r->code == 0) {
        pool.ok[op]++;
        pool.heads[at_node][at_node] = oplog_mark(nodes_now[at_node].fx.log).seq;
        return true;
    }
    if (r->code != ACCORD_EINVAL && r->code != ACCORD_ENOTFOUND && r->code != ACCORD_EEXISTS &&
        r->code != ACCORD_EREADONLY && r->code != ACCORD_EDELETED && r->code != ACCORD_ETOOBIG)
        fail_msg("%s: %s: %s", what, accord_errname(r->code), r->msg);
    pool.refused[op]++;
    if (getenv("SALES_DEBUG")) fprintf(stderr, "# %s refused: %s\n", what, r->msg);
    result_done(r);
    return false;
}

static const char *id_in(result_t *r, char *out)
{
    text_of(&r->out.data, "id", out, 33);
    assert_int_equal(strlen(out), 32);
    return out;
}

/* ---- the random operations, through the local API ---- */

static const char *const quantities[] = {"1", "2", "1.5", "0.125", "3,250", "\xdb\xb1\xd9\xab\xdb\xb5", "10", "0.001"};
static const char *const prices[] = {"12.50", "10", "0.01", "1.234,50", "99.99", "0", "7,5"};
static const char *const rates[] = {"0", "9", "9%", "12.5", "100", "5"};
static const char *const form_rates[] = {"0", "9", "9%25", "12.5", "100", "5", "9%"}; /* a bare % is refused */
static const char *const skus[] = {"OIL-5W30", "TYRE-205", "BRAKE-PAD", "FILTER", "oil-5w30"};
static const char *const days[] = {"2026-03-20", "2026-03-21", "2026-12-01", "2025-12-31", "2026-01-01", "2027-03-21"};
static const char *const quote_states[] = {"draft", "sent", "accepted", "rejected", "expired", "bogus"};
static const char *const order_states[] = {"open", "fulfilled", "cancelled"};
static const char *const ticket_states[] = {"inquiry", "quote", "order", "assigned", "approved", "invoiced", "closed",
                                            "cancelled"};
static const char *const priorities[] = {"low", "normal", "high", "urgent"};
static const char *const users[] = {"sara", "ali", "mina"};
#define ANY(a) (a)[rng_below(sizeof(a) / sizeof((a)[0]))]

/* "quantity=...&unit_price=...&..." with now and then a product, a discount, a tax rate */
static void line_form(char *out, size_t cap)
{
    const char *product = rng_below(3) == 0 ? pick(P_PRODUCT) : NULL;
    size_t n = (size_t)snprintf(out, cap, "%s=%s", rng_below(2) ? "quantity" : "qty", ANY(quantities));
    if (product) n += (size_t)snprintf(out + n, cap - n, "&product=%s", product);
    if (!product || rng_below(2)) n += (size_t)snprintf(out + n, cap - n, "&price=%s", ANY(prices));
    if (!product || rng_below(2)) n += (size_t)snprintf(out + n, cap - n, "&description=Part+%u%%20of+it", rng_below(100));
    if (rng_below(2)) n += (size_t)snprintf(out + n, cap - n, "&discount=%s", ANY(form_rates));
    if (rng_below(2)) n += (size_t)snprintf(out + n, cap - n, "&tax=%s", ANY(form_rates));
}

/* \4 then up to three lines, each ended by \x1e, for call()'s list argument */
static void lines_arg(char *out, size_t cap, unsigned max)
{
    size_t n = (size_t)snprintf(out, cap, "\4");
    for (unsigned i = 0, k = rng_below(max + 1); i < k; i++) {
        line_form(out + n, cap - n);
        n += strlen(out + n);
        n += (size_t)snprintf(out + n, cap - n, "\x1e");
    }
}

/* A status to move id to: mostly one the rules allow from the one the node holds now,
 * else any of states (refused unless it happens to be allowed). */
static const char *next_status(node_t *n, const char *id, unsigned kind, const char *const *states, unsigned n_states)
{
    if (rng_below(4) == 0) return states[rng_below(n_states)];
    result_t r = {0};
    char now[32];
    call(n, &r, "get", "id", id, NULL);
    if (r.code) return states[rng_below(n_states)];
    text_of(&r.out.data, "status", now, sizeof now);
    result_done(&r);
    const char *allowed[16];
    unsigned k = 0;
    for (unsigned i = 0; i < n_states; i++)
        if (sales_move_allowed(kind, now, states[i])) allowed[k++] = states[i];
    return k ? allowed[rng_below(k)] : states[rng_below(n_states)];
}
#define NEXT(n, id, kind, states) next_status(n, id, kind, states, sizeof(states) / sizeof((states)[0]))

/* A record of kind that the node holds in status want, if a few picks find one; else any. */
static const char *pick_in(node_t *n, unsigned kind, const char *want)
{
    const char *id = NULL;
    for (unsigned tries = 0; tries < 6; tries++) {
        if (!(id = pick(kind))) return NULL;
        result_t r = {0};
        char now[32] = "";
        call(n, &r, "get", "id", id, NULL);
        if (r.code == 0) text_of(&r.out.data, "status", now, sizeof now);
        result_done(&r);
        if (!strcmp(now, want)) return id;
    }
    return id;
}

static void op_customer(node_t *n, result_t *r)
{
    char id[33];
    call(n, r, "create", "kind", "customer", "name", "Reza Karimi", "user", ANY(users), NULL);
    if (outcome(r, 0, "customer")) remember(P_CUSTOMER, id_in(r, id)), result_done(r);
}

static void op_product(node_t *n, result_t *r)
{
    char id[33], name[32];
    snprintf(name, sizeof name, "Part %u", rng_below(1000));
    call(n, r, "create", "kind", "product", "sku", ANY(skus), "name", name, "price", ANY(prices), "currency",
         rng_below(3) ? "EUR" : "IRR", "tax_rate", ANY(rates), "add:prices", rng_below(2) ? "USD 15" : "EUR 11.50 tehran-1",
         "user", ANY(users), NULL);
    if (outcome(r, 1, "product")) remember(P_PRODUCT, id_in(r, id)), result_done(r);
}

static void op_product_edit(node_t *n, result_t *r)
{
    const char *id = pick(P_PRODUCT);
    if (!id) return;
    switch (rng_below(3)) {
    case 0: call(n, r, "update", "id", id, "sku", ANY(skus), "user", ANY(users), NULL); break;
    case 1: call(n, r, "update", "id", id, "add:prices", rng_below(2) ? "USD 16.25" : "EUR 9 tehran-1", NULL); break;
    default: call(n, r, "update", "id", id, "price", ANY(prices), "name", "Renamed part", NULL); break;
    }
    if (outcome(r, 2, "product edit")) result_done(r);
}

static void op_quote(node_t *n, result_t *r)
{
    const char *cust = pick(P_CUSTOMER);
    if (!cust) return;
    char lines[1024], id[33];
    lines_arg(lines, sizeof lines, 3);
    call(n, r, "create", "kind", "quote", "customer", cust, "currency", rng_below(4) ? "EUR" : "IRR", "title", "Service",
         "lines", lines, "user", ANY(users), NULL);
    if (outcome(r, 3, "quote")) remember(P_QUOTE, id_in(r, id)), result_done(r);
}

static void op_line(node_t *n, result_t *r)
{
    const char *doc = rng_below(2) ? pick_in(n, P_QUOTE, "draft") : rng_below(4) ? pick(P_ORDER) : pick(P_INVOICE);
    if (!doc) return;
    char id[33];
    call(n, r, "create", "kind", "line", "doc", doc, "quantity", ANY(quantities), "unit_price", ANY(prices),
         "description", "Extra", "tax_rate", ANY(rates), "user", ANY(users), NULL);
    if (outcome(r, 4, "line")) remember(P_LINE, id_in(r, id)), result_done(r);
}

static void op_line_edit(node_t *n, result_t *r)
{
    const char *id = pick(P_LINE);
    if (!id) return;
    switch (rng_below(4)) {
    case 0: call(n, r, "update", "id", id, "quantity", ANY(quantities), NULL); break;
    case 1: call(n, r, "update", "id", id, "unit_price", ANY(prices), "discount", ANY(rates), NULL); break;
    case 2: call(n, r, "update", "id", id, "tax_rate", ANY(rates), "user", ANY(users), NULL); break;
    default: call(n, r, "delete", "id", id, NULL); break;
    }
    if (outcome(r, 5, "line edit")) result_done(r);
}

static void op_quote_move(node_t *n, result_t *r)
{
    const char *id = pick(P_QUOTE);
    if (!id) return;
    if (rng_below(4) == 0) call(n, r, "update", "id", id, "title", rng_below(2) ? "Brakes" : "Tyres", NULL);
    else call(n, r, "update", "id", id, "status", NEXT(n, id, KIND_QUOTE, quote_states), "user", ANY(users), NULL);
    if (outcome(r, 6, "quote move")) result_done(r);
}

static void op_order(node_t *n, result_t *r)
{
    const char *quote = pick_in(n, P_QUOTE, "accepted");
    if (!quote) return;
    char id[33];
    call(n, r, "create", "kind", "order", "from", quote, "user", ANY(users), NULL);
    if (outcome(r, 7, "order")) remember(P_ORDER, id_in(r, id)), result_done(r);
}

static void op_order_move(node_t *n, result_t *r)
{
    const char *id = pick(P_ORDER);
    if (!id) return;
    call(n, r, "update", "id", id, "status", NEXT(n, id, KIND_ORDER, order_states), NULL);
    if (outcome(r, 8, "order move")) result_done(r);
}

static void op_invoice(node_t *n, unsigned node, result_t *r)
{
    const char *order = rng_below(2) ? pick_in(n, P_ORDER, "open") : NULL, *cust = pick(P_CUSTOMER);
    const char *issued = ANY(days);
    char lines[1024];
    if (order) {
        call(n, r, "create", "kind", "invoice", "from", order, "issued", issued, "user", ANY(users), NULL);
    } else {
        if (!cust) return;
        lines_arg(lines, sizeof lines, 3);
        call(n, r, "create", "kind", "invoice", "customer", cust, "currency", rng_below(4) ? "EUR" : "IRR", "issued",
             issued, "lines", lines, "user", ANY(users), NULL);
    }
    if (!outcome(r, 9, "invoice")) return;
    char id[33];
    id_in(r, id);
    unsigned i = pool.n[P_INVOICE];
    text_of(&r->out.data, "number", pool.number[i], sizeof pool.number[i]);
    pool.issuer[i] = node;
    remember(P_INVOICE, id);
    result_done(r);
    call(n, r, "document", "id", id, NULL);
    assert_int_equal(r->code, 0);
    pool.issued_total[i] = int_of(&r->out.data, "total");
    char number[40];
    text_of(&r->out.data, "number", number, sizeof number);
    assert_string_equal(number, pool.number[i]);
    result_done(r);
}

static void op_pay(node_t *n, result_t *r)
{
    const char *id = pick(P_INVOICE);
    if (!id) return;
    static const char *const amounts[] = {"1", "5", "0.50", "10", "1000000", "0", "-1"};
    static const char *const methods[] = {"cash", "card", "transfer", "cheque", "other", "bitcoin"};
    call(n, r, "pay", "id", id, "amount", ANY(amounts), "method", ANY(methods), "date", ANY(days), "reference", "ref 1",
         "user", ANY(users), NULL);
    if (outcome(r, 10, "pay")) result_done(r);
}

static void op_invoice_cancel(node_t *n, result_t *r)
{
    const char *id = pick(P_INVOICE);
    if (!id) return;
    call(n, r, "update", "id", id, "status", rng_below(4) ? "cancelled" : "issued", NULL);
    if (outcome(r, 11, "invoice cancel")) result_done(r);
}

static void op_ticket(node_t *n, result_t *r)
{
    const char *cust = pick(P_CUSTOMER);
    if (!cust) return;
    char id[33];
    call(n, r, "create", "kind", "ticket", "customer", cust, "subject", "Brakes squeak", "priority", ANY(priorities),
         "asset", "VIN WDB1234", "user", ANY(users), NULL);
    if (outcome(r, 12, "ticket")) remember(P_TICKET, id_in(r, id)), result_done(r);
}

static void op_ticket_move(node_t *n, result_t *r)
{
    const char *id = pick(P_TICKET);
    if (!id) return;
    if (rng_below(5) == 0) call(n, r, "update", "id", id, "priority", ANY(priorities), NULL);
    else if (rng_below(6) == 0) call(n, r, "update", "id", id, "assignee", ANY(users), NULL);
    else call(n, r, "update", "id", id, "status", NEXT(n, id, KIND_TICKET, ticket_states), "user", ANY(users), NULL);
    if (outcome(r, 13, "ticket move")) result_done(r);
}

static void random_op(node_t *n, unsigned node, result_t *r)
{
    switch (rng_below(20)) {
    case 0: op_customer(n, r); break;
    case 1: op_product(n, r); break;
    case 2: op_product_edit(n, r); break;
    case 3: case 4: op_quote(n, r); break;
    case 5: op_line(n, r); break;
    case 6: case 7: op_line_edit(n, r); break;
    case 8: case 9: case 10: op_quote_move(n, r); break;
    case 11: op_order(n, r); break;
    case 12: op_order_move(n, r); break;
    case 13: case 14: op_invoice(n, node, r); break;
    case 15: op_pay(n, r); break;
    case 16: op_invoice_cancel(n, r); break;
    case 17: op_ticket(n, r); break;
    default: op_ticket_move(n, r); break;
    }
}

/* ---- exchanging feeds: signed batches through apply_batch, as the link does ---- */

static uint64_t head_of(node_t *at, const uint8_t origin[ID_LEN])
{
    store_txn_t *t;
    uint64_t seq;
    uint8_t hash[32];
    assert_int_equal(store_txn_begin(at->fx.st, false, &t), 0);
    assert_int_equal(apply_head(t, origin, &seq, hash), 0);
    store_txn_abort(&t);
    return seq;
}

/* The seqs of from's own feed that end a commit (a signed checkpoint), after `after`;
 * a batch can end only at one. */
static unsigned checkpoints_after(node_t *from, uint64_t after, uint64_t *out, unsigned max)
{
    store_txn_t *t;
    store_iter_t *it;
    store_val_t k, v;
    unsigned n = 0;
    assert_int_equal(store_txn_begin(from->fx.st, false, &t), 0);
    assert_int_equal(store_iter_new(t, TBL_CHECKPTS, from->fx.id->origin, ID_LEN, false, &it), 0);
    while (store_iter_next(it, &k, &v) == 1 && n < max) {
        uint64_t seq = be64_get((const uint8_t *)k.data + ID_LEN);
        if (seq > after) out[n++] = seq;
    }
    store_iter_destroy(&it);
    store_txn_abort(&t);
    return n;
}

/* Sends from's records after to's head up to seq last, one signed batch, applied and
 * committed at `to` as a receiver does; every record must pass. */
static void send_batch(node_t *from, node_t *to, uint64_t last)
{
    uint64_t first = head_of(to, from->fx.id->origin) + 1;
    if (last < first) return;
    unsigned n = (unsigned)(last - first + 1);
    assert_true(n <= APPLY_MAX_RECORDS);
    uint8_t **bytes = calloc(n, sizeof *bytes);
    const uint8_t **recs = calloc(n, sizeof *recs);
    size_t *lens = calloc(n, sizeof *lens);
    apply_batch_t b = {0};
    store_txn_t *t;
    assert_int_equal(store_txn_begin(from->fx.st, false, &t), 0);
    for (uint64_t s = first; s <= last; s++) {
        uint8_t key[ID_LEN + 8];
        memcpy(key, from->fx.id->origin, ID_LEN);
        be64_put(key + ID_LEN, s);
        store_val_t v;
        assert_int_equal(store_get(t, TBL_FEED, key, sizeof key, &v), 0);
        unsigned i = (unsigned)(s - first);
        bytes[i] = malloc(v.len);
        memcpy(bytes[i], v.data, v.len);
        recs[i] = bytes[i];
        lens[i] = v.len;
        if (s == last) {
            assert_int_equal(store_get(t, TBL_CHECKPTS, key, sizeof key, &v), 0);
            memcpy(b.sig, v.data, CRYPTO_SIG_LEN);
        }
    }
    store_txn_abort(&t);
    b.recs = recs, b.lens = lens, b.n = n;
    apply_result_t res;
    assert_int_equal(store_txn_begin(to->fx.st, true, &t), 0);
    int rc = apply_batch(t, from->fx.id->origin, from->fx.id->pk, &b, NULL, &res);
    if (rc) fail_msg("%s -> %s, seq %llu..%llu: %s: %s", from->fx.id->name, to->fx.id->name, (unsigned long long)first,
                     (unsigned long long)last, accord_errname(rc), res.why);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(res.applied, n);
    for (unsigned i = 0; i < N_NODES; i++)
        for (unsigned j = 0; j < N_NODES; j++)
            if (&nodes_now[i] == to && &nodes_now[j] == from) pool.heads[i][j] = last;
    for (unsigned i = 0; i < n; i++) free(bytes[i]);
    free(bytes), free(recs), free(lens);
}

/* Some of from's new records to `to`: up to a random checkpoint, or all with `all`. */
static void deliver(node_t *from, node_t *to, bool all)
{
    static uint64_t cps[1 << 14];
    unsigned n = checkpoints_after(from, head_of(to, from->fx.id->origin), cps, sizeof cps / sizeof cps[0]);
    if (n == 0) return;
    uint64_t last = cps[all ? n - 1 : rng_below(n)];
    /* a batch holds at most APPLY_MAX_RECORDS: go checkpoint by checkpoint when far behind */
    while (last - head_of(to, from->fx.id->origin) > APPLY_MAX_RECORDS) {
        uint64_t head = head_of(to, from->fx.id->origin);
        unsigned i = 0;
        while (i + 1 < n && cps[i + 1] - head <= APPLY_MAX_RECORDS) i++;
        send_batch(from, to, cps[i]);
    }
    send_batch(from, to, last);
}

/* Random deliveries between random pairs; with `all`, until every node holds every feed. */
static void exchange(node_t *nodes, bool all)
{
    for (unsigned k = 0; k < N_NODES * N_NODES * 2; k++) {
        unsigned a = rng_below(N_NODES), b = rng_below(N_NODES);
        if (a != b && (all || rng_below(2))) deliver(&nodes[a], &nodes[b], false);
    }
    if (!all) return;
    unsigned order[N_NODES * (N_NODES - 1)], n = 0;
    for (unsigned a = 0; a < N_NODES; a++)
        for (unsigned b = 0; b < N_NODES; b++)
            if (a != b) order[n++] = a * N_NODES + b;
    for (unsigned i = n - 1; i > 0; i--) {
        unsigned j = rng_below(i + 1), x = order[i];
        order[i] = order[j], order[j] = x;
    }
    for (unsigned i = 0; i < n; i++) deliver(&nodes[order[i] / N_NODES], &nodes[order[i] % N_NODES], true);
}

/* ---- the checks ---- */

static void digest_of(store_t *st, state_digest_t *d)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, false, &t), 0);
    assert_int_equal(digest_state(t, d), 0);
    store_txn_abort(&t);
}

/* Every record of every node's own feed, decoded (bytes kept in blobs). */
typedef struct {
    uint8_t *blob[N_NODES];
    size_t off[1 << 15], len[1 << 15];
    unsigned node[1 << 15];
    unsigned n;
} all_records_t;

static void collect(node_t *nodes, all_records_t *all)
{
    all->n = 0;
    for (unsigned i = 0; i < N_NODES; i++) {
        store_txn_t *t;
        store_iter_t *it;
        store_val_t k, v;
        size_t used = 0, cap = 1 << 16;
        all->blob[i] = malloc(cap);
        assert_int_equal(store_txn_begin(nodes[i].fx.st, false, &t), 0);
        assert_int_equal(store_iter_new(t, TBL_FEED, nodes[i].fx.id->origin, ID_LEN, false, &it), 0);
        while (store_iter_next(it, &k, &v) == 1) {
            while (used + v.len > cap) all->blob[i] = realloc(all->blob[i], cap *= 2);
            memcpy(all->blob[i] + used, v.data, v.len);
            assert_true(all->n < sizeof all->off / sizeof all->off[0]);
            all->off[all->n] = used, all->len[all->n] = v.len, all->node[all->n] = i;
            all->n++;
            used += v.len;
        }
        store_iter_destroy(&it);
        store_txn_abort(&t);
    }
}

/* A store that takes all the records, merged in a random order of their own. */
static void observe(const all_records_t *all, state_digest_t *d)
{
    char *dir = tmp_dir();
    store_t *st;
    assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0);
    static unsigned order[1 << 15];
    for (unsigned i = 0; i < all->n; i++) order[i] = i;
    for (unsigned i = all->n - 1; i > 0; i--) {
        unsigned j = rng_below(i + 1), x = order[i];
        order[i] = order[j], order[j] = x;
    }
    store_txn_t *t;
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    for (unsigned i = 0; i < all->n; i++) {
        unsigned r = order[i];
        record_t rec;
        assert_int_equal(record_decode(all->blob[all->node[r]] + all->off[r], all->len[r], &rec), 0);
        char why[200];
        if (validate_record(&rec, why, sizeof why)) fail_msg("a record the API wrote does not validate: %s", why);
        assert_int_equal(merge_apply(t, &rec), 0);
    }
    assert_int_equal(store_txn_commit(&t), 0);
    digest_of(st, d);
    store_close(&st);
    rm_dir(dir);
}

/* The reply's bytes again, to compare two replies exactly. */
static void packed(const result_t *r, msgpack_sbuffer *sb)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_object(&pk, r->out.data);
}

/* A document's lines add up to its figures. */
static void sums_hold(const result_t *r)
{
    const msgpack_object *lines = get(&r->out.data, "lines");
    assert_non_null(lines);
    int64_t net = 0, tax = 0, total = 0;
    for (uint32_t i = 0; i < lines->via.array.size; i++) {
        const msgpack_object *l = &lines->via.array.ptr[i];
        net += int_of(l, "net"), tax += int_of(l, "tax"), total += int_of(l, "total");
        assert_int_equal(int_of(l, "net") + int_of(l, "tax"), int_of(l, "total"));
    }
    assert_int_equal(int_of(&r->out.data, "net"), net);
    assert_int_equal(int_of(&r->out.data, "tax"), tax);
    assert_int_equal(int_of(&r->out.data, "total"), total);
}

static void documents_agree(node_t *nodes, unsigned kind)
{
    result_t r = {0};
    for (unsigned d = 0; d < pool.n[kind]; d++) {
        const char *id = pool.ids[kind][d];
        msgpack_sbuffer first = {0, NULL, 0};
        for (unsigned i = 0; i < N_NODES; i++) {
            call(&nodes[i], &r, "document", "id", id, NULL);
            if (r.code) fail_msg("document %s at %s: %s", id, node_names[i], r.msg);
            sums_hold(&r);
            if (kind == P_INVOICE) {
                char number[40];
                text_of(&r.out.data, "number", number, sizeof number);
                assert_string_equal(number, pool.number[d]); /* as it was issued */
                assert_int_equal(int_of(&r.out.data, "total"), pool.issued_total[d]);
                const msgpack_object *fields = get(&r.out.data, "fields");
                assert_int_equal(int_of(fields, "total"), pool.issued_total[d]);
                assert_int_equal(int_of(&r.out.data, "balance"), int_of(&r.out.data, "total") - int_of(&r.out.data, "paid"));
            }
            msgpack_sbuffer sb;
            packed(&r, &sb);
            if (i == 0) {
                first = sb;
            } else {
                if (sb.size != first.size || memcmp(sb.data, first.data, sb.size)) {
                    msgpack_unpacked u;
                    msgpack_unpacked_init(&u);
                    msgpack_unpack_next(&u, first.data, first.size, NULL);
                    fprintf(stderr, "# at %s: ", node_names[0]);
                    msgpack_object_print(stderr, u.data);
                    fprintf(stderr, "\n# at %s: ", node_names[i]);
                    msgpack_object_print(stderr, r.out.data);
                    fprintf(stderr, "\n");
                    msgpack_unpacked_destroy(&u);
                }
                if (sb.size != first.size || memcmp(sb.data, first.data, sb.size))
                    fail_msg("document %s reads differently at %s and %s", id, node_names[0], node_names[i]);
                msgpack_sbuffer_destroy(&sb);
            }
            result_done(&r);
        }
        msgpack_sbuffer_destroy(&first);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* No number twice, and each branch's numbers of a year run 1, 2, 3 ... without a gap: a
 * refused create takes no number, a made one keeps it. clashes lists none on any node. */
static void numbers_unique(node_t *nodes)
{
    unsigned n = pool.n[P_INVOICE];
    static char sorted[MAX_IDS][40];
    for (unsigned i = 0; i < n; i++) {
        memcpy(sorted[i], pool.number[i], 40);
        char want_prefix[8];
        snprintf(want_prefix, sizeof want_prefix, "%s-", prefixes[pool.issuer[i]]);
        assert_int_equal(strncmp(pool.number[i], want_prefix, strlen(want_prefix)), 0);
    }
    qsort(sorted, n, sizeof sorted[0], cmp_str);
    for (unsigned i = 1; i < n; i++)
        if (!strcmp(sorted[i - 1], sorted[i])) fail_msg("two invoices are numbered %s", sorted[i]);
    /* sorted, a prefix-year's numbers are neighbours: 000001, 000002, ... */
    for (unsigned i = 0; i < n; i++) {
        const char *dash = strrchr(sorted[i], '-');
        unsigned seq = (unsigned)strtoul(dash + 1, NULL, 10);
        bool same_year = i > 0 && !strncmp(sorted[i - 1], sorted[i], (size_t)(dash - sorted[i]) + 1);
        unsigned prev = same_year ? (unsigned)strtoul(strrchr(sorted[i - 1], '-') + 1, NULL, 10) : 0;
        if (seq != prev + 1) fail_msg("%s follows %s", sorted[i], same_year ? sorted[i - 1] : "nothing");
    }
    result_t r = {0};
    for (unsigned i = 0; i < N_NODES; i++) {
        call(&nodes[i], &r, "clashes", "kind", "invoice", NULL);
        assert_int_equal(r.code, 0);
        assert_int_equal(get(&r.out.data, "items")->via.array.size, 0);
        result_done(&r);
    }
}

static void run_case(unsigned c)
{
    node_t nodes[N_NODES];
    result_t r = {0};
    memset(&pool, 0, sizeof pool);
    nodes_now = nodes;
    for (unsigned i = 0; i < N_NODES; i++) {
        at_node = i;
        node_open(&nodes[i], node_names[i]);
        assert_int_equal(api_set_invoicing(nodes[i].api, prefixes[i], calendars[i]), 0);
        op_customer(&nodes[i], &r);
        op_product(&nodes[i], &r);
    }
    for (unsigned round = 0; round < ROUNDS; round++) {
        for (unsigned k = 0; k < OPS_PER_ROUND * N_NODES; k++) {
            unsigned i = rng_below(N_NODES);
            at_node = i;
            random_op(&nodes[i], i, &r);
        }
        exchange(nodes, false);
    }
    exchange(nodes, true);
    state_digest_t d[N_NODES + 2];
    for (unsigned i = 0; i < N_NODES; i++) {
        for (unsigned j = 0; j < N_NODES; j++)
            assert_int_equal(head_of(&nodes[i], nodes[j].fx.id->origin), head_of(&nodes[j], nodes[j].fx.id->origin));
        digest_of(nodes[i].fx.st, &d[i]);
        fixture_assert_index_complete(nodes[i].fx.st); /* the terms merge kept field by field */
    }
    static all_records_t all;
    collect(nodes, &all);
    observe(&all, &d[N_NODES]);
    observe(&all, &d[N_NODES + 1]);
    for (unsigned i = 0; i < N_NODES; i++) free(all.blob[i]);
    for (unsigned i = 1; i < N_NODES + 2; i++)
        if (memcmp(d[0].state, d[i].state, 32) || d[0].entities != d[i].entities)
            fail_msg("case %u: the state of %s differs from %s's (%llu and %llu entities)", c,
                     i < N_NODES ? node_names[i] : "a store that took the records shuffled", node_names[0],
                     (unsigned long long)d[i].entities, (unsigned long long)d[0].entities);
    documents_agree(nodes, P_QUOTE);
    documents_agree(nodes, P_ORDER);
    documents_agree(nodes, P_INVOICE);
    numbers_unique(nodes);
    for (unsigned i = 0; i < N_NODES; i++) node_close(&nodes[i]);
}

static void test_random_sales_converge(void **state)
{
    (void)state;
    crypto_init();
    rng_seed();
    const char *env = getenv("ACCORD_MERGE_CASES");
    unsigned cases = env ? (unsigned)strtoul(env, NULL, 10) / 1000 + 1 : CASES_DEFAULT;
    unsigned ok[16] = {0}, refused[16] = {0}, invoices = 0, docs = 0;
    for (unsigned c = 0; c < cases; c++) {
        run_case(c);
        for (unsigned i = 0; i < 16; i++) ok[i] += pool.ok[i], refused[i] += pool.refused[i];
        invoices += pool.n[P_INVOICE];
        docs += pool.n[P_QUOTE] + pool.n[P_ORDER] + pool.n[P_INVOICE];
    }
    static const char *const names[] = {"customer", "product", "product edit", "quote", "line", "line edit",
                                        "quote move", "order", "order move", "invoice", "pay", "invoice cancel",
                                        "ticket", "ticket move"};
    fprintf(stderr, "# %u cases, %u documents, %u invoices converged; made/refused:", cases, docs, invoices);
    for (unsigned i = 0; i < 14; i++) fprintf(stderr, " %s %u/%u", names[i], ok[i], refused[i]);
    fprintf(stderr, "\n");
    /* the generator must reach every operation both ways, or the property says little; a
     * run of a few cases (valgrind's) may miss one by chance, and says only that it held */
    for (unsigned i = 0; i < 14 && cases >= 10; i++) {
        if (!ok[i]) fail_msg("no %s was made", names[i]);
        if (!refused[i] && i != 0 && i != 12) fail_msg("no %s was refused", names[i]);
    }
}

/* ---- conflicts and clashes between two branches apart ---- */

static void exchange_two(node_t *a, node_t *b)
{
    deliver(a, b, true);
    deliver(b, a, true);
}

static void test_a_ticket_moved_apart_converges_with_a_conflict(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "tehran-1");
    node_open(&b, "shiraz-2");
    result_t r = {0};
    char cust[33], ticket[33];
    call(&a, &r, "create", "kind", "customer", "name", "Reza Karimi", NULL);
    assert_int_equal(r.code, 0);
    id_in(&r, cust);
    result_done(&r);
    call(&a, &r, "create", "kind", "ticket", "customer", cust, "subject", "Brakes squeak", "user", "sara", NULL);
    assert_int_equal(r.code, 0);
    id_in(&r, ticket);
    result_done(&r);
    exchange_two(&a, &b);
    /* apart: tehran makes a quote of it, shiraz closes it */
    call(&a, &r, "update", "id", ticket, "status", "quote", "user", "sara", NULL);
    assert_int_equal(r.code, 0);
    result_done(&r);
    call(&b, &r, "update", "id", ticket, "status", "closed", "user", "mina", NULL);
    assert_int_equal(r.code, 0);
    result_done(&r);
    exchange_two(&a, &b);
    char status[2][17];
    node_t *nodes[2] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        call(nodes[i], &r, "get", "id", ticket, NULL);
        assert_int_equal(r.code, 0);
        text_of(&r.out.data, "status", status[i], sizeof status[i]);
        result_done(&r);
        call(nodes[i], &r, "conflicts", NULL);
        assert_int_equal(r.code, 0);
        const msgpack_object *items = get(&r.out.data, "items");
        assert_int_equal(items->via.array.size, 1);
        const msgpack_object *cf = &items->via.array.ptr[0];
        char field[32], id[33], current[17];
        text_of(cf, "field", field, sizeof field);
        text_of(cf, "id", id, sizeof id);
        text_of(cf, "current", current, sizeof current);
        assert_string_equal(field, "status");
        assert_string_equal(id, ticket);
        assert_string_equal(current, status[i]);
        const msgpack_object *sides = get(cf, "sides");
        assert_int_equal(sides->via.array.size, 2);
        char va[17], vb[17];
        text_of(&sides->via.array.ptr[0], "value", va, sizeof va);
        text_of(&sides->via.array.ptr[1], "value", vb, sizeof vb);
        assert_true((!strcmp(va, "quote") && !strcmp(vb, "closed")) || (!strcmp(va, "closed") && !strcmp(vb, "quote")));
        result_done(&r);
    }
    assert_string_equal(status[0], status[1]);
    state_digest_t da, db;
    digest_of(a.fx.st, &da);
    digest_of(b.fx.st, &db);
    assert_memory_equal(da.state, db.state, 32);
    node_close(&a);
    node_close(&b);
}

/* The count of lines `document` lists for doc at n. */
static unsigned document_lines(node_t *n, const char *doc)
{
    result_t r = {0};
    call(n, &r, "document", "id", doc, NULL);
    if (r.code) fail_msg("document: %s", r.msg);
    unsigned count = get(&r.out.data, "lines")->via.array.size;
    sums_hold(&r);
    result_done(&r);
    return count;
}

/* Found by test_random_sales_converge: a line deleted at one node was still listed by
 * its document there and at the nodes that had the line before its delete. */
static void test_a_deleted_line_leaves_its_document_everywhere(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "tehran-1");
    node_open(&b, "shiraz-2");
    result_t r = {0};
    char cust[33], quote[33], line[33];
    call(&a, &r, "create", "kind", "customer", "name", "Reza Karimi", NULL);
    assert_int_equal(r.code, 0);
    id_in(&r, cust);
    result_done(&r);
    call(&a, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR",
         "lines", "\4qty=1&price=10&description=Oil\x1eqty=2&price=5&description=Filter\x1e", NULL);
    assert_int_equal(r.code, 0);
    id_in(&r, quote);
    result_done(&r);
    call(&a, &r, "create", "kind", "line", "doc", quote, "quantity", "1", "unit_price", "3", "description", "Labour", NULL);
    assert_int_equal(r.code, 0);
    id_in(&r, line);
    result_done(&r);
    assert_int_equal(document_lines(&a, quote), 3);
    exchange_two(&a, &b);
    assert_int_equal(document_lines(&b, quote), 3);
    call(&b, &r, "delete", "id", line, NULL);
    assert_int_equal(r.code, 0);
    result_done(&r);
    assert_int_equal(document_lines(&b, quote), 2); /* where it was deleted */
    exchange_two(&a, &b);
    assert_int_equal(document_lines(&a, quote), 2); /* and where the delete came later */
    call(&a, &r, "list", "kind", "line", "doc", quote, NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(get(&r.out.data, "items")->via.array.size, 2);
    result_done(&r);
    node_close(&a);
    node_close(&b);
}

static void refused_with(node_t *n, const char *words, const char *verb, const char *id, const char *key, const char *value)
{
    result_t r = {0};
    call(n, &r, verb, "id", id, key, value, NULL);
    if (r.code != ACCORD_EINVAL || !strstr(r.msg, words))
        fail_msg("want EINVAL with '%s'; got %s: %s", words, accord_errname(r.code), r.msg);
    result_done(&r);
}

/* A refused move names the status and the states allowed from it; and an order refused
 * from a quote not accepted says which the quote is ("that is an expired quote": found
 * by test_random_sales_converge's refusals as "that is a expired quote"). */
static void test_a_refused_move_names_the_status(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char cust[33], ticket[33], invoice[33], quote[33];
    call(&a, &r, "create", "kind", "customer", "name", "Reza Karimi", NULL);
    id_in(&r, cust);
    result_done(&r);
    call(&a, &r, "create", "kind", "ticket", "customer", cust, "subject", "Brakes", NULL);
    id_in(&r, ticket);
    result_done(&r);
    refused_with(&a, "status: a ticket that is inquiry cannot move to assigned; it moves to quote, closed or cancelled",
                 "update", ticket, "status", "assigned");
    call(&a, &r, "create", "kind", "invoice", "customer", cust, "currency", "EUR", "lines", "\4qty=1&price=5&description=x\x1e", NULL);
    id_in(&r, invoice);
    result_done(&r);
    call(&a, &r, "update", "id", invoice, "status", "cancelled", NULL);
    assert_int_equal(r.code, 0);
    result_done(&r);
    refused_with(&a, "status: an invoice that is cancelled cannot move to issued; it moves to none (it is final)", "update",
                 invoice, "status", "issued");
    call(&a, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", "lines", "\4qty=1&price=5&description=x\x1e", NULL);
    id_in(&r, quote);
    result_done(&r);
    refused_with(&a, "status: a quote that is draft cannot move to accepted; it moves to sent", "update", quote, "status",
                 "accepted");
    call(&a, &r, "update", "id", quote, "status", "sent", NULL);
    result_done(&r);
    call(&a, &r, "update", "id", quote, "status", "expired", NULL);
    assert_int_equal(r.code, 0);
    result_done(&r);
    refused_with(&a, "status: a quote that is expired cannot move to sent", "update", quote, "status", "sent");
    call(&a, &r, "create", "kind", "order", "from", quote, NULL);
    if (r.code != ACCORD_EINVAL || !strstr(r.msg, "(that is an expired quote)")) fail_msg("order from an expired quote: %s", r.msg);
    result_done(&r);
    node_close(&a);
}

/* Found while writing these tests: a line added to a document, or a line's price raised,
 * was taken though it took the document's sum past SCHEMA_MONEY_MAX, and `document` then
 * left that line out of its total without a word (docs/SALES.md: refused when written). */
static void test_a_line_past_the_documents_bound_is_refused(void **state)
{
    (void)state;
    crypto_init();
    node_t a;
    node_open(&a, "tehran-1");
    result_t r = {0};
    char cust[33], quote[33], line[33];
    call(&a, &r, "create", "kind", "customer", "name", "Reza Karimi", NULL);
    id_in(&r, cust);
    result_done(&r);
    call(&a, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", "lines",
         "\4qty=1&price=60000000000000&description=Fleet\x1e", NULL); /* 6e15 minor units */
    id_in(&r, quote);
    result_done(&r);
    call(&a, &r, "create", "kind", "line", "doc", quote, "quantity", "1", "unit_price", "60000000000000", "description", "y", NULL);
    if (r.code != ACCORD_ETOOBIG || !strstr(r.msg, "9000000000000000"))
        fail_msg("a second line of 6e15: %s: %s", accord_errname(r.code), r.msg);
    result_done(&r);
    call(&a, &r, "create", "kind", "line", "doc", quote, "quantity", "1", "unit_price", "30000000000000", "description", "y", NULL);
    id_in(&r, line); /* 9e15 exactly: the bound is taken */
    result_done(&r);
    call(&a, &r, "update", "id", line, "unit_price", "30000000000000.01", NULL);
    if (r.code != ACCORD_ETOOBIG) fail_msg("a line's price raised past the bound: %s: %s", accord_errname(r.code), r.msg);
    result_done(&r);
    call(&a, &r, "update", "id", line, "unit_price", "29000000000000", NULL); /* lowered: fine */
    if (r.code) fail_msg("a line's price lowered: %s", r.msg);
    result_done(&r);
    call(&a, &r, "document", "id", quote, NULL);
    assert_int_equal(r.code, 0);
    assert_int_equal(int_of(&r.out.data, "total"), 8900000000000000LL);
    assert_int_equal(get(&r.out.data, "lines")->via.array.size, 2);
    result_done(&r);
    node_close(&a);
}

/* The clashes of a node's products: the count of groups, and the ids of the first. */
static unsigned product_clashes(node_t *n, char ids[2][33])
{
    result_t r = {0};
    call(n, &r, "clashes", "kind", "product", NULL);
    assert_int_equal(r.code, 0);
    const msgpack_object *items = get(&r.out.data, "items");
    unsigned groups = items->via.array.size;
    if (groups) {
        const msgpack_object *g = &items->via.array.ptr[0];
        const msgpack_object *gi = get(g, "ids");
        assert_int_equal(gi->via.array.size, 2);
        for (int i = 0; i < 2; i++)
            snprintf(ids[i], 33, "%.*s", (int)gi->via.array.ptr[i].via.str.size, gi->via.array.ptr[i].via.str.ptr);
    }
    result_done(&r);
    return groups;
}

static void test_one_sku_added_apart_is_a_clash_until_one_changes(void **state)
{
    (void)state;
    crypto_init();
    node_t a, b;
    node_open(&a, "tehran-1");
    node_open(&b, "shiraz-2");
    result_t r = {0};
    char pa[33], pb[33], ids[2][33];
    call(&a, &r, "create", "kind", "product", "sku", "OIL-5W30", "name", "Engine oil", NULL);
    assert_int_equal(r.code, 0);
    id_in(&r, pa);
    result_done(&r);
    call(&b, &r, "create", "kind", "product", "sku", "oil-5w30", "name", "Oil 5W-30", NULL); /* without case: the same */
    assert_int_equal(r.code, 0);
    id_in(&r, pb);
    result_done(&r);
    assert_int_equal(product_clashes(&a, ids), 0);
    exchange_two(&a, &b);
    node_t *nodes[2] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        if (product_clashes(nodes[i], ids) != 1) fail_msg("%s lists no clash of the SKU", node_names[i]);
        assert_true((!strcmp(ids[0], pa) && !strcmp(ids[1], pb)) || (!strcmp(ids[0], pb) && !strcmp(ids[1], pa)));
        /* both kept, and a third of that SKU is still refused */
        call(nodes[i], &r, "get", "id", pa, NULL);
        assert_int_equal(r.code, 0);
        result_done(&r);
        call(nodes[i], &r, "get", "id", pb, NULL);
        assert_int_equal(r.code, 0);
        result_done(&r);
        call(nodes[i], &r, "create", "kind", "product", "sku", "OIL-5W30", "name", "Third", NULL);
        assert_int_equal(r.code, ACCORD_EEXISTS);
        result_done(&r);
    }
    /* shiraz gives its product another SKU: no clash anywhere once that has travelled */
    call(&b, &r, "update", "id", pb, "sku", "OIL-5W30-SHZ", NULL);
    if (r.code) fail_msg("update of a clashing SKU: %s", r.msg);
    result_done(&r);
    assert_int_equal(product_clashes(&b, ids), 0);
    exchange_two(&a, &b);
    for (int i = 0; i < 2; i++) assert_int_equal(product_clashes(nodes[i], ids), 0);
    node_close(&a);
    node_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sales_converge),
        cmocka_unit_test(test_a_ticket_moved_apart_converges_with_a_conflict),
        cmocka_unit_test(test_a_deleted_line_leaves_its_document_everywhere),
        cmocka_unit_test(test_a_refused_move_names_the_status),
        cmocka_unit_test(test_a_line_past_the_documents_bound_is_refused),
        cmocka_unit_test(test_one_sku_added_apart_is_a_clash_until_one_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
