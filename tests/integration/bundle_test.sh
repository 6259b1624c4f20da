#!/usr/bin/env bash
# Bundles, with real nodes and files: changes made at a branch travel to the hub and on to
# another branch by file only; importing twice changes nothing; a truncated, altered or
# wrongly addressed bundle, or one for a revoked node, is refused with nothing applied; a
# bundle imported into a running hub is forwarded to its connected branches. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-bundle-XXXXXX)
. tests/integration/lib.sh

ORG=$("$CTL" --json org init --out "$W/org.key" | jq -r .org_public_key)
"$CTL" node init --data "$W/hub" --name hq --role hub --org-pub "$ORG" >/dev/null
for b in b1 b2 b3; do "$CTL" node init --data "$W/$b" --name "$b" --org-pub "$ORG" >/dev/null; done
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub hub)" --name hq --role hub >/dev/null
for b in b1 b2 b3; do
    "$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub $b)" --name "$b" --role branch >/dev/null
done

# the branches need the roster before they can verify anything: the hub's first bundle carries it
"$CTL" bundle export --data "$W/hub" --to "$(pub b1)" --out "$W/hub-to-b1.bundle" >/dev/null
check "a bundle with only the roster imports at b1" bash -c "'$CTL' bundle import --data '$W/b1' '$W/hub-to-b1.bundle' >/dev/null"
check "b1 now holds the roster" bash -c "[ \$('$CTL' --json roster --data '$W/b1' | jq length) = 4 ]"

start b1 || exit 1
for i in $(seq 1 40); do ACCORD_DATA="$W/b1" "$ACCORD" customer add --name "Offline Customer $i" --phone "0912000$(printf %04d $i)" >/dev/null; done
C1=$(ACCORD_DATA="$W/b1" "$ACCORD" customer add --name "Edited Later")
ACCORD_DATA="$W/b1" "$ACCORD" customer edit "$C1" --city Tabriz >/dev/null
stop b1

"$CTL" bundle vector --data "$W/hub" > "$W/hub.vector"
out=$("$CTL" --json bundle export --data "$W/b1" --to "$(pub hub)" --since "$W/hub.vector" --out "$W/b1-to-hub.bundle")
check "b1 exports its 42 changes for the hub" [ "$(echo "$out" | jq .records)" = 42 ]
check "the bundle file holds no plain text" bash -c "! grep -q 'Offline Customer' '$W/b1-to-hub.bundle'"

d0=$(digest hub)
cp "$W/b1-to-hub.bundle" "$W/cut.bundle"; truncate -s -100 "$W/cut.bundle"
"$CTL" bundle import --data "$W/hub" "$W/cut.bundle" 2>"$W/err"; rc=$?
check "a truncated bundle is refused (exit 2) and says so" bash -c "[ $rc = 2 ] && grep -q 'truncated' '$W/err'"
cp "$W/b1-to-hub.bundle" "$W/flip.bundle"
size=$(stat -c %s "$W/flip.bundle")
# one bit flipped (a byte overwritten with a fixed value may already hold it)
byte=$(od -An -tu1 -j $((size / 2)) -N1 "$W/flip.bundle" | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 1)))" | dd of="$W/flip.bundle" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
check "the altered copy differs from the bundle" bash -c "! cmp -s '$W/flip.bundle' '$W/b1-to-hub.bundle'"
"$CTL" bundle import --data "$W/hub" "$W/flip.bundle" 2>"$W/err"; rc=$?
check "an altered bundle is refused and says so" bash -c "[ $rc = 2 ] && grep -q 'altered' '$W/err'"
"$CTL" bundle import --data "$W/b2" "$W/b1-to-hub.bundle" 2>"$W/err"; rc=$?
check "a bundle for another node is refused and says so" bash -c "[ $rc = 2 ] && grep -q 'addressed to another node' '$W/err'"
check "none of them changed the hub" [ "$(digest hub)" = "$d0" ]

out=$("$CTL" --json bundle import --data "$W/hub" "$W/b1-to-hub.bundle")
check "the hub imports b1's bundle: 42 records" [ "$(echo "$out" | jq .records_applied)" = 42 ]
d1=$(digest hub)
out=$("$CTL" --json bundle import --data "$W/hub" "$W/b1-to-hub.bundle")
check "importing it twice changes nothing" bash -c "[ '$(echo "$out" | jq .records_applied)' = 0 ] && [ '$(digest hub)' = '$d1' ]"
check "the hub and b1 hold the same state" [ "$(digest b1)" = "$d1" ]

# on to b2, which has never been online: the hub's bundle carries the roster and b1's feed
"$CTL" bundle export --data "$W/hub" --to "$(pub b2)" --out "$W/hub-to-b2.bundle" >/dev/null
check "b2 imports the hub's bundle" bash -c "'$CTL' bundle import --data '$W/b2' '$W/hub-to-b2.bundle' >/dev/null"
check "b2 ends with the same state as the hub" [ "$(digest b2)" = "$d1" ]

# a revoked node gets no bundle
"$CTL" revoke --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub b3)" >/dev/null
"$CTL" bundle export --data "$W/hub" --to "$(pub b3)" --out "$W/b3.bundle" 2>"$W/err"; rc=$?
check "no bundle is made for a revoked node" bash -c "[ $rc = 2 ] && [ ! -e '$W/b3.bundle' ] && grep -q revoked '$W/err'"

# a bundle imported into a running hub reaches a connected branch through replication
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start hub --listen "tcp://127.0.0.1:$PORT" || exit 1
start b2 --upstream "tcp://127.0.0.1:$PORT" --upstream-key "$(pub hub)" || exit 1
start b1 || exit 1
C2=$(ACCORD_DATA="$W/b1" "$ACCORD" customer add --name "Sent By File")
stop b1
"$CTL" bundle vector --data "$W/hub" > "$W/hub.vector"
"$CTL" bundle export --data "$W/b1" --to "$(pub hub)" --since "$W/hub.vector" --out "$W/late.bundle" >/dev/null
out=$("$CTL" --json bundle import --data "$W/hub" "$W/late.bundle")
check "a running hub imports a bundle and is told" bash -c "[ '$(echo "$out" | jq .records_applied)' = 1 ] && [ '$(echo "$out" | jq .node_told)' = true ]"
"$CTL" bundle import --data "$W/hub" "$W/cut.bundle" 2>"$W/err"; rc=$?
check "a running hub checks the file itself and refuses a truncated one (exit 2)" bash -c "[ $rc = 2 ] && grep -q 'truncated' '$W/err'"
check "no second writer: the running hub applied the bundle itself (its log says so)" grep -q "bundle $(realpath "$W/late.bundle"): 1 records applied" "$W/hub.log"
check "the hub forwards it to the connected b2" wait_until 15 bash -c "ACCORD_DATA='$W/b2' '$ACCORD' customer show '$C2'"
for x in hub b2; do stop "$x"; done
sanitizer_check
echo "# bundle done: $n checks"
