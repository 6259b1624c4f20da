// The page's A.parseAmount (server/http/web/common.js) over "CURRENCY<TAB>TEXT" lines on
// standard input (the escapes of tests/tools/money_parse.c): minor units or ERR per line.
const fs = require('fs');
const store = {getItem: () => null, setItem() {}};
const src = fs.readFileSync(process.argv[2], 'utf8');
const A = new Function('localStorage', 'document', 'window', src + '\nreturn A;')(store, {}, {});
A.currencies = JSON.parse(process.argv[3]);
const unescape = (s) => s.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
for (const line of fs.readFileSync(0, 'utf8').split('\n')) {
  if (!line) continue;
  const [cur, ...rest] = line.split('\t');
  const r = A.parseAmount(unescape(rest.join('\t')), cur);
  console.log(r.error ? 'ERR' : String(r.minor));
}
