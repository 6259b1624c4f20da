#!/usr/bin/env bash
# accordctl pg-sync into a real PostgreSQL 15 that this script starts itself (initdb in its
# temporary directory, as the user postgres when run as root, 127.0.0.1 on a free port, the
# socket in that directory, killed by pid at the end): --once copies every kind with typed
# columns; an edit and a delete show up after the next run, one change row each; kill -9 in
# the middle of a full copy and of a run of many batches, then run again: every feed record
# once in changes, the rows the hub's; PostgreSQL stopped under a continuous run: pg-sync
# waits, then catches up when it is back; lag in --json and in accord.status; a hub with two
# branches copied in batches smaller than a feed's backlog; a bad DSN, an
# unreachable server, a missing data directory and tables of another layout are refused
# with a clear message. TAP lines (tests/integration/lib.sh).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-pgsync-XXXXXX)
. tests/integration/lib.sh
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/psql" ]; then
    skip "PostgreSQL 15 is not installed ($PG_BIN): apt-get install postgresql-15 (deploy/debian-packages.txt)"
    echo "# pgsync_test done: $n checks"
    exit 0
fi

# ---- a throwaway PostgreSQL ----
as_pg=()
pg_user=$(id -un)
if [ "$(id -u)" = 0 ]; then # initdb and postgres refuse root
    if id -u postgres >/dev/null 2>&1; then pg_user=postgres; else pg_user=nobody; fi
    as_pg=(runuser -u "$pg_user" --)
fi
PGDIR="$W/pg"
mkdir -p "$PGDIR"
chmod 755 "$W"
[ "$pg_user" = "$(id -un)" ] || chown "$pg_user" "$PGDIR"
PG_PORT=$(free_port)
"${as_pg[@]}" "$PG_BIN/initdb" -D "$PGDIR/data" -U bi --auth=trust -E UTF8 --no-locale --no-sync >"$W/initdb.log" 2>&1 \
    || { cat "$W/initdb.log"; exit 1; }
pg_pid=""
pg_start() {
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PGDIR -c fsync=off" \
        start >/dev/null || { tail -20 "$PGDIR/server.log"; return 1; }
    pg_pid=$(head -1 "$PGDIR/data/postmaster.pid")
}
pg_stop() { # fast shutdown: the sessions are cut as in an outage
    [ -n "$pg_pid" ] || return 0
    kill -INT "$pg_pid" 2>/dev/null
    for _ in $(seq 200); do kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.05; done
    pg_pid=""
}
test_cleanup() {
    [ -n "${sync_pid:-}" ] && kill -9 "$sync_pid" 2>/dev/null
    [ -n "$pg_pid" ] && { kill -INT "$pg_pid" 2>/dev/null; sleep 0.5; kill -9 "$pg_pid" 2>/dev/null; }
}
pg_start || exit 1
psql_db() { local db=$1; shift; "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U bi -d "$db" "$@"; }
q() { psql_db postgres -c "$1"; }
q "CREATE DATABASE bi2" >/dev/null
DSN="host=127.0.0.1 port=$PG_PORT dbname=postgres user=bi"
DSN2="host=127.0.0.1 port=$PG_PORT dbname=bi2 user=bi"

jqt() { jq -e "$@" >/dev/null; }

# ---- a hub with one of every kind ----
org_and_nodes hq:hub
start hq || exit 1
at() { ACCORD_DATA="$W/hq" "$ACCORD" "$@"; }
feed_total() { "$CTL" --json bundle vector --data "$W/hq" | jq '[.feeds[].seq] | add // 0'; }
sync_once() { "$CTL" pg-sync --data "$W/hq" --dsn "${2:-$DSN}" --once ${1:-} 2>>"$W/sync.log"; }
uuid_of() { echo "$1" | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12})$/\1-\2-\3-\4-\5/'; }

C1=$(at customer add --type company --name "Ali Rezaei \\ \"Q\"" --phone "+98 912 111 2222" --email ali@example.ir --tag vip --tag "new lead")
CO=$(at contact add --customer "$C1" --name "Mina Rezaei" --phone "+98 912 999 0000")
D1=$(at deal add --customer "$C1" --title "Fleet" --amount 1250.50 --currency EUR --close 2026-12-31 --tag big)
D2=$(at deal add --customer "$C1" --title "Rial deal" --amount 1500000 --currency IRR)
T1=$(at task add --title "Call back" --due 2026-12-03 --due-time 09:30)
at log call "$C1" --summary "line one
line	two" >/dev/null
N1=$(at note add "$C1" "a note")
C2=$(at customer add --name "To be deleted")
Q1=$(at quote add --customer "$C1" --currency EUR --title "Service" --line 'qty=2&price=12,50&tax=9&description=Oil change')
I1=$(at invoice add --customer "$C1" --currency EUR --line 'qty=1&price=125.50&description=Service' | awk '{print $2}')
check "the hub holds the records (customer, contact, deals, task, note, quote, invoice)" \
    test -n "$C1" -a -n "$CO" -a -n "$D1" -a -n "$D2" -a -n "$T1" -a -n "$N1" -a -n "$Q1" -a -n "$I1"

# ---- --once: every kind, typed ----
sync_once --json > "$W/once.json"
check "pg-sync --once exits 0" test $? = 0
check "--json says the full copy and then done, caught up" \
    jqt -s 'map(.event) == ["full copy", "done"] and .[-1].behind_records == 0' "$W/once.json"
check "changes holds one row per feed record ($(feed_total))" \
    test "$(q 'SELECT count(*) FROM accord.changes')" = "$(feed_total)"
for t in contacts tasks interactions notes quotes invoices; do
    check "accord.$t holds its row" test "$(q "SELECT count(*) FROM accord.$t")" = 1
done
check "accord.customers holds both customers" test "$(q 'SELECT count(*) FROM accord.customers')" = 2
check "accord.deals holds both deals" test "$(q 'SELECT count(*) FROM accord.deals')" = 2
check "accord.lines holds the quote's and the invoice's lines" test "$(q 'SELECT count(*) FROM accord.lines')" = 2
check "a deal's amount is numeric with its currency and its exact minor units" \
    test "$(q "SELECT amount || ' ' || currency || ' ' || amount_minor || ' ' || pg_typeof(amount) FROM accord.deals WHERE id = '$D1'")" \
    = "1250.50 EUR 125050 numeric"
check "a whole-rial amount is exact" \
    test "$(q "SELECT amount::bigint || ' ' || currency FROM accord.deals WHERE id = '$D2'")" = "1500000 IRR"
check "expected_close is a date, created a timestamptz" \
    test "$(q "SELECT pg_typeof(expected_close) || ' ' || expected_close || ' ' || pg_typeof(created) FROM accord.deals WHERE id = '$D1'")" \
    = "date 2026-12-31 timestamp with time zone"
check "tags are text[]: ANY finds one" \
    test "$(q "SELECT pg_typeof(tags) || ' ' || ('vip' = ANY(tags)) || ' ' || array_length(tags, 1) FROM accord.customers WHERE id = '$C1'")" = "text[] true 2"
check "a name with a backslash and quotes arrives as it is" \
    test "$(q "SELECT name = E'Ali Rezaei \\\\ \"Q\"' FROM accord.customers WHERE id = '$C1'")" = t
check "a summary's newline and tab arrive as they are" \
    test "$(q "SELECT summary = E'line one\\nline\\ttwo' FROM accord.interactions")" = t
check "a reference is a uuid that joins (contact -> customer)" \
    test "$(q "SELECT c.id = '$C1' FROM accord.contacts o JOIN accord.customers c ON c.id = o.customer")" = t
check "a line's unit price is numeric in its document's currency" \
    test "$(q "SELECT unit_price || ' ' || currency || ' ' || quantity FROM accord.lines WHERE doc = '$Q1'")" = "12.50 EUR 2.000"
check "an invoice's total is numeric (125.50)" test "$(q "SELECT total FROM accord.invoices")" = "125.50"
check "a task's due_time is a time" test "$(q "SELECT pg_typeof(due_time) || ' ' || due_time FROM accord.tasks")" = "time without time zone 09:30:00"
check "a change row has its kind, author, time and fields as jsonb" \
    test "$(q "SELECT kind || ' ' || op || ' ' || (fields->>'title') || ' ' || (at > now() - interval '1 hour') FROM accord.changes WHERE entity = '$D1' AND op = 'create'")" \
    = "deal create Fleet true"
check "the position is each feed's head" \
    test "$(q "SELECT sum(seq) FROM accord.position")" = "$(feed_total)"
check "accord.status: caught up, synced just now" \
    test "$(q "SELECT behind_records || ' ' || (synced_at > now() - interval '1 minute') FROM accord.status")" = "0 true"
check "a second run with nothing new copies nothing" \
    bash -c "'$CTL' --json pg-sync --data '$W/hq' --dsn '$DSN' --once 2>/dev/null | jq -se 'map(.event) == [\"done\"] and .[0].changes == 0' >/dev/null"

# ---- an edit and a delete ----
before=$(q 'SELECT count(*) FROM accord.changes')
at deal edit "$D1" --amount 99.95 >/dev/null
at customer delete "$C2" >/dev/null
sync_once
check "the edit shows: the deal's new amount" test "$(q "SELECT amount FROM accord.deals WHERE id = '$D1'")" = "99.95"
check "the delete shows: the customer's row is gone" test "$(q "SELECT count(*) FROM accord.customers WHERE id = '$C2'")" = 0
check "one change row each (an update and a delete)" \
    test "$(q "SELECT string_agg(op, ',' ORDER BY seq) FROM accord.changes WHERE seq > (SELECT max(seq) FROM accord.changes) - 2")" = "update,delete"
check "changes grew by two, and still equals the feed ($(feed_total))" \
    test "$(q 'SELECT count(*) FROM accord.changes')" = "$((before + 2))" -a "$(q 'SELECT count(*) FROM accord.changes')" = "$(feed_total)"

# docs/POSTGRES.md's worked example: won deals per branch per month
at deal move "$D1" Won >/dev/null
at deal move "$D2" Won >/dev/null
sync_once
won=$(q "SELECT d.branch, to_char(date_trunc('month', w.won_at), 'YYYY-MM') AS month, d.currency, count(*) AS deals,
                sum(d.amount) AS won
         FROM accord.deals d
         JOIN LATERAL (SELECT max(c.at) AS won_at FROM accord.changes c
                       WHERE c.entity = d.id AND c.fields->>'stage' = 'Won') w ON true
         WHERE d.stage = 'Won'
         GROUP BY 1, 2, 3
         ORDER BY 2, 1, 3" | tr '\n' ' ')
month=$(date -u +%Y-%m)
check "POSTGRES.md's query: won deals per branch and month, per currency ($won)" \
    test "$won" = "hq|$month|EUR|1|99.95 hq|$month|IRR|1|1500000.00 "
# and its overdue invoices: issued, due in the past, not paid in full (paid and partly paid
# are no stored status: the payments say it)
I_PAID=$(at invoice add --customer "$C1" --currency EUR --issued 2026-01-01 --due 2026-01-31 \
    --line 'qty=1&price=10&description=Paid' | awk '{print $2}')
I_OPEN=$(at invoice add --customer "$C1" --currency EUR --issued 2026-01-01 --due 2026-01-31 \
    --line 'qty=1&price=20&description=Half paid' | awk '{print $2}')
at invoice pay "$I_PAID" --amount 10 >/dev/null
at invoice pay "$I_OPEN" --amount 10 >/dev/null
sync_once
overdue=$(q "SELECT replace(id::text, '-', '') FROM accord.invoices WHERE status = 'issued' AND due < current_date
              AND total_minor > (SELECT coalesce(sum(split_part(p, ' ', 2)::bigint), 0) FROM unnest(payments) p)" | tr '\n' ' ')
check "POSTGRES.md's overdue invoices: only the one not paid in full ($overdue)" test "$overdue" = "$I_OPEN "

# ---- many records: kill -9 in the middle, run again ----
awk 'BEGIN { print "Full Name;Mobile;City;Tags"; for (i = 0; i < 3000; i++) printf "Customer %d;+98 912 %07d;City %d;t%d\n", i, i, i % 50, i % 7 }' \
    > "$W/many.csv"
at import customers "$W/many.csv" --map "name=Full Name,phones=Mobile,city=City,tags=Tags" >/dev/null
total=$(feed_total)
customers_at_hub() { at --json customer list --limit 100000 | jq 'length'; }
rows_as_hub() { # the copy's customers and their cities equal the hub's
    local hub_rows pg_rows
    hub_rows=$(at export customers --format jsonl | jq -r '"\(.id) \(.city // "")"' | sort | md5sum)
    pg_rows=$(psql_db "$1" -c "SELECT replace(id::text, '-', '') || ' ' || coalesce(city, '') FROM accord.customers" | sort | md5sum)
    [ "$hub_rows" = "$pg_rows" ]
}
same_as_hub() { # the rows the hub's, and every feed record once in changes
    rows_as_hub "$1" &&
        [ "$(psql_db "$1" -c 'SELECT count(*)::text || count(DISTINCT (origin, seq))::text FROM accord.changes')" = "$total$total" ]
}
# in batches of 20 records: kill -9 once some but not all are in
before=$(q 'SELECT count(*) FROM accord.changes')
# the real binary in the background ($CTL is a wrapper script): its pid is the one killed
"$CTL_BIN" pg-sync --data "$W/hq" --dsn "$DSN" --once --batch 20 2>>"$W/sync.log" &
sync_pid=$!
mid=""
for _ in $(seq 400); do
    got=$(q 'SELECT count(*) FROM accord.changes')
    if [ "$got" -gt "$before" ] && [ "$got" -lt "$total" ]; then kill -9 "$sync_pid"; mid=$got; break; fi
    sleep 0.02
done
wait "$sync_pid" 2>/dev/null
sync_pid=""
check "pg-sync was killed in the middle of its batches ($mid of $total changes in)" test -n "$mid"
# the server may still be committing what the killed client sent last: wait until its
# backend is gone, then read both in one snapshot
for _ in $(seq 250); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'accordctl pg-sync'")" = 0 ] && break
    sleep 0.02
done
check "what it committed is whole: changes up to the position, no more" \
    test "$(q 'SELECT (SELECT count(*) FROM accord.changes) = (SELECT sum(seq) FROM accord.position)')" = t
sync_once
check "run again: every feed record once in changes, the customers the hub's" same_as_hub postgres
# a full copy killed part way leaves nothing; the next run makes it whole
"$CTL_BIN" pg-sync --data "$W/hq" --dsn "$DSN2" --once 2>>"$W/sync.log" &
sync_pid=$!
copying="SELECT count(*) FROM pg_stat_activity WHERE application_name = 'accordctl pg-sync' AND query LIKE 'COPY %'"
for _ in $(seq 500); do [ "$(q "$copying")" = 1 ] && break; done
kill -9 "$sync_pid" 2>/dev/null
wait "$sync_pid" 2>/dev/null
sync_pid=""
# its backend may still hold the advisory lock, and would refuse the next --once (exit 4)
for _ in $(seq 250); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'accordctl pg-sync'")" = 0 ] && break
    sleep 0.02
done
if [ "$(psql_db bi2 -c 'SELECT count(*) FROM accord.status' 2>/dev/null)" = 1 ]; then
    skip "the full copy was done before the kill came: nothing to see of a kill part way"
else
    check "a full copy killed part way committed no changes" \
        test "$(psql_db bi2 -c 'SELECT count(*) FROM accord.changes' 2>/dev/null || echo 0)" = 0
fi
sync_once "" "$DSN2"
check "run again: the full copy is whole" same_as_hub bi2

# ---- lag ----
for i in 1 2 3 4 5 6; do at customer add --name "Lag $i" >/dev/null; done
total=$(feed_total)
"$CTL" --json pg-sync --data "$W/hq" --dsn "$DSN" --once --batch 2 2>/dev/null > "$W/lag.json"
check "--json reports the lag after each batch: 4, 2, then 0 records behind" \
    jqt -s '[.[] | select(.event == "batch") | .behind_records] == [4, 2, 0]' "$W/lag.json"
check "--json's batch lines carry seconds behind" jqt -s '.[0] | has("behind_seconds")' "$W/lag.json"

# ---- PostgreSQL stopped under a continuous run ----
"$CTL_BIN" pg-sync --data "$W/hq" --dsn "$DSN" --interval 1 2>"$W/cont.log" &
sync_pid=$!
wait_until() { for _ in $(seq "$1"); do eval "$2" && return 0; sleep 0.1; done; return 1; }
wait_until 100 "[ \"\$(q \"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'\")\" = 1 ]"
out=$("$CTL" pg-sync --data "$W/hq" --dsn "$DSN" --once 2>&1)
rc=$?
check "a second pg-sync into the same database is refused with --once (exit 4)" \
    bash -c "[ $rc = 4 ] && grep -q 'another accordctl pg-sync is writing into this database' <<< \"\$0\"" "$out"
pg_stop
for i in 1 2 3; do at customer add --name "During outage $i" >/dev/null; done
total=$(feed_total)
check "pg-sync says it waits for PostgreSQL" wait_until 100 "grep -q 'waiting' '$W/cont.log'"
check "and keeps running" kill -0 "$sync_pid"
pg_start
check "PostgreSQL back: pg-sync resumes and catches up" \
    wait_until 400 "[ \"\$(q 'SELECT count(*) FROM accord.changes' 2>/dev/null)\" = '$total' ]"
check "after the outage: every feed record once, the customers the hub's" same_as_hub postgres
kill -TERM "$sync_pid"
wait "$sync_pid"
check "SIGTERM stops it cleanly (exit 0)" test $? = 0
sync_pid=""

# ---- compaction past the copy's position: the rows are copied again ----
C3=$(at customer add --name "Made and deleted before compaction")
at customer delete "$C3" >/dev/null
kept=$(q 'SELECT count(*) FROM accord.changes')
"$CTL" --json compact --data "$W/hq" > "$W/compact.json"
check "compact purged the feed records behind its horizon" jqt '.records_purged > 0' "$W/compact.json"
sync_once
check "pg-sync says the feed was compacted past its position and copies every row again" \
    grep -q 'compacted up to .*copying every row again' "$W/sync.log"
check "after the compaction the customers are the hub's (the deleted one gone)" rows_as_hub postgres
check "changes keeps what it had; the position is the heads" \
    test "$(q 'SELECT count(*) FROM accord.changes')" = "$kept" -a "$(q 'SELECT sum(seq) FROM accord.position')" = "$(feed_total)"

# ---- a hub with two branches: a batch that ends inside one feed ----
# the feeds after the one --batch ends in keep their positions (a batch once wrote a zero
# origin for each of them, and stopped on the second: ON CONFLICT cannot affect a row twice)
q "CREATE DATABASE bi3" >/dev/null
DSN3="host=127.0.0.1 port=$PG_PORT dbname=bi3 user=bi"
rm -f "$W/org.key" # a second org (org init makes a key once)
org_and_nodes h2:hub b2 b3
H2_EP="tcp://127.0.0.1:$(free_port)"
start h2 --listen "$H2_EP" || exit 1
start b2 --upstream "$H2_EP" --upstream-key "$(pub h2)" || exit 1
start b3 --upstream "$H2_EP" --upstream-key "$(pub h2)" || exit 1
vector_total() { "$CTL" --json bundle vector --data "$W/$1" | jq '[.feeds[].seq] | add // 0'; }
own_head() {
    "$CTL" --json bundle vector --data "$W/$1" \
        | jq --arg o "$("$CTL" --json node show --data "$W/$1" | jq -r .origin)" '[.feeds[] | select(.origin == $o) | .seq] | add // 0'
}
hub_holds_all() { [ "$(vector_total h2)" = "$(( $(own_head h2) + $(own_head b2) + $(own_head b3) ))" ] && [ "$(own_head b2)" -gt 0 ] && [ "$(own_head b3)" -gt 0 ]; }
three_each() { for x in h2 b2 b3; do for i in 1 2 3; do ACCORD_DATA="$W/$x" "$ACCORD" customer add --name "$x $1 $i" >/dev/null; done; done; }
three_each first
check "the hub holds the three feeds" wait_until 60 hub_holds_all
"$CTL" pg-sync --data "$W/h2" --dsn "$DSN3" --once 2>>"$W/sync.log"
check "the first copy of the hub of three feeds has a position for each" \
    test "$(psql_db bi3 -c 'SELECT count(*) FROM accord.position WHERE seq > 0')" = 3
three_each second
check "the hub holds the three feeds' new records" wait_until 60 hub_holds_all
"$CTL" pg-sync --data "$W/h2" --dsn "$DSN3" --once --batch 2 2>"$W/three.log"
rc=$?
check "--batch 2 over three feeds 3 records behind each: exit 0 ($(grep -m1 accordctl: "$W/three.log"))" test "$rc" = 0
check "every feed record of the three once in changes ($(vector_total h2))" \
    test "$(psql_db bi3 -c 'SELECT count(DISTINCT (origin, seq)) FROM accord.changes')" = "$(vector_total h2)"
check "the position is the three feeds' heads, and nothing else" \
    test "$(psql_db bi3 -c "SELECT count(*) || ' ' || sum(seq) FROM accord.position")" = "3 $(vector_total h2)"
# seconds behind are the feed that lags: the feed the store keeps first (its origin sorts
# first) gets a record now, the last one got three a while ago; the first batch copies the
# new one, and the old three are still behind, by the time since that feed's copied record
origin_of() { "$CTL" --json node show --data "$W/$1" | jq -r .origin; }
by_origin=$(for x in h2 b2 b3; do echo "$(origin_of $x) $x"; done | sort | awk '{print $2}')
first_feed=$(echo "$by_origin" | head -1); last_feed=$(echo "$by_origin" | tail -1)
sleep 1.2
for i in 1 2 3; do ACCORD_DATA="$W/$last_feed" "$ACCORD" customer add --name "late $i" >/dev/null; done
check "the hub holds the last feed's three records" wait_until 60 hub_holds_all
sleep 1.2
ACCORD_DATA="$W/$first_feed" "$ACCORD" customer add --name "new" >/dev/null
check "the hub holds the first feed's new record" wait_until 60 hub_holds_all
"$CTL" --json pg-sync --data "$W/h2" --dsn "$DSN3" --once --batch 1 2>>"$W/sync.log" > "$W/three.json"
check "with a feed 3 records behind, seconds behind are not 0 ($(head -1 "$W/three.json"))" \
    jqt -s '.[0].behind_records == 3 and .[0].behind_seconds >= 1' "$W/three.json"
check "caught up: 0 records, 0 seconds behind" jqt -s '.[-1].behind_records == 0 and .[-1].behind_seconds == 0' "$W/three.json"
stop b3; stop b2; stop h2

# ---- a database whose statement_timeout and lock_timeout are short (set for its BI users) ----
# pg-sync's statements are not cut by it: a batch that waits for a BI session's lock waits
q "CREATE DATABASE bi4" >/dev/null
DSN4="host=127.0.0.1 port=$PG_PORT dbname=bi4 user=bi"
sync_once "" "$DSN4"
q "ALTER DATABASE bi4 SET statement_timeout = '500ms'"
q "ALTER DATABASE bi4 SET lock_timeout = '300ms'"
at customer add --name "After the timeout was set" >/dev/null
psql_db bi4 -c "SET statement_timeout = 0; BEGIN; LOCK TABLE accord.customers IN SHARE MODE; SELECT pg_sleep(2); COMMIT;" >/dev/null &
locker=$!
wait_until 100 "[ \"\$(psql_db bi4 -c \"SELECT count(*) FROM pg_locks WHERE mode = 'ShareLock' AND relation = 'accord.customers'::regclass\")\" = 1 ]"
"$CTL" pg-sync --data "$W/hq" --dsn "$DSN4" --once 2>"$W/timeout.log"
rc=$?
wait "$locker"
check "a batch that waits 2 s for a lock, statement_timeout 500ms, lock_timeout 300ms: exit 0 ($(grep -m1 accordctl: "$W/timeout.log"))" test "$rc" = 0
check "... and the new customer is in" test "$(psql_db bi4 -c "SELECT count(*) FROM accord.customers WHERE name = 'After the timeout was set'")" = 1

# SIGTERM while a batch waits for that lock: pg-sync stops at once (the statement
# cancelled, the transaction rolled back), exit 0, and copies the record next time
at customer add --name "Waiting for the lock" >/dev/null
psql_db bi4 -c "SET statement_timeout = 0; BEGIN; LOCK TABLE accord.customers IN SHARE MODE; SELECT pg_sleep(6); COMMIT;" >/dev/null &
locker=$!
wait_until 100 "[ \"\$(psql_db bi4 -c \"SELECT count(*) FROM pg_locks WHERE mode = 'ShareLock' AND relation = 'accord.customers'::regclass\")\" = 1 ]"
"$CTL_BIN" pg-sync --data "$W/hq" --dsn "$DSN4" 2>"$W/term.log" &
sync_pid=$!
wait_until 100 "[ \"\$(psql_db bi4 -c \"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'accordctl pg-sync' AND wait_event_type = 'Lock'\")\" = 1 ]"
t0=$SECONDS
kill -TERM "$sync_pid"
wait "$sync_pid"
rc=$?
took=$((SECONDS - t0))
sync_pid=""
check "SIGTERM while a batch waits for a lock: exit 0 within 2 s (exit $rc after ${took} s; $(grep -m1 accordctl: "$W/term.log"))" \
    test "$rc" = 0 -a "$took" -le 2
wait "$locker"
sync_once "" "$DSN4"
check "... the next run copies the record" \
    test "$(psql_db bi4 -c "SELECT count(*) FROM accord.customers WHERE name = 'Waiting for the lock'")" = 1

# ---- the hub takes a new key (accordctl epoch new): the same node, a new origin ----
old_origin=$("$CTL" --json node show --data "$W/hq" | jq -r .origin)
stop hq
"$CTL" epoch new --data "$W/hq" --force >/dev/null 2>>"$W/sync.log"
new_origin=$("$CTL" --json node show --data "$W/hq" | jq -r .origin)
out=$("$CTL" pg-sync --data "$W/hq" --dsn "$DSN" --once 2>&1)
rc=$?
check "after epoch new ($old_origin -> $new_origin) the hub's copy goes on: exit 0 ($(grep -m1 accordctl: <<< "$out"))" \
    test "$rc" = 0 -a "$old_origin" != "$new_origin"
check "... and says so; meta.hub is its new origin" \
    bash -c "grep -q 'new key' <<< \"\$0\" && [ \"\$1\" = '$new_origin' ]" "$out" "$(q "SELECT value FROM accord.meta WHERE key = 'hub'")"
check "... no change twice, the position the heads" \
    test "$(q 'SELECT count(DISTINCT (origin, seq)) = count(*) FROM accord.changes')" = t -a \
    "$(q 'SELECT sum(seq) FROM accord.position')" = "$(feed_total)"
# ---- a damaged store: a feed record missing below the head ----
# (no compaction made that gap: one read transaction sees the feed whole) pg-sync says so
# and stops; it made full copies again and again, --once never ending
if ! command -v mdb_dump >/dev/null || ! command -v mdb_load >/dev/null; then
    skip "a feed record missing: mdb_dump and mdb_load are not installed (lmdb-utils, deploy/debian-packages.txt)"
else
    mkdir "$W/hqd"
    cp "$W/hq"/node.* "$W/hqd/"
    mdb_dump -a "$W/hq" | awk '/^database=/ { db = substr($0, 10) } /^HEADER=END/ { data = 1; n = 0; print; next }
        /^DATA=END/ { data = 0 } data && db == "feed" { n++; if (n == 3 || n == 4) next } { print }' > "$W/hqd.dump"
    mdb_load -f "$W/hqd.dump" "$W/hqd" 2>/dev/null
    q "CREATE DATABASE bi6" >/dev/null
    out=$(timeout 20 "$CTL_BIN" pg-sync --data "$W/hqd" --dsn "host=127.0.0.1 port=$PG_PORT dbname=bi6 user=bi" --once 2>&1)
    rc=$?
    check "a feed with a record missing below its head: exit 4, said so (exit $rc: $(grep -m1 accordctl: <<< "$out"))" \
        bash -c "[ $rc = 4 ] && grep -q 'accordctl check' <<< \"\$0\"" "$out"
fi

# ---- refusals ----
out=$("$CTL" pg-sync --data "$W/hq" --dsn "host=127.0.0.1 bogus_option=1" --once 2>&1)
rc=$?
check "a DSN that is none: exit 1, said so" \
    bash -c "[ $rc = 1 ] && grep -q 'not a PostgreSQL connection string' <<< \"\$0\"" "$out"
out=$("$CTL" pg-sync --data "$W/hq" --dsn "$DSN password=secret" --once 2>&1)
rc=$?
check "a DSN with a password (seen by every local user in ps): exit 1, told where it goes" \
    bash -c "[ $rc = 1 ] && grep -q 'PGPASSFILE' <<< \"\$0\" && ! grep -q secret <<< \"\$0\"" "$out"
out=$("$CTL" pg-sync --data "$W/hq" --dsn "postgresql://bi:secret@127.0.0.1:$PG_PORT/postgres" --once 2>&1)
rc=$?
check "... also in a URI" bash -c "[ $rc = 1 ] && grep -q 'PGPASSFILE' <<< \"\$0\"" "$out"
out=$("$CTL" pg-sync --data "$W/hq" --dsn "host=127.0.0.1 port=$(free_port) dbname=x user=bi connect_timeout=2" --once 2>&1)
rc=$?
check "an unreachable server with --once: exit 3, says to check the DSN" \
    bash -c "[ $rc = 3 ] && grep -q 'cannot connect to PostgreSQL' <<< \"\$0\" && grep -q 'check --dsn' <<< \"\$0\"" "$out"
out=$("$CTL" pg-sync --data "$W/nowhere" --dsn "$DSN" --once 2>&1)
rc=$?
check "a missing data directory: exit 3, names it" bash -c "[ $rc = 3 ] && grep -q '$W/nowhere' <<< \"\$0\"" "$out"
q "CREATE ROLE reader LOGIN" >/dev/null; q "CREATE DATABASE bi5" >/dev/null
out=$("$CTL" pg-sync --data "$W/hq" --dsn "host=127.0.0.1 port=$PG_PORT dbname=bi5 user=reader" --once 2>&1)
rc=$?
check "a DSN user who may not create the schema: exit 4, told which GRANT it needs ($(tail -1 <<< "$out"))" \
    bash -c "[ $rc = 4 ] && grep -q 'GRANT CREATE ON DATABASE bi5 TO reader' <<< \"\$0\"" "$out"
q "UPDATE accord.meta SET value = '0 0000000000000000' WHERE key = 'layout'"
out=$("$CTL" pg-sync --data "$W/hq" --dsn "$DSN" --once 2>&1)
rc=$?
check "tables of another layout are refused (exit 4), saying what to do" \
    bash -c "[ $rc = 4 ] && grep -q 'DROP SCHEMA accord CASCADE' <<< \"\$0\"" "$out"
out=$("$CTL" pg-sync --data "$W/hq" --once 2>&1)
check "no --dsn: usage" bash -c "grep -q 'needs --dsn' <<< \"\$0\"" "$out"

stop_all
sanitizer_check
echo "# pgsync_test done: $n checks"
