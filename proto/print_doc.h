/* SPDX-License-Identifier: MIT
 * print_doc: a quote, an order or an invoice as one HTML page to print or keep as a file,
 * in English or Persian. One renderer for the node's GET /print/KIND/ID and the CLI's
 * `accord invoice print`, so both write the same bytes for the same document and language
 * (client/print.h fetches what it needs). Pure: it reads the node's replies as msgpack
 * objects and writes text to a FILE.
 *
 * The page: dir="rtl" lang="fa" in Persian, with Persian digits, ٬ between thousands and
 * ٫ before decimals, Solar Hijri dates ("۱۰ آذر ۱۴۰۵"); in English 1,234.50 and "1
 * December 2026". Every text from a record is HTML-escaped (a byte that is not UTF-8 as
 * U+FFFD, control characters dropped) and set in its own <bdi>, so a hostile name can
 * neither add markup nor turn the line around. No script, no link to fetch: the style is
 * inline (print_doc_css, whose hash the node's Content-Security-Policy names). */
#ifndef ACCORD_PRINT_DOC_H
#define ACCORD_PRINT_DOC_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum { PRINT_EN, PRINT_FA } print_lang_t;

/* "en" or "fa" into *out; false (and *out unchanged) for anything else. */
bool print_lang_parse(const char *code, print_lang_t *out);
/* The language a customer reads: their `language` field when it is one of ours, else
 * otherwise. customer (a `get` reply's body) may be NULL. */
print_lang_t print_lang_of_customer(const msgpack_object *customer, print_lang_t otherwise);

/* The style sheet inside the page's <style>, exactly (static text). */
const char *print_doc_css(void);

/* Writes the page of doc (the body of the `document` reply: fields, lines, totals, and an
 * invoice's number, payments, paid, balance, state) to f. customer is the body of `get`
 * of the document's customer, or NULL when it cannot be read (the page then names none).
 * The branch shown is the document's own (fields.branch). Totals are the document's, as
 * it gives them: nothing is computed here but how they are written. Returns 0, or
 * ACCORD_EINVAL (nothing written) when doc is not a quote, an order or an invoice with a
 * list of lines. */
int print_doc_write(FILE *f, const msgpack_object *doc, const msgpack_object *customer, print_lang_t lang);

#endif
