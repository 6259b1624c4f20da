/* SPDX-License-Identifier: MIT
 * accordctl epoch new: the operator's way out of a rejoin that cannot happen (the hub is
 * out of reach, or lost): the node takes a new key, so its feed starts again at seq 1
 * under a new origin and cannot collide with what the hub holds of the old one. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "proto/datadir.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "repl/rejoin.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int ctl_epoch_new(const ctl_args_t *a)
{
    const char *dir = a->dir;
    store_t *st = NULL;
    identity_t *id = NULL;
    int lock_fd, rc = ctl_lock_stopped_node(dir, "first", &lock_fd); /* held until the key is switched */
    if (rc) return rc;
    if ((rc = ctl_open_node_writable(dir, &st, &id))) {
        close(lock_fd);
        return rc;
    }
    int exit_code = ACCORD_EXIT_OK;
    char err[512] = "";
    uint8_t new_pk[CRYPTO_PK_LEN], old_origin[CRYPTO_ORIGIN_LEN];
    memcpy(old_origin, id->origin, sizeof old_origin);
    bool restored = rejoin_pending(st);
    store_txn_t *t = NULL;
    if (!restored && !ctl_flag(a, "force")) {
        fprintf(stderr, "accordctl: this node is not waiting to rejoin; a new epoch gives it a new key that the org "
                        "must enroll again. Add --force if that is what you want\n");
        exit_code = ACCORD_EXIT_USAGE;
    } else if ((rc = store_txn_begin(st, true, &t)) || (rc = identity_prepare_epoch(dir, t, new_pk, err, sizeof err)) ||
               (rc = rejoin_mark(t, false)) || (rc = store_txn_commit(&t)) ||
               (rc = identity_switch_key(dir, old_origin, err, sizeof err))) {
        store_txn_abort(&t);
        fprintf(stderr, "accordctl: cannot start a new epoch: %s\n", err[0] ? err : accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
    }
    if (!exit_code) {
        char pk_hex[2 * CRYPTO_PK_LEN + 1], old_hex[2 * CRYPTO_ORIGIN_LEN + 1], new_hex[2 * CRYPTO_ORIGIN_LEN + 1];
        uint8_t new_origin[CRYPTO_ORIGIN_LEN];
        crypto_hex(new_pk, sizeof new_pk, pk_hex);
        crypto_hex(old_origin, sizeof old_origin, old_hex);
        crypto_origin_of(new_pk, new_origin);
        crypto_hex(new_origin, sizeof new_origin, new_hex);
        if (a->json) {
            printf("{\"node\":");
            output_json_string(stdout, id->name);
            printf(",\"public_key\":\"%s\",\"origin\":\"%s\",\"old_origin\":\"%s\"}\n", pk_hex, new_hex, old_hex);
        } else {
            printf("node %s starts a new feed epoch: new public key %s (origin %.12s); its old feed (origin %.12s) "
                   "stays valid, signed by the old key, kept as %s/%s.%s.\n"
                   "It accepts changes now. Before it can sync, enroll the new key at the hub:\n"
                   "  accordctl enroll --data HUB_DIR --org-key ORG_KEY --node-pub %s --name %s --role %s\n"
                   "Once the hub holds all of the old feed, revoke the old key: until then it holds the\n"
                   "compaction horizon back ('accordctl horizon').\n",
                   id->name, pk_hex, new_hex, old_hex, dir, datadir_file_name(DATADIR_KEY), old_hex, pk_hex, id->name, id->role);
        }
    }
    identity_destroy(&id);
    store_close(&st);
    close(lock_fd);
    return exit_code;
}
