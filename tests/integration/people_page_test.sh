#!/usr/bin/env bash
# People and passwords on the pages (issue 17 "People and permissions", items 1 and 5): the
# routes that hash a password on the node's HTTP thread (POST /api/password, /api/users/add,
# /api/users/password) and their refusals, checked with curl; then the branch app and the HQ
# dashboard in headless Chromium (tests/browser/people.mjs): an org admin at a branch makes a
# staff user there, who signs in, changes their password (staying signed in), signs out and
# back in with the new one while the old one is refused; the admin disables them and their
# open session ends; staff see no People page. Nodes listen on 127.0.0.1 and ipc:// only.
# TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-peoplepage-XXXXXX)
. tests/integration/lib.sh

org_and_nodes hq:hub b1
HUB_EP="tcp://127.0.0.1:$(free_port)"
PH=$(free_port); P1=$(free_port)
start hq --listen "$HUB_EP" --http "$PH" || exit 1
start b1 --upstream "$HUB_EP" --upstream-key "$(pub hq)" --http "$P1" || exit 1
U1="http://127.0.0.1:$P1"; UH="http://127.0.0.1:$PH"

# sign_in PORT USER PASSWORD [JAR]: the HTTP status (303 signed in); the jar holds the session
sign_in() { curl -s -o /dev/null -w '%{http_code}' -c "${4:-$W/jar.$1.$2}" --data-urlencode "user=$2" \
    --data-urlencode "password=$3" "http://127.0.0.1:$1/login"; }
csrf() { curl -s -b "$1" "http://127.0.0.1:$2/api/session" | jq -r .csrf; }
# post JAR PORT PATH FIELD=VALUE...: the status; the answer in $W/answer.json, a new cookie kept in the jar
post() {
    local jar=$1 port=$2 path=$3 args=() f; shift 3
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    curl -s -o "$W/answer.json" -w '%{http_code}' -b "$jar" -c "$jar" -H "X-CSRF-Token: $(csrf "$jar" "$port")" \
        "${args[@]}" "http://127.0.0.1:$port$path"
}
reason() { jq -r '.reason // .error // empty' "$W/answer.json"; }
session_status() { curl -s -o /dev/null -w '%{http_code}' -b "$1" "http://127.0.0.1:$2/api/session"; }
user_known() { "$CTL" --json user list --data "$W/$1" | jq -e --arg u "$2" 'map(select(.login == $u)) | length == 1'; }
export -f user_known

# 1. before the org has users: the node's local users sign in, and change no password here
echo 'keeper password 1' | "$CTL" user add --data "$W/b1" --name keeper --role admin >/dev/null
check "a local user signs in at b1 (the org has no users)" [ "$(sign_in "$P1" keeper 'keeper password 1')" = 303 ]
s=$(post "$W/jar.$P1.keeper" "$P1" /api/password 'current=keeper password 1' 'password=a new password 1' 'again=a new password 1')
check "POST /api/password before the org has users: 409, reason local_users, and it says accordctl user add (got $s $(reason))" \
    bash -c "[ $s = 409 ] && jq -e '.reason == \"local_users\" and (.message | test(\"accordctl user add\"))' '$W/answer.json' >/dev/null"
s=$(post "$W/jar.$P1.keeper" "$P1" /api/users/add login=eve 'password=eve password 1' 'role=staff branch b1')
check "POST /api/users/add before the org has users: 409 (got $s)" [ "$s" = 409 ]
check "the session says the org has no users (people false)" \
    bash -c "curl -s -b '$W/jar.$P1.keeper' '$U1/api/session' | jq -e '.people == false and .hub == false' >/dev/null"

# 2. the org's first user, an org admin made at HQ, replicates to b1
echo 'boss password 1' | "$CTL" user add --data "$W/hq" --login boss --name 'The Boss' --role admin --org >/dev/null
check "the first user reaches b1" wait_until 30 user_known b1 boss
check "boss (admin, org) signs in at b1" [ "$(sign_in "$P1" boss 'boss password 1')" = 303 ]
BOSS="$W/jar.$P1.boss"
s=$(post "$BOSS" "$P1" /api/users/add login=reza 'name=Reza' 'password=reza password 1' 'role=staff branch b1')
check "boss makes reza, staff of b1, through POST /api/users/add (got $s)" [ "$s" = 200 ]
check "reza is a user of the org, staff of b1" \
    bash -c "[ \"\$('$CTL' --json user list --data '$W/b1' | jq -r '.[] | select(.login == \"reza\") | .roles[0]')\" = 'staff branch b1' ]"
s=$(post "$BOSS" "$P1" /api/users/add login=wide 'password=wide password 1' 'role=staff org')
check "an org-wide role given at a branch is the node's EPERM: 403 with its reason (got $s $(reason))" \
    bash -c "[ $s = 403 ] && jq -e '.error == \"EPERM\" and (.message | length > 10)' '$W/answer.json' >/dev/null"
s=$(post "$BOSS" "$P1" /api/users/add login=tiny password=short 'role=staff branch b1')
check "a new user's password too short: 400 short (got $s $(reason))" bash -c "[ $s = 400 ] && [ '$(reason)' = short ]"
s=$(post "$BOSS" "$P1" /api/node/user_set login=reza 'password_hash=$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')
check "/api/node/user_set refuses a password_hash from the browser: 400, a hash is not taken over HTTP (got $s)" \
    bash -c "[ $s = 400 ] && jq -e '.message | test(\"not taken over HTTP\")' '$W/answer.json' >/dev/null"
s=$(post "$BOSS" "$P1" /api/users/password login=boss 'password=boss password 2')
check "an admin's reset of their own password: 400 self (got $s $(reason))" bash -c "[ $s = 400 ] && [ '$(reason)' = self ]"

# 3. reza's own password: the refusals, then the change
check "reza signs in at b1" [ "$(sign_in "$P1" reza 'reza password 1')" = 303 ]
check "and again in another browser" [ "$(sign_in "$P1" reza 'reza password 1' "$W/jar.other")" = 303 ]
REZA="$W/jar.$P1.reza"
s=$(post "$REZA" "$P1" /api/password 'current=not my password' 'password=reza password 2' 'again=reza password 2')
check "a wrong current password: 403 wrong_current (got $s $(reason))" bash -c "[ $s = 403 ] && [ '$(reason)' = wrong_current ]"
s=$(post "$REZA" "$P1" /api/password 'current=reza password 1' password=short again=short)
check "a new password too short: 400 short (got $s $(reason))" bash -c "[ $s = 400 ] && [ '$(reason)' = short ]"
s=$(post "$REZA" "$P1" /api/password 'current=reza password 1' 'password=reza password 2' 'again=reza password 3')
check "the two new ones differ: 400 mismatch (got $s $(reason))" bash -c "[ $s = 400 ] && [ '$(reason)' = mismatch ]"
s=$(post "$REZA" "$P1" /api/users/add login=eve 'password=eve password 1' 'role=staff branch b1')
check "staff cannot make users: 403 (got $s)" [ "$s" = 403 ]
cp "$REZA" "$W/jar.before"
s=$(post "$REZA" "$P1" /api/password 'current=reza password 1' 'password=reza password 2' 'again=reza password 2')
check "reza changes the password: 200 with a new CSRF token (got $s)" \
    bash -c "[ $s = 200 ] && jq -e '.ok and (.csrf | length == 32)' '$W/answer.json' >/dev/null"
check "the browser that changed it stays signed in (its fresh cookie)" [ "$(session_status "$REZA" "$P1")" = 200 ]
check "the old cookie of that browser no longer works" [ "$(session_status "$W/jar.before" "$P1")" = 401 ]
check "reza's other session has ended" [ "$(session_status "$W/jar.other" "$P1")" = 401 ]
check "the old password is refused" [ "$(sign_in "$P1" reza 'reza password 1' "$W/jar.x")" = 401 ]
check "the new one signs in" [ "$(sign_in "$P1" reza 'reza password 2' "$W/jar.x")" = 303 ]
check "the new password replicates: reza signs in at HQ with it" \
    wait_until 30 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode user=reza --data-urlencode 'password=reza password 2' '$UH/login')\" = 303 ]"
s=$(post "$BOSS" "$P1" /api/users/password login=reza 'password=reza password 9')
check "boss resets reza's password (got $s)" [ "$s" = 200 ]
check "reza's sessions end with the reset" [ "$(session_status "$REZA" "$P1")" = 401 ]
check "and the reset password signs in" [ "$(sign_in "$P1" reza 'reza password 9')" = 303 ]

# a throttled change of one's own password costs the node no hash: the HTTP thread is one,
# and an Argon2id hash (64 MiB) per try would stall every page of the node
post "$BOSS" "$P1" /api/users/add login=tess 'password=tess password 1' 'role=staff branch b1' >/dev/null
check "tess signs in at b1" [ "$(sign_in "$P1" tess 'tess password 1')" = 303 ]
TESS="$W/jar.$P1.tess"
for i in 1 2 3 4 5 6; do post "$TESS" "$P1" /api/password "current=wrong $i" 'password=tess password 2' >/dev/null; done
# the first lock is 1 s, too short for 8 tries on a loaded machine: a wrong try after each
# lock doubles the next (2, 4, then 8 s)
for wait_s in 1.2 2.2 4.2; do
    sleep "$wait_s"
    post "$TESS" "$P1" /api/password "current=wrong after $wait_s" 'password=tess password 2' >/dev/null
done
cpu_ticks() { awk '{print $14 + $15}' "/proc/${pid[b1]}/stat"; }
before=$(cpu_ticks); codes=""
for i in 1 2 3 4 5 6 7 8; do codes="$codes$(post "$TESS" "$P1" /api/password "current=wrong $i" 'password=tess password 2')"; done
spent=$(( $(cpu_ticks) - before ))
check "8 tries while throttled: each 429 ($codes), and the node spent $spent ticks of CPU on them (no hash: under 20)" \
    bash -c "[ '$codes' = '$(printf '429%.0s' 1 2 3 4 5 6 7 8)' ] && [ $spent -lt 20 ]"

# 4. the pages in headless Chromium
mkdir -p "$BUILD/screenshots"
rm -f "$BUILD"/screenshots/people-*.png
if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules/playwright-core ]; then
    node tests/browser/people.mjs "$U1" "$UH" 'boss:boss password 1' 'reza:reza password 9' "$BUILD/screenshots" > "$W/browser.out" 2>&1
    check "in headless Chromium: boss makes nima (staff, b1) on the People page, nima changes their password and stays signed in, signs out and in with the new one (the old refused), boss disables nima and nima's open page is signed out; staff see no People page; the password form and the People page in Persian (right to left, every word Persian); the dashboard's People for boss at HQ" [ $? = 0 ]
    sed 's/^/# /' "$W/browser.out"
    check "nima is on the node, staff of b1 and disabled" \
        bash -c "'$CTL' --json user list --data '$W/b1' | jq -e '.[] | select(.login == \"nima\") | .disabled and .roles == [\"staff branch b1\"]' >/dev/null"
else
    nok "people and passwords in headless Chromium (chromium or tests/browser/node_modules missing: run deploy/install-deps.sh)"
fi
stop_all
sanitizer_check
echo "# people page done: $n checks"
