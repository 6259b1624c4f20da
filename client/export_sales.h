/* SPDX-License-Identifier: MIT
 * export_sales: the rows of `accord export invoices|tickets` (export.c pages the list and
 * writes the file): fixed columns rather than every field, since a spreadsheet of
 * invoices wants the amounts in the currency's decimals, the balance and state the node
 * derives, and the customer's name beside its id. One row is built once as a map and
 * written as a CSV row or a JSON Lines object, so both carry the same columns. */
#ifndef ACCORD_EXPORT_SALES_H
#define ACCORD_EXPORT_SALES_H

#include "accord_client.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct export_sales export_sales_t;

/* True for the kinds exported here: invoice, ticket. */
bool export_sales_kind(const char *kind);
/* A writer of kind's rows; c (borrowed, for as long as the writer lives) is asked for the
 * customers' names, each once. */
export_sales_t *export_sales_new(accord_client_t *c, const char *kind);
void export_sales_destroy(export_sales_t **x);
/* The CSV header row (the column names), CRLF-ended. */
void export_sales_csv_header(const export_sales_t *x, FILE *f);
/* One record of a list page as a CSV row (jsonl false) or a JSON object and a newline. */
void export_sales_row(export_sales_t *x, FILE *f, const msgpack_object *rec, bool jsonl);

#endif
