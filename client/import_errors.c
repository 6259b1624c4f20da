/* SPDX-License-Identifier: MIT
 * import_errors: --errors-out, the bad rows of an import as they were in the file, after
 * their faults, so the file can be fixed and imported again as it is. */
#define _POSIX_C_SOURCE 200809L
#include "import_internal.h"
#include "vcard.h"

#include <csv.h>
#include <errno.h>
#include <string.h>

const char *const import_error_columns[3] = {"error row", "error column", "error reason"};

static void put_cell(import_t *im, bool first, const char *s, size_t len)
{
    if (!first) fputc(im->vcard ? ',' : im->delim, im->errors);
    csv_fwrite(im->errors, s, len);
}

/* The three error cells of row: its faults, from im->next_bad on (im->bad is sorted by
 * row), joined by " | "; moves next_bad past them. */
static void put_error_cells(import_t *im, unsigned row)
{
    char num[16], columns[1024] = "", reasons[4096] = "";
    size_t cl = 0, rl = 0;
    for (; im->next_bad < im->n_bad && im->bad[im->next_bad].row == row; im->next_bad++) {
        const bad_t *b = &im->bad[im->next_bad];
        const char *sep = cl ? " | " : "";
        if (cl < sizeof columns) cl += (size_t)snprintf(columns + cl, sizeof columns - cl, "%s%s", sep, b->column);
        if (rl < sizeof reasons)
            rl += (size_t)snprintf(reasons + rl, sizeof reasons - rl, "%s%s%s%s", sep, strcmp(b->column, "-") ? b->column : "",
                                   strcmp(b->column, "-") ? ": " : "", b->reason);
    }
    snprintf(num, sizeof num, "%u", row);
    put_cell(im, true, num, strlen(num));
    put_cell(im, false, columns, strlen(columns));
    put_cell(im, false, reasons, strlen(reasons));
}

/* True when the errors file has faults for row; skips those of earlier rows. */
static bool row_is_bad(import_t *im, unsigned row)
{
    while (im->next_bad < im->n_bad && im->bad[im->next_bad].row < row) im->next_bad++;
    return im->next_bad < im->n_bad && im->bad[im->next_bad].row == row;
}

/* PASS_ERRORS, one CSV record: the header with the error columns in front, or a bad row's
 * faults and then its cells as they were. The error columns of a file that was itself an
 * errors file are left out, so they do not pile up. */
void import_error_record(import_t *im)
{
    bool header = im->record == 1;
    if (header) {
        for (unsigned i = 0; i < 3; i++) put_cell(im, i == 0, import_error_columns[i], strlen(import_error_columns[i]));
    } else if (row_is_bad(im, im->record)) {
        put_error_cells(im, im->record);
    } else {
        return;
    }
    for (unsigned c = 0; c < im->n_cells; c++)
        if (c >= im->n_headers || !import_is_error_column(im->headers[c])) put_cell(im, false, im->cells[c], im->cell_len[c]);
    fputc('\n', im->errors);
}

/* PASS_ERRORS, one card: a bad card's faults, then its fields as the CSV columns of
 * import_vcard_columns (the errors file of a vCard file is a CSV file). */
static int error_card(void *ctx, unsigned number, unsigned line, const vcard_t *card, const char *error)
{
    (void)line, (void)error;
    import_t *im = ctx;
    if (!row_is_bad(im, number)) return 0;
    put_error_cells(im, number);
    const char *values[] = {card->name, card->phones, card->emails, card->address, card->city, card->tags,
                            card->company ? "company" : ""};
    for (unsigned c = 0; c < 7; c++) put_cell(im, false, values[c], strlen(values[c]));
    fputc('\n', im->errors);
    return 0;
}

/* Writes --errors-out (or into the caller's errors_file): for a CSV file its header and
 * each bad row, with the error columns in front; for a vCard file the bad cards as CSV
 * rows. Rereads the file to do so. */
void import_write_errors(import_t *im)
{
    if ((!im->errors_out && !im->errors_file) || !im->in) return;
    im->errors = im->errors_file ? im->errors_file : fopen(im->errors_out, "w");
    if (!im->errors) {
        import_say(im, "cannot write %s: %s", im->errors_out, strerror(errno));
        return;
    }
    im->pass = PASS_ERRORS;
    im->next_bad = 0;
    im->record = 0;
    im->n_cells = 0;
    if (im->had_bom) fputs("\xef\xbb\xbf", im->errors); /* so Excel reads it as UTF-8, as it did the file */
    if (im->vcard) {
        char err[200];
        for (unsigned i = 0; i < 3 + 7; i++) {
            const char *h = i < 3 ? import_error_columns[i] : import_vcard_columns[i - 3];
            put_cell(im, i == 0, h, strlen(h));
        }
        fputc('\n', im->errors);
        if (fseek(im->in, im->skip, SEEK_SET) == 0) vcard_read(im->in, error_card, im, err, sizeof err);
    } else {
        import_parse_csv(im);
    }
    if (im->errors_file ? fflush(im->errors) != 0 : fclose(im->errors) != 0)
        import_say(im, "cannot write %s: %s", im->errors_out ? im->errors_out : "the errors file", strerror(errno));
    im->errors = NULL;
}

