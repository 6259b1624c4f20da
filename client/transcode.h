/* SPDX-License-Identifier: MIT
 * transcode: a UTF-16 file (Excel's "Unicode Text") as UTF-8, so an import reads one
 * encoding. iconv from glibc does the work; a fault is given at its byte in the original. */
#ifndef ACCORD_TRANSCODE_H
#define ACCORD_TRANSCODE_H

#include <stdbool.h>
#include <stdio.h>

#include "filecheck.h"

/* Converts f, from after its 2-byte BOM, to UTF-8 in a temporary file, returned rewound in
 * *converted (the caller closes it). Returns 0, or -1 with fault filled (line, byte of the
 * original file, and why). f's position is left anywhere. */
int transcode_utf16(FILE *f, bool big_endian, FILE **converted, filecheck_fault_t *fault);

#endif
