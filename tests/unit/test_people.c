/* SPDX-License-Identifier: MIT
 * people: the permission model (docs/PERMISSIONS.md) — role grants as text, who may write
 * which record where and when (at the record's time), what an admin of a branch may give,
 * and the admission of records by oplog_append and by a receiver of a batch (people_admit):
 * nothing is judged before the org's first user, and a batch's own earlier records count. */
#include "helpers.h"

#include "auth/people.h"
#include "feed/oplog.h"
#include "api_harness.h"
#include "auth/osmap.h"
#include "fixture.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"

#include <unistd.h>

static const char HASH[] = "$argon2id$v=19$m=65536,t=2,p=1$g4MNkODla8seCOOfMp1TNA$"
                           "s2hxFiaHtYOFT5ZUZpaicnhbPGfRcRcItbAQw5cN9+4";

static void test_grants_as_text(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } good[] = {
        {"staff org", "staff org"},
        {"manager region North West", "manager region North West"},
        {"  admin   branch   tehran-1 ", "admin branch tehran-1"},
    };
    schema_grant_t g;
    char out[96];
    for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(schema_grant_parse(good[i].in, strlen(good[i].in), &g), 0);
        schema_grant_format(&g, out, sizeof out);
        assert_string_equal(out, good[i].out);
    }
    static const char *const bad[] = {"boss org", "staff", "staff org x", "staff region", "staff planet x", "",
                                      "staff branch a\tb"};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(schema_grant_parse(bad[i], strlen(bad[i]), &g), ACCORD_EINVAL);
    char login[SCHEMA_LOGIN_MAX + 1];
    assert_int_equal(schema_login_normalize("Ali.Karimi@Example.com", login, sizeof login), 0);
    assert_string_equal(login, "ali.karimi@example.com");
    assert_int_equal(schema_login_normalize("ali karimi", login, sizeof login), ACCORD_EINVAL);
    assert_int_equal(schema_login_normalize("a123456789012345678901234567890123456789x", login, sizeof login), ACCORD_EINVAL);
    /* a password hash no weaker than the node makes (m=64 MiB, t=2) */
    const field_def_t *pw = schema_field_by_id(KIND_USER, F_US_PASSWORD);
    char norm[200], err[160];
    int64_t num;
    assert_int_equal(schema_normalize(pw, HASH, norm, sizeof norm, &num, err, sizeof err), 0);
    static const char weak[] = "$argon2id$v=19$m=8,t=1,p=1$g4MNkODla8seCOOfMp1TNA$s2hxFiaHtYOFT5ZUZpaicnhbPGfRcRcItbAQw5cN9+4";
    assert_int_equal(schema_normalize(pw, weak, norm, sizeof norm, &num, err, sizeof err), ACCORD_EINVAL);
}

/* A person holding grants (text, when added; a negative time: removed then). */
static person_t person(const char *login, const char *const *grants, const int64_t *when, unsigned n)
{
    person_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.login, sizeof p.login, "%s", login);
    snprintf(p.hash, sizeof p.hash, "%s", HASH);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(schema_grant_parse(grants[i], strlen(grants[i]), &p.grants[i].g), 0);
        p.grants[i].present = when[i] > 0;
        p.grants[i].hlc = (uint64_t)(when[i] > 0 ? when[i] : -when[i]);
    }
    p.n = n;
    return p;
}

static int judge(store_txn_t *t, const person_t *author, uint64_t hlc, unsigned kind, people_action_t action,
                 const char *owner, const people_place_t *place)
{
    char why[200];
    people_change_t c = {author, author ? author->login : "x", hlc, kind, action, owner, "", NULL, false};
    return people_judge(t, &c, place, why, sizeof why);
}

static void test_who_may_write_what_where(void **state)
{
    fixture_t *f = *state;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    const people_place_t b1 = {"b1", "north", false}, b2 = {"b2", "north", false}, hub = {"hq", "", true};
    const char *g_staff[] = {"staff branch b1"};
    const int64_t now[] = {1};
    person_t staff = person("ali", g_staff, now, 1);
    assert_int_equal(judge(t, &staff, 0, KIND_DEAL, PERM_WRITE, "b1", &b1), 0);
    assert_int_equal(judge(t, &staff, 0, KIND_DEAL, PERM_WRITE, "b2", &b1), ACCORD_EPERM); /* another's deal */
    assert_int_equal(judge(t, &staff, 0, KIND_CUSTOMER, PERM_WRITE, "b2", &b1), 0); /* the shared customer view */
    assert_int_equal(judge(t, &staff, 0, KIND_CONTACT, PERM_WRITE, "b2", &b1), 0);
    assert_int_equal(judge(t, &staff, 0, KIND_CUSTOMER, PERM_DELETE, "b2", &b1), ACCORD_EPERM);
    assert_int_equal(judge(t, &staff, 0, KIND_CUSTOMER, PERM_WRITE, "b2", &b2), ACCORD_EPERM); /* no role at b2 */
    assert_int_equal(judge(t, &staff, 0, KIND_DEAL, PERM_WRITE, "b1", &hub), 0); /* at HQ, for b1 */
    assert_int_equal(judge(t, &staff, 0, KIND_USER, PERM_ADMIN, "b1", &b1), ACCORD_EPERM);
    assert_int_equal(judge(t, NULL, 0, KIND_CUSTOMER, PERM_WRITE, "b1", &b1), ACCORD_EPERM); /* unknown author */

    const char *g_mgr[] = {"manager region north"};
    person_t mgr = person("mina", g_mgr, now, 1);
    assert_int_equal(judge(t, &mgr, 0, KIND_CUSTOMER, PERM_WRITE, "b1", &b1), ACCORD_EPERM); /* managers read */
    assert_int_equal(judge(t, &mgr, 0, 0, PERM_READ, NULL, &b1), 0);
    assert_int_equal(judge(t, &mgr, 0, 0, PERM_READ, NULL, &(people_place_t){"s1", "south", false}), ACCORD_EPERM);
    assert_true(people_may_sign_in(&mgr, &b2));
    assert_false(people_may_sign_in(&staff, &b2));
    assert_int_equal(people_role_at(&staff, &b1), ROLE_STAFF);

    const char *g_admin[] = {"admin org"};
    person_t boss = person("boss", g_admin, now, 1);
    assert_int_equal(judge(t, &boss, 0, KIND_DEAL, PERM_DELETE, "b2", &b1), 0); /* an admin also works with records */
    store_txn_abort(&t);
}

static void test_judged_at_the_records_time(void **state)
{
    fixture_t *f = *state;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    const people_place_t b1 = {"b1", "", false};
    const char *g[] = {"staff branch b1"};
    const int64_t added[] = {100};
    person_t p = person("ali", g, added, 1);
    assert_int_equal(judge(t, &p, 50, KIND_DEAL, PERM_WRITE, "b1", &b1), 0); /* held now: counts before it too */
    assert_int_equal(judge(t, &p, 150, KIND_DEAL, PERM_WRITE, "b1", &b1), 0);
    p.grants[0].present = false, p.grants[0].hlc = 200; /* removed at 200 */
    assert_int_equal(judge(t, &p, 150, KIND_DEAL, PERM_WRITE, "b1", &b1), 0); /* written while held */
    assert_int_equal(judge(t, &p, 250, KIND_DEAL, PERM_WRITE, "b1", &b1), ACCORD_EPERM);
    p.grants[0].present = true, p.grants[0].hlc = 400; /* given back: the refused records go through */
    assert_int_equal(judge(t, &p, 250, KIND_DEAL, PERM_WRITE, "b1", &b1), 0);
    p.disabled = true, p.disabled_hlc = 300;
    assert_int_equal(judge(t, &p, 250, KIND_DEAL, PERM_WRITE, "b1", &b1), 0);
    assert_int_equal(judge(t, &p, 350, KIND_DEAL, PERM_WRITE, "b1", &b1), ACCORD_EPERM);
    assert_int_equal(judge(t, &p, 0, KIND_DEAL, PERM_WRITE, "b1", &b1), ACCORD_EPERM); /* now */
    store_txn_abort(&t);
}

static int judge_grant(store_txn_t *t, const person_t *author, const char *grant, const people_place_t *place)
{
    const int64_t now[] = {1};
    person_t target = person("new", &grant, now, 1);
    char why[200];
    people_change_t c = {author, author->login, 10, KIND_USER, PERM_ADMIN, NULL, "", &target, false};
    return people_judge(t, &c, place, why, sizeof why);
}

static void test_what_an_admin_may_give(void **state)
{
    fixture_t *f = *state;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    const int64_t now[] = {1};
    const people_place_t b1 = {"b1", "north", false}, hub = {"hq", "", true};
    const char *g_branch[] = {"admin branch b1"}, *g_org[] = {"admin org"}, *g_region[] = {"admin region north"};
    person_t branch_admin = person("ba", g_branch, now, 1), boss = person("boss", g_org, now, 1),
             region_admin = person("ra", g_region, now, 1);
    assert_int_equal(judge_grant(t, &branch_admin, "staff branch b1", &b1), 0);
    assert_int_equal(judge_grant(t, &branch_admin, "staff branch b2", &b1), ACCORD_EPERM);
    assert_int_equal(judge_grant(t, &branch_admin, "admin org", &b1), ACCORD_EPERM);
    /* the HQ admin's name, used from a branch, reaches no further than that branch */
    assert_int_equal(judge_grant(t, &boss, "admin org", &b1), ACCORD_EPERM);
    assert_int_equal(judge_grant(t, &boss, "manager region north", &b1), ACCORD_EPERM);
    assert_int_equal(judge_grant(t, &boss, "staff branch b1", &b1), 0);
    assert_int_equal(judge_grant(t, &boss, "admin org", &hub), 0);
    assert_int_equal(judge_grant(t, &region_admin, "manager region north", &hub), 0);
    assert_int_equal(judge_grant(t, &region_admin, "manager region south", &hub), ACCORD_EPERM);
    assert_int_equal(judge_grant(t, &region_admin, "admin org", &hub), ACCORD_EPERM);
    /* a user with no role left is its home branch's (the owner, where it was made) */
    person_t roleless = person("gone", NULL, NULL, 0);
    char why2[200];
    people_change_t take = {&boss, "boss", 10, KIND_USER, PERM_ADMIN, "hq", "", &roleless, false};
    assert_int_equal(people_judge(t, &take, &b1, why2, sizeof why2), ACCORD_EPERM);
    take.owner = "b1";
    assert_int_equal(people_judge(t, &take, &b1, why2, sizeof why2), 0);
    take.owner = "hq";
    assert_int_equal(people_judge(t, &take, &hub, why2, sizeof why2), 0);
    /* at the hub too: b1's admin signed in at HQ may not set the password of HQ's user whose
     * roles were taken away (to be given back: they would sign in as them) */
    take.author = &branch_admin, take.author_name = "ba";
    assert_int_equal(people_judge(t, &take, &hub, why2, sizeof why2), ACCORD_EPERM);
    take.owner = "b1";
    assert_int_equal(people_judge(t, &take, &hub, why2, sizeof why2), 0);
    /* a user's own password: no role needed */
    const char *g_staff[] = {"staff branch b1"};
    person_t self = person("ali", g_staff, now, 1);
    char why[200];
    people_change_t c = {&self, "ali", 10, KIND_USER, PERM_ADMIN, NULL, "", &self, true};
    assert_int_equal(people_judge(t, &c, &b1, why, sizeof why), 0);
    c.self_password = false;
    assert_int_equal(people_judge(t, &c, &b1, why, sizeof why), ACCORD_EPERM);
    store_txn_abort(&t);
}

/* ---- admission through the feed ---- */

typedef struct {
    record_t rec;
    char buf[8][128];
} made_t;

static void op_str(made_t *m, unsigned field, uint8_t op, const char *s)
{
    unsigned i = m->rec.n_ops++;
    snprintf(m->buf[i], sizeof m->buf[i], "%s", s);
    m->rec.ops[i] = (record_op_t){(uint8_t)field, op, {VAL_STR, 0, m->buf[i], strlen(m->buf[i])}, false, {0}};
}

static void make_user(made_t *m, const char *author, const char *login, const char *grant)
{
    memset(m, 0, sizeof *m);
    m->rec.author = author;
    m->rec.author_len = strlen(author);
    m->rec.kind = KIND_USER;
    m->rec.seq = 1; /* a feed's records start at 1 (oplog_append gives its own) */
    crypto_random(m->rec.entity, ID_LEN);
    op_str(m, F_BRANCH, OP_SET, "hq");
    op_str(m, F_US_LOGIN, OP_SET, login);
    op_str(m, F_US_PASSWORD, OP_SET, HASH);
    op_str(m, F_US_ROLES, OP_ADD, grant);
}

static void make_customer(made_t *m, const char *author, const char *branch)
{
    memset(m, 0, sizeof *m);
    m->rec.author = author;
    m->rec.author_len = strlen(author);
    m->rec.kind = KIND_CUSTOMER;
    m->rec.seq = 1;
    crypto_random(m->rec.entity, ID_LEN);
    op_str(m, F_BRANCH, OP_SET, branch);
    op_str(m, F_CU_NAME, OP_SET, "Someone");
}

static int append(fixture_t *f, made_t *m)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, true, &t), 0);
    feed_head_t mark = oplog_mark(f->log);
    int rc = oplog_append(f->log, t, &m->rec);
    if (rc) {
        oplog_rollback(f->log, mark);
        store_txn_abort(&t);
        return rc;
    }
    assert_int_equal(oplog_seal(f->log, t), 0);
    assert_int_equal(store_txn_commit(&t), 0);
    oplog_commit_done(f->log);
    return 0;
}

static void test_writer_admits_by_the_same_rule(void **state)
{
    fixture_t *f = *state; /* a hub, "hq" */
    made_t m;
    make_customer(&m, "anyone", "hq");
    assert_int_equal(append(f, &m), 0); /* no users: free text as before */
    make_user(&m, "setup", "boss", "admin org");
    assert_int_equal(append(f, &m), 0); /* the first user needs no role */
    make_customer(&m, "anyone", "hq");
    assert_int_equal(append(f, &m), ACCORD_EPERM);
    assert_non_null(strstr(oplog_why(f->log), "'anyone'"));
    make_user(&m, "boss", "ali", "staff branch b1");
    assert_int_equal(append(f, &m), 0);
    make_customer(&m, "ali", "hq"); /* at the hub, for hq's own customers: the shared view */
    assert_int_equal(append(f, &m), 0);
    made_t d;
    memset(&d, 0, sizeof d);
    d.rec.author = "ali", d.rec.author_len = 3, d.rec.kind = KIND_DEAL;
    crypto_random(d.rec.entity, ID_LEN);
    op_str(&d, F_BRANCH, OP_SET, "hq");
    op_str(&d, F_DE_TITLE, OP_SET, "A deal of HQ");
    assert_int_equal(append(f, &d), ACCORD_EPERM); /* ali's grant covers b1 only */
    make_user(&m, "ali", "eve", "admin org");
    assert_int_equal(append(f, &m), ACCORD_EPERM);
}

static void test_receiver_counts_the_batchs_own_records(void **state)
{
    fixture_t *f = *state;
    made_t m;
    make_user(&m, "setup", "boss", "admin org");
    assert_int_equal(append(f, &m), 0);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    const people_place_t hub = {"hq", "", true};
    char why[200];
    uint64_t now = HLC_PACK(hlc_wall_ms() + 1000, 0);
    /* a batch from the hub: boss makes ali, then ali adds a customer at b1's... from hq */
    people_batch_t batch = {0};
    made_t u, c;
    make_user(&u, "boss", "ali", "staff org");
    u.rec.hlc = now;
    assert_int_equal(people_admit(t, &hub, &u.rec, &batch, why, sizeof why), 0);
    make_customer(&c, "ali", "hq");
    c.rec.hlc = now + 1;
    assert_int_equal(people_admit(t, &hub, &c.rec, &batch, why, sizeof why), 0); /* ali, made just before */
    assert_int_equal(people_admit(t, &hub, &c.rec, NULL, why, sizeof why), ACCORD_EPERM); /* alone: no ali */
    people_batch_free(&batch);
    /* before the org's first user, users and branches come only from a hub */
    store_txn_abort(&t);
    store_txn_t *t2;
    assert_int_equal(store_txn_begin(f->st, false, &t2), 0);
    assert_true(people_enforced(t2, NULL));
    store_txn_abort(&t2);
}

/* The hub's first user says up to which seq each feed is from before (its legacy field):
 * records of a feed up to there are not judged, later ones are; a branch cannot say so. */
static void test_records_from_before_the_first_user(void **state)
{
    fixture_t *f = *state; /* a hub with no roster: its own feed only */
    made_t m;
    make_user(&m, "setup", "boss", "admin org");
    char pair[64], hex[2 * ID_LEN + 1];
    uint8_t old_branch[ID_LEN];
    crypto_random(old_branch, ID_LEN);
    crypto_hex(old_branch, ID_LEN, hex);
    snprintf(pair, sizeof pair, "%s:5", hex);
    op_str(&m, F_US_LEGACY, OP_ADD, pair);
    assert_int_equal(append(f, &m), 0);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    /* the hub's word counts only if a hub wrote it: this fixture is not in a roster */
    assert_int_equal(people_legacy_seq(t, old_branch), 0);
    store_txn_abort(&t);
    char why[200];
    const people_place_t b1 = {"b1", "", false};
    made_t c;
    make_customer(&c, "old-free-text", "b1");
    memcpy(c.rec.origin, old_branch, ID_LEN);
    c.rec.seq = 3;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    people_batch_t batch = {.checked = true, .enforced = true, .legacy = 5}; /* as a hub's word gives it */
    assert_int_equal(people_admit(t, &b1, &c.rec, &batch, why, sizeof why), 0);
    c.rec.seq = 6;
    assert_int_equal(people_admit(t, &b1, &c.rec, &batch, why, sizeof why), ACCORD_EPERM);
    people_batch_free(&batch);
    /* what no author may do: claim another branch, change a login */
    make_customer(&c, "boss", "hq");
    assert_int_equal(people_admit(t, &b1, &c.rec, NULL, why, sizeof why), ACCORD_EPERM);
    assert_non_null(strstr(why, "made at 'hq'"));
    person_t boss;
    assert_int_equal(people_find(t, "boss", 4, &boss), 0);
    made_t rename;
    memset(&rename, 0, sizeof rename);
    rename.rec.author = "boss", rename.rec.author_len = 4, rename.rec.kind = KIND_USER;
    memcpy(rename.rec.entity, boss.id, ID_LEN);
    op_str(&rename, F_US_LOGIN, OP_SET, "chief");
    const people_place_t hub = {"hq", "", true};
    assert_int_equal(people_admit(t, &hub, &rename.rec, NULL, why, sizeof why), ACCORD_EPERM);
    assert_non_null(strstr(why, "never changes"));
    /* only the first user names feeds from before: a later one, even the hub's, may not */
    made_t later;
    make_user(&later, "boss", "late", "staff org");
    op_str(&later, F_US_LEGACY, OP_ADD, pair);
    assert_int_equal(people_admit(t, &hub, &later.rec, NULL, why, sizeof why), ACCORD_EPERM);
    assert_non_null(strstr(why, "only its first user"));
    /* nor move a record to the branch editing it */
    made_t deal;
    memset(&deal, 0, sizeof deal);
    deal.rec.author = "boss", deal.rec.author_len = 4, deal.rec.kind = KIND_DEAL, deal.rec.seq = 1;
    crypto_random(deal.rec.entity, ID_LEN);
    op_str(&deal, F_BRANCH, OP_SET, "hq");
    op_str(&deal, F_DE_TITLE, OP_SET, "HQ's deal");
    store_txn_abort(&t);
    assert_int_equal(append(f, &deal), 0);
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    deal.rec.n_ops = 0;
    op_str(&deal, F_BRANCH, OP_SET, "b1");
    assert_int_equal(people_admit(t, &b1, &deal.rec, NULL, why, sizeof why), ACCORD_EPERM);
    assert_non_null(strstr(why, "stays where it was made"));
    store_txn_abort(&t);
}

/* A line is judged by its document's branch: staff of b1 cannot change the lines (and so
 * the total) of HQ's quote. */
static void test_a_line_is_its_documents(void **state)
{
    fixture_t *f = *state;
    made_t m;
    make_user(&m, "setup", "boss", "admin org");
    assert_int_equal(append(f, &m), 0);
    make_user(&m, "boss", "ali", "staff branch b1");
    assert_int_equal(append(f, &m), 0);
    made_t quote;
    memset(&quote, 0, sizeof quote);
    quote.rec.author = "boss", quote.rec.author_len = 4, quote.rec.kind = KIND_QUOTE;
    crypto_random(quote.rec.entity, ID_LEN);
    op_str(&quote, F_BRANCH, OP_SET, "hq");
    op_str(&quote, F_QU_TITLE, OP_SET, "HQ's quote");
    assert_int_equal(append(f, &quote), 0);
    made_t line;
    memset(&line, 0, sizeof line);
    line.rec.author = "ali", line.rec.author_len = 3, line.rec.kind = KIND_LINE, line.rec.seq = 1;
    crypto_random(line.rec.entity, ID_LEN);
    op_str(&line, F_BRANCH, OP_SET, "b1");
    line.rec.ops[line.rec.n_ops++] =
        (record_op_t){F_LI_DOC, OP_SET, {VAL_REF, 0, (const char *)quote.rec.entity, ID_LEN}, false, {0}};
    store_txn_t *t;
    char why[200];
    const people_place_t b1 = {"b1", "", false};
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    assert_int_equal(people_admit(t, &b1, &line.rec, NULL, why, sizeof why), ACCORD_EPERM);
    assert_non_null(strstr(why, "branch hq"));
    uint8_t unknown[ID_LEN];
    crypto_random(unknown, ID_LEN);
    line.rec.ops[1].val.s = (const char *)unknown; /* a document this node does not hold yet */
    assert_int_equal(people_admit(t, &b1, &line.rec, NULL, why, sizeof why), ACCORD_EPERM);
    assert_non_null(strstr(why, "offered again"));
    store_txn_abort(&t);
}

static void test_first_users_come_from_a_hub(void **state)
{
    fixture_t *f = *state;
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    char why[200];
    made_t m;
    make_user(&m, "anyone", "evil", "admin org");
    m.rec.ops[0].val = (value_t){VAL_STR, 0, "b1", 2}; /* made at b1 */
    const people_place_t b1 = {"b1", "", false}, hub = {"hq", "", true};
    assert_int_equal(people_admit(t, &b1, &m.rec, NULL, why, sizeof why), ACCORD_EPERM);
    make_user(&m, "anyone", "boss", "admin org");
    assert_int_equal(people_admit(t, &hub, &m.rec, NULL, why, sizeof why), 0);
    store_txn_abort(&t);
}

/* ---- who the caller is, at the local API ---- */

static void test_peer_address(void **state)
{
    (void)state;
    api_caller_t c = api_caller_from_peer_address("localhost:1000:1001:4242");
    assert_true(c.known);
    assert_int_equal(c.uid, 1000);
    assert_int_equal(c.gid, 1001);
    assert_int_equal(c.pid, 4242);
    c = api_caller_from_peer_address("a:b:localhost:0:0:77"); /* an address with colons of its own */
    assert_true(c.known && c.uid == 0 && c.pid == 77);
    static const char *const bad[] = {"", "localhost", "1:2", ":1:2:3x", "h:1:2:0", "h:1:2:-5", "h:x:2:3",
                                      "h:1:2:", "h:99999999999:2:3", "h::2:3", "::0:7", "h: 5:2:3", "h:+5:2:3",
                                      NULL};
    for (unsigned i = 0; bad[i]; i++) assert_false(api_caller_from_peer_address(bad[i]).known);
    assert_false(api_caller_from_peer_address(NULL).known);
}

static void map_account(node_t *n, uint32_t uid, const char *login)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->fx.st, true, &t), 0);
    assert_int_equal(osmap_put(t, uid, login), 0);
    assert_int_equal(store_txn_commit(&t), 0);
}

static void test_who_the_caller_is(void **state)
{
    (void)state;
    node_t n;
    node_open_as(&n, "hq", "hub");
    result_t r = {0};
    api_caller_t other = {true, 1000, 1000, (int32_t)getpid() + 1}, web = {true, 1000, 1000, (int32_t)getpid()},
                 tcp = {false, 0, 0, 0};
    api_set_caller(n.api, &other);
    call(&n, &r, "create", "kind", "customer", "name", "Free Text", "user", "whoever", NULL);
    ok(&r); /* no users yet: as before */
    call(&n, &r, "user_add", "login", "sara", "password_hash", HASH, "roles", "staff branch b1", NULL);
    ok(&r);
    call(&n, &r, "user_add", "login", "bob", "password_hash", HASH, "roles", "staff branch b1", NULL);
    refused(&r, ACCORD_EAUTH, "not mapped"); /* the org has a user now: who is asking? */
    map_account(&n, 1000, "sara");
    call(&n, &r, "create", "kind", "customer", "name", "Sara's", NULL);
    ok(&r);
    call(&n, &r, "create", "kind", "customer", "name", "As Bob", "user", "bob", NULL);
    refused(&r, ACCORD_EAUTH, "writes as 'sara'");
    call(&n, &r, "create", "kind", "customer", "name", "As Sara", "user", "SARA", NULL);
    ok(&r); /* the same login, as typed */
    /* saved filters are the caller's: naming another user is refused, not obeyed */
    call(&n, &r, "view_save", "name", "mine", "filter", "{\"branch\":\"b1\"}", NULL);
    ok(&r);
    call(&n, &r, "views", "user", "bob", NULL);
    refused(&r, ACCORD_EAUTH, "writes as 'sara'");
    call(&n, &r, "views", NULL);
    ok(&r);
    const msgpack_object *items = get(&r.out.data, "items");
    assert_non_null(items);
    assert_int_equal(items->via.array.size, 1);
    result_done(&r);
    /* the node's own HTTP thread names the signed-in user */
    api_set_caller(n.api, &web);
    call(&n, &r, "create", "kind", "customer", "name", "From The Page", "user", "sara", NULL);
    ok(&r);
    call(&n, &r, "create", "kind", "customer", "name", "No User", NULL);
    refused(&r, ACCORD_EAUTH, "no signed-in user");
    /* a client without peer credentials (tcp://) writes as no one */
    api_set_caller(n.api, &tcp);
    call(&n, &r, "create", "kind", "customer", "name", "Over TCP", "user", "sara", NULL);
    refused(&r, ACCORD_EAUTH, "credentials");
    node_close(&n);
}

/* ---- a branch that holds its own key: what its records may not do at the hub ---- */

static const char HASH2[] = "$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
                            "s2hxFiaHtYOFT5ZUZpaicnhbPGfRcRcItbAQw5cN9+4";

static const people_place_t FROM_B1 = {"b1", "", false}, FROM_HUB = {"hq", "", true};

/* A record of kind on entity by author, with no ops yet. */
static void make_change(made_t *m, const char *author, unsigned kind, const uint8_t entity[ID_LEN])
{
    memset(m, 0, sizeof *m);
    m->rec.author = author;
    m->rec.author_len = strlen(author);
    m->rec.kind = (uint8_t)kind;
    memcpy(m->rec.entity, entity, ID_LEN);
    m->rec.hlc = HLC_PACK(hlc_wall_ms() + 1000, 0);
}

/* people_admit of m as a receiver judges it, made at place (a batch of its own). */
static int admit_from(fixture_t *f, const people_place_t *place, const made_t *m)
{
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    char why[200] = "";
    int rc = people_admit(t, place, &m->rec, NULL, why, sizeof why);
    store_txn_abort(&t);
    return rc;
}

static void test_own_password_only_where_all_ones_grants_are(void **state)
{
    fixture_t *f = *state;
    made_t boss, ali, m;
    make_user(&boss, "setup", "boss", "admin org");
    assert_int_equal(append(f, &boss), 0);
    make_user(&ali, "boss", "ali", "staff branch b1");
    assert_int_equal(append(f, &ali), 0);
    /* b1 writes as the HQ admin a new password for the HQ admin: it would sign in at HQ */
    make_change(&m, "boss", KIND_USER, boss.rec.entity);
    op_str(&m, F_US_PASSWORD, OP_SET, HASH2);
    assert_int_equal(admit_from(f, &FROM_B1, &m), ACCORD_EPERM);
    m.rec.ops[0].val = (value_t){VAL_NIL, 0, NULL, 0}; /* or clears it: the HQ admin signs in nowhere */
    assert_int_equal(admit_from(f, &FROM_B1, &m), ACCORD_EPERM);
    /* at HQ boss sets their own; ali, whose roles are all b1's, sets hers at b1 */
    make_change(&m, "boss", KIND_USER, boss.rec.entity);
    op_str(&m, F_US_PASSWORD, OP_SET, HASH2);
    assert_int_equal(admit_from(f, &FROM_HUB, &m), 0);
    make_change(&m, "ali", KIND_USER, ali.rec.entity);
    op_str(&m, F_US_PASSWORD, OP_SET, HASH2);
    assert_int_equal(admit_from(f, &FROM_B1, &m), 0);
    /* an HQ admin whose roles were all taken away (to be given back later) holds no grant
     * of b1 either: b1 setting their password would sign in at HQ once the role is back */
    made_t old;
    make_user(&old, "boss", "old", "admin org");
    assert_int_equal(append(f, &old), 0);
    make_change(&m, "boss", KIND_USER, old.rec.entity);
    op_str(&m, F_US_ROLES, OP_REMOVE, "admin org");
    assert_int_equal(append(f, &m), 0);
    make_change(&m, "old", KIND_USER, old.rec.entity);
    m.rec.hlc = HLC_PACK(hlc_wall_ms() + 60000, 0); /* after the removal */
    op_str(&m, F_US_PASSWORD, OP_SET, HASH2);
    assert_int_equal(admit_from(f, &FROM_B1, &m), ACCORD_EPERM);
}

/* A line stays on its document, at every receiver as at the writer's API: staff of b1
 * moving a line of HQ's quote onto b1's own would take it (and its amount) out of HQ's
 * quote, judged by the document it goes to only. */
static void test_a_line_stays_on_its_document(void **state)
{
    fixture_t *f = *state;
    made_t m;
    make_user(&m, "setup", "boss", "admin org");
    assert_int_equal(append(f, &m), 0);
    make_user(&m, "boss", "ali", "staff branch b1");
    assert_int_equal(append(f, &m), 0);
    made_t hq_quote, hq_line, b1_quote, move;
    memset(&hq_quote, 0, sizeof hq_quote);
    hq_quote.rec.author = "boss", hq_quote.rec.author_len = 4, hq_quote.rec.kind = KIND_QUOTE;
    crypto_random(hq_quote.rec.entity, ID_LEN);
    op_str(&hq_quote, F_BRANCH, OP_SET, "hq");
    op_str(&hq_quote, F_QU_TITLE, OP_SET, "HQ's quote");
    assert_int_equal(append(f, &hq_quote), 0);
    memset(&hq_line, 0, sizeof hq_line);
    hq_line.rec.author = "boss", hq_line.rec.author_len = 4, hq_line.rec.kind = KIND_LINE;
    crypto_random(hq_line.rec.entity, ID_LEN);
    op_str(&hq_line, F_BRANCH, OP_SET, "hq");
    hq_line.rec.ops[hq_line.rec.n_ops++] =
        (record_op_t){F_LI_DOC, OP_SET, {VAL_REF, 0, (const char *)hq_quote.rec.entity, ID_LEN}, false, {0}};
    assert_int_equal(append(f, &hq_line), 0);
    /* b1's feed: ali makes a quote of b1, then points HQ's line at it */
    const people_place_t b1 = {"b1", "", false};
    store_txn_t *t;
    char why[200];
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    people_batch_t batch = {0};
    memset(&b1_quote, 0, sizeof b1_quote);
    b1_quote.rec.author = "ali", b1_quote.rec.author_len = 3, b1_quote.rec.kind = KIND_QUOTE, b1_quote.rec.seq = 1;
    crypto_random(b1_quote.rec.entity, ID_LEN);
    op_str(&b1_quote, F_BRANCH, OP_SET, "b1");
    op_str(&b1_quote, F_QU_TITLE, OP_SET, "b1's quote");
    assert_int_equal(people_admit(t, &b1, &b1_quote.rec, &batch, why, sizeof why), 0);
    make_change(&move, "ali", KIND_LINE, hq_line.rec.entity);
    move.rec.seq = 2;
    move.rec.ops[move.rec.n_ops++] =
        (record_op_t){F_LI_DOC, OP_SET, {VAL_REF, 0, (const char *)b1_quote.rec.entity, ID_LEN}, false, {0}};
    assert_int_equal(people_admit(t, &b1, &move.rec, &batch, why, sizeof why), ACCORD_EPERM);
    assert_non_null(strstr(why, "stays on its document"));
    /* nor may an admin of the org move it: no edit moves a line */
    make_change(&move, "boss", KIND_LINE, hq_line.rec.entity);
    move.rec.ops[move.rec.n_ops++] =
        (record_op_t){F_LI_DOC, OP_SET, {VAL_REF, 0, (const char *)b1_quote.rec.entity, ID_LEN}, false, {0}};
    assert_int_equal(people_admit(t, &FROM_HUB, &move.rec, &batch, why, sizeof why), ACCORD_EPERM);
    /* the same document again moves nothing */
    move.rec.ops[0].val.s = (const char *)hq_quote.rec.entity;
    assert_int_equal(people_admit(t, &FROM_HUB, &move.rec, &batch, why, sizeof why), 0);
    people_batch_free(&batch);
    store_txn_abort(&t);
}

/* A user is disabled, never deleted: a deleted user takes its index terms with it, so
 * deleting the org's users turned the model off (people_enforced) and deleting the first
 * one dropped the hub's legacy vector, at every node that applied it. */
static void test_a_user_is_never_deleted(void **state)
{
    fixture_t *f = *state;
    made_t boss, ali, m;
    make_user(&boss, "setup", "boss", "admin org");
    assert_int_equal(append(f, &boss), 0);
    make_user(&ali, "boss", "ali", "staff branch b1");
    assert_int_equal(append(f, &ali), 0);
    const uint8_t *users[] = {ali.rec.entity, boss.rec.entity};
    for (unsigned i = 0; i < 2; i++) {
        make_change(&m, "boss", KIND_USER, users[i]);
        m.rec.ops[m.rec.n_ops++] = (record_op_t){F_DELETED, OP_SET, {VAL_BOOL, 1, NULL, 0}, false, {0}};
        assert_int_equal(append(f, &m), ACCORD_EPERM);
        assert_non_null(strstr(oplog_why(f->log), "disable"));
    }
    store_txn_t *t;
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    assert_true(people_enforced(t, NULL));
    store_txn_abort(&t);
    /* nor at a branch, by an admin there of a user of that branch */
    make_change(&m, "boss", KIND_USER, ali.rec.entity);
    m.rec.ops[m.rec.n_ops++] = (record_op_t){F_DELETED, OP_SET, {VAL_BOOL, 1, NULL, 0}, false, {0}};
    assert_int_equal(admit_from(f, &FROM_B1, &m), ACCORD_EPERM);
}

/* A document's lines come before it in its feed (api_sales_create.c appends them first,
 * the document's totals after, in one commit): the writer and every receiver judge them by
 * that document (its branch), which the writer makes next and a receiver finds in the same
 * batch. Refused as "not held yet", no quote with lines could be made once the org had users. */
static void test_a_documents_lines_come_before_it(void **state)
{
    fixture_t *f = *state;
    made_t m;
    make_user(&m, "setup", "boss", "admin org");
    assert_int_equal(append(f, &m), 0);
    make_user(&m, "boss", "ali", "staff branch b1");
    assert_int_equal(append(f, &m), 0);
    /* at the writer: the line, then its quote */
    made_t quote, line;
    memset(&quote, 0, sizeof quote);
    quote.rec.author = "boss", quote.rec.author_len = 4, quote.rec.kind = KIND_QUOTE;
    crypto_random(quote.rec.entity, ID_LEN);
    op_str(&quote, F_BRANCH, OP_SET, "hq");
    op_str(&quote, F_QU_TITLE, OP_SET, "HQ's quote");
    memset(&line, 0, sizeof line);
    line.rec.author = "boss", line.rec.author_len = 4, line.rec.kind = KIND_LINE;
    crypto_random(line.rec.entity, ID_LEN);
    op_str(&line, F_BRANCH, OP_SET, "hq");
    line.rec.ops[line.rec.n_ops++] =
        (record_op_t){F_LI_DOC, OP_SET, {VAL_REF, 0, (const char *)quote.rec.entity, ID_LEN}, false, {0}};
    assert_int_equal(append(f, &line), 0);
    assert_int_equal(append(f, &quote), 0);
    /* at a receiver of b1's feed: ali's line, then her quote, in one batch */
    const people_place_t b1 = {"b1", "", false};
    quote.rec.author = "ali", quote.rec.author_len = 3, quote.rec.seq = 2;
    crypto_random(quote.rec.entity, ID_LEN);
    quote.rec.ops[0].val = (value_t){VAL_STR, 0, "b1", 2};
    line.rec.author = "ali", line.rec.author_len = 3, line.rec.seq = 1;
    crypto_random(line.rec.entity, ID_LEN);
    line.rec.ops[0].val = (value_t){VAL_STR, 0, "b1", 2};
    const record_t *recs[] = {&line.rec, &quote.rec};
    store_txn_t *t;
    char why[200];
    assert_int_equal(store_txn_begin(f->st, false, &t), 0);
    people_batch_t batch = {0};
    for (unsigned i = 0; i < 2; i++) people_batch_expect(&batch, recs[i]);
    for (unsigned i = 0; i < 2; i++) assert_int_equal(people_admit(t, &b1, recs[i], &batch, why, sizeof why), 0);
    people_batch_free(&batch);
    /* a line of a quote that is neither held nor in the batch is still offered again */
    assert_int_equal(people_admit(t, &b1, &line.rec, NULL, why, sizeof why), ACCORD_EPERM);
    assert_non_null(strstr(why, "offered again"));
    store_txn_abort(&t);
}

/* A login, once set, is never set again, not even to itself: the user made at a hub wins
 * a login held twice (people_made_at_hub reads who wrote it), and b1 re-setting the login
 * of HQ's user made it b1's writing (and clearing it was let through). */
static void test_a_login_is_set_once(void **state)
{
    fixture_t *f = *state;
    made_t boss, ali, m;
    make_user(&boss, "setup", "boss", "admin org");
    assert_int_equal(append(f, &boss), 0);
    make_user(&ali, "boss", "ali", "staff branch b1");
    assert_int_equal(append(f, &ali), 0);
    make_change(&m, "boss", KIND_USER, ali.rec.entity);
    op_str(&m, F_US_LOGIN, OP_SET, "ali");
    assert_int_equal(admit_from(f, &FROM_B1, &m), ACCORD_EPERM);
    assert_int_equal(admit_from(f, &FROM_HUB, &m), ACCORD_EPERM);
    m.rec.ops[0].val = (value_t){VAL_NIL, 0, NULL, 0}; /* nor cleared: the user would have none */
    assert_int_equal(admit_from(f, &FROM_B1, &m), ACCORD_EPERM);
}

static int setup_hub(void **state)
{
    *state = fixture_new("hq", "hub");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grants_as_text),
        cmocka_unit_test(test_peer_address),
        cmocka_unit_test(test_who_the_caller_is),
        cmocka_unit_test_setup_teardown(test_who_may_write_what_where, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_judged_at_the_records_time, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_what_an_admin_may_give, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_writer_admits_by_the_same_rule, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_receiver_counts_the_batchs_own_records, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_records_from_before_the_first_user, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_first_users_come_from_a_hub, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_a_line_is_its_documents, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_own_password_only_where_all_ones_grants_are, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_a_line_stays_on_its_document, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_a_user_is_never_deleted, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_a_documents_lines_come_before_it, setup_hub, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_a_login_is_set_once, setup_hub, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
