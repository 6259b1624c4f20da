#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""An independent verifier of an exported Accord feed, written from docs/PROTOCOL.md alone
(Python's hashlib BLAKE2b, PyNaCl's Ed25519, the msgpack package): it shares no code with
the C implementation. Usage: verify_feed.py FILE. Exit 0 and "sound" if every record
chains to the signed head; exit 1 naming the first bad record otherwise."""
import hashlib
import sys

import msgpack
import nacl.exceptions
import nacl.signing


def blake(data, size=32):
    return hashlib.blake2b(data, digest_size=size).digest()


def fail(why):
    print("DAMAGED: " + why)
    sys.exit(1)


def main(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"ACCORDF1":
        fail("not an Accord feed export")
    unpacker = msgpack.Unpacker(raw=True, strict_map_key=False, max_bin_len=65536)
    unpacker.feed(data[8:])
    header = next(unpacker)
    origin, public_key, name, count = header
    if blake(public_key)[:16] != origin:
        fail("the origin is not derived from the public key")
    prev = bytes(32)
    last_hash = prev
    for seq in range(1, count + 1):
        raw = next(unpacker)
        try:
            rec = msgpack.unpackb(raw, raw=True, strict_map_key=False)
        except Exception:
            fail("record %d cannot be decoded" % seq)
        if not isinstance(rec, list) or len(rec) != 9 or rec[0] != 1:
            fail("record %d is not a format-1 record" % seq)
        if rec[1] != origin or rec[2] != seq:
            fail("record %d names another origin or seq" % seq)
        if rec[4] != prev:
            fail("record %d does not link to record %d (a changed byte in one of them)" % (seq, seq - 1))
        last_hash = blake(raw)
        prev = last_hash
    head_seq, head_hash, signature = next(unpacker)
    if head_seq != count:
        fail("the head names record %d of %d" % (head_seq, count))
    if count == 0:
        print("sound: empty feed of %s" % name.decode())
        return
    if head_hash != last_hash:
        fail("record %d does not match the signed head hash" % count)
    message = b"accord-head-v1" + origin + count.to_bytes(8, "big") + head_hash
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except nacl.exceptions.BadSignatureError:
        fail("the head signature does not verify")
    print("sound: %d records of %s, signed head verified" % (count, name.decode()))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1])
