/* SPDX-License-Identifier: MIT
 * pgsync: what the two files of accordctl pg-sync share (docs/POSTGRES.md): the copy's state,
 * and the PostgreSQL side (pgsync_pg.c: the session, its statements and COPY, the tables
 * made or checked, the position read back, the stop signal); ctl_pgsync.c reads the store and
 * makes the transactions. */
#ifndef ACCORD_TOOLS_PGSYNC_H
#define ACCORD_TOOLS_PGSYNC_H

#include "auth/identity.h"
#include "ops/pgrow.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define DEFAULT_BATCH 20000       /* records a steady transaction covers at most */
#define MAX_BATCH 1000000
#define DEFAULT_INTERVAL_MS 1000  /* the poll when caught up */
#define BACKOFF_MAX_S 30
#define COPY_CHUNK (1u << 20)     /* bytes handed to PQputCopyData at once */
#define IDLE_STATUS_MS 10000      /* how often the status row is refreshed when nothing changes */
#define LOCK_KEY "7300451123"     /* pg_try_advisory_lock's key: one pg-sync per database */

/* How a step ended, besides 0. SYNC_BUSY: another pg-sync holds the database (waited out
 * like an outage by a continuous run; --once gives up). */
enum { SYNC_LOST = 1, SYNC_FATAL = 2, SYNC_STOPPED = 3, SYNC_BUSY = 4 };

typedef struct {
    uint8_t origin[ID_LEN];
    uint64_t seq;   /* the last seq the copy covers */
    uint64_t at_ms; /* that record's time (0: unknown) */
} feed_pos_t;

typedef struct {
    uint8_t origin[ID_LEN];
    uint64_t head, base; /* the store's head of the feed, and where compaction cut it */
    uint64_t head_ms;    /* the head record's time, 0 if unknown */
} feed_head_t;

typedef struct {
    uint8_t id[ID_LEN];
    uint8_t kind;
} touched_t;

typedef struct {
    PGconn *pg;
    store_t *st;
    const identity_t *id;
    const char *dir; /* the data directory */
    const char *dsn;
    unsigned batch;
    bool json;
    feed_pos_t *pos;
    unsigned n_pos, cap_pos;
    bool positioned;      /* the database holds a position (a full copy was made) */
    pgrow_buf_t buf;      /* COPY data being gathered */
    pgrow_buf_t sql;      /* a statement being built */
    uint64_t behind;      /* records the store holds past the position, after the last step */
    double behind_s;
    double last_status_s; /* when the status row was last written */
    bool copied_once;     /* the first step is done (a full copy of no records copies none) */
} sync_t;

/* Set by SIGTERM and SIGINT: stop between transactions (pgsync_pg.c cancels a statement). */
extern volatile sig_atomic_t pgs_stop_asked;
void pgs_on_stop(int sig);
void pgs_close(PGconn **pg);
double pgs_now_s(void);
void pgs_nap_ms(long ms);
void pgs_hex(const uint8_t *b, size_t n, char *out);
int pgs_failed(sync_t *s, PGresult *res, const char *what);
int pgs_exec(sync_t *s, const char *sql, const char *what);
void pgs_rollback(sync_t *s);
int pgs_copy_begin(sync_t *s, const char *table, unsigned kind);
int pgs_copy_flush(sync_t *s, bool force);
int pgs_copy_end(sync_t *s, const char *what);
int pgs_read_position(sync_t *s);
int pgs_connect(sync_t *s);

#endif
