/* SPDX-License-Identifier: MIT
 * accordctl report: per-branch figures for a period from the KPI counters (server/kpi.h,
 * server/report.h), as a table, CSV or JSON with the same numbers. */
#define _POSIX_C_SOURCE 200809L
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "state/kpi.h"
#include "ops/report.h"

#include <csv.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static double pct(int64_t part, int64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Amounts per currency as one CSV cell: "EUR 125.50; IRR 5000" ("" when none). */
static void csv_money(const report_mix_t *m)
{
    char cell[REPORT_MAX_KEYS * 64] = "";
    size_t n = 0;
    for (unsigned i = 0; i < m->n && n < sizeof cell; i++) {
        char amount[40];
        schema_money_format(m->items[i].value, m->items[i].key, amount, sizeof amount);
        n += (size_t)snprintf(cell + n, sizeof cell - n, "%s%s %s", i ? "; " : "", m->items[i].key, amount);
    }
    putchar(',');
    csv_fwrite(stdout, cell, strlen(cell));
}

static double avg_hours_to_close(const report_branch_t *b)
{
    return b->tickets_closed ? (double)b->close_minutes / 60.0 / (double)b->tickets_closed : 0.0;
}

/* The sales and service columns, after the others (docs/CLI.md, Report figures). */
static void print_csv_sales(const report_branch_t *b)
{
    printf(",%lld,%lld,%.4f,%lld", (long long)b->quotes_sent, (long long)b->quotes_accepted,
           b->quotes_sent ? (double)b->quotes_accepted / (double)b->quotes_sent : 0.0, (long long)b->invoices_issued);
    csv_money(&b->invoiced);
    csv_money(&b->paid);
    csv_money(&b->outstanding);
    printf(",%lld", (long long)b->invoices_overdue);
    csv_money(&b->overdue_value);
    printf(",%lld,%lld,%.2f,%lld,%lld\n", (long long)b->tickets_opened, (long long)b->tickets_closed, avg_hours_to_close(b),
           (long long)(b->sla_closed_late + b->tickets_overdue), (long long)b->tickets_overdue);
}

static void print_csv(const report_t *r)
{
    printf("branch,customers_new,interactions,deals_new,deals_won,deals_lost,win_rate,avg_days_to_close,deals_open,"
           "tasks_due,tasks_overdue,tasks_done,customers,with_phone,with_email,with_owner,new_with_phone,new_with_email,"
           "new_with_owner,quotes_sent,quotes_accepted,quote_conversion,invoices_issued,invoiced,paid,outstanding,"
           "invoices_overdue,overdue_value,tickets_opened,tickets_closed,avg_hours_to_close,sla_breaches,tickets_overdue\n");
    /* new columns go last: readers count columns */
    for (unsigned i = 0; i < r->n; i++) {
        const report_branch_t *b = &r->branches[i];
        int64_t closed = b->deals_won + b->deals_lost;
        csv_fwrite(stdout, b->branch, strlen(b->branch));
        printf(",%lld,%lld,%lld,%lld,%lld,%.4f,%.2f,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld", (long long)b->customers_new,
               (long long)b->interactions, (long long)b->deals_new, (long long)b->deals_won, (long long)b->deals_lost,
               closed ? (double)b->deals_won / (double)closed : 0.0,
               b->deals_won ? (double)b->close_days / (double)b->deals_won : 0.0, (long long)b->deals_open,
               (long long)b->tasks_due, (long long)b->tasks_overdue, (long long)b->tasks_done, (long long)b->customers,
               (long long)b->with_phone, (long long)b->with_email, (long long)b->with_owner, (long long)b->new_with_phone,
               (long long)b->new_with_email, (long long)b->new_with_owner);
        print_csv_sales(b);
    }
}

/* A share of the period's new customers as " 66.7%", or "-" when there were none. */
static void share_of_new(char out[16], int64_t part, int64_t whole)
{
    if (whole) snprintf(out, 16, "%5.1f%%", pct(part, whole));
    else snprintf(out, 16, "-");
}

/* A branch name from the counters (a peer's record named it), 16 columns wide. */
static void print_branch_cell(const char *branch)
{
    char shown[4 * sizeof ((report_branch_t *)0)->branch];
    output_padded(stdout, output_text(branch, strlen(branch), shown, sizeof shown), 16);
}

static bool has_sales(const report_branch_t *b)
{
    return b->quotes_sent || b->quotes_accepted || b->invoices_issued || b->invoiced.n || b->paid.n ||
           b->outstanding.n || b->tickets_opened || b->tickets_closed || b->tickets_overdue;
}

/* The amount of currency in m as the currency writes it, "-" if none. */
static void mix_amount(const report_mix_t *m, const char *currency, char out[40])
{
    for (unsigned i = 0; i < m->n; i++)
        if (!strcmp(m->items[i].key, currency)) {
            schema_money_format(m->items[i].value, currency, out, 40);
            return;
        }
    snprintf(out, 40, "-");
}

/* Each currency a branch invoiced, was paid or is owed in: a line of its four amounts. */
static void print_sales_money(const report_branch_t *b)
{
    const report_mix_t *mixes[] = {&b->invoiced, &b->paid, &b->outstanding, &b->overdue_value};
    const char *seen[4 * REPORT_MAX_KEYS];
    unsigned n_seen = 0;
    for (unsigned m = 0; m < 4; m++)
        for (unsigned i = 0; i < mixes[m]->n; i++) {
            const char *cur = mixes[m]->items[i].key;
            unsigned k = 0;
            while (k < n_seen && strcmp(seen[k], cur)) k++;
            if (k < n_seen) continue;
            seen[n_seen++] = cur;
            char amounts[4][40], shown[4 * sizeof mixes[m]->items[i].key];
            for (unsigned j = 0; j < 4; j++) mix_amount(mixes[j], cur, amounts[j]);
            printf("%-16s %s invoiced %s, paid %s, outstanding %s, overdue %s\n", "",
                   output_text(cur, strlen(cur), shown, sizeof shown), amounts[0], amounts[1], amounts[2], amounts[3]);
        }
}

/* Quotes, invoices and tickets, under the first table, when a branch has any. */
static void print_sales_table(const report_t *r)
{
    bool any = false;
    for (unsigned i = 0; i < r->n && !any; i++) any = has_sales(&r->branches[i]);
    if (!any) return;
    printf("\nsales and service\n%-16s %6s %8s %6s %8s %7s %7s %6s %7s %12s\n", "BRANCH", "QUOTES", "ACCEPTED", "CONV%",
           "INVOICES", "OVERDUE", "TICKETS", "CLOSED", "HOURS", "SLA BREACHES");
    for (unsigned i = 0; i < r->n; i++) {
        const report_branch_t *b = &r->branches[i];
        if (!has_sales(b)) continue;
        char hours[24] = "-";
        if (b->tickets_closed) snprintf(hours, sizeof hours, "%.1f", avg_hours_to_close(b));
        print_branch_cell(b->branch);
        printf(" %6lld %8lld %5.1f%% %8lld %7lld %7lld %6lld %7s %12lld\n", (long long)b->quotes_sent,
               (long long)b->quotes_accepted, pct(b->quotes_accepted, b->quotes_sent), (long long)b->invoices_issued,
               (long long)b->invoices_overdue, (long long)b->tickets_opened, (long long)b->tickets_closed, hours,
               (long long)(b->sla_closed_late + b->tickets_overdue));
        print_sales_money(b);
    }
}

static void print_table(const report_t *r, bool quality)
{
    char from[11], to[11];
    report_day_text(r->from_day, from);
    report_day_text(r->to_day, to);
    if (quality) {
        printf("%-16s %9s %7s %7s %7s %10s %20s\n", "BRANCH", "CUSTOMERS", "PHONE", "EMAIL", "OWNER", "DUPLICATES",
               "IMPORT ROWS REFUSED");
        for (unsigned i = 0; i < r->n; i++) {
            const report_branch_t *b = &r->branches[i];
            char refused[48];
            snprintf(refused, sizeof refused, "%lld of %lld", (long long)b->import_rejected, (long long)b->import_rows);
            print_branch_cell(b->branch);
            printf(" %9lld %6.1f%% %6.1f%% %6.1f%% %10lld %20s\n", (long long)b->customers,
                   pct(b->with_phone, b->customers), pct(b->with_email, b->customers), pct(b->with_owner, b->customers),
                   (long long)b->duplicate_pairs, refused);
        }
        return;
    }
    /* PHONE, EMAIL, OWNER: the shares of the period's new customers (report quality: of all) */
    printf("%s to %s\n%-16s %8s %6s %6s %6s %8s %6s %5s %5s %6s %6s %6s %8s %8s %9s\n", from, to, "BRANCH", "NEW CUST",
           "PHONE", "EMAIL", "OWNER", "CONTACTS", "DEALS", "WON", "LOST", "WIN%", "DAYS", "OPEN", "TASKS DUE", "OVERDUE",
           "1ST REPLY");
    for (unsigned i = 0; i < r->n; i++) {
        const report_branch_t *b = &r->branches[i];
        int64_t closed = b->deals_won + b->deals_lost;
        char reply[24] = "-";
        if (b->responded) snprintf(reply, sizeof reply, "%.1f h", (double)b->response_hours / (double)b->responded);
        char phone[16], email[16], owner[16];
        share_of_new(phone, b->new_with_phone, b->customers_new);
        share_of_new(email, b->new_with_email, b->customers_new);
        share_of_new(owner, b->new_with_owner, b->customers_new);
        print_branch_cell(b->branch);
        printf(" %8lld %6s %6s %6s %8lld %6lld %5lld %5lld %5.1f%% %6.1f %6lld %8lld %8lld %9s\n", (long long)b->customers_new,
               phone, email, owner, (long long)b->interactions, (long long)b->deals_new, (long long)b->deals_won, (long long)b->deals_lost, pct(b->deals_won, closed),
               b->deals_won ? (double)b->close_days / (double)b->deals_won : 0.0, (long long)b->deals_open,
               (long long)b->tasks_due, (long long)b->tasks_overdue, reply);
        for (unsigned k = 0; k < b->won_value.n; k++) {
            char amount[40];
            schema_money_format(b->won_value.items[k].value, b->won_value.items[k].key, amount, sizeof amount);
            printf("%-16s won %s %s\n", "", amount, b->won_value.items[k].key);
        }
    }
    print_sales_table(r);
}

static int report_cmd_run(const ctl_args_t *a, bool quality)
{
    const char *dir = a->dir, *period = ctl_opt(a, "period"), *branch = ctl_opt(a, "branch");
    uint32_t today = 0, from = 1, to = UINT32_MAX; /* quality: all time by default */
    if (!quality && !period) {
        fprintf(stderr, "usage: accordctl report branches --data DIR --period 2026-11|2026-Q4|2026-W48|2026|2026-11-24|"
                        "FROM..TO|fa:1405-09 [--branch NAME] [--csv|--json]\n");
        return ACCORD_EXIT_USAGE;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(dir, &st, &id); /* sets the node's report time zone */
    if (rc) return rc;
    today = kpi_day_of_ms(st, hlc_wall_ms());
    if (period && report_period(period, &from, &to)) {
        fprintf(stderr, "accordctl: --period '%s': give 2026, 2026-Q4, 2026-11, 2026-W48, 2026-11-24 or "
                        "2026-11-01..2026-11-15, or in the Solar Hijri calendar fa:1405, fa:1405-Q3, fa:1405-09, "
                        "fa:1405-09-01 or fa:1405-09-01..1405-09-15 (docs/CLI.md, Report periods)\n", period);
        identity_destroy(&id);
        store_close(&st);
        return ACCORD_EXIT_USAGE;
    }
    store_txn_t *t;
    report_t r;
    if (!(rc = store_txn_begin(st, false, &t)) && !kpi_current(t)) {
        /* an older version made these counters: figures it never counted would read as 0 */
        fprintf(stderr, "accordctl: the report counters in %s were made by an older version of accord: start the node "
                        "once (accord-node --data %s) to rebuild them, then report again\n", dir, dir);
        store_txn_abort(&t);
        identity_destroy(&id);
        store_close(&st);
        return ACCORD_EXIT_REFUSED;
    }
    if (!rc) {
        rc = report_branches(t, from, to, today, branch, &r);
        if (!rc && quality && (rc = report_duplicates(t, &r))) report_free(&r);
        store_txn_abort(&t);
    }
    if (rc) fprintf(stderr, "accordctl: cannot read the counters: %s\n", accord_strerror(rc));
    else {
        if (a->json) report_write_json(stdout, &r);
        else if (ctl_flag(a, "csv")) print_csv(&r);
        else print_table(&r, quality);
        report_free(&r);
    }
    identity_destroy(&id);
    store_close(&st);
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

/* RFM segments and the top customers by won value (a scan of every customer: seconds on a
 * big store, not the counters' milliseconds). */
int ctl_report_customers(const ctl_args_t *a)
{
    const char *dir = a->dir, *segment = ctl_opt(a, "segment"), *currency = ctl_opt(a, "currency");
    const char *branch = ctl_opt(a, "branch"), *top_s = ctl_opt(a, "top");
    long top = top_s ? strtol(top_s, NULL, 10) : 20;
    if ((segment && strcmp(segment, "rfm")) || top < 0 || top > 1000000 || (currency && strlen(currency) > 8)) {
        fprintf(stderr, "usage: accordctl report customers --data DIR [--segment rfm] [--currency CODE] [--branch NAME]\n"
                        "       [--top N (20; 0: all)] [--csv|--json]\n");
        return ACCORD_EXIT_USAGE;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(dir, &st, &id);
    if (rc) return rc;
    store_txn_t *t;
    report_customers_t r;
    char cur[9] = "";
    if (!(rc = store_txn_begin(st, false, &t))) {
        if (currency) snprintf(cur, sizeof cur, "%s", currency);
        else report_main_currency(t, cur);
        rc = report_customers(t, hlc_wall_ms(), cur, branch, &r);
        store_txn_abort(&t);
    }
    if (rc) {
        fprintf(stderr, "accordctl: cannot read the customers: %s\n", accord_strerror(rc));
    } else {
        unsigned shown = top && (unsigned long)top < r.n ? (unsigned)top : r.n;
        if (a->json) report_customers_write_json(stdout, &r, (unsigned)top);
        else if (ctl_flag(a, "csv")) {
            printf("id,name,branch,recency_days,frequency,monetary_minor,r,f,m,segment\n");
            for (unsigned i = 0; i < shown; i++) {
                const report_customer_t *c = &r.customers[i];
                for (int b = 0; b < 16; b++) printf("%02x", c->id[b]);
                putchar(',');
                csv_fwrite(stdout, c->name, strlen(c->name));
                putchar(',');
                csv_fwrite(stdout, c->branch, strlen(c->branch));
                printf(",%lld,%lld,%lld,%u,%u,%u,%s\n", (long long)c->recency_days, (long long)c->frequency,
                       (long long)c->monetary, c->r, c->f, c->m, c->segment);
            }
        } else {
            printf("%u customers, money in %s; top %u by won value:\n%-12s %-24s %-12s %8s %5s %14s  R F M  SEGMENT\n", r.n,
                   cur[0] ? cur : "(none won yet)", shown, "ID", "NAME", "BRANCH", "RECENCY", "FREQ", "WON");
            for (unsigned i = 0; i < shown; i++) {
                const report_customer_t *c = &r.customers[i];
                char amount[40] = "-", rec[24] = "never";
                if (cur[0]) schema_money_format(c->monetary, cur, amount, sizeof amount);
                if (c->recency_days >= 0) snprintf(rec, sizeof rec, "%lldd", (long long)c->recency_days);
                printf("%02x%02x%02x%02x%02x%02x ", c->id[0], c->id[1], c->id[2], c->id[3], c->id[4], c->id[5]);
                char name[4 * sizeof c->name], br[4 * sizeof c->branch]; /* peers' text, shown safe */
                output_padded(stdout, output_text(c->name, strlen(c->name), name, sizeof name), 24);
                putchar(' ');
                output_padded(stdout, output_text(c->branch, strlen(c->branch), br, sizeof br), 12);
                printf(" %8s %5lld %14s  %u %u %u  %s\n", rec, (long long)c->frequency, amount, c->r, c->f, c->m,
                       c->segment);
            }
        }
        report_customers_free(&r);
    }
    identity_destroy(&id);
    store_close(&st);
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

/* Sets the report time zone and derives the counters again (node stopped). */
int ctl_report_tz(const ctl_args_t *a)
{
    const char *dir = a->dir, *zone = a->pos[0];
    if (!zone || strlen(zone) > 64 || strstr(zone, "..")) {
        fprintf(stderr, "usage: accordctl report tz --data DIR ZONE (a tz database name such as Asia/Tehran)\n");
        return ACCORD_EXIT_USAGE;
    }
    if (!kpi_time_zone_known(zone)) {
        fprintf(stderr, "accordctl: '%s' is not a time zone this machine knows (an IANA name such as Asia/Tehran)\n", zone);
        return ACCORD_EXIT_USAGE;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node_writable(dir, &st, &id);
    if (rc) return rc;
    store_txn_t *t;
    if (!(rc = store_txn_begin(st, true, &t))) {
        if ((rc = kpi_rebuild(t, zone))) store_txn_abort(&t);
        else rc = store_txn_commit(&t);
    }
    if (rc) fprintf(stderr, "accordctl: cannot set the time zone: %s\n", accord_strerror(rc));
    else if (a->json) {
        printf("{\"time_zone\":");
        output_json_string(stdout, zone);
        printf(",\"restart_needed\":true}\n");
    } else printf("reports of %s now count days in %s; restart the node so that it does too\n", id->name, zone);
    identity_destroy(&id);
    store_close(&st);
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

int ctl_report_branches(const ctl_args_t *a)
{
    return report_cmd_run(a, false);
}

int ctl_report_quality(const ctl_args_t *a)
{
    return report_cmd_run(a, true);
}
