/* SPDX-License-Identifier: MIT
 * import_cli: `accord import` on the command line: its options and help, and the summary it
 * prints; the run itself is import.c's, which the branch app's import page shares
 * (server/http/http_import.c). */
#define _POSIX_C_SOURCE 200809L
#include "import_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void import_help(FILE *f)
{
    fprintf(f,
            "usage: accord [GLOBAL] import customers FILE.csv [OPTIONS]\n\n"
            "Imports customers from a spreadsheet export (or a vCard 2.1/3.0/4.0 .vcf file of contacts:\n"
            "FN/N/ORG, TEL, EMAIL, ADR, CATEGORIES): UTF-8 with or without a BOM, or UTF-16 with a BOM\n"
            "(converted), ',' ';' or tab separated (detected), CRLF or LF, quoted cells with line\n"
            "breaks. The first row names the columns. The whole file is checked before a row is sent:\n"
            "a malformed one (not UTF-8, NUL bytes, binary, a quote not closed, more than 256 columns,\n"
            "no rows) is refused with its line and byte offset, and nothing is imported. Then every\n"
            "row is checked as the node would check it; each fault of a bad row is reported with the\n"
            "row number (the header is row 1), column and reason, and the row is skipped.\n\n"
            "options:\n"
            "  --map \"name=Full Name,phones=Mobile\"  which column feeds which field (default:\n"
            "                          columns named like fields: name, phone, email, city, ...)\n"
            "  --map-file FILE         the same, one field=Header per line\n"
            "  --mode create|update|upsert\n"
            "                          create (default) refuses rows that match a customer (by\n"
            "                          phone or e-mail unless --match says otherwise), so a file\n"
            "                          imported twice creates nothing the second time;\n"
            "                          update changes the match and refuses rows that match none;\n"
            "                          upsert does either\n"
            "  --match phone,email,national_id,name | none\n"
            "                          how a row matches an existing customer, tried in this order,\n"
            "                          by the rules of 'accord customer dupes' (phone: last 10\n"
            "                          digits; name: equal after folding case and Persian/Arabic\n"
            "                          letters); none: create mode matches nothing\n"
            "  --dry-run               check every row, change nothing; with a node running it asks\n"
            "                          the node, so the rows it would refuse (matches) are named too\n"
            "  --errors-out FILE       the bad rows as CSV to fix and import again as it is: the\n"
            "                          columns 'error row', 'error column', 'error reason' (which\n"
            "                          import ignores), then the file's own header and cells\n"
            "  --delimiter , | ; | tab  instead of detecting it\n\n"
            "exit: 0 every row imported; 2 some rows refused, or the file is malformed (nothing\n"
            "imported); 1 wrong arguments; 3 node not reachable.\n");
}

/* The command line into o; on a usage error says why and returns the exit code. *help is
 * set when --help was asked for (and shown). */
static accord_exit_t read_options(import_options_t *o, int argc, char **argv, bool *help)
{
    const char *kind = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { import_help(stdout); *help = true; return ACCORD_EXIT_OK; }
        if (!strcmp(a, "--dry-run")) { o->dry_run = true; continue; }
        const char **slot = !strcmp(a, "--map") ? &o->map : !strcmp(a, "--map-file") ? &o->map_file
                          : !strcmp(a, "--mode") ? &o->mode : !strcmp(a, "--match") ? &o->match
                          : !strcmp(a, "--errors-out") ? &o->errors_path : !strcmp(a, "--delimiter") ? &o->delimiter : NULL;
        if (slot) {
            if (!v) { fprintf(stderr, "accord import: %s needs a value\n", a); return ACCORD_EXIT_USAGE; }
            *slot = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "accord import: unknown option %s (see 'accord import --help')\n", a);
            return ACCORD_EXIT_USAGE;
        } else if (!kind) {
            kind = a;
        } else if (!o->name) {
            o->name = a;
        } else {
            fprintf(stderr, "accord import: one file at a time\n");
            return ACCORD_EXIT_USAGE;
        }
    }
    if (!kind || strcmp(kind, "customers") || !o->name) {
        import_help(stderr);
        return ACCORD_EXIT_USAGE;
    }
    return ACCORD_EXIT_OK;
}

/* What the run did: JSON on standard output with --json, else the first bad rows on
 * standard error and a line of counts on standard output. */
static void print_summary(const import_t *im)
{
    if (im->env->json) {
        import_write_json(im, stdout, false);
        return;
    }
    for (unsigned i = 0; i < im->n_bad && i < 20; i++)
        fprintf(stderr, "%s %u, %s: %s\n", im->vcard ? "card" : "row", im->bad[i].row, im->bad[i].column, im->bad[i].reason);
    if (im->n_bad > 20) fprintf(stderr, "... and %u more faults%s\n", im->n_bad - 20, im->errors_out ? "" : " (--errors-out FILE lists all)");
    const char *what = im->vcard ? "cards" : "rows";
    char bad[64]; /* bad rows, and the faults in them when a row has several */
    unsigned rows = 0;
    for (unsigned i = 0; i < im->n_bad; i++) rows += i == 0 || im->bad[i].row != im->bad[i - 1].row; /* sorted by row */
    if (rows == im->n_bad) snprintf(bad, sizeof bad, "%u bad", rows);
    else snprintf(bad, sizeof bad, "%u bad (%u faults)", rows, im->n_bad);
    if (im->dry_run && im->node_checked)
        printf("%s: %lu %s checked with the node, %s: the import would create %lu and update %lu; nothing was "
               "changed (--dry-run)\n", im->path, im->rows_read, what, bad, im->created, im->updated);
    else if (im->dry_run)
        printf("%s: %lu %s checked, %s; matches with existing customers not checked (no node); nothing was "
               "changed (--dry-run)\n", im->path, im->rows_read, what, bad);
    else printf("%s: %lu %s: %lu created, %lu updated, %s\n", im->path, im->rows_read, what, im->created, im->updated, bad);
}

int import_main(int argc, char **argv, const import_env_t *env)
{
    import_options_t o = {.echo = true};
    bool help = false;
    accord_exit_t rc = read_options(&o, argc, argv, &help);
    if (rc || help) return (int)rc;
    char why[300];
    import_t *im = import_new(env, &o, why, sizeof why);
    if (!im) {
        fprintf(stderr, "accord import: %s\n", why);
        return ACCORD_EXIT_USAGE;
    }
    FILE *f = fopen(o.name, "rb");
    if (!f) {
        fprintf(stderr, "accord import: cannot open %s: %s\n", o.name, strerror(errno));
        rc = ACCORD_EXIT_USAGE;
    } else {
        rc = import_run(im, f);
        if (im->finished) print_summary(im); /* not when the file was refused: nothing was read */
    }
    if (f) fclose(f);
    import_destroy(&im);
    return (int)rc;
}
