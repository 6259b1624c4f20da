#!/usr/bin/env bash
# Runs every test: the cmocka unit suites, the fuzz corpora and regressions replayed
# without libFuzzer, and the CLI integration test against a real node. Ends with the
# line CI reads: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
passed=0
failed=0
failures=()

count_cmocka() { # name, log
    local p f
    p=$(grep -Eo '\[  PASSED  \] [0-9]+' "$2" | grep -Eo '[0-9]+$' | tail -1)
    f=$(grep -Eo '\[  FAILED  \] [0-9]+ test' "$2" | grep -Eo '[0-9]+' | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "${f:-0}" != 0 ] || [ -z "${p:-}" ]; then failures+=("$1"); [ -z "${p:-}" ] && [ -z "${f:-}" ] && failed=$((failed + 1)); fi
}

for t in "$BUILD"/tests/test_*; do
    name=$(basename "$t")
    log=$(mktemp)
    echo "== $name"
    CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1
    cat "$log"
    count_cmocka "$name" "$log"
    rm -f "$log"
done

for target in fuzz_record fuzz_request fuzz_api fuzz_wire fuzz_bundle fuzz_csv fuzz_vcard fuzz_snapshot fuzz_http; do
    echo "== replay $target"
    if "$BUILD/tests/replay_$target" "tests/fuzz/corpus/$target" tests/regress; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failures+=("replay $target")
    fi
done

for it in cli_test sync_test crash_test bundle_test rejoin_test compact_test report_test dashboard_test branch_app_test branch_sync_test dupes_test import_test full_disk_test; do
    echo "== integration $it"
    log=$(mktemp)
    BUILD="$BUILD" tests/integration/$it.sh >"$log" 2>&1
    cat "$log"
    p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
    passed=$((passed + p)); failed=$((failed + f))
    if ! grep -q ' done: [0-9]* checks' "$log"; then failed=$((failed + 1)); failures+=("$it did not finish"); fi
    [ "$f" != 0 ] && failures+=("$it")
    rm -f "$log"
done

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
