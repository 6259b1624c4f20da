/* SPDX-License-Identifier: MIT
 * changes: when this node applied a change to each entity (changes.h). */
#include "state/changes.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "state/entity.h"

#include <string.h>

static const char changes_version_key[] = "changes-version";

/* The newest stamp given out by this process; 0 until the first change, when it is read
 * from the log (the greatest stamp of any kind), so that a wall clock set back between two
 * runs cannot put a change before one noted earlier. Only write transactions touch it, and
 * LMDB runs one at a time. */
static uint64_t last_stamp;

static int load_last_stamp(store_txn_t *t)
{
    for (unsigned kind = 0; kind < 256; kind++) {
        uint8_t prefix[1] = {(uint8_t)kind};
        store_iter_t *it;
        int rc = store_iter_new(t, TBL_CHANGES, prefix, sizeof prefix, true, &it);
        if (rc) return rc;
        store_val_t k, v;
        if ((rc = store_iter_next(it, &k, &v)) == 1 && k.len == CHANGES_KEY_LEN) {
            uint64_t s = be64_get((const uint8_t *)k.data + 1);
            if (s > last_stamp) last_stamp = s;
        }
        store_iter_destroy(&it);
        if (rc < 0) return rc;
    }
    return 0;
}

static uint64_t next_stamp(void)
{
    uint64_t now = HLC_PACK(hlc_wall_ms(), 0);
    last_stamp = now > last_stamp ? now : last_stamp + 1;
    return last_stamp;
}

static int put_change(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, uint64_t stamp)
{
    uint8_t key[CHANGES_KEY_LEN], at[1 + 8];
    key[0] = at[0] = (uint8_t)kind;
    be64_put(key + 1, stamp);
    memcpy(key + 9, id, ID_LEN);
    be64_put(at + 1, stamp);
    int rc = store_put(t, TBL_CHANGES, key, sizeof key, "", 0);
    return rc ? rc : store_put(t, TBL_CHANGED_AT, id, ID_LEN, at, sizeof at);
}

int changes_note(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind)
{
    int rc;
    if (!last_stamp && (rc = load_last_stamp(t))) return rc;
    return put_change(t, id, kind, next_stamp());
}

int changes_stamp(store_txn_t *t, const uint8_t id[ID_LEN], uint64_t *stamp)
{
    store_val_t v;
    int rc = store_get(t, TBL_CHANGED_AT, id, ID_LEN, &v);
    if (rc) return rc;
    if (v.len != 9) return ACCORD_ESTORE;
    *stamp = be64_get((const uint8_t *)v.data + 1);
    return 0;
}

bool changes_current(store_txn_t *t, const uint8_t key[CHANGES_KEY_LEN])
{
    store_val_t v;
    if (store_get(t, TBL_CHANGED_AT, key + 9, ID_LEN, &v) || v.len != 9) return false;
    return ((const uint8_t *)v.data)[0] == key[0] && !memcmp((const uint8_t *)v.data + 1, key + 1, 8);
}

int changes_upgrade(store_t *st, uint64_t *entities)
{
    *entities = UINT64_MAX;
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    store_val_t v;
    if ((rc = store_get(t, TBL_META, changes_version_key, sizeof changes_version_key - 1, &v)) != ACCORD_ENOTFOUND) {
        store_txn_abort(&t);
        return rc; /* 0: done before */
    }
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_ENTITIES, NULL, 0, false, &it))) {
        store_txn_abort(&t);
        return rc;
    }
    store_val_t k;
    uint64_t n = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len < 2) continue;
        store_val_t at;
        if (store_get(t, TBL_CHANGED_AT, k.data, ID_LEN, &at) == 0) continue;
        uint8_t id[ID_LEN];
        memcpy(id, k.data, ID_LEN); /* the put below may move the page k points into */
        unsigned kind = ((const uint8_t *)v.data)[1];
        uint64_t stamp = entity_row_updated(v.data, v.len);
        if ((rc = put_change(t, id, kind, stamp ? stamp : 1))) break;
        n++;
    }
    store_iter_destroy(&it);
    if (rc < 0 || (rc = store_put(t, TBL_META, changes_version_key, sizeof changes_version_key - 1, "1", 1))) {
        store_txn_abort(&t);
        return rc;
    }
    if ((rc = store_txn_commit(&t))) return rc;
    *entities = n;
    return 0;
}
