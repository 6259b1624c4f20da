#!/usr/bin/env bash
# Refusals that say what happened (issue 13, items 2 and 17): a hub whose store fills up
# shows EFULL with its reason, not the EGAPs of the batches behind it; a branch that writes
# more than the hub takes from one origin in a day is refused with EQUOTA, the hub logs an
# ALERT, and once the limit is raised the branch catches up. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-refusal-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }
refusal() { "$CTL" --json sync status --data "$W/$1" | jq -r ".peers[] | select(.name == \"$2\") | .last_refusal.$3 // empty"; }
export -f refusal; export W CTL

org_and_nodes hq:hub b1 hq2:hub
HUB_EP="tcp://127.0.0.1:$(free_port)"
# the branch writes 12,000 customers offline (an import of a spreadsheet)
python3 -c '
import csv, sys
w = csv.writer(sys.stdout)
w.writerow(["name", "city", "tags"])
for i in range(12000): w.writerow([f"Customer {i:05d} with a long enough name", "Tehran", "imported;batch-%d" % (i % 50)])
' > "$W/many.csv"
start b1 || exit 1
ACCORD_DATA="$W/b1" "$ACCORD" --json import customers "$W/many.csv" > "$W/import.json" 2>/dev/null
check "the branch holds 12,000 customers" bash -c "jq -e '.created == 12000' '$W/import.json' >/dev/null"
stop b1

# 1. a hub with a 16 MiB store: it fills up; the refusal shown is EFULL with its reason
ACCORD_MAP_MB=16 start hq --listen "$HUB_EP" || exit 1
start b1 --upstream "$HUB_EP" --upstream-key "$(pub hq)" || exit 1
check "the full hub refuses the branch's batches with EFULL" wait_until 60 bash -c "[ \"\$(refusal hq b1 code)\" = EFULL ]"
sleep 2 # batches that were on the wire behind the refused one arrive and are answered
check "the refusal keeps its reason, and later gaps do not hide it" \
    bash -c "[ \"\$(refusal hq b1 code)\" = EFULL ] && refusal hq b1 why | grep -q 'record [0-9]*: \\|full'"
check "the hub logs the store's reason" grep -q 'EFULL' "$W/hq.log"
stop b1
stop hq

# 2. a hub that takes at most 1 MiB a day from one origin
HUB2_EP="tcp://127.0.0.1:$(free_port)"
for x in hq2 b1; do
    "$CTL" enroll --data "$W/hq2" --org-key "$W/org.key" --node-pub "$(pub $x)" --name $x --role "$([ $x = b1 ] && echo branch || echo hub)" --region test >/dev/null
done
start hq2 --listen "$HUB2_EP" --origin-daily-mb 1 || exit 1
start b1 --upstream "$HUB2_EP" --upstream-key "$(pub hq2)" || exit 1
check "past its daily allowance the branch is refused with EQUOTA" wait_until 60 bash -c "[ \"\$(refusal hq2 b1 code)\" = EQUOTA ]"
check "the refusal says what the limit is and when the rest applies" bash -c "refusal hq2 b1 why | grep -q 'a day' && refusal hq2 b1 why | grep -q tomorrow"
check "the hub raises an alert in its log" grep -q 'ALERT' "$W/hq2.log"
check "the hub stays responsive while it refuses" bash -c "timeout 5 '$CTL' --json sync status --data '$W/hq2' >/dev/null"
stop hq2
start hq2 --listen "$HUB2_EP" || exit 1
check "with the default allowance the hub catches up with the branch" wait_until 120 bash -c "d=\$('$CTL' --json digest --data '$W/b1' | jq -r .digest); [ -n \"\$d\" ] && [ \"\$('$CTL' --json digest --data '$W/hq2' | jq -r .digest)\" = \"\$d\" ]"
stop_all
sanitizer_check
echo "# refusal done: $n checks"
