#!/usr/bin/env bash
# Backup, restore and rejoin with real nodes: a branch is restored from a backup older than
# what the hub holds of its feed; it refuses changes until it has fetched its own newest
# records from the hub, then writes on without forking. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-rejoin-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }

org_and_nodes hub:hub b1 b2
HUB_EP="tcp://127.0.0.1:$(free_port)"
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

# b2 is restored while the line to the hub is down, and the operator cannot wait: a new epoch
"$CTL" backup --data "$W/b2" "$W/b2-backup" >/dev/null
start hub --listen "$HUB_EP" || exit 1
start b2 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
LATE2=$(at b2 customer add --name "B2 After Its Backup")
check "the hub holds b2's change made after its backup" wait_until 20 bash -c "[ '$(digest b2)' = \"\$('$CTL' --json digest --data '$W/hub' | jq -r .digest)\" ]"
stop b2; stop hub
mv "$W/b2" "$W/b2-lost"
"$CTL" restore --data "$W/b2" "$W/b2-backup" >/dev/null
"$CTL" epoch new --data "$W/b1" >/dev/null 2>&1
check "a new epoch on a node that is not restored needs --force" [ $? = 1 ]
start b2 || exit 1
"$CTL" epoch new --data "$W/b2" >/dev/null 2>&1
check "a new epoch is refused while the node runs" [ $? = 4 ]
stop b2
OLD_PUB=$(pub b2)
"$CTL" --json epoch new --data "$W/b2" > "$W/epoch.json"
NEW_PUB=$(jq -r .public_key "$W/epoch.json")
check "epoch new gives b2 a new key and keeps the old one" bash -c "[ -n '$NEW_PUB' ] && [ '$NEW_PUB' != '$OLD_PUB' ] && [ '$(pub b2)' = '$NEW_PUB' ] && ls '$W'/b2/node.key.* >/dev/null"
start b2 || exit 1
check "offline, the restored branch accepts changes in its new epoch" bash -c "ACCORD_DATA='$W/b2' '$ACCORD' customer add --name 'Offline New Epoch' > '$W/ne.id'"
NE=$(cat "$W/ne.id")
stop b2
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$NEW_PUB" --name b2 --role branch --region test >/dev/null
start hub --listen "$HUB_EP" || exit 1
for b in b1 b2; do start "$b" --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1; done
check "its new-epoch change reaches b1" wait_until 20 at b1 customer show "$NE"
check "it gets its old feed's newer change from the hub like any other feed" wait_until 20 at b2 customer show "$LATE2"
check "no fork anywhere" bash -c "'$CTL' --json sync status --data '$W/hub' | jq -e '(.quarantined | length == 0) and ([.refusals[] | select(.code == \"EFORK\")] | length == 0)' >/dev/null"
check "hub, b1 and b2 end with equal state" wait_until 20 bash -c "[ \"\$('$CTL' --json digest --data '$W/hub' | jq -r .digest)\" = \"\$('$CTL' --json digest --data '$W/b2' | jq -r .digest)\" ] && [ \"\$('$CTL' --json digest --data '$W/b1' | jq -r .digest)\" = \"\$('$CTL' --json digest --data '$W/b2' | jq -r .digest)\" ]"
check "check on b2 passes with both its feeds" "$CTL" check --data "$W/b2"
for x in hub b1 b2; do stop "$x"; done
sanitizer_check
echo "# rejoin done: $n checks"
