/* SPDX-License-Identifier: MIT */
#include "sales/sales.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "proto/calendar.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- status moves: one table of arrows per kind (docs/SALES.md) ---- */

typedef struct {
    unsigned kind;
    const char *from, *to;
} move_t;

static const move_t moves[] = {
    {KIND_QUOTE, "draft", "sent"},
    {KIND_QUOTE, "sent", "accepted"},
    {KIND_QUOTE, "sent", "rejected"},
    {KIND_QUOTE, "sent", "expired"},
    {KIND_ORDER, "open", "fulfilled"},
    {KIND_ORDER, "open", "cancelled"},
    {KIND_INVOICE, "issued", "cancelled"},
    {KIND_TICKET, "inquiry", "quote"},
    {KIND_TICKET, "quote", "order"},
    {KIND_TICKET, "order", "assigned"},
    {KIND_TICKET, "assigned", "approved"},
    {KIND_TICKET, "approved", "invoiced"},
    {KIND_TICKET, "invoiced", "closed"},
    /* a ticket may end from any open state: a question answered on the phone is closed */
    {KIND_TICKET, "inquiry", "closed"}, {KIND_TICKET, "quote", "closed"}, {KIND_TICKET, "order", "closed"},
    {KIND_TICKET, "assigned", "closed"}, {KIND_TICKET, "approved", "closed"},
    {KIND_TICKET, "inquiry", "cancelled"}, {KIND_TICKET, "quote", "cancelled"}, {KIND_TICKET, "order", "cancelled"},
    {KIND_TICKET, "assigned", "cancelled"}, {KIND_TICKET, "approved", "cancelled"},
    {KIND_TICKET, "invoiced", "cancelled"},
};
#define N_MOVES (sizeof moves / sizeof moves[0])

const char *sales_first_status(unsigned kind)
{
    switch (kind) {
    case KIND_QUOTE: return "draft";
    case KIND_ORDER: return "open";
    case KIND_INVOICE: return "issued";
    case KIND_TICKET: return "inquiry";
    default: return NULL;
    }
}

bool sales_move_allowed(unsigned kind, const char *from, const char *to)
{
    for (size_t i = 0; i < N_MOVES; i++)
        if (moves[i].kind == kind && !strcmp(moves[i].from, from) && !strcmp(moves[i].to, to)) return true;
    return false;
}

void sales_next_states(unsigned kind, const char *from, char *out, size_t cap)
{
    const char *next[16];
    unsigned n = 0;
    for (size_t i = 0; i < N_MOVES && n < 16; i++)
        if (moves[i].kind == kind && !strcmp(moves[i].from, from)) next[n++] = moves[i].to;
    if (n == 0) {
        snprintf(out, cap, "none (it is final)");
        return;
    }
    size_t len = 0;
    out[0] = 0;
    for (unsigned i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", next[i]);
}

bool sales_status_final(unsigned kind, const char *status)
{
    for (size_t i = 0; i < N_MOVES; i++)
        if (moves[i].kind == kind && !strcmp(moves[i].from, status)) return false;
    return sales_first_status(kind) != NULL;
}

/* ---- amounts ---- */

/* n / d rounded half away from zero; d > 0. */
static __int128 div_round(__int128 n, __int128 d)
{
    __int128 q = n / d, r = n % d;
    if (r < 0) r = -r;
    if (2 * r >= d) q += n < 0 ? -1 : 1;
    return q;
}

int sales_line_amounts(int64_t quantity, int64_t unit_price, int64_t discount, int64_t tax_rate, sales_amounts_t *out)
{
    if (quantity < 1 || quantity > SCHEMA_QUANTITY_MAX || unit_price < 0 || unit_price > SCHEMA_MONEY_MAX ||
        discount < 0 || discount > 10000 || tax_rate < 0 || tax_rate > 10000)
        return ACCORD_EINVAL;
    /* q < 2^40, p < 2^53, (10000 - d) < 2^14: the product is below 2^107 */
    __int128 net = div_round((__int128)quantity * unit_price * (10000 - discount), (__int128)10000000);
    if (net > SCHEMA_MONEY_MAX) return ACCORD_ETOOBIG;
    __int128 tax = div_round(net * tax_rate, 10000);
    if (net + tax > SCHEMA_MONEY_MAX) return ACCORD_ETOOBIG;
    out->net = (int64_t)net;
    out->tax = (int64_t)tax;
    out->total = (int64_t)(net + tax);
    return 0;
}

int sales_amounts_add(sales_amounts_t *a, const sales_amounts_t *b)
{
    if (b->net > SCHEMA_MONEY_MAX - a->net || b->tax > SCHEMA_MONEY_MAX - a->tax ||
        b->total > SCHEMA_MONEY_MAX - a->total)
        return ACCORD_ETOOBIG;
    a->net += b->net;
    a->tax += b->tax;
    a->total += b->total;
    return 0;
}

/* ---- tickets ---- */

int sales_sla_hours(const char *priority)
{
    static const struct { const char *priority; int hours; } sla[] = {
        {"low", 72}, {"normal", 24}, {"high", 8}, {"urgent", 4},
    };
    for (size_t i = 0; i < sizeof sla / sizeof sla[0]; i++)
        if (!strcmp(sla[i].priority, priority)) return sla[i].hours;
    return -1;
}

/* ---- invoices ---- */

bool sales_prefix_valid(const char *prefix)
{
    size_t n = strlen(prefix);
    if (n < 2 || n > SALES_PREFIX_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!((prefix[i] >= 'A' && prefix[i] <= 'Z') || (prefix[i] >= '0' && prefix[i] <= '9'))) return false;
    return true;
}

void sales_default_prefix(const char *name, char *out, size_t cap)
{
    char alnum[65];
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < sizeof alnum; p++)
        if (!((unsigned char)*p & 0x80) && isalnum((unsigned char)*p)) alnum[n++] = (char)toupper((unsigned char)*p);
    alnum[n] = 0;
    if (n >= 2 && n <= SALES_PREFIX_MAX) {
        snprintf(out, cap, "%s", alnum);
        return;
    }
    /* a name in another script, or a long one: what it holds, then digits of its hash, so
     * two branches named apart still number apart (tehran-1, tehran-2; تهران, شیراز) */
    uint8_t h[CRYPTO_HASH_LEN];
    crypto_record_hash(name, strlen(name), h); /* BLAKE2b-256 */
    char hex[17];
    crypto_hex(h, 8, hex);
    for (char *c = hex; *c; c++) *c = (char)toupper((unsigned char)*c);
    if (n < 2) snprintf(out, cap, "N%.7s", hex);
    else snprintf(out, cap, "%.11s%.5s", alnum, hex);
}

int sales_calendar_year(sales_calendar_t cal, const char *date)
{
    if (!schema_date_valid(date)) return -1;
    int year = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
    if (cal == CAL_GREGORIAN) return year;
    return calendar_persian_year(date);
}

void sales_invoice_number(const char *prefix, int year, uint64_t seq, char *out, size_t cap)
{
    snprintf(out, cap, "%s-%04d-%06llu", prefix, year, (unsigned long long)seq);
}

sales_invoice_state_t sales_invoice_state(bool cancelled, int64_t total, int64_t paid)
{
    if (cancelled) return INV_CANCELLED;
    if (paid >= total) return INV_PAID; /* an invoice of 0 owes nothing */
    if (paid > 0) return INV_PARTLY_PAID;
    return INV_ISSUED;
}

const char *sales_invoice_state_name(sales_invoice_state_t s)
{
    static const char *const names[] = {"issued", "partly_paid", "paid", "cancelled"};
    return names[s];
}
