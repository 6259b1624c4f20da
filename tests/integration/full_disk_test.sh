#!/usr/bin/env bash
# A full disk during backup, export and bundle export: each tool says so, leaves no partial
# file behind, and the node and its data are untouched. Needs a small tmpfs (root); without
# one the test says it was skipped and fails nothing. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-full-XXXXXX)
. tests/integration/lib.sh
export ACCORD_DATA="$W/n1" ACCORD_USER=sara
mkdir -p "$W/small" "$W/tiny"
test_cleanup() { umount "$W/small" "$W/tiny" "$W/fill1" "$W/fill2" 2>/dev/null; }
if ! mount -t tmpfs -o size=256k tmpfs "$W/small" 2>/dev/null; then
    skip "a full disk during backup, export and bundle export: cannot mount a small tmpfs here (not root?)"
    echo "# full_disk done: $n checks"
    exit 0
fi
ORG=$("$CTL" --json org init --out "$W/org.key" | jq -r .org_public_key)
"$CTL" node init --data "$ACCORD_DATA" --name tehran-1 --org-pub "$ORG" >/dev/null
"$CTL" node init --data "$W/n2" --name shiraz-1 --org-pub "$ORG" >/dev/null
TO=$("$CTL" --json node show --data "$W/n2" | jq -r .public_key)
"$CTL" enroll --data "$ACCORD_DATA" --org-key "$W/org.key" --node-pub "$TO" --name shiraz-1 --role branch >/dev/null
start "$(basename "$ACCORD_DATA")" || exit 1
awk 'BEGIN { print "name,phone,city"; for (i = 0; i < 3000; i++) printf "Customer %d,0912%07d,City %d\n", i, i, i % 50 }' > "$W/many.csv"
"$ACCORD" import customers "$W/many.csv" >/dev/null
d0=$("$CTL" --json digest --data "$ACCORD_DATA" | jq -r .digest)

"$CTL" backup --data "$ACCORD_DATA" "$W/small/backup" >/dev/null 2>"$W/err"; rc=$?
check "a backup onto a full disk fails, says so and leaves nothing behind" bash -c "[ $rc != 0 ] && grep -qi 'full' '$W/err' && [ ! -e '$W/small/backup' ]"
"$ACCORD" export customers --format jsonl --out "$W/small/all.jsonl" 2>"$W/err"; rc=$?
check "an export onto a full disk fails, says so and leaves no file" bash -c "[ $rc != 0 ] && grep -qi 'full\|space' '$W/err' && [ ! -e '$W/small/all.jsonl' ] && [ ! -e '$W/small/all.jsonl.tmp' ]"
"$CTL" bundle export --data "$ACCORD_DATA" --to "$TO" --out "$W/small/b.bundle" >/dev/null 2>"$W/err"; rc=$?
check "a bundle export onto a full disk fails, says so and leaves no file" bash -c "[ $rc != 0 ] && grep -qi 'full\|space\|cannot write' '$W/err' && [ ! -e '$W/small/b.bundle' ] && [ ! -e '$W/small/b.bundle.tmp' ]"
check "the node still answers and its data is unchanged" bash -c "[ \$('$ACCORD' --json customer list --limit 1000 | jq length) = 1000 ] && [ \"\$('$CTL' --json digest --data '$ACCORD_DATA' | jq -r .digest)\" = '$d0' ]"
check "the node still takes changes" bash -c "'$ACCORD' customer add --name 'After The Full Disk' >/dev/null"
stop_all

# the store's own disk full: a writable map (MDB_WRITEMAP) stores into a sparse file, and a
# store into a hole of a full disk kills the process (SIGBUS, exit 135); the store reserves
# 64 MiB ahead of its data before each write instead, and refuses the write when it cannot
mount -t tmpfs -o size=40m tmpfs "$W/tiny"
"$CTL" node init --data "$W/tiny/n" --name tiny-1 >/dev/null 2>"$W/err"; rc=$?
check "a store on a disk with less than 64 MiB free refuses to write, saying the disk is full (exit $rc, not SIGBUS)" \
    bash -c "[ $rc != 0 ] && [ $rc != 135 ] && grep -qi 'full' '$W/err'"

# a transaction that writes more than the room reserved when it began (a catch-up group
# of thousands of records, 65,536 rows of a snapshot install: ~2 KB of file a record)
# reserves more as it writes: where the disk cannot give it, it is refused as disk full,
# and the node carries on once there is space (each store below has its 64 MiB reserved
# and 4 MiB more free; 40,000 customers take ~100 MB)
"$CTL" node init --data "$W/hq" --name hq --role hub --org-pub "$ORG" >/dev/null
"$CTL" enroll --data "$W/hq" --org-key "$W/org.key" --node-pub "$(pub hq)" --name hq --role hub >/dev/null
HQ_EP="tcp://127.0.0.1:$(free_port)"
start hq --listen "$HQ_EP" || exit 1
awk 'BEGIN { print "name,phone,city,email"; for (i = 0; i < 40000; i++) printf "Client %d,0935%07d,Town %d,c%d@example.com\n", i, i, i % 40, i }' > "$W/more.csv"
ACCORD_DATA="$W/hq" "$ACCORD" import customers "$W/more.csv" >/dev/null
for d in fill1 fill2; do
    mkdir -p "$W/$d"
    mount -t tmpfs -o size=300m tmpfs "$W/$d"
    "$CTL" node init --data "$W/$d/br" --name "br-$d" --org-pub "$ORG" >/dev/null
    "$CTL" enroll --data "$W/hq" --org-key "$W/org.key" --node-pub "$(pub "$d/br")" --name "br-$d" --role branch >/dev/null
    fallocate -l $(($(df --output=avail -B1 "$W/$d" | tail -1) - (4 << 20))) "$W/$d/filler"
done
"$NODE" --data "$W/fill2/br" --upstream "$HQ_EP" --upstream-key "$(pub hq)" 2>>"$W/br.log" & # its log off the full disk
pid[br]=$!
wait_until 30 grep -qi 'disk is full' "$W/br.log"
check "a branch catching up onto a disk that fills refuses the catch-up as disk full and runs on (not SIGBUS)" \
    bash -c "grep -qi 'disk is full' '$W/br.log' && kill -0 ${pid[br]} && '$CTL' --json sync status --data '$W/fill2/br' >/dev/null"
rm "$W/fill2/filler"
check "with space again it catches up with the hub" \
    wait_until 60 bash -c "[ \"\$('$CTL' --json digest --data '$W/hq' | jq -r .digest)\" = \"\$('$CTL' --json digest --data '$W/fill2/br' | jq -r .digest)\" ]"
"$CTL" compact --data "$W/hq" >/dev/null
"$CTL" snapshot install --data "$W/fill1/br" "$W/hq/snapshot.acs" >/dev/null 2>"$W/err"; rc=$?
check "a snapshot install larger than the disk's free space is refused as disk full (exit $rc, not SIGBUS)" \
    bash -c "[ $rc != 0 ] && [ $rc != 135 ] && grep -qi 'full' '$W/err'"
check "and leaves the node empty" bash -c "'$CTL' --json horizon --data '$W/fill1/br' | jq -e '.feeds | length == 0' >/dev/null"
rm "$W/fill1/filler"
check "with space again the same snapshot installs" "$CTL" snapshot install --data "$W/fill1/br" "$W/hq/snapshot.acs"
stop_all
echo "# full_disk done: $n checks"
