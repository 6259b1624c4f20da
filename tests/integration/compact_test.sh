#!/usr/bin/env bash
# Compaction with real nodes: nothing is purged while an enrolled node has not caught up;
# behind the horizon deleted customers become graves and old feed records go; nodes that
# did not compact still compare equal; a new branch starts from the hub's signed snapshot
# plus the feeds after it, and a tampered or branch-signed snapshot is refused. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-compact-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }
equal_digests() { local a; a=$(digest "$1"); shift; for x in "$@"; do [ "$(digest "$x")" = "$a" ] || return 1; done; }
compact_json() { "$CTL" --json compact --data "$W/hub" "$@"; }
jqt() { jq -e "$@" >/dev/null; } # a jq test on a file, quiet

org_and_nodes hub:hub b1 b2 late
HUB_EP="tcp://127.0.0.1:$(free_port)"
HUB_KEY=$(pub hub)
start hub --listen "$HUB_EP" || exit 1
for b in b1 b2; do start "$b" --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1; done

for i in $(seq 1 30); do at b1 customer add --name "Customer $i" --phone "+98 912 000 $((1000 + i))" >> "$W/ids"; done
for i in $(seq 1 10); do at b2 customer add --name "Shiraz $i" >> "$W/ids2"; done
for id in $(head -20 "$W/ids"); do at b1 customer edit "$id" --city Tehran >/dev/null; done
for id in $(sed -n 21,25p "$W/ids"); do at b1 customer delete "$id" >/dev/null; done
at b2 customer delete "$(head -1 "$W/ids2")" >/dev/null
check "hub, b1 and b2 converge" wait_until 20 equal_digests hub b1 b2

compact_json > "$W/c1.json"
check "with 'late' enrolled and never seen, nothing is purged" jqt '.dry_run == false and .records_purged == 0 and .tombstones_purged == 0' "$W/c1.json"
check "the report names the node holding the horizon back" jqt '[.feeds[] | select(.held_back_by | split(", ") | index("late"))] | length > 0' "$W/c1.json"

"$CTL" revoke --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub late)" >/dev/null
check "once 'late' is revoked and the branches' vectors are kept, 6 tombstones lie behind the horizon" \
    wait_until 20 bash -c "'$CTL' --json compact --dry-run --data '$W/hub' | jq -e '.tombstones_purged == 6 and .records_purged > 0' >/dev/null"
compact_json > "$W/c2.json"
check "compact purges the 6 tombstones and the feed records behind the horizon" \
    jqt '.dry_run == false and .tombstones_purged == 6 and .records_purged >= 60 and .feeds_cut == 2' "$W/c2.json"
check "it reports the space it freed and the snapshot it wrote" \
    jqt '.freed_bytes > 0 and .snapshot.rows > 0 and .node_told == true' "$W/c2.json"
check "the snapshot's signature verifies" "$CTL" snapshot show "$W/hub/snapshot.acs"
check "the compacted hub and the branches that did not compact still have equal digests" equal_digests hub b1 b2
DEAD=$(sed -n 21p "$W/ids"); LIVE=$(sed -n 1p "$W/ids")
check "a deleted customer is gone at the hub, a live one is there" \
    bash -c "! ACCORD_DATA='$W/hub' '$ACCORD' customer show $DEAD >/dev/null 2>&1 && ACCORD_DATA='$W/hub' '$ACCORD' customer show $LIVE >/dev/null"
check "check on the compacted hub re-derives its state from the snapshot and the rest of the feeds" \
    "$CTL" check --data "$W/hub"
check "a second compact finds nothing more to purge" bash -c "compact() { '$CTL' --json compact --data '$W/hub'; }; compact | jq -e '.tombstones_purged == 0 and .records_purged == 0' >/dev/null"

at b1 customer edit "$(sed -n 2p "$W/ids")" --city Isfahan >/dev/null
NEW=$(at b2 customer add --name "After Compaction")
check "changes made after compaction still flow through the hub" wait_until 20 equal_digests hub b1 b2

# a new branch with nothing starts from the hub's snapshot on its own, then takes the rest
"$CTL" node init --data "$W/fresh" --name fresh --org-pub "$ORG" >/dev/null
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub fresh)" --name fresh --role branch >/dev/null
start fresh --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "an empty branch is sent the hub's snapshot and installs it" wait_until 30 grep -q "started from the hub's snapshot" "$W/fresh.log"
check "it then catches up with the feeds after the snapshot" wait_until 30 equal_digests hub b1 b2 fresh
check "check on it passes (state re-derived from the snapshot it got)" "$CTL" check --data "$W/fresh"
FRESH_NEW=$(at fresh customer add --name "Written At Fresh")
check "its own changes reach b1" wait_until 20 at b1 customer show "$FRESH_NEW"

# a new branch that wrote before its first sync holds data: it is told what to do instead
"$CTL" node init --data "$W/stale" --name stale --org-pub "$ORG" >/dev/null
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub stale)" --name stale --role branch >/dev/null
start stale || exit 1
OFFLINE_FIRST=$(at stale customer add --name "Offline First")
stop stale
start stale --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "a branch holding data but lacking compacted records is told (EPURGED) how to start again" \
    wait_until 20 bash -c "grep -q 'EPURGED' '$W/stale.log' && grep -q 'snapshot install' '$W/stale.log'"
check "its own changes still reach the hub: nothing it wrote is lost" \
    wait_until 20 bash -c "ACCORD_DATA='$W/hub' '$ACCORD' customer show $OFFLINE_FIRST >/dev/null"
check "snapshot install --replace refuses while the node runs" \
    bash -c "! '$CTL' snapshot install --replace --data '$W/stale' '$W/hub/snapshot.acs' 2>/dev/null"
stop stale
"$CTL" snapshot install --replace --data "$W/stale" "$W/hub/snapshot.acs" >/dev/null 2>"$W/err"; rc=$?
check "a snapshot older than what the node holds is refused (its own changes would be lost) and says what to do" \
    bash -c "[ $rc = 4 ] && grep -q 'accordctl compact' '$W/err'"
"$CTL" compact --data "$W/hub" >/dev/null
check "with a newer snapshot from the hub, --replace starts the node again" \
    "$CTL" snapshot install --replace --data "$W/stale" "$W/hub/snapshot.acs"
start stale --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "it holds its own change and catches up with everyone, with no EPURGED" \
    wait_until 30 bash -c "ACCORD_DATA='$W/stale' '$ACCORD' customer show $OFFLINE_FIRST >/dev/null && [ \"\$(digest stale)\" = \"\$(digest hub)\" ]"
AFTER=$(at stale customer add --name "After The Replace")
check "its feed goes on from the snapshot: a new change reaches the hub" wait_until 20 bash -c "ACCORD_DATA='$W/hub' '$ACCORD' customer show $AFTER >/dev/null"
check "check passes on it" "$CTL" check --data "$W/stale"
stop stale

"$CTL" node init --data "$W/b3" --name b3 --org-pub "$ORG" >/dev/null
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub b3)" --name b3 --role branch >/dev/null
cp "$W/hub/snapshot.acs" "$W/tampered.acs"
python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=1; open(p,'wb').write(b)" "$W/tampered.acs"
"$CTL" snapshot install --data "$W/b3" "$W/tampered.acs" >/dev/null 2>"$W/err"; rc=$?
check "a tampered snapshot is refused (exit 2) and says so" bash -c "[ $rc = 2 ] && grep -q 'signature does not verify' '$W/err'"
check "and leaves the node empty" bash -c "'$CTL' --json horizon --data '$W/b3' | jq -e '.feeds | length == 0' >/dev/null"
"$CTL" compact --data "$W/b1" >/dev/null 2>&1
"$CTL" snapshot install --data "$W/b3" "$W/b1/snapshot.acs" >/dev/null 2>"$W/err"; rc=$?
check "a snapshot signed by a branch is refused" bash -c "[ $rc = 2 ] && grep -q 'not signed by an enrolled hub' '$W/err'"
"$CTL" --json snapshot install --data "$W/b3" "$W/hub/snapshot.acs" > "$W/inst.json"
check "the hub's snapshot installs on the empty branch" jqt '.rows > 0' "$W/inst.json"
start b3 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "b3 catches up from the snapshot plus the feeds after it" wait_until 30 equal_digests hub b1 b2 b3
check "b3 lists the same customers as b1" bash -c "[ \"\$(ACCORD_DATA='$W/b3' '$ACCORD' --json customer list | jq -c 'sort_by(.id)')\" = \"\$(ACCORD_DATA='$W/b1' '$ACCORD' --json customer list | jq -c 'sort_by(.id)')\" ]"
check "b3 holds fewer records than were ever written" bash -c "[ \$('$CTL' --json check --data '$W/b3' | jq .records) -lt \$('$CTL' --json check --data '$W/b1' | jq .records) ]"
check "check on b3 passes" "$CTL" check --data "$W/b3"
B3_NEW=$(at b3 customer add --name "Written At B3")
check "b3's own changes reach b1" wait_until 20 at b1 customer show "$B3_NEW"
"$CTL" snapshot install --data "$W/b3" "$W/hub/snapshot.acs" >/dev/null 2>&1; rc=$?
check "a snapshot is not installed over a node that holds data" [ $rc = 4 ]

stop hub
"$CTL" check --data "$W/hub" --repair >/dev/null 2>&1
check "repair on the compacted hub rebuilds from the snapshot, and check passes after it" "$CTL" check --data "$W/hub"
stop_all
sanitizer_check
echo "# compact done: $n checks"
