/* SPDX-License-Identifier: MIT
 * accordctl sync status / sync release: what the running node's replication is doing,
 * asked over its local API, and the operator's release of a quarantined feed. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "client/accord_client.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/record.h"

#include <stdio.h>
#include <string.h>

static void cell(const msgpack_object *map, const char *key, char *out, size_t cap)
{
    const msgpack_object *o = accord_obj_get(map, key);
    if (!o || o->type == MSGPACK_OBJECT_NIL) snprintf(out, cap, "-");
    else if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) snprintf(out, cap, "%.1f", o->via.f64);
    else output_cell(o, out, cap);
}

static void print_table(const msgpack_object *body)
{
    char node[80], role[20];
    accord_obj_str(body, "node", node, sizeof node);
    accord_obj_str(body, "role", role, sizeof role);
    printf("node %s (%s)\n\n", node, role);
    const msgpack_object *peers = accord_obj_get(body, "peers");
    printf("%-16s %-10s %-9s %9s %11s %9s %9s %9s %-24s %8s  %s\n", "PEER", "DIRECTION", "CONNECTED", "SEEN(s)",
           "LAG(recs)", "LAG(s)", "BEHIND", "PENDING", "OFFLINE SINCE", "REFUSED", "LAST PROBLEM");
    for (uint32_t i = 0; peers && peers->type == MSGPACK_OBJECT_ARRAY && i < peers->via.array.size; i++) {
        const msgpack_object *p = &peers->via.array.ptr[i];
        char name[80], dir[16], seen[32], lag[32], lags[32], behind[32], pending[32], offline[40], refused[32],
            problem[400] = "";
        accord_obj_str(p, "name", name, sizeof name);
        accord_obj_str(p, "direction", dir, sizeof dir);
        cell(p, "last_seen_s", seen, sizeof seen);
        cell(p, "lag_records", lag, sizeof lag);
        cell(p, "lag_seconds", lags, sizeof lags);
        cell(p, "behind_records", behind, sizeof behind);
        cell(p, "pending", pending, sizeof pending); /* this node's changes the peer has yet to take */
        cell(p, "offline_since", offline, sizeof offline);
        cell(p, "refused", refused, sizeof refused);
        const msgpack_object *c = accord_obj_get(p, "connected");
        const msgpack_object *lr = accord_obj_get(p, "last_refusal");
        if (lr && lr->type == MSGPACK_OBJECT_MAP) {
            char code[32], why[300];
            accord_obj_str(lr, "code", code, sizeof code);
            accord_obj_str(lr, "why", why, sizeof why);
            snprintf(problem, sizeof problem, "%s: %s", code, why);
        } else {
            accord_obj_str(p, "error", problem, sizeof problem);
        }
        output_aligned(stdout, name, 16); /* a branch's name may be Persian or Chinese */
        printf(" %-10s %-9s %9s %11s %9s %9s %9s %-24s %8s  %s\n", dir,
               c && c->type == MSGPACK_OBJECT_POSITIVE_INTEGER && c->via.u64 ? "yes" : "no", seen, lag, lags, behind,
               pending, offline, refused, problem);
    }
    const msgpack_object *cr = accord_obj_get(body, "clock_restamp");
    if (cr && cr->type == MSGPACK_OBJECT_MAP) {
        char text[400];
        accord_obj_str(cr, "text", text, sizeof text);
        printf("\nCLOCK: %s\n", text);
    }
    const msgpack_object *q = accord_obj_get(body, "quarantined");
    for (uint32_t i = 0; q && q->type == MSGPACK_OBJECT_ARRAY && i < q->via.array.size; i++) {
        char feed[40], name[80], why[400], rejoin[600];
        accord_obj_str(&q->via.array.ptr[i], "feed", feed, sizeof feed);
        accord_obj_str(&q->via.array.ptr[i], "node", name, sizeof name);
        accord_obj_str(&q->via.array.ptr[i], "why", why, sizeof why);
        accord_obj_str(&q->via.array.ptr[i], "rejoin", rejoin, sizeof rejoin);
        printf("\nQUARANTINED feed %s (%s): %s\n  %s\n", feed, name, why, rejoin);
    }
    const msgpack_object *r = accord_obj_get(body, "refusals");
    if (r && r->type == MSGPACK_OBJECT_ARRAY && r->via.array.size) {
        printf("\nrefused batches (last per peer and feed):\n");
        for (uint32_t i = 0; i < r->via.array.size; i++) {
            char at[40], code[32], feed[40], why[400];
            const msgpack_object *e = &r->via.array.ptr[i];
            accord_obj_str(e, "at", at, sizeof at);
            accord_obj_str(e, "code", code, sizeof code);
            accord_obj_str(e, "feed", feed, sizeof feed);
            accord_obj_str(e, "why", why, sizeof why);
            printf("  %s  feed %.8s  %-12s %s\n", at, feed, code, why);
        }
    }
}

int ctl_sync_status(const ctl_args_t *a)
{
    const char *dir = a->dir;
    if (!dir) {
        fprintf(stderr, "usage: accordctl sync status --data DIR [--json]\n");
        return ACCORD_EXIT_USAGE;
    }
    accord_client_t *c = NULL;
    int rc = accord_client_new(dir, 5000, &c);
    if (rc) {
        fprintf(stderr, "accordctl: cannot reach the node on %s: %s\n", dir, accord_strerror(rc));
        return ACCORD_EXIT_UNREACHABLE;
    }
    accord_reply_t reply;
    rc = accord_call(c, "sync_status", NULL, &reply);
    if (rc) {
        fprintf(stderr, "accordctl: %s\n", reply.message[0] ? reply.message : accord_strerror(rc));
    } else if (a->json) {
        output_json(stdout, &reply.body);
    } else {
        output_sanitize(&reply.body, reply.msg.zone); /* peer names and refusal reasons come from peers */
        print_table(&reply.body);
    }
    accord_reply_destroy(&reply);
    accord_client_destroy(&c);
    return rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT ? ACCORD_EXIT_UNREACHABLE : rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

/* Clears a feed's quarantine after the operator dealt with the forked node. The running
 * node, if any, is told (sync_reload), so it forwards the feed again at once; the records
 * it refused are offered again by the peer within seconds. */
int ctl_sync_release(const ctl_args_t *a)
{
    const char *dir = a->dir, *feed_hex = ctl_opt(a, "feed");
    uint8_t origin[ID_LEN];
    if (!dir || !feed_hex || crypto_unhex(feed_hex, origin, ID_LEN)) {
        fprintf(stderr, "usage: accordctl sync release --data DIR --feed ORIGIN (32 hex digits, from sync status)\n");
        return ACCORD_EXIT_USAGE;
    }
    store_t *st = NULL;
    store_txn_t *t = NULL;
    int rc = store_open(dir, 0, &st);
    if (rc) {
        fprintf(stderr, "accordctl: cannot open the store in %s: %s\n", dir, accord_strerror(rc));
        return ACCORD_EXIT_UNREACHABLE;
    }
    store_val_t v;
    if ((rc = store_txn_begin(st, true, &t)) == 0 && (rc = store_get(t, TBL_QUARANTINE, origin, ID_LEN, &v)) == 0 &&
        (rc = store_del(t, TBL_QUARANTINE, origin, ID_LEN)) == 0)
        rc = store_txn_commit(&t);
    else if (t)
        store_txn_abort(&t);
    store_close(&st);
    if (rc == ACCORD_ENOTFOUND) {
        fprintf(stderr, "accordctl: feed %s is not quarantined on %s\n", feed_hex, dir);
        return ACCORD_EXIT_OTHER;
    }
    if (rc) {
        fprintf(stderr, "accordctl: %s\n", accord_strerror(rc));
        return ACCORD_EXIT_OTHER;
    }
    bool live = ctl_tell_node_reload(dir);
    if (a->json) printf("{\"released\":\"%s\",\"node_took_it\":%s}\n", feed_hex, live ? "true" : "false"); /* 32 hex digits, checked */
    else if (live) printf("released feed %s; the running node takes it again now\n", feed_hex);
    else printf("released feed %s; no node answered on %s: it takes the feed when it starts\n", feed_hex, dir);
    return ACCORD_EXIT_OK;
}
