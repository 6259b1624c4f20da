#!/usr/bin/env bash
# make bench's pg-sync figures: accordctl pg-sync into a local PostgreSQL 15, its full copy
# of a hub of INITIAL records and then its steady batches of STEADY more, in changes (feed
# records) a second, beside the reference measured in the same run: PostgreSQL's own COPY
# of the very same rows and changes from files (what the copy's tables cost the server
# alone), and the goal (>= 50,000 changes/s for the full copy, issue 18).
#   bench/pgsync_bench.sh BUILD WORK [INITIAL] [STEADY]   (defaults 300000 and 100000)
# The cluster is a throwaway one as bench/pg_reference.sh starts it (initdb in WORK, as the
# user postgres when root, 127.0.0.1 on a free port, socket in WORK, fsync and
# synchronous_commit on), killed by its postmaster's pid at the end. The hub is filled by
# accord-pg-fill (bench/pg_fill.c): a tenth new customers, a tenth new deals, the rest edits.
set -eu
build=${1:?usage: pgsync_bench.sh BUILD WORK [INITIAL] [STEADY]}
work=${2:?usage: pgsync_bench.sh BUILD WORK [INITIAL] [STEADY]}
initial=${3:-300000}
steady=${4:-100000}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$pg_bin/initdb" ] || [ ! -x "$pg_bin/psql" ]; then
    echo "pg-sync: skipped, PostgreSQL 15 is not installed ($pg_bin/initdb): apt-get install postgresql-15"
    exit 0
fi
as_pg=()
pg_user=$(id -un)
if [ "$(id -u)" = 0 ]; then
    if id -u postgres >/dev/null 2>&1; then pg_user=postgres; else pg_user=nobody; fi
    as_pg=(runuser -u "$pg_user" --)
fi
dir="$work/pgsync"
mkdir -p "$dir/pg"
chmod 755 "$work" "$dir"
[ "$pg_user" = "$(id -un)" ] || chown "$pg_user" "$dir/pg"
pg_pid=""
trap '[ -n "$pg_pid" ] && { kill -INT "$pg_pid"; for _ in $(seq 200); do kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.05; done; }' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg/data" -U bench --auth=trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/pg -c fsync=on -c synchronous_commit=on -c max_wal_size=4GB" \
    start >/dev/null || { cat "$dir/pg/server.log" >&2; exit 1; }
pg_pid=$(head -1 "$dir/pg/data/postmaster.pid")
dsn="host=127.0.0.1 port=$port dbname=postgres user=bench"
sql() { "$pg_bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U bench -d postgres "$@"; }

hub="$dir/hub"
"$build/accordctl" node init --data "$hub" --name bench-hub --role hub >/dev/null
echo "  ... filling a hub with $initial records" >&2
"$build/accord-pg-fill" "$hub" "$initial" >/dev/null

# the full copy
"$build/accordctl" --json pg-sync --data "$hub" --dsn "$dsn" --once 2>"$dir/full.log" > "$dir/full.json"
read -r f_changes f_rows f_secs < <(jq -r 'select(.event == "full copy") | "\(.changes) \(.rows) \(.seconds)"' "$dir/full.json")

# the reference: the same rows and changes, from files, by PostgreSQL's own COPY into
# tables of the same definition, in one transaction
tables=$(sql -c "SELECT string_agg(table_name, ' ') FROM information_schema.tables WHERE table_schema = 'accord'
                 AND table_name NOT IN ('meta', 'position', 'status')")
ref="CREATE SCHEMA ref;"
for t in $tables; do
    sql -c "\\copy accord.$t TO '$dir/$t.copy'"
    ref="$ref CREATE TABLE ref.$t (LIKE accord.$t INCLUDING ALL);"
done
sql -c "$ref"
load="BEGIN;"
for t in $tables; do load="$load COPY ref.$t FROM '$dir/$t.copy';"; done
chmod 644 "$dir"/*.copy
t0=$(date +%s.%N)
sql -c "$load COMMIT;"
t1=$(date +%s.%N)
ref_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')

# steady: the batches of what the hub writes next
echo "  ... adding $steady records" >&2
"$build/accord-pg-fill" "$hub" "$steady" >/dev/null
"$build/accordctl" --json pg-sync --data "$hub" --dsn "$dsn" --once 2>"$dir/steady.log" > "$dir/steady.json"
read -r s_changes s_rows s_secs s_batches < <(jq -rs '[.[] | select(.event == "batch")] |
    "\(map(.changes) | add) \(map(.rows) | add) \(map(.seconds) | add) \(length)"' "$dir/steady.json")
have=$(sql -c "SELECT count(*) FROM accord.changes")

awk -v c="$f_changes" -v r="$f_rows" -v s="$f_secs" -v rs="$ref_secs" 'BEGIN {
    printf "pg-sync full copy of %d changes (%d rows) into PostgreSQL: %.1f s, %.0f changes/s (goal >= 50,000); PostgreSQL'"'"'s own COPY of the same rows from files: %.1f s, %.0f changes/s\n", c, r, s, c / s, rs, c / rs }'
awk -v c="$s_changes" -v r="$s_rows" -v s="$s_secs" -v b="$s_batches" -v h="$have" -v w="$((initial + steady))" 'BEGIN {
    printf "pg-sync steady: %d changes in %d transactions (%d rows upserted): %.1f s, %.0f changes/s; the copy holds %d of %d changes\n", c, b, r, s, c / s, h, w }'
