#!/usr/bin/env bash
# Reports at the hub from the replicated data: known activity at two branches gives exact
# per-branch figures in JSON and CSV; a branch holding the same data shows the same
# numbers; check re-derives the counters; a period or branch that is wrong is refused. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-report-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }
equal_digests() { local a; a=$(digest "$1"); shift; for x in "$@"; do [ "$(digest "$x")" = "$a" ] || return 1; done; }
report() { local node=$1; shift; "$CTL" --json report branches --data "$W/$node" "$@"; }
jqt() { jq -e "$@" >/dev/null; }

org_and_nodes hq:hub tehran-1 shiraz-1
HUB_EP="tcp://127.0.0.1:$(free_port)"
HUB_KEY=$(pub hq)
start hq --listen "$HUB_EP" || exit 1
# tehran-1 serves the branch app: its sales and service verbs are the local API's over HTTP
echo 'staff password 1' | "$CTL" user add --data "$W/tehran-1" --name sara --role staff >/dev/null
T1_HTTP=$(free_port)
T1="http://127.0.0.1:$T1_HTTP"
start tehran-1 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" --http "$T1_HTTP" || exit 1
start shiraz-1 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1

C1=$(at tehran-1 customer add --name "Ali Rezaei" --phone "+98 912 111 2222" --email ali@example.ir --assigned sara)
C2=$(at tehran-1 customer add --name "Sara Ahmadi" --phone "+98 912 333 4444")
at tehran-1 customer add --name "No Phone" >/dev/null
D1=$(at tehran-1 deal add --customer "$C1" --title "Sedan" --amount 1000 --currency EUR --probability 30)
at tehran-1 deal add --customer "$C2" --title "Van" --amount 500 --currency EUR --probability 40 >/dev/null
at tehran-1 deal move "$D1" Won >/dev/null
at tehran-1 log call "$C1" --summary "asked for a quote" >/dev/null
at tehran-1 log call "$C2" >/dev/null
C3=$(at shiraz-1 customer add --name "Zahra Karimi" --email z@example.ir)
D3=$(at shiraz-1 deal add --customer "$C3" --title "Truck" --amount 2000 --currency USD)
at shiraz-1 deal move "$D3" Lost --lost-reason price >/dev/null
at shiraz-1 task add --title "Overdue call" --due "$(date -u -d yesterday +%Y-%m-%d)" >/dev/null
T2=$(at shiraz-1 task add --title "Done today" --due "$(date -u +%Y-%m-%d)")
at shiraz-1 task done "$T2" >/dev/null
# Sales and service at tehran-1 (issue 16), yesterday and today: two quotes sent, one
# accepted; invoices of EUR 125.50 (paid 25.50 and 50.00), of EUR 40.00 issued and due
# yesterday (overdue), and of EUR 10.00 cancelled; two tickets, one closed.
curl -s -c "$W/jar" -o /dev/null -d 'user=sara&password=staff+password+1' "$T1/login"
CSRF=$(curl -s -b "$W/jar" "$T1/api/session" | jq -r .csrf)
node_api() { local verb=$1; shift; curl -s -b "$W/jar" -H "X-CSRF-Token: $CSRF" "$@" "$T1/api/node/$verb"; }
made() { local verb=$1; shift; node_api "$verb" "$@" | jq -er '.result.id'; }
TODAY=$(date -u +%Y-%m-%d)
YESTERDAY=$(date -u -d yesterday +%Y-%m-%d)
S_PERIOD="$YESTERDAY..$TODAY"
Q1=$(made create -d kind=quote -d customer="$C1" -d currency=EUR --data-urlencode 'lines=description=Brake pads&quantity=2&unit_price=50.00')
Q2=$(made create -d kind=quote -d customer="$C2" -d currency=EUR --data-urlencode 'lines=description=Tyres&quantity=4&unit_price=80')
for q in "$Q1" "$Q2"; do made update -d id="$q" -d status=sent >/dev/null; done
made update -d id="$Q1" -d status=accepted >/dev/null
made update -d id="$Q2" -d status=rejected >/dev/null
I1=$(made create -d kind=invoice -d customer="$C1" -d currency=EUR --data-urlencode 'lines=description=Service&quantity=1&unit_price=125.50')
made pay -d id="$I1" -d amount=25.50 -d method=card >/dev/null
made pay -d id="$I1" -d amount=50 >/dev/null
made create -d kind=invoice -d customer="$C2" -d currency=EUR -d issued="$YESTERDAY" -d due="$YESTERDAY" \
    --data-urlencode 'lines=description=Oil change&quantity=1&unit_price=40' >/dev/null
I3=$(made create -d kind=invoice -d customer="$C2" -d currency=EUR --data-urlencode 'lines=description=Wipers&quantity=1&unit_price=10')
made update -d id="$I3" -d status=cancelled >/dev/null
K1=$(made create -d kind=ticket -d customer="$C1" -d subject="Brakes squeal" -d priority=urgent)
made create -d kind=ticket -d customer="$C2" -d subject="Warranty question" >/dev/null
made update -d id="$K1" -d status=closed >/dev/null
check "tehran-1 made the quotes, invoices and tickets through its API" \
    bash -c "[ -n '$Q1' ] && [ -n '$Q2' ] && [ -n '$I1' ] && [ -n '$I3' ] && [ -n '$K1' ]"
check "the hub and both branches converge" wait_until 20 equal_digests hq tehran-1 shiraz-1

MONTH=$(date -u +%Y-%m)
report hq --period "$MONTH" > "$W/hq.json"
check "the hub reports both branches" jqt '[.branches[].branch] == ["shiraz-1","tehran-1"]' "$W/hq.json"
check "tehran-1: 3 new customers, 2 calls, 2 deals, 1 won worth EUR 1000.00, 1 open, win rate 1" \
    jqt '.branches[] | select(.branch == "tehran-1") | .customers_new == 3 and .interactions == 2 and .interactions_by_kind.call == 2
         and .deals_new == 2 and .deals_won == 1 and .deals_lost == 0 and .won_value_minor.EUR == 100000 and .won_value.EUR == "1000.00" and .deals_open == 1
         and .win_rate == 1 and .pipeline["Lead EUR"].amount_minor == 50000 and .pipeline["Lead EUR"].weighted_minor == 20000' "$W/hq.json"
check "tehran-1 data quality: 3 customers, 2 with a phone, 1 with an e-mail, 1 with an owner" \
    jqt '.branches[] | select(.branch == "tehran-1") | .customers == 3 and .with_phone == 2 and .with_email == 1 and .with_owner == 1' "$W/hq.json"
check "tehran-1's new customers this month: of 3, 2 with a phone, 1 with an e-mail, 1 with an owner; shiraz-1's 1 has an e-mail" \
    jqt '(.branches[] | select(.branch == "tehran-1") | .new_with_phone == 2 and .new_with_email == 1 and .new_with_owner == 1)
         and (.branches[] | select(.branch == "shiraz-1") | .customers_new == 1 and .new_with_phone == 0 and .new_with_email == 1 and .new_with_owner == 0)' "$W/hq.json"
report hq --period "$(date -u -d "$(date -u +%Y-%m-15) -1 month" +%Y-%m)" > "$W/before.json"
check "none of them are new customers of the month before" \
    jqt '[.branches[] | .customers_new + .new_with_phone + .new_with_email + .new_with_owner] | add // 0 | . == 0' "$W/before.json"
"$CTL" report branches --data "$W/hq" --period "$MONTH" > "$W/hq.txt"
check "the text table shows the shares of the period's new customers with a phone, an e-mail, an owner" \
    bash -c "grep -q '^BRANCH *NEW CUST *PHONE *EMAIL *OWNER ' '$W/hq.txt' && grep -q '^tehran-1 *3  66.7%  33.3%  33.3% ' '$W/hq.txt' &&
             grep -q '^shiraz-1 *1   0.0% 100.0%   0.0% ' '$W/hq.txt'"
check "shiraz-1: 1 deal lost for 'price', win rate 0, 1 task overdue, 1 done" \
    jqt '.branches[] | select(.branch == "shiraz-1") | .deals_new == 1 and .deals_lost == 1 and .lost_reasons.price == 1
         and .win_rate == 0 and .tasks_overdue == 1 and .tasks_done == 1 and .customers == 1 and .with_email == 1' "$W/hq.json"
report hq --period "$S_PERIOD" > "$W/sales.json"
check "tehran-1's sales: 2 quotes sent, 1 accepted (conversion 0.5); 2 invoices issued for EUR 165.50, 75.50 paid, 90.00 outstanding, 1 overdue for 40.00" \
    jqt '.branches[] | select(.branch == "tehran-1") | .quotes_sent == 2 and .quotes_accepted == 1 and .quote_conversion == 0.5
         and .invoices_issued == 2 and .invoiced_minor.EUR == 16550 and .invoiced.EUR == "165.50" and .paid_minor.EUR == 7550
         and .paid.EUR == "75.50" and .outstanding_minor.EUR == 9000 and .outstanding.EUR == "90.00" and .invoices_overdue == 1
         and .overdue_value_minor.EUR == 4000 and .overdue_value.EUR == "40.00"' "$W/sales.json"
check "tehran-1's service: 2 tickets opened, 1 closed within its SLA, no breach; shiraz-1 has none of it" \
    jqt '(.branches[] | select(.branch == "tehran-1") | .tickets_opened == 2 and .tickets_closed == 1 and .avg_hours_to_close < 1
          and .sla_breaches == 0 and .tickets_overdue == 0)
         and (.branches[] | select(.branch == "shiraz-1") | .quotes_sent == 0 and .invoices_issued == 0 and .invoiced_minor == {} and .tickets_opened == 0)' "$W/sales.json"
"$CTL" report branches --data "$W/hq" --period "$S_PERIOD" > "$W/sales.txt"
check "the text table has a sales and service table with tehran-1's figures and a line of its EUR amounts" \
    bash -c "grep -q '^sales and service\$' '$W/sales.txt' && grep -q '^BRANCH *QUOTES *ACCEPTED *CONV% *INVOICES *OVERDUE *TICKETS *CLOSED *HOURS *SLA BREACHES\$' '$W/sales.txt' &&
             grep -q '^tehran-1 *2 *1  50.0% *2 *1 *2 *1 *0.0 *0\$' '$W/sales.txt' &&
             grep -q '^ *EUR invoiced 165.50, paid 75.50, outstanding 90.00, overdue 40.00\$' '$W/sales.txt'"
"$CTL" report branches --data "$W/hq" --period "$S_PERIOD" --csv > "$W/sales.csv"
check "the CSV ends with the sales and service columns, the amounts as currency and amount" \
    /usr/bin/python3 - "$W/sales.csv" <<'PY'
import csv, sys
rows = {r['branch']: r for r in csv.DictReader(open(sys.argv[1], encoding='utf-8'))}
t = rows.get('tehran-1', {})
want = {'quotes_sent': '2', 'quotes_accepted': '1', 'quote_conversion': '0.5000', 'invoices_issued': '2', 'invoiced': 'EUR 165.50',
        'paid': 'EUR 75.50', 'outstanding': 'EUR 90.00', 'invoices_overdue': '1', 'overdue_value': 'EUR 40.00', 'tickets_opened': '2',
        'tickets_closed': '1', 'sla_breaches': '0', 'tickets_overdue': '0'}
bad = {k: (t.get(k), v) for k, v in want.items() if t.get(k) != v}
if bad or list(rows.get('shiraz-1', {}).keys())[-1:] != ['tickets_overdue']:
    print('# ' + repr(bad))
    sys.exit(1)
PY
report tehran-1 --period "$MONTH" > "$W/t1.json"
check "a branch holding the same data reports the same numbers" bash -c "[ \"\$(jq -S . '$W/hq.json')\" = \"\$(jq -S . '$W/t1.json')\" ]"
"$CTL" report branches --data "$W/hq" --period "$MONTH" --csv > "$W/hq.csv"
check "the CSV carries the same numbers as the JSON, the new customers' phone, e-mail and owner last" \
    bash -c "cut -d, -f1-19 '$W/hq.csv' | grep -q '^\"tehran-1\",3,2,2,1,0,1.0000,.*,2,1,1\$' &&
             grep -q '^\"shiraz-1\",1,0,1,0,1,0.0000,.*,0,1,0,0,0,0.0000,0,\"\",\"\",\"\",0,\"\",0,0,0.00,0,0\$' '$W/hq.csv' &&
             head -1 '$W/hq.csv' | grep -q ',new_with_phone,new_with_email,new_with_owner,quotes_sent,.*,tickets_overdue\$'"
check "first response: both tehran-1 customers with a call were answered, shiraz-1's one was not" \
    jqt '(.branches[] | select(.branch == "tehran-1") | .responded == 2 and .avg_first_response_hours >= 0)
         and (.branches[] | select(.branch == "shiraz-1") | .responded == 0)' "$W/hq.json"
"$CTL" --json report customers --data "$W/hq" --segment rfm > "$W/rfm.json"
check "report customers: 4 customers, money in EUR (the currency deals were won in), Ali Rezaei on top with EUR 1000.00" \
    jqt '.customers_counted == 4 and .currency == "EUR" and .customers[0].name == "Ali Rezaei" and .customers[0].monetary_minor == 100000
         and .customers[0].frequency == 2 and .customers[0].m == 5' "$W/rfm.json"
check "every customer has one RFM segment and the counts add up" \
    jqt '([.segments[]] | add) == 4 and ([.customers[] | select(.name == "No Phone")][0].segment == "no activity")' "$W/rfm.json"
check "--branch limits the segmentation to that branch's customers" \
    bash -c "'$CTL' --json report customers --data '$W/hq' --branch shiraz-1 | jq -e '.customers_counted == 1 and .customers[0].name == \"Zahra Karimi\"' >/dev/null"
report hq --period "$MONTH" --branch shiraz-1 > "$W/one.json"
check "--branch limits the report to one branch" jqt '.branches | length == 1 and .[0].branch == "shiraz-1"' "$W/one.json"
report hq --period "2001-01" > "$W/old.json"
check "a period with no activity shows no deals" jqt '[.branches[] | .deals_new + .customers_new] | add == 0' "$W/old.json"
"$CTL" report branches --data "$W/hq" --period "2026-13" >/dev/null 2>"$W/err"; rc=$?
check "a malformed period is refused with exit 1 and the forms it takes" bash -c "[ $rc = 1 ] && grep -q '2026-W48' '$W/err'"
printf 'name,phones\nImport One,+98 912 700 0001\n,+98 912 700 0002\nImport Three,not a phone\nImport Four,+98 912 700 0004\n' > "$W/in.csv"
at tehran-1 import customers "$W/in.csv" >/dev/null 2>&1
check "an import at tehran-1 is recorded as a run: 4 rows read, 2 refused" \
    wait_until 20 bash -c "'$CTL' --json report quality --data '$W/hq' | jq -e '.branches[] | select(.branch == \"tehran-1\") | .import_rows == 4 and .import_rows_rejected == 2' >/dev/null"
DUP=$(at shiraz-1 customer add --name "A. Rezaei" --phone "0912 111 2222")
check "the hub holds shiraz-1's new customer" wait_until 20 bash -c "ACCORD_DATA='$W/hq' '$ACCORD' customer show $DUP >/dev/null"
"$CTL" --json report quality --data "$W/hq" > "$W/quality.json"
check "report quality counts the likely duplicate across two branches at both" \
    jqt '(.branches[] | select(.branch == "tehran-1") | .duplicate_pairs == 1) and (.branches[] | select(.branch == "shiraz-1") | .duplicate_pairs == 1)' "$W/quality.json"
check "and the plain report names the column" bash -c "'$CTL' report quality --data '$W/hq' | grep -q DUPLICATES"
check "report quality spans all time: from 1970-01-01 to 9999-12-31 (was an unterminated date)" \
    jqt '.from == "1970-01-01" and .to == "9999-12-31"' "$W/quality.json"
"$CTL" node init --data "$W/empty" --name empty --org-pub "$ORG" >/dev/null
check "report quality of a node without customers is empty" \
    bash -c "'$CTL' --json report quality --data '$W/empty' | jq -e '.branches == []' >/dev/null"
check "check re-derives the counters and finds them equal" "$CTL" check --data "$W/hq"
stop hq
"$CTL" report tz --data "$W/hq" Asia/Tehran >/dev/null
check "report tz sets the zone and rebuilds the counters, and check agrees" "$CTL" check --data "$W/hq"
"$CTL" report tz --data "$W/hq" Mars/Olympus >/dev/null 2>&1
check "an unknown time zone is refused" [ $? = 1 ]
# A store whose counters an older version made (meta kpi-version 1): reports would read 0
# for what it never counted, so they are refused until the node starts once; check leaves
# the counters out and says so; the node's start rebuilds them.
report hq --period "$MONTH" > "$W/current.json"
printf 'VERSION=3\nformat=print\ntype=btree\nHEADER=END\n kpi-version\n 1\nDATA=END\n' | mdb_load -s meta "$W/hq"
"$CTL" report branches --data "$W/hq" --period "$MONTH" >/dev/null 2>"$W/err"; rc=$?
check "report branches of a store an older version counted is refused (exit 2), telling to start the node once" \
    bash -c "[ $rc = 2 ] && grep -q 'older version.*start the node once' '$W/err'"
check "and so is report quality" bash -c "! '$CTL' report quality --data '$W/hq' >/dev/null 2>&1"
"$CTL" --json check --data "$W/hq" > "$W/check.json"
check "check of that store is sound but says the counters were not compared" \
    bash -c "jq -e '.ok and .counters_not_compared' '$W/check.json' >/dev/null && '$CTL' check --data '$W/hq' | grep -q 'report counters not compared'"
start hq --listen "$HUB_EP" || exit 1
check "the node's start rebuilds the counters once and logs it" wait_until 10 grep -q 'report counters rebuilt (version 3)' "$W/hq.log"
stop hq
report hq --period "$MONTH" > "$W/upgraded.json"
check "after it the report is read again, the same as before, with the new customers' shares" \
    bash -c "[ \"\$(jq -S . '$W/upgraded.json')\" = \"\$(jq -S . '$W/current.json')\" ] &&
             jq -e '.branches[] | select(.branch == \"tehran-1\") | .new_with_phone >= 2' '$W/upgraded.json' >/dev/null"
check "and check compares the counters again" bash -c "'$CTL' --json check --data '$W/hq' | jq -e '.ok and (.counters_not_compared | not)' >/dev/null"
stop_all
sanitizer_check
echo "# report done: $n checks"
