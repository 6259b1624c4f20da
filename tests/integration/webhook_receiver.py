#!/usr/bin/env python3
"""A webhook receiver for webhook_test.sh that fails sometimes, on 127.0.0.1.

usage: [RECEIVER_PORT=N] webhook_receiver.py PORT_FILE LOG_FILE PATH=SECRET...

Listens on a free port of 127.0.0.1, or RECEIVER_PORT (written to PORT_FILE once it
listens). For each
POST to a PATH it knows it checks X-Accord-Signature (HMAC-SHA256 with that path's
secret over X-Accord-Timestamp "." body) and that the body's id is X-Accord-Change; then,
counting the requests per path: every 3rd is answered 500, the 5th only after
SLOW_SECONDS (longer than the node's --webhook-timeout), the rest 200. Each request is a
JSON line in LOG_FILE: path, change, event, whether the signature held, the status it was
answered (the slow one's is logged after the wait)."""
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = float(os.environ.get("SLOW_SECONDS", "3"))
port_file, log_file = sys.argv[1], sys.argv[2]
secrets = dict(arg.split("=", 1) for arg in sys.argv[3:])
counts = {}
lock = threading.Lock()


def signature_ok(secret, headers, body):
    ts = headers.get("X-Accord-Timestamp", "")
    want = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
    return fresh and hmac.compare_digest(want, headers.get("X-Accord-Signature", ""))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        secret = secrets.get(self.path)
        if secret is None:
            self.send_response(404)
            self.end_headers()
            return
        with lock:
            counts[self.path] = counts.get(self.path, 0) + 1
            nth = counts[self.path]
        ok = signature_ok(secret, self.headers, body)
        try:
            doc = json.loads(body)
        except ValueError:
            doc, ok = {}, False
        ok = ok and doc.get("id") == self.headers.get("X-Accord-Change")
        status = 401 if not ok else 500 if nth % 3 == 0 else 200
        if nth == 5:
            time.sleep(SLOW_SECONDS)
        entry = {"path": self.path, "change": doc.get("id"), "event": self.headers.get("X-Accord-Event"),
                 "sig_ok": ok, "status": status, "nth": nth, "doc": doc}
        with lock, open(log_file, "a") as f:
            f.write(json.dumps(entry) + "\n")
        try:
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok\n" if status == 200 else b"try again\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the node gave up waiting (the slow one)


server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("RECEIVER_PORT", "0"))), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
