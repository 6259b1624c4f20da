/* SPDX-License-Identifier: MIT
 * accord: the branch staff's command line, built on the client library.
 * Every verb has --help; --json prints what the node returned for scripts.
 * Exit codes: client/exit_codes.h (shared with accordctl; docs/CLI.md). */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "accord_client.h"
#include "cli.h"
#include "exit_codes.h"
#include "export.h"
#include "import.h"
#include "output.h"
#include "sales_cli.h"
#include "print.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "accord: %s%s (see 'accord --help')\n", what, arg);
    return ACCORD_EXIT_USAGE;
}

static void print_created(const msgpack_object *o)
{
    char id[64];
    printf("%s\n", accord_obj_str(o, "id", id, sizeof id));
}

static const column_t customer_cols[] = {
    {"ID", "id", 12}, {"NAME", "name", 28}, {"PHONES", "phones", 18}, {"EMAILS", "emails", 24},
    {"CITY", "city", 12}, {"BRANCH", "branch", 0}};
static const column_t deal_cols[] = {
    {"ID", "id", 12}, {"TITLE", "title", 28}, {"STAGE", "stage", 12}, {"AMOUNT", "amount_text", 14},
    {"CUR", "currency", 4}, {"CLOSE", "expected_close", 10}, {"CUSTOMER", "customer", 0}};
static const column_t task_cols[] = {
    {"ID", "id", 12}, {"DUE", "due", 10}, {"AT", "due_time", 5}, {"DONE", "done", 4}, {"ASSIGNEE", "assignee", 12},
    {"TITLE", "title", 0}};
static const column_t contact_cols[] = {
    {"ID", "id", 12}, {"NAME", "name", 28}, {"ROLE", "role", 16}, {"PHONES", "phones", 18}, {"EMAILS", "emails", 0}};

static void print_customers(const msgpack_object *o) { cli_print_table(o, customer_cols, 6); }
static void print_deals(const msgpack_object *o) { cli_print_table(o, deal_cols, 7); }
static void print_tasks(const msgpack_object *o) { cli_print_table(o, task_cols, 6); }
static void print_contacts(const msgpack_object *o) { cli_print_table(o, contact_cols, 5); }
static const column_t interaction_cols[] = {
    {"ID", "id", 12}, {"WHEN", "when", 20}, {"TYPE", "type", 6}, {"OUTCOME", "outcome", 20}, {"SUMMARY", "summary", 0}};
static const column_t note_cols[] = {{"ID", "id", 12}, {"CREATED", "created", 20}, {"BRANCH", "branch", 12}, {"TEXT", "text", 0}};
static void print_interactions(const msgpack_object *o) { cli_print_table(o, interaction_cols, 5); }
static void print_notes(const msgpack_object *o) { cli_print_table(o, note_cols, 4); }

static void print_history(const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_ARRAY) return;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *h = &o->via.array.ptr[i];
        char when[64], author[128], branch[128], sig[32];
        printf("%s  %s @ %s  signature %s\n", accord_obj_str(h, "when", when, sizeof when),
               accord_obj_str(h, "author", author, sizeof author), accord_obj_str(h, "branch", branch, sizeof branch),
               accord_obj_str(h, "signature", sig, sizeof sig));
        const msgpack_object *ch = accord_obj_get(h, "changes");
        for (uint32_t j = 0; ch && ch->type == MSGPACK_OBJECT_ARRAY && j < ch->via.array.size; j++) {
            char field[64], op[16], val[1024];
            const msgpack_object *c = &ch->via.array.ptr[j];
            accord_obj_str(c, "field", field, sizeof field);
            accord_obj_str(c, "op", op, sizeof op);
            output_cell(accord_obj_get(c, "value"), val, sizeof val);
            printf("    %-7s %-15s %s\n", op, field, val);
        }
    }
}

static void print_conflicts(const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_ARRAY) return;
    if (o->via.array.size == 0) printf("no open conflicts\n");
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *c = &o->via.array.ptr[i];
        char id[64], kind[32], field[64], winner[16], conflict[256], last[2] = "a";
        printf("%s %s field %s (kept: %s)\n", accord_obj_str(c, "kind", kind, sizeof kind),
               accord_obj_str(c, "id", id, sizeof id), accord_obj_str(c, "field", field, sizeof field),
               accord_obj_str(c, "winner", winner, sizeof winner));
        const msgpack_object *sides = accord_obj_get(c, "sides");
        uint32_t n = sides && sides->type == MSGPACK_OBJECT_ARRAY ? sides->via.array.size : 0;
        for (uint32_t s = 0; s < n; s++) {
            const msgpack_object *side = &sides->via.array.ptr[s];
            char label[8], val[1024], who[128], br[128], when[64];
            output_cell(accord_obj_get(side, "value"), val, sizeof val);
            accord_obj_str(side, "side", label, sizeof label);
            printf("  %s: ", label);
            output_aligned(stdout, val, 30);
            printf(" by %s @ %s, %s\n", accord_obj_str(side, "author", who, sizeof who),
                   accord_obj_str(side, "branch", br, sizeof br), accord_obj_str(side, "when", when, sizeof when));
            last[0] = label[0];
        }
        const msgpack_object *total = accord_obj_get(c, "n_sides");
        if (total && total->type == MSGPACK_OBJECT_POSITIVE_INTEGER && total->via.u64 > n)
            printf("  ... and %llu more sides not shown; keeping one of these joins them all\n",
                   (unsigned long long)(total->via.u64 - n));
        printf("  resolve: accord conflicts resolve %s --keep a%s%s\n", accord_obj_str(c, "conflict", conflict, sizeof conflict),
               n > 1 ? "..": "", n > 1 ? last : "");
    }
}

static void print_resolved(const msgpack_object *o)
{
    const msgpack_object *left = accord_obj_get(o, "remaining");
    print_created(o);
    if (left && left->type == MSGPACK_OBJECT_POSITIVE_INTEGER && left->via.u64)
        printf("%llu sides are not joined yet (one change holds only so many): run the same resolve again\n",
               (unsigned long long)left->via.u64);
}

/* One customer of a likely pair: its short id, its name and branch aligned by display
 * width (Persian and Chinese names take fewer columns than bytes). */
static void print_dupe_side(const char *id, const char *name, const char *branch)
{
    char shown[TIMEID_SHORT_CLI + 1];
    printf("%s  ", cli_short_id(id, shown));
    output_aligned(stdout, name, 28);
    putchar(' ');
    output_aligned(stdout, branch, 12);
    putchar('\n');
}

static void print_dupes(const msgpack_object *o)
{
    const msgpack_object *pairs = accord_obj_get(o, "pairs"), *shared = accord_obj_get(o, "shared");
    uint32_t n = pairs && pairs->type == MSGPACK_OBJECT_ARRAY ? pairs->via.array.size : 0;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *p = &pairs->via.array.ptr[i];
        char a[40], b[40], an[300], bn[300], ab[80], bb[80];
        accord_obj_str(p, "a", a, sizeof a);
        accord_obj_str(p, "b", b, sizeof b);
        accord_obj_str(p, "a_name", an, sizeof an), accord_obj_str(p, "b_name", bn, sizeof bn);
        accord_obj_str(p, "a_branch", ab, sizeof ab), accord_obj_str(p, "b_branch", bb, sizeof bb);
        print_dupe_side(a, an, ab);
        print_dupe_side(b, bn, bb);
        const msgpack_object *why = accord_obj_get(p, "reasons");
        for (uint32_t j = 0; why && why->type == MSGPACK_OBJECT_ARRAY && j < why->via.array.size; j++)
            if (why->via.array.ptr[j].type == MSGPACK_OBJECT_STR)
                printf("    %.*s\n", (int)why->via.array.ptr[j].via.str.size, why->via.array.ptr[j].via.str.ptr);
        char sa[TIMEID_SHORT_CLI + 1], sb[TIMEID_SHORT_CLI + 1];
        printf("    merge: accord customer merge %s %s\n\n", cli_short_id(a, sa), cli_short_id(b, sb));
    }
    for (uint32_t i = 0; shared && shared->type == MSGPACK_OBJECT_ARRAY && i < shared->via.array.size; i++) {
        const msgpack_object *s = &shared->via.array.ptr[i];
        char what[16], value[300], count[32];
        output_cell(accord_obj_get(s, "customers"), count, sizeof count);
        printf("shared by %s customers (not listed as pairs): %s %s\n", count, accord_obj_str(s, "what", what, sizeof what),
               accord_obj_str(s, "value", value, sizeof value));
    }
    char found[32], total[32];
    output_cell(accord_obj_get(o, "pairs_found"), found, sizeof found);
    output_cell(accord_obj_get(o, "customers"), total, sizeof total);
    printf("(%s likely duplicate pairs among %s customers%s)\n", found, total,
           n && strcmp(found, "0") && (uint32_t)atoi(found) > n ? "; more with --limit" : "");
}

static void print_merged(const msgpack_object *o)
{
    char kept[40], merged[40], moved[32], copied[32], sk[TIMEID_SHORT_CLI + 1], sm[TIMEID_SHORT_CLI + 1];
    output_cell(accord_obj_get(o, "moved"), moved, sizeof moved);
    output_cell(accord_obj_get(o, "copied"), copied, sizeof copied);
    printf("merged %s into %s: %s records now point at it, %s values copied to it\n",
           cli_short_id(accord_obj_str(o, "merged", merged, sizeof merged), sm),
           cli_short_id(accord_obj_str(o, "kept", kept, sizeof kept), sk), moved, copied);
}

static void print_ok(const msgpack_object *o) { (void)o; printf("done\n"); }

/* ---- verbs ---- */

static int simple(const cli_t *cli, const char *verb, accord_args_t *a, void (*human)(const msgpack_object *))
{
    accord_reply_t r;
    return cli_finish(cli, cli_call(cli, verb, a, &r), &r, human);
}

static int run_customer_add(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; accord_args_str(a, "kind", "customer"); return simple(cli, "create", a, print_created); }
static int run_contact_add(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; accord_args_str(a, "kind", "contact"); return simple(cli, "create", a, print_created); }
static int run_deal_add(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; accord_args_str(a, "kind", "deal"); return simple(cli, "create", a, print_created); }
static int run_task_add(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; accord_args_str(a, "kind", "task"); return simple(cli, "create", a, print_created); }

static int run_edit(const cli_t *cli, accord_args_t *a, char **pos, int n, const char *kind)
{
    (void)n;
    accord_args_str(a, "id", pos[0]);
    accord_args_str(a, "kind", kind);
    return simple(cli, "update", a, print_created);
}
static int run_customer_edit(const cli_t *cli, accord_args_t *a, char **pos, int n) { return run_edit(cli, a, pos, n, "customer"); }
static int run_deal_edit(const cli_t *cli, accord_args_t *a, char **pos, int n) { return run_edit(cli, a, pos, n, "deal"); }
static int run_contact_edit(const cli_t *cli, accord_args_t *a, char **pos, int n) { return run_edit(cli, a, pos, n, "contact"); }
static int run_task_edit(const cli_t *cli, accord_args_t *a, char **pos, int n) { return run_edit(cli, a, pos, n, "task"); }

static int run_show(const cli_t *cli, accord_args_t *a, char **pos, int n, const char *kind)
{
    (void)n;
    return cli_show(cli, a, pos[0], kind, cli_print_record);
}
static int run_customer_show(const cli_t *cli, accord_args_t *a, char **pos, int n) { return run_show(cli, a, pos, n, "customer"); }
static int run_deal_show(const cli_t *cli, accord_args_t *a, char **pos, int n) { return run_show(cli, a, pos, n, "deal"); }

static int run_list(const cli_t *cli, accord_args_t *a, const char *kind, void (*human)(const msgpack_object *))
{
    char what[32];
    accord_args_str(a, "kind", kind);
    snprintf(what, sizeof what, "%ss", kind);
    return cli_run_page(cli, "list", a, what, human);
}
static int run_customer_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return run_list(cli, a, "customer", print_customers); }
static int run_deal_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return run_list(cli, a, "deal", print_deals); }
static int run_task_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return run_list(cli, a, "task", print_tasks); }
static int run_contact_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return run_list(cli, a, "contact", print_contacts); }
static int run_log_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return run_list(cli, a, "interaction", print_interactions); }
static int run_note_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return run_list(cli, a, "note", print_notes); }

static int run_customer_search(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    char q[512] = "";
    for (int i = 0; i < n; i++)
        snprintf(q + strlen(q), sizeof q - strlen(q), "%s%s", i ? " " : "", pos[i]);
    accord_args_str(a, "q", q);
    accord_args_str(a, "kind", "customer");
    return cli_run_page(cli, "search", a, "customers", print_customers);
}

static int run_customer_tag(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    const char *add[64], *rem[64];
    unsigned na = 0, nr = 0;
    for (int i = 1; i < n && na < 64 && nr < 64; i++) {
        if (pos[i][0] == '-' && pos[i][1]) rem[nr++] = pos[i] + 1;
        else add[na++] = pos[i][0] == '+' ? pos[i] + 1 : pos[i];
    }
    if (na) accord_args_strv(a, "add:tags", add, na);
    if (nr) accord_args_strv(a, "remove:tags", rem, nr);
    accord_args_str(a, "id", pos[0]);
    accord_args_str(a, "kind", "customer");
    return simple(cli, "update", a, print_created);
}

static int run_customer_dupes(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return simple(cli, "dupes", a, print_dupes); }
static int run_customer_merge(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)n;
    accord_args_str(a, "keep", pos[0]);
    accord_args_str(a, "other", pos[1]);
    return simple(cli, "merge", a, print_merged);
}

static int run_delete(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)n;
    accord_args_str(a, "id", pos[0]);
    accord_args_str(a, "kind", "customer");
    return simple(cli, "delete", a, print_ok);
}

static int run_deal_move(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)n;
    accord_args_str(a, "id", pos[0]);
    accord_args_str(a, "kind", "deal");
    accord_args_str(a, "stage", pos[1]);
    return simple(cli, "update", a, print_created);
}

static int run_task_done(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)n;
    accord_args_str(a, "id", pos[0]);
    accord_args_str(a, "kind", "task");
    accord_args_bool(a, "done", true);
    return simple(cli, "update", a, print_ok);
}

/* type: the interaction's type, from the verb's name ("log call": "call") */
static int run_log(const cli_t *cli, accord_args_t *a, char **pos, const char *type)
{
    accord_args_str(a, "kind", "interaction");
    accord_args_str(a, "type", type);
    accord_args_str(a, "customer", pos[0]);
    return simple(cli, "create", a, print_created);
}

static int run_note_add(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    char text[4096] = "";
    for (int i = 1; i < n; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", i > 1 ? " " : "", pos[i]);
    accord_args_str(a, "kind", "note");
    accord_args_str(a, "related", pos[0]);
    accord_args_str(a, "text", text);
    return simple(cli, "create", a, print_created);
}

static int run_history(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)n;
    accord_args_str(a, "id", pos[0]);
    return cli_run_page(cli, "history", a, "changes", print_history);
}

static int run_conflicts(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)pos;
    (void)n;
    return cli_run_page(cli, "conflicts", a, "conflicts", print_conflicts);
}

static int run_conflicts_resolve(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)n;
    accord_args_str(a, "conflict", pos[0]);
    return simple(cli, "resolve", a, print_resolved);
}

static void print_status(const msgpack_object *o) { cli_print_record(o); }
static int run_status(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return simple(cli, "status", a, print_status); }

/* ---- option tables ---- */

#define CUSTOMER_FIELDS                                                                  \
    {"name", "name", 0, "full name (required when adding)"},                            \
    {"type", "type", 0, "person or company"},                                           \
    {"phone", "add:phones", O_MULTI, "a phone number, any formatting; repeatable"},    \
    {"email", "add:emails", O_MULTI, "an e-mail address; repeatable"},                 \
    {"address", "address", 0, "street address"},                                       \
    {"city", "city", 0, "city"},                                                        \
    {"national-id", "national_id", 0, "national or company id"},                        \
    {"segment", "segment", 0, "segment, e.g. retail, fleet"},                           \
    {"source", "source", 0, "where the customer came from"},                            \
    {"assigned", "assigned", 0, "user responsible"},                                    \
    {"language", "language", 0, "the language quotes and invoices are printed in: en or fa"}, \
    {"consent-email", "consent_email", 0, "yes or no"},                                 \
    {"consent-sms", "consent_sms", 0, "yes or no"},                                     \
    {"tag", "add:tags", O_MULTI, "a tag; repeatable"}

static const opt_t customer_add_opts[] = {CUSTOMER_FIELDS, {0}};
static const opt_t customer_edit_opts[] = {
    CUSTOMER_FIELDS,
    {"clear", "", O_MULTI, "empty a field, e.g. --clear city; repeatable"},
    {"remove-phone", "remove:phones", O_MULTI, "remove a phone number"},
    {"remove-email", "remove:emails", O_MULTI, "remove an e-mail address"},
    {"untag", "remove:tags", O_MULTI, "remove a tag"},
    {0}};
static const opt_t list_opts[] = {
    {"branch", "branch", 0, "only records owned by this branch"},
    {"tag", "tag", 0, "only customers with this tag"}, {"assigned", "assigned", 0, "only customers assigned to this user"},
    {"city", "city", 0, "only customers in this city"}, {"segment", "segment", 0, "only customers of this segment"},
    SORT_OPTS("name, created, city, branch, segment or assigned"), PAGE_OPTS, {0}};
static const opt_t search_opts[] = {
    {"by", "by", 0, "name, phone, email, tag, branch or national_id (default: guessed)"},
    {"limit", "limit", 0, "at most this many, 1-1000 (default 50)"}, {0}};
static const opt_t no_opts[] = {{0}};
static const opt_t history_opts[] = {{"after", "after", 0, "start after this change (the 'more' line's cursor)"},
    {"limit", "limit", 0, "at most this many, oldest first (default 1000, at most 1000)"}, {0}};
static const opt_t dupes_opts[] = {{"limit", "limit", 0, "at most this many pairs (default 1000)"}, {0}};
static const opt_t contact_opts[] = {
    {"customer", "customer", 0, "the company customer's id (required)"},
    {"name", "name", 0, "full name (required)"},
    {"phone", "add:phones", O_MULTI, "a phone number; repeatable"},
    {"email", "add:emails", O_MULTI, "an e-mail address; repeatable"},
    {"role", "role", 0, "job title"}, {0}};
static const opt_t contact_edit_opts[] = {
    {"name", "name", 0, "full name"}, {"role", "role", 0, "job title"},
    {"phone", "add:phones", O_MULTI, "a phone number to add; repeatable"},
    {"email", "add:emails", O_MULTI, "an e-mail address to add; repeatable"},
    {"remove-phone", "remove:phones", O_MULTI, "remove a phone number"},
    {"remove-email", "remove:emails", O_MULTI, "remove an e-mail address"},
    {"clear", "", O_MULTI, "empty a field, e.g. --clear role; repeatable"}, {0}};
static const opt_t contact_list_opts[] = {{"customer", "customer", 0, "contacts of this customer"}, PAGE_OPTS, {0}};
static const opt_t log_list_opts[] = {{"customer", "customer", 0, "calls, visits and messages of this customer"}, PAGE_OPTS, {0}};
static const opt_t note_list_opts[] = {{"customer", "customer", 0, "notes of this customer, deal or task"}, PAGE_OPTS, {0}};
#define DEAL_FIELDS                                                                      \
    {"title", "title", 0, "what is being sold (required when adding)"},                \
    {"stage", "stage", 0, "pipeline stage (default: the first)"},                      \
    {"amount", "amount", 0, "amount, e.g. 12500.00 (needs --currency)"},               \
    {"currency", "currency", 0, "ISO 4217 code, e.g. EUR, IRR, CNY"},                  \
    {"close", "expected_close", 0, "expected close date, YYYY-MM-DD"},                 \
    {"probability", "probability", 0, "0 to 100"},                                     \
    {"assigned", "assigned", 0, "user responsible"},                                   \
    {"tag", "add:tags", O_MULTI, "a tag; repeatable"}
static const opt_t deal_add_opts[] = {
    {"customer", "customer", 0, "the customer's id (required)"}, DEAL_FIELDS, {0}};
static const opt_t deal_edit_opts[] = {
    DEAL_FIELDS, {"lost-reason", "lost_reason", 0, "why the deal was lost"},
    {"clear", "", O_MULTI, "empty a field, e.g. --clear expected_close; repeatable"},
    {"untag", "remove:tags", O_MULTI, "remove a tag"}, {0}};
static const opt_t deal_move_opts[] = {{"lost-reason", "lost_reason", 0, "why the deal was lost"}, {0}};
static const opt_t deal_list_opts[] = {
    {"stage", "stage", 0, "only deals in this stage"}, {"customer", "customer", 0, "only this customer's deals"},
    {"branch", "branch", 0, "only deals owned by this branch"}, {"assigned", "assigned", 0, "only deals assigned to this user"},
    {"tag", "tag", 0, "only deals with this tag"},
    SORT_OPTS("title, created, branch, assigned or stage"), PAGE_OPTS, {0}};
#define TASK_FIELDS                                                                      \
    {"due", "due", 0, "due date, YYYY-MM-DD"},                                          \
    {"due-time", "due_time", 0, "due time on that date, HH:MM 24-hour (the branch's time)"}, \
    {"reminder", "reminder", 0, "remind this many minutes before the due time, 0-10080"},  \
    {"assignee", "assignee", 0, "who does it"},                                         \
    {"related", "related", 0, "id of a related customer, deal, ..."}
static const opt_t task_add_opts[] = {{"title", "title", 0, "what to do (required)"}, TASK_FIELDS, {0}};
static const opt_t task_edit_opts[] = {
    {"title", "title", 0, "what to do"}, TASK_FIELDS,
    {"clear", "", O_MULTI, "empty a field, e.g. --clear due_time; repeatable"}, {0}};
static const opt_t task_list_opts[] = {
    {"due", "due", 0, "open tasks due on this day: 'today' or YYYY-MM-DD"},
    {"overdue", "overdue", O_FLAG, "open tasks past their due date, or due time today"},
    {"open", "open", O_FLAG, "only tasks not done"},
    {"assignee", "assignee", 0, "only tasks of this assignee (the exact name)"},
    {"from", "due_from", 0, "only tasks due on this day (YYYY-MM-DD) or later"},
    {"to", "due_to", 0, "only tasks due on this day (YYYY-MM-DD) or earlier"},
    {"today", "today", 0, "take this date (YYYY-MM-DD) as today"},
    {"now", "now", 0, "take this time (HH:MM) as now, for --overdue"}, PAGE_OPTS, {0}};
static const opt_t log_opts[] = {
    {"summary", "summary", 0, "what was said or done"}, {"outcome", "outcome", 0, "result, e.g. interested"},
    {"when", "when", 0, "ISO 8601 date and time (default: now)"}, {0}};
static const opt_t conflicts_opts[] = {{"all", "all", O_FLAG, "include resolved conflicts"},
    {"after", "after", 0, "start after this conflict (the 'more' line's id)"},
    {"limit", "limit", 0, "at most this many (default 100, at most 1000)"}, {0}};
static const opt_t resolve_opts[] = {{"keep", "keep", 0, "the side to keep, a, b, c... as listed (required)"}, {0}};

static int run_log_call(const cli_t *cli, accord_args_t *a, char **p, int n) { (void)n; return run_log(cli, a, p, "call"); }
static int run_log_visit(const cli_t *cli, accord_args_t *a, char **p, int n) { (void)n; return run_log(cli, a, p, "visit"); }
static int run_log_email(const cli_t *cli, accord_args_t *a, char **p, int n) { (void)n; return run_log(cli, a, p, "email"); }
static int run_log_sms(const cli_t *cli, accord_args_t *a, char **p, int n) { (void)n; return run_log(cli, a, p, "sms"); }
static int run_log_chat(const cli_t *cli, accord_args_t *a, char **p, int n) { (void)n; return run_log(cli, a, p, "chat"); }

static const verb_t verbs[] = {
    {"customer add", "", "add a customer", customer_add_opts, run_customer_add, 0, 0},
    {"customer edit", "ID", "change a customer's fields", customer_edit_opts, run_customer_edit, 1, 1},
    {"customer show", "ID", "show one customer", no_opts, run_customer_show, 1, 1},
    {"customer list", "", "list customers", list_opts, run_customer_list, 0, 0},
    {"customer search", "QUERY...", "find customers by name, phone (any format, suffix), e-mail, tag, branch",
     search_opts, run_customer_search, 1, 20},
    {"customer tag", "ID [+]TAG|-TAG...", "add tags, or remove those written -TAG", no_opts, run_customer_tag, 2, 64},
    {"customer delete", "ID", "delete a customer (a tombstone that replicates)", no_opts, run_delete, 1, 1},
    {"customer dupes", "", "likely duplicates across every branch (same phone, e-mail or folded name), and why",
     dupes_opts, run_customer_dupes, 0, 0},
    {"customer merge", "KEEP OTHER", "merge OTHER into KEEP: its records, phones, e-mails, tags move; it becomes a "
     "tombstone pointing at KEEP", no_opts, run_customer_merge, 2, 2},
    {"contact add", "", "add a contact person of a company customer", contact_opts, run_contact_add, 0, 0},
    {"contact edit", "ID", "change a contact's fields", contact_edit_opts, run_contact_edit, 1, 1},
    {"contact list", "", "list contacts", contact_list_opts, run_contact_list, 0, 0},
    {"deal add", "", "add a deal", deal_add_opts, run_deal_add, 0, 0},
    {"deal edit", "ID", "change a deal's fields", deal_edit_opts, run_deal_edit, 1, 1},
    {"deal move", "ID STAGE", "move a deal to a pipeline stage", deal_move_opts, run_deal_move, 2, 2},
    {"deal show", "ID", "show one deal", no_opts, run_deal_show, 1, 1},
    {"deal list", "", "list deals", deal_list_opts, run_deal_list, 0, 0},
    {"task add", "", "add a follow-up task", task_add_opts, run_task_add, 0, 0},
    {"task edit", "ID", "change a task's fields (due date and time, reminder, assignee, ...)", task_edit_opts,
     run_task_edit, 1, 1},
    {"task done", "ID", "mark a task done", no_opts, run_task_done, 1, 1},
    {"task list", "", "list tasks", task_list_opts, run_task_list, 0, 0},
    {"log call", "CUSTOMER", "log a call with a customer", log_opts, run_log_call, 1, 1},
    {"log visit", "CUSTOMER", "log a visit", log_opts, run_log_visit, 1, 1},
    {"log email", "CUSTOMER", "log an e-mail", log_opts, run_log_email, 1, 1},
    {"log sms", "CUSTOMER", "log an SMS", log_opts, run_log_sms, 1, 1},
    {"log chat", "CUSTOMER", "log a chat", log_opts, run_log_chat, 1, 1},
    {"log list", "", "list calls, visits, e-mails, SMS and chats", log_list_opts, run_log_list, 0, 0},
    {"note add", "ID TEXT...", "add a note to a customer, deal or task", no_opts, run_note_add, 2, 200},
    {"note list", "", "list notes", note_list_opts, run_note_list, 0, 0},
    {"history", "ID", "every change to a record: when, who, which branch, signature", history_opts, run_history, 1, 1},
    {"conflicts", "", "list concurrent edits kept in the conflict log", conflicts_opts, run_conflicts, 0, 0},
    {"conflicts resolve", "CONFLICT", "keep one side of a conflict (itself a change)", resolve_opts,
     run_conflicts_resolve, 1, 1},
    {"status", "", "this node's name, feed and pipeline", no_opts, run_status, 0, 0},
};
#define N_VERBS (int)(sizeof verbs / sizeof verbs[0])

/* The i-th verb of the one list main reads: this file's table, then sales_cli.c's; NULL
 * past the end. */
static const verb_t *verb_at(int i)
{
    int n_sales;
    const verb_t *sales = sales_cli_verbs(&n_sales);
    return i < N_VERBS ? &verbs[i] : i < N_VERBS + n_sales ? &sales[i - N_VERBS] : NULL;
}

static void verb_help(FILE *f, const verb_t *v)
{
    fprintf(f, "usage: accord [GLOBAL] %s%s%s [OPTIONS]\n\n%s.\n", v->name, v->usage[0] ? " " : "", v->usage, v->about);
    if (v->opts[0].opt) fprintf(f, "\noptions:\n");
    for (const opt_t *o = v->opts; o->opt; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s", o->opt, o->flags & O_FLAG ? "" : " VALUE");
        fprintf(f, "  %-26s %s\n", left, o->help);
    }
    fprintf(f, "  %-26s %s\n", "--help", "this text");
}

static void main_help(FILE *f)
{
    fprintf(f, "usage: accord [GLOBAL] VERB [ARGS] [OPTIONS]\n\n"
               "The Accord CRM on this branch's node. Works with or without a link to HQ.\n\n"
               "global options:\n"
               "  --data DIR      the node's data directory (default $ACCORD_DATA, else ./accord-data)\n"
               "  --json          print results as JSON for scripts\n"
               "  --user NAME     who makes the change (default $ACCORD_USER, else $USER); once the\n"
               "                  org has users, the node writes as the user your OS account is\n"
               "                  mapped to, and refuses a NAME that is someone else\n"
               "  --timeout MS    how long to wait for the node (default 10000)\n\n"
               "verbs:\n");
    const verb_t *v;
    for (int i = 0; (v = verb_at(i)); i++) fprintf(f, "  %-18s %s\n", v->name, v->about);
    fprintf(f, "  %-18s %s\n", "import customers", "customers from a CSV file, checked row by row (see 'accord import --help')");
    fprintf(f, "  %-18s %s\n", "invoice print", "an invoice as a page to print, in the customer's language (see 'accord invoice print --help')");
    fprintf(f, "  %-18s %s\n", "quote print", "a quote as a page to print, likewise");
    fprintf(f, "  %-18s %s\n", "export KIND", "customers, deals, tasks, invoices or tickets as CSV, JSON Lines, iCalendar or vCard (see 'accord export --help')");
    fprintf(f, "\nRun 'accord VERB --help' for a verb's options.\n"
               "Exit codes: 0 done, 1 wrong arguments, 2 refused by the node (invalid value, not found),\n"
               "3 node not reachable, 4 other error.\n");
}

static int run_verb(const cli_t *cli, const verb_t *v, int argc, char **argv)
{
    accord_args_t a;
    accord_args_init(&a);
    char *pos[256];
    int npos = 0, rc = 0;
    /* collect repeated options into lists, in the order given */
    enum { MAX_OPTS = 32, MAX_REPEAT = 64 };
    const char *multi_vals[MAX_OPTS][MAX_REPEAT];
    unsigned multi_n[MAX_OPTS] = {0};
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            verb_help(stdout, v);
            accord_args_destroy(&a);
            return 0;
        }
        if (strncmp(arg, "--", 2) != 0 || strlen(arg) == 2) {
            if (npos == 256) { rc = usage_error("too many arguments", ""); goto out; }
            pos[npos++] = argv[i];
            continue;
        }
        char name[64];
        const char *eq = strchr(arg + 2, '=');
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg - 2) : (int)strlen(arg + 2), arg + 2);
        int k = 0;
        const opt_t *o = v->opts;
        for (; o->opt && strcmp(o->opt, name); o++) k++;
        if (!o->opt) {
            fprintf(stderr, "accord %s: unknown option --%s (see 'accord %s --help')\n", v->name, name, v->name);
            rc = ACCORD_EXIT_USAGE;
            goto out;
        }
        if (o->flags & O_FLAG) { accord_args_bool(&a, o->key, true); continue; }
        /* the next argument is the value unless it is an option itself (--NAME=VALUE takes any) */
        const char *val = eq ? eq + 1 : (i + 1 < argc && strncmp(argv[i + 1], "--", 2) ? argv[++i] : NULL);
        if (!val) {
            if (i + 1 < argc)
                fprintf(stderr, "accord %s: --%s needs a value, not the option %s (write --%s=VALUE for a value that "
                                "starts with --)\n", v->name, name, argv[i + 1], name);
            else fprintf(stderr, "accord %s: --%s needs a value\n", v->name, name);
            rc = ACCORD_EXIT_USAGE;
            goto out;
        }
        if (o->flags & O_MULTI) {
            if (k >= MAX_OPTS || multi_n[k] >= MAX_REPEAT) {
                fprintf(stderr, "accord %s: --%s given too often (at most %d)\n", v->name, name, MAX_REPEAT);
                rc = ACCORD_EXIT_USAGE;
                goto out;
            }
            multi_vals[k][multi_n[k]++] = val;
            continue;
        }
        if (strcmp(o->key, "limit") == 0 || strcmp(o->key, "probability") == 0 || strcmp(o->key, "offset") == 0) {
            char *end;
            long long num = strtoll(val, &end, 10);
            if (*end || !*val) {
                fprintf(stderr, "accord %s: --%s: '%s' is not a whole number\n", v->name, name, val);
                rc = ACCORD_EXIT_USAGE;
                goto out;
            }
            accord_args_int(&a, o->key, num);
            continue;
        }
        accord_args_str(&a, o->key, val);
    }
    for (int k = 0; k < MAX_OPTS && v->opts[k].opt; k++) {
        if (!multi_n[k]) continue;
        if (v->opts[k].key[0]) {
            accord_args_strv(&a, v->opts[k].key, multi_vals[k], multi_n[k]);
            continue;
        }
        for (unsigned j = 0; j < multi_n[k]; j++) accord_args_nil(&a, multi_vals[k][j]); /* --clear */
    }
    if (npos < v->min_pos || npos > v->max_pos) {
        fprintf(stderr, "accord %s: expected %s%s\n", v->name, v->usage[0] ? v->usage : "no arguments",
                npos < v->min_pos ? "" : " (too many arguments)");
        fprintf(stderr, "usage: accord %s %s [OPTIONS]   (see --help)\n", v->name, v->usage);
        rc = ACCORD_EXIT_USAGE;
        goto out;
    }
    rc = v->run(cli, &a, pos, npos);
out:
    accord_args_destroy(&a);
    return rc;
}

/* True if a global option at argv[i] has its value next: an argument that is no option. */
static bool has_value(int argc, char **argv, int i)
{
    return i + 1 < argc && argv[i + 1][0] && strncmp(argv[i + 1], "--", 2);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    cli_t cli = {0};
    cli.data = getenv("ACCORD_DATA") ? getenv("ACCORD_DATA") : "accord-data";
    cli.user = getenv("ACCORD_USER"); /* once the org has users, the node knows who the OS account is */
    cli.user_default = getenv("USER");
    cli.timeout_ms = 10000;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--json") == 0) cli.json = true;
        else if (strcmp(argv[i], "--help") == 0) { main_help(stdout); return 0; }
        else if (has_value(argc, argv, i) && strcmp(argv[i], "--data") == 0) cli.data = argv[++i];
        else if (has_value(argc, argv, i) && strcmp(argv[i], "--user") == 0) cli.user = argv[++i];
        else if (has_value(argc, argv, i) && strcmp(argv[i], "--timeout") == 0) cli.timeout_ms = atoi(argv[++i]);
        else return usage_error("unknown or incomplete global option ", argv[i]);
    }
    if (i >= argc) { main_help(stderr); return ACCORD_EXIT_USAGE; }
    if (cli.timeout_ms <= 0) return usage_error("--timeout: give milliseconds above 0", "");
    if (strcmp(argv[i], "import") == 0 || strcmp(argv[i], "export") == 0) {
        import_env_t env = {cli.data, cli.user ? cli.user : cli.user_default, cli.json, cli.timeout_ms,
                            cli.user == NULL};
        return argv[i][0] == 'i' ? import_main(argc - i, argv + i, &env) : export_main(argc - i, argv + i, &env);
    }
    if ((!strcmp(argv[i], "invoice") || !strcmp(argv[i], "quote")) && i + 1 < argc && !strcmp(argv[i + 1], "print"))
        return print_main(argc - i, argv + i, cli.data, cli.timeout_ms, cli.json);
    /* the longest verb name that the arguments spell wins: "conflicts resolve" over "conflicts" */
    const verb_t *best = NULL;
    int used = 0;
    for (int v = 0; verb_at(v); v++) {
        char name[64];
        snprintf(name, sizeof name, "%s", verb_at(v)->name);
        char *sp = strchr(name, ' ');
        int words = sp ? 2 : 1;
        if (sp) *sp = 0;
        if (strcmp(argv[i], name) != 0) continue;
        if (words == 2 && !(i + 1 < argc && strcmp(argv[i + 1], sp + 1) == 0)) continue;
        if (!best || words > used) { best = verb_at(v); used = words; }
    }
    if (!best) {
        fprintf(stderr, "accord: unknown verb '%s%s%s' (see 'accord --help')\n", argv[i], i + 1 < argc ? " " : "",
                i + 1 < argc ? argv[i + 1] : "");
        return ACCORD_EXIT_USAGE;
    }
    return run_verb(&cli, best, argc - i - used, argv + i + used);
}
