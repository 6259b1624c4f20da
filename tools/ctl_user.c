/* SPDX-License-Identifier: MIT
 * accordctl user and branch: the org's users and branches, records that replicate
 * (server/auth/people.h), made and changed through the running node's API so they enter
 * its feed; the OS accounts of this machine mapped to users (server/auth/osmap.h); and the
 * node's local users of older versions (server/auth/users.h, `user add --name` without
 * --login). A password is read from the first line of standard input, never from the
 * command line (where other users of the machine could read it in the process list), and
 * hashed here (Argon2id): the node never sees it. */
#define _POSIX_C_SOURCE 200809L
#include "client/accord_client.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/schema.h"
#include "auth/osmap.h"
#include "auth/people.h"
#include "auth/users.h"
#include "state/entity.h"
#include "state/index.h"

#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* ---- local users (before the org had users) ---- */

typedef struct {
    bool json;  /* --json: a list of {name, role} */
    bool first; /* nothing printed yet */
} listing_t;

static int print_local_user(void *ctx, const char *name, user_role_t role)
{
    listing_t *l = ctx;
    if (l->json) {
        printf("%s{\"name\":", l->first ? "" : ",");
        output_json_string(stdout, name);
        printf(",\"role\":\"%s\",\"local\":true}", user_role_name(role));
    } else {
        output_aligned(stdout, name, 24);
        printf(" %s (a local user of this node)\n", user_role_name(role));
    }
    l->first = false;
    return 0;
}

static int read_password(char *out, size_t cap)
{
    if (!fgets(out, (int)cap, stdin)) {
        fprintf(stderr, "accordctl: give the password on the first line of standard input\n");
        return ACCORD_EXIT_USAGE;
    }
    out[strcspn(out, "\r\n")] = 0;
    return 0;
}

static int local_user_cmd(const ctl_args_t *a, bool add)
{
    const char *dir = a->dir, *name = ctl_opt(a, "name"), *role_s = ctl_opt(a, "role");
    if (!dir || !name) {
        ctl_usage(stderr, a->verb);
        return ACCORD_EXIT_USAGE;
    }
    int role = role_s ? user_role_by_name(role_s) : USER_MANAGER;
    if (role < 0) {
        fprintf(stderr, "accordctl: --role: manager (reads), staff (works with records) or admin\n");
        return ACCORD_EXIT_USAGE;
    }
    char password[USER_PASSWORD_MAX + 2] = "";
    int rc;
    if (add && (rc = read_password(password, sizeof password))) return rc;
    store_t *st = NULL;
    identity_t *id = NULL;
    if ((rc = ctl_open_node_writable(dir, &st, &id))) {
        sodium_memzero(password, sizeof password);
        return rc;
    }
    store_txn_t *t;
    char err[200] = "";
    int exit_code = ACCORD_EXIT_OK;
    if ((rc = store_txn_begin(st, true, &t))) {
        fprintf(stderr, "accordctl: cannot open the store: %s\n", accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
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
            printf(",\"action\":\"%s\",\"local\":true", add ? "add" : "remove");
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

/* ---- calls to the node ---- */

/* Runs verb on the node in dir with args (the caller's ACCORD_USER, if set, goes along: the
 * node refuses it unless it is who this OS account is). Prints the reply as --json asks,
 * or says what failed; the exit code. */
static int node_call(const ctl_args_t *a, const char *verb, accord_args_t *args, accord_reply_t *r)
{
    accord_client_t *c = NULL;
    int rc = accord_client_new(a->dir, 30000, &c);
    if (rc) {
        fprintf(stderr, "accordctl: cannot reach the node on %s (%s): users and branches are records, made by the "
                        "running node; start it first\n",
                a->dir, accord_strerror(rc));
        memset(r, 0, sizeof *r);
        msgpack_unpacked_init(&r->msg);
        return ACCORD_EXIT_UNREACHABLE;
    }
    const char *who = getenv("ACCORD_USER");
    if (who) accord_args_str(args, "user", who);
    else if (getenv("USER")) accord_args_str(args, "user_default", getenv("USER"));
    rc = accord_call(c, verb, args, r);
    accord_client_destroy(&c);
    if (rc) {
        if (a->json) {
            printf("{\"error\":\"%s\",\"code\":%d,\"message\":", accord_errname(rc), rc);
            output_json_string(stdout, r->message[0] ? r->message : accord_strerror(rc));
            printf("}\n");
        }
        fprintf(stderr, "accordctl: %s (%s)\n", r->message[0] ? r->message : accord_strerror(rc), accord_errname(rc));
        return rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT ? ACCORD_EXIT_UNREACHABLE
               : rc == ACCORD_EINVAL                      ? ACCORD_EXIT_USAGE
                                                          : ACCORD_EXIT_REFUSED;
    }
    if (a->json) output_json(stdout, &r->body);
    return ACCORD_EXIT_OK;
}

/* Splits a comma-separated option into args as a list under key. */
static void list_arg(accord_args_t *args, const char *key, const char *csv)
{
    if (!csv) return;
    char copy[2048];
    snprintf(copy, sizeof copy, "%s", csv);
    const char *vals[64];
    unsigned n = 0;
    for (char *save = NULL, *p = strtok_r(copy, ",", &save); p && n < 64; p = strtok_r(NULL, ",", &save)) {
        while (*p == ' ') p++;
        if (*p) vals[n++] = p;
    }
    accord_args_strv(args, key, vals, n);
}

/* --role R with --org, --region NAME or --branch NODE: one grant, "R org" and so on. */
static int one_grant(const ctl_args_t *a, char *out, size_t cap)
{
    const char *role = ctl_opt(a, "role"), *region = ctl_opt(a, "region"), *branch = ctl_opt(a, "branch");
    bool org = ctl_flag(a, "org");
    out[0] = 0;
    if (!role) return 0;
    if ((org + !!region + !!branch) != 1) {
        fprintf(stderr, "accordctl: --role %s: say where with one of --org, --region NAME or --branch NODE\n", role);
        return ACCORD_EXIT_USAGE;
    }
    snprintf(out, cap, "%s %s%s%s", role, org ? "org" : region ? "region" : "branch", org ? "" : " ",
             org ? "" : region ? region : branch);
    schema_grant_t g;
    if (schema_grant_parse(out, strlen(out), &g)) {
        fprintf(stderr, "accordctl: --role: staff, manager or admin\n");
        return ACCORD_EXIT_USAGE;
    }
    return 0;
}

static int hash_from_stdin(char *hash, size_t cap)
{
    char password[USER_PASSWORD_MAX + 2], err[160];
    int rc = read_password(password, sizeof password);
    if (rc) return rc;
    rc = users_hash_password(password, hash, cap, err, sizeof err);
    sodium_memzero(password, sizeof password);
    if (rc) {
        fprintf(stderr, "accordctl: %s\n", err);
        return ACCORD_EXIT_USAGE;
    }
    return 0;
}

int ctl_user_add(const ctl_args_t *a)
{
    const char *login = ctl_opt(a, "login");
    if (!login) return local_user_cmd(a, true); /* --name NAME: a local user, as before */
    if (!a->dir) {
        ctl_usage(stderr, a->verb);
        return ACCORD_EXIT_USAGE;
    }
    char grant[128], hash[crypto_pwhash_STRBYTES];
    int rc;
    if ((rc = one_grant(a, grant, sizeof grant))) return rc;
    if (!grant[0] && !ctl_opt(a, "roles")) {
        fprintf(stderr, "accordctl: give the user a role: --role staff|manager|admin with --org, --region NAME or "
                        "--branch NODE (or --roles \"staff branch NODE,...\")\n");
        return ACCORD_EXIT_USAGE;
    }
    if ((rc = hash_from_stdin(hash, sizeof hash))) return rc;
    accord_args_t args;
    accord_args_init(&args);
    accord_args_str(&args, "login", login);
    if (ctl_opt(a, "name")) accord_args_str(&args, "name", ctl_opt(a, "name"));
    accord_args_str(&args, "password_hash", hash);
    char roles[2048];
    snprintf(roles, sizeof roles, "%s%s%s", grant, grant[0] && ctl_opt(a, "roles") ? "," : "",
             ctl_opt(a, "roles") ? ctl_opt(a, "roles") : "");
    list_arg(&args, "roles", roles);
    list_arg(&args, "languages", ctl_opt(a, "languages"));
    accord_reply_t r;
    int exit_code = node_call(a, "user_add", &args, &r);
    if (!exit_code && !a->json) {
        char id[64];
        printf("user %s (%s) made; it reaches every node as the records replicate\n", login,
               accord_obj_str(&r.body, "id", id, sizeof id));
    }
    accord_reply_destroy(&r);
    accord_args_destroy(&args);
    return exit_code;
}

int ctl_user_set(const ctl_args_t *a)
{
    const char *login = ctl_opt(a, "login");
    if (!a->dir || !login) {
        ctl_usage(stderr, a->verb);
        return ACCORD_EXIT_USAGE;
    }
    if (ctl_flag(a, "disable") && ctl_flag(a, "enable")) {
        fprintf(stderr, "accordctl: --disable or --enable, not both\n");
        return ACCORD_EXIT_USAGE;
    }
    char grant[128], hash[crypto_pwhash_STRBYTES];
    int rc;
    if ((rc = one_grant(a, grant, sizeof grant))) return rc;
    accord_args_t args;
    accord_args_init(&args);
    accord_args_str(&args, "login", login);
    if (ctl_opt(a, "name")) accord_args_str(&args, "name", ctl_opt(a, "name"));
    if (ctl_flag(a, "password")) {
        if ((rc = hash_from_stdin(hash, sizeof hash))) {
            accord_args_destroy(&args);
            return rc;
        }
        accord_args_str(&args, "password_hash", hash);
    }
    if (ctl_flag(a, "disable") || ctl_flag(a, "enable")) accord_args_bool(&args, "disabled", ctl_flag(a, "disable"));
    char roles[2048];
    snprintf(roles, sizeof roles, "%s%s%s", grant, grant[0] && ctl_opt(a, "grant") ? "," : "",
             ctl_opt(a, "grant") ? ctl_opt(a, "grant") : "");
    if (roles[0]) list_arg(&args, "add_roles", roles);
    list_arg(&args, "remove_roles", ctl_opt(a, "revoke"));
    accord_reply_t r;
    int exit_code = node_call(a, "user_set", &args, &r);
    if (!exit_code && !a->json) printf("user %s changed\n", login);
    accord_reply_destroy(&r);
    accord_args_destroy(&args);
    return exit_code;
}

int ctl_user_remove(const ctl_args_t *a)
{
    return local_user_cmd(a, false);
}

/* ---- lists, read from the store (the node need not run) ---- */

/* A node's store opened to read, in one read transaction. */
typedef struct {
    store_t *st;
    identity_t *id;
    store_txn_t *t;
} reading_t;

static int reading_open(const ctl_args_t *a, reading_t *r)
{
    memset(r, 0, sizeof *r);
    int rc = ctl_open_node(a->dir, &r->st, &r->id);
    if (rc) return rc;
    if ((rc = store_txn_begin(r->st, false, &r->t))) {
        fprintf(stderr, "accordctl: cannot open the store: %s\n", accord_strerror(rc));
        identity_destroy(&r->id);
        store_close(&r->st);
        return ACCORD_EXIT_OTHER;
    }
    return 0;
}

static void reading_close(reading_t *r)
{
    store_txn_abort(&r->t);
    identity_destroy(&r->id);
    store_close(&r->st);
}

/* Calls fn for each live record of kind in field's order, a page at a time. */
static int each_in_order(store_txn_t *t, unsigned kind, unsigned field, void (*fn)(void *ctx, const uint8_t id[ID_LEN]),
                         void *ctx)
{
    uint8_t ids[256][ID_LEN];
    uint64_t total = 0, offset = 0;
    index_query_t q = {.kind = kind, .field = field};
    for (;;) {
        int n = index_page(t, &q, offset, 256, ids, &total);
        if (n < 0) return n;
        for (int i = 0; i < n; i++) fn(ctx, ids[i]);
        offset += (uint64_t)n;
        if (n == 0 || offset >= total) return 0;
    }
}

static void print_person(const person_t *p, bool json, bool first)
{
    if (json) {
        printf("%s{\"login\":", first ? "" : ",");
        output_json_string(stdout, p->login);
        printf(",\"name\":");
        output_json_string(stdout, p->name);
        printf(",\"home\":");
        output_json_string(stdout, p->home);
        printf(",\"disabled\":%s,\"roles\":[", p->disabled ? "true" : "false");
    } else {
        output_aligned(stdout, p->login, 24);
        printf(" %s%s", p->disabled ? "DISABLED " : "", p->name);
        printf("  [");
    }
    bool any = false;
    for (unsigned i = 0; i < p->n; i++) {
        if (!p->grants[i].present) continue;
        char g[96];
        schema_grant_format(&p->grants[i].g, g, sizeof g);
        if (json) {
            printf(any ? "," : "");
            output_json_string(stdout, g);
        } else {
            printf("%s%s", any ? ", " : "", g);
        }
        any = true;
    }
    printf(json ? "]}" : "]\n");
}

typedef struct {
    store_txn_t *t;
    bool json, first;
} people_listing_t;

static void list_person(void *ctx, const uint8_t id[ID_LEN])
{
    people_listing_t *l = ctx;
    person_t p;
    if (people_load(l->t, id, &p)) return;
    print_person(&p, l->json, l->first);
    l->first = false;
}

int ctl_user_list(const ctl_args_t *a)
{
    reading_t r;
    int rc = reading_open(a, &r);
    if (rc) return rc;
    if (a->json) printf("[");
    people_listing_t pl = {r.t, a->json, true};
    rc = each_in_order(r.t, KIND_USER, F_US_LOGIN, list_person, &pl);
    listing_t l = {a->json, pl.first};
    if (!rc) rc = users_each(r.t, print_local_user, &l);
    if (a->json) printf("]\n");
    if (rc) fprintf(stderr, "accordctl: cannot read the users: %s\n", accord_strerror(rc));
    reading_close(&r);
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

/* ---- OS accounts ---- */

static int uid_of(const char *account, uint32_t *uid)
{
    struct passwd pw, *found = NULL;
    char buf[1024], *end;
    if (getpwnam_r(account, &pw, buf, sizeof buf, &found) == 0 && found) {
        *uid = (uint32_t)pw.pw_uid;
        return 0;
    }
    unsigned long v = strtoul(account, &end, 10);
    if (*account && !*end && v <= UINT32_MAX) {
        *uid = (uint32_t)v;
        return 0;
    }
    fprintf(stderr, "accordctl: --os-user: this machine has no account '%s' (give a name or a uid)\n", account);
    return ACCORD_EXIT_USAGE;
}

static int map_cmd(const ctl_args_t *a, bool map)
{
    const char *account = ctl_opt(a, "os-user"), *login_in = ctl_opt(a, "login");
    if (!a->dir || !account || (map && !login_in)) {
        ctl_usage(stderr, a->verb);
        return ACCORD_EXIT_USAGE;
    }
    uint32_t uid;
    char login[SCHEMA_LOGIN_MAX + 1] = "";
    int rc = uid_of(account, &uid);
    if (rc) return rc;
    if (map && schema_login_normalize(login_in, login, sizeof login)) {
        fprintf(stderr, "accordctl: --login: 1 to %d letters, digits, '.', '_', '-' or '@'\n", SCHEMA_LOGIN_MAX);
        return ACCORD_EXIT_USAGE;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    if ((rc = ctl_open_node_writable(a->dir, &st, &id))) return rc;
    store_txn_t *t;
    int exit_code = ACCORD_EXIT_OK;
    person_t p;
    if ((rc = store_txn_begin(st, true, &t))) {
        fprintf(stderr, "accordctl: cannot open the store: %s\n", accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
    } else if (map && people_find(t, login, strlen(login), &p)) {
        fprintf(stderr, "accordctl: the org has no user '%s' here yet (accordctl user list)\n", login);
        store_txn_abort(&t);
        exit_code = ACCORD_EXIT_REFUSED;
    } else {
        rc = map ? osmap_put(t, uid, login) : osmap_del(t, uid);
        if (rc) store_txn_abort(&t);
        else rc = store_txn_commit(&t);
        if (rc) {
            fprintf(stderr, "accordctl: %s\n", rc == ACCORD_ENOTFOUND ? "that OS account is not mapped" : accord_strerror(rc));
            exit_code = rc == ACCORD_ENOTFOUND ? ACCORD_EXIT_REFUSED : ACCORD_EXIT_OTHER;
        } else if (a->json) {
            printf("{\"os_user\":");
            output_json_string(stdout, account);
            printf(",\"uid\":%u,\"login\":", uid);
            if (map) output_json_string(stdout, login);
            else printf("null");
            printf("}\n");
        } else if (map) {
            printf("the OS account %s (uid %u) writes as %s on %s\n", account, uid, login, id->name);
        } else {
            printf("the OS account %s (uid %u) writes as no one on %s\n", account, uid, id->name);
        }
    }
    identity_destroy(&id);
    store_close(&st);
    return exit_code;
}

int ctl_user_map(const ctl_args_t *a) { return map_cmd(a, true); }
int ctl_user_unmap(const ctl_args_t *a) { return map_cmd(a, false); }

typedef struct {
    bool json, first;
} maps_t;

static int print_map(void *ctx, uint32_t uid, const char *login)
{
    maps_t *m = ctx;
    char account[64];
    osmap_account_name(uid, account, sizeof account);
    if (m->json) {
        printf("%s{\"os_user\":", m->first ? "" : ",");
        output_json_string(stdout, account);
        printf(",\"uid\":%u,\"login\":", uid);
        output_json_string(stdout, login);
        printf("}");
    } else {
        output_aligned(stdout, account, 24);
        printf(" %s\n", login);
    }
    m->first = false;
    return 0;
}

int ctl_user_maps(const ctl_args_t *a)
{
    reading_t r;
    int rc = reading_open(a, &r);
    if (rc) return rc;
    maps_t m = {a->json, true};
    if (a->json) printf("[");
    rc = osmap_each(r.t, print_map, &m);
    if (a->json) printf("]\n");
    if (rc) fprintf(stderr, "accordctl: cannot read the store: %s\n", accord_strerror(rc));
    reading_close(&r);
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

/* ---- branches ---- */

int ctl_branch_set(const ctl_args_t *a)
{
    const char *node = ctl_opt(a, "node");
    if (!a->dir || !node) {
        ctl_usage(stderr, a->verb);
        return ACCORD_EXIT_USAGE;
    }
    accord_args_t args;
    accord_args_init(&args);
    accord_args_str(&args, "node", node);
    static const char *const keys[] = {"code", "name", "region", "timezone", "currency", "calendar"};
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (ctl_opt(a, keys[i])) accord_args_str(&args, keys[i], ctl_opt(a, keys[i]));
    accord_reply_t r;
    int exit_code = node_call(a, "branch_set", &args, &r);
    if (!exit_code && !a->json) printf("branch %s saved\n", node);
    accord_reply_destroy(&r);
    accord_args_destroy(&args);
    return exit_code;
}

typedef struct {
    store_txn_t *t;
    bool json, first;
} branch_listing_t;

static void list_branch(void *ctx, const uint8_t id[ID_LEN])
{
    branch_listing_t *l = ctx;
    static const struct { const char *key; unsigned field; } cols[] = {
        {"node", F_BR_NODE}, {"code", F_BR_CODE}, {"name", F_BR_NAME}, {"region", F_BR_REGION},
        {"timezone", F_BR_TIMEZONE}, {"currency", F_BR_CURRENCY}, {"calendar", F_BR_CALENDAR},
    };
    const unsigned n = sizeof cols / sizeof cols[0];
    if (l->json) printf("%s{", l->first ? "" : ",");
    for (unsigned c = 0; c < n; c++) {
        size_t len;
        const char *s = entity_text(l->t, id, cols[c].field, &len);
        char v[256];
        snprintf(v, sizeof v, "%.*s", s ? (int)len : 0, s ? s : "");
        if (l->json) {
            printf("%s\"%s\":", c ? "," : "", cols[c].key);
            output_json_string(stdout, v);
        } else {
            output_aligned(stdout, v[0] ? v : "-", c == 2 ? 24 : 12);
            printf(c + 1 < n ? " " : "\n");
        }
    }
    if (l->json) printf("}");
    l->first = false;
}

int ctl_branch_list(const ctl_args_t *a)
{
    reading_t r;
    int rc = reading_open(a, &r);
    if (rc) return rc;
    branch_listing_t l = {r.t, a->json, true};
    if (a->json) printf("[");
    rc = each_in_order(r.t, KIND_BRANCH, F_BR_NODE, list_branch, &l);
    if (a->json) printf("]\n");
    if (rc) fprintf(stderr, "accordctl: cannot read the branches: %s\n", accord_strerror(rc));
    reading_close(&r);
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}
