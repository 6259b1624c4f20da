/* SPDX-License-Identifier: MIT
 * libFuzzer target: any bytes through the whole-file check of `accord import`
 * (client/filecheck.h): the sniff of the first bytes, then the text fed whole and again in
 * pieces of 1 to 16 bytes. The verdict must not depend on how the text was cut (a UTF-8
 * character, a CRLF or a quoted cell split across reads): a difference aborts. */
#define _POSIX_C_SOURCE 200809L
#include "client/filecheck.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const uint8_t *p, size_t n, char delim, size_t piece, filecheck_fault_t *out)
{
    filecheck_t *fc = filecheck_new(delim, 8, 512);
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < n; at += piece)
        rc = filecheck_feed(fc, (const char *)p + at, n - at < piece ? n - at : piece);
    if (rc == 0) rc = filecheck_finish(fc);
    const filecheck_fault_t *f = filecheck_fault(fc);
    if ((rc != 0) != (f != NULL)) abort();
    if (f) *out = *f;
    filecheck_destroy(&fc);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    char delim = data[0] % 3 == 0 ? ',' : data[0] % 3 == 1 ? ';' : 0; /* 0: a vCard's text check */
    size_t piece = 1 + data[0] / 16, bom;
    data++, size--;
    filecheck_fault_t fault;
    if (filecheck_sniff(data, size, &bom, &fault) == FILECHECK_REFUSED) return 0;
    filecheck_fault_t whole = {0}, cut = {0};
    int a = check(data + bom, size - bom, delim, size, &whole), b = check(data + bom, size - bom, delim, piece, &cut);
    if (a != b || whole.line != cut.line || whole.byte != cut.byte || strcmp(whole.why, cut.why)) abort();
    return 0;
}
