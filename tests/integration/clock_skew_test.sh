#!/usr/bin/env bash
# --max-clock-skew and ACCORD_MAX_CLOCK_SKEW (the systemd unit's node.env sets the latter):
# a hub refuses an enrolled branch's genuine record stamped an hour ahead (EFUTURE) with
# the default 300 s, applies it when the environment allows two hours, the option wins
# over the environment (another branch's record then), and a value out of range stops the node with a message naming it.
# The branch is tests/tools/accord-peer; the hub listens on 127.0.0.1. TAP-style lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-skew-XXXXXX)
. tests/integration/lib.sh

org_and_nodes hub:hub b1 b2
HUB_EP="tcp://127.0.0.1:$(free_port)"
HUB_KEY=$(pub hub)
# the branch's next record, stamped an hour ahead; prints the hub's answer (OK, EFUTURE...)
future() { "$PEER" "$HUB_EP" "$HUB_KEY" "$W/$1" future 2>>"$W/peer.log"; }

start hub --listen "$HUB_EP" || exit 1
check "with the default skew a record stamped an hour ahead is refused (EFUTURE)" [ "$(future b1)" = EFUTURE ]
stop hub

ACCORD_MAX_CLOCK_SKEW=7200 start hub --listen "$HUB_EP" || exit 1
check "with ACCORD_MAX_CLOCK_SKEW=7200 in the environment it applies" [ "$(future b1)" = OK ]
stop hub

ACCORD_MAX_CLOCK_SKEW=7200 start hub --listen "$HUB_EP" --max-clock-skew 60 || exit 1
r=$(future b2) # b1's first record is at the hub now: b2's is the one still to come
check "--max-clock-skew on the command line wins over the environment ($r)" [ "$r" = EFUTURE ]
stop hub

for bad in 0 abc 99999999 -5 ' '; do
    # a node that ignored the value would run: timeout stops it (exit 124)
    ACCORD_MAX_CLOCK_SKEW=$bad timeout 5 "$NODE" --data "$W/hub" 2>"$W/bad.out"
    rc=$?
    check "ACCORD_MAX_CLOCK_SKEW='$bad' stops the node (exit 1) and says what it takes" \
        bash -c "[ $rc = 1 ] && grep -q 'ACCORD_MAX_CLOCK_SKEW takes seconds, 1 to 2592000' '$W/bad.out'"
done
sanitizer_check
echo "# clock_skew_test done: $n checks"
