/* SPDX-License-Identifier: MIT
 * print: a quote's or an invoice's printable page, fetched from a node and written by
 * proto/print_doc.h. One implementation, two front ends: the CLI (`accord invoice print`,
 * print_cli.c) and the node's GET /print/KIND/ID (server/http/http_print.c) both call
 * print_document over a client of the node's local socket, so for the same document and
 * language both write the same bytes.
 *
 * The language: forced (the CLI's --lang), else the customer's `language` field, else the
 * fallback (the page's ?lang=), else English. */
#ifndef ACCORD_PRINT_H
#define ACCORD_PRINT_H

#include "accord_client.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    const char *kind;          /* "invoice", "quote" or "order": the document must be one */
    const char *id;            /* its id, or the start of it (at least 4 hex digits) */
    const char *lang;          /* "en" or "fa" whatever the customer reads; NULL: theirs */
    const char *fallback_lang; /* "en" or "fa" for a customer with no language; NULL, or
                                * anything else: English */
} print_request_t;

/* What was printed (print_document fills it on success). */
typedef struct {
    char id[33];     /* the document's whole id */
    char number[41]; /* an invoice's number; "" for a quote */
    const char *lang; /* "en" or "fa": the page's language (static) */
} print_done_t;

/* Asks the node for the document (`document`) and its customer (`get`), then writes the
 * page to out. Returns 0, or the node's code with msg (cap bytes) saying what to do:
 * ACCORD_ENOTFOUND when no such record exists or it is another kind of document,
 * ACCORD_EINVAL for an id that is none or names no document (or a bad req->lang),
 * ACCORD_ENET / ACCORD_ETIMEOUT when the node does not answer. On error nothing is
 * written to out. A customer the node cannot read is left off the page. done may be NULL. */
int print_document(accord_client_t *c, const print_request_t *req, FILE *out, print_done_t *done, char *msg,
                   size_t cap);

/* `accord invoice print` and `accord quote print`: argv[0] is the noun, argv[1] "print".
 * data: the node (data directory or endpoint); json: --json (with --out: what was written,
 * as {id, kind, number, lang, out, bytes}; an error as {error, code, message}). Returns the CLI's exit code (exit_codes.h). */
int print_main(int argc, char **argv, const char *data, int timeout_ms, bool json);

#endif
