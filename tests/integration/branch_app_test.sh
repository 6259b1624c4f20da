#!/usr/bin/env bash
# The branch app served by a branch node (issue "Branch web app", first part): the node's
# API over HTTP as the signed-in user, CSRF on every change, a manager cannot change
# records; then the page itself in headless Chromium. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-branchapp-XXXXXX)
. tests/integration/lib.sh
jqt() { jq -e "$@" >/dev/null; }

"$CTL" node init --data "$W/b1" --name tehran-1 >/dev/null
echo 'staff password 1' | "$CTL" user add --data "$W/b1" --name sara --role staff >/dev/null
echo 'manager password 1' | "$CTL" user add --data "$W/b1" --name boss --role manager >/dev/null
HTTP=$(free_port)
U="http://127.0.0.1:$HTTP"
start b1 --http "$HTTP" || exit 1
curl -s -c "$W/jar" -o /dev/null -d 'user=sara&password=staff+password+1' "$U/login"
CSRF=$(curl -s -b "$W/jar" "$U/api/session" | jq -r .csrf)
code() { curl -s -o "$W/out.json" -w '%{http_code}' "$@"; }
check "on a branch, / is the branch app" bash -c "curl -s -b '$W/jar' '$U/' | grep -q 'branch.js'"
check "a change without the CSRF token is refused (403)" [ "$(code -b "$W/jar" -d kind=customer -d name=X "$U/api/node/create")" = 403 ]
check "with it, staff add a customer as themselves" \
    bash -c "[ \$(curl -s -o '$W/c.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' -d kind=customer --data-urlencode 'name=علي رضايي' --data-urlencode 'add:phones=+98 912 111 2222' -d user=mallory '$U/api/node/create') = 200 ]"
ID=$(jq -r .result.id "$W/c.json")
check "the record's author is the signed-in user, not the one the form named" \
    bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json history '$ID' | jq -e '.[0].author == \"sara\"' >/dev/null"
check "search through the app's API finds it by Persian letters and by a phone in another format" \
    bash -c "curl -s -b '$W/jar' -G --data-urlencode 'q=علی رضایی' -d kind=customer '$U/api/node/search' | jq -e '.result.items[0].id == \"$ID\"' >/dev/null &&
             curl -s -b '$W/jar' -G -d q=09121112222 -d kind=customer '$U/api/node/search' | jq -e '.result.items | length == 1' >/dev/null"
check "a bad value is refused with the node's message (400)" \
    bash -c "[ \$(curl -s -o '$W/bad.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' -d kind=customer -d name=Y -d 'add:emails=not-an-email' '$U/api/node/create') = 400 ] && jq -e '.error == \"EINVAL\"' '$W/bad.json' >/dev/null"
check "a verb the app does not offer is 404" [ "$(code -b "$W/jar" -H "X-CSRF-Token: $CSRF" -d x=1 "$U/api/node/import")" = 404 ]
curl -s -c "$W/jar2" -o /dev/null -d 'user=boss&password=manager+password+1' "$U/login"
C2=$(curl -s -b "$W/jar2" "$U/api/session" | jq -r .csrf)
check "a manager reads but cannot change records (403)" \
    bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar2' -H 'X-CSRF-Token: $C2' -d kind=customer -d name=Z '$U/api/node/create') = 403 ] &&
             curl -s -b '$W/jar2' -G -d kind=customer '$U/api/node/list' | jq -e '.result.items | length == 1' >/dev/null"
# a deal to drag on the board and an overdue task for "my tasks"
curl -s -o /dev/null -b "$W/jar" -H "X-CSRF-Token: $CSRF" -d kind=deal -d customer="$ID" -d "title=Test drive deal" -d amount=1500 -d currency=EUR "$U/api/node/create"
curl -s -o /dev/null -b "$W/jar" -H "X-CSRF-Token: $CSRF" -d kind=task -d "title=Overdue follow-up" -d due=2026-01-02 "$U/api/node/create"
check "a contact and a note of the customer are made" bash -c "
    [ \$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' -d kind=contact -d customer='$ID' -d 'name=Reza Ahmadi' -d 'role=Fleet manager' '$U/api/node/create') = 200 ] &&
    [ \$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' -d kind=note -d related='$ID' --data-urlencode 'text=ترجیح می‌دهد عصرها پیامک بگیرد' '$U/api/node/create') = 200 ]"
check "a list's flags arrive as booleans: the overdue task is listed" \
    bash -c "curl -s -b '$W/jar' -G -d kind=task -d overdue=true '$U/api/node/list' | jq -e '.result.items | length == 1' >/dev/null"
# lists that scale (issue 15 item 5): a sorted page of the whole filtered set with its total
for i in 1 2 3; do
    curl -s -o /dev/null -b "$W/jar" -H "X-CSRF-Token: $CSRF" -d kind=customer -d "name=Listed $i" -d city=Tabriz \
        -d "add:tags=vip" -d "add:emails=listed$i.karimi@gmail.com" "$U/api/node/create"
done
check "a sorted list pages by offset through the app's API and says the total (numbers and flags as text)" \
    bash -c "curl -s -b '$W/jar' -G -d kind=customer -d sort=name -d desc=true -d offset=2 -d limit=1 '$U/api/node/list' |
             jq -e '.result.total == 4 and (.result.items | length) == 1 and .result.items[0].name == \"Listed 2\" and .result.more == true' >/dev/null"
check "filters are ANDed and folded: city and tag" \
    bash -c "curl -s -b '$W/jar' -G -d kind=customer -d sort=name -d city=TABRIZ -d tag=VIP '$U/api/node/list' | jq -e '.result.total == 3' >/dev/null &&
             curl -s -b '$W/jar' -G -d kind=customer -d sort=name -d city=tabriz -d tag=none '$U/api/node/list' | jq -e '.result.total == 0' >/dev/null"
check "the board's totals: every deal's count and amount per stage and currency, in minor units" \
    bash -c "curl -s -b '$W/jar' -G -d kind=deal -d totals=true -d limit=1 '$U/api/node/list' |
             jq -e '.result.totals == [{\"stage\": \"Lead\", \"currency\": \"EUR\", \"count\": 1, \"amount\": 150000}]' >/dev/null"
check "search finds a tag, part of an e-mail and a contact person, and says what matched" \
    bash -c "curl -s -b '$W/jar' -G -d q=vip -d limit=2 '$U/api/node/search' | jq -e '(.result.items | length) == 2 and .result.more == true and .result.items[0].matched == \"tag\"' >/dev/null &&
             curl -s -b '$W/jar' -G -d q=gmail '$U/api/node/search' | jq -e '(.result.items | length) == 3 and .result.items[0].matched == \"email\"' >/dev/null &&
             curl -s -b '$W/jar' -G -d q=ahmadi '$U/api/node/search' | jq -e '.result.items[0].id == \"$ID\" and .result.items[0].matched == \"contact\" and .result.items[0].contact_name == \"Reza Ahmadi\"' >/dev/null"
check "the users verb over HTTP: every user who may sign in, by name, with the role, to pick an assignee" \
    bash -c "curl -s -b '$W/jar2' '$U/api/node/users' | jq -e '.result == {items: [{name: \"boss\", role: \"manager\"}, {name: \"sara\", role: \"staff\"}], more: false}' >/dev/null"
check "a task with a due time and a reminder through the form, and the calendar's range of days" \
    bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' -d kind=task -d 'title=Call at nine' -d due=2099-03-10 -d due_time=09:00 -d reminder=30 -d assignee=sara '$U/api/node/create') = 200 ] &&
             curl -s -b '$W/jar' -G -d kind=task -d assignee=sara -d due_from=2099-03-01 -d due_to=2099-03-31 -d open=true '$U/api/node/list' | jq -e '.result.items | length == 1 and .[0].due_time == \"09:00\" and .[0].reminder == 30' >/dev/null"
mkdir -p "$BUILD/screenshots"
# the page's data: 1,100 customers from a spreadsheet (100 per city, every 10th a vip, every
# 5th in the fleet segment), a company found by its contact person, one in Kashan with a
# national id, one to edit, and deals in EUR and IRR
echo 'staff password 2' | "$CTL" user add --data "$W/b1" --name reza --role staff >/dev/null
python3 - "$W/customers.csv" <<'PY'
import sys
cities = ['Tehran', 'Isfahan', 'Shiraz', 'Tabriz', 'Mashhad', 'Karaj', 'Qom', 'Ahvaz', 'Rasht', 'Yazd', 'Kerman']
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    f.write('\ufeffName,Phone,Email,City,Tags,Segment\n')
    for i in range(1100):
        f.write('Customer %04d,0913%07d,customer.%d@example.org,%s,%s,%s\n' % (i, 1000000 + i, i, cities[i % 11], 'vip' if i % 10 == 0 else '', 'fleet' if i % 5 == 0 else 'retail'))
PY
at() { ACCORD_DATA="$W/b1" "$ACCORD" "$@"; }
at import customers "$W/customers.csv" >/dev/null
G=$(at customer add --name "Golnar Motors" --phone 09120000999 --city Shiraz)
at customer add --name "Kashan Tiles" --city Kashan --national-id 0012345678 >/dev/null
A=$(at customer add --name "Atlas Trading" --type company)
at contact add --customer "$A" --name "Parvin Tehrani" --phone "0912 444 5555" >/dev/null
at --user reza deal add --customer "$G" --title "Rial deal" --amount 1500000 --currency IRR --assigned reza >/dev/null
if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules/playwright-core ]; then
    ACCORD="$ACCORD" ACCORD_DATA="$W/b1" node tests/browser/branch.mjs "$U" sara 'staff password 1' boss 'manager password 1' "$BUILD/screenshots" > "$W/browser.out" 2>&1
    check "in headless Chromium (English, Persian, Chinese): 1,100 customers paged, sorted, filtered and searched, a saved filter; the card beside the list edited in place; a contact, a deal typed ۱۲٫۵, a task with due time and reminder, a note and a call made from the card; the board's totals per currency and the reason for Lost; a manager sees no change controls; every word translated" [ $? = 0 ]
    sed 's/^/# /' "$W/browser.out"
    check "what the page did are records of the node: the deal dragged to Won is counted, the one lost has its reason" \
        bash -c "'$CTL' --json report branches --data '$W/b1' --period \$(date -u +%Y-%m) | jq -e '.branches[0].deals_won == 1 and .branches[0].interactions_by_kind.call == 1' >/dev/null &&
                 ACCORD_DATA='$W/b1' '$ACCORD' --json deal list --stage Lost | jq -e '.[0].lost_reason == \"Bought elsewhere\"' >/dev/null"
else
    nok "the branch app in headless Chromium (chromium or tests/browser/node_modules missing: run deploy/install-deps.sh)"
fi
stop_all
sanitizer_check
echo "# branch app done: $n checks"
