/* SPDX-License-Identifier: MIT
 * accord_err: the one error enum of Accord. Every function that can fail returns 0 or a
 * negative ACCORD_E* code; the numbers are stable because they travel on the wire and are
 * documented exit/error codes for scripts. Never renumber, only append. */
#ifndef ACCORD_ERR_H
#define ACCORD_ERR_H

#include <stddef.h>

enum accord_err {
    ACCORD_OK = 0,
    ACCORD_EINVAL = -1,      /* a value given by a person or client is not valid */
    ACCORD_ENOTFOUND = -2,   /* no such record / key */
    ACCORD_EPROTO = -3,      /* malformed message or record bytes */
    ACCORD_ESTORE = -4,      /* the LMDB store failed (see log for the LMDB code) */
    ACCORD_EFULL = -5,       /* the store or disk is full */
    ACCORD_EIO = -6,         /* a file could not be read or written */
    ACCORD_ECHAIN = -7,      /* a feed's hash chain is broken */
    ACCORD_ESIG = -8,        /* a signature does not verify */
    ACCORD_EKEY = -9,        /* key file missing or unreadable */
    ACCORD_ENET = -10,       /* the node could not be reached */
    ACCORD_ETIMEOUT = -11,   /* the node did not answer in time */
    ACCORD_EEXISTS = -12,    /* already exists */
    ACCORD_EREADONLY = -13,  /* the record kind or node does not accept this change */
    ACCORD_ETOOBIG = -14,    /* a size limit was exceeded */
    ACCORD_EAMBIGUOUS = -15, /* an id prefix matches more than one record */
    ACCORD_EDELETED = -16,   /* the record was deleted */
    ACCORD_EINTERNAL = -17,  /* a bug: please report it */
    ACCORD_EVERSION = -18,   /* unsupported format or protocol version */
    ACCORD_EGAP = -19,       /* a batch starts after records this node does not have */
    ACCORD_EFORK = -20,      /* a second, different record for a seq already held */
    ACCORD_EREVOKED = -21,   /* the node's key is revoked */
    ACCORD_EUNKNOWN = -22,   /* the node is not in the roster */
    ACCORD_EFUTURE = -23,    /* records stamped too far ahead of this node's clock */
    ACCORD_EREPLAY = -24,    /* a batch holding only records already applied */
    ACCORD_EQUARANTINE = -25,/* the origin's feed is quarantined (it forked) */
    ACCORD_ENOTMINE = -26,   /* addressed to another node (a bundle) */
    ACCORD_EPURGED = -27,    /* the records asked for were compacted away (compact.h) */
    ACCORD_EBUSY = -28,      /* a node runs on the data directory (datadir.h) */
    ACCORD_EQUOTA = -29,     /* an origin added more than a node takes from it in a day */
    ACCORD_EPERM = -30,      /* the author holds no role that allows this change here */
    ACCORD_EAUTH = -31,      /* who is asking is not known: sign in, map the OS user, or a valid token */
    ACCORD_ECHANGED = -32,   /* the record changed since the caller read it (if_match: its etag) */
};

/* A short English sentence for a code; never NULL, static storage. */
const char *accord_strerror(int code);
/* Stable symbolic name ("EINVAL") for scripts and JSON output. */
const char *accord_errname(int code);
/* Writes a message for a person into msg (cap bytes) and returns code: the way every
 * handler refuses ("return accord_fail(msg, cap, ACCORD_EINVAL, "...", ...)"). */
int accord_fail(char *msg, size_t cap, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
