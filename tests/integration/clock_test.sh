#!/usr/bin/env bash
# A branch whose clock ran 3 h ahead, then was put right (issue 13, item 16): the hub
# refuses what it wrote (EFUTURE); once its clock is right it re-stamps its unsent records
# (feed/restamp.h) and the hub holds them within a minute, with the same fields on both
# nodes, an edit made at the hub truly later than the branch's winning and one made truly
# earlier losing, `check` sound on both and `verify` equal. First the clock is put right by
# a restart, then while the node runs. The branch's clock is moved with the test-only
# ACCORD_TEST_CLOCK_OFFSET_MS (proto/hlc.c), read from a file so it can change under a
# running node. TAP lines; every node is killed by pid at the end.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-clock-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }
field() { at "$1" --json customer show "$2" | jq -r ".$3"; }
efuture_at() { "$CTL" --json sync status --data "$W/hq" | jq -r '[.refusals[] | select(.code == "EFUTURE") | .at] | max // ""'; }
refused_efuture() { "$CTL" --json sync status --data "$W/hq" | jq -e '[.refusals[] | select(.code == "EFUTURE")] | length > 0' >/dev/null; }
same_fields() { # customer, field...: equal on hub and branch, and the hub holds it
    local c=$1; shift
    at hq customer show "$c" >/dev/null 2>&1 || return 1
    for f in "$@"; do [ "$(field hq "$c" "$f")" = "$(field b1 "$c" "$f")" ] || return 1; done
}
export -f at field same_fields
export ACCORD
AHEAD_MS=10800000
echo "$AHEAD_MS" > "$W/b1.clock"
start_b1() { ACCORD_TEST_CLOCK_OFFSET_MS="@$W/b1.clock" start b1 --upstream "$HUB_EP" --upstream-key "$HUB_KEY"; }

org_and_nodes hq:hub b1
HUB_EP="tcp://127.0.0.1:$(free_port)"
HUB_KEY=$(pub hq)
start hq --listen "$HUB_EP" || exit 1
start_b1 || exit 1

C=$(at hq customer add --name "Shared Customer" --city Kerman)
check "a customer added at the hub reaches the branch whose clock is 3 h ahead" wait_until 20 at b1 customer show "$C"
check "the branch measures its lead over the hub's clock and says so" \
    wait_until 10 grep -q "clock is 108[0-9][0-9] s ahead of the hub" "$W/b1.log"

# the window of the wrong clock: the hub edits the city before the branch does, the name after
at hq customer edit "$C" --city Yazd >/dev/null
sleep 1.5
X=$(at b1 customer add --name "Written Ahead" --phone "+98 912 555 0101")
at b1 customer edit "$C" --name "Branch Name" --city Shiraz >/dev/null
sleep 1.5
at hq customer edit "$C" --name "Hub Name" >/dev/null
check "the hub refuses the branch's records (EFUTURE)" wait_until 20 refused_efuture
check "... and does not hold them" bash -c "! ACCORD_DATA='$W/hq' '$ACCORD' customer show '$X' >/dev/null 2>&1"

# put the clock right by a restart
stop b1
echo 0 > "$W/b1.clock"
start_b1 || exit 1
t0=$SECONDS
check "within a minute of the clock being right the hub holds the branch's records, fields equal" \
    wait_until 60 bash -c "same_fields '$X' name phones && same_fields '$C' name city"
echo "# the hub held them $((SECONDS - t0)) s after the restart"
check "the branch warned at start that its clock is far behind its newest stamp" grep -q "behind the newest time it stamped" "$W/b1.log"
check "the hub's edit made truly later (the name) wins on both nodes" bash -c "[ \"\$(ACCORD_DATA='$W/hq' '$ACCORD' --json customer show '$C' | jq -r .name)\" = 'Hub Name' ]"
check "the branch's edit made truly later than the hub's (the city) wins on both nodes" [ "$(field hq "$C" city)" = Shiraz ]
check "the concurrent edits of the name are in the conflict log of both nodes" bash -c "
    [ \$(ACCORD_DATA='$W/hq' '$ACCORD' --json conflicts | jq length) -ge 1 ] && [ \$(ACCORD_DATA='$W/b1' '$ACCORD' --json conflicts | jq length) -ge 1 ]"
check "sync status tells the operator what was re-stamped" bash -c "
    '$CTL' --json sync status --data '$W/b1' | jq -e '.clock_restamp.measured and .clock_restamp.first_seq >= 1 and (.clock_restamp.text | test(\"3 h 0 min ahead\"))' >/dev/null &&
    '$CTL' sync status --data '$W/b1' | grep -q '^CLOCK: the clock was 3 h 0 min ahead (measured against the hub); records [0-9]*-[0-9]*, not yet sent, were re-stamped'"
check "the node's log says so too" grep -q "not yet sent, were re-stamped to this clock" "$W/b1.log"
check "verify: the branch and the hub hold the same state" "$CTL" verify --data "$W/b1" --hub "$HUB_EP" --hub-key "$HUB_KEY"
check "check: the branch's state is what its feeds give" bash -c "'$CTL' --json check --data '$W/b1' | jq -e .ok >/dev/null"
check "check: the hub's state is what its feeds give" bash -c "'$CTL' --json check --data '$W/hq' | jq -e .ok >/dev/null"

# the clock runs ahead again and is put right while the node runs
last_refusal=$(efuture_at)
echo "$AHEAD_MS" > "$W/b1.clock"
sleep 2
Y=$(at b1 customer add --name "Written Ahead Again")
at b1 customer edit "$X" --city Tabriz >/dev/null
export -f efuture_at
check "the hub refuses them again (EFUTURE)" wait_until 20 bash -c "[ \"\$(efuture_at)\" != '$last_refusal' ]"
check "... and does not hold them" bash -c "! ACCORD_DATA='$W/hq' '$ACCORD' customer show '$Y' >/dev/null 2>&1"
echo 0 > "$W/b1.clock"
t0=$SECONDS
check "put right while running, the branch re-stamps and the hub holds them within a minute" \
    wait_until 60 bash -c "same_fields '$Y' name && same_fields '$X' city"
echo "# the hub held them $((SECONDS - t0)) s after the clock was put right"
check "the city edited after the clock ran ahead again is at the hub" [ "$(field hq "$X" city)" = Tabriz ]
check "verify: equal again" "$CTL" verify --data "$W/b1" --hub "$HUB_EP" --hub-key "$HUB_KEY"
check "check: the branch is sound again" bash -c "'$CTL' --json check --data '$W/b1' | jq -e .ok >/dev/null"
check "check at the hub: the branch's re-chained, re-signed feed verifies with its key" \
    bash -c "'$CTL' --json check --data '$W/hq' | jq -e '.ok and .feeds_damaged == 0 and .feeds_without_key == 0' >/dev/null"
stop_all
sanitizer_check
echo "# clock done: $n checks"
