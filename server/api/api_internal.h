/* SPDX-License-Identifier: MIT
 * api_internal: what the api_*.c modules share and no one else sees: the api_t struct with
 * the single writer's scratch buffers, the verb handlers the table in api.c names, and
 * the argument and packing helpers. Every function here runs on the writer thread. */
#ifndef ACCORD_API_INTERNAL_H
#define ACCORD_API_INTERNAL_H

#include "api/api.h"
#include "hooks/hook_url.h"
#include "proto/formline.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "proto/timeid.h"
#include "state/entity.h"
#include "state/index.h"

#define API_PATH_MAX 1024         /* a file path a local client names (bundle_import) */
#define API_LIST_MAX 1000        /* records in one reply of list, search, history, conflicts */
#define API_IMPORT_MAX_COLUMNS 32
#define API_IMPORT_MAX_ROWS 4096
#define API_MATCH_MAX 50         /* customers an import row's key is compared with */
#define API_CONFLICT_KEY_LEN (ID_LEN + 1 + VERSION_LEN) /* entity, field, base: one group (merge.h) */
#define API_CONFLICT_SIDES 26     /* sides of one conflict shown and chosen from, as a..z */
#define API_CONFLICT_DEFAULT 100  /* conflicts in one reply unless limit says otherwise */
#define API_AMBIGUOUS_NAMED 3     /* records an ambiguous id prefix's refusal names */

/* The values of one write: ops borrow their strings from here. */
typedef struct {
    record_t rec;
    char buf[RECORD_MAX_OPS][RECORD_MAX_STR + 1];
    uint8_t refs[RECORD_MAX_OPS][ID_LEN];
} api_write_ctx_t;

typedef struct {
    char key[64];        /* what people sort this kind by, cut to 63 bytes */
    uint8_t id[ID_LEN];  /* ties: by id, so the order is stable */
} api_sort_row_t;

typedef struct {
    unsigned row;        /* the row's index in the request */
    int code;            /* why it was refused */
    char text[512];      /* and in words */
} api_import_failure_t;

/* Scratch of the import verb: one row at a time becomes a create or update request. */
typedef struct {
    char col_names[API_IMPORT_MAX_COLUMNS][REQUEST_MAX_KEY + 1]; /* the columns, as field names */
    request_t row;                          /* the row, as a create or update request */
    char item_copy[REQUEST_MAX_STR + 1];    /* one list item: rows joined by ROW_SEP, cut in place */
    char cell_copy[REQUEST_MAX_STR + 1];    /* one row: cells cut in place; the row's args point here */
    char row_msg[512];                      /* why the row was refused */
    char idhex[2 * ID_LEN + 1];             /* the matched customer's id; the row's "id" arg points here */
    uint8_t match_ids[API_MATCH_MAX][ID_LEN]; /* index hits for a match key */
    api_import_failure_t failed[API_IMPORT_MAX_ROWS]; /* refused rows, reported in the reply */
} api_import_scratch_t;

struct api {
    store_t *st;              /* borrowed */
    oplog_t *log;             /* borrowed: this node's feed */
    const identity_t *id;     /* borrowed */
    sync_t *sync;             /* borrowed; NULL when the node replicates with no one */
    uint64_t origin_day_bytes; /* each origin's daily allowance for a bundle (ingest.h; 0: none) */
    unsigned n_stages;
    char stages[API_MAX_STAGES][65]; /* the pipeline, in order */
    timeid_clock_t id_clock;         /* the last entity id made here (api_write_new_id) */
    /* scratch of the single writer, allocated once with the api_t */
    api_write_ctx_t write;                  /* the change create/update/delete/resolve/merge build */
    uint8_t ids[API_LIST_MAX][ID_LEN];      /* list and search results */
    index_hit_t hits[API_LIST_MAX];         /* why each search result matched */
    api_sort_row_t sort_rows[API_LIST_MAX]; /* a list page being put in people's order */
    record_t recs[API_LIST_MAX];            /* a history, being put in time order */
    uint8_t conflict_keys[API_LIST_MAX][API_CONFLICT_KEY_LEN]; /* conflicts listed */
    record_t side;                          /* the record behind one side of a conflict */
    api_import_scratch_t import;
    /* sales and service (api_sales.c) */
    char invoice_prefix[17];                /* this branch's invoice numbers start with it */
    int calendar;                           /* sales_calendar_t: the year in invoice numbers */
    const struct sales_doc *pending_doc;    /* the document being created with its lines */
    unsigned pending_lines;                 /* lines appended to it so far */
    char pending_hex[2 * ID_LEN + 1];       /* its id, as a line's doc argument */
    api_write_ctx_t line_write;             /* one of its lines */
    request_t line_req;                     /* that line's arguments */
    formline_t line_form;                   /* a line given as key=value&... */
    char line_copy[6][RECORD_MAX_STR + 1];  /* a copied line's texts */
    /* who is asking (api_people.c) */
    api_caller_t caller;                    /* the request's peer credentials */
    char author[SCHEMA_LOGIN_MAX + 1];      /* the user the caller writes as */
    hook_self_t hook_self;                  /* where this node listens: no webhook points there */
};

/* ---- packing and arguments (api.c) ---- */
void api_pack_str(msgpack_packer *pk, const char *s, size_t n);
void api_pack_cstr(msgpack_packer *pk, const char *s);
void api_pack_hex(msgpack_packer *pk, const uint8_t *b, size_t n); /* n <= 48 */
/* Copies a string argument to a NUL-terminated buffer; false if it does not fit. */
bool api_arg_cstr(const req_arg_t *a, char *out, size_t cap);
/* The record a hex id (or a prefix of at least 4 digits) names; what names the argument. */
int api_resolve_ref(store_txn_t *t, const char *hex, uint8_t id[ID_LEN], char *msg, size_t cap, const char *what);
int api_arg_id(store_txn_t *t, const request_t *req, const char *key, uint8_t id[ID_LEN], char *msg, size_t cap);
int api_arg_kind(const request_t *req, char *msg, size_t cap); /* the kind, or an error */
/* limit: 1..API_LIST_MAX, def when not given; an integer or its decimal text (HTTP). */
int api_arg_limit(const request_t *req, int def, char *msg, size_t cap);
/* An integer argument, or its decimal text; false if a is NULL or neither. */
bool api_arg_int(const req_arg_t *a, int64_t *out);
/* A flag: true, or the text "true" or "1" (HTTP); false when absent. */
bool api_arg_flag(const request_t *req, const char *key);
bool api_stage_known(const api_t *api, const char *stage);
/* True if entity id's field holds exactly the text want. */
bool api_text_eq(store_txn_t *t, const uint8_t *id, unsigned field, const char *want);

/* A new entity's id (time-ordered, api_write.c). */
void api_write_new_id(api_t *api, uint8_t out[ID_LEN]);

/* ---- writes (api_write.c) ---- */
record_op_t *api_write_new_op(api_write_ctx_t *w, uint8_t field, uint8_t op);
/* The author of w's record: the authenticated user (api_caller_user), or while the org has
 * no users, the request's "user" argument as free text ("unknown" without one). */
int api_write_author(api_t *api, store_txn_t *t, const request_t *req, api_write_ctx_t *w, char *msg, size_t cap);
/* Appends w's record to this node's feed; a refusal's message says why (EPERM: the
 * author's roles, people.h). */
int api_write_append(api_t *api, store_txn_t *t, record_t *rec, char *msg, size_t cap);

/* ---- people (api_people.c) ---- */
/* The login of the user the request's caller is, into out: the HTTP thread's signed-in
 * user, or the mapped OS account's; a "user" argument that names someone else is refused
 * (EAUTH), as is a caller with no mapping. */
int api_caller_user(api_t *api, store_txn_t *t, const request_t *req, char *out, size_t cap, char *msg, size_t mcap);
int api_people_user_add(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_people_user_set(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_people_user_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_people_branch_set(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_people_branch_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                           size_t cap);
int api_people_whoami(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_write_fill_bases(store_txn_t *t, api_write_ctx_t *w);
/* A create's record in w from req's field arguments (branch, created, the fields), before
 * the rules; api_write_finish then applies the kind's defaults and rules (is_new: a
 * create, else an update of w's stored entity); api_write_build does both. */
int api_write_build_fields(api_t *api, store_txn_t *t, api_write_ctx_t *w, const request_t *req, unsigned kind,
                           char *msg, size_t cap);
int api_write_finish(api_t *api, store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap);
int api_write_build(api_t *api, store_txn_t *t, api_write_ctx_t *w, const request_t *req, unsigned kind, char *msg,
                    size_t cap);
int api_write_create(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_write_update(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_write_delete(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_write_merge(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);

/* ---- reads (api_read.c) ---- */
void api_pack_value(msgpack_packer *pk, const value_t *v);
/* The record as get packs it: a map of id, kind and its fields. */
int api_read_pack_record(store_txn_t *t, const uint8_t id[ID_LEN], msgpack_packer *pk);
void api_pack_register(msgpack_packer *pk, const field_state_t *fs);
/* A writing node by name when the roster knows it, else by origin id. */
void api_pack_origin_name(api_t *api, store_txn_t *t, msgpack_packer *pk, const uint8_t *origin);
int api_read_get(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_read_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
/* True for an export's first page (a list by_id, no after): it runs alone (t NULL), to
 * record the export in the access audit (auth/audit.h) before it reads. */
bool api_read_list_is_export(const request_t *req);
int api_read_search(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_read_history(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_read_dupes(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);

/* ---- conflicts (api_conflict.c) ---- */
int api_conflict_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_conflict_resolve(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                         size_t cap);

/* ---- import (api_import.c) ---- */
int api_import_rows(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);

/* ---- the node itself (api_node.c) ---- */
int api_node_status(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
/* users {}: {items: [{name, role}], more: false}, every user who may sign in here, by name. */
int api_node_users(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
/* views {user}, view_save {user, name, filter}, view_delete {user, name}: saved filters (api_views.c) */
int api_views_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_views_save(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_views_delete(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_node_sync_status(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                         size_t cap);
int api_node_bundle_import(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                           size_t cap);
int api_node_sync_reload(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                         size_t cap);

/* ---- webhooks (api_hooks.c): LOCAL, run alone ---- */
int api_hooks_add(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
int api_hooks_remove(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
#endif
