/* SPDX-License-Identifier: MIT
 * report: per-branch figures for a period, summed from the KPI counters (kpi.h), so a
 * month over a million records reads a few thousand keys. The CLI, its JSON and (later)
 * the dashboard print these same numbers. */
#ifndef ACCORD_REPORT_H
#define ACCORD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

#define REPORT_MAX_KEYS 16 /* distinct interaction kinds, currencies, stages, reasons kept per branch */

typedef struct {
    char key[72];
    int64_t value;
    int64_t value2; /* pipeline: weighted amount */
    int64_t count;  /* pipeline: open deals */
} report_pair_t;

typedef struct {
    report_pair_t items[REPORT_MAX_KEYS];
    unsigned n;
    int64_t other; /* what did not fit */
} report_mix_t;

typedef struct {
    char branch[65];
    int64_t customers_new, interactions, deals_new, deals_won, deals_lost, close_days, deals_open;
    report_mix_t interactions_by_kind, won_value, lost_reasons, pipeline; /* pipeline key: stage/currency */
    int64_t tasks_due, tasks_overdue, tasks_done;
    int64_t responded, response_hours; /* customers new in the period with an interaction, and hours to it */
    int64_t duplicate_pairs;           /* likely duplicates involving its customers (report_duplicates) */
    int64_t import_rows, import_rejected; /* rows `accord import` read and refused in the period */
    int64_t new_with_phone, new_with_email, new_with_owner; /* of customers_new: with a phone, an e-mail, an owner */
    int64_t customers, with_phone, with_email, with_owner; /* now, whatever the period */
    int64_t quotes_sent, quotes_accepted;                  /* sent, accepted in the period */
    int64_t invoices_issued;                               /* issued in the period, not cancelled */
    report_mix_t invoiced, paid;                           /* per currency: issued, paid in the period */
    report_mix_t outstanding, overdue_value;               /* per currency, now: owed, owed past due */
    int64_t invoices_overdue;                              /* now: past due with a balance */
    int64_t tickets_opened, tickets_closed, close_minutes; /* in the period; minutes open, summed */
    int64_t sla_closed_late;                               /* closed in the period after sla_due */
    int64_t tickets_overdue;                               /* now: open, past sla_due before today */
} report_branch_t;

typedef struct {
    uint32_t from_day, to_day, today; /* as kpi.h numbers them, inclusive */
    report_branch_t *branches;        /* in branch-name order */
    unsigned n;
    bool has_duplicates;              /* report_duplicates filled duplicate_pairs */
} report_t;

/* Parses a period: 2026 | 2026-Q4 | 2026-11 | 2026-W48 | 2026-11-24 | 2026-11-01..2026-11-15,
 * or in the Solar Hijri calendar after "fa:": fa:1405 | fa:1405-Q3 | fa:1405-09 |
 * fa:1405-09-01 | fa:1405-09-01..1405-09-15 (years 1349 to 1500). Sets the first and last
 * day, inclusive, as kpi.h numbers days. 0, or ACCORD_EINVAL. */
int report_period(const char *spec, uint32_t *from_day, uint32_t *to_day);
/* Sums the counters for [from_day, to_day] per branch (only `branch` if not NULL). */
int report_branches(store_txn_t *t, uint32_t from_day, uint32_t to_day, uint32_t today, const char *branch,
                    report_t *out);
void report_free(report_t *r);
/* Counts the likely duplicate pairs (dedupe.h) each branch's customers are in: a scan of
 * every customer, for the data-quality report. */
int report_duplicates(store_txn_t *t, report_t *r);
/* One customer's RFM figures (recency, frequency, monetary) and its segment. */
typedef struct {
    uint8_t id[16];
    char name[80], branch[65];
    int64_t recency_days;  /* since its last interaction or won deal; -1: never */
    int64_t frequency;     /* interactions and won deals */
    int64_t monetary;      /* won value in the report's currency, minor units */
    uint8_t r, f, m;       /* 1-5 by quintile, 5 best */
    const char *segment;
} report_customer_t;

typedef struct {
    report_customer_t *customers; /* by monetary, highest first (top customers by won value) */
    unsigned n;
    char currency[9];
} report_customers_t;

/* RFM over every live customer (`branch` only if not NULL), money in `currency`. */
int report_customers(store_txn_t *t, uint64_t now_ms, const char *currency, const char *branch, report_customers_t *out);
/* Which branches a scoped report counts: those allow says yes to (a user's reach). */
typedef bool (*report_allow_fn)(void *ctx, const char *branch, size_t len);
int report_customers_scoped(store_txn_t *t, uint64_t now_ms, const char *currency, report_allow_fn allow, void *ctx,
                            report_customers_t *out);
void report_customers_free(report_customers_t *r);
/* The currency most deals were won in (for RFM's monetary part), "" if none. */
void report_main_currency(store_txn_t *t, char out[9]);
/* JSON: the segment counts and the first `top` customers (all if 0). */
void report_customers_write_json(FILE *f, const report_customers_t *r, unsigned top);

/* Per day of [from_day, to_day] (at most REPORT_MAX_DAYS), summed over branches (or only
 * `branch`): new customers, deals won, interactions. */
#define REPORT_MAX_DAYS 400
typedef struct {
    uint32_t n;
    int64_t customers_new[REPORT_MAX_DAYS], deals_won[REPORT_MAX_DAYS], interactions[REPORT_MAX_DAYS];
} report_daily_t;
int report_daily(store_txn_t *t, uint32_t from_day, uint32_t to_day, const char *branch, report_daily_t *out);
int report_daily_scoped(store_txn_t *t, uint32_t from_day, uint32_t to_day, report_allow_fn allow, void *ctx,
                        report_daily_t *out);
void report_daily_write_json(FILE *f, uint32_t from_day, const report_daily_t *d);
/* A day number as YYYY-MM-DD. */
void report_day_text(uint32_t day, char out[11]);
/* The report as JSON (amounts in minor units), as `accordctl --json report` and the hub's
 * /api/report print it. */
void report_write_json(FILE *f, const report_t *r);

#endif
