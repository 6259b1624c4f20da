/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "export.h"
#include "export_sales.h"
#include "proto/accord_err.h"
#include "proto/schema.h"
#include "accord_client.h"
#include "exit_codes.h"
#include "output.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE 1000

typedef enum { FMT_CSV, FMT_JSONL, FMT_ICS, FMT_VCARD } format_t;

static void help(FILE *f)
{
    fprintf(f, "usage: accord [GLOBAL] export customers|deals|tasks|invoices|tickets [--format csv|jsonl|ics|vcard]\n"
               "                            [--out FILE]\n\n"
               "Every live record of the kind, from this branch's node (all branches' records).\n"
               "  --format csv     (default) a header row of field names, then one row per record;\n"
               "                   lists joined by ', '; UTF-8 with a BOM so spreadsheets read it\n"
               "  --format jsonl   one JSON object per line\n"
               "  --format ics     tasks as iCalendar to-dos (RFC 5545) for calendar programs: the due\n"
               "                   date, or date and time (the branch's wall time), and the reminder\n"
               "                   as an alarm\n"
               "  --format vcard   customers as vCard 4.0 (--vcard-version 3 for older phones)\n"
               "  --out FILE       write FILE (complete or not at all) instead of standard output\n"
               "Invoices and tickets have their own columns, the same in CSV and JSON Lines (docs/CLI.md):\n"
               "amounts as decimal text in the invoice's currency (net, tax, total, paid, balance) and\n"
               "in minor units (net_minor, ...), the state and balance the node derives, the customer's\n"
               "name beside its id.\n");
}

/* ---- iCalendar / vCard text: escaped, lines folded at 75 octets (RFC 5545 3.1, RFC 6350 3.2) */

static void put_folded(FILE *f, const char *line)
{
    size_t n = strlen(line), col = 0;
    for (size_t i = 0; i < n;) {
        size_t ch = 1; /* a UTF-8 character is never split */
        unsigned char c = (unsigned char)line[i];
        if (c >= 0xf0) ch = 4; else if (c >= 0xe0) ch = 3; else if (c >= 0xc0) ch = 2;
        if (col + ch > 75) {
            fputs("\r\n ", f);
            col = 1;
        }
        fwrite(line + i, 1, ch, f);
        col += ch;
        i += ch;
    }
    fputs("\r\n", f);
}

static void escape_text(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; *in && o + 3 < cap; in++) {
        if (*in == '\\' || *in == ',' || *in == ';') { out[o++] = '\\'; out[o++] = *in; }
        else if (*in == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
        else if (*in != '\r') out[o++] = *in;
    }
    out[o] = 0;
}

static void prop(FILE *f, const char *name, const char *raw)
{
    char esc[8192], line[8400];
    escape_text(raw, esc, sizeof esc);
    snprintf(line, sizeof line, "%s:%s", name, esc);
    put_folded(f, line);
}

static const char *field(const msgpack_object *rec, const char *key, char *out, size_t cap)
{
    return output_cell(accord_obj_get(rec, key), out, cap);
}

static void write_ics_task(FILE *f, const msgpack_object *rec, const char *stamp)
{
    char id[64], title[4096], due[32], at[16], reminder[16], done[8], line[200];
    put_folded(f, "BEGIN:VTODO");
    snprintf(line, sizeof line, "UID:%s@accord", field(rec, "id", id, sizeof id));
    put_folded(f, line);
    snprintf(line, sizeof line, "DTSTAMP:%s", stamp);
    put_folded(f, line);
    prop(f, "SUMMARY", field(rec, "title", title, sizeof title));
    field(rec, "due", due, sizeof due);
    field(rec, "due_time", at, sizeof at);
    if (strlen(due) == 10 && strlen(at) == 5) { /* the branch's wall time: a floating local time (RFC 5545 3.3.5) */
        snprintf(line, sizeof line, "DUE:%.4s%.2s%.2sT%.2s%.2s00", due, due + 5, due + 8, at, at + 3);
        put_folded(f, line);
    } else if (strlen(due) == 10) {
        snprintf(line, sizeof line, "DUE;VALUE=DATE:%.4s%.2s%.2s", due, due + 5, due + 8);
        put_folded(f, line);
    }
    field(rec, "reminder", reminder, sizeof reminder);
    char *end;
    long minutes = strtol(reminder, &end, 10);
    if (strlen(due) == 10 && reminder[0] && !*end && minutes >= 0 && minutes <= 10080) {
        /* the page's reminder: that many minutes before the due moment */
        put_folded(f, "BEGIN:VALARM");
        put_folded(f, "ACTION:DISPLAY");
        prop(f, "DESCRIPTION", title);
        snprintf(line, sizeof line, "TRIGGER;RELATED=END:-PT%ldM", minutes);
        put_folded(f, line);
        put_folded(f, "END:VALARM");
    }
    put_folded(f, !strcmp(field(rec, "done", done, sizeof done), "yes") ? "STATUS:COMPLETED" : "STATUS:NEEDS-ACTION");
    put_folded(f, "END:VTODO");
}

/* CATEGORIES: every tag, a comma inside one escaped and commas between them (RFC 6350
 * 6.7.1), however many; a tag is at most 64 bytes, so escaped at most 128. */
static void write_categories(FILE *f, const msgpack_object *tl)
{
    if (!tl || tl->type != MSGPACK_OBJECT_ARRAY || tl->via.array.size == 0) return;
    size_t cap = sizeof "CATEGORIES:" + (size_t)tl->via.array.size * (2 * 512 + 1), n = 0;
    char *line = malloc(cap);
    if (!line) abort();
    n += (size_t)snprintf(line, cap, "CATEGORIES:");
    for (uint32_t i = 0; i < tl->via.array.size; i++) {
        char v[512], e[2 * 512 + 1];
        output_cell(&tl->via.array.ptr[i], v, sizeof v);
        escape_text(v, e, sizeof e);
        n += (size_t)snprintf(line + n, cap - n, "%s%s", i ? "," : "", e);
    }
    put_folded(f, line);
    free(line);
}

static void write_vcard(FILE *f, const msgpack_object *rec, int version)
{
    char id[64], name[4096], type[16], city[256], addr[4096], line[8400], esc[8192];
    put_folded(f, "BEGIN:VCARD");
    put_folded(f, version == 3 ? "VERSION:3.0" : "VERSION:4.0");
    field(rec, "name", name, sizeof name);
    prop(f, "FN", name);
    /* N is required in 3.0; the family/given split is unknown, so all goes in family */
    escape_text(name, esc, sizeof esc);
    snprintf(line, sizeof line, "N:%s;;;;", esc);
    put_folded(f, line);
    if (!strcmp(field(rec, "type", type, sizeof type), "company")) prop(f, "ORG", name);
    static const char *const sets[] = {"phones", "emails"};
    for (int s = 0; s < 2; s++) {
        const msgpack_object *arr = accord_obj_get(rec, sets[s]);
        for (uint32_t i = 0; arr && arr->type == MSGPACK_OBJECT_ARRAY && i < arr->via.array.size; i++) {
            char v[512];
            output_cell(&arr->via.array.ptr[i], v, sizeof v);
            if (s == 0) snprintf(line, sizeof line, version == 3 ? "TEL;TYPE=CELL:%s" : "TEL;VALUE=uri:tel:%s", v);
            else snprintf(line, sizeof line, "EMAIL:%s", v);
            put_folded(f, line);
        }
    }
    field(rec, "address", addr, sizeof addr);
    field(rec, "city", city, sizeof city);
    if (addr[0] || city[0]) {
        char ea[4096], ec[512];
        escape_text(addr, ea, sizeof ea);
        escape_text(city, ec, sizeof ec);
        snprintf(line, sizeof line, "ADR:;;%s;%s;;;", ea, ec);
        put_folded(f, line);
    }
    write_categories(f, accord_obj_get(rec, "tags"));
    snprintf(line, sizeof line, version == 3 ? "UID:%s" : "UID:urn:accord:%s", field(rec, "id", id, sizeof id));
    put_folded(f, line);
    put_folded(f, "END:VCARD");
}

static void write_csv_row(FILE *f, const msgpack_object *rec, const field_def_t *fields, unsigned n)
{
    char id[64];
    field(rec, "id", id, sizeof id);
    csv_fwrite(f, id, strlen(id));
    for (unsigned i = 1; i < n; i++) { /* field 0 is "deleted": export holds live records */
        fputc(',', f);
        char *v = output_cell_dup(accord_obj_get(rec, fields[i].name)); /* whole: a set may be long */
        csv_fwrite(f, v, strlen(v));
        free(v);
    }
    fputs("\r\n", f);
}

int export_main(int argc, char **argv, const import_env_t *env)
{
    const char *kind_arg = NULL, *format = "csv", *out_path = NULL, *vver = "4";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { help(stdout); return 0; }
        const char **slot = !strcmp(a, "--format") ? &format : !strcmp(a, "--out") ? &out_path
                          : !strcmp(a, "--vcard-version") ? &vver : NULL;
        if (slot) {
            if (!v) { fprintf(stderr, "accord export: %s needs a value\n", a); return ACCORD_EXIT_USAGE; }
            *slot = v;
            i++;
        } else if (a[0] == '-' || kind_arg) {
            fprintf(stderr, "accord export: unexpected '%s' (see 'accord export --help')\n", a);
            return ACCORD_EXIT_USAGE;
        } else {
            kind_arg = a;
        }
    }
    const char *kind = !kind_arg ? NULL : !strcmp(kind_arg, "customers") ? "customer" : !strcmp(kind_arg, "deals") ? "deal"
                     : !strcmp(kind_arg, "tasks") ? "task" : !strcmp(kind_arg, "invoices") ? "invoice"
                     : !strcmp(kind_arg, "tickets") ? "ticket" : NULL;
    format_t fmt = !strcmp(format, "csv") ? FMT_CSV : !strcmp(format, "jsonl") ? FMT_JSONL
                 : !strcmp(format, "ics") ? FMT_ICS : !strcmp(format, "vcard") ? FMT_VCARD : (format_t)-1;
    if (!kind || (int)fmt < 0) { help(stderr); return ACCORD_EXIT_USAGE; }
    if ((fmt == FMT_ICS && strcmp(kind, "task")) || (fmt == FMT_VCARD && strcmp(kind, "customer"))) {
        fprintf(stderr, "accord export: --format ics is for tasks and vcard for customers\n");
        return ACCORD_EXIT_USAGE;
    }
    int version = !strcmp(vver, "3") ? 3 : 4;
    char tmp[4200];
    FILE *f = stdout;
    if (out_path) {
        snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
        if (!(f = fopen(tmp, "w"))) {
            fprintf(stderr, "accord export: cannot write %s: %s\n", tmp, strerror(errno));
            return ACCORD_EXIT_OTHER;
        }
    }
    accord_client_t *c;
    if (accord_client_new(env->data, env->timeout_ms, &c)) {
        fprintf(stderr, "accord export: cannot connect to the node at %s\n", env->data);
        if (out_path) { fclose(f); unlink(tmp); }
        return ACCORD_EXIT_UNREACHABLE;
    }
    unsigned n_fields;
    const field_def_t *fields = schema_fields((unsigned)schema_kind_by_name(kind), &n_fields);
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    export_sales_t *sales = export_sales_kind(kind) ? export_sales_new(c, kind) : NULL;
    if (sales && fmt == FMT_CSV) {
        export_sales_csv_header(sales, f);
    } else if (fmt == FMT_CSV) {
        fputs("\xef\xbb\xbf" "id", f);
        for (unsigned i = 1; i < n_fields; i++) fprintf(f, ",%s", fields[i].name);
        fputs("\r\n", f);
    } else if (fmt == FMT_ICS) {
        put_folded(f, "BEGIN:VCALENDAR");
        put_folded(f, "VERSION:2.0");
        put_folded(f, "PRODID:-//Accord//Accord CRM//EN");
    }
    char after[2 * ID_LEN + 1] = "";
    unsigned long total = 0;
    int rc = 0;
    bool tty = isatty(2) && out_path;
    for (;;) {
        accord_args_t a;
        accord_args_init(&a);
        accord_args_str(&a, "kind", kind);
        accord_args_int(&a, "limit", PAGE);
        accord_args_bool(&a, "by_id", true);
        if (env->user) accord_args_str(&a, "user", env->user); /* who exported, for the node's access audit */
        if (after[0]) accord_args_str(&a, "after", after);
        accord_reply_t r;
        rc = accord_call(c, "list", &a, &r);
        accord_args_destroy(&a);
        if (rc) {
            fprintf(stderr, "accord export: %s\n", r.message[0] ? r.message : accord_strerror(rc));
            accord_reply_destroy(&r);
            break;
        }
        const msgpack_object *items = accord_obj_get(&r.body, "items"), *more = accord_obj_get(&r.body, "more");
        uint32_t n = items && items->type == MSGPACK_OBJECT_ARRAY ? items->via.array.size : 0;
        for (uint32_t i = 0; i < n; i++) {
            const msgpack_object *rec = &items->via.array.ptr[i];
            if (sales) export_sales_row(sales, f, rec, fmt == FMT_JSONL);
            else if (fmt == FMT_CSV) write_csv_row(f, rec, fields, n_fields);
            else if (fmt == FMT_JSONL) { output_json(f, rec); }
            else if (fmt == FMT_ICS) write_ics_task(f, rec, stamp);
            else write_vcard(f, rec, version);
        }
        total += n;
        bool go_on = more && more->type == MSGPACK_OBJECT_BOOLEAN && more->via.boolean;
        accord_obj_str(&r.body, "next", after, sizeof after); /* where the next page starts */
        accord_reply_destroy(&r);
        if (tty) fprintf(stderr, "\r  %lu records ...", total);
        if (!go_on) break;
        if (!after[0]) {
            fprintf(stderr, "accord export: the node said more records follow but not where: export stopped at %lu\n", total);
            rc = ACCORD_EPROTO;
            break;
        }
    }
    if (tty) fprintf(stderr, "\n");
    if (!rc && fmt == FMT_ICS) put_folded(f, "END:VCALENDAR");
    export_sales_destroy(&sales);
    accord_client_destroy(&c);
    if (out_path) {
        if (!rc && (fflush(f) || fsync(fileno(f)))) {
            fprintf(stderr, "accord export: cannot write %s: %s (is the disk full?)\n", tmp, strerror(errno));
            rc = ACCORD_EIO;
        }
        fclose(f);
        if (rc || rename(tmp, out_path)) {
            unlink(tmp);
            return rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT ? ACCORD_EXIT_UNREACHABLE : ACCORD_EXIT_OTHER;
        }
        fprintf(stderr, "wrote %lu %ss to %s\n", total, kind, out_path);
    }
    return rc ? ACCORD_EXIT_OTHER : 0;
}
