'use strict';
// Accord branch app: find and add customers, open one, log a call or visit in two clicks.
// Every change goes to the node's API (/api/node/VERB) with the session's CSRF token; data
// is put on the page with textContent only. English, Persian (right to left, Solar Hijri
// dates) and Chinese.
const $ = (id) => document.getElementById(id);
const T = {
  en: {title: 'Accord', language: 'Language', signout: 'Sign out', customers: 'Customers', search: 'Search', name: 'Name',
       phones: 'Phones', emails: 'E-mails', branch: 'Branch', created: 'Created', add: 'Add a customer', phone: 'Phone',
       email: 'E-mail', save: 'Save', saveanyway: 'Save anyway', logcall: 'Log a call', logvisit: 'Log a visit',
       needname: 'Give a name.', dupe: 'Possibly already here: ', saved: 'Saved.', logged: 'Logged.', online: 'Connected to HQ',
       offline: 'Offline', waiting: ' changes waiting to go'},
  fa: {title: 'اکورد', language: 'زبان', signout: 'خروج', customers: 'مشتریان', search: 'جستجو', name: 'نام',
       phones: 'تلفن‌ها', emails: 'ایمیل‌ها', branch: 'شعبه', created: 'تاریخ ثبت', add: 'افزودن مشتری', phone: 'تلفن',
       email: 'ایمیل', save: 'ذخیره', saveanyway: 'با این حال ذخیره شود', logcall: 'ثبت تماس', logvisit: 'ثبت بازدید',
       needname: 'نام را وارد کنید.', dupe: 'شاید قبلاً ثبت شده: ', saved: 'ذخیره شد.', logged: 'ثبت شد.',
       online: 'متصل به دفتر مرکزی', offline: 'آفلاین', waiting: ' تغییر در انتظار ارسال'},
  zh: {title: 'Accord', language: '语言', signout: '退出', customers: '客户', search: '搜索', name: '姓名', phones: '电话',
       emails: '电子邮件', branch: '分店', created: '创建时间', add: '添加客户', phone: '电话', email: '电子邮件', save: '保存',
       saveanyway: '仍然保存', logcall: '记录电话', logvisit: '记录拜访', needname: '请输入姓名。', dupe: '可能已存在：',
       saved: '已保存。', logged: '已记录。', online: '已连接总部', offline: '离线', waiting: ' 个更改待发送'},
};
let lang = localStorage.getItem('accord-lang') || 'en', session = null, current = null, confirmDupe = false;
const t = (k) => (T[lang] || T.en)[k] || T.en[k];

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function date(iso) {
  if (!iso) return '';
  const locale = {fa: 'fa-IR-u-ca-persian', zh: 'zh-CN', en: 'en-GB'}[lang];
  return new Intl.DateTimeFormat(locale, {dateStyle: 'medium', timeStyle: 'short'}).format(new Date(iso));
}

function applyLanguage() {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'fa' ? 'rtl' : 'ltr';
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  $('lang').value = lang;
}

async function call(verb, args, write) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) for (const x of [].concat(v)) if (x !== '' && x !== undefined) body.append(k, x);
  const r = write
    ? await fetch('/api/node/' + verb, {method: 'POST', body, headers: {'X-CSRF-Token': session.csrf}})
    : await fetch('/api/node/' + verb + '?' + body.toString());
  if (r.status === 401) { location.href = '/login'; throw new Error('signed out'); }
  const j = await r.json();
  if (j.error) throw new Error(j.message);
  return j.result;
}

function list(a) { return Array.isArray(a) ? a.join(', ') : (a || ''); }

function showRows(rows) {
  const body = $('list').tBodies[0];
  body.textContent = '';
  for (const c of rows) {
    const tr = el('tr', {'data-id': c.id, tabindex: '0'});
    tr.appendChild(el('th', {dir: 'auto', scope: 'row'}, c.name));
    tr.appendChild(el('td', {dir: 'ltr'}, list(c.phones)));
    tr.appendChild(el('td', {dir: 'ltr'}, list(c.emails)));
    tr.appendChild(el('td', {dir: 'auto'}, c.branch || ''));
    tr.appendChild(el('td', {}, date(c.created)));
    const open = () => openCard(c.id);
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    body.appendChild(tr);
  }
}

let searchTimer = null;
async function search() {
  const q = $('q').value.trim();
  try {
    showRows(q.length >= 2 ? await call('search', {kind: 'customer', q}) : await call('list', {kind: 'customer'}));
  } catch (e) { /* a query too short to search, or offline: keep what is shown */ }
}

async function openCard(id) {
  const c = await call('get', {kind: 'customer', id});
  current = c.id;
  $('card').hidden = false;
  $('card-name').textContent = c.name;
  const dl = $('card-fields');
  dl.textContent = '';
  for (const [k, v] of Object.entries(c)) {
    if (k === 'name' || v === null || v === '' || (Array.isArray(v) && !v.length)) continue;
    dl.appendChild(el('dt', {}, k));
    dl.appendChild(el('dd', {dir: 'auto'}, k === 'created' ? date(v) : list(v)));
  }
  $('log-message').textContent = '';
}

async function log(type) {
  try {
    await call('create', {kind: 'interaction', customer: current, type}, true);
    $('log-message').textContent = t('logged');
  } catch (e) { $('log-message').textContent = e.message; }
}

async function add(ev) {
  ev.preventDefault();
  const name = $('add-name').value.trim(), phone = $('add-phone').value.trim(), email = $('add-email').value.trim();
  const msg = $('add-message');
  if (!name) { msg.textContent = t('needname'); $('add-name').focus(); return; }
  try {
    if (!confirmDupe) { // the same matcher as the CLI's search: phone in any format, folded names
      const hits = [];
      for (const [q, by] of [[phone, 'phone'], [email, 'email'], [name, 'name']])
        if (q.length >= 2) for (const c of await call('search', {kind: 'customer', q, by}).catch(() => [])) hits.push(c.name);
      if (hits.length) {
        msg.textContent = t('dupe') + [...new Set(hits)].join('، ');
        confirmDupe = true;
        $('add-save').textContent = t('saveanyway');
        return;
      }
    }
    const made = await call('create', {kind: 'customer', name, 'add:phones': phone || undefined, 'add:emails': email || undefined}, true);
    msg.textContent = t('saved');
    confirmDupe = false;
    $('add-save').textContent = t('save');
    $('add').reset();
    await search();
    if (made && made.id) await openCard(made.id);
  } catch (e) { msg.textContent = e.message; }
}

async function syncIndicator() {
  try {
    const s = await call('sync_status', {});
    const up = (s.peers || []).find((p) => p.direction === 'upstream');
    $('sync').textContent = up ? (up.connected ? t('online') : t('offline')) + (up.lag_records ? ' · ' + up.lag_records + t('waiting') : '') : '';
  } catch (e) { $('sync').textContent = ''; }
}

async function main() {
  const r = await fetch('/api/session');
  if (r.status === 401) { location.href = '/login'; return; }
  session = await r.json();
  $('who').textContent = session.user + ' · ' + session.node;
  applyLanguage();
  $('lang').addEventListener('change', () => {
    lang = $('lang').value;
    localStorage.setItem('accord-lang', lang);
    applyLanguage();
    search();
    if (current) openCard(current); // its dates in the new calendar
  });
  $('q').addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(search, 150); });
  $('add').addEventListener('submit', add);
  for (const id of ['add-name', 'add-phone', 'add-email'])
    $(id).addEventListener('input', () => { confirmDupe = false; $('add-save').textContent = t('save'); $('add-message').textContent = ''; });
  $('log-call').addEventListener('click', () => log('call'));
  $('log-visit').addEventListener('click', () => log('visit'));
  $('logout').addEventListener('click', async () => {
    await fetch('/logout', {method: 'POST', headers: {'X-CSRF-Token': session.csrf}});
    location.href = '/login';
  });
  await search();
  await syncIndicator();
  setInterval(syncIndicator, 5000);
}

main();
