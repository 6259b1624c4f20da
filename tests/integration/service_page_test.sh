#!/usr/bin/env bash
# The branch app's service pages (issue 16): tickets as a list and a board by status, the
# ticket with its timeline, the new-ticket form from a customer's card and from the tickets
# page. The node is filled through its API: two customers, a product, and three tickets made
# while the node's clock stood 20 or 10 hours back (ACCORD_TEST_CLOCK_OFFSET_MS, proto/hlc.c):
# an urgent one 10 hours ago is overdue now, a normal one 20 hours ago has 4 hours left (so
# the SLA's order is not the priorities'), a low one 10 hours ago has 62. Then the page in headless Chromium
# (tests/browser/service.mjs) as staff, in English, Persian and Chinese, and as a manager;
# then the node's state through the API and the CLI's --json: the ticket the page made is
# closed, and its history holds the moves the page made (and not the one the node refused),
# each by the signed-in user. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-servicepage-XXXXXX)
. tests/integration/lib.sh

# the store is made with the clock back too: a record is stamped no earlier than the last
echo $((-20 * 3600 * 1000)) > "$W/clock"
export ACCORD_TEST_CLOCK_OFFSET_MS="@$W/clock"
"$CTL" node init --data "$W/b1" --name tehran-1 >/dev/null
echo 'staff password 1' | "$CTL" user add --data "$W/b1" --name sara --role staff >/dev/null
echo 'staff password 2' | "$CTL" user add --data "$W/b1" --name reza --role staff >/dev/null
echo 'manager password 1' | "$CTL" user add --data "$W/b1" --name boss --role manager >/dev/null
HTTP=$(free_port)
U="http://127.0.0.1:$HTTP"
start b1 --http "$HTTP" || exit 1
unset ACCORD_TEST_CLOCK_OFFSET_MS
# signs in as sara (again: the browser's sign-in as sara ends this one)
login() {
    curl -s -c "$W/jar" -o /dev/null -d 'user=sara&password=staff+password+1' "$U/login"
    CSRF=$(curl -s -b "$W/jar" "$U/api/session" | jq -r .csrf)
}
login
# create KIND FIELD=VALUE...: the new record's id, or nothing (the node's answer in $W/create.json)
create() {
    local kind=$1 args=() f; shift
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    curl -s -o "$W/create.json" -b "$W/jar" -H "X-CSRF-Token: $CSRF" -d "kind=$kind" "${args[@]}" "$U/api/node/create"
    jq -r '.result.id // empty' "$W/create.json"
}
get() { curl -s -b "$W/jar" "$U/api/node/get?id=$1" | jq -r "if .result.$2 == null then \"\" else .result.$2 end"; }
PARISA=$(create customer 'name=Parisa Karimi' 'add:phones=0912 345 6789')
GOLNAR=$(create customer 'name=Golnar Motors' type=company)
PADS=$(create product sku=BRK-01 'name=Brake pads' price=45 currency=EUR)
QUOTE=$(create quote "customer=$PARISA" currency=EUR 'title=Brake job, front axle')
ORDER=$(create order "customer=$PARISA" currency=EUR 'title=Winter tyres, four')
BILL=$(create invoice "customer=$PARISA" currency=EUR 'lines=description=Wheel alignment&quantity=1&unit_price=60')
BILL_NO=$(jq -r '.result.number // empty' "$W/create.json")
PAINT=$(create ticket "customer=$GOLNAR" 'subject=Paint scratch' priority=normal assignee=sara)
echo $((-10 * 3600 * 1000)) > "$W/clock"
login # a session idle for more than 8 hours (as the clock jumped 10) is over
LEAK=$(create ticket "customer=$GOLNAR" 'subject=Oil leak' priority=urgent 'asset=12 ب 345 ایران 10')
TYRES=$(create ticket "customer=$PARISA" 'subject=Tyre rotation' priority=low assignee=reza)
all_made() { for id in "$@"; do [ -n "$id" ] || return 1; done; }
check "customers, a product, a quote, an order, an invoice and three tickets are made through the API" all_made "$PARISA" "$GOLNAR" "$PADS" "$QUOTE" "$ORDER" "$BILL" "$BILL_NO" "$LEAK" "$PAINT" "$TYRES"
all_made "$LEAK" || sed 's/^/# /' "$W/create.json"
echo 0 > "$W/clock" # the node's clock is right again: the urgent ticket is six hours past its SLA
login
check "the urgent ticket made ten hours ago is overdue on the node" [ "$(get "$LEAK" overdue)" = true ]
check "the normal one made 20 hours ago is not" [ "$(get "$PAINT" overdue)" = false ]

mkdir -p "$BUILD/screenshots"
rm -f "$BUILD"/screenshots/service-*.png
if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules/playwright-core ]; then
    QUOTE=$QUOTE ORDER=$ORDER BILL=$BILL BILL_NO=$BILL_NO node tests/browser/service.mjs "$U" "$BUILD/screenshots" 'sara:staff password 1' 'boss:manager password 1' > "$W/browser.out" 2>&1
    check "in headless Chromium: a ticket from the card with its SLA, edited (SLA again), moved on the board by drag and by keyboard, a skip refused naming the next states and snapped back, closed, its timeline; the list's filters and sorts; the new-ticket form; Persian and Chinese; a manager changes nothing" [ $? = 0 ]
    sed 's/^/# /' "$W/browser.out"
    login
    BRAKES=$(curl -s -b "$W/jar" "$U/api/node/list?kind=ticket&customer=$PARISA" | jq -r '.result.items[] | select(.subject == "Brakes squeak") | .id')
    check "the ticket made in the page is on the node, for the customer whose card it was made on" [ -n "$BRAKES" ]
    check "it is closed, with the time it was closed" bash -c "[ '$(get "$BRAKES" status)' = closed ] && [ -n '$(get "$BRAKES" closed_at)' ]"
    check "its priority, assignee, asset, product, quote, order and invoice are the page's" \
        bash -c "[ '$(get "$BRAKES" priority)' = high ] && [ '$(get "$BRAKES" assignee)' = reza ] && [ '$(get "$BRAKES" asset)' = 'VIN WDB1234' ] && [ '$(get "$BRAKES" product)' = '$PADS' ] && [ '$(get "$BRAKES" quote)' = '$QUOTE' ] && [ '$(get "$BRAKES" order)' = '$ORDER' ] && [ '$(get "$BRAKES" invoice)' = '$BILL' ]"
    ACCORD_DATA="$W/b1" "$ACCORD" --json history "$BRAKES" > "$W/history.json"
    MOVES=$(jq -r '[.[] | .changes[]? | select(.field == "status") | .value] | join(",")' "$W/history.json")
    check "its history (accord --json history) holds the moves the page made, and not the refused skip: $MOVES" [ "$MOVES" = inquiry,quote,order,closed ]
    AUTHORS=$(jq -r '[.[] | .author] | unique | join(",")' "$W/history.json")
    check "each change is the signed-in user's ($AUTHORS)" [ "$AUTHORS" = sara ]
    check "the overdue ticket the Persian run tried to skip is still an inquiry" [ "$(get "$LEAK" status)" = inquiry ]
    HORN=$(curl -s -b "$W/jar" "$U/api/node/list?kind=ticket&customer=$GOLNAR" | jq -r '.result.items[] | select(.subject == "Horn does not work") | .id')
    check "the ticket made from the tickets page is on the node for the customer picked" [ -n "$HORN" ]
    check "screenshots of the card, the board, the ticket and the list in English, Persian and Chinese" \
        bash -c "for f in card-en board-en ticket-en list-en board-fa ticket-fa list-fa board-zh; do [ -s '$BUILD/screenshots/service-'\$f.png ] || exit 1; done"
else
    nok "the service pages in headless Chromium (chromium or tests/browser/node_modules missing: run deploy/install-deps.sh)"
fi
stop_all
sanitizer_check
echo "# service page done: $n checks"
