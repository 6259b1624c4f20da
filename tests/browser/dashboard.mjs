// Signs in to the hub's dashboard in headless Chromium (Debian's /usr/bin/chromium), waits
// for the branch table and checks that every number on the page equals the report the CLI
// printed (accordctl --json report branches), that text in Persian shows as written, and
// that the sync view lists the branch. Saves a screenshot. Exits 1 with the differences.
// Also that the top customers (accordctl --json report customers) are listed with their
// names as written (Persian, Chinese).
// Usage: node dashboard.mjs URL USER PASSWORD EXPECTED_JSON SCREENSHOT_PNG CUSTOMERS_JSON
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';

const [url, user, password, expectedPath, shot, customersPath] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
const customers = JSON.parse(readFileSync(customersPath, 'utf8'));
const problems = [];
const fmt = (key, v) => key === 'win_rate' ? (v * 100).toFixed(1) + '%' : key === 'avg_days_to_close' || key === 'avg_first_response_hours' ? v.toFixed(1) : String(v);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => problems.push('script error on the page: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('browser console: ' + m.text()); });
  await page.goto(url + '/');
  if (!page.url().endsWith('/login')) problems.push('without a session the page did not go to /login: ' + page.url());
  await page.fill('#user', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(url + '/'), page.click('#signin')]);
  await page.waitForSelector('#branches tbody tr');
  for (const b of expected.branches) {
    const row = page.locator(`#branches tbody tr[data-branch="${b.branch}"]`);
    if ((await row.count()) !== 1) { problems.push('no row for ' + b.branch); continue; }
    for (const key of Object.keys(b)) {
      if (typeof b[key] === 'object') continue;
      const cell = row.locator(`[data-key="${key}"]`);
      if ((await cell.count()) !== 1) continue;
      const shown = (await cell.textContent()).trim(), want = fmt(key, b[key]);
      if (shown !== want) problems.push(`${b.branch} ${key}: the page shows ${shown}, the report says ${want}`);
    }
    const reasons = await page.locator(`#details tbody tr[data-branch="${b.branch}"] td`).nth(1).textContent();
    for (const reason of Object.keys(b.lost_reasons))
      if (!reasons.includes(reason)) problems.push(`${b.branch}: lost reason "${reason}" not shown as written (${reasons})`);
  }
  await page.waitForSelector('#top tbody tr');
  for (const c of customers.customers) {
    const row = page.locator(`#top tbody tr[data-id="${c.id}"] th`);
    const name = (await row.count()) === 1 ? (await row.textContent()) : null;
    if (name !== c.name) problems.push(`top customer ${c.id}: the page shows ${name}, the report says ${c.name}`);
    const dir = (await row.count()) === 1 ? await row.getAttribute('dir') : null;
    if (dir !== 'auto') problems.push(`top customer ${c.name}: no dir="auto", so right-to-left names would show wrong`);
  }
  for (const [segment, n] of Object.entries(customers.segments)) {
    const shown = await page.locator(`#segments tbody tr[data-segment="${segment}"] td`).textContent();
    if (shown !== String(n)) problems.push(`segment ${segment}: the page shows ${shown}, the report says ${n}`);
  }
  await page.waitForSelector('#peers tbody tr');
  const peers = await page.locator('#peers tbody').textContent();
  if (!peers.includes('b1')) problems.push('the sync view does not list b1: ' + peers);
  if ((await page.locator('#bars svg rect').count()) < 2) problems.push('no bar chart');
  if ((await page.locator('#line svg polyline').count()) !== 2) problems.push('no line chart');
  await page.screenshot({ path: shot, fullPage: true });
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.log('# ' + p);
  process.exit(1);
}
console.log('# the dashboard in Chromium shows the report\'s numbers; screenshot ' + shot);
