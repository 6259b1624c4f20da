#!/usr/bin/env bash
# Backup, restore and rejoin with real nodes: a branch is restored from a backup older than
# what the hub holds of its feed; it refuses changes until it has fetched its own newest
# records from the hub, then writes on without forking. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
ACCORD="$BUILD/accord"; CTL="$BUILD/accordctl"; NODE="$BUILD/accord-node"
W=$(mktemp -d /tmp/accord-rejoin-XXXXXX)
n=0
declare -A pid
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { local desc=$1; shift; if "$@"; then ok "$desc"; else nok "$desc"; fi; }
cleanup() { for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT
pub() { "$CTL" --json node show --data "$W/$1" | jq -r .public_key; }
start() {
    local name=$1; shift
    "$NODE" --data "$W/$name" "$@" 2>>"$W/$name.log" &
    pid[$name]=$!
    for _ in $(seq 100); do [ -S "$W/$name/accord.sock" ] && return 0; sleep 0.05; done
    echo "# $name did not start"; cat "$W/$name.log"; return 1
}
stop() { kill "${pid[$1]}" 2>/dev/null; wait "${pid[$1]}" 2>/dev/null; unset "pid[$1]"; }
digest() { "$CTL" --json digest --data "$W/$1" | jq -r .digest; }
wait_until() {
    local end=$((SECONDS + $1)); shift
    while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }

ORG=$("$CTL" --json org init --out "$W/org.key" | jq -r .org_public_key)
"$CTL" node init --data "$W/hub" --name hq --role hub --org-pub "$ORG" >/dev/null
for b in b1 b2; do "$CTL" node init --data "$W/$b" --name "$b" --org-pub "$ORG" >/dev/null; done
for x in hub b1 b2; do
    role=branch; [ $x = hub ] && role=hub
    "$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub $x)" --name "$x" --role $role >/dev/null
done
HUB_EP="tcp://127.0.0.1:$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
HUB_KEY=$(pub hub)
start hub --listen "$HUB_EP" || exit 1
for b in b1 b2; do start "$b" --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1; done

for i in 1 2 3 4 5; do at b1 customer add --name "Before Backup $i" >/dev/null; done
"$CTL" backup --data "$W/b1" "$W/b1-backup" >/dev/null
check "a backup of the running branch is made" test -f "$W/b1-backup/data.mdb"
LATE=$(at b1 customer add --name "After The Backup")
at b1 customer edit "$LATE" --city Qom >/dev/null
check "the hub holds b1's changes made after the backup" wait_until 15 bash -c "[ '$(digest b1)' = \"\$('$CTL' --json digest --data '$W/hub' | jq -r .digest)\" ]"
stop b1
mv "$W/b1" "$W/b1-lost"

"$CTL" restore --data "$W/b1" "$W/b1-backup" > "$W/restore.out" 2>&1
check "accordctl restore puts the backup back and says the node must rejoin" grep -q "fetched its own newest" "$W/restore.out"
"$CTL" restore --data "$W/b1" "$W/b1-backup" >/dev/null 2>&1
check "restore refuses to overwrite an existing node directory" [ $? = 1 ]
start b1 || exit 1
at b1 customer add --name "Too Early" >/dev/null 2>"$W/err"; rc=$?
check "offline, the restored branch refuses changes and says why" bash -c "[ $rc = 2 ] && grep -q 'restored from a backup' '$W/err'"
check "it still answers reads" bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json customer list | jq -e 'length == 5' >/dev/null"
stop b1

start b1 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "connected, it fetches its own newest records from the hub" wait_until 20 at b1 customer show "$LATE"
check "then it accepts changes again" wait_until 20 bash -c "ACCORD_DATA='$W/b1' '$ACCORD' customer add --name 'After Rejoin' > '$W/new.id'"
NEW=$(cat "$W/new.id")
check "its new change reaches b2" wait_until 20 at b2 customer show "$NEW"
check "the hub refused nothing of b1 and quarantined nothing" bash -c "'$CTL' --json sync status --data '$W/hub' | jq -e '(.quarantined | length == 0) and ([.refusals[] | select(.code == \"EFORK\")] | length == 0)' >/dev/null"
check "b1's log says it rejoined" grep -q "rejoined" "$W/b1.log"
check "hub, b1 and b2 end with equal state" wait_until 20 bash -c "[ \"\$('$CTL' --json digest --data '$W/hub' | jq -r .digest)\" = \"\$('$CTL' --json digest --data '$W/b1' | jq -r .digest)\" ] && [ \"\$('$CTL' --json digest --data '$W/b1' | jq -r .digest)\" = \"\$('$CTL' --json digest --data '$W/b2' | jq -r .digest)\" ]"
check "b1's feed verifies end to end" bash -c "'$CTL' feed verify --data '$W/b1' >/dev/null"
for x in hub b1 b2; do stop "$x"; done
if grep -q "ERROR: AddressSanitizer\|runtime error" "$W"/*.log 2>/dev/null; then nok "no sanitizer reports"; else ok "no sanitizer reports"; fi
echo "# rejoin done: $n checks"
