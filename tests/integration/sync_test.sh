#!/usr/bin/env bash
# Replication test with real processes and real sockets: a hub and three branches on
# 127.0.0.1 (free ports), an outage of the hub while the branches write thousands of
# changes with concurrent edits of the same customers, convergence checked by state
# digests, lists and conflict logs; a node that is not enrolled and a revoked node are
# kept out. TAP-style lines. Every node is killed by pid at the end.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-sync-XXXXXX)
. tests/integration/lib.sh
PER_BRANCH=${SYNC_PER_BRANCH:-700}
same_digests() {
    local d0; d0=$(digest "$1"); shift
    [ ${#d0} = 64 ] || return 1
    for x in "$@"; do [ "$(digest "$x")" = "$d0" ] || return 1; done
}
has_customer() { ACCORD_DATA="$W/$1" "$ACCORD" customer show "$2" >/dev/null 2>&1; }

ORG=$("$CTL" --json org init --out "$W/org.key" | jq -r .org_public_key)
"$CTL" node init --data "$W/hub" --name hq --role hub --org-pub "$ORG" >/dev/null
for b in b1 b2 b3 rogue mallory; do "$CTL" node init --data "$W/$b" --name "$b" --org-pub "$ORG" >/dev/null; done
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub hub)" --name hq --role hub --region tehran >/dev/null
for b in b1 b2 b3 mallory; do
    "$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub $b)" --name "$b" --role branch --region north >/dev/null
done
check "the hub's roster holds the five enrolled nodes" bash -c "[ \$('$CTL' --json roster --data '$W/hub' | jq length) = 5 ]"
# mallory: an enrolled branch that turns hostile; it writes three records (three commits) first
start mallory || exit 1
for i in 1 2 3; do ACCORD_DATA="$W/mallory" "$ACCORD" customer add --name "Mallory $i" >/dev/null; done
stop mallory

PORT=$(free_port)
HUB_EP="tcp://127.0.0.1:$PORT"
HUB_KEY=$(pub hub)
start hub --listen "$HUB_EP" || exit 1
for b in b1 b2 b3; do start "$b" --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1; done

C1=$(ACCORD_DATA="$W/b1" "$ACCORD" customer add --name "Parisa Ahmadi" --phone "+98 912 000 1111")
check "a customer added at b1 appears at b3" wait_until 15 has_customer b3 "$C1"
check "the roster replicated to the branches" bash -c "[ \$('$CTL' --json roster --data '$W/b2' | jq length) = 5 ]"
check "sync status shows b1 connected at the hub" bash -c "[ \"\$(peer_field hub b1 connected)\" = 1 ]"

# customers every branch will edit while the hub is down
"$LOAD" "$W/b1" create 20 shared > "$W/shared.ids"
check "20 shared customers reach every node" wait_until 30 same_digests hub b1 b2 b3

stop hub
check "a branch sees the hub go" wait_until 15 bash -c "[ \"\$(peer_field b2 hq connected)\" = 0 ]"
check "its upstream session is back to CONNECTING (peer.h), retrying" [ "$(peer_field b2 hq state)" = CONNECTING ]
for b in b1 b2 b3; do
    ( "$LOAD" "$W/$b" create "$PER_BRANCH" "$b" > "$W/$b.ids" && "$LOAD" "$W/$b" edit "$W/shared.ids" 2 "$b" ) &
done
wait_loads=0
for j in $(jobs -p); do
    case " ${pid[*]} " in *" $j "*) continue ;; esac
    wait "$j" || wait_loads=1
done
check "each branch wrote $PER_BRANCH customers and edited the shared ones offline" [ $wait_loads = 0 ]
check "offline writes stay at their branch" bash -c "! ACCORD_DATA='$W/b2' '$ACCORD' customer show $(head -1 "$W/b1.ids") >/dev/null 2>&1"

start hub --listen "$HUB_EP" || exit 1
t0=$SECONDS
check "hub and branches converge to one state digest after the outage" wait_until 180 same_digests hub b1 b2 b3
echo "# converged in $((SECONDS - t0)) s: $(( 3 * (PER_BRANCH + 40) )) offline changes"
check "the hub shows each branch's session LIVE, and b1 its upstream LIVE" bash -c "[ \"\$(peer_field hub b1 state)\" = LIVE ] && [ \"\$(peer_field hub b3 state)\" = LIVE ] && [ \"\$(peer_field b1 upstream state)\" = LIVE ]"
for b in b1 b2 b3; do
    ACCORD_DATA="$W/hub" "$ACCORD" --json customer list --branch "$b" > "$W/list.hub"
    same=1
    for x in b1 b2 b3; do
        ACCORD_DATA="$W/$x" "$ACCORD" --json customer list --branch "$b" | cmp -s - "$W/list.hub" || same=0
    done
    check "customer list --json of $b's customers is equal on all four nodes" [ $same = 1 ]
done
check "each list holds that branch's customers" bash -c "[ \$(jq length '$W/list.hub') -ge $PER_BRANCH ]"
ACCORD_DATA="$W/hub" "$ACCORD" --json conflicts > "$W/conflicts.hub"
check "concurrent edits of the shared customers are in the conflict log" bash -c "[ \$(jq length '$W/conflicts.hub') -ge 20 ]"
same=1
for x in b1 b2 b3; do ACCORD_DATA="$W/$x" "$ACCORD" --json conflicts | cmp -s - "$W/conflicts.hub" || same=0; done
check "the conflict logs agree on all four nodes" [ $same = 1 ]
check "accordctl verify finds b2 equal to the hub" bash -c "'$CTL' verify --data '$W/b2' --hub '$HUB_EP' --hub-key '$HUB_KEY' | grep -q '^equal'"
# verify's drill-down: the hub's DIGEST answers and b2's kept digests name the one record
# b2 wrote while cut off, in its one range
stop b2
start b2 || exit 1
C5=$(ACCORD_DATA="$W/b2" "$ACCORD" customer add --name "Only At B2")
check "accordctl verify names the one record b2 holds and the hub does not" bash -c "'$CTL' --json verify --data '$W/b2' --hub '$HUB_EP' --hub-key '$HUB_KEY' | jq -e --arg id '$C5' '.equal == false and .differing_buckets == 1 and .differences == [{id: \$id, difference: \"only on this node\"}]' >/dev/null"
stop b2
start b2 --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "... and finds b2 equal once it synced" wait_until 30 bash -c "'$CTL' verify --data '$W/b2' --hub '$HUB_EP' --hub-key '$HUB_KEY' | grep -q '^equal'"
check "lag is zero after catch-up" bash -c "[ \"\$(peer_field hub b3 lag_records)\" = 0 ]"

# a node that is not enrolled cannot get in
start rogue --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "a node that is not enrolled is refused at the handshake" \
    wait_until 15 bash -c "peer_field rogue upstream error | grep -q 'not enrolled'"
check "nothing replicates to it" bash -c "[ \$(ACCORD_DATA='$W/rogue' '$ACCORD' --json customer list | jq length) = 0 ]"

# revoking a connected branch cuts its live session and keeps its changes out
"$CTL" revoke --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub b3)" >/dev/null
check "revoking b3 cuts its live session within seconds" wait_until 10 bash -c "[ \"\$(peer_field hub b3 connected)\" = 0 ]"
C3=$(ACCORD_DATA="$W/b3" "$ACCORD" customer add --name "After Revocation")
check "b3 learns it was refused" wait_until 15 bash -c "peer_field b3 hq error | grep -Eq 'revoked|not enrolled'"
C4=$(ACCORD_DATA="$W/b2" "$ACCORD" customer add --name "Still Flowing")
check "the other branches keep syncing" wait_until 15 has_customer b1 "$C4"
# C4, made after C3, has crossed the hub to b1: C3 had longer to get there, and must not have
check "a change made at the revoked branch does not reach b1" bash -c "! ACCORD_DATA='$W/b1' '$ACCORD' customer show '$C3' >/dev/null 2>&1"

# hostile batches from an enrolled node: each refused with nothing applied, reason kept
hostile() { "$PEER" "$HUB_EP" "$HUB_KEY" "$W/mallory" "$@" 2>>"$W/peer.log"; }
v=$(hostile version)
check "a HELLO of another protocol version is answered with a clear error ($v)" \
    bash -c "[[ '$v' == 'EVERSION replication protocol 99 is not spoken here (this node speaks 1)'* ]]"
check "the hub logs the version mismatch" grep -q "replication protocol 99 is not spoken here" "$W/hub.log"
check "a genuine batch from mallory applies" [ "$(hostile first)" = OK ]
check "the same batch sent again is refused as a replay" [ "$(hostile replay)" = EREPLAY ]
d=$(digest hub)
r=$(hostile flip)
check "a batch with one flipped byte is refused ($r)" bash -c "[[ '$r' =~ ^(ECHAIN|ESIG|EPROTO)$ ]]"
check "nothing of it was applied" [ "$(digest hub)" = "$d" ]
check "the genuine records after it apply" [ "$(hostile rest)" = OK ]
d=$(digest hub)
check "a forked feed (a second, signed record 3) is refused" [ "$(hostile fork)" = EFORK ]
check "the forked feed is quarantined in sync status" bash -c "'$CTL' --json sync status --data '$W/hub' | jq -e '.quarantined[0].node == \"mallory\" and (.quarantined[0].rejoin | length > 0)' >/dev/null"
check "a batch forged in b1's name with mallory's key is refused" [ "$(hostile forge "$W/b1")" = ESIG ]
check "a batch of the revoked b3 is refused" [ "$(hostile foreign "$W/b3")" = EREVOKED ]
check "none of the refused batches changed the hub's state" [ "$(digest hub)" = "$d" ]
check "sync status lists every kind of refusal with its reason" bash -c "'$CTL' --json sync status --data '$W/hub' | jq -e '[.refusals[].code] as \$c | all((\"EREPLAY\",\"EFORK\",\"ESIG\",\"EREVOKED\"); . as \$x | \$c | index(\$x)) and all(.refusals[]; .why | length > 0)' >/dev/null"
check "the sync status table shows the quarantine" bash -c "'$CTL' sync status --data '$W/hub' | grep -q QUARANTINED"

# a regional hub: listens for its own branches and has HQ's hub as its upstream
for x in rh b4; do "$CTL" node init --data "$W/$x" --name "$x" --role "$([ $x = rh ] && echo hub || echo branch)" --org-pub "$ORG" >/dev/null; done
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub rh)" --name rh --role hub --region south >/dev/null
"$CTL" enroll --data "$W/hub" --org-key "$W/org.key" --node-pub "$(pub b4)" --name b4 --role branch --region south >/dev/null
RH_EP="tcp://127.0.0.1:$(free_port)"
start rh --listen "$RH_EP" --upstream "$HUB_EP" --upstream-key "$HUB_KEY" || exit 1
check "the regional hub gets the roster from HQ" wait_until 15 bash -c "[ \$('$CTL' --json roster --data '$W/rh' | jq length) -ge 7 ]"
start b4 --upstream "$RH_EP" --upstream-key "$(pub rh)" || exit 1
C5=$(ACCORD_DATA="$W/b4" "$ACCORD" customer add --name "Regional Customer")
check "a change at a branch of the regional hub reaches a branch of HQ" wait_until 20 has_customer b1 "$C5"
C6=$(ACCORD_DATA="$W/b1" "$ACCORD" customer add --name "Back Down South")
check "and a change at HQ's branch reaches it" wait_until 20 has_customer b4 "$C6"
check "the regional hub shows HQ upstream and b4 downstream" bash -c "'$CTL' --json sync status --data '$W/rh' | jq -e '([.peers[] | select(.direction == \"upstream\" and .connected == 1)] | length == 1) and ([.peers[] | select(.name == \"b4\" and .connected == 1)] | length == 1)' >/dev/null"

for x in hub b1 b2 b3 rogue rh b4; do stop "$x"; done
sanitizer_check
echo "# sync done: $n checks"
