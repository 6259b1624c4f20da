/* SPDX-License-Identifier: MIT
 * audit: appending, trimming and walking TBL_AUDIT (audit.h). Seqs are consecutive: only
 * the oldest are ever deleted, so last - first + 1 is how many are kept. */
#define _POSIX_C_SOURCE 200809L
#include "auth/audit.h"
#include "common/log.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/json.h"

#include <string.h>
#include <time.h>

const char *audit_kind_name(audit_kind_t kind)
{
    switch (kind) {
#define AUDIT_KIND_CASE(id, num, name) case id: return name;
        AUDIT_KINDS(AUDIT_KIND_CASE)
#undef AUDIT_KIND_CASE
    }
    return "?";
}

int audit_kind_by_name(const char *name)
{
#define AUDIT_KIND_MATCH(id, num, text) if (!strcmp(name, text)) return id;
    AUDIT_KINDS(AUDIT_KIND_MATCH)
#undef AUDIT_KIND_MATCH
    return ACCORD_EINVAL;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

/* A text cut to max bytes, each control byte a '?'; a cut never splits a UTF-8 sequence. */
static size_t put_text(uint8_t *p, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80) n--; /* back to a sequence's start */
    }
    p[0] = (uint8_t)n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        p[1 + i] = c < 0x20 || c == 0x7f ? '?' : c;
    }
    return 1 + n;
}

/* The first (oldest) or last seq kept; 0 when the table is empty (seqs start at 1). */
static int end_seq(store_txn_t *t, bool last, uint64_t *seq)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_AUDIT, NULL, 0, last, &it);
    if (rc) return rc;
    store_val_t k, v;
    *seq = 0;
    if ((rc = store_iter_next(it, &k, &v)) == 1 && k.len == 8) *seq = get_be64(k.data);
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

int audit_append(store_txn_t *t, uint64_t now_ms, audit_kind_t kind, const char *user, const char *address,
                 const char *detail)
{
    uint64_t first, last;
    int rc;
    if ((rc = end_seq(t, true, &last)) || (rc = end_seq(t, false, &first))) return rc;
    uint8_t key[8], val[1 + 8 + 3 + AUDIT_USER_MAX + AUDIT_ADDRESS_MAX + AUDIT_DETAIL_MAX];
    put_be64(key, last + 1);
    size_t n = 0;
    val[n++] = (uint8_t)kind;
    put_be64(val + n, now_ms);
    n += 8;
    n += put_text(val + n, user, AUDIT_USER_MAX);
    n += put_text(val + n, address, AUDIT_ADDRESS_MAX);
    n += put_text(val + n, detail, AUDIT_DETAIL_MAX);
    if ((rc = store_put(t, TBL_AUDIT, key, sizeof key, val, n))) return rc;
    /* the newest AUDIT_KEEP stay: usually one goes for the one that came */
    for (uint64_t seq = first; first && last + 1 - seq + 1 > AUDIT_KEEP; seq++) {
        put_be64(key, seq);
        if ((rc = store_del(t, TBL_AUDIT, key, sizeof key))) return rc;
    }
    return 0;
}

int audit_record(store_t *st, audit_kind_t kind, const char *user, const char *address, const char *detail)
{
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (!rc && (rc = audit_append(t, hlc_wall_ms(), kind, user, address, detail))) store_txn_abort(&t);
    if (!rc) rc = store_txn_commit(&t);
    if (rc) log_error("audit: cannot record %s of '%s': %s", audit_kind_name(kind), user ? user : "", accord_strerror(rc));
    return rc;
}

static bool get_text(const uint8_t **p, const uint8_t *end, char *out, size_t max)
{
    if (*p >= end || (size_t)**p > max || (size_t)(end - *p - 1) < **p) return false;
    size_t n = **p;
    memcpy(out, *p + 1, n);
    out[n] = 0;
    *p += 1 + n;
    return true;
}

static bool decode(store_val_t k, store_val_t v, audit_event_t *e)
{
    const uint8_t *p = v.data, *end = p + v.len;
    if (k.len != 8 || v.len < 9) return false;
    e->seq = get_be64(k.data);
    e->kind = (audit_kind_t)p[0];
    e->time_ms = get_be64(p + 1);
    p += 9;
    return get_text(&p, end, e->user, AUDIT_USER_MAX) && get_text(&p, end, e->address, AUDIT_ADDRESS_MAX) &&
           get_text(&p, end, e->detail, AUDIT_DETAIL_MAX);
}

static bool passes(const audit_filter_t *f, const audit_event_t *e)
{
    return e->time_ms >= f->since_ms && (!f->kind || e->kind == f->kind) && (!f->user || !strcmp(f->user, e->user));
}

int audit_each(store_txn_t *t, const audit_filter_t *f, audit_fn fn, void *ctx)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_AUDIT, NULL, 0, true, &it);
    if (rc) return rc;
    store_val_t k, v;
    unsigned given = 0;
    audit_event_t e;
    while ((!f->limit || given < f->limit) && (rc = store_iter_next(it, &k, &v)) == 1) {
        if (!decode(k, v, &e) || !passes(f, &e)) continue; /* a damaged row is skipped, not fatal */
        given++;
        if ((rc = fn(ctx, &e))) break;
    }
    store_iter_destroy(&it);
    return rc == 1 ? 0 : rc;
}

int audit_parse_time(const char *text, uint64_t *ms)
{
    return hlc_parse_time(text, ms) ? ACCORD_EINVAL : 0;
}

void audit_format_time(uint64_t time_ms, char out[25])
{
    time_t s = (time_t)(time_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 25, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 25 - n, ".%03uZ", (unsigned)(time_ms % 1000));
}

void audit_write_json(FILE *out, const audit_event_t *e)
{
    char when[25];
    audit_format_time(e->time_ms, when);
    fprintf(out, "{\"seq\":%llu,\"time_ms\":%llu,\"time\":\"%s\",\"kind\":\"%s\",\"user\":", (unsigned long long)e->seq,
            (unsigned long long)e->time_ms, when, audit_kind_name(e->kind));
    json_write_cstr(out, e->user);
    fputs(",\"address\":", out);
    json_write_cstr(out, e->address);
    fputs(",\"detail\":", out);
    json_write_cstr(out, e->detail);
    fputc('}', out);
}
