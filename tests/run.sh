#!/usr/bin/env bash
# Runs every test, in this order: the cmocka unit suites ($BUILD/tests/test_*, one per
# tests/unit/test_*.c), the fuzz corpora and regressions replayed without libFuzzer (one
# per tests/fuzz/fuzz_*.c), and the integration scripts against real nodes
# (tests/integration/*_test.sh). All three lists are found by wildcard.
#
# Counting: a cmocka test counts as passed, failed or skipped as cmocka reports it; a
# replay passes or fails as a whole; an integration script prints TAP lines
# (tests/integration/lib.sh): "ok N - ..." passes, "not ok N - ..." fails, and
# "ok N # skip why" is skipped; a script that does not reach its "# NAME done: N checks"
# line counts one more failure. Ends with the line CI reads:
#   N passed, N failed, N skipped
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
passed=0
failed=0
skipped=0
failures=()

count_cmocka() { # name, log
    local p f s
    p=$(grep -Eo '\[  PASSED  \] [0-9]+' "$2" | grep -Eo '[0-9]+$' | tail -1)
    f=$(grep -Eo '\[  FAILED  \] [0-9]+ test' "$2" | grep -Eo '[0-9]+' | tail -1)
    s=$(grep -Eo '\[  SKIPPED \] [0-9]+ test' "$2" | grep -Eo '[0-9]+' | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    skipped=$((skipped + ${s:-0}))
    if [ "${f:-0}" != 0 ] || [ -z "${p:-}" ]; then failures+=("$1"); [ -z "${p:-}" ] && [ -z "${f:-}" ] && failed=$((failed + 1)); fi
}

for src in tests/unit/test_*.c; do
    name=$(basename "$src" .c)
    t="$BUILD/tests/$name"
    log=$(mktemp)
    echo "== $name"
    CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1
    cat "$log"
    count_cmocka "$name" "$log"
    rm -f "$log"
done

for src in tests/fuzz/fuzz_*.c; do
    target=$(basename "$src" .c)
    echo "== replay $target"
    if "$BUILD/tests/replay_$target" "tests/fuzz/corpus/$target" tests/regress; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failures+=("replay $target")
    fi
done

for script in tests/integration/*_test.sh; do
    it=$(basename "$script" .sh)
    echo "== integration $it"
    log=$(mktemp)
    BUILD="$BUILD" "$script" >"$log" 2>&1
    cat "$log"
    p=$(grep -E '^ok ' "$log" | grep -vEc '^ok [0-9]+ # (skip|SKIP)')
    s=$(grep -Ec '^ok [0-9]+ # (skip|SKIP)' "$log")
    f=$(grep -c '^not ok ' "$log")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    if ! grep -q ' done: [0-9]* checks' "$log"; then failed=$((failed + 1)); failures+=("$it did not finish"); fi
    [ "$f" != 0 ] && failures+=("$it")
    rm -f "$log"
done

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
