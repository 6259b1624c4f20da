#!/usr/bin/env bash
# A printable quote and invoice (issue 16): GET /print/invoice/ID and /print/quote/ID for a
# signed-in user, in the customer's language (Persian right to left, Persian digits), and
# `accord invoice print ID --out FILE` writing the same bytes; unknown ids are 404, a
# visitor is sent to sign in, the page's policy lets in its one style and nothing else.
# TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-print-XXXXXX)
. tests/integration/lib.sh

"$CTL" node init --data "$W/b1" --name tehran-1 >/dev/null
echo 'staff password 1' | "$CTL" user add --data "$W/b1" --name sara --role staff >/dev/null
HTTP=$(free_port)
U="http://127.0.0.1:$HTTP"
start b1 --http "$HTTP" --invoice-prefix TEH --calendar solar || exit 1
at() { ACCORD_DATA="$W/b1" ACCORD_USER=sara "$ACCORD" "$@"; }
curl -s -c "$W/jar" -o /dev/null -d 'user=sara&password=staff+password+1' "$U/login"
CSRF=$(curl -s -b "$W/jar" "$U/api/session" | jq -r .csrf)
post() { curl -s -b "$W/jar" -H "X-CSRF-Token: $CSRF" "$@"; }
code() { curl -s -o "$W/out" -w '%{http_code}' "$@"; }

# a Persian customer whose name is markup, and an invoice of two lines in rials, part paid
FA=$(at customer add --name '<script>alert(1)</script> علی رضایی' --language fa --phone '0912 111 2222' \
     --address 'خیابان ولیعصر' --national-id 0012345678)
EN=$(at customer add --name 'Kashan Tiles' --city Kashan)
NOLANG_ID=$EN
LINE1='description=تعویض روغن&quantity=2&unit_price=1250000&tax_rate=9'
LINE2='description=Filter%20%26%20%22seal%22&quantity=1.5&unit_price=300000&discount=10'
post -d kind=invoice -d customer="$FA" -d currency=IRR -d issued=2026-12-01 \
     --data-urlencode "lines=$LINE1" --data-urlencode "lines=$LINE2" "$U/api/node/create" > "$W/iv.json"
IV=$(jq -r .result.id "$W/iv.json")
NUMBER=$(jq -r .result.number "$W/iv.json")
post -d id="$IV" -d amount=1000000 -d method=card "$U/api/node/pay" >/dev/null
check "an invoice with two lines is made over the node's API" [ "$NUMBER" = TEH-1405-000001 ]

check "the invoice's page is served to a signed-in user as HTML" \
    [ "$(curl -s -b "$W/jar" -D "$W/headers" -o "$W/page.html" -w '%{http_code} %{content_type}' "$U/print/invoice/$IV")" = "200 text/html; charset=utf-8" ]
check "in the customer's language: Persian, right to left" grep -q '<html lang="fa" dir="rtl">' "$W/page.html"
check "with the invoice's number" grep -q "<bdi dir=\"ltr\">$NUMBER</bdi>" "$W/page.html"
check "amounts in Persian digits with the Persian separator: total 3,130,000 rials, balance 2,130,000" \
    bash -c "grep -q '<th>جمع کل</th><td class=\"num\">۳٬۱۳۰٬۰۰۰</td>' '$W/page.html' &&
             grep -q '<th>مانده قابل پرداخت</th><td class=\"num\">۲٬۱۳۰٬۰۰۰</td>' '$W/page.html'"
check "dates in the Solar Hijri calendar: issued 10 Azar 1405" grep -q '<th>تاریخ</th><td>۱۰ آذر ۱۴۰۵</td>' "$W/page.html"
check "the state says part paid" grep -q '<p class="state">بخشی پرداخت‌شده</p>' "$W/page.html"
check "the customer's name is text, not markup, and the page has no script" \
    bash -c "grep -q '&lt;script&gt;alert(1)&lt;/script&gt; علی رضایی' '$W/page.html' && ! grep -qi '<script' '$W/page.html' &&
             grep -q 'Filter &amp; &quot;seal&quot;' '$W/page.html'"
check "the page's policy: nothing but its one style, named by its SHA-256" python3 - "$W/headers" "$W/page.html" <<'PY'
import base64, hashlib, re, sys
headers = open(sys.argv[1], encoding='utf-8').read()
page = open(sys.argv[2], encoding='utf-8').read()
policy = re.search(r'^Content-Security-Policy: (.*?)\r?$', headers, re.M | re.I).group(1)
styles = re.findall(r'<style>(.*?)</style>', page, re.S)
want = "'sha256-%s'" % base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
sys.exit(0 if len(styles) == 1 and "default-src 'none'" in policy and ("style-src " + want) in policy
         and 'script-src' not in policy and 'unsafe' not in policy else 1)
PY

check "accord invoice print --out writes the same bytes as the node's page" \
    bash -c "ACCORD_DATA='$W/b1' '$ACCORD' invoice print '$IV' --out '$W/cli.html' && cmp -s '$W/cli.html' '$W/page.html'"
check "--json --out says what it wrote" \
    bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json invoice print '$IV' --out '$W/cli2.html' |
             jq -e '.id == \"$IV\" and .kind == \"invoice\" and .number == \"$NUMBER\" and .lang == \"fa\" and .bytes == $(stat -c %s "$W/page.html")' >/dev/null"
check "... and by a short id, to standard output, the same again" \
    bash -c "ACCORD_DATA='$W/b1' '$ACCORD' invoice print '${IV:18:12}' | cmp -s - '$W/page.html'"
check "--lang en prints it in English, left to right, in ASCII digits" \
    bash -c "ACCORD_DATA='$W/b1' '$ACCORD' invoice print '$IV' --lang en --out '$W/en.html' &&
             grep -q '<html lang=\"en\" dir=\"ltr\">' '$W/en.html' && grep -q '<th>Total</th><td class=\"num\">3,130,000</td>' '$W/en.html' &&
             grep -q '<th>Date</th><td>1 December 2026</td>' '$W/en.html'"
check "the customer's language comes before the page's ?lang=" \
    bash -c "curl -s -b '$W/jar' '$U/print/invoice/$IV?lang=en' > '$W/lang.html' && grep -q 'dir=\"rtl\"' '$W/lang.html' &&
             cmp -s '$W/lang.html' '$W/page.html'"

# a customer with no language: English, unless the page asks for Persian
post -d kind=invoice -d customer="$NOLANG_ID" -d currency=EUR -d issued=2026-12-01 \
     --data-urlencode 'lines=description=Tiles&quantity=3&unit_price=1234.5' "$U/api/node/create" > "$W/iv2.json"
IV2=$(jq -r .result.id "$W/iv2.json")
check "a customer with no language: English by default, Persian when ?lang=fa asks" \
    bash -c "curl -s -b '$W/jar' '$U/print/invoice/$IV2' | grep -q '<th>Total</th><td class=\"num\">3,703.50</td>' &&
             curl -s -b '$W/jar' '$U/print/invoice/$IV2?lang=fa' | grep -q '<html lang=\"fa\" dir=\"rtl\">'"
post -d id="$IV2" -d status=cancelled "$U/api/node/update" >/dev/null
check "a cancelled invoice is marked CANCELLED" \
    bash -c "curl -s -b '$W/jar' '$U/print/invoice/$IV2' | grep -q '<p class=\"state cancelled\">CANCELLED</p>'"

# a quote, printed by the node and by the CLI
post -d kind=quote -d customer="$FA" -d currency=IRR -d valid_until=2026-12-15 -d 'title=سرویس دوره‌ای' \
     --data-urlencode 'lines=description=Service&quantity=1&unit_price=5000000' "$U/api/node/create" > "$W/q.json"
Q=$(jq -r .result.id "$W/q.json")
check "a quote's page: پیش‌فاکتور, valid until 24 Azar, the same bytes from accord quote print" \
    bash -c "[ \$(curl -s -b '$W/jar' -o '$W/q.html' -w '%{http_code}' '$U/print/quote/$Q') = 200 ] &&
             grep -q '<h1>پیش‌فاکتور</h1>' '$W/q.html' && grep -q '<td>۲۴ آذر ۱۴۰۵</td>' '$W/q.html' &&
             ACCORD_DATA='$W/b1' '$ACCORD' quote print '$Q' | cmp -s - '$W/q.html'"

check "an unknown id is 404" [ "$(code -b "$W/jar" "$U/print/invoice/0123456789abcdef0123456789abcdef")" = 404 ]
check "a quote's id under /print/invoice/ is 404, and an unknown kind of page too" \
    bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar' '$U/print/invoice/$Q') = 404 ] &&
             [ \$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar' '$U/print/customer/$FA') = 404 ]"
check "a customer's id under /print/invoice/ is 404 too (another kind, not a bad request)" \
    [ "$(code -b "$W/jar" "$U/print/invoice/$FA")" = 404 ]
check "without a session the page sends the visitor to sign in (303 /login)" \
    [ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$U/print/invoice/$IV")" = "303 $U/login" ]
expect_cli() { # exit code, what stderr says, description, command...
    local want=$1 says=$2 desc=$3; shift 3
    "$@" >/dev/null 2>"$W/err"
    local got=$?
    check "$desc" bash -c "[ $got = $want ] && grep -q -- '$says' '$W/err'"
}
expect_cli 2 "no record with id" "accord invoice print of an unknown id: exit 2, the node's words" \
    at invoice print 0123456789abcdef0123456789abcdef --out "$W/none.html"
check "... and no file is left" [ ! -e "$W/none.html" ]
expect_cli 2 "is a quote, not an invoice" "accord invoice print of a quote's id: exit 2, which it is" \
    at invoice print "$Q"
check "... and with --json the refusal is a JSON document" \
    bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json invoice print '$Q' 2>/dev/null | jq -e -s 'length == 1 and .[0].error == \"ENOTFOUND\"' >/dev/null"
expect_cli 1 "en or fa" "accord invoice print --lang de: exit 1" at invoice print "$IV" --lang de
stop_all
sanitizer_check
echo "# print done: $n checks"
