/* SPDX-License-Identifier: MIT
 * kpi: the per-branch counters behind `accordctl report`, kept in TBL_KPI in the same
 * transaction as the state they count, the way the search index is (index.h). Each entity
 * contributes a few terms (key, amount) that depend only on its current state; merging a
 * record takes the entity's terms before and after and adds the difference. So a report
 * over any period sums a few thousand keys instead of reading a million records, and
 * replicas that hold the same state hold the same counters (given the same time zone).
 *
 *   key   = metric(1) branch 0x00 day(4 BE) extra     value = amount, int64 (8 BE)
 *   day   = days since 1970-01-01 in the node's report time zone, plus 1 (0: "no day",
 *           for counts of what is, such as the open pipeline)
 *
 * Days come from the state, never from the clock of the node applying it: a customer's
 * `created`, an interaction's `when`, a task's `due`, and the time of the change that set
 * a deal's stage to Won or Lost or a task's `done` (the HLC of that field's version). A
 * stage counts as won or lost by its name ("won", "lost", any case). Sales and service
 * likewise: a quote's `sent_at` and the version of the status that accepted it, an
 * invoice's `issued`, `due` and its payments' dates, a ticket's `created`, `closed_at` and
 * `sla_due`. What is overdue (a task, an invoice, a ticket's SLA) is counted under its due
 * day, and a report takes the days before today: the terms never depend on the clock. */
#ifndef ACCORD_KPI_H
#define ACCORD_KPI_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/record.h"
#include "store/store.h"

typedef enum {
    KPI_CUSTOMERS_NEW = 1, /* day created */
    KPI_INTERACTIONS,      /* day when; extra: type */
    KPI_DEALS_NEW,         /* day created */
    KPI_DEALS_WON,         /* day won */
    KPI_WON_VALUE,         /* day won; extra: currency; amount in minor units */
    KPI_CLOSE_DAYS,        /* day won; amount: whole days from created to won */
    KPI_DEALS_LOST,        /* day lost */
    KPI_LOST_REASON,       /* day lost; extra: reason */
    KPI_PIPELINE,          /* no day; extra: stage 0x00 currency; amount of open deals */
    KPI_PIPELINE_WEIGHTED, /* as above, amount x probability / 100 */
    KPI_PIPELINE_DEALS,    /* no day; extra: stage; open deals */
    KPI_TASKS_DUE,         /* day due */
    KPI_TASKS_OPEN,        /* day due, not done: overdue is what lies before today */
    KPI_TASKS_DONE,        /* day done */
    KPI_CUSTOMERS,         /* no day: live customers */
    KPI_WITH_PHONE,        /* no day: ... with a phone */
    KPI_WITH_EMAIL,        /* no day: ... with an e-mail */
    KPI_WITH_OWNER,        /* no day: ... assigned to someone */
    KPI_RESPONDED,         /* day created: customers with an interaction */
    KPI_RESPONSE_HOURS,    /* day created: whole hours from created to the first interaction */
    KPI_IMPORT_ROWS,       /* day of the import run: rows read */
    KPI_IMPORT_REJECTED,   /* day of the import run: rows refused */
    KPI_NEW_WITH_PHONE,    /* day created: live customers with a phone (of KPI_CUSTOMERS_NEW) */
    KPI_NEW_WITH_EMAIL,    /* day created: ... with an e-mail */
    KPI_NEW_WITH_OWNER,    /* day created: ... assigned to someone */
    KPI_QUOTES_SENT,       /* day sent_at (else the status's version, once not a draft) */
    KPI_QUOTES_ACCEPTED,   /* day of the status's version, status accepted */
    KPI_INVOICES_ISSUED,   /* day issued, not cancelled */
    KPI_INVOICED_VALUE,    /* day issued, not cancelled; extra: currency; amount: total, minor units */
    KPI_PAID_VALUE,        /* day paid, cancelled or not; extra: currency; amount: that day's payments */
    KPI_INVOICES_UNPAID,   /* day due (0: none), not cancelled, with a balance: overdue before today */
    KPI_UNPAID_VALUE,      /* as above; extra: currency; amount: the balance (all days: outstanding) */
    KPI_TICKETS_OPENED,    /* day created */
    KPI_TICKETS_CLOSED,    /* day closed_at, status closed */
    KPI_CLOSE_MINUTES,     /* as above; amount: whole minutes from created to closed_at */
    KPI_SLA_BREACHED,      /* as above, closed after sla_due */
    KPI_TICKETS_OPEN_SLA,  /* day sla_due, status neither closed nor cancelled: overdue before today */
    KPI_METRIC_COUNT       /* new metrics go before this, never between: ids are keys on disk */
} kpi_metric_t;

/* What the counters of this version hold (meta "kpi-version"); a store whose counters an
 * older version made is rebuilt once when the node starts (kpi_upgrade). 2: the new
 * customers with a phone, an e-mail, an owner per day created. 3: quotes, invoices and
 * tickets (metrics 26-37). */
#define KPI_VERSION 3

/* Terms of one entity: an invoice has 4 and one per day it was paid on, so an invoice paid
 * on more than KPI_MAX_TERMS - 4 days counts its later days' payments on the last of those
 * (kpi.c, invoice_terms): the money is all there, some of it under an earlier day. */
#define KPI_MAX_TERMS 32
#define KPI_KEY_MAX (1 + 64 + 1 + 4 + 200)

/* What an interaction or a won deal adds to its customer's history (TBL_CUSTLINKS), for
 * first response times and RFM: a row per link, keyed by time, present while it holds. */
enum { KPI_LINK_INTERACTION = 1, KPI_LINK_WON = 2 };

typedef struct {
    unsigned n;
    uint16_t len[KPI_MAX_TERMS];
    int64_t amount[KPI_MAX_TERMS];
    uint8_t key[KPI_MAX_TERMS][KPI_KEY_MAX];
    bool has_link;               /* the entity's row in its customer's links */
    uint8_t link_key[ID_LEN + 1 + 8 + ID_LEN];
    int64_t link_amount;
    char link_currency[9];
} kpi_terms_t;

/* The first and last link time of a customer (0 if none) and how many links it has. */
typedef struct {
    uint64_t first_interaction_ms, last_ms;
    uint64_t interactions, won;
} kpi_customer_links_t;
int kpi_customer_links(store_txn_t *t, const uint8_t customer[ID_LEN], kpi_customer_links_t *out,
                       int (*won_fn)(void *ctx, const char *currency, int64_t amount), void *ctx);

/* True if a change to this field of this kind can change the entity's terms (so does
 * the entity's creation, whatever the fields). */
bool kpi_field_counted(unsigned kind, unsigned field);
/* The terms of the entity's current state (none when deleted or of an uncounted kind). */
int kpi_terms(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, kpi_terms_t *out);
/* Adds the difference between the entity's current terms and before to TBL_KPI. */
int kpi_update(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, const kpi_terms_t *before);

/* The report time zone: the meta value "tz" (an IANA name such as Asia/Tehran), UTC if
 * none, kept with the store (store_set_zone; the process's TZ is never set). Call once
 * after opening the store, before any KPI is computed, in every process that computes
 * them (the node, and accordctl for check and reports). ACCORD_EINVAL: an unknown zone. */
int kpi_use_time_zone(store_t *st);
/* The same with the zone of the store of (its meta "tz"): a scratch store that derives
 * of's counters again (accordctl check) counts the days as of does. */
int kpi_use_time_zone_of(store_t *st, store_t *of);
/* True if name is a time zone this machine knows (ICU's database). */
bool kpi_time_zone_known(const char *name);
/* Sets the report time zone (meta "tz") and derives every entity's counters again in t,
 * noting KPI_VERSION; the store counts in that zone from now on. NULL tz: the store's zone. */
int kpi_rebuild(store_txn_t *t, const char *tz);
/* True if t's counters are this version's: meta "kpi-version" is KPI_VERSION, or the store
 * holds no entity at all (nothing counted, nothing to be wrong). False for a store whose
 * counters an older version made, until the node starts once (or check --repair). */
bool kpi_current(store_txn_t *t);
/* Notes in t that its counters are this version's (a new store; check --repair). */
int kpi_note_version(store_txn_t *t);
/* Derives every counter again in one transaction of its own if an older version made them
 * (kpi_current is false), in the store's report time zone (kpi_use_time_zone first); a
 * crash leaves the old counters, and the next start does it again. *entities is UINT64_MAX
 * if nothing was to do, else how many entities were counted. Called when the node starts. */
int kpi_upgrade(store_t *st, uint64_t *entities);
/* Day number (as in the key) of a time in ms since the epoch, in st's report time zone. */
uint32_t kpi_day_of_ms(store_t *st, uint64_t ms);
/* Day number of "YYYY-MM-DD" (a calendar date: no zone), 0 if malformed. */
uint32_t kpi_day_of_date(const char *s, size_t len);

#endif
