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

/* A refusal on stderr, and with --json as {error, code, message} on stdout too. */
static void say_error(bool json, int rc, const char *msg)
{
    char shown[2048]; /* the message may quote the id: shown as output_text does */
    if (json) {
        printf("{\"error\":\"%s\",\"code\":%d,\"message\":", accord_errname(rc), rc);
        output_json_string(stdout, msg);
        printf("}\n");
    }
    fprintf(stderr, "accord: %s\n", output_text(msg, strlen(msg), shown, sizeof shown));
}

/* The page written whole to path, or not at all (a partial file is removed). */
static int write_file(const char *path, const char *page, size_t len, bool json)
{
    char msg[1200];
    FILE *f = fopen(path, "wb");
    bool opened = f != NULL, ok = opened && fwrite(page, 1, len, f) == len;
    if (opened) ok = fclose(f) == 0 && ok;
    if (ok) return ACCORD_EXIT_OK;
    snprintf(msg, sizeof msg, "cannot write %.1000s: %s%s", path, strerror(errno), opened ? " (nothing kept)" : "");
    if (opened) remove(path);
    say_error(json, ACCORD_EIO, msg);
    return ACCORD_EXIT_OTHER;
}

/* --json --out: what was written. */
static void say_written(const char *noun, const print_done_t *done, const char *out, size_t len)
{
    printf("{\"id\":\"%s\",\"kind\":\"%s\",\"number\":", done->id, noun);
    output_json_string(stdout, done->number);
    printf(",\"lang\":\"%s\",\"out\":", done->lang);
    output_json_string(stdout, out);
    printf(",\"bytes\":%zu}\n", len);
}

int print_main(int argc, char **argv, const char *data, int timeout_ms, bool json)
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
    print_done_t done;
    int rc = print_document(c, &req, mem, &done, msg, sizeof msg);
    fclose(mem);
    accord_client_destroy(&c);
    int code;
    if (rc) {
        say_error(json, rc, msg);
        code = exit_for(rc);
    } else if (out) {
        code = write_file(out, page, len, json);
        if (code == ACCORD_EXIT_OK && json) say_written(noun, &done, out, len);
    } else {
        code = fwrite(page, 1, len, stdout) == len && fflush(stdout) == 0 ? ACCORD_EXIT_OK : ACCORD_EXIT_OTHER;
    }
    free(page);
    return code;
}
