// The access audit on the dashboard in headless Chromium (Debian's /usr/bin/chromium): an
// admin sees the section, its events newest first as GET /api/audit lists them, filtered
// by kind from its picker; in Persian the page is right to left and every word of the
// section is Persian (times in Persian digits); a staff user does not see the section.
// Saves audit-en.png and audit-fa.png into SHOTS_DIR. Exits 1 with the differences.
// Usage: node audit.mjs URL ADMIN ADMIN_PASSWORD STAFF STAFF_PASSWORD SHOTS_DIR
import { chromium } from 'playwright-core';
import { join } from 'node:path';

const [url, admin, adminPassword, staff, staffPassword, shots] = process.argv.slice(2);
const problems = [];
const problem = (p) => { problems.push(p); };

async function signIn(page, user, password) {
  await page.goto(url + '/login');
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await Promise.all([page.waitForURL(url + '/'), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.goto(url + '/dashboard');
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  page.on('pageerror', (e) => problem('script error on the page: ' + e.message));
  try {
    await signIn(page, admin, adminPassword);
    await page.waitForSelector('#audit tbody tr[data-kind]');
    if (!(await page.getByRole('heading', { name: 'Access audit' }).isVisible())) problem('an admin sees no Access audit heading');
    const api = await page.evaluate(async () => (await (await fetch('/api/audit?limit=200')).json()).events.map((e) => e.kind));
    const shown = await page.locator('#audit tbody tr[data-kind]').evaluateAll((trs) => trs.map((tr) => tr.dataset.kind));
    if (shown.join() !== api.join()) problem('the rows are not the events /api/audit lists, in its order: ' + shown.slice(0, 5));
    if (shown[0] !== 'signin_ok') problem('the newest event, this sign-in, is not first: ' + shown[0]);
    if ((await page.locator('#audit tbody tr').first().locator('td').nth(1).textContent()) !== 'signed in')
      problem('a sign-in is not shown as "signed in"');
    await page.getByLabel('Events').selectOption('token_added');
    await page.waitForFunction(() => [...document.querySelectorAll('#audit tbody tr[data-kind]')].every((tr) => tr.dataset.kind === 'token_added'));
    const tokenRows = await page.locator('#audit tbody tr[data-kind]').count();
    if (tokenRows !== 3) problem(`the token_added filter shows ${tokenRows} rows, not 3`);
    await page.screenshot({ path: join(shots, 'audit-en.png'), fullPage: true });

    await page.getByLabel('Language').selectOption('fa');
    if ((await page.locator('html').getAttribute('dir')) !== 'rtl') problem('the dashboard in Persian is not right to left');
    await page.getByLabel('رویدادها').selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('#audit tbody tr[data-kind="signin_failed"]').length > 0);
    // the section's own words: headings, the picker, the kind column, the note, the times
    const words = await page.evaluate(() => [
      document.getElementById('h-audit').textContent, document.querySelector('label[for="audit-kind"]').textContent,
      ...[...document.querySelectorAll('#audit-kind option, #audit thead th')].map((e) => e.textContent),
      ...[...document.querySelectorAll('#audit tbody tr')].map((tr) => tr.cells[0].textContent + ' ' + tr.cells[1].textContent),
      ...[...document.querySelectorAll('#audit tbody tr[data-kind="signin_throttled"]')].map((tr) => tr.cells[4].textContent),
      document.querySelector('#audit-section .note').textContent].join(' '));
    const latin = [...new Set(words.match(/[A-Za-z0-9]+/g) || [])];
    if (latin.length) problem('Persian: words or digits not translated in the audit: ' + latin.join(' '));
    await page.locator('#audit-section').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'audit-fa.png'), fullPage: true });

    const other = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    const staffPage = await other.newPage();
    await signIn(staffPage, staff, staffPassword);
    await staffPage.waitForSelector('#peers thead th');
    if (await staffPage.locator('#audit-section').isVisible()) problem('a staff user sees the access audit');
    await other.close();
  } catch (e) {
    problem('stopped: ' + e.message.split('\n').slice(0, 3).join(' '));
    await page.screenshot({ path: join(shots, 'audit-failure.png'), fullPage: true }).catch(() => {});
  }
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.log('# ' + p);
  process.exit(1);
}
console.log('# the access audit in Chromium, English and Persian; screenshots in ' + shots);
