/* SPDX-License-Identifier: MIT */
#include "state/index.h"
#include "proto/crypto.h"

#include "proto/accord_err.h"
#include "proto/schema.h"
#include "proto/timeid.h"
#include "state/entity.h"
#include "state/textnorm.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHONE_MATCH_DIGITS 9 /* a longer phone query matches on its last nine digits */
#define EMAIL_PART_MIN 3     /* bytes of the shortest part of an e-mail address searched */
#define EMAIL_PART_STARTS 64 /* parts of an address start in its first 64 bytes */
#define EMPTY_VALUE 0xff     /* an ORDER term's value for an empty field: after every value */

typedef struct {
    unsigned name, phones, emails, tags, natid; /* field ids, 0 when the kind has none */
    bool branch;
} indexed_fields_t;

static indexed_fields_t fields_of(unsigned kind)
{
    switch (kind) {
    case KIND_CUSTOMER:
        return (indexed_fields_t){F_CU_NAME, F_CU_PHONES, F_CU_EMAILS, F_CU_TAGS, F_CU_NATID, true};
    case KIND_CONTACT:
        return (indexed_fields_t){F_CO_NAME, F_CO_PHONES, F_CO_EMAILS, 0, 0, true};
    case KIND_DEAL:
        return (indexed_fields_t){F_DE_TITLE, 0, 0, F_DE_TAGS, 0, true};
    case KIND_PRODUCT:
        return (indexed_fields_t){F_PR_NAME, 0, 0, 0, 0, true};
    default:
        return (indexed_fields_t){0, 0, 0, 0, 0, false};
    }
}

/* The fields lists sort and filter each kind by: one ORDER term each per live entity. */
typedef struct {
    uint8_t kind, field;
} order_def_t;

static const order_def_t order_defs[] = {
    {KIND_CUSTOMER, F_CU_NAME}, {KIND_CUSTOMER, F_CREATED}, {KIND_CUSTOMER, F_CU_CITY},
    {KIND_CUSTOMER, F_BRANCH}, {KIND_CUSTOMER, F_CU_SEGMENT}, {KIND_CUSTOMER, F_CU_ASSIGNED},
    {KIND_CONTACT, F_CO_NAME}, {KIND_CONTACT, F_CREATED}, {KIND_CONTACT, F_BRANCH}, {KIND_CONTACT, F_CO_CUSTOMER},
    {KIND_DEAL, F_DE_TITLE}, {KIND_DEAL, F_CREATED}, {KIND_DEAL, F_BRANCH}, {KIND_DEAL, F_DE_ASSIGNED},
    {KIND_DEAL, F_DE_STAGE}, {KIND_DEAL, F_DE_CUSTOMER},
    {KIND_TASK, F_TA_TITLE}, {KIND_TASK, F_CREATED}, {KIND_TASK, F_TA_DUE}, {KIND_TASK, F_BRANCH},
    {KIND_TASK, F_TA_ASSIGNEE}, {KIND_TASK, F_TA_RELATED},
    {KIND_INTERACTION, F_IN_WHEN}, {KIND_INTERACTION, F_CREATED}, {KIND_INTERACTION, F_BRANCH},
    {KIND_INTERACTION, F_IN_CUSTOMER},
    {KIND_NOTE, F_CREATED}, {KIND_NOTE, F_BRANCH}, {KIND_NOTE, F_NO_RELATED},
    {KIND_PRODUCT, F_PR_NAME}, {KIND_PRODUCT, F_PR_SKU}, {KIND_PRODUCT, F_CREATED}, {KIND_PRODUCT, F_BRANCH},
    {KIND_PRODUCT, F_PR_CATEGORY},
    {KIND_QUOTE, F_CREATED}, {KIND_QUOTE, F_BRANCH}, {KIND_QUOTE, F_QU_STATUS}, {KIND_QUOTE, F_QU_CUSTOMER},
    {KIND_QUOTE, F_QU_DEAL},
    {KIND_LINE, F_LI_DOC},
    {KIND_ORDER, F_CREATED}, {KIND_ORDER, F_BRANCH}, {KIND_ORDER, F_OR_STATUS}, {KIND_ORDER, F_OR_CUSTOMER},
    {KIND_ORDER, F_OR_QUOTE},
    {KIND_INVOICE, F_CREATED}, {KIND_INVOICE, F_BRANCH}, {KIND_INVOICE, F_IV_NUMBER}, {KIND_INVOICE, F_IV_ISSUED},
    {KIND_INVOICE, F_IV_DUE}, {KIND_INVOICE, F_IV_STATUS}, {KIND_INVOICE, F_IV_CUSTOMER}, {KIND_INVOICE, F_IV_ORDER},
    {KIND_TICKET, F_CREATED}, {KIND_TICKET, F_BRANCH}, {KIND_TICKET, F_TI_STATUS}, {KIND_TICKET, F_TI_PRIORITY},
    {KIND_TICKET, F_TI_SLA_DUE}, {KIND_TICKET, F_TI_ASSIGNEE}, {KIND_TICKET, F_TI_CUSTOMER},
    {KIND_USER, F_US_LOGIN}, {KIND_USER, F_CREATED},
    {KIND_BRANCH, F_BR_NODE}, {KIND_BRANCH, F_BR_REGION}, {KIND_BRANCH, F_CREATED},
};
#define N_ORDER_DEFS (sizeof order_defs / sizeof order_defs[0])

_Static_assert(IDX_SHORTID == 13, "docs/PROTOCOL.md, State, names the short id terms' type 13");

static bool is_order_field(unsigned kind, unsigned field)
{
    for (size_t i = 0; i < N_ORDER_DEFS; i++)
        if (order_defs[i].kind == kind && order_defs[i].field == field) return true;
    return false;
}

int index_order_field(unsigned kind, const char *name)
{
    const field_def_t *f = schema_field(kind, name);
    return f && is_order_field(kind, f->id) ? f->id : -1;
}

bool index_field_indexed(unsigned kind, unsigned field)
{
    indexed_fields_t f = fields_of(kind);
    if (is_order_field(kind, field)) return true;
    if (kind == KIND_DEAL && (field == F_DE_AMOUNT || field == F_DE_CURRENCY)) return true; /* the stage term */
    if (field == F_DELETED) { /* a delete drops every term, a line's one ORDER term (its doc) too */
        if (f.name || f.branch) return true;
        for (size_t i = 0; i < N_ORDER_DEFS; i++)
            if (order_defs[i].kind == kind) return true;
        return false;
    }
    if (field == F_BRANCH) return f.branch;
    if (kind == KIND_USER && field == F_US_LEGACY) return true;
    return field != 0 && (field == f.name || field == f.phones || field == f.emails ||
                          field == f.tags || field == f.natid);
}

static void add_term(index_terms_t *ts, uint8_t type, const void *term, size_t len)
{
    if (len == 0) return;
    if (len > INDEX_TERM_MAX) len = INDEX_TERM_MAX;
    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? 2 * ts->cap : 64;
        ts->terms = realloc(ts->terms, ts->cap * sizeof *ts->terms);
        if (!ts->terms) abort();
    }
    index_term_t *k = &ts->terms[ts->n++];
    k->key[0] = type;
    memcpy(k->key + 1, term, len);
    k->key[len + 1] = 0;
    k->len = (uint16_t)(len + 2);
}

static int term_cmp(const index_term_t *a, const index_term_t *b)
{
    int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
    return c ? c : (int)a->len - (int)b->len;
}

static int term_qsort_cmp(const void *a, const void *b)
{
    return term_cmp(a, b);
}

/* Sorted and each term once: two tags that fold alike are one term, and index_update
 * compares two entities' terms in one pass (n log n, whatever a record holds). */
static void sort_terms(index_terms_t *ts)
{
    if (ts->n < 2) return;
    qsort(ts->terms, ts->n, sizeof *ts->terms, term_qsort_cmp);
    unsigned kept = 1;
    for (unsigned i = 1; i < ts->n; i++)
        if (term_cmp(&ts->terms[i], &ts->terms[kept - 1]) != 0) ts->terms[kept++] = ts->terms[i];
    ts->n = kept;
}

void index_terms_release(index_terms_t *ts)
{
    free(ts->terms);
    ts->terms = NULL;
    ts->n = ts->cap = 0;
}

/* The term types of a kind's name words and CJK grams: a contact's are its own, so that a
 * search of contacts (a customer's search looks at them too) walks contacts only. */
static uint8_t word_type(unsigned kind)
{
    return kind == KIND_CONTACT ? IDX_CONTACT_WORD : IDX_WORD;
}

static uint8_t gram_type(unsigned kind)
{
    return kind == KIND_CONTACT ? IDX_CONTACT_GRAM : IDX_GRAM;
}

static void add_name_terms(index_terms_t *ts, unsigned kind, const char *name, size_t len)
{
    char *folded = ts->folded;
    size_t flen = ts->folded_len = textnorm_fold(name, len, folded);
    textnorm_token_t *tok = ts->tok;
    size_t n = textnorm_tokens(folded, flen, tok, TEXTNORM_MAX_TOKENS);
    for (size_t i = 0; i < n; i++) {
        if (!tok[i].cjk) {
            add_term(ts, word_type(kind), tok[i].s, tok[i].len);
            continue;
        }
        add_term(ts, gram_type(kind), tok[i].s, tok[i].len);
        /* a pair only where the two characters stand next to each other in the text */
        if (i + 1 < n && tok[i + 1].cjk && tok[i].s + tok[i].len == tok[i + 1].s)
            add_term(ts, gram_type(kind), tok[i].s, tok[i].len + tok[i + 1].len);
    }
}

typedef struct {
    index_terms_t *ts;
    uint8_t type;
} elem_ctx_t;

static int add_elem(void *ctx, const char *elem, size_t len)
{
    elem_ctx_t *c = ctx;
    if (c->type == IDX_PHONE) {
        char rev[32];
        size_t n = 0;
        for (size_t i = len; i-- > 0 && n < sizeof rev;)
            if (isdigit((unsigned char)elem[i])) rev[n++] = elem[i];
        add_term(c->ts, IDX_PHONE, rev, n);
    } else if (c->type == IDX_TAG) {
        char folded[TEXTNORM_MAX + 1];
        add_term(c->ts, IDX_TAG, folded, textnorm_fold(elem, len, folded));
    } else if (c->type == IDX_EMAILSUB) {
        /* from the second byte (the whole address is its EMAIL term), the first
         * EMAIL_PART_STARTS starts: a hostile address adds a bounded number of terms */
        for (size_t at = 1; at + EMAIL_PART_MIN <= len && at <= EMAIL_PART_STARTS; at++)
            add_term(c->ts, IDX_EMAILSUB, elem + at, len - at);
    } else {
        add_term(c->ts, c->type, elem, len);
    }
    return 0;
}

/* A field's value as ORDER terms and filters hold it (index.h), cut at INDEX_ORDER_VALUE_MAX;
 * returns its length, 0 for a value that cannot be one (a reference of another size). */
static size_t order_value(unsigned kind, unsigned field, const void *raw, size_t len, uint8_t *out)
{
    const field_def_t *def = schema_field_by_id(kind, field);
    if (def && def->type == FT_REF) {
        if (len != ID_LEN) return 0;
        memcpy(out, raw, ID_LEN);
        return ID_LEN;
    }
    char folded[TEXTNORM_MAX + 1];
    if (def && def->type == FT_TEXT && field != F_BRANCH) { /* branch names are exact */
        len = textnorm_fold(raw, len, folded);
        raw = folded;
    }
    if (len > INDEX_ORDER_VALUE_MAX) len = INDEX_ORDER_VALUE_MAX;
    memcpy(out, raw, len);
    return len;
}

/* The deal's stage term's tail: whether it has an amount, its currency and amount. */
static size_t deal_money_tail(store_txn_t *t, const uint8_t id[ID_LEN], uint8_t *out)
{
    field_state_t amount;
    size_t cl;
    const char *cur = entity_text(t, id, F_DE_CURRENCY, &cl);
    bool has = entity_get(t, id, F_DE_AMOUNT, &amount) == 0 && amount.val.type == VAL_INT;
    out[0] = 0;
    out[1] = has;
    memset(out + 2, 0, 3);
    if (has && cur && cl <= 3) memcpy(out + 2, cur, cl);
    be64_put(out + 5, has ? (uint64_t)amount.val.i ^ (1ull << 63) : 0);
    return 13;
}

/* An invoice's issued term's tail: 0x00 and its number (folded, its first 24 bytes), so
 * that a day's invoices sort by number, as they were issued, not by id. */
static size_t invoice_number_tail(store_txn_t *t, const uint8_t id[ID_LEN], uint8_t *out)
{
    size_t len;
    const char *number = entity_text(t, id, F_IV_NUMBER, &len);
    char folded[TEXTNORM_MAX + 1];
    size_t n = number ? textnorm_fold(number, len, folded) : 0;
    if (n > 24) n = 24;
    out[0] = 0;
    memcpy(out + 1, folded, n);
    return 1 + n;
}

#define BIT(field) ((uint64_t)1 << (field))

/* Does an ORDER term of (kind, field) depend on a field of mask? (A deal's stage term ends
 * with its amount and currency, an invoice's issue date term with its number.) */
static bool order_term_in(unsigned kind, unsigned field, uint64_t mask)
{
    if (mask & BIT(field)) return true;
    if (kind == KIND_DEAL && field == F_DE_STAGE) return mask & (BIT(F_DE_AMOUNT) | BIT(F_DE_CURRENCY));
    if (kind == KIND_INVOICE && field == F_IV_ISSUED) return mask & BIT(F_IV_NUMBER);
    return false;
}

static void add_order_terms(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, uint64_t mask,
                            index_terms_t *out)
{
    for (size_t i = 0; i < N_ORDER_DEFS; i++) {
        if (order_defs[i].kind != kind) continue;
        unsigned field = order_defs[i].field;
        if (!order_term_in(kind, field, mask)) continue;
        uint8_t term[2 + INDEX_ORDER_VALUE_MAX + 13] = {(uint8_t)kind, (uint8_t)field};
        field_state_t fs;
        size_t n = 0;
        if (entity_get(t, id, field, &fs) == 0 && (fs.val.type == VAL_STR || fs.val.type == VAL_REF))
            n = order_value(kind, field, fs.val.s, fs.val.len, term + 2);
        if (n == 0) term[2] = EMPTY_VALUE, n = 1;
        n += 2;
        if (kind == KIND_DEAL && field == F_DE_STAGE) n += deal_money_tail(t, id, term + n);
        if (kind == KIND_INVOICE && field == F_IV_ISSUED) n += invoice_number_tail(t, id, term + n);
        add_term(out, IDX_ORDER, term, n);
    }
}

int index_filter_value(index_filter_t *f, unsigned kind, unsigned field, const void *value, size_t len)
{
    if (!is_order_field(kind, field)) return ACCORD_EINVAL;
    f->prefix[0] = IDX_ORDER;
    f->prefix[1] = (uint8_t)kind;
    f->prefix[2] = (uint8_t)field;
    size_t n = order_value(kind, field, value, len, f->prefix + 3);
    if (n == 0) return ACCORD_EINVAL;
    f->prefix[3 + n] = 0;
    f->len = 4 + n;
    return 0;
}

int index_filter_tag(index_filter_t *f, const char *tag, size_t len)
{
    char folded[TEXTNORM_MAX + 1];
    size_t n = textnorm_fold(tag, len, folded);
    if (n == 0) return ACCORD_EINVAL;
    if (n > INDEX_TERM_MAX) n = INDEX_TERM_MAX;
    f->prefix[0] = IDX_TAG;
    memcpy(f->prefix + 1, folded, n);
    f->prefix[1 + n] = 0;
    f->len = 2 + n;
    return 0;
}

/* A user's LEGACY terms: each "ORIGIN:SEQ" of its legacy field's present elements, with the
 * origin that wrote the element (its version's); malformed pairs make none. */
static int add_legacy(void *ctx, const entity_entry_t *e)
{
    index_terms_t *out = ctx;
    if (e->klen < 2 || e->vlen != VERSION_LEN + 1 || !e->val[VERSION_LEN]) return 0;
    const char *p = (const char *)e->key + 1, *end = p + e->klen - 1;
    while (p < end) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        const char *pair_end = sp ? sp : end;
        uint8_t term[2 * ID_LEN + 8];
        if (pair_end - p > 2 * ID_LEN + 1 && p[2 * ID_LEN] == ':') {
            char hex[2 * ID_LEN + 1], num[24];
            size_t nl = (size_t)(pair_end - p) - 2 * ID_LEN - 1;
            memcpy(hex, p, 2 * ID_LEN);
            hex[2 * ID_LEN] = 0;
            bool digits = nl > 0 && nl < sizeof num;
            for (size_t i = 0; digits && i < nl; i++) digits = p[2 * ID_LEN + 1 + i] >= '0' && p[2 * ID_LEN + 1 + i] <= '9';
            if (digits && crypto_unhex(hex, term, ID_LEN) == 0) {
                memcpy(num, p + 2 * ID_LEN + 1, nl);
                num[nl] = 0;
                be64_put(term + ID_LEN, strtoull(num, NULL, 10));
                memcpy(term + ID_LEN + 8, e->val + 8, ID_LEN); /* the version's origin */
                add_term(out, IDX_LEGACY, term, sizeof term);
            }
        }
        p = pair_end + 1;
    }
    return 0;
}

/* A user's USER_SINCE term: when it was made, the older of its created and login versions
 * (a user from a peer may lack created). */
static void add_user_since(store_txn_t *t, const uint8_t id[ID_LEN], index_terms_t *out)
{
    uint64_t since = 0;
    static const unsigned made_by[] = {F_CREATED, F_US_LOGIN};
    for (unsigned i = 0; i < 2; i++) {
        field_state_t f;
        if (entity_get(t, id, made_by[i], &f)) continue;
        uint64_t h = version_hlc(f.version);
        if (!since || h < since) since = h;
    }
    if (!since) return;
    uint8_t be[8];
    be64_put(be, since);
    add_term(out, IDX_USER_SINCE, be, sizeof be);
}

int index_terms_of(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, uint64_t mask, index_terms_t *out)
{
    out->n = 0;
    out->folded_len = 0;
    indexed_fields_t f = fields_of(kind);
    /* none for an entity taken out of the state (restamp.c); a deleted one keeps only its
     * short id, so that it is still named as people saw it. Its ORDER terms are there
     * however empty its fields are. */
    if (entity_kind(t, id) < 0) return 0;
    if (mask == INDEX_ALL_FIELDS && timeid_is_timed(id))
        add_term(out, IDX_SHORTID, id + TIMEID_RANDOM_AT, TIMEID_RANDOM_LEN);
    if (entity_deleted(t, id)) return 0;
    size_t len;
    const char *s;
    int rc = 0;
#define IN(field) ((field) && (mask & BIT(field)))
    if (IN(f.name) && (s = entity_text(t, id, f.name, &len))) add_name_terms(out, kind, s, len);
    if (f.branch && IN(F_BRANCH) && (s = entity_text(t, id, F_BRANCH, &len))) add_term(out, IDX_BRANCH, s, len);
    if (IN(f.natid) && (s = entity_text(t, id, f.natid, &len))) {
        char folded[TEXTNORM_MAX + 1];
        add_term(out, IDX_NATID, folded, textnorm_fold(s, len, folded));
    }
    elem_ctx_t c = {out, IDX_PHONE};
    if (IN(f.phones) && (rc = entity_each_elem(t, id, f.phones, add_elem, &c))) return rc;
    c.type = IDX_EMAIL;
    if (IN(f.emails) && (rc = entity_each_elem(t, id, f.emails, add_elem, &c))) return rc;
    c.type = IDX_TAG;
    if (IN(f.tags) && (rc = entity_each_elem(t, id, f.tags, add_elem, &c))) return rc;
    c.type = IDX_EMAILSUB;
    if (IN(f.emails) && (rc = entity_each_elem(t, id, f.emails, add_elem, &c))) return rc;
    if (kind == KIND_USER && (IN(F_CREATED) || IN(F_US_LOGIN))) add_user_since(t, id, out);
    uint8_t legacy = F_US_LEGACY;
    if (kind == KIND_USER && IN(F_US_LEGACY) && (rc = entity_each_entry(t, id, ENTITY_TAG_FIELD, &legacy, 1, add_legacy, out)) < 0)
        return rc;
#undef IN
    add_order_terms(t, id, kind, mask, out);
    sort_terms(out);
    return 0;
}

int index_terms(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, index_terms_t *out)
{
    return index_terms_of(t, id, kind, INDEX_ALL_FIELDS, out);
}

uint64_t index_fields_mask(const record_t *rec)
{
    uint64_t mask = 0;
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        if (rec->ops[i].field == F_DELETED || rec->ops[i].field >= 64) return INDEX_ALL_FIELDS;
        mask |= BIT(rec->ops[i].field);
    }
    return mask;
}

static int term_op(store_txn_t *t, const uint8_t *term, size_t len, const uint8_t *id, bool put)
{
    uint8_t key[INDEX_TERM_MAX + 2 + ID_LEN];
    memcpy(key, term, len);
    memcpy(key + len, id, ID_LEN);
    return put ? store_put(t, TBL_INDEX, key, len + ID_LEN, "", 0)
               : store_del(t, TBL_INDEX, key, len + ID_LEN);
}

int index_update(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind,
                 const index_terms_t *before, index_terms_t *after)
{
    return index_update_of(t, id, kind, INDEX_ALL_FIELDS, before, after);
}

int index_update_of(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, uint64_t mask,
                    const index_terms_t *before, index_terms_t *after)
{
    int rc = index_terms_of(t, id, kind, mask, after);
    if (rc) return rc;
    /* both sorted: one walk finds the terms gone (before only) and the new (after only) */
    unsigned i = 0, j = 0;
    while (i < before->n || j < after->n) {
        int c = i == before->n ? 1 : j == after->n ? -1 : term_cmp(&before->terms[i], &after->terms[j]);
        if (c < 0) rc = term_op(t, before->terms[i].key, before->terms[i].len, id, false), i++;
        else if (c > 0) rc = term_op(t, after->terms[j].key, after->terms[j].len, id, true), j++;
        else i++, j++;
        if (rc) return rc;
    }
    if (before->folded_len == after->folded_len && !memcmp(before->folded, after->folded, after->folded_len))
        return 0;
    uint8_t key[1 + ID_LEN] = {IDX_FOLDED};
    memcpy(key + 1, id, ID_LEN);
    return after->folded_len ? store_put(t, TBL_INDEX, key, sizeof key, after->folded, after->folded_len)
                            : store_del(t, TBL_INDEX, key, sizeof key);
}

int index_forget_entity(store_txn_t *t, const uint8_t id[ID_LEN])
{
    if (!timeid_is_timed(id)) return 0;
    uint8_t term[1 + TIMEID_RANDOM_LEN + 1] = {IDX_SHORTID};
    memcpy(term + 1, id + TIMEID_RANDOM_AT, TIMEID_RANDOM_LEN);
    return term_op(t, term, sizeof term, id, false);
}

/* Puts every entity's terms afresh into an emptied index. */
static int index_rebuild(store_txn_t *t, uint64_t *entities)
{
    int rc = store_clear_table(t, TBL_INDEX);
    if (rc) return rc;
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_ENTITIES, NULL, 0, false, &it))) return rc;
    static const index_terms_t none; /* no terms before: every term is new */
    index_terms_t after = {0};
    store_val_t k, v;
    *entities = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len < 2) continue; /* the row: format(1) kind(1) ... (entity.h) */
        if ((rc = index_update(t, k.data, ((const uint8_t *)v.data)[1], &none, &after))) break;
        ++*entities;
    }
    store_iter_destroy(&it);
    index_terms_release(&after);
    return rc < 0 ? rc : 0;
}

static const char index_version_key[] = "index-version";

int index_note_version(store_txn_t *t)
{
    char v[8];
    int n = snprintf(v, sizeof v, "%d", INDEX_VERSION);
    return store_put(t, TBL_META, index_version_key, sizeof index_version_key - 1, v, (size_t)n);
}

bool index_current(store_txn_t *t)
{
    char want[8];
    int wlen = snprintf(want, sizeof want, "%d", INDEX_VERSION);
    store_val_t v;
    if (store_get(t, TBL_META, index_version_key, sizeof index_version_key - 1, &v) == 0)
        return v.len == (size_t)wlen && !memcmp(v.data, want, v.len);
    store_iter_t *it; /* no version: current only while there is nothing to index */
    store_val_t k;
    if (store_iter_new(t, TBL_ENTITIES, NULL, 0, false, &it)) return false;
    bool any = store_iter_next(it, &k, &v) != 0;
    store_iter_destroy(&it);
    return !any;
}

int index_upgrade(store_t *st, uint64_t *entities)
{
    *entities = UINT64_MAX;
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    store_val_t v;
    rc = store_get(t, TBL_META, index_version_key, sizeof index_version_key - 1, &v);
    if (rc == 0 && index_current(t)) {
        store_txn_abort(&t);
        return 0;
    }
    if ((rc == 0 || rc == ACCORD_ENOTFOUND) && !(rc = index_rebuild(t, entities)) && !(rc = index_note_version(t)))
        return store_txn_commit(&t);
    store_txn_abort(&t);
    return rc;
}

/* ---- search ---- */

#define ANCHOR_COUNT_MAX 4096 /* postings counted per query token when choosing the anchor */

typedef struct {
    const char *folded;
    size_t flen;
    textnorm_token_t tok[32];
    size_t n;
} name_query_t;

static bool word_prefix_of_any(const textnorm_token_t *w, const textnorm_token_t *tok, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!tok[i].cjk && tok[i].len >= w->len && memcmp(tok[i].s, w->s, w->len) == 0) return true;
    return false;
}

static bool name_matches(store_txn_t *t, const uint8_t *id, const name_query_t *q)
{
    uint8_t key[1 + ID_LEN] = {IDX_FOLDED};
    memcpy(key + 1, id, ID_LEN);
    store_val_t v;
    if (store_get(t, TBL_INDEX, key, sizeof key, &v) || v.len > TEXTNORM_MAX) return false;
    char folded[TEXTNORM_MAX + 1];
    memcpy(folded, v.data, v.len);
    folded[v.len] = 0;
    textnorm_token_t tok[TEXTNORM_MAX_TOKENS]; /* every word: the query's may be the last */
    size_t n = textnorm_tokens(folded, v.len, tok, TEXTNORM_MAX_TOKENS);
    for (size_t i = 0; i < q->n; i++) {
        if (!q->tok[i].cjk) {
            if (!word_prefix_of_any(&q->tok[i], tok, n)) return false;
            continue;
        }
        /* a run of adjacent CJK characters must appear as a substring */
        size_t j = i;
        while (j + 1 < q->n && q->tok[j + 1].cjk && q->tok[j].s + q->tok[j].len == q->tok[j + 1].s) j++;
        size_t run_len = (size_t)(q->tok[j].s + q->tok[j].len - q->tok[i].s);
        char run[TEXTNORM_MAX + 1];
        memcpy(run, q->tok[i].s, run_len);
        run[run_len] = 0;
        if (!strstr(folded, run)) return false;
        i = j;
    }
    return true;
}

/* Index keys under prefix, counted up to limit. */
static size_t count_postings(store_txn_t *t, const uint8_t *prefix, size_t plen, size_t limit)
{
    store_iter_t *it;
    if (store_iter_new(t, TBL_INDEX, prefix, plen, false, &it)) return limit;
    store_val_t k, v;
    size_t n = 0;
    while (n < limit && store_iter_next(it, &k, &v) == 1) n++;
    store_iter_destroy(&it);
    return n;
}

static bool looks_like_phone(const char *q)
{
    int digits = 0;
    for (const unsigned char *p = (const unsigned char *)q; *p; p++) {
        if (isdigit(*p)) digits++;
        else if ((p[0] == 0xdb && p[1] >= 0xb0 && p[1] <= 0xb9) || (p[0] == 0xd9 && p[1] >= 0xa0 && p[1] <= 0xa9)) {
            digits++; /* Persian or Arabic-Indic digit */
            p++;
        } else if (!strchr("+-() .", *p)) {
            return false;
        }
    }
    return digits >= 3;
}

/* The index prefix a phone query walks: its digits reversed (a suffix search). */
static int phone_prefix(const char *query, uint8_t *prefix, size_t *plen)
{
    /* reuse the phone rule for digit scripts, but search with as few as 3 digits */
    char digits[64];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)query; *p && n < sizeof digits - 1; p++) {
        if (isdigit(*p)) digits[n++] = (char)*p;
        else if ((p[0] == 0xdb && p[1] >= 0xb0 && p[1] <= 0xb9)) { digits[n++] = (char)('0' + p[1] - 0xb0); p++; }
        else if ((p[0] == 0xd9 && p[1] >= 0xa0 && p[1] <= 0xa9)) { digits[n++] = (char)('0' + p[1] - 0xa0); p++; }
    }
    /* leading zeros are a trunk or international prefix ("0912...", "0098..."), which the
     * stored number (+98912...) spells otherwise: the rest is its suffix */
    size_t lead = 0;
    while (lead < n && digits[lead] == '0') lead++;
    if (n - lead >= 3) memmove(digits, digits + lead, n -= lead);
    /* a country code may be on one side only (+98 912... typed, 0912... stored): the last
     * nine digits are the subscriber's number in every plan this serves */
    if (n > PHONE_MATCH_DIGITS) memmove(digits, digits + n - PHONE_MATCH_DIGITS, PHONE_MATCH_DIGITS), n = PHONE_MATCH_DIGITS;
    if (n < 3) return ACCORD_EINVAL;
    prefix[0] = IDX_PHONE;
    for (size_t i = 0; i < n; i++) prefix[1 + i] = (uint8_t)digits[n - 1 - i];
    *plen = 1 + n;
    return 0;
}

static int email_prefix(const char *query, uint8_t *prefix, size_t *plen)
{
    char norm[256];
    size_t n = 0;
    for (const char *p = query; *p && n < sizeof norm - 1; p++)
        if (!isspace((unsigned char)*p)) norm[n++] = (char)tolower((unsigned char)*p);
    if (n < 2) return ACCORD_EINVAL;
    prefix[0] = IDX_EMAIL;
    memcpy(prefix + 1, norm, n);
    *plen = 1 + n;
    return 0;
}

/* A whole term (tag, national id, branch), 0x00-terminated: an exact match. */
static int exact_prefix(search_by_t by, const char *query, size_t qlen, uint8_t *prefix, size_t *plen)
{
    char folded[TEXTNORM_MAX + 1];
    size_t n = by == SEARCH_BRANCH ? (qlen < INDEX_TERM_MAX ? qlen : INDEX_TERM_MAX) : textnorm_fold(query, qlen, folded);
    if (n == 0) return ACCORD_EINVAL;
    if (n > INDEX_TERM_MAX) n = INDEX_TERM_MAX;
    prefix[0] = by == SEARCH_TAG ? IDX_TAG : by == SEARCH_NATID ? IDX_NATID : IDX_BRANCH;
    memcpy(prefix + 1, by == SEARCH_BRANCH ? query : folded, n);
    prefix[1 + n] = 0;
    *plen = n + 2;
    return 0;
}

/* A name query: folds and splits it into nq (folded must outlive nq), and anchors on the
 * query token with the fewest postings, so that "smith 12" walks the few customers with a
 * word starting "12", not every Smith. Counting stops at the best count so far, which
 * bounds the cost of a common word. */
static int name_prefix(store_txn_t *t, unsigned kind, const char *query, size_t qlen, char *folded, name_query_t *nq,
                       uint8_t *prefix, size_t *plen)
{
    nq->flen = textnorm_fold(query, qlen, folded);
    nq->folded = folded;
    nq->n = textnorm_tokens(folded, nq->flen, nq->tok, 32);
    if (nq->n == 0) return ACCORD_EINVAL;
    size_t best = ANCHOR_COUNT_MAX + 1;
    prefix[0] = word_type(kind); /* if every token is common: the first word, checked below */
    *plen = 0;
    for (size_t i = 0; i < nq->n; i++) {
        uint8_t cand[INDEX_TERM_MAX + 2];
        size_t clen;
        if (!nq->tok[i].cjk) {
            cand[0] = word_type(kind);
            clen = nq->tok[i].len > 63 ? 63 : nq->tok[i].len;
            memcpy(cand + 1, nq->tok[i].s, clen);
            clen += 1;
        } else {
            size_t glen = nq->tok[i].len;
            if (i + 1 < nq->n && nq->tok[i + 1].cjk && nq->tok[i].s + nq->tok[i].len == nq->tok[i + 1].s)
                glen += nq->tok[i + 1].len;
            cand[0] = gram_type(kind);
            memcpy(cand + 1, nq->tok[i].s, glen);
            cand[1 + glen] = 0;
            clen = glen + 2;
        }
        size_t count = count_postings(t, cand, clen, best);
        if (count < best || *plen == 0) {
            best = count;
            memcpy(prefix, cand, clen);
            *plen = clen;
        }
        if (best == 0) break; /* nothing can match */
    }
    return 0;
}

/* What a search found so far: at most max, each once, and whether more were left out. */
typedef struct {
    uint8_t (*out)[ID_LEN];
    index_hit_t *hits; /* may be NULL */
    int found, max;
    bool more;
} results_t;

static bool results_full(const results_t *r)
{
    return r->found == r->max && r->more;
}

static bool results_has(const results_t *r, const uint8_t *id)
{
    for (int i = 0; i < r->found; i++)
        if (memcmp(r->out[i], id, ID_LEN) == 0) return true;
    return false;
}

/* Adds id (not yet found); past max it only notes that more match. */
static void results_add(results_t *r, const uint8_t *id, search_by_t by, const uint8_t *contact)
{
    if (r->found == r->max) { /* a match past the last one asked for */
        r->more = true;
        return;
    }
    memcpy(r->out[r->found], id, ID_LEN);
    if (r->hits) {
        r->hits[r->found].by = by;
        if (contact) memcpy(r->hits[r->found].contact, contact, ID_LEN);
    }
    r->found++;
}

/* One walk of the index keys under prefix: each entity of kind not found yet (whose name
 * matches nq, for a name search) is added as matched by `by`. */
static int search_pass(store_txn_t *t, unsigned kind, search_by_t by, const uint8_t *prefix, size_t plen,
                       const name_query_t *nq, results_t *r)
{
    if (plen > 64) plen = 64; /* the iterator's prefix bound; candidates are verified anyway */
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_INDEX, prefix, plen, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    int scanned = 0;
    while (!results_full(r) && (rc = store_iter_next(it, &k, &v)) == 1) {
        if (scanned++ == INDEX_SEARCH_SCAN_MAX) { /* keys left unread may match */
            r->more = true;
            break;
        }
        if (k.len < ID_LEN + 2) continue;
        const uint8_t *id = (const uint8_t *)k.data + k.len - ID_LEN;
        if (results_has(r, id) || entity_kind(t, id) != (int)kind) continue;
        if (nq && !name_matches(t, id, nq)) continue;
        results_add(r, id, by, NULL);
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

/* The customers whose contacts' names (or phones) match: each contact found is its
 * customer's hit, once per customer. */
static int search_contacts(store_txn_t *t, const char *query, bool phone, results_t *r)
{
    uint8_t (*contacts)[ID_LEN] = malloc((size_t)r->max * ID_LEN);
    if (!contacts) abort();
    bool more = false;
    int n = index_search(t, KIND_CONTACT, phone ? SEARCH_PHONE : SEARCH_NAME, query, contacts, r->max, &more);
    for (int i = 0; i < n && !results_full(r); i++) {
        field_state_t ref;
        if (entity_get(t, contacts[i], F_CO_CUSTOMER, &ref) || ref.val.type != VAL_REF || ref.val.len != ID_LEN) continue;
        const uint8_t *customer = (const uint8_t *)ref.val.s;
        if (results_has(r, customer) || entity_kind(t, customer) != KIND_CUSTOMER || entity_deleted(t, customer)) continue;
        results_add(r, customer, SEARCH_CONTACT, contacts[i]);
    }
    if (more) r->more = true; /* contacts left out may belong to other customers */
    free(contacts);
    return n == ACCORD_EINVAL ? 0 : n < 0 ? n : 0;
}

/* The prefix of a value's start: type, then the folded (or lower-cased) query. */
static size_t start_prefix(uint8_t type, const char *query, size_t qlen, bool fold, uint8_t *prefix)
{
    char norm[TEXTNORM_MAX + 1];
    size_t n = 0;
    if (fold) {
        n = textnorm_fold(query, qlen, norm);
    } else {
        for (size_t i = 0; i < qlen && n < sizeof norm - 1; i++)
            if (!isspace((unsigned char)query[i])) norm[n++] = (char)tolower((unsigned char)query[i]);
    }
    if (n > 63) n = 63;
    prefix[0] = type;
    memcpy(prefix + 1, norm, n);
    return 1 + n;
}

/* The passes after the first of an auto search over customers (index.h, index_search_hits). */
static int search_customers_more(store_txn_t *t, const char *query, size_t qlen, search_by_t first, results_t *r)
{
    uint8_t prefix[INDEX_TERM_MAX + 2];
    size_t plen;
    int rc = 0;
    bool phone = first == SEARCH_PHONE, email = first == SEARCH_EMAIL;
    if (results_full(r)) return 0; /* the first found more than were asked for */
    if (!exact_prefix(SEARCH_TAG, query, qlen, prefix, &plen) && (rc = search_pass(t, KIND_CUSTOMER, SEARCH_TAG, prefix, plen, NULL, r)))
        return rc;
    if (!phone && !email) { /* a city as it begins: "teh" finds Tehran */
        uint8_t city[3 + INDEX_ORDER_VALUE_MAX] = {IDX_ORDER, KIND_CUSTOMER, F_CU_CITY};
        char folded[TEXTNORM_MAX + 1];
        size_t n = textnorm_fold(query, qlen, folded);
        if (n > INDEX_ORDER_VALUE_MAX) n = INDEX_ORDER_VALUE_MAX;
        memcpy(city + 3, folded, n);
        if (n && (rc = search_pass(t, KIND_CUSTOMER, SEARCH_CITY, city, 3 + n, NULL, r))) return rc;
    }
    if ((plen = start_prefix(IDX_NATID, query, qlen, true, prefix)) >= 1 + 3 &&
        (rc = search_pass(t, KIND_CUSTOMER, SEARCH_NATID, prefix, plen, NULL, r)))
        return rc;
    if (!phone && !memchr(query, ' ', qlen) && (plen = start_prefix(IDX_EMAILSUB, query, qlen, false, prefix)) >= 1 + EMAIL_PART_MIN) {
        if (!email) { /* an address's start is its EMAIL term */
            prefix[0] = IDX_EMAIL;
            if ((rc = search_pass(t, KIND_CUSTOMER, SEARCH_EMAIL, prefix, plen, NULL, r))) return rc;
            prefix[0] = IDX_EMAILSUB;
        }
        if ((rc = search_pass(t, KIND_CUSTOMER, SEARCH_EMAIL_PART, prefix, plen, NULL, r))) return rc;
    }
    return email || results_full(r) ? 0 : search_contacts(t, query, phone, r);
}

int index_search(store_txn_t *t, unsigned kind, search_by_t by, const char *query,
                 uint8_t (*out)[ID_LEN], int max, bool *more)
{
    return index_search_hits(t, kind, by, query, out, NULL, max, more);
}

int index_search_hits(store_txn_t *t, unsigned kind, search_by_t by, const char *query,
                      uint8_t (*out)[ID_LEN], index_hit_t *hits, int max, bool *more)
{
    if (more) *more = false;
    uint8_t prefix[INDEX_TERM_MAX + 2];
    size_t plen = 0;
    name_query_t nq = {0};
    char folded[TEXTNORM_MAX + 1];
    size_t qlen = strlen(query);
    if (!schema_utf8_valid(query, qlen)) return ACCORD_EINVAL;
    bool autom = by == SEARCH_AUTO;
    if (autom)
        by = kind == KIND_PRODUCT ? SEARCH_NAME /* products have no phones: "5W30" is a name or an SKU */
           : strchr(query, '@') ? SEARCH_EMAIL : looks_like_phone(query) ? SEARCH_PHONE : SEARCH_NAME;
    int rc;
    switch (by) {
    case SEARCH_PHONE: rc = phone_prefix(query, prefix, &plen); break;
    case SEARCH_EMAIL: rc = email_prefix(query, prefix, &plen); break;
    case SEARCH_TAG:
    case SEARCH_NATID:
    case SEARCH_BRANCH: rc = exact_prefix(by, query, qlen, prefix, &plen); break;
    case SEARCH_NAME: rc = name_prefix(t, kind, query, qlen, folded, &nq, prefix, &plen); break;
    default: rc = ACCORD_EINVAL; break;
    }
    /* an auto search over customers has more ways to match than the first */
    bool others = autom && kind == KIND_CUSTOMER;
    int first_rc = rc;
    if (rc && !((others || (autom && kind == KIND_PRODUCT)) && rc == ACCORD_EINVAL)) return rc;
    results_t r = {out, hits, 0, max, false};
    /* exact terms and CJK grams carry their 0x00 terminator in the prefix already */
    if (!rc && (rc = search_pass(t, kind, by, prefix, plen, by == SEARCH_NAME ? &nq : NULL, &r))) return rc;
    if (others && (rc = search_customers_more(t, query, qlen, by, &r))) return rc;
    if (autom && kind == KIND_PRODUCT && !results_full(&r)) { /* an SKU as it begins: "oil-5" finds OIL-5W30 */
        uint8_t sku[3 + INDEX_ORDER_VALUE_MAX] = {IDX_ORDER, KIND_PRODUCT, F_PR_SKU};
        char skufold[TEXTNORM_MAX + 1];
        size_t n = textnorm_fold(query, qlen, skufold);
        if (n > INDEX_ORDER_VALUE_MAX) n = INDEX_ORDER_VALUE_MAX;
        memcpy(sku + 3, skufold, n);
        if (n && (rc = search_pass(t, KIND_PRODUCT, SEARCH_SKU, sku, 3 + n, NULL, &r))) return rc;
        if (first_rc && r.found) first_rc = 0;
    }
    if (first_rc && r.found == 0) return first_rc; /* too short for what it looks like */
    if (more) *more = r.more;
    return r.found;
}
