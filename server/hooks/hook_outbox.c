/* SPDX-License-Identifier: MIT */
#include "hooks/hook_outbox.h"
#include "hooks/hook_log.h"
#include "common/log.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/json.h"
#include "proto/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the writer's cache of the hooks table ---- */

typedef struct {
    bool loaded;        /* false: read TBL_HOOKS at the next note */
    unsigned n;         /* hooks */
    uint64_t id[HOOK_MAX];
    hook_patterns_t patterns[HOOK_MAX];
    uint64_t next_qseq; /* the next row's queue seq: above every row held */
} hook_cache_t;

static void cache_free(void *c)
{
    free(c);
}

void hook_cache_forget(store_t *st)
{
    hook_cache_t *c = store_hook_cache(st);
    if (c) c->loaded = false;
}

typedef struct {
    hook_cache_t *c;
    store_txn_t *t;
} load_ctx_t;

static int load_one(void *ctx, const hook_t *h)
{
    load_ctx_t *l = ctx;
    hook_cache_t *c = l->c;
    char why[8];
    if (c->n == HOOK_MAX ||
        hook_patterns_parse(h->events, strlen(h->events), &c->patterns[c->n], why, sizeof why))
        return ACCORD_ESTORE; /* hook_row_decode checked them: only a bug gets here */
    c->id[c->n++] = h->id;
    /* the queue seq goes on from the hook's last row */
    uint8_t prefix[8];
    be64_put(prefix, h->id);
    store_iter_t *it;
    store_val_t k, v;
    int rc = store_iter_new(l->t, TBL_OUTBOX, prefix, sizeof prefix, true, &it);
    if (rc) return rc;
    if ((rc = store_iter_next(it, &k, &v)) == 1 && k.len == 16) {
        uint64_t q = be64_get((const uint8_t *)k.data + 8);
        if (q >= c->next_qseq) c->next_qseq = q + 1;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

/* The cache of t's store, loaded: NULL after a store error (*rc says which). */
static hook_cache_t *cache_of(store_txn_t *t, int *rc)
{
    store_t *st = store_txn_store(t);
    hook_cache_t *c = store_hook_cache(st);
    *rc = 0;
    if (c && c->loaded) return c;
    if (!c) {
        if (!(c = calloc(1, sizeof *c))) abort();
        store_set_hook_cache(st, c, cache_free);
    }
    uint64_t keep = c->next_qseq; /* never lower it: rows of a removed hook may be queued in t */
    memset(c, 0, sizeof *c);
    c->next_qseq = keep ? keep : 1;
    load_ctx_t l = {c, t};
    if ((*rc = hook_each(t, load_one, &l))) {
        c->n = 0;
        return NULL;
    }
    c->loaded = true;
    return c;
}

/* ---- the body ---- */

void hook_change_id(const uint8_t origin[ID_LEN], uint64_t seq, char out[54])
{
    crypto_hex(origin, ID_LEN, out);
    snprintf(out + 2 * ID_LEN, 54 - 2 * ID_LEN, ":%llu", (unsigned long long)seq);
}

static void write_hex(FILE *f, const uint8_t *b, size_t n)
{
    char hex[2 * 48 + 1];
    crypto_hex(b, n, hex);
    fprintf(f, "\"%s\"", hex);
}

static void write_value(FILE *f, const value_t *v)
{
    switch (v->type) {
    case VAL_NIL: fputs("null", f); break;
    case VAL_BOOL: fputs(v->i ? "true" : "false", f); break;
    case VAL_INT: fprintf(f, "%lld", (long long)v->i); break;
    case VAL_STR: json_write_string(f, v->s, v->len); break;
    case VAL_REF: write_hex(f, (const uint8_t *)v->s, v->len == ID_LEN ? ID_LEN : 0); break;
    }
}

/* The ops of rec with op kind want, as "name":value (sets: "name":[values]) pairs of one
 * object; the fields a webhook never sees (password hashes) left out. */
static void write_ops(FILE *f, const record_t *rec, uint8_t want)
{
    bool first = true;
    fputc('{', f);
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        const field_def_t *fd = schema_field_by_id(rec->kind, op->field);
        if (op->op != want || !fd || fd->type == FT_PWHASH) continue;
        bool seen = false; /* a set's elements of one field are gathered under its first op */
        for (uint32_t j = 0; j < i; j++) seen |= rec->ops[j].op == want && rec->ops[j].field == op->field;
        if (seen) continue;
        if (!first) fputc(',', f);
        first = false;
        json_write_cstr(f, fd->name);
        fputc(':', f);
        if (want == OP_SET) {
            write_value(f, &op->val);
            continue;
        }
        fputc('[', f);
        for (uint32_t j = i; j < rec->n_ops; j++) {
            if (rec->ops[j].op != want || rec->ops[j].field != op->field) continue;
            if (j != i) fputc(',', f);
            write_value(f, &rec->ops[j].val);
        }
        fputc(']', f);
    }
    fputc('}', f);
}

static void format_time(uint64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000));
}

char *hook_body(const record_t *rec, const char *event, const hook_events_t *ev, size_t *len)
{
    char *buf = NULL, id[54], when[32];
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) abort();
    hook_change_id(rec->origin, rec->seq, id);
    format_time(HLC_MS(rec->hlc), when);
    const char *kind = schema_kind_name(rec->kind);
    fprintf(f, "{\"id\":\"%s\",\"event\":", id);
    json_write_cstr(f, event);
    fputs(",\"events\":[", f);
    for (unsigned i = 0; i < ev->n; i++) {
        if (i) fputc(',', f);
        json_write_cstr(f, ev->name[i]);
    }
    fputs("],\"kind\":", f);
    json_write_cstr(f, kind ? kind : "?");
    fputs(",\"entity\":", f);
    write_hex(f, rec->entity, ID_LEN);
    fputs(",\"origin\":", f);
    write_hex(f, rec->origin, ID_LEN);
    fprintf(f, ",\"seq\":%llu,\"author\":", (unsigned long long)rec->seq);
    json_write_string(f, rec->author ? rec->author : "", rec->author ? rec->author_len : 0);
    fprintf(f, ",\"time\":\"%s\",\"set\":", when);
    write_ops(f, rec, OP_SET);
    fputs(",\"added\":", f);
    write_ops(f, rec, OP_ADD);
    fputs(",\"removed\":", f);
    write_ops(f, rec, OP_REMOVE);
    fputs("}", f);
    if (fclose(f)) abort();
    *len = size;
    return buf;
}

/* ---- rows ---- */

#define ITEM_FIXED (1 + 4 + 8 + 8 + ID_LEN + 8 + 1)

static void be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* it's row into a new buffer (the caller frees it), its length in *len. */
static uint8_t *item_encode(const hook_item_t *it, size_t *len)
{
    size_t el = strnlen(it->event, HOOK_EVENT_MAX - 1);
    *len = ITEM_FIXED + el + 4 + it->body_len;
    uint8_t *row = malloc(*len), *p = row;
    if (!row) abort();
    *p++ = it->state;
    be32_put(p, it->attempts), p += 4;
    be64_put(p, it->next_ms), p += 8;
    be64_put(p, it->queued_ms), p += 8;
    memcpy(p, it->origin, ID_LEN), p += ID_LEN;
    be64_put(p, it->seq), p += 8;
    *p++ = (uint8_t)el;
    memcpy(p, it->event, el), p += el;
    be32_put(p, (uint32_t)it->body_len), p += 4;
    memcpy(p, it->body, it->body_len);
    return row;
}

static int item_put(store_txn_t *t, const hook_item_t *it)
{
    uint8_t key[16];
    be64_put(key, it->hook);
    be64_put(key + 8, it->qseq);
    size_t len;
    uint8_t *row = item_encode(it, &len);
    int rc = store_put(t, TBL_OUTBOX, key, sizeof key, row, len);
    free(row);
    return rc;
}

int hook_item_decode(const void *key, size_t klen, const void *val, size_t vlen, hook_item_t *it)
{
    const uint8_t *p = val;
    memset(it, 0, sizeof *it);
    if (klen != 16 || vlen < ITEM_FIXED + 4) return ACCORD_ESTORE;
    it->hook = be64_get(key);
    it->qseq = be64_get((const uint8_t *)key + 8);
    it->state = *p++;
    it->attempts = be32_get(p), p += 4;
    it->next_ms = be64_get(p), p += 8;
    it->queued_ms = be64_get(p), p += 8;
    memcpy(it->origin, p, ID_LEN), p += ID_LEN;
    it->seq = be64_get(p), p += 8;
    size_t el = *p++;
    if ((it->state != HOOK_ITEM_PENDING && it->state != HOOK_ITEM_FAILED) || el >= HOOK_EVENT_MAX ||
        vlen < ITEM_FIXED + el + 4)
        return ACCORD_ESTORE;
    memcpy(it->event, p, el), p += el;
    for (size_t i = 0; i < el; i++) /* it goes into a header (X-Accord-Event): an event's name only */
        if (!((it->event[i] >= 'a' && it->event[i] <= 'z') || it->event[i] == '.' || it->event[i] == '_'))
            return ACCORD_ESTORE;
    it->body_len = be32_get(p), p += 4;
    if (it->body_len > HOOK_BODY_MAX || vlen != ITEM_FIXED + el + 4 + it->body_len) return ACCORD_ESTORE;
    it->body = (const char *)p;
    return 0;
}

/* ---- queueing ---- */

int hook_outbox_note(store_txn_t *t, const record_t *rec)
{
    int rc;
    hook_cache_t *c = cache_of(t, &rc);
    if (!c) return rc;
    if (c->n == 0) return 0; /* the hot path: no hooks */
    hook_events_t ev;
    hook_events_of(rec, &ev);
    uint64_t now_ms = hlc_wall_ms();
    for (unsigned h = 0; h < c->n && !rc; h++) {
        const char *event = hook_patterns_first(&c->patterns[h], &ev);
        if (!event) continue;
        hook_item_t it = {.hook = c->id[h], .qseq = c->next_qseq++, .state = HOOK_ITEM_PENDING,
                          .next_ms = now_ms, .queued_ms = now_ms, .seq = rec->seq};
        memcpy(it.origin, rec->origin, ID_LEN);
        snprintf(it.event, sizeof it.event, "%s", event);
        char *body = hook_body(rec, event, &ev, &it.body_len);
        it.body = body;
        /* a record is at most 64 KiB, its JSON at most 6 bytes a byte: never past the bound */
        rc = it.body_len <= HOOK_BODY_MAX ? item_put(t, &it) : ACCORD_EINTERNAL;
        free(body);
    }
    return rc;
}

int hook_item_pending(store_txn_t *t, uint64_t hook, uint64_t *from_qseq, hook_item_t *it)
{
    uint8_t prefix[8], start[16];
    be64_put(prefix, hook);
    be64_put(start, hook);
    be64_put(start + 8, *from_qseq);
    store_iter_t *iter;
    store_val_t k, v;
    int rc = store_iter_new(t, TBL_OUTBOX, prefix, sizeof prefix, false, &iter);
    if (!rc) rc = store_iter_seek(iter, start, sizeof start);
    if (rc) {
        store_iter_destroy(&iter);
        return rc;
    }
    bool found = false;
    while (!found && (rc = store_iter_next(iter, &k, &v)) == 1) {
        if ((rc = hook_item_decode(k.data, k.len, v.data, v.len, it))) break;
        found = it->state == HOOK_ITEM_PENDING;
        *from_qseq = found ? it->qseq : it->qseq + 1;
    }
    store_iter_destroy(&iter);
    return rc < 0 ? rc : found ? 0 : ACCORD_ENOTFOUND;
}

int hook_item_first(store_txn_t *t, uint64_t hook, hook_item_t *it)
{
    uint64_t from = 0;
    return hook_item_pending(t, hook, &from, it);
}

int hook_outbox_counts(store_txn_t *t, uint64_t hook, uint64_t *pending, uint64_t *failed, uint64_t *next_ms)
{
    uint8_t prefix[8];
    be64_put(prefix, hook);
    store_iter_t *iter;
    store_val_t k, v;
    *pending = *failed = *next_ms = 0;
    int rc = store_iter_new(t, TBL_OUTBOX, prefix, sizeof prefix, false, &iter);
    if (rc) return rc;
    hook_item_t it;
    while ((rc = store_iter_next(iter, &k, &v)) == 1) {
        if ((rc = hook_item_decode(k.data, k.len, v.data, v.len, &it))) break;
        if (it.state == HOOK_ITEM_FAILED) {
            (*failed)++;
            continue;
        }
        if (!*pending) *next_ms = it.next_ms; /* the first waits first: a hook's rows go in order */
        (*pending)++;
    }
    store_iter_destroy(&iter);
    return rc < 0 ? rc : 0;
}

/* ---- attempts ---- */

uint64_t hook_backoff_ms(const hook_policy_t *pol, unsigned attempts, uint32_t random)
{
    uint64_t wait = pol->base_ms;
    for (unsigned i = 1; i < attempts && wait < pol->cap_ms; i++) wait *= 2;
    if (wait > pol->cap_ms) wait = pol->cap_ms;
    return wait - (uint64_t)((double)wait * 0.2 * ((double)random / (double)UINT32_MAX));
}

int hook_outbox_settle(store_txn_t *t, const hook_item_t *it, const hook_attempt_t *a, const hook_policy_t *pol,
                       uint64_t now_ms, uint32_t random)
{
    uint8_t key[16];
    be64_put(key, it->hook);
    be64_put(key + 8, it->qseq);
    store_val_t v;
    int rc = store_get(t, TBL_OUTBOX, key, sizeof key, &v);
    if (rc) return rc; /* gone: the hook was removed while the POST ran */
    hook_item_t now;
    if ((rc = hook_item_decode(key, sizeof key, v.data, v.len, &now))) return rc;
    hook_stats_t s;
    if ((rc = hook_stats_get(t, it->hook, &s))) return rc;
    hook_log_entry_t e = {.time_ms = now_ms, .hook = it->hook, .change_seq = it->seq, .attempt = now.attempts + 1,
                          .http_status = (unsigned)(a->http_status > 0 && a->http_status < 1000 ? a->http_status : 0),
                          .duration_ms = a->duration_ms};
    memcpy(e.origin, it->origin, ID_LEN);
    snprintf(e.event, sizeof e.event, "%s", it->event);
    snprintf(e.error, sizeof e.error, "%s", a->error);
    if (a->ok) {
        e.outcome = HOOK_LOG_DELIVERED;
        s.delivered++;
        s.last_ok_ms = now_ms;
        rc = store_del(t, TBL_OUTBOX, key, sizeof key);
    } else {
        hook_item_t next = now; /* the body stays borrowed from the row until the put copies it */
        next.attempts++;
        s.last_error_ms = now_ms;
        snprintf(s.last_error, sizeof s.last_error, "%s", a->error);
        bool too_old = now_ms > now.queued_ms && now_ms - now.queued_ms >= pol->max_age_ms; /* a clock set back: not old */
        if (next.attempts >= pol->max_attempts || too_old) {
            next.state = HOOK_ITEM_FAILED;
            e.outcome = HOOK_LOG_FAILED;
            s.failed++;
            char change[54];
            hook_change_id(it->origin, it->seq, change);
            log_warn("webhook %llu: gave up on change %s after %u attempts (kept, failed: 'accordctl webhook status'): %s",
                     (unsigned long long)it->hook, change, next.attempts, a->error);
        } else {
            next.next_ms = now_ms + hook_backoff_ms(pol, next.attempts, random);
            e.outcome = HOOK_LOG_RETRY;
        }
        rc = item_put(t, &next);
    }
    if (!rc) rc = hook_stats_put(t, it->hook, &s);
    if (!rc) rc = hook_log_append(t, &e);
    return rc;
}
