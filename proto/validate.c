/* SPDX-License-Identifier: MIT */
#include "validate.h"
#include "accord_err.h"
#include "schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *op_name(unsigned op)
{
    static const char *const names[] = {"?", "SET", "ADD", "REMOVE", "RESOLVE"};
    return op < sizeof names / sizeof names[0] ? names[op] : "?";
}

static int fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (cap) vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return ACCORD_EPROTO;
}

bool validate_author(const char *s, size_t len)
{
    return len >= 1 && len <= RECORD_AUTHOR_MAX && schema_utf8_valid(s, len) && !schema_text_has_control(s, len, false);
}

/* What schema_phone_normalize writes: an optional + and 4 to 15 ASCII digits. (Its output is
 * not always a fixed point of it — "0 0912" gives "00912", which it would read as +912 — so
 * the shape is checked, not a second pass.) */
static bool phone_shaped(const value_t *v)
{
    size_t i = v->len && v->s[0] == '+', digits = v->len - i;
    if (digits < 4 || digits > 15) return false;
    for (; i < v->len; i++)
        if (v->s[i] < '0' || v->s[i] > '9') return false;
    return true;
}

/* A string value is normalised if schema_normalize gives it back unchanged: the node writes
 * only what that function returns, so anything else was not written by a node. */
static bool normalised(const field_def_t *f, const value_t *v)
{
    char in[RECORD_MAX_STR + 1], out[RECORD_MAX_STR + 1], err[8];
    int64_t num;
    if (v->type != VAL_STR || v->len > RECORD_MAX_STR || v->len > f->max_len) return false;
    if (f->type == FT_PHONES) return phone_shaped(v);
    if (memchr(v->s, 0, v->len)) return false;
    memcpy(in, v->s, v->len);
    in[v->len] = 0;
    if (schema_normalize(f, in, out, sizeof out, &num, err, sizeof err)) return false;
    return strlen(out) == v->len && memcmp(out, v->s, v->len) == 0;
}

static int check_element(const field_def_t *f, const record_op_t *op, char *why, size_t cap)
{
    if (op->op != OP_ADD && op->op != OP_REMOVE)
        return fail(why, cap, "%s on field %u (%s), a set: only ADD and REMOVE change a set", op_name(op->op),
                    op->field, f->name);
    if (!normalised(f, &op->val))
        return fail(why, cap, "%s on field %u (%s): the element is not a normalised %s", op_name(op->op), op->field,
                    f->name, f->type == FT_PHONES ? "phone number" : f->type == FT_EMAILS ? "e-mail address"
                             : f->type == FT_PRICES ? "price (CUR MINOR [BRANCH])"
                             : f->type == FT_PAYMENTS ? "payment (DATE MINOR METHOD ID [REFERENCE])" : "tag");
    return 0;
}

static int check_resolve(const field_def_t *f, const record_op_t *op, char *why, size_t cap)
{
    const value_t *v = &op->val;
    if (v->type != VAL_REF || v->len != 2 * VERSION_LEN)
        return fail(why, cap, "RESOLVE on field %u (%s): the value must be two versions (48 bytes)", op->field, f->name);
    if (memcmp(v->s, v->s + VERSION_LEN, VERSION_LEN) >= 0)
        return fail(why, cap, "RESOLVE on field %u (%s): the pair must be ordered a < b", op->field, f->name);
    return 0;
}

/* The value of a SET: its type and form for the field. */
static int check_set(const field_def_t *f, const record_op_t *op, char *why, size_t cap)
{
    const value_t *v = &op->val;
    if (v->type == VAL_NIL) {
        if (f->id <= F_CREATED) return fail(why, cap, "SET of field %u (%s) to nothing: it is never cleared", f->id, f->name);
        return 0;
    }
    if (f->id == F_DELETED)
        return v->type == VAL_BOOL && v->i == 1 ? 0 : fail(why, cap, "SET of field 0 (deleted): only true is written");
    switch (f->type) {
    case FT_BOOL:
        return v->type == VAL_BOOL ? 0 : fail(why, cap, "SET of field %u (%s): not a boolean", f->id, f->name);
    case FT_INT:
        if (v->type != VAL_INT) return fail(why, cap, "SET of field %u (%s): not an integer", f->id, f->name);
        return schema_int_in_range(f, v->i)
                   ? 0
                   : fail(why, cap, "SET of field %u (%s): not an integer from 0 to %u", f->id, f->name, f->max_len);
    case FT_MONEY:
        if (v->type != VAL_INT) return fail(why, cap, "SET of field %u (%s): not an integer", f->id, f->name);
        return schema_int_in_range(f, v->i)
                   ? 0
                   : fail(why, cap, "SET of field %u (%s): not an amount from 0 to %lld", f->id, f->name, SCHEMA_MONEY_MAX);
    case FT_QUANTITY:
        return v->type == VAL_INT && schema_int_in_range(f, v->i)
                   ? 0
                   : fail(why, cap, "SET of field %u (%s): not a quantity in thousandths from 1 to %lld", f->id, f->name,
                          SCHEMA_QUANTITY_MAX);
    case FT_RATE:
        return v->type == VAL_INT && schema_int_in_range(f, v->i)
                   ? 0
                   : fail(why, cap, "SET of field %u (%s): not a rate in hundredths of a percent from 0 to 10000", f->id,
                          f->name);
    case FT_PERCENT:
        return v->type == VAL_INT && v->i >= 0 && v->i <= 100
                   ? 0
                   : fail(why, cap, "SET of field %u (%s): not an integer from 0 to 100", f->id, f->name);
    case FT_REF:
        return v->type == VAL_REF && v->len == ID_LEN
                   ? 0
                   : fail(why, cap, "SET of field %u (%s): not a record id (16 bytes)", f->id, f->name);
    default:
        break;
    }
    if (v->type != VAL_STR) return fail(why, cap, "SET of field %u (%s): not text", f->id, f->name);
    if (v->len > f->max_len)
        return fail(why, cap, "SET of field %u (%s): %zu bytes, at most %u", f->id, f->name, v->len, f->max_len);
    if (!schema_utf8_valid(v->s, v->len)) return fail(why, cap, "SET of field %u (%s): not valid UTF-8", f->id, f->name);
    if (normalised(f, v)) return 0;
    static const char *const forms[] = {
        [FT_TEXT] = "trimmed text without control characters", [FT_CHOICE] = "one of the field's choices",
        [FT_CURRENCY] = "a known ISO 4217 code", [FT_DATE] = "a date as YYYY-MM-DD",
        [FT_DATETIME] = "a date and time as YYYY-MM-DDTHH:MM:SSZ", [FT_STAGE] = "a trimmed stage name",
        [FT_TIME] = "a time of day as HH:MM (ASCII digits)",
    };
    const char *form = (unsigned)f->type < sizeof forms / sizeof forms[0] && forms[f->type] ? forms[f->type] : "valid";
    return fail(why, cap, "SET of field %u (%s): not %s", f->id, f->name, form);
}

int validate_record(const record_t *rec, char *why, size_t cap)
{
    if (cap) why[0] = 0;
    if (!schema_kind_name(rec->kind)) return fail(why, cap, "kind %u is not a kind of record", rec->kind);
    if (!validate_author(rec->author, rec->author_len))
        return fail(why, cap, "the author is not 1-%d bytes of text without control characters", RECORD_AUTHOR_MAX);
    if (rec->n_ops == 0 || rec->n_ops > RECORD_MAX_OPS) return fail(why, cap, "a record holds 1 to %d ops", RECORD_MAX_OPS);
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        const field_def_t *f = schema_field_by_id(rec->kind, op->field);
        int rc;
        if (!f) return fail(why, cap, "op %u: a %s has no field %u", i + 1, schema_kind_name(rec->kind), op->field);
        if (op->has_base && op->op != OP_SET)
            return fail(why, cap, "op %u: only a SET carries a base version", i + 1);
        if (schema_is_set(f->type)) rc = check_element(f, op, why, cap);
        else if (op->op == OP_RESOLVE) rc = check_resolve(f, op, why, cap);
        else if (op->op == OP_SET) rc = check_set(f, op, why, cap);
        else rc = fail(why, cap, "%s on field %u (%s), a single value: only SET and RESOLVE apply",
                       op_name(op->op), op->field, f->name);
        if (rc) return rc;
    }
    return 0;
}
