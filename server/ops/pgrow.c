/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "ops/pgrow.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "state/entity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- buffer ---- */

void pgrow_buf_free(pgrow_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void reserve(pgrow_buf_t *b, size_t more)
{
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more) cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) abort();
    b->cap = cap;
}

void pgrow_buf_add(pgrow_buf_t *b, const void *p, size_t n)
{
    reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

void pgrow_buf_str(pgrow_buf_t *b, const char *s)
{
    pgrow_buf_add(b, s, strlen(s));
}

static void put_char(pgrow_buf_t *b, char c)
{
    reserve(b, 1);
    b->data[b->len++] = c;
}

/* ---- the tables ---- */

/* Kinds copied and their tables; the columns are the schema's fields (column_type). */
static const char *const tables[KIND_COUNT] = {
    [KIND_CUSTOMER] = "customers", [KIND_CONTACT] = "contacts", [KIND_DEAL] = "deals", [KIND_TASK] = "tasks",
    [KIND_INTERACTION] = "interactions", [KIND_NOTE] = "notes", [KIND_PRODUCT] = "products",
    [KIND_QUOTE] = "quotes", [KIND_LINE] = "lines", [KIND_ORDER] = "orders", [KIND_INVOICE] = "invoices",
    [KIND_TICKET] = "tickets", [KIND_BRANCH] = "branches",
};

const char *pgrow_table(unsigned kind)
{
    return kind < KIND_COUNT ? tables[kind] : NULL;
}

/* The PostgreSQL type of a field's column; NULL for a field never copied (password
 * hashes; deleted, since a deleted entity has no row). */
static const char *column_type(const field_def_t *f)
{
    if (f->id == F_DELETED) return NULL;
    switch (f->type) {
    case FT_BOOL: return "boolean";
    case FT_INT:
    case FT_PERCENT: return "bigint";
    case FT_MONEY:
    case FT_QUANTITY:
    case FT_RATE: return "numeric";
    case FT_DATE: return "date";
    case FT_DATETIME: return "timestamptz";
    case FT_TIME: return "time";
    case FT_REF: return "uuid";
    case FT_PHONES:
    case FT_EMAILS:
    case FT_TAGS:
    case FT_PRICES:
    case FT_PAYMENTS:
    case FT_ROLES: return "text[]";
    case FT_PWHASH: return NULL;
    case FT_TEXT:
    case FT_CHOICE:
    case FT_CURRENCY:
    case FT_STAGE:
    case FT_LOGIN: return "text";
    }
    return NULL;
}

static bool kind_has(unsigned kind, field_type_t type)
{
    unsigned n;
    const field_def_t *fs = schema_fields(kind, &n);
    for (unsigned i = 0; i < n; i++)
        if (fs[i].type == type) return true;
    return false;
}

/* A line's amounts are in its document's currency: its table gets a currency column. */
static bool borrows_currency(unsigned kind)
{
    return kind_has(kind, FT_MONEY) && !kind_has(kind, FT_CURRENCY);
}

static void quoted(pgrow_buf_t *b, const char *name, const char *suffix)
{
    put_char(b, '"');
    pgrow_buf_str(b, name);
    pgrow_buf_str(b, suffix);
    put_char(b, '"');
}

/* Calls col(b, name, suffix, type) for each column of kind's table but id, in order. */
static void each_column(unsigned kind, pgrow_buf_t *b, void (*col)(pgrow_buf_t *, const char *, const char *, const char *))
{
    unsigned n;
    const field_def_t *fs = schema_fields(kind, &n);
    for (unsigned i = 0; i < n; i++) {
        const char *type = column_type(&fs[i]);
        if (!type) continue;
        col(b, fs[i].name, "", type);
        if (fs[i].type == FT_MONEY) col(b, fs[i].name, "_minor", "bigint");
    }
    if (borrows_currency(kind)) col(b, "currency", "", "text");
    col(b, "updated_at", "", "timestamptz");
}

static void ddl_column(pgrow_buf_t *b, const char *name, const char *suffix, const char *type)
{
    pgrow_buf_str(b, ", ");
    quoted(b, name, suffix);
    put_char(b, ' ');
    pgrow_buf_str(b, type);
}

static void list_column(pgrow_buf_t *b, const char *name, const char *suffix, const char *type)
{
    (void)type;
    pgrow_buf_str(b, ", ");
    quoted(b, name, suffix);
}

/* "col = EXCLUDED.col" after ", " (pgrow_update_set cuts the first one). */
static void set_column(pgrow_buf_t *b, const char *name, const char *suffix, const char *type)
{
    (void)type;
    pgrow_buf_str(b, ", ");
    quoted(b, name, suffix);
    pgrow_buf_str(b, " = EXCLUDED.");
    quoted(b, name, suffix);
}

void pgrow_columns(unsigned kind, pgrow_buf_t *b)
{
    pgrow_buf_str(b, "\"id\"");
    each_column(kind, b, list_column);
}

void pgrow_update_set(unsigned kind, pgrow_buf_t *b)
{
    pgrow_buf_t own = {0};
    each_column(kind, &own, set_column);
    pgrow_buf_add(b, own.data + 2, own.len - 2); /* without the first ", " */
    pgrow_buf_free(&own);
}

void pgrow_ddl(pgrow_buf_t *b)
{
    pgrow_buf_str(b, "CREATE SCHEMA IF NOT EXISTS " PGROW_SCHEMA ";\n"
                     "CREATE TABLE IF NOT EXISTS " PGROW_SCHEMA ".meta (key text PRIMARY KEY, value text NOT NULL);\n");
    for (unsigned k = 0; k < KIND_COUNT; k++) {
        if (!tables[k]) continue;
        pgrow_buf_str(b, "CREATE TABLE IF NOT EXISTS " PGROW_SCHEMA ".");
        pgrow_buf_str(b, tables[k]);
        pgrow_buf_str(b, " (\"id\" uuid PRIMARY KEY");
        each_column(k, b, ddl_column);
        pgrow_buf_str(b, ");\n");
    }
    pgrow_buf_str(b,
                  "CREATE TABLE IF NOT EXISTS " PGROW_SCHEMA ".changes (origin uuid NOT NULL, seq bigint NOT NULL, "
                  "entity uuid NOT NULL, kind text NOT NULL, author text NOT NULL, at timestamptz, op text NOT NULL, "
                  "fields jsonb NOT NULL, PRIMARY KEY (origin, seq));\n"
                  "CREATE INDEX IF NOT EXISTS changes_entity ON " PGROW_SCHEMA ".changes (entity);\n"
                  "CREATE TABLE IF NOT EXISTS " PGROW_SCHEMA ".position (origin uuid PRIMARY KEY, seq bigint NOT NULL, "
                  "at timestamptz);\n"
                  "CREATE TABLE IF NOT EXISTS " PGROW_SCHEMA ".status (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
                  "hub text NOT NULL, synced_at timestamptz NOT NULL, behind_records bigint NOT NULL, "
                  "behind_seconds double precision NOT NULL, newest_at timestamptz);\n");
}

/* ---- values ---- */

/* The length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, min = 0x10000;
    else return 0;
    if (left < n) return 0;
    unsigned cp = c & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

/* Calls emit for each valid character of s (a byte of invalid UTF-8 becomes U+FFFD, NUL
 * is dropped): the one place text from the store is made fit for PostgreSQL. */
typedef void (*char_fn)(pgrow_buf_t *b, const char *ch, size_t n);

static void each_char(pgrow_buf_t *b, const char *s, size_t len, char_fn emit)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(p + i, len - i);
        if (n == 0) {
            emit(b, "\xef\xbf\xbd", 3);
            i++;
            continue;
        }
        if (p[i] != 0) emit(b, (const char *)p + i, n);
        i += n;
    }
}

static void copy_char(pgrow_buf_t *b, const char *ch, size_t n)
{
    if (n == 1) {
        switch (ch[0]) {
        case '\\': pgrow_buf_add(b, "\\\\", 2); return;
        case '\t': pgrow_buf_add(b, "\\t", 2); return;
        case '\n': pgrow_buf_add(b, "\\n", 2); return;
        case '\r': pgrow_buf_add(b, "\\r", 2); return;
        }
    }
    pgrow_buf_add(b, ch, n);
}

void pgrow_copy_text(pgrow_buf_t *b, const char *s, size_t len)
{
    each_char(b, s, len, copy_char);
}

/* An element of an array literal, after COPY's escaping: '"' and '\' take a backslash,
 * which COPY then doubles like any backslash. */
static void array_char(pgrow_buf_t *b, const char *ch, size_t n)
{
    if (n == 1 && (ch[0] == '"' || ch[0] == '\\')) pgrow_buf_add(b, "\\\\", 2);
    copy_char(b, ch, n);
}

/* Inside a JSON string: '"' and '\' escaped, control characters as \uXXXX (NUL never
 * reaches here: jsonb refuses \u0000). The result still goes through COPY's escaping. */
static void json_char(pgrow_buf_t *b, const char *ch, size_t n)
{
    unsigned char c = (unsigned char)ch[0];
    if (n == 1 && (c == '"' || c == '\\')) {
        pgrow_buf_add(b, "\\\\", 2);
        copy_char(b, ch, 1);
    } else if (n == 1 && (c < 0x20 || c == 0x7f)) {
        char esc[8];
        snprintf(esc, sizeof esc, "\\\\u%04x", c); /* the backslash doubled for COPY */
        pgrow_buf_str(b, esc);
    } else {
        pgrow_buf_add(b, ch, n);
    }
}

void pgrow_numeric(pgrow_buf_t *b, int64_t v, int decimals)
{
    char digits[32];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    if (v < 0) put_char(b, '-');
    if (decimals <= 0) {
        pgrow_buf_add(b, digits, (size_t)n);
        return;
    }
    if (n <= decimals) { /* 0.0005: zeros between the point and the digits */
        pgrow_buf_str(b, "0.");
        for (int i = n; i < decimals; i++) put_char(b, '0');
        pgrow_buf_add(b, digits, (size_t)n);
        return;
    }
    pgrow_buf_add(b, digits, (size_t)(n - decimals));
    put_char(b, '.');
    pgrow_buf_add(b, digits + n - decimals, (size_t)decimals);
}

#define MAX_MS 253402300799999ULL /* 9999-12-31T23:59:59.999Z */

bool pgrow_timestamp_ms(pgrow_buf_t *b, uint64_t ms)
{
    if (ms > MAX_MS) return false;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) return false;
    char out[40];
    int n = snprintf(out, sizeof out, "%04d-%02d-%02d %02d:%02d:%02d.%03u+00", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
    pgrow_buf_add(b, out, (size_t)n);
    return true;
}

/* The number of n ASCII digits at s, or -1. */
static int digits_at(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool day_valid(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = digits_at(s, 4), m = digits_at(s + 5, 2), d = digits_at(s + 8, 2);
    if (y < 1 || s[4] != '-' || s[7] != '-' || m < 1 || m > 12 || d < 1) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

static bool time_valid(const char *s, bool seconds)
{
    int h = digits_at(s, 2), mi = digits_at(s + 3, 2);
    if (h < 0 || h > 23 || s[2] != ':' || mi < 0 || mi > 59) return false;
    if (!seconds) return true;
    int sec = digits_at(s + 6, 2);
    return s[5] == ':' && sec >= 0 && sec <= 59;
}

bool pgrow_date(pgrow_buf_t *b, const char *s, size_t len)
{
    if (len != 10 || !day_valid(s)) return false;
    pgrow_buf_add(b, s, len);
    return true;
}

bool pgrow_datetime(pgrow_buf_t *b, const char *s, size_t len)
{
    if (len != 20 || !day_valid(s) || s[10] != 'T' || !time_valid(s + 11, true) || s[19] != 'Z') return false;
    pgrow_buf_add(b, s, 10);
    put_char(b, ' ');
    pgrow_buf_add(b, s + 11, 8);
    pgrow_buf_str(b, "+00");
    return true;
}

bool pgrow_time(pgrow_buf_t *b, const char *s, size_t len)
{
    if (len != 5 || !time_valid(s, false)) return false;
    pgrow_buf_add(b, s, len);
    return true;
}

static void hex_uuid(pgrow_buf_t *b, const uint8_t *id)
{
    static const char hx[] = "0123456789abcdef";
    reserve(b, 2 * ID_LEN);
    for (unsigned i = 0; i < ID_LEN; i++) {
        b->data[b->len++] = hx[id[i] >> 4];
        b->data[b->len++] = hx[id[i] & 15];
    }
}

/* ---- an entity's row ---- */

/* A row's entries by field, gathered in one walk: the register, and where its set's
 * elements begin (the row keeps them together, after the register, sorted). */
typedef struct {
    entity_entry_t reg[256];
    bool has_reg[256];
    entity_row_t set_at[256]; /* the walk's state just before the field's first element */
    unsigned set_n[256];      /* entries of the field's set, present or not */
    uint64_t newest_hlc;      /* the newest version anywhere in the row */
} row_fields_t;

static int gather(const void *row, size_t len, row_fields_t *rf)
{
    entity_row_t r;
    if (entity_row_open(row, len, &r)) return ACCORD_ESTORE;
    memset(rf->has_reg, 0, sizeof rf->has_reg);
    memset(rf->set_n, 0, sizeof rf->set_n);
    rf->newest_hlc = 0;
    entity_entry_t e;
    entity_row_t before = r;
    int rc;
    while ((rc = entity_row_next(&r, &e)) == 1) {
        if (e.tag == ENTITY_TAG_FIELD && e.klen >= 1) {
            unsigned field = e.key[0];
            if (e.klen == 1) {
                rf->reg[field] = e;
                rf->has_reg[field] = true;
            } else {
                if (rf->set_n[field]++ == 0) rf->set_at[field] = before;
            }
            if (e.vlen >= VERSION_LEN) {
                uint64_t hlc = be64_get(e.val);
                if (hlc > rf->newest_hlc) rf->newest_hlc = hlc;
            }
        }
        before = r;
    }
    return rc < 0 ? ACCORD_ESTORE : 0;
}

/* The register of field as a value of type; false if unset, damaged or of another type. */
static bool reg_value(const row_fields_t *rf, unsigned field, value_type_t type, value_t *v)
{
    field_state_t fs;
    if (!rf->has_reg[field] || entity_decode_register(rf->reg[field].val, rf->reg[field].vlen, &fs)) return false;
    if (fs.val.type != type) return false;
    *v = fs.val;
    return true;
}

/* The row's currency code and its minor-unit digits, or -1 if it has none known. */
static int row_currency(unsigned kind, const row_fields_t *rf, const char *doc_currency, char code[4])
{
    code[0] = 0;
    unsigned n;
    const field_def_t *fs = schema_fields(kind, &n);
    value_t v;
    for (unsigned i = 0; i < n; i++)
        if (fs[i].type == FT_CURRENCY && reg_value(rf, fs[i].id, VAL_STR, &v) && v.len == 3) {
            memcpy(code, v.s, 3);
            code[3] = 0;
            return schema_currency_exponent(code);
        }
    if (borrows_currency(kind) && doc_currency && strlen(doc_currency) == 3) {
        memcpy(code, doc_currency, 4);
        return schema_currency_exponent(code);
    }
    return -1;
}

static void null_value(pgrow_buf_t *b)
{
    pgrow_buf_add(b, "\\N", 2);
}

static void set_column_value(pgrow_buf_t *b, const row_fields_t *rf, unsigned field)
{
    put_char(b, '{');
    entity_row_t r = rf->set_at[field];
    entity_entry_t e;
    bool first = true;
    for (unsigned i = 0; i < rf->set_n[field] && entity_row_next(&r, &e) == 1; i++) {
        if (e.vlen != VERSION_LEN + 1 || !e.val[VERSION_LEN]) continue; /* removed */
        if (!first) put_char(b, ',');
        first = false;
        put_char(b, '"');
        each_char(b, (const char *)e.key + 1, e.klen - 1, array_char);
        put_char(b, '"');
    }
    put_char(b, '}');
}

/* The value of field f in its column; false for NULL (nothing appended). */
static bool field_value(pgrow_buf_t *b, const field_def_t *f, const row_fields_t *rf, int exp)
{
    value_t v;
    switch (f->type) {
    case FT_BOOL:
        if (!reg_value(rf, f->id, VAL_BOOL, &v)) return false;
        put_char(b, v.i ? 't' : 'f');
        return true;
    case FT_INT:
    case FT_PERCENT:
        if (!reg_value(rf, f->id, VAL_INT, &v)) return false;
        pgrow_numeric(b, v.i, 0);
        return true;
    case FT_MONEY:
        if (exp < 0 || !reg_value(rf, f->id, VAL_INT, &v)) return false;
        pgrow_numeric(b, v.i, exp);
        return true;
    case FT_QUANTITY:
    case FT_RATE:
        if (!reg_value(rf, f->id, VAL_INT, &v)) return false;
        pgrow_numeric(b, v.i, f->type == FT_QUANTITY ? 3 : 2);
        return true;
    case FT_DATE: return reg_value(rf, f->id, VAL_STR, &v) && pgrow_date(b, v.s, v.len);
    case FT_DATETIME: return reg_value(rf, f->id, VAL_STR, &v) && pgrow_datetime(b, v.s, v.len);
    case FT_TIME: return reg_value(rf, f->id, VAL_STR, &v) && pgrow_time(b, v.s, v.len);
    case FT_REF:
        if (!reg_value(rf, f->id, VAL_REF, &v) || v.len != ID_LEN) return false;
        hex_uuid(b, (const uint8_t *)v.s);
        return true;
    case FT_PHONES:
    case FT_EMAILS:
    case FT_TAGS:
    case FT_PRICES:
    case FT_PAYMENTS:
    case FT_ROLES: set_column_value(b, rf, f->id); return true;
    case FT_PWHASH: return false;
    case FT_TEXT:
    case FT_CHOICE:
    case FT_CURRENCY:
    case FT_STAGE:
    case FT_LOGIN:
        if (!reg_value(rf, f->id, VAL_STR, &v)) return false;
        pgrow_copy_text(b, v.s, v.len);
        return true;
    }
    return false;
}

static void column_value(pgrow_buf_t *b, bool written)
{
    if (!written) null_value(b);
}

int pgrow_entity_line(const uint8_t id[ID_LEN], const void *row, size_t len, const char *doc_currency,
                      pgrow_buf_t *out)
{
    entity_row_t head;
    if (entity_row_open(row, len, &head)) return ACCORD_ESTORE;
    unsigned kind = (unsigned)head.kind;
    if (!pgrow_table(kind)) return ACCORD_EINVAL;
    row_fields_t *rf = malloc(sizeof *rf); /* 25 KiB: not on the stack */
    if (!rf) abort();
    int rc = gather(row, len, rf);
    value_t v;
    if (rc == 0 && reg_value(rf, F_DELETED, VAL_BOOL, &v) && v.i) rc = PGROW_GONE;
    else if (rc == 0) rc = PGROW_ROW;
    if (rc != PGROW_ROW) {
        free(rf);
        return rc;
    }
    char code[4];
    int exp = row_currency(kind, rf, doc_currency, code);
    hex_uuid(out, id);
    unsigned n;
    const field_def_t *fs = schema_fields(kind, &n);
    for (unsigned i = 0; i < n; i++) {
        if (!column_type(&fs[i])) continue;
        put_char(out, '\t');
        column_value(out, field_value(out, &fs[i], rf, exp));
        if (fs[i].type != FT_MONEY) continue;
        put_char(out, '\t');
        bool minor = reg_value(rf, fs[i].id, VAL_INT, &v);
        if (minor) pgrow_numeric(out, v.i, 0);
        column_value(out, minor);
    }
    if (borrows_currency(kind)) {
        put_char(out, '\t');
        if (exp >= 0) pgrow_buf_str(out, code);
        column_value(out, exp >= 0);
    }
    put_char(out, '\t');
    column_value(out, rf->newest_hlc && pgrow_timestamp_ms(out, HLC_MS(rf->newest_hlc)));
    put_char(out, '\n');
    free(rf);
    return PGROW_ROW;
}

/* ---- a feed record ---- */

const char *pgrow_record_op(const record_t *rec)
{
    bool resolves_only = rec->n_ops > 0;
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        if (op->op == OP_SET && op->field == F_DELETED && op->val.type == VAL_BOOL && op->val.i) return "delete";
        if (op->op != OP_RESOLVE) resolves_only = false;
    }
    for (uint32_t i = 0; i < rec->n_ops; i++)
        if (rec->ops[i].op == OP_SET && rec->ops[i].field == F_CREATED) return "create";
    return resolves_only ? "resolve" : "update";
}

static void json_string(pgrow_buf_t *b, const char *s, size_t len)
{
    put_char(b, '"');
    each_char(b, s, len, json_char);
    put_char(b, '"');
}

static void json_value(pgrow_buf_t *b, const field_def_t *f, const value_t *v)
{
    char num[32];
    if (f && f->type == FT_PWHASH && v->type != VAL_NIL) {
        pgrow_buf_str(b, "\"(set)\""); /* a hash is for checking a password, never copied */
        return;
    }
    switch (v->type) {
    case VAL_NIL: pgrow_buf_str(b, "null"); return;
    case VAL_BOOL: pgrow_buf_str(b, v->i ? "true" : "false"); return;
    case VAL_INT:
        snprintf(num, sizeof num, "%lld", (long long)v->i);
        pgrow_buf_str(b, num);
        return;
    case VAL_STR: json_string(b, v->s, v->len); return;
    case VAL_REF: {
        static const char hx[] = "0123456789abcdef";
        put_char(b, '"');
        for (size_t i = 0; i < v->len; i++) {
            put_char(b, hx[(uint8_t)v->s[i] >> 4]);
            put_char(b, hx[(uint8_t)v->s[i] & 15]);
        }
        put_char(b, '"');
        return;
    }
    }
    pgrow_buf_str(b, "null");
}

static void json_field_name(pgrow_buf_t *b, const field_def_t *f, unsigned field)
{
    char name[16];
    if (f) {
        json_string(b, f->name, strlen(f->name));
    } else { /* a field of a later version */
        snprintf(name, sizeof name, "\"f%u\"", field);
        pgrow_buf_str(b, name);
    }
    put_char(b, ':');
}

/* The ops of one field as {"set": v, "add": [...], "remove": [...], "resolved": n}. */
static void json_field_ops(pgrow_buf_t *b, const record_t *rec, unsigned field, const field_def_t *f)
{
    unsigned n_set = 0, n_other = 0;
    const record_op_t *last_set = NULL;
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        if (rec->ops[i].field != field) continue;
        if (rec->ops[i].op == OP_SET) n_set++, last_set = &rec->ops[i];
        else n_other++;
    }
    if (n_other == 0 && last_set) { /* the common case: "name": value */
        json_value(b, f, &last_set->val);
        return;
    }
    put_char(b, '{');
    bool any = false;
    if (last_set) {
        pgrow_buf_str(b, "\"set\":");
        json_value(b, f, &last_set->val);
        any = true;
    }
    static const struct { uint8_t op; const char *key; } lists[] = {{OP_ADD, "add"}, {OP_REMOVE, "remove"}};
    for (unsigned l = 0; l < 2; l++) {
        bool open = false;
        for (uint32_t i = 0; i < rec->n_ops; i++) {
            const record_op_t *op = &rec->ops[i];
            if (op->field != field || op->op != lists[l].op) continue;
            if (!open) {
                if (any) put_char(b, ',');
                pgrow_buf_str(b, "\"");
                pgrow_buf_str(b, lists[l].key);
                pgrow_buf_str(b, "\":[");
                open = any = true;
            } else {
                put_char(b, ',');
            }
            json_value(b, f, &op->val);
        }
        if (open) put_char(b, ']');
    }
    unsigned resolved = 0;
    for (uint32_t i = 0; i < rec->n_ops; i++)
        if (rec->ops[i].field == field && rec->ops[i].op == OP_RESOLVE) resolved++;
    if (resolved) {
        char num[32];
        snprintf(num, sizeof num, "%s\"resolved\":%u", any ? "," : "", resolved);
        pgrow_buf_str(b, num);
    }
    put_char(b, '}');
}

static void json_fields(pgrow_buf_t *b, const record_t *rec)
{
    put_char(b, '{');
    bool first = true;
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        unsigned field = rec->ops[i].field;
        uint32_t j = 0;
        while (j < i && rec->ops[j].field != field) j++;
        if (j < i) continue; /* written with its first op */
        if (!first) put_char(b, ',');
        first = false;
        const field_def_t *f = schema_field_by_id(rec->kind, field);
        json_field_name(b, f, field);
        json_field_ops(b, rec, field, f);
    }
    put_char(b, '}');
}

void pgrow_change_line(const record_t *rec, pgrow_buf_t *out)
{
    char num[32];
    hex_uuid(out, rec->origin);
    snprintf(num, sizeof num, "\t%llu\t", (unsigned long long)(rec->seq & INT64_MAX));
    pgrow_buf_str(out, num);
    hex_uuid(out, rec->entity);
    put_char(out, '\t');
    const char *kind = schema_kind_name(rec->kind);
    if (kind) {
        pgrow_buf_str(out, kind);
    } else {
        snprintf(num, sizeof num, "kind_%u", rec->kind);
        pgrow_buf_str(out, num);
    }
    put_char(out, '\t');
    pgrow_copy_text(out, rec->author, rec->author_len);
    put_char(out, '\t');
    column_value(out, pgrow_timestamp_ms(out, HLC_MS(rec->hlc)));
    put_char(out, '\t');
    pgrow_buf_str(out, pgrow_record_op(rec));
    put_char(out, '\t');
    json_fields(out, rec);
    put_char(out, '\n');
}
