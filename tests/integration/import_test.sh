#!/usr/bin/env bash
# accord import customers with a real node: real spreadsheet exports (BOM, CRLF, ';' or
# ',', quoted cells with line breaks and separators, Persian text), mappings, --dry-run
# naming every bad row, the bad-rows CSV fixed and imported again, create / update /
# upsert matched on phone, e-mail or national id. TAP lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-import-XXXXXX)
. tests/integration/lib.sh
export ACCORD_DATA="$W/n1" ACCORD_USER=sara
count() { "$ACCORD" --json customer list | jq length; }
field() { "$ACCORD" --json customer search "$1" | jq -r ".[0].$2 | if type == \"array\" then join(\",\") else . end"; }

"$CTL" node init --data "$ACCORD_DATA" --name tehran-1 >/dev/null
# a Windows export: BOM, CRLF, ';' separated, a quoted cell with a line break and a ';'
printf '\xef\xbb\xbfFull Name;Mobile;E-mail;City;Address;Tags\r\n' > "$W/a.csv"
printf '"Rezaei; Ali";+98 912 555 1234;Ali@Example.IR;Tehran;"Vali-Asr St.\r\nNo. 12";vip|fleet\r\n' >> "$W/a.csv"
printf 'زهرا کریمی;۰۹۱۷۱۱۱۲۲۲۲;;Shiraz;;\r\n' >> "$W/a.csv"
printf 'Bad Phone;call me;x@y.ir;;;\r\n' >> "$W/a.csv"
printf ';0912 000 0000;;;;\r\n' >> "$W/a.csv"
printf 'Bad Mail;0912 333 4444;not-an-email;;;\r\n' >> "$W/a.csv"

out=$("$ACCORD" --json import customers "$W/a.csv" --map "name=Full Name,phones=Mobile,emails=E-mail,city=City,address=Address,tags=Tags" --dry-run --errors-out "$W/bad.csv")
check "--dry-run reads 5 rows and needs no node" [ "$(echo "$out" | jq .rows)" = 5 ]
check "--dry-run names each bad row with its row number and column" bash -c "echo '$out' | jq -e '[.bad[] | \"\\(.row):\\(.column)\"] == [\"4:Mobile\",\"5:Full Name\",\"6:E-mail\"]' >/dev/null"
check "the reasons say what is wrong" bash -c "echo '$out' | jq -e '.bad[0].reason | test(\"not a phone number\")' >/dev/null"
check "the bad rows are written as CSV to fix" bash -c "[ \$(wc -l < '$W/bad.csv') = 4 ] && head -1 '$W/bad.csv' | grep -q '^row,column,reason'"

start "$(basename "$ACCORD_DATA")" || exit 1
"$ACCORD" import customers "$W/a.csv" --map "name=Full Name,phones=Mobile,emails=E-mail,city=City,address=Address,tags=Tags" >/dev/null 2>&1
check "importing creates the 2 good rows and exits 2 for the bad ones" bash -c "[ $? = 2 ] && [ \$('$ACCORD' --json customer list | jq length) = 2 ]"
check "a quoted ';' stays in the name; tags split on |" bash -c "[ \"\$('$ACCORD' --json customer search 5551234 | jq -r '.[0].name')\" = 'Rezaei; Ali' ] && [ \"\$('$ACCORD' --json customer search 5551234 | jq -r '.[0].tags | sort | join(\",\")')\" = 'fleet,vip' ]"
check "a line break inside a quoted cell is kept as a space" bash -c "[ \"\$('$ACCORD' --json customer search 5551234 | jq -r '.[0].address')\" = 'Vali-Asr St. No. 12' ]"
check "Persian digits in a phone are normalised" bash -c "[ \"\$('$ACCORD' --json customer search 09171112222 | jq -r '.[0].name')\" = 'زهرا کریمی' ]"
check "e-mails are stored lower-case" bash -c "[ \"\$('$ACCORD' --json customer search 5551234 | jq -r '.[0].emails[0]')\" = 'ali@example.ir' ]"

# the same people again from another system: ',' separated, LF, headers named like fields
printf 'name,phone,email,city,national_id\nAli Rezaei,09125551234,,Isfahan,0012345678\nNew Person,0935 777 8888,new@example.ir,Karaj,\n"Zahra K.",+989171112222,,,\n' > "$W/b.csv"
out=$("$ACCORD" --json import customers "$W/b.csv" --match phone)
check "create mode refuses rows that match an existing customer by phone (any format)" bash -c "echo '$out' | jq -e '.created == 1 and ([.bad[].reason | test(\"same phone\")] | all) and (.bad | length == 2)' >/dev/null"
out=$("$ACCORD" --json import customers "$W/b.csv" --mode update --match phone)
check "update mode changes the matched customers and refuses the unknown" bash -c "echo '$out' | jq -e '.updated == 3 and (.bad | length == 0)' >/dev/null"
check "the update changed the city and the name, and kept the e-mail" bash -c "[ \"\$('$ACCORD' --json customer search 5551234 | jq -r '.[0].city')\" = Isfahan ] && [ \"\$('$ACCORD' --json customer search 5551234 | jq -r '.[0].name + \" \" + .[0].emails[0]')\" = 'Ali Rezaei ali@example.ir' ]"
printf 'name,phone,national_id,city\nAli R.,,0012345678,Yazd\nSomeone New,0901 000 1111,,Qom\n' > "$W/c.csv"
out=$("$ACCORD" --json import customers "$W/c.csv" --mode upsert --match national_id,phone)
check "upsert matched on national id updates one and creates one" bash -c "echo '$out' | jq -e '.updated == 1 and .created == 1' >/dev/null"
check "there are 4 customers in all" [ "$(count)" = 4 ]
printf 'name,city\n"SOMEONE   new",Tabriz\n"ALI  r.",Yazd\n' > "$W/d.csv"
out=$("$ACCORD" --json import customers "$W/d.csv" --mode upsert --match name)
check "--match name matches as 'customer dupes' does (case, spaces, punctuation)" bash -c "echo '$out' | jq -e '.updated == 2 and .created == 0' >/dev/null && [ \"\$('$ACCORD' --json customer search someone | jq -r '.[0].city')\" = Tabriz ] && [ \"\$('$ACCORD' --json customer search 5551234 | jq -r '.[0].city')\" = Yazd ]"
printf 'name,tags\nMany Tags,%s\n' "$(seq -s '|' 1 130 | sed 's/[0-9]*/t&/g')" > "$W/tags.csv"
out=$("$ACCORD" --json import customers "$W/tags.csv")
check "a cell of more values than a request may carry is refused by name, not cut short" bash -c "echo '$out' | jq -e '.created == 0 and (.bad[0].reason | test(\"tags: more than 128 values\"))' >/dev/null"
printf 'name,phone\n"never closed,0912\n' > "$W/broken.csv"
"$ACCORD" import customers "$W/broken.csv" >/dev/null 2>"$W/err"; rc=$?
check "a file with an unclosed quote is reported, not half-read silently" bash -c "[ $rc = 2 ] && grep -q 'quote is not closed' '$W/err'"
"$ACCORD" import customers "$W/b.csv" --map "name=Nope" >/dev/null 2>"$W/err"; rc=$?
check "a mapping to a missing column lists the file's columns" bash -c "[ $rc = 1 ] && grep -q \"columns are: 'name', 'phone'\" '$W/err'"
check "accord import --help explains the options" bash -c "'$ACCORD' import --help | grep -q -- '--match phone,email,national_id'"

# vCard: contacts from a phone (3.0 with groups and escapes, 2.1 quoted-printable Persian, 4.0)
cat > "$W/c.vcf" <<'VCF'
BEGIN:VCARD
VERSION:3.0
N:Tehrani;Sara;;;
FN:Sara Tehrani
item1.TEL;TYPE=CELL:+98 912 444 5555
EMAIL;TYPE=INTERNET:sara@example.ir
ADR;TYPE=HOME:;;Vali-Asr St.\, No. 12;Tehran;;;Iran
CATEGORIES:vip,fleet
END:VCARD
BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=DA=A9=D8=B1=DB=8C=D9=85=DB=8C;=D9=85=D8=B1=DB=8C=D9=85;;;
TEL;CELL:0917 222 3333
END:VCARD
BEGIN:VCARD
VERSION:2.1
N;CHARSET=WINDOWS-1256:abc
END:VCARD
VCF
out=$("$ACCORD" --json import customers "$W/c.vcf")
check "a vCard file imports 2 contacts and names the card it cannot read" bash -c "echo '$out' | jq -e '.created == 2 and .bad[0].row == 3 and (.bad[0].reason | test(\"WINDOWS-1256\"))' >/dev/null"
check "the vCard's name, address, city and categories arrive" bash -c "'$ACCORD' --json customer search 4445555 | jq -e '.[0].name == \"Sara Tehrani\" and .[0].address == \"Vali-Asr St., No. 12\" and .[0].city == \"Tehran\" and (.[0].tags | sort) == [\"fleet\",\"vip\"]' >/dev/null"
check "a quoted-printable Persian name is decoded" bash -c "[ \"\$('$ACCORD' --json customer search 2223333 | jq -r '.[0].name')\" = 'مریم کریمی' ]"

# export, and the export imported again into a fresh node gives the same customers
"$ACCORD" export customers --out "$W/all.csv" 2>/dev/null
"$ACCORD" export customers --format jsonl > "$W/all.jsonl"
"$ACCORD" task add --title "Call Sara, about the fleet; soon" --due 2026-12-01 >/dev/null
"$ACCORD" export tasks --format ics > "$W/tasks.ics"
"$ACCORD" export customers --format vcard > "$W/all.vcf"
check "JSON Lines: one object per customer" bash -c "[ \$(wc -l < '$W/all.jsonl') = \$('$ACCORD' --json customer list | jq length) ] && jq -e -s 'all(.[]; .id | length == 32)' '$W/all.jsonl' >/dev/null"
check "iCalendar: CRLF lines of at most 75 octets, a VTODO with an escaped summary and a DATE due" bash -c "
    ! LC_ALL=C grep -v \$'\r\$' '$W/tasks.ics' | grep -q . &&
    [ \$(LC_ALL=C awk '{ if (length(\$0) > 76) n++ } END { print n + 0 }' '$W/tasks.ics') = 0 ] &&
    grep -q 'SUMMARY:Call Sara\\\\, about the fleet\\\\; soon' '$W/tasks.ics' && grep -q 'DUE;VALUE=DATE:20261201' '$W/tasks.ics' &&
    [ \$(grep -c 'BEGIN:VTODO' '$W/tasks.ics') = \$(grep -c 'END:VTODO' '$W/tasks.ics') ]"
stop_all
export ACCORD_DATA="$W/n2"
"$CTL" node init --data "$ACCORD_DATA" --name shiraz-1 >/dev/null
start "$(basename "$ACCORD_DATA")" || exit 1
"$ACCORD" import customers "$W/all.csv" >/dev/null 2>"$W/err"
check "the exported CSV imports into another node with every customer" bash -c "[ \$('$ACCORD' --json customer list | jq length) = \$(wc -l < '$W/all.jsonl') ]"
check "... with the same names, phones and e-mails" bash -c "diff <(jq -r '[.name, (.phones // [] | sort | join(\" \")), (.emails // [] | sort | join(\" \"))] | @tsv' '$W/all.jsonl' | sort) <('$ACCORD' --json customer list | jq -r '.[] | [.name, (.phones // [] | sort | join(\" \")), (.emails // [] | sort | join(\" \"))] | @tsv' | sort)"
"$ACCORD" import customers "$W/all.vcf" --mode upsert --match phone >/dev/null 2>&1
check "the exported vCard file reads back: every card matches its customer by phone" bash -c "[ \$('$ACCORD' --json customer list | jq length) = \$(wc -l < '$W/all.jsonl') ]"
stop_all
sanitizer_check
echo "# import done: $n checks"
