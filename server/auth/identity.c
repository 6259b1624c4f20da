/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "auth/identity.h"
#include "proto/accord_err.h"
#include "proto/datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_MAGIC "ACCORDK1"
#define KEY_FILE_LEN (8 + CRYPTO_SK_LEN)

static bool name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static int put_meta(store_txn_t *t, const char *key, const void *v, size_t len)
{
    return store_put(t, TBL_META, key, strlen(key), v, len);
}

/* A new key pair into a new file at path (mode 0600, synced); its public key into pk. */
static int write_new_key(const char *path, uint8_t pk[CRYPTO_PK_LEN], char *err, size_t err_cap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf(err, err_cap, errno == EEXIST ? "%s already exists: this directory already holds a node"
                                               : "cannot create %s: %s", path, strerror(errno));
        return errno == EEXIST ? ACCORD_EEXISTS : ACCORD_EIO;
    }
    uint8_t *file = sodium_malloc(KEY_FILE_LEN);
    if (!file) abort();
    memcpy(file, KEY_MAGIC, 8);
    crypto_keypair(pk, file + 8);
    ssize_t w = write(fd, file, KEY_FILE_LEN);
    int sync_rc = fsync(fd);
    close(fd);
    sodium_free(file);
    if (w != KEY_FILE_LEN || sync_rc) {
        unlink(path);
        snprintf(err, err_cap, "cannot write %s: %s", path, strerror(errno));
        return ACCORD_EIO;
    }
    return 0;
}

int identity_create(const char *dir, const char *name, const char *role, char *err, size_t err_cap)
{
    char path[4096];
    if (!name_valid(name)) {
        snprintf(err, err_cap, "name '%.64s' must be 1-64 letters, digits, '-', '_' or '.'", name);
        return ACCORD_EINVAL;
    }
    if (strcmp(role, "branch") && strcmp(role, "hub")) {
        snprintf(err, err_cap, "role '%.16s' must be branch or hub", role);
        return ACCORD_EINVAL;
    }
    if (mkdir(dir, 0700) && errno != EEXIST) {
        snprintf(err, err_cap, "cannot create %s: %s", dir, strerror(errno));
        return ACCORD_EIO;
    }
    datadir_path(dir, DATADIR_KEY, path, sizeof path);
    uint8_t pk[CRYPTO_PK_LEN];
    int krc = write_new_key(path, pk, err, err_cap);
    if (krc) return krc;

    store_t *st = NULL;
    store_txn_t *t = NULL;
    int rc = store_open(dir, 0, &st);
    if (rc == 0) rc = store_txn_begin(st, true, &t);
    if (rc == 0) {
        uint8_t origin[CRYPTO_ORIGIN_LEN], store_id[16];
        crypto_origin_of(pk, origin);
        crypto_random(store_id, sizeof store_id);
        if (!(rc = put_meta(t, "name", name, strlen(name))) &&
            !(rc = put_meta(t, "role", role, strlen(role))) &&
            !(rc = put_meta(t, "pubkey", pk, sizeof pk)) &&
            !(rc = put_meta(t, "origin", origin, sizeof origin)) &&
            !(rc = put_meta(t, "store_id", store_id, sizeof store_id)))
            rc = store_txn_commit(&t);
    }
    store_txn_abort(&t);
    store_close(&st);
    if (rc) {
        unlink(path);
        snprintf(err, err_cap, "cannot create the store in %s: %s", dir, accord_strerror(rc));
    }
    return rc;
}

static int get_meta(store_txn_t *t, const char *key, void *out, size_t len, bool exact)
{
    store_val_t v;
    int rc = store_get(t, TBL_META, key, strlen(key), &v);
    if (rc) return rc;
    if (exact ? v.len != len : v.len >= len) return ACCORD_ESTORE;
    memcpy(out, v.data, v.len);
    if (!exact) ((char *)out)[v.len] = '\0';
    return 0;
}

int identity_meta(store_t *st, const char *key, char *out, size_t cap)
{
    store_txn_t *t;
    int rc = store_txn_begin(st, false, &t);
    if (rc) return rc;
    rc = get_meta(t, key, out, cap, false);
    store_txn_abort(&t);
    return rc;
}

static int load(const char *dir, store_t *st, identity_t **out, char *err, size_t err_cap, bool retried)
{
    char path[4096];
    *out = NULL;
    datadir_path(dir, DATADIR_KEY, path, sizeof path);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, err_cap, "cannot open %s: %s (create the node with 'accordctl node init')",
                 path, strerror(errno));
        return ACCORD_EKEY;
    }
    identity_t *id = calloc(1, sizeof *id);
    if (!id) abort();
    id->sk = sodium_malloc(KEY_FILE_LEN);
    if (!id->sk) abort();
    ssize_t r = read(fd, id->sk, KEY_FILE_LEN);
    close(fd);
    if (r != KEY_FILE_LEN || memcmp(id->sk, KEY_MAGIC, 8) != 0) {
        snprintf(err, err_cap, "%s is not an Accord node key", path);
        identity_destroy(&id);
        return ACCORD_EKEY;
    }
    memmove(id->sk, id->sk + 8, CRYPTO_SK_LEN);
    store_txn_t *t;
    int rc = store_txn_begin(st, false, &t);
    if (rc == 0) {
        if ((rc = get_meta(t, "name", id->name, sizeof id->name, false)) ||
            (rc = get_meta(t, "role", id->role, sizeof id->role, false)) ||
            (rc = get_meta(t, "pubkey", id->pk, sizeof id->pk, true)) ||
            (rc = get_meta(t, "origin", id->origin, sizeof id->origin, true)) ||
            (rc = get_meta(t, "store_id", id->store_id, sizeof id->store_id, true)))
            snprintf(err, err_cap, "the store in %s has no node identity: %s", dir, accord_strerror(rc));
        store_txn_abort(&t);
    }
    /* the key file must belong to the store: the last 32 bytes of sk are its public key */
    if (rc == 0 && sodium_memcmp(id->sk + 32, id->pk, CRYPTO_PK_LEN) != 0 && !retried) {
        /* a new epoch whose store change committed before its key was put in place */
        char next[4200];
        datadir_path(dir, DATADIR_KEY_NEXT, next, sizeof next);
        uint8_t old_origin[CRYPTO_ORIGIN_LEN];
        crypto_origin_of(id->sk + 32, old_origin);
        if (access(next, R_OK) == 0 && identity_switch_key(dir, old_origin, err, err_cap) == 0) {
            identity_destroy(&id);
            return load(dir, st, out, err, err_cap, true);
        }
    }
    if (rc == 0 && sodium_memcmp(id->sk + 32, id->pk, CRYPTO_PK_LEN) != 0) {
        snprintf(err, err_cap, "%s does not belong to the store in %s", path, dir);
        rc = ACCORD_EKEY;
    }
    if (rc) {
        identity_destroy(&id);
        return rc;
    }
    *out = id;
    return 0;
}

int identity_load(const char *dir, store_t *st, identity_t **out, char *err, size_t err_cap)
{
    return load(dir, st, out, err, err_cap, false);
}

int identity_prepare_epoch(const char *dir, store_txn_t *t, uint8_t new_pk[CRYPTO_PK_LEN], char *err,
                           size_t err_cap)
{
    char next[4200];
    datadir_path(dir, DATADIR_KEY_NEXT, next, sizeof next);
    unlink(next); /* a prepared epoch that was never committed */
    int rc = write_new_key(next, new_pk, err, err_cap);
    if (rc) return rc;
    uint8_t origin[CRYPTO_ORIGIN_LEN];
    crypto_origin_of(new_pk, origin);
    if ((rc = put_meta(t, "pubkey", new_pk, CRYPTO_PK_LEN)) || (rc = put_meta(t, "origin", origin, sizeof origin))) {
        unlink(next);
        snprintf(err, err_cap, "cannot write the new identity: %s", accord_strerror(rc));
    }
    return rc;
}

int identity_switch_key(const char *dir, const uint8_t old_origin[CRYPTO_ORIGIN_LEN], char *err, size_t err_cap)
{
    char cur[4200], next[4200], kept[4300], hex[2 * CRYPTO_ORIGIN_LEN + 1];
    crypto_hex(old_origin, CRYPTO_ORIGIN_LEN, hex);
    datadir_path(dir, DATADIR_KEY, cur, sizeof cur);
    datadir_path(dir, DATADIR_KEY_NEXT, next, sizeof next);
    snprintf(kept, sizeof kept, "%s/%s.%s", dir, datadir_file_name(DATADIR_KEY), hex);
    if (link(cur, kept) && errno != EEXIST) { /* the old key stays, under its origin */
        snprintf(err, err_cap, "cannot keep the old key as %s: %s", kept, strerror(errno));
        return ACCORD_EIO;
    }
    if (rename(next, cur)) {
        snprintf(err, err_cap, "cannot put the new key in place as %s: %s", cur, strerror(errno));
        return ACCORD_EIO;
    }
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return 0;
}

void identity_destroy(identity_t **pid)
{
    identity_t *id = *pid;
    if (!id) return;
    sodium_free(id->sk);
    free(id);
    *pid = NULL;
}
