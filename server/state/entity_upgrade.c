/* SPDX-License-Identifier: MIT
 * entity_upgrade: a store of format 1 (one key per field in fields, kinds and siblings)
 * converted in place to entity rows (entity.h), in bounded transactions that a crash can
 * interrupt anywhere: each one moves some entities and deletes their old keys, so what is
 * left in kinds is exactly what is still to do. */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"
#include "proto/accord_err.h"
#include "state/entity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKUP_DIR "backup-store-v1"

bool entity_upgrade_pending(store_txn_t *t)
{
    store_iter_t *it;
    store_val_t k, v;
    if (store_iter_new(t, TBL_KINDS, NULL, 0, false, &it)) return false;
    bool any = store_iter_next(it, &k, &v) == 1;
    store_iter_destroy(&it);
    return any;
}

/* Adds the format-1 keys of one table under id to the row, with tag. */
static int gather(store_txn_t *t, store_table_t tbl, const uint8_t id[ID_LEN], uint8_t tag, entity_row_buf_t *row)
{
    store_iter_t *it;
    int rc = store_iter_new(t, tbl, id, ID_LEN, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len <= ID_LEN || k.len - ID_LEN > 0xffff || v.len > 0xffff) {
            rc = ACCORD_ESTORE;
            break;
        }
        entity_row_buf_put(row, tag, (const uint8_t *)k.data + ID_LEN, k.len - ID_LEN, v.data, v.len);
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

/* One transaction: up to batch entities from the start of kinds. *n receives how many. */
static int convert_some(store_t *st, unsigned batch, entity_row_buf_t *row, unsigned *n)
{
    *n = 0;
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    uint8_t (*ids)[ID_LEN] = malloc((size_t)batch * ID_LEN), *kinds = malloc(batch);
    if (!ids || !kinds) abort();
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_KINDS, NULL, 0, false, &it))) goto out;
    store_val_t k, v;
    while (*n < batch && (rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len != 1) {
            rc = ACCORD_ESTORE;
            break;
        }
        memcpy(ids[*n], k.data, ID_LEN);
        kinds[(*n)++] = *(const uint8_t *)v.data;
    }
    store_iter_destroy(&it); /* no writes under a cursor */
    if (rc < 0) goto out;
    rc = 0;
    for (unsigned i = 0; i < *n && !rc; i++) {
        entity_row_buf_load(row, NULL, 0, kinds[i]);
        if (!(rc = gather(t, TBL_FIELDS, ids[i], ENTITY_TAG_FIELD, row)) &&
            !(rc = gather(t, TBL_SIBLINGS, ids[i], ENTITY_TAG_SIBLING, row)) &&
            !(rc = store_put(t, TBL_ENTITIES, ids[i], ID_LEN, row->buf, row->len)) &&
            !(rc = store_del_prefix(t, TBL_FIELDS, ids[i], ID_LEN, NULL)) &&
            !(rc = store_del_prefix(t, TBL_SIBLINGS, ids[i], ID_LEN, NULL)))
            rc = store_del(t, TBL_KINDS, ids[i], ID_LEN);
    }
out:
    free(ids);
    free(kinds);
    if (rc) {
        store_txn_abort(&t);
        return rc;
    }
    return store_txn_commit(&t);
}

/* fsync of a file or directory by path: the copy must be on disk before the conversion
 * that it stands in for begins. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return ACCORD_EIO;
    int rc = fsync(fd) ? ACCORD_EIO : 0;
    close(fd);
    return rc;
}

/* A compacted copy of the store as it was, once, before the first conversion. */
static int backup_first(store_t *st)
{
    char dir[4096], tmp[4200];
    snprintf(dir, sizeof dir, "%s/" BACKUP_DIR, store_dir(st));
    struct stat sb;
    if (stat(dir, &sb) == 0) return 0; /* taken at an earlier start that was interrupted */
    snprintf(tmp, sizeof tmp, "%s.partial", dir);
    char cmd_dir[4300];
    snprintf(cmd_dir, sizeof cmd_dir, "%s/data.mdb", tmp);
    remove(cmd_dir); /* a copy a crash cut short */
    if (mkdir(tmp, 0700) && errno != EEXIST) return ACCORD_EIO;
    int rc = store_backup(st, tmp);
    if (rc) return rc;
    if ((rc = sync_path(cmd_dir)) || (rc = sync_path(tmp))) return rc;
    if (rename(tmp, dir) || sync_path(store_dir(st))) return ACCORD_EIO;
    log_info("store upgrade: the store of format 1 was copied to %s before the conversion", dir);
    return 0;
}

int entity_upgrade(store_t *st, unsigned batch, void (*progress)(void *ctx, uint64_t done, uint64_t total),
                   void *ctx, uint64_t *converted)
{
    *converted = 0;
    store_txn_t *t;
    int rc = store_txn_begin(st, false, &t);
    if (rc) return rc;
    bool pending = entity_upgrade_pending(t);
    uint64_t total = 0;
    if (pending) {
        store_iter_t *it;
        store_val_t k, v;
        if (!(rc = store_iter_new(t, TBL_KINDS, NULL, 0, false, &it))) {
            while (store_iter_next(it, &k, &v) == 1) total++;
            store_iter_destroy(&it);
        }
    }
    store_txn_abort(&t);
    if (rc || !pending) return rc;
    if ((rc = backup_first(st))) return rc;
    entity_row_buf_t row = {0};
    for (unsigned n = batch; n == batch;) {
        if ((rc = convert_some(st, batch, &row, &n))) break;
        *converted += n;
        if (progress) progress(ctx, *converted, total);
    }
    entity_row_buf_free(&row);
    return rc;
}
