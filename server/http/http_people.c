/* SPDX-License-Identifier: MIT
 * http_people: sign-in and sessions against the org's users (auth/people.h) once it has
 * any; before that, the node's local users (auth/users.h) as before. A session lasts only
 * while its user may still sign in here: disabled, a password set since, or no role left
 * here, and its next request finds it gone — on every node, as the change replicates. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "auth/people.h"

#include <string.h>

static user_role_t web_role(schema_role_t r)
{
    return r == ROLE_ADMIN ? USER_ADMIN : r == ROLE_STAFF ? USER_STAFF : USER_MANAGER;
}

static void place_of(http_t *h, store_txn_t *t, people_place_t *place, char *region, size_t cap)
{
    people_node_region(t, h->node, region, cap);
    *place = (people_place_t){h->node, region, h->hub};
}

int http_people_sign_in(http_t *h, const char *login, const char *password, user_role_t *role, uint64_t *pw_hlc)
{
    store_txn_t *t;
    if (store_txn_begin(h->st, false, &t)) return 0;
    if (!people_enforced(t, NULL)) {
        store_txn_abort(&t);
        return -1;
    }
    char region[65];
    person_t p;
    bool found = people_find_typed(t, login, &p) == 0;
    people_place_t place;
    place_of(h, t, &place, region, sizeof region);
    bool may = found && people_may_sign_in(&p, &place);
    if (may) *role = web_role(people_role_at(&p, &place)), *pw_hlc = p.hash_hlc;
    store_txn_abort(&t);
    bool ok = users_verify_hash(found ? p.hash : NULL, password); /* as long whether or not the user exists */
    return ok && may ? 1 : 0;
}

bool http_people_session_valid(http_t *h, http_session_t *s)
{
    store_txn_t *t;
    if (store_txn_begin(h->st, false, &t)) return true; /* cannot tell now: the next request will */
    bool valid = true;
    if (people_enforced(t, NULL)) {
        person_t p;
        char region[65];
        people_place_t place;
        place_of(h, t, &place, region, sizeof region);
        valid = people_find_typed(t, s->user, &p) == 0 && people_may_sign_in(&p, &place) &&
                p.hash_hlc == s->pw_hlc;
        if (valid) s->role = web_role(people_role_at(&p, &place)); /* roles follow their changes */
    }
    store_txn_abort(&t);
    return valid;
}

void http_scope_load(http_t *h, store_txn_t *t, const http_session_t *s, http_scope_t *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->t = t;
    sc->all = true;
    (void)h;
    if (!s || !people_enforced(t, NULL) || people_find_typed(t, s->user, &sc->p))
        return; /* a local user of a node without org users sees what it always saw */
    for (unsigned i = 0; i < sc->p.n; i++)
        if (sc->p.grants[i].present && sc->p.grants[i].g.scope == SCOPE_ORG) return;
    sc->all = false;
}

bool http_scope_allows(void *ctx, const char *branch, size_t len)
{
    const http_scope_t *sc = ctx;
    if (sc->all) return true;
    char node[65], region[65];
    if (!branch || len >= sizeof node) return false;
    memcpy(node, branch, len);
    node[len] = 0;
    people_node_region(sc->t, node, region, sizeof region);
    for (unsigned i = 0; i < sc->p.n; i++)
        if (sc->p.grants[i].present && people_grant_covers(&sc->p.grants[i].g, node, region)) return true;
    return false;
}

bool http_people_on(http_t *h)
{
    store_txn_t *t;
    if (store_txn_begin(h->st, false, &t)) return false;
    bool on = people_enforced(t, NULL);
    store_txn_abort(&t);
    return on;
}

int http_people_status(http_t *h, const char *login, user_role_t *role)
{
    store_txn_t *t;
    if (store_txn_begin(h->st, false, &t)) return 0;
    if (!people_enforced(t, NULL)) {
        store_txn_abort(&t);
        return -1;
    }
    char region[65];
    person_t p;
    people_place_t place;
    place_of(h, t, &place, region, sizeof region);
    bool ok = people_find_typed(t, login, &p) == 0 &&
              !p.disabled && people_role_at(&p, &place) != 0;
    if (ok) *role = web_role(people_role_at(&p, &place));
    store_txn_abort(&t);
    return ok ? 1 : 0;
}

uint64_t http_people_password_version(http_t *h, const char *login, const char *hash)
{
    store_txn_t *t;
    if (store_txn_begin(h->st, false, &t)) return 0;
    person_t p;
    bool found = people_find_typed(t, login, &p) == 0;
    store_txn_abort(&t);
    return found && !strcmp(p.hash, hash) ? p.hash_hlc : 0;
}

bool http_people_audits_here(http_t *h, const http_session_t *s)
{
    if (s->role != USER_ADMIN) return false;
    store_txn_t *t;
    if (store_txn_begin(h->st, false, &t)) return false;
    bool ok = true; /* a local admin of a node whose org has no users */
    person_t p;
    if (people_enforced(t, NULL)) {
        ok = false;
        char region[65];
        people_node_region(t, h->node, region, sizeof region);
        if (people_find_typed(t, s->user, &p) == 0)
            for (unsigned i = 0; i < p.n && !ok; i++) {
                const people_grant_t *g = &p.grants[i];
                /* the hub's audit is the whole org's sign-ins: its org admins'; a branch's, its admins' */
                ok = g->present && g->g.role == ROLE_ADMIN &&
                     (h->hub ? g->g.scope == SCOPE_ORG : people_grant_covers(&g->g, h->node, region));
            }
    }
    store_txn_abort(&t);
    return ok;
}
