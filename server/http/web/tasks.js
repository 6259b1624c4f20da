'use strict';
// The branch app's tasks (issue 15, item 4): "My tasks" (the signed-in user's only: overdue
// first, then today's, then the next 7 days), a calendar of them by day, week or month (Solar
// Hijri, weeks from Saturday, when Persian is chosen) and the reminders that show in the page
// when a task falls due. Fills #view-tasks and #reminders; built on common.js (global A).
// URLs: #/tasks (the list), #/tasks/day|week|month/YYYY-MM-DD (the calendar around that day).
//
// Dates are calendar days, 'YYYY-MM-DD', handled as UTC midnights and formatted with
// timeZone UTC, so no time zone or summer time can move a task to another day. A task's due
// moment (due + due_time, else 09:00) is the branch's wall time, which is the browser's.
(() => {
  A.strings({
    en: {tk_heading: 'My tasks', tk_views: 'Show', tk_list: 'List', tk_day: 'Day', tk_week: 'Week', tk_month: 'Month',
         tk_move: 'Period', tk_prev: 'Previous', tk_today: 'Today', tk_next: 'Next',
         tk_overdue_h: 'Overdue', tk_today_h: 'Today', tk_upcoming_h: 'Next 7 days', tk_overdue: 'overdue', tk_isdone: 'done',
         tk_task: 'Task', tk_customer: 'Customer', tk_due: 'Due', tk_action: 'Action', tk_done: 'Done',
         tk_empty: 'Nothing due — enjoy your day.', tk_cal_empty: 'No tasks in this period.', tk_loading: 'Loading…',
         tk_failed: 'Could not load the tasks: {0}. Check the connection and reload the page.',
         tk_donefailed: 'Could not mark “{0}” done: {1}', tk_marked: 'Marked done: {0}',
         tk_more: 'Not every task is shown here (more than one page): mark some done, or look at a shorter period.',
         tk_reminder: 'Reminder: {0}', tk_due_at: 'due {0}', tk_open: 'Open', tk_dismiss: 'Dismiss',
         tk_calendar: 'Calendar of my tasks'},
    fa: {tk_heading: 'کارهای من', tk_views: 'نمایش', tk_list: 'فهرست', tk_day: 'روز', tk_week: 'هفته', tk_month: 'ماه',
         tk_move: 'بازه', tk_prev: 'قبلی', tk_today: 'امروز', tk_next: 'بعدی',
         tk_overdue_h: 'عقب‌افتاده', tk_today_h: 'امروز', tk_upcoming_h: '۷ روز آینده', tk_overdue: 'عقب‌افتاده', tk_isdone: 'انجام‌شده',
         tk_task: 'کار', tk_customer: 'مشتری', tk_due: 'موعد', tk_action: 'اقدام', tk_done: 'انجام شد',
         tk_empty: 'کاری سررسید نشده — روز خوبی داشته باشید.', tk_cal_empty: 'در این بازه کاری نیست.', tk_loading: 'در حال بارگذاری…',
         tk_failed: 'کارها بارگذاری نشدند: {0}. اتصال را بررسی و صفحه را دوباره باز کنید.',
         tk_donefailed: '«{0}» انجام‌شده ثبت نشد: {1}', tk_marked: 'انجام شد: {0}',
         tk_more: 'همهٔ کارها این‌جا نیامده‌اند (بیش از یک صفحه): چند کار را انجام‌شده بزنید یا بازهٔ کوتاه‌تری ببینید.',
         tk_reminder: 'یادآوری: {0}', tk_due_at: 'موعد {0}', tk_open: 'باز کردن', tk_dismiss: 'بستن',
         tk_calendar: 'تقویم کارهای من'},
    zh: {tk_heading: '我的任务', tk_views: '显示', tk_list: '列表', tk_day: '日', tk_week: '周', tk_month: '月',
         tk_move: '时间段', tk_prev: '上一个', tk_today: '今天', tk_next: '下一个',
         tk_overdue_h: '逾期', tk_today_h: '今天', tk_upcoming_h: '未来7天', tk_overdue: '逾期', tk_isdone: '已完成',
         tk_task: '任务', tk_customer: '客户', tk_due: '到期', tk_action: '操作', tk_done: '完成',
         tk_empty: '没有到期的任务——祝您愉快。', tk_cal_empty: '这段时间没有任务。', tk_loading: '正在加载…',
         tk_failed: '无法加载任务：{0}。请检查连接并重新加载页面。',
         tk_donefailed: '无法将“{0}”标为完成：{1}', tk_marked: '已完成：{0}',
         tk_more: '此处未显示全部任务（超过一页）：请先完成一些，或查看更短的时间段。',
         tk_reminder: '提醒：{0}', tk_due_at: '{0} 到期', tk_open: '打开', tk_dismiss: '关闭',
         tk_calendar: '我的任务日历'},
  });

  const DAY_MS = 86400000;
  const UPCOMING_DAYS = 7;
  const DEFAULT_TIME = '09:00'; // the due moment of a task without a time, for reminders and overdue
  const REMINDER_EVERY_MS = 60000;
  const MAX_PAGES = 10; // pages of 1,000 read for one list; past that the page says not all are shown
  const MAX_DISMISSED = 500;
  const REMINDER_MAX_DAYS = 7; // a reminder is at most 10,080 minutes ahead (the task schema's bound)

  // ---- calendar days ----
  const utc = (iso) => new Date(iso + 'T00:00:00Z');
  const isoOf = (d) => d.toISOString().slice(0, 10);
  const addDays = (iso, n) => isoOf(new Date(utc(iso).getTime() + n * DAY_MS));
  const pad2 = (n) => String(n).padStart(2, '0');
  const todayIso = () => { const d = new Date(); return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()); };
  const validIso = (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && isoOf(utc(s)) === s;
  const fmt = (opts) => A.dateFormat(Object.assign({timeZone: 'UTC'}, opts));
  const persian = () => A.lang === 'fa';
  // the first day of a week: Saturday in Persian, Monday in English (GB) and Chinese
  const weekFirstDay = () => (persian() ? 6 : 1);
  const weekStart = (iso) => addDays(iso, -((utc(iso).getUTCDay() - weekFirstDay() + 7) % 7));

  // {year, month, day} of a day in the calendar shown: Solar Hijri in Persian, else Gregorian
  const PERSIAN_PARTS = new Intl.DateTimeFormat('fa-IR-u-ca-persian-nu-latn', {year: 'numeric', month: 'numeric', day: 'numeric', timeZone: 'UTC'});
  function calendarParts(iso) {
    if (!persian()) { const [year, month, day] = iso.split('-').map(Number); return {year, month, day}; }
    const p = {};
    for (const part of PERSIAN_PARTS.formatToParts(utc(iso))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return {year: p.year, month: p.month, day: p.day};
  }
  // The days of the month of iso, first to last, in the calendar shown. A Persian month does
  // not start or end with a Gregorian one: step back to its day 1, then walk day by day until
  // the month changes.
  function monthDays(iso) {
    const first = addDays(iso, 1 - calendarParts(iso).day);
    const month = calendarParts(first).month, days = [];
    for (let d = first; calendarParts(d).month === month; d = addDays(d, 1)) days.push(d);
    return days;
  }
  // the day a month, a week or a day away from iso (Previous / Next); a month away keeps the
  // day of the month where that month has it, else takes its last day
  function stepFrom(mode, iso, dir) {
    if (mode === 'day') return addDays(iso, dir);
    if (mode === 'week') return addDays(iso, 7 * dir);
    const days = monthDays(iso), day = calendarParts(iso).day;
    const other = monthDays(dir < 0 ? addDays(days[0], -1) : addDays(days[days.length - 1], 1));
    return other[Math.min(day, other.length) - 1];
  }
  function monthTitle(iso) {
    if (!persian()) return fmt({month: 'long', year: 'numeric'}).format(utc(iso));
    const p = {}; // "آذر ۱۴۰۵": month then year, whatever order the locale's pattern has
    for (const part of fmt({month: 'long', year: 'numeric'}).formatToParts(utc(iso))) p[part.type] = part.value;
    return p.month + ' ' + p.year;
  }
  const time = (hhmm) => (hhmm ? A.localDigits(hhmm) : '');
  const dueText = (x) => A.date(x.due) + (x.due_time ? ' ' + time(x.due_time) : '');
  // the due moment in the branch's (the browser's) wall time
  function dueMoment(x) {
    const [y, m, d] = x.due.split('-').map(Number);
    const [hh, mm] = (x.due_time || DEFAULT_TIME).split(':').map(Number);
    return new Date(y, m - 1, d, hh, mm);
  }
  // overdue: past its time when it has one, else past its day
  const isOverdue = (x, now, today) => !x.done && validIso(x.due) && (x.due_time ? dueMoment(x) < now : x.due < today);
  const byDue = (a, b) => (a.due + (a.due_time || '')).localeCompare(b.due + (b.due_time || '')) || String(a.title).localeCompare(String(b.title));

  // ---- the node ----
  const me = () => (A.session ? A.session.user : '');
  // Tasks of the signed-in user matching args, every page (at most MAX_PAGES). The node filters
  // by assignee; the check here keeps the page right with a node that does not know the filter.
  async function myTaskRecords(args) {
    let all = [], after, more = false;
    for (let page = 0; page < MAX_PAGES; page++) {
      const got = await A.items('list', Object.assign({kind: 'task', assignee: me(), after}, args));
      all = all.concat(got);
      more = got.more && !!got.next;
      if (!more) break;
      after = got.next;
    }
    return Object.assign(all.filter((x) => x.assignee === me() && validIso(x.due)), {more});
  }
  const customerNames = new Map(); // id -> Promise of the customer's name, or null; emptied at each draw
  function customerName(id) {
    if (!customerNames.has(id)) customerNames.set(id, A.call('get', {kind: 'customer', id}).then((c) => (c && c.kind === 'customer' && c.name) || null, () => null));
    return customerNames.get(id);
  }
  // a link to the task's customer, its text the name once known; nothing for a task of none
  function customerLink(x) {
    if (!x.related) return A.el('span', {class: 'tk-none'}, '—');
    const a = A.el('a', {href: '#/customer/' + encodeURIComponent(x.related), dir: 'auto'}, '…');
    customerName(x.related).then((name) => {
      if (name) a.textContent = name;
      else a.replaceWith(A.el('span', {class: 'tk-none'}, '—'));
    });
    return a;
  }

  // ---- the view ----
  let box = null, state = {mode: 'list', day: ''}, generation = 0;
  const status = () => box.querySelector('.tk-status');
  function say(text, isError) {
    const s = status();
    s.textContent = text;
    s.classList.toggle('tk-error', !!isError);
  }

  function toolbar() {
    const bar = A.el('div', {class: 'tk-toolbar'});
    const views = A.el('div', {role: 'group', 'aria-label': A.t('tk_views'), class: 'tk-group'});
    for (const mode of ['list', 'day', 'week', 'month']) {
      const b = A.el('button', {type: 'button', 'data-key': mode, 'aria-pressed': String(state.mode === mode)}, A.t('tk_' + mode));
      b.addEventListener('click', () => A.go(mode === 'list' ? '#/tasks' : '#/tasks/' + mode + '/' + (state.day || todayIso())));
      views.appendChild(b);
    }
    bar.appendChild(views);
    if (state.mode !== 'list') {
      const move = A.el('div', {role: 'group', 'aria-label': A.t('tk_move'), class: 'tk-group'});
      const steps = [['tk_prev', () => stepFrom(state.mode, state.day, -1)], ['tk_today', todayIso], ['tk_next', () => stepFrom(state.mode, state.day, 1)]];
      for (const [key, to] of steps) {
        const b = A.el('button', {type: 'button', 'data-key': key}, A.t(key));
        // arrows point the way the page reads: back is to the right in Persian (the arrow is
        // chosen here and kept left to right, since browsers differ on mirroring it)
        const back = persian() ? '›' : '‹', on = persian() ? '‹' : '›';
        if (key === 'tk_prev') b.prepend(A.el('span', {class: 'tk-arrow', dir: 'ltr', 'aria-hidden': 'true'}, back));
        if (key === 'tk_next') b.append(A.el('span', {class: 'tk-arrow', dir: 'ltr', 'aria-hidden': 'true'}, on));
        b.addEventListener('click', () => A.go('#/tasks/' + state.mode + '/' + to()));
        move.appendChild(b);
      }
      bar.appendChild(move);
    }
    return bar;
  }

  // The heading, the toolbar and the body are drawn anew each time; the status line and the
  // announcer stay, so that a screen reader hears what they say (a live region that is new
  // is not read), and a person on a button of the toolbar stays on it.
  function frame() {
    const focused = box.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
    let s = box.querySelector('.tk-status'), heard = box.querySelector('.tk-announce');
    if (!s) {
      s = A.el('p', {class: 'tk-status', role: 'status', tabindex: '-1'});
      heard = A.el('p', {class: 'tk-announce tk-sr', 'aria-live': 'polite'});
    }
    box.textContent = '';
    box.append(A.el('h2', {id: 'h-tasks'}, A.t('tk_heading')), toolbar(), s, heard);
    s.textContent = '';
    s.classList.remove('tk-error');
    const body = box.appendChild(A.el('div', {class: 'tk-body', 'aria-busy': 'true'}));
    body.appendChild(A.el('p', {class: 'tk-loading'}, A.t('tk_loading')));
    const again = focused && box.querySelector('[data-key="' + focused + '"]');
    if (again) again.focus();
    return body;
  }

  async function markDone(x, button) {
    button.disabled = true;
    try {
      await A.call('update', {kind: 'task', id: x.id, done: 'yes'}, true);
      await draw();
      say(A.t('tk_marked', x.title));
      status().focus(); // the row and its button are gone: say where the person is
      checkReminders();
    } catch (e) {
      button.disabled = false;
      say(A.t('tk_donefailed', x.title, e.message), true);
    }
  }

  function taskTable(captionKey, rows, late) {
    const table = A.el('table', {class: 'tk-table' + (late ? ' tk-late' : '')});
    table.appendChild(A.el('caption', {}, A.t(captionKey)));
    const head = table.appendChild(A.el('thead')).appendChild(A.el('tr'));
    for (const k of ['tk_task', 'tk_customer', 'tk_due']) head.appendChild(A.el('th', {scope: 'col'}, A.t(k)));
    if (A.canWrite) head.appendChild(A.el('th', {scope: 'col'}, A.t('tk_action')));
    const body = table.appendChild(A.el('tbody'));
    for (const x of rows) {
      const tr = body.appendChild(A.el('tr', {'data-id': x.id, class: late ? 'tk-overdue' : undefined}));
      const title = tr.appendChild(A.el('th', {scope: 'row'}));
      title.appendChild(A.el('bdi', {}, x.title || ''));
      if (late) title.appendChild(A.el('span', {class: 'tk-flag'}, A.t('tk_overdue')));
      tr.appendChild(A.el('td')).appendChild(customerLink(x));
      tr.appendChild(A.el('td', {class: 'tk-when'}, dueText(x)));
      if (A.canWrite) {
        const b = A.el('button', {type: 'button'}, A.t('tk_done'));
        b.addEventListener('click', () => markDone(x, b));
        tr.appendChild(A.el('td')).appendChild(b);
      }
    }
    return table;
  }

  async function drawList(body, isCurrent) {
    const today = todayIso(), now = new Date(), last = addDays(today, UPCOMING_DAYS);
    const pages = await Promise.all([
      myTaskRecords({overdue: true}),
      myTaskRecords({open: true, due_from: today, due_to: last}),
    ]);
    if (!isCurrent()) return;
    const seen = new Map();
    for (const x of pages[0].concat(pages[1])) if (!x.done) seen.set(x.id, x);
    const tasks = [...seen.values()].sort(byDue);
    const late = tasks.filter((x) => isOverdue(x, now, today));
    const due = tasks.filter((x) => !late.includes(x) && x.due === today);
    const soon = tasks.filter((x) => x.due > today && x.due <= last);
    body.textContent = '';
    if (pages[0].more || pages[1].more) body.appendChild(A.el('p', {class: 'tk-more'}, A.t('tk_more')));
    if (!late.length && !due.length && !soon.length) body.appendChild(A.el('p', {class: 'tk-empty'}, A.t('tk_empty')));
    if (late.length) body.appendChild(taskTable('tk_overdue_h', late, true));
    if (due.length) body.appendChild(taskTable('tk_today_h', due, false));
    if (soon.length) body.appendChild(taskTable('tk_upcoming_h', soon, false));
  }

  // the days the calendar shows: one, a week, or the month's whole weeks
  function calendarDays(mode, iso) {
    if (mode === 'day') return [iso];
    const from = weekStart(mode === 'week' ? iso : monthDays(iso)[0]);
    const to = mode === 'week' ? addDays(from, 6) : addDays(weekStart(monthDays(iso).slice(-1)[0]), 6);
    const days = [];
    for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
    return days;
  }
  function periodTitle(mode, days) {
    if (mode === 'month') return monthTitle(state.day);
    if (mode === 'day') return fmt({dateStyle: 'full'}).format(utc(days[0]));
    return fmt({dateStyle: 'medium'}).formatRange(utc(days[0]), utc(days[days.length - 1]));
  }

  function taskEntry(x, now, today) {
    const li = A.el('li', {'data-id': x.id, class: x.done ? 'tk-done' : isOverdue(x, now, today) ? 'tk-overdue' : undefined});
    const target = x.related ? A.el('a', {href: '#/customer/' + encodeURIComponent(x.related)}) : A.el('span');
    if (x.related) { // related may be a deal or another record: then there is no customer to open
      customerName(x.related).then((name) => {
        if (name) return;
        const text = A.el('span');
        text.append(...target.childNodes);
        target.replaceWith(text);
      });
    }
    if (x.due_time) target.appendChild(A.el('time', {class: 'tk-time', datetime: x.due_time}, time(x.due_time)));
    target.appendChild(A.el('bdi', {}, x.title || ''));
    if (x.done) target.appendChild(A.el('span', {class: 'tk-flag'}, A.t('tk_isdone')));
    else if (isOverdue(x, now, today)) target.appendChild(A.el('span', {class: 'tk-flag'}, A.t('tk_overdue')));
    li.appendChild(target);
    return li;
  }

  async function drawCalendar(body, isCurrent) {
    const mode = state.mode, days = calendarDays(mode, state.day);
    const title = periodTitle(mode, days);
    box.querySelector('.tk-announce').textContent = title;
    const tasks = await myTaskRecords({due_from: days[0], due_to: days[days.length - 1]});
    if (!isCurrent()) return;
    const onDay = new Map(days.map((d) => [d, []]));
    for (const x of tasks.sort(byDue)) if (onDay.has(x.due)) onDay.get(x.due).push(x);
    const today = todayIso(), now = new Date(), inMonth = new Set(mode === 'month' ? monthDays(state.day) : days);
    const columns = Math.min(days.length, 7);
    const table = A.el('table', {class: 'tk-calendar tk-' + mode, 'aria-label': A.t('tk_calendar') + ': ' + title});
    table.appendChild(A.el('caption', {}, title));
    const head = table.appendChild(A.el('thead')).appendChild(A.el('tr'));
    for (let i = 0; i < columns; i++) head.appendChild(A.el('th', {scope: 'col'}, fmt({weekday: 'long'}).format(utc(days[i]))));
    const tbody = table.appendChild(A.el('tbody'));
    let tr = null;
    days.forEach((d, i) => {
      if (i % columns === 0) tr = tbody.appendChild(A.el('tr'));
      const td = tr.appendChild(A.el('td', {'data-date': d, class: (inMonth.has(d) ? '' : 'tk-outside') + (d === today ? ' tk-is-today' : ''),
                                            'aria-current': d === today ? 'date' : undefined}));
      td.appendChild(A.el('span', {class: 'tk-daynum', 'aria-hidden': 'true'}, fmt({day: 'numeric'}).format(utc(d))));
      td.appendChild(A.el('span', {class: 'tk-sr'}, fmt({dateStyle: 'full'}).format(utc(d))));
      const list = onDay.get(d);
      if (list.length) {
        const ul = td.appendChild(A.el('ul'));
        for (const x of list) ul.appendChild(taskEntry(x, now, today));
      }
    });
    body.textContent = '';
    if (tasks.more) body.appendChild(A.el('p', {class: 'tk-more'}, A.t('tk_more')));
    if (!tasks.some((x) => onDay.has(x.due))) body.appendChild(A.el('p', {class: 'tk-empty'}, A.t('tk_cal_empty')));
    body.appendChild(table);
  }

  async function draw() {
    if (!box || !A.session) return;
    const mine = ++generation, isCurrent = () => mine === generation;
    customerNames.clear(); // a customer renamed since the last draw shows its new name
    const body = frame();
    try {
      await (state.mode === 'list' ? drawList(body, isCurrent) : drawCalendar(body, isCurrent));
    } catch (e) {
      if (isCurrent()) { body.textContent = ''; say(A.t('tk_failed', e.message), true); }
    }
    if (isCurrent()) body.removeAttribute('aria-busy');
  }

  A.view('tasks', {
    show(args) {
      box = document.getElementById('view-tasks');
      const [mode, day] = args || [];
      state = ['day', 'week', 'month'].includes(mode) ? {mode, day: validIso(day) ? day : todayIso()} : {mode: 'list', day: state.day};
      draw();
    },
  });

  // ---- reminders: a banner for each of my open tasks whose reminder time has come ----
  const shown = new Map(); // task id -> {task, banner}
  const dismissedKey = () => 'accord-reminders-dismissed:' + me();
  function dismissed() {
    try { const ids = JSON.parse(localStorage.getItem(dismissedKey()) || '[]'); return Array.isArray(ids) ? ids : []; } catch (e) { return []; }
  }
  function dismiss(id) {
    const ids = dismissed().filter((x) => x !== id).concat(id).slice(-MAX_DISMISSED);
    localStorage.setItem(dismissedKey(), JSON.stringify(ids));
    const s = shown.get(id);
    if (s) s.banner.remove();
    shown.delete(id);
  }
  const remindAt = (x) => new Date(dueMoment(x).getTime() - Number(x.reminder) * 60000);
  // a task without a reminder never pops up, however late it is: the list shows it as overdue
  const wantsReminder = (x) => !x.done && validIso(x.due) && Number.isInteger(x.reminder) && x.reminder >= 0;

  function banner(x) {
    const b = A.el('div', {class: 'tk-reminder', role: 'group', 'data-id': x.id, 'aria-label': A.t('tk_reminder', x.title || '')});
    const text = b.appendChild(A.el('p'));
    text.appendChild(A.el('strong', {}, A.t('tk_reminder', '')));
    text.appendChild(A.el('bdi', {}, x.title || ''));
    text.appendChild(A.el('span', {class: 'tk-when'}, ' — ' + A.t('tk_due_at', dueText(x))));
    const open = b.appendChild(A.el('button', {type: 'button'}, A.t('tk_open')));
    open.addEventListener('click', async () => { // the customer, else the task's day
      dismiss(x.id);
      const customer = x.related && (await customerName(x.related));
      A.go(customer ? '#/customer/' + encodeURIComponent(x.related) : '#/tasks/day/' + x.due);
    });
    const close = b.appendChild(A.el('button', {type: 'button'}, A.t('tk_dismiss')));
    close.addEventListener('click', () => dismiss(x.id));
    return b;
  }
  const region = () => document.getElementById('reminders'); // the page names it (data-t-label)
  let checking = false;
  async function checkReminders() {
    const r = region();
    if (!r || !A.session || checking) return;
    checking = true;
    try {
      const now = new Date(), gone = new Set(dismissed());
      // a task due later than the longest reminder (REMINDER_MAX_DAYS) cannot be reminded of yet
      const due = (await myTaskRecords({open: true, due_to: addDays(todayIso(), REMINDER_MAX_DAYS + 1)})).filter((x) => wantsReminder(x) && remindAt(x) <= now && !gone.has(x.id));
      const ids = new Set(due.map((x) => x.id));
      for (const [id, s] of shown) if (!ids.has(id)) { s.banner.remove(); shown.delete(id); } // done meanwhile
      for (const x of due.sort(byDue)) {
        if (shown.has(x.id)) continue; // shown once: redrawing it each minute would announce it again
        const b = banner(x);
        shown.set(x.id, {task: x, banner: b});
        r.appendChild(b);
      }
    } catch (e) {
      /* offline or signed out: the next check tries again; the sync indicator says why */
    } finally {
      checking = false;
    }
  }
  function redrawReminders() {
    for (const [id, s] of shown) { const b = banner(s.task); s.banner.replaceWith(b); shown.set(id, {task: s.task, banner: b}); }
  }

  A.onLanguage(() => {
    redrawReminders();
    if (box && !box.hidden) draw();
  });
  // start.js calls this once the session is known (A.start), before the first view is shown
  A.initTasks = async () => {
    checkReminders();
    setInterval(checkReminders, REMINDER_EVERY_MS);
  };
})();
