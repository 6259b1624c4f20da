#!/usr/bin/env bash
# Crash test: a hub and two branches on 127.0.0.1 while both branches keep writing; the
# hub or a branch is killed with SIGKILL at a random moment, CRASH_ROUNDS times, and
# started again. Afterwards every acknowledged write is on every node (nothing lost), the
# digests are equal, and `accordctl check` re-derives each node's state from its feeds
# and finds it equal to the stored state (nothing applied twice). TAP-style lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-crash-XXXXXX)
. tests/integration/lib.sh
ROUNDS=${CRASH_ROUNDS:-20}
SEED=${CRASH_SEED:-$RANDOM}
RANDOM=$SEED
writers=()
test_cleanup() { for p in "${writers[@]}"; do kill "$p" 2>/dev/null; done; }
echo "# seed $SEED (repeat with CRASH_SEED=$SEED)"

declare -A args
# shellcheck disable=SC2086
start_node() { start "$1" ${args[$1]}; }
same_digests() { local a b c; a=$(digest hub); b=$(digest b1); c=$(digest b2); [ ${#a} = 64 ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]; }

ORG=$("$CTL" --json org init --out "$W/org.key" | jq -r .org_public_key)
"$CTL" node init --data "$W/hub" --name hq --role hub --org-pub "$ORG" >/dev/null
for b in b1 b2; do "$CTL" node init --data "$W/$b" --name "$b" --org-pub "$ORG" >/dev/null; done
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub hub)" --name hq --role hub >/dev/null
for b in b1 b2; do "$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub $b)" --name "$b" --role branch >/dev/null; done
EP="tcp://127.0.0.1:$(free_port)"
args[hub]="--listen $EP"
args[b1]="--upstream $EP --upstream-key $(pub hub)"
args[b2]=${args[b1]}
for x in hub b1 b2; do start_node $x || exit 1; done

# each writer keeps creating customers; the ids it prints were acknowledged (on disk)
for b in b1 b2; do
    ( i=0; while :; do i=$((i + 1)); "$LOAD" "$W/$b" create 20 "$b-$i" >> "$W/$b.ids" 2>/dev/null || sleep 0.1; done ) &
    writers+=($!)
done
victims=(hub b1 b2)
for round in $(seq "$ROUNDS"); do
    sleep "0.$((RANDOM % 6 + 2))"
    v=${victims[$((RANDOM % 3))]}
    crash "$v"
    sleep "0.$((RANDOM % 3 + 1))"
    start_node "$v" || { nok "restart $v after round $round"; break; }
    echo "# round $round: killed $v"
done
for p in "${writers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
writers=()
acked=$(cat "$W/b1.ids" "$W/b2.ids" | grep -c .)
echo "# $acked acknowledged creates during $ROUNDS crashes"
check "writes were acknowledged between the crashes" [ "$acked" -gt 100 ]
check "all three nodes converge after $ROUNDS kill -9 rounds" wait_until 120 same_digests
lost=0
cat "$W/b1.ids" "$W/b2.ids" > "$W/all.ids"
for x in hub b1 b2; do
    missing=$("$LOAD" "$W/$x" missing "$W/all.ids" | wc -l)
    [ "$missing" = 0 ] || { lost=1; echo "# $x lacks $missing acknowledged customers"; }
done
check "no acknowledged write is lost on any node" [ $lost = 0 ]
for x in hub b1 b2; do crash "$x"; done
for x in hub b1 b2; do
    check "$x: check re-derives the state from the feeds and finds it equal (nothing applied twice)" \
        "$CTL" check --data "$W/$x"
done
sanitizer_check
echo "# crash done: $n checks"
