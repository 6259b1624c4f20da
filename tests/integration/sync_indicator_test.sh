#!/usr/bin/env bash
# Issue 15, item 8: the sync indicator tells the truth. A branch whose hub is down says
# how many of its own changes wait to go (pending, counted from what the hub last
# acknowledged, kept in the store) and since when it is offline; both hold after the
# branch restarts with the hub still down, and pending goes to 0 once the hub is back.
# TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-syncind-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }
org_and_nodes hq:hub a
HUB_EP="tcp://127.0.0.1:$(free_port)"
HUB_KEY=$(pub hq)
start hq --listen "$HUB_EP" || exit 1
start a --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
# the branch's sync status passes a jq test (a status that cannot be read fails it)
status() { local out; out=$("$CTL" --json sync status --data "$W/a") && jq -e "$1" <<<"$out" >/dev/null; }
HQ='.peers[] | select(.direction == "upstream")'

at a customer add --name "Sent While Online" >/dev/null
check "connected, the hub holds every change: pending 0, not offline" \
    wait_until 20 status "$HQ | .connected == 1 and .pending == 0 and .offline_since == null"

before_stop=$(date -u +%Y-%m-%dT%H:%M:%S)
stop hq
check "the branch sees the hub go" wait_until 20 status "$HQ | .connected == 0"
for i in 1 2 3 4; do at a customer add --name "Offline $i" >/dev/null; done
check "with the hub down, the 4 changes made since are pending" status "$HQ | .pending == 4"
check "offline_since is the moment the session was lost (ISO 8601 UTC, not before the hub stopped)" \
    status "$HQ | (.offline_since | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$\")) and .offline_since[0:19] >= \"$before_stop\""
"$CTL" sync status --data "$W/a" > "$W/status.txt"
check "accordctl sync status shows the pending count and since when, in its table" \
    bash -c "grep -q 'PENDING' '$W/status.txt' && grep -q 'OFFLINE SINCE' '$W/status.txt' &&
             awk '/upstream/ && \$8 == 4 && \$9 ~ /^2[0-9][0-9][0-9]-/ {found=1} END {exit !found}' '$W/status.txt'"

stop a
before_start=$(date -u +%Y-%m-%dT%H:%M:%S)
start a --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "restarted with the hub still down: still 4 pending (from what the hub last acknowledged)" \
    status "$HQ | .connected == 0 and .pending == 4"
check "never connected since the restart: offline since the node started" \
    status "$HQ | .offline_since != null and .offline_since[0:19] >= \"$before_start\""

start hq --listen "$HUB_EP" || exit 1
check "the hub is back: pending goes to 0 and offline_since to null" \
    wait_until 30 status "$HQ | .connected == 1 and .pending == 0 and .offline_since == null"
check "and the hub holds the 4 changes" \
    wait_until 20 bash -c "set -o pipefail; ACCORD_DATA='$W/hq' '$ACCORD' --json customer list | jq -e '[.[] | select(.name | startswith(\"Offline\"))] | length == 4' >/dev/null"
stop_all
sanitizer_check
echo "# sync indicator done: $n checks"
