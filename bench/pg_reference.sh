#!/usr/bin/env bash
# make bench's reference for the catch-up: PostgreSQL 15 logical replication of the same row
# changes as sync_bench's offline branch, caught up by a subscriber that was disabled while
# the publisher wrote them.
#   bench/pg_reference.sh CHANGES
# Two clusters in a temporary directory (initdb), listening on 127.0.0.1 on free ports, their
# unix sockets in that directory, fsync on and synchronous_commit on (the subscription's too:
# durable, as Accord's hub is). As root the clusters run as the user postgres (or nobody),
# since initdb refuses root. Killed by their postmaster's pid at the end, directory removed.
# The publisher's procedure makes sync_bench's write_offline mix exactly: change i is a new
# customer when i % 5 == 0 (name, phone, city, branch, created; 14 columns, the rest NULL as
# Accord's record does not carry them), else a one-column update (city) of a random customer
# made before; 10,000 changes a transaction. Ids are ordered by creation in their first 48
# bits, as Accord's time-ordered ones are (the rest is random-looking). The subscription (copy_data = false: nothing to
# copy, every change is replayed) is then enabled, and its catch-up is timed until it holds
# the marker row the publisher committed last.
# Prints one line on stdout:
#   ok CHANGES CATCHUP_SECONDS WRITE_SECONDS
#   skip WHY
# and its progress on stderr.
set -eu
changes=${1:?usage: pg_reference.sh CHANGES}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$pg_bin/initdb" ] || [ ! -x "$pg_bin/psql" ]; then
    echo "skip PostgreSQL 15 is not installed ($pg_bin/initdb): deploy/install-deps.sh --bench, or apt-get install postgresql-15"
    exit 0
fi

# initdb and postgres refuse root: there they run as an unprivileged user
as_pg=()
pg_user=$(id -un)
if [ "$(id -u)" = 0 ]; then
    if id -u postgres >/dev/null 2>&1; then pg_user=postgres; else pg_user=nobody; fi
    as_pg=(runuser -u "$pg_user" --)
fi

dir=$(mktemp -d /tmp/accord-bench-pg-XXXXXX)
[ "$pg_user" = "$(id -un)" ] || chown "$pg_user" "$dir"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME PORT: a cluster in $dir/NAME; its postmaster's pid joins pids
start() {
    local name=$1 port=$2
    "${as_pg[@]}" "$pg_bin/initdb" -D "$dir/$name" -U bench --auth=trust -E UTF8 --no-locale --no-sync \
        >"$dir/$name-initdb.log" 2>&1 || { cat "$dir/$name-initdb.log" >&2; exit 1; }
    if ! "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/$name" -l "$dir/$name.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir" \
        -o "-c fsync=on -c synchronous_commit=on -c wal_level=logical" start >/dev/null; then
        cat "$dir/$name.log" >&2
        exit 1
    fi
    pids+=("$(head -1 "$dir/$name/postmaster.pid")")
}

sql() { # sql PORT SQL...: each argument its own statement and transaction
    local port=$1
    shift
    local args=()
    for s in "$@"; do args+=(-c "$s"); done
    PGOPTIONS="-c client_min_messages=warning" "$pg_bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U bench -d postgres "${args[@]}"
}

table='CREATE TABLE customers (id uuid PRIMARY KEY, branch text, name text, phones text, emails text,
    city text, address text, company text, title text, language text, tags text, notes text,
    created text, updated text);
    CREATE TABLE bench_done (id int PRIMARY KEY)'

pub_port=$(free_port)
start pub "$pub_port"
sub_port=$(free_port)
start sub "$sub_port"

sql "$pub_port" "$table" "CREATE PUBLICATION bench_pub FOR TABLE customers, bench_done" \
    "CREATE FUNCTION bench_id(k int) RETURNS uuid IMMUTABLE LANGUAGE sql
     AS \$\$ SELECT (lpad(to_hex(k), 12, '0') || substr(md5(k::text), 13))::uuid \$\$" "
CREATE PROCEDURE bench_write(n int, per_txn int) LANGUAGE plpgsql AS \$\$
DECLARE
    made int := 0;
    pick uuid;
    stamp text := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"');
BEGIN
    FOR i IN 0 .. n - 1 LOOP
        IF i % 5 = 0 OR made = 0 THEN
            INSERT INTO customers (id, branch, name, phones, city, created)
            VALUES (bench_id(made), 'a', 'Customer ' || i, '+98912' || lpad(i::text, 7, '0'),
                    'City ' || i % 997, stamp);
            made := made + 1;
        ELSE
            -- in a variable: random() in the WHERE clause would be drawn again for every row
            pick := bench_id(floor(random() * made)::int);
            UPDATE customers SET city = 'City ' || i % 997 WHERE id = pick;
        END IF;
        IF (i + 1) % per_txn = 0 THEN COMMIT; END IF;
    END LOOP;
END
\$\$"
sql "$sub_port" "$table" \
    "CREATE SUBSCRIPTION bench_sub CONNECTION 'host=127.0.0.1 port=$pub_port dbname=postgres user=bench'
     PUBLICATION bench_pub WITH (enabled = false, copy_data = false, synchronous_commit = 'on')"

echo "  ... PostgreSQL publisher writing $changes changes (the subscription disabled)" >&2
t0=$(date +%s.%N)
sql "$pub_port" "CALL bench_write($changes, 10000)" "INSERT INTO bench_done VALUES (1)"
t1=$(date +%s.%N)
retained=$(sql "$pub_port" "SELECT pg_size_pretty(pg_current_wal_lsn() - restart_lsn) FROM pg_replication_slots WHERE slot_name = 'bench_sub'")
echo "  ... written in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; the slot holds $retained of WAL; enabling the subscription" >&2

t2=$(date +%s.%N)
sql "$sub_port" "ALTER SUBSCRIPTION bench_sub ENABLE" \
    "DO \$\$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM bench_done) LOOP PERFORM pg_sleep(0.005); END LOOP; END \$\$"
t3=$(date +%s.%N)

# the subscriber holds what the publisher does
pub_sum=$(sql "$pub_port" "SELECT count(*) || ' ' || md5(string_agg(id::text || city, ',' ORDER BY id)) FROM customers")
sub_sum=$(sql "$sub_port" "SELECT count(*) || ' ' || md5(string_agg(id::text || city, ',' ORDER BY id)) FROM customers")
if [ "$pub_sum" != "$sub_sum" ]; then
    echo "skip the subscriber's table differs from the publisher's after the catch-up ($sub_sum, $pub_sum)"
    exit 0
fi
awk -v n="$changes" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN { printf "ok %d %.3f %.3f\n", n, d - c, b - a }'
