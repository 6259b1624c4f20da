/* SPDX-License-Identifier: MIT
 * print_cli: `accord invoice print ID` and `accord quote print ID` on the command line:
 * options and help; the page is print.c's, which the node's /print/ pages share. */
#define _POSIX_C_SOURCE 200809L
#include "print.h"
#include "exit_codes.h"
#include "output.h"
#include "proto/accord_err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(FILE *f, const char *noun)
{
    fprintf(f,
            "usage: accord [GLOBAL] %s print ID [--out FILE.html] [--lang en|fa]\n\n"
            "Writes the %s as one HTML page to print or keep (A4, no script, its style inside), the\n"
            "same bytes the node serves at /print/%s/ID: in the customer's language (their\n"
            "'language', else English), right to left with Persian digits and Solar Hijri dates in\n"
            "Persian.\n\n"
            "options:\n"
            "  --out FILE     write the page there (default: standard output)\n"
            "  --lang en|fa   this language, whatever the customer reads\n"
            "  --help         this text\n\n"
            "exit: 0 written; 1 wrong arguments; 2 no such %s (or the node refused); 3 node not\n"
            "reachable; 4 the file could not be written.\n",
            noun, noun, noun, noun);
}

static int exit_for(int rc)
{
    if (rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT) return ACCORD_EXIT_UNREACHABLE;
    if (rc == ACCORD_EINTERNAL || rc == ACCORD_ESTORE || rc == ACCORD_EIO || rc == ACCORD_EPROTO)
        return ACCORD_EXIT_OTHER;
    return ACCORD_EXIT_REFUSED;
}

/* The page written whole to path, or not at all (a partial file is removed). */
static int write_file(const char *path, const char *page, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "accord: cannot write %s: %s\n", path, strerror(errno));
        return ACCORD_EXIT_OTHER;
    }
    bool ok = fwrite(page, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (ok) return ACCORD_EXIT_OK;
    fprintf(stderr, "accord: cannot write %s: %s (nothing kept)\n", path, strerror(errno));
    remove(path);
    return ACCORD_EXIT_OTHER;
}

int print_main(int argc, char **argv, const char *data, int timeout_ms)
{
    const char *noun = argv[0], *id = NULL, *out = NULL, *lang = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { print_help(stdout, noun); return ACCORD_EXIT_OK; }
        const char **slot = !strcmp(a, "--out") ? &out : !strcmp(a, "--lang") ? &lang : NULL;
        if (slot && v) { *slot = v; i++; continue; }
        if (slot || !strncmp(a, "--", 2) || id) {
            fprintf(stderr, "accord %s print: %s '%s' (see 'accord %s print --help')\n", noun,
                    slot ? "a value is missing after" : id ? "one ID only, not also" : "unknown option", a, noun);
            return ACCORD_EXIT_USAGE;
        }
        id = a;
    }
    if (!id) {
        fprintf(stderr, "accord %s print: which %s? give its ID (see 'accord %s print --help')\n", noun, noun, noun);
        return ACCORD_EXIT_USAGE;
    }
    if (lang && strcmp(lang, "en") && strcmp(lang, "fa")) {
        fprintf(stderr, "accord %s print: --lang en or fa\n", noun);
        return ACCORD_EXIT_USAGE;
    }
    accord_client_t *c;
    if (accord_client_new(data, timeout_ms, &c)) {
        fprintf(stderr, "accord: cannot connect to the node at %s\n", data);
        return ACCORD_EXIT_UNREACHABLE;
    }
    char *page = NULL, msg[512];
    size_t len = 0;
    FILE *mem = open_memstream(&page, &len);
    if (!mem) abort();
    print_request_t req = {noun, id, lang, NULL};
    int rc = print_document(c, &req, mem, msg, sizeof msg);
    fclose(mem);
    accord_client_destroy(&c);
    int code;
    if (rc) {
        char shown[4 * sizeof msg]; /* the message may quote the id: shown as output_text does */
        fprintf(stderr, "accord: %s\n", output_text(msg, strlen(msg), shown, sizeof shown));
        code = exit_for(rc);
    } else if (out) {
        code = write_file(out, page, len);
    } else {
        code = fwrite(page, 1, len, stdout) == len && fflush(stdout) == 0 ? ACCORD_EXIT_OK : ACCORD_EXIT_OTHER;
    }
    free(page);
    return code;
}
