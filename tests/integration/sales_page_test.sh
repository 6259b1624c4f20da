#!/usr/bin/env bash
# The branch app's sales pages (issue 16): products, quotes with a line editor, orders,
# invoices with payments, the customer card's Sales section. Two branches each add a product
# with the SKU FLT-100 while apart (shiraz's reaches tehran-1 by bundles through the hub), so
# the products page has a clash to show. Then the pages in headless Chromium
# (tests/browser/sales.mjs), in English and Persian, then the node's state through its API:
# what the page did is what the node holds. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-salespage-XXXXXX)
. tests/integration/lib.sh
jqt() { jq -e "$@" >/dev/null; }

ORG=$("$CTL" --json org init --out "$W/org.key" | jq -r .org_public_key)
"$CTL" node init --data "$W/hub" --name hq --role hub --org-pub "$ORG" >/dev/null
"$CTL" node init --data "$W/b1" --name tehran-1 --org-pub "$ORG" >/dev/null
"$CTL" node init --data "$W/b2" --name shiraz --org-pub "$ORG" >/dev/null
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub hub)" --name hq --role hub >/dev/null
for b in b1 b2; do
    "$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub $b)" --name "$("$CTL" --json node show --data "$W/$b" | jq -r .name)" --role branch >/dev/null
    "$CTL" bundle export --data "$W/hub" --to "$(pub $b)" --out "$W/roster-$b.bundle" >/dev/null
    "$CTL" bundle import --data "$W/$b" "$W/roster-$b.bundle" >/dev/null
done
echo 'staff password 1' | "$CTL" user add --data "$W/b1" --name sara --role staff >/dev/null
echo 'manager password 1' | "$CTL" user add --data "$W/b1" --name boss --role manager >/dev/null
echo 'staff password 2' | "$CTL" user add --data "$W/b2" --name omid --role staff >/dev/null

# sign_in NODE USER PASSWORD: a cookie jar $W/NODE.jar and the session's token in CSRF_NODE
sign_in() {
    curl -s -c "$W/$1.jar" -o /dev/null --data-urlencode "user=$2" --data-urlencode "password=$3" "$(url_of "$1")/login"
    printf -v "CSRF_$1" '%s' "$(curl -s -b "$W/$1.jar" "$(url_of "$1")/api/session" | jq -r .csrf)"
}
url_of() { local p="PORT_$1"; echo "http://127.0.0.1:${!p}"; }
# api NODE VERB FIELD=VALUE...: the node's JSON answer (a write by POST with the token)
api() {
    local node=$1 verb=$2 args=() f t="CSRF_$1"; shift 2
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    curl -s -b "$W/$node.jar" -H "X-CSRF-Token: ${!t}" "${args[@]}" "$(url_of "$node")/api/node/$verb"
}
read_api() {
    local node=$1 verb=$2 args=() f; shift 2
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    curl -s -G -b "$W/$node.jar" "${args[@]}" "$(url_of "$node")/api/node/$verb"
}

# shiraz, apart: its oil filter
PORT_b2=$(free_port)
start b2 --http "$PORT_b2" || exit 1
sign_in b2 omid 'staff password 2'
SHIRAZ_FILTER=$(api b2 create kind=product sku=FLT-100 'name=Oil filter (Shiraz)' price=4 currency=EUR | jq -r '.result.id // empty')
check "shiraz adds its product FLT-100" [ -n "$SHIRAZ_FILTER" ]
stop b2
"$CTL" bundle export --data "$W/b2" --to "$(pub hub)" --out "$W/b2-to-hub.bundle" >/dev/null
"$CTL" bundle import --data "$W/hub" "$W/b2-to-hub.bundle" >/dev/null

# tehran-1, apart too: its own FLT-100, then shiraz's arrives through the hub
PORT_b1=$(free_port)
U=$(url_of b1)
start b1 --http "$PORT_b1" || exit 1
sign_in b1 sara 'staff password 1'
TEHRAN_FILTER=$(api b1 create kind=product sku=FLT-100 'name=Oil filter' price=4.50 currency=EUR | jq -r '.result.id // empty')
check "tehran-1 adds its own FLT-100 while it has not heard of shiraz's" [ -n "$TEHRAN_FILTER" ]
"$CTL" bundle export --data "$W/hub" --to "$(pub b1)" --out "$W/hub-to-b1.bundle" >/dev/null
"$CTL" bundle import --data "$W/b1" "$W/hub-to-b1.bundle" >/dev/null
check "shiraz's product reached tehran-1" wait_until 5 bash -c "curl -s -G -b '$W/b1.jar' -d id=$SHIRAZ_FILTER '$U/api/node/get' | jq -e '.result.sku == \"FLT-100\"' >/dev/null"
check "the node lists the SKU clash" bash -c "curl -s -G -b '$W/b1.jar' -d kind=product '$U/api/node/clashes' | jq -e '.result.items | length == 1' >/dev/null"
CUST=$(api b1 create kind=customer 'name=Parisa Karimi' 'add:phones=0912 345 6789' | jq -r '.result.id // empty')
check "a customer to sell to" [ -n "$CUST" ]
# an invoice of 2020, long past due (its year's own sequence: the page's invoices are this year's)
LATE_CUST=$(api b1 create kind=customer 'name=Old Debtor' | jq -r '.result.id // empty')
LATE=$(api b1 create kind=invoice "customer=$LATE_CUST" currency=EUR issued=2020-01-10 due=2020-02-09 'lines=description=Brake pads&quantity=1&unit_price=80' | jq -r '.result.id // empty')
check "an overdue invoice of 2020" [ -n "$LATE" ]
# a fleet customer with 101 open invoices of 1.00 (of 2021, their year's own sequence): more than the card lists
FLEET=$(api b1 create kind=customer 'name=Fleet Taxi Co' type=company | jq -r '.result.id // empty')
for i in $(seq 101); do
    api b1 create kind=invoice "customer=$FLEET" currency=EUR issued=2021-03-01 due=2099-12-31 "lines=description=Wash $i&quantity=1&unit_price=1" | jq -r '.result.id // empty'
done > "$W/fleet.ids"
check "101 open invoices of the fleet customer" [ "$(grep -c . "$W/fleet.ids")" = 101 ]

mkdir -p "$BUILD/screenshots"
rm -f "$BUILD"/screenshots/sales-*.png
if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules/playwright-core ]; then
    FLEET=$FLEET node tests/browser/sales.mjs "$U" "$BUILD/screenshots" 'sara:staff password 1' 'boss:manager password 1' "$CUST" > "$W/browser.out" 2>&1
    check "in headless Chromium: a product added and edited in place, found as typed, sorted by SKU, the SKU clash named; a quote with a product line and a line typed ۱٫۵, totals as the node's, a line edited and removed, sent and accepted with only the allowed buttons, an order, an invoice with its number, a payment above the balance refused beside the amount, a partial payment, the card's balance due; a direct invoice; the balance of a customer with more invoices than the card lists; Persian right to left with Persian digits and the node's refusals in Persian; a manager reads only" [ $? = 0 ]
    sed 's/^/# /' "$W/browser.out"
    QUOTE=$(sed -n 's/^QUOTE=//p' "$W/browser.out"); INVOICE=$(sed -n 's/^INVOICE=//p' "$W/browser.out")
    read_api b1 document "id=$INVOICE" > "$W/invoice.json"
    check "the node holds the invoice partly paid: 20.00 paid, 22.78 due of 42.78, by card, reference R-1" \
        jqt '.result | .state == "partly_paid" and .paid == 2000 and .balance == 2278 and .total == 4278 and (.payments | length == 1) and .payments[0].method == "card" and .payments[0].reference == "R-1"' "$W/invoice.json"
    check "its number is tehran-1's own, TEHRAN1-YEAR-000001" jqt '.result.number | test("^TEHRAN1-[0-9]{4}-000001$")' "$W/invoice.json"
    check "its lines are the quote's two: 2 l of the oil at 12.50 with 9 % tax, and 1.5 of labour at 10.00 less 5 %" \
        jqt '[.result.lines[] | [.quantity, .unit_price, .discount, .tax_rate]] == [[2000, 1250, 0, 900], [1500, 1000, 500, 900]]' "$W/invoice.json"
    check "the quote is accepted on the node" bash -c "curl -s -G -b '$W/b1.jar' -d id=$QUOTE '$U/api/node/get' | jq -e '.result.status == \"accepted\"' >/dev/null"
    read_api b1 list kind=product sort=sku > "$W/product.json"
    check "the product the page added and edited: category Oils, a USD price of 14.00, EUR 12.50 with 9 % tax" \
        jqt '.result.items[] | select(.sku == "OIL-5W30") | .category == "Oils" and .price == 1250 and .currency == "EUR" and .tax_rate == 900 and .prices == ["USD 1400"]' "$W/product.json"
    check "the direct invoice: one line of 100.00, number 000002, cancelled" bash -c "curl -s -G -b '$W/b1.jar' -d kind=invoice -d customer=$CUST '$U/api/node/list' | jq -e '[.result.items[] | select(.number | endswith(\"-000002\")) | [.total, .state]] == [[10000, \"cancelled\"]]' >/dev/null"
    check "screenshots of products, a quote, an invoice and the card in English and Persian, an invoice in Chinese" \
        bash -c "for f in products-en quote-en invoice-en card-en products-fa quote-fa invoice-fa invoice-zh; do [ -s '$BUILD/screenshots/sales-'\$f.png ] || exit 1; done"
else
    nok "the sales pages in headless Chromium (chromium or tests/browser/node_modules missing: run deploy/install-deps.sh)"
fi
stop_all
sanitizer_check
echo "# sales page done: $n checks"
