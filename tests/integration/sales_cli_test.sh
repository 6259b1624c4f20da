#!/usr/bin/env bash
# The accord verbs of sales and service against a real node (docs/CLI.md, "accord: sales
# and service"; docs/SALES.md): a product, a quote of two lines typed as people type
# amounts (12,5 and 1,5), sent and accepted, an order from it, an invoice from the order
# with its number printed, two payments to paid and one above the balance refused; a
# ticket moved along, a skip refused with the allowed next states, its timeline; export
# invoices and tickets read back with Python's csv and json. TAP lines (lib.sh).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-sales-XXXXXX)
. tests/integration/lib.sh
export ACCORD_DATA="$W/n1" ACCORD_USER=sara

# expect_fail CODE STDERR_SUBSTRING DESC -- command...
expect_fail() {
    local code=$1 want=$2 desc=$3; shift 4
    local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
    if [ "$rc" = "$code" ] && [[ "$err" == *"$want"* ]]; then ok "$desc"; else nok "$desc (exit $rc: $err)"; fi
}
# one_json FILTER: stdin is one JSON document that holds the filter (jq 1.6's -e alone
# exits 0 on an empty input)
one_json() { jq -e -s "length == 1 and (.[0] | $1)" >/dev/null 2>&1; }
# jcheck DESC JQ-FILTER -- command...: the command's --json output holds the filter
jcheck() {
    local desc=$1 filter=$2; shift 3
    local out; out=$("$@" 2>"$W/err"); local rc=$?
    if [ $rc = 0 ] && printf '%s' "$out" | one_json "$filter"; then ok "$desc"
    else nok "$desc (exit $rc: $(head -c 400 <<<"$out") $(cat "$W/err"))"; fi
}
# has DESC TEXT -- command...: the command exits 0 and its output holds TEXT
has() {
    local desc=$1 want=$2; shift 3
    local out; out=$("$@" 2>&1); local rc=$?
    if [ $rc = 0 ] && [[ "$out" == *"$want"* ]]; then ok "$desc"; else nok "$desc (exit $rc: $(head -c 600 <<<"$out"))"; fi
}
quiet() { "$@" >/dev/null; }
# jfail CODE DESC JQ-FILTER -- command...: exits CODE and its --json output is one JSON error holding the filter
jfail() {
    local code=$1 desc=$2 filter=$3; shift 4
    local out; out=$("$@" 2>/dev/null); local rc=$?
    if [ "$rc" = "$code" ] && printf '%s' "$out" | one_json "$filter"; then ok "$desc"
    else nok "$desc (exit $rc: $(head -c 400 <<<"$out"))"; fi
}
A=$ACCORD

"$CTL" node init --data "$ACCORD_DATA" --name tehran-1 >/dev/null
start n1 --invoice-prefix TEH || exit 1
C=$($A customer add --name "Reza Karimi" --phone "+98 912 555 1234")

# ---- product ----
check "quote add --help exits 0 and says how a line is written" bash -c "$A quote add --help | grep -q -- '--line VALUE .*key=value&'"
expect_fail 1 "unknown option --colour" "an unknown option of a new verb is a usage error, exit 1" -- $A invoice list --colour red
P=$($A product add --sku OIL-5W30 --name "Engine oil 5W-30" --price 12,5 --currency EUR --tax 9 --unit l --price-in "USD 14")
check "product add prints the product's id" [ ${#P} = 32 ]
has "product show gives the price in the currency's decimals, the other price too" "USD 14.00" -- $A product show "$P"
jcheck "... and --json the node's fields" '.sku == "OIL-5W30" and .price == 1250 and .price_text == "12.50" and .tax_rate_text == "9"' -- $A --json product show "$P"
check "product edit changes a field" quiet $A product edit "$P" --category parts
has "product list shows it" "OIL-5W30" -- $A product list
jcheck "product search finds it by a name word" 'length == 1 and .[0].category == "parts"' -- $A --json product search engine
jcheck "product list --category parts: it" 'length == 1' -- $A --json product list --category parts
jcheck "product list --category tyres: none" 'length == 0' -- $A --json product list --category tyres
expect_fail 2 "already has the SKU" "a second product of the same SKU (another case) is refused, exit 2" -- \
    $A product add --sku oil-5w30 --name Other
expect_fail 2 "is a customer, not a product" "product show of a customer is refused, exit 2" -- $A product show "$C"

# ---- quote: two lines as people type them ----
Q=$($A quote add --customer "$C" --currency EUR --title "Service" --line 'qty=2&price=12,5&tax=9&description=Oil change')
check "quote add prints the quote's id" [ ${#Q} = 32 ]
L=$($A quote line "$Q" --description Labour --qty 1,5 --price 10)
check "quote line prints the line's id" [ ${#L} = 32 ]
jcheck "quote show --json: 2 lines, net 40.00, tax 2.25, total 42.25 (12,5 read as 12.50, 1,5 as 1.5)" \
    '(.lines | length) == 2 and .lines[0].unit_price == 1250 and .lines[1].quantity_text == "1.5" and .net == 4000 and .tax == 225 and .total_text == "42.25"' \
    -- $A --json quote show "$Q"
$A quote show "$Q" > "$W/quote.txt"
check "quote show prints the lines table: quantity, unit price, discount, tax, line total" \
    bash -c "grep -Eq '^1 +Oil change +2 +12.50 +0 +9 +25.00 +2.25 +27.25$' '$W/quote.txt' && grep -Eq '^2 +Labour +1.5 +10.00 +0 +0 +15.00 +0.00 +15.00$' '$W/quote.txt'"
check "... then net, tax and total in the currency" \
    bash -c "grep -Eq '^net +40.00 EUR$' '$W/quote.txt' && grep -Eq '^tax +2.25 EUR$' '$W/quote.txt' && grep -Eq '^total +42.25 EUR$' '$W/quote.txt'"
expect_fail 2 "it moves to sent" "quote accept of a draft is refused with the next state, exit 2" -- $A quote accept "$Q"
expect_fail 2 "is a quote, not an order" "order show of a quote is refused, exit 2" -- $A order show "$Q"
jfail 2 "... and --json says so as a JSON error, as for the node's refusals" \
    '.error == "EINVAL" and (.message | test("is a quote, not an order"))' -- $A --json order show "$Q"
jfail 2 "product show --json of a customer: a JSON error" '.error == "EINVAL"' -- $A --json product show "$C"
jfail 2 "ticket show --json of a quote: a JSON error" '.error == "EINVAL"' -- $A --json ticket show "$Q"
jfail 2 "order line --json on a quote: a JSON error" '.error == "EINVAL"' -- $A --json order line "$Q" --description x --qty 1 --price 1
check "quote send" quiet $A quote send "$Q"
expect_fail 2 "only a draft's lines change" "a line added to a sent quote is refused" -- $A quote line "$Q" --description x --qty 1 --price 1
check "quote accept" quiet $A quote accept "$Q"
jcheck "quote list --json: it is accepted" "map(select(.id == \"$Q\")) | .[0].status == \"accepted\"" -- $A --json quote list
Q2=$($A quote add --customer "$C" --currency EUR)
$A quote line "$Q2" --product "$P" --qty 2 >/dev/null
jcheck "a line of a product takes its price, description and tax rate" \
    '.lines[0].unit_price_text == "12.50" and .lines[0].description == "Engine oil 5W-30" and .total_text == "27.25"' -- $A --json quote show "$Q2"
check "quote reject of a sent quote" bash -c "$A quote send '$Q2' >/dev/null && $A quote reject '$Q2' >/dev/null"
jcheck "quote list --status accepted: only the accepted one" "length == 1 and .[0].id == \"$Q\"" -- $A --json quote list --status accepted
check "quote list shows each quote's total" bash -c "$A quote list --status accepted | grep -q 'TOTAL' && $A quote list --status accepted | grep -q \"\$($A --json quote show $Q | jq -r .total_text)\""

# ---- order and invoice ----
O=$($A order add --from "$Q")
check "order add --from an accepted quote prints the order's id" [ ${#O} = 32 ]
jcheck "order show --json: its lines copied, total 42.25, open" '(.lines | length) == 2 and .total == 4225 and .fields.status == "open"' \
    -- $A --json order show "$O"
expect_fail 2 "is an order, not a quote" "quote line on an order is refused" -- $A quote line "$O" --description x --qty 1 --price 1
OUT=$($A invoice add --from "$O" --issued 2026-11-20)
read -r NUM INV <<<"$OUT"
check "invoice add --from the order prints its number, then its id ($OUT)" bash -c "[ '$NUM' = TEH-2026-000001 ] && [ ${#INV} = 32 ]"
expect_fail 2 "amount: more than the balance due (42.25 EUR)" "a payment above the balance is refused (exit 2) naming the balance" -- \
    $A invoice pay "$INV" --amount 50
has "a first payment: partly paid, the balance in the currency" "TEH-2026-000001: paid 20.00 EUR, balance 22.25 EUR, partly_paid" -- \
    $A invoice pay "$INV" --amount 20 --method card --reference "R-1"
expect_fail 2 "has payments" "invoice cancel of an invoice with a payment is refused" -- $A invoice cancel "$INV"
jcheck "a second payment, typed 22,25: paid (--json: the node's reply)" '.state == "paid" and .balance == 0 and .paid == 4225' -- \
    $A --json invoice pay "$INV" --amount 22,25
$A invoice show "$INV" > "$W/invoice.txt"
check "invoice show: lines, totals, payments, paid, balance, state" bash -c "grep -Eq '^total +42.25 EUR$' '$W/invoice.txt' && \
    grep -Eq '^2026-[0-9-]+ +20.00 +card +R-1$' '$W/invoice.txt' && grep -Eq '^paid +42.25 EUR$' '$W/invoice.txt' && \
    grep -Eq '^balance +0.00 EUR$' '$W/invoice.txt' && grep -Eq '^state +paid$' '$W/invoice.txt' && grep -q 'TEH-2026-000001' '$W/invoice.txt'"
jcheck "invoice show --json: two payments, paid, not overdue" '(.payments | length) == 2 and .state == "paid" and .balance_text == "0.00" and .overdue == false' \
    -- $A --json invoice show "$INV"
read -r NUM2 INV2 <<<"$($A invoice add --customer "$C" --currency EUR --issued 2026-11-01 --due 2026-11-10 --line 'qty=1&price=100&description=Tyre')"
check "invoice add with its own line: the next number" [ "$NUM2" = TEH-2026-000002 ]
$A invoice list > "$W/invoices.txt"
check "invoice list: number, state, total, paid and balance in the currency" \
    bash -c "grep -Eq 'TEH-2026-000001 +2026-11-20 +2026-12-20 +paid +42.25 +42.25 +0.00 +EUR +no' '$W/invoices.txt' && grep -Eq 'TEH-2026-000002 .* issued +100.00 +0.00 +100.00 +EUR +yes' '$W/invoices.txt'"
jcheck "invoice list --status paid: the state, not the stored status" 'length == 1 and .[0].number == "TEH-2026-000001"' -- \
    $A --json invoice list --status paid
jcheck "invoice list --overdue: past due with a balance" 'length == 1 and .[0].number == "TEH-2026-000002"' -- $A --json invoice list --overdue
jcheck "invoice list --order: the invoices of the order" "length == 1 and .[0].id == \"$INV\"" -- $A --json invoice list --order "$O"
jcheck "order list --quote: the order of the quote" "length == 1 and .[0].id == \"$O\"" -- $A --json order list --quote "$Q"
check "invoice cancel of an invoice without payment" quiet $A invoice cancel "$INV2"
jcheck "... it keeps its number and is cancelled" '.state == "cancelled" and .number == "TEH-2026-000002"' -- $A --json invoice show "$INV2"
jcheck "invoice list --status cancelled" 'length == 1 and .[0].number == "TEH-2026-000002"' -- $A --json invoice list --status cancelled

# ---- ticket ----
T=$($A ticket add --customer "$C" --subject "Brakes squeak" --priority urgent --asset "VIN WDB1234")
check "ticket add prints the ticket's id" [ ${#T} = 32 ]
expect_fail 2 "it moves to quote, closed or cancelled" "ticket move that skips a state is refused (exit 2) naming the allowed next states" -- \
    $A ticket move "$T" assigned
check "ticket move along: quote, order" bash -c "$A ticket move '$T' quote >/dev/null && ACCORD_USER=ali $A ticket move '$T' order >/dev/null"
check "ticket assign" quiet $A ticket assign "$T" mina
jcheck "ticket show --json: its fields and the timeline of its status changes, who and where" \
    '.status == "order" and .assignee == "mina" and ([.timeline[].status] == ["inquiry", "quote", "order"]) and .timeline[2].author == "ali" and .timeline[0].branch == "tehran-1"' \
    -- $A --json ticket show "$T"
has "ticket show prints the timeline" "timeline:" -- $A ticket show "$T"
check "... one line per change: when, status, who @ branch" \
    bash -c "$A ticket show '$T' | grep -Eq '^  20[0-9T:.-]+Z +order +by ali @ tehran-1$'"
jcheck "ticket list --json holds it with its SLA and overdue flag" "map(select(.id == \"$T\")) | .[0].priority == \"urgent\" and (.[0].sla_due | length) == 20 and .[0].overdue == false" \
    -- $A --json ticket list
T2=$($A ticket add --customer "$C" --subject "Oil change" --priority low)
jcheck "ticket list --status order: only the ticket in that status" "length == 1 and .[0].id == \"$T\"" -- $A --json ticket list --status order
jcheck "ticket list --assignee mina: only hers" "length == 1 and .[0].id == \"$T\"" -- $A --json ticket list --assignee mina
jcheck "ticket list --priority low" "length == 1 and .[0].id == \"$T2\"" -- $A --json ticket list --priority low
jcheck "ticket list --overdue: none is past its SLA yet" 'length == 0' -- $A --json ticket list --overdue
check "ticket move to cancelled from an open state" quiet $A ticket move "$T2" cancelled
jcheck "ticket list --open: the cancelled one is left out" "length == 1 and .[0].id == \"$T\"" -- $A --json ticket list --open
expect_fail 1 "expected ID STATUS" "ticket move without a status is a usage error, exit 1" -- $A ticket move "$T"

# ---- export ----
$A export invoices --out "$W/invoices.csv" 2>/dev/null
check "export invoices as CSV: one row per invoice, amounts as text and in minor units, the customer's name" /usr/bin/python3 - "$W/invoices.csv" <<'EOF'
import csv, sys
rows = {r["number"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline=""))}
a, b = rows["TEH-2026-000001"], rows["TEH-2026-000002"]
assert len(rows) == 2, rows
assert (a["issued"], a["due"], a["currency"], a["net"], a["tax"], a["total"], a["paid"], a["balance"], a["state"]) == \
    ("2026-11-20", "2026-12-20", "EUR", "40.00", "2.25", "42.25", "42.25", "0.00", "paid"), a
assert (a["total_minor"], a["paid_minor"], a["balance_minor"], a["customer_name"], a["branch"]) == ("4225", "4225", "0", "Reza Karimi", "tehran-1"), a
assert len(a["customer"]) == 32 and a["id"] and b["state"] == "cancelled" and b["total"] == "100.00", b
EOF
$A export invoices --format jsonl > "$W/invoices.jsonl"
check "export invoices as JSON Lines: the same columns, minor units as numbers" /usr/bin/python3 - "$W/invoices.jsonl" <<'EOF'
import json, sys
rows = {r["number"]: r for r in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
a = rows["TEH-2026-000001"]
assert a["total"] == "42.25" and a["total_minor"] == 4225 and a["balance"] == "0.00" and a["state"] == "paid", a
assert a["overdue"] is False and a["customer_name"] == "Reza Karimi" and len(rows) == 2, a
EOF
$A export tickets > "$W/tickets.csv"
check "export tickets as CSV: subject, customer, status, priority, SLA, assignee, asset" /usr/bin/python3 - "$W/tickets.csv" <<'EOF'
import csv, sys
rows = {r["subject"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline=""))}
assert len(rows) == 2 and rows["Oil change"]["status"] == "cancelled" and rows["Oil change"]["closed_at"], rows
t = rows["Brakes squeak"]
assert (t["subject"], t["status"], t["priority"], t["assignee"], t["asset"], t["customer_name"], t["overdue"], t["closed_at"]) == \
    ("Brakes squeak", "order", "urgent", "mina", "VIN WDB1234", "Reza Karimi", "no", ""), t
assert t["sla_due"] > t["created"], t
EOF
$A ticket move "$T" closed >/dev/null
$A export tickets --format jsonl > "$W/tickets.jsonl"
check "export tickets as JSON Lines: a closed ticket has its closed_at" /usr/bin/python3 - "$W/tickets.jsonl" <<'EOF'
import json, sys
t = [r for r in map(json.loads, open(sys.argv[1], encoding="utf-8")) if r["subject"] == "Brakes squeak"]
assert len(t) == 1 and t[0]["status"] == "closed" and len(t[0]["closed_at"]) == 20 and t[0]["overdue"] is False, t
EOF
expect_fail 1 "--format ics is for tasks" "export invoices --format ics is a usage error" -- $A export invoices --format ics

stop_all
sanitizer_check
echo "# sales_cli_test done: $n checks"
