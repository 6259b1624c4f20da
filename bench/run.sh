#!/usr/bin/env bash
# make bench: runs the benchmark in a temporary directory on this machine's disk.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
work=$(mktemp -d /tmp/accord-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$BUILD/accord-bench" "$BUILD" "$work"
mkdir -p "$work/sync"
"$BUILD/accord-sync-bench" "$BUILD" "$work/sync"

# accord import: 100,000 spreadsheet rows (names in three scripts, phones, e-mails, cities)
# into a running node, every row checked, created, indexed and durable.
node_dir="$work/import"
"$BUILD/accordctl" node init --data "$node_dir" --name bench >/dev/null
awk 'BEGIN { print "Full Name;Mobile;E-mail;City;Tags";
             split("Anna Müller|علی رضایی|王小明|Maria Garcia|زهرا کریمی|李华", n, "|");
             for (i = 0; i < 100000; i++)
                 printf "\"%s %d\";+98 912 %07d;user%d@example.ir;City %d;t%d\r\n", n[i % 6 + 1], i, i, i, i % 97, i % 5 }' \
    > "$work/import.csv"
"$BUILD/accord-node" --data "$node_dir" 2>"$work/import-node.log" &
node_pid=$!
for _ in $(seq 100); do [ -S "$node_dir/accord.sock" ] && break; sleep 0.05; done
start=$(date +%s.%N)
ACCORD_DATA="$node_dir" ACCORD_USER=bench "$BUILD/accord" --json import customers "$work/import.csv" \
    --map "name=Full Name,phones=Mobile,emails=E-mail,city=City,tags=Tags" > "$work/import.json"
end=$(date +%s.%N)
kill "$node_pid"; wait "$node_pid" 2>/dev/null
awk -v s="$start" -v e="$end" -v r="$(jq .created "$work/import.json")" -v b="$(jq '.bad | length' "$work/import.json")" \
    'BEGIN { printf "import of 100,000 CSV rows through accord import: %.1f s, %.0f rows/s (target >= 100,000) (%d created, %d bad)\n", e - s, r / (e - s), r, b }'

# accordctl pg-sync into a throwaway PostgreSQL 15: the full copy of a hub of 300,000
# records and the steady batches of 100,000 more, beside PostgreSQL's own COPY of the same
# rows (bench/pgsync_bench.sh; skipped without PostgreSQL 15)
bench/pgsync_bench.sh "$BUILD" "$work"
