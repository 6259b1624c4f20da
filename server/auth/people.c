/* SPDX-License-Identifier: MIT */
#include "auth/people.h"
#include "auth/roster.h"
#include "proto/accord_err.h"
#include "state/entity.h"
#include "state/index.h"

#include <stdio.h>
#include <string.h>

/* ---- reading users and branches ---- */

static void copy_text(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field, char *out, size_t cap)
{
    size_t n;
    const char *s = entity_text(t, id, field, &n);
    if (!s || n >= cap) n = 0;
    if (n) memcpy(out, s, n);
    out[n] = 0;
}

static int grant_entry(void *ctx, const entity_entry_t *e)
{
    person_t *p = ctx;
    if (e->klen < 2 || e->vlen != VERSION_LEN + 1 || p->n == PEOPLE_MAX_GRANTS) return 0;
    people_grant_t *g = &p->grants[p->n];
    if (schema_grant_parse((const char *)e->key + 1, e->klen - 1, &g->g)) return 0; /* not one this version knows */
    g->present = e->val[VERSION_LEN] != 0;
    g->hlc = version_hlc(e->val);
    p->n++;
    return 0;
}

int people_load(store_txn_t *t, const uint8_t id[ID_LEN], person_t *out)
{
    memset(out, 0, sizeof *out);
    if (entity_kind(t, id) != KIND_USER || entity_deleted(t, id)) return ACCORD_ENOTFOUND;
    memcpy(out->id, id, ID_LEN);
    copy_text(t, id, F_US_LOGIN, out->login, sizeof out->login);
    copy_text(t, id, F_US_NAME, out->name, sizeof out->name);
    copy_text(t, id, F_BRANCH, out->home, sizeof out->home);
    copy_text(t, id, F_US_PASSWORD, out->hash, sizeof out->hash);
    field_state_t f;
    if (entity_get(t, id, F_US_DISABLED, &f) == 0) {
        out->disabled = f.val.type == VAL_BOOL && f.val.i;
        out->disabled_hlc = version_hlc(f.version);
    }
    if (entity_get(t, id, F_US_PASSWORD, &f) == 0) out->hash_hlc = version_hlc(f.version);
    uint8_t prefix = F_US_ROLES;
    int rc = entity_each_entry(t, id, ENTITY_TAG_FIELD, &prefix, 1, grant_entry, out);
    return rc < 0 ? rc : 0;
}

typedef struct {
    store_txn_t *t;
    const char *login;
    size_t len;
    person_t *out;
    bool found, hub;
} find_t;

static int find_one(void *ctx, const uint8_t id[ID_LEN])
{
    find_t *f = ctx;
    person_t p;
    if (people_load(f->t, id, &p) || strlen(p.login) != f->len || memcmp(p.login, f->login, f->len)) return 0;
    /* two users of one login (two branches apart each made one): the one made at the hub,
     * else the smallest id (ids come in order) — so a branch cannot take an HQ login over */
    bool hub = people_made_at_hub(f->t, id);
    if (f->found && (f->hub || !hub)) return 0;
    *f->out = p;
    f->found = true;
    f->hub = hub;
    return 0;
}

int people_find(store_txn_t *t, const char *login, size_t len, person_t *out)
{
    if (len == 0 || len > SCHEMA_LOGIN_MAX) return ACCORD_ENOTFOUND;
    index_filter_t filter;
    int rc = index_filter_value(&filter, KIND_USER, F_US_LOGIN, login, len);
    if (rc) return rc;
    find_t f = {t, login, len, out, false, false};
    rc = index_filter_each(t, &filter, 1, NULL, find_one, &f);
    if (rc < 0) return rc;
    return f.found ? 0 : ACCORD_ENOTFOUND;
}

bool people_enforced(store_txn_t *t, uint64_t *since)
{
    /* the index's first USER_SINCE term is the earliest user's (index.h): one seek */
    uint8_t prefix = IDX_USER_SINCE;
    store_iter_t *it;
    if (store_iter_new(t, TBL_INDEX, &prefix, 1, false, &it)) return false;
    store_val_t k, v;
    bool any = store_iter_next(it, &k, &v) == 1 && k.len >= 1 + 8;
    if (any && since) *since = be64_get((const uint8_t *)k.data + 1);
    store_iter_destroy(&it);
    return any;
}

int people_find_typed(store_txn_t *t, const char *typed, person_t *out)
{
    char login[SCHEMA_LOGIN_MAX + 1];
    if (schema_login_normalize(typed, login, sizeof login)) return ACCORD_ENOTFOUND;
    return people_find(t, login, strlen(login), out);
}

uint64_t people_legacy_seq(store_txn_t *t, const uint8_t origin[ID_LEN])
{
    uint8_t prefix[1 + ID_LEN];
    prefix[0] = IDX_LEGACY;
    memcpy(prefix + 1, origin, ID_LEN);
    store_iter_t *it;
    if (store_iter_new(t, TBL_INDEX, prefix, sizeof prefix, false, &it)) return 0;
    store_val_t k, v;
    uint64_t seq = 0;
    while (store_iter_next(it, &k, &v) == 1) {
        const uint8_t *key = k.data;
        if (k.len < 1 + 2 * ID_LEN + 8) continue;
        roster_entry_t e;
        /* only a hub's word counts: a branch cannot declare its own records from before */
        if (roster_by_origin(t, key + 1 + ID_LEN + 8, &e) || e.action != ROSTER_ENROLL || strcmp(e.role, "hub")) continue;
        uint64_t s = be64_get(key + 1 + ID_LEN);
        if (s > seq) seq = s;
    }
    store_iter_destroy(&it);
    return seq;
}

bool people_made_at_hub(store_txn_t *t, const uint8_t id[ID_LEN])
{
    field_state_t f;
    roster_entry_t e;
    return entity_get(t, id, F_US_LOGIN, &f) == 0 && roster_by_origin(t, f.version + 8, &e) == 0 &&
           e.action == ROSTER_ENROLL && !strcmp(e.role, "hub");
}

/* ---- one record's ops on a user, for the users a batch makes as it goes ---- */

void people_apply_record(person_t *p, const record_t *rec)
{
    for (unsigned i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        const value_t *v = &op->val;
        bool str = op->op == OP_SET && v->type == VAL_STR;
        switch (op->field) {
        case F_DELETED: break;
        case F_US_LOGIN:
            if (str && v->len < sizeof p->login) memcpy(p->login, v->s, v->len), p->login[v->len] = 0;
            break;
        case F_BRANCH:
            if (str && v->len < sizeof p->home) memcpy(p->home, v->s, v->len), p->home[v->len] = 0;
            break;
        case F_US_PASSWORD:
            if (str && v->len < sizeof p->hash) memcpy(p->hash, v->s, v->len), p->hash[v->len] = 0;
            p->hash_hlc = rec->hlc;
            break;
        case F_US_DISABLED:
            if (rec->hlc >= p->disabled_hlc) {
                p->disabled = op->op == OP_SET && v->type == VAL_BOOL && v->i;
                p->disabled_hlc = rec->hlc;
            }
            break;
        case F_US_ROLES: {
            schema_grant_t g;
            if ((op->op != OP_ADD && op->op != OP_REMOVE) || schema_grant_parse(v->s, v->len, &g)) break;
            people_grant_t *at = NULL;
            for (unsigned k = 0; k < p->n && !at; k++)
                if (!memcmp(&p->grants[k].g, &g, sizeof g)) at = &p->grants[k];
            if (!at && p->n < PEOPLE_MAX_GRANTS) at = &p->grants[p->n++], at->g = g, at->hlc = 0;
            if (at && rec->hlc >= at->hlc) at->present = op->op == OP_ADD, at->hlc = rec->hlc;
            break;
        }
        default: break;
        }
    }
}

/* ---- the model ---- */

bool people_grant_covers(const schema_grant_t *g, const char *node, const char *region)
{
    switch (g->scope) {
    case SCOPE_ORG: return true;
    case SCOPE_REGION: return region && region[0] && !strcmp(g->name, region);
    case SCOPE_BRANCH: return node && !strcmp(g->name, node);
    }
    return false;
}

/* A grant applies where a change is made: at the hub, everywhere it covers; at a branch,
 * only if it covers that branch. */
static bool grant_applies(const schema_grant_t *g, const people_place_t *place)
{
    return place->hub || people_grant_covers(g, place->node, place->region);
}

/* Held at hlc: held now, or removed only after it. A grant held now counts for a record
 * stamped before it was given: judging only takes away what was taken away, so what more
 * knowledge does is accept more, never refuse what another node accepted — and giving a
 * role back lets through a branch's records refused for its removal (docs/PERMISSIONS.md). */
static bool held_at(const people_grant_t *g, uint64_t hlc)
{
    if (!hlc) return g->present;
    return g->present || g->hlc > hlc;
}

static bool disabled_at(const person_t *p, uint64_t hlc)
{
    if (!hlc) return p->disabled;
    return p->disabled ? p->disabled_hlc <= hlc : false;
}

static bool role_at_least(schema_role_t have, schema_role_t want)
{
    /* manager reads; staff works with records; admin does both and manages people */
    if (want == ROLE_MANAGER) return true;
    if (want == ROLE_STAFF) return have == ROLE_STAFF || have == ROLE_ADMIN;
    return have == ROLE_ADMIN;
}

bool people_holds(const person_t *p, schema_role_t role, uint64_t hlc, const people_place_t *place,
                  const char *owner, const char *owner_region)
{
    for (unsigned i = 0; i < p->n; i++) {
        const people_grant_t *g = &p->grants[i];
        if (!held_at(g, hlc) || !role_at_least(g->g.role, role) || !grant_applies(&g->g, place)) continue;
        if (!owner || people_grant_covers(&g->g, owner, owner_region)) return true;
    }
    return false;
}

bool people_may_sign_in(const person_t *p, const people_place_t *place)
{
    return !p->disabled && p->hash[0] && people_role_at(p, place) != 0;
}

schema_role_t people_role_at(const person_t *p, const people_place_t *place)
{
    schema_role_t best = 0;
    for (unsigned i = 0; i < p->n; i++) {
        const people_grant_t *g = &p->grants[i];
        if (!g->present || !grant_applies(&g->g, place)) continue;
        if (g->g.role == ROLE_ADMIN || (g->g.role == ROLE_STAFF && best != ROLE_ADMIN) || !best) best = g->g.role;
    }
    return best;
}

/* Whether the author, at place, may give grant g. From a branch node, only grants of that
 * branch; at the hub, an org admin any, a region admin those of the region and its
 * branches, a branch admin those of the branch. */
static bool may_grant(store_txn_t *t, const person_t *author, uint64_t hlc, const people_place_t *place,
                      const schema_grant_t *g)
{
    if (!place->hub && !(g->scope == SCOPE_BRANCH && !strcmp(g->name, place->node))) return false;
    char region[65] = "";
    if (g->scope == SCOPE_BRANCH) people_node_region(t, g->name, region, sizeof region);
    for (unsigned i = 0; i < author->n; i++) {
        const people_grant_t *a = &author->grants[i];
        if (!held_at(a, hlc) || a->g.role != ROLE_ADMIN || !grant_applies(&a->g, place)) continue;
        if (!place->hub) return true; /* an admin here gives grants of here */
        if (a->g.scope == SCOPE_ORG) return true;
        if (a->g.scope == SCOPE_REGION && g->scope == SCOPE_REGION && !strcmp(a->g.name, g->name)) return true;
        if (g->scope == SCOPE_BRANCH && people_grant_covers(&a->g, g->name, region)) return true;
    }
    return false;
}

/* Whether p holds at hlc (or lost only after it) a grant, and every one is of the branch
 * node. None at all is not enough: a user whose roles were taken away may be given them
 * back at HQ, with a password a branch set meanwhile. */
static bool grants_all_of(const person_t *p, uint64_t hlc, const char *node)
{
    bool any = false;
    for (unsigned i = 0; i < p->n; i++) {
        const people_grant_t *g = &p->grants[i];
        if (!g->present && g->hlc < hlc) continue;
        if (g->g.scope != SCOPE_BRANCH || strcmp(g->g.name, node)) return false;
        any = true;
    }
    return any;
}

int people_judge(store_txn_t *t, const people_change_t *c, const people_place_t *place, char *why, size_t cap)
{
    const char *who = c->author_name ? c->author_name : "?";
    if (!c->author)
        return accord_fail(why, cap, ACCORD_EPERM, "the author '%.64s' is not a user of this org", who);
    if (disabled_at(c->author, c->hlc))
        return accord_fail(why, cap, ACCORD_EPERM, "the user '%.64s' is disabled", who);
    if (c->action == PERM_READ) {
        if (people_holds(c->author, ROLE_MANAGER, c->hlc, place, NULL, NULL)) return 0;
        return accord_fail(why, cap, ACCORD_EPERM, "'%.64s' holds no role at %s", who, place->node);
    }
    if (c->action != PERM_ADMIN) {
        if (!people_holds(c->author, ROLE_STAFF, c->hlc, place, NULL, NULL))
            return accord_fail(why, cap, ACCORD_EPERM, "'%.64s' holds no staff or admin role at %s", who, place->node);
        /* the customer view is shared: a customer or contact of any branch may be edited by
         * staff anywhere; other records, and every delete, only within the grant's reach */
        bool shared = (c->kind == KIND_CUSTOMER || c->kind == KIND_CONTACT) && c->action == PERM_WRITE;
        if (shared || people_holds(c->author, ROLE_STAFF, c->hlc, place, c->owner, c->owner_region)) return 0;
        return accord_fail(why, cap, ACCORD_EPERM, "'%.64s' may not %s a %s of branch %s", who,
                           c->action == PERM_DELETE ? "delete" : "change", schema_kind_name(c->kind),
                           c->owner ? c->owner : "?");
    }
    /* users and branches */
    if (c->self_password && c->target && !memcmp(c->target->id, c->author->id, ID_LEN)) {
        /* a branch writes any author's name: from there only a password an admin of that
         * branch could set, else a compromised branch signs in at HQ as its admin */
        if (place->hub || grants_all_of(c->target, c->hlc, place->node)) return 0;
        return accord_fail(why, cap, ACCORD_EPERM,
                           "'%.64s' holds roles beyond %s: change this password at the hub", who, place->node);
    }
    if (!people_holds(c->author, ROLE_ADMIN, c->hlc, place, NULL, NULL))
        return accord_fail(why, cap, ACCORD_EPERM, "'%.64s' is not an admin at %s", who, place->node);
    if (c->kind == KIND_BRANCH) {
        if (place->hub ? people_holds(c->author, ROLE_ADMIN, c->hlc, place, c->owner, c->owner_region)
                       : c->owner && !strcmp(c->owner, place->node))
            return 0;
        return accord_fail(why, cap, ACCORD_EPERM, "'%.64s' may not change the branch %s from %s", who,
                           c->owner ? c->owner : "?", place->node);
    }
    if (!c->target) return accord_fail(why, cap, ACCORD_EPERM, "no user to change");
    bool any = false;
    for (unsigned i = 0; i < c->target->n; i++) { /* every grant the user holds must be in reach */
        const people_grant_t *g = &c->target->grants[i];
        if (!g->present && g->hlc < c->hlc) continue; /* removed before: not this change's business */
        any = true;
        if (!may_grant(t, c->author, c->hlc, place, &g->g)) {
            char shown[96];
            schema_grant_format(&g->g, shown, sizeof shown);
            return accord_fail(why, cap, ACCORD_EPERM, "'%.64s' may not give or change the role '%s' from %s", who,
                               shown, place->node);
        }
    }
    /* a user left with no role is its home's: an admin of another branch may not take it over,
     * here or at the hub (its password set now would be theirs when a role is given back) */
    if (!any && (place->hub ? !people_holds(c->author, ROLE_ADMIN, c->hlc, place, c->owner, c->owner_region)
                            : !c->owner || strcmp(c->owner, place->node)))
        return accord_fail(why, cap, ACCORD_EPERM, "'%.64s' may not change a user of %s, who holds no role, from %s", who,
                           c->owner ? c->owner : "?", place->node);
    return 0;
}

/* ---- branches and regions ---- */

typedef struct {
    const char *node;
    char *out;
    size_t cap;
} region_find_t;

static int region_of(void *ctx, const uint8_t *signed_entry, size_t len, const roster_entry_t *e)
{
    (void)signed_entry, (void)len;
    region_find_t *r = ctx;
    if (e->action != ROSTER_ENROLL || strcmp(e->name, r->node)) return 0;
    snprintf(r->out, r->cap, "%s", e->region);
    return 1;
}

void people_node_region(store_txn_t *t, const char *node, char *out, size_t cap)
{
    out[0] = 0;
    region_find_t r = {node, out, cap};
    roster_each(t, region_of, &r);
}

typedef struct {
    store_txn_t *t;
    const char *node;
    people_branch_t *out;
    bool found;
} branch_find_t;

static int branch_one(void *ctx, const uint8_t id[ID_LEN])
{
    branch_find_t *b = ctx;
    if (entity_kind(b->t, id) != KIND_BRANCH || entity_deleted(b->t, id)) return 0;
    people_branch_t *o = b->out;
    memset(o, 0, sizeof *o);
    memcpy(o->id, id, ID_LEN);
    copy_text(b->t, id, F_BR_NODE, o->node, sizeof o->node);
    if (strcmp(o->node, b->node)) return 0;
    copy_text(b->t, id, F_BR_CODE, o->code, sizeof o->code);
    copy_text(b->t, id, F_BR_NAME, o->name, sizeof o->name);
    copy_text(b->t, id, F_BR_REGION, o->region, sizeof o->region);
    copy_text(b->t, id, F_BR_TIMEZONE, o->timezone, sizeof o->timezone);
    copy_text(b->t, id, F_BR_CURRENCY, o->currency, sizeof o->currency);
    copy_text(b->t, id, F_BR_CALENDAR, o->calendar, sizeof o->calendar);
    b->found = true;
    return 1;
}

int people_branch(store_txn_t *t, const char *node, people_branch_t *out)
{
    index_filter_t filter;
    int rc = index_filter_value(&filter, KIND_BRANCH, F_BR_NODE, node, strlen(node));
    if (rc) return rc;
    branch_find_t b = {t, node, out, false};
    rc = index_filter_each(t, &filter, 1, NULL, branch_one, &b);
    if (rc < 0) return rc;
    return b.found ? 0 : ACCORD_ENOTFOUND;
}
