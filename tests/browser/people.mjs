// People and passwords on the pages (issue 17, items 1 and 5) in headless Chromium against the
// branch node and the hub that people_page_test.sh set up (an org admin; reza, staff of the
// branch). At the branch: the admin opens People, makes nima (staff of this branch) with the
// form's labelled fields; nima signs in, sees no People link, changes their password with
// "My password" and stays signed in (the page's next change works: its fresh CSRF token), signs
// out, the old password is refused and the new one signs in; in Persian the password form is
// right to left, every word of it Persian, and a wrong current password says so in Persian;
// the admin disables nima on the People page (in Persian: every word of the page Persian) and
// nima's open page is signed out at its next request. At HQ the dashboard shows the admin the
// People section and its Change my password; reza (staff) sees no People there.
// Saves people-*.png into SHOTS_DIR. Exits 1 with the differences.
// Usage: node people.mjs BRANCH_URL HQ_URL ADMIN:PASSWORD STAFF:PASSWORD SHOTS_DIR
import { chromium } from 'playwright-core';
import { join } from 'node:path';

const [url, hqUrl, adminArg, staffArg, shots] = process.argv.slice(2);
const who = (s) => ({ user: s.slice(0, s.indexOf(':')), password: s.slice(s.indexOf(':') + 1) });
const admin = who(adminArg), staff = who(staffArg);
const nima = { user: 'nima', first: 'nima password 1', second: 'nima password 2' };
const problems = [];
const fail = (what) => problems.push(what);
const latinIn = (text) => [...new Set(text.match(/[A-Za-z0-9]+/g) || [])];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB' });
  context.setDefaultTimeout(6000);
  const page = await context.newPage();
  page.on('pageerror', (e) => fail('script error on the page: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) fail('console error: ' + m.text()); });
  return page;
}
// Signs in at base; true if the node let them in (the page left /login)
async function signIn(page, base, user, password) {
  await page.goto(base + '/login');
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('networkidle');
  return !page.url().includes('/login');
}
const shot = (page, name) => page.screenshot({ path: join(shots, 'people-' + name + '.png'), fullPage: true }).catch(() => {});
const status = (page) => page.locator('#pp-people-message');

try {
  // ---- the admin makes nima at the branch ----
  const boss = await newPage();
  if (!(await signIn(boss, url, admin.user, admin.password))) throw new Error('the admin cannot sign in at the branch');
  await boss.getByRole('link', { name: 'People' }).click();
  await boss.waitForSelector('#pp-users tbody tr[data-login="' + admin.user + '"]');
  if (!(await boss.locator('#pp-users tr[data-login="' + staff.user + '"]').isVisible())) fail('the People page does not list ' + staff.user);
  await boss.locator('#people-box').getByLabel('Login', { exact: true }).fill(nima.user);
  await boss.locator('#people-box').getByLabel('Name', { exact: true }).fill('Nima Rahimi');
  await boss.locator('#people-box').getByLabel('Password', { exact: true }).fill(nima.first);
  await boss.locator('#people-box').getByLabel('Role', { exact: true }).selectOption('staff');
  const scopes = await boss.locator('#people-box').getByLabel('Scope', { exact: true }).locator('option').allTextContents();
  if (scopes.length !== 1 || !/this branch/.test(scopes[0])) fail('at a branch the only scope offered is not this branch: ' + scopes.join(' | '));
  // what goes over the wire: the password to the node's route, no hash
  const sent = boss.waitForRequest((r) => r.url().endsWith('/api/users/add'));
  await boss.getByRole('button', { name: 'Add the user' }).click();
  const body = (await sent).postData() || '';
  if (!body.includes('password=') || /argon2|password_hash/.test(body)) fail('the page did not send the password (and only it) to /api/users/add: ' + body.replace(/password=[^&]*/, 'password=…'));
  await boss.waitForSelector('#pp-users tr[data-login="nima"]');
  const roles = await boss.locator('#pp-users tr[data-login="nima"] li').allTextContents();
  if (!roles.some((r) => r.includes('staff') && r.includes('branch'))) fail('nima\'s row does not show the staff role of the branch: ' + roles.join(' | '));
  if (!/nima/.test(await status(boss).textContent())) fail('no word that nima is made: ' + (await status(boss).textContent()));
  await shot(boss, 'admin-en');

  // ---- nima signs in, sees no People, changes the password ----
  const page = await newPage();
  if (!(await signIn(page, url, nima.user, nima.first))) throw new Error('nima cannot sign in with the first password');
  await page.waitForSelector('#nav-password');
  if (await page.locator('#nav-people').isVisible()) fail('a staff user sees the People link');
  await page.goto(url + '/#/people');
  await page.waitForTimeout(300);
  if (await page.locator('#pp-users').isVisible()) fail('a staff user sees the People page at #/people');
  await page.getByRole('link', { name: 'My password' }).click();
  await page.locator('#password-box').getByLabel('Current password').fill('not the password');
  await page.locator('#password-box').getByLabel('New password', { exact: true }).fill(nima.second);
  await page.locator('#password-box').getByLabel('New password again').fill(nima.second);
  await page.getByRole('button', { name: 'Change my password' }).click();
  await page.waitForFunction(() => document.getElementById('pp-pw-message').textContent.length > 0);
  if (!/current password is not right/.test(await page.locator('#pp-pw-message').textContent())) fail('a wrong current password is not said: ' + await page.locator('#pp-pw-message').textContent());
  await page.locator('#password-box').getByLabel('Current password').fill(nima.first);
  await page.locator('#password-box').getByLabel('New password', { exact: true }).fill('short');
  await page.locator('#password-box').getByLabel('New password again').fill('short');
  await page.getByRole('button', { name: 'Change my password' }).click();
  if (!/too short/.test(await page.locator('#pp-pw-message').textContent())) fail('a short new password is not said');
  await page.locator('#password-box').getByLabel('New password', { exact: true }).fill(nima.second);
  await page.locator('#password-box').getByLabel('New password again').fill(nima.second);
  await page.getByRole('button', { name: 'Change my password' }).click();
  await page.waitForFunction(() => /is changed/.test(document.getElementById('pp-pw-message').textContent));
  await shot(page, 'password-en');
  // still signed in: the session is the fresh one, and a change with its new CSRF token works
  const after = await page.evaluate(async () => (await fetch('/api/session')).status);
  if (after !== 200) fail('after the change the page is signed out (' + after + ')');
  const saved = await page.evaluate(async () => (await A.call('view_save', { name: 'after the change', filter: '{}' }, true)) !== undefined);
  if (!saved) fail('a change after the password change (with the fresh CSRF token) did not work');
  // signs out; the old password is refused, the new one works
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
  if (await signIn(page, url, nima.user, nima.first)) fail('the old password still signs in');
  if (!(await signIn(page, url, nima.user, nima.second))) throw new Error('the new password does not sign in');

  // ---- the password form in Persian: right to left, its words Persian, a refusal in Persian ----
  await page.waitForSelector('#nav-password');
  await page.getByLabel('Language').selectOption('fa');
  await page.locator('#nav-password').click();
  if ((await page.locator('html').getAttribute('dir')) !== 'rtl') fail('Persian is not right to left');
  await page.locator('#password-box').getByLabel('گذرواژهٔ کنونی').fill('not the password');
  await page.locator('#password-box').getByLabel('گذرواژهٔ تازه', { exact: true }).fill('nima password 3');
  await page.locator('#password-box').getByLabel('تکرار گذرواژهٔ تازه').fill('nima password 3');
  await page.getByRole('button', { name: 'تغییر گذرواژهٔ من' }).click();
  await page.waitForFunction(() => document.getElementById('pp-pw-message').textContent.length > 0);
  const faWords = await page.evaluate(() => document.getElementById('password-box').innerText);
  if (latinIn(faWords).length) fail('Persian: words of the password form not translated: ' + latinIn(faWords).join(' '));
  if (!/گذرواژهٔ کنونی درست نیست/.test(faWords)) fail('Persian: a wrong current password is not said in Persian');
  await shot(page, 'password-fa');

  // ---- the admin disables nima, in Persian; nima's open page is signed out ----
  await boss.getByLabel('Language').selectOption('fa');
  await boss.waitForSelector('#pp-users tr[data-login="nima"]');
  if ((await boss.locator('html').getAttribute('dir')) !== 'rtl') fail('the People page in Persian is not right to left');
  const words = await boss.evaluate(() => [
    ...[...document.querySelectorAll('#people-box h2, #people-box h3, #people-box label, #people-box th, #people-box button, #pp-add-form .pp-note')].map((e) => e.textContent),
    ...[...document.querySelectorAll('#pp-role option, #pp-add-role option')].map((e) => e.textContent),
    ...[...document.querySelectorAll('#pp-users tbody tr')].map((tr) => tr.cells[3].textContent)].join(' '));
  if (latinIn(words).length) fail('Persian: words of the People page not translated: ' + latinIn(words).join(' '));
  await boss.getByRole('button', { name: 'غیرفعال کردن nima' }).click();
  await boss.waitForFunction(() => document.querySelector('#pp-users tr[data-login="nima"] td:nth-child(4)').textContent === 'غیرفعال');
  await shot(boss, 'admin-fa');
  await page.evaluate(() => { A.call('list', { kind: 'customer' }).catch(() => {}); });
  await page.waitForURL(/\/login/);

  // ---- HQ's dashboard: People for the admin, not for staff; Change my password for both ----
  const hq = await newPage();
  if (!(await signIn(hq, hqUrl, admin.user, admin.password))) throw new Error('the admin cannot sign in at HQ');
  await hq.goto(hqUrl + '/dashboard');
  await hq.waitForSelector('#pp-users tr[data-login="nima"]');
  if (!(await hq.getByRole('heading', { name: 'People' }).isVisible())) fail('the dashboard shows an admin no People heading');
  const hqScopes = await hq.getByLabel('Scope', { exact: true }).first().locator('option').allTextContents();
  if (!hqScopes.includes('the whole org')) fail('an org admin at HQ is not offered the whole org: ' + hqScopes.join(' | '));
  if (!(await hq.getByRole('heading', { name: 'Change my password' }).isVisible())) fail('the dashboard has no Change my password');
  await shot(hq, 'dashboard-en');
  const other = await newPage();
  if (!(await signIn(other, hqUrl, staff.user, staff.password))) throw new Error(staff.user + ' cannot sign in at HQ');
  await other.goto(hqUrl + '/dashboard');
  await other.waitForSelector('#pp-pw-form');
  if (await other.locator('#people-section').isVisible()) fail('a staff user sees People on the dashboard');
} catch (e) {
  fail('stopped: ' + e.message.split('\n').slice(0, 3).join(' '));
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.log('# ' + p);
  process.exit(1);
}
console.log('# people and passwords in Chromium, English and Persian; screenshots in ' + shots);
