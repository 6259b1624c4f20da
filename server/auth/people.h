/* SPDX-License-Identifier: MIT
 * people: the org's users and branches, records of KIND_USER and KIND_BRANCH that
 * replicate like any other, and the permission model of docs/PERMISSIONS.md — the one
 * judge of "may this author make this change here", asked by the node where a change is
 * made (api_write.c) and by every node that receives one (feed/apply.c).
 *
 * The model is on once the org holds a user: before that (a network made by an older
 * version, or not yet given people) authors are free text as they always were, and
 * records are judged only from the moment the first user was made (people_since).
 *
 * A change's authority is the author's grants that apply where it is made: at a branch
 * node, the grants for that branch, its region (the region the org key signed in its
 * roster entry) or the org; at the hub, every grant, each for the branches it covers. So a
 * branch that writes as an HQ admin can do no more there than an admin of that branch. */
#ifndef ACCORD_PEOPLE_H
#define ACCORD_PEOPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/record.h"
#include "proto/schema.h"
#include "store/store.h"

#define PEOPLE_MAX_GRANTS 32 /* grants a user holds (present or removed) that are judged */

typedef struct {
    schema_grant_t g;
    bool present;
    uint64_t hlc; /* when it was last added (present) or removed */
} people_grant_t;

typedef struct {
    uint8_t id[ID_LEN];
    char login[SCHEMA_LOGIN_MAX + 1];
    char name[201];
    char home[65];         /* the node where it was made (its branch field) */
    bool disabled;
    uint64_t disabled_hlc; /* when disabled was last set, 0 if never */
    char hash[129];        /* Argon2id, "" if none */
    uint64_t hash_hlc;     /* when the password was last set: sessions older end */
    unsigned n;
    people_grant_t grants[PEOPLE_MAX_GRANTS];
} person_t;

/* Where a change is made: the node that writes it, as the roster names it. */
typedef struct {
    const char *node;   /* node name */
    const char *region; /* its region in the roster ("" if none) */
    bool hub;
} people_place_t;

/* What a change does. */
typedef enum {
    PERM_WRITE,  /* create or edit a record of a working kind (customer ... ticket) */
    PERM_DELETE, /* delete one */
    PERM_ADMIN,  /* create or edit a user or a branch */
    PERM_READ,   /* read records and reports: any role */
} people_action_t;

/* True once the org holds a user; *since (may be NULL) is the HLC of the earliest one's
 * creation. */
bool people_enforced(store_txn_t *t, uint64_t *since);

/* The user with this login (if two were made, the one made at a hub, else the one of
 * smallest id); ACCORD_ENOTFOUND if none or deleted. */
int people_find(store_txn_t *t, const char *login, size_t len, person_t *out);
/* people_find of a login as a person or a client typed it ("Ali" is ali); ACCORD_ENOTFOUND
 * also for what is no login at all. */
int people_find_typed(store_txn_t *t, const char *typed, person_t *out);
/* The seq up to which origin's records are from before the org had users (not judged): the
 * first user's legacy field, as a hub wrote it; 0 if none says (every record judged). */
uint64_t people_legacy_seq(store_txn_t *t, const uint8_t origin[ID_LEN]);
/* Whether the user id was made at a hub (the writer of its login, in the roster). */
bool people_made_at_hub(store_txn_t *t, const uint8_t id[ID_LEN]);
/* The user stored under id; ACCORD_ENOTFOUND if none. */
int people_load(store_txn_t *t, const uint8_t id[ID_LEN], person_t *out);
/* Applies one record's ops on a user (of any HLC order: last writer wins, as merge) to p:
 * how a receiver sees the users an earlier record of the same batch made or changed. */
void people_apply_record(person_t *p, const record_t *rec);

/* Whether grant g covers the branch node `node` of region `region`. */
bool people_grant_covers(const schema_grant_t *g, const char *node, const char *region);
/* Whether p held a grant of at least role `role` at hlc (0: now) that covers `owner` (a
 * branch node, of region owner_region) and applies at place. */
bool people_holds(const person_t *p, schema_role_t role, uint64_t hlc, const people_place_t *place,
                  const char *owner, const char *owner_region);
/* Whether p may sign in at this place: one of its grants applies here, and it is enabled. */
bool people_may_sign_in(const person_t *p, const people_place_t *place);
/* The highest role p holds that applies at place (0 if none): what a web session may do. */
schema_role_t people_role_at(const person_t *p, const people_place_t *place);

/* The judgement of one change: 0, or ACCORD_EPERM with why saying what the author lacks.
 * author is the person (NULL: unknown author, refused); hlc the change's stamp; kind the
 * entity's; owner its owning branch (its branch field; for a new record the place's node);
 * owner_region that branch's region; target (users only) the user as it will be after the
 * change, so an admin cannot grant beyond their own reach. */
typedef struct {
    const person_t *author;
    const char *author_name; /* as the record names it, for the message */
    uint64_t hlc;
    unsigned kind;
    people_action_t action;
    const char *owner;
    const char *owner_region;
    const person_t *target;     /* KIND_USER */
    bool self_password;         /* the change only sets the author's own password */
} people_change_t;
int people_judge(store_txn_t *t, const people_change_t *c, const people_place_t *place, char *why, size_t cap);

/* The region of a branch node from the roster ("" if the node is not enrolled or has none). */
void people_node_region(store_txn_t *t, const char *node, char *out, size_t cap);

/* A branch's record by its node name; ACCORD_ENOTFOUND if none. */
typedef struct {
    uint8_t id[ID_LEN];
    char node[65], code[17], name[201], region[65], timezone[65], currency[4], calendar[16];
} people_branch_t;
int people_branch(store_txn_t *t, const char *node, people_branch_t *out);


/* ---- admission of records: the one rule for this node's own (oplog_append) and every
 * other node's (ingest_batch) ---- */

/* What earlier records of the same batch did, so that a later one is judged as if they were
 * applied: the users they made or changed, and the owners of the records they made. */
typedef struct {
    bool here;          /* the records are this node's own, judged as oplog_append writes them */
    bool checked;       /* enforced and legacy were read */
    bool enforced;
    uint64_t legacy;    /* the batch's origin's records up to this seq are from before (people_legacy_seq) */
    unsigned n_people, cap_people;
    person_t *people;   /* owned */
    bool last_found;    /* last: the stored user the batch's last judged author is */
    person_t last;
    unsigned n_owners, cap_owners;
    struct people_owner { uint8_t id[ID_LEN]; char node[65]; } *owners; /* owned */
} people_batch_t;

void people_batch_free(people_batch_t *b);
/* Notes, before a received batch is judged, the branch each document of it is made at: a
 * document's lines come before it in its feed (api_sales_create.c appends them first, all
 * in one commit, so in one batch), and a line is judged by its document's branch. Sound as
 * the batch is applied whole or not at all: a document whose branch is not its origin's
 * refuses the batch when it is judged. */
void people_batch_expect(people_batch_t *b, const record_t *rec);

/* 0 if rec, made at place, is one its author may make; ACCORD_EPERM with why otherwise; a
 * store error. While the org has no user every record is admitted as before, but users and
 * branches only from a hub (the org's first users are made at HQ); once it has, the
 * records of each feed up to its legacy seq (people_legacy_seq) too. batch (may be NULL)
 * carries what earlier records of the same batch did, and is updated with rec when it is
 * admitted; with b->here, a line's document this node does not hold is the one the same
 * request makes next, here (the local API names no other). Besides the author's roles: a record's branch is where it is made, a user's
 * login and a branch record's node never change, a line stays on its document, and a user
 * is never deleted (disabled instead). */
int people_admit(store_txn_t *t, const people_place_t *place, const record_t *rec, people_batch_t *batch, char *why,
                 size_t cap);

#endif
