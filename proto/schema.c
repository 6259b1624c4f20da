/* SPDX-License-Identifier: MIT */
#include "schema.h"
#include "accord_err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const customer_types[] = {"person", "company", NULL};
static const char *const interaction_types[] = {"call", "visit", "email", "sms", "chat", NULL};
static const char *const languages[] = {"en", "fa", NULL};
const char *const schema_quote_statuses[] = {"draft", "sent", "accepted", "rejected", "expired", NULL};
const char *const schema_order_statuses[] = {"open", "fulfilled", "cancelled", NULL};
/* partly paid and paid are what an issued invoice's payments make it (sales.h), not a
 * stored value: two branches taking payments at once must both count */
const char *const schema_invoice_statuses[] = {"issued", "cancelled", NULL};
const char *const schema_ticket_statuses[] = {"inquiry", "quote", "order", "assigned", "approved", "invoiced",
                                              "closed", "cancelled", NULL};
const char *const schema_ticket_priorities[] = {"low", "normal", "high", "urgent", NULL};
const char *const schema_calendars[] = {"gregorian", "solar", NULL};
const char *const schema_payment_methods[] = {"cash", "card", "transfer", "cheque", "other", NULL};

#define COMMON_FIELDS                                   \
    {F_DELETED, "deleted", FT_BOOL, 0, NULL},           \
    {F_BRANCH, "branch", FT_TEXT, 64, NULL},            \
    {F_CREATED, "created", FT_DATETIME, 32, NULL}

static const field_def_t customer_fields[] = {
    COMMON_FIELDS,
    {F_CU_TYPE, "type", FT_CHOICE, 16, customer_types},
    {F_CU_NAME, "name", FT_TEXT, 200, NULL},
    {F_CU_PHONES, "phones", FT_PHONES, 24, NULL},
    {F_CU_EMAILS, "emails", FT_EMAILS, 254, NULL},
    {F_CU_ADDRESS, "address", FT_TEXT, 500, NULL},
    {F_CU_CITY, "city", FT_TEXT, 100, NULL},
    {F_CU_NATID, "national_id", FT_TEXT, 32, NULL},
    {F_CU_SEGMENT, "segment", FT_TEXT, 64, NULL},
    {F_CU_SOURCE, "source", FT_TEXT, 64, NULL},
    {F_CU_ASSIGNED, "assigned", FT_TEXT, 64, NULL},
    {F_CU_CONSENT_EMAIL, "consent_email", FT_BOOL, 0, NULL},
    {F_CU_CONSENT_SMS, "consent_sms", FT_BOOL, 0, NULL},
    {F_CU_TAGS, "tags", FT_TAGS, 64, NULL},
    {F_CU_MERGED_INTO, "merged_into", FT_REF, 16, NULL},
    {F_CU_LANGUAGE, "language", FT_CHOICE, 8, languages},
};
static const field_def_t contact_fields[] = {
    COMMON_FIELDS,
    {F_CO_CUSTOMER, "customer", FT_REF, 16, NULL},
    {F_CO_NAME, "name", FT_TEXT, 200, NULL},
    {F_CO_PHONES, "phones", FT_PHONES, 24, NULL},
    {F_CO_EMAILS, "emails", FT_EMAILS, 254, NULL},
    {F_CO_ROLE, "role", FT_TEXT, 100, NULL},
};
static const field_def_t deal_fields[] = {
    COMMON_FIELDS,
    {F_DE_CUSTOMER, "customer", FT_REF, 16, NULL},
    {F_DE_TITLE, "title", FT_TEXT, 200, NULL},
    {F_DE_STAGE, "stage", FT_STAGE, 64, NULL},
    {F_DE_AMOUNT, "amount", FT_MONEY, 0, NULL},
    {F_DE_CURRENCY, "currency", FT_CURRENCY, 3, NULL},
    {F_DE_CLOSE, "expected_close", FT_DATE, 10, NULL},
    {F_DE_PROBABILITY, "probability", FT_PERCENT, 0, NULL},
    {F_DE_LOST_REASON, "lost_reason", FT_TEXT, 200, NULL},
    {F_DE_TAGS, "tags", FT_TAGS, 64, NULL},
    {F_DE_ASSIGNED, "assigned", FT_TEXT, 64, NULL},
};
static const field_def_t task_fields[] = {
    COMMON_FIELDS,
    {F_TA_TITLE, "title", FT_TEXT, 200, NULL},
    {F_TA_DUE, "due", FT_DATE, 10, NULL},
    {F_TA_ASSIGNEE, "assignee", FT_TEXT, 64, NULL},
    {F_TA_RELATED, "related", FT_REF, 16, NULL},
    {F_TA_DONE, "done", FT_BOOL, 0, NULL},
    {F_TA_DUE_TIME, "due_time", FT_TIME, 5, NULL},   /* the branch's wall time on `due` */
    {F_TA_REMINDER, "reminder", FT_INT, 10080, NULL}, /* minutes before due, at most a week */
};
static const field_def_t interaction_fields[] = {
    COMMON_FIELDS,
    {F_IN_CUSTOMER, "customer", FT_REF, 16, NULL},
    {F_IN_TYPE, "type", FT_CHOICE, 16, interaction_types},
    {F_IN_WHEN, "when", FT_DATETIME, 32, NULL},
    {F_IN_SUMMARY, "summary", FT_TEXT, 2000, NULL},
    {F_IN_OUTCOME, "outcome", FT_TEXT, 200, NULL},
};
static const field_def_t note_fields[] = {
    COMMON_FIELDS,
    {F_NO_RELATED, "related", FT_REF, 16, NULL},
    {F_NO_TEXT, "text", FT_TEXT, 4000, NULL},
};

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))
static const field_def_t import_fields[] = {
    COMMON_FIELDS,
    {F_IM_FILE, "file", FT_TEXT, 200, NULL},
    {F_IM_ROWS, "rows", FT_INT, 0, NULL},
    {F_IM_ROWS_CREATED, "rows_created", FT_INT, 0, NULL},
    {F_IM_ROWS_UPDATED, "rows_updated", FT_INT, 0, NULL},
    {F_IM_ROWS_REJECTED, "rows_rejected", FT_INT, 0, NULL},
};

static const field_def_t product_fields[] = {
    COMMON_FIELDS,
    {F_PR_SKU, "sku", FT_TEXT, 64, NULL},
    {F_PR_NAME, "name", FT_TEXT, 200, NULL},
    {F_PR_CATEGORY, "category", FT_TEXT, 100, NULL},
    {F_PR_UNIT, "unit", FT_TEXT, 32, NULL},
    {F_PR_PRICE, "price", FT_MONEY, 1, NULL},
    {F_PR_CURRENCY, "currency", FT_CURRENCY, 3, NULL},
    {F_PR_TAX, "tax_rate", FT_RATE, 0, NULL},
    {F_PR_ACTIVE, "active", FT_BOOL, 0, NULL},
    {F_PR_PRICES, "prices", FT_PRICES, 96, NULL},
    {F_PR_DESCRIPTION, "description", FT_TEXT, 2000, NULL},
};
static const field_def_t quote_fields[] = {
    COMMON_FIELDS,
    {F_QU_CUSTOMER, "customer", FT_REF, 16, NULL},
    {F_QU_DEAL, "deal", FT_REF, 16, NULL},
    {F_QU_TITLE, "title", FT_TEXT, 200, NULL},
    {F_QU_CURRENCY, "currency", FT_CURRENCY, 3, NULL},
    {F_QU_VALID_UNTIL, "valid_until", FT_DATE, 10, NULL},
    {F_QU_STATUS, "status", FT_CHOICE, 16, schema_quote_statuses},
    {F_QU_SENT_AT, "sent_at", FT_DATETIME, 32, NULL},
    {F_QU_NOTES, "notes", FT_TEXT, 2000, NULL},
    {F_QU_ASSIGNED, "assigned", FT_TEXT, 64, NULL},
};
static const field_def_t line_fields[] = {
    COMMON_FIELDS,
    {F_LI_DOC, "doc", FT_REF, 16, NULL},
    {F_LI_POSITION, "position", FT_INT, 10000, NULL},
    {F_LI_PRODUCT, "product", FT_REF, 16, NULL},
    {F_LI_DESCRIPTION, "description", FT_TEXT, 500, NULL},
    {F_LI_QUANTITY, "quantity", FT_QUANTITY, 0, NULL},
    {F_LI_UNIT_PRICE, "unit_price", FT_MONEY, 1, NULL},
    {F_LI_DISCOUNT, "discount", FT_RATE, 0, NULL},
    {F_LI_TAX, "tax_rate", FT_RATE, 0, NULL},
    {F_LI_UNIT, "unit", FT_TEXT, 32, NULL},
};
static const field_def_t order_fields[] = {
    COMMON_FIELDS,
    {F_OR_CUSTOMER, "customer", FT_REF, 16, NULL},
    {F_OR_QUOTE, "quote", FT_REF, 16, NULL},
    {F_OR_TITLE, "title", FT_TEXT, 200, NULL},
    {F_OR_CURRENCY, "currency", FT_CURRENCY, 3, NULL},
    {F_OR_STATUS, "status", FT_CHOICE, 16, schema_order_statuses},
    {F_OR_NOTES, "notes", FT_TEXT, 2000, NULL},
    {F_OR_ASSIGNED, "assigned", FT_TEXT, 64, NULL},
};
static const field_def_t invoice_fields[] = {
    COMMON_FIELDS,
    {F_IV_CUSTOMER, "customer", FT_REF, 16, NULL},
    {F_IV_ORDER, "order", FT_REF, 16, NULL},
    {F_IV_NUMBER, "number", FT_TEXT, 48, NULL}, /* a 16-byte prefix, a year, 20 digits */
    {F_IV_ISSUED, "issued", FT_DATE, 10, NULL},
    {F_IV_DUE, "due", FT_DATE, 10, NULL},
    {F_IV_CURRENCY, "currency", FT_CURRENCY, 3, NULL},
    {F_IV_STATUS, "status", FT_CHOICE, 16, schema_invoice_statuses},
    {F_IV_NET, "net", FT_MONEY, 1, NULL},
    {F_IV_TAX, "tax", FT_MONEY, 1, NULL},
    {F_IV_TOTAL, "total", FT_MONEY, 1, NULL},
    {F_IV_PAYMENTS, "payments", FT_PAYMENTS, 200, NULL},
    {F_IV_NOTES, "notes", FT_TEXT, 2000, NULL},
};
static const field_def_t ticket_fields[] = {
    COMMON_FIELDS,
    {F_TI_CUSTOMER, "customer", FT_REF, 16, NULL},
    {F_TI_SUBJECT, "subject", FT_TEXT, 200, NULL},
    {F_TI_DESCRIPTION, "description", FT_TEXT, 4000, NULL},
    {F_TI_PRODUCT, "product", FT_REF, 16, NULL},
    {F_TI_ASSET, "asset", FT_TEXT, 64, NULL},
    {F_TI_PRIORITY, "priority", FT_CHOICE, 16, schema_ticket_priorities},
    {F_TI_SLA_DUE, "sla_due", FT_DATETIME, 32, NULL},
    {F_TI_ASSIGNEE, "assignee", FT_TEXT, 64, NULL},
    {F_TI_STATUS, "status", FT_CHOICE, 16, schema_ticket_statuses},
    {F_TI_QUOTE, "quote", FT_REF, 16, NULL},
    {F_TI_ORDER, "order", FT_REF, 16, NULL},
    {F_TI_INVOICE, "invoice", FT_REF, 16, NULL},
    {F_TI_CLOSED_AT, "closed_at", FT_DATETIME, 32, NULL},
};

static const field_def_t user_fields[] = {
    COMMON_FIELDS,
    {F_US_LOGIN, "login", FT_LOGIN, SCHEMA_LOGIN_MAX, NULL},
    {F_US_NAME, "name", FT_TEXT, 200, NULL},
    {F_US_LANGUAGES, "languages", FT_TAGS, 8, NULL},
    {F_US_DISABLED, "disabled", FT_BOOL, 0, NULL},
    {F_US_PASSWORD, "password_hash", FT_PWHASH, 128, NULL},
    {F_US_ROLES, "roles", FT_ROLES, 96, NULL},
    {F_US_LEGACY, "legacy", FT_TAGS, 4000, NULL},
};
static const field_def_t branch_fields[] = {
    COMMON_FIELDS,
    {F_BR_NODE, "node", FT_TEXT, 64, NULL},
    {F_BR_CODE, "code", FT_TEXT, 16, NULL},
    {F_BR_NAME, "name", FT_TEXT, 200, NULL},
    {F_BR_REGION, "region", FT_TEXT, 64, NULL},
    {F_BR_TIMEZONE, "timezone", FT_TEXT, 64, NULL},
    {F_BR_CURRENCY, "currency", FT_CURRENCY, 3, NULL},
    {F_BR_CALENDAR, "calendar", FT_CHOICE, 16, schema_calendars},
};

static const struct { const char *name; const field_def_t *fields; unsigned n; } kinds[KIND_COUNT] = {
    [KIND_CUSTOMER] = {"customer", customer_fields, N(customer_fields)},
    [KIND_CONTACT] = {"contact", contact_fields, N(contact_fields)},
    [KIND_DEAL] = {"deal", deal_fields, N(deal_fields)},
    [KIND_TASK] = {"task", task_fields, N(task_fields)},
    [KIND_INTERACTION] = {"interaction", interaction_fields, N(interaction_fields)},
    [KIND_NOTE] = {"note", note_fields, N(note_fields)},
    [KIND_IMPORT] = {"import", import_fields, N(import_fields)},
    [KIND_PRODUCT] = {"product", product_fields, N(product_fields)},
    [KIND_QUOTE] = {"quote", quote_fields, N(quote_fields)},
    [KIND_LINE] = {"line", line_fields, N(line_fields)},
    [KIND_ORDER] = {"order", order_fields, N(order_fields)},
    [KIND_INVOICE] = {"invoice", invoice_fields, N(invoice_fields)},
    [KIND_TICKET] = {"ticket", ticket_fields, N(ticket_fields)},
    [KIND_USER] = {"user", user_fields, N(user_fields)},
    [KIND_BRANCH] = {"branch", branch_fields, N(branch_fields)},
};

const char *schema_kind_name(unsigned kind)
{
    return kind > 0 && kind < KIND_COUNT ? kinds[kind].name : NULL;
}

int schema_kind_by_name(const char *name)
{
    for (unsigned k = 1; k < KIND_COUNT; k++)
        if (strcmp(kinds[k].name, name) == 0) return (int)k;
    return ACCORD_EINVAL;
}

bool schema_kind_insert_only(unsigned kind)
{
    return kind == KIND_INTERACTION || kind == KIND_NOTE || kind == KIND_IMPORT;
}

const field_def_t *schema_fields(unsigned kind, unsigned *n)
{
    if (!schema_kind_name(kind)) { *n = 0; return NULL; }
    *n = kinds[kind].n;
    return kinds[kind].fields;
}

const field_def_t *schema_field(unsigned kind, const char *name)
{
    unsigned n;
    const field_def_t *f = schema_fields(kind, &n);
    for (unsigned i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0) return &f[i];
    return NULL;
}

const field_def_t *schema_field_by_id(unsigned kind, unsigned id)
{
    unsigned n;
    const field_def_t *f = schema_fields(kind, &n);
    return id < n ? &f[id] : NULL; /* field ids are dense and equal to the index */
}

bool schema_is_set(field_type_t t)
{
    return t == FT_PHONES || t == FT_EMAILS || t == FT_TAGS || t == FT_PRICES || t == FT_PAYMENTS || t == FT_ROLES;
}

bool schema_is_int(field_type_t t)
{
    return t == FT_INT || t == FT_PERCENT || t == FT_MONEY || t == FT_QUANTITY || t == FT_RATE;
}

bool schema_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        int n;
        uint32_t cp;
        if (c < 0x80) { p++; continue; }
        if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
        else return false;
        if (end - p <= n) return false;
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += n + 1;
    }
    return true;
}

bool schema_text_multiline(const field_def_t *f)
{
    return f->type == FT_TEXT && f->max_len >= 500;
}

bool schema_text_has_control(const char *s, size_t len, bool multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 && !(multiline && (p[i] == '\n' || p[i] == '\t'))) return true;
        if (p[i] == 0x7f) return true;
    }
    return false;
}

/* Maps the digits of Persian (U+06F0..) and Arabic-Indic (U+0660..) scripts to ASCII:
 * staff in Iran and the Gulf type phone numbers with them. Returns bytes consumed, 0 if
 * the character at p is not such a digit. */
static int eastern_digit(const unsigned char *p, size_t left, char *digit)
{
    if (left >= 2 && p[0] == 0xdb && p[1] >= 0xb0 && p[1] <= 0xb9) {
        *digit = (char)('0' + p[1] - 0xb0);
        return 2;
    }
    if (left >= 2 && p[0] == 0xd9 && p[1] >= 0xa0 && p[1] <= 0xa9) {
        *digit = (char)('0' + p[1] - 0xa0);
        return 2;
    }
    return 0;
}

int schema_phone_normalize(const char *in, char *out, size_t cap)
{
    size_t n = 0, digits = 0, len = strlen(in);
    const unsigned char *p = (const unsigned char *)in;
    bool plus = false;
    for (size_t i = 0; i < len;) {
        char d;
        int used = eastern_digit(p + i, len - i, &d);
        if (used) { i += (size_t)used; }
        else if (isdigit(p[i])) { d = (char)p[i++]; }
        else if (p[i] == '+' && digits == 0 && !plus) { plus = true; i++; continue; }
        else if (strchr(" -.()/", p[i])) { i++; continue; }
        else return ACCORD_EINVAL;
        if (n + 2 >= cap) return ACCORD_EINVAL;
        if (!plus && digits == 0 && d == '0' && i < len && p[i] == '0' && n == 0) {
            /* "00" international prefix is the same as "+" */
            plus = true;
            i++;
            continue;
        }
        if (digits == 0 && plus) out[n++] = '+';
        out[n++] = d;
        digits++;
    }
    out[n] = '\0';
    return digits >= 4 && digits <= 15 ? 0 : ACCORD_EINVAL;
}

int schema_email_normalize(const char *in, char *out, size_t cap)
{
    size_t len = strlen(in);
    while (len && isspace((unsigned char)in[len - 1])) len--;
    while (len && isspace((unsigned char)*in)) { in++; len--; }
    if (len < 3 || len > 254 || len + 1 > cap) return ACCORD_EINVAL;
    const char *at = memchr(in, '@', len);
    if (!at || at == in || memchr(at + 1, '@', len - (size_t)(at - in) - 1)) return ACCORD_EINVAL;
    size_t local_len = (size_t)(at - in), dom_len = len - local_len - 1;
    if (local_len > 64 || dom_len < 3) return ACCORD_EINVAL;
    const char *dom = at + 1;
    if (!memchr(dom, '.', dom_len) || dom[0] == '.' || dom[dom_len - 1] == '.' || dom[0] == '-')
        return ACCORD_EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' || c == 0x7f || strchr("<>()[]\\,;:\"", c)) return ACCORD_EINVAL;
        if (in + i > at && !(isalnum(c) || c == '.' || c == '-' || c >= 0x80)) return ACCORD_EINVAL;
        if (i > 0 && c == '.' && in[i - 1] == '.') return ACCORD_EINVAL;
        out[i] = (char)(c < 0x80 ? tolower(c) : c);
    }
    out[len] = '\0';
    return schema_utf8_valid(out, len) ? 0 : ACCORD_EINVAL;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool date_parts_valid(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    return d <= mdays[m - 1] + (m == 2 && leap(y));
}

static bool all_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

bool schema_date_valid(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s, 4) ||
        !all_digits(s + 5, 2) || !all_digits(s + 8, 2))
        return false;
    return date_parts_valid(atoi(s), atoi(s + 5), atoi(s + 8));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int schema_datetime_normalize(const char *in, char *out, size_t cap)
{
    /* Accepted: YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM[:SS][.fff][Z|±HH:MM]; no zone means UTC. */
    char date[11];
    size_t len = strlen(in);
    if (len < 10 || cap < 21) return ACCORD_EINVAL;
    memcpy(date, in, 10);
    date[10] = '\0';
    if (!schema_date_valid(date)) return ACCORD_EINVAL;
    int y = atoi(in), mo = atoi(in + 5), d = atoi(in + 8), h = 0, mi = 0, s = 0, off_min = 0;
    const char *p = in + 10;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!all_digits(p, 2) || p[2] != ':' || !all_digits(p + 3, 2)) return ACCORD_EINVAL;
        h = atoi(p);
        mi = atoi(p + 3);
        p += 5;
        if (*p == ':') {
            if (!all_digits(p + 1, 2)) return ACCORD_EINVAL;
            s = atoi(p + 1);
            p += 3;
            if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p)) return ACCORD_EINVAL;
                while (isdigit((unsigned char)*p)) p++;
            }
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            if (!all_digits(p + 1, 2) || p[3] != ':' || !all_digits(p + 4, 2)) return ACCORD_EINVAL;
            int oh = atoi(p + 1), om = atoi(p + 4);
            if (oh > 14 || om > 59) return ACCORD_EINVAL;
            off_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
            p += 6;
        }
        if (h > 23 || mi > 59 || s > 60) return ACCORD_EINVAL;
    }
    if (*p) return ACCORD_EINVAL;
    long long t = (long long)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
                  off_min * 60;
    long days = (long)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
    long rem = (long)(t - (long long)days * 86400);
    civil_from_days(days, &y, &mo, &d);
    snprintf(out, cap, "%04d-%02d-%02dT%02ld:%02ld:%02ldZ", y, mo, d, rem / 3600,
             (rem / 60) % 60, rem % 60);
    return 0;
}

bool schema_int_in_range(const field_def_t *f, int64_t v)
{
    if (f->type == FT_PERCENT) return v >= 0 && v <= 100;
    if (f->type == FT_INT && f->max_len) return v >= 0 && v <= f->max_len;
    if (f->type == FT_QUANTITY) return v >= 1 && v <= SCHEMA_QUANTITY_MAX;
    if (f->type == FT_RATE) return v >= 0 && v <= 10000;
    /* a deal's amount was any integer in older versions, and their records still apply */
    if (f->type == FT_MONEY && f->max_len) return v >= 0 && v <= SCHEMA_MONEY_MAX;
    return true;
}

/* The ASCII digit of an ASCII, Persian (U+06F0..) or Arabic-Indic (U+0660..) digit at p,
 * its length in *used; -1 if none. */
int schema_digit_at(const unsigned char *p, size_t left, int *used)
{
    char d;
    if (left && isdigit(*p)) { *used = 1; return *p - '0'; }
    if ((*used = eastern_digit(p, left, &d))) return d - '0';
    return -1;
}

/* Reads up to 3 digits at *p into d; the count read (3 means too many for a part of a time). */
static int time_part(const unsigned char **p, size_t *left, int d[3])
{
    int n = 0, used;
    while (n < 3 && (d[n] = schema_digit_at(*p, *left, &used)) >= 0) {
        *p += used;
        *left -= (size_t)used;
        n++;
    }
    return n;
}

int schema_time_normalize(const char *in, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t left = strlen(in);
    int hd[3], md[3];
    int n_hour = time_part(&p, &left, hd);
    if (n_hour < 1 || n_hour > 2 || !left || *p != ':' || cap < 6) return ACCORD_EINVAL;
    p++, left--;
    if (time_part(&p, &left, md) != 2 || left) return ACCORD_EINVAL; /* "9:5": 9:05 or 9:50? */
    int h = n_hour == 2 ? hd[0] * 10 + hd[1] : hd[0], m = md[0] * 10 + md[1];
    if (h > 23 || m > 59) return ACCORD_EINVAL;
    snprintf(out, cap, "%02d:%02d", h, m);
    return 0;
}

int schema_login_normalize(const char *in, char *out, size_t cap)
{
    size_t n = strlen(in);
    if (n == 0 || n > SCHEMA_LOGIN_MAX || n >= cap) return ACCORD_EINVAL;
    for (size_t i = 0; i < n; i++) {
        char c = (char)tolower((unsigned char)in[i]);
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@'))
            return ACCORD_EINVAL;
        out[i] = c;
    }
    out[n] = 0;
    return 0;
}

/* What libsodium's crypto_pwhash_str writes: "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH", in
 * base64 without padding. Only its shape is checked: a receiver never needs to verify it. */
static bool pwhash_valid(const char *s, size_t len)
{
    static const char head[] = "$argon2id$v=19$m=";
    if (len < sizeof head + 20 || len > 128 || strncmp(s, head, sizeof head - 1)) return false;
    unsigned dollars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '$') dollars++;
        else if (!isalnum(c) && c != '+' && c != '/' && c != '=' && c != ',') return false;
    }
    if (dollars != 5) return false;
    /* no weaker than the interactive limits the node hashes with (users.h): a hash made with
     * m=8,t=1 would let anyone who reads it find the password fast */
    unsigned long m = 0, tcost = 0;
    char tail;
    if (sscanf(s + sizeof head - 1, "%lu,t=%lu,p=%*u%c", &m, &tcost, &tail) != 3 || tail != '$') return false;
    return m >= 65536 && tcost >= 2;
}

const char *schema_role_name(schema_role_t r)
{
    return r == ROLE_STAFF ? "staff" : r == ROLE_MANAGER ? "manager" : r == ROLE_ADMIN ? "admin" : "?";
}

const char *schema_scope_name(schema_scope_t s)
{
    return s == SCOPE_ORG ? "org" : s == SCOPE_REGION ? "region" : s == SCOPE_BRANCH ? "branch" : "?";
}

/* "ROLE SCOPE [NAME]": words split by runs of spaces; the name is the rest, trimmed. */
int schema_grant_parse(const char *elem, size_t len, schema_grant_t *out)
{
    char buf[128];
    if (len == 0 || len >= sizeof buf || !schema_utf8_valid(elem, len) || schema_text_has_control(elem, len, false))
        return ACCORD_EINVAL;
    memcpy(buf, elem, len);
    buf[len] = 0;
    char *p = buf;
    char *words[2];
    for (int w = 0; w < 2; w++) {
        while (*p == ' ') p++;
        words[w] = p;
        while (*p && *p != ' ') p++;
        if (*p) *p++ = 0;
    }
    while (*p == ' ') p++;
    size_t nl = strlen(p);
    while (nl && p[nl - 1] == ' ') p[--nl] = 0;
    memset(out, 0, sizeof *out);
    for (int r = ROLE_STAFF; r <= ROLE_ADMIN; r++)
        if (!strcmp(words[0], schema_role_name((schema_role_t)r))) out->role = (schema_role_t)r;
    for (int sc = SCOPE_ORG; sc <= SCOPE_BRANCH; sc++)
        if (!strcmp(words[1], schema_scope_name((schema_scope_t)sc))) out->scope = (schema_scope_t)sc;
    if (!out->role || !out->scope) return ACCORD_EINVAL;
    if ((out->scope == SCOPE_ORG) != (nl == 0) || nl >= sizeof out->name) return ACCORD_EINVAL;
    memcpy(out->name, p, nl + 1);
    return 0;
}

void schema_grant_format(const schema_grant_t *g, char *out, size_t cap)
{
    snprintf(out, cap, "%s %s%s%s", schema_role_name(g->role), schema_scope_name(g->scope), g->name[0] ? " " : "",
             g->name);
}

static int bad(char *err, size_t cap, const field_def_t *f, const char *in, const char *why)
{
    snprintf(err, cap, "%s: '%.60s' %s", f->name, in, why);
    return ACCORD_EINVAL;
}

int schema_normalize(const field_def_t *f, const char *in, char *out, size_t out_cap,
                     int64_t *out_int, char *err, size_t err_cap)
{
    size_t len = strlen(in);
    *out_int = 0;
    if (!schema_utf8_valid(in, len)) return bad(err, err_cap, f, "?", "is not valid UTF-8 text");
    switch (f->type) {
    case FT_TEXT:
    case FT_TAGS:
    case FT_STAGE: {
        while (len && isspace((unsigned char)in[len - 1])) len--;
        while (len && isspace((unsigned char)*in)) { in++; len--; }
        if (len == 0) return bad(err, err_cap, f, in, "is empty");
        if (len > f->max_len || len >= out_cap) {
            snprintf(err, err_cap, "%s: too long (%zu bytes; at most %u)", f->name, len, f->max_len);
            return ACCORD_EINVAL;
        }
        if (schema_text_has_control(in, len, schema_text_multiline(f)))
            return bad(err, err_cap, f, "?", "contains a control character");
        memcpy(out, in, len);
        out[len] = '\0';
        return 0;
    }
    case FT_CHOICE:
        for (const char *const *c = f->choices; *c; c++)
            if (strcmp(*c, in) == 0) { snprintf(out, out_cap, "%s", in); return 0; }
        {
            char list[128] = "";
            for (const char *const *c = f->choices; *c; c++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         c == f->choices ? "" : ", ", *c);
            snprintf(err, err_cap, "%s: '%.40s' is not one of: %s", f->name, in, list);
        }
        return ACCORD_EINVAL;
    case FT_BOOL:
        if (!strcmp(in, "yes") || !strcmp(in, "true") || !strcmp(in, "1")) *out_int = 1;
        else if (!strcmp(in, "no") || !strcmp(in, "false") || !strcmp(in, "0")) *out_int = 0;
        else return bad(err, err_cap, f, in, "is not yes or no");
        return 0;
    case FT_INT:
    case FT_PERCENT:
    case FT_MONEY: {
        char *end;
        if (!len) return bad(err, err_cap, f, in, "is empty");
        long long v = strtoll(in, &end, 10);
        if (*end) return bad(err, err_cap, f, in, "is not a whole number");
        if (f->type == FT_PERCENT && (v < 0 || v > 100))
            return bad(err, err_cap, f, in, "must be between 0 and 100");
        if (!schema_int_in_range(f, v)) {
            snprintf(err, err_cap, "%s: '%.40s' must be a whole number from 0 to %u", f->name, in, f->max_len);
            return ACCORD_EINVAL;
        }
        *out_int = v;
        return 0;
    }
    case FT_CURRENCY:
        if (schema_currency_exponent(in) < 0)
            return bad(err, err_cap, f, in, "is not a known ISO 4217 currency code (e.g. EUR, USD, IRR)");
        snprintf(out, out_cap, "%s", in);
        return 0;
    case FT_DATE:
        if (!schema_date_valid(in)) return bad(err, err_cap, f, in, "is not a date as YYYY-MM-DD");
        snprintf(out, out_cap, "%s", in);
        return 0;
    case FT_DATETIME:
        if (schema_datetime_normalize(in, out, out_cap))
            return bad(err, err_cap, f, in, "is not an ISO 8601 date and time (2026-11-24T14:30 or 2026-11-24T14:30:00+03:30)");
        return 0;
    case FT_TIME:
        if (schema_time_normalize(in, out, out_cap))
            return bad(err, err_cap, f, in, "is not a time of day as HH:MM, 24-hour (09:05, 17:30)");
        return 0;
    case FT_REF:
        return bad(err, err_cap, f, in, "must be a record id");
    case FT_PHONES:
        if (schema_phone_normalize(in, out, out_cap))
            return bad(err, err_cap, f, in, "is not a phone number: use 4 to 15 digits with an optional +country prefix");
        return 0;
    case FT_EMAILS:
        if (schema_email_normalize(in, out, out_cap))
            return bad(err, err_cap, f, in, "is not an e-mail address like name@example.com");
        return 0;
    case FT_QUANTITY:
    case FT_RATE: {
        const char *why;
        if ((f->type == FT_QUANTITY ? schema_quantity_parse(in, out_int, &why) : schema_rate_parse(in, out_int, &why)))
            return bad(err, err_cap, f, in, why);
        return 0;
    }
    case FT_PRICES: { /* the canonical element, as the node writes it (api_sales.c reads what people type) */
        schema_price_t pr;
        if (schema_price_parse(in, len, &pr)) return bad(err, err_cap, f, in, "is not a price as CUR MINOR [BRANCH]");
        schema_price_format(&pr, out, out_cap);
        return 0;
    }
    case FT_LOGIN:
        if (schema_login_normalize(in, out, out_cap))
            return bad(err, err_cap, f, in, "is not a login: 1 to 40 letters, digits, '.', '_', '-' or '@'");
        return 0;
    case FT_PWHASH:
        if (!pwhash_valid(in, len) || len >= out_cap) return bad(err, err_cap, f, "?", "is not an Argon2id hash");
        memcpy(out, in, len + 1);
        return 0;
    case FT_ROLES: {
        schema_grant_t g;
        if (schema_grant_parse(in, len, &g))
            return bad(err, err_cap, f, in, "is not a role: staff, manager or admin, then org, region NAME or branch NODE");
        schema_grant_format(&g, out, out_cap);
        return 0;
    }
    case FT_PAYMENTS: {
        schema_payment_t pay;
        if (schema_payment_parse(in, len, &pay))
            return bad(err, err_cap, f, in, "is not a payment as DATE MINOR METHOD ID [REFERENCE]");
        schema_payment_format(&pay, out, out_cap);
        return 0;
    }
    }
    return ACCORD_EINVAL;
}

int schema_check_op(unsigned kind, const record_op_t *op)
{
    const field_def_t *f = schema_field_by_id(kind, op->field);
    if (!f) return ACCORD_EPROTO;
    const value_t *v = &op->val;
    if (schema_is_set(f->type)) {
        if (op->op != OP_ADD && op->op != OP_REMOVE) return ACCORD_EPROTO;
        return v->len <= f->max_len && schema_utf8_valid(v->s, v->len) ? 0 : ACCORD_EPROTO;
    }
    if (op->op == OP_RESOLVE) return 0;
    if (op->op != OP_SET) return ACCORD_EPROTO;
    if (v->type == VAL_NIL) return 0;
    switch (f->type) {
    case FT_BOOL: return v->type == VAL_BOOL ? 0 : ACCORD_EPROTO;
    case FT_INT:
    case FT_PERCENT:
    case FT_QUANTITY:
    case FT_RATE:
    case FT_MONEY: return v->type == VAL_INT && schema_int_in_range(f, v->i) ? 0 : ACCORD_EPROTO;
    case FT_REF: return v->type == VAL_REF && v->len == ID_LEN ? 0 : ACCORD_EPROTO;
    default:
        if (v->type != VAL_STR || v->len > f->max_len || !schema_utf8_valid(v->s, v->len))
            return ACCORD_EPROTO;
        return 0;
    }
}
