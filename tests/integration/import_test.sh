#!/usr/bin/env bash
# accord import customers with a real node: real spreadsheet exports (BOM, CRLF, ';' or
# ',', quoted cells with line breaks and separators, Persian text), mappings, --dry-run
# naming every fault of every bad row, the bad-rows CSV fixed and imported again as it is,
# create / update / upsert matched on phone, e-mail or national id (create: phone and
# e-mail unless told), a dry run that asks the node, malformed files (UTF-16, Windows-1256,
# Latin-1, NUL, too many columns, a quote not closed, empty, a workbook) refused before a
# row is sent, with line and byte. TAP lines.
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

MAP_A="name=Full Name,phones=Mobile,emails=E-mail,city=City,address=Address,tags=Tags"
out=$("$ACCORD" --json import customers "$W/a.csv" --map "$MAP_A" --dry-run --errors-out "$W/bad.csv" 2>"$W/err")
check "--dry-run reads 5 rows and needs no node" [ "$(echo "$out" | jq .rows)" = 5 ]
check "... and says that without a node it cannot see matches with existing customers" bash -c "echo '$out' | jq -e '.node_checked == false' >/dev/null && grep -q 'excludes rows that match existing customers' '$W/err'"
check "--dry-run names each bad row with its row number and column" bash -c "echo '$out' | jq -e '[.bad[] | \"\\(.row):\\(.column)\"] == [\"4:Mobile\",\"5:Full Name\",\"6:E-mail\"]' >/dev/null"
check "the reasons say what is wrong" bash -c "echo '$out' | jq -e '.bad[0].reason | test(\"not a phone number\")' >/dev/null"
check "the bad rows are written as CSV to fix: the error columns, then the file's own header" bash -c "[ \$(wc -l < '$W/bad.csv') = 4 ] && [ \"\$(head -1 '$W/bad.csv')\" = \$'\\xef\\xbb\\xbf\"error row\";\"error column\";\"error reason\";\"Full Name\";\"Mobile\";\"E-mail\";\"City\";\"Address\";\"Tags\"' ]"
check "... and each bad row's own cells after its faults" grep -qF '"4";"Mobile";"Mobile: ' "$W/bad.csv"
# a row with several faults: each is reported; the errors file, fixed, imports as it is (below)
printf '\xef\xbb\xbfFull Name;Mobile;E-mail;City\r\nTwo Faults;call me;not-an-email;Tehran\r\n;0912 000 1111;one@example.ir;Qom\r\nGood One;0912 000 2222;good@example.ir;Karaj\r\n' > "$W/e.csv"
out=$("$ACCORD" --json import customers "$W/e.csv" --dry-run --errors-out "$W/e-bad.csv" 2>/dev/null)
check "every fault of a row is reported, not only the first" bash -c "echo '$out' | jq -e '[.bad[] | \"\\(.row):\\(.column)\"] == [\"2:Mobile\",\"2:E-mail\",\"3:Full Name\"]' >/dev/null"
check "--errors-out: one line per bad row naming all its faults; the good row is not in it" bash -c "[ \$(wc -l < '$W/e-bad.csv') = 3 ] && grep -qF '\"2\";\"Mobile | E-mail\";\"Mobile: ' '$W/e-bad.csv' && grep -qF ' | E-mail: ' '$W/e-bad.csv' && ! grep -q 'Good One' '$W/e-bad.csv'"
sed -e 's/"call me"/"0912 000 3333"/' -e 's/"not-an-email"/"two@example.ir"/' -e 's/;"";"0912 000 1111"/;"Named Now";"0912 000 1111"/' "$W/e-bad.csv" > "$W/e-fixed.csv"

start "$(basename "$ACCORD_DATA")" || exit 1
"$ACCORD" import customers "$W/a.csv" --map "$MAP_A" >/dev/null 2>&1
check "importing creates the 2 good rows and exits 2 for the bad ones" bash -c "[ $? = 2 ] && [ \$('$ACCORD' --json customer list | jq length) = 2 ]"
out=$("$ACCORD" --json import customers "$W/a.csv" --map "$MAP_A" 2>/dev/null)
check "importing the same file again creates nothing: create mode matches phone and e-mail by default" bash -c "echo '$out' | jq -e '.created == 0 and ([.bad[] | select(.reason | test(\"same phone\"))] | length) == 2' >/dev/null && [ \$('$ACCORD' --json customer list | jq length) = 2 ]"
out=$("$ACCORD" --json import customers "$W/a.csv" --map "$MAP_A" --dry-run 2>/dev/null)
check "--dry-run with a node running asks it, and predicts those refusals" bash -c "echo '$out' | jq -e '.node_checked and .created == 0 and ([.bad[] | select(.reason | test(\"same phone\"))] | length) == 2' >/dev/null"
printf 'name,phone,email\nAli Again,0912 555 1234,\nSomeone,0935 100 2000,\nSomeone Twice,,ALI@example.ir\nOther,0935 100 2000,\n' > "$W/dup.csv"
out=$("$ACCORD" --json import customers "$W/dup.csv" --dry-run 2>/dev/null)
check "... predicts the creates too (a repeat within the file or an e-mail match refused), and writes nothing" bash -c "echo '$out' | jq -e '.created == 1 and ([.bad[].row] == [2,4,5])' >/dev/null && [ \$('$ACCORD' --json customer list | jq length) = 2 ]"

# malformed files: refused before a row is sent, with line and byte offset, nothing imported
refused() { # FILE EXPECTED-MESSAGE-REGEX [OPTIONS...]: exit 2, the message, no customer added
    local f=$1 re=$2; shift 2
    local before; before=$(count)
    "$ACCORD" import customers "$f" "$@" >/dev/null 2>"$W/err"; local rc=$?
    [ $rc = 2 ] && grep -qE "^accord import: $f: $re" "$W/err" && [ "$(count)" = "$before" ] || { echo "# rc=$rc: $(cat "$W/err")"; return 1; }
}
printf 'name,phone\nAli,0912 111 0000\n' > "$W/w1256.csv"
printf 'پرويز گلپايگاني,0912 111 2222\n' | iconv -f UTF-8 -t WINDOWS-1256 >> "$W/w1256.csv"
check "a Windows-1256 file is refused: which encoding it looks like, line and byte" refused "$W/w1256.csv" 'line 3, byte 29: the text is not UTF-8 \(byte 0x81\): it looks like Windows-1256 \(Arabic/Persian\); save it as UTF-8'
printf 'name,city\nJosé,Zürich\n' | iconv -f UTF-8 -t LATIN1 > "$W/latin1.csv"
check "a Latin-1 file is refused as Latin-1" refused "$W/latin1.csv" 'line 2, byte 13: the text is not UTF-8 \(byte 0xE9\): it looks like Latin-1'
printf 'name,phone\nAli\0Reza,0912 111 4444\n' > "$W/nul.csv"
check "a NUL byte is refused where it is, not read as the end of the cell" refused "$W/nul.csv" 'line 2, byte 14: a NUL byte'
{ printf 'name,phone\nCol Many,0912 100 0001\n'; seq -s, 1 300; } > "$W/wide.csv"
check "a row of more than 256 columns is refused, not cut short" refused "$W/wide.csv" 'line 3, byte 34: the row that starts here has more than 256 cells'
printf 'name,phone\nQ One,0912 100 0001\nQ Two,0912 100 0002\n"Q Broken,0912 100 0003\nQ Four,0912 100 0004\n' > "$W/quote.csv"
check "a quote never closed at line 4 is refused whole: the rows before it are not imported" refused "$W/quote.csv" 'line 4, byte 51: the quote that opens a cell in the row that starts here is not closed'
printf 'name,phone\nab"c,0912 100 0005\n' > "$W/stray.csv"
check "a stray quote is refused at its byte" refused "$W/stray.csv" 'line 2, byte 13: a stray quote'
: > "$W/empty.csv"
check "an empty file is refused, not '0 rows: 0 created'" refused "$W/empty.csv" 'line 1, byte 0: the file is empty'
printf '\xef\xbb\xbfname,phone\r\n' > "$W/header.csv"
check "a header and no rows is refused" refused "$W/header.csv" 'line 1, byte 0: the file has a header line and no rows'
printf 'PK\003\004\024\000\006\000\010\000\000\000!\000' > "$W/book.csv"
check "an Excel workbook saved as .csv is named as such" refused "$W/book.csv" 'line 1, byte 0: this is a zip file, such as an Excel \(.xlsx\)'
printf 'name,phone\nNo Bom,0912 100 0006\n' | iconv -f UTF-8 -t UTF-16LE > "$W/u16nobom.csv"
check "UTF-16 without a BOM is refused with a reason" refused "$W/u16nobom.csv" 'line 1, byte 0: the file looks like UTF-16 \(little-endian\) without a BOM'
printf 'name,phone\nBad Dry,0912 100 0007\n"open\n' > "$W/quote2.csv"
"$ACCORD" import customers "$W/quote2.csv" --dry-run >/dev/null 2>"$W/err"; rc=$?
check "--dry-run refuses a malformed file the same way" bash -c "[ $rc = 2 ] && grep -q 'line 3, byte 33: the quote' '$W/err'"
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
check "a file with an unclosed quote is reported, not half-read silently" bash -c "[ $rc = 2 ] && grep -q 'line 2, byte 11: the quote that opens a cell in the row that starts here is not closed' '$W/err'"
"$ACCORD" import customers "$W/b.csv" --map "name=Nope" >/dev/null 2>"$W/err"; rc=$?
check "a mapping to a missing column lists the file's columns" bash -c "[ $rc = 1 ] && grep -q \"columns are: 'name', 'phone'\" '$W/err'"
check "accord import --help explains the options" bash -c "'$ACCORD' import --help | grep -q -- '--match phone,email,national_id'"
check "a delimiter that cannot separate cells (a quote, two characters) is a usage error" bash -c "
    '$ACCORD' import customers '$W/a.csv' --delimiter '\"' 2>'$W/err'; quote=\$?
    '$ACCORD' import customers '$W/a.csv' --delimiter ';;' 2>'$W/err2'; two=\$?
    [ \$quote = 1 ] && [ \$two = 1 ] && grep -q 'delimiter is one character' '$W/err' && grep -q 'delimiter is one character' '$W/err2'"

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
"$ACCORD" task add --title "Test drive" --due 2026-12-02 --due-time 09:30 --reminder 15 >/dev/null
"$ACCORD" export tasks --format ics > "$W/tasks.ics"
"$ACCORD" export customers --format vcard > "$W/all.vcf"
check "JSON Lines: one object per customer" bash -c "[ \$(wc -l < '$W/all.jsonl') = \$('$ACCORD' --json customer list | jq length) ] && jq -e -s 'all(.[]; .id | length == 32)' '$W/all.jsonl' >/dev/null"
check "iCalendar: CRLF lines of at most 75 octets, a VTODO with an escaped summary and a DATE due" bash -c "
    ! LC_ALL=C grep -v \$'\r\$' '$W/tasks.ics' | grep -q . &&
    [ \$(LC_ALL=C awk '{ if (length(\$0) > 76) n++ } END { print n + 0 }' '$W/tasks.ics') = 0 ] &&
    grep -q 'SUMMARY:Call Sara\\\\, about the fleet\\\\; soon' '$W/tasks.ics' && grep -q 'DUE;VALUE=DATE:20261201' '$W/tasks.ics' &&
    [ \$(grep -c 'BEGIN:VTODO' '$W/tasks.ics') = \$(grep -c 'END:VTODO' '$W/tasks.ics') ]"
check "iCalendar: a task's due time is a local DUE time and its reminder an alarm that many minutes before" bash -c "
    tr -d '\r' < '$W/tasks.ics' | grep -A6 'SUMMARY:Test drive' | grep -q '^DUE:20261202T093000$' &&
    tr -d '\r' < '$W/tasks.ics' | grep -A12 'SUMMARY:Test drive' | grep -q '^TRIGGER;RELATED=END:-PT15M$' &&
    [ \$(grep -c 'BEGIN:VALARM' '$W/tasks.ics') = 1 ]"
stop_all
export ACCORD_DATA="$W/n2"
"$CTL" node init --data "$ACCORD_DATA" --name shiraz-1 >/dev/null
start "$(basename "$ACCORD_DATA")" || exit 1
"$ACCORD" import customers "$W/all.csv" >/dev/null 2>"$W/err"
check "the exported CSV imports into another node with every customer" bash -c "[ \$('$ACCORD' --json customer list | jq length) = \$(wc -l < '$W/all.jsonl') ]"
check "... with the same names, phones and e-mails" bash -c "diff <(jq -r '[.name, (.phones // [] | sort | join(\" \")), (.emails // [] | sort | join(\" \"))] | @tsv' '$W/all.jsonl' | sort) <('$ACCORD' --json customer list | jq -r '.[] | [.name, (.phones // [] | sort | join(\" \")), (.emails // [] | sort | join(\" \"))] | @tsv' | sort)"
"$ACCORD" import customers "$W/all.vcf" --mode upsert --match phone >/dev/null 2>&1
check "the exported vCard file reads back: every card matches its customer by phone" bash -c "[ \$('$ACCORD' --json customer list | jq length) = \$(wc -l < '$W/all.jsonl') ]"
out=$("$ACCORD" --json import customers "$W/e-fixed.csv" 2>/dev/null)
check "the errors file, fixed, imports as it is (its error columns are ignored)" bash -c "echo '$out' | jq -e '.created == 2 and (.bad | length) == 0' >/dev/null && [ \"\$('$ACCORD' --json customer search 00000333 | jq -r '.[0].name + \" \" + .[0].emails[0] + \" \" + .[0].city')\" = 'Two Faults two@example.ir Tehran' ]"
# Excel's "Unicode Text": UTF-16 LE with a BOM, tab separated, CRLF, Persian headers
{ printf '\xff\xfe'; printf 'نام\tموبایل\tشهر\r\nمریم احمدی\t۰۹۱۲ ۱۱۱ ۲۲۳۳\tتهران\r\n' | iconv -f UTF-8 -t UTF-16LE; } > "$W/u16.csv"
out=$("$ACCORD" --json import customers "$W/u16.csv" --map 'name=نام,phones=موبایل,city=شهر' 2>"$W/err")
check "a Persian UTF-16 LE file with a BOM is converted and imported" bash -c "echo '$out' | jq -e '.created == 1' >/dev/null && [ \"\$('$ACCORD' --json customer search 1112233 | jq -r '.[0].name + \" \" + .[0].city')\" = 'مریم احمدی تهران' ]"
{ printf '\xff\xfe'; printf 'name,phone\nA,0912 100 0008\n' | iconv -f UTF-8 -t UTF-16LE; printf '\000\330a\000'; } > "$W/u16bad.csv"
check "an unpaired surrogate in a UTF-16 file is refused at its byte in the file" refused "$W/u16bad.csv" 'line 3, byte 56: not UTF-16'
stop_all
sanitizer_check
echo "# import done: $n checks"
