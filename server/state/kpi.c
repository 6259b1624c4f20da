/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "state/kpi.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "state/entity.h"
#include "state/tzone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void zone_free(void *zone)
{
    tzone_t *z = zone;
    tzone_destroy(&z);
}

/* Opens the zone name and hands it to the store (tzone.h: no process-wide TZ). */
static int set_zone(store_t *st, const char *name)
{
    tzone_t *z = NULL;
    int rc = tzone_open(name, &z);
    if (rc) return rc;
    store_set_zone(st, z, zone_free);
    return 0;
}

int kpi_use_time_zone(store_t *st)
{
    return kpi_use_time_zone_of(st, st);
}

int kpi_use_time_zone_of(store_t *st, store_t *of)
{
    store_txn_t *t;
    int rc = store_txn_begin(of, false, &t);
    if (rc) return rc;
    store_val_t v;
    char tz[80] = "";
    if (store_get(t, TBL_META, "tz", 2, &v) == 0 && v.len > 0 && v.len < sizeof tz) {
        memcpy(tz, v.data, v.len);
        tz[v.len] = 0;
    }
    store_txn_abort(&t);
    return set_zone(st, tz);
}

bool kpi_time_zone_known(const char *name)
{
    tzone_t *z = NULL;
    int rc = tzone_open(name, &z);
    tzone_destroy(&z);
    return rc == 0;
}

uint32_t kpi_day_of_ms(store_t *st, uint64_t ms)
{
    return tzone_day_of_ms(store_zone(st), ms);
}

static uint32_t day_of_ms(store_txn_t *t, uint64_t ms)
{
    return tzone_day_of_ms(store_zone(store_txn_store(t)), ms);
}

static uint32_t day_number(int year, int mon, int mday)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = mday;
    tm.tm_hour = 12;
    time_t utc = timegm(&tm);
    return utc < 0 ? 0 : (uint32_t)(utc / 86400) + 1;
}

uint32_t kpi_day_of_date(const char *s, size_t len)
{
    int y, m, d;
    char buf[11];
    if (len < 10) return 0;
    memcpy(buf, s, 10);
    buf[10] = 0;
    if (sscanf(buf, "%4d-%2d-%2d", &y, &m, &d) != 3 || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return 0;
    return day_number(y, m, d);
}

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) to ms since the epoch, 0 if malformed. */
static uint64_t ms_of_datetime(const char *s, size_t len)
{
    int y, mo, d, h, mi, se;
    char buf[21];
    if (len < 20) return 0;
    memcpy(buf, s, 20);
    buf[20] = 0;
    if (sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &se) != 6) return 0;
    struct tm tm = {0};
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = se;
    time_t utc = timegm(&tm);
    return utc < 0 ? 0 : (uint64_t)utc * 1000;
}

/* The kinds that have terms. */
static bool kind_counted(unsigned kind)
{
    return kind == KIND_CUSTOMER || kind == KIND_DEAL || kind == KIND_TASK || kind == KIND_INTERACTION ||
           kind == KIND_IMPORT || kind == KIND_QUOTE || kind == KIND_INVOICE || kind == KIND_TICKET;
}

bool kpi_field_counted(unsigned kind, unsigned field)
{
    if (field <= F_CREATED) return kind_counted(kind);
    switch (kind) {
    case KIND_CUSTOMER: return field == F_CU_PHONES || field == F_CU_EMAILS || field == F_CU_ASSIGNED;
    case KIND_DEAL:
        return field == F_DE_STAGE || field == F_DE_AMOUNT || field == F_DE_CURRENCY || field == F_DE_PROBABILITY ||
               field == F_DE_LOST_REASON || field == F_DE_CUSTOMER;
    case KIND_TASK: return field == F_TA_DUE || field == F_TA_DONE;
    case KIND_INTERACTION: return field == F_IN_TYPE || field == F_IN_WHEN || field == F_IN_CUSTOMER;
    case KIND_IMPORT: return field == F_IM_ROWS || field == F_IM_ROWS_REJECTED;
    case KIND_QUOTE: return field == F_QU_STATUS || field == F_QU_SENT_AT;
    case KIND_INVOICE:
        return field == F_IV_ISSUED || field == F_IV_DUE || field == F_IV_CURRENCY || field == F_IV_STATUS ||
               field == F_IV_TOTAL || field == F_IV_PAYMENTS;
    case KIND_TICKET: return field == F_TI_STATUS || field == F_TI_CLOSED_AT || field == F_TI_SLA_DUE;
    default: return false;
    }
}

typedef struct {
    kpi_terms_t *out;
    const char *branch;
    size_t branch_len;
} builder_t;

static void add(builder_t *b, kpi_metric_t m, uint32_t day, const char *extra, size_t extra_len, int64_t amount)
{
    kpi_terms_t *o = b->out;
    if (o->n == KPI_MAX_TERMS || amount == 0) return;
    size_t blen = b->branch_len > 64 ? 64 : b->branch_len;
    if (extra_len > 200) extra_len = 200;
    uint8_t *k = o->key[o->n];
    size_t n = 0;
    k[n++] = (uint8_t)m;
    memcpy(k + n, b->branch, blen);
    n += blen;
    k[n++] = 0;
    k[n++] = (uint8_t)(day >> 24), k[n++] = (uint8_t)(day >> 16), k[n++] = (uint8_t)(day >> 8), k[n++] = (uint8_t)day;
    memcpy(k + n, extra, extra_len);
    n += extra_len;
    o->len[o->n] = (uint16_t)n;
    o->amount[o->n++] = amount;
}

static const char *text(store_txn_t *t, const uint8_t *id, unsigned field, size_t *len)
{
    const char *s = entity_text(t, id, field, len);
    if (!s) *len = 0;
    return s ? s : "";
}

static bool int_field(store_txn_t *t, const uint8_t *id, unsigned field, int64_t *out, uint64_t *set_ms)
{
    field_state_t f;
    if (entity_get(t, id, field, &f) || (f.val.type != VAL_INT && f.val.type != VAL_BOOL)) return false;
    *out = f.val.i;
    if (set_ms) *set_ms = HLC_MS(version_hlc(f.version));
    return true;
}

static int has_elem_cb(void *ctx, const char *elem, size_t len)
{
    (void)elem, (void)len;
    *(bool *)ctx = true;
    return 1; /* one is enough */
}

static bool has_elem(store_txn_t *t, const uint8_t *id, unsigned field)
{
    bool found = false;
    entity_each_elem(t, id, field, has_elem_cb, &found);
    return found;
}

static uint32_t created_day(store_txn_t *t, const uint8_t *id, uint64_t *ms)
{
    size_t len;
    const char *s = text(t, id, F_CREATED, &len);
    *ms = ms_of_datetime(s, len);
    return *ms ? day_of_ms(t, *ms) : 0;
}

static void set_link(kpi_terms_t *o, const uint8_t *customer, unsigned link, uint64_t ms, const uint8_t *entity,
                     int64_t amount, const char *currency, size_t cur_len)
{
    o->has_link = true;
    memcpy(o->link_key, customer, ID_LEN);
    o->link_key[ID_LEN] = (uint8_t)link;
    be64_put(o->link_key + ID_LEN + 1, ms);
    memcpy(o->link_key + ID_LEN + 9, entity, ID_LEN);
    o->link_amount = amount;
    if (cur_len > 8) cur_len = 8;
    memcpy(o->link_currency, currency, cur_len);
    o->link_currency[cur_len] = 0;
}

static bool ref_field(store_txn_t *t, const uint8_t *id, unsigned field, uint8_t out[ID_LEN])
{
    field_state_t f;
    if (entity_get(t, id, field, &f) || f.val.type != VAL_REF || f.val.len != ID_LEN) return false;
    memcpy(out, f.val.s, ID_LEN);
    return true;
}

int kpi_customer_links(store_txn_t *t, const uint8_t customer[ID_LEN], kpi_customer_links_t *out,
                       int (*won_fn)(void *ctx, const char *currency, int64_t amount), void *ctx)
{
    memset(out, 0, sizeof *out);
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_CUSTLINKS, customer, ID_LEN, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN + 1 + 8 + ID_LEN || v.len < 8) continue;
        const uint8_t *key = k.data;
        uint64_t ms = be64_get(key + ID_LEN + 1);
        if (ms > out->last_ms) out->last_ms = ms;
        if (key[ID_LEN] == KPI_LINK_INTERACTION) {
            if (!out->interactions++) out->first_interaction_ms = ms; /* keys are in time order */
        } else if (key[ID_LEN] == KPI_LINK_WON) {
            out->won++;
            char cur[9];
            size_t cl = v.len - 8 > 8 ? 8 : v.len - 8;
            memcpy(cur, (const uint8_t *)v.data + 8, cl);
            cur[cl] = 0;
            if (won_fn && (rc = won_fn(ctx, cur, (int64_t)be64_get(v.data)))) break;
        }
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

static void customer_terms(store_txn_t *t, const uint8_t *id, builder_t *b)
{
    uint64_t ms;
    uint32_t day = created_day(t, id, &ms);
    add(b, KPI_CUSTOMERS_NEW, day, "", 0, 1);
    add(b, KPI_CUSTOMERS, 0, "", 0, 1);
    kpi_customer_links_t links;
    if (kpi_customer_links(t, id, &links, NULL, NULL) == 0 && links.interactions && ms) {
        add(b, KPI_RESPONDED, day, "", 0, 1);
        uint64_t first = links.first_interaction_ms;
        add(b, KPI_RESPONSE_HOURS, day, "", 0, first > ms ? (int64_t)((first - ms) / 3600000) : 0);
    }
    /* each twice: now, whatever the period, and by the day created, which a period sums
     * into the share of its new customers with one (a trend: the day never moves) */
    size_t len;
    text(t, id, F_CU_ASSIGNED, &len);
    bool phone = has_elem(t, id, F_CU_PHONES), email = has_elem(t, id, F_CU_EMAILS), owner = len > 0;
    if (phone) add(b, KPI_WITH_PHONE, 0, "", 0, 1), add(b, KPI_NEW_WITH_PHONE, day, "", 0, 1);
    if (email) add(b, KPI_WITH_EMAIL, 0, "", 0, 1), add(b, KPI_NEW_WITH_EMAIL, day, "", 0, 1);
    if (owner) add(b, KPI_WITH_OWNER, 0, "", 0, 1), add(b, KPI_NEW_WITH_OWNER, day, "", 0, 1);
}

static void deal_terms(store_txn_t *t, const uint8_t *id, builder_t *b)
{
    uint64_t created_ms, stage_ms = 0;
    add(b, KPI_DEALS_NEW, created_day(t, id, &created_ms), "", 0, 1);
    field_state_t st;
    const char *stage = "";
    size_t stage_len = 0;
    if (entity_get(t, id, F_DE_STAGE, &st) == 0 && st.val.type == VAL_STR) {
        stage = st.val.s;
        stage_len = st.val.len;
        stage_ms = HLC_MS(version_hlc(st.version));
    }
    int64_t amount = 0, prob = 0;
    int_field(t, id, F_DE_AMOUNT, &amount, NULL);
    int_field(t, id, F_DE_PROBABILITY, &prob, NULL);
    size_t cur_len;
    const char *cur = text(t, id, F_DE_CURRENCY, &cur_len);
    bool won = stage_len == 3 && strncasecmp(stage, "won", 3) == 0;
    bool lost = stage_len == 4 && strncasecmp(stage, "lost", 4) == 0;
    uint8_t customer[ID_LEN];
    if (won && ref_field(t, id, F_DE_CUSTOMER, customer))
        set_link(b->out, customer, KPI_LINK_WON, stage_ms, id, amount, cur, cur_len);
    if (won) {
        uint32_t day = day_of_ms(t, stage_ms);
        add(b, KPI_DEALS_WON, day, "", 0, 1);
        add(b, KPI_WON_VALUE, day, cur, cur_len, amount);
        if (created_ms && stage_ms > created_ms) add(b, KPI_CLOSE_DAYS, day, "", 0, (int64_t)((stage_ms - created_ms) / 86400000));
    } else if (lost) {
        uint32_t day = day_of_ms(t, stage_ms);
        size_t rlen;
        const char *reason = text(t, id, F_DE_LOST_REASON, &rlen);
        add(b, KPI_DEALS_LOST, day, "", 0, 1);
        add(b, KPI_LOST_REASON, day, reason, rlen, 1);
    } else {
        char extra[64 + 1 + 8];
        size_t sl = stage_len > 64 ? 64 : stage_len, cl = cur_len > 8 ? 8 : cur_len;
        memcpy(extra, stage, sl);
        extra[sl] = 0;
        memcpy(extra + sl + 1, cur, cl);
        add(b, KPI_PIPELINE, 0, extra, sl + 1 + cl, amount);
        add(b, KPI_PIPELINE_WEIGHTED, 0, extra, sl + 1 + cl, amount * prob / 100);
        add(b, KPI_PIPELINE_DEALS, 0, stage, sl, 1);
    }
}

static void task_terms(store_txn_t *t, const uint8_t *id, builder_t *b)
{
    size_t len;
    const char *due = text(t, id, F_TA_DUE, &len);
    uint32_t day = kpi_day_of_date(due, len);
    int64_t done = 0;
    uint64_t done_ms = 0;
    int_field(t, id, F_TA_DONE, &done, &done_ms);
    add(b, KPI_TASKS_DUE, day, "", 0, 1);
    if (done) add(b, KPI_TASKS_DONE, day_of_ms(t, done_ms), "", 0, 1);
    else add(b, KPI_TASKS_OPEN, day, "", 0, 1);
}

static void interaction_terms(store_txn_t *t, const uint8_t *id, builder_t *b)
{
    size_t wlen, tlen;
    const char *when = text(t, id, F_IN_WHEN, &wlen);
    uint64_t ms = ms_of_datetime(when, wlen);
    if (!ms) created_day(t, id, &ms);
    const char *type = text(t, id, F_IN_TYPE, &tlen);
    add(b, KPI_INTERACTIONS, ms ? day_of_ms(t, ms) : 0, type, tlen, 1);
    uint8_t customer[ID_LEN];
    if (ms && ref_field(t, id, F_IN_CUSTOMER, customer)) set_link(b->out, customer, KPI_LINK_INTERACTION, ms, id, 0, "", 0);
}

static void import_terms(store_txn_t *t, const uint8_t *id, builder_t *b)
{
    uint64_t ms;
    uint32_t day = created_day(t, id, &ms);
    int64_t rows = 0, rejected = 0;
    int_field(t, id, F_IM_ROWS, &rows, NULL);
    int_field(t, id, F_IM_ROWS_REJECTED, &rejected, NULL);
    add(b, KPI_IMPORT_ROWS, day, "", 0, rows);
    add(b, KPI_IMPORT_REJECTED, day, "", 0, rejected);
}

/* A stored choice (a status) and the time of the change that set it; "" and 0 if unset. */
static const char *choice(store_txn_t *t, const uint8_t *id, unsigned field, size_t *len, uint64_t *set_ms)
{
    field_state_t f;
    *len = 0, *set_ms = 0;
    if (entity_get(t, id, field, &f) || f.val.type != VAL_STR) return "";
    *len = f.val.len;
    *set_ms = HLC_MS(version_hlc(f.version));
    return f.val.s;
}

static bool is(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && memcmp(s, word, len) == 0;
}

static void quote_terms(store_txn_t *t, const uint8_t *id, builder_t *b)
{
    size_t slen, len;
    uint64_t status_ms;
    const char *status = choice(t, id, F_QU_STATUS, &slen, &status_ms);
    const char *sent_at = text(t, id, F_QU_SENT_AT, &len);
    uint64_t sent_ms = ms_of_datetime(sent_at, len);
    if (!sent_ms && slen && !is(status, slen, "draft")) sent_ms = status_ms; /* sent, but not when: by then */
    if (sent_ms) add(b, KPI_QUOTES_SENT, day_of_ms(t, sent_ms), "", 0, 1);
    if (is(status, slen, "accepted")) add(b, KPI_QUOTES_ACCEPTED, day_of_ms(t, status_ms), "", 0, 1);
}

/* An invoice's payments summed per day paid: at most `cap` days, the payments of any later
 * day added to the last (KPI_MAX_TERMS). entity_each_elem gives the elements in byte order
 * (LMDB's keys) and a payment begins with its date, so days come in order, and the sums
 * depend on the set of payments only, whatever order they were added in. */
typedef struct {
    uint32_t day[KPI_MAX_TERMS];
    int64_t minor[KPI_MAX_TERMS];
    unsigned n, cap;
    int64_t total; /* every payment */
} paid_days_t;

/* a + b of amounts >= 0, at most INT64_MAX: a peer's set may hold any number of payments,
 * and a capped sum of amounts >= 0 is the same in any order */
static int64_t sum_capped(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int add_payment(void *ctx, const char *elem, size_t len)
{
    paid_days_t *p = ctx;
    schema_payment_t pay;
    if (schema_payment_parse(elem, len, &pay)) return 0; /* not a payment: nothing paid */
    uint32_t day = kpi_day_of_date(pay.date, strlen(pay.date));
    p->total = sum_capped(p->total, pay.minor);
    unsigned i = 0;
    while (i < p->n && p->day[i] != day) i++;
    if (i == p->n && p->n == p->cap) i = p->n - 1; /* no room: on the last day kept */
    else if (i == p->n) p->day[p->n] = day, p->minor[p->n++] = 0;
    p->minor[i] = sum_capped(p->minor[i], pay.minor);
    return 0;
}

/* Money received counts as paid even on a cancelled invoice (a payment taken at another
 * branch while it was being cancelled is still cash in the till); a cancelled invoice is
 * neither invoiced nor owed. An invoice paid beyond its total owes nothing. */
static void invoice_terms(store_txn_t *t, const uint8_t *id, builder_t *b)
{
    size_t slen, clen, ilen, dlen;
    uint64_t status_ms;
    const char *status = choice(t, id, F_IV_STATUS, &slen, &status_ms);
    const char *cur = text(t, id, F_IV_CURRENCY, &clen);
    const char *issued = text(t, id, F_IV_ISSUED, &ilen), *due = text(t, id, F_IV_DUE, &dlen);
    int64_t total = 0;
    int_field(t, id, F_IV_TOTAL, &total, NULL);
    if (clen > 8) clen = 8;
    static const unsigned fixed = 4; /* the terms below the payments */
    paid_days_t paid = {.n = 0, .cap = KPI_MAX_TERMS - fixed, .total = 0};
    entity_each_elem(t, id, F_IV_PAYMENTS, add_payment, &paid);
    if (!is(status, slen, "cancelled")) {
        uint32_t issued_day = kpi_day_of_date(issued, ilen), due_day = kpi_day_of_date(due, dlen);
        add(b, KPI_INVOICES_ISSUED, issued_day, "", 0, 1);
        add(b, KPI_INVOICED_VALUE, issued_day, cur, clen, total);
        if (total > paid.total) {
            add(b, KPI_INVOICES_UNPAID, due_day, "", 0, 1);
            add(b, KPI_UNPAID_VALUE, due_day, cur, clen, total - paid.total);
        }
    }
    for (unsigned i = 0; i < paid.n; i++) add(b, KPI_PAID_VALUE, paid.day[i], cur, clen, paid.minor[i]);
}

static bool ticket_open(const char *status, size_t len)
{
    return !is(status, len, "closed") && !is(status, len, "cancelled");
}

static void ticket_terms(store_txn_t *t, const uint8_t *id, builder_t *b)
{
    uint64_t created_ms, status_ms;
    add(b, KPI_TICKETS_OPENED, created_day(t, id, &created_ms), "", 0, 1);
    size_t slen, clen, dlen;
    const char *status = choice(t, id, F_TI_STATUS, &slen, &status_ms);
    const char *closed_at = text(t, id, F_TI_CLOSED_AT, &clen), *sla = text(t, id, F_TI_SLA_DUE, &dlen);
    uint64_t closed_ms = ms_of_datetime(closed_at, clen), sla_ms = ms_of_datetime(sla, dlen);
    if (is(status, slen, "closed")) {
        if (!closed_ms) closed_ms = status_ms; /* closed, but not said when: when the status was */
        uint32_t day = day_of_ms(t, closed_ms);
        add(b, KPI_TICKETS_CLOSED, day, "", 0, 1);
        if (created_ms && closed_ms > created_ms) add(b, KPI_CLOSE_MINUTES, day, "", 0, (int64_t)((closed_ms - created_ms) / 60000));
        if (sla_ms && closed_ms > sla_ms) add(b, KPI_SLA_BREACHED, day, "", 0, 1);
    } else if (ticket_open(status, slen) && sla_ms) {
        add(b, KPI_TICKETS_OPEN_SLA, day_of_ms(t, sla_ms), "", 0, 1);
    }
}

int kpi_terms(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, kpi_terms_t *out)
{
    out->n = 0;
    out->has_link = false;
    if (!kind_counted(kind)) return 0;
    if (entity_kind(t, id) != (int)kind || entity_deleted(t, id)) return 0;
    builder_t b = {out, NULL, 0};
    b.branch = text(t, id, F_BRANCH, &b.branch_len);
    switch (kind) {
    case KIND_CUSTOMER: customer_terms(t, id, &b); break;
    case KIND_DEAL: deal_terms(t, id, &b); break;
    case KIND_TASK: task_terms(t, id, &b); break;
    case KIND_IMPORT: import_terms(t, id, &b); break;
    case KIND_QUOTE: quote_terms(t, id, &b); break;
    case KIND_INVOICE: invoice_terms(t, id, &b); break;
    case KIND_TICKET: ticket_terms(t, id, &b); break;
    default: interaction_terms(t, id, &b); break;
    }
    return 0;
}

static int add_amount(store_txn_t *t, const uint8_t *key, size_t len, int64_t delta)
{
    if (delta == 0) return 0;
    store_val_t v;
    int64_t have = 0;
    int rc = store_get(t, TBL_KPI, key, len, &v);
    if (rc == 0 && v.len == 8) have = (int64_t)be64_get(v.data);
    else if (rc && rc != ACCORD_ENOTFOUND) return rc;
    /* modulo 2^64, as unsigned: a peer's amounts may pass int64 (never undefined), and a
     * sum modulo 2^64 is the same in any order, so every replica still holds the same */
    int64_t now = (int64_t)((uint64_t)have + (uint64_t)delta);
    if (now == 0) return store_del(t, TBL_KPI, key, len);
    uint8_t val[8];
    be64_put(val, (uint64_t)now);
    return store_put(t, TBL_KPI, key, len, val, sizeof val);
}

static int apply_diff(store_txn_t *t, const kpi_terms_t *before, const kpi_terms_t *after)
{
    int rc = 0;
    bool same_before[KPI_MAX_TERMS] = {false}, same_after[KPI_MAX_TERMS] = {false};
    for (unsigned i = 0; i < before->n; i++) /* most changes leave most terms as they were */
        for (unsigned j = 0; j < after->n; j++)
            if (!same_after[j] && before->len[i] == after->len[j] && before->amount[i] == after->amount[j] &&
                memcmp(before->key[i], after->key[j], after->len[j]) == 0) {
                same_before[i] = same_after[j] = true;
                break;
            }
    for (unsigned i = 0; i < before->n && !rc; i++)
        if (!same_before[i]) rc = add_amount(t, before->key[i], before->len[i], -before->amount[i]);
    for (unsigned i = 0; i < after->n && !rc; i++)
        if (!same_after[i]) rc = add_amount(t, after->key[i], after->len[i], after->amount[i]);
    return rc;
}

static bool same_link(const kpi_terms_t *a, const kpi_terms_t *b)
{
    return a->has_link == b->has_link &&
           (!a->has_link || (!memcmp(a->link_key, b->link_key, sizeof a->link_key) && a->link_amount == b->link_amount &&
                             !strcmp(a->link_currency, b->link_currency)));
}

/* Moves an entity's row in its customers' links, and those customers' own terms with it
 * (a first response time reads the links): each customer's terms are taken before the
 * rows move and after. */
static int move_link(store_txn_t *t, const kpi_terms_t *before, const kpi_terms_t *after)
{
    kpi_terms_t was[2], now[2]; /* 4 KiB each, on the stack: no state between calls */
    const uint8_t *cust[2] = {before->has_link ? before->link_key : NULL, after->has_link ? after->link_key : NULL};
    if (cust[0] && cust[1] && !memcmp(cust[0], cust[1], ID_LEN)) cust[1] = NULL; /* the same customer */
    int rc = 0;
    for (int i = 0; i < 2 && !rc; i++)
        if (cust[i]) rc = kpi_terms(t, cust[i], KIND_CUSTOMER, &was[i]);
    if (!rc && before->has_link) rc = store_del(t, TBL_CUSTLINKS, before->link_key, sizeof before->link_key);
    if (!rc && after->has_link) {
        uint8_t val[8 + 8];
        be64_put(val, (uint64_t)after->link_amount);
        size_t cl = strlen(after->link_currency);
        memcpy(val + 8, after->link_currency, cl);
        rc = store_put(t, TBL_CUSTLINKS, after->link_key, sizeof after->link_key, val, 8 + cl);
    }
    for (int i = 0; i < 2 && !rc; i++)
        if (cust[i] && !(rc = kpi_terms(t, cust[i], KIND_CUSTOMER, &now[i]))) rc = apply_diff(t, &was[i], &now[i]);
    return rc;
}

int kpi_update(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, const kpi_terms_t *before)
{
    kpi_terms_t after;
    int rc = kpi_terms(t, id, kind, &after);
    if (!rc) rc = apply_diff(t, before, &after);
    if (!rc && !same_link(before, &after)) rc = move_link(t, before, &after);
    return rc;
}

static const char version_key[] = "kpi-version";

int kpi_note_version(store_txn_t *t)
{
    char v[8];
    int n = snprintf(v, sizeof v, "%d", KPI_VERSION);
    return store_put(t, TBL_META, version_key, sizeof version_key - 1, v, (size_t)n);
}

static bool has_entities(store_txn_t *t)
{
    store_iter_t *it;
    store_val_t k, v;
    if (store_iter_new(t, TBL_ENTITIES, NULL, 0, false, &it)) return true; /* unknown: assume so */
    bool any = store_iter_next(it, &k, &v) != 0;
    store_iter_destroy(&it);
    return any;
}

/* The version meta "kpi-version" names: 0 if none, -1 if it is not a number. */
static int stored_version(store_txn_t *t)
{
    store_val_t v;
    if (store_get(t, TBL_META, version_key, sizeof version_key - 1, &v)) return 0;
    char buf[8];
    if (v.len == 0 || v.len >= sizeof buf) return -1;
    memcpy(buf, v.data, v.len);
    buf[v.len] = 0;
    char *end;
    long n = strtol(buf, &end, 10);
    return *end || n <= 0 || n > 1000000 ? -1 : (int)n;
}

bool kpi_current(store_txn_t *t)
{
    int v = stored_version(t);
    return v == KPI_VERSION || (v == 0 && !has_entities(t));
}

/* Every entity's id and kind, collected before any write: a cursor does not outlive
 * writes under it. The caller frees both arrays. */
static int collect_entities(store_txn_t *t, uint8_t (**ids)[ID_LEN], uint8_t **kinds, size_t *n)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_ENTITIES, NULL, 0, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    size_t cap = 0;
    *ids = NULL, *kinds = NULL, *n = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len < 2) continue; /* the row: format(1) kind(1) ... (entity.h) */
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            *ids = realloc(*ids, cap * ID_LEN);
            *kinds = realloc(*kinds, cap);
            if (!*ids || !*kinds) abort();
        }
        memcpy((*ids)[*n], k.data, ID_LEN);
        (*kinds)[(*n)++] = ((const uint8_t *)v.data)[1];
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

/* kpi_rebuild, saying how many entities it went through. */
static int rebuild(store_txn_t *t, const char *tz, uint64_t *entities)
{
    int rc = tz ? store_put(t, TBL_META, "tz", 2, tz, strlen(tz)) : 0;
    if (!rc) rc = store_clear_table(t, TBL_KPI);
    if (!rc) rc = store_clear_table(t, TBL_CUSTLINKS);
    if (rc) return rc;
    if (tz && (rc = set_zone(store_txn_store(t), tz))) return rc;
    kpi_terms_t none;
    memset(&none, 0, sizeof none);
    uint8_t (*ids)[ID_LEN] = NULL;
    uint8_t *kinds = NULL;
    size_t n = 0;
    if ((rc = collect_entities(t, &ids, &kinds, &n))) goto out;
    /* every entity is already stored, so links go in first and then each entity's terms
     * (kpi_update would also move each customer's terms with its links: counted twice) */
    kpi_terms_t terms;
    for (size_t i = 0; i < n && rc >= 0; i++)
        if (!(rc = kpi_terms(t, ids[i], kinds[i], &terms)) && terms.has_link) rc = move_link(t, &none, &terms);
    if (rc >= 0) rc = store_clear_table(t, TBL_KPI); /* what the link moves counted */
    for (size_t i = 0; i < n && rc >= 0; i++)
        if (!(rc = kpi_terms(t, ids[i], kinds[i], &terms))) rc = apply_diff(t, &none, &terms);
    if (rc >= 0) rc = kpi_note_version(t);
out:
    free(ids);
    free(kinds);
    *entities = n;
    return rc < 0 ? rc : 0;
}

int kpi_rebuild(store_txn_t *t, const char *tz)
{
    uint64_t n;
    return rebuild(t, tz, &n);
}

int kpi_upgrade(store_t *st, uint64_t *entities)
{
    *entities = UINT64_MAX;
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    if (stored_version(t) == KPI_VERSION) {
        store_txn_abort(&t);
        return 0;
    }
    uint64_t n;
    if ((rc = rebuild(t, NULL, &n))) {
        store_txn_abort(&t);
        return rc;
    }
    if ((rc = store_txn_commit(&t)) == 0) *entities = n;
    return rc;
}
