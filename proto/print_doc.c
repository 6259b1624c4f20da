/* SPDX-License-Identifier: MIT
 * print_doc: the printable page of a document (print_doc.h). Sections in the page's order:
 * head (kind, branch, number, dates, state), the customer, the lines, the totals, an
 * invoice's payments, the notes. */
#include "proto/print_doc.h"
#include "proto/accord_err.h"
#include "proto/calendar.h"
#include "proto/json.h"
#include "proto/schema.h"
#include "proto/timeid.h"

#include <stdint.h>
#include <string.h>

/* ---- words ---- */

typedef enum {
    L_INVOICE, L_QUOTE, L_ORDER, L_NUMBER, L_DATE, L_DUE, L_VALID_UNTIL, L_CUSTOMER,
    L_PHONE, L_NATID, L_ROW, L_DESCRIPTION, L_QTY, L_UNIT_PRICE, L_DISCOUNT, L_NET, L_TAX_RATE,
    L_TAX, L_TOTAL, L_PAID, L_BALANCE, L_PAYMENTS, L_METHOD, L_REFERENCE, L_AMOUNT, L_NOTES,
    L_AMOUNTS_IN, L_OVERDUE, L_NO_CUSTOMER, N_LABELS
} label_t;

static const char *const labels[N_LABELS][2] = {
    [L_INVOICE] = {"Invoice", "فاکتور"},
    [L_QUOTE] = {"Quote", "پیش‌فاکتور"},
    [L_ORDER] = {"Order", "سفارش"},
    [L_NUMBER] = {"Number", "شماره"},
    [L_DATE] = {"Date", "تاریخ"},
    [L_DUE] = {"Due", "سررسید"},
    [L_VALID_UNTIL] = {"Valid until", "معتبر تا"},
    [L_CUSTOMER] = {"Customer", "خریدار"},
    [L_PHONE] = {"Phone", "تلفن"},
    [L_NATID] = {"National ID", "شناسه ملی"},
    [L_ROW] = {"#", "ردیف"},
    [L_DESCRIPTION] = {"Description", "شرح"},
    [L_QTY] = {"Qty", "مقدار"},
    [L_UNIT_PRICE] = {"Unit price", "قیمت واحد"},
    [L_DISCOUNT] = {"Discount", "تخفیف"},
    [L_NET] = {"Net", "خالص"},
    [L_TAX_RATE] = {"Tax rate", "نرخ مالیات"},
    [L_TAX] = {"Tax", "مالیات"},
    [L_TOTAL] = {"Total", "جمع کل"},
    [L_PAID] = {"Paid", "پرداخت‌شده"},
    [L_BALANCE] = {"Balance due", "مانده قابل پرداخت"},
    [L_PAYMENTS] = {"Payments", "پرداخت‌ها"},
    [L_METHOD] = {"Method", "روش"},
    [L_REFERENCE] = {"Reference", "شماره پیگیری"},
    [L_AMOUNT] = {"Amount", "مبلغ"},
    [L_NOTES] = {"Notes", "توضیحات"},
    [L_AMOUNTS_IN] = {"Amounts in", "مبالغ به"},
    [L_OVERDUE] = {"Overdue", "سررسید گذشته"},
    [L_NO_CUSTOMER] = {"(not known on this node)", "(در این شعبه شناخته نیست)"},
};

/* A stored status or method and its words; a value not listed is shown as it is. */
typedef struct {
    const char *value, *en, *fa;
} word_t;

static const word_t states[] = {
    {"issued", "Issued", "صادرشده"},       {"partly_paid", "Partly paid", "بخشی پرداخت‌شده"},
    {"paid", "Paid", "پرداخت‌شده"},        {"cancelled", "CANCELLED", "لغوشده"},
    {"draft", "Draft", "پیش‌نویس"},         {"sent", "Sent", "فرستاده‌شده"},
    {"accepted", "Accepted", "پذیرفته‌شده"}, {"rejected", "Rejected", "ردشده"},
    {"expired", "Expired", "منقضی"},     {"open", "Open", "باز"},
    {"fulfilled", "Fulfilled", "انجام‌شده"},  {NULL, NULL, NULL}};

static const word_t methods[] = {
    {"cash", "Cash", "نقد"},         {"card", "Card", "کارت"}, {"transfer", "Bank transfer", "حواله بانکی"},
    {"cheque", "Cheque", "چک"},       {"other", "Other", "دیگر"}, {NULL, NULL, NULL}};

static const word_t currencies_fa[] = {
    {"IRR", "IRR", "ریال"}, {"USD", "USD", "دلار آمریکا"}, {"EUR", "EUR", "یورو"}, {"AED", "AED", "درهم امارات"},
    {"CNY", "CNY", "یوان چین"}, {"TRY", "TRY", "لیر ترکیه"}, {NULL, NULL, NULL}};

static const char *const months_en[12] = {"January", "February", "March", "April", "May", "June", "July",
                                          "August", "September", "October", "November", "December"};
static const char *const months_fa[12] = {"فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                                          "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"};

static const char *label(label_t l, print_lang_t lang)
{
    return labels[l][lang == PRINT_FA];
}

static const word_t *word_of(const word_t *table, const char *value)
{
    for (const word_t *w = table; w->value; w++)
        if (!strcmp(w->value, value)) return w;
    return NULL;
}

bool print_lang_parse(const char *code, print_lang_t *out)
{
    if (!code) return false;
    if (!strcmp(code, "en")) *out = PRINT_EN;
    else if (!strcmp(code, "fa")) *out = PRINT_FA;
    else return false;
    return true;
}

/* ---- reading the replies ---- */

static const msgpack_object *get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == n && !memcmp(kv->key.via.str.ptr, key, n))
            return &kv->val;
    }
    return NULL;
}

/* A str value copied into out (cap > 0), "" when absent or not a string. */
static const char *str_of(const msgpack_object *map, const char *key, char *out, size_t cap)
{
    const msgpack_object *o = get(map, key);
    out[0] = 0;
    if (o && o->type == MSGPACK_OBJECT_STR && o->via.str.size < cap) {
        memcpy(out, o->via.str.ptr, o->via.str.size);
        out[o->via.str.size] = 0;
    }
    return out;
}

static bool int_of(const msgpack_object *map, const char *key, int64_t *v)
{
    const msgpack_object *o = get(map, key);
    if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) *v = (int64_t)o->via.u64;
    else if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) *v = o->via.i64;
    else return false;
    return true;
}

static bool has_text(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = get(map, key);
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size > 0;
}

print_lang_t print_lang_of_customer(const msgpack_object *customer, print_lang_t otherwise)
{
    char code[8];
    print_lang_t lang = otherwise;
    print_lang_parse(str_of(customer, "language", code, sizeof code), &lang);
    return lang;
}

/* ---- writing text ---- */

/* The n bytes of s as HTML text: & < > " ' as entities, each byte that is not UTF-8 as
 * U+FFFD, control characters (C0 but tab, DEL, C1) dropped; a newline a <br> when
 * breaks, else a space. */
static void html_text(FILE *f, const char *s, size_t n, bool breaks)
{
    size_t i = 0;
    while (i < n) {
        uint32_t c;
        size_t len = json_utf8_next(s + i, n - i, &c);
        if (!len) {
            fputs("\xef\xbf\xbd", f);
            i++;
            continue;
        }
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        case '\n': fputs(breaks ? "<br>" : " ", f); break;
        case '\t': fputc(' ', f); break;
        default:
            if (!(c < 0x20 || (c >= 0x7f && c <= 0x9f))) fwrite(s + i, 1, len, f);
        }
        i += len;
    }
}

static void html_cstr(FILE *f, const char *s)
{
    html_text(f, s, strlen(s), false);
}

/* A record's text, isolated (<bdi>) so that its direction does not leak into the page. */
static void put_field(FILE *f, const msgpack_object *map, const char *key, bool breaks)
{
    const msgpack_object *o = get(map, key);
    if (!o || o->type != MSGPACK_OBJECT_STR) return;
    fputs("<bdi>", f);
    html_text(f, o->via.str.ptr, o->via.str.size, breaks);
    fputs("</bdi>", f);
}

static void put_digit(FILE *f, char d, print_lang_t lang)
{
    if (lang == PRINT_FA) fprintf(f, "\xdb%c", (char)(0xb0 + (d - '0'))); /* U+06F0 + d */
    else fputc(d, f);
}

/* A number written in ASCII ("-1234.50", "1.5") as the language writes it: digits, a
 * separator every three digits of the whole part, the decimal mark. */
static void put_number(FILE *f, const char *ascii, print_lang_t lang)
{
    const char *p = ascii;
    bool negative = *p == '-';
    if (negative) {
        p++;
        fputs(lang == PRINT_FA ? "<bdi dir=\"ltr\">\xe2\x88\x92" : "-", f); /* U+2212, kept left of the digits */
    }
    size_t whole = strcspn(p, ".");
    for (size_t i = 0; i < whole; i++) {
        if (i && (whole - i) % 3 == 0) fputs(lang == PRINT_FA ? "\xd9\xac" : ",", f); /* U+066C */
        put_digit(f, p[i], lang);
    }
    if (p[whole] == '.') {
        fputs(lang == PRINT_FA ? "\xd9\xab" : ".", f); /* U+066B */
        for (const char *d = p + whole + 1; *d; d++) put_digit(f, *d, lang);
    }
    if (negative && lang == PRINT_FA) fputs("</bdi>", f);
}

/* An amount in minor units of currency (map[key]) with the digits the currency shows. */
static void put_amount(FILE *f, const msgpack_object *map, const char *key, const char *currency, print_lang_t lang)
{
    int64_t v;
    char text[40];
    if (!int_of(map, key, &v)) return;
    schema_money_format(v, currency, text, sizeof text);
    put_number(f, text, lang);
}

/* A quantity (thousandths) or a rate (hundredths, with a percent sign). */
static void put_fixed(FILE *f, const msgpack_object *map, const char *key, int decimals, print_lang_t lang)
{
    int64_t v;
    char text[40];
    if (!int_of(map, key, &v)) return;
    schema_fixed_format(v, decimals, text, sizeof text);
    put_number(f, text, lang);
    if (decimals == 2) fputs(lang == PRINT_FA ? "\xd9\xaa" : "%", f); /* U+066A */
}

static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* A date YYYY-MM-DD (the first 10 bytes of a datetime too): "1 December 2026", or the
 * Solar Hijri "۱۰ آذر ۱۴۰۵"; shown as it is when it is no date. */
static void put_date(FILE *f, const char *date, print_lang_t lang)
{
    uint32_t day = calendar_day_of_date(date, strlen(date));
    int y, m, d;
    char num[8];
    if (!day) {
        html_cstr(f, date);
        return;
    }
    if (lang == PRINT_EN) {
        fprintf(f, "%d %s %.4s", two_digits(date + 8), months_en[two_digits(date + 5) - 1], date);
        return;
    }
    if (calendar_persian_of_day(day, &y, &m, &d)) {
        html_cstr(f, date);
        return;
    }
    snprintf(num, sizeof num, "%d", d);
    put_number(f, num, lang);
    fprintf(f, " %s ", months_fa[m - 1]);
    snprintf(num, sizeof num, "%d", y);
    for (const char *c = num; *c; c++) put_digit(f, *c, lang); /* a year has no separator */
}

static void put_word(FILE *f, const word_t *table, const char *value, print_lang_t lang)
{
    const word_t *w = word_of(table, value);
    if (w) fputs(lang == PRINT_FA ? w->fa : w->en, f);
    else html_cstr(f, value);
}

/* ---- the page ---- */

static const char css[] =
    "@page{size:A4;margin:16mm 14mm 18mm}"
    "*{box-sizing:border-box}"
    "html{font:10pt/1.45 Vazirmatn,\"Noto Sans Arabic\",\"Noto Sans\",\"DejaVu Sans\",Tahoma,Arial,sans-serif;"
    "color:#000;background:#fff}"
    "body{margin:0}"
    "@media screen{body{max-width:182mm;margin:10mm auto;padding:0 4mm}}"
    "h1{font-size:20pt;margin:0}"
    "h2{font-size:10pt;margin:0 0 2pt}"
    "p{margin:0}"
    "table{border-collapse:collapse}"
    "th{font-weight:bold;text-align:start}"
    ".head{display:flex;justify-content:space-between;align-items:flex-start;gap:8mm;margin-bottom:5mm}"
    ".meta th,.totals th{font-weight:normal;padding:1pt 0;padding-inline-end:6mm}"
    ".meta td,.totals td{padding:1pt 0}"
    ".state{display:inline-block;margin:0 0 4mm;padding:2pt 8pt;border:1.5pt solid #000;font-weight:bold;"
    "font-size:12pt}"
    ".state.cancelled{font-size:20pt;border-width:3pt;letter-spacing:.08em}"
    ".party{margin-bottom:5mm}"
    ".lines{width:100%;margin-bottom:4mm}"
    ".lines th,.lines td{border:.75pt solid #000;padding:2pt 4pt;vertical-align:top}"
    "thead{display:table-header-group}"
    "tr,.totals,.party,.notes{break-inside:avoid;page-break-inside:avoid}"
    ".num{text-align:end;white-space:nowrap;font-variant-numeric:tabular-nums}"
    ".totals{margin-inline-start:auto;margin-bottom:5mm}"
    ".totals .sum th,.totals .sum td{font-weight:bold;border-top:1pt solid #000;padding-top:2pt}"
    ".payments{margin-bottom:5mm;break-inside:avoid;page-break-inside:avoid}"
    ".payments table{width:100%}"
    ".payments th,.payments td{border-bottom:.5pt solid #000;padding:1pt 4pt}";

const char *print_doc_css(void)
{
    return css;
}

typedef struct {
    FILE *f;
    const msgpack_object *doc, *fields, *customer;
    unsigned kind;        /* KIND_QUOTE, KIND_ORDER or KIND_INVOICE */
    char currency[8];
    print_lang_t lang;
} page_t;

static label_t kind_label(unsigned kind)
{
    return kind == KIND_INVOICE ? L_INVOICE : kind == KIND_QUOTE ? L_QUOTE : L_ORDER;
}

/* The number people quote: an invoice's own, else the id's short form (proto/timeid.h),
 * as the CLI shows ids; isolated left to right in the page, plain in its <title>. */
static void put_doc_number(const page_t *pg, bool isolated)
{
    char number[64];
    if (!(pg->kind == KIND_INVOICE && str_of(pg->doc, "number", number, sizeof number)[0])) {
        char id[64];
        str_of(pg->doc, "id", id, sizeof id);
        if (!timeid_short_hex(id, TIMEID_SHORT_CLI, number, sizeof number)) snprintf(number, sizeof number, "%.12s", id);
    }
    if (isolated) fputs("<bdi dir=\"ltr\">", pg->f);
    html_cstr(pg->f, number);
    if (isolated) fputs("</bdi>", pg->f);
}

static void meta_row(const page_t *pg, label_t l)
{
    fprintf(pg->f, "<tr><th>%s</th><td>", label(l, pg->lang));
}

/* A date field of the document as a row of the head, when it has one. */
static void meta_date(const page_t *pg, label_t l, const char *key)
{
    char date[40];
    if (!str_of(pg->fields, key, date, sizeof date)[0]) return;
    meta_row(pg, l);
    put_date(pg->f, date, pg->lang);
    fputs("</td></tr>", pg->f);
}

/* What the state is: an invoice's as the node derives it (state), else the stored status. */
static const char *doc_state(const page_t *pg, char *out, size_t cap)
{
    return pg->kind == KIND_INVOICE ? str_of(pg->doc, "state", out, cap) : str_of(pg->fields, "status", out, cap);
}

static void write_head(const page_t *pg)
{
    FILE *f = pg->f;
    char when[40];
    fprintf(f, "<header class=\"head\"><div><h1>%s</h1>", label(kind_label(pg->kind), pg->lang));
    if (has_text(pg->fields, "branch")) {
        fputs("<p class=\"branch\">", f);
        put_field(f, pg->fields, "branch", false);
        fputs("</p>", f);
    }
    if (has_text(pg->fields, "title")) {
        fputs("<p class=\"title\">", f);
        put_field(f, pg->fields, "title", false);
        fputs("</p>", f);
    }
    fputs("</div><table class=\"meta\">", f);
    meta_row(pg, L_NUMBER);
    put_doc_number(pg, true);
    fputs("</td></tr>", f);
    if (pg->kind == KIND_INVOICE) {
        meta_date(pg, L_DATE, "issued");
        meta_date(pg, L_DUE, "due");
    } else {
        /* a quote is dated the day it was sent, else made, in the branch's zone (document's date) */
        if (str_of(pg->doc, "date", when, sizeof when)[0]) {
            meta_row(pg, L_DATE);
            put_date(pg->f, when, pg->lang);
            fputs("</td></tr>", pg->f);
        } else {
            meta_date(pg, L_DATE, str_of(pg->fields, "sent_at", when, sizeof when)[0] ? "sent_at" : "created");
        }
        if (pg->kind == KIND_QUOTE) meta_date(pg, L_VALID_UNTIL, "valid_until");
    }
    fputs("</table></header>\n", f);
}

/* The state, large; a cancelled document's largest. An issued invoice past due says so. */
static void write_state(const page_t *pg)
{
    char state[32];
    if (!doc_state(pg, state, sizeof state)[0]) return;
    bool cancelled = !strcmp(state, "cancelled");
    fprintf(pg->f, "<p class=\"state%s\">", cancelled ? " cancelled" : "");
    put_word(pg->f, states, state, pg->lang);
    const msgpack_object *overdue = get(pg->doc, "overdue");
    if (overdue && overdue->type == MSGPACK_OBJECT_BOOLEAN && overdue->via.boolean)
        fprintf(pg->f, " · %s", label(L_OVERDUE, pg->lang));
    fputs("</p>\n", pg->f);
}

static void write_customer(const page_t *pg)
{
    FILE *f = pg->f;
    const msgpack_object *c = pg->customer;
    fprintf(f, "<section class=\"party\"><h2>%s</h2>", label(L_CUSTOMER, pg->lang));
    if (!c) {
        fprintf(f, "<p>%s</p></section>\n", label(L_NO_CUSTOMER, pg->lang));
        return;
    }
    fputs("<p class=\"name\">", f);
    put_field(f, c, "name", false);
    fputs("</p>", f);
    if (has_text(c, "address") || has_text(c, "city")) {
        fputs("<p class=\"address\">", f);
        put_field(f, c, "address", true);
        if (has_text(c, "address") && has_text(c, "city")) fputs(pg->lang == PRINT_FA ? "، " : ", ", f);
        put_field(f, c, "city", false);
        fputs("</p>", f);
    }
    const msgpack_object *phones = get(c, "phones");
    if (phones && phones->type == MSGPACK_OBJECT_ARRAY && phones->via.array.size) {
        fprintf(f, "<p class=\"phones\">%s: ", label(L_PHONE, pg->lang));
        for (uint32_t i = 0; i < phones->via.array.size; i++) {
            const msgpack_object *p = &phones->via.array.ptr[i];
            if (p->type != MSGPACK_OBJECT_STR) continue;
            if (i) fputs(pg->lang == PRINT_FA ? "، " : ", ", f);
            fputs("<bdi dir=\"ltr\">", f);
            /* a stored phone is + and ASCII digits (schema.h): in Persian, Persian digits */
            for (uint32_t k = 0; k < p->via.str.size; k++) {
                char ch = p->via.str.ptr[k];
                if (ch >= '0' && ch <= '9') put_digit(f, ch, pg->lang);
                else html_text(f, &p->via.str.ptr[k], 1, false);
            }
            fputs("</bdi>", f);
        }
        fputs("</p>", f);
    }
    if (has_text(c, "national_id")) {
        fprintf(f, "<p class=\"national-id\">%s: ", label(L_NATID, pg->lang));
        put_field(f, c, "national_id", false);
        fputs("</p>", f);
    }
    fputs("</section>\n", f);
}

static void write_line(const page_t *pg, const msgpack_object *line, unsigned row)
{
    FILE *f = pg->f;
    char n[16];
    snprintf(n, sizeof n, "%u", row);
    fputs("<tr><td class=\"num\">", f);
    put_number(f, n, pg->lang);
    fputs("</td><td>", f);
    put_field(f, line, "description", true);
    fputs("</td><td class=\"num\">", f);
    put_fixed(f, line, "quantity", 3, pg->lang);
    if (has_text(line, "unit")) {
        fputc(' ', f);
        put_field(f, line, "unit", false);
    }
    static const struct { const char *key; bool rate; } cells[] = {
        {"unit_price", false}, {"discount", true}, {"net", false},
        {"tax_rate", true},    {"tax", false},     {"total", false}};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        fputs("</td><td class=\"num\">", f);
        if (cells[i].rate) put_fixed(f, line, cells[i].key, 2, pg->lang);
        else put_amount(f, line, cells[i].key, pg->currency, pg->lang);
    }
    fputs("</td></tr>\n", f);
}

static void write_lines(const page_t *pg, const msgpack_object *lines)
{
    static const label_t heads[] = {L_ROW, L_DESCRIPTION, L_QTY,     L_UNIT_PRICE, L_DISCOUNT,
                                    L_NET, L_TAX_RATE,    L_TAX,     L_TOTAL};
    FILE *f = pg->f;
    fputs("<table class=\"lines\"><thead><tr>", f);
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        fprintf(f, "<th%s>%s</th>", heads[i] == L_DESCRIPTION ? "" : " class=\"num\"", label(heads[i], pg->lang));
    fputs("</tr></thead>\n<tbody>\n", f);
    for (uint32_t i = 0; i < lines->via.array.size; i++) write_line(pg, &lines->via.array.ptr[i], i + 1);
    fputs("</tbody></table>\n", f);
}

static void total_row(const page_t *pg, label_t l, const char *key, bool sum)
{
    fprintf(pg->f, "<tr%s><th>%s</th><td class=\"num\">", sum ? " class=\"sum\"" : "", label(l, pg->lang));
    put_amount(pg->f, pg->doc, key, pg->currency, pg->lang);
    fputs("</td></tr>", pg->f);
}

static void write_totals(const page_t *pg)
{
    FILE *f = pg->f;
    const word_t *cur = pg->lang == PRINT_FA ? word_of(currencies_fa, pg->currency) : NULL;
    fprintf(f, "<table class=\"totals\"><caption>%s ", label(L_AMOUNTS_IN, pg->lang));
    if (cur) fputs(cur->fa, f);
    else html_cstr(f, pg->currency);
    fputs("</caption>", f);
    total_row(pg, L_NET, "net", false);
    total_row(pg, L_TAX, "tax", false);
    total_row(pg, L_TOTAL, "total", true);
    if (pg->kind == KIND_INVOICE) {
        total_row(pg, L_PAID, "paid", false);
        total_row(pg, L_BALANCE, "balance", true);
    }
    fputs("</table>\n", f);
}

static void write_payments(const page_t *pg)
{
    FILE *f = pg->f;
    const msgpack_object *pays = get(pg->doc, "payments");
    if (!pays || pays->type != MSGPACK_OBJECT_ARRAY || !pays->via.array.size) return;
    fprintf(f, "<section class=\"payments\"><h2>%s</h2><table><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
               "<th class=\"num\">%s</th></tr></thead><tbody>\n",
            label(L_PAYMENTS, pg->lang), label(L_DATE, pg->lang), label(L_METHOD, pg->lang),
            label(L_REFERENCE, pg->lang), label(L_AMOUNT, pg->lang));
    for (uint32_t i = 0; i < pays->via.array.size; i++) {
        const msgpack_object *p = &pays->via.array.ptr[i];
        char text[64];
        fputs("<tr><td>", f);
        put_date(f, str_of(p, "date", text, sizeof text), pg->lang);
        fputs("</td><td>", f);
        put_word(f, methods, str_of(p, "method", text, sizeof text), pg->lang);
        fputs("</td><td>", f);
        put_field(f, p, "reference", false);
        fputs("</td><td class=\"num\">", f);
        put_amount(f, p, "amount", pg->currency, pg->lang);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></section>\n", f);
}

static void write_notes(const page_t *pg)
{
    if (!has_text(pg->fields, "notes")) return;
    fprintf(pg->f, "<section class=\"notes\"><h2>%s</h2><p>", label(L_NOTES, pg->lang));
    put_field(pg->f, pg->fields, "notes", true);
    fputs("</p></section>\n", pg->f);
}

int print_doc_write(FILE *f, const msgpack_object *doc, const msgpack_object *customer, print_lang_t lang)
{
    char kind_name[16];
    int kind = schema_kind_by_name(str_of(doc, "kind", kind_name, sizeof kind_name));
    const msgpack_object *lines = get(doc, "lines"), *fields = get(doc, "fields");
    if ((kind != KIND_QUOTE && kind != KIND_ORDER && kind != KIND_INVOICE) || !lines ||
        lines->type != MSGPACK_OBJECT_ARRAY || !fields || fields->type != MSGPACK_OBJECT_MAP)
        return ACCORD_EINVAL;
    page_t pg = {f, doc, fields, customer && customer->type == MSGPACK_OBJECT_MAP ? customer : NULL,
                 (unsigned)kind, "", lang};
    str_of(doc, "currency", pg.currency, sizeof pg.currency);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s ",
            lang == PRINT_FA ? "fa" : "en", lang == PRINT_FA ? "rtl" : "ltr", label(kind_label(pg.kind), lang));
    put_doc_number(&pg, false);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
    write_head(&pg);
    write_state(&pg);
    write_customer(&pg);
    write_lines(&pg, lines);
    write_totals(&pg);
    write_payments(&pg);
    write_notes(&pg);
    fputs("</body>\n</html>\n", f);
    return 0;
}
