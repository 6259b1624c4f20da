#!/usr/bin/env bash
# Two branch apps and a hub, in headless Chromium: a customer added at branch A while the
# hub is down appears on branch B's page once the hub is back; two branches edit the same
# field concurrently and a person keeps one side in A's conflicts inbox. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-branchsync-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }
if ! [ -x /usr/bin/chromium ] || ! [ -d tests/browser/node_modules/playwright-core ]; then
    nok "two branch apps in headless Chromium (chromium or tests/browser/node_modules missing: run deploy/install-deps.sh)"
    echo "# branch sync done: $n checks"; exit 0
fi
org_and_nodes hq:hub a b
HUB_EP="tcp://127.0.0.1:$(free_port)"
HUB_KEY=$(pub hq)
for x in a b; do echo 'staff password 1' | "$CTL" user add --data "$W/$x" --name "staff-$x" --role staff >/dev/null; done
PA=$(free_port); PB=$(free_port)
start hq --listen "$HUB_EP" || exit 1
start a --upstream "$HUB_EP" --upstream-key "$HUB_KEY" --http "$PA" || exit 1
start b --upstream "$HUB_EP" --upstream-key "$HUB_KEY" --http "$PB" || exit 1
mkdir -p "$BUILD/screenshots"
browser() { node tests/browser/sync.mjs "$@" > "$W/browser.out" 2>&1; local rc=$?; sed 's/^/# /' "$W/browser.out"; return $rc; }

stop hq
# the branches notice the hub is gone once it has been silent for 10 s
check "both branches see the hub go" \
    wait_until 20 bash -c "[ \"\$(peer_field a hq connected)\" = 0 ] && [ \"\$(peer_field b hq connected)\" = 0 ]"
check "with the hub down, staff at A add a customer in the page (the indicator says offline since when, and that the change waits to go)" \
    browser add "http://127.0.0.1:$PA" staff-a 'staff password 1' "Added While Offline" "$BUILD/screenshots/branch-a-offline.png"
start hq --listen "$HUB_EP" || exit 1
check "once the hub is back, it appears on B's page" \
    browser find "http://127.0.0.1:$PB" staff-b 'staff password 1' "Added While Offline" "$BUILD/screenshots/branch-b-synced.png"

C=$(at a customer add --name "Conflict Customer")
check "the customer reaches b" wait_until 20 at b customer show "$C"
stop hq
at a --user staff-a customer edit "$C" --city Tehran >/dev/null
at b --user staff-b customer edit "$C" --city Shiraz >/dev/null
start hq --listen "$HUB_EP" || exit 1
check "both edits meet: A's conflict log holds the pair" wait_until 30 bash -c "ACCORD_DATA='$W/a' '$ACCORD' --json conflicts | jq -e 'length == 1' >/dev/null"
check "in A's page the card marks the city in conflict; the inbox names the customer, the field, the value kept now and both sides (who, where); a person keeps B's side (Shiraz)" \
    browser resolve "http://127.0.0.1:$PA" staff-a 'staff password 1' "b:Conflict Customer" "$BUILD/screenshots/branch-a-conflict.png"
check "the choice replicates: both branches show Shiraz and no open conflict" wait_until 30 bash -c "
    for x in a b; do
        ACCORD_DATA='$W/'\$x '$ACCORD' --json customer show '$C' | jq -e '.city == \"Shiraz\"' >/dev/null || exit 1
        ACCORD_DATA='$W/'\$x '$ACCORD' --json conflicts | jq -e '[.[] | select(.resolved | not)] | length == 0' >/dev/null || exit 1
    done"
stop_all
sanitizer_check
echo "# branch sync done: $n checks"
