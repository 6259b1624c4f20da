/* SPDX-License-Identifier: MIT
 * pgsync_pg: accordctl pg-sync's PostgreSQL side (pgsync.h): the session and its cancel on a
 * stop, statements and their failures (an outage or a refusal), COPY in chunks, the tables
 * made or their layout checked, the position read back. */
#define _POSIX_C_SOURCE 200809L
#include "tools/pgsync.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/datadir.h"
#include "proto/hlc.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "state/entity.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t pgs_stop_asked;
/* The open session's cancel handle: a stop also cancels the statement in progress (one
 * waiting for a reader's lock would otherwise hold the stop back for as long). PQcancel is
 * safe in a signal handler. */
static PGcancel *volatile session_cancel;

void pgs_on_stop(int sig)
{
    (void)sig;
    pgs_stop_asked = 1;
    PGcancel *c = session_cancel;
    char err[256];
    if (c) PQcancel(c, err, sizeof err);
}

void pgs_close(PGconn **pg)
{
    PGcancel *c = session_cancel;
    session_cancel = NULL;
    PQfreeCancel(c);
    PQfinish(*pg);
    *pg = NULL;
}

double pgs_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps ms, waking early when a stop is asked. */
void pgs_nap_ms(long ms)
{
    while (ms > 0 && !pgs_stop_asked) {
        long step = ms < 100 ? ms : 100;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

void pgs_hex(const uint8_t *b, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) out[2 * i] = hx[b[i] >> 4], out[2 * i + 1] = hx[b[i] & 15];
    out[2 * n] = 0;
}

/* ---- PostgreSQL ---- */

/* An error of the server or the connection worth waiting out: the connection lost,
 * the server shutting down or starting, out of disk or memory, a serialization failure. */
static bool transient(PGconn *pg, const PGresult *res)
{
    if (PQstatus(pg) == CONNECTION_BAD) return true;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!state) return true; /* no server answer at all: the connection */
    return !strncmp(state, "08", 2) || !strncmp(state, "57P", 3) || !strncmp(state, "53", 2) ||
           !strcmp(state, "40001") || !strcmp(state, "40P01");
}

int pgs_failed(sync_t *s, PGresult *res, const char *what)
{
    if (pgs_stop_asked) { /* the statement was cancelled by the stop (or failed as it came) */
        PQclear(res);
        return SYNC_STOPPED;
    }
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg[0]) msg = PQerrorMessage(s->pg);
    bool lost = transient(s->pg, res);
    fprintf(stderr, "accordctl: pg-sync: %s: %s%s", what, msg[0] ? msg : "no answer\n",
            lost ? "" : "accordctl: pg-sync: stopped (this is no outage to wait out)\n");
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && !strcmp(state, "42501")) /* insufficient_privilege */
        fprintf(stderr, "accordctl: pg-sync: the DSN's user makes schema " PGROW_SCHEMA " and owns its tables: as the "
                        "database's owner, GRANT CREATE ON DATABASE %s TO %s (once; or use a user that owns them)\n",
                PQdb(s->pg), PQuser(s->pg));
    PQclear(res);
    return lost ? SYNC_LOST : SYNC_FATAL;
}

/* Runs sql (one or more statements without results); 0 or SYNC_LOST / SYNC_FATAL. */
int pgs_exec(sync_t *s, const char *sql, const char *what)
{
    PGresult *res = PQexec(s->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return pgs_failed(s, res, what);
    PQclear(res);
    return 0;
}

/* The one value of a query (NULL if no row), copied into out. 0 or SYNC_LOST / SYNC_FATAL. */
static int pg_value(sync_t *s, const char *sql, char *out, size_t cap, bool *found, const char *what)
{
    PGresult *res = PQexec(s->pg, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) return pgs_failed(s, res, what);
    *found = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0);
    if (*found) snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

void pgs_rollback(sync_t *s)
{
    if (PQstatus(s->pg) != CONNECTION_OK) return;
    PQclear(PQexec(s->pg, "ROLLBACK"));
}

int pgs_copy_begin(sync_t *s, const char *table, unsigned kind)
{
    s->sql.len = 0;
    pgrow_buf_str(&s->sql, "COPY ");
    pgrow_buf_str(&s->sql, table);
    if (kind) {
        pgrow_buf_str(&s->sql, " (");
        pgrow_columns(kind, &s->sql);
        pgrow_buf_str(&s->sql, ")");
    }
    pgrow_buf_str(&s->sql, " FROM STDIN");
    pgrow_buf_add(&s->sql, "", 1);
    PGresult *res = PQexec(s->pg, s->sql.data);
    if (PQresultStatus(res) != PGRES_COPY_IN) return pgs_failed(s, res, "cannot start a COPY");
    PQclear(res);
    s->buf.len = 0;
    return 0;
}

/* Hands what buf holds to the COPY once it is a chunk (always when force). */
int pgs_copy_flush(sync_t *s, bool force)
{
    if (!s->buf.len || (!force && s->buf.len < COPY_CHUNK)) return 0;
    if (PQputCopyData(s->pg, s->buf.data, (int)s->buf.len) != 1) return pgs_failed(s, NULL, "COPY interrupted");
    s->buf.len = 0;
    return 0;
}

int pgs_copy_end(sync_t *s, const char *what)
{
    int rc = pgs_copy_flush(s, true);
    if (rc) return rc;
    if (PQputCopyEnd(s->pg, NULL) != 1) return pgs_failed(s, NULL, what);
    PGresult *res = PQgetResult(s->pg);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pgs_failed(s, res, what);
        while ((res = PQgetResult(s->pg))) PQclear(res);
        return rc;
    }
    PQclear(res);
    while ((res = PQgetResult(s->pg))) PQclear(res);
    return 0;
}

/* The layout's name in table meta: the format and a digest of the DDL, so a database made
 * by a version with other columns is told apart even if the format was not bumped. */
static void layout_name(char out[64])
{
    pgrow_buf_t ddl = {0};
    pgrow_ddl(&ddl);
    uint8_t h[8];
    crypto_generichash(h, sizeof h, (const uint8_t *)ddl.data, ddl.len, NULL, 0);
    char hex[17];
    pgs_hex(h, sizeof h, hex);
    snprintf(out, 64, "%d %s", PGROW_FORMAT, hex);
    pgrow_buf_free(&ddl);
}

/* Whether origin (hex, from the database) was this node's own before an accordctl epoch
 * new: the data directory keeps each old key as node.key.ORIGIN (auth/identity.h). */
static bool earlier_origin(const char *dir, const char *origin)
{
    if (strlen(origin) != 2 * ID_LEN || strspn(origin, "0123456789abcdef") != 2 * ID_LEN) return false;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.%s", dir, datadir_file_name(DATADIR_KEY), origin);
    return access(path, F_OK) == 0;
}

/* Makes the tables in a database that has none, or checks that those it has are of this
 * version and of this hub (or of this node under an earlier key: then they are its now). */
static int setup_tables(sync_t *s)
{
    char layout[64], have[256], origin[2 * ID_LEN + 1];
    bool found;
    layout_name(layout);
    pgs_hex(s->id->origin, ID_LEN, origin);
    int rc = pg_value(s, "SELECT to_regclass('" PGROW_SCHEMA ".meta')::text", have, sizeof have, &found,
                      "cannot read the database's tables");
    if (rc) return rc;
    if (!found) {
        pgrow_buf_t ddl = {0};
        pgrow_buf_str(&ddl, "BEGIN;\n");
        pgrow_ddl(&ddl);
        char meta[256];
        snprintf(meta, sizeof meta, "INSERT INTO " PGROW_SCHEMA ".meta VALUES ('layout', '%s'), ('hub', '%s');\nCOMMIT;",
                 layout, origin);
        pgrow_buf_str(&ddl, meta);
        pgrow_buf_add(&ddl, "", 1);
        rc = pgs_exec(s, ddl.data, "cannot make the tables");
        pgrow_buf_free(&ddl);
        if (rc) return rc;
        fprintf(stderr, "pg-sync: made the tables in schema " PGROW_SCHEMA " (layout %s)\n", layout);
    }
    if ((rc = pg_value(s, "SELECT value FROM " PGROW_SCHEMA ".meta WHERE key = 'layout'", have, sizeof have, &found,
                       "cannot read table meta")))
        return rc;
    if (!found || strcmp(have, layout)) {
        fprintf(stderr, "accordctl: pg-sync: the database's " PGROW_SCHEMA " tables are of layout %s, this accordctl "
                        "writes layout %s: copy again into a new database, or drop them (DROP SCHEMA " PGROW_SCHEMA
                        " CASCADE) and run pg-sync again for a full copy\n", found ? have : "(none)", layout);
        return SYNC_FATAL;
    }
    if ((rc = pg_value(s, "SELECT value FROM " PGROW_SCHEMA ".meta WHERE key = 'hub'", have, sizeof have, &found,
                       "cannot read table meta")))
        return rc;
    if (found && strcmp(have, origin) && earlier_origin(s->dir, have)) {
        char sql[200];
        snprintf(sql, sizeof sql, "UPDATE " PGROW_SCHEMA ".meta SET value = '%s' WHERE key = 'hub'", origin);
        if ((rc = pgs_exec(s, sql, "cannot write table meta"))) return rc;
        fprintf(stderr, "pg-sync: %s took a new key (accordctl epoch new): origin %s, was %s; the copy goes on\n",
                s->id->name, origin, have);
        snprintf(have, sizeof have, "%s", origin);
    }
    if (!found || strcmp(have, origin)) {
        fprintf(stderr, "accordctl: pg-sync: the database holds the copy of another node (origin %s), not of %s "
                        "(origin %s): give each hub a database of its own\n", found ? have : "(none)", s->id->name, origin);
        return SYNC_FATAL;
    }
    return 0;
}

/* Staging tables for the upserts: one per copied kind, for this session only. */
static int setup_staging(sync_t *s)
{
    pgrow_buf_t sql = {0};
    for (unsigned k = 0; k < KIND_COUNT; k++) {
        const char *table = pgrow_table(k);
        if (!table) continue;
        char line[200];
        snprintf(line, sizeof line, "CREATE TEMP TABLE IF NOT EXISTS stage_%s (LIKE " PGROW_SCHEMA ".%s) "
                                    "ON COMMIT DELETE ROWS;\n", table, table);
        pgrow_buf_str(&sql, line);
    }
    pgrow_buf_add(&sql, "", 1);
    int rc = pgs_exec(s, sql.data, "cannot make the staging tables");
    pgrow_buf_free(&sql);
    return rc;
}

int pgs_read_position(sync_t *s)
{
    PGresult *res = PQexec(s->pg, "SELECT replace(origin::text, '-', ''), seq, "
                                  "coalesce((extract(epoch FROM at) * 1000)::bigint, 0) FROM " PGROW_SCHEMA ".position");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) return pgs_failed(s, res, "cannot read the position");
    unsigned n = (unsigned)PQntuples(res);
    if (n > s->cap_pos) {
        s->pos = realloc(s->pos, n * sizeof *s->pos);
        if (!s->pos) abort();
        s->cap_pos = n;
    }
    s->n_pos = 0;
    for (unsigned i = 0; i < n; i++) {
        feed_pos_t *p = &s->pos[s->n_pos];
        size_t bin_len;
        if (sodium_hex2bin(p->origin, ID_LEN, PQgetvalue(res, (int)i, 0), 2 * ID_LEN, NULL, &bin_len, NULL) ||
            bin_len != ID_LEN)
            continue;
        p->seq = strtoull(PQgetvalue(res, (int)i, 1), NULL, 10);
        p->at_ms = strtoull(PQgetvalue(res, (int)i, 2), NULL, 10);
        s->n_pos++;
    }
    PQclear(res);
    s->positioned = s->n_pos > 0;
    if (!s->positioned) { /* a full copy of a hub with no records yet leaves no position rows */
        char v[8];
        bool found;
        int rc = pg_value(s, "SELECT 'yes' FROM " PGROW_SCHEMA ".status", v, sizeof v, &found, "cannot read the status");
        if (rc) return rc;
        s->positioned = found;
    }
    return 0;
}

/* Connects and sets up; 0, SYNC_LOST (wait and try again), SYNC_BUSY, SYNC_STOPPED (a stop
 * cancelled it) or SYNC_FATAL. */
int pgs_connect(sync_t *s)
{
    pgs_close(&s->pg);
    /* the DSN whole (expand_dbname), and a name to find the session by in pg_stat_activity */
    const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *const vals[] = {s->dsn, "accordctl pg-sync", NULL};
    s->pg = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(s->pg) != CONNECTION_OK) {
        fprintf(stderr, "accordctl: pg-sync: cannot connect to PostgreSQL: %s", PQerrorMessage(s->pg));
        return SYNC_LOST;
    }
    session_cancel = PQgetCancel(s->pg);
    PQclear(PQexec(s->pg, "SET client_min_messages = warning"));
    char got[8];
    bool found;
    int rc = pg_value(s, "SELECT pg_try_advisory_lock(" LOCK_KEY ")::text", got, sizeof got, &found,
                      "cannot take pg-sync's lock");
    if (rc) return rc;
    if (!found || strcmp(got, "true")) {
        fprintf(stderr, "accordctl: pg-sync: another accordctl pg-sync is writing into this database (it holds the "
                        "advisory lock " LOCK_KEY ")\n");
        return SYNC_BUSY;
    }
    /* a statement_timeout or lock_timeout the database sets for its BI users would cut a
     * full copy, or a batch waiting for a reader's lock, every time it is tried again */
    if ((rc = pgs_exec(s, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET statement_timeout = 0; "
                         "SET lock_timeout = 0", "cannot set the session")) ||
        (rc = setup_tables(s)) || (rc = setup_staging(s)) || (rc = pgs_read_position(s)))
        return rc;
    return 0;
}

