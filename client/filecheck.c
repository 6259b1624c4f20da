/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "filecheck.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUESS_WINDOW 8192 /* bytes read after a non-UTF-8 byte to guess the encoding */
#define SAVE_AS_UTF8 "save it as UTF-8 (Excel: Save As, \"CSV UTF-8\")"

typedef struct {
    unsigned char first;          /* the byte that starts the broken sequence */
    size_t seen, high, follow;    /* bytes counted, above 0x7F, above 0x7F after another */
    size_t persian, control;      /* Windows-1256's Persian letters; control bytes */
    bool prev_high;
} guess_t;

struct filecheck {
    char delim;                   /* 0: text only */
    unsigned max_columns;
    size_t max_record;
    bool failed;
    filecheck_fault_t fault;      /* the first fault, when failed */
    /* where the next byte is */
    unsigned long long line, byte;
    bool prev_cr;                 /* the last byte was CR: an LF after it ends no new line */
    bool any_text;                /* a byte other than blanks and line breaks was seen */
    /* UTF-8 */
    unsigned need;                /* continuation bytes the open sequence still needs */
    unsigned char lo, hi;         /* the range the next continuation byte must be in */
    unsigned long long seq_line, seq_byte; /* where the open sequence began */
    unsigned char seq_first;      /* and its lead byte */
    bool saw_multibyte;           /* a valid multi-byte character was seen */
    bool guessing;                /* a byte broke UTF-8: the bytes after it are being counted */
    bool nul;                     /* a NUL byte was found, at nul_line, nul_byte */
    unsigned long long nul_line, nul_byte;
    guess_t guess;
    /* control bytes other than tab, CR, LF (NUL is a fault at once) */
    unsigned long long n_control, control_line, control_byte;
    unsigned char control_first;
    /* CSV */
    struct csv_parser csv;
    unsigned long records;        /* records ended (the header is one) */
    unsigned cells;               /* cells of the record being read */
    bool too_many_cells;
    bool record_open;             /* a record has begun and not ended */
    unsigned long long rec_line, rec_byte; /* where it began */
    unsigned long long header_line, header_byte; /* where the first record began */
};

static int fail(filecheck_t *fc, unsigned long long line, unsigned long long byte, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(filecheck_t *fc, unsigned long long line, unsigned long long byte, const char *fmt, ...)
{
    fc->failed = true;
    fc->fault.line = line;
    fc->fault.byte = byte;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fc->fault.why, sizeof fc->fault.why, fmt, ap);
    va_end(ap);
    return -1;
}

static void sniff_fault(filecheck_fault_t *fault, const char *why)
{
    fault->line = 1;
    fault->byte = 0;
    snprintf(fault->why, sizeof fault->why, "%s", why);
}

/* UTF-16 without a BOM: in ASCII-heavy text every other byte is 0. Returns 'l', 'b' or 0. */
static char utf16_without_bom(const unsigned char *head, size_t n)
{
    size_t pairs = (n < 4096 ? n : 4096) / 2, zero_odd = 0, zero_even = 0;
    for (size_t i = 0; i < pairs; i++) {
        zero_even += head[2 * i] == 0;
        zero_odd += head[2 * i + 1] == 0;
    }
    if (pairs < 2) return 0;
    if (zero_odd * 10 >= pairs * 4 && zero_even * 10 < pairs) return 'l';
    if (zero_even * 10 >= pairs * 4 && zero_odd * 10 < pairs) return 'b';
    return 0;
}

filecheck_encoding_t filecheck_sniff(const unsigned char *head, size_t n, size_t *bom_len, filecheck_fault_t *fault)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *why;
    } binary[] = {
        {"PK\x03\x04", 4, "this is a zip file, such as an Excel (.xlsx) or LibreOffice (.ods) workbook, not CSV: "
                          "open it and save the sheet as \"CSV UTF-8\""},
        {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "this is an old Excel (.xls) workbook, not CSV: open it and save the "
                                                "sheet as \"CSV UTF-8\""},
        {"%PDF", 4, "this is a PDF file, not CSV"},
        {"\x1f\x8b", 2, "this is a compressed (gzip) file: unpack it first"},
    };
    *bom_len = 0;
    if (n >= 4 && (!memcmp(head, "\xff\xfe\0\0", 4) || !memcmp(head, "\0\0\xfe\xff", 4))) {
        sniff_fault(fault, "the file is UTF-32, which import does not read: " SAVE_AS_UTF8);
        return FILECHECK_REFUSED;
    }
    if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3)) {
        *bom_len = 3;
        return FILECHECK_UTF8;
    }
    if (n >= 2 && (!memcmp(head, "\xff\xfe", 2) || !memcmp(head, "\xfe\xff", 2))) {
        *bom_len = 2;
        return head[0] == 0xff ? FILECHECK_UTF16LE : FILECHECK_UTF16BE;
    }
    for (size_t i = 0; i < sizeof binary / sizeof binary[0]; i++)
        if (n >= binary[i].len && !memcmp(head, binary[i].magic, binary[i].len)) {
            sniff_fault(fault, binary[i].why);
            return FILECHECK_REFUSED;
        }
    char order = utf16_without_bom(head, n);
    if (order) {
        sniff_fault(fault, order == 'l' ? "the file looks like UTF-16 (little-endian) without a BOM: " SAVE_AS_UTF8
                                        : "the file looks like UTF-16 (big-endian) without a BOM: " SAVE_AS_UTF8);
        return FILECHECK_REFUSED;
    }
    return FILECHECK_UTF8;
}

/* ---- the text ---- */

static bool is_control(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

/* After a byte that is not UTF-8 the next GUESS_WINDOW bytes (across pieces, so the guess
 * does not depend on how the text was cut) are counted, then the fault is given with what
 * the text looks like. Windows-1256 writes an Arabic or Persian word as a run of bytes
 * above 0x7F (and has the Persian letters at 0x81 0x8D 0x8E 0x90 0x98); Latin-1 puts a
 * single accented letter between ASCII ones. */
static void guess_byte(filecheck_t *fc, unsigned char c)
{
    guess_t *g = &fc->guess;
    g->seen++;
    g->control += is_control(c) || c == 0;
    bool high = c >= 0x80;
    g->high += high;
    g->follow += high && g->prev_high;
    g->persian += c == 0x81 || c == 0x8d || c == 0x8e || c == 0x90 || c == 0x98;
    g->prev_high = high;
}

static int guess_end(filecheck_t *fc)
{
    const guess_t *g = &fc->guess;
    unsigned char b = g->first;
    if (g->control * 20 > g->seen)
        return fail(fc, fc->seq_line, fc->seq_byte, "binary content (byte 0x%02X): this is not a text file", b);
    if (fc->saw_multibyte)
        return fail(fc, fc->seq_line, fc->seq_byte, "byte 0x%02X is not UTF-8, though the text before it is: was a "
                    "cell pasted from a file in another encoding? %s", b, SAVE_AS_UTF8);
    if (g->persian || g->follow * 3 > g->high)
        return fail(fc, fc->seq_line, fc->seq_byte, "the text is not UTF-8 (byte 0x%02X): it looks like Windows-1256 "
                    "(Arabic/Persian); %s", b, SAVE_AS_UTF8);
    return fail(fc, fc->seq_line, fc->seq_byte, "the text is not UTF-8 (byte 0x%02X): it looks like Latin-1 "
                "(Windows-1252, Western European); %s", b, SAVE_AS_UTF8);
}

/* c breaks UTF-8 (the sequence began at seq_line/seq_byte with seq_first): the guess starts. */
static void not_utf8(filecheck_t *fc, unsigned char c)
{
    guess_t *g = &fc->guess;
    fc->guessing = true;
    g->first = fc->need ? fc->seq_first : c;
    if (fc->need) { /* the lead byte and continuations before c */
        g->high = g->seen = 1;
        g->prev_high = true;
    }
    guess_byte(fc, c);
}

/* Starts a UTF-8 sequence at lead byte c: how many continuation bytes, in which range
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
static bool utf8_lead(filecheck_t *fc, unsigned char c)
{
    fc->lo = 0x80, fc->hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) fc->need = 1;
    else if (c == 0xe0) fc->need = 2, fc->lo = 0xa0;
    else if (c == 0xed) fc->need = 2, fc->hi = 0x9f;
    else if (c >= 0xe1 && c <= 0xef) fc->need = 2;
    else if (c == 0xf0) fc->need = 3, fc->lo = 0x90;
    else if (c >= 0xf1 && c <= 0xf3) fc->need = 3;
    else if (c == 0xf4) fc->need = 3, fc->hi = 0x8f;
    else return false;
    return true;
}

/* Checks p[0..n) as text and moves the position past it. Returns how many bytes come
 * before a fault: n, or the offset of a NUL (fc->nul is set) or of the byte that breaks
 * UTF-8 (fc->guessing is set; the bytes after it feed the guess). The CSV check reads only
 * those bytes, so the fault found first is the one earliest in the file however the text
 * was cut into pieces. */
static size_t check_text(filecheck_t *fc, const unsigned char *p, size_t n)
{
    size_t clean = fc->guessing || fc->nul ? 0 : n;
    for (size_t i = 0; i < n; i++, fc->byte++) {
        unsigned char c = p[i];
        if (fc->nul) break;
        if (fc->guessing) {
            if (fc->guess.seen < GUESS_WINDOW) guess_byte(fc, c);
            continue;
        }
        if (fc->need) {
            if (c < fc->lo || c > fc->hi) { clean = i; not_utf8(fc, c); continue; }
            fc->lo = 0x80, fc->hi = 0xbf;
            if (--fc->need == 0) fc->saw_multibyte = true;
            continue;
        }
        if (c >= 0x80) {
            fc->seq_line = fc->line;
            fc->seq_byte = fc->byte;
            fc->seq_first = c;
            if (!utf8_lead(fc, c)) { clean = i; not_utf8(fc, c); continue; }
            fc->any_text = true;
            fc->prev_cr = false;
            continue;
        }
        if (c == 0) {
            fc->nul = true, fc->nul_line = fc->line, fc->nul_byte = fc->byte;
            clean = i;
            break;
        }
        if (c == '\n') {
            if (!fc->prev_cr) fc->line++;
            fc->prev_cr = false;
            continue;
        }
        fc->prev_cr = c == '\r';
        if (c == '\r') { fc->line++; continue; }
        if (is_control(c) && fc->n_control++ == 0) {
            fc->control_line = fc->line;
            fc->control_byte = fc->byte;
            fc->control_first = c;
        }
        fc->any_text |= c != ' ' && c != '\t';
    }
    return clean;
}

/* ---- the CSV structure ---- */

static void on_cell(void *s, size_t len, void *data)
{
    (void)s, (void)len;
    filecheck_t *fc = data;
    if (++fc->cells > fc->max_columns) fc->too_many_cells = true;
}

static void on_record(int term, void *data)
{
    (void)term;
    filecheck_t *fc = data;
    if (fc->records++ == 0) fc->header_line = fc->rec_line, fc->header_byte = fc->rec_byte;
    fc->cells = 0;
    fc->record_open = false;
}

/* One piece of the text, ending at a line break or a delimiter (where libcsv ends a
 * record or a cell) or at the end of what was fed; line and byte: where it began. Of the
 * faults the piece shows, the one earliest in the file is given: a stray quote where
 * libcsv stopped, too many cells at the delimiter that ends the piece, a record too long
 * at its max_record + 1st byte. */
static int check_piece(filecheck_t *fc, const char *p, size_t n, unsigned long long line, unsigned long long byte)
{
    size_t blank = 0;
    while (blank < n && (p[blank] == ' ' || p[blank] == '\t' || p[blank] == '\r' || p[blank] == '\n')) blank++;
    if (!fc->record_open && blank < n) { /* a record begins at its first non-blank byte */
        fc->record_open = true;
        fc->rec_line = line;
        fc->rec_byte = byte + blank;
    }
    bool open = fc->record_open;
    unsigned long long rec_line = fc->rec_line, rec_byte = fc->rec_byte; /* on_record may end it */
    size_t done = csv_parse(&fc->csv, p, n, on_cell, on_record, fc);
    unsigned long long stray = done != n ? byte + done : ~0ULL, end = byte + n - 1;
    unsigned long long too_long = open && byte + n > rec_byte + fc->max_record + 1 ? rec_byte + fc->max_record + 1 : ~0ULL;
    if (too_long <= stray && too_long <= end)
        return fail(fc, rec_line, rec_byte, "the row that starts here runs for more than %zu bytes: a quote "
                    "in it is probably not closed", fc->max_record);
    if (fc->too_many_cells)
        return fail(fc, rec_line, rec_byte, "the row that starts here has more than %u cells (columns)", fc->max_columns);
    if (done != n)
        return fail(fc, line, stray, "a stray quote: a quote inside a cell must be doubled (\"\") and the cell "
                    "quoted (\"...\"), and nothing may follow a cell's closing quote");
    return 0;
}

filecheck_t *filecheck_new(char delim, unsigned max_columns, size_t max_record)
{
    filecheck_t *fc = calloc(1, sizeof *fc);
    if (!fc) abort();
    fc->delim = delim;
    fc->max_columns = max_columns;
    fc->max_record = max_record;
    fc->line = 1;
    if (delim) {
        if (csv_init(&fc->csv, FILECHECK_CSV_OPTIONS)) abort();
        csv_set_delim(&fc->csv, (unsigned char)delim);
    }
    return fc;
}

void filecheck_destroy(filecheck_t **pfc)
{
    filecheck_t *fc = *pfc;
    if (!fc) return;
    if (fc->delim) csv_free(&fc->csv);
    free(fc);
    *pfc = NULL;
}

int filecheck_feed(filecheck_t *fc, const char *p, size_t n)
{
    if (fc->failed) return -1;
    const unsigned char *u = (const unsigned char *)p;
    while (n > 0) {
        size_t len = 0;
        while (len < n && p[len] != '\n' && p[len] != '\r' && (!fc->delim || p[len] != fc->delim)) len++;
        if (len < n) len++; /* the line break or delimiter ends the piece */
        unsigned long long line = fc->line, byte = fc->byte;
        size_t clean = check_text(fc, u, len);
        if (fc->delim && clean && check_piece(fc, p, clean, line, byte)) return -1;
        if (fc->nul)
            return fail(fc, fc->nul_line, fc->nul_byte, "a NUL byte (0x00): the file is binary, or UTF-16 without a "
                        "BOM; " SAVE_AS_UTF8);
        if (fc->guessing && fc->guess.seen >= GUESS_WINDOW) return guess_end(fc);
        p += len, u += len, n -= len;
    }
    return 0;
}

int filecheck_finish(filecheck_t *fc)
{
    if (fc->failed) return -1;
    if (fc->guessing) return guess_end(fc);
    if (fc->need)
        return fail(fc, fc->seq_line, fc->seq_byte, "the file ends inside a UTF-8 character: it was cut short");
    if (fc->n_control >= 16 && fc->n_control * 100 >= fc->byte)
        return fail(fc, fc->control_line, fc->control_byte, "binary content: %llu control bytes, the first (0x%02X) "
                    "here: this is not a text file", fc->n_control, fc->control_first);
    if (!fc->delim) return fc->any_text ? 0 : fail(fc, 1, 0, "the file is empty");
    unsigned long long rec_line = fc->rec_line, rec_byte = fc->rec_byte;
    if (csv_fini(&fc->csv, on_cell, on_record, fc))
        return fail(fc, rec_line, rec_byte, "the quote that opens a cell in the row that starts here is not closed: "
                    "the rest of the file would be one cell");
    if (fc->too_many_cells)
        return fail(fc, rec_line, rec_byte, "the row that starts here has more than %u cells (columns)", fc->max_columns);
    if (fc->records == 0) return fail(fc, 1, 0, "the file is empty: no header line, no rows");
    if (fc->records == 1)
        return fail(fc, fc->header_line, fc->header_byte, "the file has a header line and no rows: nothing to import");
    return 0;
}

const filecheck_fault_t *filecheck_fault(const filecheck_t *fc)
{
    return fc->failed ? &fc->fault : NULL;
}
