/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "api/dedupe.h"
#include "state/entity.h"
#include "state/index.h"
#include "common/log.h"
#include "auth/roster.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIST_MAX 1000
#define SEARCH_DEFAULT 50

/* Scratch for the values of one write: ops borrow their strings from here. */
typedef struct {
    record_t rec;
    char buf[RECORD_MAX_OPS][RECORD_MAX_STR + 1];
    uint8_t refs[RECORD_MAX_OPS][ID_LEN];
} write_ctx_t;

static void pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack_cstr(msgpack_packer *pk, const char *s)
{
    pack_str(pk, s, strlen(s));
}

#define CONFLICT_KEY_LEN (ID_LEN + 1 + 2 * VERSION_LEN) /* the longest thing shown in hex */

static void pack_hex(msgpack_packer *pk, const uint8_t *b, size_t n)
{
    char hex[2 * CONFLICT_KEY_LEN + 1];
    ACCORD_ASSERT(n <= CONFLICT_KEY_LEN);
    crypto_hex(b, n, hex);
    pack_str(pk, hex, 2 * n);
}

int api_set_pipeline(api_t *api, const char *csv)
{
    unsigned n = 0;
    const char *p = csv;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && *p == ' ') { p++; len--; }
        while (len && p[len - 1] == ' ') len--;
        if (len == 0 || len > 64 || n == API_MAX_STAGES || !schema_utf8_valid(p, len))
            return ACCORD_EINVAL;
        memcpy(api->stages[n], p, len);
        api->stages[n++][len] = 0;
        if (!e) break;
        p = e + 1;
    }
    if (n < 2) return ACCORD_EINVAL;
    api->n_stages = n;
    return 0;
}

static bool stage_known(const api_t *api, const char *s)
{
    for (unsigned i = 0; i < api->n_stages; i++)
        if (strcmp(api->stages[i], s) == 0) return true;
    return false;
}

bool api_is_write(const request_t *req)
{
    return req_str_eq(req->verb, "create") || req_str_eq(req->verb, "update") ||
           req_str_eq(req->verb, "delete") || req_str_eq(req->verb, "resolve") || req_str_eq(req->verb, "merge") ||
           req_str_eq(req->verb, "import");
}

/* Copies a string argument to a NUL-terminated buffer; false if it does not fit. */
static bool arg_cstr(const req_arg_t *a, char *out, size_t cap)
{
    if (!a || a->type != MP_STR || a->s.len >= cap) return false;
    memcpy(out, a->s.s, a->s.len);
    out[a->s.len] = 0;
    return true;
}

static int resolve_ref(store_txn_t *t, const char *hex, uint8_t id[ID_LEN], char *msg, size_t cap,
                       const char *what)
{
    int rc = entity_resolve_id(t, hex, id);
    if (rc == ACCORD_EAMBIGUOUS)
        return accord_fail(msg, cap, rc, "%s: id prefix '%s' matches more than one record; give more digits", what, hex);
    if (rc == ACCORD_EINVAL)
        return accord_fail(msg, cap, rc, "%s: '%.40s' is not a record id (hex digits, at least 4)", what, hex);
    if (rc)
        return accord_fail(msg, cap, rc, "%s: no record with id '%.40s'", what, hex);
    return 0;
}

static int arg_id(store_txn_t *t, const request_t *req, const char *key, uint8_t id[ID_LEN],
                  char *msg, size_t cap)
{
    char hex[2 * ID_LEN + 1];
    const req_arg_t *a = request_arg(req, key);
    if (!a) return accord_fail(msg, cap, ACCORD_EINVAL, "missing argument '%s' (a record id)", key);
    if (!arg_cstr(a, hex, sizeof hex))
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: not a record id (hex digits, at least 4)", key);
    return resolve_ref(t, hex, id, msg, cap, key);
}

static int kind_arg(const request_t *req, char *msg, size_t cap)
{
    char name[32];
    const req_arg_t *a = request_arg(req, "kind");
    int kind;
    if (!arg_cstr(a, name, sizeof name) || (kind = schema_kind_by_name(name)) < 0)
        return accord_fail(msg, cap, ACCORD_EINVAL,
                    "kind must be one of: customer, contact, deal, task, interaction, note");
    return kind;
}

static record_op_t *new_op(write_ctx_t *w, uint8_t field, uint8_t op)
{
    if (w->rec.n_ops >= RECORD_MAX_OPS) return NULL;
    record_op_t *o = &w->rec.ops[w->rec.n_ops++];
    memset(o, 0, sizeof *o);
    o->field = field;
    o->op = op;
    return o;
}

static int set_str(write_ctx_t *w, uint8_t field, const char *s)
{
    record_op_t *o = new_op(w, field, OP_SET);
    if (!o) return ACCORD_ETOOBIG;
    char *dst = w->buf[w->rec.n_ops - 1];
    size_t n = strlen(s);
    if (n > RECORD_MAX_STR) return ACCORD_ETOOBIG;
    memcpy(dst, s, n + 1);
    o->val = (value_t){VAL_STR, 0, dst, n};
    return 0;
}

/* Adds SET/ADD/REMOVE ops for one client argument named after a field. */
static int field_ops(api_t *api, store_txn_t *t, write_ctx_t *w, unsigned kind, const request_t *req,
                     const req_arg_t *a, char *msg, size_t cap)
{
    char key[REQUEST_MAX_KEY + 1];
    memcpy(key, a->key.s, a->key.len);
    key[a->key.len] = 0;
    uint8_t elem_op = 0;
    const char *fname = key;
    if (!strncmp(key, "add:", 4)) { elem_op = OP_ADD; fname = key + 4; }
    else if (!strncmp(key, "remove:", 7)) { elem_op = OP_REMOVE; fname = key + 7; }
    const field_def_t *f = schema_field(kind, fname);
    if (!f) {
        unsigned n;
        const field_def_t *all = schema_fields(kind, &n);
        char list[512] = "";
        for (unsigned i = 3; i < n; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i > 3 ? ", " : "", all[i].name);
        return accord_fail(msg, cap, ACCORD_EINVAL, "unknown field '%s' for a %s; fields are: %s", fname,
                    schema_kind_name(kind), list);
    }
    if (f->id <= F_CREATED || (kind == KIND_CUSTOMER && f->id == F_CU_MERGED_INTO))
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s is kept by the node and cannot be set", f->name);
    char norm[RECORD_MAX_STR + 1];
    int64_t num;
    if (schema_is_set(f->type)) {
        if (!elem_op) elem_op = OP_ADD;
        unsigned n = a->type == MP_ARRAY ? a->n_items : 1;
        if (a->type != MP_ARRAY && a->type != MP_STR)
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: give text or a list of text", f->name);
        for (unsigned i = 0; i < n; i++) {
            req_str_t s = a->type == MP_ARRAY ? req->items[a->first_item + i] : a->s;
            char in[RECORD_MAX_STR + 1];
            if (s.len > RECORD_MAX_STR) return accord_fail(msg, cap, ACCORD_ETOOBIG, "%s: value too long", f->name);
            memcpy(in, s.s, s.len);
            in[s.len] = 0;
            int rc = schema_normalize(f, in, norm, sizeof norm, &num, msg, cap);
            if (rc) return rc;
            record_op_t *o = new_op(w, f->id, elem_op);
            if (!o) return accord_fail(msg, cap, ACCORD_ETOOBIG, "too many changes in one request (at most %d)", RECORD_MAX_OPS);
            char *dst = w->buf[w->rec.n_ops - 1];
            strcpy(dst, norm);
            o->val = (value_t){VAL_STR, 0, dst, strlen(dst)};
        }
        return 0;
    }
    if (elem_op) return accord_fail(msg, cap, ACCORD_EINVAL, "%s is a single value: set it, do not add or remove", f->name);
    record_op_t *o = new_op(w, f->id, OP_SET);
    if (!o) return accord_fail(msg, cap, ACCORD_ETOOBIG, "too many changes in one request (at most %d)", RECORD_MAX_OPS);
    char *dst = w->buf[w->rec.n_ops - 1];
    if (a->type == MP_NIL) { o->val.type = VAL_NIL; return 0; }
    if (a->type == MP_BOOL && f->type == FT_BOOL) { o->val = (value_t){VAL_BOOL, a->i, NULL, 0}; return 0; }
    if (a->type == MP_INT && (f->type == FT_INT || f->type == FT_PERCENT)) {
        if (f->type == FT_PERCENT && (a->i < 0 || a->i > 100))
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: %lld must be between 0 and 100", f->name, (long long)a->i);
        o->val = (value_t){VAL_INT, a->i, NULL, 0};
        return 0;
    }
    char in[RECORD_MAX_STR + 1];
    if (!arg_cstr(a, in, sizeof in))
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: give the value as text", f->name);
    if (f->type == FT_REF) {
        uint8_t *id = w->refs[w->rec.n_ops - 1];
        int rc = resolve_ref(t, in, id, msg, cap, f->name);
        if (rc) return rc;
        int rk = entity_kind(t, id);
        bool want_customer = (kind == KIND_CONTACT || kind == KIND_DEAL || kind == KIND_INTERACTION);
        if (want_customer && rk != KIND_CUSTOMER)
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: %s is a %s, not a customer", f->name, in,
                        schema_kind_name((unsigned)rk) ? schema_kind_name((unsigned)rk) : "record");
        if (entity_deleted(t, id))
            return accord_fail(msg, cap, ACCORD_EDELETED, "%s: %s was deleted", f->name, in);
        o->val = (value_t){VAL_REF, 0, (const char *)id, ID_LEN};
        return 0;
    }
    if (f->type == FT_MONEY) {
        /* the amount is read with the currency's minor units, so it is finished later */
        if (strlen(in) > 40) return accord_fail(msg, cap, ACCORD_EINVAL, "amount: too long");
        strcpy(dst, in);
        o->val = (value_t){VAL_STR, 0, dst, strlen(dst)};
        return 0;
    }
    int rc = schema_normalize(f, in, norm, sizeof norm, &num, msg, cap);
    if (rc) return rc;
    if (f->type == FT_BOOL || f->type == FT_INT || f->type == FT_PERCENT) {
        o->val = (value_t){f->type == FT_BOOL ? VAL_BOOL : VAL_INT, num, NULL, 0};
        return 0;
    }
    if (f->type == FT_STAGE && !stage_known(api, norm)) {
        char list[API_MAX_STAGES * 66] = "";
        for (unsigned i = 0; i < api->n_stages; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", api->stages[i]);
        return accord_fail(msg, cap, ACCORD_EINVAL, "stage: '%s' is not in the pipeline: %s", norm, list);
    }
    strcpy(dst, norm);
    o->val = (value_t){VAL_STR, 0, dst, strlen(dst)};
    return 0;
}

static record_op_t *find_op(write_ctx_t *w, unsigned field)
{
    for (uint32_t i = 0; i < w->rec.n_ops; i++)
        if (w->rec.ops[i].field == field && w->rec.ops[i].op == OP_SET) return &w->rec.ops[i];
    return NULL;
}

/* Turns the amount text into minor units of the deal's currency (given now or stored). */
static int finish_amount(store_txn_t *t, write_ctx_t *w, char *msg, size_t cap)
{
    if (w->rec.kind != KIND_DEAL) return 0;
    record_op_t *amount = find_op(w, F_DE_AMOUNT);
    if (!amount || amount->val.type != VAL_STR) return 0;
    record_op_t *cur = find_op(w, F_DE_CURRENCY);
    char code[8] = "";
    if (cur && cur->val.type == VAL_STR && cur->val.len < sizeof code) {
        memcpy(code, cur->val.s, cur->val.len);
        code[cur->val.len] = 0;
    } else {
        size_t n;
        const char *s = entity_text(t, w->rec.entity, F_DE_CURRENCY, &n);
        if (s && n < sizeof code) { memcpy(code, s, n); code[n] = 0; }
    }
    if (!code[0]) return accord_fail(msg, cap, ACCORD_EINVAL, "amount: give a currency too (e.g. --currency EUR)");
    int64_t minor;
    if (schema_money_parse(amount->val.s, code, &minor))
        return accord_fail(msg, cap, ACCORD_EINVAL, "amount: '%.40s' is not an amount in %s (at most %d decimals)",
                    amount->val.s, code, schema_currency_exponent(code));
    amount->val = (value_t){VAL_INT, minor, NULL, 0};
    return 0;
}

static int author_of(const request_t *req, write_ctx_t *w, char *msg, size_t cap)
{
    const req_arg_t *u = request_arg(req, "user");
    if (!u) { w->rec.author = "unknown"; w->rec.author_len = 7; return 0; }
    if (u->type != MP_STR || u->s.len == 0 || u->s.len > RECORD_AUTHOR_MAX || !schema_utf8_valid(u->s.s, u->s.len))
        return accord_fail(msg, cap, ACCORD_EINVAL, "user: must be 1-%d bytes of text", RECORD_AUTHOR_MAX);
    w->rec.author = u->s.s;
    w->rec.author_len = u->s.len;
    return 0;
}

static bool is_control_arg(req_str_t k)
{
    return req_str_eq(k, "kind") || req_str_eq(k, "user") || req_str_eq(k, "id");
}

static const char *required_missing(unsigned kind, write_ctx_t *w)
{
    static const struct { unsigned kind, field; const char *name; } req[] = {
        {KIND_CUSTOMER, F_CU_NAME, "name"}, {KIND_CONTACT, F_CO_NAME, "name"},
        {KIND_CONTACT, F_CO_CUSTOMER, "customer"}, {KIND_DEAL, F_DE_TITLE, "title"},
        {KIND_DEAL, F_DE_CUSTOMER, "customer"}, {KIND_TASK, F_TA_TITLE, "title"},
        {KIND_INTERACTION, F_IN_CUSTOMER, "customer"}, {KIND_INTERACTION, F_IN_TYPE, "type"},
        {KIND_NOTE, F_NO_RELATED, "related"}, {KIND_NOTE, F_NO_TEXT, "text"},
    };
    for (unsigned i = 0; i < sizeof req / sizeof req[0]; i++) {
        if (req[i].kind != kind) continue;
        record_op_t *o = find_op(w, req[i].field);
        if (!o || o->val.type == VAL_NIL) return req[i].name;
    }
    return NULL;
}

static void now_iso(char *out, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int handle_create(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk,
                         char *msg, size_t cap)
{
    static write_ctx_t w; /* large: the single writer thread owns it */
    memset(&w.rec, 0, sizeof w.rec);
    int kind = kind_arg(req, msg, cap), rc;
    if (kind < 0) return kind;
    w.rec.kind = (uint8_t)kind;
    crypto_random(w.rec.entity, ID_LEN);
    if ((rc = author_of(req, &w, msg, cap))) return rc;
    char created[32];
    now_iso(created, sizeof created);
    if ((rc = set_str(&w, F_BRANCH, api->id->name)) || (rc = set_str(&w, F_CREATED, created)))
        return accord_fail(msg, cap, rc, "internal: cannot build record");
    for (unsigned i = 0; i < req->n_args; i++) {
        if (is_control_arg(req->args[i].key)) continue;
        if ((rc = field_ops(api, t, &w, (unsigned)kind, req, &req->args[i], msg, cap))) return rc;
    }
    if (kind == KIND_CUSTOMER && !find_op(&w, F_CU_TYPE)) set_str(&w, F_CU_TYPE, "person");
    if (kind == KIND_DEAL && !find_op(&w, F_DE_STAGE)) set_str(&w, F_DE_STAGE, api->stages[0]);
    if (kind == KIND_INTERACTION && !find_op(&w, F_IN_WHEN)) set_str(&w, F_IN_WHEN, created);
    if (kind == KIND_TASK && !find_op(&w, F_TA_DONE)) {
        record_op_t *o = new_op(&w, F_TA_DONE, OP_SET);
        if (o) o->val = (value_t){VAL_BOOL, 0, NULL, 0};
    }
    const char *missing = required_missing((unsigned)kind, &w);
    if (missing) return accord_fail(msg, cap, ACCORD_EINVAL, "%s: required for a new %s", missing, schema_kind_name((unsigned)kind));
    if ((rc = finish_amount(t, &w, msg, cap))) return rc;
    if (w.rec.n_ops >= RECORD_MAX_OPS)
        return accord_fail(msg, cap, ACCORD_ETOOBIG, "too many changes in one request (at most %d)", RECORD_MAX_OPS);
    if ((rc = oplog_append(api->log, t, &w.rec)))
        return accord_fail(msg, cap, rc, "cannot store the %s: %s", schema_kind_name((unsigned)kind), accord_strerror(rc));
    msgpack_pack_map(pk, 1);
    pack_cstr(pk, "id");
    pack_hex(pk, w.rec.entity, ID_LEN);
    return 0;
}

/* Every SET carries the version the writer saw: this node's current one. */
static int fill_bases(store_txn_t *t, write_ctx_t *w)
{
    for (uint32_t i = 0; i < w->rec.n_ops; i++) {
        record_op_t *o = &w->rec.ops[i];
        if (o->op != OP_SET) continue;
        field_state_t f;
        int rc = entity_get(t, w->rec.entity, o->field, &f);
        if (rc == ACCORD_ENOTFOUND) continue;
        if (rc) return rc;
        o->has_base = true;
        memcpy(o->base, f.version, VERSION_LEN);
    }
    return 0;
}

static int load_target(store_txn_t *t, const request_t *req, write_ctx_t *w, char *msg, size_t cap)
{
    int rc = arg_id(t, req, "id", w->rec.entity, msg, cap);
    if (rc) return rc;
    int kind = entity_kind(t, w->rec.entity);
    if (kind < 0) return accord_fail(msg, cap, kind, "id: record not found");
    w->rec.kind = (uint8_t)kind;
    const req_arg_t *k = request_arg(req, "kind");
    char kname[32];
    if (k && (!arg_cstr(k, kname, sizeof kname) || schema_kind_by_name(kname) != kind))
        return accord_fail(msg, cap, ACCORD_EINVAL, "id: that record is %s %s", kind == KIND_INTERACTION ? "an" : "a",
                    schema_kind_name((unsigned)kind));
    if (entity_deleted(t, w->rec.entity)) return accord_fail(msg, cap, ACCORD_EDELETED, "id: that %s was deleted", schema_kind_name((unsigned)kind));
    return 0;
}

static int handle_update(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk,
                         char *msg, size_t cap, bool deleting)
{
    static write_ctx_t w;
    memset(&w.rec, 0, sizeof w.rec);
    int rc;
    if ((rc = load_target(t, req, &w, msg, cap)) || (rc = author_of(req, &w, msg, cap))) return rc;
    if (schema_kind_insert_only(w.rec.kind))
        return accord_fail(msg, cap, ACCORD_EREADONLY, "%ss are insert-only: add a new one instead of changing this one",
                    schema_kind_name(w.rec.kind));
    if (deleting) {
        record_op_t *o = new_op(&w, F_DELETED, OP_SET);
        o->val = (value_t){VAL_BOOL, 1, NULL, 0};
    } else {
        for (unsigned i = 0; i < req->n_args; i++) {
            if (is_control_arg(req->args[i].key)) continue;
            if ((rc = field_ops(api, t, &w, w.rec.kind, req, &req->args[i], msg, cap))) return rc;
        }
        if (w.rec.n_ops == 0) return accord_fail(msg, cap, ACCORD_EINVAL, "nothing to change: name at least one field");
        for (uint32_t i = 0; i < w.rec.n_ops; i++) {
            record_op_t *o = &w.rec.ops[i];
            if (o->val.type != VAL_NIL || o->op != OP_SET) continue;
            static const unsigned keep[][2] = {{KIND_CUSTOMER, F_CU_NAME}, {KIND_CONTACT, F_CO_NAME},
                {KIND_DEAL, F_DE_TITLE}, {KIND_DEAL, F_DE_CUSTOMER}, {KIND_DEAL, F_DE_STAGE}, {KIND_TASK, F_TA_TITLE}};
            for (unsigned j = 0; j < sizeof keep / sizeof keep[0]; j++)
                if (keep[j][0] == w.rec.kind && keep[j][1] == o->field)
                    return accord_fail(msg, cap, ACCORD_EINVAL, "%s: required, cannot be cleared",
                                schema_field_by_id(w.rec.kind, o->field)->name);
        }
        if ((rc = finish_amount(t, &w, msg, cap))) return rc;
    }
    if ((rc = fill_bases(t, &w))) return accord_fail(msg, cap, rc, "cannot read the record: %s", accord_strerror(rc));
    if ((rc = oplog_append(api->log, t, &w.rec)))
        return accord_fail(msg, cap, rc, "cannot store the change: %s", accord_strerror(rc));
    msgpack_pack_map(pk, 1);
    pack_cstr(pk, "id");
    pack_hex(pk, w.rec.entity, ID_LEN);
    return 0;
}

/* ---- reading ---- */

static void pack_register(msgpack_packer *pk, const field_def_t *f, const field_state_t *fs)
{
    (void)f;
    switch (fs->val.type) {
    case VAL_NIL: msgpack_pack_nil(pk); break;
    case VAL_BOOL: fs->val.i ? msgpack_pack_true(pk) : msgpack_pack_false(pk); break;
    case VAL_INT: msgpack_pack_int64(pk, fs->val.i); break;
    case VAL_STR: pack_str(pk, fs->val.s, fs->val.len); break;
    case VAL_REF: pack_hex(pk, (const uint8_t *)fs->val.s, fs->val.len); break;
    }
}

#define ENTITY_MAX_KEYS 256

/* Packs the entity as a map: id, kind, every set register, every non-empty set. */
static int pack_entity(store_txn_t *t, const uint8_t id[ID_LEN], msgpack_packer *pk)
{
    int kind = entity_kind(t, id);
    if (kind < 0) return kind;
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_FIELDS, id, ID_LEN, false, &it);
    if (rc) return rc;
    struct { store_val_t k, v; } rows[ENTITY_MAX_KEYS];
    unsigned n = 0, keys = 2;
    int last_set_field = -1;
    store_val_t k, v;
    while (n < ENTITY_MAX_KEYS && (rc = store_iter_next(it, &k, &v)) == 1) {
        unsigned field = ((const uint8_t *)k.data)[ID_LEN];
        if (k.len > ID_LEN + 1) {
            if (v.len != VERSION_LEN + 1 || !((const uint8_t *)v.data)[VERSION_LEN]) continue;
            if ((int)field != last_set_field) { keys++; last_set_field = (int)field; }
        } else {
            keys++;
            if (kind == KIND_DEAL && field == F_DE_AMOUNT) keys++;
        }
        rows[n].k = k;
        rows[n++].v = v;
    }
    store_iter_destroy(&it);
    if (rc < 0) return rc;
    msgpack_pack_map(pk, keys);
    pack_cstr(pk, "id");
    pack_hex(pk, id, ID_LEN);
    pack_cstr(pk, "kind");
    pack_cstr(pk, schema_kind_name((unsigned)kind));
    for (unsigned i = 0; i < n;) {
        unsigned field = ((const uint8_t *)rows[i].k.data)[ID_LEN];
        const field_def_t *f = schema_field_by_id((unsigned)kind, field);
        const char *name = f ? f->name : "unknown";
        if (rows[i].k.len == ID_LEN + 1) {
            field_state_t fs;
            pack_cstr(pk, name);
            if (entity_decode_register(rows[i].v.data, rows[i].v.len, &fs)) msgpack_pack_nil(pk);
            else pack_register(pk, f, &fs);
            if (kind == KIND_DEAL && field == F_DE_AMOUNT) {
                size_t cl;
                const char *cur = entity_text(t, id, F_DE_CURRENCY, &cl);
                char code[8] = "", text[40];
                if (cur && cl < sizeof code) { memcpy(code, cur, cl); code[cl] = 0; }
                pack_cstr(pk, "amount_text");
                if (fs.val.type == VAL_INT) {
                    schema_money_format(fs.val.i, code, text, sizeof text);
                    pack_cstr(pk, text);
                } else {
                    msgpack_pack_nil(pk);
                }
            }
            i++;
            continue;
        }
        unsigned j = i;
        while (j < n && ((const uint8_t *)rows[j].k.data)[ID_LEN] == field && rows[j].k.len > ID_LEN + 1) j++;
        pack_cstr(pk, name);
        msgpack_pack_array(pk, j - i);
        for (; i < j; i++) pack_str(pk, (const char *)rows[i].k.data + ID_LEN + 1, rows[i].k.len - ID_LEN - 1);
    }
    return 0;
}

static int handle_get(store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    uint8_t id[ID_LEN];
    int rc = arg_id(t, req, "id", id, msg, cap);
    if (rc) return rc;
    if ((rc = pack_entity(t, id, pk))) return accord_fail(msg, cap, rc, "cannot read the record: %s", accord_strerror(rc));
    return 0;
}

static int arg_limit(const request_t *req, int def, char *msg, size_t cap)
{
    const req_arg_t *a = request_arg(req, "limit");
    if (!a) return def;
    if (a->type != MP_INT || a->i < 1 || a->i > LIST_MAX)
        return accord_fail(msg, cap, ACCORD_EINVAL, "limit: must be a number from 1 to %d", LIST_MAX);
    return (int)a->i;
}

typedef struct {
    char branch[65], stage[65], due[11], today[11];
    bool overdue, open_only;
    bool has_customer;
    uint8_t customer[ID_LEN];
} list_filter_t;

static bool text_eq(store_txn_t *t, const uint8_t *id, unsigned field, const char *want)
{
    size_t n;
    const char *s = entity_text(t, id, field, &n);
    return s && n == strlen(want) && memcmp(s, want, n) == 0;
}

static bool ref_eq(store_txn_t *t, const uint8_t *id, unsigned field, const uint8_t *want)
{
    field_state_t f;
    return entity_get(t, id, field, &f) == 0 && f.val.type == VAL_REF && memcmp(f.val.s, want, ID_LEN) == 0;
}

static bool passes(store_txn_t *t, const uint8_t *id, unsigned kind, const list_filter_t *lf)
{
    if (entity_deleted(t, id)) return false;
    if (lf->branch[0] && !text_eq(t, id, F_BRANCH, lf->branch)) return false;
    if (kind == KIND_DEAL && lf->stage[0] && !text_eq(t, id, F_DE_STAGE, lf->stage)) return false;
    if (lf->has_customer) {
        unsigned f = kind == KIND_DEAL ? F_DE_CUSTOMER : kind == KIND_CONTACT ? F_CO_CUSTOMER
                   : kind == KIND_INTERACTION ? F_IN_CUSTOMER : kind == KIND_TASK ? F_TA_RELATED
                   : kind == KIND_NOTE ? F_NO_RELATED : 0;
        if (!f || !ref_eq(t, id, f, lf->customer)) return false;
    }
    if (kind == KIND_TASK) {
        field_state_t done;
        bool is_done = entity_get(t, id, F_TA_DONE, &done) == 0 && done.val.type == VAL_BOOL && done.val.i;
        size_t n;
        const char *due = entity_text(t, id, F_TA_DUE, &n);
        if ((lf->open_only || lf->overdue || lf->due[0]) && is_done) return false;
        if (lf->due[0] && !(due && n == 10 && memcmp(due, lf->due, 10) == 0)) return false;
        if (lf->overdue && !(due && n == 10 && memcmp(due, lf->today, 10) < 0)) return false;
    }
    return true;
}

typedef struct {
    char key[64];        /* what people sort this kind by, cut to 63 bytes */
    uint8_t id[ID_LEN];  /* ties: by id, so the order is stable */
} sort_row_t;

static int cmp_rows(const void *a, const void *b)
{
    const sort_row_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : memcmp(x->id, y->id, ID_LEN);
}

/* Orders a page of results as people expect: customers and contacts by name (folded, so
 * case and accents do not split them), deals by title, tasks by due date, interactions
 * and notes by time. */
static void sort_for_people(store_txn_t *t, unsigned kind, uint8_t (*ids)[ID_LEN], int n)
{
    static sort_row_t rows[LIST_MAX];
    unsigned field = kind == KIND_DEAL ? F_DE_TITLE : kind == KIND_TASK ? F_TA_DUE
                   : kind == KIND_INTERACTION ? F_IN_WHEN : F_CREATED;
    for (int i = 0; i < n; i++) {
        sort_row_t *r = &rows[i];
        memcpy(r->id, ids[i], ID_LEN);
        r->key[0] = 0;
        store_val_t v;
        uint8_t fkey[1 + ID_LEN] = {IDX_FOLDED};
        memcpy(fkey + 1, ids[i], ID_LEN);
        size_t len = 0;
        const char *text = NULL;
        if ((kind == KIND_CUSTOMER || kind == KIND_CONTACT) && store_get(t, TBL_INDEX, fkey, sizeof fkey, &v) == 0) {
            text = v.data;
            len = v.len;
        } else {
            text = entity_text(t, ids[i], field, &len);
        }
        if (!text) len = 0;
        if (len >= sizeof r->key) len = sizeof r->key - 1;
        if (len) memcpy(r->key, text, len);
        r->key[len] = 0;
    }
    qsort(rows, (size_t)n, sizeof rows[0], cmp_rows);
    for (int i = 0; i < n; i++) memcpy(ids[i], rows[i].id, ID_LEN);
}

static int handle_list(store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    int kind = kind_arg(req, msg, cap);
    if (kind < 0) return kind;
    int limit = arg_limit(req, LIST_MAX, msg, cap);
    if (limit < 0) return limit;
    list_filter_t lf = {0};
    const req_arg_t *a;
    if ((a = request_arg(req, "branch")) && !arg_cstr(a, lf.branch, sizeof lf.branch))
        return accord_fail(msg, cap, ACCORD_EINVAL, "branch: give a branch name");
    if ((a = request_arg(req, "stage")) && !arg_cstr(a, lf.stage, sizeof lf.stage))
        return accord_fail(msg, cap, ACCORD_EINVAL, "stage: give a stage name");
    if ((a = request_arg(req, "today")) && (!arg_cstr(a, lf.today, sizeof lf.today) || !schema_date_valid(lf.today)))
        return accord_fail(msg, cap, ACCORD_EINVAL, "today: give the date as YYYY-MM-DD");
    if (!lf.today[0]) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(lf.today, sizeof lf.today, "%Y-%m-%d", &tm);
    }
    if ((a = request_arg(req, "due"))) {
        char due[16];
        if (!arg_cstr(a, due, sizeof due)) return accord_fail(msg, cap, ACCORD_EINVAL, "due: give 'today' or YYYY-MM-DD");
        strcpy(lf.due, strcmp(due, "today") == 0 ? lf.today : due);
        if (!schema_date_valid(lf.due)) return accord_fail(msg, cap, ACCORD_EINVAL, "due: '%s' is not 'today' or a date as YYYY-MM-DD", due);
    }
    lf.overdue = (a = request_arg(req, "overdue")) && a->type == MP_BOOL && a->i;
    lf.open_only = (a = request_arg(req, "open")) && a->type == MP_BOOL && a->i;
    if (request_arg(req, "customer")) {
        int rc = arg_id(t, req, "customer", lf.customer, msg, cap);
        if (rc) return rc;
        lf.has_customer = true;
    }
    /* after: the id a page ended at; pages then come in id order (export, scripts) */
    uint8_t after[1 + ID_LEN] = {(uint8_t)kind};
    bool paging = false;
    if ((a = request_arg(req, "after"))) {
        char hex[2 * ID_LEN + 1];
        if (!arg_cstr(a, hex, sizeof hex) || strlen(hex) != 2 * ID_LEN || crypto_unhex(hex, after + 1, ID_LEN))
            return accord_fail(msg, cap, ACCORD_EINVAL, "after: give the full id (32 hex digits) the previous page ended at");
        paging = true;
    }
    paging |= (a = request_arg(req, "by_id")) && a->type == MP_BOOL && a->i;
    uint8_t prefix = (uint8_t)kind;
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_BYKIND, &prefix, 1, false, &it);
    if (rc) return accord_fail(msg, cap, rc, "cannot read the store: %s", accord_strerror(rc));
    if (request_arg(req, "after")) store_iter_seek(it, after, sizeof after);
    static uint8_t ids[LIST_MAX][ID_LEN];
    int n = 0;
    store_val_t k, v;
    while (n < limit && (rc = store_iter_next(it, &k, &v)) == 1) {
        const uint8_t *id = (const uint8_t *)k.data + 1;
        if (request_arg(req, "after") && memcmp(id, after + 1, ID_LEN) == 0) continue;
        if (passes(t, id, (unsigned)kind, &lf)) memcpy(ids[n++], id, ID_LEN);
    }
    store_iter_destroy(&it);
    if (rc < 0) return accord_fail(msg, cap, rc, "cannot read the store: %s", accord_strerror(rc));
    if (!paging) sort_for_people(t, (unsigned)kind, ids, n);
    msgpack_pack_array(pk, (size_t)n);
    for (int i = 0; i < n; i++)
        if ((rc = pack_entity(t, ids[i], pk))) return accord_fail(msg, cap, rc, "cannot read a record: %s", accord_strerror(rc));
    return 0;
}

static int handle_search(store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    const req_arg_t *ka = request_arg(req, "kind");
    int kind = ka ? kind_arg(req, msg, cap) : KIND_CUSTOMER;
    if (kind < 0) return kind;
    int limit = arg_limit(req, SEARCH_DEFAULT, msg, cap);
    if (limit < 0) return limit;
    char q[512], by_name[16] = "auto";
    if (!arg_cstr(request_arg(req, "q"), q, sizeof q) || !q[0])
        return accord_fail(msg, cap, ACCORD_EINVAL, "q: give the text to search for (at most 511 bytes)");
    const req_arg_t *b = request_arg(req, "by");
    if (b && !arg_cstr(b, by_name, sizeof by_name)) return accord_fail(msg, cap, ACCORD_EINVAL, "by: give one of auto, name, phone, email, tag, branch, national_id");
    static const char *const bys[] = {"auto", "name", "phone", "email", "tag", "branch", "national_id"};
    int by = -1;
    for (int i = 0; i < 7; i++)
        if (strcmp(bys[i], by_name) == 0) by = i;
    if (by < 0) return accord_fail(msg, cap, ACCORD_EINVAL, "by: '%s' is not one of auto, name, phone, email, tag, branch, national_id", by_name);
    static uint8_t ids[LIST_MAX][ID_LEN];
    int n = index_search(t, (unsigned)kind, (search_by_t)by, q, ids, limit);
    if (n == ACCORD_EINVAL)
        return accord_fail(msg, cap, n, "q: '%s' is too short to search by %s (phones need 3 digits)", q, by_name);
    if (n < 0) return accord_fail(msg, cap, n, "search failed: %s", accord_strerror(n));
    msgpack_pack_array(pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        int rc = pack_entity(t, ids[i], pk);
        if (rc) return accord_fail(msg, cap, rc, "cannot read a record: %s", accord_strerror(rc));
    }
    return 0;
}

/* The key of a writing node: this node's own, or the one the roster holds for it. */
static const uint8_t *origin_pk(api_t *api, store_txn_t *t, const uint8_t *origin, roster_entry_t *e)
{
    if (memcmp(origin, api->id->origin, ID_LEN) == 0) return api->id->pk;
    return roster_by_origin(t, origin, e) == 0 ? e->pk : NULL;
}

/* A writing node by name when the roster knows it, else by origin id. */
static void pack_origin_name(api_t *api, store_txn_t *t, msgpack_packer *pk, const uint8_t *origin)
{
    roster_entry_t e;
    if (memcmp(origin, api->id->origin, ID_LEN) == 0) pack_cstr(pk, api->id->name);
    else if (roster_by_origin(t, origin, &e) == 0) pack_cstr(pk, e.name);
    else pack_hex(pk, origin, ID_LEN);
}

static void pack_value(msgpack_packer *pk, const value_t *v)
{
    field_state_t fs = {NULL, *v};
    pack_register(pk, NULL, &fs);
}

static int handle_history(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk,
                          char *msg, size_t cap)
{
    uint8_t id[ID_LEN];
    int rc = arg_id(t, req, "id", id, msg, cap);
    if (rc) return rc;
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_HISTORY, id, ID_LEN, false, &it))) return accord_fail(msg, cap, rc, "cannot read history");
    uint8_t keys[LIST_MAX][ID_LEN + 8];
    unsigned n = 0;
    store_val_t k, v;
    while (n < LIST_MAX && (rc = store_iter_next(it, &k, &v)) == 1) memcpy(keys[n++], (const uint8_t *)k.data + ID_LEN, ID_LEN + 8);
    bool truncated = rc == 1; /* stopped at LIST_MAX with more to come */
    store_iter_destroy(&it);
    if (rc < 0) return accord_fail(msg, cap, rc, "cannot read history");
    if (truncated) log_warn("history of a record has more than %d changes; showing the first %d", LIST_MAX, LIST_MAX);
    /* history keys are ordered by origin, then seq; people want time order */
    static record_t recs[LIST_MAX];
    for (unsigned i = 0; i < n; i++) {
        store_val_t raw;
        if ((rc = store_get(t, TBL_FEED, keys[i], ID_LEN + 8, &raw)) || (rc = record_decode(raw.data, raw.len, &recs[i])))
            return accord_fail(msg, cap, ACCORD_ECHAIN, "record %llu of this history is missing or damaged: run 'accordctl feed verify'",
                        (unsigned long long)be64_get(keys[i] + ID_LEN));
    }
    for (unsigned i = 1; i < n; i++) /* insertion sort by hlc: histories are short */
        for (unsigned j = i; j > 0 && recs[j].hlc < recs[j - 1].hlc; j--) {
            record_t tmp = recs[j];
            recs[j] = recs[j - 1];
            recs[j - 1] = tmp;
        }
    msgpack_pack_array(pk, n);
    for (unsigned i = 0; i < n; i++) {
        const record_t *r = &recs[i];
        char when[40];
        hlc_format(r->hlc, when, sizeof when);
        roster_entry_t e;
        const uint8_t *opk = origin_pk(api, t, r->origin, &e);
        int proof = opk ? oplog_prove(t, r->origin, opk, r->seq) : ACCORD_ENOTFOUND;
        msgpack_pack_map(pk, 7);
        pack_cstr(pk, "when"); pack_cstr(pk, when);
        pack_cstr(pk, "author"); pack_str(pk, r->author, r->author_len);
        pack_cstr(pk, "branch"); pack_origin_name(api, t, pk, r->origin);
        pack_cstr(pk, "seq"); msgpack_pack_uint64(pk, r->seq);
        pack_cstr(pk, "signature");
        pack_cstr(pk, proof == 0 ? "valid" : proof == ACCORD_ENOTFOUND ? "unknown key" : "INVALID");
        pack_cstr(pk, "hlc"); msgpack_pack_uint64(pk, r->hlc);
        pack_cstr(pk, "changes");
        msgpack_pack_array(pk, r->n_ops);
        for (uint32_t j = 0; j < r->n_ops; j++) {
            const record_op_t *o = &r->ops[j];
            const field_def_t *f = schema_field_by_id(r->kind, o->field);
            static const char *const opnames[] = {"?", "set", "add", "remove", "resolve"};
            msgpack_pack_map(pk, 3);
            pack_cstr(pk, "field"); pack_cstr(pk, f ? f->name : "?");
            pack_cstr(pk, "op"); pack_cstr(pk, opnames[o->op <= OP_RESOLVE ? o->op : 0]);
            pack_cstr(pk, "value");
            if (o->op == OP_RESOLVE) msgpack_pack_nil(pk);
            else pack_value(pk, &o->val);
        }
    }
    return 0;
}

/* Finds the value a SET op with this version wrote to entity's field, from its feed record. */
static int value_of_version(store_txn_t *t, const uint8_t *entity, unsigned field,
                            const uint8_t *version, record_t *rec, const record_op_t **op)
{
    uint8_t key[ID_LEN + 8];
    const uint8_t *origin = version + 8;
    uint64_t hlc = version_hlc(version);
    /* the history index lists this entity's records; pick the one from origin at hlc */
    uint8_t prefix[2 * ID_LEN];
    memcpy(prefix, entity, ID_LEN);
    memcpy(prefix + ID_LEN, origin, ID_LEN);
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_HISTORY, prefix, sizeof prefix, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    int found = ACCORD_ENOTFOUND;
    while (found == ACCORD_ENOTFOUND && (rc = store_iter_next(it, &k, &v)) == 1) {
        memcpy(key, (const uint8_t *)k.data + ID_LEN, ID_LEN + 8);
        store_val_t raw;
        if (store_get(t, TBL_FEED, key, sizeof key, &raw) || record_decode(raw.data, raw.len, rec)) continue;
        if (rec->hlc != hlc) continue;
        for (uint32_t i = 0; i < rec->n_ops; i++)
            if (rec->ops[i].field == field && rec->ops[i].op == OP_SET) {
                *op = &rec->ops[i];
                found = 0;
            }
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : found;
}

static void pack_side(api_t *api, store_txn_t *t, msgpack_packer *pk, const uint8_t *entity,
                      unsigned field, const uint8_t *version)
{
    static record_t rec;
    const record_op_t *op = NULL;
    char when[40];
    hlc_format(version_hlc(version), when, sizeof when);
    msgpack_pack_map(pk, 4);
    pack_cstr(pk, "value");
    if (value_of_version(t, entity, field, version, &rec, &op) == 0) pack_value(pk, &op->val);
    else msgpack_pack_nil(pk);
    pack_cstr(pk, "author");
    if (op) pack_str(pk, rec.author, rec.author_len);
    else msgpack_pack_nil(pk);
    pack_cstr(pk, "branch");
    pack_origin_name(api, t, pk, version + 8);
    pack_cstr(pk, "when");
    pack_cstr(pk, when);
}

static int handle_conflicts(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk,
                            char *msg, size_t cap)
{
    const req_arg_t *a = request_arg(req, "all");
    bool all = a && a->type == MP_BOOL && a->i;
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_CONFLICTS, NULL, 0, false, &it);
    if (rc) return accord_fail(msg, cap, rc, "cannot read conflicts");
    static uint8_t keys[LIST_MAX][ID_LEN + 1 + 2 * VERSION_LEN];
    static bool resolved[LIST_MAX];
    unsigned n = 0;
    store_val_t k, v;
    while (n < LIST_MAX && (rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != sizeof keys[0]) continue;
        store_val_t r;
        resolved[n] = store_get(t, TBL_RESOLVED, k.data, k.len, &r) == 0;
        if (resolved[n] && !all) continue;
        memcpy(keys[n++], k.data, k.len);
    }
    store_iter_destroy(&it);
    if (rc < 0) return accord_fail(msg, cap, rc, "cannot read conflicts");
    msgpack_pack_array(pk, n);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *key = keys[i];
        int kind = entity_kind(t, key);
        unsigned field = key[ID_LEN];
        const field_def_t *f = schema_field_by_id((unsigned)(kind > 0 ? kind : 0), field);
        field_state_t cur;
        bool have = entity_get(t, key, field, &cur) == 0;
        const uint8_t *va = key + ID_LEN + 1, *vb = va + VERSION_LEN;
        msgpack_pack_map(pk, 9);
        pack_cstr(pk, "conflict"); pack_hex(pk, key, sizeof keys[0]);
        pack_cstr(pk, "id"); pack_hex(pk, key, ID_LEN);
        pack_cstr(pk, "kind"); pack_cstr(pk, kind > 0 ? schema_kind_name((unsigned)kind) : "?");
        pack_cstr(pk, "field"); pack_cstr(pk, f ? f->name : "?");
        pack_cstr(pk, "a"); pack_side(api, t, pk, key, field, va);
        pack_cstr(pk, "b"); pack_side(api, t, pk, key, field, vb);
        pack_cstr(pk, "winner");
        pack_cstr(pk, !have ? "?" : !memcmp(cur.version, va, VERSION_LEN) ? "a" : !memcmp(cur.version, vb, VERSION_LEN) ? "b" : "later edit");
        pack_cstr(pk, "current");
        if (have) pack_register(pk, f, &cur); else msgpack_pack_nil(pk);
        pack_cstr(pk, "resolved"); resolved[i] ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    }
    return 0;
}

static int handle_resolve(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk,
                          char *msg, size_t cap)
{
    static write_ctx_t w;
    memset(&w.rec, 0, sizeof w.rec);
    static uint8_t key[ID_LEN + 1 + 2 * VERSION_LEN];
    char hex[2 * sizeof key + 1], keep[8];
    int rc;
    if (!arg_cstr(request_arg(req, "conflict"), hex, sizeof hex) || crypto_unhex(hex, key, sizeof key))
        return accord_fail(msg, cap, ACCORD_EINVAL, "conflict: give the conflict's id as listed by 'accord conflicts'");
    store_val_t v;
    if (store_get(t, TBL_CONFLICTS, key, sizeof key, &v)) return accord_fail(msg, cap, ACCORD_ENOTFOUND, "conflict: no such conflict");
    if (!arg_cstr(request_arg(req, "keep"), keep, sizeof keep) || (strcmp(keep, "a") && strcmp(keep, "b")))
        return accord_fail(msg, cap, ACCORD_EINVAL, "keep: give a or b, the value to keep");
    if ((rc = author_of(req, &w, msg, cap))) return rc;
    memcpy(w.rec.entity, key, ID_LEN);
    int kind = entity_kind(t, key);
    if (kind < 0) return accord_fail(msg, cap, kind, "the conflict's record is missing");
    w.rec.kind = (uint8_t)kind;
    unsigned field = key[ID_LEN];
    static record_t src;
    const record_op_t *chosen;
    const uint8_t *version = key + ID_LEN + 1 + (keep[0] == 'b' ? VERSION_LEN : 0);
    if ((rc = value_of_version(t, key, field, version, &src, &chosen)))
        return accord_fail(msg, cap, rc, "the chosen value's record is missing: run 'accordctl feed verify'");
    record_op_t *o = new_op(&w, (uint8_t)field, OP_SET);
    o->val = chosen->val;
    if (o->val.type == VAL_STR || o->val.type == VAL_REF) {
        memcpy(w.buf[0], chosen->val.s, chosen->val.len);
        o->val.s = w.buf[0];
    }
    record_op_t *r = new_op(&w, (uint8_t)field, OP_RESOLVE);
    r->val = (value_t){VAL_REF, 0, (const char *)key + ID_LEN + 1, 2 * VERSION_LEN};
    if ((rc = fill_bases(t, &w))) return accord_fail(msg, cap, rc, "cannot read the record");
    if ((rc = oplog_append(api->log, t, &w.rec)))
        return accord_fail(msg, cap, rc, "cannot store the resolution: %s", accord_strerror(rc));
    msgpack_pack_map(pk, 1);
    pack_cstr(pk, "id");
    pack_hex(pk, w.rec.entity, ID_LEN);
    return 0;
}

static int handle_status(api_t *api, msgpack_packer *pk)
{
    feed_head_t h = oplog_head(api->log);
    uint64_t used, limit;
    store_usage(api->st, &used, &limit);
    msgpack_pack_map(pk, 7);
    pack_cstr(pk, "name"); pack_cstr(pk, api->id->name);
    pack_cstr(pk, "role"); pack_cstr(pk, api->id->role);
    pack_cstr(pk, "origin"); pack_hex(pk, api->id->origin, ID_LEN);
    pack_cstr(pk, "public_key"); pack_hex(pk, api->id->pk, CRYPTO_PK_LEN);
    pack_cstr(pk, "feed_seq"); msgpack_pack_uint64(pk, h.seq);
    pack_cstr(pk, "store_bytes"); msgpack_pack_uint64(pk, used);
    pack_cstr(pk, "pipeline");
    msgpack_pack_array(pk, api->n_stages);
    for (unsigned i = 0; i < api->n_stages; i++) pack_cstr(pk, api->stages[i]);
    return 0;
}

/* ---- import: rows of a spreadsheet, many per request (accord import) ---- */

#define IMPORT_MAX_COLUMNS 32
#define CELL_SEP '\x1f'  /* between the cells of a row */
#define ITEM_SEP '\x1e'  /* between the values of a set cell (several phones) */
#define ROW_SEP '\x1d'   /* between rows packed into one list item */
#define IMPORT_MAX_ROWS 4096

static bool last_digits_equal(const char *a, size_t al, const char *b, size_t bl)
{
    char da[32], db[32];
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < al && na < sizeof da; i++) if (a[i] >= '0' && a[i] <= '9') da[na++] = a[i];
    for (size_t i = 0; i < bl && nb < sizeof db; i++) if (b[i] >= '0' && b[i] <= '9') db[nb++] = b[i];
    size_t k = na < 10 || nb < 10 ? (na < nb ? na : nb) : 10;
    return k >= 7 && memcmp(da + na - k, db + nb - k, k) == 0 && (na < 10 || nb < 10 ? na == nb : true);
}

typedef struct {
    const char *want;
    size_t len;
    bool phone, found;
} elem_match_t;

static int match_elem(void *ctx, const char *elem, size_t len)
{
    elem_match_t *m = ctx;
    m->found = m->phone ? last_digits_equal(elem, len, m->want, m->len) : (len == m->len && !memcmp(elem, m->want, len));
    return m->found;
}

/* The live customer whose phone (last 10 digits), e-mail or national id equals value. */
static bool find_customer(store_txn_t *t, const char *key, const char *value, uint8_t out[ID_LEN])
{
    char norm[RECORD_MAX_STR + 1];
    search_by_t by;
    unsigned field;
    if (!strcmp(key, "phone")) {
        if (schema_phone_normalize(value, norm, sizeof norm)) return false;
        by = SEARCH_PHONE, field = F_CU_PHONES;
    } else if (!strcmp(key, "email")) {
        if (schema_email_normalize(value, norm, sizeof norm)) return false;
        by = SEARCH_EMAIL, field = F_CU_EMAILS;
    } else if (!strcmp(key, "name")) { /* the same rule as `customer dupes` */
        snprintf(norm, sizeof norm, "%s", value);
        by = SEARCH_NAME, field = F_CU_NAME;
    } else {
        snprintf(norm, sizeof norm, "%s", value);
        by = SEARCH_NATID, field = F_CU_NATID;
    }
    char query[RECORD_MAX_STR + 1];
    snprintf(query, sizeof query, "%s", norm);
    if (field == F_CU_PHONES) { /* the last 10 digits: +98 912... and 0912... are one number */
        size_t nd = 0;
        for (const char *p = norm; *p; p++) if (*p >= '0' && *p <= '9') query[nd++] = *p;
        query[nd] = 0;
        if (nd > 10) memmove(query, query + nd - 10, 11);
    }
    static uint8_t ids[50][ID_LEN];
    int n = index_search(t, KIND_CUSTOMER, by, query, ids, 50);
    for (int i = 0; i < n; i++) {
        field_state_t merged;
        if (entity_get(t, ids[i], F_CU_MERGED_INTO, &merged) == 0) continue;
        if (field == F_CU_NATID) {
            if (text_eq(t, ids[i], F_CU_NATID, norm)) { memcpy(out, ids[i], ID_LEN); return true; }
            continue;
        }
        if (field == F_CU_NAME) {
            size_t tl;
            const char *theirs = entity_text(t, ids[i], F_CU_NAME, &tl);
            char a[DEDUPE_NAME_KEY], b[DEDUPE_NAME_KEY];
            if (theirs && dedupe_name_key(norm, strlen(norm), a) && dedupe_name_key(theirs, tl, b) && !strcmp(a, b)) {
                memcpy(out, ids[i], ID_LEN);
                return true;
            }
            continue;
        }
        elem_match_t m = {norm, strlen(norm), field == F_CU_PHONES, false};
        entity_each_elem(t, ids[i], field, match_elem, &m);
        if (m.found) { memcpy(out, ids[i], ID_LEN); return true; }
    }
    return false;
}

static void add_arg(request_t *r, const char *key, mp_type_t type, const char *s, size_t len)
{
    req_arg_t *a = &r->args[r->n_args++];
    memset(a, 0, sizeof *a);
    a->key = (req_str_t){key, strlen(key)};
    a->type = type;
    a->s = (req_str_t){s, len};
}

/* import {kind: customer, user, mode: create|update|upsert, match: [phone|email|national_id],
 * columns: [field...], rows: [rows joined by 0x1d, cells by 0x1f, set values by 0x1e]}: each row is a
 * create or an update exactly as those verbs do it; a refused row is reported and skipped. */
static int handle_import(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    char kind[16] = "", mode[16] = "create";
    const req_arg_t *k = request_arg(req, "kind"), *md = request_arg(req, "mode"), *cols = request_arg(req, "columns"),
                    *rows = request_arg(req, "rows"), *match = request_arg(req, "match"), *user = request_arg(req, "user");
    if (!arg_cstr(k, kind, sizeof kind) || strcmp(kind, "customer"))
        return accord_fail(msg, cap, ACCORD_EINVAL, "kind: only customer can be imported");
    if (md && (!arg_cstr(md, mode, sizeof mode) || (strcmp(mode, "create") && strcmp(mode, "update") && strcmp(mode, "upsert"))))
        return accord_fail(msg, cap, ACCORD_EINVAL, "mode: create, update or upsert");
    if (!cols || cols->type != MP_ARRAY || cols->n_items == 0 || cols->n_items > IMPORT_MAX_COLUMNS)
        return accord_fail(msg, cap, ACCORD_EINVAL, "columns: a list of 1-%d field names", IMPORT_MAX_COLUMNS);
    if (!rows || rows->type != MP_ARRAY) return accord_fail(msg, cap, ACCORD_EINVAL, "rows: a list of rows");
    static char col_names[IMPORT_MAX_COLUMNS][REQUEST_MAX_KEY + 1];
    bool col_set[IMPORT_MAX_COLUMNS];
    for (unsigned c = 0; c < cols->n_items; c++) {
        req_str_t nm = req->items[cols->first_item + c];
        const field_def_t *f = NULL;
        if (nm.len <= REQUEST_MAX_KEY) {
            snprintf(col_names[c], sizeof col_names[c], "%.*s", (int)nm.len, nm.s);
            f = schema_field(KIND_CUSTOMER, col_names[c]);
        }
        if (!f || f->id <= F_CREATED || f->id == F_CU_MERGED_INTO)
            return accord_fail(msg, cap, ACCORD_EINVAL, "columns: '%.*s' is not a customer field that can be set", (int)nm.len, nm.s);
        col_set[c] = schema_is_set(f->type);
    }
    char keys[4][16];
    unsigned n_keys = 0;
    for (unsigned i = 0; match && match->type == MP_ARRAY && i < match->n_items && n_keys < 4; i++) {
        req_str_t m = req->items[match->first_item + i];
        snprintf(keys[n_keys], sizeof keys[n_keys], "%.*s", (int)(m.len < 15 ? m.len : 15), m.s);
        if (strcmp(keys[n_keys], "phone") && strcmp(keys[n_keys], "email") && strcmp(keys[n_keys], "national_id") &&
            strcmp(keys[n_keys], "name"))
            return accord_fail(msg, cap, ACCORD_EINVAL, "match: phone, email, national_id or name");
        n_keys++;
    }
    if (strcmp(mode, "create") && n_keys == 0) return accord_fail(msg, cap, ACCORD_EINVAL, "mode %s needs match keys", mode);

    static request_t row;
    static char cell_copy[REQUEST_MAX_STR + 1], row_msg[512], idhex[2 * ID_LEN + 1];
    msgpack_sbuffer scratch;
    msgpack_sbuffer_init(&scratch);
    msgpack_packer spk;
    msgpack_packer_init(&spk, &scratch, msgpack_sbuffer_write);
    unsigned created = 0, updated = 0, n_failed = 0;
    static struct { unsigned row; int code; char text[512]; } failed[IMPORT_MAX_ROWS];
    /* count first: a refusal must come before anything is written */
    unsigned total = 0;
    for (unsigned i = 0; i < rows->n_items; i++) {
        req_str_t item = req->items[rows->first_item + i];
        total++;
        for (size_t b = 0; b < item.len; b++) total += item.s[b] == ROW_SEP;
    }
    if (total > IMPORT_MAX_ROWS) return accord_fail(msg, cap, ACCORD_ETOOBIG, "rows: at most %d in one request", IMPORT_MAX_ROWS);
    static char item_copy[REQUEST_MAX_STR + 1];
    unsigned r = 0;
    for (unsigned i = 0; i < rows->n_items; i++) {
        req_str_t item = req->items[rows->first_item + i];
        memcpy(item_copy, item.s, item.len);
        item_copy[item.len] = 0;
        for (char *seg = item_copy, *next; seg; seg = next, r++) {
            next = strchr(seg, ROW_SEP);
            if (next) *next++ = 0;
            memcpy(cell_copy, seg, strlen(seg) + 1);
            memset(&row, 0, offsetof(request_t, args));
            row.n_args = row.n_items = 0;
            add_arg(&row, "kind", MP_STR, "customer", 8);
            if (user && user->type == MP_STR) add_arg(&row, "user", MP_STR, user->s.s, user->s.len);
            const char *cells[IMPORT_MAX_COLUMNS];
            unsigned n_cells = 0;
            for (char *p = cell_copy, *q;; p = q + 1) {
                q = strchr(p, CELL_SEP);
                if (n_cells < IMPORT_MAX_COLUMNS) cells[n_cells] = p;
                n_cells++;
                if (!q) break;
                *q = 0;
            }
            int code = 0;
            uint8_t found[ID_LEN];
            bool exists = false;
            if (n_cells != cols->n_items) {
                code = accord_fail(row_msg, sizeof row_msg, ACCORD_EINVAL, "the row has %u cells for %u columns", n_cells, cols->n_items);
            } else {
                /* matched before the cells are split up in place below */
                for (unsigned m = 0; m < n_keys && !exists; m++) {
                    const char *field = !strcmp(keys[m], "phone") ? "phones" : !strcmp(keys[m], "email") ? "emails"
                                  : !strcmp(keys[m], "name") ? "name" : "national_id";
                    for (unsigned c = 0; c < n_cells && !exists; c++) {
                        if (strcmp(col_names[c], field) || !cells[c][0]) continue;
                        char first[RECORD_MAX_STR + 1]; /* each value of a set cell */
                        for (const char *p = cells[c]; *p && !exists;) {
                            size_t l = strcspn(p, "\x1e");
                            snprintf(first, sizeof first, "%.*s", (int)l, p);
                            exists = find_customer(t, keys[m], first, found);
                            p += l + (p[l] ? 1 : 0);
                        }
                    }
                }
                for (unsigned c = 0; c < n_cells; c++) {
                    if (!cells[c][0]) continue;
                    if (!col_set[c]) {
                        add_arg(&row, col_names[c], MP_STR, cells[c], strlen(cells[c]));
                        continue;
                    }
                    req_arg_t *a = &row.args[row.n_args];
                    add_arg(&row, col_names[c], MP_ARRAY, NULL, 0);
                    a->first_item = (uint16_t)row.n_items;
                    for (char *p = (char *)cells[c], *q;; p = q + 1) {
                        q = strchr(p, ITEM_SEP);
                        if (q) *q = 0;
                        if (*p && row.n_items == REQUEST_MAX_ITEMS) {
                            code = accord_fail(row_msg, sizeof row_msg, ACCORD_ETOOBIG,
                                               "%s: more than %d values in the row", col_names[c], REQUEST_MAX_ITEMS);
                            break;
                        }
                        if (*p) row.items[row.n_items++] = (req_str_t){p, strlen(p)};
                        if (!q) break;
                    }
                    a->n_items = (uint16_t)(row.n_items - a->first_item);
                }
                feed_head_t mark = oplog_mark(api->log);
                scratch.size = 0;
                if (code) {
                    /* a cell was refused above */
                } else if (exists && !strcmp(mode, "create")) {
                    crypto_hex(found, ID_LEN, idhex);
                    code = accord_fail(row_msg, sizeof row_msg, ACCORD_EEXISTS, "a customer with the same %s exists (%.12s)",
                                n_keys ? keys[0] : "key", idhex);
                } else if (!exists && !strcmp(mode, "update")) {
                    code = accord_fail(row_msg, sizeof row_msg, ACCORD_ENOTFOUND, "no customer matches this row");
                } else if (exists) {
                    crypto_hex(found, ID_LEN, idhex);
                    add_arg(&row, "id", MP_STR, idhex, 2 * ID_LEN);
                    code = handle_update(api, t, &row, &spk, row_msg, sizeof row_msg, false);
                    if (!code) updated++;
                } else {
                    code = handle_create(api, t, &row, &spk, row_msg, sizeof row_msg);
                    if (!code) created++;
                }
                if (code) oplog_rollback(api->log, mark);
            }
            if (code) {
                failed[n_failed].row = r;
                failed[n_failed].code = code;
                snprintf(failed[n_failed].text, sizeof failed[n_failed].text, "%s", row_msg);
                n_failed++;
            }
        }
    }
    msgpack_sbuffer_destroy(&scratch);
    msgpack_pack_map(pk, 3);
    pack_cstr(pk, "created");
    msgpack_pack_uint32(pk, created);
    pack_cstr(pk, "updated");
    msgpack_pack_uint32(pk, updated);
    pack_cstr(pk, "failed");
    msgpack_pack_array(pk, n_failed);
    for (unsigned i = 0; i < n_failed; i++) {
        msgpack_pack_map(pk, 3);
        pack_cstr(pk, "row");
        msgpack_pack_uint32(pk, failed[i].row);
        pack_cstr(pk, "code");
        pack_cstr(pk, accord_errname(failed[i].code));
        pack_cstr(pk, "message");
        pack_cstr(pk, failed[i].text);
    }
    return 0;
}

/* merge {keep, other, user}: other's references, phones, e-mails, tags and missing
 * fields go to keep; other becomes a tombstone pointing at keep (dedupe.h). */
static int handle_merge(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                        size_t cap)
{
    static write_ctx_t w;
    memset(&w.rec, 0, sizeof w.rec);
    uint8_t keep[ID_LEN], other[ID_LEN];
    int rc;
    if ((rc = arg_id(t, req, "keep", keep, msg, cap)) || (rc = arg_id(t, req, "other", other, msg, cap)) ||
        (rc = author_of(req, &w, msg, cap)))
        return rc;
    char author[RECORD_MAX_STR + 1];
    snprintf(author, sizeof author, "%.*s", (int)w.rec.author_len, w.rec.author);
    dedupe_merge_t res;
    if ((rc = dedupe_merge(t, api->log, author, keep, other, &res, msg, cap))) return rc;
    msgpack_pack_map(pk, 4);
    pack_cstr(pk, "kept");
    pack_hex(pk, keep, ID_LEN);
    pack_cstr(pk, "merged");
    pack_hex(pk, other, ID_LEN);
    pack_cstr(pk, "moved");
    msgpack_pack_uint32(pk, res.moved);
    pack_cstr(pk, "copied");
    msgpack_pack_uint32(pk, res.copied);
    return 0;
}

int api_handle(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
               size_t msg_cap)
{
    msg[0] = 0;
    const req_str_t vb = req->verb;
    if (req_str_eq(vb, "create")) return handle_create(api, t, req, pk, msg, msg_cap);
    if (req_str_eq(vb, "update")) return handle_update(api, t, req, pk, msg, msg_cap, false);
    if (req_str_eq(vb, "delete")) return handle_update(api, t, req, pk, msg, msg_cap, true);
    if (req_str_eq(vb, "resolve")) return handle_resolve(api, t, req, pk, msg, msg_cap);
    if (req_str_eq(vb, "get")) return handle_get(t, req, pk, msg, msg_cap);
    if (req_str_eq(vb, "list")) return handle_list(t, req, pk, msg, msg_cap);
    if (req_str_eq(vb, "search")) return handle_search(t, req, pk, msg, msg_cap);
    if (req_str_eq(vb, "history")) return handle_history(api, t, req, pk, msg, msg_cap);
    if (req_str_eq(vb, "conflicts")) return handle_conflicts(api, t, req, pk, msg, msg_cap);
    if (req_str_eq(vb, "status")) return handle_status(api, pk);
    if (req_str_eq(vb, "dupes")) {
        int limit = arg_limit(req, 1000, msg, msg_cap);
        return limit < 0 ? limit : dedupe_scan(t, (unsigned)limit, pk, msg, msg_cap);
    }
    if (req_str_eq(vb, "merge")) return handle_merge(api, t, req, pk, msg, msg_cap);
    if (req_str_eq(vb, "import")) return handle_import(api, t, req, pk, msg, msg_cap);
    return accord_fail(msg, msg_cap, ACCORD_EINVAL, "unknown request '%.*s'", (int)vb.len, vb.s);
}
