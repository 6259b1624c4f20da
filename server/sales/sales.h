/* SPDX-License-Identifier: MIT
 * sales: the rules of quotes, orders, invoices and tickets that do not depend on the store
 * (docs/SALES.md): which status may follow which, a line's amounts and their one rounding
 * rule, a ticket's SLA, an invoice's number and the state its payments give it. Pure
 * functions, the same on every node, so replicas that hold the same lines compute the same
 * totals. */
#ifndef ACCORD_SALES_H
#define ACCORD_SALES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- status moves ---- */

/* The status a new record of kind starts in; NULL for a kind without one. */
const char *sales_first_status(unsigned kind);
/* True if a record of kind may move from status `from` to `to` (never to itself). */
bool sales_move_allowed(unsigned kind, const char *from, const char *to);
/* The states a record of kind may move to from `from`, as "a, b or c" (out >= 128 bytes);
 * "none (it is final)" when there is none. */
void sales_next_states(unsigned kind, const char *from, char *out, size_t cap);
/* True for a status that ends the record's life: accepted/rejected/expired quotes,
 * fulfilled/cancelled orders, cancelled invoices, closed/cancelled tickets. */
bool sales_status_final(unsigned kind, const char *status);

/* ---- amounts ---- */

typedef struct {
    int64_t net, tax, total;
} sales_amounts_t;

/* A line's amounts from its quantity (thousandths), unit price (minor units), discount and
 * tax rate (hundredths of a percent), each rounded half away from zero to the minor unit:
 *   net = round(q × p × (10000 − d) / 10^7), tax = round(net × r / 10000), total = net + tax.
 * ACCORD_ETOOBIG if any is past SCHEMA_MONEY_MAX; ACCORD_EINVAL for a value out of range. */
int sales_line_amounts(int64_t quantity, int64_t unit_price, int64_t discount, int64_t tax_rate, sales_amounts_t *out);
/* Adds b to a; ACCORD_ETOOBIG past SCHEMA_MONEY_MAX. */
int sales_amounts_add(sales_amounts_t *a, const sales_amounts_t *b);

/* ---- tickets ---- */

/* Hours from a ticket's creation to its SLA due time, by priority; -1 if unknown. */
int sales_sla_hours(const char *priority);

/* ---- invoices ---- */

typedef enum { CAL_GREGORIAN = 0, CAL_SOLAR = 1 } sales_calendar_t;

#define SALES_PREFIX_MAX 16
/* A branch's invoice prefix: 2 to SALES_PREFIX_MAX of A-Z and 0-9. */
bool sales_prefix_valid(const char *prefix);
/* The default prefix of a node named name: its ASCII letters and digits in capitals when
 * they are 2 to 16; else "N" and 7 hex digits of the name's hash (a name in another
 * script), or the first 11 and 5 hex digits of the hash (a longer one), so two names give
 * two prefixes. out holds >= SALES_PREFIX_MAX + 1 bytes. */
void sales_default_prefix(const char *name, char *out, size_t cap);
/* The year of date (YYYY-MM-DD) in the calendar; -1 if the date is malformed or outside
 * the Solar Hijri years this node computes (1349-1500). */
int sales_calendar_year(sales_calendar_t cal, const char *date);
/* "TEH-1405-000123" (out >= 48 bytes: a 16-byte prefix, a year and up to 20 digits). */
void sales_invoice_number(const char *prefix, int year, uint64_t seq, char *out, size_t cap);

/* What an invoice is as people see it, from its stored status, total and payments. */
typedef enum { INV_ISSUED, INV_PARTLY_PAID, INV_PAID, INV_CANCELLED } sales_invoice_state_t;
sales_invoice_state_t sales_invoice_state(bool cancelled, int64_t total, int64_t paid);
const char *sales_invoice_state_name(sales_invoice_state_t s);

#endif
