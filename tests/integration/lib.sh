# Shared by the integration tests (sourced): TAP lines, node start/stop by pid, waiting,
# and the sanitizer check. The caller sets BUILD and W (its temporary directory) before
# sourcing; every node it starts is killed by pid and W removed on exit. A script that has
# more to undo defines test_cleanup(), which runs first.
#
# Output, read by tests/run.sh (TAP):
#   ok N - what was checked              a pass
#   not ok N - what was checked          a failure
#   ok N # skip why                      a check that could not run here (skip "why"):
#                                        counted as skipped, neither passed nor failed
#   # ...                                a comment
#   # NAME done: N checks                the last line; without it the script did not finish
#
# Nodes listen on 127.0.0.1 (free ports from free_port) or their ipc:// socket only.
# ACCORD and CTL are small wrappers around build/accord and build/accordctl that copy the
# CLIs' stderr into $W/cli.log, so that sanitizer_check sees an ASan or UBSan report from
# a CLI as well as from a node ($W/NAME.log).
ACCORD_BIN="$BUILD/accord"; CTL_BIN="$BUILD/accordctl"; NODE="$BUILD/accord-node"
LOAD="$BUILD/tests/accord-load"; PEER="$BUILD/tests/accord-peer"
n=0
declare -A pid
# jq -e as a test: Debian 12's jq 1.6 exits 0 on empty input, so a check of a command that
# printed nothing passed. Here a test that produced no value fails (exit 4, as jq 1.7).
# Exported, so the checks run through bash -c get it too.
jq() {
    local a test=false
    for a in "$@"; do [[ $a =~ ^-[a-zA-Z]*e[a-zA-Z]*$ ]] && test=true; done
    if ! $test; then command jq "$@"; return; fi
    local out rc
    out=$(command jq "$@"); rc=$?
    [ -n "$out" ] && printf '%s\n' "$out"
    [ $rc -ne 0 ] && return $rc
    [ -n "$out" ] || return 4
}
export -f jq
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # skip $1"; }
check() { local desc=$1; shift; if "$@"; then ok "$desc"; else nok "$desc"; fi; }
lib_cleanup() {
    declare -F test_cleanup >/dev/null && test_cleanup
    for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null; done
    umount "$W/small" 2>/dev/null; rm -rf "$W"
}
trap lib_cleanup EXIT

# the CLI wrappers: same arguments, stdin, stdout, stderr and exit code, with stderr also
# appended to $W/cli.log; the wrapper returns once both are written
cli_wrapper() { # real binary, wrapper path
    mkdir -p "$(dirname "$2")"
    cat > "$2" <<EOF
#!/usr/bin/env bash
{ "$(realpath "$1")" "\$@" 2>&1 >&3 3>&- | tee -a "$W/cli.log" >&2 3>&-; } 3>&1
exit "\${PIPESTATUS[0]}"
EOF
    chmod +x "$2"
}
cli_wrapper "$ACCORD_BIN" "$W/.bin/accord"; cli_wrapper "$CTL_BIN" "$W/.bin/accordctl"
ACCORD="$W/.bin/accord"; CTL="$W/.bin/accordctl"

# the node in $W/NAME, its log in $W/NAME.log; ready once it has bound its socket and
# written its own pid (a killed node leaves its socket file and pid behind)
start() {
    local name=$1; shift
    "$NODE" --data "$W/$name" "$@" 2>>"$W/$name.log" &
    pid[$name]=$!
    for _ in $(seq 100); do [ "$(cat "$W/$name/accord-node.pid" 2>/dev/null)" = "${pid[$name]}" ] && return 0; sleep 0.05; done
    echo "# $name did not start"; tail -20 "$W/$name.log"; return 1
}
stop() { kill "${pid[$1]}" 2>/dev/null; wait "${pid[$1]}" 2>/dev/null; unset "pid[$1]"; }
crash() { kill -9 "${pid[$1]}" 2>/dev/null; wait "${pid[$1]}" 2>/dev/null; unset "pid[$1]"; }
stop_all() { for x in "${!pid[@]}"; do stop "$x"; done; }
pub() { "$CTL" --json node show --data "$W/$1" | jq -r .public_key; }
digest() { "$CTL" --json digest --data "$W/$1" | jq -r .digest; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# node, peer name or direction (upstream), jq field of that peer in sync status
peer_field() {
    "$CTL" --json sync status --data "$W/$1" | jq -r --arg p "$2" ".peers[] | select(.name == \$p or .direction == \$p) | .$3"
}
export -f peer_field
export CTL W
# waits until the command succeeds, at most $1 seconds (polled every 0.2 s)
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
# one check: no AddressSanitizer, LeakSanitizer or UBSan report in a node's log or in the
# CLIs' stderr ($W/*.log); the reports found are shown
SANITIZER_RE='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:'
sanitizer_check() {
    if grep -Eq "$SANITIZER_RE" "$W"/*.log 2>/dev/null; then
        nok "no sanitizer reports in the node logs or the CLIs' stderr"
        grep -EH -A12 "$SANITIZER_RE" "$W"/*.log | head -60 | sed 's/^/# /'
    else
        ok "no sanitizer reports in the node logs or the CLIs' stderr"
    fi
}
