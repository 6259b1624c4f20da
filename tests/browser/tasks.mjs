// My tasks, the calendar and the reminders of the branch app (issue 15, item 4) in headless
// Chromium against a real branch node that tasks_page_test.sh filled: only the signed-in
// user's tasks, overdue first and saying so, a reminder that is due shows (and one that is
// not, or an overdue task without one, does not), one whose time comes while the page is open
// shows then, Dismiss is remembered, Open goes to the customer, Done marks the task
// done, the month view in English (weeks from Monday) and in Persian (a Solar Hijri month with
// Persian digits, weeks from Saturday, the Persian month's own days), a manager sees no Done
// button, someone with nothing due sees the empty state. Screenshots in English and Persian.
// Usage: node tasks.mjs URL DIR STAFF:PASSWORD MANAGER:PASSWORD IDLE:PASSWORD
// (tasks_page_test.sh gives the tasks the titles used here.)
import { chromium } from 'playwright-core';

const [url, dir, ...logins] = process.argv.slice(2);
const [staff, manager, idle] = logins.map((s) => ({ user: s.slice(0, s.indexOf(':')), password: s.slice(s.indexOf(':') + 1) }));
const problems = [];
const fail = (what) => problems.push(what);
const TITLES = {
  overdue: 'Call back about the quote', early: 'Open the showroom', today: 'Send the brochure', later: 'Confirm the fitting',
  next: 'Visit the showroom', ring: 'Ring the fleet manager', other: 'Reza: order the parts', manager: 'Review the branch targets',
};
const PERSIAN_MONTHS = ['فروردین', 'اردیبهشت', 'خرداد', 'تیر', 'مرداد', 'شهریور', 'مهر', 'آبان', 'آذر', 'دی', 'بهمن', 'اسفند'];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });

// Signs in and opens #/tasks; clockAt: the page's clock starts there and moves only when told.
async function signIn(who, clockAt) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(5000); // a missing element fails in seconds, not half a minute
  const page = await context.newPage();
  if (clockAt) await page.clock.install({ time: clockAt }); // the page's clock, moved on by the test
  await page.goto(url + '/');
  await page.fill('#user', who.user);
  await page.fill('#password', who.password);
  await Promise.all([page.waitForURL(url + '/'), page.click('#signin')]);
  // from here on the page is the one under test (a refused inline script or style is a console error)
  page.on('pageerror', (e) => fail('script error on the page: ' + e.message));
  // (a script of another part of the page that is not there yet, e.g. /assets/import.js while
  // it is written, is not this test's to judge; common.js and tasks.js are)
  const notYetThere = (text) => /^Failed to load resource/.test(text) || /assets\/(?!common\.js|tasks\.js)[\w.-]+'? because its MIME type/.test(text);
  page.on('console', (m) => { if (m.type() === 'error' && !notYetThere(m.text())) fail('console error: ' + m.text()); });
  await page.goto(url + '/#/tasks');
  await page.getByRole('heading', { name: 'My tasks' }).waitFor({ timeout: 10000 });
  return { context, page };
}

const tasksView = (page) => page.locator('#view-tasks');
const row = (page, title) => tasksView(page).locator('tr', { hasText: title });
async function waitLoaded(page) {
  await page.waitForFunction(() => { const b = document.querySelector('#view-tasks .tk-body'); return b && !b.hasAttribute('aria-busy'); }, null, { timeout: 10000 });
}

try {
  // ---- staff: the list ----
  const { page } = await signIn(staff);
  await waitLoaded(page);
  await row(page, TITLES.overdue).waitFor({ timeout: 10000 }).catch(() => fail('the overdue task is not in my tasks'));
  const tables = await tasksView(page).locator('table caption').allTextContents();
  if (tables.join('|') !== 'Overdue|Today|Next 7 days') fail('the groups are not overdue, today, next 7 days in that order: ' + tables.join('|'));
  const late = row(page, TITLES.overdue);
  if (!(await late.textContent()).includes('overdue')) fail('the overdue task does not say "overdue" (colour alone)');
  if (!(await late.evaluate((tr) => tr.closest('table').querySelector('caption').textContent)).startsWith('Overdue')) fail('the overdue task is not in the Overdue group');
  // due today at midnight: overdue by its time, though its day is today
  const early = row(page, TITLES.early);
  if (!(await early.count()) || !(await early.textContent()).includes('overdue') ||
      (await early.evaluate((tr) => tr.closest('table').querySelector('caption').textContent)) !== 'Overdue') fail('a task due today at a time that has passed is not overdue');
  const lateColour = await late.evaluate((tr) => getComputedStyle(tr).backgroundColor);
  const plainColour = await row(page, TITLES.next).evaluate((tr) => getComputedStyle(tr).backgroundColor);
  if (lateColour === plainColour) fail('the overdue row is not highlighted');
  const todayRow = row(page, TITLES.today);
  const todayDue = await todayRow.locator('td.tk-when').textContent();
  if (!/ 23:59$/.test(todayDue)) fail("today's task does not show its due time: " + todayDue);
  if ((await row(page, TITLES.other).count()) !== 0) fail("another user's task is in my tasks");
  if ((await row(page, 'Plan next quarter').count()) !== 0) fail('a task three weeks away is in the next 7 days');
  const link = late.getByRole('link', { name: 'Parisa Karimi' });
  await link.waitFor({ timeout: 5000 }).catch(() => fail("the task's row does not name its customer as a link"));
  if ((await link.count()) && !/^#\/customer\/[0-9a-f]{32}$/.test(await link.getAttribute('href'))) fail('the customer link is not #/customer/ID: ' + (await link.getAttribute('href')));

  // ---- reminders ----
  const reminders = page.locator('#reminders');
  const banner = reminders.getByRole('group', { name: 'Reminder: ' + TITLES.today });
  await banner.waitFor({ timeout: 5000 }).catch(() => fail('no reminder for the task whose reminder time has come'));
  const ring = reminders.getByRole('group', { name: 'Reminder: ' + TITLES.ring });
  await ring.waitFor({ timeout: 5000 }).catch(() => fail('no reminder for the task due tomorrow with a reminder a week ahead'));
  const shown = await reminders.locator('[data-id]').count();
  if (shown !== 2) fail('reminders shown: ' + (await reminders.textContent()) + ' (only the two that are due should be)');
  if ((await banner.count()) && !(await banner.textContent()).includes('23:59')) fail('the reminder does not say when the task is due');
  await page.screenshot({ path: dir + '/tasks-list-en.png', fullPage: true });
  if (await ring.count()) { // Open goes to the task's customer, and the reminder is gone
    await ring.getByRole('button', { name: 'Open' }).click();
    await page.waitForFunction(() => /^#\/customer\/[0-9a-f]{32}$/.test(location.hash), null, { timeout: 5000 }).catch(() => fail("Open does not go to the task's customer"));
    if ((await ring.count()) !== 0) fail('an opened reminder stays');
    await page.goBack();
    await waitLoaded(page);
  }
  if (await banner.count()) {
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    if ((await banner.count()) !== 0) fail('Dismiss leaves the reminder');
    await page.reload();
    await waitLoaded(page);
    await page.waitForTimeout(500); // the first check runs as the page starts
    if ((await reminders.locator('[data-id]').count()) !== 0) fail('a dismissed reminder comes back after a reload');
  }

  // ---- Done ----
  await late.getByRole('button', { name: 'Done' }).click();
  await late.waitFor({ state: 'detached', timeout: 5000 }).catch(() => fail('a task marked done stays in the list'));
  await page.getByRole('status').filter({ hasText: 'Marked done: ' + TITLES.overdue }).waitFor({ timeout: 5000 }).catch(() => fail('marking done says nothing'));

  // ---- the calendar, English: weeks from Monday, Tab and Enter ----
  await tasksView(page).getByRole('button', { name: 'Month' }).click();
  await waitLoaded(page);
  const grid = tasksView(page).getByRole('table', { name: /Calendar of my tasks/ });
  await grid.waitFor({ timeout: 5000 });
  const headsEn = await grid.locator('thead th').allTextContents();
  if (headsEn[0] !== 'Monday' || headsEn.length !== 7) fail('the English month does not start its weeks on Monday: ' + headsEn.join(','));
  const todayIso = await page.evaluate(() => { const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); });
  const todayCell = grid.locator(`td[data-date="${todayIso}"]`);
  if ((await todayCell.getAttribute('aria-current')) !== 'date') fail('today is not marked in the month');
  const entry = todayCell.getByRole('link', { name: new RegExp(TITLES.today) });
  if (!(await entry.count())) fail("today's task is not on today in the month: " + (await todayCell.textContent()));
  else if (!(await entry.textContent()).startsWith('23:59')) fail('the calendar does not show the time: ' + (await entry.textContent()));
  const titleBefore = await grid.locator('caption').textContent();
  const monthEn = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric' }).format(new Date());
  if (titleBefore !== monthEn) fail('the month is titled ' + titleBefore + ', not ' + monthEn);
  await page.screenshot({ path: dir + '/tasks-month-en.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' }); // to look at: legible on a dark background too
  await page.screenshot({ path: dir + '/tasks-month-en-dark.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  // by keyboard: Tab to Next, Enter; the title moves a month on
  const next = tasksView(page).getByRole('button', { name: 'Next' });
  await tasksView(page).getByRole('button', { name: 'Month' }).focus();
  let reached = false;
  for (let i = 0; i < 6 && !reached; i++) { await page.keyboard.press('Tab'); reached = await next.evaluate((b) => b === document.activeElement); }
  if (!reached) fail('Tab does not reach Next');
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => { const c = document.querySelector('#view-tasks table caption'); return c && c.textContent !== t; }, titleBefore, { timeout: 5000 })
    .catch(() => fail('Enter on Next does not show the next month'));
  await waitLoaded(page);
  await tasksView(page).getByRole('button', { name: 'Today' }).press('Enter');
  await page.waitForFunction((t) => { const c = document.querySelector('#view-tasks table caption'); return c && c.textContent === t; }, titleBefore, { timeout: 5000 })
    .catch(() => fail('Today does not come back to this month'));
  await waitLoaded(page);
  // a task in the calendar opens its customer
  await grid.locator(`td[data-date="${todayIso}"]`).getByRole('link', { name: new RegExp(TITLES.today) }).click();
  await page.waitForFunction(() => /^#\/customer\/[0-9a-f]{32}$/.test(location.hash), null, { timeout: 5000 }).catch(() => fail('a task in the calendar does not open its customer'));
  await page.goBack();
  // back on the month (its redraw may start a moment after the URL changes)
  await page.waitForFunction(() => location.hash.startsWith('#/tasks/month/') && !document.getElementById('view-tasks').hidden, null, { timeout: 5000 })
    .catch(() => fail('Back does not return to the month'));
  await page.waitForTimeout(200);
  await waitLoaded(page);
  // the week: seven days from Monday; a day without tasks says so
  await tasksView(page).getByRole('button', { name: 'Week' }).click();
  await page.waitForFunction(() => location.hash.startsWith('#/tasks/week/'), null, { timeout: 5000 }).catch(() => fail('Week does not show the week'));
  await page.waitForTimeout(200);
  await waitLoaded(page);
  const week = await tasksView(page).locator('table td').evaluateAll((tds) => tds.map((td) => td.dataset.date));
  if (week.length !== 7 || new Date(week[0] + 'T00:00:00Z').getUTCDay() !== 1 || !week.includes(todayIso)) fail('the week is not this week from Monday: ' + week.join(','));
  await page.goto(url + '/#/tasks/day/2001-01-01');
  await waitLoaded(page);
  if (!(await tasksView(page).textContent()).includes('No tasks in this period.')) fail('a day without tasks does not say so');

  // ---- Persian: the Solar Hijri month ----
  await page.goto(url + '/#/tasks/month/' + todayIso);
  await waitLoaded(page);
  await page.getByLabel('Language').selectOption('fa');
  await page.getByRole('heading', { name: 'کارهای من' }).waitFor({ timeout: 5000 }).catch(() => fail('the view is not redrawn in Persian'));
  await waitLoaded(page);
  const gridFa = tasksView(page).getByRole('table', { name: /تقویم کارهای من/ });
  await gridFa.waitFor({ timeout: 5000 }).catch(() => fail('no Persian calendar'));
  const titleFa = await gridFa.locator('caption').textContent();
  const m = /^(\S+) ([۰-۹]{4})$/.exec(titleFa);
  if (!m || !PERSIAN_MONTHS.includes(m[1])) fail('the Persian month title is not a Solar Hijri month with Persian digits: ' + titleFa);
  const headsFa = await gridFa.locator('thead th').allTextContents();
  if (headsFa[0] !== 'شنبه') fail('the Persian week does not start on Saturday: ' + headsFa.join('،'));
  // the days of the month shown are exactly the days of this Solar Hijri month
  const cells = await gridFa.locator('td').evaluateAll((tds) => tds.map((td) => ({ date: td.dataset.date, outside: td.classList.contains('tk-outside'), num: td.querySelector('.tk-daynum').textContent })));
  const persianOf = (iso) => Object.fromEntries(new Intl.DateTimeFormat('fa-IR-u-ca-persian-nu-latn', { year: 'numeric', month: 'numeric', day: 'numeric', timeZone: 'UTC' })
    .formatToParts(new Date(iso + 'T00:00:00Z')).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
  const thisMonth = persianOf(todayIso);
  const inside = cells.filter((c) => !c.outside);
  const wrong = inside.filter((c) => persianOf(c.date).month !== thisMonth.month).concat(cells.filter((c) => c.outside && persianOf(c.date).month === thisMonth.month));
  if (wrong.length) fail('cells of the Persian month are not the days of ' + titleFa + ': ' + wrong.map((c) => c.date).join(','));
  if (!inside.length || persianOf(inside[0].date).day !== 1 || inside[0].num !== '۱') fail('the Persian month does not begin with its day ۱: ' + JSON.stringify(inside[0]));
  if (new Date(cells[0].date + 'T00:00:00Z').getUTCDay() !== 6) fail('the first cell of the Persian month is not a Saturday: ' + cells[0].date);
  if (!(await gridFa.locator(`td[data-date="${todayIso}"]`).textContent()).includes('۲۳:۵۹')) fail('the time is not in Persian digits in the Persian calendar');
  await page.screenshot({ path: dir + '/tasks-month-fa.png', fullPage: true });
  await tasksView(page).getByRole('button', { name: 'فهرست' }).click();
  await waitLoaded(page);
  const captionsFa = await tasksView(page).locator('table caption').allTextContents();
  if (captionsFa.join('|') !== 'عقب‌افتاده|امروز|۷ روز آینده') fail('the Persian groups are not overdue, today, next 7 days: ' + captionsFa.join('|'));
  if ((await row(page, TITLES.overdue).count()) !== 0) fail('the task marked done is back in the list');
  const dueFa = await row(page, TITLES.next).locator('td.tk-when').textContent();
  if (!/[۰-۹]/.test(dueFa) || /[0-9]/.test(dueFa) || !PERSIAN_MONTHS.some((x) => dueFa.includes(x))) fail('a due date in Persian is not Solar Hijri with Persian digits: ' + dueFa);
  await page.screenshot({ path: dir + '/tasks-list-fa.png', fullPage: true });

  // ---- Chinese: the words, and weeks from Monday ----
  await page.goto(url + '/#/tasks/week/' + todayIso);
  await waitLoaded(page);
  await page.locator('#lang').selectOption('zh'); // its label is in Persian now (or still English on the stand-in)
  await page.getByRole('heading', { name: '我的任务' }).waitFor({ timeout: 5000 }).catch(() => fail('the view is not redrawn in Chinese'));
  await waitLoaded(page);
  const headsZh = await tasksView(page).locator('thead th').allTextContents();
  if (headsZh[0] !== '星期一') fail('the Chinese week does not start on Monday: ' + headsZh.join(','));
  for (const name of ['列表', '日', '周', '月', '上一个', '今天', '下一个']) {
    if (!(await tasksView(page).getByRole('button', { name, exact: true }).count())) fail('no Chinese button ' + name);
  }
  await page.locator('#lang').selectOption('en');

  // ---- a reminder that falls due while the page is open (the page's clock moved on) ----
  const evening = await signIn(staff, new Date(todayIso + 'T23:57:30'));
  await waitLoaded(evening.page);
  const fitting = evening.page.locator('#reminders').getByRole('group', { name: 'Reminder: ' + TITLES.later });
  await evening.page.locator('#reminders').getByRole('group', { name: 'Reminder: ' + TITLES.today }).waitFor()
    .catch(() => fail('at 23:57 the reminder due since yesterday is not shown'));
  if (await fitting.count()) fail('a reminder shows before its time (due 23:59, reminded at the due time)');
  await evening.page.clock.runFor(125000); // 23:59:35: the check of every minute has run at 23:59:30
  await fitting.waitFor().catch(() => fail('a reminder whose time comes while the page is open does not show'));
  await evening.context.close();

  // ---- a manager: their own tasks, no Done button ----
  const boss = await signIn(manager);
  await waitLoaded(boss.page);
  await row(boss.page, TITLES.manager).waitFor({ timeout: 5000 }).catch(() => fail("the manager's own task is not listed"));
  if ((await tasksView(boss.page).getByRole('button', { name: 'Done' }).count()) !== 0) fail('a manager sees a Done button');
  await boss.context.close();

  // ---- nothing due: the empty state ----
  const free = await signIn(idle);
  await waitLoaded(free.page);
  if (!(await tasksView(free.page).textContent()).includes('Nothing due — enjoy your day.')) fail('someone with nothing due does not see the empty state');
  await free.context.close();
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.log('# ' + p);
  process.exit(1);
}
console.log('# my tasks in Chromium: only mine, overdue first and saying so, the due reminder shown and dismissed for good, a task done, the month from Monday in English and the Solar Hijri month from Saturday in Persian, no Done for a manager, the empty state; screenshots in ' + dir);
