#!/usr/bin/env bash
# Integration test of a real node and the real CLIs: every verb, bad input, durability
# across kill -9. TAP-style lines ("ok N - ...", "not ok N - ..."). The node listens on an
# ipc:// socket in a temporary directory only, and is killed by pid at the end.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-it-XXXXXX)
. tests/integration/lib.sh
export ACCORD_DATA="$W/n1" ACCORD_USER=sara

# expect_exit CODE STDERR_SUBSTRING DESC -- command...
expect_fail() {
    local code=$1 want=$2 desc=$3; shift 4
    local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
    if [ "$rc" = "$code" ] && [[ "$err" == *"$want"* ]]; then ok "$desc"; else nok "$desc (exit $rc: $err)"; fi
}

check "node init" "$CTL" node init --data "$ACCORD_DATA" --name tehran-1
expect_fail 3 "already holds a node" "node init refuses an existing node" -- "$CTL" node init --data "$ACCORD_DATA" --name x
expect_fail 1 "unknown option --bogus" "accordctl refuses an unknown option, naming it" -- "$CTL" sync status --bogus
check "... and prints the verb's usage" bash -c "'$CTL' sync status --bogus 2>&1 >/dev/null | grep -q '^usage: accordctl sync status'"
check "accordctl VERB --help exits 0 and prints the verb's usage" \
    bash -c "'$CTL' bundle export --help | grep -q '^usage: accordctl bundle export .*--to'"
expect_fail 1 "unknown verb 'nosuch'" "accordctl refuses an unknown verb" -- "$CTL" nosuch
check "accordctl --help lists every verb" bash -c "'$CTL' --help | grep -q '^  sync status ' && '$CTL' --help | grep -q '^  user list '"
# an option that takes a value never takes the next option as it; a missing or empty value is a usage error
expect_fail 1 "--org-pub needs a value" "node init --org-pub with no value is refused" -- \
    "$CTL" node init --data "$W/np1" --name np1 --org-pub
expect_fail 1 "--org-pub needs a value, not the option --data" "... and does not take the next option as the value" -- \
    "$CTL" node init --org-pub --data "$W/np2" --name np2
check "... and makes no node that trusts no org" bash -c "[ ! -e '$W/np1' ] && [ ! -e '$W/np2' ]"
expect_fail 1 "--currency needs a value, not the option --csv" "report customers --currency --csv: an option is no value" -- \
    "$CTL" report customers --data "$ACCORD_DATA" --currency --csv
expect_fail 1 "--period needs a value" "an empty value (--period=) is refused" -- "$CTL" report branches --data "$ACCORD_DATA" --period=
expect_fail 1 "incomplete option --data before the verb" "--data before the verb does not take --json as its value" -- \
    "$CTL" --data --json node show
expect_fail 1 "--name needs a value, not the option --city" "accord: an option's value is never the next option" -- \
    "$ACCORD" customer add --name --city Rome
expect_fail 1 "incomplete global option --user" "accord: --user does not take --json as its value" -- "$ACCORD" --user --json status
check "a value that starts with -- can be given as --NAME=VALUE" \
    bash -c "'$CTL' --json report customers --data '$ACCORD_DATA' --currency=--X | jq -e '.currency == \"--X\"' >/dev/null"
# org init --out makes the folders above the key (mode 0700), or says why not with exit 3
check "org init --out makes the missing folders, mode 0700, the key 0600" \
    bash -c "'$CTL' org init --out '$W/new/keys/org.key' >/dev/null && [ \$(stat -c %a '$W/new') = 700 ] && [ \$(stat -c %a '$W/new/keys') = 700 ] && [ \$(stat -c %a '$W/new/keys/org.key') = 600 ]"
touch "$W/a-file"
expect_fail 3 "cannot make the folder $W/a-file: Not a directory" "org init --out under a file says which folder it cannot make (exit 3)" -- \
    "$CTL" org init --out "$W/a-file/keys/org.key"
expect_fail 3 "no node is running" "CLI says when no node runs" -- "$ACCORD" customer list
start n1 || exit 1
expect_fail 2 "already running" "a second node on the same directory is refused" -- "$NODE" --data "$ACCORD_DATA"

C1=$("$ACCORD" customer add --name "علي رضايي" --phone "+98 (912) 555-1234" --email Ali@Example.com --city Tehran --tag vip)
check "customer add prints an id" [ ${#C1} = 32 ]
C2=$("$ACCORD" customer add --name "王小明" --phone 0912-111-2222 --type company)
C3=$("$ACCORD" customer add --name "Anna Müller" --email anna@example.de --consent-sms yes)
check "customer show --json holds normalised values" \
    bash -c "'$ACCORD' --json customer show '$C1' | jq -e '.phones == [\"+989125551234\"] and .emails == [\"ali@example.com\"] and .branch == \"tehran-1\" and .tags == [\"vip\"]' >/dev/null"

expect_fail 2 "phones: '12ab' is not a phone number" "bad phone is refused, naming the field" -- "$ACCORD" customer add --name X --phone 12ab
expect_fail 2 "emails:" "bad e-mail is refused" -- "$ACCORD" customer add --name X --email nobody@
expect_fail 2 "name: required" "missing name is refused" -- "$ACCORD" customer add --city Rome
expect_fail 2 "consent_sms: 'maybe' is not yes or no" "bad yes/no is refused" -- "$ACCORD" customer add --name X --consent-sms maybe
expect_fail 1 "unknown option --colour" "unknown option is a usage error" -- "$ACCORD" customer add --colour red
expect_fail 1 "unknown verb" "unknown verb is a usage error" -- "$ACCORD" customer fly
expect_fail 1 "expected ID" "missing argument is a usage error" -- "$ACCORD" customer show
expect_fail 2 "no record with id" "unknown id is refused" -- "$ACCORD" customer show 0123456789abcdef
expect_fail 2 "not a record id" "malformed id is refused" -- "$ACCORD" customer show zz
check "errors come as JSON with --json" \
    bash -c "'$ACCORD' --json customer add --name X --phone 12ab 2>/dev/null | jq -e '.error == \"EINVAL\" and (.message | contains(\"phones\"))' >/dev/null"
check "--help on a verb" bash -c "'$ACCORD' deal move --help | grep -q 'usage: accord'"
check "the node survived the bad input" bash -c "'$ACCORD' customer list >/dev/null"

search_finds() { "$ACCORD" --json customer search "$1" | jq -e --arg id "$2" 'map(.id) | index($id) != null' >/dev/null; }
check "search: Persian letters find Arabic ones" search_finds "علی" "$C1"
check "search: phone suffix in another format" search_finds "555-12 34" "$C1"
check "search: Persian digits" search_finds "۵۵۵۱۲۳۴" "$C1"
check "search: Chinese substring" search_finds "小明" "$C2"
check "search: case and accents folded" search_finds "MULLER" "$C3"
check "search: e-mail prefix" search_finds "anna@exa" "$C3"
check "search: tag" bash -c "'$ACCORD' --json customer search --by tag VIP | jq -e 'length == 1' >/dev/null"
check "search: branch" bash -c "'$ACCORD' --json customer search --by branch tehran-1 | jq -e 'length == 3' >/dev/null"

# by its short id (a time-ordered id's digits 19-26: its first ones are the clock, shared)
check "customer edit" "$ACCORD" customer edit "${C1:18:8}" --city Shiraz --phone 021-8888-7777 --remove-email ali@example.com
check "edit took effect" bash -c "'$ACCORD' --json customer show '$C1' | jq -e '.city == \"Shiraz\" and (.phones | length) == 2 and (.emails == null)' >/dev/null"
check "customer edit --clear empties a field" bash -c "'$ACCORD' customer edit '$C1' --clear city >/dev/null && '$ACCORD' --json customer show '$C1' | jq -e '.city == null' >/dev/null && '$ACCORD' customer edit '$C1' --city Shiraz >/dev/null"
expect_fail 2 "name: required, cannot be cleared" "a required field cannot be cleared" -- "$ACCORD" customer edit "$C1" --clear name
check "customer tag add and remove" "$ACCORD" customer tag "$C1" fleet -vip
check "tags changed" bash -c "'$ACCORD' --json customer show '$C1' | jq -e '.tags == [\"fleet\"]' >/dev/null"

D1=$("$ACCORD" deal add --customer "$C1" --title "Peugeot 207" --amount 12500.50 --currency EUR --close 2026-12-15 --probability 40)
check "deal add" [ ${#D1} = 32 ]
check "deal amount kept in minor units" bash -c "'$ACCORD' --json deal show '$D1' | jq -e '.amount == 1250050 and .amount_text == \"12500.50\" and .stage == \"Lead\"' >/dev/null"
check "deal move" "$ACCORD" deal move "$D1" Won
check "deal list --stage" bash -c "'$ACCORD' --json deal list --stage Won | jq -e 'length == 1' >/dev/null"
expect_fail 2 "not in the pipeline" "deal move to an unknown stage" -- "$ACCORD" deal move "$D1" Maybe
expect_fail 2 "has decimals, and this currency has none" "too many decimals for the currency" -- "$ACCORD" deal add --customer "$C1" --title x --amount 1.5 --currency JPY
expect_fail 2 "not a known ISO 4217" "unknown currency" -- "$ACCORD" deal add --customer "$C1" --title x --amount 1 --currency ABC
expect_fail 2 "is a deal, not a customer" "deal of a deal is refused" -- "$ACCORD" deal add --customer "$D1" --title x

TODAY=$(date +%F)
T1=$("$ACCORD" task add --title "call back" --due "$TODAY" --related "$C1")
T2=$("$ACCORD" task add --title "send offer" --due 2020-01-01)
check "task list --due today" bash -c "'$ACCORD' --json task list --due today | jq -e 'map(.id) == [\"$T1\"]' >/dev/null"
check "task list --overdue" bash -c "'$ACCORD' --json task list --overdue | jq -e 'map(.id) == [\"$T2\"]' >/dev/null"
check "task done" "$ACCORD" task done "$T2"
check "done task is no longer overdue" bash -c "'$ACCORD' --json task list --overdue | jq -e 'length == 0' >/dev/null"
expect_fail 2 "is not a date" "bad due date" -- "$ACCORD" task add --title x --due 2026-02-30
# issue 15, item 4: a due time and a reminder; a person's tasks, a calendar's days
T3=$("$ACCORD" task add --title "visit the fleet" --due 2026-03-10 --due-time ۱۴:۳۰ --reminder 45 --assignee mina)
check "task add --due-time (Persian digits) --reminder, and task list --assignee --from --to" \
    bash -c "set -o pipefail; '$ACCORD' --json task list --assignee mina --from 2026-03-01 --to 2026-03-31 | jq -e 'length == 1 and .[0].id == \"$T3\" and .[0].due_time == \"14:30\" and .[0].reminder == 45' >/dev/null"
check "task list --from past its due date finds none" \
    bash -c "set -o pipefail; '$ACCORD' --json task list --assignee mina --from 2026-03-11 | jq -e 'length == 0' >/dev/null"
check "task edit --due-time" "$ACCORD" task edit "$T3" --due-time 9:05
check "... and the table shows it" bash -c "set -o pipefail; '$ACCORD' task list --assignee mina | grep -q '2026-03-10  09:05'"
check "overdue once the due time has passed that day (09:05, now 09:06)" \
    bash -c "set -o pipefail; '$ACCORD' --json task list --overdue --today 2026-03-10 --now 09:06 | jq -e 'map(.id) == [\"$T3\"]' >/dev/null"
check "not before (now 09:04)" \
    bash -c "set -o pipefail; '$ACCORD' --json task list --overdue --today 2026-03-10 --now 09:04 | jq -e 'length == 0' >/dev/null"
expect_fail 2 "due_time: give the due date too" "a due time without a due date" -- "$ACCORD" task add --title x --due-time 10:00
expect_fail 2 "is not a time of day as HH:MM" "an ambiguous due time" -- "$ACCORD" task edit "$T3" --due-time 9:5
expect_fail 2 "from 0 to 10080" "a reminder more than a week before" -- "$ACCORD" task edit "$T3" --reminder 20000
expect_fail 2 "clear due_time too" "the due date cleared under a due time" -- "$ACCORD" task edit "$T3" --clear due
check "both cleared together" "$ACCORD" task edit "$T3" --clear due --clear due_time
check "task done (of the fleet visit)" "$ACCORD" task done "$T3"

I1=$("$ACCORD" log call "$C1" --summary "asked for a price" --outcome interested --when 2026-11-20T10:00+03:30)
check "log call" [ ${#I1} = 32 ]
check "interaction time normalised to UTC" bash -c "'$ACCORD' --json customer show '$I1' 2>/dev/null; '$ACCORD' --json history '$I1' | jq -e '.[0].changes | map(select(.field == \"when\"))[0].value == \"2026-11-20T06:30:00Z\"' >/dev/null"
expect_fail 2 "that record is an interaction" "an interaction is not edited as a customer" -- "$ACCORD" customer edit "$I1" --name x
check "note add" "$ACCORD" note add "$C1" prefers morning calls
check "log list and note list: a customer's calls (summary, outcome, time) and notes" bash -c "
    '$ACCORD' --json log list --customer '$C1' | jq -e 'length == 1 and .[0].summary == \"asked for a price\" and .[0].outcome == \"interested\" and .[0].when == \"2026-11-20T06:30:00Z\"' >/dev/null &&
    '$ACCORD' --json note list --customer '$C1' | jq -e 'length == 1 and .[0].text == \"prefers morning calls\"' >/dev/null"
K1=$("$ACCORD" contact add --customer "$C1" --name "Kaveh" --phone "0912 111 0000")
check "contact edit: a field set, a phone removed and an e-mail added as sets" bash -c "
    '$ACCORD' contact edit '$K1' --role Buyer --remove-phone 09121110000 --email kaveh@example.com >/dev/null &&
    '$ACCORD' --json contact list --customer '$C1' | jq -e '.[0].role == \"Buyer\" and (.[0].phones // [] | length) == 0 and .[0].emails == [\"kaveh@example.com\"]' >/dev/null"
check "history: every change, signed" bash -c "'$ACCORD' --json history '$C1' | jq -e 'length == 5 and all(.signature == \"valid\") and all(.author == \"sara\") and all(.branch == \"tehran-1\")' >/dev/null"

check "customer delete" "$ACCORD" customer delete "$C3"
check "deleted customer leaves list and search" bash -c "'$ACCORD' --json customer list | jq -e 'length == 2' >/dev/null && '$ACCORD' --json customer search anna | jq -e 'length == 0' >/dev/null"
expect_fail 2 "was deleted" "editing a deleted customer" -- "$ACCORD" customer edit "$C3" --city x
check "lists come sorted by name, whatever the case" bash -c "'$ACCORD' --json customer list | jq -e 'map(.name) == (map(.name) | sort_by(ascii_downcase))' >/dev/null"
check "tasks come sorted by due date" bash -c "'$ACCORD' --json task list | jq -e 'map(.due) == (map(.due) | sort)' >/dev/null"
check "no conflicts on one node" bash -c "'$ACCORD' --json conflicts | jq -e 'length == 0' >/dev/null"

check "a name that grows 18-fold when folded is stored and found" \
    bash -c "'$ACCORD' customer add --name \"\$(printf 'ﷺ%.0s' \$(seq 66))\" >/dev/null && '$ACCORD' customer search ﷺ >/dev/null"

# nothing is cut off (issue 13 item 15): 300 long tags (8.7 KB) are shown, listed and exported
# whole; a list that leaves records out says so and how to go on (--limit, --after)
MANY=$("$ACCORD" customer add --name "Many Tags" --city Qom)
for b in 0 1 2 3 4; do
    "$ACCORD" customer tag "$MANY" $(for i in $(seq 0 59); do printf 'a-rather-long-tag-name-%03d ' $((b * 60 + i)); done) >/dev/null
done
check "customer show prints all 300 tags" bash -c "[ \$('$ACCORD' customer show '$MANY' | grep '^tags ' | grep -o 'a-rather-long-tag-name-[0-9]*' | sort -u | wc -l) = 300 ]"
check "customer search finds it by its last tag, with all 300" \
    bash -c "'$ACCORD' --json customer search --by tag a-rather-long-tag-name-299 | jq -e 'length == 1 and (.[0].tags | length) == 300 and .[0].city == \"Qom\"' >/dev/null"
check "export csv: the tags cell holds all 300" bash -c "'$ACCORD' export customers --out '$W/many.csv' 2>/dev/null &&
    python3 -c 'import csv,sys; r=[x for x in csv.DictReader(open(sys.argv[1], encoding=\"utf-8-sig\")) if x[\"name\"] == \"Many Tags\"]; sys.exit(len(r[0][\"tags\"].split(\", \")) != 300)' '$W/many.csv'"
check "export vcard: CATEGORIES holds all 300" bash -c "'$ACCORD' export customers --format vcard --out '$W/many.vcf' 2>/dev/null &&
    [ \$(sed -z 's/\r\n //g' '$W/many.vcf' | grep -a '^CATEGORIES:a-rather' | tr ',' '\n' | wc -l) = 300 ]"
check "a page that leaves customers out says how to go on" \
    bash -c "'$ACCORD' customer list --limit 2 | grep -q '^\.\.\. more customers: run again with --after [0-9a-f]\{32\}'"
check "--after: the pages hold every customer once" bash -c "
    next=\$('$ACCORD' --json customer list --limit 2 2>&1 >/dev/null | grep -o '[0-9a-f]\{32\}') &&
    [ \"\$( ('$ACCORD' --json customer list --limit 2 2>/dev/null; '$ACCORD' --json customer list --after \$next 2>/dev/null) | jq -r '.[].id' | sort)\" = \"\$('$ACCORD' --json customer list | jq -r '.[].id' | sort)\" ] &&
    ! '$ACCORD' customer list --after \$next | grep -q '^\.\.\. more'"
expect_fail 2 "from 1 to 1000" "--limit past the page maximum is refused, naming it" -- "$ACCORD" customer list --limit 1001
check "a sorted page: --sort, --desc and --offset, and where it is in the whole" bash -c "
    all=\$('$ACCORD' --json customer list --sort name --desc | jq -r '.[].name') &&
    [ \"\$('$ACCORD' --json customer list --sort name --desc --offset 1 --limit 1 2>/dev/null | jq -r '.[0].name')\" = \"\$(echo \"\$all\" | sed -n 2p)\" ] &&
    '$ACCORD' customer list --sort name --offset 1 --limit 1 | grep -q '^\.\.\. 2-2 of [0-9]* customers: run again with --offset 2'"
check "--tag and --city list only those customers" bash -c "
    '$ACCORD' customer add --name 'Tagged Tabriz' --city TABRIZ --tag Listed >/dev/null &&
    out=\$('$ACCORD' --json customer list --sort name --tag listed --city tabriz) &&
    echo \"\$out\" | jq -e 'length == 1 and .[0].name == \"Tagged Tabriz\"' >/dev/null"

# many clients at once: every acknowledged write is there
pids=()
for i in $(seq 40); do "$ACCORD" customer add --name "Parallel $i" --phone "0912000$(printf %04d "$i")" >/dev/null & pids+=($!); done
wait "${pids[@]}"
check "40 concurrent clients" bash -c "'$ACCORD' --json customer search parallel --limit 100 | jq -e 'length == 40' >/dev/null"

# ops tools beside a running node
check "check: a live node's state is what its feed gives" bash -c "'$CTL' --json check --data '$ACCORD_DATA' | jq -e '.ok and .records > 40 and .missing == 0' >/dev/null"
expect_fail 3 "stop it before --repair" "check --repair refuses while the node runs" -- "$CTL" check --data "$ACCORD_DATA" --repair
expect_fail 4 "is running: stop it first" "epoch new refuses while the node runs (it holds the directory's lock)" -- "$CTL" epoch new --data "$ACCORD_DATA" --force
expect_fail 4 "is running: stop it before replacing its data" "snapshot install --replace refuses while the node runs" -- "$CTL" snapshot install --data "$ACCORD_DATA" --replace /nonexistent.acs
check "backup of a running node" "$CTL" backup --data "$ACCORD_DATA" "$W/backup"
check "the backup holds a sound feed" bash -c "'$CTL' --json feed verify --data '$W/backup' | jq -e '.ok and .records > 40' >/dev/null"
expect_fail 1 "give a new directory" "backup refuses an existing directory" -- "$CTL" backup --data "$ACCORD_DATA" "$W/backup"
check "backup DEST makes DEST's missing parent folders, mode 0700" \
    bash -c "'$CTL' backup --data '$ACCORD_DATA' '$W/backups/2026-12/n1' >/dev/null && [ -f '$W/backups/2026-12/n1/data.mdb' ] && [ \$(stat -c %a '$W/backups/2026-12') = 700 ]"
expect_fail 4 "cannot make the folder $W/a-file: Not a directory" "backup under a file says which folder it cannot make (exit 4)" -- \
    "$CTL" backup --data "$ACCORD_DATA" "$W/a-file/backups/n1"

# durability: acknowledged writes survive kill -9
for i in $(seq 25); do "$ACCORD" customer add --name "Durable $i" >/dev/null; done
crash n1
start n1 || exit 1  # the stale socket file and the dead node's lock do not stop it
check "acknowledged writes survive kill -9" bash -c "'$ACCORD' --json customer search durable --limit 100 | jq -e 'length == 25' >/dev/null"
check "a write after restart continues the feed" bash -c "'$ACCORD' customer add --name 'After restart' >/dev/null"
stop n1

check "feed verify: sound" bash -c "'$CTL' --json feed verify --data '$ACCORD_DATA' | jq -e '.ok and .records == .head_seq and .records > 60' >/dev/null"
check "check --repair with the node stopped rebuilds the same state" bash -c "'$CTL' check --data '$ACCORD_DATA' --repair >/dev/null && '$CTL' --json check --data '$ACCORD_DATA' | jq -e '.ok' >/dev/null"
check "feed export" bash -c "'$CTL' feed export --data '$ACCORD_DATA' --out '$W/feed.bin' && [ -s '$W/feed.bin' ]"
check "an independent verifier (Python, from PROTOCOL.md) accepts the export" \
    bash -c "tests/integration/verify_feed.py '$W/feed.bin' | grep -q '^sound: '"
# flip one byte inside the 10th record's bytes of the export: the verifier must refuse it
python3 - "$W/feed.bin" "$W/bad.bin" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[len(data) // 2] ^= 0x20
open(sys.argv[2], "wb").write(data)
PY
check "the independent verifier refuses a flipped byte" bash -c "! tests/integration/verify_feed.py '$W/bad.bin' >/dev/null"
sanitizer_check
echo "# integration done: $n checks"
