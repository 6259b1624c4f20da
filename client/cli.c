/* SPDX-License-Identifier: MIT */
#include "cli.h"
#include "proto/accord_err.h"
#include "exit_codes.h"
#include "output.h"
#include "proto/timeid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_exit_for(int code)
{
    if (code == 0) return 0;
    if (code == ACCORD_ENET || code == ACCORD_ETIMEOUT) return ACCORD_EXIT_UNREACHABLE;
    if (code == ACCORD_EINTERNAL || code == ACCORD_ESTORE || code == ACCORD_EIO || code == ACCORD_EPROTO) return ACCORD_EXIT_OTHER;
    return ACCORD_EXIT_REFUSED;
}

int cli_call(const cli_t *cli, const char *verb, accord_args_t *args, accord_reply_t *r)
{
    accord_client_t *c;
    int rc = accord_client_new(cli->data, cli->timeout_ms, &c);
    if (rc) {
        memset(r, 0, sizeof *r);
        msgpack_unpacked_init(&r->msg);
        fprintf(stderr, "accord: cannot connect to the node at %s\n", cli->data);
        return ACCORD_EXIT_UNREACHABLE;
    }
    if (cli->user) accord_args_str(args, "user", cli->user);
    else if (cli->user_default) accord_args_str(args, "user_default", cli->user_default);
    rc = accord_call(c, verb, args, r);
    accord_client_destroy(&c);
    if (rc) {
        if (cli->json) {
            printf("{\"error\":\"%s\",\"code\":%d,\"message\":", accord_errname(rc), rc);
            output_json_string(stdout, r->message);
            printf("}\n");
        }
        char shown[4 * sizeof r->message]; /* the message may quote a value: shown as output_text does */
        output_text(r->message, strlen(r->message), shown, sizeof shown);
        fprintf(stderr, "accord: %s\n", r->message[0] ? shown : accord_strerror(rc));
        return cli_exit_for(rc);
    }
    return 0;
}

const char *cli_cell(const msgpack_object *row, const char *key, char *out, size_t cap)
{
    output_cell(accord_obj_get(row, key), out, cap);
    /* a record's id, its own or another's (a deal's customer): its short form */
    if (strlen(out) == 32 && strspn(out, "0123456789abcdef") == 32) {
        char shown[TIMEID_SHORT_CLI + 1];
        snprintf(out, cap, "%s", cli_short_id(out, shown));
    }
    return out;
}

const char *cli_short_id(const char *id, char out[TIMEID_SHORT_CLI + 1])
{
    if (!timeid_short_hex(id, TIMEID_SHORT_CLI, out, TIMEID_SHORT_CLI + 1))
        snprintf(out, TIMEID_SHORT_CLI + 1, "%s", id);
    return out;
}

void cli_print_row(const char *const *cells, const column_t *cols, int ncols)
{
    for (int c = 0; c < ncols; c++) {
        if (c + 1 < ncols) {
            output_padded(stdout, cells[c], cols[c].width);
            fputs("  ", stdout);
        } else {
            fputs(cells[c], stdout);
        }
    }
    fputc('\n', stdout);
}

void cli_print_table(const msgpack_object *list, const column_t *cols, int ncols)
{
    if (list->type != MSGPACK_OBJECT_ARRAY) return;
    enum { MAX_COLS = 16 };
    const char *titles[MAX_COLS];
    if (ncols > MAX_COLS) ncols = MAX_COLS;
    for (int c = 0; c < ncols; c++) titles[c] = cols[c].title;
    cli_print_row(titles, cols, ncols);
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        char cell[MAX_COLS][1024];
        const char *cells[MAX_COLS];
        for (int c = 0; c < ncols; c++) cells[c] = cli_cell(&list->via.array.ptr[i], cols[c].key, cell[c], sizeof cell[c]);
        cli_print_row(cells, cols, ncols);
    }
    fprintf(stdout, "(%u)\n", list->via.array.size);
}

void cli_print_record(const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_MAP) return;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        char key[64];
        char *val = output_cell_dup(&o->via.map.ptr[i].val); /* whole: 1,000 tags are long */
        output_cell(&o->via.map.ptr[i].key, key, sizeof key);
        printf("%-15s %s\n", key, val);
        free(val);
    }
}

int cli_finish(const cli_t *cli, int rc, accord_reply_t *r, void (*human)(const msgpack_object *))
{
    if (rc == 0) {
        if (cli->json) output_json(stdout, &r->body);
        else {
            output_sanitize(&r->body, r->msg.zone); /* peers' text must not reach the terminal as escapes */
            human(&r->body);
        }
    }
    accord_reply_destroy(r);
    return rc;
}

const char *cli_article(const char *kind)
{
    return strchr("aeiou", kind[0]) && kind[0] ? "an" : "a";
}

int cli_refuse_kind(const cli_t *cli, const char *id, const char *got, const char *want)
{
    char message[256];
    snprintf(message, sizeof message, "%.64s is %s %s, not %s %s", id, cli_article(got), got, cli_article(want), want);
    if (cli->json) { /* as cli_call prints the node's refusals */
        printf("{\"error\":\"%s\",\"code\":%d,\"message\":", accord_errname(ACCORD_EINVAL), ACCORD_EINVAL);
        output_json_string(stdout, message);
        printf("}\n");
    }
    char shown[4 * sizeof message];
    output_text(message, strlen(message), shown, sizeof shown);
    fprintf(stderr, "accord: %s\n", shown);
    return ACCORD_EXIT_REFUSED;
}

int cli_show(const cli_t *cli, accord_args_t *a, const char *id, const char *kind, void (*human)(const msgpack_object *))
{
    accord_args_str(a, "id", id);
    accord_reply_t r;
    int rc = cli_call(cli, "get", a, &r);
    char k[32];
    if (rc == 0 && strcmp(accord_obj_str(&r.body, "kind", k, sizeof k), kind) != 0) {
        accord_reply_destroy(&r);
        return cli_refuse_kind(cli, id, k, kind);
    }
    return cli_finish(cli, rc, &r, human);
}

/* A list or search reply is a page, {items, more, next}: the items are shown as before
 * (--json: the array, so scripts read what they read), and a page that left records out
 * says so and how to get them: on standard output for people, on standard error with
 * --json so that standard output stays one JSON value. */
int cli_run_page(const cli_t *cli, const char *verb, accord_args_t *a, const char *what,
                 void (*human)(const msgpack_object *))
{
    accord_reply_t r;
    int rc = cli_call(cli, verb, a, &r);
    if (rc) return cli_finish(cli, rc, &r, human);
    const msgpack_object *items = accord_obj_get(&r.body, "items"), *more = accord_obj_get(&r.body, "more");
    static const msgpack_object none = {.type = MSGPACK_OBJECT_ARRAY};
    if (!items || items->type != MSGPACK_OBJECT_ARRAY) items = &none;
    if (cli->json) output_json(stdout, items);
    else human(items);
    const msgpack_object *total = accord_obj_get(&r.body, "total");
    if (total && total->type == MSGPACK_OBJECT_POSITIVE_INTEGER) { /* a sorted page: where it is in the whole */
        const msgpack_object *o = accord_obj_get(&r.body, "offset");
        uint64_t offset = o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0;
        uint64_t shown = items->via.array.size, first = shown ? (uint64_t)offset + 1 : 0;
        FILE *f = cli->json ? stderr : stdout;
        if (more && more->type == MSGPACK_OBJECT_BOOLEAN && more->via.boolean)
            fprintf(f, "... %llu-%llu of %llu %s: run again with --offset %llu (and the same options)\n",
                    (unsigned long long)first, (unsigned long long)(offset + shown), (unsigned long long)total->via.u64,
                    what, (unsigned long long)(offset + shown));
        else if (!cli->json)
            fprintf(f, "%llu-%llu of %llu %s\n", (unsigned long long)first, (unsigned long long)(offset + shown),
                    (unsigned long long)total->via.u64, what);
    } else if (more && more->type == MSGPACK_OBJECT_BOOLEAN && more->via.boolean) {
        char next[2 * 48 + 1]; /* a record id, or a conflict's (entity, field, base) */
        FILE *f = cli->json ? stderr : stdout;
        if (accord_obj_str(&r.body, "next", next, sizeof next)[0])
            fprintf(f, "... more %s: run again with --after %s (and the same options)\n", what, next);
        else
            fprintf(f, "... more %s match: narrow the search, or raise --limit (at most 1000)\n", what);
    }
    accord_reply_destroy(&r);
    return 0;
}
