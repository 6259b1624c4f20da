/* SPDX-License-Identifier: MIT */
#include "ops/dedupe.h"
#include "proto/accord_err.h"
#include "proto/schema.h"
#include "common/log.h"
#include "state/entity.h"
#include "state/textnorm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 128

enum { WHY_PHONE = 0, WHY_EMAIL = 1, WHY_NAME = 2 };
static const char *const why_name[] = {"phone", "email", "name"};

typedef struct {
    char key[KEY_MAX]; /* why(1 char) then the normalised value */
    uint8_t id[ID_LEN];
} term_t;

typedef struct {
    uint8_t a[ID_LEN], b[ID_LEN]; /* a < b */
    char key[KEY_MAX];
} hit_t;

typedef struct {
    term_t *v;
    size_t n, cap;
    const uint8_t *id;
    int why;
} terms_t;

size_t dedupe_name_key(const char *name, size_t len, char out[DEDUPE_NAME_KEY])
{
    char folded[TEXTNORM_MAX + 1];
    size_t fl = textnorm_fold(name, len, folded);
    /* words only: "Ali  Rezaei" and "ali rezaei" are one name */
    textnorm_token_t tok[32];
    size_t nt = textnorm_tokens(folded, fl, tok, 32), jl = 0;
    for (size_t i = 0; i < nt && jl + tok[i].len + 1 < DEDUPE_NAME_KEY; i++) {
        if (jl && !(tok[i].cjk && tok[i - 1].cjk)) out[jl++] = ' ';
        memcpy(out + jl, tok[i].s, tok[i].len);
        jl += tok[i].len;
    }
    out[jl] = 0;
    return jl;
}

static void push(terms_t *ts, const char *s, size_t len)
{
    if (len == 0 || len + 2 > KEY_MAX) return;
    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? ts->cap * 2 : 1024;
        ts->v = realloc(ts->v, ts->cap * sizeof *ts->v);
        if (!ts->v) abort();
    }
    term_t *t = &ts->v[ts->n++];
    t->key[0] = (char)('0' + ts->why);
    memcpy(t->key + 1, s, len);
    t->key[len + 1] = 0;
    memcpy(t->id, ts->id, ID_LEN);
}

static int push_elem(void *ctx, const char *elem, size_t len)
{
    push(ctx, elem, len);
    return 0;
}

/* Phones are kept as typed-then-normalised (+989125551234 or 09125551234): two numbers
 * are taken for one when their last PHONE_KEY_DIGITS digits agree. */
#define PHONE_KEY_DIGITS 10
#define PHONE_MIN_DIGITS 7
static int push_phone(void *ctx, const char *elem, size_t len)
{
    char digits[64];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof digits; i++)
        if (elem[i] >= '0' && elem[i] <= '9') digits[n++] = elem[i];
    if (n < PHONE_MIN_DIGITS) return 0;
    size_t from = n > PHONE_KEY_DIGITS ? n - PHONE_KEY_DIGITS : 0;
    push(ctx, digits + from, n - from);
    return 0;
}

static int cmp_terms(const void *x, const void *y)
{
    const term_t *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c ? c : memcmp(a->id, b->id, ID_LEN);
}

static int cmp_hits(const void *x, const void *y)
{
    const hit_t *a = x, *b = y;
    int c = memcmp(a->a, b->a, ID_LEN);
    if (!c) c = memcmp(a->b, b->b, ID_LEN);
    return c ? c : strcmp(a->key, b->key);
}

typedef struct {
    const hit_t *first; /* a run of hits of one pair, in the sorted hits */
    size_t n;
} pair_t;

static int cmp_pairs(const void *x, const void *y)
{
    const pair_t *a = x, *b = y;
    if (a->n != b->n) return a->n > b->n ? -1 : 1;
    return cmp_hits(a->first, b->first);
}

static void pack_cstr(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack_hex(msgpack_packer *pk, const uint8_t *id)
{
    char hex[2 * ID_LEN + 1];
    crypto_hex(id, ID_LEN, hex);
    pack_cstr(pk, hex, 2 * ID_LEN);
}

static void pack_text_field(store_txn_t *t, msgpack_packer *pk, const uint8_t *id, unsigned field)
{
    size_t n = 0;
    const char *s = entity_text(t, id, field, &n);
    pack_cstr(pk, s ? s : "", s ? n : 0);
}

static bool is_live_customer(store_txn_t *t, const uint8_t *id)
{
    field_state_t f;
    return entity_kind(t, id) == KIND_CUSTOMER && !entity_deleted(t, id) &&
           entity_get(t, id, F_CU_MERGED_INTO, &f) != 0;
}

/* Every live customer's phones (last digits), e-mails and name key, as terms sorted by
 * key: equal keys end up next to each other. Counts the customers. */
static int collect_terms(store_txn_t *t, terms_t *ts, unsigned *customers)
{
    uint8_t prefix = KIND_CUSTOMER;
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_BYKIND, &prefix, 1, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != 1 + ID_LEN) continue;
        const uint8_t *id = (const uint8_t *)k.data + 1;
        if (!is_live_customer(t, id)) continue;
        (*customers)++;
        ts->id = id;
        ts->why = WHY_PHONE;
        entity_each_elem(t, id, F_CU_PHONES, push_phone, ts);
        ts->why = WHY_EMAIL;
        entity_each_elem(t, id, F_CU_EMAILS, push_elem, ts);
        size_t n;
        const char *name = entity_text(t, id, F_CU_NAME, &n);
        if (name) {
            char joined[DEDUPE_NAME_KEY];
            size_t jl = dedupe_name_key(name, n, joined);
            ts->why = WHY_NAME;
            push(ts, joined, jl);
        }
    }
    store_iter_destroy(&it);
    if (rc < 0) return rc;
    if (ts->n) qsort(ts->v, ts->n, sizeof *ts->v, cmp_terms); /* ts->v is NULL when there is none */
    return 0;
}

typedef struct {
    hit_t *hits;          /* every pair of customers sharing a key, sorted by pair */
    size_t n_hits, hits_cap;
    size_t *shared;       /* the first term of each key too many customers share */
    size_t *shared_n;     /* ...and how many share it */
    size_t n_shared, shared_cap;
    pair_t *pairs;        /* runs of hits of one pair, most reasons first */
    size_t n_pairs;
} found_t;

static void add_hit(found_t *f, const term_t *x, const term_t *y)
{
    if (f->n_hits == f->hits_cap) {
        f->hits_cap = f->hits_cap ? f->hits_cap * 2 : 256;
        f->hits = realloc(f->hits, f->hits_cap * sizeof *f->hits);
        if (!f->hits) abort();
    }
    hit_t *h = &f->hits[f->n_hits++];
    memcpy(h->a, x->id, ID_LEN); /* sorted by id within a group: a < b */
    memcpy(h->b, y->id, ID_LEN);
    memcpy(h->key, x->key, KEY_MAX);
}

static void add_shared(found_t *f, size_t first, size_t n)
{
    if (f->n_shared == f->shared_cap) {
        f->shared_cap = f->shared_cap ? f->shared_cap * 2 : 64;
        f->shared = realloc(f->shared, f->shared_cap * sizeof *f->shared);
        f->shared_n = realloc(f->shared_n, f->shared_cap * sizeof *f->shared_n);
        if (!f->shared || !f->shared_n) abort();
    }
    f->shared[f->n_shared] = first;
    f->shared_n[f->n_shared++] = n;
}

/* Groups equal terms: a small group gives a hit per pair of customers in it, a large
 * one is a shared value. Then the hits of one pair become one pair_t. */
static void find_pairs(const terms_t *ts, found_t *f)
{
    for (size_t i = 0; i < ts->n;) {
        size_t j = i + 1;
        while (j < ts->n && !strcmp(ts->v[j].key, ts->v[i].key)) j++;
        if (j - i > DEDUPE_MAX_GROUP) add_shared(f, i, j - i);
        else
            for (size_t x = i; x < j; x++)
                for (size_t y = x + 1; y < j; y++)
                    if (memcmp(ts->v[x].id, ts->v[y].id, ID_LEN)) /* not one customer with two equal values */
                        add_hit(f, &ts->v[x], &ts->v[y]);
        i = j;
    }
    if (f->n_hits) qsort(f->hits, f->n_hits, sizeof *f->hits, cmp_hits);
    f->pairs = malloc((f->n_hits ? f->n_hits : 1) * sizeof *f->pairs);
    if (!f->pairs) abort();
    const hit_t *hits = f->hits;
    for (size_t i = 0; i < f->n_hits;) {
        size_t j = i + 1;
        while (j < f->n_hits && !memcmp(hits[j].a, hits[i].a, ID_LEN) && !memcmp(hits[j].b, hits[i].b, ID_LEN)) j++;
        f->pairs[f->n_pairs++] = (pair_t){&hits[i], j - i};
        i = j;
    }
    if (f->n_pairs) qsort(f->pairs, f->n_pairs, sizeof *f->pairs, cmp_pairs);
}

static void pack_pair(store_txn_t *t, msgpack_packer *pk, const pair_t *p)
{
    const hit_t *h = p->first;
    msgpack_pack_map(pk, 7);
    pack_cstr(pk, "a", 1);
    pack_hex(pk, h->a);
    pack_cstr(pk, "b", 1);
    pack_hex(pk, h->b);
    pack_cstr(pk, "a_name", 6);
    pack_text_field(t, pk, h->a, F_CU_NAME);
    pack_cstr(pk, "b_name", 6);
    pack_text_field(t, pk, h->b, F_CU_NAME);
    pack_cstr(pk, "a_branch", 8);
    pack_text_field(t, pk, h->a, F_BRANCH);
    pack_cstr(pk, "b_branch", 8);
    pack_text_field(t, pk, h->b, F_BRANCH);
    pack_cstr(pk, "reasons", 7);
    msgpack_pack_array(pk, (uint32_t)p->n);
    for (size_t r = 0; r < p->n; r++) {
        const char *key = h[r].key;
        char why[KEY_MAX + 16];
        int len = snprintf(why, sizeof why, "same %s: %s", why_name[key[0] - '0'], key + 1);
        pack_cstr(pk, why, (size_t)len < sizeof why ? (size_t)len : sizeof why - 1);
    }
}

static void pack_found(store_txn_t *t, msgpack_packer *pk, const terms_t *ts, const found_t *f, unsigned customers,
                       unsigned limit)
{
    size_t shown = f->n_pairs < limit ? f->n_pairs : limit;
    msgpack_pack_map(pk, 4);
    pack_cstr(pk, "customers", 9);
    msgpack_pack_uint32(pk, customers);
    pack_cstr(pk, "pairs_found", 11);
    msgpack_pack_uint64(pk, f->n_pairs);
    pack_cstr(pk, "pairs", 5);
    msgpack_pack_array(pk, (uint32_t)shown);
    for (size_t p = 0; p < shown; p++) pack_pair(t, pk, &f->pairs[p]);
    pack_cstr(pk, "shared", 6);
    msgpack_pack_array(pk, (uint32_t)f->n_shared);
    for (size_t s = 0; s < f->n_shared; s++) {
        const char *key = ts->v[f->shared[s]].key;
        msgpack_pack_map(pk, 3);
        pack_cstr(pk, "what", 4);
        pack_cstr(pk, why_name[key[0] - '0'], strlen(why_name[key[0] - '0']));
        pack_cstr(pk, "value", 5);
        pack_cstr(pk, key + 1, strlen(key + 1));
        pack_cstr(pk, "customers", 9);
        msgpack_pack_uint64(pk, f->shared_n[s]);
    }
}

int dedupe_scan(store_txn_t *t, unsigned limit, msgpack_packer *pk, char *msg, size_t cap)
{
    terms_t ts = {NULL, 0, 0, NULL, 0};
    unsigned customers = 0;
    int rc = collect_terms(t, &ts, &customers);
    if (rc) {
        free(ts.v);
        return accord_fail(msg, cap, rc, "cannot read the store: %s", accord_strerror(rc));
    }
    found_t f;
    memset(&f, 0, sizeof f);
    find_pairs(&ts, &f);
    pack_found(t, pk, &ts, &f, customers, limit);
    free(f.pairs);
    free(f.hits);
    free(f.shared);
    free(f.shared_n);
    free(ts.v);
    return 0;
}

/* ---- merging ---------------------------------------------------------------------- */

typedef struct {
    record_t rec;
    char bufs[RECORD_MAX_OPS][RECORD_MAX_STR + 1];
    uint8_t ref[ID_LEN];
    size_t bytes;      /* what rec encodes to at most, so far (MERGE_OP_BYTES) */
    oplog_t *log;      /* where a full record goes */
    store_txn_t *t;
} change_t;

/* Bytes an op of a value of len bytes takes in a record at most: its array, field, op,
 * the value's header and the base version (record.c). The record's own fields take less
 * than MERGE_RECORD_BYTES. */
#define MERGE_OP_BYTES(len) ((len) + 48)
#define MERGE_RECORD_BYTES 256

static void change_init(change_t *c, const uint8_t *entity, unsigned kind, const char *author)
{
    memset(&c->rec, 0, sizeof c->rec);
    memcpy(c->rec.entity, entity, ID_LEN);
    c->rec.kind = (uint8_t)kind;
    c->rec.author = author;
    c->rec.author_len = strlen(author);
    c->bytes = MERGE_RECORD_BYTES;
}

/* Makes room in c for an op of a value of len bytes: a record that holds RECORD_MAX_OPS
 * ops, or would pass RECORD_MAX_BYTES, is appended and c starts the next record of the
 * same entity, in the same transaction. So a merge copies whatever the other customer
 * holds, in as many records as that takes. */
static int change_room(change_t *c, size_t len)
{
    if (c->rec.n_ops < RECORD_MAX_OPS && c->bytes + MERGE_OP_BYTES(len) <= RECORD_MAX_BYTES) return 0;
    int rc = oplog_append(c->log, c->t, &c->rec);
    if (rc) return rc;
    uint8_t entity[ID_LEN];
    memcpy(entity, c->rec.entity, ID_LEN);
    change_init(c, entity, c->rec.kind, c->rec.author);
    return 0;
}

/* A SET carrying the version this node holds, as every local edit does (api_write.c). */
static record_op_t *add_set(store_txn_t *t, change_t *c, unsigned field)
{
    ACCORD_ASSERT(c->rec.n_ops < RECORD_MAX_OPS); /* change_room made room */
    record_op_t *o = &c->rec.ops[c->rec.n_ops++];
    memset(o, 0, sizeof *o);
    o->field = (uint8_t)field;
    o->op = OP_SET;
    field_state_t f;
    if (entity_get(t, c->rec.entity, field, &f) == 0) {
        o->has_base = true;
        memcpy(o->base, f.version, VERSION_LEN);
    }
    return o;
}

/* The elements of other's sets that keep lacks, gathered before any is written: writing
 * while a walk over the same table is open would move its cursor. Each entry is its
 * field, its length (2 bytes) and its bytes. */
typedef struct {
    store_txn_t *t;
    const uint8_t *keep;
    unsigned field;    /* the set being walked */
    uint8_t *buf;      /* owned */
    size_t len, cap;
    unsigned n;        /* entries */
} lacking_t;

static int gather_lacking(void *ctx, const char *elem, size_t len)
{
    lacking_t *l = ctx;
    if (len > RECORD_MAX_STR) return 0; /* a stored element never is (schema_check_op) */
    if (entity_has_elem(l->t, l->keep, l->field, elem, len)) return 0; /* it has it already */
    if (l->len + 3 + len > l->cap) {
        l->cap = 2 * l->cap + 3 + len + 4096;
        if (!(l->buf = realloc(l->buf, l->cap))) abort();
    }
    l->buf[l->len++] = (uint8_t)l->field;
    l->buf[l->len++] = (uint8_t)(len >> 8);
    l->buf[l->len++] = (uint8_t)len;
    memcpy(l->buf + l->len, elem, len);
    l->len += len;
    l->n++;
    return 0;
}

/* Adds the gathered elements to keep, in as many records as they take. */
static int copy_lacking(change_t *c, const lacking_t *l)
{
    for (size_t at = 0; at < l->len;) {
        unsigned field = l->buf[at];
        size_t len = (size_t)l->buf[at + 1] << 8 | l->buf[at + 2];
        const uint8_t *elem = l->buf + at + 3;
        at += 3 + len;
        int rc = change_room(c, len);
        if (rc) return rc;
        record_op_t *o = &c->rec.ops[c->rec.n_ops];
        memset(o, 0, sizeof *o);
        o->field = (uint8_t)field;
        o->op = OP_ADD;
        memcpy(c->bufs[c->rec.n_ops], elem, len);
        c->bufs[c->rec.n_ops][len] = 0;
        o->val = (value_t){VAL_STR, 0, c->bufs[c->rec.n_ops], len};
        c->rec.n_ops++;
        c->bytes += MERGE_OP_BYTES(len);
    }
    return 0;
}

typedef struct {
    store_txn_t *t;
    const uint8_t *keep;
    unsigned field;
    int lacking;       /* elements of other that keep lacks */
} elem_count_t;

static int count_lacking(void *ctx, const char *elem, size_t len)
{
    elem_count_t *e = ctx;
    if (!entity_has_elem(e->t, e->keep, e->field, elem, len)) e->lacking++;
    return 0;
}

static const unsigned merged_sets[] = {F_CU_PHONES, F_CU_EMAILS, F_CU_TAGS};

/* A merge that would leave keep with more than SCHEMA_SET_MAX elements in a set is
 * refused before anything is written. */
static int check_merged_sets(store_txn_t *t, const uint8_t keep[ID_LEN], const uint8_t other[ID_LEN], char *msg,
                             size_t cap)
{
    for (unsigned i = 0; i < sizeof merged_sets / sizeof merged_sets[0]; i++) {
        int held = entity_count_elems(t, keep, merged_sets[i]);
        elem_count_t e = {t, keep, merged_sets[i], 0};
        int rc = held < 0 ? held : entity_each_elem(t, other, merged_sets[i], count_lacking, &e);
        if (rc) return accord_fail(msg, cap, rc, "cannot read the customers: %s", accord_strerror(rc));
        if (held + e.lacking > SCHEMA_SET_MAX) {
            const char *name = schema_field_by_id(KIND_CUSTOMER, merged_sets[i])->name;
            return accord_fail(msg, cap, ACCORD_ETOOBIG, "%s: the merged customer would hold %d %s and a customer holds at "
                               "most %d: remove some from one of them first", name, held + e.lacking, name, SCHEMA_SET_MAX);
        }
    }
    return 0;
}

/* The merge's records, built in c: references moved, what keep lacks copied, other
 * made a tombstone. */
static int dedupe_merge_into(store_txn_t *t, oplog_t *log, const char *author, const uint8_t keep[ID_LEN],
                             const uint8_t other[ID_LEN], change_t *c, dedupe_merge_t *out, char *msg, size_t cap)
{
    int rc;
    c->log = log;
    c->t = t;
    /* every record pointing at the other customer now points at the kept one */
    static const unsigned refs[][2] = {{KIND_CONTACT, F_CO_CUSTOMER}, {KIND_DEAL, F_DE_CUSTOMER},
        {KIND_TASK, F_TA_RELATED}, {KIND_INTERACTION, F_IN_CUSTOMER}, {KIND_NOTE, F_NO_RELATED},
        {KIND_QUOTE, F_QU_CUSTOMER}, {KIND_ORDER, F_OR_CUSTOMER}, {KIND_INVOICE, F_IV_CUSTOMER},
        {KIND_TICKET, F_TI_CUSTOMER}};
    for (unsigned r = 0; r < sizeof refs / sizeof refs[0]; r++) {
        uint8_t prefix = (uint8_t)refs[r][0];
        store_iter_t *it;
        if ((rc = store_iter_new(t, TBL_BYKIND, &prefix, 1, false, &it)))
            return accord_fail(msg, cap, rc, "cannot read the store: %s", accord_strerror(rc));
        store_val_t k, v;
        /* ids first: appending while iterating the same table would move the cursor */
        uint8_t (*ids)[ID_LEN] = NULL;
        size_t n = 0, idcap = 0;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            if (k.len != 1 + ID_LEN) continue;
            const uint8_t *id = (const uint8_t *)k.data + 1;
            field_state_t f;
            if (entity_get(t, id, refs[r][1], &f) || f.val.type != VAL_REF || memcmp(f.val.s, other, ID_LEN)) continue;
            if (n == idcap) {
                idcap = idcap ? idcap * 2 : 64;
                ids = realloc(ids, idcap * ID_LEN);
                if (!ids) abort();
            }
            memcpy(ids[n++], id, ID_LEN);
        }
        store_iter_destroy(&it);
        for (size_t i = 0; rc >= 0 && i < n; i++) {
            change_init(c, ids[i], refs[r][0], author);
            memcpy(c->ref, keep, ID_LEN);
            record_op_t *o = add_set(t, c, refs[r][1]);
            o->val = (value_t){VAL_REF, 0, (const char *)c->ref, ID_LEN};
            if ((rc = oplog_append(log, t, &c->rec))) break;
            out->moved++;
        }
        free(ids);
        if (rc < 0) return accord_fail(msg, cap, rc, "cannot store the merge: %s", rc == ACCORD_EPERM ? oplog_why(log) : accord_strerror(rc));
    }
    /* the kept customer gains the other's phones, e-mails, tags and what it lacks */
    change_init(c, keep, KIND_CUSTOMER, author);
    lacking_t l = {t, keep, 0, NULL, 0, 0, 0};
    rc = 0;
    for (unsigned i = 0; rc == 0 && i < sizeof merged_sets / sizeof merged_sets[0]; i++) {
        l.field = merged_sets[i];
        rc = entity_each_elem(t, other, merged_sets[i], gather_lacking, &l);
    }
    if (rc == 0) rc = copy_lacking(c, &l);
    free(l.buf);
    if (rc) return accord_fail(msg, cap, rc, "cannot store the merge: %s", accord_strerror(rc));
    out->copied += l.n;
    static const unsigned regs[] = {F_CU_ADDRESS, F_CU_CITY, F_CU_NATID, F_CU_SEGMENT, F_CU_SOURCE, F_CU_ASSIGNED,
                                    F_CU_CONSENT_EMAIL, F_CU_CONSENT_SMS};
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        field_state_t mine, theirs;
        if (entity_get(t, keep, regs[i], &mine) == 0 && mine.val.type != VAL_NIL) continue;
        if (entity_get(t, other, regs[i], &theirs) || theirs.val.type == VAL_NIL) continue;
        if (theirs.val.type == VAL_STR && theirs.val.len > RECORD_MAX_STR) continue; /* never stored (schema) */
        if ((rc = change_room(c, theirs.val.len))) return accord_fail(msg, cap, rc, "cannot store the merge: %s", accord_strerror(rc));
        record_op_t *o = add_set(t, c, regs[i]);
        o->val = theirs.val;
        if (theirs.val.type == VAL_STR) {
            memcpy(c->bufs[c->rec.n_ops - 1], theirs.val.s, theirs.val.len);
            o->val.s = c->bufs[c->rec.n_ops - 1];
        }
        c->bytes += MERGE_OP_BYTES(theirs.val.len);
        out->copied++;
    }
    if (c->rec.n_ops && (rc = oplog_append(log, t, &c->rec)))
        return accord_fail(msg, cap, rc, "cannot store the merge: %s", rc == ACCORD_EPERM ? oplog_why(log) : accord_strerror(rc));
    /* the other becomes a tombstone that points at the kept one */
    change_init(c, other, KIND_CUSTOMER, author);
    memcpy(c->ref, keep, ID_LEN);
    record_op_t *o = add_set(t, c, F_CU_MERGED_INTO);
    o->val = (value_t){VAL_REF, 0, (const char *)c->ref, ID_LEN};
    o = add_set(t, c, F_DELETED);
    o->val = (value_t){VAL_BOOL, 1, NULL, 0};
    if ((rc = oplog_append(log, t, &c->rec)))
        return accord_fail(msg, cap, rc, "cannot store the merge: %s", rc == ACCORD_EPERM ? oplog_why(log) : accord_strerror(rc));
    return 0;
}

int dedupe_merge(store_txn_t *t, oplog_t *log, const char *author, const uint8_t keep[ID_LEN],
                 const uint8_t other[ID_LEN], dedupe_merge_t *out, char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    if (!memcmp(keep, other, ID_LEN)) return accord_fail(msg, cap, ACCORD_EINVAL, "a customer cannot be merged into itself");
    if (!is_live_customer(t, keep) || !is_live_customer(t, other))
        return accord_fail(msg, cap, ACCORD_EINVAL, "both must be customers that are neither deleted nor merged already");
    int rc = check_merged_sets(t, keep, other, msg, cap);
    if (rc) return rc;
    change_t *c = malloc(sizeof *c); /* large: one per merge, not on the stack */
    if (!c) abort();
    rc = dedupe_merge_into(t, log, author, keep, other, c, out, msg, cap);
    free(c);
    return rc;
}
