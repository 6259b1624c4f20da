#!/usr/bin/env bash
# Starts a demo Accord node in ./demo-data/branch-1 with sample customers, deals and tasks
# in English, Persian and Chinese, then shows a few commands. The node keeps running;
# stop it with: kill $(cat demo-data/branch-1/accord-node.pid)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
DATA=${DEMO_DATA:-$PWD/demo-data}/branch-1
export ACCORD_DATA=$DATA ACCORD_USER=demo

if [ -f "$DATA/accord-node.pid" ] && kill -0 "$(cat "$DATA/accord-node.pid")" 2>/dev/null; then
    echo "a demo node is already running (pid $(cat "$DATA/accord-node.pid")); stopping it for a fresh start"
    kill "$(cat "$DATA/accord-node.pid")"; sleep 1
fi
rm -rf "$DATA"
mkdir -p "$(dirname "$DATA")"
"$B/accordctl" node init --data "$DATA" --name tehran-1
"$B/accord-node" --data "$DATA" 2>"$DATA.log" &
for _ in $(seq 100); do [ -S "$DATA/accord.sock" ] && break; sleep 0.05; done

echo "loading sample data..."
add() { "$B/accord" customer add "$@"; }
C1=$(add --name "علي رضايي" --phone "+98 912 555 1234" --email ali.rezaei@example.ir --city Tehran --tag vip --segment retail)
C2=$(add --name "王小明" --phone "+86 138 0013 8000" --email xiaoming@example.cn --city Shanghai --type person)
C3=$(add --name "Anna Müller" --phone "+49 30 1234567" --email anna@example.de --city Berlin --consent-email yes)
C4=$(add --name "Parsian Fleet Co." --type company --phone 021-8888-7777 --city Tehran --tag fleet)
C5=$(add --name "زهرا كريمي" --phone "۰۹۱۲۱۱۱۲۲۲۲" --city Shiraz)
"$B/accord" contact add --customer "$C4" --name "Reza Ahmadi" --role "Fleet manager" --phone 09123334444 >/dev/null
D1=$("$B/accord" deal add --customer "$C1" --title "Peugeot 207 i" --amount 1850000000 --currency IRR --close 2026-12-20 --probability 60)
D2=$("$B/accord" deal add --customer "$C4" --title "12 × Dena Plus fleet" --amount 9000000000 --currency IRR --stage Proposal)
"$B/accord" deal add --customer "$C3" --title "Service contract" --amount 1200 --currency EUR >/dev/null
"$B/accord" deal move "$D1" Negotiation >/dev/null
"$B/accord" task add --title "Call Ali about financing" --due "$(date +%F)" --related "$C1" --assignee sara >/dev/null
"$B/accord" task add --title "Send fleet offer" --due 2026-01-10 --related "$D2" >/dev/null
"$B/accord" log call "$C1" --summary "Asked about the 207 price and delivery time" --outcome interested >/dev/null
"$B/accord" log visit "$C2" --summary "Test drive" >/dev/null
"$B/accord" note add "$C5" "Prefers SMS in the afternoon" >/dev/null

run() { echo; echo "\$ accord $*"; "$B/accord" "$@"; }
run customer list
run customer search "علی"
run customer search 5551234
run customer search 小明
run deal list
run task list --due today
run history "${C1:0:8}"
echo
echo "The demo node runs in $DATA. Try: ACCORD_DATA=$DATA $B/accord --help"
echo "Stop it with: kill \$(cat $DATA/accord-node.pid)"
