/* SPDX-License-Identifier: MIT */
#include "state/index.h"

#include "proto/accord_err.h"
#include "proto/schema.h"
#include "state/entity.h"
#include "state/textnorm.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PHONE_MATCH_DIGITS 9 /* a longer phone query matches on its last nine digits */

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
    default:
        return (indexed_fields_t){0, 0, 0, 0, 0, false};
    }
}

bool index_field_indexed(unsigned kind, unsigned field)
{
    indexed_fields_t f = fields_of(kind);
    if (field == F_DELETED) return f.name || f.branch;
    if (field == F_BRANCH) return f.branch;
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

static void add_name_terms(index_terms_t *ts, const char *name, size_t len)
{
    char *folded = ts->folded;
    size_t flen = ts->folded_len = textnorm_fold(name, len, folded);
    textnorm_token_t *tok = ts->tok;
    size_t n = textnorm_tokens(folded, flen, tok, TEXTNORM_MAX_TOKENS);
    for (size_t i = 0; i < n; i++) {
        if (!tok[i].cjk) {
            add_term(ts, IDX_WORD, tok[i].s, tok[i].len);
            continue;
        }
        add_term(ts, IDX_GRAM, tok[i].s, tok[i].len);
        /* a pair only where the two characters stand next to each other in the text */
        if (i + 1 < n && tok[i + 1].cjk && tok[i].s + tok[i].len == tok[i + 1].s)
            add_term(ts, IDX_GRAM, tok[i].s, tok[i].len + tok[i + 1].len);
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
    } else {
        add_term(c->ts, c->type, elem, len);
    }
    return 0;
}

int index_terms(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, index_terms_t *out)
{
    out->n = 0;
    out->folded_len = 0;
    indexed_fields_t f = fields_of(kind);
    if (entity_deleted(t, id)) return 0;
    size_t len;
    const char *s;
    int rc = 0;
    if (f.name && (s = entity_text(t, id, f.name, &len))) add_name_terms(out, s, len);
    if (f.branch && (s = entity_text(t, id, F_BRANCH, &len))) add_term(out, IDX_BRANCH, s, len);
    if (f.natid && (s = entity_text(t, id, f.natid, &len))) {
        char folded[TEXTNORM_MAX + 1];
        add_term(out, IDX_NATID, folded, textnorm_fold(s, len, folded));
    }
    elem_ctx_t c = {out, IDX_PHONE};
    if (f.phones && (rc = entity_each_elem(t, id, f.phones, add_elem, &c))) return rc;
    c.type = IDX_EMAIL;
    if (f.emails && (rc = entity_each_elem(t, id, f.emails, add_elem, &c))) return rc;
    c.type = IDX_TAG;
    if (f.tags && (rc = entity_each_elem(t, id, f.tags, add_elem, &c))) return rc;
    sort_terms(out);
    return 0;
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
    int rc = index_terms(t, id, kind, after);
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
static int name_prefix(store_txn_t *t, const char *query, size_t qlen, char *folded, name_query_t *nq,
                       uint8_t *prefix, size_t *plen)
{
    nq->flen = textnorm_fold(query, qlen, folded);
    nq->folded = folded;
    nq->n = textnorm_tokens(folded, nq->flen, nq->tok, 32);
    if (nq->n == 0) return ACCORD_EINVAL;
    size_t best = ANCHOR_COUNT_MAX + 1;
    prefix[0] = IDX_WORD; /* if every token is common: the first word, checked below */
    *plen = 0;
    for (size_t i = 0; i < nq->n; i++) {
        uint8_t cand[INDEX_TERM_MAX + 2];
        size_t clen;
        if (!nq->tok[i].cjk) {
            cand[0] = IDX_WORD;
            clen = nq->tok[i].len > 63 ? 63 : nq->tok[i].len;
            memcpy(cand + 1, nq->tok[i].s, clen);
            clen += 1;
        } else {
            size_t glen = nq->tok[i].len;
            if (i + 1 < nq->n && nq->tok[i + 1].cjk && nq->tok[i].s + nq->tok[i].len == nq->tok[i + 1].s)
                glen += nq->tok[i + 1].len;
            cand[0] = IDX_GRAM;
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

int index_search(store_txn_t *t, unsigned kind, search_by_t by, const char *query,
                 uint8_t (*out)[ID_LEN], int max, bool *more)
{
    if (more) *more = false;
    uint8_t prefix[INDEX_TERM_MAX + 2];
    size_t plen = 0;
    name_query_t nq = {0};
    char folded[TEXTNORM_MAX + 1];
    size_t qlen = strlen(query);
    if (!schema_utf8_valid(query, qlen)) return ACCORD_EINVAL;
    if (by == SEARCH_AUTO)
        by = strchr(query, '@') ? SEARCH_EMAIL : looks_like_phone(query) ? SEARCH_PHONE : SEARCH_NAME;
    int rc;
    switch (by) {
    case SEARCH_PHONE: rc = phone_prefix(query, prefix, &plen); break;
    case SEARCH_EMAIL: rc = email_prefix(query, prefix, &plen); break;
    case SEARCH_TAG:
    case SEARCH_NATID:
    case SEARCH_BRANCH: rc = exact_prefix(by, query, qlen, prefix, &plen); break;
    default: rc = name_prefix(t, query, qlen, folded, &nq, prefix, &plen); break;
    }
    if (rc) return rc;
    /* exact terms and CJK grams carry their 0x00 terminator in the prefix already */
    if (plen > 64) plen = 64; /* the iterator's prefix bound; candidates are verified anyway */

    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_INDEX, prefix, plen, false, &it))) return rc;
    store_val_t k, v;
    int found = 0, scanned = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (scanned++ == INDEX_SEARCH_SCAN_MAX) { /* keys left unread may match */
            if (more) *more = true;
            break;
        }
        if (k.len < ID_LEN + 2) continue;
        const uint8_t *id = (const uint8_t *)k.data + k.len - ID_LEN;
        bool dup = false;
        for (int i = 0; i < found && !dup; i++) dup = memcmp(out[i], id, ID_LEN) == 0;
        if (dup || entity_kind(t, id) != (int)kind) continue;
        if (by == SEARCH_NAME && !name_matches(t, id, &nq)) continue;
        if (found == max) { /* a match past the last one asked for */
            if (more) *more = true;
            break;
        }
        memcpy(out[found++], id, ID_LEN);
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : found;
}
