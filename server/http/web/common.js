'use strict';
// The branch app's shared helpers (global A): translations, the node's API, formatting of
// numbers, money and dates per language, and the views the router shows. Every script of the
// page (branch.js, board.js, tasks.js, import.js) builds on these; data is put on the page
// with textContent only.
const A = (() => {
  const S = {en: {}, fa: {}, zh: {}};
  const langListeners = [];
  const views = {};
  const LOCALE = {en: 'en-GB', fa: 'fa-IR', zh: 'zh-CN'};
  const DATE_LOCALE = {en: 'en-GB', fa: 'fa-IR-u-ca-persian', zh: 'zh-CN'};
  const A = {
    lang: localStorage.getItem('accord-lang') || 'en',
    session: null,
    canWrite: false,
    currencies: {},
  };
  if (!S[A.lang]) A.lang = 'en';

  A.strings = (table) => { for (const l of Object.keys(S)) Object.assign(S[l], table[l] || {}); };
  A.t = (key, ...args) => {
    const s = S[A.lang][key] ?? S.en[key] ?? key;
    return String(s).replace(/\{(\d)\}/g, (_, i) => (args[i] === undefined ? '' : String(args[i])));
  };
  A.has = (key) => key in S.en;
  // the words a language lacks (the tests ask for none)
  A.missing = (lang) => Object.keys(S.en).filter((k) => !(k in S[lang]));
  A.onLanguage = (fn) => langListeners.push(fn);
  A.translate = (root) => {
    for (const e of (root || document).querySelectorAll('[data-t]')) e.textContent = A.t(e.dataset.t);
    for (const e of (root || document).querySelectorAll('[data-t-label]')) e.setAttribute('aria-label', A.t(e.dataset.tLabel));
    for (const e of (root || document).querySelectorAll('[data-t-title]')) e.title = A.t(e.dataset.tTitle);
  };
  A.setLanguage = (lang) => {
    A.lang = S[lang] ? lang : 'en';
    localStorage.setItem('accord-lang', A.lang);
    document.documentElement.lang = A.lang;
    document.documentElement.dir = A.lang === 'fa' ? 'rtl' : 'ltr';
    document.title = A.t('title');
    A.translate(document);
    for (const fn of langListeners) fn();
  };

  A.el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };

  // The short form of a record's id that people see and type (docs/PROTOCOL.md, Identifiers):
  // a time-ordered id's first digits are its clock, nearly the same for every record of an
  // hour, so it shows digits of its random part (from the 19th on); any other id shows its
  // first digits, as before. The node resolves both from 4 digits on.
  A.shortId = (id, n = 8) => {
    const s = String(id ?? '');
    if (!/^[0-9a-f]{32}$/i.test(s)) return s.slice(0, n);
    const timed = s[12] === '7' && '89abAB'.includes(s[16]);
    return (timed ? s.slice(18) : s).slice(0, n).toLowerCase();
  };

  // ---- the node's API ----
  function failure(j, status) {
    const e = new Error(j && j.message ? j.message : 'HTTP ' + status);
    e.code = j && j.error ? j.error : 'EHTTP';
    e.status = status;
    return e;
  }
  A.post = (url, body, contentType) => fetch(url, {
    method: 'POST', body, headers: Object.assign({'X-CSRF-Token': A.session ? A.session.csrf : ''}, contentType ? {'Content-Type': contentType} : {}),
  });
  A.call = async (verb, args, write) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(args || {}))
      for (const x of [].concat(v)) if (x !== '' && x !== undefined && x !== null) body.append(k, typeof x === 'boolean' ? String(x) : x);
    let r;
    try {
      r = write ? await A.post('/api/node/' + verb, body) : await fetch('/api/node/' + verb + '?' + body.toString());
    } catch (e) { throw failure({error: 'ENET', message: A.t('nonode')}, 0); }
    if (r.status === 401) { location.href = '/login'; throw failure({error: 'ESESSION', message: 'signed out'}, 401); }
    let j = null;
    try { j = await r.json(); } catch (e) { throw failure(null, r.status); }
    if (j.error) throw failure(j, r.status);
    return j.result;
  };
  // The records of a list or search reply ({items, more, total}) as an array with .more and .total.
  A.items = async (verb, args) => {
    const r = await A.call(verb, args);
    return Object.assign(r.items || [], {more: !!r.more, total: r.total, next: r.next, totals: r.totals});
  };

  // ---- numbers, money and dates ----
  const FA_DIGITS = '۰۱۲۳۴۵۶۷۸۹', AR_DIGITS = '٠١٢٣٤٥٦٧٨٩';
  A.locale = () => LOCALE[A.lang];
  A.num = (n) => (n === undefined || n === null || n === '' ? '' : new Intl.NumberFormat(LOCALE[A.lang]).format(Number(n)));
  A.localDigits = (s) => (A.lang === 'fa' ? String(s).replace(/[0-9]/g, (d) => FA_DIGITS[d]) : String(s));
  A.asciiDigits = (s) => String(s).replace(/[۰-۹]/g, (d) => FA_DIGITS.indexOf(d)).replace(/[٠-٩]/g, (d) => AR_DIGITS.indexOf(d));
  A.date = (iso) => {
    if (!iso) return '';
    const d = new Date(iso.length === 10 ? iso + 'T12:00:00' : iso);
    return isNaN(d) ? String(iso) : new Intl.DateTimeFormat(DATE_LOCALE[A.lang], {dateStyle: 'medium'}).format(d);
  };
  A.dateTime = (iso) => {
    if (!iso) return '';
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : new Intl.DateTimeFormat(DATE_LOCALE[A.lang], {dateStyle: 'medium', timeStyle: 'short'}).format(d);
  };
  A.dateFormat = (opts) => new Intl.DateTimeFormat(DATE_LOCALE[A.lang], opts);
  // minor: the digits the records keep; shown: the ones people use (IRR keeps 2, shows none)
  A.currency = (code) => A.currencies[code] || {minor: 2, shown: 2};
  A.money = (minor, currency) => {
    if (minor === undefined || minor === null || minor === '' || !currency) return '';
    const c = A.currency(currency), value = Number(minor) / Math.pow(10, c.minor);
    const shown = value % 1 === 0 ? c.shown : c.minor; // a fraction that is there is never hidden
    try {
      return new Intl.NumberFormat(LOCALE[A.lang], {style: 'currency', currency, minimumFractionDigits: shown, maximumFractionDigits: Math.max(shown, c.minor === c.shown ? shown : c.minor)}).format(value);
    } catch (e) { return value.toFixed(shown) + ' ' + currency; }
  };
  // An amount as people type it (12,5 · 12.50 · ۱۲٫۵ · 1,234.50 · 1.234,50 · 1 234) to minor
  // units of the currency, exactly (no floating point); the node parses it by the same rule
  // (proto/schema.c schema_money_parse). {minor} or {error: key}.
  A.parseAmount = (text, currency) => A.parseDecimal(text, A.currency(currency));
  // The same rule for any number of decimals c = {minor, shown}: a quantity is {minor: 3,
  // shown: 3} (thousandths), a rate {minor: 2, shown: 2} (the node's decimal_parse).
  A.parseDecimal = (text, c) => {
    // the node's rule: only ASCII spaces trimmed at the ends; inside, the grouping marks it
    // takes (space, U+00A0, U+202F, ', U+066C) after a digit; nothing else
    let s = A.asciiDigits(String(text)).replace(/^ +| +$/g, '');
    if (!s) return {error: 'needamount'};
    if (/^[-−]/.test(s)) return {error: 'negative'};
    if (!/^[0-9]/.test(s) || /[^0-9., \u00a0\u202f'٬٫]/.test(s)) return {error: 'badamount'};
    s = s.replace(/[ \u00a0\u202f'٬]/g, '');
    // ٫ is the Persian decimal mark, but people type it between thousands too (۱۲٫۵۰۰٫۰۰۰):
    // more than one is grouping, read as dots are (the node's rule too)
    s = (s.match(/٫/g) || []).length > 1 ? s.replace(/٫/g, '.') : s.replace(/٫/g, '#');
    let whole = s, frac = '';
    const hash = s.indexOf('#');
    if (hash >= 0) { whole = s.slice(0, hash); frac = s.slice(hash + 1); }
    else {
      const lastDot = s.lastIndexOf('.'), lastComma = s.lastIndexOf(',');
      const dots = s.split('.').length - 1, commas = s.split(',').length - 1;
      let dec = -1;
      if (dots && commas) dec = Math.max(lastDot, lastComma);
      else if (dots + commas === 1) {
        const at = Math.max(lastDot, lastComma), after = s.length - at - 1;
        dec = after === 3 && c.minor !== 3 && !/^0[.,]/.test(s) ? -1 : at; // 12,500 is twelve thousand five hundred; 0,500 a half
      }
      if (dec >= 0) { whole = s.slice(0, dec); frac = s.slice(dec + 1); }
    }
    if (/[.,#]/.test(frac)) return {error: 'badamount'};
    const groups = whole.split(/[.,]/);
    if (groups.length > 1 && (groups[0].length < 1 || groups[0].length > 3 || groups.slice(1).some((g) => g.length !== 3))) return {error: 'badamount'};
    whole = groups.join('');
    if (!/^[0-9]+$/.test(whole)) return {error: 'badamount'};
    frac = frac.replace(/0+$/, '');
    if (frac.length > c.shown) return {error: c.shown ? 'tooprecise' : 'nodecimals'};
    const minor = BigInt(whole) * 10n ** BigInt(c.minor) + (frac ? BigInt(frac.padEnd(c.minor, '0')) : 0n);
    if (minor > 9000000000000000n) return {error: 'toolarge'}; // as the node: past it, a page's numbers lose digits
    return {minor: Number(minor)};
  };

  // minor units as the plain text the node reads back to the same amount (12500000, 12.5):
  // what the page sends is what it said it understood
  A.amountText = (minor, currency) => {
    const m = A.currency(currency).minor, s = String(minor).padStart(m + 1, '0');
    const whole = m ? s.slice(0, -m) : s, frac = m ? s.slice(-m).replace(/0+$/, '') : '';
    return frac ? whole + '.' + frac : whole;
  };
  // ---- dates and times as people type them ----
  const PERSIAN_PARTS = new Intl.DateTimeFormat('en-u-ca-persian-nu-latn', {year: 'numeric', month: 'numeric', day: 'numeric', timeZone: 'UTC'});
  const persianOf = (ms) => {
    const p = {};
    for (const x of PERSIAN_PARTS.formatToParts(new Date(ms))) p[x.type] = parseInt(x.value, 10);
    return p;
  };
  const isoOf = (ms) => new Date(ms).toISOString().slice(0, 10);
  // A Solar Hijri date to YYYY-MM-DD, walking from a guess with the browser's own calendar
  // (no table of our own to keep right); null if there is no such day (1405/12/30).
  A.persianToIso = (y, m, d) => {
    if (y < 1300 || y > 1500 || m < 1 || m > 12 || d < 1 || d > 31) return null;
    let ms = Date.UTC(y + 621, 2, 21) + ((m - 1) * 31 - (m > 7 ? m - 7 : 0) + d - 1) * 86400000;
    for (let i = 0; i < 4; i++) {
      const p = persianOf(ms), off = (y - p.year) * 365 + (m - p.month) * 30 + (d - p.day);
      if (!off) return isoOf(ms);
      ms += off * 86400000;
    }
    const p = persianOf(ms);
    return p.year === y && p.month === m && p.day === d ? isoOf(ms) : null;
  };
  // YYYY-MM-DD as the chosen calendar writes it in a field: ۱۴۰۵/۰۹/۲۹ in Persian
  A.dateField = (iso) => {
    if (!iso || A.lang !== 'fa') return iso || '';
    const p = persianOf(Date.parse(iso + 'T12:00:00Z'));
    return A.localDigits(p.year + '/' + String(p.month).padStart(2, '0') + '/' + String(p.day).padStart(2, '0'));
  };
  // What a date field holds, to YYYY-MM-DD: a Solar Hijri date in Persian digits or not
  // (1405/9/29, ۱۴۰۵-۰۹-۲۹), or a Gregorian one (2026-12-20); null if it is not a date.
  A.parseDate = (text) => {
    const m = /^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$/.exec(A.asciiDigits(text));
    if (!m) return null;
    const [y, mo, d] = [+m[1], +m[2], +m[3]];
    if (y < 1700) return A.persianToIso(y, mo, d);
    const iso = `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    return isoOf(Date.parse(iso + 'T12:00:00Z') || NaN) === iso ? iso : null;
  };
  // A time of day as people type it (10:30, 1030, 10.30, ۱۰:۳۰, 9) to HH:MM; null if not one.
  A.parseTime = (text) => {
    const m = /^\s*(\d{1,2})(?:\s*[:.٫]?\s*(\d{2}))?\s*$/.exec(A.asciiDigits(text));
    if (!m || +m[1] > 23 || (m[2] && +m[2] > 59)) return null;
    return String(+m[1]).padStart(2, '0') + ':' + (m[2] || '00');
  };
  A.sep = () => (A.lang === 'fa' ? ' | ' : ' · '); // a middle dot reads as the Persian zero ۰

  // ---- views: #/NAME/ARG shows #view-NAME and calls its show(arg) ----
  A.view = (name, v) => { views[name] = v; };
  A.go = (hash) => { if (location.hash !== hash) location.hash = hash; else A.route(); };
  A.route = () => {
    const [, name = 'customers', ...rest] = (location.hash || '#/customers').split('/');
    const v = views[name] ? name : 'customers';
    for (const n of Object.keys(views)) {
      const box = document.getElementById('view-' + (views[n].box || n));
      if (box) box.hidden = (views[n].box || n) !== (views[v].box || v);
    }
    for (const a of document.querySelectorAll('nav a[data-view]')) {
      if (a.dataset.view === (views[v].nav || v)) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    views[v].show(rest.map(decodeURIComponent));
  };
  A.redrawCurrent = () => A.route();

  A.start = async (init) => {
    const r = await fetch('/api/session');
    if (r.status === 401) { location.href = '/login'; return; }
    A.session = await r.json();
    A.canWrite = A.session.role === 'staff' || A.session.role === 'admin';
    document.body.dataset.role = A.session.role;
    A.currencies = await (await fetch('/api/currencies')).json();
    A.setLanguage(A.lang);
    await init();
    window.addEventListener('hashchange', A.route);
    A.route();
  };
  return A;
})();
