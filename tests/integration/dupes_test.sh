#!/usr/bin/env bash
# Duplicates and merge with a real node and CLI: pairs found across branches by phone in
# any format, e-mail in any case, and names equal after Persian/Arabic folding, each with
# its reasons; a value shared by many is reported once; a merge moves every reference,
# copies phones, e-mails, tags and missing fields, and leaves a tombstone that points at the
# survivor; the merge replicates like any change. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-dupes-XXXXXX)
. tests/integration/lib.sh
export ACCORD_USER=sara
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }

org_and_nodes hub:hub b1 b2
EP="tcp://127.0.0.1:$(free_port)"
start hub --listen "$EP" || exit 1
for b in b1 b2; do start "$b" --upstream "$EP" --upstream-key "$(pub hub)" || exit 1; done

ALI1=$(at b1 customer add --name "علي رضايي" --phone "+98 912 555 1234" --city Tehran)
ALI2=$(at b2 customer add --name "علی  رضایی" --phone "0912-555-1234" --email Ali.R@Example.IR --tag vip --segment retail)
ANNA1=$(at b1 customer add --name "Anna Müller" --email anna@example.de)
ANNA2=$(at b2 customer add --name "ANNA MÜLLER" --email ANNA@example.de --phone "+49 30 1234567")
LONE=$(at b1 customer add --name "Nobody Alike" --phone 02100000001)
for i in $(seq 1 25); do at b2 customer add --name "Staff Member $i" --phone "021 8888 0000" >/dev/null; done
DEAL=$(at b2 deal add --customer "$ALI2" --title "Dena Plus" --amount 900 --currency EUR)
TASK=$(at b2 task add --title "Call Ali" --related "$ALI2" --due 2026-12-01)
at b2 log call "$ALI2" --summary "asked for a price" >/dev/null
at b2 note add "$ALI2" "prefers mornings" >/dev/null
check "every change reaches b1" wait_until 20 at b1 history "$TASK"

at b1 --json customer dupes > "$W/dupes.json"
pair() { jq -e --arg a "$1" --arg b "$2" '[.pairs[] | select((.a == $a and .b == $b) or (.a == $b and .b == $a))] | length == 1' "$W/dupes.json" >/dev/null; }
reasons() { jq -r --arg a "$1" --arg b "$2" '.pairs[] | select((.a == $a and .b == $b) or (.a == $b and .b == $a)) | .reasons | join("; ")' "$W/dupes.json"; }
check "the two Alis (Arabic and Persian letters, two phone formats) are a pair" pair "$ALI1" "$ALI2"
check "... for their phone and their name" bash -c "[[ '$(reasons "$ALI1" "$ALI2")' == *'same phone: 9125551234'* && '$(reasons "$ALI1" "$ALI2")' == *'same name'* ]]"
check "the two Annas (case, e-mail case) are a pair, by e-mail and name" bash -c "[[ '$(reasons "$ANNA1" "$ANNA2")' == *'same email: anna@example.de'* && '$(reasons "$ANNA1" "$ANNA2")' == *'same name: anna muller'* ]]"
check "nobody else is paired" bash -c "jq -e '.pairs | length == 2' '$W/dupes.json' >/dev/null"
check "a phone shared by 25 customers is reported once, not as 300 pairs" bash -c "jq -e '.shared | length == 1 and .[0].customers == 25' '$W/dupes.json' >/dev/null"
check "the table names the reasons and the merge command" bash -c "ACCORD_DATA='$W/b1' '$ACCORD' customer dupes | grep -q 'accord customer merge'"

out=$(at b1 --json customer merge "$ALI1" "$ALI2")
check "merging moves the deal, task, call and note" [ "$(echo "$out" | jq .moved)" = 4 ]
at b1 --json customer show "$ALI1" > "$W/kept.json"
check "the survivor gained the other's e-mail, tag and segment and kept its city" \
    bash -c "jq -e '(.emails | index(\"ali.r@example.ir\")) and (.tags | index(\"vip\")) and .segment == \"retail\" and .city == \"Tehran\"' '$W/kept.json' >/dev/null"
check "the deal now belongs to the survivor" bash -c "[ \"\$(ACCORD_DATA='$W/b1' '$ACCORD' --json deal show '$DEAL' | jq -r .customer)\" = '$ALI1' ]"
check "the other is a tombstone that points at the survivor" bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json customer show '$ALI2' | jq -e '.deleted == true and .merged_into == \"$ALI1\"' >/dev/null"
check "the pair is no longer listed" bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json customer dupes | jq -e '.pairs | length == 1' >/dev/null"
check "the merge replicates to b2" wait_until 20 bash -c "ACCORD_DATA='$W/b2' '$ACCORD' --json deal show '$DEAL' | jq -e '.customer == \"$ALI1\"' >/dev/null"
at b1 customer merge "$ALI1" "$ALI2" >/dev/null 2>"$W/err"; rc=$?
check "merging a merged customer again is refused" bash -c "[ $rc = 2 ] && grep -q 'merged already' '$W/err'"
at b1 customer merge "$ANNA1" "$ANNA1" >/dev/null 2>"$W/err"; rc=$?
check "merging a customer into itself is refused" bash -c "[ $rc = 2 ] && grep -q itself '$W/err'"
check "the untouched customers are still there" bash -c "ACCORD_DATA='$W/b1' '$ACCORD' customer show '$LONE' >/dev/null"
for x in hub b1 b2; do stop "$x"; done
sanitizer_check
echo "# dupes done: $n checks"
