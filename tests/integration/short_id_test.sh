#!/usr/bin/env bash
# Time-ordered ids through the real CLI (proto/timeid.h, docs/PROTOCOL.md "Identifiers"):
# customers added one after another get ids in that order, the list shows each by its
# short form (digits of the id's random part, not of its clock), and that short form (or
# its first 8 digits, as the branch app shows it) names the customer for show and edit;
# the clock's digits, which every new id shares, are refused as ambiguous, naming records;
# ids made after a restart still sort after; check derives the same index. The node
# listens on its ipc:// socket in a temporary directory only and is killed by pid.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-it-XXXXXX)
. tests/integration/lib.sh
export ACCORD_DATA="$W/n1" ACCORD_USER=sara

"$CTL" node init --data "$ACCORD_DATA" --name tehran-1 >/dev/null
start n1 || exit 1

ids=()
for i in $(seq 1 30); do ids+=("$("$ACCORD" customer add --name "Short $i")"); done
timed() { [[ $1 =~ ^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$ ]]; }
all_timed() { for id in "${ids[@]}"; do timed "$id" || return 1; done; }
in_order() { local prev=""; for id in "${ids[@]}"; do [[ -z $prev || $prev < $id ]] || return 1; prev=$id; done; }
check "customer add prints time-ordered ids (version 7, variant 10xx)" all_timed
check "... in the order the customers were added" in_order

C17=${ids[16]}
SHOWN=$("$ACCORD" customer list --limit 100 | awk '$2 == "Short" && $3 == "17" { print $1 }')
check "customer list shows 12 digits of the id's random part (digits 19-30), not its clock" \
    [ "$SHOWN" = "${C17:18:12}" ]
check "customer show by the short id the list shows finds that customer" \
    bash -c "'$ACCORD' --json customer show '$SHOWN' | jq -e --arg id '$C17' '.id == \$id and .name == \"Short 17\"' >/dev/null"
check "customer edit by its first 8 digits (the branch app's short form)" \
    bash -c "'$ACCORD' customer edit '${SHOWN:0:8}' --city Karaj >/dev/null && '$ACCORD' --json customer show '$C17' | jq -e '.city == \"Karaj\"' >/dev/null"
check "the full id still resolves" bash -c "'$ACCORD' --json customer show '$C17' | jq -e '.name == \"Short 17\"' >/dev/null"
expect_ambiguous() {
    local err; err=$("$ACCORD" customer show "$1" 2>&1 >/dev/null); local rc=$?
    [ "$rc" = 2 ] && [[ $err == *"matches more than one record (customer "* ]]
}
check "the clock's first digits, which every new id shares, are refused as ambiguous, naming customers" \
    expect_ambiguous "${C17:0:6}"

stop n1
start n1 || exit 1
AFTER=$("$ACCORD" customer add --name "After restart")
check "an id made after a restart sorts after the ones made before" bash -c "[[ '${ids[29]}' < '$AFTER' ]]"
stop n1
check "check: the stored index (short id terms) is the one derived from the feed" \
    bash -c "'$CTL' --json check --data '$ACCORD_DATA' | jq -e '.ok' >/dev/null"
sanitizer_check
echo "# short_id done: $n checks"
