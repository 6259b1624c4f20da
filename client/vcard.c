/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "vcard.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NO_SEP '\x01' /* split_unescape with this: unescape only (a value has no 0x01) */

static bool has_qp(const char *s)
{
    for (; *s && *s != ':'; s++)
        if (!strncasecmp(s, "QUOTED-PRINTABLE", 16)) return true;
    return false;
}

typedef struct {
    FILE *f;
    char pending[VCARD_MAX_LINE + 2]; /* a physical line read ahead */
    bool has_pending, pending_long;
    unsigned line;   /* physical line number of the last line read */
} reader_t;

/* The next physical line without its line break, cut at VCARD_MAX_LINE bytes (long is set
 * and the rest of the line skipped): a file cannot make the reader hold more. */
static bool physical(reader_t *r, char **out, bool *long_line)
{
    if (r->has_pending) {
        r->has_pending = false;
        *out = r->pending;
        *long_line = r->pending_long;
        return true;
    }
    if (!fgets(r->pending, sizeof r->pending, r->f)) return false;
    r->line++;
    size_t n = strlen(r->pending);
    r->pending_long = false;
    if (n && r->pending[n - 1] != '\n' && !feof(r->f)) { /* longer than the buffer: skip the rest */
        int c;
        while ((c = fgetc(r->f)) != EOF && c != '\n') {}
        r->pending_long = true;
    }
    while (n > 0 && (r->pending[n - 1] == '\n' || r->pending[n - 1] == '\r')) r->pending[--n] = 0;
    *out = r->pending;
    *long_line = r->pending_long;
    return true;
}

/* The next logical line (folded lines joined; a QUOTED-PRINTABLE soft break too) into
 * buf; 0, 1 at the end, -1 when too long. */
static int logical(reader_t *r, char *buf, size_t cap, unsigned *first_line)
{
    char *p;
    size_t len = 0;
    bool too_long = false, long_line;
    if (!physical(r, &p, &long_line)) return 1;
    *first_line = r->line;
    for (;;) {
        size_t n = strlen(p);
        too_long |= long_line;
        if (len + n >= cap) too_long = true;
        else { memcpy(buf + len, p, n); len += n; }
        buf[len] = 0;
        bool qp_soft = len && buf[len - 1] == '=' && has_qp(buf);
        if (!physical(r, &p, &long_line)) break;
        if (p[0] == ' ' || p[0] == '\t') { p++; continue; }
        if (qp_soft) { buf[--len] = 0; continue; }
        r->has_pending = true;
        break;
    }
    return too_long ? -1 : 0;
}

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static void qp_decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '=' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            *o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
}

/* Splits value at unescaped sep into parts (in place); unescapes each; returns count. */
static unsigned split_unescape(char *value, char sep, char **parts, unsigned max)
{
    unsigned n = 0;
    char *o = value, *start = value;
    for (char *p = value;; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            *o++ = (*p == 'n' || *p == 'N') ? ' ' : *p;
            continue;
        }
        if (*p == sep || !*p) {
            bool end = !*p;
            *o = 0;
            if (n < max) parts[n++] = start;
            o = start = p + 1;
            if (end) break;
            continue;
        }
        *o++ = *p;
    }
    return n;
}

static void append(char *dst, const char *v)
{
    size_t n = strlen(dst), m = strlen(v);
    if (!m || n + m + 2 > VCARD_MAX_VALUE) return;
    if (n) dst[n++] = ';';
    memcpy(dst + n, v, m + 1);
}

static void copy(char *dst, const char *v)
{
    snprintf(dst, VCARD_MAX_VALUE + 1, "%s", v);
}

/* The state of one vcard_read call: too big for the stack (some 56 KiB), so allocated per
 * call; nothing outlives the call. */
typedef struct {
    reader_t r;                 /* the physical lines */
    char line[VCARD_MAX_LINE];  /* the logical line being read */
    vcard_t card;               /* the card being filled */
} scan_t;

int vcard_read(FILE *f, vcard_fn fn, void *ctx, char *error, size_t cap)
{
    scan_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    reader_t *const r = &s->r;
    char *const line = s->line;
    vcard_t *const card = &s->card;
    r->f = f;
    char n_name[VCARD_MAX_VALUE + 1] = "", org[VCARD_MAX_VALUE + 1] = "", bad[200] = "";
    bool in = false, any = false;
    unsigned number = 0, begun = 0, at;
    int rc, stop = 0;
    while (!stop && (rc = logical(r, line, sizeof s->line, &at)) != 1) {
        if (rc < 0) {
            if (in) snprintf(bad, sizeof bad, "line %u is longer than %d bytes", at, VCARD_MAX_LINE);
            continue;
        }
        if (!line[0]) continue;
        char *colon = NULL;
        bool quoted = false;
        for (char *p = line; *p; p++) {
            if (*p == '"') quoted = !quoted;
            else if (*p == ':' && !quoted) { colon = p; break; }
        }
        if (!colon) {
            if (in && !bad[0]) snprintf(bad, sizeof bad, "line %u has no ':'", at);
            continue;
        }
        *colon = 0;
        char *value = colon + 1, *name = line, *dot = strchr(line, '.'), *semi = strchr(line, ';');
        if (dot && (!semi || dot < semi)) name = dot + 1; /* item1.TEL: the group does not matter */
        char *params = strchr(name, ';');
        if (params) *params++ = 0;
        if (!strcasecmp(name, "BEGIN") && !strcasecmp(value, "VCARD")) {
            memset(card, 0, sizeof *card);
            n_name[0] = org[0] = bad[0] = 0;
            in = any = true;
            begun = at;
            continue;
        }
        if (!in) continue;
        if (!strcasecmp(name, "END") && !strcasecmp(value, "VCARD")) {
            in = false;
            if (!card->name[0]) copy(card->name, n_name[0] ? n_name : org);
            card->company = org[0] && !n_name[0] && !strcmp(card->name, org);
            if (!bad[0] && !card->name[0]) snprintf(bad, sizeof bad, "the card has no name (FN, N or ORG)");
            stop = fn(ctx, ++number, begun, card, bad[0] ? bad : NULL);
            continue;
        }
        for (char *p = params, *q; p && *p; p = q) { /* parameters that change how the value reads */
            q = strchr(p, ';');
            if (q) *q++ = 0;
            if (!strcasecmp(p, "ENCODING=QUOTED-PRINTABLE") || !strcasecmp(p, "QUOTED-PRINTABLE")) qp_decode(value);
            else if (!strncasecmp(p, "CHARSET=", 8) && strcasecmp(p + 8, "UTF-8") && !bad[0])
                snprintf(bad, sizeof bad, "line %u: character set %.40s is not supported: save the file as UTF-8", at, p + 8);
            else if ((!strcasecmp(p, "ENCODING=B") || !strcasecmp(p, "ENCODING=BASE64")) && strcasecmp(name, "PHOTO") &&
                     strcasecmp(name, "LOGO") && strcasecmp(name, "SOUND") && strcasecmp(name, "KEY") && !bad[0])
                snprintf(bad, sizeof bad, "line %u: a base64 %.40s is not supported", at, name);
        }
        char *parts[8];
        if (!strcasecmp(name, "FN")) {
            split_unescape(value, NO_SEP, parts, 1); /* no separator: unescape only */
            copy(card->name, value);
        } else if (!strcasecmp(name, "N")) {
            unsigned k = split_unescape(value, ';', parts, 8);
            char full[VCARD_MAX_VALUE + 1] = "";
            /* family;given;additional;prefix;suffix -> "given additional family" */
            const char *order[3] = {k > 1 ? parts[1] : "", k > 2 ? parts[2] : "", k > 0 ? parts[0] : ""};
            for (int i = 0; i < 3; i++)
                if (order[i][0]) snprintf(full + strlen(full), sizeof full - strlen(full), "%s%s", full[0] ? " " : "", order[i]);
            copy(n_name, full);
        } else if (!strcasecmp(name, "ORG")) {
            unsigned k = split_unescape(value, ';', parts, 8);
            if (k) copy(org, parts[0]);
        } else if (!strcasecmp(name, "TEL")) {
            split_unescape(value, NO_SEP, parts, 1);
            append(card->phones, !strncasecmp(value, "tel:", 4) ? value + 4 : value);
        } else if (!strcasecmp(name, "EMAIL")) {
            split_unescape(value, NO_SEP, parts, 1);
            append(card->emails, value);
        } else if (!strcasecmp(name, "ADR") && !card->address[0] && !card->city[0]) {
            /* po box;extended;street;locality;region;code;country */
            unsigned k = split_unescape(value, ';', parts, 8);
            if (k > 2) copy(card->address, parts[2]);
            if (k > 3) copy(card->city, parts[3]);
        } else if (!strcasecmp(name, "CATEGORIES")) {
            unsigned k = split_unescape(value, ',', parts, 8);
            for (unsigned i = 0; i < k; i++) {
                while (*parts[i] == ' ') parts[i]++;
                append(card->tags, parts[i]);
            }
        }
    }
    if (!stop && in) {
        if (!card->name[0]) copy(card->name, n_name[0] ? n_name : org);
        fn(ctx, ++number, begun, card, "the file ends inside this card (no END:VCARD): it may be cut short");
    }
    free(s);
    if (!any) {
        snprintf(error, cap, "no BEGIN:VCARD in the file: is it a vCard (.vcf) file?");
        return -1;
    }
    return 0;
}
