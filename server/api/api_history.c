/* SPDX-License-Identifier: MIT
 * api_history: the history verb, a record's changes oldest first, each with the head
 * signature of the branch that wrote it (api.h's table; the page docs/PROTOCOL.md gives). */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "auth/roster.h"
#include "feed/oplog.h"
#include "state/entity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t *origin_pk(api_t *api, store_txn_t *t, const uint8_t *origin, roster_entry_t *e)
{
    if (memcmp(origin, api->id->origin, ID_LEN) == 0) return api->id->pk;
    return roster_by_origin(t, origin, e) == 0 ? e->pk : NULL;
}

/* One change of a record's history, in the order people read it: by time, then origin, seq. */
typedef struct {
    uint8_t at[VERSION_LEN + 8]; /* hlc (8 BE), origin (16), seq (8 BE): memcmp orders it */
} history_pos_t;

static int by_position(const void *a, const void *b)
{
    return memcmp(((const history_pos_t *)a)->at, ((const history_pos_t *)b)->at, sizeof ((const history_pos_t *)a)->at);
}

/* The record's changes in time order, all of them (a history has no cap), into *out. */
static int history_positions(store_txn_t *t, const uint8_t id[ID_LEN], history_pos_t **out, size_t *n_out)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_HISTORY, id, ID_LEN, false, &it);
    if (rc) return rc;
    history_pos_t *pos = NULL;
    size_t n = 0, cap = 0;
    store_val_t k, v, raw;
    record_t *rec = malloc(sizeof *rec);
    if (!rec) abort();
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        const uint8_t *key = (const uint8_t *)k.data + ID_LEN; /* origin seq */
        if ((rc = store_get(t, TBL_FEED, key, ID_LEN + 8, &raw)) || (rc = record_decode(raw.data, raw.len, rec))) {
            rc = ACCORD_ECHAIN;
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            pos = realloc(pos, cap * sizeof *pos);
            if (!pos) abort();
        }
        be64_put(pos[n].at, rec->hlc);
        memcpy(pos[n++].at + 8, key, ID_LEN + 8);
    }
    store_iter_destroy(&it);
    free(rec);
    if (rc < 0) {
        free(pos);
        return rc;
    }
    if (n) qsort(pos, n, sizeof *pos, by_position);
    *out = pos;
    *n_out = n;
    return 0;
}

int api_read_history(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    uint8_t id[ID_LEN];
    int rc = api_arg_id(t, req, "id", id, msg, cap);
    if (rc) return rc;
    int limit = api_arg_limit(req, API_LIST_MAX, msg, cap);
    if (limit < 0) return limit;
    history_pos_t after;
    char hex[2 * sizeof after.at + 1];
    const req_arg_t *af = request_arg(req, "after");
    if (af && (!api_arg_cstr(af, hex, sizeof hex) || strlen(hex) != 2 * sizeof after.at ||
               crypto_unhex(hex, after.at, sizeof after.at)))
        return accord_fail(msg, cap, ACCORD_EINVAL, "after: give the 'next' of the page before");
    history_pos_t *pos;
    size_t total;
    if ((rc = history_positions(t, id, &pos, &total)))
        return accord_fail(msg, cap, rc, rc == ACCORD_ECHAIN ? "a record of this history is missing or damaged: run 'accordctl feed verify'"
                                                            : "cannot read history");
    size_t first = 0;
    while (af && first < total && memcmp(pos[first].at, after.at, sizeof after.at) <= 0) first++;
    unsigned n = (unsigned)(total - first < (size_t)limit ? total - first : (size_t)limit);
    bool more = first + n < total;
    record_t *recs = api->recs;
    for (unsigned i = 0; i < n; i++) {
        store_val_t raw;
        const uint8_t *key = pos[first + i].at + 8;
        if ((rc = store_get(t, TBL_FEED, key, ID_LEN + 8, &raw)) || (rc = record_decode(raw.data, raw.len, &recs[i]))) {
            free(pos);
            return accord_fail(msg, cap, ACCORD_ECHAIN, "record %llu of this history is missing or damaged: run 'accordctl feed verify'",
                               (unsigned long long)be64_get(key + ID_LEN));
        }
    }
    msgpack_pack_map(pk, 3);
    api_pack_cstr(pk, "more");
    more ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    api_pack_cstr(pk, "next");
    if (more) api_pack_hex(pk, pos[first + n - 1].at, sizeof pos[0].at);
    else msgpack_pack_nil(pk);
    free(pos);
    api_pack_cstr(pk, "items");
    msgpack_pack_array(pk, n);
    for (unsigned i = 0; i < n; i++) {
        const record_t *r = &recs[i];
        char when[40];
        hlc_format(r->hlc, when, sizeof when);
        roster_entry_t e;
        const uint8_t *opk = origin_pk(api, t, r->origin, &e);
        int proof = opk ? oplog_prove(t, r->origin, opk, r->seq) : ACCORD_ENOTFOUND;
        msgpack_pack_map(pk, 7);
        api_pack_cstr(pk, "when"); api_pack_cstr(pk, when);
        api_pack_cstr(pk, "author"); api_pack_str(pk, r->author, r->author_len);
        api_pack_cstr(pk, "branch"); api_pack_origin_name(api, t, pk, r->origin);
        api_pack_cstr(pk, "seq"); msgpack_pack_uint64(pk, r->seq);
        api_pack_cstr(pk, "signature");
        api_pack_cstr(pk, proof == 0 ? "valid" : proof == ACCORD_ENOTFOUND ? "unknown key" : "INVALID");
        api_pack_cstr(pk, "hlc"); msgpack_pack_uint64(pk, r->hlc);
        api_pack_cstr(pk, "changes");
        msgpack_pack_array(pk, r->n_ops);
        for (uint32_t j = 0; j < r->n_ops; j++) {
            const record_op_t *o = &r->ops[j];
            const field_def_t *f = schema_field_by_id(r->kind, o->field);
            static const char *const opnames[] = {"?", "set", "add", "remove", "resolve"};
            msgpack_pack_map(pk, 3);
            api_pack_cstr(pk, "field"); api_pack_cstr(pk, f ? f->name : "?");
            api_pack_cstr(pk, "op"); api_pack_cstr(pk, opnames[o->op <= OP_RESOLVE ? o->op : 0]);
            api_pack_cstr(pk, "value");
            if (o->op == OP_RESOLVE) msgpack_pack_nil(pk);
            else if (f && f->type == FT_PWHASH) api_pack_cstr(pk, "(set)");
            else api_pack_value(pk, &o->val);
        }
    }
    return 0;
}

