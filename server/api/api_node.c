/* SPDX-License-Identifier: MIT
 * api_node: the verbs about the node itself rather than its records: status (name, role,
 * feed head, store size, pipeline), the users who may sign in here (users), and the two
 * that ask the replication link, sync_status and sync_reload (the link is borrowed through
 * api_set_sync; none when the node replicates with no one). */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "auth/people.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "auth/users.h"
#include "common/log.h"
#include "feed/bundle_in.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int api_node_status(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    (void)t, (void)req, (void)msg, (void)cap;
    feed_head_t h = oplog_head(api->log);
    uint64_t used, limit;
    store_usage(api->st, &used, &limit);
    msgpack_pack_map(pk, 7);
    api_pack_cstr(pk, "name"); api_pack_cstr(pk, api->id->name);
    api_pack_cstr(pk, "role"); api_pack_cstr(pk, api->id->role);
    api_pack_cstr(pk, "origin"); api_pack_hex(pk, api->id->origin, ID_LEN);
    api_pack_cstr(pk, "public_key"); api_pack_hex(pk, api->id->pk, CRYPTO_PK_LEN);
    api_pack_cstr(pk, "feed_seq"); msgpack_pack_uint64(pk, h.seq);
    api_pack_cstr(pk, "store_bytes"); msgpack_pack_uint64(pk, used);
    api_pack_cstr(pk, "pipeline");
    msgpack_pack_array(pk, api->n_stages);
    for (unsigned i = 0; i < api->n_stages; i++) api_pack_cstr(pk, api->stages[i]);
    return 0;
}

typedef struct {
    char name[USER_NAME_MAX + 1];
    user_role_t role;
} user_row_t;

typedef struct {
    user_row_t *rows;
    size_t n, cap;
} user_rows_t;

static int collect_user(void *ctx, const char *name, user_role_t role)
{
    user_rows_t *u = ctx;
    if (u->n == u->cap) {
        u->cap = u->cap ? 2 * u->cap : 16;
        u->rows = realloc(u->rows, u->cap * sizeof *u->rows);
        if (!u->rows) abort();
    }
    snprintf(u->rows[u->n].name, sizeof u->rows[u->n].name, "%s", name);
    u->rows[u->n++].role = role;
    return 0;
}

/* As people read a list of names: "ali, Mina, zahra" (names are ASCII, users.c), and
 * bytewise where only case differs, so the order is total. */
static int by_name(const void *a, const void *b)
{
    const user_row_t *x = a, *y = b;
    int c = strcasecmp(x->name, y->name);
    return c ? c : strcmp(x->name, y->name);
}

/* The org's users who may sign in here, by login, with their role here (people.h). */
static int pack_org_users(api_t *api, store_txn_t *t, msgpack_packer *pk, char *msg, size_t cap)
{
    char region[65];
    people_node_region(t, api->id->name, region, sizeof region);
    people_place_t place = {api->id->name, region, !strcmp(api->id->role, "hub")};
    uint64_t total = 0;
    index_query_t q = {.kind = KIND_USER, .field = F_US_LOGIN};
    int n = index_page(t, &q, 0, API_LIST_MAX, api->ids, &total);
    if (n < 0) return accord_fail(msg, cap, n, "cannot read the users: %s", accord_strerror(n));
    person_t p;
    uint32_t shown = 0;
    for (int i = 0; i < n; i++) shown += people_load(t, api->ids[i], &p) == 0 && people_may_sign_in(&p, &place);
    msgpack_pack_map(pk, 2);
    api_pack_cstr(pk, "items");
    msgpack_pack_array(pk, shown);
    for (int i = 0; i < n; i++) {
        if (people_load(t, api->ids[i], &p) || !people_may_sign_in(&p, &place)) continue;
        msgpack_pack_map(pk, 3);
        api_pack_cstr(pk, "name"); api_pack_cstr(pk, p.login);
        api_pack_cstr(pk, "role"); api_pack_cstr(pk, schema_role_name(people_role_at(&p, &place)));
        api_pack_cstr(pk, "display"); api_pack_cstr(pk, p.name);
    }
    api_pack_cstr(pk, "more");
    if (total > (uint64_t)n) msgpack_pack_true(pk);
    else msgpack_pack_false(pk);
    return 0;
}

int api_node_users(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    (void)req;
    if (people_enforced(t, NULL)) return pack_org_users(api, t, pk, msg, cap);
    user_rows_t u = {0};
    int rc = users_each(t, collect_user, &u); /* names and roles only: hashes stay in users.c */
    if (rc) {
        free(u.rows);
        return accord_fail(msg, cap, rc, "cannot read the users: %s", accord_strerror(rc));
    }
    if (u.n) qsort(u.rows, u.n, sizeof *u.rows, by_name);
    msgpack_pack_map(pk, 2);
    api_pack_cstr(pk, "items");
    msgpack_pack_array(pk, (uint32_t)u.n);
    for (size_t i = 0; i < u.n; i++) {
        msgpack_pack_map(pk, 2);
        api_pack_cstr(pk, "name"); api_pack_cstr(pk, u.rows[i].name);
        api_pack_cstr(pk, "role"); api_pack_cstr(pk, user_role_name(u.rows[i].role));
    }
    api_pack_cstr(pk, "more"); /* every user, always: a node has few, and a page would need a cursor */
    msgpack_pack_false(pk);
    free(u.rows);
    return 0;
}

int api_node_sync_status(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                         size_t cap)
{
    (void)t, (void)req;
    if (!api->sync)
        return accord_fail(msg, cap, ACCORD_ENOTFOUND,
                           "this node replicates with no one (start it with --listen or --upstream)");
    sync_status(api->sync, pk);
    return 0;
}

/* Another process (accordctl compact, sync release) wrote the store: the link reads the
 * heads, bases and quarantines again. */
int api_node_sync_reload(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                         size_t cap)
{
    (void)t, (void)req, (void)msg, (void)cap;
    if (api->sync) sync_reload(api->sync);
    msgpack_pack_nil(pk);
    return 0;
}

/* A bundle file, applied by the node itself through the one ingest path (feed/bundle_in.h),
 * so no second process writes beside it (accordctl bundle import sends it here). Runs with
 * no transaction of the batch open (the verb table's own_txns): it commits batch by batch. */
int api_node_bundle_import(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                           size_t cap)
{
    ACCORD_ASSERT(t == NULL); /* the node loop runs it alone */
    char path[API_PATH_MAX + 1];
    const req_arg_t *a = request_arg(req, "path");
    if (!a || !api_arg_cstr(a, path, sizeof path) || path[0] != '/')
        return accord_fail(msg, cap, ACCORD_EINVAL, "path: give the bundle file's absolute path");
    bundle_in_report_t rep;
    apply_clock_t clock = {hlc_wall_ms(), BUNDLE_IN_MAX_SKEW_MS};
    int rc = bundle_in_file(api->st, api->id, path, &clock, api->origin_day_bytes, NULL, &rep);
    if (rep.done_batches || rep.roster_entries) { /* the heads moved: peers may lack what came */
        if (api->sync) sync_reload(api->sync);
    }
    if (rc) {
        log_warn("bundle %s refused: %s", path, rep.why);
        return accord_fail(msg, cap, rc, "%s", rep.why);
    }
    log_info("bundle %s: %llu records applied from %llu batches (%llu already held, %llu refused)", path,
             (unsigned long long)rep.applied, (unsigned long long)rep.batches, (unsigned long long)rep.held_batches,
             (unsigned long long)rep.refused);
    msgpack_pack_map(pk, 7);
    api_pack_cstr(pk, "batches"); msgpack_pack_uint64(pk, rep.batches);
    api_pack_cstr(pk, "records"); msgpack_pack_uint64(pk, rep.records);
    api_pack_cstr(pk, "records_applied"); msgpack_pack_uint64(pk, rep.applied);
    api_pack_cstr(pk, "batches_already_held"); msgpack_pack_uint64(pk, rep.held_batches);
    api_pack_cstr(pk, "batches_refused"); msgpack_pack_uint64(pk, rep.refused);
    api_pack_cstr(pk, "roster_entries"); msgpack_pack_uint64(pk, rep.roster_entries);
    api_pack_cstr(pk, "first_refusal");
    if (rep.first_code) {
        msgpack_pack_map(pk, 2);
        api_pack_cstr(pk, "code"); api_pack_cstr(pk, accord_errname(rep.first_code));
        api_pack_cstr(pk, "why"); api_pack_cstr(pk, rep.why);
    } else {
        msgpack_pack_nil(pk);
    }
    return 0;
}
