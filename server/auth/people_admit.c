/* SPDX-License-Identifier: MIT
 * people_admit: whether a record's author may make it where it was made (people.h). */
#include "auth/people.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "state/entity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void people_batch_free(people_batch_t *b)
{
    free(b->people);
    free(b->owners);
    memset(b, 0, sizeof *b);
}

static person_t *batch_person_by_id(people_batch_t *b, const uint8_t id[ID_LEN])
{
    for (unsigned i = 0; b && i < b->n_people; i++)
        if (!memcmp(b->people[i].id, id, ID_LEN)) return &b->people[i];
    return NULL;
}

static person_t *batch_person_by_login(people_batch_t *b, const char *login, size_t len)
{
    for (unsigned i = 0; b && i < b->n_people; i++)
        if (strlen(b->people[i].login) == len && !memcmp(b->people[i].login, login, len)) return &b->people[i];
    return NULL;
}

static void batch_keep_person(people_batch_t *b, const person_t *p)
{
    person_t *at = batch_person_by_id(b, p->id);
    if (!at) {
        if (b->n_people == b->cap_people) {
            b->cap_people = b->cap_people ? 2 * b->cap_people : 8;
            b->people = realloc(b->people, b->cap_people * sizeof *b->people);
            if (!b->people) abort();
        }
        at = &b->people[b->n_people++];
    }
    *at = *p;
}

static const char *batch_owner(people_batch_t *b, const uint8_t id[ID_LEN])
{
    for (unsigned i = 0; b && i < b->n_owners; i++)
        if (!memcmp(b->owners[i].id, id, ID_LEN)) return b->owners[i].node;
    return NULL;
}

static void batch_keep_owner(people_batch_t *b, const uint8_t id[ID_LEN], const char *node)
{
    if (batch_owner(b, id)) return;
    if (b->n_owners == b->cap_owners) {
        b->cap_owners = b->cap_owners ? 2 * b->cap_owners : 64;
        b->owners = realloc(b->owners, b->cap_owners * sizeof *b->owners);
        if (!b->owners) abort();
    }
    struct people_owner *o = &b->owners[b->n_owners++];
    memcpy(o->id, id, ID_LEN);
    snprintf(o->node, sizeof o->node, "%s", node);
}

/* The text a record sets on a field, or NULL. */
static const value_t *record_sets(const record_t *rec, unsigned field);

void people_batch_expect(people_batch_t *b, const record_t *rec)
{
    const value_t *v;
    bool document = rec->kind == KIND_QUOTE || rec->kind == KIND_ORDER || rec->kind == KIND_INVOICE;
    if (document && (v = record_sets(rec, F_BRANCH)) && v->len < sizeof b->owners[0].node) {
        char node[sizeof b->owners[0].node];
        memcpy(node, v->s, v->len);
        node[v->len] = 0;
        batch_keep_owner(b, rec->entity, node);
    }
}

/* The text a record sets on a field, or NULL. */
static const value_t *record_sets(const record_t *rec, unsigned field)
{
    for (unsigned i = 0; i < rec->n_ops; i++)
        if (rec->ops[i].field == field && rec->ops[i].op == OP_SET && rec->ops[i].val.type == VAL_STR)
            return &rec->ops[i].val;
    return NULL;
}

/* Whether the record has an op on field (of any value: a nil clears it). */
static bool rec_sets_field(const record_t *rec, unsigned field)
{
    for (unsigned i = 0; i < rec->n_ops; i++)
        if (rec->ops[i].field == field) return true;
    return false;
}

static bool record_deletes(const record_t *rec)
{
    for (unsigned i = 0; i < rec->n_ops; i++)
        if (rec->ops[i].field == F_DELETED && rec->ops[i].op == OP_SET && rec->ops[i].val.type == VAL_BOOL &&
            rec->ops[i].val.i)
            return true;
    return false;
}

static bool only_password(const record_t *rec)
{
    for (unsigned i = 0; i < rec->n_ops; i++)
        if (rec->ops[i].field != F_US_PASSWORD) return false;
    return rec->n_ops > 0;
}

/* The owning branch of the record's entity: as stored, as an earlier record of the batch
 * made it, as this record makes it, or (none of those: a record of an entity made in a feed
 * this node lacks yet) unknown. */
static void owner_of(store_txn_t *t, const record_t *rec, people_batch_t *b, char *out, size_t cap)
{
    out[0] = 0;
    unsigned field = rec->kind == KIND_BRANCH ? F_BR_NODE : F_BRANCH;
    size_t n;
    const char *s = entity_text(t, rec->entity, field, &n);
    const value_t *v;
    if (s && n < cap) memcpy(out, s, n), out[n] = 0;
    else if ((s = batch_owner(b, rec->entity))) snprintf(out, cap, "%s", s);
    else if ((v = record_sets(rec, field)) && v->len < cap) memcpy(out, v->s, v->len), out[v->len] = 0;
}

/* A line is its document's: whoever may change the document may change its lines (else
 * staff of one branch would change the total of another's quote). The document's owner
 * into out; false if this node holds neither the document nor a record of it in the batch. */
static bool line_owner(store_txn_t *t, const record_t *rec, people_batch_t *b, char *out, size_t cap)
{
    uint8_t doc[ID_LEN];
    bool have = false;
    for (unsigned i = 0; i < rec->n_ops && !have; i++)
        if (rec->ops[i].field == F_LI_DOC && rec->ops[i].op == OP_SET && rec->ops[i].val.type == VAL_REF &&
            rec->ops[i].val.len == ID_LEN)
            memcpy(doc, rec->ops[i].val.s, ID_LEN), have = true;
    field_state_t f;
    if (!have && entity_get(t, rec->entity, F_LI_DOC, &f) == 0 && f.val.type == VAL_REF && f.val.len == ID_LEN)
        memcpy(doc, f.val.s, ID_LEN), have = true;
    if (!have) return false;
    size_t n;
    const char *s = entity_text(t, doc, F_BRANCH, &n);
    if (s && n < cap) {
        memcpy(out, s, n);
        out[n] = 0;
        return true;
    }
    if ((s = batch_owner(b, doc))) {
        snprintf(out, cap, "%s", s);
        return true;
    }
    return false;
}

/* Whether rec points a stored line at another document than the one it is on. */
static bool moves_line(store_txn_t *t, const record_t *rec)
{
    field_state_t f;
    if (rec->kind != KIND_LINE || entity_get(t, rec->entity, F_LI_DOC, &f) || f.val.type != VAL_REF || f.val.len != ID_LEN)
        return false;
    for (unsigned i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        if (op->field == F_LI_DOC && (op->val.type != VAL_REF || op->val.len != ID_LEN || memcmp(op->val.s, f.val.s, ID_LEN)))
            return true;
    }
    return false;
}

/* What no author may change: a record's branch is the node that makes it; a user's login
 * and a branch record's node, once set, stay (else a branch could take over an HQ login or
 * another branch's invoice code); a line stays on its document (it is judged by the one it
 * points at, so moving HQ's line onto a branch's quote would take it out of HQ's). */
static int fixed_fields(store_txn_t *t, const record_t *rec, const people_place_t *place, char *why, size_t cap)
{
    const value_t *v = record_sets(rec, F_BRANCH);
    if (v && (strlen(place->node) != v->len || memcmp(place->node, v->s, v->len)))
        return accord_fail(why, cap, ACCORD_EPERM, "record %llu says it was made at '%.*s', not at %s",
                           (unsigned long long)rec->seq, (int)(v->len < 64 ? v->len : 64), v->s, place->node);
    size_t bn;
    const char *owner = v ? entity_text(t, rec->entity, F_BRANCH, &bn) : NULL;
    if (owner && (bn != v->len || memcmp(owner, v->s, bn))) /* a record stays its owner's */
        return accord_fail(why, cap, ACCORD_EPERM, "record %llu moves a %s of %.*s to %s: a record stays where it was made",
                           (unsigned long long)rec->seq, schema_kind_name(rec->kind), (int)(bn < 64 ? bn : 64), owner,
                           place->node);
    unsigned fixed = rec->kind == KIND_USER ? F_US_LOGIN : rec->kind == KIND_BRANCH ? F_BR_NODE : 0;
    size_t n;
    const char *held = fixed ? entity_text(t, rec->entity, fixed, &n) : NULL;
    /* not even set to itself: who wrote a login says which user holds it (people_made_at_hub) */
    if (held && rec_sets_field(rec, fixed))
        return accord_fail(why, cap, ACCORD_EPERM, "record %llu sets a %s's %s again, which never changes",
                           (unsigned long long)rec->seq, schema_kind_name(rec->kind), fixed == F_US_LOGIN ? "login" : "node");
    if (moves_line(t, rec))
        return accord_fail(why, cap, ACCORD_EPERM, "record %llu moves a line to another document: a line stays on its document",
                           (unsigned long long)rec->seq);
    return 0;
}

/* A hub's first user declares, for each feed, up to which seq its records are from before
 * the org had users: a later record of the batch's origin goes by it too. */
static void note_legacy(people_batch_t *b, const record_t *rec)
{
    char hex[2 * ID_LEN + 1];
    crypto_hex(rec->origin, ID_LEN, hex);
    for (unsigned i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        if (op->field != F_US_LEGACY || op->op != OP_ADD || op->val.type != VAL_STR) continue;
        const char *p = op->val.s, *end = p + op->val.len;
        while (p + 2 * ID_LEN + 1 < end) {
            const char *sp = memchr(p, ' ', (size_t)(end - p));
            const char *pe = sp ? sp : end;
            if (!memcmp(p, hex, 2 * ID_LEN) && p[2 * ID_LEN] == ':') {
                uint64_t seq = 0;
                const char *d = p + 2 * ID_LEN + 1;
                for (; d < pe && *d >= '0' && *d <= '9'; d++) seq = seq * 10 + (uint64_t)(*d - '0');
                if (d == pe && d > p + 2 * ID_LEN + 1 && seq > b->legacy) b->legacy = seq; /* as the index reads it */
            }
            p = pe + 1;
        }
    }
}

int people_admit(store_txn_t *t, const people_place_t *place, const record_t *rec, people_batch_t *batch, char *why,
                 size_t cap)
{
    people_batch_t local = {0};
    people_batch_t *b = batch ? batch : &local;
    if (!b->checked) {
        b->enforced = people_enforced(t, NULL);
        b->legacy = b->enforced ? people_legacy_seq(t, rec->origin) : 0;
        b->checked = true;
    }
    int rc = 0;
    /* a user is disabled, never deleted: its index terms say that the org has users and
     * which records are from before (people_enforced, people_legacy_seq), and go with it */
    if (rec->kind == KIND_USER && record_deletes(rec)) {
        rc = accord_fail(why, cap, ACCORD_EPERM, "record %llu deletes a user: a user is never deleted; disable it instead "
                         "(accordctl user set --login LOGIN --disable)", (unsigned long long)rec->seq);
        goto done;
    }
    if (!b->enforced) {
        if ((rec->kind == KIND_USER || rec->kind == KIND_BRANCH) && !place->hub)
            rc = accord_fail(why, cap, ACCORD_EPERM, "the org's first users and branches are made at the hub, not at %s",
                             place->node);
        if (rc) goto done;
        goto admitted;
    }
    if (b->legacy && rec->seq <= b->legacy) goto admitted; /* from before the org had users */
    if ((rc = fixed_fields(t, rec, place, why, cap))) goto done;
    if (rec->kind == KIND_USER && rec_sets_field(rec, F_US_LEGACY)) { /* only the first user says what is from before */
        rc = accord_fail(why, cap, ACCORD_EPERM, "record %llu names feeds from before the org had users; only its first "
                         "user does", (unsigned long long)rec->seq);
        goto done;
    }

    person_t author_state, target;
    const person_t *author = NULL;
    /* a batch is mostly one author's: the stored user is read once (the batch's own changes
     * to users are looked up below, before it) */
    if (b->last_found && b->last.login[0] && strlen(b->last.login) == rec->author_len &&
        !memcmp(b->last.login, rec->author, rec->author_len))
        author_state = b->last, rc = 0;
    else if ((rc = people_find(t, rec->author, rec->author_len, &author_state)) == 0 && batch)
        b->last = author_state, b->last_found = true;
    if (rc && rc != ACCORD_ENOTFOUND) goto done;
    if (rc == 0) author = batch_person_by_id(b, author_state.id); /* changed earlier in the batch */
    if (!author) author = rc == 0 ? &author_state : batch_person_by_login(b, rec->author, rec->author_len);
    rc = 0;
    char author_name[RECORD_AUTHOR_MAX + 1];
    snprintf(author_name, sizeof author_name, "%.*s", (int)rec->author_len, rec->author);
    char owner[65], owner_region[65] = "";
    owner_of(t, rec, b, owner, sizeof owner);
    if (!owner[0] && rec->kind != KIND_USER) {
        rc = accord_fail(why, cap, ACCORD_EPERM,
                         "record %llu changes a %s this node does not hold yet, so its branch is unknown; it is "
                         "offered again",
                         (unsigned long long)rec->seq, schema_kind_name(rec->kind));
        goto done;
    }
    /* here, a line of a document not held is of the one its request makes next, at this node:
     * the line's own branch (fixed_fields) */
    if (rec->kind == KIND_LINE && !line_owner(t, rec, b, owner, sizeof owner) && !b->here) {
        rc = accord_fail(why, cap, ACCORD_EPERM,
                         "record %llu is a line of a document this node does not hold yet; it is offered again",
                         (unsigned long long)rec->seq);
        goto done;
    }
    if (owner[0]) people_node_region(t, owner, owner_region, sizeof owner_region);
    people_change_t c = {author, author_name, rec->hlc, rec->kind, PERM_WRITE, owner[0] ? owner : NULL,
                         owner_region, NULL, false};
    if (rec->kind == KIND_USER || rec->kind == KIND_BRANCH) c.action = PERM_ADMIN;
    else if (record_deletes(rec)) c.action = PERM_DELETE;
    if (rec->kind == KIND_USER) {
        const person_t *before = batch_person_by_id(b, rec->entity);
        if (before) target = *before;
        else if ((rc = people_load(t, rec->entity, &target)) == ACCORD_ENOTFOUND) {
            memset(&target, 0, sizeof target);
            memcpy(target.id, rec->entity, ID_LEN);
            rc = 0;
        } else if (rc) goto done;
        people_apply_record(&target, rec);
        c.target = &target;
        c.self_password = only_password(rec);
    }
    if ((rc = people_judge(t, &c, place, why, cap))) goto done;

admitted:
    if (batch && rec->kind == KIND_USER) {
        person_t p;
        const person_t *before = batch_person_by_id(b, rec->entity);
        if (before) p = *before;
        else if (people_load(t, rec->entity, &p)) memset(&p, 0, sizeof p), memcpy(p.id, rec->entity, ID_LEN);
        people_apply_record(&p, rec);
        batch_keep_person(b, &p);
        if (!b->enforced) b->enforced = true; /* the batch's first user turns the model on after it */
        if (place->hub) note_legacy(b, rec);
    }
    if (batch && rec->kind != KIND_USER) {
        const value_t *v = record_sets(rec, rec->kind == KIND_BRANCH ? F_BR_NODE : F_BRANCH);
        if (v && v->len < 65) {
            char node[65];
            memcpy(node, v->s, v->len);
            node[v->len] = 0;
            batch_keep_owner(b, rec->entity, node);
        }
    }
done:
    people_batch_free(&local);
    return rc;
}
