#!/usr/bin/env bash
# A local demo network on loopback: an org key, a hub (hq) and three branches (tehran-1,
# shiraz-1, shanghai-1), all in ./demo-data, with sample customers, deals and tasks in
# English, Persian and Chinese. It shows a change made at one branch appearing at
# another, and the hub's sync status. The nodes keep running; stop them with
#     deploy/demo.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
DEMO=${DEMO_DATA:-$PWD/demo-data}
NODES=(hq tehran-1 shiraz-1 shanghai-1)
export ACCORD_USER=demo

stop_all() {
    for n in "${NODES[@]}"; do
        local f="$DEMO/$n/accord-node.pid"
        if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then kill "$(cat "$f")"; fi
    done
}
if [ "${1:-}" = stop ]; then stop_all; echo "demo nodes stopped"; exit 0; fi
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
    echo "usage: deploy/demo.sh [stop]   (start a hub and three branches on loopback / stop them)"
    exit 0
fi

stop_all; sleep 0.5
rm -rf "$DEMO"
mkdir -p "$DEMO"
CTL="$B/accordctl"
pub() { "$CTL" --json node show --data "$DEMO/$1" | sed -E 's/.*"public_key":"([0-9a-f]+)".*/\1/'; }
ORG=$("$CTL" --json org init --out "$DEMO/org.key" | sed -E 's/.*"org_public_key":"([0-9a-f]+)".*/\1/')
"$CTL" node init --data "$DEMO/hq" --name hq --role hub --org-pub "$ORG"
for b in tehran-1 shiraz-1 shanghai-1; do "$CTL" node init --data "$DEMO/$b" --name "$b" --org-pub "$ORG"; done
region() { case $1 in hq|tehran-1) echo tehran ;; shiraz-1) echo fars ;; *) echo shanghai ;; esac; }
for n in "${NODES[@]}"; do
    role=branch; [ "$n" = hq ] && role=hub
    "$CTL" enroll --data "$DEMO/hq" --org-key "$DEMO/org.key" --node-pub "$(pub "$n")" --name "$n" --role $role \
        --region "$(region "$n")" >/dev/null
done
PORT=${DEMO_PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
HUB="tcp://127.0.0.1:$PORT"
HUB_KEY=$(pub hq)
start() {
    local n=$1; shift
    "$B/accord-node" --data "$DEMO/$n" "$@" >"$DEMO/$n.log" 2>&1 </dev/null &
    for _ in $(seq 100); do [ -S "$DEMO/$n/accord.sock" ] && return 0; sleep 0.05; done
    echo "$n did not start:"; cat "$DEMO/$n.log"; exit 1
}
HTTP_PORT=${DEMO_HTTP_PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
DEMO_PASSWORD=accord-demo-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$DEMO_PASSWORD" | "$CTL" user add --data "$DEMO/hq" --name manager --role manager >/dev/null
start hq --listen "$HUB" --http "$HTTP_PORT"
APP_PORT=${DEMO_APP_PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
echo "$DEMO_PASSWORD" | "$CTL" user add --data "$DEMO/tehran-1" --name sara --role staff >/dev/null
start tehran-1 --upstream "$HUB" --upstream-key "$HUB_KEY" --http "$APP_PORT" --invoice-prefix TEH --calendar solar
for b in shiraz-1 shanghai-1; do start "$b" --upstream "$HUB" --upstream-key "$HUB_KEY"; done
echo "hub hq listens on $HUB (CURVE); branches tehran-1, shiraz-1, shanghai-1 are connected"

echo "loading sample data at the branches..."
at() { local n=$1; shift; ACCORD_DATA="$DEMO/$n" "$B/accord" "$@"; }
C1=$(at tehran-1 customer add --name "علي رضايي" --phone "+98 912 555 1234" --email ali.rezaei@example.ir --city Tehran --tag vip --segment retail)
C4=$(at tehran-1 customer add --name "Parsian Fleet Co." --type company --phone 021-8888-7777 --city Tehran --tag fleet)
C5=$(at shiraz-1 customer add --name "زهرا كريمي" --phone "۰۹۱۷۱۱۱۲۲۲۲" --city Shiraz)
C2=$(at shanghai-1 customer add --name "王小明" --phone "+86 138 0013 8000" --email xiaoming@example.cn --city Shanghai)
C3=$(at shanghai-1 customer add --name "Anna Müller" --phone "+49 30 1234567" --email anna@example.de --city Berlin --consent-email yes)
at tehran-1 contact add --customer "$C4" --name "Reza Ahmadi" --role "Fleet manager" --phone 09123334444 >/dev/null
D1=$(at tehran-1 deal add --customer "$C1" --title "Peugeot 207 i" --amount 1850000000 --currency IRR --close 2026-12-20 --probability 60)
D2=$(at tehran-1 deal add --customer "$C4" --title "12 × Dena Plus fleet" --amount 9000000000 --currency IRR --stage Proposal)
at shanghai-1 deal add --customer "$C3" --title "Service contract" --amount 1200 --currency EUR >/dev/null
at tehran-1 deal move "$D1" Negotiation >/dev/null
at tehran-1 task add --title "Call Ali about financing" --due "$(date +%F)" --related "$C1" --assignee sara >/dev/null
at tehran-1 task add --title "Send fleet offer" --due 2026-01-10 --related "$D2" >/dev/null
at tehran-1 log call "$C1" --summary "Asked about the 207 price and delivery time" --outcome interested >/dev/null
at shanghai-1 log visit "$C2" --summary "Test drive" >/dev/null
at shiraz-1 note add "$C5" "Prefers SMS in the afternoon" >/dev/null
D3=$(at shiraz-1 deal add --customer "$C5" --title "Tiba 2 hatchback" --amount 950000000 --currency IRR --probability 80)
at shiraz-1 deal move "$D3" Won >/dev/null
D4=$(at tehran-1 deal add --customer "$C4" --title "2 × Samand vans" --amount 2400000000 --currency IRR)
at tehran-1 deal move "$D4" Lost --lost-reason "قیمت رقیب پایین‌تر بود" >/dev/null

# sales and service at tehran-1: a product, a quote accepted, an order, an invoice paid in
# part, a service request (docs/SALES.md)
P1=$(at tehran-1 product add --sku OIL-5W30 --name "روغن موتور 5W-30" --unit l --price 450000 --currency IRR --tax 10)
P2=$(at tehran-1 product add --sku SRV-10K --name "سرویس ۱۰ هزار کیلومتر" --price 12000000 --currency IRR --tax 10)
Q1=$(at tehran-1 quote add --customer "$C1" --currency IRR --title "سرویس دوره‌ای" --line "product=$P1&qty=4" --line "product=$P2&qty=1")
at tehran-1 quote send "$Q1" >/dev/null
at tehran-1 quote accept "$Q1" >/dev/null
O1=$(at tehran-1 order add --from "$Q1")
I1=$(at tehran-1 invoice add --from "$O1" | awk '{print $2}')
at tehran-1 invoice pay "$I1" --amount 10000000 --method card >/dev/null
T1=$(at tehran-1 ticket add --customer "$C1" --subject "صدای ترمز جلو" --priority high --asset "VIN NAAP41FE9KJ123456")
at tehran-1 ticket move "$T1" quote >/dev/null

# a change at tehran-1, seen at shiraz-1 through the hub
at tehran-1 customer edit "$C1" --city Isfahan >/dev/null
for _ in $(seq 50); do
    [ "$(ACCORD_DATA="$DEMO/shiraz-1" "$B/accord" --json customer show "$C1" 2>/dev/null | sed -nE 's/.*"city":"([^"]*)".*/\1/p')" = Isfahan ] && break
    sleep 0.2
done
run() { local n=$1; shift; echo; echo "[$n] \$ accord $*"; at "$n" "$@"; }
run shiraz-1 customer list
run shiraz-1 customer search "علی"
run shanghai-1 customer search 5551234
run tehran-1 customer search 小明
run shanghai-1 deal list
run tehran-1 invoice show "${I1:0:8}"
run shiraz-1 ticket list
run shiraz-1 history "${C1:0:8}"
echo; echo "[hq] \$ accordctl sync status"
"$CTL" sync status --data "$DEMO/hq"
echo
echo "The city of ${C1:0:8} was edited at tehran-1 and is shown above as seen at shiraz-1."
echo "Try: ACCORD_DATA=$DEMO/shiraz-1 $B/accord customer add --name \"Sara Jafari\""
echo "     ACCORD_DATA=$DEMO/shanghai-1 $B/accord customer search sara"
echo
echo "[hq] \$ accordctl report branches --period $(date +%Y-%m)"
sleep 1
"$CTL" report branches --data "$DEMO/hq" --period "$(date +%Y-%m)"
echo
echo "HQ dashboard: http://127.0.0.1:$HTTP_PORT/  (user manager, password $DEMO_PASSWORD)"
echo "tehran-1's branch app: http://127.0.0.1:$APP_PORT/  (user sara, password $DEMO_PASSWORD)"
echo "Stop the demo with: deploy/demo.sh stop"
