/* SPDX-License-Identifier: MIT */
#include "export_sales.h"
#include "proto/schema.h"
#include "output.h"

#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    COL_FIELD, /* the record's value as the list gives it (an amount: minor units) */
    COL_MONEY, /* an amount in minor units as decimal text in the record's currency */
    COL_NAME,  /* the name of the customer whose id the key holds */
} col_src_t;

typedef struct {
    const char *name; /* the column's name in the header and the JSON key */
    col_src_t src;
    const char *key;  /* the record's key it is made from */
} col_t;

static const col_t invoice_cols[] = {
    {"id", COL_FIELD, "id"}, {"number", COL_FIELD, "number"}, {"issued", COL_FIELD, "issued"},
    {"due", COL_FIELD, "due"}, {"customer", COL_FIELD, "customer"}, {"customer_name", COL_NAME, "customer"},
    {"currency", COL_FIELD, "currency"}, {"net", COL_MONEY, "net"}, {"tax", COL_MONEY, "tax"},
    {"total", COL_MONEY, "total"}, {"paid", COL_MONEY, "paid"}, {"balance", COL_MONEY, "balance"},
    {"state", COL_FIELD, "state"}, {"overdue", COL_FIELD, "overdue"}, {"branch", COL_FIELD, "branch"},
    {"net_minor", COL_FIELD, "net"}, {"tax_minor", COL_FIELD, "tax"}, {"total_minor", COL_FIELD, "total"},
    {"paid_minor", COL_FIELD, "paid"}, {"balance_minor", COL_FIELD, "balance"}, {NULL, 0, NULL}};
static const col_t ticket_cols[] = {
    {"id", COL_FIELD, "id"}, {"subject", COL_FIELD, "subject"}, {"customer", COL_FIELD, "customer"},
    {"customer_name", COL_NAME, "customer"}, {"status", COL_FIELD, "status"}, {"priority", COL_FIELD, "priority"},
    {"sla_due", COL_FIELD, "sla_due"}, {"assignee", COL_FIELD, "assignee"}, {"asset", COL_FIELD, "asset"},
    {"created", COL_FIELD, "created"}, {"closed_at", COL_FIELD, "closed_at"}, {"overdue", COL_FIELD, "overdue"},
    {"branch", COL_FIELD, "branch"}, {NULL, 0, NULL}};

/* customer id -> name, open addressing; each customer asked for once */
typedef struct {
    char id[33];
    char *name; /* NULL: the slot is empty */
} name_slot_t;

struct export_sales {
    accord_client_t *c;
    const col_t *cols;
    name_slot_t *names;
    size_t n_names, cap_names; /* cap: a power of 2 */
    msgpack_sbuffer row;       /* the row being built */
};

bool export_sales_kind(const char *kind) { return !strcmp(kind, "invoice") || !strcmp(kind, "ticket"); }

export_sales_t *export_sales_new(accord_client_t *c, const char *kind)
{
    export_sales_t *x = calloc(1, sizeof *x);
    if (!x) abort();
    x->c = c;
    x->cols = !strcmp(kind, "invoice") ? invoice_cols : ticket_cols;
    x->cap_names = 256;
    if (!(x->names = calloc(x->cap_names, sizeof *x->names))) abort();
    msgpack_sbuffer_init(&x->row);
    return x;
}

void export_sales_destroy(export_sales_t **xp)
{
    export_sales_t *x = *xp;
    if (!x) return;
    for (size_t i = 0; i < x->cap_names; i++) free(x->names[i].name);
    free(x->names);
    msgpack_sbuffer_destroy(&x->row);
    free(x);
    *xp = NULL;
}

void export_sales_csv_header(const export_sales_t *x, FILE *f)
{
    fputs("\xef\xbb\xbf", f); /* as the other exports: spreadsheets read it as UTF-8 */
    for (const col_t *c = x->cols; c->name; c++) fprintf(f, "%s%s", c == x->cols ? "" : ",", c->name);
    fputs("\r\n", f);
}

static size_t slot_of(const name_slot_t *slots, size_t cap, const char *id)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = id; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].name && strcmp(slots[i].id, id)) i = (i + 1) & (cap - 1);
    return i;
}

static void grow_names(export_sales_t *x)
{
    size_t cap = 2 * x->cap_names;
    name_slot_t *slots = calloc(cap, sizeof *slots);
    if (!slots) abort();
    for (size_t i = 0; i < x->cap_names; i++)
        if (x->names[i].name) slots[slot_of(slots, cap, x->names[i].id)] = x->names[i];
    free(x->names);
    x->names = slots;
    x->cap_names = cap;
}

/* The customer's name, asked of the node the first time (a customer it cannot give, as
 * one deleted since: ""); borrowed until the writer is destroyed. */
static const char *customer_name(export_sales_t *x, const char *id)
{
    size_t i = slot_of(x->names, x->cap_names, id);
    if (x->names[i].name) return x->names[i].name;
    accord_args_t a;
    accord_args_init(&a);
    accord_args_str(&a, "id", id);
    accord_reply_t r;
    char name[1024] = "";
    if (accord_call(x->c, "get", &a, &r) == 0) accord_obj_str(&r.body, "name", name, sizeof name);
    accord_reply_destroy(&r);
    accord_args_destroy(&a);
    if (2 * (x->n_names + 1) > x->cap_names) {
        grow_names(x);
        i = slot_of(x->names, x->cap_names, id);
    }
    snprintf(x->names[i].id, sizeof x->names[i].id, "%s", id);
    if (!(x->names[i].name = strdup(name))) abort();
    x->n_names++;
    return x->names[i].name;
}

static void pack_cstr(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str_with_body(pk, s, strlen(s));
}

/* rec's value of col packed into pk: nil when the record has none */
static void pack_col(export_sales_t *x, msgpack_packer *pk, const msgpack_object *rec, const col_t *col)
{
    const msgpack_object *v = accord_obj_get(rec, col->key);
    char text[1024];
    if (!v || v->type == MSGPACK_OBJECT_NIL) {
        msgpack_pack_nil(pk);
    } else if (col->src == COL_FIELD) {
        msgpack_pack_object(pk, *v);
    } else if (col->src == COL_MONEY) {
        char currency[8];
        accord_obj_str(rec, "currency", currency, sizeof currency);
        if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 <= INT64_MAX) schema_money_format((int64_t)v->via.u64, currency, text, sizeof text);
        else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) schema_money_format(v->via.i64, currency, text, sizeof text);
        else text[0] = 0;
        pack_cstr(pk, text);
    } else {
        pack_cstr(pk, customer_name(x, accord_obj_str(rec, col->key, text, sizeof text)));
    }
}

void export_sales_row(export_sales_t *x, FILE *f, const msgpack_object *rec, bool jsonl)
{
    unsigned n = 0;
    for (const col_t *c = x->cols; c->name; c++) n++;
    x->row.size = 0;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &x->row, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, n);
    for (const col_t *c = x->cols; c->name; c++) {
        pack_cstr(&pk, c->name);
        pack_col(x, &pk, rec, c);
    }
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, x->row.data, x->row.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        if (jsonl) {
            output_json(f, &u.data);
        } else {
            for (uint32_t i = 0; i < u.data.via.map.size; i++) {
                char *v = output_cell_dup(&u.data.via.map.ptr[i].val);
                if (i) fputc(',', f);
                csv_fwrite(f, v, strlen(v));
                free(v);
            }
            fputs("\r\n", f);
        }
    }
    msgpack_unpacked_destroy(&u);
}
