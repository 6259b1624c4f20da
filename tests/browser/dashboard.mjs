// The hub's sign-in page and dashboard in headless Chromium (Debian's /usr/bin/chromium),
// driven as a manager would (by label and role), in English and Persian (and Chinese for the
// words): every figure on the page is checked against accordctl --json report branches run
// for the period the page shows and for the one before it, for each period button (day,
// week, month, quarter, year, range; Solar Hijri periods in Persian); won value sorted by
// clicking its column, with separators and a total per currency; data quality shares and
// trends (the period's new customers with a phone, an e-mail, an owner against the period
// before's, in points); a CSV of every table (UTF-8 with a BOM); RFM segments and top customers as
// accordctl --json report customers lists them; the sync view; no sideways scrolling at
// 1366x768; no English word or Latin digit left in Persian. Saves screenshots next to
// SCREENSHOT_PNG. Exits 1 with the differences.
// Usage: ACCORD_CTL=accordctl ACCORD_HQ=DIR node dashboard.mjs URL USER PASSWORD EXPECTED_JSON SCREENSHOT_PNG CUSTOMERS_JSON
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [url, user, password, , shot, customersPath] = process.argv.slice(2);
const customers = JSON.parse(readFileSync(customersPath, 'utf8'));
const shots = dirname(shot);
const problems = [];
const problem = (p) => { problems.push(p); };
const cli = (spec) => JSON.parse(execFileSync(process.env.ACCORD_CTL, ['--json', 'report', 'branches', '--data', process.env.ACCORD_HQ,
                                                                      '--period', spec], {encoding: 'utf8'}));
const ACTIVITY = ['customers_new', 'interactions', 'deals_new', 'deals_won', 'deals_lost', 'win_rate', 'avg_days_to_close',
                  'deals_open', 'tasks_due', 'tasks_overdue', 'tasks_done'];
const NEW_QUALITY = ['new_with_phone', 'new_with_email', 'new_with_owner'];
// the sales and service table: figures of the period with the period before's, and what is now
const SALES_TREND = ['quotes_sent', 'quotes_accepted', 'quote_conversion', 'invoices_issued', 'tickets_opened', 'tickets_closed',
                     'avg_hours_to_close', 'sla_breaches'];
const SALES_MONEY = [['invoiced', true], ['paid', true], ['outstanding', false], ['overdue_value', false]];
const POINTS = { en: 'pp', fa: 'واحد درصد', zh: '个百分点' }; // the change of a share, in percentage points
// data, codes and names that stay as written in every language (a language's own name in the picker)
const DATA_WORDS = ['b1', 'b2', 'hq', user, 'EUR', 'IRR', 'CSV', 'RFM', 'Party 🎉 shop', '王小明', 'Accord', 'English'];

// Today in the Persian calendar as Node's own ICU says (not the page's code).
const today = new Date(), iso = (d) => d.toISOString().slice(0, 10);
const todayIso = iso(new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())));
const fa = Object.fromEntries(new Intl.DateTimeFormat('en-u-ca-persian-nu-latn', {year: 'numeric', month: 'numeric', day: 'numeric'})
  .formatToParts(today).map((p) => [p.type, p.value]));
const pad2 = (n) => String(n).padStart(2, '0');
const faMonthName = new Intl.DateTimeFormat('fa-IR-u-ca-persian', {month: 'long'}).format(today);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  try {
  page.on('pageerror', (e) => problem('script error on the page: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) problem('browser console: ' + m.text()); });

  // ---- sign-in: English, then Persian with the node's message translated ----
  await page.goto(url + '/');
  if (!page.url().endsWith('/login')) problem('without a session the page did not go to /login: ' + page.url());
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill('wrong password');
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/login')),
                     page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.waitForFunction(() => document.getElementById('message') && document.getElementById('message').textContent.trim());
  if ((await page.locator('#message').textContent()) !== 'That user name and password do not match.')
    problem('a wrong password does not say so in English: ' + (await page.locator('#message').textContent()));
  await page.getByLabel('Language').selectOption('fa');
  if ((await page.locator('html').getAttribute('dir')) !== 'rtl') problem('the sign-in page in Persian is not right to left');
  if ((await page.locator('#message').textContent()) !== 'این نام کاربری و گذرواژه با هم نمی‌خوانند.')
    problem('the sign-in message is not in Persian: ' + (await page.locator('#message').textContent()));
  await page.screenshot({ path: join(shots, 'login-fa.png') });
  for (const [id, label] of [['user', 'نام کاربری'], ['password', 'گذرواژه']])
    if ((await page.locator(`label[for="${id}"]`).textContent()) !== label) problem(`the sign-in label of #${id} is not ${label}`);
  await page.getByLabel('نام کاربری').fill(user);
  await page.getByLabel('گذرواژه').fill(password);
  await Promise.all([page.waitForURL(url + '/'), page.getByRole('button', { name: 'ورود' }).click()]);

  const settled = () => page.waitForFunction(() => !document.body.dataset.loading && document.getElementById('range').dataset.period);
  await settled();
  await page.waitForSelector('#top tbody tr');
  await page.waitForSelector('#peers tbody tr');
  if ((await page.locator('html').getAttribute('lang')) !== 'fa') problem('the language chosen at sign-in did not carry to the dashboard');

  const range = async () => page.locator('#range').evaluate((e) => ({ ...e.dataset, text: e.textContent }));

  // Every figure of the branch, won-value and quality tables against the CLI's report of the
  // period the page shows and of the one before it.
  async function checkFigures(what) {
    const r = await range(), now = cli(r.period), before = cli(r.previous);
    if (r.from !== now.from || r.to !== now.to) problem(`${what}: the page covers ${r.from}..${r.to}, accordctl ${r.period} ${now.from}..${now.to}`);
    const names = [...new Set([...now.branches, ...before.branches].map((b) => b.branch))];
    const zero = { won_value_minor: {} };
    const rows = await page.locator('#branches tbody tr[data-branch]').count();
    if (rows !== names.length) problem(`${what}: ${rows} branch rows, accordctl has ${names.length}`);
    for (const name of names) {
      const b = now.branches.find((x) => x.branch === name) || zero, p = before.branches.find((x) => x.branch === name) || zero;
      const cells = await page.locator(`#branches tbody tr[data-branch="${name}"] td[data-key]`).evaluateAll((tds) =>
        Object.fromEntries(tds.map((td) => [td.dataset.key, [Number(td.dataset.value), Number(td.dataset.prev)]])));
      for (const k of ACTIVITY)
        if (!cells[k] || cells[k][0] !== (b[k] || 0) || cells[k][1] !== (p[k] || 0))
          problem(`${what} ${name} ${k}: the page shows ${cells[k]}, accordctl ${r.period} ${b[k] || 0} and ${r.previous} ${p[k] || 0}`);
      const won = await page.locator(`#details tbody tr[data-branch="${name}"] td[data-key^="won:"]`).evaluateAll((tds) =>
        Object.fromEntries(tds.map((td) => [td.dataset.key.slice(4), [Number(td.dataset.value), Number(td.dataset.prev)]])));
      for (const c of new Set([...Object.keys(b.won_value_minor), ...Object.keys(p.won_value_minor)]))
        if (!won[c] || won[c][0] !== (b.won_value_minor[c] || 0) || won[c][1] !== (p.won_value_minor[c] || 0))
          problem(`${what} ${name} won ${c}: the page shows ${won[c]}, accordctl ${b.won_value_minor[c] || 0} and ${p.won_value_minor[c] || 0}`);
      // sales and service: every count with the period before's, every amount per currency
      const sales = await page.locator(`#sales tbody tr[data-branch="${name}"] [data-key]`).evaluateAll((cells) =>
        Object.fromEntries(cells.map((c) => [c.dataset.key, [Number(c.dataset.value), c.dataset.prev === undefined ? null : Number(c.dataset.prev)]])));
      for (const k of SALES_TREND)
        if (!sales[k] || Math.abs(sales[k][0] - (b[k] || 0)) > 1e-9 || Math.abs(sales[k][1] - (p[k] || 0)) > 1e-9)
          problem(`${what} ${name} ${k}: the page shows ${sales[k]}, accordctl ${r.period} ${b[k] || 0} and ${r.previous} ${p[k] || 0}`);
      if (!sales.invoices_overdue || sales.invoices_overdue[0] !== (b.invoices_overdue || 0) || sales.invoices_overdue[1] !== null)
        problem(`${what} ${name} invoices_overdue: the page shows ${sales.invoices_overdue}, accordctl ${b.invoices_overdue || 0} now`);
      for (const [k, trend] of SALES_MONEY) {
        const nowM = b[k + '_minor'] || {}, prevM = p[k + '_minor'] || {};
        for (const c of new Set([...Object.keys(nowM), ...(trend ? Object.keys(prevM) : [])])) {
          const cell = sales[k + ':' + c];
          if (!cell || cell[0] !== (nowM[c] || 0) || (trend ? cell[1] !== (prevM[c] || 0) : cell[1] !== null))
            problem(`${what} ${name} ${k} ${c}: the page shows ${cell}, accordctl ${nowM[c] || 0}${trend ? ' and ' + (prevM[c] || 0) : ''}`);
        }
      }
      if (b.customers !== undefined) {
        const q = await page.locator(`#quality tbody tr[data-branch="${name}"] td[data-key]`).evaluateAll((tds) =>
          Object.fromEntries(tds.map((td) => [td.dataset.key, [Number(td.dataset.value), td.dataset.prev]])));
        const want = { customers: b.customers, with_phone: b.with_phone / b.customers, with_email: b.with_email / b.customers,
                       with_owner: b.with_owner / b.customers, contacted: b.customers_new ? b.responded / b.customers_new : 0 };
        for (const [k, v] of Object.entries(want))
          if (!q[k] || Math.abs(q[k][0] - v) > 1e-9) problem(`${what} ${name} quality ${k}: the page shows ${q[k]}, accordctl gives ${v}`);
        if (!q.contacted || q.contacted[1] === undefined) problem(`${what} ${name}: no trend for the share of new customers contacted`);
        // the period's new customers with a phone, an e-mail, an owner, and the period before's
        const pb = before.branches.find((x) => x.branch === name) || { customers_new: 0 };
        for (const k of NEW_QUALITY) {
          const v = b.customers_new ? b[k] / b.customers_new : 0, pv = pb.customers_new ? (pb[k] || 0) / pb.customers_new : 0;
          if (typeof b[k] !== 'number') problem(`${what} ${name}: accordctl gives no ${k}`);
          if (!q[k] || Math.abs(q[k][0] - v) > 1e-9 || q[k][1] === undefined || Math.abs(Number(q[k][1]) - pv) > 1e-9)
            problem(`${what} ${name} quality ${k}: the page shows ${q[k]}, accordctl ${r.period} ${v} and ${r.previous} ${pv}`);
          if (!q[k]) continue;
          const cell = page.locator(`#quality tbody tr[data-branch="${name}"] td[data-key="${k}"]`);
          const [shown, line] = [await cell.locator('.now').textContent(), await cell.locator('.prev').textContent()];
          const lang = await page.locator('html').getAttribute('lang'), loc = { en: 'en-GB', fa: 'fa-IR', zh: 'zh-CN' }[lang];
          const pct = (x) => new Intl.NumberFormat(loc, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x);
          const pts = new Intl.NumberFormat(loc, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format((v - pv) * 100).replace(/-/g, '−');
          if (shown !== pct(v) || !line.includes(pct(pv)) || !line.includes(pts + ' ' + POINTS[lang]))
            problem(`${what} ${name} ${k}: shows "${shown}" and "${line}", not ${pct(v)}, before ${pct(pv)}, ${pts} ${POINTS[lang]}`);
        }
      }
    }
    const totals = await page.locator('#details tfoot td[data-key^="won:"]').evaluateAll((tds) =>
      Object.fromEntries(tds.map((td) => [td.dataset.key.slice(4), [Number(td.dataset.value), Number(td.dataset.prev)]])));
    const sum = (rep, c) => rep.branches.reduce((s, b) => s + (b.won_value_minor[c] || 0), 0);
    for (const c of new Set([...now.branches, ...before.branches].flatMap((b) => Object.keys(b.won_value_minor))))
      if (!totals[c] || totals[c][0] !== sum(now, c) || totals[c][1] !== sum(before, c))
        problem(`${what}: the total won in ${c} is ${totals[c]}, accordctl ${sum(now, c)} and ${sum(before, c)}`);
    return r;
  }

  async function choose(name) {
    await page.getByRole('button', { name, exact: true }).click();
    await settled();
  }

  async function noSidewaysScrolling(what) {
    const wide = await page.evaluate(() => {
      const out = [];
      if (document.documentElement.scrollWidth > window.innerWidth) out.push('the page ' + document.documentElement.scrollWidth);
      for (const s of document.querySelectorAll('section'))
        if (s.scrollWidth > s.clientWidth + 1) out.push((s.getAttribute('aria-labelledby') || 'section') + ' ' + s.scrollWidth);
      return out;
    });
    if (wide.length) problem(`${what}: wider than 1366 px: ${wide.join(', ')}`);
  }

  // Text on the page that is neither data nor numbers: an English word or a Latin digit left.
  async function untranslated(what) {
    let text = await page.evaluate(() => document.body.innerText + ' ' + [...document.querySelectorAll('[aria-label]')]
      .map((e) => e.getAttribute('aria-label')).join(' ') + ' ' + document.title);
    for (const w of [...DATA_WORDS, ...customers.customers.map((c) => c.name), 'قیمت بالا']) text = text.split(w).join(' ');
    const words = [...new Set(text.match(/[A-Za-z]{2,}/g) || [])], digits = [...new Set(text.match(/[0-9]+/g) || [])];
    if (words.length) problem(`${what}: words not translated: ${words.join(' ')}`);
    return digits;
  }

  // ---- English ----
  await page.getByLabel('زبان').selectOption('en');
  await page.evaluate(() => { window.notReloaded = true; });
  await settled();
  if (!(await page.evaluate(() => window.notReloaded))) problem('changing the language reloaded the page instead of redrawing it');
  if ((await page.locator('html').getAttribute('dir')) !== 'ltr') problem('English is not left to right');
  for (const h of ['Branches', 'Won, lost and open', 'Sales and service', 'Data quality', 'Customers by RFM segment', 'Sync health'])
    if (!(await page.getByRole('heading', { name: h }).count())) problem('no heading ' + h);
  const month = await checkFigures('English month');
  const gMonth = `${today.getFullYear()}-${pad2(today.getMonth() + 1)}`, gPrev = today.getMonth() ? `${today.getFullYear()}-${pad2(today.getMonth())}` : `${today.getFullYear() - 1}-12`;
  if (month.period !== gMonth || month.previous !== gPrev) problem(`the Month button shows ${month.period} against ${month.previous}, not ${gMonth} against ${gPrev}`);
  if (!(await page.getByRole('button', { name: 'Month', exact: true }).getAttribute('aria-pressed') === 'true')) problem('the Month button is not shown pressed');

  // won value: separators, the total, and sorting by clicking the column
  const b1won = await page.locator('#details tbody tr[data-branch="b1"] td[data-key="won:EUR"] .now').textContent();
  if (!b1won.includes('1,200.00')) problem('b1 won in EUR is not written with separators: ' + b1won);
  const irr = await page.locator('#details tbody tr[data-branch="b2"] td[data-key="won:IRR"] .now').textContent();
  if (!irr.includes('150,000,000') || irr.includes('.00')) problem('b2 won in IRR is not written with separators and without false decimals: ' + irr);
  const total = await page.locator('#details tfoot td[data-key="won:EUR"] .now').textContent();
  if (!total.includes('2,100.00')) problem('the EUR total is not 2,100.00: ' + total);
  const order = () => page.locator('#details tbody tr[data-branch]').evaluateAll((trs) => trs.map((tr) => tr.dataset.branch).join(' '));
  const wonHead = page.locator('#details thead th[data-key="won:EUR"]');
  await wonHead.click();
  if ((await order()) !== 'b1 b2' || (await wonHead.getAttribute('aria-sort')) !== 'descending') problem('one click on Won value (EUR) does not sort it highest first: ' + (await order()));
  await page.locator('#details thead th[data-key="won:EUR"]').click();
  if ((await order()) !== 'b2 b1' || (await page.locator('#details thead th[data-key="won:EUR"]').getAttribute('aria-sort')) !== 'ascending')
    problem('a second click on Won value (EUR) does not sort it lowest first: ' + (await order()));
  await page.locator('#details thead th[data-key="won:IRR"]').focus();
  await page.keyboard.press('Enter');
  if ((await order()) !== 'b2 b1') problem('Enter on Won value (IRR) does not sort by it: ' + (await order()));
  // sales: b1's invoice of EUR 1,250.50, paid 250.50, shown with separators; 1,000.00 outstanding
  const salesCell = (key) => page.locator(`#sales tbody tr[data-branch="b1"] [data-key="${key}:EUR"] .now`).first().textContent();
  for (const [key, want] of [['invoiced', 'EUR 1,250.50'], ['paid', 'EUR 250.50'], ['outstanding', 'EUR 1,000.00']]) {
    const shown = await salesCell(key).catch(() => 'nothing');
    if (!shown.includes(want.slice(4)) || !shown.includes('EUR')) problem(`b1 ${key} in the sales table shows ${shown}, not ${want}`);
  }
  await noSidewaysScrolling('English');
  await page.screenshot({ path: shot, fullPage: true });
  await page.screenshot({ path: join(shots, 'dashboard-1366x768.png') });

  // every period button, each against the one before
  const dayOf = async (name, want) => {
    await choose(name);
    const r = await checkFigures('English ' + name);
    if (want && (r.period !== want.period || r.previous !== want.previous)) problem(`${name}: ${r.period} against ${r.previous}, not ${want.period} against ${want.previous}`);
    return r;
  };
  const addDays = (d, n) => iso(new Date(Date.parse(d + 'T00:00:00Z') + n * 86400000));
  await dayOf('Day', { period: todayIso, previous: addDays(todayIso, -1) });
  const monday = addDays(todayIso, -((new Date(todayIso + 'T00:00:00Z').getUTCDay() + 6) % 7));
  await dayOf('Week', { period: `${monday}..${addDays(monday, 6)}`, previous: `${addDays(monday, -7)}..${addDays(monday, -1)}` });
  const q = Math.ceil((today.getMonth() + 1) / 3), y = today.getFullYear();
  await dayOf('Quarter', { period: `${y}-Q${q}`, previous: q > 1 ? `${y}-Q${q - 1}` : `${y - 1}-Q4` });
  await dayOf('Year', { period: String(y), previous: String(y - 1) });
  await page.getByRole('button', { name: 'Range', exact: true }).click();
  await settled();
  await page.getByLabel('From', { exact: true }).fill(addDays(todayIso, -9));
  await page.getByLabel('To', { exact: true }).fill(todayIso);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await settled();
  const rng = await checkFigures('English range');
  if (rng.period !== `${addDays(todayIso, -9)}..${todayIso}` || rng.previous !== `${addDays(todayIso, -19)}..${addDays(todayIso, -10)}`)
    problem(`Range: ${rng.period} against ${rng.previous}`);
  await choose('Month');

  // a CSV of every table, UTF-8 with a BOM
  async function csvs(what, buttonName) {
    const got = {};
    for (const b of await page.getByRole('button', { name: new RegExp('^' + buttonName) }).all()) {
      const [dl] = await Promise.all([page.waitForEvent('download'), b.click()]);
      const bytes = readFileSync(await dl.path());
      const name = dl.suggestedFilename();
      if (bytes[0] !== 0xef || bytes[1] !== 0xbb || bytes[2] !== 0xbf) problem(`${what} ${name}: no UTF-8 BOM`);
      got[name.split('-')[1]] = bytes.toString('utf8').slice(1).trim().split('\r\n').map((l) => l.split(','));
    }
    for (const table of ['branches', 'details', 'sales', 'quality', 'segments', 'top', 'peers'])
      if (!got[table]) problem(`${what}: no CSV of ${table} (buttons: ${Object.keys(got)})`);
    return got;
  }
  const en = await csvs('English', 'Download CSV');
  const nowEn = cli(month.period);
  for (const b of nowEn.branches) {
    const row = (en.branches || []).find((r) => r[0] === b.branch);
    if (!row || Number(row[1]) !== b.customers_new || Number(row[7]) !== b.deals_won) problem(`CSV branches ${b.branch}: ${row}`);
  }
  // the quality CSV: the new customers' shares, each with the period before's
  const qHead = (en.quality || [[]])[0], share = (n, d) => (d ? +(n / d).toFixed(4) : 0);
  const beforeEn = cli(month.previous);
  for (const b of nowEn.branches) {
    const row = (en.quality || []).find((r) => r[0] === b.branch) || [];
    const p = beforeEn.branches.find((x) => x.branch === b.branch) || { customers_new: 0 };
    for (const [k, label] of [['new_with_phone', 'New with phone'], ['new_with_email', 'New with e-mail'], ['new_with_owner', 'New with owner']]) {
      const at = qHead.indexOf(label), atBefore = qHead.indexOf(label + ' (before)');
      if (at < 0 || atBefore < 0) { problem(`CSV quality: no columns ${label} and ${label} (before): ${qHead}`); continue; }
      if (Number(row[at]) !== share(b[k], b.customers_new) || Number(row[atBefore]) !== share(p[k] || 0, p.customers_new))
        problem(`CSV quality ${b.branch} ${k}: ${row[at]} and ${row[atBefore]}, accordctl ${share(b[k], b.customers_new)} and ${share(p[k] || 0, p.customers_new)}`);
    }
  }
  if (/no trend/.test(await page.locator('#quality').locator('..').innerText())) problem('the data quality table still says its shares have no trend');
  const totalRow = (en.details || []).find((r) => r[0] === 'Total');
  if (!totalRow || totalRow[1] !== '2100.00') problem('CSV details: no Total row of 2100.00 EUR: ' + totalRow);
  const topNames = (en.top || []).map((r) => r[0]);
  for (const c of customers.customers) if (!topNames.includes(c.name)) problem(`CSV top customers: no ${c.name} (${topNames})`);

  // RFM and sync as before
  for (const c of customers.customers) {
    const row = page.locator(`#top tbody tr[data-id="${c.id}"] th`);
    const name = (await row.count()) === 1 ? (await row.textContent()) : null;
    if (name !== c.name) problem(`top customer ${c.id}: the page shows ${name}, the report says ${c.name}`);
    if ((await row.count()) === 1 && (await row.getAttribute('dir')) !== 'auto') problem(`top customer ${c.name}: no dir="auto"`);
  }
  for (const [segment, n] of Object.entries(customers.segments)) {
    const shown = await page.locator(`#segments tbody tr[data-segment="${segment}"] td`).getAttribute('data-value');
    if (shown !== String(n)) problem(`segment ${segment}: the page shows ${shown}, the report says ${n}`);
  }
  for (const c of customers.customers) {
    const seg = await page.locator(`#top tbody tr[data-id="${c.id}"] td[data-segment]`).getAttribute('data-segment');
    if (seg !== c.segment) problem(`top customer ${c.name}: segment ${seg}, the report says ${c.segment}`);
    if (!c.monetary_minor && seg === 'champions') problem(`top customer ${c.name} won nothing and is shown a champion`);
  }
  const peers = await page.locator('#peers tbody').textContent();
  if (!peers.includes('b1') || !peers.includes('b2')) problem('the sync view does not list b1 and b2: ' + peers);
  if ((await page.locator('#bars svg rect').count()) < 4) problem('no bar chart');
  if ((await page.locator('#line svg polyline').count()) !== 2) problem('no line chart');

  // ---- Chinese: the words only ----
  await page.getByLabel('Language').selectOption('zh');
  await settled();
  await untranslated('Chinese');
  await page.screenshot({ path: join(shots, 'dashboard-zh.png'), fullPage: true });

  // ---- Persian: Solar Hijri periods, Persian digits, right to left ----
  await page.getByLabel('语言').selectOption('fa');
  await settled();
  if ((await page.locator('html').getAttribute('dir')) !== 'rtl') problem('Persian is not right to left');
  const faMonth = await checkFigures('Persian month');
  const want = `fa:${fa.year}-${pad2(fa.month)}`, wantPrev = Number(fa.month) > 1 ? `fa:${fa.year}-${pad2(fa.month - 1)}` : `fa:${fa.year - 1}-12`;
  if (faMonth.period !== want || faMonth.previous !== wantPrev) problem(`the Persian month is ${faMonth.period} against ${faMonth.previous}, not ${want} against ${wantPrev}`);
  if (!faMonth.text.includes(faMonthName)) problem(`the period is not named in the Solar Hijri calendar (${faMonthName}): ${faMonth.text}`);
  const faWon = await page.locator('#details tbody tr[data-branch="b1"] td[data-key="won:EUR"] .now').textContent();
  if (!faWon.includes('۱٬۲۰۰٫۰۰')) problem('b1 won in EUR is not in Persian digits with separators: ' + faWon);
  const faPaid = await page.locator('#sales tbody tr[data-branch="b1"] [data-key="paid:EUR"] .now').textContent().catch(() => 'nothing');
  if (!faPaid.includes('۲۵۰٫۵۰')) problem('b1 paid in EUR is not in Persian digits in the sales table: ' + faPaid);
  const digitsLeft = await untranslated('Persian');
  if (digitsLeft.length) problem('Latin digits in Persian: ' + digitsLeft.join(' '));
  await noSidewaysScrolling('Persian');
  await page.screenshot({ path: join(shots, 'dashboard-fa.png'), fullPage: true });
  await page.screenshot({ path: join(shots, 'dashboard-fa-1366x768.png') });
  const q3 = Math.ceil(fa.month / 3);
  const faPeriods = [['روز', null], ['هفته', null], ['فصل', { period: `fa:${fa.year}-Q${q3}`, previous: q3 > 1 ? `fa:${fa.year}-Q${q3 - 1}` : `fa:${fa.year - 1}-Q4` }],
                     ['سال', { period: `fa:${fa.year}`, previous: `fa:${fa.year - 1}` }]];
  for (const [name, w] of faPeriods) {
    await choose(name);
    const r = await checkFigures('Persian ' + name);
    if (w && (r.period !== w.period || r.previous !== w.previous)) problem(`Persian ${name}: ${r.period} against ${r.previous}, not ${w.period} against ${w.previous}`);
    if (name === 'هفته' && new Date(r.from + 'T00:00:00Z').getUTCDay() !== 6) problem('a Persian week does not start on Saturday: ' + r.from);
  }
  await choose('ماه');
  const faCsv = await csvs('Persian', 'دریافت CSV');
  if (!faCsv.branches || faCsv.branches[0][0] !== 'شعبه') problem('the Persian CSV header is not in Persian: ' + (faCsv.branches || [[]])[0]);
  if (!(faCsv.top || []).some((r) => r[0] === 'علی رضایی')) problem('the Persian CSV of top customers lost the Persian name');
  const salesHead = (faCsv.sales || [[]])[0], salesB1 = (en.sales || []).find((r) => r[0] === 'b1') || [];
  if (!salesHead.includes('مبلغ فاکتورها') || !salesB1.includes('EUR 1250.50')) problem('the sales CSV: ' + salesHead + ' / ' + salesB1);
  if (!faCsv.quality || !faCsv.quality[0].includes('جدیدِ با تلفن')) problem('the Persian CSV of data quality has no column of new customers with a phone: ' + (faCsv.quality || [[]])[0]);
  } catch (e) { // a step that could not be done: say which, and show the page as it was
    problem('stopped: ' + e.message.split('\n').slice(0, 3).join(' '));
    await page.screenshot({ path: join(shots, 'dashboard-failure.png'), fullPage: true }).catch(() => {});
  }
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.log('# ' + p);
  process.exit(1);
}
console.log('# the sign-in page and dashboard in Chromium, English, Chinese and Persian, show accordctl\'s numbers; screenshots in ' + shots);
