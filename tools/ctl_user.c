/* SPDX-License-Identifier: MIT
 * accordctl user: who may sign in to the node's web pages (server/users.h). The password
 * is read from the first line of standard input, never from the command line (where
 * other users of the machine could read it in the process list). */
#define _POSIX_C_SOURCE 200809L
#include "client/output.h"
#include "proto/accord_err.h"
#include "auth/users.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

typedef struct {
    bool json;  /* --json: a list of {name, role} */
    bool first; /* nothing printed yet */
} listing_t;

static int print_user(void *ctx, const char *name, user_role_t role)
{
    listing_t *l = ctx;
    if (l->json) {
        printf("%s{\"name\":", l->first ? "" : ",");
        output_json_string(stdout, name);
        printf(",\"role\":\"%s\"}", user_role_name(role));
    } else {
        output_aligned(stdout, name, 24);
        printf(" %s\n", user_role_name(role));
    }
    l->first = false;
    return 0;
}

typedef enum { USER_ADD, USER_REMOVE, USER_LIST } user_verb_t;

static int user_cmd(const ctl_args_t *a, user_verb_t verb)
{
    const char *dir = a->dir, *name = ctl_opt(a, "name"), *role_s = ctl_opt(a, "role");
    bool add = verb == USER_ADD, rm = verb == USER_REMOVE, list = verb == USER_LIST;
    if ((!add && !rm && !list) || ((add || rm) && !name)) {
        fprintf(stderr, "usage: accordctl user add --data DIR --name NAME [--role manager|staff|admin] < password-file\n"
                        "       accordctl user remove --data DIR --name NAME\n"
                        "       accordctl user list --data DIR\n");
        return ACCORD_EXIT_USAGE;
    }
    int role = role_s ? user_role_by_name(role_s) : USER_MANAGER;
    if (role < 0) {
        fprintf(stderr, "accordctl: --role: manager (reads), staff (works with records) or admin\n");
        return ACCORD_EXIT_USAGE;
    }
    char password[USER_PASSWORD_MAX + 2] = "";
    if (add) {
        if (!fgets(password, sizeof password, stdin)) {
            fprintf(stderr, "accordctl: give the password on the first line of standard input\n");
            return ACCORD_EXIT_USAGE;
        }
        password[strcspn(password, "\r\n")] = 0;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = list ? ctl_open_node(dir, &st, &id) : ctl_open_node_writable(dir, &st, &id);
    if (rc) {
        sodium_memzero(password, sizeof password);
        return rc;
    }
    store_txn_t *t;
    char err[200] = "";
    int exit_code = ACCORD_EXIT_OK;
    if ((rc = store_txn_begin(st, !list, &t))) {
        fprintf(stderr, "accordctl: cannot open the store: %s\n", accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
    } else if (list) {
        listing_t l = {a->json, true};
        if (a->json) printf("[");
        rc = users_each(t, print_user, &l);
        if (a->json) printf("]\n");
        store_txn_abort(&t);
    } else {
        rc = add ? users_put(t, name, (user_role_t)role, password, err, sizeof err) : users_remove(t, name);
        if (rc) store_txn_abort(&t);
        else rc = store_txn_commit(&t);
        if (rc) {
            fprintf(stderr, "accordctl: %s\n", err[0] ? err : rc == ACCORD_ENOTFOUND ? "no such user" : accord_strerror(rc));
            exit_code = rc == ACCORD_EINVAL || rc == ACCORD_ENOTFOUND ? ACCORD_EXIT_USAGE : ACCORD_EXIT_OTHER;
        } else if (a->json) {
            printf("{\"name\":");
            output_json_string(stdout, name);
            printf(",\"action\":\"%s\"", add ? "add" : "remove");
            if (add) printf(",\"role\":\"%s\"", user_role_name((user_role_t)role));
            printf("}\n");
        } else {
            printf(add ? "user %s (%s) can sign in to %s's pages\n" : "user %s removed from %s\n", name,
                   add ? user_role_name((user_role_t)role) : id->name, id->name);
        }
    }
    sodium_memzero(password, sizeof password);
    identity_destroy(&id);
    store_close(&st);
    return exit_code;
}

int ctl_user_add(const ctl_args_t *a) { return user_cmd(a, USER_ADD); }
int ctl_user_remove(const ctl_args_t *a) { return user_cmd(a, USER_REMOVE); }
int ctl_user_list(const ctl_args_t *a) { return user_cmd(a, USER_LIST); }
