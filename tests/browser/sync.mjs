// Steps of the two-branch browser test, one per run (the shell stops and starts the hub in
// between): add NAME at a branch's page; find NAME on another branch's page; keep side
// KEEP of the one open conflict of customer NAME (ARG = KEEP:NAME) in the conflicts inbox. Screenshot SHOT.
// Usage: node sync.mjs add|find|resolve URL USER PASSWORD ARG SHOT
import { chromium } from 'playwright-core';

const [step, url, user, password, arg, shot] = process.argv.slice(2);
const problems = [];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.on('pageerror', (e) => problems.push('script error on the page: ' + e.message));
  await page.goto(url + '/');
  await page.fill('#user', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(url + '/'), page.click('#signin')]);
  await page.waitForSelector('#q');
  if (step === 'add') {
    await page.getByRole('button', { name: 'Add a customer' }).click();
    await page.getByLabel('Name', { exact: true }).first().fill(arg);
    await page.click('#add-save');
    await page.waitForFunction(() => document.getElementById('add-message').textContent === 'Saved.', null, { timeout: 5000 })
      .catch(async () => problems.push('adding said: ' + (await page.textContent('#add-message'))));
    // the indicator tells the truth: offline since when, and the change just made waits to go
    await page.waitForFunction(() => /^Offline since .* · [1-9][0-9]* changes waiting to go$/.test(document.getElementById('sync').textContent), null, { timeout: 8000 })
      .catch(async () => problems.push('with the hub down and a change made the indicator says: ' + (await page.textContent('#sync'))));
    await page.getByLabel('Language').selectOption('fa'); // the same truth in Persian, with Persian digits
    await page.waitForFunction(() => /^آفلاین از .*۱۴۰[۰-۹].* \| [۱-۹][۰-۹]* تغییر در انتظار ارسال$/.test(document.getElementById('sync').textContent), null, { timeout: 8000 })
      .catch(async () => problems.push('in Persian the indicator says: ' + (await page.textContent('#sync'))));
    await page.screenshot({ path: shot.replace('.png', '-fa.png') });
    await page.getByLabel('زبان').selectOption('en');
  } else if (step === 'find') {
    const found = async () => {
      await page.fill('#q', '');
      await page.fill('#q', arg);
      return page.locator('#list tbody th', { hasText: arg }).waitFor({ timeout: 1500 }).then(() => true, () => false);
    };
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) ok = await found();
    if (!ok) problems.push(arg + ' never appeared on this branch\'s page');
  } else if (step === 'resolve') {
    // the card shows the conflict on the field itself
    await page.fill('#q', arg.split(':')[1]);
    await page.locator('#list tbody tr', { has: page.locator('th bdi', { hasText: arg.split(':')[1] }) }).first().click();
    await page.locator('#card .field.in-conflict[data-field="city"]').waitFor({ timeout: 15000 })
      .catch(() => problems.push('the card does not mark the city as changed at two places'));
    await page.getByRole('link', { name: /^Conflicts/ }).click();
    const row = page.locator('#conflicts tbody tr[data-conflict]').first();
    await row.waitFor({ timeout: 15000 }).catch(() => problems.push('the conflicts inbox is empty'));
    if ((await row.count()) === 1) {
      const cells = await row.locator('td').allTextContents();
      if (cells[0] !== arg.split(':')[1]) problems.push('the conflict does not name the customer: ' + cells[0]);
      if (cells[1] !== 'City') problems.push('the conflict is on ' + cells[1] + ', not City');
      if (!['Tehran', 'Shiraz'].includes(cells[2])) problems.push('the value kept now is not shown: ' + cells[2]);
      for (const want of ['Tehran', 'Shiraz', 'staff-a', 'staff-b']) if (!cells[3].includes(want)) problems.push('the sides do not show ' + want + ': ' + cells[3]);
      await page.screenshot({ path: shot.replace('.png', '-before.png'), fullPage: true });
      await page.getByLabel('Language').selectOption('fa');
      const fa = await row.locator('td').allTextContents();
      if (fa[1] !== 'شهر' || !/۱۴۰[۰-۹]/.test(fa[3])) problems.push('the conflict in Persian does not name the field or date the sides: ' + fa.join(' | '));
      await page.screenshot({ path: shot.replace('.png', '-fa.png'), fullPage: true });
      await page.getByLabel('زبان').selectOption('en');
      await row.locator(`button[data-keep="${arg.split(':')[0]}"]`).click();
      await row.waitFor({ state: 'detached', timeout: 5000 }).catch(() => problems.push('the resolved conflict stays in the inbox'));
    }
  }
  await page.screenshot({ path: shot, fullPage: true });
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.log('# ' + p);
  process.exit(1);
}
