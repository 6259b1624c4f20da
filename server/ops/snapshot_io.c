/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "ops/snapshot_io.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "state/entity.h"
#include "state/index.h"
#include "state/changes.h"
#include "state/kpi.h"
#include "state/merge.h"
#include "auth/roster.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROWS_PER_TXN 65536 /* install: bounded transactions (the writable map keeps their pages out of the
                             process: 4,096 rows a transaction once kept its memory flat) */
#define HEAD_VAL_LEN (8 + 32 + 64)

/* A snapshot carries the catalogue's STORE_T_SNAPSHOT tables (store.h), in catalogue
 * order; an entity's row holds its kind and fields, so it is indexed as it arrives. */

static bool is_state_table(unsigned tbl)
{
    return tbl < TBL_COUNT && (store_table_flags((store_table_t)tbl) & STORE_T_SNAPSHOT);
}

void snapshot_info_free(snapshot_info_t *info)
{
    free(info->feeds);
    info->feeds = NULL;
    info->n_feeds = 0;
}

uint64_t snapshot_head_of(const snapshot_info_t *info, const uint8_t origin[ID_LEN])
{
    for (uint32_t i = 0; i < info->n_feeds; i++)
        if (memcmp(info->feeds[i].origin, origin, ID_LEN) == 0) return info->feeds[i].seq;
    return 0;
}

int snapshot_base(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t *seq)
{
    store_val_t v;
    int rc = store_get(t, TBL_BASES, origin, ID_LEN, &v);
    *seq = 0;
    if (rc == ACCORD_ENOTFOUND) return 0;
    if (rc) return rc;
    if (v.len != HEAD_VAL_LEN) return ACCORD_ESTORE;
    *seq = be64_get(v.data);
    return 0;
}

/* ---- saving ---- */

typedef struct {
    snapshot_writer_t *w;
} roster_ctx_t;

static int save_roster_entry(void *ctx, const uint8_t *signed_entry, size_t len, const roster_entry_t *e)
{
    (void)e;
    return snapshot_write_roster(((roster_ctx_t *)ctx)->w, signed_entry, len);
}

/* An entity row longer than a ROW frame's value may be (its sibling log grows by one
 * entry per SET) goes in several ROW frames of its key, one after another: each a row of
 * its own (format, kind) holding the next run of its entries, which the loader joins
 * (put_row). chunk holds SNAPSHOT_MAX_VALUE bytes. */
static int save_entity_row(snapshot_writer_t *w, const store_val_t *k, const store_val_t *v, uint8_t *chunk)
{
    if (v->len <= SNAPSHOT_MAX_VALUE) return snapshot_write_row(w, TBL_ENTITIES, k->data, k->len, v->data, v->len);
    entity_row_t r;
    entity_entry_t e;
    if (entity_row_open(v->data, v->len, &r)) return ACCORD_ESTORE;
    memcpy(chunk, v->data, 2); /* format, kind */
    const uint8_t *run = r.p; /* the first entry of the run not written yet */
    for (;;) {
        const uint8_t *here = r.p;
        int more = entity_row_next(&r, &e);
        if (more < 0) return more;
        if (more && (size_t)(r.p - run) + 2 <= SNAPSHOT_MAX_VALUE) continue;
        const uint8_t *end = more ? here : r.p; /* an entry is at most 5 + 2 * 65,535 bytes: it fits alone */
        memcpy(chunk + 2, run, (size_t)(end - run));
        int rc = snapshot_write_row(w, TBL_ENTITIES, k->data, k->len, chunk, 2 + (size_t)(end - run));
        if (rc || !more) return rc;
        run = here;
    }
}

static int save_body(store_txn_t *t, snapshot_writer_t *w, snapshot_info_t *info, snapshot_progress_fn progress,
                     void *ctx)
{
    roster_ctx_t rc_ctx = {w};
    int rc = roster_each(t, save_roster_entry, &rc_ctx);
    if (rc) return rc;
    store_iter_t *it;
    store_val_t k, v;
    if ((rc = store_iter_new(t, TBL_HEADS, NULL, 0, false, &it))) return rc;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len != HEAD_VAL_LEN) { rc = ACCORD_ESTORE; break; }
        const uint8_t *h = v.data;
        if ((rc = snapshot_write_feed(w, k.data, be64_get(h), h + 8, h + 40))) break;
        info->n_feeds++;
    }
    store_iter_destroy(&it);
    if (rc < 0) return rc;
    store_table_t state_tables[TBL_COUNT];
    unsigned n_state = store_tables_with(STORE_T_SNAPSHOT, state_tables);
    uint8_t *chunk = malloc(SNAPSHOT_MAX_VALUE); /* a long entity row's frames */
    if (!chunk) abort();
    for (unsigned i = 0; i < n_state && rc >= 0; i++) {
        if ((rc = store_iter_new(t, state_tables[i], NULL, 0, false, &it))) break;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            if ((rc = state_tables[i] == TBL_ENTITIES ? save_entity_row(w, &k, &v, chunk)
                                                      : snapshot_write_row(w, state_tables[i], k.data, k.len, v.data, v.len)))
                break;
            if (++info->rows % 65536 == 0 && progress) progress(ctx, info->rows);
        }
        store_iter_destroy(&it);
    }
    free(chunk);
    return rc < 0 ? rc : 0;
}

static int sync_dir_of(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY);
    if (fd < 0) return ACCORD_EIO;
    int rc = fsync(fd) ? ACCORD_EIO : 0;
    close(fd);
    return rc;
}

int snapshot_save(store_t *st, const identity_t *id, const char *path, snapshot_info_t *info,
                  snapshot_progress_fn progress, void *ctx)
{
    memset(info, 0, sizeof *info);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(info->why, sizeof info->why, "cannot write %.200s: %s", tmp, strerror(errno));
        return errno == ENOSPC ? ACCORD_EFULL : ACCORD_EIO;
    }
    store_txn_t *t = NULL;
    snapshot_writer_t *w = NULL;
    memcpy(info->signer, id->pk, 32);
    info->created_ms = hlc_wall_ms();
    int rc = store_txn_begin(st, false, &t);
    if (!rc) rc = snapshot_writer_open(f, id->pk, info->created_ms, &w);
    if (!rc) rc = save_body(t, w, info, progress, ctx);
    if (!rc) rc = snapshot_writer_finish(&w, id->sk);
    snapshot_writer_abort(&w);
    store_txn_abort(&t);
    int err = 0;
    if (!rc && (fflush(f) || fsync(fileno(f)))) err = errno, rc = ACCORD_EIO;
    info->bytes = (uint64_t)ftell(f);
    if (fclose(f) && !rc) err = errno, rc = ACCORD_EIO;
    if (!rc && rename(tmp, path)) err = errno, rc = ACCORD_EIO;
    if (!rc) rc = sync_dir_of(path);
    if (rc) {
        unlink(tmp); /* never leave half a snapshot behind */
        if (err == ENOSPC) rc = ACCORD_EFULL;
        snprintf(info->why, sizeof info->why, "cannot write the snapshot %.200s: %s", path,
                 err ? strerror(err) : accord_strerror(rc));
    }
    return rc;
}

/* ---- loading ---- */

static int fail(snapshot_info_t *info, int rc, const char *path, const snapshot_reader_t *r, const char *what)
{
    if (r) snprintf(info->why, sizeof info->why, "%.120s, at byte %ld: %.150s", path, snapshot_offset(r), what);
    else snprintf(info->why, sizeof info->why, "%.120s: %.150s", path, what);
    return rc;
}

static const char *read_error(int rc)
{
    switch (rc) {
    case ACCORD_ESIG: return "its signature does not verify: the file was changed or damaged";
    case ACCORD_ETOOBIG: return "an entry is larger than a snapshot may hold";
    case ACCORD_EVERSION: return "it is a snapshot of another format version";
    default: return "it is truncated or is not a snapshot";
    }
}

/* A row is taken only if it reads as an entity row to its end (entity.h), in the row's
 * order with each entry once, every entry one of a register, an element or a sibling:
 * merging and the readers rely on that order, and replicas on identical rows. */
static bool row_well_formed(const snap_frame_t *f)
{
    entity_row_t r;
    entity_entry_t e, last = {0};
    if (f->key_len != ID_LEN || entity_row_open(f->val, f->val_len, &r)) return false;
    int rc;
    while ((rc = entity_row_next(&r, &e)) == 1) {
        bool shaped = (e.tag == ENTITY_TAG_FIELD && e.klen >= 1) ||
                      (e.tag == ENTITY_TAG_SIBLING && e.klen == MERGE_SIBLING_KEY_LEN - ID_LEN);
        if (!shaped || (last.tag && entity_entry_cmp(&last, &e) >= 0)) return false;
        last = e;
    }
    return rc == 0;
}

/* The next frame of an entity row that took several (save_entity_row): its entries follow
 * the stored ones', which they join, and the entity's derived terms follow the row. */
static int join_row(store_txn_t *t, const snap_frame_t *f, const store_val_t *stored, index_terms_t *terms)
{
    entity_row_t r;
    entity_entry_t e, stored_last = {0};
    if (entity_row_open(stored->data, stored->len, &r) || r.kind != f->val[1]) return ACCORD_EPROTO;
    int rc;
    while ((rc = entity_row_next(&r, &e)) == 1) stored_last = e;
    if (rc < 0) return rc;
    if (entity_row_open(f->val, f->val_len, &r)) return ACCORD_EPROTO;
    if ((rc = entity_row_next(&r, &e)) == 0) return 0; /* no entries: nothing to join */
    if (rc < 0 || (stored_last.tag && entity_entry_cmp(&stored_last, &e) >= 0)) return ACCORD_EPROTO;
    unsigned kind = f->val[1];
    index_terms_t before = {0};
    kpi_terms_t *kpi_before = calloc(1, sizeof *kpi_before);
    size_t len = stored->len + f->val_len - 2;
    uint8_t *row = malloc(len);
    if (!kpi_before || !row) abort();
    memcpy(row, stored->data, stored->len); /* before the put below moves the page it points into */
    memcpy(row + stored->len, f->val + 2, f->val_len - 2);
    if (!(rc = index_terms(t, f->key, kind, &before)) && !(rc = kpi_terms(t, f->key, kind, kpi_before)) &&
        !(rc = store_put(t, TBL_ENTITIES, f->key, ID_LEN, row, len)) &&
        !(rc = index_update(t, f->key, kind, &before, terms)) && !(rc = kpi_update(t, f->key, kind, kpi_before)))
        rc = changes_note(t, f->key, kind);
    index_terms_release(&before);
    free(kpi_before);
    free(row);
    return rc;
}

/* Writes one state row, and for an entity row the derived by-kind entry, search terms
 * (collected in terms, the caller's scratch) and report counters. */
static int put_row(store_txn_t *t, const snap_frame_t *f, index_terms_t *terms)
{
    if (f->table == TBL_CONFLICTS && f->key_len != MERGE_CONFLICT_KEY_LEN) return ACCORD_EPROTO;
    if (f->table == TBL_ENTITIES && !row_well_formed(f)) return ACCORD_EPROTO;
    if (f->table == TBL_ENTITIES) {
        store_val_t stored;
        int rc = store_get(t, TBL_ENTITIES, f->key, ID_LEN, &stored);
        if (rc == 0) return join_row(t, f, &stored, terms);
        if (rc != ACCORD_ENOTFOUND) return rc;
    }
    int rc = store_put(t, (store_table_t)f->table, f->key, f->key_len, f->val, f->val_len);
    if (rc || f->table != TBL_ENTITIES) return rc;
    unsigned kind = f->val[1];
    uint8_t key[1 + ID_LEN];
    key[0] = (uint8_t)kind;
    memcpy(key + 1, f->key, ID_LEN);
    if ((rc = store_put(t, TBL_BYKIND, key, sizeof key, "", 0))) return rc;
    static const index_terms_t none; /* no terms before: all of the entity's terms are new */
    static const kpi_terms_t no_kpi;
    if ((rc = index_update(t, f->key, kind, &none, terms)) || (rc = kpi_update(t, f->key, kind, &no_kpi))) return rc;
    return changes_note(t, f->key, kind);
}

static int add_feed(snapshot_info_t *info, const snap_frame_t *f)
{
    if (info->n_feeds == SNAPSHOT_MAX_FEEDS) return ACCORD_ETOOBIG;
    if (info->n_feeds && memcmp(info->feeds[info->n_feeds - 1].origin, f->origin, ID_LEN) >= 0)
        return ACCORD_EPROTO; /* in origin order, each once */
    if ((info->n_feeds & (info->n_feeds - 1)) == 0) {
        info->feeds = realloc(info->feeds, (info->n_feeds ? 2 * info->n_feeds : 16) * sizeof *info->feeds);
        if (!info->feeds) abort();
    }
    snapshot_feed_t *d = &info->feeds[info->n_feeds++];
    memcpy(d->origin, f->origin, ID_LEN);
    d->seq = f->seq;
    memcpy(d->hash, f->hash, 32);
    memcpy(d->sig, f->sig, 64);
    return 0;
}

int snapshot_load_state(store_txn_t *t, const char *path, snapshot_info_t *info)
{
    memset(info, 0, sizeof *info);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(info->why, sizeof info->why, "cannot read %.200s: %s", path, strerror(errno));
        return errno == ENOENT ? ACCORD_ENOTFOUND : ACCORD_EIO;
    }
    snapshot_reader_t *r = NULL;
    snap_frame_t fr;
    int rc = snapshot_reader_open(f, &r, &fr);
    if (rc) {
        rc = fail(info, rc, path, NULL, read_error(rc));
        goto out;
    }
    memcpy(info->signer, fr.signer, 32);
    info->created_ms = fr.created_ms;
    unsigned last_table = 0;
    index_terms_t *terms = calloc(1, sizeof *terms); /* 35 KiB: not on the stack */
    if (!terms) abort();
    while ((rc = snapshot_read(r, &fr)) == 1) {
        if (fr.kind == SNAP_FEED) {
            if ((rc = add_feed(info, &fr))) break;
        } else if (fr.kind == SNAP_ROW) {
            if (!is_state_table(fr.table) || fr.table < last_table) { rc = ACCORD_EPROTO; break; }
            last_table = fr.table;
            if ((rc = put_row(t, &fr, terms))) break;
            info->rows++;
        }
    }
    index_terms_release(terms);
    free(terms);
    if (rc) rc = fail(info, rc, path, r, rc == ACCORD_ESTORE || rc == ACCORD_EFULL ? accord_strerror(rc) : read_error(rc));
out:
    snapshot_reader_close(&r);
    fclose(f);
    return rc;
}

/* ---- installing on an empty node ---- */

static const char BOOTSTRAP_KEY[] = "bootstrap"; /* meta: an install is under way */

static bool table_empty(store_txn_t *t, store_table_t tbl)
{
    store_iter_t *it;
    if (store_iter_new(t, tbl, NULL, 0, false, &it)) return false;
    store_val_t k, v;
    bool empty = store_iter_next(it, &k, &v) == 0;
    store_iter_destroy(&it);
    return empty;
}

/* Empties the catalogue's STORE_T_INSTALL tables: what a snapshot install replaces. */
static int clear_installed(store_txn_t *t)
{
    store_table_t tables[TBL_COUNT];
    unsigned n = store_tables_with(STORE_T_INSTALL, tables);
    int rc = 0;
    for (unsigned i = 0; !rc && i < n; i++) rc = store_clear_table(t, tables[i]);
    return rc;
}

int snapshot_clear_partial(store_t *st, bool *cleared)
{
    *cleared = false;
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    store_val_t v;
    rc = store_get(t, TBL_META, BOOTSTRAP_KEY, sizeof BOOTSTRAP_KEY - 1, &v);
    if (rc == ACCORD_ENOTFOUND) {
        store_txn_abort(&t);
        return 0;
    }
    if (!rc) rc = clear_installed(t);
    if (!rc) rc = store_del(t, TBL_META, BOOTSTRAP_KEY, sizeof BOOTSTRAP_KEY - 1);
    if (rc) {
        store_txn_abort(&t);
        return rc;
    }
    if (!(rc = store_txn_commit(&t))) *cleared = true;
    return rc;
}

/* Pass one: the whole file's signature, before anything in it is used. */
static int verify_file(const char *path, snapshot_info_t *info)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(info->why, sizeof info->why, "cannot read %.200s: %s", path, strerror(errno));
        return ACCORD_EIO;
    }
    int rc = snapshot_verify_file(f);
    fclose(f);
    return rc ? fail(info, rc, path, NULL, read_error(rc)) : 0;
}

typedef struct {
    store_t *st;
    store_txn_t *t;
    uint32_t rows_in_txn;
    index_terms_t *terms; /* a kind row's search terms, collected here; owned */
} installer_t;

static int next_txn(installer_t *in)
{
    int rc = store_txn_commit(&in->t);
    if (!rc) rc = store_txn_begin(in->st, true, &in->t);
    in->rows_in_txn = 0;
    return rc;
}

/* The signer must be an enrolled hub of this org; each head must be its origin's. */
static int check_signers(store_txn_t *t, const snapshot_info_t *info, const uint8_t *want_signer, char *why,
                         size_t cap)
{
    roster_entry_t e;
    if (want_signer && memcmp(want_signer, info->signer, 32))
        return accord_fail(why, cap, ACCORD_EUNKNOWN, "it was signed by another node than the hub this node follows");
    if (roster_by_pk(t, info->signer, &e) || e.action != ROSTER_ENROLL || strcmp(e.role, "hub"))
        return accord_fail(why, cap, ACCORD_EUNKNOWN,
                           "it was not signed by an enrolled hub of this org: only a hub's snapshot can start a node");
    for (uint32_t i = 0; i < info->n_feeds; i++) {
        const snapshot_feed_t *fd = &info->feeds[i];
        if (roster_by_origin(t, fd->origin, &e)) continue; /* a node the roster does not name */
        if (crypto_head_verify(e.pk, fd->origin, fd->seq, fd->hash, fd->sig))
            return accord_fail(why, cap, ACCORD_ESIG, "the head of %s's feed in it does not verify", e.name);
    }
    return 0;
}

static int write_heads(store_txn_t *t, const snapshot_info_t *info)
{
    int rc = 0;
    for (uint32_t i = 0; i < info->n_feeds && !rc; i++) {
        const snapshot_feed_t *fd = &info->feeds[i];
        uint8_t val[HEAD_VAL_LEN], key[ID_LEN + 8];
        be64_put(val, fd->seq);
        memcpy(val + 8, fd->hash, 32);
        memcpy(val + 40, fd->sig, 64);
        memcpy(key, fd->origin, ID_LEN);
        be64_put(key + ID_LEN, fd->seq);
        if (!(rc = store_put(t, TBL_HEADS, fd->origin, ID_LEN, val, sizeof val)) &&
            !(rc = store_put(t, TBL_BASES, fd->origin, ID_LEN, val, sizeof val)))
            rc = store_put(t, TBL_CHECKPTS, key, sizeof key, fd->sig, 64);
    }
    return rc;
}

/* The feed heads a snapshot holds (the frames before its rows), its signature checked first. */
static int read_heads(const char *path, snapshot_info_t *info)
{
    int rc = verify_file(path, info);
    if (rc) return rc;
    FILE *f = fopen(path, "rb");
    if (!f) return fail(info, ACCORD_EIO, path, NULL, strerror(errno));
    snapshot_reader_t *r = NULL;
    snap_frame_t fr;
    if (!(rc = snapshot_reader_open(f, &r, &fr)))
        while ((rc = snapshot_read(r, &fr)) == 1 && fr.kind != SNAP_ROW)
            if (fr.kind == SNAP_FEED && (rc = add_feed(info, &fr))) break;
    if (rc < 0) rc = fail(info, rc, path, r, read_error(rc));
    else rc = 0;
    snapshot_reader_close(&r);
    fclose(f);
    return rc;
}

/* Refuses a replacing install that would drop records the snapshot does not hold. */
static int covers_store(store_t *st, const snapshot_info_t *heads, char *why, size_t cap)
{
    store_txn_t *t;
    int rc = store_txn_begin(st, false, &t);
    if (rc) return rc;
    uint8_t own[ID_LEN];
    store_val_t v;
    bool have_own = store_get(t, TBL_META, "origin", 6, &v) == 0 && v.len == ID_LEN;
    if (have_own) memcpy(own, v.data, ID_LEN);
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_HEADS, NULL, 0, false, &it))) {
        store_txn_abort(&t);
        return rc;
    }
    store_val_t k;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len < 8) continue;
        uint64_t held = be64_get(v.data), in_snapshot = snapshot_head_of(heads, k.data);
        if (held <= in_snapshot) continue;
        char hex[2 * ID_LEN + 1];
        crypto_hex(k.data, ID_LEN, hex);
        if (have_own && !memcmp(k.data, own, ID_LEN))
            rc = accord_fail(why, cap, ACCORD_EEXISTS,
                             "this node's own changes up to seq %llu are not all in the snapshot (it holds up to %llu): "
                             "let them reach the hub, then write a newer snapshot there with 'accordctl compact'",
                             (unsigned long long)held, (unsigned long long)in_snapshot);
        else
            rc = accord_fail(why, cap, ACCORD_EEXISTS,
                             "this node holds records of feed %.12s up to seq %llu, and the snapshot only up to %llu: "
                             "write a newer snapshot at the hub with 'accordctl compact'",
                             hex, (unsigned long long)held, (unsigned long long)in_snapshot);
        break;
    }
    store_iter_destroy(&it);
    store_txn_abort(&t);
    return rc < 0 ? rc : 0;
}

static int install(store_t *st, const char *path, const uint8_t *want_signer, bool replace, snapshot_info_t *info,
                   snapshot_progress_fn progress, void *ctx);

int snapshot_install_replacing(store_t *st, const char *path, snapshot_info_t *info)
{
    memset(info, 0, sizeof *info);
    bool cleared;
    int rc = snapshot_clear_partial(st, &cleared);
    if (!rc && !(rc = read_heads(path, info))) rc = covers_store(st, info, info->why, sizeof info->why);
    snapshot_info_free(info);
    if (rc) return rc;
    return install(st, path, NULL, true, info, NULL, NULL);
}

int snapshot_install(store_t *st, const char *path, const uint8_t *want_signer, snapshot_info_t *info,
                     snapshot_progress_fn progress, void *ctx)
{
    memset(info, 0, sizeof *info);
    bool cleared;
    int rc = snapshot_clear_partial(st, &cleared);
    if (rc) return rc;
    installer_t in = {st, NULL, 0, NULL};
    if ((rc = store_txn_begin(st, true, &in.t))) return rc;
    if (!table_empty(in.t, TBL_HEADS) || !table_empty(in.t, TBL_ENTITIES)) {
        store_txn_abort(&in.t);
        return accord_fail(info->why, sizeof info->why, ACCORD_EEXISTS,
                           "this node already holds data: a snapshot only starts an empty node "
                           "(or, node stopped, 'accordctl snapshot install --replace')");
    }
    store_txn_abort(&in.t);
    return install(st, path, want_signer, false, info, progress, ctx);
}

static int install(store_t *st, const char *path, const uint8_t *want_signer, bool replace, snapshot_info_t *info,
                   snapshot_progress_fn progress, void *ctx)
{
    int rc;
    installer_t in = {st, NULL, 0, NULL};
    if ((rc = verify_file(path, info))) return rc;
    snapshot_info_free(info);

    FILE *f = fopen(path, "rb");
    if (!f) return fail(info, ACCORD_EIO, path, NULL, strerror(errno));
    if (!(in.terms = calloc(1, sizeof *in.terms))) abort(); /* 35 KiB: not on the stack */
    snapshot_reader_t *r = NULL;
    snap_frame_t fr;
    bool checked = false;
    unsigned last_table = 0;
    if ((rc = snapshot_reader_open(f, &r, &fr))) {
        rc = fail(info, rc, path, NULL, read_error(rc));
        goto out;
    }
    memcpy(info->signer, fr.signer, 32);
    info->created_ms = fr.created_ms;
    if ((rc = store_txn_begin(st, true, &in.t)) ||
        (rc = store_put(in.t, TBL_META, BOOTSTRAP_KEY, sizeof BOOTSTRAP_KEY - 1, "1", 1)))
        goto out;
    /* replacing: the node's feeds and state go in the transaction that sets the mark */
    if (replace) rc = clear_installed(in.t);
    if (rc) goto out;
    while ((rc = snapshot_read(r, &fr)) == 1) {
        rc = 0;
        if (fr.kind == SNAP_ROSTER) {
            bool changed;
            roster_entry_t e;
            if ((rc = roster_add(in.t, fr.key, fr.key_len, &changed, &e))) {
                rc = fail(info, rc, path, r, "a roster entry in it is not signed by this org's key");
                break;
            }
        } else if (fr.kind == SNAP_FEED) {
            if ((rc = add_feed(info, &fr))) {
                rc = fail(info, rc, path, r, "its feed heads are out of order or too many");
                break;
            }
        } else if (fr.kind == SNAP_ROW) {
            if (!checked) {
                char why[200];
                if ((rc = check_signers(in.t, info, want_signer, why, sizeof why))) {
                    rc = fail(info, rc, path, r, why);
                    break;
                }
                checked = true;
            }
            if (!is_state_table(fr.table) || fr.table < last_table) {
                rc = fail(info, ACCORD_EPROTO, path, r, "it holds a row of a table a snapshot does not carry");
                break;
            }
            last_table = fr.table;
            if ((rc = put_row(in.t, &fr, in.terms))) {
                rc = fail(info, rc, path, r, rc == ACCORD_EPROTO ? "a kind row in it is malformed" : accord_strerror(rc));
                break;
            }
            info->rows++;
            if (++in.rows_in_txn == ROWS_PER_TXN && (rc = next_txn(&in))) break;
            if (info->rows % 65536 == 0 && progress) progress(ctx, info->rows);
        }
    }
    if (rc < 0 && !info->why[0]) rc = fail(info, rc, path, r, read_error(rc));
    if (!rc && !checked) {
        char why[200];
        if ((rc = check_signers(in.t, info, want_signer, why, sizeof why))) rc = fail(info, rc, path, r, why);
    }
    /* the heads last: until they are written this node holds no feed, and the mark says so */
    if (!rc && !(rc = write_heads(in.t, info)) &&
        !(rc = store_del(in.t, TBL_META, BOOTSTRAP_KEY, sizeof BOOTSTRAP_KEY - 1)))
        rc = store_txn_commit(&in.t);
out:
    index_terms_release(in.terms);
    free(in.terms);
    store_txn_abort(&in.t);
    snapshot_reader_close(&r);
    fclose(f);
    if (rc) { /* nothing of a refused snapshot stays */
        bool ignored;
        snapshot_clear_partial(st, &ignored);
    }
    return rc;
}
