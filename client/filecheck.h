/* SPDX-License-Identifier: MIT
 * filecheck: the whole-file check `accord import` runs before it sends the first row, so
 * that a malformed file is refused with its line and byte offset instead of being half
 * imported. Pure: bytes in, a verdict out (no FILE, no node), fuzzed alone by
 * tests/fuzz/fuzz_filecheck.c.
 *
 * Two steps. filecheck_sniff() reads the first bytes of the file: a UTF-8 BOM (skipped),
 * a UTF-16 BOM (the caller converts the text to UTF-8 and checks that), and what is no
 * text at all (UTF-32, a workbook, a zip, a PDF, UTF-16 without a BOM). Then the text,
 * fed in pieces of any size, is checked byte by byte: valid UTF-8 (when not, which
 * encoding it looks like), no NUL byte, not binary; and, for a CSV file, its structure
 * under libcsv's strict rules (FILECHECK_CSV_OPTIONS, the options import reads it with):
 * every quote closed, no text after a closing quote, at most max_columns cells in a record,
 * no record longer than max_record bytes, a header and at least one row.
 *
 * Positions: line counts from 1 (LF, CRLF and a lone CR each end a line); byte is the
 * offset from the start of the text fed, counted from 0 as hexdump shows it. */
#ifndef ACCORD_FILECHECK_H
#define ACCORD_FILECHECK_H

#include <csv.h>
#include <stddef.h>

#define FILECHECK_CSV_OPTIONS (CSV_STRICT | CSV_STRICT_FINI)

typedef enum {
    FILECHECK_UTF8,     /* UTF-8 (or ASCII), perhaps after a BOM */
    FILECHECK_UTF16LE,  /* a UTF-16 BOM: convert from bom_len on */
    FILECHECK_UTF16BE,
    FILECHECK_REFUSED,  /* not a text file: the fault says what it is */
} filecheck_encoding_t;

typedef struct {
    unsigned long long line;  /* from 1 */
    unsigned long long byte;  /* from 0 */
    char why[300];            /* a sentence for the person who saved the file */
} filecheck_fault_t;

/* What the first n bytes of a file (n may be 0) say it is; *bom_len is the BOM's length.
 * FILECHECK_REFUSED fills fault (at line 1, byte 0). */
filecheck_encoding_t filecheck_sniff(const unsigned char *head, size_t n, size_t *bom_len, filecheck_fault_t *fault);

typedef struct filecheck filecheck_t;

/* delim: the CSV delimiter, or 0 to check the text only (a vCard file). */
filecheck_t *filecheck_new(char delim, unsigned max_columns, size_t max_record);
void filecheck_destroy(filecheck_t **fc);
/* The next n bytes of the text. Returns 0, or -1 at the first fault (filecheck_fault
 * says it; feed no more). */
int filecheck_feed(filecheck_t *fc, const char *p, size_t n);
/* The end of the text: what only the end shows (a quote still open, a character cut
 * short, no rows, binary content). Returns 0 or -1 as filecheck_feed. */
int filecheck_finish(filecheck_t *fc);
/* The first fault, or NULL; valid until filecheck_destroy. */
const filecheck_fault_t *filecheck_fault(const filecheck_t *fc);

#endif
