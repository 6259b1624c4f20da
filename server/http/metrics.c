/* SPDX-License-Identifier: MIT */
#include "http/metrics.h"
#include "proto/accord_err.h"

#include <inttypes.h>
#include <string.h>

static const msgpack_object *field(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && !memcmp(k->via.str.ptr, key, n))
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

static double number(const msgpack_object *o)
{
    if (!o) return 0;
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return (double)o->via.u64;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return (double)o->via.i64;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return o->via.f64;
    case MSGPACK_OBJECT_BOOLEAN: return o->via.boolean;
    default: return 0;
    }
}

/* A label value: backslash, quote and newline escaped, as the format asks. */
static void label(FILE *f, const msgpack_object *s)
{
    fputc('"', f);
    if (s && s->type == MSGPACK_OBJECT_STR)
        for (uint32_t i = 0; i < s->via.str.size; i++) {
            char c = s->via.str.ptr[i];
            if (c == '\\' || c == '"') fputc('\\', f), fputc(c, f);
            else if (c == '\n') fputs("\\n", f);
            else fputc(c, f);
        }
    fputc('"', f);
}

typedef struct {
    const char *name, *key, *type, *help;
} peer_metric_t;

static const peer_metric_t peer_metrics[] = {
    {"accord_peer_connected", "connected", "gauge", "1 while the peer's session is up."},
    {"accord_peer_lag_records", "lag_records", "gauge", "Records this node holds that the peer lacks."},
    {"accord_peer_lag_seconds", "lag_seconds", "gauge", "Age of the oldest record the peer lacks."},
    {"accord_peer_clock_offset_ms", "clock_offset_ms", "gauge", "The peer's clock minus this node's."},
    {"accord_peer_batches_received_total", "batches_in", "counter", "Batches received from the peer."},
    {"accord_peer_records_received_total", "records_in", "counter", "Records applied from the peer."},
    {"accord_peer_batches_sent_total", "batches_out", "counter", "Batches sent to the peer."},
    {"accord_peer_batches_refused_total", "refused", "counter", "Batches from the peer this node refused."},
};

static uint64_t count_entries(store_t *st, store_table_t tbl)
{
    store_txn_t *t;
    uint64_t n = 0;
    if (store_txn_begin(st, false, &t)) return 0;
    store_iter_t *it;
    if (!store_iter_new(t, tbl, NULL, 0, false, &it)) {
        store_val_t k, v;
        while (store_iter_next(it, &k, &v) == 1) n++;
        store_iter_destroy(&it);
    }
    store_txn_abort(&t);
    return n;
}

int metrics_write(FILE *f, const msgpack_object *status, store_t *st)
{
    const msgpack_object *peers = field(status, "peers");
    for (size_t m = 0; m < sizeof peer_metrics / sizeof peer_metrics[0]; m++) {
        const peer_metric_t *pm = &peer_metrics[m];
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", pm->name, pm->help, pm->name, pm->type);
        for (uint32_t i = 0; peers && peers->type == MSGPACK_OBJECT_ARRAY && i < peers->via.array.size; i++) {
            const msgpack_object *p = &peers->via.array.ptr[i];
            fprintf(f, "%s{peer=", pm->name);
            label(f, field(p, "name"));
            fprintf(f, ",direction=");
            label(f, field(p, "direction"));
            fprintf(f, "} %.17g\n", number(field(p, pm->key)));
        }
    }
    const msgpack_object *lat = field(status, "apply_latency");
    const msgpack_object *le = field(lat, "le_ms"), *cum = field(lat, "cumulative");
    fprintf(f, "# HELP accord_apply_latency_seconds From a batch's arrival to its durable commit.\n"
               "# TYPE accord_apply_latency_seconds histogram\n");
    for (uint32_t i = 0; le && cum && le->type == MSGPACK_OBJECT_ARRAY && cum->type == MSGPACK_OBJECT_ARRAY &&
                         i < le->via.array.size && i < cum->via.array.size; i++)
        fprintf(f, "accord_apply_latency_seconds_bucket{le=\"%g\"} %.17g\n", number(&le->via.array.ptr[i]) / 1000.0,
                number(&cum->via.array.ptr[i]));
    fprintf(f, "accord_apply_latency_seconds_bucket{le=\"+Inf\"} %.17g\n", number(field(lat, "count")));
    fprintf(f, "accord_apply_latency_seconds_sum %.17g\n", number(field(lat, "sum_ms")) / 1000.0);
    fprintf(f, "accord_apply_latency_seconds_count %.17g\n", number(field(lat, "count")));
    fprintf(f, "# HELP accord_conflicts Concurrent edits kept in the conflict log.\n# TYPE accord_conflicts gauge\n"
               "accord_conflicts %" PRIu64 "\n", count_entries(st, TBL_CONFLICTS));
    uint64_t used, limit;
    store_usage(st, &used, &limit);
    fprintf(f, "# HELP accord_store_used_bytes Bytes of the store in use.\n# TYPE accord_store_used_bytes gauge\n"
               "accord_store_used_bytes %" PRIu64 "\n", used);
    fprintf(f, "# HELP accord_store_limit_bytes The store's largest size.\n# TYPE accord_store_limit_bytes gauge\n"
               "accord_store_limit_bytes %" PRIu64 "\n", limit);
    return 0;
}
