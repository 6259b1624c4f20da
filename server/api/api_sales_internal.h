/* SPDX-License-Identifier: MIT
 * api_sales_internal: what api_sales.c (the rules on a change), api_sales_create.c (a
 * document made with its lines, an invoice's number, pay) and api_sales_read.c (document,
 * what get and list add, clashes) share: a document as the rules see it, and the small
 * readers and setters of a record being built, inline. */
#ifndef ACCORD_API_SALES_INTERNAL_H
#define ACCORD_API_SALES_INTERNAL_H

#include "api/api_sales.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "sales/sales.h"
#include "state/entity.h"
#include "state/tzone.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SALES_MAX_LINES 200 /* lines of one document */

typedef struct sales_doc {
    uint8_t id[ID_LEN];
    unsigned kind;
    char currency[4];
    char status[17];
    bool copying; /* the lines come from the source (from): its products as they were */
} doc_t;

/* The stored document id names (a quote, an order or an invoice): its kind, currency and
 * status. 0, or ACCORD_ENOTFOUND. */
int api_sales_load_doc(store_txn_t *t, const uint8_t id[ID_LEN], doc_t *d);
/* The sum of an invoice's payments into *paid; ACCORD_ETOOBIG past int64. */
int api_sales_invoice_paid(store_txn_t *t, const uint8_t *id, int64_t *paid);
/* The total an invoice was issued with (0 if none). */
int64_t api_sales_invoice_total(store_txn_t *t, const uint8_t *id);

static inline bool is_document(unsigned kind)
{
    return kind == KIND_QUOTE || kind == KIND_ORDER || kind == KIND_INVOICE;
}

static inline void pack_bool(msgpack_packer *pk, bool v)
{
    if (v) msgpack_pack_true(pk);
    else msgpack_pack_false(pk);
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" as seconds since the epoch; false if neither. */
static inline bool utc_seconds(const char *s, time_t *out)
{
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, sec = 0;
    size_t n = strlen(s);
    if (n == 10 && sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) == 3 && schema_date_valid(s)) {
    } else if (n == 20 && sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) == 6) {
    } else {
        return false;
    }
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    *out = timegm(&tm);
    return true;
}

static inline record_op_t *find_set(api_write_ctx_t *w, unsigned field)
{
    for (uint32_t i = 0; i < w->rec.n_ops; i++)
        if (w->rec.ops[i].field == field && w->rec.ops[i].op == OP_SET) return &w->rec.ops[i];
    return NULL;
}

static inline bool has_op(api_write_ctx_t *w, unsigned field)
{
    for (uint32_t i = 0; i < w->rec.n_ops; i++)
        if (w->rec.ops[i].field == field) return true;
    return false;
}

/* The text field holds after this change: the change's, else the stored one (is_new:
 * none). Empty when unset or cleared. */
static inline void text_after(store_txn_t *t, api_write_ctx_t *w, bool is_new, unsigned field, char *out, size_t cap)
{
    out[0] = 0;
    record_op_t *o = find_set(w, field);
    if (o) {
        if (o->val.type == VAL_STR && o->val.len < cap) {
            memcpy(out, o->val.s, o->val.len);
            out[o->val.len] = 0;
        }
        return;
    }
    size_t n;
    const char *s = is_new ? NULL : entity_text(t, w->rec.entity, field, &n);
    if (s && n < cap) {
        memcpy(out, s, n);
        out[n] = 0;
    }
}

static inline void stored_text(store_txn_t *t, const uint8_t *id, unsigned field, char *out, size_t cap)
{
    size_t n;
    const char *s = entity_text(t, id, field, &n);
    out[0] = 0;
    if (s && n < cap) {
        memcpy(out, s, n);
        out[n] = 0;
    }
}

static inline bool stored_int(store_txn_t *t, const uint8_t *id, unsigned field, int64_t *v)
{
    field_state_t fs;
    if (entity_get(t, id, field, &fs) || fs.val.type != VAL_INT) return false;
    *v = fs.val.i;
    return true;
}

static inline bool stored_ref(store_txn_t *t, const uint8_t *id, unsigned field, uint8_t out[ID_LEN])
{
    field_state_t fs;
    if (entity_get(t, id, field, &fs) || fs.val.type != VAL_REF || fs.val.len != ID_LEN) return false;
    memcpy(out, fs.val.s, ID_LEN);
    return true;
}

static inline void now_iso(uint64_t ms, char *out, size_t cap)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static inline void today(store_txn_t *t, char out[11])
{
    tzone_date(store_zone(store_txn_store(t)), hlc_wall_ms(), out);
}

static inline const char *an(unsigned kind)
{
    return kind == KIND_ORDER || kind == KIND_INVOICE ? "an" : "a";
}

/* The article of a word that comes first: "an expired quote", "a draft quote". */
static inline const char *article(const char *word)
{
    return word[0] && strchr("aeiou", word[0]) ? "an" : "a";
}

static inline int set_text(api_write_ctx_t *w, unsigned field, const char *s)
{
    record_op_t *o = find_set(w, field);
    if (!o && !(o = api_write_new_op(w, (uint8_t)field, OP_SET))) return ACCORD_ETOOBIG;
    size_t n = strlen(s);
    char *dst = w->buf[o - w->rec.ops];
    memcpy(dst, s, n + 1);
    o->val = (value_t){VAL_STR, 0, dst, n};
    return 0;
}

static inline int set_int(api_write_ctx_t *w, unsigned field, int64_t v)
{
    record_op_t *o = find_set(w, field);
    if (!o && !(o = api_write_new_op(w, (uint8_t)field, OP_SET))) return ACCORD_ETOOBIG;
    o->val = (value_t){VAL_INT, v, NULL, 0};
    return 0;
}

static inline int set_ref(api_write_ctx_t *w, unsigned field, const uint8_t id[ID_LEN])
{
    record_op_t *o = find_set(w, field);
    if (!o && !(o = api_write_new_op(w, (uint8_t)field, OP_SET))) return ACCORD_ETOOBIG;
    uint8_t *dst = w->refs[o - w->rec.ops];
    memcpy(dst, id, ID_LEN);
    o->val = (value_t){VAL_REF, 0, (const char *)dst, ID_LEN};
    return 0;
}

/* The line's amounts from what it will hold (the change's values, else the stored). */
static inline int line_after_int(store_txn_t *t, api_write_ctx_t *w, bool is_new, unsigned field, int64_t *v)
{
    record_op_t *o = find_set(w, field);
    if (o) {
        if (o->val.type != VAL_INT) return 0;
        *v = o->val.i;
        return 1;
    }
    return !is_new && stored_int(t, w->rec.entity, field, v);
}

static inline unsigned status_field(unsigned kind)
{
    switch (kind) {
    case KIND_QUOTE: return F_QU_STATUS;
    case KIND_ORDER: return F_OR_STATUS;
    case KIND_INVOICE: return F_IV_STATUS;
    case KIND_TICKET: return F_TI_STATUS;
    default: return 0;
    }
}

static inline unsigned currency_field(unsigned kind)
{
    switch (kind) {
    case KIND_QUOTE: return F_QU_CURRENCY;
    case KIND_ORDER: return F_OR_CURRENCY;
    case KIND_INVOICE: return F_IV_CURRENCY;
    case KIND_PRODUCT: return F_PR_CURRENCY;
    default: return 0;
    }
}

static inline void pack_money(msgpack_packer *pk, const char *key, int64_t v, const char *currency)
{
    char text[40], k[48];
    api_pack_cstr(pk, key);
    msgpack_pack_int64(pk, v);
    snprintf(k, sizeof k, "%s_text", key);
    api_pack_cstr(pk, k);
    schema_money_format(v, currency, text, sizeof text);
    api_pack_cstr(pk, text);
}

static inline void pack_fixed(msgpack_packer *pk, const char *key, int64_t v, int decimals)
{
    char text[40], k[48];
    api_pack_cstr(pk, key);
    msgpack_pack_int64(pk, v);
    snprintf(k, sizeof k, "%s_text", key);
    api_pack_cstr(pk, k);
    schema_fixed_format(v, decimals, text, sizeof text);
    api_pack_cstr(pk, text);
}

static inline void pack_text_field(msgpack_packer *pk, store_txn_t *t, const uint8_t *id, unsigned field, const char *key)
{
    size_t n;
    const char *s = entity_text(t, id, field, &n);
    api_pack_cstr(pk, key);
    if (s) api_pack_str(pk, s, n);
    else msgpack_pack_nil(pk);
}

static inline void pack_ref_field(msgpack_packer *pk, store_txn_t *t, const uint8_t *id, unsigned field, const char *key)
{
    uint8_t ref[ID_LEN];
    api_pack_cstr(pk, key);
    if (stored_ref(t, id, field, ref)) api_pack_hex(pk, ref, ID_LEN);
    else msgpack_pack_nil(pk);
}

#endif
