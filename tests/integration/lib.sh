# Shared by the integration tests (sourced): TAP lines, node start/stop by pid, waiting.
# The caller sets BUILD and W (its temporary directory) before sourcing; every node it
# starts is killed by pid and W removed on exit.
ACCORD="$BUILD/accord"; CTL="$BUILD/accordctl"; NODE="$BUILD/accord-node"
n=0
declare -A pid
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { local desc=$1; shift; if "$@"; then ok "$desc"; else nok "$desc"; fi; }
lib_cleanup() { for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null; done; umount "$W/small" 2>/dev/null; rm -rf "$W"; }
trap lib_cleanup EXIT
# the node in $W/NAME, its log in $W/NAME.log; ready once it has bound its socket and
# written its own pid (a killed node leaves its socket file and pid behind)
start() {
    local name=$1; shift
    "$NODE" --data "$W/$name" "$@" 2>>"$W/$name.log" &
    pid[$name]=$!
    for _ in $(seq 100); do [ "$(cat "$W/$name/accord-node.pid" 2>/dev/null)" = "${pid[$name]}" ] && return 0; sleep 0.05; done
    echo "# $name did not start"; cat "$W/$name.log"; return 1
}
stop() { kill "${pid[$1]}" 2>/dev/null; wait "${pid[$1]}" 2>/dev/null; unset "pid[$1]"; }
stop_all() { for x in "${!pid[@]}"; do stop "$x"; done; }
pub() { "$CTL" --json node show --data "$W/$1" | jq -r .public_key; }
digest() { "$CTL" --json digest --data "$W/$1" | jq -r .digest; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# waits until the command succeeds, at most $1 seconds
wait_until() {
    local end=$((SECONDS + $1)); shift
    while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
# an org key in $W/org.key and, for each NAME[:hub], a node enrolled at the first one
org_and_nodes() {
    ORG=$("$CTL" --json org init --out "$W/org.key" | jq -r .org_public_key)
    local first="" spec name role
    for spec in "$@"; do
        name=${spec%%:*}; role=branch; [ "$spec" != "$name" ] && role=${spec#*:}
        "$CTL" node init --data "$W/$name" --name "$name" --role "$role" --org-pub "$ORG" >/dev/null
        [ -z "$first" ] && first=$name
        "$CTL" enroll --data "$W/$first" --org-key "$W/org.key" --node-pub "$(pub "$name")" --name "$name" \
            --role "$role" --region test >/dev/null
    done
}
sanitizer_check() {
    if grep -q "ERROR: AddressSanitizer\|runtime error" "$W"/*.log 2>/dev/null; then nok "no sanitizer reports"; else ok "no sanitizer reports"; fi
}
