/* SPDX-License-Identifier: MIT */
#include "accord_err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct { int code; const char *name; const char *text; } errors[] = {
    {ACCORD_OK, "OK", "success"},
    {ACCORD_EINVAL, "EINVAL", "invalid value"},
    {ACCORD_ENOTFOUND, "ENOTFOUND", "not found"},
    {ACCORD_EPROTO, "EPROTO", "malformed message"},
    {ACCORD_ESTORE, "ESTORE", "store error"},
    {ACCORD_EFULL, "EFULL", "store or disk is full"},
    {ACCORD_EIO, "EIO", "input/output error"},
    {ACCORD_ECHAIN, "ECHAIN", "hash chain broken"},
    {ACCORD_ESIG, "ESIG", "bad signature"},
    {ACCORD_EKEY, "EKEY", "key missing or unreadable"},
    {ACCORD_ENET, "ENET", "node not reachable"},
    {ACCORD_ETIMEOUT, "ETIMEOUT", "node did not answer in time"},
    {ACCORD_EEXISTS, "EEXISTS", "already exists"},
    {ACCORD_EREADONLY, "EREADONLY", "change not allowed"},
    {ACCORD_ETOOBIG, "ETOOBIG", "size limit exceeded"},
    {ACCORD_EAMBIGUOUS, "EAMBIGUOUS", "id prefix is ambiguous"},
    {ACCORD_EDELETED, "EDELETED", "record was deleted"},
    {ACCORD_EINTERNAL, "EINTERNAL", "internal error"},
    {ACCORD_EVERSION, "EVERSION", "unsupported version"},
    {ACCORD_EGAP, "EGAP", "records missing before this batch"},
    {ACCORD_EFORK, "EFORK", "feed forked: a different record for a seq already held"},
    {ACCORD_EREVOKED, "EREVOKED", "the node is revoked in the roster"},
    {ACCORD_EUNKNOWN, "EUNKNOWN", "the node is not in the roster"},
    {ACCORD_EFUTURE, "EFUTURE", "a clock is too far ahead"},
    {ACCORD_EREPLAY, "EREPLAY", "an old batch sent again: nothing new in it"},
    {ACCORD_EQUARANTINE, "EQUARANTINE", "the feed is quarantined after a fork"},
    {ACCORD_ENOTMINE, "ENOTMINE", "it is addressed to another node"},
    {ACCORD_EPURGED, "EPURGED", "those records were compacted away; the node must start from a snapshot"},
    {ACCORD_EBUSY, "EBUSY", "a node is running on that data directory; stop it first"},
    {ACCORD_EQUOTA, "EQUOTA", "the origin added more than this node takes from one origin in a day"},
    {ACCORD_EPERM, "EPERM", "the user's roles do not allow this change"},
    {ACCORD_EAUTH, "EAUTH", "not signed in as a known user"},
    {ACCORD_ECHANGED, "ECHANGED", "the record changed since it was read"},
};

const char *accord_strerror(int code)
{
    for (unsigned i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == code) return errors[i].text;
    return "unknown error";
}

const char *accord_errname(int code)
{
    for (unsigned i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == code) return errors[i].name;
    return "EUNKNOWN";
}

int accord_fail(char *msg, size_t cap, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return code;
}
