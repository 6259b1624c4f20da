/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "transcode.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#define TRANSCODE_READ (1u << 16) /* of the file per fread */

static unsigned long count_lines(const char *p, size_t n)
{
    unsigned long lines = 0;
    for (size_t i = 0; i < n; i++) lines += p[i] == '\n';
    return lines;
}

int transcode_utf16(FILE *f, bool big_endian, FILE **converted, filecheck_fault_t *fault)
{
    char buf[TRANSCODE_READ + 1];
    iconv_t cd = iconv_open("UTF-8", big_endian ? "UTF-16BE" : "UTF-16LE");
    FILE *out = tmpfile();
    if (cd == (iconv_t)-1 || !out) {
        if (out) fclose(out);
        if (cd != (iconv_t)-1) iconv_close(cd);
        snprintf(fault->why, sizeof fault->why, "cannot convert UTF-16 here (%s): save the file as UTF-8", strerror(errno));
        fault->line = 1, fault->byte = 0;
        return -1;
    }
    char *conv = malloc(TRANSCODE_READ * 2);
    if (!conv) abort();
    unsigned long long in_off = 2; /* of the file, at buf[0] */
    unsigned long line = 1;
    size_t carry = 0;
    int rc = fseek(f, 2, SEEK_SET) ? -1 : 0;
    for (bool eof = false; rc == 0 && !eof;) {
        size_t n = fread(buf + carry, 1, TRANSCODE_READ - carry, f);
        eof = n == 0;
        char *ip = buf;
        size_t il = carry + n;
        while (il > 0) {
            char *op = conv;
            size_t ol = TRANSCODE_READ * 2;
            size_t r = iconv(cd, &ip, &il, &op, &ol);
            int e = errno;
            fwrite(conv, 1, (size_t)(op - conv), out);
            line += count_lines(conv, (size_t)(op - conv));
            if (r != (size_t)-1 || e == E2BIG) continue;
            if (e == EINVAL && !eof) break; /* a character split across reads: carried over */
            fault->line = line;
            fault->byte = in_off + (unsigned long long)(ip - buf);
            snprintf(fault->why, sizeof fault->why, "%s", e == EINVAL ? "the file ends inside a UTF-16 character: it was cut short"
                     : "not UTF-16: an unpaired surrogate; save the file as UTF-8");
            rc = -1;
            break;
        }
        in_off += (unsigned long long)(ip - buf);
        carry = il;
        memmove(buf, ip, carry);
    }
    free(conv);
    iconv_close(cd);
    if (rc || fflush(out) || ferror(out)) {
        if (!rc) snprintf(fault->why, sizeof fault->why, "cannot convert it: %s", strerror(errno)), fault->line = 1, fault->byte = 0;
        fclose(out);
        return -1;
    }
    rewind(out);
    *converted = out;
    return 0;
}

