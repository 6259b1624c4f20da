/* SPDX-License-Identifier: MIT
 * sales_cli: the `accord` verbs of sales and service (docs/SALES.md, docs/CLI.md):
 * product, quote, order, invoice and ticket, each a row of one verb table that
 * client/accord.c reads after its own (help, lookup, option parsing are accord.c's). */
#ifndef ACCORD_SALES_CLI_H
#define ACCORD_SALES_CLI_H

#include "cli.h"

/* The table and, in *n, its length; static, never NULL. */
const verb_t *sales_cli_verbs(int *n);

#endif
