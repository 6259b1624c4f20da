#!/usr/bin/env bash
# Webhooks (docs/WEBHOOKS.md) against a receiver on 127.0.0.1 that fails sometimes
# (webhook_receiver.py: every 3rd request 500, the 5th slower than --webhook-timeout) and
# checks each request's HMAC-SHA256 signature: a hub's own changes and a branch's
# replicated ones reach both of the hub's hooks, once per change per hook as delivered
# (the set of change ids is exactly the hub's changes, each answered 2xx), retried after
# a failure or a timeout; the hub killed with -9 while deliveries are pending loses none;
# bad URLs (not http(s), the node's own ports) are refused; status and the delivery log
# give the figures. TAP-style lines. Every process is killed by pid at the end.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-webhook-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }
SA=secret-of-hook-a-0123456789
SB=secret-of-hook-b-9876543210
receiver_pid=""
start_receiver() {
    rm -f "$W/rport"
    RECEIVER_PORT=${1:-0} /usr/bin/python3 tests/integration/webhook_receiver.py "$W/rport" "$W/received.jsonl" \
        "/a=$SA" "/b=$SB" 2>>"$W/receiver.log" &
    receiver_pid=$!
    wait_until 10 test -s "$W/rport" || { echo "# the receiver did not start"; return 1; }
    RPORT=$(cat "$W/rport")
}
stop_receiver() { [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null && wait "$receiver_pid" 2>/dev/null; receiver_pid=""; }
test_cleanup() { stop_receiver; }
# hook id, jq field of its status
status_of() { "$CTL" --json webhook status --data "$W/hq" | jq -r --argjson id "$1" ".webhooks[] | select(.id == \$id) | .$2"; }
nothing_pending() { [ "$(status_of "$HA" pending)" = 0 ] && [ "$(status_of "$HB" pending)" = 0 ]; }
# the change ids a path answered 200 to with a good signature, sorted, once each
delivered_ids() { jq -r --arg p "$1" 'select(.path == $p and .sig_ok and .status == 200) | .change' "$W/received.jsonl" | sort -u; }
export -f status_of nothing_pending delivered_ids
export W

org_and_nodes hq:hub b1
SPORT=$(free_port); HPORT=$(free_port)
HUB_EP="tcp://127.0.0.1:$SPORT"
start hq --listen "$HUB_EP" --http "$HPORT" --webhook-timeout 2 || exit 1
start b1 --upstream "$HUB_EP" --upstream-key "$(pub hq)" || exit 1
start_receiver || exit 1
HQ_ORIGIN=$("$CTL" --json node show --data "$W/hq" | jq -r .origin)
B1_ORIGIN=$("$CTL" --json node show --data "$W/b1" | jq -r .origin)

# ---- bad input ----
refused() { # why, args...
    local why=$1; shift
    "$CTL" webhook add --data "$W/hq" "$@" > /dev/null 2> "$W/err"; local rc=$?
    check "refused: $why (exit $rc: $(head -c 160 "$W/err"))" [ "$rc" = 1 ]
}
refused "an ftp:// URL" --url "ftp://127.0.0.1:$RPORT/a" --events '*'
refused "a file:// URL" --url "file:///etc/passwd" --events '*'
refused "the node's own --http port" --url "http://127.0.0.1:$HPORT/api/node/create" --events '*'
refused "the node's own --http port named localhost" --url "http://localhost:$HPORT/" --events '*'
refused "the node's own sync --listen port" --url "http://127.0.0.1:$SPORT/" --events '*'
refused "the node's own --http port as a decimal IPv4 address" --url "http://2130706433:$HPORT/" --events '*'
MACHINE_V4=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' | grep -v '^127\.' | head -1)
if [ -n "$MACHINE_V4" ]; then
    refused "the node's own --http port at this machine's address, IPv4-mapped" --url "http://[::ffff:$MACHINE_V4]:$HPORT/" --events '*'
else
    skip "this machine has no IPv4 address but loopback ones"
fi
refused "an event that does not exist" --url "http://127.0.0.1:$RPORT/a" --events 'customer.*,deal.flew'
refused "a secret too short" --url "http://127.0.0.1:$RPORT/a" --events '*' --secret <<< short
refused "a secret on the command line, where ps shows it to every user" --url "http://127.0.0.1:$RPORT/a" \
    --events '*' --secret "$SA" < /dev/null
check "... and none of them was kept" bash -c "[ \"\$('$CTL' --json webhook list --data '$W/hq' | jq '.webhooks | length')\" = 0 ]"
check "adding a webhook needs the running node" bash -c "! '$CTL' webhook add --data '$W/nowhere' --url http://127.0.0.1:1/ --events '*' 2>/dev/null"

# ---- two hooks, and one with a secret made for it ----
"$CTL" --json webhook add --data "$W/hq" --url "http://127.0.0.1:$RPORT/a" --events 'customer.*,deal.won' \
    --secret <<< "$SA" > "$W/a.json"
HA=$(jq -r .id "$W/a.json")
HB=$("$CTL" --json webhook add --data "$W/hq" --url "http://127.0.0.1:$RPORT/b" --events '*' --secret <<< "$SB" | jq -r .id)
"$CTL" webhook add --data "$W/hq" --url "http://127.0.0.1:$RPORT/c" --events 'task.done' > "$W/c.txt"
HC=$(sed -n 's/^webhook \([0-9]*\):.*/\1/p' "$W/c.txt")
check "webhook add prints the id and a made secret once (64 hex digits)" grep -Eq '^secret: [0-9a-f]{64}$' "$W/c.txt"
check "webhook list shows three, and never a secret" bash -c "'$CTL' webhook list --data '$W/hq' > '$W/list.txt' &&
    [ \$(grep -c 'http://127.0.0.1:$RPORT/' '$W/list.txt') = 3 ] && ! grep -q '$SA' '$W/list.txt' &&
    ! '$CTL' --json webhook list --data '$W/hq' | grep -q secret"
"$CTL" webhook remove --data "$W/hq" "$HC" > /dev/null
check "webhook remove: gone from the list" bash -c "[ \"\$('$CTL' --json webhook list --data '$W/hq' | jq '[.webhooks[].id] | sort')\" = \"\$(jq -n --argjson a $HA --argjson b $HB '[\$a, \$b] | sort')\" ]"
check "webhook remove of an unknown id is refused" bash -c "! '$CTL' webhook remove --data '$W/hq' 999 2>/dev/null"

# ---- changes at the hub and at the branch ----
for i in 1 2 3 4 5 6; do at hq customer add --name "HQ customer $i" > /dev/null; done
C=$(at hq customer add --name "Deal customer")
D=$(at hq deal add --customer "$C" --title "Big order")
at hq deal move "$D" Won > /dev/null
for i in 1 2 3 4; do at b1 customer add --name "B1 customer $i" > /dev/null; done
hub_has_b1() { [ "$("$CTL" --json sync status --data "$W/hq" >/dev/null; ACCORD_DATA="$W/hq" "$ACCORD" --json customer list | jq '[.[] | select(.name | startswith("B1 customer"))] | length' 2>/dev/null)" = 4 ]; }
check "the branch's four changes reach the hub" wait_until 30 hub_has_b1
check "every change is delivered to both hooks (nothing pending)" wait_until 60 nothing_pending
# the hub's changes: 7 customers, the deal and its move (hq 1..9); b1's four customers
seq 1 9 | sed "s/^/$HQ_ORIGIN:/" > "$W/hq.ids"; seq 1 4 | sed "s/^/$B1_ORIGIN:/" > "$W/b1.ids"
sort "$W/hq.ids" "$W/b1.ids" > "$W/all.ids"
check "hook '*' got exactly the hub's 13 changes, its own and the branch's, each answered 2xx" \
    bash -c "diff <(delivered_ids /b) '$W/all.ids'"
grep -v ":8\$" "$W/all.ids" > "$W/a.ids" # all but the deal's creation
check "hook 'customer.*,deal.won' got the customers and the deal's move, nothing else" \
    bash -c "diff <(delivered_ids /a) '$W/a.ids'"
check "the deal's move came to hook a as deal.won, to hook b as deal.updated" bash -c "
    jq -e -s --arg id '$HQ_ORIGIN:9' '[.[] | select(.change == \$id and .status == 200)] |
        (map(select(.path == \"/a\"))[0].event == \"deal.won\") and (map(select(.path == \"/b\"))[0].event == \"deal.updated\")' \
        '$W/received.jsonl' >/dev/null"
check "a replicated change's body names its origin, kind, event, fields and time" bash -c "
    jq -e -s --arg id '$B1_ORIGIN:1' '[.[] | select(.change == \$id)][0].doc | .origin == \"$B1_ORIGIN\" and .kind == \"customer\" and
        .event == \"customer.created\" and .set.name == \"B1 customer 1\" and (.time | test(\"^20[0-9-]+T[0-9:.]+Z\$\"))' \
        '$W/received.jsonl' >/dev/null"
check "every request carried a good signature" bash -c "jq -e -s 'all(.sig_ok)' '$W/received.jsonl' >/dev/null"
check "the receiver failed some (500) and each was sent again" bash -c "
    [ \$(jq -s '[.[] | select(.status == 500)] | length' '$W/received.jsonl') -ge 4 ]"
check "the slow answer timed out and was sent again" bash -c "
    '$CTL' --json webhook log --data '$W/hq' --limit 0 | jq -e '[.deliveries[] | select(.outcome == \"retry\" and (.error | test(\"imeout\")))] | length >= 1' >/dev/null"
check "once per change per hook: delivered counts are the changes' (13 and 12), none failed" bash -c "
    [ \"\$(status_of $HA delivered) \$(status_of $HA failed) \$(status_of $HB delivered) \$(status_of $HB failed)\" = '12 0 13 0' ]"
check "webhook status shows the last error and when it was delivered" bash -c "
    [ \"\$(status_of $HB last_error)\" != '' ] && [ \"\$(status_of $HB last_delivered)\" != null ]"
check "webhook log --hook ID --limit N: N of that hook's attempts, newest first" bash -c "
    '$CTL' --json webhook log --data '$W/hq' --hook $HA --limit 3 | jq -e '(.deliveries | length == 3) and all(.deliveries[]; .hook == $HA) and
        (.deliveries[0].seq > .deliveries[1].seq)' >/dev/null"
check "webhook log as a table" bash -c "'$CTL' webhook log --data '$W/hq' --limit 5 | grep -q delivered"

# ---- kill -9 with deliveries pending ----
stop_receiver
for i in 1 2 3 4 5; do at hq customer add --name "While down $i" > /dev/null; done
check "with the receiver down, the five new changes are pending at both hooks" bash -c "
    [ \"\$(status_of $HA pending)\" = 5 ] && [ \"\$(status_of $HB pending)\" = 5 ]"
crash hq
start hq --listen "$HUB_EP" --http "$HPORT" --webhook-timeout 2 || exit 1
start_receiver "$RPORT" || exit 1
check "after kill -9 and a restart, the pending changes are delivered" wait_until 90 nothing_pending
seq 10 14 | sed "s/^/$HQ_ORIGIN:/" >> "$W/all.ids"; sort -o "$W/all.ids" "$W/all.ids"
seq 10 14 | sed "s/^/$HQ_ORIGIN:/" >> "$W/a.ids"; sort -o "$W/a.ids" "$W/a.ids"
check "... every change at least once, and the set of ids exactly the changes (hook b)" bash -c "diff <(delivered_ids /b) '$W/all.ids'"
check "... and hook a" bash -c "diff <(delivered_ids /a) '$W/a.ids'"

# ---- this node itself, found only at delivery: a name that resolves to a loopback address ----
SELF_NAME=$(hostname)
if getent ahostsv4 "$SELF_NAME" 2>/dev/null | grep -q '^127\.'; then
    HS=$("$CTL" --json webhook add --data "$W/hq" --url "http://$SELF_NAME:$HPORT/api/node/create" --events 'customer.*' | jq -r .id)
    at hq customer add --name "To itself" > /dev/null
    check "a name that resolves to this node's own port is refused at delivery" wait_until 20 bash -c "
        '$CTL' --json webhook log --data '$W/hq' --hook $HS | jq -e '.deliveries[0].error | test(\"this node itself\")' >/dev/null"
else
    skip "this machine's name ($SELF_NAME) does not resolve to a loopback address"
fi
sanitizer_check
stop_all
echo "# webhook_test done: $n checks"
