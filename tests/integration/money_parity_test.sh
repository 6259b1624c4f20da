#!/usr/bin/env bash
# Amounts as people type them: what the branch app says it understood (common.js's
# A.parseAmount) is what the node keeps (proto/schema.c's schema_money_parse), on a table of
# hand-picked inputs and on 20,000 random ones (a fixed seed). TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-money-XXXXXX)
. tests/integration/lib.sh
CURRENCIES='{"USD":{"minor":2,"shown":2},"EUR":{"minor":2,"shown":2},"KWD":{"minor":3,"shown":3},"BHD":{"minor":3,"shown":3},"IRR":{"minor":2,"shown":0},"JPY":{"minor":0,"shown":0}}'
python3 - "$W/random.txt" <<'PY'
import random, sys
random.seed(15)
parts = list('0123456789') * 3 + list('۰۱۲۳۴۵۶۷۸۹٠١٢') + ['.', ',', '٫', '٬', ' ', '\\u00a0', '\\u202f', "'", '-', '−', 'x', '\\t']
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    for _ in range(20000):
        cur = random.choice(['USD', 'EUR', 'KWD', 'IRR', 'JPY'])
        f.write(cur + '\t' + ''.join(random.choice(parts) for _ in range(random.randint(1, 14))) + '\n')
PY
for set in tests/integration/money_inputs.txt "$W/random.txt"; do
    "$BUILD/tests/money-parse" < "$set" > "$W/c.out"
    node tests/integration/money_parity.js server/http/web/common.js "$CURRENCIES" < "$set" > "$W/js.out"
    paste "$set" "$W/c.out" "$W/js.out" | awk -F'\t' '$3 != $4' > "$W/diff"
    check "the page and the node read the same amount from every line of $(basename "$set") ($(wc -l < "$set") lines; differing: $(head -3 "$W/diff" | tr '\t\n' '  '))" [ ! -s "$W/diff" ]
done
want() { printf '%s\t%s\n' "$1" "$2" | "$BUILD/tests/money-parse"; }
check "۱۲٫۵۰۰٫۰۰۰ rials are 12,500,000 (1250000000 minor units), ۱۲٫۵ euros 1250, 12,500 euros 1250000, 0,500 euros a half" \
    bash -c "[ \"\$(printf 'IRR\t۱۲٫۵۰۰٫۰۰۰\nEUR\t۱۲٫۵\nEUR\t12,500\nEUR\t0,500\n' | '$BUILD/tests/money-parse' | tr '\n' ' ')\" = '1250000000 1250 1250000 50 ' ]"
check "negatives and decimals a currency does not have are refused" \
    bash -c "[ \"\$(printf 'EUR\t-5\nIRR\t12.5\nJPY\t1.5\n' | '$BUILD/tests/money-parse' | tr '\n' ' ')\" = 'ERR ERR ERR ' ]"
rm -rf "$W"
echo "# money parity done: $n checks"
