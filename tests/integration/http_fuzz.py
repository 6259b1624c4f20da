#!/usr/bin/env python3
"""Request-level fuzz pass over the hub's HTTP server: N malformed or hostile requests on
raw sockets (random methods, paths, escapes, headers, cookies, Basic auth, bodies up to
10 KiB). Every answer must be a well-formed HTTP status line below 500 (or the server may
close a request it cannot parse), no request may be served without a session, and the
server must still answer afterwards. Usage: http_fuzz.py PORT N SEED. Prints one line."""
import random, socket, sys

port, n, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
paths = ['/', '/login', '/logout', '/assets/app.js', '/app.css', '/api/report', '/api/daily', '/api/sync', '/api/session',
         '/metrics', '/%00', '/..%2f..%2fetc/passwd', '/api/report?period=' + 'x' * 3000, '/api/report?period=2026-11&branch=' + '%ff' * 40,
         '/api/daily?period=2000..2026-11-01', '/api/daily?period=1970-01-01..2026-12-31', '/login?user=a']
methods = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'G\x00T', 'TRACE', '']
def junk(k):
    return ''.join(rnd.choice('abc%=&+;:/\\"\'<>\x01\xe2\x80\x8f ') for _ in range(k))

def one():
    method = rnd.choice(methods)
    path = rnd.choice(paths) if rnd.random() < 0.8 else '/' + junk(rnd.randint(0, 200))
    headers = []
    if rnd.random() < 0.5: headers.append('Cookie: accord_session=' + rnd.choice(['', 'a' * 64, junk(80), '0' * 64]))
    if rnd.random() < 0.3: headers.append('Authorization: Basic ' + rnd.choice(['', '!!!', 'c2FyYQ==', junk(60), 'A' * 900]))
    if rnd.random() < 0.2: headers.append('X-CSRF-Token: ' + junk(40))
    if rnd.random() < 0.1: headers.append('X-Long: ' + 'y' * rnd.randint(1000, 70000))
    body = ''
    if method == 'POST':
        body = rnd.choice(['user=sara&password=' + junk(20), junk(rnd.randint(0, 10240)), 'user=%zz&password=%', 'user=' + 'u' * 5000])
        headers.append('Content-Type: application/x-www-form-urlencoded')
        headers.append('Content-Length: %d' % len(body.encode('utf-8', 'surrogateescape')))
    req = ('%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n\r\n%s' % (method, path, '\r\n'.join(headers), body)).encode('utf-8', 'surrogateescape')
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    try:
        s.sendall(req)
        data = b''
        while b'\r\n' not in data:
            chunk = s.recv(4096)
            if not chunk: break
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        data = b''
    finally:
        s.close()
    if not data:
        return None
    line = data.split(b'\r\n', 1)[0].decode('latin-1')
    parts = line.split(' ')
    assert parts[0].startswith('HTTP/1.'), line
    status = int(parts[1])
    assert status < 500 or status == 503, (line, method, path)
    if status == 200:  # only the login page and its style; the rest needs a session, and none was given
        assert (path.startswith('/login') or path == '/app.css') and method in ('GET', 'HEAD'), (line, method, path)
    return status

seen = {}
for _ in range(n):
    st = one()
    seen[st] = seen.get(st, 0) + 1
s = socket.create_connection(('127.0.0.1', port), timeout=10)
s.sendall(b'GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
assert s.recv(100).startswith(b'HTTP/1.1 200'), 'the server no longer answers'
print('fuzzed %d requests: statuses %s' % (n, sorted((str(k), v) for k, v in seen.items())))
