#!/usr/bin/env bash
# Issue 18, item 1: the HTTP JSON API for other systems (/api/v1, docs/API.md) with a token:
# every route of the OpenAPI document answers and every route the node serves is in it (and
# in docs/API.md); records made, read and changed with ETag / If-Match (a change made by
# someone else in between is refused, 412); cursor pages; updated_since; bad input refused
# with the local API's codes; read tokens and managers cannot change; the author is the
# token's user. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-apiv1-XXXXXX)
. tests/integration/lib.sh
jqt() { jq -e "$@" >/dev/null; }

org_and_nodes b1
echo 'staff password 1' | "$CTL" user add --data "$W/b1" --name sara --role staff >/dev/null
echo 'manager password 1' | "$CTL" user add --data "$W/b1" --name mona --role manager >/dev/null
HTTP=$(free_port)
BASE="http://127.0.0.1:$HTTP"
URL="$BASE/api/v1"
start b1 --http "$HTTP" || exit 1
WRITE=$("$CTL" token add --data "$W/b1" --user sara --scope write 2>/dev/null)
READ=$("$CTL" token add --data "$W/b1" --user sara --scope read 2>/dev/null)
MGR=$("$CTL" token add --data "$W/b1" --user mona --scope write 2>/dev/null)
# req TOKEN METHOD PATH [BODY] [HEADER...]: the status on stdout's first line, then the body
req() {
    local tok=$1 method=$2 path=$3 body=${4:-}
    shift 4 2>/dev/null || shift $#
    local args=(-s -X "$method" -H "Authorization: Bearer $tok" -w '\n%{http_code}' "$@")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    curl "${args[@]}" "$URL$path" > "$W/out"
    STATUS=$(tail -n 1 "$W/out")
    sed '$d' "$W/out" > "$W/body"
}

# ---- the document ----
curl -s "$URL/openapi.json" > "$W/openapi.json"
check "GET /api/v1/openapi.json needs no token and is OpenAPI 3.1 JSON" jqt '.openapi == "3.1.0" and (.paths | length) > 10' "$W/openapi.json"
if python3 -c 'import openapi_spec_validator' 2>/dev/null; then
    check "the document validates as OpenAPI 3.1 (openapi-spec-validator)" python3 -c 'import json,sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))' "$W/openapi.json"
else
    skip "the document's validation against the OpenAPI 3.1 schema: openapi-spec-validator (pip) is not installed"
fi

# every documented (method, path) answers: not 405, not "no such endpoint"; ids that hold nothing
ZERO=00000000000000000000000000000000
jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | select(. != "parameters") | "\(.) \($p)"' "$W/openapi.json" > "$W/documented"
unanswered=0
while read -r method path; do
    p=${path//\{id\}/$ZERO}
    M=$(echo "$method" | tr a-z A-Z)
    body=''
    [ "$M" = POST ] || [ "$M" = PATCH ] && body='{}'
    req "$WRITE" "$M" "$p" "$body" -H 'If-Match: *'
    # answered: an HTTP status of the node's (curl's 000 is none: a node gone answers nothing,
    # and that is not an answer), with a JSON body or none (204)
    if [ "$STATUS" = 405 ] || [ "$STATUS" = 000 ] || grep -q 'no such endpoint' "$W/body" ||
        { [ -s "$W/body" ] && ! command jq -e . "$W/body" >/dev/null 2>&1; }; then
        echo "# documented but not answered: $M $path ($STATUS)"
        unanswered=$((unanswered + 1))
    fi
done < "$W/documented"
check "each of the $(wc -l < "$W/documented") documented routes answers" [ "$unanswered" = 0 ]

# every route the node answers is documented: each kind's plural as a collection, each
# method on a collection's paths
undocumented=0
for kind in customer contact deal task interaction note import product quote line order invoice ticket user branch; do
    for coll in "${kind}s" "${kind}es"; do
        for sub in "" "/$ZERO" "/$ZERO/payments"; do
            for M in GET POST PATCH DELETE; do
                body=''
                [ "$M" = POST ] || [ "$M" = PATCH ] && body='{}'
                req "$WRITE" "$M" "/$coll$sub" "$body" -H 'If-Match: *'
                served=true
                { [ "$STATUS" = 405 ] || grep -q 'no such endpoint' "$W/body"; } && served=false
                doc_path="/$coll${sub//$ZERO/\{id\}}"
                m=$(echo "$M" | tr A-Z a-z)
                documented=$(jq --arg p "$doc_path" --arg m "$m" '.paths[$p][$m] != null' "$W/openapi.json")
                if [ "$served" != "$documented" ]; then
                    echo "# $M $doc_path: served $served, documented $documented"
                    undocumented=$((undocumented + 1))
                fi
            done
        done
    done
done
check "what the node serves and what the document lists are the same routes" [ "$undocumented" = 0 ]
# docs/API.md's table of routes, expanded per collection, is the document's
grep -E '^\| `(GET|POST|PATCH|DELETE)` \| `/' docs/API.md | sed -E 's/^\| `([A-Z]+)` \| `\/api\/v1([^`]+)`.*/\1 \2/' > "$W/doc_routes"
missing=0
collections=$(jq -r '.paths | keys[] | select(test("^/[a-z]+$")) | ltrimstr("/")' "$W/openapi.json" | grep -vx me)
while read -r M path; do
    m=$(echo "$M" | tr A-Z a-z)
    for c in $collections; do
        p=${path//\{collection\}/$c}
        [ "$p" = "$path" ] && [ "$c" != "$(echo "$collections" | head -n 1)" ] && continue
        # PATCH and DELETE only for collections that change (docs: not interactions, notes)
        if [ "$p" != "$path" ] && { [ "$M" = PATCH ] || [ "$M" = DELETE ]; } && { [ "$c" = interactions ] || [ "$c" = notes ]; }; then continue; fi
        jqt --arg p "$p" --arg m "$m" '.paths[$p][$m] != null' "$W/openapi.json" || { echo "# docs/API.md's $M $p is not in the document"; missing=$((missing + 1)); }
    done
done < "$W/doc_routes"
check "docs/API.md lists $(wc -l < "$W/doc_routes") routes, each in the document" bash -c "[ $missing = 0 ] && [ \$(wc -l < '$W/doc_routes') -ge 7 ]"

# ---- records with ETag / If-Match ----
curl -s -D "$W/h" -o "$W/c.json" -H "Authorization: Bearer $WRITE" -H 'Content-Type: application/json' \
    --data-binary '{"name":"Sara Ahmadi","city":"Tehran","phones":["0912 123 4567"],"tags":["vip"],"consent_sms":true}' "$URL/customers"
C=$(jq -r .id "$W/c.json")
ETAG=$(jq -r .etag "$W/c.json")
check "POST /customers: 201, the record (the phone normalised), Location and ETag" bash -c "
    grep -q '^HTTP/1.1 201' '$W/h' && grep -qi '^Location: /api/v1/customers/$C' '$W/h' && grep -qi '^ETag: \"$ETAG\"' '$W/h' &&
    jq -e '.name == \"Sara Ahmadi\" and .phones == [\"09121234567\"] and .consent_sms == true and (.etag | length) == 32' '$W/c.json' >/dev/null"
req "$WRITE" GET "/customers/$C" '' -H "If-None-Match: \"$ETAG\""
check "GET with If-None-Match of its ETag: 304" [ "$STATUS" = 304 ]
req "$READ" GET "/customers/$C"
check "a read token reads it" bash -c "[ $STATUS = 200 ] && jq -e '.city == \"Tehran\"' '$W/body' >/dev/null"
req "$WRITE" PATCH "/customers/$C" '{"city":"Karaj"}'
check "PATCH without If-Match: 428, saying to send the ETag" bash -c "[ $STATUS = 428 ] && grep -q 'If-Match' '$W/body'"
# someone else changes the record between this client's read and its change
"$ACCORD" --data "$W/b1" customer edit "$C" --city Shiraz >/dev/null
req "$WRITE" PATCH "/customers/$C" '{"city":"Karaj"}' -H "If-Match: \"$ETAG\""
check "PATCH with the ETag read before another's change: 412 ECHANGED, nothing written" bash -c "
    [ $STATUS = 412 ] && jq -e '.error == \"ECHANGED\"' '$W/body' >/dev/null &&
    curl -s -H 'Authorization: Bearer $READ' '$URL/customers/$C' | jq -e '.city == \"Shiraz\"' >/dev/null"
ETAG2=$(curl -s -H "Authorization: Bearer $READ" "$URL/customers/$C" | jq -r .etag)
curl -s -D "$W/h" -o "$W/p.json" -X PATCH -H "Authorization: Bearer $WRITE" -H "If-Match: W/\"$ETAG2\"" -H 'Content-Type: application/json' \
    --data-binary '{"city":"Karaj","add:tags":["fleet"],"remove:tags":["vip"],"segment":null}' "$URL/customers/$C"
ETAG3=$(jq -r .etag "$W/p.json")
check "PATCH with the current ETag: 200, the record as changed and its new ETag" bash -c "
    grep -q '^HTTP/1.1 200' '$W/h' && grep -qi '^ETag: \"$ETAG3\"' '$W/h' && [ '$ETAG3' != '$ETAG2' ] &&
    jq -e '.city == \"Karaj\" and .tags == [\"fleet\"]' '$W/p.json' >/dev/null"
"$ACCORD" --json --data "$W/b1" history "$C" > "$W/hist.json"
check "the API's changes are the token's user's (history: sara made it and changed it)" \
    jqt '[(.items? // .)[] | .author] | length == 3 and .[0] == "sara" and .[2] == "sara"' "$W/hist.json"
req "$READ" GET "/customers/$C/history?limit=2"
check "GET .../history: the record's changes oldest first, by sara, paged" bash -c "
    [ $STATUS = 200 ] && jq -e '(.items | length) == 2 and .items[0].author == \"sara\" and .more == true and (.next_cursor | length) > 0' '$W/body' >/dev/null"
req "$READ" GET "/customers/$C/history?cursor=$(printf '%09000d' 0)" --max-time 5
check "a history's cursor past 8,192 bytes: refused at once (the node could not read the call)" bash -c "[ $STATUS = 400 ] || [ $STATUS = 413 ]"
req "$READ" GET "/customers?q=0912-123-4567"
check "GET /customers?q=PHONE finds the customer by its phone in another format" \
    jqt --arg c "$C" '[.items[].id] == [$c] and .items[0].matched == "phone"' "$W/body"
req "$READ" GET "/customers?q=sara&cursor=x"
check "a search with a cursor: 400" [ "$STATUS" = 400 ]
req "$WRITE" DELETE "/customers/$C" '' -H "If-Match: \"$ETAG2\""
check "DELETE with a stale ETag: 412" [ "$STATUS" = 412 ]
req "$WRITE" DELETE "/customers/$C" '' -H "If-Match: \"$ETAG3\""
check "DELETE with the current ETag: 204" [ "$STATUS" = 204 ]
req "$WRITE" GET "/customers/$C"
check "the deleted record is not served as live" bash -c "[ $STATUS != 200 ] || jq -e '.deleted == true' '$W/body' >/dev/null"

# ---- roles and scopes ----
req "$READ" POST /customers '{"name":"Read Only"}'
check "a read token cannot POST (403)" [ "$STATUS" = 403 ]
req "$MGR" POST /customers '{"name":"Manager"}'
check "a manager's write token cannot change records (403 EREADONLY)" bash -c "[ $STATUS = 403 ] && grep -q EREADONLY '$W/body'"
req "$MGR" GET /customers
check "a manager reads (200)" [ "$STATUS" = 200 ]
curl -s -o /dev/null -w '%{http_code}' "$URL/customers" > "$W/code"
check "no token: 401" [ "$(cat "$W/code")" = 401 ]
req "bad-token-xyz" GET /customers
check "an unknown token: 401" [ "$STATUS" = 401 ]
req "$WRITE" GET /me
check "GET /me: the token's user and role" jqt '.user == "sara" and .role == "staff" and .by == "token" and .writes == true' "$W/body"

# ---- pages and changes ----
for i in $(seq 1 25); do
    curl -s -o /dev/null -H "Authorization: Bearer $WRITE" -H 'Content-Type: application/json' -d "{\"name\":\"Customer $i\",\"city\":\"Qom\"}" "$URL/customers"
done
: > "$W/seen"
cursor=""
pages=0
while :; do
    req "$READ" GET "/customers?limit=10&city=qom${cursor:+&cursor=$cursor}"
    [ "$STATUS" = 200 ] || break
    jq -r '.items[].id' "$W/body" >> "$W/seen"
    pages=$((pages + 1))
    [ "$(jq -r .more "$W/body")" = true ] || break
    cursor=$(jq -r .next_cursor "$W/body")
    [ $pages -lt 10 ] || break
done
check "25 records in pages of 10 by cursor: 3 pages, each record once" bash -c "[ $pages = 3 ] && [ \$(sort -u '$W/seen' | wc -l) = 25 ] && [ \$(wc -l < '$W/seen') = 25 ]"
SINCE=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 0.05
A=$(sed -n 3p "$W/seen")
B=$(sed -n 7p "$W/seen")
for id in "$B" "$A"; do
    curl -s -o /dev/null -X PATCH -H "Authorization: Bearer $WRITE" -H 'If-Match: *' -H 'Content-Type: application/json' -d '{"segment":"gold"}' "$URL/customers/$id"
done
req "$READ" GET "/customers?updated_since=$SINCE"
check "updated_since: the two records changed since, in the order they changed" bash -c "
    [ $STATUS = 200 ] && [ \"\$(jq -r '[.items[].id] | join(\" \")' '$W/body')\" = '$B $A' ]"
NEXT=$(jq -r .next_cursor "$W/body")
req "$READ" GET "/customers?updated_since=$SINCE&cursor=$NEXT"
check "asking again from next_cursor: nothing new" jqt '.items == []' "$W/body"
curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $WRITE" -H 'If-Match: *' "$URL/customers/$B"
req "$READ" GET "/customers?updated_since=$SINCE&cursor=$NEXT"
check "a deletion since: the record again, as deleted" jqt --arg b "$B" '.items | length == 1 and .[0].id == $b and .[0].deleted == true' "$W/body"

# ---- bad input: the local API's codes and words ----
req "$WRITE" POST /customers '{"name":"X","colour":"red"}'
check "an unknown field: 400 EINVAL naming it and the kind's fields" bash -c "[ $STATUS = 400 ] && grep -q \"unknown field 'colour'\" '$W/body'"
req "$WRITE" POST /customers '{"name":"X","user":"boss"}'
check "an author in the body: 400" bash -c "[ $STATUS = 400 ] && grep -q 'token' '$W/body'"
req "$WRITE" POST /customers '{"name":"X","name":"Y"}'
check "a field given twice: 400" [ "$STATUS" = 400 ]
req "$WRITE" POST /customers '{"name":'
check "a body that is not JSON: 400 saying where" bash -c "[ $STATUS = 400 ] && grep -q 'not JSON' '$W/body'"
req "$WRITE" POST /customers '["name"]'
check "a body that is not an object: 400" [ "$STATUS" = 400 ]
req "$WRITE" POST /customers '{"name":{"first":"Sara"}}'
check "a nested object: 400" [ "$STATUS" = 400 ]
python3 -c 'import json; print(json.dumps({"name": "x" * 70000}))' > "$W/big.json"
curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer $WRITE" -H 'Content-Type: application/json' --data-binary @"$W/big.json" "$URL/customers" > "$W/code"
check "a body past 64 KiB: 413" [ "$(cat "$W/code")" = 413 ]
req "$WRITE" POST /customers '{"name":"X","phones":["not a phone"]}'
check "a bad phone: 400 with the local API's message" bash -c "[ $STATUS = 400 ] && grep -qi 'phone' '$W/body'"
curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $WRITE" -H 'Content-Type: text/plain' -d '{"name":"X"}' "$URL/customers" > "$W/code"
check "a body not sent as application/json: 400" [ "$(cat "$W/code")" = 400 ]
req "$WRITE" GET "/customers?colour=red"
check "an unknown query argument: 400" [ "$STATUS" = 400 ]
# a query the node's decoder could not read was never answered: the node's HTTP thread
# waited for the call's timeout (10 s), every other request with it
req "$READ" GET "/customers?city=qom&city=tehran" --max-time 5
check "a query argument given twice: 400 naming it, at once" bash -c "[ $STATUS = 400 ] && grep -q \"'city' given twice\" '$W/body'"
req "$READ" GET "/customers?cursor=$(printf '%09000d' 0)" --max-time 5
check "a query argument past 8,192 bytes: 413, at once" bash -c "[ $STATUS = 413 ] && grep -q 'cursor' '$W/body'"
# a filter the kind does not have was passed over: every record came, unfiltered
req "$READ" GET "/customers?stage=won"
check "a filter of another kind (stage on customers): 400 naming it" bash -c "[ $STATUS = 400 ] && grep -q 'stage' '$W/body'"
req "$READ" GET "/invoices?due=2026-11-30"
check "due on invoices (a task list's filter): 400" bash -c "[ $STATUS = 400 ] && grep -q 'due' '$W/body'"
req "$READ" GET "/deals?assignee=sara"
check "assignee on deals (tasks' and tickets'): 400" [ "$STATUS" = 400 ]
req "$WRITE" GET "/customers?limit=5000"
check "a limit past 1,000: 400" [ "$STATUS" = 400 ]
req "$WRITE" GET "/customers?updated_since=last+week"
check "an updated_since that is not a time: 400" bash -c "[ $STATUS = 400 ] && grep -q updated_since '$W/body'"
DEAL_C=$(sed -n 1p "$W/seen")
req "$WRITE" POST /deals "{\"title\":\"Van\",\"customer\":\"$DEAL_C\",\"amount\":\"1200.50\",\"currency\":\"EUR\"}"
D=$(jq -r .id "$W/body")
check "a deal with an amount as people type it" bash -c "[ $STATUS = 201 ] && jq -e '.amount == 120050 and .currency == \"EUR\"' '$W/body' >/dev/null"
req "$WRITE" GET "/customers/$D"
check "a deal's id under /customers: 404" [ "$STATUS" = 404 ]
req "$WRITE" POST /interactions "{\"customer\":\"$DEAL_C\",\"type\":\"call\",\"summary\":\"asked for a quote\"}"
I=$(jq -r .id "$W/body")
req "$WRITE" PATCH "/interactions/$I" '{"summary":"x"}' -H 'If-Match: *'
check "an interaction is insert-only: PATCH is 405 with Allow" bash -c "[ $STATUS = 405 ] && [ -n '$I' ]"

# ---- sales: an invoice made with its lines, and paid ----
req "$WRITE" POST /invoices "{\"customer\":\"$DEAL_C\",\"currency\":\"EUR\",\"issued\":\"2026-11-01\",\"due\":\"2026-11-30\",\"lines\":[{\"qty\":2,\"price\":\"12.50\",\"description\":\"Oil change & filter\"}]}"
INV=$(jq -r .id "$W/body")
check "POST /invoices with lines as objects: 201, its total" bash -c "[ $STATUS = 201 ] && jq -e '.currency == \"EUR\"' '$W/body' >/dev/null"
req "$WRITE" POST "/invoices/$INV/payments" '{"amount":"25","currency":"USD"}'
check "a payment with a field a payment has not (currency): 400 naming it, nothing paid" bash -c "
    [ $STATUS = 400 ] && grep -q currency '$W/body' &&
    curl -s -H 'Authorization: Bearer $READ' '$URL/invoices/$INV' | jq -e '.paid == 0' >/dev/null"
req "$WRITE" POST "/invoices/$INV/payments" '{"amount":"25","date":"2026-11-02","method":"card"}'
check "POST /invoices/{id}/payments: the invoice after, paid" bash -c "[ $STATUS = 200 ] && jq -e '.state == \"paid\"' '$W/body' >/dev/null"
req "$WRITE" GET "/lines?doc=$INV"
check "its line, with the description as sent" bash -c "[ $STATUS = 200 ] && jq -e '.items[0].description == \"Oil change & filter\"' '$W/body' >/dev/null"
req "$WRITE" POST /quotes "{\"customer\":\"$DEAL_C\",\"currency\":\"EUR\",\"lines\":[{\"qty\":1,\"price\":\"1\",\"description\":\"Wipers\"}]}"
Q=$(jq -r .id "$W/body")
# a document's total is its lines': its ETag is theirs too
QETAG=$(jq -r .etag "$W/body")
QL=$(curl -s -H "Authorization: Bearer $READ" "$URL/lines?doc=$Q" | jq -r '.items[0].id')
curl -s -o /dev/null -X PATCH -H "Authorization: Bearer $WRITE" -H 'If-Match: *' -H 'Content-Type: application/json' -d '{"quantity":"7"}' "$URL/lines/$QL"
req "$READ" GET "/quotes/$Q" '' -H "If-None-Match: \"$QETAG\""
check "a quote whose line changed: If-None-Match of the ETag before is 200, the new total and another ETag" bash -c "
    [ $STATUS = 200 ] && jq -e --arg e '$QETAG' '.total == 700 and .etag != \$e' '$W/body' >/dev/null"
req "$WRITE" PATCH "/quotes/$Q" '{"notes":"seen at a total of 100"}' -H "If-Match: \"$QETAG\""
check "PATCH of that quote with the ETag before its line changed: 412" [ "$STATUS" = 412 ]
req "$WRITE" PATCH "/quotes/$Q" '{"notes":"bigger","lines":[{"qty":5,"price":"100","description":"Tyres"}]}' -H 'If-Match: *'
check "PATCH with lines (made with the document only): 400 naming them, nothing changed" bash -c "
    [ $STATUS = 400 ] && grep -q lines '$W/body' &&
    curl -s -H 'Authorization: Bearer $READ' '$URL/quotes/$Q' | jq -e '.total == 700 and .notes == null' >/dev/null"
req "$WRITE" PATCH "/invoices/$INV" "{\"notes\":\"again\",\"from\":\"$Q\"}" -H 'If-Match: *'
check "PATCH with from: 400" bash -c "[ $STATUS = 400 ] && grep -q from '$W/body'"

# a call the node cannot read (the bridge passes 64 arguments, the node reads 48) is refused
# at once, not after the client's 10 s timeout on the one HTTP thread
many=$(python3 -c 'print("&".join("f%d=x" % i for i in range(55)))')
t0=$(date +%s%N)
curl -s -H "Authorization: Bearer $READ" "$BASE/api/node/list?kind=customer&$many" > "$W/body"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "a call the node cannot read is answered at once (${ms} ms), with its refusal" bash -c "[ $ms -lt 3000 ] && jq -e '.error == \"EPROTO\" or .error == \"ETOOBIG\" or .error == \"EINVAL\"' '$W/body' >/dev/null"
stop_all
sanitizer_check
echo "# api_v1 done: $n checks"
