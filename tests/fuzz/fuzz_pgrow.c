/* SPDX-License-Identifier: MIT
 * libFuzzer target: what pg-sync sends PostgreSQL from stored bytes (ops/pgrow.h). The
 * input is taken as an entity row (TBL_ENTITIES' value, first byte after the format the
 * kind) and as a feed record; each line made of it must be one COPY text line PostgreSQL
 * takes: valid UTF-8, no NUL, no raw newline but the last, as many tab-separated columns
 * as its table has. */
#define _POSIX_C_SOURCE 200809L
#include "ops/pgrow.h"
#include "proto/accord_err.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "state/entity.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool utf8_valid_no_nul(const char *s, size_t len)
{
    return schema_utf8_valid(s, len) && !memchr(s, 0, len);
}

/* One line: valid text, "\n" only at its end, tabs + 1 == columns (0: not checked). */
static void check_line(const pgrow_buf_t *b, unsigned columns)
{
    if (!b->len || b->data[b->len - 1] != '\n' || !utf8_valid_no_nul(b->data, b->len)) abort();
    unsigned tabs = 0;
    for (size_t i = 0; i + 1 < b->len; i++) {
        if (b->data[i] == '\n' || b->data[i] == '\r') abort();
        tabs += b->data[i] == '\t';
    }
    if (columns && tabs + 1 != columns) abort();
}

static unsigned columns_of(unsigned kind)
{
    pgrow_buf_t b = {0};
    pgrow_columns(kind, &b);
    unsigned n = 1;
    for (size_t i = 0; i < b.len; i++) n += b.data[i] == ',';
    pgrow_buf_free(&b);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t id[ID_LEN] = {1};
    pgrow_buf_t b = {0};
    char currency[4] = "EUR"; /* a line's document's: the input's last bytes, when it has some */
    if (size > 5) memcpy(currency, data + size - 3, 3);
    int rc = pgrow_entity_line(id, data, size, currency, &b);
    if (rc == PGROW_ROW) check_line(&b, columns_of(data[1]));
    else if (b.len) abort(); /* nothing appended on GONE or an error */
    record_t rec;
    if (record_decode(data, size, &rec) == 0) {
        b.len = 0;
        pgrow_change_line(&rec, &b);
        check_line(&b, 8);
    }
    pgrow_buf_free(&b);
    return 0;
}
