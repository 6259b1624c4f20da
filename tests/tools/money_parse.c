/* SPDX-License-Identifier: MIT
 * money-parse: reads "CURRENCY<TAB>TEXT" lines (TEXT with \t, \n and \uXXXX escapes) and
 * prints, per line, the minor units proto/schema.c's schema_money_parse reads, or ERR. The
 * money parity test compares it with the page's A.parseAmount (common.js) on the same lines:
 * what the page says it understood must be what the node keeps. */
#include "proto/schema.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The escapes in place (the output is never longer). */
static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p;) {
        unsigned c;
        if (p[0] == '\\' && p[1] == 't') { *o++ = '\t'; p += 2; }
        else if (p[0] == '\\' && p[1] == 'n') { *o++ = '\n'; p += 2; }
        else if (p[0] == '\\' && p[1] == 'u' && sscanf(p + 2, "%4x", &c) == 1 && strlen(p) >= 6) {
            p += 6;
            if (c < 0x80) *o++ = (char)c;
            else if (c < 0x800) { *o++ = (char)(0xc0 | (c >> 6)); *o++ = (char)(0x80 | (c & 63)); }
            else { *o++ = (char)(0xe0 | (c >> 12)); *o++ = (char)(0x80 | ((c >> 6) & 63)); *o++ = (char)(0x80 | (c & 63)); }
        } else *o++ = *p++;
    }
    *o = 0;
}

int main(void)
{
    char line[1024];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab) { printf("ERR\n"); continue; }
        *tab = 0;
        unescape(tab + 1);
        int64_t minor;
        if (schema_money_parse(tab + 1, line, &minor, NULL)) printf("ERR\n");
        else printf("%lld\n", (long long)minor);
    }
    return 0;
}
