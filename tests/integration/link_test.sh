#!/usr/bin/env bash
# The replication link against a hostile but enrolled peer (tests/tools/accord_peer.c): a
# released quarantine takes effect on the running hub, ACKs for batches never sent do not
# widen a peer's window, floods of malformed frames are logged at a bounded rate, and a
# branch's key that claims the hub role in its HELLO is refused. A hub and a branch on
# 127.0.0.1 (free ports), killed by pid at the end. TAP-style lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-link-XXXXXX)
. tests/integration/lib.sh
same_digests() { local a; a=$(digest "$1"); [ ${#a} = 64 ] && [ "$(digest "$2")" = "$a" ]; }

org_and_nodes hub:hub b1 mallory
# mallory: an enrolled branch that turns hostile; it writes three records (three commits) first
start mallory || exit 1
for i in 1 2 3; do ACCORD_DATA="$W/mallory" "$ACCORD" customer add --name "Mallory $i" >/dev/null; done
stop mallory
MALLORY=$("$CTL" --json node show --data "$W/mallory" | jq -r .origin)

HUB_EP="tcp://127.0.0.1:$(free_port)"
HUB_KEY=$(pub hub)
# batches of 256 records at the hub (ACCORD_TEST_BATCH_RECORDS): 6,000 records fill the
# credit window of 16 below, which batches of 4,096 would need 70,000 for
ACCORD_TEST_BATCH_RECORDS=256 start hub --listen "$HUB_EP" || exit 1
start b1 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
hostile() { "$PEER" "$HUB_EP" "$HUB_KEY" "$W/mallory" "$@" 2>>"$W/peer.log"; }
HUB_PID=${pid[hub]}

# a quarantine released on the running hub: the feed is taken and forwarded again at once
check "record 1 of mallory's feed applies at the hub" [ "$(hostile first)" = OK ]
check "and reaches b1" wait_until 15 same_digests hub b1
check "a second, signed record 1 is refused as a fork" [ "$(hostile fork)" = EFORK ]
check "the hub quarantines mallory's feed" bash -c "'$CTL' --json sync status --data '$W/hub' | jq -e '.quarantined[0].feed == \"$MALLORY\"' >/dev/null"
out=$("$CTL" sync release --data "$W/hub" --feed "$MALLORY")
check "sync release says the running node took the feed again ($out)" bash -c '[[ $1 == *"the running node takes it again now"* ]]' _ "$out"
check "the quarantine is gone from sync status" bash -c "'$CTL' --json sync status --data '$W/hub' | jq -e '.quarantined | length == 0' >/dev/null"
check "mallory's next records apply at the hub" [ "$(hostile rest)" = OK ]
check "and are forwarded to b1 without a restart of the hub" wait_until 15 same_digests hub b1
check "the hub is the process started before the release" [ "${pid[hub]}" = "$HUB_PID" ]

# credit: only an ACK that answers a batch in flight returns one
"$LOAD" "$W/b1" create 6000 credit > /dev/null
check "6,000 changes of b1 reach the hub" wait_until 60 bash -c "[ \"\$(peer_field b1 upstream lag_records)\" = 0 ]"
r=$(hostile acks)
check "a peer that answers no batch gets PEER_CREDIT (16) batches; 300 bogus or duplicate ACKs and one genuine return one ($r)" [ "$r" = "16 1" ]
check "the hub counts the 300 ACKs it ignored" [ "$(peer_field hub mallory ignored_acks)" = 300 ]
lines=$(grep -c "ACK" "$W/hub.log")
check "and logs them in a bounded number of lines ($lines)" [ "$lines" -le 12 ]

# a flood of malformed frames, before and after a HELLO: a bounded number of log lines
before=$(wc -l < "$W/hub.log")
g=$(hostile garbage=10000)
after=$(wc -l < "$W/hub.log")
echo "# $((after - before)) hub log lines for 20,000 malformed frames"
check "the hub read the 20,000 malformed frames ($g)" [ "$g" = "sent 20000" ]
[ "$g" = "sent 20000" ] || tail -3 "$W/peer.log" | sed 's/^/# /'
check "and wrote at most 30 log lines for them" [ $((after - before)) -le 30 ]
check "a line says how many similar messages were suppressed, once the window is over" \
    wait_until 15 grep -q "suppressed [0-9]* similar messages" "$W/hub.log"
check "b1 is still in session with the hub" [ "$(peer_field hub b1 state)" = LIVE ]

# HELLO roles: a branch's key may not claim the hub role, and no role but hub and branch exists
r=$(hostile role=hub)
check "a branch's key saying role hub in its HELLO is refused with an ERROR ($r)" bash -c '[[ $1 == "EINVAL "*"enrolled as a branch"* ]]' _ "$r"
r=$(hostile role=root)
check "a HELLO naming no known role is refused ($r)" bash -c '[[ $1 == "EPROTO "*hub*branch* ]]' _ "$r"
check "the same key saying role branch is admitted" [ "$(hostile role=branch)" = HELLO ]
check "the hub logs the refused HELLO" grep -q "refused the HELLO of mallory" "$W/hub.log"

stop_all
sanitizer_check
echo "# link done: $n checks"
