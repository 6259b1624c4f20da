#!/usr/bin/env bash
# The hub's HTTP side with real nodes: sign-in (Argon2id users), sessions and CSRF, the
# JSON endpoints equal the CLI's report, /metrics in the Prometheus format, the sync view,
# security headers, and a request-level fuzz pass. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-dash-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }
jqt() { jq -e "$@" >/dev/null; }

org_and_nodes hq:hub b1 b2
HUB_EP="tcp://127.0.0.1:$(free_port)"
HTTP=$(free_port)
URL="http://127.0.0.1:$HTTP"
echo 'manager password 1' | "$CTL" user add --data "$W/hq" --name maryam --role manager >/dev/null
check "a password shorter than 10 characters is refused" bash -c "! echo short | '$CTL' user add --data '$W/hq' --name x 2>/dev/null"
start hq --listen "$HUB_EP" --http "$HTTP" || exit 1
echo 'staff password 1' | "$CTL" user add --data "$W/b1" --name sara --role staff >/dev/null
B1_HTTP=$(free_port)
start b1 --upstream "$HUB_EP" --upstream-key "$(pub hq)" --http "$B1_HTTP" || exit 1
start b2 --upstream "$HUB_EP" --upstream-key "$(pub hq)" || exit 1
C=$(at b1 customer add --name "علی رضایی" --phone "+98 912 111 2222")
C2=$(at b1 customer add --name "王小明" --email wang@example.cn --assigned maryam)
D=$(at b1 deal add --customer "$C" --title Sedan --amount 2500 --currency EUR --probability 50)
at b1 deal move "$D" Lost --lost-reason "قیمت بالا" >/dev/null
D2=$(at b1 deal add --customer "$C2" --title Van --amount 1200 --currency EUR)
at b1 deal move "$D2" Won >/dev/null
at b1 log visit "$C" >/dev/null
at b1 customer add --name "نرم‌افزار پارس" >/dev/null # a ZWNJ inside نرم‌افزار
at b1 customer add --name "Party 🎉 shop" >/dev/null
# b2: two won deals, in EUR and IRR (won value per currency, sorted, with a total)
C5=$(at b2 customer add --name "شرکت البرز")
at b2 deal move "$(at b2 deal add --customer "$C5" --title Bus --amount 900 --currency EUR)" Won >/dev/null
at b2 deal move "$(at b2 deal add --customer "$C5" --title Fleet --amount 150000000 --currency IRR)" Won >/dev/null
at b2 log call "$C5" >/dev/null
# b1's sales and service through its API over HTTP (issue 16): a quote sent and accepted,
# an invoice of EUR 1,250.50 paid 250.50, a ticket
B1="http://127.0.0.1:$B1_HTTP"
curl -s -c "$W/b1jar" -o /dev/null -d 'user=sara&password=staff+password+1' "$B1/login"
B1_CSRF=$(curl -s -b "$W/b1jar" "$B1/api/session" | jq -r .csrf)
made() { local verb=$1; shift; curl -s -b "$W/b1jar" -H "X-CSRF-Token: $B1_CSRF" "$@" "$B1/api/node/$verb" | jq -er '.result.id'; }
Q=$(made create -d kind=quote -d customer="$C" -d currency=EUR --data-urlencode 'lines=description=Sedan&quantity=1&unit_price=1250.50')
made update -d id="$Q" -d status=sent >/dev/null && made update -d id="$Q" -d status=accepted >/dev/null
I=$(made create -d kind=invoice -d from="$(made create -d kind=order -d from="$Q")")
made pay -d id="$I" -d amount=250.50 -d method=transfer >/dev/null
made create -d kind=ticket -d customer="$C" -d subject="First service" >/dev/null
check "b1 made a quote, an order, an invoice paid in part and a ticket through its API" [ -n "$I" ]
check "b1's and b2's changes reach the hub" wait_until 20 bash -c "'$CTL' --json report branches --data '$W/hq' --period \$(date -u +%Y-%m) | jq -e '([.branches[] | .deals_won] | add) == 3 and ([.branches[] | .tickets_opened] | add) == 1' >/dev/null"

check "all five customers reach the hub" wait_until 20 bash -c "[ \$('$CTL' --json report customers --data '$W/hq' | jq .customers_counted) = 5 ]"
# Issue 15 item 12: the text table pads by what a terminal shows, under any locale (the
# names were blank: accordctl set no locale, and wcwidth knows no Persian under C).
LC_ALL=C "$CTL" report customers --data "$W/hq" > "$W/rfm.txt"
check "report customers' table under LC_ALL=C shows Chinese, Persian (with a ZWNJ) and emoji names whole, the branch column aligned" \
    /usr/bin/python3 - "$W/rfm.txt" <<'PY'
import sys, unicodedata
def width(s):
    return sum(0 if unicodedata.category(c) in ('Mn', 'Me', 'Cf') else 2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in s)
rows = [l.rstrip('\n') for l in open(sys.argv[1], encoding='utf-8')][2:]
names = ['王小明', 'علی رضایی', 'نرم\u200cافزار پارس', 'Party 🎉 shop', 'شرکت البرز']
ok = len(rows) == 5 and all(any(n in r for r in rows) for n in names)
for r in rows:  # ID (12), a space, NAME (24), a space, then BRANCH
    at = max(r.find(' b1 '), r.find(' b2 '))
    ok = ok and at >= 0 and width(r[:at + 1]) == 12 + 1 + 24 + 1
if not ok:
    print('\n'.join('# ' + r for r in rows))
sys.exit(0 if ok else 1)
PY

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "the dashboard without a session sends the browser to /login" \
    [ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/")" = "303 $URL/login" ]
check "a JSON endpoint without a session is 401" [ "$(code "$URL/api/report?period=2026-11")" = 401 ]
check "/metrics without a session or Basic auth is 401" [ "$(code "$URL/metrics")" = 401 ]
check "a wrong password is 401" [ "$(code -d 'user=maryam&password=wrong+password' "$URL/login")" = 401 ]
check "an unknown user is 401" [ "$(code -d 'user=nobody&password=manager+password+1' "$URL/login")" = 401 ]
curl -s -D "$W/h" -c "$W/jar" -o /dev/null -d 'user=maryam&password=manager+password+1' "$URL/login"
check "signing in sets an HttpOnly, SameSite=Strict session cookie" grep -qi '^Set-Cookie: accord_session=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Strict' "$W/h"
curl -s -D "$W/h2" -b "$W/jar" -o "$W/page.html" "$URL/"
check "the dashboard page is served with a strict Content-Security-Policy and nosniff" \
    bash -c "grep -qi \"^Content-Security-Policy: default-src 'self'\" '$W/h2' && grep -qi '^X-Content-Type-Options: nosniff' '$W/h2' && grep -q '/app.js' '$W/page.html'"
MONTH=$(date -u +%Y-%m)
curl -s -b "$W/jar" "$URL/api/report?period=$MONTH" > "$W/api.json"
"$CTL" --json report branches --data "$W/hq" --period "$MONTH" > "$W/cli.json"
check "/api/report gives the same numbers as accordctl report --json" bash -c "[ \"\$(jq -S . '$W/api.json')\" = \"\$(jq -S . '$W/cli.json')\" ]"
check "the lost reason in Persian comes through intact" jqt '.branches[0].lost_reasons["قیمت بالا"] == 1' "$W/api.json"
curl -s -b "$W/jar" "$URL/api/daily?period=$MONTH" > "$W/daily.json"
check "/api/daily adds up to the report's figures" bash -c "[ \$(jq '.customers_new | add' '$W/daily.json') = \$(jq '[.branches[].customers_new] | add' '$W/api.json') ] && [ \$(jq '.interactions | add' '$W/daily.json') = 2 ] && [ \$(jq '.deals_won | add' '$W/daily.json') = 3 ]"
curl -s -b "$W/jar" "$URL/api/customers?top=10" > "$W/api-rfm.json"
"$CTL" --json report customers --data "$W/hq" --top 10 > "$W/cli-rfm.json"
check "/api/customers gives the same RFM segments and top customers as accordctl report customers" \
    bash -c "[ \"\$(jq -S . '$W/api-rfm.json')\" = \"\$(jq -S . '$W/cli-rfm.json')\" ] && jq -e '.customers[0].name == \"王小明\"' '$W/api-rfm.json' >/dev/null"
curl -s -b "$W/jar" "$URL/api/customers?currency=%22%5C%1B%FF" > "$W/api-cur.json"
check "/api/customers with a currency of a quote, a backslash, ESC and a byte that is not UTF-8 is valid JSON, escaped" \
    bash -c "/usr/bin/python3 -c 'import json, sys; d = json.loads(open(sys.argv[1], \"rb\").read().decode()); sys.exit(d[\"currency\"] != \"\\\"\\\\\\x1b\\ufffd\")' '$W/api-cur.json'"
check "a bad period is 400 with the forms it takes" bash -c "[ \$(curl -s -b '$W/jar' -o '$W/bad.json' -w '%{http_code}' '$URL/api/report?period=13') = 400 ] && grep -q 2026-W48 '$W/bad.json'"
check "the sync view shows b1 connected" wait_until 10 bash -c "curl -s -b '$W/jar' '$URL/api/sync' | jq -e '.peers[] | select(.name == \"b1\") | .connected == 1' >/dev/null"
curl -s -u 'maryam:manager password 1' "$URL/metrics" > "$W/metrics.txt"
check "/metrics with Basic auth: per-peer lag and batches, apply latency histogram, conflicts, store size" \
    bash -c "grep -q '^accord_peer_lag_records{peer=\"b1\",direction=\"downstream\"} 0' '$W/metrics.txt' &&
             grep -q '^accord_peer_batches_received_total{peer=\"b1\",direction=\"downstream\"} [1-9]' '$W/metrics.txt' &&
             grep -q '^accord_apply_latency_seconds_count [1-9]' '$W/metrics.txt' &&
             grep -q '^accord_apply_latency_seconds_bucket{le=\"+Inf\"} [1-9]' '$W/metrics.txt' &&
             grep -q '^accord_conflicts 0' '$W/metrics.txt' && grep -q '^accord_store_used_bytes [1-9]' '$W/metrics.txt'"
check "every metric line is in the Prometheus text format" \
    bash -c "! grep -v '^# \(HELP\|TYPE\) ' '$W/metrics.txt' | grep -vE '^[a-z_]+(\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\})? [-+0-9.e]+$'"
mkdir -p "$BUILD/screenshots"
if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules/playwright-core ]; then
    ACCORD_CTL="$CTL" ACCORD_HQ="$W/hq" node tests/browser/dashboard.mjs "$URL" maryam 'manager password 1' "$W/cli.json" "$BUILD/screenshots/dashboard.png" \
        "$W/cli-rfm.json" > "$W/browser.out" 2>&1
    check "in headless Chromium, in English and Persian: sign-in and dashboard translated, every period button's figures and the previous period's equal accordctl --json report branches, won value sorted with separators and totals, quality trends, CSV downloads with a BOM, 1366x768 without sideways scrolling" [ $? = 0 ]
    sed 's/^/# /' "$W/browser.out"
else
    nok "in headless Chromium the dashboard shows the same numbers (chromium or tests/browser/node_modules missing: run deploy/install-deps.sh)"
fi
check "logout without the CSRF token is refused" [ "$(code -X POST -b "$W/jar" "$URL/logout")" = 403 ]
CSRF=$(curl -s -b "$W/jar" "$URL/api/session" | jq -r .csrf)
check "logout with the session's CSRF token works" [ "$(code -X POST -b "$W/jar" -H "X-CSRF-Token: $CSRF" "$URL/logout")" = 200 ]
check "after logout the session is gone" [ "$(code -b "$W/jar" "$URL/api/session")" = 401 ]
python3 tests/integration/http_fuzz.py "$HTTP" 300 "$RANDOM" > "$W/fuzz.out" 2>&1
check "request-level fuzz: 300 malformed requests, no 5xx, nothing served without a session, still up" grep -q '^fuzzed 300' "$W/fuzz.out"
cat "$W/fuzz.out" | sed 's/^/# /'
stop_all
sanitizer_check
echo "# dashboard done: $n checks"
