/* SPDX-License-Identifier: MIT
 * http_password: passwords typed on the pages. Each is checked against the rules and hashed
 * here, on the MHD thread (Argon2id, users_hash_password), and only its hash goes on to the
 * node's API through the bridge's client: the node's socket never carries a password, and
 * no hash made by a browser is ever taken (http_bridge.c refuses password_hash).
 *
 *   POST /api/password        current, password, again: the signed-in user's own password
 *                             (user_set {login: self, password_hash}). The change ends the
 *                             user's other sessions on every node (http_people_session_valid
 *                             compares the password's version); this one is replaced by a
 *                             fresh session, whose cookie and CSRF token the answer carries.
 *   POST /api/users/add       login, name, password, role: an admin makes a user (user_add)
 *   POST /api/users/password  login, password: an admin resets another user's password
 *
 * Whether the author may make the change is the node's judgement (people_admit); its EPERM
 * message is the answer. A refusal made here says why in "reason" too, a fixed word the
 * pages translate. Before the org has users (the node's local users), all three answer 409. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "http/http_parse.h"
#include "common/log.h"
#include "proto/accord_err.h"
#include "proto/json.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A form field that may hold a password: room for any value a body can hold, so that one
 * too long is told from one not sent. */
#define FIELD_MAX (HTTP_MAX_BODY + 1)

static enum MHD_Result refuse(struct MHD_Connection *c, unsigned status, const char *code, const char *reason,
                              const char *msg)
{
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f) return MHD_NO;
    fputs("{\"error\":", f);
    json_write_cstr(f, code);
    fputs(",\"reason\":", f);
    json_write_cstr(f, reason);
    fputs(",\"message\":", f);
    json_write_cstr(f, msg);
    fputs("}\n", f);
    fclose(f);
    enum MHD_Result ret = http_respond(c, status, "application/json", body, len, NULL, NULL);
    free(body);
    return ret;
}

static enum MHD_Result before_org_users(struct MHD_Connection *c)
{
    return refuse(c, MHD_HTTP_CONFLICT, "EREADONLY", "local_users",
                  "this node signs in its own local users (the org has no users yet): a local user's password is "
                  "changed on the node's machine with 'accordctl user add --data DIR --name NAME --role ROLE', "
                  "which replaces it");
}

/* The form field name into out (FIELD_MAX bytes); false if it was not sent. */
static bool field(const http_upload_t *u, const char *name, char *out)
{
    return !u->too_big && http_form_value(u->body, u->len, name, out, FIELD_MAX);
}

/* The Argon2id hash of a new password into hash (crypto_pwhash_STRBYTES), or the refusal
 * of one outside the rules in *ret. */
static bool hash_new_password(struct MHD_Connection *c, const char *password, char *hash, size_t cap,
                              enum MHD_Result *ret)
{
    size_t n = strlen(password);
    char msg[160];
    if (n < USER_PASSWORD_MIN || n > USER_PASSWORD_MAX) {
        snprintf(msg, sizeof msg, "password: %d to %d characters (bytes of UTF-8)", USER_PASSWORD_MIN, USER_PASSWORD_MAX);
        *ret = refuse(c, MHD_HTTP_BAD_REQUEST, "EINVAL", n < USER_PASSWORD_MIN ? "short" : "long", msg);
        return false;
    }
    char err[160];
    int rc = users_hash_password(password, hash, cap, err, sizeof err);
    if (rc) *ret = refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, accord_errname(rc), "hash", err);
    return rc == 0;
}

/* Calls verb as the session's user and answers with the node's reply. */
static enum MHD_Result call_as(http_t *h, const http_req_t *r, const char *verb, accord_args_t *args)
{
    accord_args_str(args, "user", r->s->user);
    accord_reply_t rep;
    int rc = http_node_call(h, verb, args, &rep);
    enum MHD_Result ret = http_node_reply(r->c, rc, &rep);
    accord_reply_destroy(&rep);
    return ret;
}

/* Only an admin makes users or resets passwords: asked here too, so that a staff member's
 * tries cost no Argon2id hash (the node would refuse them the same way). */
static bool admin_only(http_t *h, const http_req_t *r, enum MHD_Result *ret)
{
    if (r->s->role == USER_ADMIN) return true;
    http_note_refusal(h, r->c, r->s, r->url);
    *ret = refuse(r->c, MHD_HTTP_FORBIDDEN, "EPERM", "not_admin", "only an admin makes users and resets their passwords");
    return false;
}

/* The signed-in user's session after their own password changed to hash: the old one ends
 * (its CSRF token with it) and a fresh one, of the new password's version, takes its place. */
static enum MHD_Result fresh_session(http_t *h, const http_req_t *r, const char *hash)
{
    char user[USER_NAME_MAX + 1];
    snprintf(user, sizeof user, "%s", r->s->user);
    user_role_t role = r->s->role;
    uint64_t version = http_people_password_version(h, user, hash);
    if (!version) log_warn("dashboard: %s's new password is not the one stored now: the session will end", user);
    sodium_memzero(r->s, sizeof *r->s);
    http_session_t *s = http_session_new(h, user, role, version);
    char cookie[160], body[96];
    http_session_cookie(s, cookie, sizeof cookie);
    int n = snprintf(body, sizeof body, "{\"ok\":true,\"csrf\":\"%s\"}\n", s->csrf); /* hex */
    log_info("dashboard: %s changed their password", user);
    return http_respond(r->c, MHD_HTTP_OK, "application/json", body, (size_t)n, cookie, NULL);
}

enum MHD_Result http_route_password(http_t *h, const http_req_t *r)
{
    struct MHD_Connection *c = r->c;
    if (r->s->bearer)
        return refuse(c, MHD_HTTP_FORBIDDEN, "EAUTH", "token",
                      "a password is changed by its user, signed in on the page, not with a token");
    if (!http_people_on(h)) return before_org_users(c);
    char current[FIELD_MAX], password[FIELD_MAX], again[FIELD_MAX];
    char hash[crypto_pwhash_STRBYTES], address[TOKEN_ADDRESS_MAX + 1];
    enum MHD_Result ret;
    if (!field(r->u, "current", current) || !field(r->u, "password", password)) {
        ret = refuse(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "form", "give current (the password now), password and again");
        goto done;
    }
    if (field(r->u, "again", again) && strcmp(again, password)) {
        ret = refuse(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "mismatch", "again: type the new password twice, the same");
        goto done;
    }
    /* the current password is a sign-in's secret: guessing it is throttled as signing in is,
     * and costs no more (the new one is hashed only once the current one is right) */
    http_client_address(c, address, sizeof address);
    uint64_t wait_ms = http_signin_wait_ms(h, r->s->user, address);
    if (wait_ms) {
        char retry[24];
        snprintf(retry, sizeof retry, "%llu", (unsigned long long)((wait_ms + 999) / 1000));
        ret = http_json_error_with_header(c, MHD_HTTP_TOO_MANY_REQUESTS, "EAUTH",
                                          "too many wrong passwords: try again later", "Retry-After", retry);
        goto done;
    }
    user_role_t role;
    uint64_t version;
    if (!http_check_user(h, r->s->user, current, &role, &version)) {
        http_signin_failed(h, r->s->user, address);
        ret = refuse(c, MHD_HTTP_FORBIDDEN, "EAUTH", "wrong_current",
                     "the current password is not right: type the one you signed in with");
        goto done;
    }
    if (!hash_new_password(c, password, hash, sizeof hash, &ret)) goto done;
    accord_args_t args;
    accord_args_init(&args);
    accord_args_str(&args, "login", r->s->user);
    accord_args_str(&args, "password_hash", hash);
    accord_args_str(&args, "user", r->s->user);
    accord_reply_t rep;
    int rc = http_node_call(h, "user_set", &args, &rep);
    accord_args_destroy(&args);
    ret = rc ? http_node_reply(c, rc, &rep) : fresh_session(h, r, hash);
    accord_reply_destroy(&rep);
done:
    sodium_memzero(current, sizeof current);
    sodium_memzero(password, sizeof password);
    sodium_memzero(again, sizeof again);
    return ret;
}

enum MHD_Result http_route_users_add(http_t *h, const http_req_t *r)
{
    struct MHD_Connection *c = r->c;
    enum MHD_Result ret;
    if (!http_people_on(h)) return before_org_users(c);
    if (!admin_only(h, r, &ret)) return ret;
    char login[FIELD_MAX], name[FIELD_MAX], password[FIELD_MAX], role[FIELD_MAX];
    char hash[crypto_pwhash_STRBYTES];
    if (!field(r->u, "login", login) || !field(r->u, "password", password) || !field(r->u, "role", role)) {
        ret = refuse(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "form",
                     "give login, password and role (e.g. 'staff branch NODE'); name is optional");
        goto done;
    }
    if (!hash_new_password(c, password, hash, sizeof hash, &ret)) goto done;
    accord_args_t args;
    accord_args_init(&args);
    accord_args_str(&args, "login", login);
    if (field(r->u, "name", name) && name[0]) accord_args_str(&args, "name", name);
    accord_args_str(&args, "password_hash", hash);
    accord_args_str(&args, "roles", role);
    ret = call_as(h, r, "user_add", &args);
    accord_args_destroy(&args);
done:
    sodium_memzero(password, sizeof password);
    return ret;
}

enum MHD_Result http_route_users_password(http_t *h, const http_req_t *r)
{
    struct MHD_Connection *c = r->c;
    enum MHD_Result ret;
    if (!http_people_on(h)) return before_org_users(c);
    if (!admin_only(h, r, &ret)) return ret;
    char login[FIELD_MAX], password[FIELD_MAX];
    char hash[crypto_pwhash_STRBYTES], mine[SCHEMA_LOGIN_MAX + 1], theirs[SCHEMA_LOGIN_MAX + 1];
    if (!field(r->u, "login", login) || !field(r->u, "password", password)) {
        ret = refuse(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "form", "give login (the user) and password (their new one)");
        goto done;
    }
    if (!schema_login_normalize(login, theirs, sizeof theirs) && !schema_login_normalize(r->s->user, mine, sizeof mine) &&
        !strcmp(mine, theirs)) {
        ret = refuse(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "self",
                     "your own password is changed with POST /api/password, which asks for the current one");
        goto done;
    }
    if (!hash_new_password(c, password, hash, sizeof hash, &ret)) goto done;
    accord_args_t args;
    accord_args_init(&args);
    accord_args_str(&args, "login", login);
    accord_args_str(&args, "password_hash", hash);
    ret = call_as(h, r, "user_set", &args);
    accord_args_destroy(&args);
done:
    sodium_memzero(password, sizeof password);
    return ret;
}
