/* SPDX-License-Identifier: MIT
 * accord import customers FILE.csv: the whole file checked first (filecheck.h: a
 * malformed file is refused before a row is sent), then the rows checked here and sent to
 * the node in batches, where each row is a create or an update exactly as those verbs do
 * it. --dry-run checks here and, when a node runs, asks it (the import verb's dry_run),
 * so that the rows it would refuse are named too.
 *
 * One implementation, two front ends: the CLI (import_main) and the branch app's web
 * server (server/http/http_import.c) both run an import_t over an open file and read the
 * outcome as data (import_write_json, import_error); only the CLI prints as it goes. */
#ifndef ACCORD_IMPORT_H
#define ACCORD_IMPORT_H

#include "exit_codes.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#define IMPORT_PREVIEW_ROWS 10 /* rows a preview reads after the header */

typedef struct {
    const char *data, *user;     /* the node (data directory or endpoint); the author of the rows */
    bool json;                   /* the CLI: the summary as JSON */
    int timeout_ms;
    bool user_is_default;        /* user is $USER, not chosen: sent as user_default (cli.h) */
} import_env_t;

/* One run, as the CLI's options say it. Strings are borrowed until import_destroy. */
typedef struct {
    const char *name;            /* the file as the person knows it: messages say it, and the
                                  * run's record keeps its last part */
    const char *map;             /* "field=Header,..." (--map); NULL with no columns: the
                                  * columns named like fields */
    const char *map_file;        /* --map-file: the same, a pair per line */
    const char *const *columns;  /* or a field per column, in the file's order ("" or NULL:
                                  * ignored): what a preview's mapping becomes once chosen */
    unsigned n_columns;
    const char *mode;            /* create (NULL), update, upsert */
    const char *match;           /* "phone,email", ..., "none"; NULL: the mode's default */
    const char *delimiter;       /* ",", ";", "tab"; NULL: detected */
    bool dry_run;                /* check every row, change nothing */
    bool preview;                /* check the file, read its header and the first
                                  * IMPORT_PREVIEW_ROWS rows; nothing is sent */
    bool echo;                   /* the CLI: each message on stderr as it comes, progress on a terminal */
    const char *errors_path;     /* --errors-out: the bad rows as CSV, written there */
    FILE *errors_file;           /* or into this open file (not closed) */
    const atomic_bool *cancel;   /* when set (by another thread), the run stops before its next
                                  * batch; the rows sent stay. NULL: never */
} import_options_t;

typedef struct import import_t;

/* A run of the import described by o (checked: mode, match, delimiter); NULL with the
 * reason in why (cap bytes) when an option is wrong. */
import_t *import_new(const import_env_t *env, const import_options_t *o, char *why, size_t cap);
/* Reads f (seekable, from its start; not closed) as a CSV or vCard file, whichever its first
 * bytes say, checks all of it, then checks the rows and sends them in batches (or, with
 * preview, keeps the first rows). Returns the exit code the CLI would: 0 every row imported,
 * REFUSED bad rows or a malformed file, USAGE a wrong mapping, UNREACHABLE no node. */
accord_exit_t import_run(import_t *im, FILE *f);
/* The message that stopped the run ("" when none stopped it); valid until import_destroy.
 * A malformed file's says where: "NAME: line L, byte B: WHY". */
const char *import_error(const import_t *im);
/* True when the run read rows (so a summary says what happened to them), false when it
 * stopped before (the file or the mapping was refused: nothing was sent). */
bool import_read_rows(const import_t *im);
/* Faults found in the rows (several may be of one row); 0 after a preview. */
unsigned import_faults(const import_t *im);
/* The summary of the run as `accord --json import` prints it: {file, dry_run, rows,
 * created, updated, bad: [{row, column, reason}]}. With open the object is left open (no
 * closing brace), for the caller's own members. */
void import_write_json(const import_t *im, FILE *out, bool open);
/* After a preview: {file, format (csv/vcard), delimiter, encoding, header, rows (the first
 * IMPORT_PREVIEW_ROWS), mapping (a field or null per column), fields (what a column may
 * feed)}, left open as above. */
void import_write_preview_json(const import_t *im, FILE *out, bool open);
void import_destroy(import_t **im);

/* argv[0] is "import". Returns the process exit code (accord's). */
int import_main(int argc, char **argv, const import_env_t *env);
void import_help(FILE *f);

#endif
