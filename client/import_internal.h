/* SPDX-License-Identifier: MIT
 * import_internal: what the modules of `accord import` share: one run's state (import_t)
 * and the functions one module calls in another. import.c reads and sends the rows,
 * import_errors.c writes --errors-out, transcode.c converts a UTF-16 file. */
#ifndef ACCORD_IMPORT_INTERNAL_H
#define ACCORD_IMPORT_INTERNAL_H

#include "import.h"
#include "accord_client.h"
#include "exit_codes.h"
#include "proto/schema.h"

#include <stdbool.h>
#include <stdio.h>

#define MAX_COLUMNS 256
#define MAX_CELL 8000            /* bytes of one cell (the API's string limit, less separators) */
#define MAX_FILE (1024L << 20)   /* 1 GiB */
#define BATCH_BYTES (240u << 10) /* of row text per request (the API takes 256 KiB) */
#define MAX_BAD 100000
#define MAX_BATCH_ROWS 4096       /* the node's limit per request */
#define ITEM_BYTES 8000           /* of one list item (the API takes 8 KiB strings) */
#define READ_BYTES (1u << 16)     /* of the file per fread */
/* A record longer than this has a cell over MAX_CELL or more than MAX_COLUMNS cells, so the
 * file check calls it malformed (most often: a quote that is never closed). */
#define MAX_RECORD ((size_t)MAX_COLUMNS * (MAX_CELL + 3))

/* The columns --errors-out adds in front of the file's own; import ignores them, so the
 * errors file, once fixed, imports as it is. */
extern const char *const import_error_columns[3];

typedef struct {
    unsigned row;
    unsigned seq;                /* the order faults were found in, to sort by row stably */
    char column[80];
    char reason[300];
} bad_t;

typedef enum {
    PASS_IMPORT,                 /* the rows are checked and sent */
    PASS_ERRORS,                 /* the bad rows are copied to --errors-out */
} pass_t;

/* One run of an import (import.h): import_new allocates it, import_destroy frees it. */
struct import {
    /* options */
    const char *path, *map, *map_file, *mode, *errors_out; /* path: the file's name, for messages */
    const char *const *columns;  /* a field per column (import_options_t), or NULL */
    unsigned n_columns;
    FILE *errors_file;           /* the bad rows go here, when the caller gave a file */
    const atomic_bool *cancel;   /* import_options_t.cancel */
    const char *delim_arg;       /* --delimiter as given; NULL: detect it */
    const char *match[4];        /* point into match_copy */
    unsigned n_match;
    char match_copy[128];        /* --match, split in place */
    bool dry_run, preview, echo;
    bool node_checked;           /* --dry-run: the node answered for the rows (matches included) */
    char delim;
    const import_env_t *env;
    /* the file */
    FILE *in;                    /* the file, or its UTF-8 conversion (a temporary file) */
    long skip;                   /* bytes of BOM at its start */
    bool had_bom, converted;     /* converted: from UTF-16, so positions are in the conversion */
    const char *encoding;        /* what the file was: "UTF-8", "UTF-8 with BOM", "UTF-16LE"... */
    pass_t pass;
    FILE *errors;                /* PASS_ERRORS: the --errors-out file */
    unsigned next_bad;           /* PASS_ERRORS: the first bad row not yet written */
    /* the record being parsed */
    char *cells[MAX_COLUMNS];
    size_t cell_len[MAX_COLUMNS];
    bool too_long[MAX_COLUMNS];  /* the cell is longer than MAX_CELL (and kept empty) */
    unsigned n_cells;
    unsigned record;             /* 1 = the header */
    /* columns */
    char *headers[MAX_COLUMNS];
    unsigned n_headers;
    const field_def_t *field_of[MAX_COLUMNS]; /* NULL: ignored */
    const char *send_fields[32];
    unsigned send_col[32], n_send;
    /* batch: rows packed into list items of up to ITEM_BYTES, joined by 0x1d */
    char *items[128];
    size_t item_len[128];
    unsigned n_items, max_items;
    unsigned row_number[MAX_BATCH_ROWS], n_rows;
    size_t batch_bytes;
    accord_client_t *client;
    /* results */
    unsigned long rows_read, created, updated;
    bad_t *bad;
    unsigned n_bad, bad_cap;
    accord_exit_t fatal;         /* an exit code that stops the import; 0: none */
    bool stop;                   /* a preview has its rows: read no more */
    bool read_rows;              /* the file and mapping passed: the rows were read */
    bool finished;               /* the read ended and the last batch was sent (or not) */
    char error[1200];            /* the message of what stopped the run; "" */
    /* preview: the first rows, as the file has them */
    char *preview_cells[IMPORT_PREVIEW_ROWS][MAX_COLUMNS];
    unsigned preview_len[IMPORT_PREVIEW_ROWS], n_preview;
    long file_size, consumed;
    bool tty, vcard;
    /* scratch */
    char row_text[8192];         /* take_row: the row being packed */
    char cell_text[ITEM_BYTES + 1]; /* take_row: one cell, normalised */
    char buf[READ_BYTES + 1];    /* the file, one read at a time; zeroed and one byte
                                  * longer than a read, so the first read ends in a 0 */
};

/* The CSV columns a vCard file's rows are read as (and its errors file holds). */
extern const char *const import_vcard_columns[7];

/* A message for the person: on stderr as it comes when echo (the CLI), "accord import: "
 * first. import_fail keeps the first one that stops the run as import_error and returns
 * code. */
void import_say(import_t *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
accord_exit_t import_fail(import_t *im, accord_exit_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Keeps a fault of row (column "-" for the row as a whole), for the report and --errors-out. */
void import_add_bad(import_t *im, unsigned row, const char *column, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* True for a column --errors-out added ("error row", ...), which import ignores. */
bool import_is_error_column(const char *header);
/* Reads im->in from after its BOM to its end, a record at a time (PASS_IMPORT: the rows are
 * taken; PASS_ERRORS: import_error_record). Returns 0 or libcsv's error. */
int import_parse_csv(import_t *im);

/* ---- import_errors.c ---- */
/* PASS_ERRORS, one CSV record: the header with the error columns in front, or a bad row. */
void import_error_record(import_t *im);
/* Writes --errors-out, rereading the file: its header and each bad row, the error columns
 * in front; for a vCard file the bad cards as CSV rows. Does nothing without --errors-out
 * or an errors_file. */
void import_write_errors(import_t *im);

#endif
