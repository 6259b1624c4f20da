/* SPDX-License-Identifier: MIT
 * accordctl org init / enroll / revoke / roster: the org key signs the roster.
 * The org key file is "ACCORDO1" + Ed25519 secret key (64 bytes), mode 0600; it belongs
 * offline at HQ, never on a branch. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "auth/roster.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ORG_MAGIC "ACCORDO1"
#define ORG_FILE_LEN (8 + CRYPTO_SK_LEN)

int ctl_org_init(const ctl_args_t *a)
{
    const char *out_path = ctl_opt(a, "out");
    if (!out_path) {
        fprintf(stderr, "usage: accordctl org init --out FILE\n");
        return ACCORD_EXIT_USAGE;
    }
    if (ctl_make_parents(out_path)) return ACCORD_EXIT_UNREACHABLE; /* --out keys/org.key makes keys/, mode 0700 */
    int fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        fprintf(stderr, "accordctl: cannot create %s: %s%s\n", out_path, strerror(errno),
                errno == EEXIST ? " (an org key is made once; keep using the one you have)" : "");
        return errno == EEXIST ? ACCORD_EXIT_OTHER : ACCORD_EXIT_UNREACHABLE;
    }
    uint8_t pk[CRYPTO_PK_LEN], *file = sodium_malloc(ORG_FILE_LEN);
    if (!file) abort();
    memcpy(file, ORG_MAGIC, 8);
    crypto_keypair(pk, file + 8);
    ssize_t w = write(fd, file, ORG_FILE_LEN);
    int sync_rc = fsync(fd);
    close(fd);
    sodium_free(file);
    if (w != ORG_FILE_LEN || sync_rc) {
        fprintf(stderr, "accordctl: cannot write %s: %s\n", out_path, strerror(errno));
        unlink(out_path);
        return ACCORD_EXIT_OTHER;
    }
    char hex[2 * CRYPTO_PK_LEN + 1];
    crypto_hex(pk, sizeof pk, hex);
    if (a->json) {
        printf("{\"org_public_key\":\"%s\",\"file\":", hex);
        output_json_string(stdout, out_path);
        printf("}\n");
    } else printf("org public key  %s\n(give it to every node: accordctl node init ... --org-pub %s)\n", hex, hex);
    return ACCORD_EXIT_OK;
}

/* Loads the org secret key into sodium memory; NULL after saying why. */
static uint8_t *load_org_key(const char *path, uint8_t pk[CRYPTO_PK_LEN])
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "accordctl: cannot open the org key %s: %s\n", path, strerror(errno));
        return NULL;
    }
    uint8_t *file = sodium_malloc(ORG_FILE_LEN + 1);
    if (!file) abort();
    ssize_t n = read(fd, file, ORG_FILE_LEN + 1);
    close(fd);
    if (n != ORG_FILE_LEN || memcmp(file, ORG_MAGIC, 8)) {
        fprintf(stderr, "accordctl: %s is not an org key (made by 'accordctl org init')\n", path);
        sodium_free(file);
        return NULL;
    }
    memmove(file, file + 8, CRYPTO_SK_LEN);
    crypto_sign_ed25519_sk_to_pk(pk, file);
    return file;
}

/* The node's store opened for writing beside a running node (LMDB serialises writers). */
static int write_txn(const char *dir, store_t **st, store_txn_t **t)
{
    int rc = store_open(dir, 0, st);
    if (rc) {
        fprintf(stderr, "accordctl: cannot open the store in %s: %s\n", dir, accord_strerror(rc));
        return ACCORD_EXIT_UNREACHABLE;
    }
    if ((rc = store_txn_begin(*st, true, t))) {
        fprintf(stderr, "accordctl: %s\n", accord_strerror(rc));
        store_close(st);
        return ACCORD_EXIT_OTHER;
    }
    return ACCORD_EXIT_OK;
}

int ctl_org_pin(const char *dir, const uint8_t org_pk[CRYPTO_PK_LEN])
{
    store_t *st = NULL;
    store_txn_t *t = NULL;
    int rc = write_txn(dir, &st, &t);
    if (rc) return rc;
    if ((rc = roster_pin_org(t, org_pk)) == 0) rc = store_txn_commit(&t);
    else store_txn_abort(&t);
    store_close(&st);
    if (rc) fprintf(stderr, "accordctl: cannot pin the org key: %s\n", accord_strerror(rc));
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

static void copy_opt(char *out, size_t cap, const char *v)
{
    snprintf(out, cap, "%s", v ? v : "");
}

/* What enroll or revoke did to the entry e: action is "enroll" or "revoke". */
static void print_signed(const roster_entry_t *e, const char *action, bool changed, bool json)
{
    if (json) {
        printf("{\"name\":");
        output_json_string(stdout, e->name);
        printf(",\"action\":\"%s\",\"changed\":%s}\n", action, changed ? "true" : "false");
    } else if (!changed) {
        printf("%s was already revoked\n", e->name);
    } else {
        printf("%s %s\n", strcmp(action, "enroll") ? "revoked" : "enrolled", e->name);
    }
}

static int roster_sign(const ctl_args_t *a, roster_action_t action)
{
    const char *dir = a->dir, *key_path = ctl_opt(a, "org-key"), *pub = ctl_opt(a, "node-pub");
    bool json = a->json;
    roster_entry_t e;
    memset(&e, 0, sizeof e);
    e.action = (uint8_t)action;
    copy_opt(e.name, sizeof e.name, ctl_opt(a, "name"));
    copy_opt(e.role, sizeof e.role, ctl_opt(a, "role"));
    copy_opt(e.region, sizeof e.region, ctl_opt(a, "region"));
    if (!dir || !key_path || !pub) {
        fprintf(stderr, action == ROSTER_ENROLL
                            ? "usage: accordctl enroll --data DIR --org-key FILE --node-pub HEX --name NAME --role hub|branch [--region R]\n"
                            : "usage: accordctl revoke --data DIR --org-key FILE --node-pub HEX\n");
        return ACCORD_EXIT_USAGE;
    }
    if (crypto_unhex(pub, e.pk, sizeof e.pk)) {
        fprintf(stderr, "accordctl: --node-pub takes the node's public key: 64 hex digits ('accordctl node show')\n");
        return ACCORD_EXIT_USAGE;
    }
    uint8_t curve[32];
    if (crypto_curve_pk(e.pk, curve)) {
        fprintf(stderr, "accordctl: --node-pub %s is not a valid Ed25519 public key\n", pub);
        return ACCORD_EXIT_USAGE;
    }
    store_t *st = NULL;
    store_txn_t *t = NULL;
    int rc = 0;
    roster_entry_t old;
    if (action == ROSTER_REVOKE) { /* a revocation names the node as it was enrolled */
        if ((rc = write_txn(dir, &st, &t))) return rc;
        rc = roster_by_pk(t, e.pk, &old);
        store_txn_abort(&t);
        store_close(&st);
        if (rc) {
            fprintf(stderr, "accordctl: no node with key %s is in the roster of %s\n", pub, dir);
            return ACCORD_EXIT_OTHER;
        }
        memcpy(e.name, old.name, sizeof e.name);
        memcpy(e.role, old.role, sizeof e.role);
        memcpy(e.region, old.region, sizeof e.region);
    }
    e.issued_ms = hlc_wall_ms();
    const char *bad = roster_entry_invalid(&e);
    if (bad) {
        fprintf(stderr, "accordctl: %s\n", bad);
        return ACCORD_EXIT_USAGE;
    }
    uint8_t org_pk[CRYPTO_PK_LEN], pinned[CRYPTO_PK_LEN], entry[ROSTER_ENTRY_MAX];
    size_t len = 0;
    uint8_t *sk = load_org_key(key_path, org_pk);
    if (!sk) return ACCORD_EXIT_UNREACHABLE;
    rc = roster_entry_sign(&e, sk, entry, &len);
    sodium_free(sk);
    if (rc) {
        fprintf(stderr, "accordctl: cannot sign the entry: %s\n", accord_strerror(rc));
        return ACCORD_EXIT_OTHER;
    }
    if ((rc = write_txn(dir, &st, &t))) return rc;
    if ((rc = roster_org_pk(t, pinned)) || memcmp(pinned, org_pk, sizeof pinned)) {
        store_txn_abort(&t);
        store_close(&st);
        fprintf(stderr, "accordctl: %s does not trust this org key (%s); it was made with another --org-pub\n",
                dir, rc ? "no org key pinned" : "pinned key differs");
        return ACCORD_EXIT_OTHER;
    }
    bool changed = false;
    roster_entry_t stored;
    if ((rc = roster_add(t, entry, len, &changed, &stored)) == 0) rc = store_txn_commit(&t);
    else store_txn_abort(&t);
    store_close(&st);
    if (rc) {
        fprintf(stderr, "accordctl: cannot store the entry: %s\n", accord_strerror(rc));
        return ACCORD_EXIT_OTHER;
    }
    if (!changed && action == ROSTER_REVOKE) {
        print_signed(&e, "revoke", false, json);
        return ACCORD_EXIT_OK;
    }
    if (!changed) {
        fprintf(stderr, "accordctl: %s's key is revoked and a revocation is final: make the node a new key "
                        "('accordctl node init' in a new directory) and enroll that\n", e.name);
        return ACCORD_EXIT_OTHER;
    }
    print_signed(&e, action == ROSTER_ENROLL ? "enroll" : "revoke", true, json);
    return ACCORD_EXIT_OK;
}

int ctl_enroll(const ctl_args_t *a)
{
    return roster_sign(a, ROSTER_ENROLL);
}

int ctl_revoke(const ctl_args_t *a)
{
    return roster_sign(a, ROSTER_REVOKE);
}

typedef struct {
    bool json; /* --json: a list of objects */
    int n;     /* entries printed so far */
} listing_t;

static int print_entry(void *ctx, const uint8_t *signed_entry, size_t len, const roster_entry_t *e)
{
    (void)signed_entry;
    (void)len;
    listing_t *l = ctx;
    int *n = &l->n;
    char pk[2 * CRYPTO_PK_LEN + 1], origin_hex[2 * CRYPTO_ORIGIN_LEN + 1], when[32];
    uint8_t origin[CRYPTO_ORIGIN_LEN];
    crypto_hex(e->pk, CRYPTO_PK_LEN, pk);
    crypto_origin_of(e->pk, origin);
    crypto_hex(origin, sizeof origin, origin_hex);
    hlc_format(e->issued_ms << 16, when, sizeof when);
    const char *state = e->action == ROSTER_REVOKE ? "revoked" : "enrolled";
    if (l->json) {
        printf("%s{\"name\":", (*n)++ ? "," : "");
        output_json_string(stdout, e->name);
        printf(",\"role\":");
        output_json_string(stdout, e->role);
        printf(",\"region\":");
        output_json_string(stdout, e->region);
        printf(",\"state\":\"%s\",\"since\":", state);
        output_json_string(stdout, when);
        printf(",\"origin\":\"%s\",\"public_key\":\"%s\"}", origin_hex, pk);
    } else {
        output_aligned(stdout, e->name, 20); /* names and regions may be Persian or Chinese */
        printf(" %-7s ", e->role);
        output_aligned(stdout, e->region[0] ? e->region : "-", 12);
        printf(" %-9s %s  %s\n", state, when, origin_hex);
        (*n)++;
    }
    return 0;
}

int ctl_roster(const ctl_args_t *a)
{
    const char *dir = a->dir;
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(dir, &st, &id);
    if (rc) return rc;
    store_txn_t *t = NULL;
    listing_t l = {a->json, 0};
    if ((rc = store_txn_begin(st, false, &t)) == 0) {
        uint8_t org[CRYPTO_PK_LEN];
        if (roster_org_pk(t, org) == ACCORD_ENOTFOUND)
            fprintf(stderr, "accordctl: %s pins no org key, so it trusts no roster (node init --org-pub)\n", dir);
        if (a->json) printf("[");
        else printf("%-20s %-7s %-12s %-9s %-24s  %s\n", "NAME", "ROLE", "REGION", "STATE", "SINCE", "ORIGIN");
        rc = roster_each(t, print_entry, &l);
        if (a->json) printf("]\n");
        store_txn_abort(&t);
    }
    identity_destroy(&id);
    store_close(&st);
    if (rc) fprintf(stderr, "accordctl: cannot read the roster: %s\n", accord_strerror(rc));
    return rc ? ACCORD_EXIT_REFUSED : ACCORD_EXIT_OK;
}
