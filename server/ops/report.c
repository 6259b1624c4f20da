/* SPDX-License-Identifier: MIT
 * report: per-branch figures summed from the counters, RFM scores, and their JSON and CSV
 * (report.h). */
#define _GNU_SOURCE /* qsort_r */
#define _POSIX_C_SOURCE 200809L
#include "ops/report.h"
#include "proto/accord_err.h"
#include "proto/calendar.h"
#include "proto/record.h"
#include "state/kpi.h"
#include "state/entity.h"
#include "ops/dedupe.h"
#include "proto/schema.h"
#include "proto/json.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t iso_week_start(int year, int week)
{
    /* ISO week 1 holds January 4th; weeks start on Monday */
    uint32_t jan4;
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-01-04", year);
    jan4 = kpi_day_of_date(buf, 10);
    if (!jan4) return 0;
    /* day numbers are days since 1970-01-01 (a Thursday) plus 1 */
    unsigned weekday = (unsigned)((jan4 - 1 + 3) % 7); /* 0 = Monday */
    return jan4 - weekday + (uint32_t)(week - 1) * 7;
}

static uint32_t days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return (uint32_t)(d[m - 1] + (m == 2 && leap));
}

/* The n bytes at s as a number if they are all digits, else -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* ---- the Solar Hijri calendar (Iran's; fa: periods): proto/calendar.h; periods take
 * years up to CALENDAR_PERSIAN_LAST_YEAR ---- */
static bool persian_year_ok(int y)
{
    return y >= CALENDAR_PERSIAN_FIRST_YEAR && y <= CALENDAR_PERSIAN_LAST_YEAR;
}

/* "1405-09-01" (exactly 10 bytes at s) to its day number, 0 if it is not a date. */
static uint32_t persian_day(const char *s, size_t n)
{
    if (n != 10 || s[4] != '-' || s[7] != '-') return 0;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (!persian_year_ok(y) || m < 1 || m > 12 || d < 1 || (uint32_t)d > calendar_persian_month_days(y, m)) return 0;
    return calendar_persian_month_start(y, m) + (uint32_t)d - 1;
}

/* spec without its "fa:": 1405 | 1405-Q3 | 1405-09 | 1405-09-01 | 1405-09-01..1405-09-15 */
static int persian_period(const char *spec, uint32_t *from, uint32_t *to)
{
    const char *dots = strstr(spec, "..");
    size_t len = strlen(spec);
    if (dots) {
        *from = persian_day(spec, (size_t)(dots - spec));
        *to = persian_day(dots + 2, strlen(dots + 2));
        return *from && *to && *from <= *to ? 0 : ACCORD_EINVAL;
    }
    if (len == 10) return (*from = *to = persian_day(spec, len)) ? 0 : ACCORD_EINVAL;
    int y = len >= 4 ? digits(spec, 4) : -1;
    if (!persian_year_ok(y)) return ACCORD_EINVAL;
    int first = 1, last = 12; /* the months the period covers */
    if (len == 7 && spec[4] == '-' && spec[5] == 'Q') {
        int q = digits(spec + 6, 1);
        if (q < 1 || q > 4) return ACCORD_EINVAL;
        first = 3 * q - 2, last = 3 * q;
    } else if (len == 7 && spec[4] == '-') {
        first = last = digits(spec + 5, 2);
        if (first < 1 || first > 12) return ACCORD_EINVAL;
    } else if (len != 4) {
        return ACCORD_EINVAL;
    }
    *from = calendar_persian_month_start(y, first);
    *to = calendar_persian_month_start(y, last) + calendar_persian_month_days(y, last) - 1;
    return 0;
}

int report_period(const char *spec, uint32_t *from, uint32_t *to)
{
    int y, m, d, w;
    char extra;
    if (!strncmp(spec, "fa:", 3)) return persian_period(spec + 3, from, to);
    const char *dots = strstr(spec, "..");
    if (dots) {
        *from = kpi_day_of_date(spec, (size_t)(dots - spec));
        *to = kpi_day_of_date(dots + 2, strlen(dots + 2));
        return *from && *to && *from <= *to && dots - spec == 10 && strlen(dots + 2) == 10 ? 0 : ACCORD_EINVAL;
    }
    size_t len = strlen(spec);
    if (len == 10 && sscanf(spec, "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3) {
        *from = *to = kpi_day_of_date(spec, len);
        return *from ? 0 : ACCORD_EINVAL;
    }
    if (len == 8 && sscanf(spec, "%4d-W%2d%c", &y, &w, &extra) == 2 && w >= 1 && w <= 53 && y >= 1970) {
        *from = iso_week_start(y, w);
        *to = *from + 6;
        return *from ? 0 : ACCORD_EINVAL;
    }
    if (len == 7 && spec[4] == '-' && spec[5] == 'Q' && (y = digits(spec, 4)) >= 1970 && (w = digits(spec + 6, 1)) >= 1 &&
        w <= 4) {
        char buf[32];
        snprintf(buf, sizeof buf, "%04d-%02d-01", y, 3 * w - 2);
        *from = kpi_day_of_date(buf, 10);
        snprintf(buf, sizeof buf, "%04d-%02d-01", y, 3 * w);
        *to = kpi_day_of_date(buf, 10) + days_in_month(y, 3 * w) - 1;
        return *from ? 0 : ACCORD_EINVAL;
    }
    if (len == 7 && sscanf(spec, "%4d-%2d%c", &y, &m, &extra) == 2 && m >= 1 && m <= 12 && y >= 1970) {
        char buf[32];
        snprintf(buf, sizeof buf, "%04d-%02d-01", y, m);
        *from = kpi_day_of_date(buf, 10);
        *to = *from + days_in_month(y, m) - 1;
        return *from ? 0 : ACCORD_EINVAL;
    }
    if (len == 4 && sscanf(spec, "%4d%c", &y, &extra) == 1 && y >= 1970) {
        char buf[32];
        snprintf(buf, sizeof buf, "%04d-01-01", y);
        *from = kpi_day_of_date(buf, 10);
        snprintf(buf, sizeof buf, "%04d-12-31", y);
        *to = kpi_day_of_date(buf, 10);
        return *from && *to ? 0 : ACCORD_EINVAL;
    }
    return ACCORD_EINVAL;
}

static report_branch_t *branch_of(report_t *r, const char *name, size_t len)
{
    if (len > 64) len = 64;
    for (unsigned i = r->n; i-- > 0;) /* a few hundred branches at most: the last one is the likely one */
        if (strncmp(r->branches[i].branch, name, len) == 0 && r->branches[i].branch[len] == 0) return &r->branches[i];
    if ((r->n & (r->n - 1)) == 0) {
        r->branches = realloc(r->branches, (r->n ? 2 * r->n : 8) * sizeof *r->branches);
        if (!r->branches) abort();
    }
    report_branch_t *b = &r->branches[r->n++];
    memset(b, 0, sizeof *b);
    memcpy(b->branch, name, len);
    return b;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const report_branch_t *)a)->branch, ((const report_branch_t *)b)->branch);
}

static void mix_add(report_mix_t *mx, const char *key, size_t klen, int64_t v, int64_t v2, int64_t count)
{
    if (klen >= sizeof mx->items[0].key) klen = sizeof mx->items[0].key - 1;
    for (unsigned i = 0; i < mx->n; i++)
        if (strlen(mx->items[i].key) == klen && memcmp(mx->items[i].key, key, klen) == 0) {
            mx->items[i].value += v;
            mx->items[i].value2 += v2;
            mx->items[i].count += count;
            return;
        }
    if (mx->n == REPORT_MAX_KEYS) {
        mx->other += v;
        return;
    }
    report_pair_t *p = &mx->items[mx->n++];
    memcpy(p->key, key, klen);
    p->key[klen] = 0;
    p->value = v;
    p->value2 = v2;
    p->count = count;
}

int report_branches(store_txn_t *t, uint32_t from, uint32_t to, uint32_t today, const char *branch, report_t *out)
{
    memset(out, 0, sizeof *out);
    out->from_day = from, out->to_day = to, out->today = today;
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_KPI, NULL, 0, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        const uint8_t *key = k.data;
        const uint8_t *nul = k.len > 1 ? memchr(key + 1, 0, k.len - 1) : NULL;
        if (!nul || v.len != 8 || (size_t)(nul - key) + 5 > k.len) continue;
        size_t blen = (size_t)(nul - key) - 1;
        const char *bname = (const char *)key + 1;
        if (branch && (strlen(branch) != blen || memcmp(branch, bname, blen))) continue;
        const uint8_t *d = nul + 1;
        uint32_t day = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
        const char *extra = (const char *)d + 4;
        size_t elen = k.len - (size_t)(extra - (const char *)key);
        int64_t val = (int64_t)be64_get(v.data);
        kpi_metric_t m = (kpi_metric_t)key[0];
        bool in_period = day >= from && day <= to;
        report_branch_t *b = branch_of(out, bname, blen);
        switch (m) {
        case KPI_CUSTOMERS_NEW: if (in_period) b->customers_new += val; break;
        case KPI_INTERACTIONS:
            if (in_period) b->interactions += val, mix_add(&b->interactions_by_kind, extra, elen, val, 0, 0);
            break;
        case KPI_DEALS_NEW: if (in_period) b->deals_new += val; break;
        case KPI_DEALS_WON: if (in_period) b->deals_won += val; break;
        case KPI_WON_VALUE: if (in_period) mix_add(&b->won_value, extra, elen, val, 0, 0); break;
        case KPI_CLOSE_DAYS: if (in_period) b->close_days += val; break;
        case KPI_DEALS_LOST: if (in_period) b->deals_lost += val; break;
        case KPI_LOST_REASON: if (in_period) mix_add(&b->lost_reasons, elen ? extra : "(none)", elen ? elen : 6, val, 0, 0); break;
        case KPI_PIPELINE:
        case KPI_PIPELINE_WEIGHTED: {
            char label[72]; /* stage 0x00 currency -> "stage currency" */
            size_t n = elen < sizeof label - 1 ? elen : sizeof label - 1;
            memcpy(label, extra, n);
            for (size_t i = 0; i < n; i++)
                if (!label[i]) label[i] = ' ';
            mix_add(&b->pipeline, label, n, m == KPI_PIPELINE ? val : 0, m == KPI_PIPELINE_WEIGHTED ? val : 0, 0);
            break;
        }
        case KPI_PIPELINE_DEALS: b->deals_open += val; break;
        case KPI_TASKS_DUE: if (in_period) b->tasks_due += val; break;
        case KPI_TASKS_OPEN: if (day && day < today) b->tasks_overdue += val; break;
        case KPI_TASKS_DONE: if (in_period) b->tasks_done += val; break;
        case KPI_CUSTOMERS: b->customers += val; break;
        case KPI_WITH_PHONE: b->with_phone += val; break;
        case KPI_WITH_EMAIL: b->with_email += val; break;
        case KPI_WITH_OWNER: b->with_owner += val; break;
        case KPI_RESPONDED: if (in_period) b->responded += val; break;
        case KPI_RESPONSE_HOURS: if (in_period) b->response_hours += val; break;
        case KPI_IMPORT_ROWS: if (in_period) b->import_rows += val; break;
        case KPI_IMPORT_REJECTED: if (in_period) b->import_rejected += val; break;
        case KPI_NEW_WITH_PHONE: if (in_period) b->new_with_phone += val; break;
        case KPI_NEW_WITH_EMAIL: if (in_period) b->new_with_email += val; break;
        case KPI_NEW_WITH_OWNER: if (in_period) b->new_with_owner += val; break;
        case KPI_QUOTES_SENT: if (in_period) b->quotes_sent += val; break;
        case KPI_QUOTES_ACCEPTED: if (in_period) b->quotes_accepted += val; break;
        case KPI_INVOICES_ISSUED: if (in_period) b->invoices_issued += val; break;
        case KPI_INVOICED_VALUE: if (in_period) mix_add(&b->invoiced, extra, elen, val, 0, 0); break;
        case KPI_PAID_VALUE: if (in_period) mix_add(&b->paid, extra, elen, val, 0, 0); break;
        case KPI_INVOICES_UNPAID: if (day && day < today) b->invoices_overdue += val; break;
        case KPI_UNPAID_VALUE: /* every day is owed; the days before today are overdue */
            mix_add(&b->outstanding, extra, elen, val, 0, 0);
            if (day && day < today) mix_add(&b->overdue_value, extra, elen, val, 0, 0);
            break;
        case KPI_TICKETS_OPENED: if (in_period) b->tickets_opened += val; break;
        case KPI_TICKETS_CLOSED: if (in_period) b->tickets_closed += val; break;
        case KPI_CLOSE_MINUTES: if (in_period) b->close_minutes += val; break;
        case KPI_SLA_BREACHED: if (in_period) b->sla_closed_late += val; break;
        case KPI_TICKETS_OPEN_SLA: if (day && day < today) b->tickets_overdue += val; break;
        default: break;
        }
    }
    store_iter_destroy(&it);
    if (rc < 0) report_free(out);
    else if (out->n) qsort(out->branches, out->n, sizeof *out->branches, by_name);
    return rc < 0 ? rc : 0;
}

void report_free(report_t *r)
{
    free(r->branches);
    r->branches = NULL;
    r->n = 0;
}

/* ---- JSON, as the CLI and the dashboard's endpoint print it ---- */

/* Amounts go out twice: in minor units, for sums, and as the currency writes them (its own
 * number of decimals), for people, so no reader needs the table of currencies. */
static void json_money(FILE *f, int64_t minor, const char *currency)
{
    char text[40];
    schema_money_format(minor, currency, text, sizeof text);
    json_write_cstr(f, text);
}

static void json_mix(FILE *f, const char *name, const report_mix_t *m, int money)
{
    fprintf(f, ",\"%s\":{", name);
    for (unsigned i = 0; i < m->n; i++) {
        if (i) fprintf(f, ",");
        json_write_cstr(f, m->items[i].key);
        if (money == 2) { /* pipeline: the key is "stage currency" */
            const char *cur = strrchr(m->items[i].key, ' ');
            cur = cur ? cur + 1 : "";
            fprintf(f, ":{\"amount_minor\":%lld,\"weighted_minor\":%lld,\"amount\":", (long long)m->items[i].value,
                    (long long)m->items[i].value2);
            json_money(f, m->items[i].value, cur);
            fprintf(f, ",\"weighted\":");
            json_money(f, m->items[i].value2, cur);
            fprintf(f, "}");
        } else if (money == 1) { /* the key is the currency */
            fprintf(f, ":");
            json_money(f, m->items[i].value, m->items[i].key);
        } else {
            fprintf(f, ":%lld", (long long)m->items[i].value);
        }
    }
    fprintf(f, "}");
}

void report_day_text(uint32_t day, char out[11])
{
    /* "no end" (UINT32_MAX, report quality's default) is a year of 8 digits: shown as the
     * last day that fits, 9999-12-31 (day 2932897), never as an unterminated buffer */
    if (day > 2932897) day = 2932897;
    time_t s = (time_t)(day - 1) * 86400;
    struct tm tm;
    gmtime_r(&s, &tm);
    if (!strftime(out, 11, "%Y-%m-%d", &tm)) out[0] = '\0';
}

/* Quotes, invoices and tickets (docs/CLI.md, Report figures). */
static void write_sales_json(FILE *f, const report_branch_t *b)
{
    fprintf(f, ",\"quotes_sent\":%lld,\"quotes_accepted\":%lld,\"quote_conversion\":%.4f,\"invoices_issued\":%lld",
            (long long)b->quotes_sent, (long long)b->quotes_accepted,
            b->quotes_sent ? (double)b->quotes_accepted / (double)b->quotes_sent : 0.0, (long long)b->invoices_issued);
    json_mix(f, "invoiced_minor", &b->invoiced, 0);
    json_mix(f, "invoiced", &b->invoiced, 1);
    json_mix(f, "paid_minor", &b->paid, 0);
    json_mix(f, "paid", &b->paid, 1);
    json_mix(f, "outstanding_minor", &b->outstanding, 0);
    json_mix(f, "outstanding", &b->outstanding, 1);
    fprintf(f, ",\"invoices_overdue\":%lld", (long long)b->invoices_overdue);
    json_mix(f, "overdue_value_minor", &b->overdue_value, 0);
    json_mix(f, "overdue_value", &b->overdue_value, 1);
    fprintf(f, ",\"tickets_opened\":%lld,\"tickets_closed\":%lld,\"avg_hours_to_close\":%.2f,\"sla_breaches\":%lld,"
               "\"tickets_overdue\":%lld",
            (long long)b->tickets_opened, (long long)b->tickets_closed,
            b->tickets_closed ? (double)b->close_minutes / 60.0 / (double)b->tickets_closed : 0.0,
            (long long)(b->sla_closed_late + b->tickets_overdue), (long long)b->tickets_overdue);
}

void report_write_json(FILE *f, const report_t *r)
{
    char from[11], to[11];
    report_day_text(r->from_day, from);
    report_day_text(r->to_day, to);
    fprintf(f, "{\"from\":\"%s\",\"to\":\"%s\",\"branches\":[", from, to);
    for (unsigned i = 0; i < r->n; i++) {
        const report_branch_t *b = &r->branches[i];
        fprintf(f, "%s{\"branch\":", i ? "," : "");
        json_write_cstr(f, b->branch);
        int64_t closed = b->deals_won + b->deals_lost;
        fprintf(f, ",\"customers_new\":%lld,\"new_with_phone\":%lld,\"new_with_email\":%lld,\"new_with_owner\":%lld",
                (long long)b->customers_new, (long long)b->new_with_phone, (long long)b->new_with_email,
                (long long)b->new_with_owner);
        fprintf(f, ",\"interactions\":%lld,\"deals_new\":%lld,\"deals_won\":%lld,\"deals_lost\":%lld,"
               "\"win_rate\":%.4f,\"avg_days_to_close\":%.2f,\"deals_open\":%lld,\"tasks_due\":%lld,\"tasks_overdue\":%lld,"
               "\"tasks_done\":%lld,\"customers\":%lld,\"with_phone\":%lld,\"with_email\":%lld,\"with_owner\":%lld,"
               "\"responded\":%lld,\"avg_first_response_hours\":%.2f,\"import_rows\":%lld,\"import_rows_rejected\":%lld",
               (long long)b->interactions, (long long)b->deals_new, (long long)b->deals_won,
               (long long)b->deals_lost, closed ? (double)b->deals_won / (double)closed : 0.0,
               b->deals_won ? (double)b->close_days / (double)b->deals_won : 0.0, (long long)b->deals_open,
               (long long)b->tasks_due, (long long)b->tasks_overdue, (long long)b->tasks_done, (long long)b->customers,
               (long long)b->with_phone, (long long)b->with_email, (long long)b->with_owner, (long long)b->responded,
               b->responded ? (double)b->response_hours / (double)b->responded : 0.0, (long long)b->import_rows,
               (long long)b->import_rejected);
        if (r->has_duplicates) fprintf(f, ",\"duplicate_pairs\":%lld", (long long)b->duplicate_pairs);
        json_mix(f, "interactions_by_kind", &b->interactions_by_kind, 0);
        json_mix(f, "won_value_minor", &b->won_value, 0);
        json_mix(f, "won_value", &b->won_value, 1);
        json_mix(f, "lost_reasons", &b->lost_reasons, 0);
        json_mix(f, "pipeline", &b->pipeline, 2);
        write_sales_json(f, b);
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
}


static bool one_branch(void *ctx, const char *b, size_t len)
{
    const char *want = ctx;
    return b && strlen(want) == len && !memcmp(want, b, len);
}

int report_daily(store_txn_t *t, uint32_t from, uint32_t to, const char *branch, report_daily_t *out)
{
    return report_daily_scoped(t, from, to, branch ? one_branch : NULL, (void *)branch, out);
}

int report_daily_scoped(store_txn_t *t, uint32_t from, uint32_t to, report_allow_fn allow, void *ctx,
                        report_daily_t *out)
{
    memset(out, 0, sizeof *out);
    if (to < from || to - from >= REPORT_MAX_DAYS) return ACCORD_ETOOBIG;
    out->n = to - from + 1;
    static const uint8_t metrics[] = {KPI_CUSTOMERS_NEW, KPI_DEALS_WON, KPI_INTERACTIONS};
    int rc = 0;
    for (size_t m = 0; m < sizeof metrics && !rc; m++) {
        store_iter_t *it;
        if ((rc = store_iter_new(t, TBL_KPI, &metrics[m], 1, false, &it))) break;
        store_val_t k, v;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            const uint8_t *key = k.data;
            const uint8_t *nul = memchr(key + 1, 0, k.len - 1);
            if (!nul || v.len != 8 || (size_t)(nul - key) + 5 > k.len) continue;
            size_t blen = (size_t)(nul - key) - 1;
            if (allow && !allow(ctx, (const char *)key + 1, blen)) continue;
            uint32_t day = (uint32_t)nul[1] << 24 | (uint32_t)nul[2] << 16 | (uint32_t)nul[3] << 8 | nul[4];
            if (day < from || day > to) continue;
            int64_t val = (int64_t)be64_get(v.data);
            int64_t *series = m == 0 ? out->customers_new : m == 1 ? out->deals_won : out->interactions;
            series[day - from] += val;
        }
        store_iter_destroy(&it);
        if (rc > 0) rc = 0;
    }
    return rc;
}

static void json_series(FILE *f, const char *name, const int64_t *v, uint32_t n)
{
    fprintf(f, ",\"%s\":[", name);
    for (uint32_t i = 0; i < n; i++) fprintf(f, "%s%lld", i ? "," : "", (long long)v[i]);
    fprintf(f, "]");
}

void report_daily_write_json(FILE *f, uint32_t from, const report_daily_t *d)
{
    char day[11];
    report_day_text(from, day);
    fprintf(f, "{\"from\":\"%s\",\"days\":%u", day, d->n);
    json_series(f, "customers_new", d->customers_new, d->n);
    json_series(f, "deals_won", d->deals_won, d->n);
    json_series(f, "interactions", d->interactions, d->n);
    fprintf(f, "}\n");
}

/* ---- customers: RFM and top customers by won value ---- */

typedef struct {
    const char *currency;
    int64_t sum;
} money_ctx_t;

static int add_won(void *ctx, const char *currency, int64_t amount)
{
    money_ctx_t *m = ctx;
    if (!strcmp(currency, m->currency)) m->sum += amount;
    return 0;
}

/* Comparators of indices into the customers (ctx), for qsort_r: no array in a static. */
static int by_recency(const void *a, const void *b, void *ctx) /* most recent first; never last */
{
    const report_customer_t *c = ctx;
    int64_t x = c[*(const unsigned *)a].recency_days, y = c[*(const unsigned *)b].recency_days;
    if (x < 0) x = INT64_MAX;
    if (y < 0) y = INT64_MAX;
    return x < y ? -1 : x > y;
}
static int by_frequency(const void *a, const void *b, void *ctx)
{
    const report_customer_t *c = ctx;
    int64_t x = c[*(const unsigned *)a].frequency, y = c[*(const unsigned *)b].frequency;
    return x > y ? -1 : x < y;
}
static int by_monetary(const void *a, const void *b, void *ctx)
{
    const report_customer_t *c = ctx;
    int64_t x = c[*(const unsigned *)a].monetary, y = c[*(const unsigned *)b].monetary;
    return x > y ? -1 : x < y;
}
static int by_monetary_rows(const void *a, const void *b)
{
    const report_customer_t *x = a, *y = b;
    if (x->monetary != y->monetary) return x->monetary > y->monetary ? -1 : 1;
    return memcmp(x->id, y->id, 16);
}

/* Scores 5 (the best fifth) to 1 by rank; equal values share the better score. */
static void score(report_customer_t *c, unsigned n, int (*cmp)(const void *, const void *, void *), size_t field)
{
    unsigned *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx) abort();
    for (unsigned i = 0; i < n; i++) idx[i] = i;
    qsort_r(idx, n, sizeof *idx, cmp, c);
    uint8_t last = 5;
    for (unsigned rank = 0; rank < n; rank++) {
        uint8_t sc = (uint8_t)(5 - (uint64_t)rank * 5 / n);
        if (rank && cmp(&idx[rank], &idx[rank - 1], c) == 0) sc = last;
        *((uint8_t *)&c[idx[rank]] + field) = sc;
        last = sc;
    }
    free(idx);
}

/* A customer with nothing on an axis (never contacted, no contact, nothing won) scores 1
 * there: ties share the better score, so when most customers have won nothing the first
 * of them ranks high and all of them would share a 5. */
static void score_nothing_lowest(report_customer_t *c)
{
    if (c->recency_days < 0) c->r = 1;
    if (c->frequency == 0) c->f = 1;
    if (c->monetary <= 0) c->m = 1;
}

/* Champions are recent, frequent AND have bought: a customer with no won value never is. */
static const char *segment_of(const report_customer_t *c)
{
    if (c->frequency == 0) return "no activity";
    if (c->r >= 4 && c->f >= 4 && c->m >= 4 && c->monetary > 0) return "champions";
    if (c->f >= 4) return "loyal";
    if (c->r >= 4 && c->f <= 2) return "new";
    if (c->r <= 2 && c->f >= 3) return "at risk";
    if (c->r <= 2) return "hibernating";
    return "needs attention";
}

int report_customers(store_txn_t *t, uint64_t now_ms, const char *currency, const char *branch, report_customers_t *out)
{
    return report_customers_scoped(t, now_ms, currency, branch ? one_branch : NULL, (void *)branch, out);
}

int report_customers_scoped(store_txn_t *t, uint64_t now_ms, const char *currency, report_allow_fn allow, void *ctx,
                            report_customers_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->currency, sizeof out->currency, "%s", currency);
    uint8_t prefix = KIND_CUSTOMER;
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_BYKIND, &prefix, 1, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    unsigned cap = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != 1 + ID_LEN) continue;
        const uint8_t *id = (const uint8_t *)k.data + 1;
        if (entity_deleted(t, id)) continue;
        size_t blen, nlen;
        const char *b = entity_text(t, id, F_BRANCH, &blen), *name = entity_text(t, id, F_CU_NAME, &nlen);
        if (allow && (!b || !allow(ctx, b, blen))) continue;
        if (out->n == cap) {
            cap = cap ? 2 * cap : 256;
            out->customers = realloc(out->customers, cap * sizeof *out->customers);
            if (!out->customers) abort();
        }
        report_customer_t *c = &out->customers[out->n++];
        memset(c, 0, sizeof *c);
        memcpy(c->id, id, 16);
        if (name) snprintf(c->name, sizeof c->name, "%.*s", (int)(nlen < 79 ? nlen : 79), name);
        if (b) snprintf(c->branch, sizeof c->branch, "%.*s", (int)(blen < 64 ? blen : 64), b);
        kpi_customer_links_t links;
        money_ctx_t m = {currency, 0};
        if ((rc = kpi_customer_links(t, id, &links, add_won, &m))) break;
        c->frequency = (int64_t)(links.interactions + links.won);
        c->monetary = m.sum;
        c->recency_days = links.last_ms ? (int64_t)((now_ms > links.last_ms ? now_ms - links.last_ms : 0) / 86400000) : -1;
    }
    store_iter_destroy(&it);
    if (rc < 0) {
        report_customers_free(out);
        return rc;
    }
    score(out->customers, out->n, by_recency, offsetof(report_customer_t, r));
    score(out->customers, out->n, by_frequency, offsetof(report_customer_t, f));
    score(out->customers, out->n, by_monetary, offsetof(report_customer_t, m));
    for (unsigned i = 0; i < out->n; i++) {
        score_nothing_lowest(&out->customers[i]);
        out->customers[i].segment = segment_of(&out->customers[i]);
    }
    if (out->n) qsort(out->customers, out->n, sizeof *out->customers, by_monetary_rows); /* NULL when none */
    return 0;
}

void report_customers_free(report_customers_t *r)
{
    free(r->customers);
    r->customers = NULL;
    r->n = 0;
}

void report_customers_write_json(FILE *f, const report_customers_t *r, unsigned top)
{
    static const char *const segments[] = {"champions", "loyal", "new", "at risk", "hibernating", "needs attention",
                                           "no activity"};
    fprintf(f, "{\"currency\":");
    json_write_cstr(f, r->currency); /* from the caller: a query string, a command line */
    fprintf(f, ",\"customers_counted\":%u,\"segments\":{", r->n);
    for (size_t s = 0; s < sizeof segments / sizeof segments[0]; s++) {
        unsigned n = 0;
        for (unsigned i = 0; i < r->n; i++) n += r->customers[i].segment == segments[s];
        fprintf(f, "%s\"%s\":%u", s ? "," : "", segments[s], n);
    }
    fprintf(f, "},\"customers\":[");
    unsigned shown = top && top < r->n ? top : r->n;
    for (unsigned i = 0; i < shown; i++) {
        const report_customer_t *c = &r->customers[i];
        char hex[33];
        for (int b = 0; b < 16; b++) snprintf(hex + 2 * b, 3, "%02x", c->id[b]);
        fprintf(f, "%s{\"id\":\"%s\",\"name\":", i ? "," : "", hex);
        json_write_cstr(f, c->name);
        fprintf(f, ",\"branch\":");
        json_write_cstr(f, c->branch);
        fprintf(f, ",\"recency_days\":%lld,\"frequency\":%lld,\"monetary_minor\":%lld,\"monetary\":",
                (long long)c->recency_days, (long long)c->frequency, (long long)c->monetary);
        json_money(f, c->monetary, r->currency);
        fprintf(f, ",\"r\":%u,\"f\":%u,\"m\":%u,\"segment\":\"%s\"}", c->r, c->f, c->m, c->segment);
    }
    fprintf(f, "]}\n");
}

void report_main_currency(store_txn_t *t, char out[9])
{
    char seen[16][9];
    unsigned count[16] = {0}, n = 0;
    out[0] = 0;
    store_iter_t *it;
    if (store_iter_new(t, TBL_CUSTLINKS, NULL, 0, false, &it)) return;
    store_val_t k, v;
    while (store_iter_next(it, &k, &v) == 1) {
        if (k.len < ID_LEN + 1 || ((const uint8_t *)k.data)[ID_LEN] != KPI_LINK_WON || v.len < 8) continue;
        char cur[9];
        size_t cl = v.len - 8 > 8 ? 8 : v.len - 8;
        memcpy(cur, (const uint8_t *)v.data + 8, cl);
        cur[cl] = 0;
        unsigned i = 0;
        while (i < n && strcmp(seen[i], cur)) i++;
        if (i == n && n < 16) memcpy(seen[n++], cur, sizeof cur);
        if (i < n) count[i]++;
    }
    store_iter_destroy(&it);
    unsigned best = 0;
    for (unsigned i = 1; i < n; i++)
        if (count[i] > count[best]) best = i;
    if (n) memcpy(out, seen[best], 9);
}

static const msgpack_object *map_get(const msgpack_object *m, const char *key)
{
    if (!m || m->type != MSGPACK_OBJECT_MAP) return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && !memcmp(k->via.str.ptr, key, n))
            return &m->via.map.ptr[i].val;
    }
    return NULL;
}

static void count_pair_branch(report_t *r, const msgpack_object *b)
{
    if (b && b->type == MSGPACK_OBJECT_STR) branch_of(r, b->via.str.ptr, b->via.str.size)->duplicate_pairs++;
}

int report_duplicates(store_txn_t *t, report_t *r)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char msg[200];
    int rc = dedupe_scan(t, 1000000, &pk, msg, sizeof msg);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    if (!rc && msgpack_unpack_next(&u, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        const msgpack_object *pairs = map_get(&u.data, "pairs");
        for (uint32_t i = 0; pairs && pairs->type == MSGPACK_OBJECT_ARRAY && i < pairs->via.array.size; i++) {
            const msgpack_object *p = &pairs->via.array.ptr[i], *a = map_get(p, "a_branch"), *b = map_get(p, "b_branch");
            count_pair_branch(r, a); /* a pair across two branches counts at both */
            if (b && a && b->type == MSGPACK_OBJECT_STR && a->type == MSGPACK_OBJECT_STR &&
                (a->via.str.size != b->via.str.size || memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size)))
                count_pair_branch(r, b);
        }
        r->has_duplicates = true;
        if (r->n) qsort(r->branches, r->n, sizeof *r->branches, by_name);
    }
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
