/* SPDX-License-Identifier: MIT
 * validate: a record from a peer is held to the rule a local write meets (issue 13, item 1).
 * A hostile peer signs records with its own enrolled key, so they pass every check of the
 * chain and the signature; what it cannot do is get a record applied that no node could
 * have written. These tests sign such records directly, as that peer would. */
#include "helpers.h"
#include "fixture.h"

#include "feed/apply.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "proto/validate.h"

/* A peer that writes whatever it likes into its own feed: records encoded, chained and
 * signed by hand with its identity's key, bypassing oplog_append's check. */
typedef struct {
    fixture_t node;      /* its key and origin */
    uint64_t seq;        /* last seq written */
    uint8_t head[32];    /* hash of that record */
} forger_t;

typedef struct {
    msgpack_sbuffer bytes[4];
    const uint8_t *recs[4];
    size_t lens[4];
    apply_batch_t b;
} forged_batch_t;

/* Encodes recs[0..n) as the forger's next records and signs the last; the forger's head
 * moves only if keep is true (a refused batch is written again differently). */
static void forge(forger_t *f, record_t *recs, unsigned n, bool keep, forged_batch_t *fb)
{
    uint64_t seq = f->seq;
    uint8_t head[32];
    memcpy(head, f->head, 32);
    for (unsigned i = 0; i < n; i++) {
        record_t *r = &recs[i];
        memcpy(r->origin, f->node.id->origin, ID_LEN);
        r->seq = ++seq;
        memcpy(r->prev, head, 32);
        msgpack_sbuffer_init(&fb->bytes[i]);
        assert_int_equal(record_encode(r, &fb->bytes[i]), 0);
        fb->recs[i] = (const uint8_t *)fb->bytes[i].data;
        fb->lens[i] = fb->bytes[i].size;
        crypto_record_hash(fb->bytes[i].data, fb->bytes[i].size, head);
    }
    fb->b.recs = fb->recs;
    fb->b.lens = fb->lens;
    fb->b.n = n;
    crypto_head_sign(f->node.id->sk, f->node.id->origin, seq, head, fb->b.sig);
    if (keep) f->seq = seq, memcpy(f->head, head, 32);
}

static void forged_free(forged_batch_t *fb)
{
    for (unsigned i = 0; i < fb->b.n; i++) msgpack_sbuffer_destroy(&fb->bytes[i]);
}

/* Applies fb at `to` as a receiver does, committing only on success. */
static int receive(fixture_t *to, forger_t *from, forged_batch_t *fb, apply_result_t *res)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(to->st, true, &t), 0);
    int rc = apply_batch(t, from->node.id->origin, from->node.id->pk, &fb->b, NULL, res);
    if (rc) store_txn_abort(&t);
    else assert_int_equal(store_txn_commit(&t), 0);
    return rc;
}

static uint64_t head_at(fixture_t *n, const uint8_t *origin)
{
    store_txn_t *t;
    uint64_t seq;
    uint8_t hash[32];
    assert_int_equal(store_txn_begin(n->st, false, &t), 0);
    assert_int_equal(apply_head(t, origin, &seq, hash), 0);
    store_txn_abort(&t);
    return seq;
}

static void set_str(record_op_t *op, unsigned field, const char *s)
{
    memset(op, 0, sizeof *op);
    op->field = (uint8_t)field;
    op->op = OP_SET;
    op->val = (value_t){VAL_STR, 0, s, strlen(s)};
}

/* A customer as the local API creates it. */
static void good_customer(record_t *r, const char *name)
{
    memset(r, 0, sizeof *r);
    crypto_random(r->entity, ID_LEN);
    r->kind = KIND_CUSTOMER;
    r->hlc = HLC_PACK(1764000000000ULL, 0);
    r->author = "sara";
    r->author_len = 4;
    set_str(&r->ops[0], F_BRANCH, "tehran-1");
    set_str(&r->ops[1], F_CREATED, "2026-11-24T10:00:00Z");
    set_str(&r->ops[2], F_CU_TYPE, "person");
    set_str(&r->ops[3], F_CU_NAME, name);
    r->n_ops = 4;
}

/* The three records the independent peer got applied, and a batch that hides one of them
 * behind a good record: each refused with EPROTO, the reason named, nothing applied. */
static void test_records_no_node_could_write_are_refused(void **state)
{
    (void)state;
    crypto_init();
    fixture_t hub;
    forger_t peer = {0};
    fixture_open(&hub, "hub", "hub");
    fixture_open(&peer.node, "rogue", "branch");

    record_t recs[2];
    forged_batch_t fb;
    apply_result_t res;

    /* a RESOLVE whose pair is not ordered a < b */
    good_customer(&recs[0], "Reza");
    record_op_t *op = &recs[0].ops[recs[0].n_ops++];
    uint8_t pair[2 * VERSION_LEN];
    memset(pair, 0x22, VERSION_LEN);
    memset(pair + VERSION_LEN, 0x11, VERSION_LEN);
    *op = (record_op_t){F_CU_NAME, OP_RESOLVE, {VAL_REF, 0, (const char *)pair, sizeof pair}, false, {0}};
    forge(&peer, recs, 1, false, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), ACCORD_EPROTO);
    assert_non_null(strstr(res.why, "a < b"));
    assert_int_equal(res.bad_seq, 1);
    forged_free(&fb);
    memset(pair + VERSION_LEN, 0x22, VERSION_LEN); /* a == b is no pair either */
    forge(&peer, recs, 1, false, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), ACCORD_EPROTO);
    forged_free(&fb);

    /* an author that is not UTF-8, and one with a terminal escape */
    good_customer(&recs[0], "Reza");
    recs[0].author = "\xff\xfe", recs[0].author_len = 2;
    forge(&peer, recs, 1, false, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), ACCORD_EPROTO);
    assert_non_null(strstr(res.why, "author"));
    forged_free(&fb);
    recs[0].author = "a\x1b[2Jb", recs[0].author_len = 6;
    forge(&peer, recs, 1, false, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), ACCORD_EPROTO);
    forged_free(&fb);

    /* a customer whose `created` is not a date */
    good_customer(&recs[0], "Reza");
    set_str(&recs[0].ops[1], F_CREATED, "yesterday");
    forge(&peer, recs, 1, false, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), ACCORD_EPROTO);
    assert_non_null(strstr(res.why, "created"));
    forged_free(&fb);

    /* a good record, then a bad one: the batch goes whole or not at all */
    good_customer(&recs[0], "Reza");
    good_customer(&recs[1], "  padded  ");
    forge(&peer, recs, 2, false, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), ACCORD_EPROTO);
    assert_int_equal(res.bad_seq, 2);
    assert_non_null(strstr(res.why, "record 2"));
    assert_int_equal(head_at(&hub, peer.node.id->origin), 0);
    forged_free(&fb);

    /* the same two, both well-formed, apply */
    good_customer(&recs[1], "Mina");
    forge(&peer, recs, 2, true, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), 0);
    assert_int_equal(res.applied, 2);
    forged_free(&fb);

    /* a task whose due time is not as a node writes it ("9:30", not "09:30"), and one whose
     * reminder is more than a week before (issue 15, item 4); the well-formed one applies */
    good_customer(&recs[0], "Reza");
    recs[0].kind = KIND_TASK;
    set_str(&recs[0].ops[2], F_TA_TITLE, "call back");
    set_str(&recs[0].ops[3], F_TA_DUE_TIME, "9:30");
    forge(&peer, recs, 1, false, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), ACCORD_EPROTO);
    assert_non_null(strstr(res.why, "due_time"));
    forged_free(&fb);
    set_str(&recs[0].ops[3], F_TA_DUE_TIME, "09:30");
    recs[0].ops[4] = (record_op_t){F_TA_REMINDER, OP_SET, {VAL_INT, 20000, NULL, 0}, false, {0}};
    recs[0].n_ops = 5;
    forge(&peer, recs, 1, false, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), ACCORD_EPROTO);
    assert_non_null(strstr(res.why, "reminder"));
    assert_non_null(strstr(res.why, "0 to 10080"));
    forged_free(&fb);
    recs[0].ops[4].val.i = 10080;
    forge(&peer, recs, 1, true, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), 0);
    forged_free(&fb);
    fixture_close(&peer.node);
    fixture_close(&hub);
}

/* A record of one of the sales kinds (issue 16) as the local API writes it: branch,
 * created, then the kind's own ops, which the caller adds. */
static void good_sales_record(record_t *r, unsigned kind)
{
    good_customer(r, "x");
    r->kind = (uint8_t)kind;
    r->n_ops = 2;
}

static void add_int(record_t *r, unsigned field, int64_t v)
{
    r->ops[r->n_ops++] = (record_op_t){(uint8_t)field, OP_SET, {VAL_INT, v, NULL, 0}, false, {0}};
}

static void add_elem(record_t *r, unsigned field, const char *s)
{
    r->ops[r->n_ops++] = (record_op_t){(uint8_t)field, OP_ADD, {VAL_STR, 0, s, strlen(s)}, false, {0}};
}

/* Refused with EPROTO, the reason naming words, nothing applied; then the record with
 * fix applied to it is taken, so the refusal is of the value, not of the record. */
static void refused_then_fixed_field(fixture_t *hub, forger_t *peer, record_t *rec, const char *words, unsigned bad_field,
                                     record_op_t fix)
{
    forged_batch_t fb;
    apply_result_t res;
    uint64_t head = head_at(hub, peer->node.id->origin);
    forge(peer, rec, 1, false, &fb);
    assert_int_equal(receive(hub, peer, &fb, &res), ACCORD_EPROTO);
    if (!strstr(res.why, words)) fail_msg("'%s' does not say '%s'", res.why, words);
    assert_int_equal(head_at(hub, peer->node.id->origin), head);
    forged_free(&fb);
    for (uint32_t i = 0; i < rec->n_ops; i++)
        if (rec->ops[i].field == bad_field) rec->ops[i] = fix;
    forge(peer, rec, 1, true, &fb);
    if (receive(hub, peer, &fb, &res)) fail_msg("the fixed record is refused: %s", res.why);
    forged_free(&fb);
}

static void refused_then_fixed(fixture_t *hub, forger_t *peer, record_t *rec, const char *words, record_op_t fix)
{
    refused_then_fixed_field(hub, peer, rec, words, fix.field, fix);
}

/* Issue 16: what no node writes of a line, a product, an invoice or a ticket is refused. */
static void test_sales_records_no_node_could_write_are_refused(void **state)
{
    (void)state;
    crypto_init();
    fixture_t hub;
    forger_t peer = {0};
    fixture_open(&hub, "hub", "hub");
    fixture_open(&peer.node, "rogue", "branch");
    record_t rec;

    /* a line of quantity 0: a node takes 1 thousandth at least */
    good_sales_record(&rec, KIND_LINE);
    set_str(&rec.ops[rec.n_ops++], F_LI_DESCRIPTION, "Oil change");
    add_int(&rec, F_LI_QUANTITY, 0);
    add_int(&rec, F_LI_UNIT_PRICE, 1250);
    refused_then_fixed(&hub, &peer, &rec, "quantity", (record_op_t){F_LI_QUANTITY, OP_SET, {VAL_INT, 1500, NULL, 0}, false, {0}});
    /* and one past a billion units, a discount past 100 %, a tax rate below 0 */
    good_sales_record(&rec, KIND_LINE);
    add_int(&rec, F_LI_QUANTITY, SCHEMA_QUANTITY_MAX + 1);
    refused_then_fixed(&hub, &peer, &rec, "quantity",
                       (record_op_t){F_LI_QUANTITY, OP_SET, {VAL_INT, SCHEMA_QUANTITY_MAX, NULL, 0}, false, {0}});
    good_sales_record(&rec, KIND_LINE);
    add_int(&rec, F_LI_DISCOUNT, 10001);
    refused_then_fixed(&hub, &peer, &rec, "discount", (record_op_t){F_LI_DISCOUNT, OP_SET, {VAL_INT, 10000, NULL, 0}, false, {0}});
    good_sales_record(&rec, KIND_LINE);
    add_int(&rec, F_LI_TAX, -1);
    refused_then_fixed(&hub, &peer, &rec, "tax_rate", (record_op_t){F_LI_TAX, OP_SET, {VAL_INT, 0, NULL, 0}, false, {0}});
    good_sales_record(&rec, KIND_LINE);
    set_str(&rec.ops[rec.n_ops++], F_LI_QUANTITY, "1.5"); /* as typed, not in thousandths */
    refused_then_fixed(&hub, &peer, &rec, "quantity", (record_op_t){F_LI_QUANTITY, OP_SET, {VAL_INT, 1500, NULL, 0}, false, {0}});

    /* a product's price of -1, and one past SCHEMA_MONEY_MAX */
    good_sales_record(&rec, KIND_PRODUCT);
    set_str(&rec.ops[rec.n_ops++], F_PR_SKU, "OIL-5W30");
    add_int(&rec, F_PR_PRICE, -1);
    refused_then_fixed(&hub, &peer, &rec, "price", (record_op_t){F_PR_PRICE, OP_SET, {VAL_INT, 0, NULL, 0}, false, {0}});
    good_sales_record(&rec, KIND_PRODUCT);
    add_int(&rec, F_PR_PRICE, SCHEMA_MONEY_MAX + 1);
    refused_then_fixed(&hub, &peer, &rec, "price",
                       (record_op_t){F_PR_PRICE, OP_SET, {VAL_INT, SCHEMA_MONEY_MAX, NULL, 0}, false, {0}});
    /* a price element not as a node writes it: a leading zero, a negative, typed text, a trailing space */
    static const char *const bad_prices[] = {"EUR 01", "EUR -5", "EUR 12.50", "eur 1250", "EUR 1250 ", "EUR"};
    for (size_t i = 0; i < sizeof bad_prices / sizeof bad_prices[0]; i++) {
        good_sales_record(&rec, KIND_PRODUCT);
        add_elem(&rec, F_PR_PRICES, bad_prices[i]);
        refused_then_fixed(&hub, &peer, &rec, "not a normalised price",
                           (record_op_t){F_PR_PRICES, OP_ADD, {VAL_STR, 0, "EUR 1250 tehran-1", 17}, false, {0}});
    }

    /* a payment of -5 cash, of 0, by an unknown method, with a short id */
    static const char *const bad_payments[] = {
        "2026-12-01 -5 cash 0123456789abcdef", "2026-12-01 0 cash 0123456789abcdef",
        "2026-12-01 5 bitcoin 0123456789abcdef", "2026-12-01 5 cash 0123", "2026-12-01 5 cash 0123456789abcdef ",
        "2026-02-30 5 cash 0123456789abcdef", "2026-12-01 05 cash 0123456789abcdef",
    };
    const char *good_payment = "2026-12-01 5 cash 0123456789abcdef";
    for (size_t i = 0; i < sizeof bad_payments / sizeof bad_payments[0]; i++) {
        good_sales_record(&rec, KIND_INVOICE);
        add_elem(&rec, F_IV_PAYMENTS, bad_payments[i]);
        refused_then_fixed(&hub, &peer, &rec, "not a normalised payment",
                           (record_op_t){F_IV_PAYMENTS, OP_ADD, {VAL_STR, 0, good_payment, strlen(good_payment)}, false, {0}});
    }
    /* an invoice's total below 0, a status not of its list */
    good_sales_record(&rec, KIND_INVOICE);
    add_int(&rec, F_IV_TOTAL, -100);
    refused_then_fixed(&hub, &peer, &rec, "total", (record_op_t){F_IV_TOTAL, OP_SET, {VAL_INT, 100, NULL, 0}, false, {0}});
    good_sales_record(&rec, KIND_INVOICE);
    set_str(&rec.ops[rec.n_ops++], F_IV_STATUS, "paid"); /* derived, never stored */
    refused_then_fixed(&hub, &peer, &rec, "status", (record_op_t){F_IV_STATUS, OP_SET, {VAL_STR, 0, "cancelled", 9}, false, {0}});
    good_sales_record(&rec, KIND_TICKET);
    set_str(&rec.ops[rec.n_ops++], F_TI_PRIORITY, "asap");
    refused_then_fixed(&hub, &peer, &rec, "priority", (record_op_t){F_TI_PRIORITY, OP_SET, {VAL_STR, 0, "urgent", 6}, false, {0}});

    /* a field id past each new kind's last */
    static const struct { unsigned kind, first_unknown, last_known; } past[] = {
        {KIND_PRODUCT, F_PR_DESCRIPTION + 1, F_PR_NAME}, {KIND_QUOTE, F_QU_ASSIGNED + 1, F_QU_TITLE},
        {KIND_LINE, F_LI_UNIT + 1, F_LI_UNIT},           {KIND_ORDER, F_OR_ASSIGNED + 1, F_OR_TITLE},
        {KIND_INVOICE, F_IV_NOTES + 1, F_IV_NOTES},      {KIND_TICKET, F_TI_CLOSED_AT + 1, F_TI_SUBJECT},
    };
    for (size_t i = 0; i < sizeof past / sizeof past[0]; i++) {
        assert_null(schema_field_by_id(past[i].kind, past[i].first_unknown));
        good_sales_record(&rec, past[i].kind);
        set_str(&rec.ops[rec.n_ops++], past[i].first_unknown, "x");
        char words[64];
        snprintf(words, sizeof words, "has no field %u", past[i].first_unknown);
        record_op_t fix;
        set_str(&fix, past[i].last_known, "x");
        refused_then_fixed_field(&hub, &peer, &rec, words, past[i].first_unknown, fix);
    }
    fixture_close(&peer.node);
    fixture_close(&hub);
}

/* A forged signature is reported as one, even when the content is also bad. */
static void test_signature_is_judged_before_content(void **state)
{
    (void)state;
    crypto_init();
    fixture_t hub;
    forger_t peer = {0};
    fixture_open(&hub, "hub", "hub");
    fixture_open(&peer.node, "rogue", "branch");
    record_t rec;
    good_customer(&rec, "Reza");
    set_str(&rec.ops[1], F_CREATED, "yesterday");
    rec.hlc = HLC_PACK(hlc_wall_ms() + 3 * 3600 * 1000ULL, 0); /* and 3 h ahead */
    forged_batch_t fb;
    apply_result_t res;
    forge(&peer, &rec, 1, false, &fb);
    fb.b.sig[0] ^= 1;
    assert_int_equal(receive(&hub, &peer, &fb, &res), ACCORD_ESIG);
    fb.b.sig[0] ^= 1;
    forged_free(&fb);

    /* well-formed but 3 h ahead: EFUTURE says how far ahead, not the excess over the limit */
    good_customer(&rec, "Reza");
    rec.hlc = HLC_PACK(hlc_wall_ms() + 3 * 3600 * 1000ULL + 500, 0);
    forge(&peer, &rec, 1, false, &fb);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(hub.st, true, &t), 0);
    apply_clock_t clock = {hlc_wall_ms(), 300 * 1000};
    assert_int_equal(apply_batch(t, peer.node.id->origin, peer.node.id->pk, &fb.b, &clock, &res), ACCORD_EFUTURE);
    store_txn_abort(&t);
    assert_non_null(strstr(res.why, "3 h 0 min ahead"));
    assert_non_null(strstr(res.why, "at most 300 s"));
    forged_free(&fb);
    fixture_close(&peer.node);
    fixture_close(&hub);
}

/* ---- the property: apply accepts exactly what the validator accepts ---- */

static const char *const typed[] = {
    "Reza Ahmadi", "  Mina  ", "", "x", "علی رضایی", "张伟", "a\tb", "line\nbreak", "\x1b[31mred", "\xc2\x9b" "csi",
    "\xff\xfe", "person", "company", "robot", "2026-11-24", "2026-02-30", "2026-11-24T10:00:00Z",
    "2026-11-24 10:00", "yesterday", "EUR", "IRR", "QQQ", "eur", "+98 912 345 6789", "09123456789", "+989123456789",
    "0 0912 345 6789", "0-0912 345", "0\xdb\xb0" "912345", "12", "MINA@Example.COM", "mina@example.com", "not-an-email", "vip", " vip", "call", "visit", "won",
    "09:05", "9:30", "9:5", "۰۹:۰۵", "24:00", "30", "10080", "10081", "-5",
    "1.5", "1,250", "۱٫۵", "0", "9%", "12.5", "100", "100.01", "EUR 1250", "EUR 1250 tehran", "EUR 01", "XXX 5",
    "2026-12-01 150000 card 0123456789abcdef", "2026-12-01 150000 card 0123456789abcdef cheque 12",
    "2026-12-01 0 card 0123456789abcdef", "2026-12-01 5 bitcoin 0123456789abcdef", "2026-12-01 5 cash 0123",
};

/* A value for op on field f: often what schema_normalize makes of something typed (what
 * the local API writes), sometimes what was typed as is, sometimes the wrong type. */
static void random_value(const field_def_t *f, record_op_t *op, char *buf, size_t cap, uint8_t *bin)
{
    unsigned pick = rng_below(12);
    if (pick >= 10) pick = 0; /* a well-formed value most often */
    const char *in = typed[rng_below(sizeof typed / sizeof typed[0])];
    int64_t num;
    char err[8];
    if (pick < 5 && f && schema_normalize(f, in, buf, cap, &num, err, sizeof err) == 0) {
        if (f->type == FT_BOOL) op->val = (value_t){VAL_BOOL, num, NULL, 0};
        else if (schema_is_int(f->type)) op->val = (value_t){VAL_INT, num, NULL, 0};
        else op->val = (value_t){VAL_STR, 0, buf, strlen(buf)};
        return;
    }
    switch (pick) {
    case 5: op->val = (value_t){VAL_INT, (int64_t)rng_below(300) - 100, NULL, 0}; break;
    case 6: op->val = (value_t){VAL_BOOL, rng_below(2), NULL, 0}; break;
    case 7: op->val = (value_t){VAL_NIL, 0, NULL, 0}; break;
    case 8: {
        unsigned len = rng_below(2) ? ID_LEN : 2 * VERSION_LEN;
        for (unsigned i = 0; i < len; i++) bin[i] = (uint8_t)rng();
        op->val = (value_t){VAL_REF, 0, (const char *)bin, len};
        break;
    }
    default: snprintf(buf, cap, "%s", in); op->val = (value_t){VAL_STR, 0, buf, strlen(buf)}; break;
    }
}

static void random_record(record_t *r, char (*bufs)[256], uint8_t (*bins)[2 * VERSION_LEN])
{
    memset(r, 0, sizeof *r);
    crypto_random(r->entity, ID_LEN);
    r->kind = (uint8_t)(rng_below(20) ? 1 + rng_below(KIND_COUNT - 1) : KIND_COUNT); /* now and then no kind */
    r->hlc = HLC_PACK(1764000000000ULL + rng_below(1000000), 0);
    static const char *const authors[] = {"sara", "مینا", "sara", "مینا", "sara", "\xff", "a\x1b", ""};
    r->author = authors[rng_below(8)];
    r->author_len = strlen(r->author);
    r->n_ops = 1 + rng_below(2);
    for (uint32_t i = 0; i < r->n_ops; i++) {
        record_op_t *op = &r->ops[i];
        unsigned n_fields = 0;
        if (schema_kind_name(r->kind)) schema_fields(r->kind, &n_fields);
        op->field = (uint8_t)rng_below(n_fields + 2); /* now and then a field the kind lacks */
        const field_def_t *f = schema_field_by_id(r->kind, op->field);
        op->op = (uint8_t)(1 + rng_below(4));
        if (f && rng_below(4)) { /* mostly the op that suits the field */
            op->op = schema_is_set(f->type) ? (uint8_t)(OP_ADD + rng_below(2)) : OP_SET;
            if (!schema_is_set(f->type) && !rng_below(8)) op->op = OP_RESOLVE;
        }
        random_value(f, op, bufs[i], sizeof bufs[i], bins[i]);
        if (op->op == OP_RESOLVE && rng_below(2)) { /* a well-formed pair, in order or not */
            memset(bins[i], 1, VERSION_LEN);
            memset(bins[i] + VERSION_LEN, rng_below(3), VERSION_LEN);
            op->val = (value_t){VAL_REF, 0, (const char *)bins[i], 2 * VERSION_LEN};
        }
        if (op->op == OP_SET && rng_below(3) == 0) op->has_base = true, memset(op->base, 7, VERSION_LEN);
    }
}

static void test_apply_accepts_exactly_what_validates(void **state)
{
    (void)state;
    crypto_init();
    rng_seed();
    fixture_t hub;
    forger_t peer = {0};
    fixture_open(&hub, "hub", "hub");
    fixture_open(&peer.node, "rogue", "branch");
    char bufs[RECORD_MAX_OPS][256];
    uint8_t bins[RECORD_MAX_OPS][2 * VERSION_LEN];
    unsigned accepted = 0, refused = 0, cases = 3000;
    for (unsigned i = 0; i < cases; i++) {
        record_t rec;
        random_record(&rec, bufs, bins);
        msgpack_sbuffer probe;
        msgpack_sbuffer_init(&probe);
        rec.seq = peer.seq + 1;
        int enc = record_encode(&rec, &probe);
        msgpack_sbuffer_destroy(&probe);
        if (enc) continue; /* not even encodable: no peer can send it */
        char why[160];
        bool valid = validate_record(&rec, why, sizeof why) == 0;
        forged_batch_t fb;
        apply_result_t res;
        forge(&peer, &rec, 1, valid, &fb);
        int rc = receive(&hub, &peer, &fb, &res);
        if (valid != (rc == 0))
            fail_msg("case %u: validator says %s, apply says %s (%s)", i, valid ? "valid" : why, accord_errname(rc), res.why);
        if (!valid) assert_int_equal(rc, ACCORD_EPROTO);
        valid ? accepted++ : refused++;
        forged_free(&fb);
    }
    /* the generator must exercise both sides, or the property says nothing */
    assert_true(accepted > cases / 20);
    assert_true(refused > cases / 4);
    assert_int_equal(head_at(&hub, peer.node.id->origin), accepted);
    fprintf(stderr, "# %u accepted, %u refused\n", accepted, refused);
    fixture_close(&peer.node);
    fixture_close(&hub);
}

/* The other half: whatever the local API writes from what a person types passes the
 * validator, so no local write is acknowledged that a peer would then refuse. */
static void test_every_normalised_value_validates(void **state)
{
    (void)state;
    rng_seed();
    char out[RECORD_MAX_STR + 1], err[200];
    for (unsigned kind = 1; kind < KIND_COUNT; kind++) {
        unsigned n;
        const field_def_t *fields = schema_fields(kind, &n);
        for (unsigned fi = 0; fi < n; fi++) {
            const field_def_t *f = &fields[fi];
            if (f->type == FT_REF || f->id == F_DELETED) continue;
            for (unsigned i = 0; i < sizeof typed / sizeof typed[0]; i++) {
                int64_t num;
                if (schema_normalize(f, typed[i], out, sizeof out, &num, err, sizeof err)) continue;
                record_t r;
                memset(&r, 0, sizeof r);
                r.kind = (uint8_t)kind;
                r.author = "sara", r.author_len = 4;
                r.n_ops = 1;
                record_op_t *op = &r.ops[0];
                op->field = f->id;
                op->op = schema_is_set(f->type) ? OP_ADD : OP_SET;
                if (f->type == FT_BOOL) op->val = (value_t){VAL_BOOL, num, NULL, 0};
                else if (schema_is_int(f->type))
                    op->val = (value_t){VAL_INT, num, NULL, 0};
                else op->val = (value_t){VAL_STR, 0, out, strlen(out)};
                if (validate_record(&r, err, sizeof err))
                    fail_msg("%s.%s: '%s' normalised to '%s' is refused: %s", schema_kind_name(kind), f->name,
                             typed[i], out, err);
            }
        }
    }
}

/* Issue 13, item 2: N signed SETs of one field with the same base once made N(N-1)/2
 * conflict pairs (4,096 records grew every store by 1.16 GB). Now one group, linear. */
static void test_many_siblings_grow_the_store_linearly(void **state)
{
    (void)state;
    crypto_init();
    fixture_t hub;
    forger_t peer = {0};
    fixture_open(&hub, "hub", "hub");
    fixture_open(&peer.node, "rogue", "branch");
    record_t *recs = calloc(4, sizeof *recs);
    assert_non_null(recs);
    forged_batch_t fb;
    apply_result_t res;
    good_customer(&recs[0], "Reza");
    forge(&peer, recs, 1, true, &fb);
    assert_int_equal(receive(&hub, &peer, &fb, &res), 0);
    forged_free(&fb);
    uint8_t entity[ID_LEN];
    memcpy(entity, recs[0].entity, ID_LEN);
    uint8_t base[VERSION_LEN];
    version_make(base, recs[0].hlc, peer.node.id->origin);
    uint64_t used0, used1, limit;
    store_usage(hub.st, &used0, &limit);
    char names[4][32];
    const unsigned n = 4096;
    for (unsigned i = 0; i < n; i += 4) { /* four records a batch, as a peer streams them */
        for (unsigned j = 0; j < 4; j++) {
            record_t *r = &recs[j];
            memset(r, 0, sizeof *r);
            memcpy(r->entity, entity, ID_LEN);
            r->kind = KIND_CUSTOMER;
            r->hlc = HLC_PACK(1764000000000ULL + 1 + i + j, 0);
            r->author = "rogue", r->author_len = 5;
            snprintf(names[j], sizeof names[j], "City %u", i + j);
            set_str(&r->ops[0], F_CU_CITY, names[j]);
            r->ops[0].has_base = true;
            memcpy(r->ops[0].base, base, VERSION_LEN);
            r->n_ops = 1;
        }
        forge(&peer, recs, 4, true, &fb);
        assert_int_equal(receive(&hub, &peer, &fb, &res), 0);
        forged_free(&fb);
    }
    store_usage(hub.st, &used1, &limit);
    uint64_t grown = used1 - used0;
    fprintf(stderr, "# %u sibling SETs grew the store by %.2f MB\n", n, (double)grown / 1e6);
    assert_true(grown < 10u * 1000 * 1000);
    /* one conflict, of all 4,096 sides */
    store_txn_t *t;
    assert_int_equal(store_txn_begin(hub.st, false, &t), 0);
    store_iter_t *it;
    assert_int_equal(store_iter_new(t, TBL_CONFLICTS, NULL, 0, false, &it), 0);
    store_val_t k, v;
    unsigned groups = 0;
    while (store_iter_next(it, &k, &v) == 1) groups++;
    store_iter_destroy(&it);
    store_txn_abort(&t);
    assert_int_equal(groups, 1);
    free(recs);
    fixture_close(&peer.node);
    fixture_close(&hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_no_node_could_write_are_refused),
        cmocka_unit_test(test_signature_is_judged_before_content),
        cmocka_unit_test(test_sales_records_no_node_could_write_are_refused),
        cmocka_unit_test(test_apply_accepts_exactly_what_validates),
        cmocka_unit_test(test_every_normalised_value_validates),
        cmocka_unit_test(test_many_siblings_grow_the_store_linearly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
