/* SPDX-License-Identifier: MIT
 * api_write: the verbs that change records: create, update, delete, merge. Each builds one
 * record (merge: several, dedupe.h) in the writer's scratch (api_t.write), checks every
 * argument before anything is appended, then appends it to this node's feed. A refusal
 * therefore writes nothing; the caller rolls the oplog back on any error. */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "auth/audit.h"
#include "auth/people.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "proto/validate.h"
#include "api/api_sales.h"
#include "ops/dedupe.h"
#include "state/entity.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

record_op_t *api_write_new_op(api_write_ctx_t *w, uint8_t field, uint8_t op)
{
    if (w->rec.n_ops >= RECORD_MAX_OPS) return NULL;
    record_op_t *o = &w->rec.ops[w->rec.n_ops++];
    memset(o, 0, sizeof *o);
    o->field = field;
    o->op = op;
    return o;
}

static int set_str(api_write_ctx_t *w, uint8_t field, const char *s)
{
    record_op_t *o = api_write_new_op(w, field, OP_SET);
    if (!o) return ACCORD_ETOOBIG;
    char *dst = w->buf[w->rec.n_ops - 1];
    size_t n = strlen(s);
    if (n > RECORD_MAX_STR) return ACCORD_ETOOBIG;
    memcpy(dst, s, n + 1);
    o->val = (value_t){VAL_STR, 0, dst, n};
    return 0;
}

/* Adds SET/ADD/REMOVE ops for one client argument named after a field. */
static int field_ops(api_t *api, store_txn_t *t, api_write_ctx_t *w, unsigned kind, const request_t *req,
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
            /* a price or a payment is typed in people's words; api_sales.c makes the element */
            int rc = f->type == FT_PRICES || f->type == FT_PAYMENTS ? (snprintf(norm, sizeof norm, "%s", in), 0)
                                                                     : schema_normalize(f, in, norm, sizeof norm, &num, msg, cap);
            if (rc) return rc;
            record_op_t *o = api_write_new_op(w, f->id, elem_op);
            if (!o) return accord_fail(msg, cap, ACCORD_ETOOBIG, "too many changes in one request (at most %d)", RECORD_MAX_OPS);
            char *dst = w->buf[w->rec.n_ops - 1];
            strcpy(dst, norm);
            o->val = (value_t){VAL_STR, 0, dst, strlen(dst)};
        }
        return 0;
    }
    if (elem_op) return accord_fail(msg, cap, ACCORD_EINVAL, "%s is a single value: set it, do not add or remove", f->name);
    record_op_t *o = api_write_new_op(w, f->id, OP_SET);
    if (!o) return accord_fail(msg, cap, ACCORD_ETOOBIG, "too many changes in one request (at most %d)", RECORD_MAX_OPS);
    char *dst = w->buf[w->rec.n_ops - 1];
    if (a->type == MP_NIL) { o->val.type = VAL_NIL; return 0; }
    if (a->type == MP_BOOL && f->type == FT_BOOL) { o->val = (value_t){VAL_BOOL, a->i, NULL, 0}; return 0; }
    if (a->type == MP_INT && (f->type == FT_INT || f->type == FT_PERCENT)) {
        if (f->type == FT_PERCENT && (a->i < 0 || a->i > 100))
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: %lld must be between 0 and 100", f->name, (long long)a->i);
        if (!schema_int_in_range(f, a->i))
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: %lld must be a whole number from 0 to %u", f->name,
                               (long long)a->i, f->max_len);
        o->val = (value_t){VAL_INT, a->i, NULL, 0};
        return 0;
    }
    char in[RECORD_MAX_STR + 1];
    if (!api_arg_cstr(a, in, sizeof in))
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: give the value as text", f->name);
    if (f->type == FT_REF) {
        uint8_t *id = w->refs[w->rec.n_ops - 1];
        if (api->pending_doc && !strcmp(in, api->pending_hex)) { /* a line of the document being created */
            crypto_unhex(in, id, ID_LEN);
            o->val = (value_t){VAL_REF, 0, (const char *)id, ID_LEN};
            return 0;
        }
        int rc = api_resolve_ref(t, in, id, msg, cap, f->name);
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
    if (f->type == FT_BOOL || schema_is_int(f->type)) {
        o->val = (value_t){f->type == FT_BOOL ? VAL_BOOL : VAL_INT, num, NULL, 0};
        return 0;
    }
    if (f->type == FT_STAGE && !api_stage_known(api, norm)) {
        char list[API_MAX_STAGES * 66] = "";
        for (unsigned i = 0; i < api->n_stages; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", api->stages[i]);
        return accord_fail(msg, cap, ACCORD_EINVAL, "stage: '%s' is not in the pipeline: %s", norm, list);
    }
    strcpy(dst, norm);
    o->val = (value_t){VAL_STR, 0, dst, strlen(dst)};
    return 0;
}

static bool same_elem(const record_op_t *a, const record_op_t *b)
{
    return a->field == b->field && a->val.len == b->val.len && !memcmp(a->val.s, b->val.s, a->val.len);
}

/* Refuses a change that would leave a set field with more than SCHEMA_SET_MAX elements:
 * what the record holds now (none when new), plus what this change adds that it lacks,
 * less what it removes. */
static int check_set_sizes(store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    const record_t *rec = &w->rec;
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        const record_op_t *o = &rec->ops[i];
        bool first_of_field = true;
        for (uint32_t j = 0; j < i && first_of_field; j++)
            first_of_field = rec->ops[j].field != o->field || (rec->ops[j].op != OP_ADD && rec->ops[j].op != OP_REMOVE);
        if ((o->op != OP_ADD && o->op != OP_REMOVE) || !first_of_field) continue;
        int count = is_new ? 0 : entity_count_elems(t, rec->entity, o->field);
        if (count < 0) return accord_fail(msg, cap, count, "cannot read the record: %s", accord_strerror(count));
        for (uint32_t j = i; j < rec->n_ops; j++) {
            const record_op_t *e = &rec->ops[j];
            if (e->field != o->field || (e->op != OP_ADD && e->op != OP_REMOVE)) continue;
            bool repeated = false; /* the same value named again in this change counts once */
            for (uint32_t m = i; m < j && !repeated; m++) repeated = same_elem(&rec->ops[m], e);
            if (repeated) continue;
            bool held = !is_new && entity_has_elem(t, rec->entity, e->field, e->val.s, e->val.len);
            if (e->op == OP_ADD && !held) count++;
            if (e->op == OP_REMOVE && held) count--;
        }
        if (count > SCHEMA_SET_MAX) {
            const field_def_t *f = schema_field_by_id(rec->kind, o->field);
            return accord_fail(msg, cap, ACCORD_ETOOBIG, "%s: a %s holds at most %d %s; this change would leave %d (remove some first)",
                               f->name, schema_kind_name(rec->kind), SCHEMA_SET_MAX, f->name, count);
        }
    }
    return 0;
}

static record_op_t *find_op(api_write_ctx_t *w, unsigned field)
{
    for (uint32_t i = 0; i < w->rec.n_ops; i++)
        if (w->rec.ops[i].field == field && w->rec.ops[i].op == OP_SET) return &w->rec.ops[i];
    return NULL;
}

/* Turns the amount text into minor units of the deal's currency (given now or stored). */
static int finish_amount(store_txn_t *t, api_write_ctx_t *w, char *msg, size_t cap)
{
    if (w->rec.kind != KIND_DEAL) return 0;
    record_op_t *amount = find_op(w, F_DE_AMOUNT);
    record_op_t *cur = find_op(w, F_DE_CURRENCY);
    if (!amount && cur && cur->val.type == VAL_STR) {
        /* the amount is kept in minor units of the currency: another currency with other
         * minor digits would read it 10 or 100 times over (1500 EUR became 150000 JPY) */
        field_state_t had;
        size_t n;
        const char *old = entity_text(t, w->rec.entity, F_DE_CURRENCY, &n);
        char was[8] = "", code[8] = "";
        if (old && n < sizeof was) memcpy(was, old, n);
        if (cur->val.len < sizeof code) memcpy(code, cur->val.s, cur->val.len);
        if (entity_get(t, w->rec.entity, F_DE_AMOUNT, &had) == 0 && had.val.type == VAL_INT && was[0] &&
            schema_currency_exponent(was) != schema_currency_exponent(code))
            return accord_fail(msg, cap, ACCORD_EINVAL, "currency: give the amount again with it (%s has %d decimals, %s %d)",
                               code, schema_currency_shown_digits(code), was, schema_currency_shown_digits(was));
    }
    if (!amount || amount->val.type != VAL_STR) return 0;
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
    const char *why;
    if (schema_money_parse(amount->val.s, code, &minor, &why))
        return accord_fail(msg, cap, ACCORD_EINVAL, "amount: '%.40s' %s (%s: at most %d decimals)", amount->val.s, why, code,
                           schema_currency_shown_digits(code));
    amount->val = (value_t){VAL_INT, minor, NULL, 0};
    return 0;
}

int api_write_author(api_t *api, store_txn_t *t, const request_t *req, api_write_ctx_t *w, char *msg, size_t cap)
{
    const req_arg_t *u = request_arg(req, "user");
    if (u && (u->type != MP_STR || !validate_author(u->s.s, u->s.len)))
        return accord_fail(msg, cap, ACCORD_EINVAL, "user: must be 1-%d bytes of text without control characters",
                           RECORD_AUTHOR_MAX);
    if (!people_enforced(t, NULL)) { /* no users yet: free text, as before */
        const req_arg_t *d = u ? NULL : request_arg(req, "user_default"); /* the client's $USER */
        if (d && d->type == MP_STR && validate_author(d->s.s, d->s.len)) u = d;
        if (!u) { w->rec.author = "unknown"; w->rec.author_len = 7; return 0; }
        w->rec.author = u->s.s;
        w->rec.author_len = u->s.len;
        return 0;
    }
    int rc = api_caller_user(api, t, req, api->author, sizeof api->author, msg, cap);
    if (rc) return rc;
    w->rec.author = api->author;
    w->rec.author_len = strlen(api->author);
    return 0;
}

/* Keeps oplog_append's EPERM refusal of who's record in the audit, in t; rc, or the store
 * failure that kept it from the audit. */
static int audit_refusal(api_t *api, store_txn_t *t, const char *who, int rc, char *msg, size_t cap)
{
    int kept = audit_append(t, hlc_wall_ms(), AUDIT_PERMISSION_REFUSED, who, "", oplog_why(api->log));
    if (kept) /* the transaction may hold part of the event: a store failure, run again without it */
        return accord_fail(msg, cap, kept, "cannot keep the refusal in the audit: %s", accord_strerror(kept));
    return rc;
}

int api_write_append(api_t *api, store_txn_t *t, record_t *rec, char *msg, size_t cap)
{
    int rc = oplog_append(api->log, t, rec);
    if (rc == ACCORD_EPERM) {
        char who[RECORD_AUTHOR_MAX + 1];
        snprintf(who, sizeof who, "%.*s", (int)rec->author_len, rec->author);
        if ((rc = audit_refusal(api, t, who, rc, msg, cap)) != ACCORD_EPERM) return rc;
        return accord_fail(msg, cap, rc, "%s", oplog_why(api->log));
    }
    if (rc) return accord_fail(msg, cap, rc, "cannot store the %s: %s", schema_kind_name(rec->kind), accord_strerror(rc));
    return 0;
}

static bool is_control_arg(req_str_t k)
{
    return req_str_eq(k, "kind") || req_str_eq(k, "user") || req_str_eq(k, "user_default") || req_str_eq(k, "id") ||
           req_str_eq(k, "if_match") || api_sales_control_arg(k);
}

static const char *required_missing(unsigned kind, api_write_ctx_t *w)
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

/* Whether the task will hold a value in field after this change: set by it, or already
 * held and not cleared by it (is_new: nothing is held). */
static bool task_will_hold(store_txn_t *t, api_write_ctx_t *w, bool is_new, unsigned field)
{
    record_op_t *o = find_op(w, field);
    if (o) return o->val.type != VAL_NIL;
    field_state_t fs;
    return !is_new && entity_get(t, w->rec.entity, field, &fs) == 0 && fs.val.type != VAL_NIL;
}

/* A due time is a time on the due date: a change that sets or clears either never leaves
 * one without the other. A change of other fields is let through whatever the task holds
 * (concurrent edits on two branches may leave a due time alone, and marking such a task
 * done must still work). */
static int check_due_time(store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    if (w->rec.kind != KIND_TASK || (!find_op(w, F_TA_DUE) && !find_op(w, F_TA_DUE_TIME)) ||
        !task_will_hold(t, w, is_new, F_TA_DUE_TIME) || task_will_hold(t, w, is_new, F_TA_DUE))
        return 0;
    if (find_op(w, F_TA_DUE))
        return accord_fail(msg, cap, ACCORD_EINVAL, "due: the task has a due_time; clear due_time too, or give a new due date");
    return accord_fail(msg, cap, ACCORD_EINVAL, "due_time: give the due date too (due, YYYY-MM-DD): a due time is a time on that day");
}

/* The node's clock, as its versions, an SLA's "now" and closed_at read it (hlc_wall_ms). */
static void now_iso(char *out, size_t cap)
{
    time_t now = (time_t)(hlc_wall_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A new entity's id, time-ordered (proto/timeid.h) so that it lands at the end of the
 * tables keyed by entity. Its millisecond is the later of the wall clock and the node's
 * HLC: the HLC is restored from the feed at start, so ids made after a restart on a clock
 * set back still sort after the ones made before. */
void api_write_new_id(api_t *api, uint8_t out[ID_LEN])
{
    uint8_t random[8];
    crypto_random(random, sizeof random);
    uint64_t wall = hlc_wall_ms(), clock = HLC_MS(oplog_clock(api->log));
    timeid_make(&api->id_clock, wall > clock ? wall : clock, random, out);
}

int api_write_build_fields(api_t *api, store_txn_t *t, api_write_ctx_t *w, const request_t *req, unsigned kind,
                           char *msg, size_t cap)
{
    memset(&w->rec, 0, sizeof w->rec);
    w->rec.kind = (uint8_t)kind;
    api_write_new_id(api, w->rec.entity);
    int rc;
    if ((rc = api_write_author(api, t, req, w, msg, cap))) return rc;
    char created[32];
    now_iso(created, sizeof created);
    if ((rc = set_str(w, F_BRANCH, api->id->name)) || (rc = set_str(w, F_CREATED, created)))
        return accord_fail(msg, cap, rc, "internal: cannot build record");
    for (unsigned i = 0; i < req->n_args; i++) {
        if (is_control_arg(req->args[i].key)) continue;
        if ((rc = field_ops(api, t, w, kind, req, &req->args[i], msg, cap))) return rc;
    }
    return 0;
}

int api_write_finish(api_t *api, store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    unsigned kind = w->rec.kind;
    int rc;
    if (is_new) {
        record_op_t *created = find_op(w, F_CREATED);
        if (kind == KIND_CUSTOMER && !find_op(w, F_CU_TYPE)) set_str(w, F_CU_TYPE, "person");
        if (kind == KIND_DEAL && !find_op(w, F_DE_STAGE)) set_str(w, F_DE_STAGE, api->stages[0]);
        if (kind == KIND_INTERACTION && !find_op(w, F_IN_WHEN) && created) set_str(w, F_IN_WHEN, created->val.s);
        if (kind == KIND_TASK && !find_op(w, F_TA_DONE)) {
            record_op_t *o = api_write_new_op(w, F_TA_DONE, OP_SET);
            if (o) o->val = (value_t){VAL_BOOL, 0, NULL, 0};
        }
        const char *missing = required_missing(kind, w);
        if (missing) return accord_fail(msg, cap, ACCORD_EINVAL, "%s: required for a new %s", missing, schema_kind_name(kind));
    }
    if ((rc = finish_amount(t, w, msg, cap)) || (rc = api_sales_check(api, t, w, is_new, msg, cap)) ||
        (rc = check_set_sizes(t, w, is_new, msg, cap)) || (rc = check_due_time(t, w, is_new, msg, cap)))
        return rc;
    if (w->rec.n_ops >= RECORD_MAX_OPS)
        return accord_fail(msg, cap, ACCORD_ETOOBIG, "too many changes in one request (at most %d)", RECORD_MAX_OPS);
    return 0;
}

int api_write_build(api_t *api, store_txn_t *t, api_write_ctx_t *w, const request_t *req, unsigned kind, char *msg,
                    size_t cap)
{
    int rc = api_write_build_fields(api, t, w, req, kind, msg, cap);
    return rc ? rc : api_write_finish(api, t, w, true, msg, cap);
}

int api_write_create(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    api_write_ctx_t *w = &api->write;
    int kind = api_arg_kind(req, msg, cap), rc;
    if (kind < 0) return kind;
    if (kind == KIND_QUOTE || kind == KIND_ORDER || kind == KIND_INVOICE)
        return api_sales_create_document(api, t, req, pk, msg, cap);
    if (request_arg(req, "lines") || request_arg(req, "from"))
        return accord_fail(msg, cap, ACCORD_EINVAL, "lines and from: only a quote, an order or an invoice has lines");
    if ((rc = api_write_build(api, t, w, req, (unsigned)kind, msg, cap))) return rc;
    if ((rc = api_write_append(api, t, &w->rec, msg, cap))) return rc;
    msgpack_pack_map(pk, 1);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, w->rec.entity, ID_LEN);
    return 0;
}

/* Every SET carries the version the writer saw: this node's current one. */
int api_write_fill_bases(store_txn_t *t, api_write_ctx_t *w)
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

static int load_target(store_txn_t *t, const request_t *req, api_write_ctx_t *w, char *msg, size_t cap)
{
    int rc = api_arg_id(t, req, "id", w->rec.entity, msg, cap);
    if (rc) return rc;
    int kind = entity_kind(t, w->rec.entity);
    if (kind < 0) return accord_fail(msg, cap, kind, "id: record not found");
    w->rec.kind = (uint8_t)kind;
    const req_arg_t *k = request_arg(req, "kind");
    char kname[32];
    if (k && (!api_arg_cstr(k, kname, sizeof kname) || schema_kind_by_name(kname) != kind))
        return accord_fail(msg, cap, ACCORD_EINVAL, "id: that record is %s %s", kind == KIND_INTERACTION ? "an" : "a",
                    schema_kind_name((unsigned)kind));
    if (entity_deleted(t, w->rec.entity)) return accord_fail(msg, cap, ACCORD_EDELETED, "id: that %s was deleted", schema_kind_name((unsigned)kind));
    if (kind == KIND_USER || kind == KIND_BRANCH)
        return accord_fail(msg, cap, ACCORD_EREADONLY, "id: that record is a %s: change it with 'accordctl %s set'",
                           schema_kind_name((unsigned)kind), schema_kind_name((unsigned)kind));
    return 0;
}

/* if_match: the etag the caller read (get or list with etag: true; the HTTP API's If-Match,
 * quotes and a W/ taken off there). A record changed since, here or by a change another
 * node made that arrived since, is refused: the caller reads it again and redoes its change. */
static int check_if_match(store_txn_t *t, const request_t *req, const uint8_t id[ID_LEN], char *msg, size_t cap)
{
    const req_arg_t *a = request_arg(req, "if_match");
    if (!a) return 0;
    char want[ENTITY_ETAG_LEN + 2], have[ENTITY_ETAG_LEN + 1];
    if (!api_arg_cstr(a, want, sizeof want) || strlen(want) != ENTITY_ETAG_LEN)
        return accord_fail(msg, cap, ACCORD_EINVAL, "if_match: give the etag (%d hex digits) the record had when you read it",
                           ENTITY_ETAG_LEN);
    int rc = api_sales_etag(t, id, have);
    if (rc) return accord_fail(msg, cap, rc, "cannot read the record: %s", accord_strerror(rc));
    if (strcmp(want, have))
        return accord_fail(msg, cap, ACCORD_ECHANGED, "the record changed since you read it (its etag is now %s): "
                                                      "read it again and make your change on what it holds now", have);
    return 0;
}

static int change(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap,
                  bool deleting)
{
    api_write_ctx_t *w = &api->write;
    memset(&w->rec, 0, sizeof w->rec);
    int rc;
    if ((rc = load_target(t, req, w, msg, cap)) || (rc = check_if_match(t, req, w->rec.entity, msg, cap)) ||
        (rc = api_write_author(api, t, req, w, msg, cap)))
        return rc;
    if (schema_kind_insert_only(w->rec.kind))
        return accord_fail(msg, cap, ACCORD_EREADONLY, "%ss are insert-only: add a new one instead of changing this one",
                    schema_kind_name(w->rec.kind));
    if (deleting) {
        record_op_t *o = api_write_new_op(w, F_DELETED, OP_SET);
        o->val = (value_t){VAL_BOOL, 1, NULL, 0};
    } else {
        /* create's arguments: taken as control arguments there, they were passed over here
         * without a word, and the caller thought its lines were changed */
        if (request_arg(req, "lines") || request_arg(req, "from"))
            return accord_fail(msg, cap, ACCORD_EINVAL, "lines and from: only when a quote, an order or an invoice is made; "
                                                        "change its lines one by one (update a line's id, create kind line)");
        for (unsigned i = 0; i < req->n_args; i++) {
            if (is_control_arg(req->args[i].key)) continue;
            if ((rc = field_ops(api, t, w, w->rec.kind, req, &req->args[i], msg, cap))) return rc;
        }
        if (w->rec.n_ops == 0) return accord_fail(msg, cap, ACCORD_EINVAL, "nothing to change: name at least one field");
        for (uint32_t i = 0; i < w->rec.n_ops; i++) {
            record_op_t *o = &w->rec.ops[i];
            if (o->val.type != VAL_NIL || o->op != OP_SET) continue;
            static const unsigned keep[][2] = {{KIND_CUSTOMER, F_CU_NAME}, {KIND_CONTACT, F_CO_NAME},
                {KIND_DEAL, F_DE_TITLE}, {KIND_DEAL, F_DE_CUSTOMER}, {KIND_DEAL, F_DE_STAGE}, {KIND_TASK, F_TA_TITLE}};
            for (unsigned j = 0; j < sizeof keep / sizeof keep[0]; j++)
                if (keep[j][0] == w->rec.kind && keep[j][1] == o->field)
                    return accord_fail(msg, cap, ACCORD_EINVAL, "%s: required, cannot be cleared",
                                schema_field_by_id(w->rec.kind, o->field)->name);
        }
        if ((rc = api_write_finish(api, t, w, false, msg, cap))) return rc;
    }
    if (deleting && (rc = api_sales_check_delete(api, t, w, msg, cap))) return rc;
    if ((rc = api_write_fill_bases(t, w))) return accord_fail(msg, cap, rc, "cannot read the record: %s", accord_strerror(rc));
    if ((rc = api_write_append(api, t, &w->rec, msg, cap))) return rc;
    msgpack_pack_map(pk, 1);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, w->rec.entity, ID_LEN);
    return 0;
}

int api_write_update(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    return change(api, t, req, pk, msg, cap, false);
}

int api_write_delete(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    return change(api, t, req, pk, msg, cap, true);
}

/* merge {keep, other, user}: other's references, phones, e-mails, tags and missing
 * fields go to keep; other becomes a tombstone pointing at keep (dedupe.h). */
int api_write_merge(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    api_write_ctx_t *w = &api->write;
    memset(&w->rec, 0, sizeof w->rec);
    uint8_t keep[ID_LEN], other[ID_LEN];
    int rc;
    if ((rc = api_arg_id(t, req, "keep", keep, msg, cap)) || (rc = api_arg_id(t, req, "other", other, msg, cap)) ||
        (rc = api_write_author(api, t, req, w, msg, cap)))
        return rc;
    char author[RECORD_MAX_STR + 1];
    snprintf(author, sizeof author, "%.*s", (int)w->rec.author_len, w->rec.author);
    dedupe_merge_t res;
    /* dedupe appends the records itself: its refusal is kept in the audit here */
    if ((rc = dedupe_merge(t, api->log, author, keep, other, &res, msg, cap)))
        return rc == ACCORD_EPERM ? audit_refusal(api, t, author, rc, msg, cap) : rc;
    msgpack_pack_map(pk, 4);
    api_pack_cstr(pk, "kept");
    api_pack_hex(pk, keep, ID_LEN);
    api_pack_cstr(pk, "merged");
    api_pack_hex(pk, other, ID_LEN);
    api_pack_cstr(pk, "moved");
    msgpack_pack_uint32(pk, res.moved);
    api_pack_cstr(pk, "copied");
    msgpack_pack_uint32(pk, res.copied);
    return 0;
}
