/* SPDX-License-Identifier: MIT
 * accordctl node init / node show: a node's Ed25519 identity and its empty store, made
 * once; what it is afterwards. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/record.h"
#include "state/index.h"
#include "state/kpi.h"

#include <stdio.h>
#include <string.h>

/* A new store's report counters and index are this version's (none yet): noted, so that reports
 * read at a node that was never started (a bundle imported while stopped) are not refused
 * as an older version's (kpi_current). */
static int note_counters_version(const char *dir)
{
    store_t *st = NULL;
    store_txn_t *t = NULL;
    int rc = store_open(dir, 0, &st);
    if (!rc && !(rc = store_txn_begin(st, true, &t))) {
        if ((rc = kpi_note_version(t)) || (rc = index_note_version(t))) store_txn_abort(&t);
        else rc = store_txn_commit(&t);
    }
    store_close(&st);
    if (rc) fprintf(stderr, "accordctl: cannot write the new store in %s: %s\n", dir, accord_strerror(rc));
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

int ctl_node_init(const ctl_args_t *a)
{
    const char *name = ctl_opt(a, "name"), *role = ctl_opt(a, "role");
    if (!a->dir || !name) {
        fprintf(stderr, "usage: accordctl node init --data DIR --name NAME [--role branch|hub]\n");
        return ACCORD_EXIT_USAGE;
    }
    const char *org_hex = ctl_opt(a, "org-pub");
    uint8_t org_pk[CRYPTO_PK_LEN];
    if (org_hex && crypto_unhex(org_hex, org_pk, sizeof org_pk)) {
        fprintf(stderr, "accordctl: --org-pub takes the org public key: 64 hex digits (from 'accordctl org init')\n");
        return ACCORD_EXIT_USAGE;
    }
    char err[512];
    int rc = identity_create(a->dir, name, role ? role : "branch", err, sizeof err);
    if (rc) {
        fprintf(stderr, "accordctl: %s\n", err);
        return rc == ACCORD_EINVAL ? ACCORD_EXIT_USAGE : ACCORD_EXIT_UNREACHABLE;
    }
    if ((rc = note_counters_version(a->dir))) return rc;
    if (org_hex && (rc = ctl_org_pin(a->dir, org_pk))) return rc;
    return a->json ? ctl_node_show(a) : ACCORD_EXIT_OK; /* --json: the new node, as node show prints it */
}

static void print_node(const identity_t *id, bool json)
{
    char origin[2 * ID_LEN + 1], pk[2 * CRYPTO_PK_LEN + 1];
    crypto_hex(id->origin, ID_LEN, origin);
    crypto_hex(id->pk, CRYPTO_PK_LEN, pk);
    if (json) {
        printf("{\"name\":");
        output_json_string(stdout, id->name);
        printf(",\"role\":");
        output_json_string(stdout, id->role);
        printf(",\"origin\":\"%s\",\"public_key\":\"%s\"}\n", origin, pk);
    } else
        printf("name        %s\nrole        %s\norigin      %s\npublic key  %s\n", id->name, id->role, origin, pk);
}

int ctl_node_show(const ctl_args_t *a)
{
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(a->dir, &st, &id);
    if (rc) return rc;
    print_node(id, a->json);
    identity_destroy(&id);
    store_close(&st);
    return ACCORD_EXIT_OK;
}
