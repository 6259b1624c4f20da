#!/usr/bin/env bash
# Every --json verb of accord and accordctl prints valid JSON whatever the data: a remote
# author with terminal escapes, note text with tabs and line breaks, file paths with a
# quote, a backslash, ESC and a byte that is not UTF-8, a currency with the same, an empty
# store, report quality's open-ended period. The verbs come from the tools' --help (their
# verb tables): a verb with no case here fails the test, so a new verb gets one. A table
# shows the same hostile text escaped (accord history: \x1b, never ESC itself). TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-json-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }

# valid JSON: one document, UTF-8, no raw control character in a string (Python's strict
# parser refuses all three), on stdin
valid_json() {
    /usr/bin/python3 -c 'import json, sys; json.loads(sys.stdin.buffer.read().decode("utf-8"))' 2>/dev/null
}
declare -A done_ctl done_accord
# ctl_json 'NOUN VERB' ARGS...: runs accordctl --json NOUN VERB ARGS; a check that its
# stdout is valid JSON (and, on exit 0, not empty; a failure may print nothing: its
# message is on stderr). ACCORDCTL_STDIN, if set, is its standard input.
ctl_json() {
    local verb=$1; shift
    done_ctl[$verb]=1
    # shellcheck disable=SC2086 # the verb's words split on purpose
    "$CTL" --json $verb "$@" < "${ACCORDCTL_STDIN:-/dev/null}" > "$W/out.json" 2>"$W/err"; local rc=$?
    [ -n "${VERBOSE:-}" ] && echo "# exit $rc: $(head -c 200 "$W/err")"
    if { [ $rc != 0 ] && [ ! -s "$W/out.json" ]; } || valid_json < "$W/out.json"; then
        ok "accordctl --json $verb: valid JSON (exit $rc)"
    else
        nok "accordctl --json $verb: valid JSON (exit $rc): $(head -c 300 "$W/out.json" | od -c | head -5) $(cat "$W/err")"
    fi
}
# accord_json NODE 'VERB' ARGS...: the same for accord at NODE; accord prints an error as
# JSON too, so its stdout must always be a JSON document
accord_json() {
    local node=$1 verb=$2; shift 2
    done_accord[$verb]=1
    # shellcheck disable=SC2086
    at "$node" --json $verb "$@" > "$W/out.json" 2>"$W/err"; local rc=$?
    if valid_json < "$W/out.json"; then ok "accord --json $verb: valid JSON (exit $rc)"
    else nok "accord --json $verb: valid JSON (exit $rc): $(head -c 300 "$W/out.json" | od -c | head -5) $(cat "$W/err")"; fi
}
jqt() { jq -e "$@" >/dev/null; }
json_of() { jq -r "$1" "$W/out.json"; }
file_and_json() { [ -e "$1" ] && jq -e "$2" "$W/out.json" >/dev/null; } # a file was made; the last JSON says so

# hostile text: a quote, a backslash, ESC (a colour escape) and a byte that is not UTF-8
EVIL=$'q"b\\\e[31m\xff'
HP="$W/paths $EVIL"                  # a folder not made yet: org init and backup make it
EVIL_USER=$'\e[31mmallory\e]0;owned\a' # an author with terminal escapes: refused (validate.h)
EVIL_CUR=$'"\e\xff'

org_and_nodes hq:hub b1 fresh
HUB_EP="tcp://127.0.0.1:$(free_port)"
HUB_KEY=$(pub hq)
start hq --listen "$HUB_EP" || exit 1
start b1 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1

# ---- accord: every verb, against b1 (the hostile author's branch) and the hub ----
ACCORD_USER=$EVIL_USER accord_json b1 "customer add" --name "Ali Rezaei" --phone "+98 912 111 2222" --email ali@example.ir
check "an author with terminal escapes is refused, and the refusal says why" \
    bash -c "jq -e '.code == \"EINVAL\"' '$W/out.json' >/dev/null || grep -q 'control characters' '$W/err'"
ACCORD_USER=mallory accord_json b1 "customer add" --name "Ali Rezaei" --phone "+98 912 111 2222" --email ali@example.ir
C1=$(json_of .id)
ACCORD_USER=mallory accord_json b1 "customer edit" "$C1" --city Tehran
C2=$(at b1 customer add --name "Ali Rezai" --phone "+98 912 111 2222")
CO=$(at b1 customer add --name "Pars Trucks" --type company)
accord_json b1 "customer show" "$C1"
accord_json b1 "customer list"
accord_json b1 "customer search" Ali
accord_json b1 "customer tag" "$C1" vip -old
accord_json b1 "customer dupes"
accord_json b1 "customer merge" "$C1" "$C2"
accord_json b1 "contact add" --customer "$CO" --name "Reza" --role buyer
K=$(json_of .id)
accord_json b1 "contact edit" "$K" --role "fleet buyer"
accord_json b1 "contact list" --customer "$CO"
ACCORD_USER=mallory accord_json b1 "deal add" --customer "$C1" --title Sedan --amount 1000 --currency EUR
D=$(json_of .id)
accord_json b1 "deal edit" "$D" --probability 60
accord_json b1 "deal move" "$D" Won
accord_json b1 "deal show" "$D"
accord_json b1 "deal list"
accord_json b1 "task add" --title "Call back" --due 2026-12-01 --related "$C1"
T=$(json_of .id)
accord_json b1 "task edit" "$T" --due-time 09:30 --reminder 15
accord_json b1 "task done" "$T"
accord_json b1 "task list"
for k in call visit email sms chat; do accord_json b1 "log $k" "$C1" --summary "talked"; done
accord_json b1 "log list" --customer "$C1"
accord_json b1 "note add" "$C1" $'a note\twith a tab\nand a second line'
N=$(json_of .id)
accord_json b1 "note list" --customer "$C1"
accord_json b1 "history" "$C1"
check "... and its JSON names the author" grep -qF '"mallory"' "$W/out.json"
accord_json b1 "conflicts"
accord_json b1 "conflicts resolve" 00000000000000000000000000000000 --keep a
accord_json b1 "status"
# sales and service: a product's name and a ticket's subject with a quote and a backslash, a
# ticket's description with a tab and a line break
accord_json b1 "product add" --sku EV-1 --name 'Oil "5W" \ q' --price 12,5 --currency EUR --tax 9 --price-in "USD 14"
PR=$(json_of .id)
accord_json b1 "product edit" "$PR" --category parts
accord_json b1 "product show" "$PR"
accord_json b1 "product list"
accord_json b1 "product search" Oil
at b1 product list > "$W/products.txt"
check "a product's name is shown as it is in the table" grep -qF 'Oil "5W" \ q' "$W/products.txt"
accord_json b1 "quote add" --customer "$C1" --currency EUR --line 'qty=2&price=12,5&description=a%09tab'
QU=$(json_of .id)
accord_json b1 "quote line" "$QU" --product "$PR" --qty 1
accord_json b1 "quote show" "$QU"
accord_json b1 "quote send" "$QU"
accord_json b1 "quote accept" "$QU"
QR=$(at b1 quote add --customer "$C1" --currency EUR --line 'qty=1&price=5&description=x')
at b1 quote send "$QR" >/dev/null
accord_json b1 "quote reject" "$QR"
accord_json b1 "quote list"
accord_json b1 "order add" --from "$QU"
OR=$(json_of .id)
accord_json b1 "order line" "$OR" --description extra --qty 1 --price 1
accord_json b1 "order show" "$OR"
accord_json b1 "order list"
accord_json b1 "invoice add" --from "$OR"
IN=$(json_of .id)
check "... and its JSON has the invoice's number" jqt '.number | startswith("B1-")' "$W/out.json"
accord_json b1 "order fulfil" "$OR"
OC=$(at b1 order add --customer "$C1" --currency EUR --line 'qty=1&price=5&description=x')
accord_json b1 "order cancel" "$OC"
accord_json b1 "invoice pay" "$IN" --amount 1
accord_json b1 "invoice show" "$IN"
accord_json b1 "invoice list"
accord_json b1 "invoice cancel" "$IN"
check "... refused (it has a payment), as a JSON error" jqt '.error == "EINVAL"' "$W/out.json"
accord_json b1 "ticket add" --customer "$C1" --subject 'Brakes "squeak" \ again' --description $'a tab\there\nand a line' --asset VIN1
TI=$(json_of .id)
accord_json b1 "ticket move" "$TI" quote
accord_json b1 "ticket assign" "$TI" mina
accord_json b1 "ticket show" "$TI"
check "... with its timeline" jqt '[.timeline[].status] == ["inquiry", "quote"]' "$W/out.json"
at b1 ticket show "$TI" > "$W/ticket.txt"
check "ticket show prints the description's tab and line break as \\t and \\n" grep -qF 'a tab\there\nand a line' "$W/ticket.txt"
accord_json b1 "ticket list"
X=$(at b1 customer add --name "Gone Soon")
accord_json b1 "customer delete" "$X"
mkdir -p "$HP"
printf 'name,phone\nGood Row,0912 555 0000\nBad Row,call me\n' > "$HP/in.csv"
accord_json b1 "import customers" "$HP/in.csv"
check "... and it names the hostile file, escaped" jqt '.file | endswith("q\"b\\\u001b[31m\ufffd/in.csv")' "$W/out.json"
# no quote or invoice here (print_test.sh prints them, --json too): the refusal as JSON
accord_json b1 "invoice print" 0123456789abcdef0123456789abcdef --out "$W/none.html"
accord_json b1 "quote print" 0123456789abcdef0123456789abcdef
done_accord[export KIND]=1 # a data file in the --format given: each JSON Lines line is one document
at b1 export customers --format jsonl > "$W/export.jsonl"
check "accord export --format jsonl: every line valid JSON" bash -c \
    "[ -s '$W/export.jsonl' ] && while IFS= read -r l; do printf '%s' \"\$l\" | /usr/bin/python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode())' || exit 1; done < '$W/export.jsonl'"
for k in invoices tickets; do
    at b1 export $k --format jsonl > "$W/export-$k.jsonl"
    check "accord export $k --format jsonl: every line valid JSON" bash -c \
        "[ -s '$W/export-$k.jsonl' ] && while IFS= read -r l; do printf '%s' \"\$l\" | /usr/bin/python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode())' || exit 1; done < '$W/export-$k.jsonl'"
done

check "the hub holds b1's changes" wait_until 20 bash -c "[ \"\$('$CTL' --json digest --data '$W/hq' | jq -r .digest)\" = \"\$('$CTL' --json digest --data '$W/b1' | jq -r .digest)\" ]"
accord_json hq "history" "$C1"
check "at the hub, the remote author is in the history" grep -qF '"mallory"' "$W/out.json"
at hq history "$C1" > "$W/history.txt"
check "accord history at the hub names the remote author and prints no ESC or BEL byte" \
    bash -c "grep -qF 'mallory' '$W/history.txt' && ! grep -q \$'[\\e\\a]' '$W/history.txt'"
at b1 customer show "$C1" > /dev/null
at b1 deal list > "$W/deals.txt"
check "a table never carries a raw ESC" bash -c "! grep -q \$'\\e' '$W/deals.txt' '$W/history.txt'"
at b1 history "$N" > "$W/history-b1.txt"
check "note text with a tab and a line break is shown as \\t and \\n in history" \
    grep -qF 'a note\twith a tab\nand a second line' "$W/history-b1.txt"

# ---- accordctl: every verb ----
ctl_json "node init" --data "$W/fresh2" --name fresh2
ctl_json "node show" --data "$W/hq"
ctl_json "org init" --out "$HP/keys/org2.key"
check "... in a folder it made, and it names the key file, escaped" \
    file_and_json "$HP/keys/org2.key" '.file | endswith("\u001b[31m\ufffd/keys/org2.key")'
ctl_json "enroll" --data "$W/hq" --org-key "$W/org.key" --node-pub "$(pub fresh2)" --name fresh2 --role branch
ctl_json "revoke" --data "$W/hq" --org-key "$W/org.key" --node-pub "$(pub fresh2)"
ctl_json "roster" --data "$W/hq"
ctl_json "sync status" --data "$W/hq"
ctl_json "sync release" --data "$W/hq" --feed 00000000000000000000000000000000
ctl_json "bundle vector" --data "$W/fresh"
"$CTL" bundle vector --data "$W/fresh" > "$W/fresh.vec"
ctl_json "bundle export" --data "$W/hq" --to "$(pub fresh)" --since "$W/fresh.vec" --out "$HP/fresh.bundle"
ctl_json "bundle import" --data "$W/fresh" "$HP/fresh.bundle"
ctl_json "digest" --data "$W/hq"
ctl_json "verify" --data "$W/b1" --hub "$HUB_EP" --hub-key "$HUB_KEY"
ctl_json "feed verify" --data "$W/hq"
ctl_json "feed export" --data "$W/b1" --out "$HP/b1.feed"
ctl_json "check" --data "$W/hq"
ctl_json "backup" --data "$W/hq" "$HP/backups/hq"
check "... into a folder it made, and it names it, escaped" \
    file_and_json "$HP/backups/hq/data.mdb" '.dir | endswith("\u001b[31m\ufffd/backups/hq")'
ctl_json "restore" --data "$W/restored" "$HP/backups/hq"
ctl_json "epoch new" --data "$W/restored" --force
ctl_json "compact" --data "$W/hq"
ctl_json "horizon" --data "$W/hq"
"$CTL" node init --data "$W/fromsnap" --name fromsnap --org-pub "$ORG" >/dev/null
ctl_json "snapshot install" --data "$W/fromsnap" "$W/hq/snapshot.acs"
ctl_json "snapshot show" "$W/hq/snapshot.acs"
ctl_json "report branches" --data "$W/hq" --period 2026
ctl_json "report customers" --data "$W/hq" --currency "$EVIL_CUR"
check "... with the currency escaped" bash -c "jq -e '.currency == \"\\\"\\u001b\\ufffd\"' '$W/out.json' >/dev/null"
ctl_json "report customers" --data "$W/fresh2"
check "... of an empty store: none counted" bash -c "jq -e '.customers_counted == 0 and .customers == []' '$W/out.json' >/dev/null"
ctl_json "report quality" --data "$W/hq"
check "... over all time: 1970-01-01 to 9999-12-31" bash -c "jq -e '.from == \"1970-01-01\" and .to == \"9999-12-31\"' '$W/out.json' >/dev/null"
ctl_json "report quality" --data "$W/fresh2"
ctl_json "report tz" --data "$W/fresh2" Asia/Tehran
echo 'a password of 24 chars' > "$W/pw"
ACCORDCTL_STDIN="$W/pw" ctl_json "user add" --data "$W/hq" --name maryam
ctl_json "user list" --data "$W/hq"
ctl_json "token add" --data "$W/hq" --user maryam --scope read --name 'a "quoted" \ name'
TOKEN_ID=$(jq -r '.token_info.id' "$W/out.json")
ctl_json "token list" --data "$W/hq"
check "token list --json keeps the quoted name whole" jq -e '.[0].name == "a \"quoted\" \\ name"' "$W/out.json"
ctl_json "token revoke" --data "$W/hq" "$TOKEN_ID"
ctl_json "audit" --data "$W/hq"
check "audit --json lists the token's addition and revocation" jq -e '[.events[].kind] | index("token_added") and index("token_revoked")' "$W/out.json"
ctl_json "user remove" --data "$W/hq" --name maryam
ctl_json "branch set" --data "$W/hq" --node b1 --code B1 --name 'Tehran "One" \ branch' --timezone Asia/Tehran
ctl_json "branch list" --data "$W/hq"
check "branch list --json keeps the name whole" bash -c "jq -e 'map(select(.node == \"b1\")) | length == 1' '$W/out.json' >/dev/null"
ctl_json "user set" --data "$W/hq" --login nobody --name x
ctl_json "user map" --data "$W/hq" --os-user "$(id -un)" --login nobody
ctl_json "user maps" --data "$W/hq"
ctl_json "user unmap" --data "$W/hq" --os-user "$(id -un)"
ctl_json "webhook add" --data "$W/hq" --url 'http://127.0.0.1:9/"quoted"\path' --events 'customer.*'
HOOK_ID=$(jq -r '.id' "$W/out.json")
ctl_json "webhook list" --data "$W/hq"
check "webhook list --json keeps the quoted URL whole" jq -e '.webhooks[0].url == "http://127.0.0.1:9/\"quoted\"\\path"' "$W/out.json"
ctl_json "webhook status" --data "$W/hq"
ctl_json "webhook log" --data "$W/hq"
ctl_json "webhook remove" --data "$W/hq" "$HOOK_ID"

# ---- every verb the tools list has a case above ----
missing=""
while IFS= read -r v; do [ -n "${done_ctl[$v]:-}" ] || missing+=" '$v'"; done \
    < <("$CTL" --help | sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)\?\)  .*/\1/p')
check "every verb 'accordctl --help' lists is checked here${missing:+ (missing:$missing)}" [ -z "$missing" ]
missing=""
while IFS= read -r v; do [ -n "${done_accord[$v]:-}" ] || missing+=" '$v'"; done \
    < <("$ACCORD" --help | sed -n 's/^  \([a-z][a-z]*\( [a-zA-Z][a-zA-Z]*\)\?\)  .*/\1/p')
check "every verb 'accord --help' lists is checked here${missing:+ (missing:$missing)}" [ -z "$missing" ]
check "the help lists were read (at least 25 verbs each)" \
    [ "${#done_ctl[@]}" -ge 25 ] && [ "$("$ACCORD" --help | grep -c '^  [a-z]')" -ge 25 ]
sanitizer_check
echo "# json_test done: $n checks"
