/* SPDX-License-Identifier: MIT
 * schema: the entity kinds, their fields, and the validation and normalisation of every
 * value a person types. Field ids are part of the feed format: never reuse or renumber.
 * Pure functions, no allocation: the node runs these on every client request and on
 * every record it applies. */
#ifndef ACCORD_SCHEMA_H
#define ACCORD_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef enum {
    KIND_CUSTOMER = 1,
    KIND_CONTACT = 2,
    KIND_DEAL = 3,
    KIND_TASK = 4,
    KIND_INTERACTION = 5,
    KIND_NOTE = 6,
    KIND_IMPORT = 7, /* one run of `accord import`: what it read and what it refused */
    KIND_PRODUCT = 8,
    KIND_QUOTE = 9,
    KIND_LINE = 10,  /* one line of a quote, an order or an invoice */
    KIND_ORDER = 11,
    KIND_INVOICE = 12,
    KIND_TICKET = 13, /* a service request */
    KIND_USER = 14,   /* a person who signs in: login, password hash, roles (auth/people.h) */
    KIND_BRANCH = 15, /* a branch: its node, invoice code, region, time zone, currency, calendar */
    KIND_COUNT
} kind_t;

typedef enum {
    FT_TEXT,     /* UTF-8 text, trimmed, no control characters */
    FT_CHOICE,   /* one of a fixed list */
    FT_BOOL,
    FT_INT,
    FT_PERCENT,  /* integer 0..100 */
    FT_MONEY,    /* integer, minor units of the record's currency */
    FT_CURRENCY, /* ISO 4217 code */
    FT_DATE,     /* YYYY-MM-DD */
    FT_DATETIME, /* normalised to YYYY-MM-DDTHH:MM:SSZ */
    FT_TIME,     /* a wall-clock time of day, HH:MM, 24-hour */
    FT_REF,      /* 16-byte id of another record */
    FT_PHONES,   /* set of normalised phone numbers */
    FT_EMAILS,   /* set of lower-cased e-mail addresses */
    FT_TAGS,     /* set of tags */
    FT_STAGE,    /* a pipeline stage name; checked against the node's pipeline */
    FT_QUANTITY, /* integer, thousandths of a unit: "1.5" is 1500 (up to 3 decimals) */
    FT_RATE,     /* integer, hundredths of a percent: "9" is 900, "12.5" is 1250; 0..10000 */
    FT_PRICES,   /* set of prices, "CUR MINOR" or "CUR MINOR BRANCH" (schema_price_*) */
    FT_PAYMENTS, /* set of payments, "DATE MINOR METHOD ID [REFERENCE]" (schema_payment_*) */
    FT_LOGIN,    /* a user's login: 1-40 of a-z, 0-9, '.', '_', '-', '@', lower-cased */
    FT_PWHASH,   /* an Argon2id hash string as libsodium makes it ("$argon2id$v=19$m=...") */
    FT_ROLES,    /* set of role grants, "ROLE org", "ROLE region NAME", "ROLE branch NODE" (schema_role_*) */
} field_type_t;

/* Field ids shared by every kind. */
enum { F_DELETED = 0, F_BRANCH = 1, F_CREATED = 2 };

enum { /* customer */
    F_CU_TYPE = 3, F_CU_NAME, F_CU_PHONES, F_CU_EMAILS, F_CU_ADDRESS, F_CU_CITY, F_CU_NATID,
    F_CU_SEGMENT, F_CU_SOURCE, F_CU_ASSIGNED, F_CU_CONSENT_EMAIL, F_CU_CONSENT_SMS, F_CU_TAGS,
    F_CU_MERGED_INTO
};
enum { /* contact */
    F_CO_CUSTOMER = 3, F_CO_NAME, F_CO_PHONES, F_CO_EMAILS, F_CO_ROLE
};
enum { /* deal */
    F_DE_CUSTOMER = 3, F_DE_TITLE, F_DE_STAGE, F_DE_AMOUNT, F_DE_CURRENCY, F_DE_CLOSE,
    F_DE_PROBABILITY, F_DE_LOST_REASON, F_DE_TAGS, F_DE_ASSIGNED
};
enum { /* task */
    F_TA_TITLE = 3, F_TA_DUE, F_TA_ASSIGNEE, F_TA_RELATED, F_TA_DONE, F_TA_DUE_TIME, F_TA_REMINDER
};
enum { /* interaction */
    F_IN_CUSTOMER = 3, F_IN_TYPE, F_IN_WHEN, F_IN_SUMMARY, F_IN_OUTCOME
};
enum { /* note */
    F_NO_RELATED = 3, F_NO_TEXT
};
enum { /* import run */
    F_IM_FILE = 3, F_IM_ROWS, F_IM_ROWS_CREATED, F_IM_ROWS_UPDATED, F_IM_ROWS_REJECTED
};
enum { /* product */
    F_PR_SKU = 3, F_PR_NAME, F_PR_CATEGORY, F_PR_UNIT, F_PR_PRICE, F_PR_CURRENCY, F_PR_TAX, F_PR_ACTIVE,
    F_PR_PRICES, F_PR_DESCRIPTION
};
enum { /* quote */
    F_QU_CUSTOMER = 3, F_QU_DEAL, F_QU_TITLE, F_QU_CURRENCY, F_QU_VALID_UNTIL, F_QU_STATUS, F_QU_SENT_AT,
    F_QU_NOTES, F_QU_ASSIGNED
};
enum { /* line of a quote, an order or an invoice */
    F_LI_DOC = 3, F_LI_POSITION, F_LI_PRODUCT, F_LI_DESCRIPTION, F_LI_QUANTITY, F_LI_UNIT_PRICE, F_LI_DISCOUNT,
    F_LI_TAX, F_LI_UNIT
};
enum { /* order */
    F_OR_CUSTOMER = 3, F_OR_QUOTE, F_OR_TITLE, F_OR_CURRENCY, F_OR_STATUS, F_OR_NOTES, F_OR_ASSIGNED
};
enum { /* invoice */
    F_IV_CUSTOMER = 3, F_IV_ORDER, F_IV_NUMBER, F_IV_ISSUED, F_IV_DUE, F_IV_CURRENCY, F_IV_STATUS, F_IV_NET,
    F_IV_TAX, F_IV_TOTAL, F_IV_PAYMENTS, F_IV_NOTES
};
enum { /* ticket (service request) */
    F_TI_CUSTOMER = 3, F_TI_SUBJECT, F_TI_DESCRIPTION, F_TI_PRODUCT, F_TI_ASSET, F_TI_PRIORITY, F_TI_SLA_DUE,
    F_TI_ASSIGNEE, F_TI_STATUS, F_TI_QUOTE, F_TI_ORDER, F_TI_INVOICE, F_TI_CLOSED_AT
};
enum { /* user (auth/people.h) */
    F_US_LOGIN = 3, F_US_NAME, F_US_LANGUAGES, F_US_DISABLED, F_US_PASSWORD, F_US_ROLES,
    F_US_LEGACY /* the org's first user, made at the hub: "ORIGIN:SEQ ..." up to which each feed
                 * is from before the org had users (people.h) */
};
enum { /* branch */
    F_BR_NODE = 3, F_BR_CODE, F_BR_NAME, F_BR_REGION, F_BR_TIMEZONE, F_BR_CURRENCY, F_BR_CALENDAR
};
/* customer, after merged_into: the language the customer reads (quotes and invoices) */
enum { F_CU_LANGUAGE = F_CU_MERGED_INTO + 1 };

typedef struct {
    uint8_t id;                  /* stable field id */
    const char *name;            /* name in the API, CLI and JSON */
    field_type_t type;
    uint16_t max_len;            /* bytes, for text-like types; FT_INT: if not 0, values
                                  * are 0..max_len (e.g. a reminder's minutes); FT_MONEY:
                                  * if not 0, 0..SCHEMA_MONEY_MAX (a deal's is any int) */
    const char *const *choices;  /* FT_CHOICE: NULL-terminated list */
} field_def_t;

const char *schema_kind_name(unsigned kind);      /* NULL for an unknown kind */
int schema_kind_by_name(const char *name);        /* kind, or ACCORD_EINVAL */
bool schema_kind_insert_only(unsigned kind);      /* interactions and notes */
const field_def_t *schema_field(unsigned kind, const char *name);   /* NULL if none */
const field_def_t *schema_field_by_id(unsigned kind, unsigned id);  /* NULL if none */
/* Fields of a kind in id order, for listing; *n receives the count. */
const field_def_t *schema_fields(unsigned kind, unsigned *n);
bool schema_is_set(field_type_t t);
/* True for the types whose values are integers (VAL_INT): int, percent, money, quantity, rate. */
bool schema_is_int(field_type_t t);

/* Elements a set field (phones, e-mails, tags) of one record may hold. This node refuses a
 * change of its own that would pass it (create, update, import, merge); a record from
 * another node is applied whatever it holds (a concurrent add on two branches may pass it,
 * and refusing one would split the replicas), so readers and the index take any count. */
#define SCHEMA_SET_MAX 1000

/* Normalises a value a person typed for field f into out (NUL-terminated).
 * FT_BOOL, FT_INT, FT_PERCENT, FT_MONEY store their integer in *out_int.
 * Returns 0, or ACCORD_EINVAL with a message that names the field in err. */
int schema_normalize(const field_def_t *f, const char *in, char *out, size_t out_cap,
                     int64_t *out_int, char *err, size_t err_cap);

/* Checks that an operation of a record fits the kind's schema: the field exists, the op
 * suits its type (SET on registers, ADD/REMOVE on sets), and the value has the right type,
 * is valid UTF-8 and within the field's length. 0 or ACCORD_EPROTO. */
int schema_check_op(unsigned kind, const record_op_t *op);

/* The largest amount in minor units an amount typed is read as: below 2^53, so the branch
 * app's numbers (JSON, JavaScript) hold it exactly; common.js A.parseAmount has the same. */
#define SCHEMA_MONEY_MAX 9000000000000000LL

/* The ASCII digit (0-9) of an ASCII, Persian (U+06F0..) or Arabic-Indic (U+0660..) digit
 * at p, its length in *used; -1 if none. */
int schema_digit_at(const unsigned char *p, size_t left, int *used);

/* Individual rules, also used by search and import. */
bool schema_utf8_valid(const char *s, size_t len);
/* True if s holds a control character: C0 (but newline and tab where multiline) or DEL. C1
 * characters are let through, as every earlier version did (a record of one must still
 * apply); tables and JSON escape them when they show text. */
bool schema_text_has_control(const char *s, size_t len, bool multiline);
bool schema_text_multiline(const field_def_t *f); /* long text fields keep newlines and tabs */
int schema_phone_normalize(const char *in, char *out, size_t cap);   /* 0 or ACCORD_EINVAL */
int schema_email_normalize(const char *in, char *out, size_t cap);
bool schema_date_valid(const char *s);
int schema_datetime_normalize(const char *in, char *out, size_t cap);
/* "HH:MM" (or "H:MM"), 24-hour, ASCII, Persian or Arabic-Indic digits, into "HH:MM" (out
 * holds >= 6 bytes); ACCORD_EINVAL otherwise ("9:5" is refused: 9:05 or 9:50?). */
int schema_time_normalize(const char *in, char *out, size_t cap);
/* True if v is a value the FT_INT or FT_PERCENT field f takes (always for other types). */
bool schema_int_in_range(const field_def_t *f, int64_t v);
int schema_currency_exponent(const char *code);   /* minor-unit digits, or ACCORD_EINVAL */
/* The i-th currency this schema knows (NULL past the last) and its minor-unit digits. */
const char *schema_currency_at(unsigned i, int *exp);
/* An amount as people type it, in currency code, to minor units, exactly: "1234.5", "12,5",
 * "1,234.50", "1.234,50", "1 234", Persian "۱۲٫۵" (U+066B is the decimal point, U+066C a
 * thousands separator). A lone '.' or ',' is the decimal point unless exactly three digits
 * follow it in a currency without three minor digits ("12,500" is 12500); when both occur,
 * the last is; several U+066B group thousands as several dots do ("۱۲٫۵۰۰٫۰۰۰"). ACCORD_EINVAL if malformed, negative, or more precise than the currency's
 * shown digits; *why (may be NULL) then says which, in words to show after the value. */
int schema_money_parse(const char *in, const char *currency, int64_t *minor, const char **why);
/* A quantity as people type it ("2", "1.5", "1,250", "۱٫۵") in thousandths of a unit, 1 to
 * SCHEMA_QUANTITY_MAX; a rate or percentage ("9", "12.5", "۹") in hundredths of a percent,
 * 0 to 10000. ACCORD_EINVAL with *why (may be NULL) otherwise. */
#define SCHEMA_QUANTITY_MAX 1000000000000LL /* a billion units */
int schema_quantity_parse(const char *in, int64_t *thousandths, const char **why);
int schema_rate_parse(const char *in, int64_t *hundredths, const char **why);
/* "1.5", "12", "0.125": thousandths or hundredths as the shortest decimal text (out >= 32). */
void schema_fixed_format(int64_t v, int decimals, char *out, size_t cap);

/* A role grant, a user's roles element: "staff org", "manager region North", "admin branch
 * tehran-1". staff works with records, manager reads and reports, admin manages users and
 * settings (docs/PERMISSIONS.md). The scope's name is 1-64 bytes of text. */
typedef enum { ROLE_STAFF = 1, ROLE_MANAGER, ROLE_ADMIN } schema_role_t;
typedef enum { SCOPE_ORG = 1, SCOPE_REGION, SCOPE_BRANCH } schema_scope_t;
typedef struct {
    schema_role_t role;
    schema_scope_t scope;
    char name[65]; /* region or branch node name; empty for the org */
} schema_grant_t;
#define SCHEMA_LOGIN_MAX 40
/* A login as typed, lower-cased into out; ACCORD_EINVAL if it is not one. */
int schema_login_normalize(const char *in, char *out, size_t cap);
int schema_grant_parse(const char *elem, size_t len, schema_grant_t *out); /* 0 or ACCORD_EINVAL */
void schema_grant_format(const schema_grant_t *g, char *out, size_t cap);  /* out >= 96 bytes */
const char *schema_role_name(schema_role_t r);
const char *schema_scope_name(schema_scope_t s);
extern const char *const schema_calendars[]; /* a branch's calendar: gregorian, solar */

/* A product's price element: "EUR 1250" (the org's price in EUR, minor units) or
 * "EUR 1250 tehran" (that branch's own). One per currency and branch is what a node writes;
 * concurrent edits may leave two, and readers take the one of the newest version. */
typedef struct {
    char currency[4];
    int64_t minor;
    char branch[65]; /* empty: the org's price */
} schema_price_t;
int schema_price_parse(const char *elem, size_t len, schema_price_t *out); /* 0 or ACCORD_EINVAL */
void schema_price_format(const schema_price_t *p, char *out, size_t cap);  /* out >= 96 bytes */

/* A payment element of an invoice: "2026-12-01 150000 card 1a2b3c4d5e6f7a8b [reference]",
 * the day paid, minor units of the invoice's currency (> 0), the method, a random id of 16
 * hex digits (two payments of the same amount on the same day stay two) and free text. */
#define SCHEMA_PAYMENT_REF_MAX 100
typedef struct {
    char date[11];
    int64_t minor;
    char method[16];
    char id[17];
    char reference[SCHEMA_PAYMENT_REF_MAX + 1];
} schema_payment_t;
int schema_payment_parse(const char *elem, size_t len, schema_payment_t *out); /* 0 or ACCORD_EINVAL */
void schema_payment_format(const schema_payment_t *p, char *out, size_t cap); /* out >= 200 bytes */
bool schema_payment_method_known(const char *method);
extern const char *const schema_payment_methods[]; /* NULL-terminated */

/* Status choices of the documents, in the order they move (schema.c's tables). */
extern const char *const schema_quote_statuses[];
extern const char *const schema_order_statuses[];
extern const char *const schema_invoice_statuses[];
extern const char *const schema_ticket_statuses[];
extern const char *const schema_ticket_priorities[];

/* Minor-unit digits people use: the exponent, but none for IRR (whole rials). */
int schema_currency_shown_digits(const char *code);
/* Formats minor units of currency as "1234.50" ("1500000" for whole IRR); out holds >= 32 bytes. */
void schema_money_format(int64_t minor, const char *currency, char *out, size_t cap);

#endif
