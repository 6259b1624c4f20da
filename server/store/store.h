/* SPDX-License-Identifier: MIT
 * store: the node's LMDB environment, the only module that includes <lmdb.h>.
 * It offers named tables, transactions (never nested), zero-copy gets and prefix scans.
 * Invariant: every state change of Accord happens inside one store transaction.
 * Threading: one writer thread; read transactions may run on any thread. */
#ifndef ACCORD_STORE_H
#define ACCORD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The catalogue of tables: one row each, the only list of them. Flags say which jobs a
 * table takes part in, so no module keeps a list of its own:
 *   STORE_T_DIGEST    the state digest covers it (digest.h; `accordctl verify`)
 *   STORE_T_SNAPSHOT  a snapshot file carries its rows (snapshot_io.h)
 *   STORE_T_DERIVED   derived from the feeds: `accordctl check` rebuilds and compares it
 *   STORE_T_INSTALL   a snapshot install replaces it (snapshot_io.h)
 *   STORE_T_PURGE     keyed by entity first: compaction removes a graved entity's rows
 *   STORE_T_SUMS      kept from the STORE_T_DIGEST tables by the digest hook (below):
 *                     emptied when those change in a transaction with no hook set
 * A STORE_T_DIGEST table is keyed by entity(16) first: the store tells the digest hook
 * which entities a transaction touched by those bytes.
 * The digest and snapshots walk the tables in catalogue order; that order is part of
 * their format, so a new table goes at the end. */
#define STORE_T_DIGEST 1u
#define STORE_T_SNAPSHOT 2u
#define STORE_T_DERIVED 4u
#define STORE_T_INSTALL 8u
#define STORE_T_PURGE 16u
#define STORE_T_SUMS 32u
#define STORE_T_MERGED (STORE_T_DIGEST | STORE_T_SNAPSHOT | STORE_T_DERIVED | STORE_T_INSTALL)

#define STORE_TABLES(X)                                                                                  \
    /* node identity, clock, pipeline: small named values */                                             \
    X(TBL_META, "meta", 0)                                                                               \
    /* format 1, read only by the upgrade (entity.h): entity(16) field(1) [element] -> version value; \
     * an install replaces it (a format-1 install cut short is cleared before the upgrade reads it) */  \
    X(TBL_FIELDS, "fields", STORE_T_INSTALL)                                                             \
    /* format 1, read only by the upgrade: entity(16) -> kind(1) */                                      \
    X(TBL_KINDS, "kinds", STORE_T_INSTALL)                                                               \
    /* kind(1) entity(16) -> "" */                                                                       \
    X(TBL_BYKIND, "bykind", STORE_T_DERIVED | STORE_T_INSTALL)                                           \
    /* origin(16) seq(8 BE) -> record bytes as written by the origin */                                  \
    X(TBL_FEED, "feed", STORE_T_INSTALL)                                                                 \
    /* origin(16) seq(8 BE) -> signature(64) of that head */                                             \
    X(TBL_CHECKPTS, "checkpts", STORE_T_INSTALL)                                                         \
    /* origin(16) -> seq(8 BE) hash(32) signature(64) */                                                 \
    X(TBL_HEADS, "heads", STORE_T_INSTALL)                                                               \
    /* type(1) term entity(16) -> "" */                                                                  \
    X(TBL_INDEX, "index", STORE_T_DERIVED | STORE_T_INSTALL)                                             \
    /* entity(16) origin(16) seq(8 BE) -> "" */                                                          \
    X(TBL_HISTORY, "history", STORE_T_DERIVED | STORE_T_INSTALL | STORE_T_PURGE)                         \
    /* format 1, read only by the upgrade: entity(16) field(1) base(24) version(24) -> "" */            \
    X(TBL_SIBLINGS, "siblings", STORE_T_INSTALL)                                                         \
    /* entity(16) field(1) version a(24) version b(24), a < b -> "" */                                   \
    X(TBL_CONFLICTS, "conflicts", STORE_T_MERGED | STORE_T_PURGE)                                        \
    /* entity(16) field(1) version a(24) version b(24) -> resolver version(24) */                        \
    X(TBL_RESOLVED, "resolved", STORE_T_MERGED | STORE_T_PURGE)                                          \
    /* 'N' pk(32) -> signed entry; 'O' origin(16) / 'C' curve pk(32) / 'G' generation(8 BE) -> pk(32) */ \
    X(TBL_ROSTER, "roster", 0)                                                                           \
    /* origin(16) -> why a feed is held back (a fork), see feed/ingest.h */                              \
    X(TBL_QUARANTINE, "quarantine", 0)                                                                   \
    /* peer origin(16) feed origin(16) -code(1) -> the last such refusal (feed/ingest.h) */              \
    X(TBL_REJECTS, "rejects", 0)                                                                         \
    /* peer origin(16) feed origin(16) -> seq(8 BE) the peer said it holds (horizon.h) */                \
    X(TBL_ACKED, "acked", 0)                                                                             \
    /* origin(16) -> seq(8 BE) hash(32) signature(64): the feed is purged up to here */                  \
    X(TBL_BASES, "bases", STORE_T_INSTALL)                                                               \
    /* entity(16) -> kind(1) deleted version(24): a purged tombstone (compact.h) */                      \
    X(TBL_GRAVES, "graves", STORE_T_SNAPSHOT | STORE_T_DERIVED | STORE_T_INSTALL)                        \
    /* metric(1) branch 0 day(4 BE) extra -> int64(8 BE): report counters (kpi.h) */                     \
    X(TBL_KPI, "kpi", STORE_T_DERIVED | STORE_T_INSTALL)                                                 \
    /* user name -> role(1) Argon2id hash: who may sign in to the web pages (users.h) */                 \
    X(TBL_USERS, "users", 0)                                                                             \
    /* OS uid(4 BE) -> login: who a local client of the socket writes as (auth/osmap.h) */              \
    X(TBL_OSUSERS, "osusers", 0)                                                                         \
    /* customer(16) link(1) time(8 BE) entity(16) -> amount(8 BE) currency: kpi.h */                     \
    X(TBL_CUSTLINKS, "custlinks", STORE_T_DERIVED | STORE_T_INSTALL)                                     \
    /* entity(16) -> the entity's row: kind, fields, set elements, siblings (state/entity.h) */          \
    X(TBL_ENTITIES, "entities", STORE_T_MERGED | STORE_T_PURGE)                                          \
    /* seq(8 BE) -> kind(1) time ms(8 BE) and three short texts: the node's access audit (auth/audit.h) */ \
    X(TBL_AUDIT, "audit", 0)                                                                             \
    /* BLAKE2b-256 of an API token(32) -> user, scope, times, last use (auth/tokens.h) */               \
    X(TBL_TOKENS, "tokens", 0)                                                                           \
    /* 'E' bucket(1) entity(16) -> entity digest(32); 'S' bucket(1) -> sum(32) count(8 BE);              \
     * 'V' -> format(1): the state digest kept up to date (state/digest.h) */                            \
    X(TBL_DIGESTS, "digests", STORE_T_SUMS)                                                              \
    /* kind(1) stamp(8 BE) entity(16) -> "": when this node applied each change (state/changes.h) */     \
    X(TBL_CHANGES, "changes", STORE_T_INSTALL)                                                           \
    /* entity(16) -> kind(1) stamp(8 BE): its last one (state/changes.h) */                               \
    X(TBL_CHANGED_AT, "changed_at", STORE_T_INSTALL | STORE_T_PURGE)                                     \
    /* 'H' id(8 BE) -> a webhook; 'S' id(8 BE) -> its delivery figures; 'N' -> next id (hooks/hook_store.h) */ \
    X(TBL_HOOKS, "hooks", 0)                                                                             \
    /* hook id(8 BE) queue seq(8 BE) -> a change waiting to be POSTed (hooks/hook_outbox.h) */          \
    X(TBL_OUTBOX, "outbox", 0)                                                                           \
    /* seq(8 BE) -> one delivery attempt: the webhooks' delivery log, newest kept (hooks/hook_log.h) */ \
    X(TBL_DELIVERIES, "deliveries", 0)

typedef enum {
#define STORE_TABLE_ENUM(id, name, flags) id,
    STORE_TABLES(STORE_TABLE_ENUM)
#undef STORE_TABLE_ENUM
    TBL_COUNT
} store_table_t;

typedef struct store store_t;
typedef struct store_txn store_txn_t;
typedef struct store_iter store_iter_t;

typedef struct {
    const void *data; /* borrowed from the map: valid until the transaction ends */
    size_t len;
} store_val_t;

#define STORE_RDONLY 1u   /* open for reading only (tools on a live node) */
#define STORE_NOSYNC 2u   /* tests and bulk loads only: commits are not durable */

/* Opens or creates the store in directory dir (which must exist). Read only, a store that
 * lacks a table of the catalogue (made by an older version, not yet started by this one)
 * is ACCORD_EVERSION. */
int store_open(const char *dir, unsigned flags, store_t **out);
void store_close(store_t **st);

/* Whether t is a write transaction. */
bool store_txn_writable(const store_txn_t *t);
/* write=false begins a read-only snapshot. There are no nested transactions (the writable
 * map has none): a caller checks everything before it writes, and a store error aborts the
 * whole transaction. */
int store_txn_begin(store_t *st, bool write, store_txn_t **out);
/* Commits and frees the txn, even on error; durable on disk before it returns 0. */
int store_txn_commit(store_txn_t **txn);
void store_txn_abort(store_txn_t **txn);

int store_get(store_txn_t *t, store_table_t tbl, const void *k, size_t klen, store_val_t *v);
int store_put(store_txn_t *t, store_table_t tbl, const void *k, size_t klen, const void *v,
              size_t vlen);
/* Deleting a missing key is not an error. */
int store_del(store_txn_t *t, store_table_t tbl, const void *k, size_t klen);
/* Removes every key of every table: tests replay into a clean store with it. */
int store_clear_all(store_txn_t *t);
/* Deletes every key of tbl that starts with prefix, adding how many to *n (n may be NULL). */
int store_del_prefix(store_txn_t *t, store_table_t tbl, const void *prefix, size_t plen, uint64_t *n);
/* Removes every key of one table (a rebuild of derived state starts with it). */
int store_clear_table(store_txn_t *t, store_table_t tbl);
const char *store_table_name(store_table_t tbl);
/* The catalogue's flags of tbl (STORE_T_*). */
unsigned store_table_flags(store_table_t tbl);
/* The tables that have every flag in flags, in catalogue order, into out; returns how many. */
unsigned store_tables_with(unsigned flags, store_table_t out[TBL_COUNT]);

/* Iterates the keys that start with prefix (at most 64 bytes) in key order; reverse=true
 * walks backwards from the last such key. The iterator dies with its transaction. */
int store_iter_new(store_txn_t *t, store_table_t tbl, const void *prefix, size_t plen,
                   bool reverse, store_iter_t **out);
/* A forward iterator starts at the first key >= start (which begins with the prefix)
 * instead of the prefix's first key. Call before the first store_iter_next. */
int store_iter_seek(store_iter_t *it, const void *start, size_t slen);
/* Starts the iterator again over the keys that start with another prefix, in the same
 * direction, without a new cursor: one walk after another over many entities. */
int store_iter_reset(store_iter_t *it, const void *prefix, size_t plen);
/* 1 and the pair, 0 at the end, or a negative error. */
int store_iter_next(store_iter_t *it, store_val_t *key, store_val_t *val);
void store_iter_destroy(store_iter_t **it);

/* Writes a consistent, compacted copy of the store into dir (existing, empty) while
 * others may keep writing: LMDB copies one read snapshot. */
int store_backup(store_t *st, const char *dir);

/* Bytes on LMDB's free list: pages that deletes gave back, which the store reuses before
 * it grows the file (the file itself never shrinks; a backup is a compact copy). */
int store_free_bytes(store_t *st, uint64_t *bytes);

/* Bytes of the map in use and its size limit, for status and benchmarks. */
void store_usage(store_t *st, uint64_t *used, uint64_t *limit);
const char *store_dir(const store_t *st);
/* The store a transaction belongs to. */
store_t *store_txn_store(store_txn_t *t);

/* The report time zone the state layer keeps with this store for as long as it is open
 * (state/kpi.h sets it; the store only holds it): replacing it, and store_close, free the
 * old one with its free_fn. Set it before other threads read through the store. NULL: UTC. */
void store_set_zone(store_t *st, void *zone, void (*free_fn)(void *zone));
void *store_zone(const store_t *st);

/* The webhooks' cache of the hooks table (hooks/hook_outbox.h sets it; the store only holds
 * it, as it holds the zone): replacing it, and store_close, free the old one with free_fn.
 * Only the writer thread uses it. */
void store_set_hook_cache(store_t *st, void *cache, void (*free_fn)(void *cache));
void *store_hook_cache(const store_t *st);

/* The digest hook: the state layer's pre-commit step that keeps the state digest
 * (state/digest.h sets it; the store includes no state/ header). store_txn_commit of
 * a write transaction that put or deleted keys of a STORE_T_DIGEST table
 * (store_put, store_del, store_del_prefix) calls fn once, before it commits, with the
 * entities touched, sorted and each once; all is true instead (entities NULL, n 0) when
 * such a table was cleared (store_clear_table, store_clear_all) or a key shorter than an
 * entity id written, and then any entity may have changed. What fn writes is part
 * of the commit (no STORE_T_DIGEST table: entities is the store's list, borrowed for the
 * call); an error from it aborts the transaction, and the commit returns it. With
 * no hook set, the commit empties the STORE_T_SUMS tables instead, so nothing kept there
 * outlives the state it was kept from. Set it before other threads write. */
typedef int (*store_digest_hook_fn)(store_txn_t *t, const uint8_t (*entities)[16], size_t n, bool all);
void store_set_digest_hook(store_t *st, store_digest_hook_fn fn);

/* A buffer of at least size bytes that the store keeps for its single writer, for the
 * state layer's per-record scratch (merge.c: the terms before a record, 37 KiB, which cost
 * 8% of catch-up on the stack, measured with make bench's catch-up). t must be a write
 * transaction; the buffer stays valid until the next call or store_close. It is zeroed
 * when the store allocates it, and release (may be NULL) is called with it before the
 * store frees it (a later call asking for more, or store_close), so the buffer may own
 * memory of its own. Aborts if out of memory. Not reentrant: one user at a time. */
void *store_writer_scratch(store_txn_t *t, size_t size, void (*release)(void *buf));

#endif
