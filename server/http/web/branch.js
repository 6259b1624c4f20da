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
       offline: 'Offline', waiting: ' changes waiting to go', deals: 'Deals', tasks: 'Tasks', interactions: 'Calls and visits',
       history: 'History', when: 'When', who: 'Who', changes: 'Changes', signature: 'Signature', pipeline: 'Pipeline',
       mytasks: 'My tasks: today and overdue', conflicts: 'Conflicts to decide', record: 'Record', field: 'Field',
       one: 'One edit', other: 'The other', keep: 'Keep', moveto: 'Move to', done: 'Done', overdue: 'overdue', verified: 'verified',
       contacts: 'Contacts', notes: 'Notes', badphone: 'A phone number needs at least 5 digits.',
       bademail: 'An e-mail address looks like name@example.com.', more: 'More not shown: search to narrow the list.'},
  fa: {title: 'اکورد', language: 'زبان', signout: 'خروج', customers: 'مشتریان', search: 'جستجو', name: 'نام',
       phones: 'تلفن‌ها', emails: 'ایمیل‌ها', branch: 'شعبه', created: 'تاریخ ثبت', add: 'افزودن مشتری', phone: 'تلفن',
       email: 'ایمیل', save: 'ذخیره', saveanyway: 'با این حال ذخیره شود', logcall: 'ثبت تماس', logvisit: 'ثبت بازدید',
       needname: 'نام را وارد کنید.', dupe: 'شاید قبلاً ثبت شده: ', saved: 'ذخیره شد.', logged: 'ثبت شد.',
       online: 'متصل به دفتر مرکزی', offline: 'آفلاین', waiting: ' تغییر در انتظار ارسال', deals: 'معامله‌ها', tasks: 'کارها',
       interactions: 'تماس‌ها و بازدیدها', history: 'تاریخچه', when: 'زمان', who: 'کاربر', changes: 'تغییرات', signature: 'امضا',
       pipeline: 'قیف فروش', mytasks: 'کارهای من: امروز و عقب‌افتاده', conflicts: 'تعارض‌ها برای تصمیم', record: 'رکورد',
       field: 'فیلد', one: 'یک ویرایش', other: 'ویرایش دیگر', keep: 'نگه‌داشتن', moveto: 'انتقال به', done: 'انجام شد',
       overdue: 'عقب‌افتاده', verified: 'تأیید شد', contacts: 'افراد تماس', notes: 'یادداشت‌ها',
       badphone: 'شماره تلفن دست‌کم ۵ رقم دارد.', bademail: 'ایمیل شبیه name@example.com است.',
       more: 'موارد بیشتری نشان داده نشده: برای محدود کردن فهرست جستجو کنید.'},
  zh: {title: 'Accord', language: '语言', signout: '退出', customers: '客户', search: '搜索', name: '姓名', phones: '电话',
       emails: '电子邮件', branch: '分店', created: '创建时间', add: '添加客户', phone: '电话', email: '电子邮件', save: '保存',
       saveanyway: '仍然保存', logcall: '记录电话', logvisit: '记录拜访', needname: '请输入姓名。', dupe: '可能已存在：',
       saved: '已保存。', logged: '已记录。', online: '已连接总部', offline: '离线', waiting: ' 个更改待发送', deals: '交易',
       tasks: '任务', interactions: '电话和拜访', history: '历史', when: '时间', who: '用户', changes: '更改', signature: '签名',
       pipeline: '销售漏斗', mytasks: '我的任务：今天和逾期', conflicts: '待决定的冲突', record: '记录', field: '字段',
       one: '一个编辑', other: '另一个', keep: '保留', moveto: '移至', done: '完成', overdue: '逾期', verified: '已验证',
       contacts: '联系人', notes: '备注', badphone: '电话号码至少需要5位数字。', bademail: '电子邮件应类似 name@example.com。',
       more: '还有更多未显示：请搜索以缩小列表。'},
};
let lang = localStorage.getItem('accord-lang') || 'en', session = null, current = null, confirmDupe = false, digits = {};
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

// The records of a list or search reply ({items, more, next}); .more says some were left out.
async function items(verb, args) {
  const r = await call(verb, args);
  return Object.assign(r.items, {more: r.more});
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
  if (rows.more) body.appendChild(el('tr', {class: 'more'})).appendChild(el('td', {colspan: '5'}, t('more')));
}

let searchTimer = null;
async function search() {
  const q = $('q').value.trim();
  try {
    showRows(q.length >= 2 ? await items('search', {kind: 'customer', q}) : await items('list', {kind: 'customer'}));
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
  await cardLists(c.id);
}

// Records hold amounts in minor units; the node says how many digits each currency has.
function money(minor, currency) {
  if (minor === undefined || minor === null || minor === '' || !currency) return '';
  const d = digits[currency] ?? 2, locale = {fa: 'fa-IR', zh: 'zh-CN', en: 'en-GB'}[lang];
  try {
    return new Intl.NumberFormat(locale, {style: 'currency', currency, minimumFractionDigits: d, maximumFractionDigits: d})
      .format(Number(minor) / Math.pow(10, d));
  } catch (e) { return (Number(minor) / Math.pow(10, d)).toFixed(d) + ' ' + currency; }
}

async function cardLists(id) {
  for (const [kind, box, label] of [['contact', 'card-contacts', (x) => `${x.name}${x.role ? ' · ' + x.role : ''} · ${list(x.phones)}`],
                                    ['note', 'card-notes', (x) => `${x.text} · ${date(x.created)}`],
                                    ['deal', 'card-deals', (d) => `${d.title} · ${d.stage} · ${money(d.amount, d.currency)}`],
                                    ['task', 'card-tasks', (x) => `${x.title} · ${x.due || ''}${x.done ? ' · ✓' : ''}`],
                                    ['interaction', 'card-interactions', (x) => `${x.type} · ${date(x.when)} · ${x.summary || ''}`]]) {
    const ul = $(box);
    ul.textContent = '';
    const xs = await items('list', {kind, customer: id}).catch(() => []);
    for (const x of xs) ul.appendChild(el('li', {dir: 'auto'}, label(x)));
    if (xs.more) ul.appendChild(el('li', {class: 'more'}, t('more')));
  }
  const body = $('card-history').tBodies[0];
  body.textContent = '';
  const changes = await call('history', {id}).catch(() => ({items: []}));
  if (changes.more) { // the card shows the oldest page; the CLI pages the rest
    const tr = el('tr', {class: 'more'});
    tr.appendChild(el('td', {colspan: '5'}, t('more')));
    body.appendChild(tr);
  }
  for (const h of changes.items || []) {
    const tr = el('tr');
    tr.appendChild(el('td', {}, date(h.when)));
    tr.appendChild(el('td', {dir: 'auto'}, h.author));
    tr.appendChild(el('td', {dir: 'auto'}, h.branch));
    tr.appendChild(el('td', {dir: 'auto'}, (h.changes || []).map((c) => c.field + ' ' + (c.op === 'set' ? '= ' : c.op + ' ') + (c.value ?? '')).join('; ')));
    tr.appendChild(el('td', {'data-signature': h.signature}, h.signature === 'valid' ? '✓ ' + t('verified') : String(h.signature)));
    body.appendChild(tr);
  }
}

async function board() {
  const box = $('board');
  box.textContent = '';
  const stages = (await call('status', {})).pipeline || [];
  const deals = await items('list', {kind: 'deal'}).catch(() => []);
  if (deals.more) box.appendChild(el('p', {class: 'more'}, t('more')));
  for (const stage of stages) {
    const col = el('div', {class: 'column', 'data-stage': stage, role: 'list', 'aria-label': stage});
    col.appendChild(el('h3', {dir: 'auto'}, stage));
    col.addEventListener('dragover', (e) => e.preventDefault());
    col.addEventListener('drop', async (e) => { e.preventDefault(); await move(e.dataTransfer.getData('text/plain'), stage); });
    for (const d of deals.filter((x) => x.stage === stage)) {
      const card = el('div', {class: 'deal', draggable: 'true', 'data-id': d.id, role: 'listitem', tabindex: '0'});
      card.appendChild(el('span', {dir: 'auto'}, d.title));
      card.appendChild(el('small', {}, ' ' + money(d.amount, d.currency)));
      const sel = el('select', {'aria-label': t('moveto') + ' …'});
      for (const s2 of stages) { const o = el('option', {value: s2}, s2); if (s2 === stage) o.selected = true; sel.appendChild(o); }
      sel.addEventListener('change', () => move(d.id, sel.value)); // the keyboard's way to drag
      card.appendChild(sel);
      card.addEventListener('dragstart', (e) => e.dataTransfer.setData('text/plain', d.id));
      col.appendChild(card);
    }
    box.appendChild(col);
  }
}

async function move(id, stage) {
  try { await call('update', {kind: 'deal', id, stage}, true); } catch (e) { alertText(e.message); }
  await board();
}

function alertText(m) { $('add-message').textContent = m; }

async function myTasks() {
  const ul = $('mytasks');
  ul.textContent = '';
  const today = await items('list', {kind: 'task', due: 'today', open: 'true'}).catch(() => []);
  const late = await items('list', {kind: 'task', overdue: 'true'}).catch(() => []);
  if (today.more || late.more) ul.appendChild(el('li', {class: 'more'}, t('more')));
  for (const [x, isLate] of [...late.map((x) => [x, true]), ...today.map((x) => [x, false])]) {
    const li = el('li', {'data-id': x.id, dir: 'auto'}, x.title + ' · ' + (x.due || '') + (isLate ? ' · ' + t('overdue') : ''));
    const b = el('button', {type: 'button'}, t('done'));
    b.addEventListener('click', async () => { await call('update', {kind: 'task', id: x.id, done: 'yes'}, true).catch((e) => alertText(e.message)); myTasks(); });
    li.appendChild(b);
    ul.appendChild(li);
  }
}

async function conflicts() {
  const body = $('conflicts').tBodies[0];
  body.textContent = '';
  const page = await call('conflicts', {}).catch(() => ({items: []}));
  for (const c of page.items || []) {
    if (c.resolved) continue;
    const tr = el('tr', {'data-conflict': c.conflict});
    tr.appendChild(el('td', {}, c.kind + ' ' + c.id.slice(0, 8)));
    tr.appendChild(el('td', {}, c.field));
    for (const v of c.sides || []) {
      const side = v.side;
      const td = el('td', {dir: 'auto'});
      td.appendChild(el('bdi', {}, String(v.value ?? '') + ' — ' + (v.author || '') + ', ' + (v.branch || '') + ' '));
      const b = el('button', {type: 'button', 'data-keep': side}, t('keep'));
      b.addEventListener('click', async () => { await call('resolve', {conflict: c.conflict, keep: side}, true).catch((e) => alertText(e.message)); conflicts(); });
      td.appendChild(b);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

async function log(type) {
  try {
    await call('create', {kind: 'interaction', customer: current, type}, true);
    await cardLists(current);
    $('log-message').textContent = t('logged');
  } catch (e) { $('log-message').textContent = e.message; }
}

// Inline checks while typing; the node checks again on save and its message is shown.
function digitsOf(s) { return (s.match(/[0-9\u06f0-\u06f9\u0660-\u0669]/g) || []).length; }
function checkInline() {
  const phone = $('add-phone').value.trim(), email = $('add-email').value.trim();
  $('add-phone-hint').textContent = phone && digitsOf(phone) < 5 ? t('badphone') : '';
  $('add-email-hint').textContent = email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? t('bademail') : '';
  return !$('add-phone-hint').textContent && !$('add-email-hint').textContent;
}

async function add(ev) {
  ev.preventDefault();
  const name = $('add-name').value.trim(), phone = $('add-phone').value.trim(), email = $('add-email').value.trim();
  const msg = $('add-message');
  if (!name) { msg.textContent = t('needname'); $('add-name').focus(); return; }
  if (!checkInline()) return;
  try {
    if (!confirmDupe) { // the same matcher as the CLI's search: phone in any format, folded names
      const hits = [];
      for (const [q, by] of [[phone, 'phone'], [email, 'email'], [name, 'name']])
        if (q.length >= 2) for (const c of await items('search', {kind: 'customer', q, by}).catch(() => [])) hits.push(c.name);
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
  digits = await (await fetch('/api/currencies')).json();
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
    $(id).addEventListener('input', () => { confirmDupe = false; $('add-save').textContent = t('save'); $('add-message').textContent = ''; checkInline(); });
  $('log-call').addEventListener('click', () => log('call'));
  $('log-visit').addEventListener('click', () => log('visit'));
  $('logout').addEventListener('click', async () => {
    await fetch('/logout', {method: 'POST', headers: {'X-CSRF-Token': session.csrf}});
    location.href = '/login';
  });
  await search();
  await board();
  await myTasks();
  await conflicts();
  await syncIndicator();
  setInterval(syncIndicator, 5000);
  setInterval(conflicts, 10000); // edits from other branches arrive while the page is open
}

main();
