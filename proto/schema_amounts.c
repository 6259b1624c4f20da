/* SPDX-License-Identifier: MIT
 * schema_amounts: the numbers people type and the elements the node writes of them
 * (schema.h): currencies and their minor units, amounts, quantities and rates read as
 * people type them, and the price and payment elements of products and invoices. */
#include "schema.h"
#include "accord_err.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

/* ISO 4217 codes in common use with their minor-unit digits; others are refused with a
 * message, since a wrong exponent silently scales an amount by 10 or 100. */
static const struct { char code[4]; int exp; } currencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ARS", 2}, {"AUD", 2}, {"AZN", 2}, {"BDT", 2}, {"BHD", 3},
    {"BRL", 2}, {"CAD", 2}, {"CHF", 2}, {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"CZK", 2},
    {"DKK", 2}, {"DZD", 2}, {"EGP", 2}, {"EUR", 2}, {"GBP", 2}, {"GEL", 2}, {"HKD", 2},
    {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0},
    {"JOD", 3}, {"JPY", 0}, {"KES", 2}, {"KRW", 0}, {"KWD", 3}, {"KZT", 2}, {"LBP", 2},
    {"LYD", 3}, {"MAD", 2}, {"MXN", 2}, {"MYR", 2}, {"NGN", 2}, {"NOK", 2}, {"NZD", 2},
    {"OMR", 3}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"QAR", 2}, {"RON", 2}, {"RUB", 2},
    {"SAR", 2}, {"SEK", 2}, {"SGD", 2}, {"THB", 2}, {"TND", 3}, {"TRY", 2}, {"TWD", 2},
    {"UAH", 2}, {"USD", 2}, {"UZS", 2}, {"VND", 0}, {"ZAR", 2},
};

int schema_currency_exponent(const char *code)
{
    for (unsigned i = 0; i < N(currencies); i++)
        if (strcmp(currencies[i].code, code) == 0) return currencies[i].exp;
    return ACCORD_EINVAL;
}

const char *schema_currency_at(unsigned i, int *exp)
{
    if (i >= N(currencies)) return NULL;
    *exp = currencies[i].exp;
    return currencies[i].code;
}

int schema_currency_shown_digits(const char *code)
{
    /* the rial keeps two minor digits in ISO 4217 that nobody uses: amounts are whole rials */
    if (!strcmp(code, "IRR")) return 0;
    return schema_currency_exponent(code);
}

/* Separators people type in amounts: kind 'd' decimal only (Arabic U+066B), 'g' grouping
 * only (spaces, U+00A0, U+202F, ', Arabic U+066C), 's' either ('.' and ','). */
static char money_separator(const unsigned char *p, size_t left, int *used)
{
    *used = 1;
    if (*p == '.' || *p == ',') return 's';
    if (*p == ' ' || *p == '\'') return 'g';
    *used = 2;
    if (left >= 2 && p[0] == 0xd9 && p[1] == 0xab) return 'd';
    if (left >= 2 && p[0] == 0xd9 && p[1] == 0xac) return 'g';
    if (left >= 2 && p[0] == 0xc2 && p[1] == 0xa0) return 'g';
    *used = 3;
    if (left >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xaf) return 'g';
    return 0;
}

/* A decimal number as people type it (schema_money_parse) into an integer of exp decimals,
 * at most shown of them typed, at most max. too_precise is *why for more decimals. */
static int decimal_parse(const char *in, int exp, int shown, int64_t max, const char *too_precise, int64_t *minor,
                         const char **why)
{
    *why = "is not a number";
    const unsigned char *p = (const unsigned char *)in;
    size_t len = strlen(in);
    while (len && (*p == ' ')) p++, len--;
    while (len && p[len - 1] == ' ') len--;
    if (len && (*p == '-' || (len >= 3 && p[0] == 0xe2 && p[1] == 0x88 && p[2] == 0x92))) {
        *why = "is negative: give 0 or more";
        return ACCORD_EINVAL;
    }
    /* U+066B is the Persian decimal mark, but people type it between thousands too
     * (۱۲٫۵۰۰٫۰۰۰): more than one is read as grouping, the way several dots are */
    unsigned arabic_marks = 0;
    for (size_t i = 0; i + 1 < len; i++) arabic_marks += p[i] == 0xd9 && p[i + 1] == 0xab;
    /* One pass to a plain form: digits, and 's'/'d' separators with their positions. */
    char digits[64];
    int n = 0, sep_at[32], n_sep = 0, decimal_at = -1, dots = 0, commas = 0;
    char last_s = 0;
    for (size_t i = 0; i < len;) {
        int used, d = schema_digit_at(p + i, len - i, &used);
        if (d >= 0) {
            if (n == (int)sizeof digits - 1) return ACCORD_EINVAL;
            digits[n++] = (char)('0' + d);
            i += (size_t)used;
            continue;
        }
        char kind = money_separator(p + i, len - i, &used);
        if (!kind || n == 0) return ACCORD_EINVAL; /* nothing but digits, and a digit first */
        if (kind == 'd' && arabic_marks > 1) { /* grouping, as a '.' */
            if (n_sep == 32) return ACCORD_EINVAL;
            sep_at[n_sep++] = n;
            dots++;
            last_s = '.';
        } else if (kind == 'd') {
            if (decimal_at >= 0) return ACCORD_EINVAL;
            decimal_at = n;
        } else if (kind == 's') {
            if (n_sep == 32) return ACCORD_EINVAL;
            sep_at[n_sep++] = n;
            if (p[i] == '.') dots++; else commas++;
            last_s = (char)p[i];
        }
        i += (size_t)used;
    }
    if (n == 0) return ACCORD_EINVAL;
    /* Which '.' or ',' is the decimal point: the last one when both kinds are there; a lone
     * one unless three digits follow it (12,500 is twelve thousand five hundred) in a
     * currency without three minor digits, but always after a lone 0 (0,500 is a half: no
     * one groups thousands after a zero); never one of several of the same kind. */
    if (decimal_at < 0 && n_sep) {
        int last = sep_at[n_sep - 1];
        if (dots && commas) {
            decimal_at = last;
            (void)last_s;
        } else if (n_sep == 1 && !(n - last == 3 && exp != 3 && !(last == 1 && digits[0] == '0'))) {
            decimal_at = last;
        }
        if (decimal_at == last) n_sep--;
    } else if (decimal_at >= 0) {
        for (int k = 0; k < n_sep; k++)
            if (sep_at[k] > decimal_at) return ACCORD_EINVAL;
    }
    /* grouping: 1 to 3 digits first, then groups of exactly three */
    int whole = decimal_at >= 0 ? decimal_at : n;
    for (int k = 0; k < n_sep; k++) {
        int group_end = k + 1 < n_sep ? sep_at[k + 1] : whole;
        if ((k == 0 && (sep_at[0] < 1 || sep_at[0] > 3)) || group_end - sep_at[k] != 3) {
            *why = "has its thousands separators in the wrong places";
            return ACCORD_EINVAL;
        }
    }
    int frac = n - whole;
    while (frac > 0 && digits[whole + frac - 1] == '0') frac--; /* 12.50 is 12.5 */
    if (frac > shown) {
        *why = too_precise;
        return ACCORD_EINVAL;
    }
    int64_t v = 0;
    for (int i = 0; i < whole + frac; i++) {
        if (v > (INT64_MAX - 9) / 10 / 1000) { *why = "is too large"; return ACCORD_EINVAL; }
        v = v * 10 + (digits[i] - '0');
    }
    for (int i = frac; i < exp; i++) {
        if (v > INT64_MAX / 10 / 1000) { *why = "is too large"; return ACCORD_EINVAL; }
        v *= 10;
    }
    if (v > max) { *why = "is too large"; return ACCORD_EINVAL; }
    *minor = v;
    return 0;
}

int schema_money_parse(const char *in, const char *currency, int64_t *minor, const char **why)
{
    const char *dummy;
    if (!why) why = &dummy;
    int exp = schema_currency_exponent(currency), shown = schema_currency_shown_digits(currency);
    if (exp < 0) { *why = "has no currency this node knows"; return ACCORD_EINVAL; }
    int rc = decimal_parse(in, exp, shown, SCHEMA_MONEY_MAX,
                           shown ? "has more decimals than the currency has" : "has decimals, and this currency has none",
                           minor, why);
    if (rc && !strcmp(*why, "is not a number")) *why = "is not an amount";
    if (rc && !strcmp(*why, "is negative: give 0 or more")) *why = "is negative: an amount is 0 or more";
    return rc;
}

int schema_quantity_parse(const char *in, int64_t *thousandths, const char **why)
{
    const char *dummy;
    if (!why) why = &dummy;
    int rc = decimal_parse(in, 3, 3, SCHEMA_QUANTITY_MAX, "has more than 3 decimals", thousandths, why);
    if (rc) return rc;
    if (*thousandths == 0) { *why = "is zero: a line holds some of what it sells"; return ACCORD_EINVAL; }
    return 0;
}

int schema_rate_parse(const char *in, int64_t *hundredths, const char **why)
{
    const char *dummy;
    if (!why) why = &dummy;
    size_t len = strlen(in);
    char copy[64];
    /* "9%" and "9 %" are what people write */
    if (len >= sizeof copy) { *why = "is too long"; return ACCORD_EINVAL; }
    memcpy(copy, in, len + 1);
    while (len && (copy[len - 1] == ' ' || copy[len - 1] == '%')) copy[--len] = 0;
    if (len >= 2 && (unsigned char)copy[len - 2] == 0xd9 && (unsigned char)copy[len - 1] == 0xaa) copy[len -= 2] = 0; /* ٪ */
    while (len && copy[len - 1] == ' ') copy[--len] = 0;
    int rc = decimal_parse(copy, 2, 2, 10000, "has more than 2 decimals", hundredths, why);
    if (rc && !strcmp(*why, "is too large")) *why = "is more than 100%";
    return rc;
}

void schema_fixed_format(int64_t v, int decimals, char *out, size_t cap)
{
    long long scale = decimals == 3 ? 1000 : decimals == 2 ? 100 : 1;
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    unsigned long long whole = a / (unsigned long long)scale, frac = a % (unsigned long long)scale;
    if (!frac) { snprintf(out, cap, "%s%llu", v < 0 ? "-" : "", whole); return; }
    char f[8];
    snprintf(f, sizeof f, decimals == 3 ? "%03llu" : "%02llu", frac);
    size_t n = strlen(f);
    while (n && f[n - 1] == '0') f[--n] = 0;
    snprintf(out, cap, "%s%llu.%s", v < 0 ? "-" : "", whole, f);
}

/* ---- set elements of products and invoices ---- */

/* A canonical non-negative integer: digits, no leading zero (but "0"), at most max. */
static bool parse_canonical_int(const char *s, size_t len, int64_t max, int64_t *out)
{
    if (len == 0 || len > 19 || (len > 1 && s[0] == '0')) return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        if (v > (INT64_MAX - 9) / 10) return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max) return false;
    *out = v;
    return true;
}

/* The next space-separated word of s (len bytes) from *pos: its start and length. */
static bool next_word(const char *s, size_t len, size_t *pos, const char **w, size_t *wlen)
{
    if (*pos >= len) return false;
    const char *sp = memchr(s + *pos, ' ', len - *pos);
    size_t end = sp ? (size_t)(sp - s) : len;
    *w = s + *pos;
    *wlen = end - *pos;
    *pos = sp ? end + 1 : len;
    return *wlen > 0;
}

int schema_price_parse(const char *elem, size_t len, schema_price_t *out)
{
    size_t pos = 0, n;
    const char *w;
    memset(out, 0, sizeof *out);
    if (!schema_utf8_valid(elem, len) || schema_text_has_control(elem, len, false)) return ACCORD_EINVAL;
    if (len && elem[len - 1] == ' ') return ACCORD_EINVAL; /* next_word would let a trailing one by */
    if (!next_word(elem, len, &pos, &w, &n) || n != 3) return ACCORD_EINVAL;
    memcpy(out->currency, w, 3);
    if (schema_currency_exponent(out->currency) < 0) return ACCORD_EINVAL;
    if (!next_word(elem, len, &pos, &w, &n) || !parse_canonical_int(w, n, SCHEMA_MONEY_MAX, &out->minor))
        return ACCORD_EINVAL;
    if (pos < len) { /* the branch: the rest, a node name (no spaces) */
        if (!next_word(elem, len, &pos, &w, &n) || n > 64 || pos < len) return ACCORD_EINVAL;
        memcpy(out->branch, w, n);
    }
    return 0;
}

void schema_price_format(const schema_price_t *p, char *out, size_t cap)
{
    snprintf(out, cap, "%s %lld%s%s", p->currency, (long long)p->minor, p->branch[0] ? " " : "", p->branch);
}

bool schema_payment_method_known(const char *method)
{
    for (const char *const *m = schema_payment_methods; *m; m++)
        if (!strcmp(*m, method)) return true;
    return false;
}

int schema_payment_parse(const char *elem, size_t len, schema_payment_t *out)
{
    size_t pos = 0, n;
    const char *w;
    memset(out, 0, sizeof *out);
    if (!schema_utf8_valid(elem, len) || schema_text_has_control(elem, len, false)) return ACCORD_EINVAL;
    if (!next_word(elem, len, &pos, &w, &n) || n != 10) return ACCORD_EINVAL;
    memcpy(out->date, w, 10);
    if (!schema_date_valid(out->date)) return ACCORD_EINVAL;
    if (!next_word(elem, len, &pos, &w, &n) || !parse_canonical_int(w, n, SCHEMA_MONEY_MAX, &out->minor) ||
        out->minor == 0)
        return ACCORD_EINVAL;
    if (!next_word(elem, len, &pos, &w, &n) || n >= sizeof out->method) return ACCORD_EINVAL;
    memcpy(out->method, w, n);
    if (!schema_payment_method_known(out->method)) return ACCORD_EINVAL;
    if (!next_word(elem, len, &pos, &w, &n) || n != 16) return ACCORD_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!((w[i] >= '0' && w[i] <= '9') || (w[i] >= 'a' && w[i] <= 'f'))) return ACCORD_EINVAL;
    memcpy(out->id, w, 16);
    if (pos < len) { /* the reference: the rest, trimmed text */
        size_t rn = len - pos;
        if (rn > SCHEMA_PAYMENT_REF_MAX || elem[pos] == ' ' || elem[len - 1] == ' ') return ACCORD_EINVAL;
        memcpy(out->reference, elem + pos, rn);
    } else if (elem[len - 1] == ' ') {
        return ACCORD_EINVAL;
    }
    return 0;
}

void schema_payment_format(const schema_payment_t *p, char *out, size_t cap)
{
    snprintf(out, cap, "%s %lld %s %s%s%s", p->date, (long long)p->minor, p->method, p->id, p->reference[0] ? " " : "",
             p->reference);
}

void schema_money_format(int64_t minor, const char *currency, char *out, size_t cap)
{
    int exp = schema_currency_exponent(currency);
    if (exp <= 0) { snprintf(out, cap, "%lld", (long long)minor); return; }
    long long scale = exp == 3 ? 1000 : 100;
    /* INT64_MIN has no positive twin: its magnitude as unsigned */
    unsigned long long a = minor < 0 ? 0ULL - (unsigned long long)minor : (unsigned long long)minor;
    unsigned long long whole = a / (unsigned long long)scale, frac = a % (unsigned long long)scale;
    if (frac == 0 && schema_currency_shown_digits(currency) == 0)
        snprintf(out, cap, "%s%llu", minor < 0 ? "-" : "", whole);
    else if (exp == 3) snprintf(out, cap, "%s%llu.%03llu", minor < 0 ? "-" : "", whole, frac);
    else snprintf(out, cap, "%s%llu.%02llu", minor < 0 ? "-" : "", whole, frac);
}
