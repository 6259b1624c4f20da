'use strict';
// Accord HQ dashboard: reads /api/report, /api/daily and /api/sync (JSON) and draws the
// branch table, a bar chart and a line chart as inline SVG. Text from the data is set
// with textContent only.
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
let session = null, rows = [], sortKey = 'branch', sortDesc = false;

const columns = [
  ['branch', 'Branch'], ['customers_new', 'New customers'], ['interactions', 'Interactions'],
  ['deals_new', 'Deals'], ['deals_won', 'Won'], ['deals_lost', 'Lost'], ['win_rate', 'Win rate'],
  ['avg_days_to_close', 'Days to close'], ['deals_open', 'Open deals'], ['tasks_due', 'Tasks due'],
  ['tasks_overdue', 'Overdue'], ['tasks_done', 'Done'], ['customers', 'Customers'],
  ['with_phone', 'With phone'], ['with_email', 'With e-mail'], ['with_owner', 'With owner'],
  ['avg_first_response_hours', 'First reply (h)'], ['import_rows_rejected', 'Import rows refused'],
];

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function cell(key, value) {
  if (key === 'win_rate') return (value * 100).toFixed(1) + '%';
  if (key === 'avg_days_to_close' || key === 'avg_first_response_hours') return value.toFixed(1);
  return value;
}

async function getJSON(url) {
  const r = await fetch(url, {credentials: 'same-origin'});
  if (r.status === 401) { location.href = '/login'; throw new Error('signed out'); }
  const body = await r.json();
  if (!r.ok) throw new Error(body.message || r.statusText);
  return body;
}

function period() {
  const from = $('from').value, to = $('to').value;
  if (from && to) return from + '..' + to;
  return $('month').value || new Date().toISOString().slice(0, 7);
}

function drawTable() {
  const sorted = rows.slice().sort((a, b) => {
    const x = a[sortKey], y = b[sortKey];
    const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
    return sortDesc ? -c : c;
  });
  const head = $('branches').tHead, body = $('branches').tBodies[0];
  head.textContent = '';
  body.textContent = '';
  const tr = el('tr');
  for (const [key, label] of columns) {
    const th = el('th', {scope: 'col', 'data-key': key, tabindex: '0'}, label + (key === sortKey ? (sortDesc ? ' ▼' : ' ▲') : ''));
    const sort = () => { sortDesc = key === sortKey ? !sortDesc : false; sortKey = key; drawTable(); };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (e) => { if (e.key === 'Enter') sort(); });
    tr.appendChild(th);
  }
  head.appendChild(tr);
  for (const r of sorted) {
    const row = el('tr', {'data-branch': r.branch});
    for (const [key] of columns) {
      const td = el(key === 'branch' ? 'th' : 'td', {'data-key': key, dir: key === 'branch' ? 'auto' : 'ltr'}, cell(key, r[key]));
      row.appendChild(td);
    }
    body.appendChild(row);
  }
}

function drawDetails() {
  const body = $('details').tBodies[0];
  body.textContent = '';
  for (const r of rows) {
    const tr = el('tr', {'data-branch': r.branch});
    tr.appendChild(el('th', {dir: 'auto'}, r.branch));
    tr.appendChild(el('td', {}, Object.entries(r.won_value).map(([c, v]) => v + ' ' + c).join(', ')));
    const reasons = el('td', {dir: 'auto'});
    for (const [reason, n] of Object.entries(r.lost_reasons)) reasons.appendChild(el('bdi', {}, reason + ' ×' + n + ' '));
    tr.appendChild(reasons);
    tr.appendChild(el('td', {}, Object.entries(r.pipeline).map(([k, v]) => `${k}: ${v.amount} (weighted ${v.weighted})`).join('; ')));
    tr.appendChild(el('td', {}, Object.entries(r.interactions_by_kind).map(([k, v]) => k + ' ' + v).join(', ')));
    body.appendChild(tr);
  }
}

function drawBars() {
  const box = $('bars');
  box.textContent = '';
  const w = 640, barH = 22, gap = 8, h = Math.max(60, rows.length * (2 * barH + gap) + 30);
  const max = Math.max(1, ...rows.map((r) => Math.max(r.customers_new, r.deals_won)));
  const s = svg('svg', {viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': 'New customers and deals won per branch'});
  rows.forEach((r, i) => {
    const y = 10 + i * (2 * barH + gap);
    s.appendChild(svg('text', {x: 150, y: y + barH, 'text-anchor': 'end', class: 'label', direction: 'ltr'}, r.branch));
    const a = (r.customers_new / max) * (w - 220), b = (r.deals_won / max) * (w - 220);
    s.appendChild(svg('rect', {x: 160, y, width: a, height: barH - 4, class: 'bar-customers'}));
    s.appendChild(svg('text', {x: 165 + a, y: y + barH - 8, class: 'value'}, r.customers_new));
    s.appendChild(svg('rect', {x: 160, y: y + barH, width: b, height: barH - 4, class: 'bar-won'}));
    s.appendChild(svg('text', {x: 165 + b, y: y + 2 * barH - 8, class: 'value'}, r.deals_won));
  });
  box.appendChild(s);
}

function drawLine(daily) {
  const box = $('line');
  box.textContent = '';
  const w = 640, h = 200, pad = 30, n = daily.days;
  const max = Math.max(1, ...daily.customers_new, ...daily.interactions);
  const s = svg('svg', {viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': 'New customers and interactions per day'});
  const x = (i) => pad + (n > 1 ? (i * (w - 2 * pad)) / (n - 1) : 0);
  const y = (v) => h - pad - (v / max) * (h - 2 * pad);
  s.appendChild(svg('line', {x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, class: 'axis'}));
  for (const [name, cls] of [['customers_new', 'line-customers'], ['interactions', 'line-interactions']]) {
    const pts = daily[name].map((v, i) => `${x(i)},${y(v)}`).join(' ');
    s.appendChild(svg('polyline', {points: pts, class: cls, fill: 'none'}));
  }
  s.appendChild(svg('text', {x: pad, y: h - 8, class: 'label'}, daily.from));
  s.appendChild(svg('text', {x: w - pad, y: 16, 'text-anchor': 'end', class: 'label'}, 'max ' + max));
  box.appendChild(s);
}

async function loadReport() {
  $('status').textContent = 'Loading…';
  try {
    const p = encodeURIComponent(period());
    const [report, daily] = await Promise.all([getJSON('/api/report?period=' + p), getJSON('/api/daily?period=' + p)]);
    rows = report.branches;
    $('range').textContent = report.from + ' – ' + report.to;
    drawTable();
    drawDetails();
    drawBars();
    drawLine(daily);
    $('status').textContent = '';
  } catch (e) {
    $('status').textContent = e.message;
  }
}

async function loadCustomers() {
  const r = await getJSON('/api/customers?top=10');
  $('rfm-currency').textContent = r.currency ? '(money in ' + r.currency + ')' : '';
  const seg = $('segments').tBodies[0], top = $('top').tBodies[0];
  seg.textContent = '';
  top.textContent = '';
  for (const [name, n] of Object.entries(r.segments)) {
    const tr = el('tr', {'data-segment': name});
    tr.appendChild(el('th', {}, name));
    tr.appendChild(el('td', {}, n));
    seg.appendChild(tr);
  }
  for (const c of r.customers) {
    const tr = el('tr', {'data-id': c.id});
    tr.appendChild(el('th', {dir: 'auto'}, c.name));
    tr.appendChild(el('td', {dir: 'auto'}, c.branch));
    tr.appendChild(el('td', {}, r.currency ? c.monetary + ' ' + r.currency : ''));
    tr.appendChild(el('td', {}, c.recency_days < 0 ? 'never' : c.recency_days));
    tr.appendChild(el('td', {}, c.frequency));
    tr.appendChild(el('td', {}, c.segment));
    top.appendChild(tr);
  }
}

async function loadSync() {
  try {
    const s = await getJSON('/api/sync');
    const body = $('peers').tBodies[0];
    body.textContent = '';
    for (const p of s.peers || []) {
      const tr = el('tr');
      tr.appendChild(el('th', {dir: 'auto'}, p.name));
      for (const v of [p.connected ? 'yes' : 'no', p.last_seen_s, p.lag_records, p.lag_seconds, p.clock_offset_ms, p.refused,
                       p.last_refusal ? p.last_refusal.why : ''])
        tr.appendChild(el('td', {}, v === undefined || v === null ? '' : v));
      body.appendChild(tr);
    }
    $('sync-at').textContent = new Date().toLocaleTimeString();
  } catch (e) {
    $('sync-at').textContent = e.message;
  }
}

async function main() {
  session = await getJSON('/api/session');
  $('who').textContent = session.user + ' (' + session.role + ') at ' + session.node;
  $('month').value = new Date().toISOString().slice(0, 7);
  $('show').addEventListener('click', loadReport);
  $('logout').addEventListener('click', async () => {
    await fetch('/logout', {method: 'POST', headers: {'X-CSRF-Token': session.csrf}});
    location.href = '/login';
  });
  await loadReport();
  await loadCustomers();
  await loadSync();
  setInterval(loadSync, 5000);
}

main();
