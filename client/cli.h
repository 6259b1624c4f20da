/* SPDX-License-Identifier: MIT
 * cli: what the verbs of the `accord` command line share, whichever file holds them:
 * the global options, a verb's row in a verb table (its options, help and argument
 * counts), the call to the node with its error printed and mapped to an exit code, and
 * the tables and pages every noun prints. client/accord.c holds the table of customers,
 * deals, tasks and the rest, client/sales_cli.c that of products, quotes, orders,
 * invoices and tickets; main reads them as one (help, lookup). */
#ifndef ACCORD_CLI_H
#define ACCORD_CLI_H

#include "accord_client.h"
#include "proto/timeid.h"

#include <msgpack.h>
#include <stdbool.h>

/* The global options, parsed once by main and passed down to every verb. */
typedef struct {
    const char *data;  /* the node's data directory */
    const char *user;  /* who makes the change (--user, $ACCORD_USER); NULL: not sent */
    const char *user_default; /* $USER: the author while the org has no users, when user is NULL */
    bool json;         /* print results as JSON */
    int timeout_ms;    /* how long to wait for the node */
} cli_t;

/* An option of a verb that maps to an API argument. */
typedef struct {
    const char *opt;  /* without the leading "--" */
    const char *key;  /* API argument ("" for --clear: each value is a field sent as nil) */
    unsigned flags;
    const char *help;
} opt_t;

#define O_MULTI 1u  /* may repeat: sent as a list */
#define O_FLAG 2u   /* takes no value: sent as true */

typedef struct {
    const char *name;     /* "customer add" */
    const char *usage;    /* positional arguments */
    const char *about;
    const opt_t *opts;
    int (*run)(const cli_t *cli, accord_args_t *args, char **pos, int npos);
    int min_pos, max_pos;
} verb_t;

/* A column of a table: its title, the reply's key it shows, its width in columns. */
typedef struct {
    const char *title;
    const char *key;
    int width;
} column_t;

/* a list's pages: by id (--after), the default */
#define PAGE_OPTS                                                                        \
    {"limit", "limit", 0, "at most this many, 1-1000 (default 1000)"},                  \
    {"after", "after", 0, "the next page: the id a page said to go on after"}
/* a sorted list: pages by --offset, with the total */
#define SORT_OPTS(fields)                                                                \
    {"sort", "sort", 0, "sort by " fields " (pages by --offset, with the total)"},        \
    {"desc", "desc", O_FLAG, "sort the last first"},                                     \
    {"offset", "offset", 0, "a sorted page starts at this 0-based position"}

/* The exit code (exit_codes.h) of an ACCORD_E* code: 0, unreachable, other or refused. */
int cli_exit_for(int code);
/* Calls the node (with cli->user as "user"); on error prints the message (as JSON with
 * --json) and returns the exit code, else 0. r is always set: accord_reply_destroy it. */
int cli_call(const cli_t *cli, const char *verb, accord_args_t *args, accord_reply_t *r);
/* On rc 0 prints r's body (JSON with --json, else sanitized and through human);
 * destroys r; returns rc. */
int cli_finish(const cli_t *cli, int rc, accord_reply_t *r, void (*human)(const msgpack_object *));
/* A list of maps as a table of cols, ended by its count: "(3)". An id shows its short form
 * (cli_short_id), as another record's id in any column does. */
void cli_print_table(const msgpack_object *list, const column_t *cols, int ncols);
/* The short form of a record's id that people see and type (proto/timeid.h): 12 digits of
 * a time-ordered id's random part, else the first 12 of the id; text that is no id is
 * cut to 12 bytes. Returns out. */
const char *cli_short_id(const char *id, char out[TIMEID_SHORT_CLI + 1]);
/* One table cell of row's key into out, as cli_print_table shows it. */
const char *cli_cell(const msgpack_object *row, const char *key, char *out, size_t cap);
/* Prints the cells of one row padded to cols' widths (the last one not padded). */
void cli_print_row(const char *const *cells, const column_t *cols, int ncols);
/* A map as "key value" lines. */
void cli_print_record(const msgpack_object *o);
/* verb (list, search, history, ...) whose reply is a page {items, more, next}: the
 * items through human (--json: the array), and a line that says how to get the records
 * the page left out. what names them: "customers". */
int cli_run_page(const cli_t *cli, const char *verb, accord_args_t *a, const char *what,
                 void (*human)(const msgpack_object *));
/* "an" before a kind's name that starts with a vowel (an order, an invoice), else "a". */
const char *cli_article(const char *kind);
/* Refuses id, a record of kind got, where a want was asked for: the message on stderr and,
 * with --json, as accord's JSON error on stdout ({"error":"EINVAL",...}); returns
 * ACCORD_EXIT_REFUSED. */
int cli_refuse_kind(const cli_t *cli, const char *id, const char *got, const char *want);
/* get {id}, refused (exit 2) unless the record is of kind; printed through human. */
int cli_show(const cli_t *cli, accord_args_t *a, const char *id, const char *kind, void (*human)(const msgpack_object *));

#endif
