/* SPDX-License-Identifier: MIT
 * validate: whether a record is one an Accord node could have written — the one rule for
 * records written here (oplog_append) and records from peers and bundle files (apply_batch).
 * A record passes only if every value is already in the form schema_normalize gives what a
 * person types, so a hostile peer cannot store what the local API would have refused.
 *
 * What is checked, in this order (the first fault is reported):
 *   the kind is known; the author is 1-64 bytes of UTF-8 text without control characters;
 *   each op names a field of the kind; ADD/REMOVE only on sets, SET only on single values,
 *   RESOLVE only on single values with a pair of versions a < b;
 *   the value has the field's type and is normalised: text trimmed, within the field's
 *   length and free of C0 control characters; choices from their list; dates, date-times,
 *   currencies, times of day (HH:MM) and e-mails as the node writes them; phones as + and
 *   4-15 digits; percent 0..100, an integer field with a bound (a task's reminder) 0..bound;
 *   `deleted` is only ever set to true; `deleted`, `branch` and `created` are never cleared.
 * Pure: no store, no allocation; the node's own state (does the entity exist, is the stage
 * in this node's pipeline) is not its business. */
#ifndef ACCORD_VALIDATE_H
#define ACCORD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"

/* 0 if rec is well-formed for its kind; else ACCORD_EPROTO with why naming the op and
 * field at fault (a sentence for the operator, NUL-terminated, truncated to cap). */
int validate_record(const record_t *rec, char *why, size_t cap);

/* The rule for an author (a user name): 1 to RECORD_AUTHOR_MAX bytes of UTF-8 text with no
 * control characters. The local API checks a user name with it too. */
bool validate_author(const char *s, size_t len);

#endif
