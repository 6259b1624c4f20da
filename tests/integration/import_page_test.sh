#!/usr/bin/env bash
# Import in the branch app (issue 15, item 6): POST /api/import/preview, /check and /run run
# the CLI's own import over a file sent as the body, as the signed-in user: a 20 MiB limit
# (413), CSRF (403), a manager refused (403), the file checks of the CLI, the dry run
# changing nothing, the web server answering while an import runs; then the page itself in
# headless Chromium (tests/browser/import.mjs). TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-importpage-XXXXXX)
. tests/integration/lib.sh

"$CTL" node init --data "$W/b1" --name tehran-1 >/dev/null
echo 'staff password 1' | "$CTL" user add --data "$W/b1" --name sara --role staff >/dev/null
echo 'manager password 1' | "$CTL" user add --data "$W/b1" --name boss --role manager >/dev/null
HTTP=$(free_port)
U="http://127.0.0.1:$HTTP"
start b1 --http "$HTTP" || exit 1
curl -s -c "$W/jar" -o /dev/null -d 'user=sara&password=staff+password+1' "$U/login"
CSRF=$(curl -s -b "$W/jar" "$U/api/session" | jq -r .csrf)
curl -s -c "$W/jar2" -o /dev/null -d 'user=boss&password=manager+password+1' "$U/login"
C2=$(curl -s -b "$W/jar2" "$U/api/session" | jq -r .csrf)
count() { ACCORD_DATA="$W/b1" "$ACCORD" --json customer list | jq length; }
# POST FILE to STEP?QUERY as sara; the reply in $W/out.json, the status on stdout
post() { curl -s -o "$W/out.json" -w '%{http_code}' -b "$W/jar" -H "X-CSRF-Token: $CSRF" --data-binary @"$1" "$U/api/import/$2"; }

printf '\xef\xbb\xbfName;Tel;E-mail;City\nمریم احمدی;۰۹۱۲ ۳۴۵ ۶۷۸۹;maryam@example.com;تهران\nBad Mail;09121113333;not-an-email;Tehran\n' > "$W/a.csv"
check "preview: format, separator, encoding, header, the rows, the CLI's mapping and the fields" bash -c "
    [ \$(curl -s -o '$W/p.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/a.csv' '$U/api/import/preview?name=a.csv') = 200 ] &&
    jq -e '.format == \"csv\" and .delimiter == \";\" and .encoding == \"UTF-8 with BOM\" and .header == [\"Name\",\"Tel\",\"E-mail\",\"City\"]
           and (.rows | length) == 2 and .rows[0][1] == \"۰۹۱۲ ۳۴۵ ۶۷۸۹\" and .mapping == [\"name\",\"phones\",\"emails\",\"city\"]
           and ([.fields[].name] | index(\"tags\") != null and index(\"id\") == null)' '$W/p.json' >/dev/null"
check "without the session's X-CSRF-Token an import is refused (403)" bash -c "
    [ \$(curl -s -o '$W/x.json' -w '%{http_code}' -b '$W/jar' --data-binary @'$W/a.csv' '$U/api/import/run') = 403 ] && jq -e '.error == \"ECSRF\"' '$W/x.json' >/dev/null"
check "without a session it is 401" [ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$W/a.csv" "$U/api/import/preview")" = 401 ]
check "a manager is refused, even a preview (403 EREADONLY)" bash -c "
    [ \$(curl -s -o '$W/m.json' -w '%{http_code}' -b '$W/jar2' -H 'X-CSRF-Token: $C2' --data-binary @'$W/a.csv' '$U/api/import/preview') = 403 ] &&
    [ \$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar2' -H 'X-CSRF-Token: $C2' --data-binary @'$W/a.csv' '$U/api/import/run') = 403 ] &&
    jq -e '.error == \"EREADONLY\"' '$W/m.json' >/dev/null && [ \$('$ACCORD' --json --data '$W/b1' customer list | jq length) = 0 ]"
check "the dry run names the bad row (row, column, reason), gives the rows to fix as CSV and changes nothing" bash -c "
    [ \$(curl -s -o '$W/c.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/a.csv' '$U/api/import/check?name=a.csv&column=name&column=phones&column=emails&column=city') = 200 ] &&
    jq -e '.dry_run and .node_checked and .rows == 2 and .created == 1 and .bad == [{\"row\":3,\"column\":\"E-mail\",\"reason\":\"emails: '\''not-an-email'\'' is not an e-mail address like name@example.com\"}]
           and (.errors_csv | startswith(\"\ufeff\\\"error row\\\";\\\"error column\\\";\\\"error reason\\\";\\\"Name\\\"\"))' '$W/c.json' >/dev/null &&
    [ \$('$ACCORD' --json --data '$W/b1' customer list | jq length) = 0 ]"
check "the import creates the good rows as the signed-in user (the Persian digits of the phone normalised)" bash -c "
    [ \$(curl -s -o '$W/r.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/a.csv' '$U/api/import/run?name=a.csv') = 200 ] &&
    jq -e '.dry_run == false and .rows == 2 and .created == 1 and (.bad | length) == 1' '$W/r.json' >/dev/null &&
    id=\$('$ACCORD' --json --data '$W/b1' customer list | jq -r '.[] | select(.phones == [\"09123456789\"]) | .id') && [ -n \"\$id\" ] &&
    '$ACCORD' --json --data '$W/b1' history \"\$id\" | jq -e '.[0].author == \"sara\"' >/dev/null"
jq -r .errors_csv "$W/r.json" | sed 's/;"not-an-email";/;"bad.mail@example.com";/' > "$W/fixed.csv"
check "the rows to fix, fixed, import as they are (the error columns are ignored)" bash -c "
    [ \$(curl -s -o '$W/f.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/fixed.csv' '$U/api/import/run?name=fixed.csv') = 200 ] &&
    jq -e '.created == 1 and .bad == []' '$W/f.json' >/dev/null && [ \$('$ACCORD' --json --data '$W/b1' customer list | jq length) = 2 ]"
printf 'name,phone\n"Open quote,0912\nX,1\n' > "$W/broken.csv"
check "a malformed file is refused with its line and byte, nothing imported (400)" bash -c "
    [ \$(curl -s -o '$W/b.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/broken.csv' '$U/api/import/run?name=broken.csv') = 400 ] &&
    jq -e '.error == \"EINVAL\" and (.message | startswith(\"broken.csv: line 2, byte 11: \"))' '$W/b.json' >/dev/null && [ \$('$ACCORD' --json --data '$W/b1' customer list | jq length) = 2 ]"
printf 'PK\003\004 workbook' > "$W/book.xlsx"
check "a workbook is refused as the CLI refuses it" bash -c "
    [ \$(curl -s -o '$W/w.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/book.xlsx' '$U/api/import/preview?name=book.xlsx') = 400 ] &&
    jq -e '.message | contains(\"save the sheet as \\\"CSV UTF-8\\\"\")' '$W/w.json' >/dev/null"
check "a column mapped to something that is no field is refused (400)" bash -c "
    [ \$(curl -s -o '$W/n.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/a.csv' '$U/api/import/check?column=name&column=id') = 400 ] &&
    jq -e '.message == \"column '\''Tel'\'': '\''id'\'' is not a customer field that can be imported\"' '$W/n.json' >/dev/null"
check "a delimiter that cannot separate cells (a quote) is refused (400)" bash -c "
    [ \$(curl -s -o '$W/d.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/a.csv' '$U/api/import/check?delimiter=%22') = 400 ] &&
    jq -e '.message | startswith(\"--delimiter is one character\")' '$W/d.json' >/dev/null"
head -c $((20 * 1024 * 1024 + 1)) /dev/zero | tr '\0' x > "$W/big.csv"
check "a file over 20 MiB is refused with 413 and a message, with or without its length" bash -c "
    [ \$(curl -s -o '$W/t.json' -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/big.csv' '$U/api/import/preview') = 413 ] &&
    jq -e '.error == \"ETOOBIG\" and (.message | contains(\"20 MiB\"))' '$W/t.json' >/dev/null &&
    [ \$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' -H 'Transfer-Encoding: chunked' --data-binary @'$W/big.csv' '$U/api/import/preview') = 413 ]"
check "a change of a record is still limited to 4 KiB" bash -c "
    [ \$(curl -s -o /dev/null -w '%{http_code}' -b '$W/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$W/a.csv' -d \"name=\$(head -c 5000 /dev/zero | tr '\\0' x)\" '$U/api/node/create') = 413 ]"
python3 -c "
print('name,phone,email')
for i in range(60000): print('Customer %d,+98 935 %07d,c%d@example.com' % (i, i, i))" > "$W/many.csv"
curl -s -o "$W/many.json" -b "$W/jar" -H "X-CSRF-Token: $CSRF" --data-binary @"$W/many.csv" "$U/api/import/run?name=many.csv" &
RUN=$!
sleep 0.5
T=$(curl -s -o /dev/null -w '%{time_total}' -b "$W/jar" "$U/api/session")
kill -0 $RUN 2>/dev/null && RUNNING=yes || RUNNING=no
wait $RUN
check "the web server answers while an import runs (session in ${T}s, the import still running: $RUNNING)" bash -c "
    [ $RUNNING = yes ] && awk 'BEGIN { exit !($T < 0.5) }' && jq -e '.created == 60000' '$W/many.json' >/dev/null"
mkdir -p "$BUILD/screenshots"
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/browser/node_modules/playwright-core ]; then
    nok "the import page in headless Chromium (chromium or tests/browser/node_modules missing: run deploy/install-deps.sh)"
elif ! curl -s -b "$W/jar" "$U/" | grep -q 'view-import'; then
    skip "the import page in headless Chromium: the branch app has no #view-import section (issue 15's page) yet"
else
    "$CTL" node init --data "$W/b2" --name tehran-2 >/dev/null
    echo 'staff password 2' | "$CTL" user add --data "$W/b2" --name reza --role staff >/dev/null
    HTTP2=$(free_port)
    start b2 --http "$HTTP2" || exit 1
    mkdir -p "$W/browser"
    ACCORD="$ACCORD" ACCORD_DATA="$W/b2" node tests/browser/import.mjs "http://127.0.0.1:$HTTP2" reza 'staff password 2' "$BUILD/screenshots" "$W/browser" > "$W/browser.out" 2>&1
    check "in headless Chromium: preview, mapping by label, the dry run's bad row, import, the rows to fix downloaded and imported, a vCard file, Persian right to left" [ $? = 0 ]
    sed 's/^/# /' "$W/browser.out"
fi
stop_all
sanitizer_check
echo "# import page done: $n checks"
