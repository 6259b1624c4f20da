// Import in the branch app, in headless Chromium against a real branch node: a spreadsheet
// saved by Excel (UTF-8 with a BOM, semicolons, Persian names, a phone typed in Persian
// digits, a bad e-mail) is previewed, its columns mapped, checked (the bad row named by
// row, column and reason, nothing changed), imported; the rows to fix are downloaded, fixed
// and imported as they are; then a vCard file. Each step is checked in the node through
// the CLI's --json. Persian: right to left, Persian digits. Screenshots in English and
// Persian. Fields are found by their labels, buttons by role and name.
// Usage: node import.mjs URL USER PASSWORD SCREENSHOT_DIR WORK_DIR
//   (environment: ACCORD, the accord CLI; ACCORD_DATA, the node's data directory)
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const [url, user, password, dir, work] = process.argv.slice(2);
const problems = [];
const accord = (...args) => JSON.parse(execFileSync(process.env.ACCORD, ['--json', ...args], { encoding: 'utf8' }));
const customers = () => accord('customer', 'list');
const named = (name) => customers().find((c) => c.name === name);
const BOM = '\ufeff';

const sheet = BOM + [
  'Customer;Tel;E-mail;City;Memo',
  'مریم احمدی;۰۹۱۲ ۳۴۵ ۶۷۸۹;maryam@example.com;تهران;vip',
  'Reza Karimi;+98 912 000 1111;reza@example.com;Shiraz;',
  'علی بدیعی;09125550000;not-an-email;Tabriz;',
  '陈伟;+86 138 0013 8000;chen@example.cn;北京;wholesale',
].join('\r\n') + '\r\n';
fs.writeFileSync(work + '/customers.csv', sheet);
fs.writeFileSync(work + '/contacts.vcf', [
  'BEGIN:VCARD', 'VERSION:3.0', 'FN:سارا نیکو', 'TEL;TYPE=CELL:0935 111 2233', 'EMAIL:sara.nikoo@example.com', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:3.0', 'FN:Omid Shams', 'TEL:0936 444 5566', 'EMAIL:omid@', 'END:VCARD', ''].join('\r\n'));

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1100 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push('script error on the page: ' + e.message));
  await page.goto(url + '/login');
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(url + '/'), page.getByRole('button', { name: /sign in/i }).click()]);
  await page.goto(url + '/#/import');
  await page.getByRole('heading', { name: 'Import customers' }).waitFor({ timeout: 10000 });

  // 1. the file, its first rows, the columns mapped
  await page.getByLabel('File').setInputFiles(work + '/customers.csv');
  await page.locator('#import-preview tbody tr').nth(3).waitFor({ timeout: 10000 })
    .catch(() => problems.push('the preview does not show the 4 rows'));
  const about = await page.textContent('#import-about');
  if (!about.includes('UTF-8 with BOM') || !about.includes(';')) problems.push('the preview does not say UTF-8 with BOM, separator ;: ' + about);
  if (!(await page.textContent('#import-preview tbody')).includes('مریم احمدی')) problems.push('the preview does not show the Persian name');
  if ((await page.getByLabel("Column 'Tel'").inputValue()) !== 'phones') problems.push("'Tel' is not mapped to phones as the CLI maps it");
  if ((await page.getByLabel("Column 'Customer'").inputValue()) !== '') problems.push("'Customer' should start as ignored");
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByText('Choose the column that holds the name.').waitFor({ timeout: 5000 })
    .catch(() => problems.push('checking without a name column does not say to choose one'));
  await page.getByLabel("Column 'Customer'").selectOption({ label: 'Name' });
  await page.getByLabel("Column 'Memo'").selectOption({ label: 'Tags' });

  // 2. the dry run: every bad row, and nothing changed
  await page.getByRole('button', { name: 'Check' }).click();
  await page.locator('#import-summary').waitFor({ timeout: 20000 });
  const checked = await page.textContent('#import-summary');
  if (!checked.startsWith('Checked 4 rows: 3 would be added, 0 updated; 1 rows need fixing')) problems.push('the check said: ' + checked);
  const bad = await page.locator('#import-bad tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  if (bad.length !== 1 || bad[0][0] !== '4' || bad[0][1] !== 'E-mail' || bad[0][2] !== 'E-mails: «not-an-email» An e-mail address looks like name@example.com.')
    problems.push('the bad rows are not [row 4, E-mail, why]: ' + JSON.stringify(bad));
  if (customers().length !== 0) problems.push('the check changed the node');
  await page.screenshot({ path: dir + '/import-check-en.png', fullPage: true });

  // 3. the import, as the signed-in user
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByText(/^Imported: 4 rows read, 3 added, 0 updated; 1 rows were not imported\./).waitFor({ timeout: 20000 })
    .catch(async () => problems.push('the import said: ' + (await page.textContent('#import-summary'))));
  const maryam = named('مریم احمدی');
  if (!maryam || JSON.stringify(maryam.phones) !== '["09123456789"]' || JSON.stringify(maryam.tags) !== '["vip"]' || maryam.city !== 'تهران')
    problems.push('the Persian row is not in the node as typed (phone in ASCII digits, tag, city): ' + JSON.stringify(maryam));
  if (!named('陈伟') || !named('Reza Karimi')) problems.push('the other good rows are not in the node');
  if (named('علی بدیعی')) problems.push('the row with a bad e-mail was imported');
  if (maryam) {
    const history = accord('history', maryam.id);
    if (history[0].author !== user) problems.push('the import is not authored by the signed-in user: ' + history[0].author);
  }
  const found = accord('customer', 'search', 'احمدي'); // Arabic ي finds the Persian ی
  if (!found.length || found[0].name !== 'مریم احمدی') problems.push('search does not find the imported customer');

  // 4. the rows to fix: downloaded, fixed, imported as they are
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the rows to fix' }).click()]);
  const toFix = work + '/' + download.suggestedFilename();
  await download.saveAs(toFix);
  const text = fs.readFileSync(toFix, 'utf8');
  const lines = text.split('\n').filter((l) => l);
  if (!text.startsWith(BOM) || lines.length !== 2 || !lines[0].includes('"error row";"error column";"error reason";"Customer"') ||
      !lines[1].includes('not-an-email'))
    problems.push('the rows to fix are not the bad row after the error columns, with the BOM and separator: ' + JSON.stringify(text));
  fs.writeFileSync(work + '/fixed.csv', text.replace(';"not-an-email";', ';"ali.badiei@example.com";'));
  await page.getByLabel('File').setInputFiles(work + '/fixed.csv');
  await page.locator('#import-preview tbody tr').first().waitFor({ timeout: 10000 });
  if ((await page.getByLabel("Column 'error reason'").inputValue()) !== '') problems.push('the error columns are not ignored');
  await page.getByLabel("Column 'Customer'").selectOption({ label: 'Name' });
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByText(/^Imported: 1 rows read, 1 added/).waitFor({ timeout: 20000 })
    .catch(async () => problems.push('the fixed file did not import: ' + (await page.textContent('#import-view, #view-import'))));
  const ali = named('علی بدیعی');
  if (!ali || JSON.stringify(ali.emails) !== '["ali.badiei@example.com"]') problems.push('the fixed row is not in the node: ' + JSON.stringify(ali));

  // 5. a vCard file: the bad card named by its number
  await page.getByLabel('File').setInputFiles(work + '/contacts.vcf');
  await page.getByText(/contacts\.vcf: vCard/).waitFor({ timeout: 10000 }).catch(() => problems.push('the preview does not say vCard'));
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByText(/^Imported: 2 rows read, 1 added/).waitFor({ timeout: 20000 })
    .catch(async () => problems.push('the vCard import said: ' + (await page.textContent('#view-import'))));
  const cardBad = await page.locator('#import-bad tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  if (cardBad.length !== 1 || cardBad[0][0] !== '2' || (await page.textContent('#import-bad thead')).indexOf('Card') < 0)
    problems.push('the bad card is not named as card 2: ' + JSON.stringify(cardBad));
  const sara = named('سارا نیکو');
  if (!sara || JSON.stringify(sara.phones) !== '["09351112233"]') problems.push('the vCard contact is not in the node: ' + JSON.stringify(sara));
  if (customers().length !== 5) problems.push('the node holds ' + customers().length + ' customers, not 5');

  // 6. Persian: right to left, every word translated, Persian digits
  await page.getByLabel('File').setInputFiles(work + '/customers.csv');
  await page.getByLabel("Column 'Customer'").selectOption({ label: 'Name' });
  await page.getByRole('button', { name: 'Check' }).click();
  await page.locator('#import-summary').waitFor({ timeout: 20000 });
  await page.getByLabel('Language').selectOption('fa');
  if ((await page.getAttribute('html', 'dir')) !== 'rtl') problems.push('Persian is not right to left');
  await page.getByRole('heading', { name: 'درون‌ریزی مشتریان' }).waitFor({ timeout: 5000 }).catch(() => problems.push('the heading is not in Persian'));
  for (const name of ['بررسی', 'درون‌ریزی'])
    if ((await page.getByRole('button', { name, exact: true }).count()) !== 1) problems.push('no Persian button ' + name);
  if ((await page.getByLabel('ستون «Tel»').count()) !== 1) problems.push('the column selects are not labelled in Persian');
  if ((await page.getByLabel('فایل').count()) !== 1) problems.push('the file field is not labelled in Persian');
  if (!(await page.textContent('#import-about')).includes('UTF-8 با BOM')) problems.push('the encoding is not said in Persian');
  const fa = await page.textContent('#import-summary');
  if (!fa.includes('۴ سطر بررسی شد')) problems.push('the Persian summary has no Persian digits: ' + fa);
  if (/[A-Za-z]/.test(fa)) problems.push('the Persian summary has English words: ' + fa);
  await page.screenshot({ path: dir + '/import-check-fa.png', fullPage: true });
  await page.getByLabel('زبان').selectOption('en');
} catch (e) {
  problems.push('the test stopped: ' + e.message);
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.log('problem: ' + p);
  process.exit(1);
}
console.log('import page: preview, mapping, check, import, rows to fix, vCard, Persian: all as expected');
