/* SPDX-License-Identifier: MIT
 * pgrow: the PostgreSQL copy's tables (accordctl pg-sync, docs/POSTGRES.md) and the pure
 * encoding of what goes into them: an entity's stored row (state/entity.h) as one line of
 * COPY text for its kind's table, a feed record (proto/record.h) as one line of the changes
 * table. The columns come from the schema's field table (proto/schema.c), nothing is listed
 * twice: each field a typed column (money numeric with its currency and its exact minor
 * units, days date, instants timestamptz, sets text[], references uuid).
 * Inputs are stored bytes and may be damaged: whatever they hold, the output is COPY text
 * PostgreSQL takes (valid UTF-8 without NUL, escaped; a value that is not of its column's
 * type is NULL), so one bad row can never stop the copy. No I/O, no globals. */
#ifndef ACCORD_PGROW_H
#define ACCORD_PGROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/record.h"

/* The layout's version, kept in the database (table meta): a database of another version
 * is refused. Bump it with every change to what pgrow_ddl makes. */
#define PGROW_FORMAT 1
#define PGROW_SCHEMA "accord" /* the PostgreSQL schema that holds every table */

/* A growing byte buffer (aborts if out of memory). Zero it to start; pgrow_buf_free. */
typedef struct {
    char *data;
    size_t len, cap;
} pgrow_buf_t;

void pgrow_buf_free(pgrow_buf_t *b);
void pgrow_buf_add(pgrow_buf_t *b, const void *p, size_t n);
void pgrow_buf_str(pgrow_buf_t *b, const char *s);

/* The table of a kind the copy holds ("customers"), or NULL for one it leaves out (users:
 * their password hashes; import runs; kinds this version does not know). */
const char *pgrow_table(unsigned kind);

/* Appends the DDL that makes every table if missing (CREATE SCHEMA/TABLE IF NOT EXISTS:
 * one statement after another, for PQexec): one table per copied kind, changes, position,
 * status, meta. The meta row format is not written here (pg-sync writes it). */
void pgrow_ddl(pgrow_buf_t *b);
/* Appends the column list of kind's table, quoted and comma-separated, in the order
 * pgrow_entity_line writes them: for COPY ... (columns) and INSERT ... SELECT. */
void pgrow_columns(unsigned kind, pgrow_buf_t *b);
/* Appends "col = EXCLUDED.col, ..." for every column but id (an upsert's SET list). */
void pgrow_update_set(unsigned kind, pgrow_buf_t *b);

/* pgrow_entity_line's results besides errors */
#define PGROW_ROW 1  /* a line was appended */
#define PGROW_GONE 0 /* the entity is deleted: nothing appended; its row goes from the table */

/* Appends to out the COPY text line (columns as pgrow_columns, ending "\n") of entity id
 * whose stored row (TBL_ENTITIES' value) is row/len. doc_currency is the currency of a
 * line's document (a line has none of its own; NULL if unknown), ignored for other kinds.
 * Returns PGROW_ROW, PGROW_GONE, or ACCORD_ESTORE for a row that does not open or walk
 * (out is then as it was) or ACCORD_EINVAL for a kind pgrow_table has no table for. */
int pgrow_entity_line(const uint8_t id[ID_LEN], const void *row, size_t len, const char *doc_currency,
                      pgrow_buf_t *out);

/* What a record did, for the changes table's op column: "create" (it sets created),
 * "delete" (it sets deleted), "resolve" (only resolves conflicts) or "update". */
const char *pgrow_record_op(const record_t *rec);

/* Appends the changes table's COPY line of a decoded record: origin, seq, entity, kind,
 * author, at (its HLC time), op, fields (jsonb: a field only SET is "name": value; one
 * with set ops is "name": {"set": v, "add": [...], "remove": [...], "resolved": n};
 * password hashes are "(set)", never the hash). */
void pgrow_change_line(const record_t *rec, pgrow_buf_t *out);

/* The pieces, exposed for the tests. */
/* COPY text of s: backslash, tab, newline and CR escaped, NUL dropped, each byte of
 * invalid UTF-8 made U+FFFD. */
void pgrow_copy_text(pgrow_buf_t *b, const char *s, size_t len);
/* v / 10^decimals as an exact decimal ("-12.05"); decimals 0-18. */
void pgrow_numeric(pgrow_buf_t *b, int64_t v, int decimals);
/* Unix ms as a timestamptz literal "2026-12-01 10:00:00.123+00"; false (nothing appended)
 * past year 9999. */
bool pgrow_timestamp_ms(pgrow_buf_t *b, uint64_t ms);
/* A stored YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or HH:MM checked strictly (a real day of years
 * 1-9999, a real time): true and appended, or false and nothing appended. */
bool pgrow_date(pgrow_buf_t *b, const char *s, size_t len);
bool pgrow_datetime(pgrow_buf_t *b, const char *s, size_t len);
bool pgrow_time(pgrow_buf_t *b, const char *s, size_t len);

#endif
