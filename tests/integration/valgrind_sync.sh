#!/usr/bin/env bash
# A hub and two branches under valgrind (memcheck): enrolment, CURVE handshake, roster
# exchange, batches both ways, compaction and a new branch started from the hub's snapshot
# sent over the wire, a revocation cutting the session, clean stop. Fails on any
# memcheck error or definite leak in either node. Run by `make valgrind`.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export ACCORD_MAP_MB=512 # valgrind cannot reserve the default 64 GiB map
W=$(mktemp -d /tmp/accord-vgsync-XXXXXX)
. tests/integration/lib.sh # the nodes run under valgrind here, not through start(); pid[] still kills them
C=$CTL; A=$ACCORD
fail() { echo "valgrind_sync: $1"; cat "$W"/*.log; exit 1; }

ORG=$("$C" --json org init --out "$W/org.key" | jq -r .org_public_key)
"$C" node init --data "$W/hub" --name hq --role hub --org-pub "$ORG" >/dev/null
"$C" node init --data "$W/b1" --name b1 --org-pub "$ORG" >/dev/null
"$C" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub hub)" --name hq --role hub >/dev/null
"$C" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub b1)" --name b1 --role branch >/dev/null
PORT=$(free_port)
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 --suppressions=tests/valgrind.supp)
HTTP=$(free_port)
echo 'valgrind password' | "$C" user add --data "$W/hub" --name vg --role staff >/dev/null
"${VG[@]}" --log-file="$W/vg-hub.log" "$BUILD/accord-node" --data "$W/hub" --listen "tcp://127.0.0.1:$PORT" --http "$HTTP" 2>"$W/hub.log" &
H=$!; pid[hub]=$H
"${VG[@]}" --log-file="$W/vg-b1.log" "$BUILD/accord-node" --data "$W/b1" --upstream "tcp://127.0.0.1:$PORT" \
    --upstream-key "$(pub hub)" 2>"$W/b1.log" &
B=$!; pid[b1]=$B
up() { wait_until 30 test -S "$W/$1/accord.sock"; }
up hub && up b1 || fail "nodes did not start under valgrind"
for i in 1 2 3 4 5; do ACCORD_DATA="$W/b1" "$A" customer add --name "Valgrind $i" >/dev/null || fail "add at b1"; done
ACCORD_DATA="$W/hub" "$A" customer add --name "From the hub" >/dev/null || fail "add at hub"
count() { ACCORD_DATA="$W/$1" "$A" --json customer list | jq length; }
six_at() { for x in "$@"; do [ "$(count "$x")" = 6 ] || return 1; done; }
wait_until 30 six_at hub b1 || fail "the six customers did not reach both nodes"
wait_until 15 bash -c "'$C' --json compact --dry-run --data '$W/hub' | jq -e '.records_purged == 6'"
"$C" --json compact --data "$W/hub" | jq -e '.records_purged == 6' >/dev/null || fail "compaction at the hub"
"$C" node init --data "$W/b2" --name b2 --org-pub "$ORG" >/dev/null
"$C" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub b2)" --name b2 --role branch >/dev/null
sleep 1.5 # the hub reads the roster change within a second (nothing shows when it has)
"${VG[@]}" --log-file="$W/vg-b2.log" "$BUILD/accord-node" --data "$W/b2" --upstream "tcp://127.0.0.1:$PORT" \
    --upstream-key "$(pub hub)" 2>"$W/b2.log" &
B2=$!; pid[b2]=$B2
up b2 || fail "b2 did not start under valgrind"
wait_until 45 six_at b2 && grep -q "started from the hub's snapshot" "$W/b2.log" || fail "b2 did not start from the hub's snapshot"
# the HTTP side under memcheck too: sign-in, a report, metrics, a bad request, logout
U="http://127.0.0.1:$HTTP"
curl -s -c "$W/jar" -o /dev/null -d 'user=vg&password=valgrind+password' "$U/login"
curl -s -b "$W/jar" "$U/api/report?period=$(date -u +%Y-%m)" | jq -e '.branches | length >= 1' >/dev/null || fail "report over HTTP"
curl -s -b "$W/jar" "$U/api/customers" | jq -e '.customers_counted == 6' >/dev/null || fail "customers over HTTP"
wait_until 10 bash -c "curl -s -b '$W/jar' '$U/metrics' | grep -q '^accord_store_used_bytes'"
curl -s -b "$W/jar" "$U/metrics" | grep -q '^accord_store_used_bytes' || fail "metrics over HTTP"
CSRF=$(curl -s -b "$W/jar" "$U/api/session" | jq -r .csrf)
curl -s -b "$W/jar" -H "X-CSRF-Token: $CSRF" -d kind=customer -d name=FromTheApp "$U/api/node/create" | jq -e .ok >/dev/null || fail "a change through the app's API"
curl -s -b "$W/jar" -G -d kind=customer -d q=FromTheApp "$U/api/node/search" | jq -e '.result.items | length == 1' >/dev/null || fail "a search through the app's API"
curl -s -o /dev/null -X POST -d "$(head -c 9000 /dev/zero | tr '\0' a)" "$U/login"
curl -s -o /dev/null -b "$W/jar" -X POST "$U/logout"
"$C" revoke --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub b1)" >/dev/null
wait_until 15 grep -q "cutting its session" "$W/hub.log" || fail "the revocation did not cut b1's session"
kill "$H" "$B" "$B2"
wait "$H"; rh=$?
wait "$B"; rb=$?
wait "$B2"; rb2=$?
pid=()
for x in hub b1 b2; do [ -f "$W/vg-$x.log" ] && [ ! -s "$W/vg-$x.log" ] || fail "memcheck reports in $x"; done
[ "$rh" = 0 ] && [ "$rb" = 0 ] && [ "$rb2" = 0 ] || fail "exit codes: hub $rh, b1 $rb, b2 $rb2"
echo "valgrind_sync: hub and branches clean under memcheck (sync, roster, compaction, snapshot over the wire, HTTP, revocation, stop)"
