/* SPDX-License-Identifier: MIT
 * accordctl pg-sync: keeps a PostgreSQL database's copy of a hub up to date, for BI
 * (docs/POSTGRES.md). It reads the node's store read-only beside the running node, as
 * check and report do, and writes through libpq; the tables and their encoding are
 * ops/pgrow.h.
 *
 * The position is, per origin, the last feed seq the copy covers (table position). Every
 * PostgreSQL transaction pg-sync commits holds the rows of some records, their changes
 * rows and the position after them, all made from ONE read transaction of the store, so
 * the copy is always the state at a position, and a crash or kill -9 anywhere leaves
 * either the transaction (and its position) or nothing: the next run goes on from the
 * position it reads back, every record copied exactly once.
 *
 *   (connect) -> setup: lock, tables made or their format checked, position read
 *   position empty, or a feed compacted past it  -> full copy (one transaction: every
 *        entity's row by COPY, the changes the feeds still hold, the heads as position)
 *   else -> batches: up to --batch records after the position, their changes by COPY,
 *        each entity they touch upserted from its current row (or deleted), position
 *   an outage (connection lost, server shut down, disk full) at any point -> the
 *        transaction is gone; wait with backoff, connect, setup again, go on. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "tools/pgsync.h"
#include "client/output.h"
#include "ops/pgrow.h"
#include "proto/accord_err.h"
#include "proto/datadir.h"
#include "proto/hlc.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "state/entity.h"

#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the store ---- */

static feed_pos_t *position_of(sync_t *s, const uint8_t origin[ID_LEN])
{
    for (unsigned i = 0; i < s->n_pos; i++)
        if (!memcmp(s->pos[i].origin, origin, ID_LEN)) return &s->pos[i];
    return NULL;
}

static uint64_t seq_of(sync_t *s, const uint8_t origin[ID_LEN])
{
    const feed_pos_t *p = position_of(s, origin);
    return p ? p->seq : 0;
}

static uint64_t record_ms(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t seq)
{
    uint8_t key[ID_LEN + 8];
    memcpy(key, origin, ID_LEN);
    be64_put(key + ID_LEN, seq);
    store_val_t v;
    record_t rec;
    if (seq == 0 || store_get(t, TBL_FEED, key, sizeof key, &v) || record_decode(v.data, v.len, &rec)) return 0;
    return HLC_MS(rec.hlc);
}

/* Every feed the store holds: head, base, the head's time. *out is malloc'd. */
static int read_heads(store_txn_t *t, feed_head_t **out, unsigned *n)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_HEADS, NULL, 0, false, &it);
    if (rc) return rc;
    unsigned cap = 16;
    *out = malloc(cap * sizeof **out);
    *n = 0;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len < 8) continue;
        if (*n == cap) *out = realloc(*out, (cap *= 2) * sizeof **out);
        if (!*out) abort();
        feed_head_t *h = &(*out)[(*n)++];
        memcpy(h->origin, k.data, ID_LEN);
        h->head = be64_get(v.data);
        h->base = 0;
        store_val_t b;
        if (store_get(t, TBL_BASES, h->origin, ID_LEN, &b) == 0 && b.len >= 8) h->base = be64_get(b.data);
        h->head_ms = record_ms(t, h->origin, h->head);
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

/* The currency of a line's document (a line has none of its own), or "" if unknown. */
static void line_doc_currency(store_txn_t *t, const void *row, size_t len, char out[4])
{
    out[0] = 0;
    entity_row_t r;
    entity_entry_t e;
    uint8_t key = F_LI_DOC;
    field_state_t fs;
    if (entity_row_open(row, len, &r) || entity_row_find(&r, ENTITY_TAG_FIELD, &key, 1, &e) ||
        entity_decode_register(e.val, e.vlen, &fs) || fs.val.type != VAL_REF || fs.val.len != ID_LEN)
        return;
    const uint8_t *doc = (const uint8_t *)fs.val.s;
    int kind = entity_kind(t, doc);
    const field_def_t *f = kind > 0 ? schema_field((unsigned)kind, "currency") : NULL;
    size_t n;
    const char *cur = f ? entity_text(t, doc, f->id, &n) : NULL;
    if (cur && n == 3) memcpy(out, cur, 3), out[3] = 0;
}

/* The COPY line of one stored entity into s->buf: PGROW_ROW, PGROW_GONE (deleted, or no
 * row: compaction purged it), or an error of a damaged row (then left out, said once). */
static int entity_line(sync_t *s, store_txn_t *t, const uint8_t id[ID_LEN], int *kind)
{
    store_val_t v;
    if (store_get(t, TBL_ENTITIES, id, ID_LEN, &v)) return PGROW_GONE;
    if (v.len >= 2) *kind = ((const uint8_t *)v.data)[1];
    char currency[4] = "";
    if (*kind == KIND_LINE) line_doc_currency(t, v.data, v.len, currency);
    int rc = pgrow_entity_line(id, v.data, v.len, currency[0] ? currency : NULL, &s->buf);
    if (rc < 0 && rc != ACCORD_EINVAL) {
        char hex[2 * ID_LEN + 1];
        pgs_hex(id, ID_LEN, hex);
        fprintf(stderr, "accordctl: pg-sync: the stored row of %s is damaged (%s): left out; run accordctl check\n", hex,
                accord_strerror(rc));
    }
    return rc;
}

/* ---- writing ---- */

static void add_position_values(sync_t *s, const uint8_t origin[ID_LEN], uint64_t seq, uint64_t at_ms, bool first)
{
    char hex[2 * ID_LEN + 1], line[160];
    pgs_hex(origin, ID_LEN, hex);
    if (at_ms)
        snprintf(line, sizeof line, "%s('%s', %llu, to_timestamp(%llu / 1000.0))", first ? "" : ", ", hex,
                 (unsigned long long)seq, (unsigned long long)at_ms);
    else
        snprintf(line, sizeof line, "%s('%s', %llu, NULL)", first ? "" : ", ", hex, (unsigned long long)seq);
    pgrow_buf_str(&s->sql, line);
}

static int write_status(sync_t *s, uint64_t behind, double behind_s, uint64_t newest_ms)
{
    char *hub = PQescapeLiteral(s->pg, s->id->name, strlen(s->id->name));
    if (!hub) return pgs_failed(s, NULL, "cannot write the status");
    char sql[640], newest[64] = "NULL";
    if (newest_ms) snprintf(newest, sizeof newest, "to_timestamp(%llu / 1000.0)", (unsigned long long)newest_ms);
    snprintf(sql, sizeof sql,
             "INSERT INTO " PGROW_SCHEMA ".status VALUES (true, %s, now(), %llu, %.3f, %s) ON CONFLICT (one) DO UPDATE "
             "SET hub = EXCLUDED.hub, synced_at = EXCLUDED.synced_at, behind_records = EXCLUDED.behind_records, "
             "behind_seconds = EXCLUDED.behind_seconds, newest_at = EXCLUDED.newest_at",
             hub, (unsigned long long)behind, behind_s, newest);
    PQfreemem(hub);
    s->last_status_s = pgs_now_s();
    return pgs_exec(s, sql, "cannot write the status");
}

/* Records behind, and seconds behind: of the feeds with records past the position, the
 * most by which a feed's newest record is newer than its last copied one (0 when caught
 * up). Per feed, since the newest copied record of another feed says nothing of this one:
 * a branch's backlog stays in sight while the hub's own feed is caught up. A feed whose
 * copied record's time is unknown (none copied yet) is measured against the newest any
 * feed's copied record has. */
static void lag_after(sync_t *s, const feed_head_t *h, unsigned n_heads, uint64_t *newest_covered)
{
    uint64_t behind = 0, covered = 0, lag_ms = 0;
    for (unsigned i = 0; i < n_heads; i++) {
        const feed_pos_t *p = position_of(s, h[i].origin);
        if (p && p->at_ms > covered) covered = p->at_ms;
    }
    for (unsigned i = 0; i < n_heads; i++) {
        const feed_pos_t *p = position_of(s, h[i].origin);
        uint64_t seq = p ? p->seq : 0, since = p && p->at_ms ? p->at_ms : covered;
        if (h[i].head <= seq) continue;
        behind += h[i].head - seq;
        if (h[i].head_ms > since && h[i].head_ms - since > lag_ms) lag_ms = h[i].head_ms - since;
    }
    s->behind = behind;
    s->behind_s = (double)lag_ms / 1000.0;
    *newest_covered = covered;
}

static void set_position(sync_t *s, const uint8_t origin[ID_LEN], uint64_t seq, uint64_t at_ms)
{
    feed_pos_t *p = position_of(s, origin);
    if (!p) {
        if (s->n_pos == s->cap_pos) {
            s->cap_pos = s->cap_pos ? 2 * s->cap_pos : 16;
            s->pos = realloc(s->pos, s->cap_pos * sizeof *s->pos);
            if (!s->pos) abort();
        }
        p = &s->pos[s->n_pos++];
        memcpy(p->origin, origin, ID_LEN);
    }
    p->seq = seq;
    if (at_ms) p->at_ms = at_ms;
}

static int missing_record(const uint8_t origin[ID_LEN], uint64_t seq)
{
    char hex[2 * ID_LEN + 1];
    pgs_hex(origin, ID_LEN, hex);
    fprintf(stderr, "accordctl: pg-sync: record %llu of the feed of origin %s is not in the store, though the feed's "
                    "head is past it: the store is damaged; run accordctl check\n", (unsigned long long)seq, hex);
    return SYNC_FATAL;
}

/* The records of one feed after from (exclusive) up to to, as changes lines into out
 * (s->buf: handed to the COPY in progress as it fills); each record's entity into touched
 * (may be NULL). *last the seq reached, *last_ms its time. SYNC_LOST/FATAL from the COPY,
 * SYNC_STOPPED, or SYNC_FATAL if a record is missing: the read transaction sees the feed
 * whole from its base to its head, so a gap is a damaged store, not compaction. */
static int feed_changes(sync_t *s, store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t from, uint64_t to,
                        pgrow_buf_t *out, touched_t **touched, unsigned *n_touched, unsigned *cap_touched,
                        uint64_t *last, uint64_t *last_ms)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_FEED, origin, ID_LEN, false, &it);
    if (rc) return rc;
    uint8_t start[ID_LEN + 8];
    memcpy(start, origin, ID_LEN);
    be64_put(start + ID_LEN, from + 1);
    if ((rc = store_iter_seek(it, start, sizeof start))) goto out;
    *last = from;
    store_val_t k, v;
    while (*last < to && !pgs_stop_asked && (rc = store_iter_next(it, &k, &v)) == 1) {
        uint64_t seq = be64_get((const uint8_t *)k.data + ID_LEN);
        if (seq != *last + 1) { rc = missing_record(origin, *last + 1); goto out; }
        record_t rec;
        if ((rc = record_decode(v.data, v.len, &rec))) {
            fprintf(stderr, "accordctl: pg-sync: record %llu of a feed does not decode (%s): run accordctl check\n",
                    (unsigned long long)seq, accord_strerror(rc));
            rc = SYNC_FATAL;
            goto out;
        }
        pgrow_change_line(&rec, out);
        *last = seq;
        *last_ms = HLC_MS(rec.hlc);
        if (touched) {
            if (*n_touched == *cap_touched) {
                *cap_touched = *cap_touched ? 2 * *cap_touched : 1024;
                *touched = realloc(*touched, *cap_touched * sizeof **touched);
                if (!*touched) abort();
            }
            memcpy((*touched)[*n_touched].id, rec.entity, ID_LEN);
            (*touched)[(*n_touched)++].kind = rec.kind;
        }
        if (out == &s->buf && (rc = pgs_copy_flush(s, false))) goto out;
    }
    if (rc == 0 && *last < to && !pgs_stop_asked) rc = missing_record(origin, *last + 1); /* ends before its head */
    if (rc == 1 || (rc == 0 && pgs_stop_asked)) rc = pgs_stop_asked ? SYNC_STOPPED : 0;
out:
    store_iter_destroy(&it);
    return rc;
}

static const char *copied_tables_list(pgrow_buf_t *b)
{
    b->len = 0;
    for (unsigned k = 0; k < KIND_COUNT; k++) {
        if (!pgrow_table(k)) continue;
        pgrow_buf_str(b, b->len ? ", " PGROW_SCHEMA "." : PGROW_SCHEMA ".");
        pgrow_buf_str(b, pgrow_table(k));
    }
    pgrow_buf_add(b, "", 1);
    return b->data;
}

static void report(sync_t *s, const char *event, uint64_t changes, uint64_t rows, double secs)
{
    if (s->json) {
        printf("{\"event\":\"%s\",\"changes\":%llu,\"rows\":%llu,\"seconds\":%.3f,\"changes_per_s\":%.0f,"
               "\"behind_records\":%llu,\"behind_seconds\":%.3f}\n",
               event, (unsigned long long)changes, (unsigned long long)rows, secs, secs > 0 ? changes / secs : 0.0,
               (unsigned long long)s->behind, s->behind_s);
        fflush(stdout);
    }
    fprintf(stderr, "pg-sync: %s: %llu changes, %llu rows in %.2f s (%.0f changes/s); behind %llu records, %.1f s\n",
            event, (unsigned long long)changes, (unsigned long long)rows, secs, secs > 0 ? changes / secs : 0.0,
            (unsigned long long)s->behind, s->behind_s);
}

/* The full copy: every entity's row, every change the feeds hold past the position, the
 * heads as the position; one transaction. */
static int full_copy(sync_t *s, store_txn_t *t, const feed_head_t *h, unsigned n_heads, uint64_t *done)
{
    double t0 = pgs_now_s();
    uint64_t rows = 0, changes = 0;
    pgrow_buf_t list = {0};
    s->sql.len = 0;
    pgrow_buf_str(&s->sql, "BEGIN; TRUNCATE ");
    pgrow_buf_str(&s->sql, copied_tables_list(&list));
    pgrow_buf_free(&list);
    pgrow_buf_add(&s->sql, "", 1);
    int rc = pgs_exec(s, s->sql.data, "cannot begin the full copy");
    if (rc) return rc;
    for (unsigned k = 0; k < KIND_COUNT && !rc; k++) {
        const char *table = pgrow_table(k);
        if (!table) continue;
        char name[64];
        snprintf(name, sizeof name, PGROW_SCHEMA ".%s", table);
        if ((rc = pgs_copy_begin(s, name, k))) break;
        store_iter_t *it;
        uint8_t prefix = (uint8_t)k;
        if ((rc = store_iter_new(t, TBL_BYKIND, &prefix, 1, false, &it))) break;
        store_val_t key, v;
        int more;
        while (!pgs_stop_asked && (more = store_iter_next(it, &key, &v)) == 1) {
            if (key.len != 1 + ID_LEN) continue;
            int kind = (int)k;
            if (entity_line(s, t, (const uint8_t *)key.data + 1, &kind) == PGROW_ROW) rows++;
            if ((rc = pgs_copy_flush(s, false))) break;
        }
        store_iter_destroy(&it);
        if (pgs_stop_asked) rc = SYNC_STOPPED;
        if (!rc) rc = pgs_copy_end(s, "the full copy's rows were refused");
    }
    if (!rc) rc = pgs_copy_begin(s, PGROW_SCHEMA ".changes", 0);
    for (unsigned i = 0; i < n_heads && !rc; i++) {
        uint64_t from = seq_of(s, h[i].origin), last = 0, last_ms = 0;
        if (h[i].base > from) from = h[i].base; /* compacted: those records are gone */
        if (from >= h[i].head) continue;
        rc = feed_changes(s, t, h[i].origin, from, h[i].head, &s->buf, NULL, NULL, NULL, &last, &last_ms);
        changes += last - from;
    }
    if (!rc) rc = pgs_copy_end(s, "the full copy's changes were refused");
    if (!rc) {
        s->sql.len = 0;
        pgrow_buf_str(&s->sql, "DELETE FROM " PGROW_SCHEMA ".position");
        if (n_heads) pgrow_buf_str(&s->sql, "; INSERT INTO " PGROW_SCHEMA ".position VALUES ");
        for (unsigned i = 0; i < n_heads; i++) add_position_values(s, h[i].origin, h[i].head, h[i].head_ms, i == 0);
        pgrow_buf_add(&s->sql, "", 1);
        rc = pgs_exec(s, s->sql.data, "cannot write the position");
    }
    if (rc) goto fail;
    for (unsigned i = 0; i < n_heads; i++) set_position(s, h[i].origin, h[i].head, h[i].head_ms);
    uint64_t covered;
    lag_after(s, h, n_heads, &covered);
    if ((rc = write_status(s, s->behind, s->behind_s, covered)) || (rc = pgs_exec(s, "COMMIT", "cannot commit the full copy")))
        goto fail_positions;
    s->positioned = true;
    *done = changes;
    report(s, "full copy", changes, rows, pgs_now_s() - t0);
    return 0;
fail_positions:
    pgs_read_position(s); /* what the database still holds (nothing of this copy) */
fail:
    pgs_rollback(s);
    return rc;
}

static int cmp_touched(const void *a, const void *b)
{
    return memcmp(a, b, ID_LEN);
}

/* The rows of the touched entities of one kind: upserted through its staging table, or
 * deleted. *rows counts the upserts. */
static int write_kind(sync_t *s, store_txn_t *t, unsigned kind, const touched_t *touched, unsigned n, uint64_t *rows)
{
    const char *table = pgrow_table(kind);
    pgrow_buf_t gone = {0};
    char stage[64];
    snprintf(stage, sizeof stage, "stage_%s", table);
    int rc = 0;
    bool copying = false;
    for (unsigned i = 0; i < n && !rc; i++) {
        int k = touched[i].kind;
        if (k != (int)kind) continue;
        if (!copying) {
            if ((rc = pgs_copy_begin(s, stage, kind))) break;
            copying = true;
        }
        size_t before = s->buf.len;
        int kk = k;
        int line = entity_line(s, t, touched[i].id, &kk);
        if (line == PGROW_GONE) {
            char hex[2 * ID_LEN + 1];
            pgs_hex(touched[i].id, ID_LEN, hex);
            pgrow_buf_str(&gone, gone.len ? ", '" : "'");
            pgrow_buf_str(&gone, hex);
            pgrow_buf_str(&gone, "'");
        } else if (line == PGROW_ROW) {
            (*rows)++;
        } else {
            s->buf.len = before;
        }
        rc = pgs_copy_flush(s, false);
    }
    if (!rc && copying) rc = pgs_copy_end(s, "the rows were refused");
    if (!rc && copying) {
        s->sql.len = 0;
        pgrow_buf_str(&s->sql, "INSERT INTO " PGROW_SCHEMA ".");
        pgrow_buf_str(&s->sql, table);
        pgrow_buf_str(&s->sql, " SELECT * FROM ");
        pgrow_buf_str(&s->sql, stage);
        pgrow_buf_str(&s->sql, " ON CONFLICT (id) DO UPDATE SET ");
        pgrow_update_set(kind, &s->sql);
        if (gone.len) {
            pgrow_buf_str(&s->sql, "; DELETE FROM " PGROW_SCHEMA ".");
            pgrow_buf_str(&s->sql, table);
            pgrow_buf_str(&s->sql, " WHERE id IN (");
            pgrow_buf_add(&s->sql, gone.data, gone.len);
            pgrow_buf_str(&s->sql, ")");
        }
        pgrow_buf_add(&s->sql, "", 1);
        rc = pgs_exec(s, s->sql.data, "cannot write the rows");
    }
    pgrow_buf_free(&gone);
    return rc;
}

/* One steady transaction: up to --batch records past the position. *done: how many. */
static int batch(sync_t *s, store_txn_t *t, const feed_head_t *h, unsigned n_heads, uint64_t *done)
{
    double t0 = pgs_now_s();
    touched_t *touched = NULL;
    unsigned n_touched = 0, cap_touched = 0;
    feed_pos_t *next = calloc(n_heads ? n_heads : 1, sizeof *next);
    uint64_t budget = s->batch, rows = 0;
    pgrow_buf_t changes = {0};
    *done = 0;
    int rc = 0;
    /* every feed's next position starts at its own, also those the budget does not reach */
    for (unsigned i = 0; i < n_heads; i++) {
        memcpy(next[i].origin, h[i].origin, ID_LEN);
        next[i].seq = seq_of(s, h[i].origin);
    }
    for (unsigned i = 0; i < n_heads && budget && !rc; i++) {
        uint64_t from = next[i].seq, to = h[i].head, last = from, last_ms = 0;
        if (from >= to) continue;
        if (to - from > budget) to = from + budget;
        rc = feed_changes(s, t, h[i].origin, from, to, &changes, &touched, &n_touched, &cap_touched, &last, &last_ms);
        next[i].seq = last, next[i].at_ms = last_ms;
        budget -= last - from;
        *done += last - from;
    }
    if (rc || !*done) goto out;
    /* the changes gathered above, then each touched entity once */
    if ((rc = pgs_exec(s, "BEGIN", "cannot begin a transaction")) == 0 && (rc = pgs_copy_begin(s, PGROW_SCHEMA ".changes", 0)) == 0) {
        pgrow_buf_add(&s->buf, changes.data, changes.len);
        rc = pgs_copy_end(s, "the changes were refused");
    }
    qsort(touched, n_touched, sizeof *touched, cmp_touched);
    unsigned u = 0;
    for (unsigned i = 0; i < n_touched; i++)
        if (!u || memcmp(touched[u - 1].id, touched[i].id, ID_LEN)) touched[u++] = touched[i];
    n_touched = u;
    for (unsigned i = 0; i < n_touched; i++) { /* the kind the stored row says, if it has one */
        store_val_t v;
        if (store_get(t, TBL_ENTITIES, touched[i].id, ID_LEN, &v) == 0 && v.len >= 2)
            touched[i].kind = ((const uint8_t *)v.data)[1];
    }
    for (unsigned k = 0; k < KIND_COUNT && !rc; k++)
        if (pgrow_table(k)) rc = write_kind(s, t, k, touched, n_touched, &rows);
    if (!rc) {
        s->sql.len = 0;
        pgrow_buf_str(&s->sql, "INSERT INTO " PGROW_SCHEMA ".position VALUES ");
        bool first = true;
        for (unsigned i = 0; i < n_heads; i++) {
            if (next[i].seq == seq_of(s, h[i].origin)) continue;
            add_position_values(s, next[i].origin, next[i].seq, next[i].at_ms, first);
            first = false;
        }
        pgrow_buf_str(&s->sql, " ON CONFLICT (origin) DO UPDATE SET seq = EXCLUDED.seq, at = EXCLUDED.at");
        pgrow_buf_add(&s->sql, "", 1);
        rc = pgs_exec(s, s->sql.data, "cannot write the position");
    }
    if (rc) goto fail;
    feed_pos_t *saved = malloc((s->n_pos ? s->n_pos : 1) * sizeof *saved);
    unsigned n_saved = s->n_pos;
    memcpy(saved, s->pos, n_saved * sizeof *saved);
    for (unsigned i = 0; i < n_heads; i++)
        if (next[i].seq != seq_of(s, h[i].origin)) set_position(s, next[i].origin, next[i].seq, next[i].at_ms);
    uint64_t covered;
    lag_after(s, h, n_heads, &covered);
    rc = write_status(s, s->behind, s->behind_s, covered);
    if (!rc) rc = pgs_exec(s, "COMMIT", "cannot commit");
    if (rc) { /* the position stays where the database has it */
        memcpy(s->pos, saved, n_saved * sizeof *saved);
        s->n_pos = n_saved;
    }
    free(saved);
    if (rc) goto fail;
    report(s, "batch", *done, rows, pgs_now_s() - t0);
    goto out;
fail:
    pgs_rollback(s);
    *done = 0;
out:
    pgrow_buf_free(&changes);
    free(next);
    free(touched);
    return rc;
}

/* One step: a full copy or a batch, from one read transaction of the store. *done: the
 * records it covered (0: caught up). */
static int step(sync_t *s, uint64_t *done)
{
    store_txn_t *t;
    *done = 0;
    int rc = store_txn_begin(s->st, false, &t);
    if (rc) {
        fprintf(stderr, "accordctl: pg-sync: cannot read the store: %s\n", accord_strerror(rc));
        return SYNC_FATAL;
    }
    feed_head_t *h = NULL;
    unsigned n_heads = 0;
    if ((rc = read_heads(t, &h, &n_heads))) {
        fprintf(stderr, "accordctl: pg-sync: cannot read the feed heads: %s\n", accord_strerror(rc));
        rc = SYNC_FATAL;
        goto out;
    }
    bool full = !s->positioned;
    for (unsigned i = 0; i < n_heads && !full; i++) {
        uint64_t at = seq_of(s, h[i].origin);
        if (h[i].base > at && h[i].head > at) {
            fprintf(stderr, "pg-sync: the feed of origin %02x%02x... was compacted up to %llu, past the copy's %llu: "
                            "copying every row again (changes %llu-%llu are gone from the hub)\n",
                    h[i].origin[0], h[i].origin[1], (unsigned long long)h[i].base, (unsigned long long)at,
                    (unsigned long long)at + 1, (unsigned long long)h[i].base);
            full = true;
        }
    }
    if (full) {
        uint64_t copied = 0;
        rc = full_copy(s, t, h, n_heads, &copied);
        if (!rc) *done = copied;
    } else {
        rc = batch(s, t, h, n_heads, done);
    }
    if (rc < 0) {
        fprintf(stderr, "accordctl: pg-sync: cannot read the store: %s\n", accord_strerror(rc));
        rc = SYNC_FATAL;
    }
    if (!rc && !*done) {
        uint64_t covered;
        lag_after(s, h, n_heads, &covered);
        if (pgs_now_s() - s->last_status_s >= IDLE_STATUS_MS / 1000.0) rc = write_status(s, s->behind, s->behind_s, covered);
    }
out:
    free(h);
    store_txn_abort(&t);
    return rc;
}

/* ---- the verb ---- */

static bool parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v < min || v > max) return false;
    *out = v;
    return true;
}

static int check_dsn(const char *dsn)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &err);
    if (!opts) {
        fprintf(stderr, "accordctl: pg-sync: --dsn is not a PostgreSQL connection string: %s"
                        "give e.g. --dsn 'host=127.0.0.1 port=5432 dbname=bi user=accord' or postgresql://...\n",
                err ? err : "out of memory\n");
        PQfreemem(err);
        return ACCORD_EXIT_USAGE;
    }
    bool has_password = false;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val && o->val[0]) has_password = true;
    PQconninfoFree(opts);
    if (has_password) { /* a command line is seen by every local user (ps, /proc) */
        fprintf(stderr, "accordctl: pg-sync: --dsn holds a password, which every user of this machine can read in "
                        "the process list: leave it out and put it in ~/.pgpass, or in a file named by PGPASSFILE "
                        "(mode 0600: host:port:dbname:user:password)\n");
        return ACCORD_EXIT_USAGE;
    }
    return 0;
}

static void say_done(sync_t *s, uint64_t total)
{
    if (s->json)
        printf("{\"event\":\"done\",\"changes\":%llu,\"behind_records\":%llu,\"behind_seconds\":%.3f}\n",
               (unsigned long long)total, (unsigned long long)s->behind, s->behind_s);
    fprintf(stderr, "pg-sync: %s: %llu records copied in this run; behind %llu records\n",
            pgs_stop_asked ? "stopped" : "caught up", (unsigned long long)total, (unsigned long long)s->behind);
}

/* Runs steps until caught up (once) or stopped, waiting out outages. An exit code. */
static int run(sync_t *s, bool once, long interval_ms, bool connected)
{
    uint64_t total = 0;
    int backoff_s = 1;
    while (!pgs_stop_asked) {
        int rc = connected ? 0 : pgs_connect(s);
        uint64_t done = 0;
        if (!rc) {
            connected = true;
            rc = step(s, &done);
        }
        if (rc == SYNC_FATAL) return ACCORD_EXIT_OTHER;
        if (rc == SYNC_STOPPED) break;
        if (rc == SYNC_LOST || rc == SYNC_BUSY) {
            connected = false;
            pgs_close(&s->pg);
            fprintf(stderr, "pg-sync: waiting %d s for %s; the position is kept in PostgreSQL, nothing is lost\n",
                    backoff_s, rc == SYNC_BUSY ? "the other pg-sync to end" : "PostgreSQL");
            pgs_nap_ms(1000L * backoff_s);
            backoff_s = backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff_s * 2;
            continue;
        }
        backoff_s = 1;
        total += done;
        if (done || !s->copied_once) { /* more may have come meanwhile: look again at once */
            s->copied_once = true;
            continue;
        }
        if (once) break;
        pgs_nap_ms(interval_ms);
    }
    say_done(s, total);
    return ACCORD_EXIT_OK;
}

int ctl_pg_sync(const ctl_args_t *a)
{
    const char *dsn = ctl_opt(a, "dsn"), *batch_s = ctl_opt(a, "batch"), *interval_s = ctl_opt(a, "interval");
    unsigned long batch_n = DEFAULT_BATCH, interval_ms = DEFAULT_INTERVAL_MS, secs;
    if (!dsn) {
        fprintf(stderr, "accordctl: pg-sync needs --dsn, the PostgreSQL database to copy into "
                        "(e.g. --dsn 'host=127.0.0.1 dbname=bi user=accord')\n");
        return ACCORD_EXIT_USAGE;
    }
    if (batch_s && !parse_uint(batch_s, 1, MAX_BATCH, &batch_n)) {
        fprintf(stderr, "accordctl: --batch takes a number of records, 1 to %d\n", MAX_BATCH);
        return ACCORD_EXIT_USAGE;
    }
    if (interval_s) {
        if (!parse_uint(interval_s, 1, 3600, &secs)) {
            fprintf(stderr, "accordctl: --interval takes seconds, 1 to 3600\n");
            return ACCORD_EXIT_USAGE;
        }
        interval_ms = secs * 1000;
    }
    int rc = check_dsn(dsn);
    if (rc) return rc;
    store_t *st = NULL;
    identity_t *id = NULL;
    if ((rc = ctl_open_node(a->dir, &st, &id))) return rc;
    sync_t s = {.st = st, .id = id, .dir = a->dir, .dsn = dsn, .batch = (unsigned)batch_n, .json = a->json};
    bool once = ctl_flag(a, "once");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = pgs_on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* the first connection tells a wrong DSN, password or database at once */
    int first = pgs_connect(&s);
    if (first == SYNC_FATAL || (first && first != SYNC_STOPPED && once)) {
        if (first == SYNC_LOST) fprintf(stderr, "accordctl: pg-sync: check --dsn and that PostgreSQL runs\n");
        if (first == SYNC_BUSY) fprintf(stderr, "accordctl: pg-sync: --once: stop the other one, or let it do the copy\n");
        rc = first == SYNC_LOST ? ACCORD_EXIT_UNREACHABLE : ACCORD_EXIT_OTHER;
    } else {
        if (first && first != SYNC_STOPPED) { /* an outage from the start: wait it out as any other */
            pgs_close(&s.pg);
            fprintf(stderr, "pg-sync: waiting for PostgreSQL\n");
            pgs_nap_ms(1000);
        }
        rc = run(&s, once, (long)interval_ms, first == 0);
    }
    pgs_close(&s.pg);
    pgrow_buf_free(&s.buf);
    pgrow_buf_free(&s.sql);
    free(s.pos);
    identity_destroy(&id);
    store_close(&st);
    return rc;
}
