#!/usr/bin/env bash
# Upgrade in place: a store written by Accord before entity rows (store format 1, made by
# commit ff2dde5's accord-node and CLI: tests/integration/data/store-v1.tar.gz, with what
# its CLI listed) is converted by the first start of today's node. Before the start the
# tools refuse it and say what to do; after it, the node keeps its identity, feed and head,
# lists the same customers, deals and invoices, takes new writes, and accordctl check
# derives the same state from the feed. TAP-style lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-upgrade-XXXXXX)
. tests/integration/lib.sh

tar xzf tests/integration/data/store-v1.tar.gz -C "$W"
export ACCORD_USER=ana
check "accordctl check refuses the old store and says to start the node once" \
    bash -c "! '$CTL' check --data '$W/node' 2>'$W/refused.txt' && grep -q 'start the node once' '$W/refused.txt'"
start node
check "the first start converts the store to entity rows, saying so" grep -q "store upgraded to format 2" "$W/node.log"
check "a copy of the old store was taken first" test -f "$W/node/backup-store-v1/data.mdb"
same() { # what, jq filter: the list now against what the old node listed
    local now want
    now=$("$ACCORD" --data "$W/node" --json "$1" list | jq -c "$2")
    want=$(jq -c "$2" "$W/$1s-before.json")
    [ -n "$now" ] && [ "$now" = "$want" ]
}
check "the same customers, with their fields and tags" same customer '[.[] | {id, name, city, phones, tags}] | sort_by(.id)'
check "the same deals" same deal '[.[] | {id, title, amount, currency, customer}] | sort_by(.id)'
check "the same invoices, numbers and totals" same invoice '[.[] | {id, number, total, status}] | sort_by(.id)'
check "the node's identity is kept" bash -c "'$CTL' --json node show --data '$W/node' | jq -e '.name == \"old-branch\"' >/dev/null"
id1=$(jq -r '.[] | select(.name == "Anna Müller") | .id' "$W/customers-before.json")
check "an old record takes an edit" bash -c "'$ACCORD' --data '$W/node' customer edit '$id1' --city Hamburg >/dev/null"
check "... and shows it" bash -c "'$ACCORD' --data '$W/node' --json customer show '$id1' | jq -e '.city == \"Hamburg\"' >/dev/null"
check "a new record is written beside the old ones" bash -c "'$ACCORD' --data '$W/node' customer add --name 'Neu Kunde' --phone '+49 30 1234567' >/dev/null"
check "search finds old and new records" bash -c "'$ACCORD' --data '$W/node' --json customer search Anna | jq -e 'length == 1' >/dev/null"
check "the next invoice number follows the old one" bash -c "'$ACCORD' --data '$W/node' --json invoice add --customer '$id1' --currency EUR --line 'qty=1&price=5&description=Filter' | jq -e '.number == \"OLDBRANCH-2026-000002\"' >/dev/null"
stop node
check "accordctl check derives the same state from the feed" bash -c "'$CTL' check --data '$W/node' >/dev/null"
check "the feed verifies, the old records with the new" bash -c "'$CTL' feed verify --data '$W/node' >/dev/null"
start node
check "a second start has nothing to convert" bash -c "[ \$(grep -c 'store upgraded to format 2' '$W/node.log') = 1 ]"
stop node
sanitizer_check
echo "# upgrade done: $n checks"
