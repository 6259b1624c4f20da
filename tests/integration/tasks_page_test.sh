#!/usr/bin/env bash
# My tasks, the calendar and the reminders of the branch app (issue 15, item 4). Tasks made
# through the node's API: sara's (one three days overdue; three today with a due time: one
# already past, one whose reminder is due, one whose is not; one tomorrow reminded a week
# ahead; one in five days; one in three weeks), one of reza's, one of the manager's, none of
# nima's. Then the page in headless Chromium (tests/browser/tasks.mjs), then the node's state
# through the CLI: the task the page marked done is done, and only that one. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-taskspage-XXXXXX)
. tests/integration/lib.sh

"$CTL" node init --data "$W/b1" --name tehran-1 >/dev/null
echo 'staff password 1' | "$CTL" user add --data "$W/b1" --name sara --role staff >/dev/null
echo 'staff password 2' | "$CTL" user add --data "$W/b1" --name reza --role staff >/dev/null
echo 'staff password 3' | "$CTL" user add --data "$W/b1" --name nima --role staff >/dev/null
echo 'manager password 1' | "$CTL" user add --data "$W/b1" --name boss --role manager >/dev/null
HTTP=$(free_port)
U="http://127.0.0.1:$HTTP"
start b1 --http "$HTTP" || exit 1
curl -s -c "$W/jar" -o /dev/null -d 'user=sara&password=staff+password+1' "$U/login"
CSRF=$(curl -s -b "$W/jar" "$U/api/session" | jq -r .csrf)
# create KIND FIELD=VALUE...: the new record's id, or nothing (the node's answer in $W/create.json)
create() {
    local kind=$1 args=() f; shift
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    curl -s -o "$W/create.json" -b "$W/jar" -H "X-CSRF-Token: $CSRF" -d "kind=$kind" "${args[@]}" "$U/api/node/create"
    jq -r '.result.id // empty' "$W/create.json"
}
day() { date -d "$1 day" +%F; }
CUST=$(create customer 'name=Parisa Karimi')
OVERDUE=$(create task 'title=Call back about the quote' "due=$(day -3)" assignee=sara "related=$CUST")
# due at the end of today with a reminder a day ahead: its reminder time has come, whenever this runs
TODAY=$(create task 'title=Send the brochure' "due=$(day 0)" due_time=23:59 reminder=1440 assignee=sara "related=$CUST")
check "a task with a due time and a reminder is made through the API" [ -n "$TODAY" ]
[ -n "$TODAY" ] || sed 's/^/# /' "$W/create.json"
EARLY=$(create task 'title=Open the showroom' "due=$(day 0)" due_time=00:00 assignee=sara)
LATER=$(create task 'title=Confirm the fitting' "due=$(day 0)" due_time=23:59 reminder=0 assignee=sara)
NEXT=$(create task 'title=Visit the showroom' "due=$(day 5)" assignee=sara "related=$CUST")
# due tomorrow morning, reminded a week (the most a reminder may be) ahead: due now too
RING=$(create task 'title=Ring the fleet manager' "due=$(day 1)" due_time=08:00 reminder=10080 assignee=sara "related=$CUST")
FAR=$(create task 'title=Plan next quarter' "due=$(day 21)" assignee=sara)
OTHER=$(create task 'title=Reza: order the parts' "due=$(day 0)" assignee=reza "related=$CUST")
BOSS=$(create task 'title=Review the branch targets' "due=$(day 1)" assignee=boss)
all_made() { for id in "$@"; do [ -n "$id" ] || return 1; done; }
check "the other tasks are made" all_made "$CUST" "$OVERDUE" "$EARLY" "$LATER" "$NEXT" "$RING" "$FAR" "$OTHER" "$BOSS"

mkdir -p "$BUILD/screenshots"
rm -f "$BUILD"/screenshots/tasks-*.png
if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules/playwright-core ]; then
    node tests/browser/tasks.mjs "$U" "$BUILD/screenshots" 'sara:staff password 1' 'boss:manager password 1' 'nima:staff password 3' > "$W/browser.out" 2>&1
    check "in headless Chromium: only my tasks, overdue first and saying so, the due reminder shown and dismissed, a task done, the month from Monday in English and the Solar Hijri month from Saturday in Persian, no Done for a manager, the empty state" [ $? = 0 ]
    sed 's/^/# /' "$W/browser.out"
    done_of() { ACCORD_DATA="$W/b1" "$ACCORD" --json task list | jq -r --arg id "$1" '.[] | select(.id == $id) | .done // false'; }
    check "the task marked done in the page is done on the node" [ "$(done_of "$OVERDUE")" = true ]
    check "the others are not" bash -c "for id in $EARLY $TODAY $LATER $NEXT $RING $FAR $OTHER $BOSS; do [ \"\$(ACCORD_DATA='$W/b1' '$ACCORD' --json task list | jq -r --arg id \$id '.[] | select(.id == \$id) | .done // false')\" = false ] || exit 1; done"
    check "screenshots of the list and the month in English and Persian" \
        bash -c "for f in list-en month-en list-fa month-fa; do [ -s '$BUILD/screenshots/tasks-'\$f.png ] || exit 1; done"
else
    nok "my tasks in headless Chromium (chromium or tests/browser/node_modules missing: run deploy/install-deps.sh)"
fi
stop_all
sanitizer_check
echo "# tasks page done: $n checks"
