#!/usr/bin/env bash
# Users and branches as records (issue "People and permissions"): a user made at HQ signs
# in at both branches, at one with the hub down; disabled at HQ, they are refused at both
# once it replicates and their open sessions end. Authors are who the socket says: an
# OS account mapped to one user cannot write as another (ACCORD_USER), an unmapped one
# writes as no one. A branch that writes as a user without the role there, or gives an
# org-wide role, is refused at the hub (EPERM in sync status) and nothing is applied.
# Nodes listen on 127.0.0.1 and ipc:// only. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-people-XXXXXX)
. tests/integration/lib.sh
at() { local node=$1; shift; ACCORD_DATA="$W/$node" "$ACCORD" "$@"; }
ME=$(id -un)

org_and_nodes hq:hub b1 b2 b3
HUB_EP="tcp://127.0.0.1:$(free_port)"
HUB_KEY=$(pub hq)
PH=$(free_port); P1=$(free_port); P2=$(free_port)
start hq --listen "$HUB_EP" --http "$PH" || exit 1
start b1 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" --http "$P1" || exit 1
start b2 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" --http "$P2" || exit 1

# a web sign-in: the cookie jar $W/jar.$1.$2 holds the session; prints the HTTP status
sign_in() { curl -s -o /dev/null -w '%{http_code}' -c "$W/jar.$1.$2" --data-urlencode "user=$2" \
    --data-urlencode "password=$3" "http://127.0.0.1:$1/login"; }
session() { curl -s -o /dev/null -w '%{http_code}' -b "$W/jar.$1.$2" "http://127.0.0.1:$1/api/session"; }
user_known() { "$CTL" --json user list --data "$W/$1" | jq -e --arg u "$2" 'map(select(.login == $u)) | length == 1'; }
user_disabled() { "$CTL" --json user list --data "$W/$1" | jq -e --arg u "$2" 'map(select(.login == $u and .disabled)) | length == 1'; }
export -f user_known user_disabled

# 1. before the org has users, authors are free text as before
check "with no users yet, a write works as before" bash -c "ACCORD_DATA='$W/hq' '$ACCORD' customer add --name 'Before People' >/dev/null"
L=$(ACCORD_USER=old-timer at b1 customer add --name "Legacy From B1")
check "b1's record of before reaches the hub" wait_until 30 bash -c "ACCORD_DATA='$W/hq' '$ACCORD' customer show '$L' >/dev/null"
check "the org's first user cannot be made at a branch (EPERM)" \
    bash -c "! echo 'boss password 1' | '$CTL' user add --data '$W/b1' --login boss --role admin --org 2>'$W/first.err' && grep -q 'at the hub' '$W/first.err'"
check "the first user, made at HQ, needs no author with a role (the org has none yet)" \
    bash -c "echo 'boss password 1' | '$CTL' user add --data '$W/hq' --login boss --name 'The Boss' --role admin --org >/dev/null"
check "from then on an unmapped OS account cannot write: EAUTH, and it says how to map it" \
    bash -c "! ACCORD_DATA='$W/hq' '$ACCORD' customer add --name X 2>'$W/unmapped.err' && grep -q 'accordctl user map' '$W/unmapped.err'"
check "accordctl user map: the OS account writes as boss at HQ" bash -c "'$CTL' user map --data '$W/hq' --os-user '$ME' --login boss >/dev/null"
check "boss (admin, org) makes ali, staff of b1 and b2" \
    bash -c "echo 'ali password 12' | '$CTL' user add --data '$W/hq' --login ali --name Ali --role staff --branch b1 --roles 'staff branch b2' >/dev/null"
check "and sara, staff of b1 only" \
    bash -c "echo 'sara password 1' | '$CTL' user add --data '$W/hq' --login sara --name Sara --role staff --branch b1 >/dev/null"
check "a user's password hash is never shown (history of a user record)" \
    bash -c "! '$CTL' --json user list --data '$W/hq' | grep -q argon2"
check "the users replicate to both branches" wait_until 30 bash -c "user_known b1 ali && user_known b2 ali && user_known b1 sara"

# 2. sign-in at both branches, and at b2 with the hub down
check "ali signs in at b1's page" [ "$(sign_in "$P1" ali 'ali password 12')" = 303 ]
check "ali's session at b1 answers" [ "$(session "$P1" ali)" = 200 ]
stop hq
check "with the hub down, ali signs in at b2 (the hash is local)" [ "$(sign_in "$P2" ali 'ali password 12')" = 303 ]
check "a wrong password is refused" [ "$(sign_in "$P2" ali 'not the password')" = 401 ]
check "sara has no role at b2: she cannot sign in there" [ "$(sign_in "$P2" sara 'sara password 1')" = 401 ]
start hq --listen "$HUB_EP" --http "$PH" || exit 1

# 3. disabled at HQ: refused everywhere once it replicates; open sessions end
check "boss disables ali at HQ" bash -c "'$CTL' user set --data '$W/hq' --login ali --disable >/dev/null"
check "the change reaches both branches" wait_until 30 bash -c "user_disabled b1 ali && user_disabled b2 ali"
check "ali's open session at b1 ends" [ "$(session "$P1" ali)" = 401 ]
check "ali's open session at b2 ends" [ "$(session "$P2" ali)" = 401 ]
check "ali can no longer sign in at b1" [ "$(sign_in "$P1" ali 'ali password 12')" = 401 ]
check "nor at b2" [ "$(sign_in "$P2" ali 'ali password 12')" = 401 ]

# 4. authorship at a branch: the OS account is mapped to sara
check "at b1 the OS account writes as sara" bash -c "'$CTL' user map --data '$W/b1' --os-user '$ME' --login sara >/dev/null"
C=$(at b1 customer add --name "Sara's Customer" 2>"$W/sara.err")
check "sara (staff, b1) adds a customer at b1" [ -n "$C" ]
check "its author is sara" bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json history '$C' | jq -e '.[0].author == \"sara\"' >/dev/null"
check "ACCORD_USER=boss from an OS account mapped to sara is refused (exit 2, EAUTH)" \
    bash -c "ACCORD_USER=boss ACCORD_DATA='$W/b1' '$ACCORD' customer add --name Y 2>'$W/mismatch.err'; [ \$? = 2 ] && grep -q \"writes as 'sara'\" '$W/mismatch.err'"
check "--user boss too" bash -c "! ACCORD_DATA='$W/b1' '$ACCORD' --user boss customer add --name Y 2>/dev/null"
check "ACCORD_USER=sara (the same user) is fine" bash -c "ACCORD_USER=sara ACCORD_DATA='$W/b1' '$ACCORD' customer add --name Z >/dev/null"
check "sara may not make users at b1 (not an admin): EPERM" \
    bash -c "! echo 'eve password 12' | '$CTL' user add --data '$W/b1' --login eve --role staff --branch b1 2>'$W/eve.err' && grep -q EPERM '$W/eve.err'"

# a merge at b1 that would move a deal of HQ's is refused whole: the contact moved before it
# is not left behind in the store (it was appended, then its request refused)
X=$(at hq customer add --name "HQ Company" --type company)
at hq contact add --customer "$X" --name "Their Contact" >/dev/null
at hq deal add --customer "$X" --title "HQ's deal" >/dev/null
Q=$(at hq quote add --customer "$X" --currency EUR --title "HQ's quote" --line 'qty=2&price=12,5&description=Oil change' 2>"$W/quote.err")
check "boss makes a quote with a line at HQ (its line is judged by the quote it comes before)" [ "${#Q}" = 32 ]
check "the quote and its line reach b1" \
    wait_until 30 bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json quote show '$Q' 2>/dev/null | jq -e '.lines | length == 1' >/dev/null"
check "HQ's company, contact and deal reach b1" wait_until 30 bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json deal list | jq -e 'map(select(.title == \"HQ'\''s deal\")) | length == 1' >/dev/null"
Y=$(at b1 customer add --name "B1 Company" --type company)
check "sara cannot merge it at b1: EPERM names HQ's deal" \
    bash -c "! ACCORD_DATA='$W/b1' '$ACCORD' customer merge '$Y' '$X' 2>'$W/merge.err' && grep -q 'may not change a deal of branch hq' '$W/merge.err'"
check "nothing of the merge is in b1's state: its contact still belongs to HQ's company" \
    bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json contact list --customer '$X' | jq -e 'length == 1' >/dev/null"
check "b1's state is the one its feeds make (accordctl check)" bash -c "'$CTL' check --data '$W/b1' >/dev/null"
check "b1's audit keeps the refused merge (its transaction was thrown away)" \
    bash -c "'$CTL' --json audit --data '$W/b1' --kind permission_refused | jq -e '[.events[] | select(.user == \"sara\" and (.detail | test(\"may not change a deal\")))] | length == 1' >/dev/null"
check "and b1 writes on" bash -c "ACCORD_DATA='$W/b1' '$ACCORD' customer add --name 'After The Merge' >/dev/null"

# tokens are of the org's users too
WRITE=$("$CTL" token add --data "$W/b1" --user sara --scope write 2>/dev/null)
READ=$("$CTL" token add --data "$W/b1" --user sara --scope read 2>/dev/null)
check "token add refuses a login the org does not have" bash -c "! '$CTL' token add --data '$W/b1' --user nobody --scope read 2>/dev/null"
R=$(curl -s -H "Authorization: Bearer $WRITE" --data "kind=customer&name=By+Token" "http://127.0.0.1:$P1/api/node/create"); T=$(echo "$R" | jq -r .result.id)
check "a write token of sara's creates a customer at b1" [ "${#T}" = 32 ]
check "whose author is sara" bash -c "ACCORD_DATA='$W/b1' '$ACCORD' --json history '$T' | jq -e '.[0].author == \"sara\"' >/dev/null"
check "a read token cannot write (403)" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $READ" --data 'kind=customer&name=No' "http://127.0.0.1:$P1/api/node/create")" = 403 ]
"$CTL" token revoke --data "$W/b1" "$("$CTL" --json token list --data "$W/b1" | jq -r '.[] | select(.scope == "write") | .id')" >/dev/null
check "a revoked token gets 401" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $WRITE" "http://127.0.0.1:$P1/api/node/list?kind=customer")" = 401 ]

# 6. reports and lists respect scope
echo 'mina password 1' | "$CTL" user add --data "$W/hq" --login mina --role manager --branch b1 >/dev/null
at hq customer add --name "HQ's Customer" >/dev/null
check "sara's customer reaches HQ" wait_until 30 bash -c "ACCORD_DATA='$W/hq' '$ACCORD' customer show '$C' >/dev/null"
check "mina (manager of b1) signs in at HQ" [ "$(sign_in "$PH" mina 'mina password 1')" = 303 ]
report() { curl -s -b "$W/jar.$PH.$1" "http://127.0.0.1:$PH/api/report?period=2020-01-01..2030-12-31$2"; }
check "her dashboard's report lists b1 and no other branch" \
    bash -c "[ \"\$(curl -s -b '$W/jar.$PH.mina' 'http://127.0.0.1:$PH/api/report?period=$(date -u +%Y)' | jq -c '[.branches[].branch]')\" = '[\"b1\"]' ]"
check "asking for hq's figures is refused (403)" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' -b "$W/jar.$PH.mina" "http://127.0.0.1:$PH/api/report?period=$(date -u +%Y)&branch=hq")" = 403 ]
check "boss (org) sees hq and b1" [ "$(sign_in "$PH" boss 'boss password 1')" = 303 ]
check "boss's report holds both" \
    bash -c "curl -s -b '$W/jar.$PH.boss' 'http://127.0.0.1:$PH/api/report?period=$(date -u +%Y)' | jq -e '[.branches[].branch] | index(\"hq\") != null and index(\"b1\") != null' >/dev/null"
echo 'ba password 12' | "$CTL" user add --data "$W/hq" --login ba --role admin --branch b1 >/dev/null
check "b1's admin signed in at HQ does not see the hub's access audit (403); boss does" \
    bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -c '$W/jar.ba' --data 'user=ba&password=ba+password+12' 'http://127.0.0.1:$PH/login')\" = 303 ] &&
             [ \"\$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar.ba' 'http://127.0.0.1:$PH/api/audit')\" = 403 ] &&
             [ \"\$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar.$PH.boss' 'http://127.0.0.1:$PH/api/audit')\" = 200 ]"
check "sara signs in at b1; her lists start on b1 (the session says so)" \
    bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -c '$W/jar.$P1.sara' --data 'user=sara&password=sara+password+1' 'http://127.0.0.1:$P1/login')\" = 303 ] && curl -s -b '$W/jar.$P1.sara' 'http://127.0.0.1:$P1/api/session' | jq -e '.branch == \"b1\" and .role == \"staff\"' >/dev/null"

# 5. a compromised b1 writes as someone without the role there, or gives an org-wide role
stop b1
refusal() { "$CTL" --json sync status --data "$W/hq" | jq -r '.peers[] | select(.name == "b1") | .last_refusal.'"$1"' // empty'; }
export -f refusal
r=$("$PEER" "$HUB_EP" "$HUB_KEY" "$W/b1" author=ali 2>>"$W/peer.log")
check "b1 writes a customer as ali (disabled): the hub refuses it (EPERM, got $r)" [ "$r" = EPERM ]
check "sync status at the hub says why" bash -c "refusal code | grep -qx EPERM && refusal why | grep -q \"'ali'\""
echo 'bob password 12' | "$CTL" user add --data "$W/hq" --login bob --role staff --branch b2 >/dev/null
r=$("$PEER" "$HUB_EP" "$HUB_KEY" "$W/b1" author=bob 2>>"$W/peer.log")
check "b1 writes a customer as bob, staff of b2 only: refused (EPERM, got $r)" [ "$r" = EPERM ]
r=$("$PEER" "$HUB_EP" "$HUB_KEY" "$W/b1" grant=boss 2>>"$W/peer.log")
check "b1 writes as boss (the HQ admin) a user with an org-wide admin role: refused (EPERM, got $r)" [ "$r" = EPERM ]
check "the hub applied none of them" bash -c "! ACCORD_DATA='$W/hq' '$ACCORD' --json customer list | jq -e 'map(select(.name == \"Forged\")) | length > 0' >/dev/null && ! user_known hq evil >/dev/null"
check "the hub's audit keeps the refusals, once each" bash -c "'$CTL' --json audit --data '$W/hq' --kind permission_refused | jq -e '[.events[].detail | select(test(\"from b1\"))] | length == 3' >/dev/null"
check "b1's audit keeps the refused ACCORD_USER" bash -c "'$CTL' --json audit --data '$W/b1' --kind permission_refused | jq -e '[.events[].detail | select(test(\"ACCORD_USER\"))] | length >= 1' >/dev/null"
r=$("$PEER" "$HUB_EP" "$HUB_KEY" "$W/b1" author=sara 2>>"$W/peer.log")
check "b1 writing as sara (staff, b1) is applied (got $r)" [ "$r" = OK ]

sed "s/^/# /" "$W/peer.log"; # a node that joins now takes the whole history: the records from before the first user
# (free-text authors) and every one after, and none of the refused ones
start b3 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "a node joining later applies b1's record from before the org had users" \
    wait_until 60 bash -c "ACCORD_DATA='$W/b3' '$ACCORD' customer show '$L' >/dev/null"
check "and sara's, after" wait_until 60 bash -c "ACCORD_DATA='$W/b3' '$ACCORD' customer show '$C' >/dev/null"
check "it refused nothing" bash -c "'$CTL' --json sync status --data '$W/b3' | jq -e '[.peers[].refused] | add == 0' >/dev/null"
check "and holds the hub's state" wait_until 60 bash -c "[ \"\$('$CTL' --json digest --data '$W/b3' | jq -r .digest)\" = \"\$('$CTL' --json digest --data '$W/hq' | jq -r .digest)\" ]"
stop_all
sanitizer_check
echo "# people done: $n checks"
