// Steps of the two-branch browser test, one per run (the shell stops and starts the hub in
// between): add NAME at a branch's page; find NAME on another branch's page; keep side
// KEEP of the one open conflict in the conflicts inbox. Screenshot SHOT.
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
    await page.fill('#add-name', arg);
    await page.click('#add-save');
    await page.waitForFunction(() => document.getElementById('add-message').textContent === 'Saved.', null, { timeout: 5000 })
      .catch(async () => problems.push('adding said: ' + (await page.textContent('#add-message'))));
    if (!(await page.textContent('#sync')).startsWith('Offline')) problems.push('with the hub down the indicator says: ' + (await page.textContent('#sync')));
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
    const row = page.locator('#conflicts tbody tr').first();
    await row.waitFor({ timeout: 15000 }).catch(() => problems.push('the conflicts inbox is empty'));
    if ((await row.count()) === 1) {
      const field = await row.locator('td').nth(1).textContent();
      if (field !== 'city') problems.push('the conflict is on ' + field + ', not city');
      await page.screenshot({ path: shot.replace('.png', '-before.png'), fullPage: true });
      await row.locator(`button[data-keep="${arg}"]`).click();
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
