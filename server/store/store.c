/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "store/store.h"
#include "proto/accord_err.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Big enough for tens of millions of records; LMDB only reserves address space.
 * ACCORD_MAP_MB overrides it (valgrind, for one, cannot reserve 64 GiB). */
#define STORE_MAP_SIZE (64ULL << 30)

static uint64_t map_size(void)
{
    const char *mb = getenv("ACCORD_MAP_MB");
    if (!mb || !*mb) return STORE_MAP_SIZE;
    char *end;
    unsigned long long v = strtoull(mb, &end, 10);
    if (*end || v < 16 || v > (1ULL << 26)) {
        log_warn("ACCORD_MAP_MB=%s is not a size from 16 to 67108864 MiB; using 64 GiB", mb);
        return STORE_MAP_SIZE;
    }
    return (uint64_t)v << 20;
}

/* Whether another process has the store open: LMDB holds a lock on the first byte of
 * lock.mdb for as long as a process has the environment open (shared, or exclusive while
 * it sets up). F_GETLK only asks: this process takes no lock here. */
static bool opened_elsewhere(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    bool busy = fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type != F_UNLCK;
    close(fd);
    return busy;
}

/* A writable map is as large as its file: LMDB cuts or grows the file to it when it opens.
 * So while another process has the store open a writer does not map less than the file
 * holds: a smaller map (accordctl run with another ACCORD_MAP_MB than the node's) cut the
 * file under the node, whose next page past the cut was a SIGBUS, its reserved blocks
 * gone. Alone, ACCORD_MAP_MB sets the map, smaller or larger. */
static uint64_t writable_map_size(const char *dir, unsigned flags)
{
    uint64_t size = map_size();
    char path[4200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (flags & STORE_RDONLY || stat(path, &sb) || (uint64_t)sb.st_size <= size || !opened_elsewhere(dir)) return size;
    log_info("store: its map stays at %llu MiB, not the %llu asked, while another process has it open",
             (unsigned long long)((uint64_t)sb.st_size >> 20), (unsigned long long)(size >> 20));
    return (uint64_t)sb.st_size;
}

/* the catalogue of store.h, as arrays indexed by table */
static const char *const table_names[TBL_COUNT] = {
#define STORE_TABLE_NAME(id, name, flags) [id] = name,
    STORE_TABLES(STORE_TABLE_NAME)
#undef STORE_TABLE_NAME
};
static const unsigned table_flags[TBL_COUNT] = {
#define STORE_TABLE_FLAGS(id, name, flags) [id] = flags,
    STORE_TABLES(STORE_TABLE_FLAGS)
#undef STORE_TABLE_FLAGS
};

struct store {
    MDB_env *env;
    MDB_dbi dbi[TBL_COUNT];
    char *dir;
    void *zone;                  /* the report time zone (state/kpi.h), owned: */
    void (*zone_free)(void *zone);
    void *hook_cache;            /* the webhooks' cache of the hooks table (hooks/hook_outbox.h), owned */
    void (*hook_cache_free)(void *cache);
    void *scratch;               /* store_writer_scratch's buffer, owned */
    size_t scratch_len;
    void (*scratch_release)(void *buf); /* what the buffer owns is freed by this */
    store_digest_hook_fn digest_hook;   /* store_set_digest_hook's, or NULL */
    /* The entities the open write transaction touched in STORE_T_DIGEST tables
     * (one writer at a time: LMDB's writer lock is held while this is filled) */
    uint8_t (*touched)[16];
    size_t n_touched, touched_cap;
    bool touched_all;                   /* a digest table was cleared: every entity */
    uint64_t allocated;                 /* bytes of the file known to have disk blocks (reserve_to) */
    uint64_t map_size;                  /* LMDB's map: the file's size */
};

/* Disk blocks ahead of the data for the writable map. With MDB_WRITEMAP the file is as
 * large as the map but sparse, and a transaction writes its pages by storing into the
 * map: on a full disk the store into a hole kills the process with SIGBUS instead of
 * failing a write. So the blocks from the data's end to ROOM beyond it are allocated
 * (posix_fallocate) before each write transaction, and again as it writes (reserve_put:
 * a catch-up group or an install's 65,536 rows add 100-200 MB to the file); a disk that
 * cannot give them refuses the transaction, or the put, with EFULL before anything is
 * stored there. The room is 64 MiB or an eighth of the data. */
#define ROOM_MIN (64ULL << 20)

/* Blocks for the file up to end, and at least half the room beyond it. */
static int reserve_to(store_t *st, uint64_t end)
{
    if (st->allocated == UINT64_MAX) return 0; /* the filesystem cannot reserve: as LMDB does alone */
    uint64_t room = end / 8 > ROOM_MIN ? end / 8 : ROOM_MIN;
    if (end + room / 2 <= st->allocated) return 0; /* reserved in steps of at least half the room */
    uint64_t want = end + room < st->map_size ? end + room : st->map_size;
    if (want <= st->allocated) return 0;
    int fd, e;
    if (mdb_env_get_fd(st->env, &fd)) return 0;
    while ((e = posix_fallocate(fd, (off_t)st->allocated, (off_t)(want - st->allocated))) == EINTR)
        ; /* a signal (the node's TERM) is no full disk */
    if (e == 0) {
        st->allocated = want;
        return 0;
    }
    if (e == EOPNOTSUPP || e == EINVAL) {
        log_warn("store: this filesystem cannot reserve disk space ahead (posix_fallocate: %s): a full disk "
                 "will stop the node abruptly; keep free space on it", strerror(e));
        st->allocated = UINT64_MAX;
        return 0;
    }
    log_error("store: cannot reserve %llu MiB of disk for the next write (%s): the disk is full; free space on it",
              (unsigned long long)((want - st->allocated) >> 20), strerror(e));
    return e == ENOSPC || e == EFBIG ? ACCORD_EFULL : ACCORD_EIO;
}

/* The data's end: the file's bytes the committed pages take. */
static uint64_t data_end(store_t *st)
{
    MDB_envinfo info;
    MDB_stat stat;
    if (mdb_env_info(st->env, &info) || mdb_env_stat(st->env, &stat)) return 0;
    return ((uint64_t)info.me_last_pgno + 1) * stat.ms_psize;
}

struct store_txn {
    MDB_txn *txn;
    store_t *st;
    bool write; /* a write transaction: its commit calls the digest hook */
    /* The last entity row read, for the readers that ask for it field by field (an index
     * term's computation asked ten times: 17% of catch-up); any write forgets it, since a
     * write may move or change the page it points into. */
    bool row_cached;
    uint8_t row_key[16];
    MDB_val row_val;
    /* A write transaction: the data's end when it began, and what its writes may have added
     * to the file past it, at most (reserve_put) */
    uint64_t end0, may_add;
    uint64_t long_bytes; /* of the long values it wrote (LONG_VALUE) */
    uint64_t next_look;  /* may_add at which reserve_put looks again */
    int refused; /* reserve_put's refusal, which its later writes and its commit return too */
};

struct store_iter {
    MDB_cursor *cur;
    const uint8_t *prefix; /* copied below */
    size_t plen;
    bool reverse;
    bool started;
    uint8_t prefix_buf[64];
    uint8_t start_buf[64]; /* forward walks may start after the prefix's first key */
    size_t slen;
};

static int map_err(int rc, const char *what)
{
    if (rc == 0) return 0;
    if (rc == MDB_NOTFOUND) return ACCORD_ENOTFOUND;
    log_error("store: %s: %s (LMDB %d)", what, mdb_strerror(rc), rc);
    if (rc == MDB_MAP_FULL || rc == ENOSPC) return ACCORD_EFULL;
    if (rc == EACCES || rc == ENOENT) return ACCORD_EIO;
    return ACCORD_ESTORE;
}

/* The bytes of the pages the transaction's tables hold now, LMDB's own two (free pages,
 * names) with them, and 1/64 more and 64 pages (LMDB's list of the pages it freed, pages
 * it keeps aside to use again). */
static uint64_t held_bytes(store_txn_t *t)
{
    uint64_t pages = 0, psize = 4096;
    MDB_stat stat;
    for (int i = -2; i < TBL_COUNT; i++)
        if (!mdb_stat(t->txn, i < 0 ? (MDB_dbi)(i + 2) : t->st->dbi[i], &stat)) {
            pages += stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages;
            psize = stat.ms_psize;
        }
    return (pages + pages / 64 + 64) * psize;
}

/* Before a write of bytes (key and value): blocks for what the transaction may have added
 * to the file by then, looked at again after each RESERVE_STEP of it. Two bounds, the
 * smaller taken: the bytes put, by measure (a catch-up group and an install's transaction
 * grew the file by 1.9-2.9 times the bytes they put and 82-123 bytes a put: twice the
 * bytes and 128 a put is above both), and what the tables hold now plus the long values
 * put (a page a transaction took from the file's end holds data now, or held a long value
 * it wrote again). The second is the close one for a store growing from little, where the
 * first is 1.5-2.5x too much (full_disk_test: a catch-up refused where the disk had room). */
#define RESERVE_STEP (4ULL << 20)
#define LONG_VALUE 2000 /* a key and value this long go to pages of their own */

static int reserve_put(store_txn_t *t, size_t bytes)
{
    if (!t->write || t->refused) return t->refused;
    t->may_add += 2 * (uint64_t)bytes + 128;
    if (bytes >= LONG_VALUE) t->long_bytes += bytes + 4096;
    if (t->may_add < t->next_look) return 0;
    t->next_look = t->may_add + RESERVE_STEP;
    store_t *st = t->st;
    uint64_t end = t->end0 + t->may_add;
    if (st->allocated != UINT64_MAX && end + ROOM_MIN / 2 > st->allocated) {
        uint64_t held = held_bytes(t) + t->long_bytes;
        if (t->end0 + held < end) end = t->end0 + held;
    }
    int rc = reserve_to(st, end);
    return t->refused = rc == ACCORD_EIO ? ACCORD_ESTORE : rc; /* a store error to the writers (node_loop, ingest) */
}

int store_open(const char *dir, unsigned flags, store_t **out)
{
    store_t *st = calloc(1, sizeof *st);
    if (!st) abort();
    int rc;
    /* A writer maps the file writable (MDB_WRITEMAP): a transaction's dirty pages are the
     * file's own pages, not copies in the process, so one of 256k changes costs no
     * anonymous memory, and commits write them in place. Its price: no nested
     * transactions (feed/ingest.h checks a batch wholly before writing it instead), and
     * the file is as large as the map (sparse). MDB_NORDAHEAD: with a writable map,
     * readahead's large folios made a write fault dirty up to 487 KB a change (STORE-V2). */
    unsigned env_flags = MDB_NOTLS | MDB_NORDAHEAD;
    if (flags & STORE_RDONLY) env_flags |= MDB_RDONLY;
    else env_flags |= MDB_WRITEMAP;
    if (flags & STORE_NOSYNC) env_flags |= MDB_NOSYNC;
    if ((rc = mdb_env_create(&st->env)) || (rc = mdb_env_set_maxdbs(st->env, TBL_COUNT)) ||
        (rc = mdb_env_set_mapsize(st->env, st->map_size = writable_map_size(dir, flags))) ||
        (rc = mdb_env_set_maxreaders(st->env, 256)) ||
        (rc = mdb_env_open(st->env, dir, env_flags, 0600))) {
        rc = map_err(rc, dir);
        goto fail;
    }
    MDB_envinfo info;
    if (!mdb_env_info(st->env, &info)) st->map_size = info.me_mapsize; /* the data's size, if that is more */
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(st->env, NULL, flags & STORE_RDONLY ? MDB_RDONLY : 0, &txn))) {
        rc = map_err(rc, "begin");
        goto fail;
    }
    for (int i = 0; i < TBL_COUNT; i++) {
        rc = mdb_dbi_open(txn, table_names[i], flags & STORE_RDONLY ? 0 : MDB_CREATE, &st->dbi[i]);
        if (rc) {
            mdb_txn_abort(txn);
            /* read only, a table this version has and the store lacks: an older store,
             * which the node upgrades at its next start (it creates the table) */
            rc = rc == MDB_NOTFOUND && (flags & STORE_RDONLY) ? ACCORD_EVERSION : map_err(rc, table_names[i]);
            goto fail;
        }
    }
    if ((rc = mdb_txn_commit(txn))) {
        rc = map_err(rc, "open commit");
        goto fail;
    }
    st->dir = strdup(dir);
    *out = st;
    return 0;
fail:
    if (st->env) mdb_env_close(st->env);
    free(st);
    return rc;
}

void store_close(store_t **pst)
{
    store_t *st = *pst;
    if (!st) return;
    mdb_env_close(st->env);
    if (st->zone && st->zone_free) st->zone_free(st->zone);
    if (st->hook_cache && st->hook_cache_free) st->hook_cache_free(st->hook_cache);
    if (st->scratch && st->scratch_release) st->scratch_release(st->scratch);
    free(st->scratch);
    free(st->touched);
    free(st->dir);
    free(st);
    *pst = NULL;
}

bool store_txn_writable(const store_txn_t *t)
{
    return t && t->write;
}

int store_txn_begin(store_t *st, bool write, store_txn_t **out)
{
    store_txn_t *t = malloc(sizeof *t);
    if (!t) abort();
    t->st = st;
    t->write = write;
    t->row_cached = false;
    int rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    if (rc) {
        free(t);
        return map_err(rc, "txn begin");
    }
    t->end0 = t->may_add = t->long_bytes = 0;
    t->next_look = RESERVE_STEP; /* the room reserved at the start holds that much */
    t->refused = 0;
    if (write && (rc = reserve_to(st, t->end0 = data_end(st)))) { /* the writer lock is held: the data's end is known */
        mdb_txn_abort(t->txn);
        free(t);
        return rc;
    }
    if (t->write) { /* the writer lock is ours now */
        st->n_touched = 0;
        st->touched_all = false;
    }
    *out = t;
    return 0;
}

static int compare_ids(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* Sorts the touched entities and drops repeats. */
static void touched_unique(store_t *st)
{
    if (st->n_touched < 2) return;
    qsort(st->touched, st->n_touched, 16, compare_ids);
    size_t n = 1;
    for (size_t i = 1; i < st->n_touched; i++)
        if (memcmp(st->touched[i], st->touched[n - 1], 16)) memcpy(st->touched[n++], st->touched[i], 16);
    st->n_touched = n;
}

/* Notes that a key of tbl was written: a STORE_T_DIGEST table's key names its entity first. */
static void note_touched(store_txn_t *t, store_table_t tbl, const void *key, size_t klen)
{
    store_t *st = t->st;
    if (!(table_flags[tbl] & STORE_T_DIGEST) || st->touched_all) return;
    if (klen < 16) {
        st->touched_all = true;
        return;
    }
    /* one record writes several keys of one entity in a row: most repeats end here */
    if (st->n_touched && !memcmp(st->touched[st->n_touched - 1], key, 16)) return;
    if (st->n_touched == st->touched_cap) {
        touched_unique(st);
        if (st->n_touched >= st->touched_cap / 2) { /* (and the first time: no room at all) */
            st->touched_cap = st->touched_cap ? 2 * st->touched_cap : 1024;
            if (!(st->touched = realloc(st->touched, st->touched_cap * 16))) abort();
        }
    }
    memcpy(st->touched[st->n_touched++], key, 16);
}

/* Before a write commit: the digest hook sees what changed, or what it keeps goes. */
static int before_commit(store_txn_t *t)
{
    store_t *st = t->st;
    if (!st->n_touched && !st->touched_all) return 0;
    if (st->digest_hook) {
        touched_unique(st);
        return st->touched_all ? st->digest_hook(t, NULL, 0, true) : st->digest_hook(t, st->touched, st->n_touched, false);
    }
    for (unsigned i = 0; i < TBL_COUNT; i++)
        if (table_flags[i] & STORE_T_SUMS) {
            int rc = mdb_drop(t->txn, st->dbi[i], 0);
            if (rc) return map_err(rc, table_names[i]);
        }
    return 0;
}

int store_txn_commit(store_txn_t **pt)
{
    store_txn_t *t = *pt;
    *pt = NULL;
    /* a refused put spoils the transaction, as LMDB's own errors do: what a writer that went
     * on after it wrote is not committed */
    int rc = t->refused ? t->refused : t->write ? before_commit(t) : 0;
    if (rc) {
        mdb_txn_abort(t->txn);
        free(t);
        return rc;
    }
    rc = mdb_txn_commit(t->txn);
    free(t);
    return map_err(rc, "commit");
}

void store_txn_abort(store_txn_t **pt)
{
    store_txn_t *t = *pt;
    if (!t) return;
    mdb_txn_abort(t->txn);
    free(t);
    *pt = NULL;
}

int store_get(store_txn_t *t, store_table_t tbl, const void *k, size_t klen, store_val_t *v)
{
    bool row = tbl == TBL_ENTITIES && klen == sizeof t->row_key;
    if (row && t->row_cached && !memcmp(t->row_key, k, klen)) {
        v->data = t->row_val.mv_data;
        v->len = t->row_val.mv_size;
        return 0;
    }
    MDB_val key = {klen, (void *)k}, val;
    int rc = mdb_get(t->txn, t->st->dbi[tbl], &key, &val);
    if (rc) return rc == MDB_NOTFOUND ? ACCORD_ENOTFOUND : map_err(rc, table_names[tbl]);
    if (row) {
        memcpy(t->row_key, k, klen);
        t->row_val = val;
        t->row_cached = true;
    }
    v->data = val.mv_data;
    v->len = val.mv_size;
    return 0;
}

int store_put(store_txn_t *t, store_table_t tbl, const void *k, size_t klen, const void *v,
              size_t vlen)
{
    MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
    t->row_cached = false;
    int rc = reserve_put(t, klen + vlen);
    if (rc) return rc;
    note_touched(t, tbl, k, klen);
    return map_err(mdb_put(t->txn, t->st->dbi[tbl], &key, &val, 0), table_names[tbl]);
}

int store_del(store_txn_t *t, store_table_t tbl, const void *k, size_t klen)
{
    MDB_val key = {klen, (void *)k};
    t->row_cached = false;
    int rc = reserve_put(t, klen); /* a delete copies pages too */
    if (rc) return rc;
    note_touched(t, tbl, k, klen);
    rc = mdb_del(t->txn, t->st->dbi[tbl], &key, NULL);
    return rc == MDB_NOTFOUND ? 0 : map_err(rc, table_names[tbl]);
}

int store_del_prefix(store_txn_t *t, store_table_t tbl, const void *prefix, size_t plen, uint64_t *n)
{
    MDB_cursor *c;
    t->row_cached = false;
    int rc = mdb_cursor_open(t->txn, t->st->dbi[tbl], &c);
    if (rc) return map_err(rc, table_names[tbl]);
    for (;;) { /* seek again after each delete: where a cursor stands after one is subtle */
        MDB_val key = {plen, (void *)prefix}, val;
        rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
        if (rc || key.mv_size < plen || memcmp(key.mv_data, prefix, plen)) break;
        if ((rc = reserve_put(t, key.mv_size))) {
            mdb_cursor_close(c);
            return rc;
        }
        note_touched(t, tbl, key.mv_data, key.mv_size);
        if ((rc = mdb_cursor_del(c, 0))) break;
        if (n) (*n)++;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : map_err(rc, table_names[tbl]);
}

int store_clear_all(store_txn_t *t)
{
    t->row_cached = false;
    t->st->touched_all = true;
    for (int i = 0; i < TBL_COUNT; i++) {
        int rc = mdb_drop(t->txn, t->st->dbi[i], 0);
        if (rc) return map_err(rc, "drop");
    }
    return 0;
}

int store_clear_table(store_txn_t *t, store_table_t tbl)
{
    t->row_cached = false;
    if (table_flags[tbl] & STORE_T_DIGEST) t->st->touched_all = true;
    return map_err(mdb_drop(t->txn, t->st->dbi[tbl], 0), table_names[tbl]);
}

const char *store_table_name(store_table_t tbl)
{
    return (unsigned)tbl < TBL_COUNT ? table_names[tbl] : "?";
}

unsigned store_table_flags(store_table_t tbl)
{
    return (unsigned)tbl < TBL_COUNT ? table_flags[tbl] : 0;
}

unsigned store_tables_with(unsigned flags, store_table_t out[TBL_COUNT])
{
    unsigned n = 0;
    for (unsigned i = 0; i < TBL_COUNT; i++)
        if ((table_flags[i] & flags) == flags) out[n++] = (store_table_t)i;
    return n;
}

int store_iter_new(store_txn_t *t, store_table_t tbl, const void *prefix, size_t plen,
                   bool reverse, store_iter_t **out)
{
    if (plen > sizeof((store_iter_t *)0)->prefix_buf) return ACCORD_EINVAL;
    store_iter_t *it = calloc(1, sizeof *it);
    if (!it) abort();
    int rc = mdb_cursor_open(t->txn, t->st->dbi[tbl], &it->cur);
    if (rc) {
        free(it);
        return map_err(rc, "cursor");
    }
    if (plen) memcpy(it->prefix_buf, prefix, plen);
    it->prefix = it->prefix_buf;
    it->plen = plen;
    it->reverse = reverse;
    *out = it;
    return 0;
}

int store_iter_reset(store_iter_t *it, const void *prefix, size_t plen)
{
    if (plen > sizeof it->prefix_buf) return ACCORD_EINVAL;
    if (plen) memcpy(it->prefix_buf, prefix, plen);
    it->plen = plen;
    it->started = false;
    it->slen = 0;
    return 0;
}

int store_iter_seek(store_iter_t *it, const void *start, size_t slen)
{
    if (it->started || it->reverse || slen > sizeof it->start_buf || slen < it->plen ||
        memcmp(start, it->prefix, it->plen))
        return ACCORD_EINVAL;
    memcpy(it->start_buf, start, slen);
    it->slen = slen;
    return 0;
}

/* The first key after every key that starts with the prefix: the prefix "incremented". */
static bool prefix_successor(const uint8_t *p, size_t n, uint8_t *out, size_t *out_len)
{
    memcpy(out, p, n);
    while (n > 0) {
        if (out[n - 1] != 0xff) {
            out[n - 1]++;
            *out_len = n;
            return true;
        }
        n--;
    }
    return false;
}

int store_iter_next(store_iter_t *it, store_val_t *key, store_val_t *val)
{
    MDB_val k, v;
    int rc;
    if (!it->started) {
        it->started = true;
        if (!it->reverse) {
            k.mv_data = it->slen ? (void *)it->start_buf : (void *)it->prefix;
            k.mv_size = it->slen ? it->slen : it->plen;
            rc = k.mv_size ? mdb_cursor_get(it->cur, &k, &v, MDB_SET_RANGE)
                          : mdb_cursor_get(it->cur, &k, &v, MDB_FIRST);
        } else {
            uint8_t succ[64];
            size_t slen;
            if (it->plen && prefix_successor(it->prefix, it->plen, succ, &slen)) {
                k.mv_data = succ;
                k.mv_size = slen;
                rc = mdb_cursor_get(it->cur, &k, &v, MDB_SET_RANGE);
                if (rc == 0) rc = mdb_cursor_get(it->cur, &k, &v, MDB_PREV);
                else if (rc == MDB_NOTFOUND) rc = mdb_cursor_get(it->cur, &k, &v, MDB_LAST);
            } else {
                rc = mdb_cursor_get(it->cur, &k, &v, MDB_LAST);
            }
        }
    } else {
        rc = mdb_cursor_get(it->cur, &k, &v, it->reverse ? MDB_PREV : MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return map_err(rc, "cursor get");
    if (k.mv_size < it->plen || memcmp(k.mv_data, it->prefix, it->plen) != 0) return 0;
    key->data = k.mv_data;
    key->len = k.mv_size;
    val->data = v.mv_data;
    val->len = v.mv_size;
    return 1;
}

void store_iter_destroy(store_iter_t **pit)
{
    store_iter_t *it = *pit;
    if (!it) return;
    mdb_cursor_close(it->cur);
    free(it);
    *pit = NULL;
}

int store_backup(store_t *st, const char *dir)
{
    return map_err(mdb_env_copy2(st->env, dir, MDB_CP_COMPACT), dir);
}

int store_free_bytes(store_t *st, uint64_t *bytes)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_stat stat;
    *bytes = 0;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc) return map_err(rc, "free list");
    mdb_env_stat(st->env, &stat);
    if (!(rc = mdb_cursor_open(txn, 0 /* LMDB's free-page table */, &cur))) {
        MDB_val k, v;
        uint64_t pages = 0;
        while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0)
            if (v.mv_size >= sizeof(size_t)) { /* a page-number list, its length first */
                size_t n;
                memcpy(&n, v.mv_data, sizeof n);
                pages += n;
            }
        mdb_cursor_close(cur);
        if (rc == MDB_NOTFOUND) rc = 0;
        *bytes = pages * stat.ms_psize;
    }
    mdb_txn_abort(txn);
    return map_err(rc, "free list");
}

void store_usage(store_t *st, uint64_t *used, uint64_t *limit)
{
    MDB_envinfo info;
    MDB_stat stat;
    mdb_env_info(st->env, &info);
    mdb_env_stat(st->env, &stat);
    *used = (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
    *limit = info.me_mapsize;
}

const char *store_dir(const store_t *st)
{
    return st->dir;
}

store_t *store_txn_store(store_txn_t *t)
{
    return t->st;
}

void store_set_zone(store_t *st, void *zone, void (*free_fn)(void *zone))
{
    if (st->zone && st->zone_free) st->zone_free(st->zone);
    st->zone = zone;
    st->zone_free = free_fn;
}

void *store_zone(const store_t *st)
{
    return st->zone;
}

void store_set_digest_hook(store_t *st, store_digest_hook_fn fn)
{
    st->digest_hook = fn;
}

void *store_writer_scratch(store_txn_t *t, size_t size, void (*release)(void *buf))
{
    store_t *st = t->st;
    if (size > st->scratch_len) {
        if (st->scratch && st->scratch_release) st->scratch_release(st->scratch);
        free(st->scratch);
        if (!(st->scratch = calloc(1, size))) abort();
        st->scratch_len = size;
    }
    st->scratch_release = release;
    return st->scratch;
}

void store_set_hook_cache(store_t *st, void *cache, void (*free_fn)(void *cache))
{
    if (st->hook_cache && st->hook_cache_free) st->hook_cache_free(st->hook_cache);
    st->hook_cache = cache;
    st->hook_cache_free = free_fn;
}

void *store_hook_cache(const store_t *st)
{
    return st->hook_cache;
}
