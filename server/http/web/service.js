'use strict';
// The branch app's service requests (issue 16): tickets as a list (filters, sort, pages) and as
// a board by status, the ticket beside them (its fields edited in place, a button for each
// status it may move to, its timeline from the node's history), the new-ticket form (from the
// tickets page, or from a customer's card with the customer preset) and the card's Service
// section. Fills #view-tickets; built on common.js (A) and branch.js (A.B.users, A.fillSelect,
// A.userOptions, A.reason, A.fieldLabel). The node sets sla_due and judges every status move:
// the page shows what the node kept and, for a move it refuses, the node's reason in the page's
// language. URLs: #/tickets (the list), #/tickets/board, #/ticket/ID (beside either).
(() => {
  A.strings({
    en: {servicenav: 'Service', sv_heading: 'Service requests', sv_show: 'Show', sv_list: 'List', sv_board: 'Board', sv_new: 'New ticket',
      f_subject: 'Subject', f_description: 'Description', f_priority: 'Priority', f_sla_due: 'SLA due', f_asset: 'Asset (VIN or plate)',
      f_product: 'Product', f_quote: 'Quote', f_order: 'Order', f_invoice: 'Invoice', f_status: 'Status', f_closed_at: 'Closed at',
      ts_inquiry: 'Inquiry', ts_quote: 'Quote', ts_order: 'Order', ts_assigned: 'Assigned', ts_approved: 'Approved', ts_invoiced: 'Invoiced',
      ts_closed: 'Closed', ts_cancelled: 'Cancelled', tp_low: 'Low', tp_normal: 'Normal', tp_high: 'High', tp_urgent: 'Urgent',
      sv_overdueonly: 'Overdue only', sv_openonly: 'Open only', sv_showcancelled: 'Show cancelled',
      sv_none: 'No tickets match. Clear the filters, or add a ticket.', sv_empty: 'No tickets yet — add the first one.',
      sv_nocolumn: 'No tickets', sv_count: 'Tickets: {0}', sv_boardmore: 'Only the first {0} are shown: filter by priority or assignee.',
      sv_moveto: 'Move to', sv_moved: '“{0}” moved to {1}.', sv_refused: '“{0}” cannot move to {1}: from {2} a ticket moves only to {3}.',
      sv_already: '“{0}” is {1} already; it moves to {2}.', sv_final: '“{0}” is {1}: it moves no further.',
      sv_moves: 'Change status', sv_movebtn: 'Move to {0}', sv_closebtn: 'Close the ticket', sv_cancelbtn: 'Cancel the ticket',
      sv_finalnote: 'This ticket is {0}: its status moves no further.', sv_timeline: 'Timeline', sv_opened: 'Opened as {0}',
      sv_statusmove: 'Status: {0} → {1}', sv_morehistory: 'Older changes are not shown.', sv_left: '{0} left', sv_late: 'overdue by {0}',
      sv_closedintime: 'closed within the SLA', sv_closedlate: 'closed after the SLA', sv_min: '{0} min', sv_h: '{0} h',
      sv_hmin: '{0} h {1} min', sv_d: '{0} d', sv_dh: '{0} d {1} h', sv_slahint: 'The SLA: within {0} hours of opening.',
      sv_needsubject: 'Say what it is about.', sv_needcustomer: 'Choose the customer: type part of a name or phone, then pick one.',
      sv_saved: 'Ticket saved. SLA due {0}.', sv_slanow: 'SLA due now {0}.', sv_nohits: 'Nothing found: type more, or less, of it.',
      sv_clear: 'Clear {0}', sv_typetosearch: 'Type two letters or more, then pick one.', sv_service: 'Service', sv_addticket: 'Add a ticket',
      sv_nocardtickets: 'No tickets yet — add a ticket.', sv_morecard: 'More tickets: see Service.', sv_failed: 'Could not load the tickets: {0}',
      sv_docfind: 'Type part of its title, or its id, then pick one.', sv_invfind: 'Type part of its number, or its id, then pick one.',
      sv_nodocs: 'This customer has no such document with those words: type its id.', sv_movehelp: 'Choose a state with the arrows, then press Enter.',
      sv_ambiguous: '{0}: «{1}» is the start of more than one id: type more digits.',
      sv_notid: '{0}: «{1}» is not an id: paste it whole, or type its first 4 digits or more.',
      sv_noid: '{0}: no record has the id «{1}».', sv_notkind: '{0}: that record is not a {2} (it is a {1}).'},
    fa: {servicenav: 'خدمات', sv_heading: 'درخواست‌های خدمات', sv_show: 'نمایش', sv_list: 'فهرست', sv_board: 'تابلو', sv_new: 'تیکت تازه',
      f_subject: 'موضوع', f_description: 'شرح', f_priority: 'اولویت', f_sla_due: 'مهلت پاسخ‌گویی', f_asset: 'دارایی (VIN یا پلاک)',
      f_product: 'کالا', f_quote: 'پیش‌فاکتور', f_order: 'سفارش', f_invoice: 'فاکتور', f_status: 'وضعیت', f_closed_at: 'زمان بستن',
      ts_inquiry: 'استعلام', ts_quote: 'پیش‌فاکتور', ts_order: 'سفارش', ts_assigned: 'ارجاع‌شده', ts_approved: 'تأییدشده', ts_invoiced: 'فاکتورشده',
      ts_closed: 'بسته‌شده', ts_cancelled: 'لغوشده', tp_low: 'کم', tp_normal: 'عادی', tp_high: 'زیاد', tp_urgent: 'فوری',
      sv_overdueonly: 'فقط عقب‌افتاده‌ها', sv_openonly: 'فقط باز', sv_showcancelled: 'نمایش لغوشده‌ها',
      sv_none: 'تیکتی با این فیلترها نیست. فیلترها را پاک کنید یا تیکت تازه بسازید.', sv_empty: 'هنوز تیکتی نیست — اولین را بسازید.',
      sv_nocolumn: 'تیکتی نیست', sv_count: '{0} تیکت', sv_boardmore: 'فقط {0} تیکت نخست نشان داده شده: بر اساس اولویت یا انجام‌دهنده فیلتر کنید.',
      sv_moveto: 'انتقال به', sv_moved: '«{0}» به «{1}» رفت.', sv_refused: '«{0}» نمی‌تواند به «{1}» برود: تیکتِ «{2}» فقط به {3} می‌رود.',
      sv_already: '«{0}» همین حالا «{1}» است؛ به {2} می‌رود.', sv_final: '«{0}» «{1}» است و دیگر جابه‌جا نمی‌شود.',
      sv_moves: 'تغییر وضعیت', sv_movebtn: 'انتقال به {0}', sv_closebtn: 'بستن تیکت', sv_cancelbtn: 'لغو تیکت',
      sv_finalnote: 'این تیکت «{0}» است و وضعیتش دیگر تغییر نمی‌کند.', sv_timeline: 'گاه‌شمار', sv_opened: 'ثبت شد با وضعیت «{0}»',
      sv_statusmove: 'وضعیت: {0} ← {1}', sv_morehistory: 'تغییرات قدیمی‌تر نشان داده نشده‌اند.', sv_left: '{0} مانده', sv_late: 'عقب‌افتاده، {0} از موعد گذشته',
      sv_closedintime: 'در مهلت بسته شد', sv_closedlate: 'پس از مهلت بسته شد', sv_min: '{0} دقیقه', sv_h: '{0} ساعت',
      sv_hmin: '{0} ساعت و {1} دقیقه', sv_d: '{0} روز', sv_dh: '{0} روز و {1} ساعت', sv_slahint: 'مهلت پاسخ‌گویی: {0} ساعت پس از ثبت.',
      sv_needsubject: 'موضوع را بنویسید.', sv_needcustomer: 'مشتری را انتخاب کنید: بخشی از نام یا تلفن را بنویسید و یکی را برگزینید.',
      sv_saved: 'تیکت ذخیره شد. مهلت پاسخ‌گویی: {0}.', sv_slanow: 'مهلت پاسخ‌گویی اکنون {0} است.', sv_nohits: 'چیزی پیدا نشد: بیشتر یا کمتر بنویسید.',
      sv_clear: 'پاک کردن {0}', sv_typetosearch: 'دست‌کم دو حرف بنویسید و یکی را برگزینید.', sv_service: 'خدمات', sv_addticket: 'افزودن تیکت',
      sv_nocardtickets: 'هنوز تیکتی نیست — یک تیکت بیفزایید.', sv_morecard: 'تیکت‌های بیشتری هست: بخش خدمات را ببینید.', sv_failed: 'تیکت‌ها بارگذاری نشدند: {0}',
      sv_docfind: 'بخشی از عنوان یا شناسهٔ آن را بنویسید و یکی را برگزینید.', sv_invfind: 'بخشی از شماره یا شناسهٔ آن را بنویسید و یکی را برگزینید.',
      sv_nodocs: 'این مشتری سندی با این واژه‌ها ندارد: شناسهٔ آن را بنویسید.', sv_movehelp: 'وضعیت را با کلیدهای جهت برگزینید، سپس Enter را بزنید.',
      sv_ambiguous: '{0}: «{1}» آغاز بیش از یک شناسه است؛ رقم‌های بیشتری بنویسید.',
      sv_notid: '{0}: «{1}» شناسه نیست؛ شناسه را کامل بچسبانید یا دست‌کم ۴ رقم نخست آن را بنویسید.',
      sv_noid: '{0}: رکوردی با شناسهٔ «{1}» نیست.', sv_notkind: '{0}: این رکورد {2} نیست ({1} است).'},
    zh: {servicenav: '服务', sv_heading: '服务请求', sv_show: '显示', sv_list: '列表', sv_board: '看板', sv_new: '新建工单',
      f_subject: '主题', f_description: '描述', f_priority: '优先级', f_sla_due: 'SLA 截止', f_asset: '资产（车架号或车牌）',
      f_product: '产品', f_quote: '报价单', f_order: '订单', f_invoice: '发票', f_status: '状态', f_closed_at: '关闭时间',
      ts_inquiry: '咨询', ts_quote: '报价', ts_order: '订单', ts_assigned: '已分派', ts_approved: '已批准', ts_invoiced: '已开票',
      ts_closed: '已关闭', ts_cancelled: '已取消', tp_low: '低', tp_normal: '普通', tp_high: '高', tp_urgent: '紧急',
      sv_overdueonly: '仅逾期', sv_openonly: '仅未关闭', sv_showcancelled: '显示已取消',
      sv_none: '没有符合的工单。请清除筛选或新建工单。', sv_empty: '还没有工单——新建第一个。',
      sv_nocolumn: '没有工单', sv_count: '工单：{0}', sv_boardmore: '只显示前{0}个：请按优先级或执行人筛选。',
      sv_moveto: '移至', sv_moved: '“{0}”已移至{1}。', sv_refused: '“{0}”不能移到“{1}”：处于“{2}”的工单只能移到{3}。',
      sv_already: '“{0}”已经是“{1}”；可以移到{2}。', sv_final: '“{0}”已是“{1}”，不能再移动。',
      sv_moves: '更改状态', sv_movebtn: '移至{0}', sv_closebtn: '关闭工单', sv_cancelbtn: '取消工单',
      sv_finalnote: '此工单已是“{0}”，状态不再变化。', sv_timeline: '时间线', sv_opened: '创建，状态为{0}',
      sv_statusmove: '状态：{0} → {1}', sv_morehistory: '更早的更改未显示。', sv_left: '剩余{0}', sv_late: '已逾期{0}',
      sv_closedintime: '在SLA内关闭', sv_closedlate: '超过SLA后关闭', sv_min: '{0}分钟', sv_h: '{0}小时',
      sv_hmin: '{0}小时{1}分钟', sv_d: '{0}天', sv_dh: '{0}天{1}小时', sv_slahint: 'SLA：创建后{0}小时内。',
      sv_needsubject: '请填写主题。', sv_needcustomer: '请选择客户：输入姓名或电话的一部分，然后选择。',
      sv_saved: '工单已保存。SLA 截止：{0}。', sv_slanow: 'SLA 截止时间现为{0}。', sv_nohits: '未找到：请多输入或少输入一些。',
      sv_clear: '清除{0}', sv_typetosearch: '输入至少两个字符，然后选择。', sv_service: '服务', sv_addticket: '添加工单',
      sv_nocardtickets: '还没有工单——添加一个。', sv_morecard: '还有更多工单：请查看“服务”。', sv_failed: '无法加载工单：{0}',
      sv_docfind: '输入标题的一部分或其编号，然后选择。', sv_invfind: '输入发票号的一部分或其编号，然后选择。',
      sv_nodocs: '该客户没有含这些字词的此类单据：请输入其编号。', sv_movehelp: '用方向键选择状态，然后按 Enter。',
      sv_ambiguous: '{0}：“{1}”是多个编号的开头，请多输入几位。', sv_notid: '{0}：“{1}”不是编号：请粘贴完整编号，或输入至少前4位。',
      sv_noid: '{0}：没有编号为“{1}”的记录。', sv_notkind: '{0}：该记录不是{2}（而是{1}）。'},
  });

  const STATUSES = ['inquiry', 'quote', 'order', 'assigned', 'approved', 'invoiced', 'closed', 'cancelled'];
  const PRIORITIES = ['urgent', 'high', 'normal', 'low']; // the most urgent first: the order "by priority" means
  // Shown beside the priority as a hint; the node sets sla_due from it (docs/SALES.md, Tickets).
  const SLA_HOURS = {low: 72, normal: 24, high: 8, urgent: 4};
  // The moves the page offers (docs/SALES.md; the node's table is server/sales/sales.c moves[]).
  // The node judges every move: a drag onto another column is sent as it is, and a refusal is
  // shown with the next states the node names.
  const NEXT = {inquiry: ['quote', 'closed', 'cancelled'], quote: ['order', 'closed', 'cancelled'], order: ['assigned', 'closed', 'cancelled'],
    assigned: ['approved', 'closed', 'cancelled'], approved: ['invoiced', 'closed', 'cancelled'], invoiced: ['closed', 'cancelled'],
    closed: [], cancelled: []};
  const PAGE = 50, BOARD_LIMIT = 100, CARD_LIMIT = 20, HISTORY_PAGES = 10;
  const $ = (id) => document.getElementById(id);
  const statusLabel = (s) => (A.has('ts_' + s) ? A.t('ts_' + s) : s || '');
  const priorityLabel = (p) => (A.has('tp_' + p) ? A.t('tp_' + p) : p || '');
  const statusOf = (t) => t.status || 'inquiry';
  const isOpen = (t) => NEXT[statusOf(t)] === undefined || NEXT[statusOf(t)].length > 0;
  const orList = (xs) => new Intl.ListFormat(A.locale(), {type: 'disjunction'}).format(xs);
  // an element whose words follow the language (A.translate redraws data-t)
  const T = (tag, attrs, key) => A.el(tag, Object.assign({'data-t': key}, attrs), A.t(key));
  const timeEl = (iso, cls) => A.el('time', {datetime: iso, class: cls}, A.dateTime(iso));
  const badge = (cls, attr, value, text) => A.el('span', {class: cls, [attr]: value}, text);

  // ---- names of the records a ticket points at (customers, products, documents) ----
  const names = new Map(); // id -> name, '' when it could not be read
  function nameOf(x) {
    if (!x) return '';
    if (x.kind === 'product') return x.sku ? x.name + ' (' + x.sku + ')' : x.name;
    return x.name || x.number || x.title || x.subject || '';
  }
  async function loadNames(ids) {
    const want = [...new Set(ids)].filter((id) => id && !names.has(id));
    for (let i = 0; i < want.length; i += 8) // a few at a time: the node serves the whole page
      await Promise.all(want.slice(i, i + 8).map((id) => A.call('get', {id}).then((x) => names.set(id, nameOf(x)), () => names.set(id, ''))));
  }

  // ---- the SLA: when it falls due, and how much is left or late ----
  function duration(ms) {
    const min = Math.max(1, Math.round(ms / 60000));
    if (min < 60) return A.t('sv_min', A.num(min));
    const h = Math.floor(min / 60), m = min % 60;
    if (h < 48) return m ? A.t('sv_hmin', A.num(h), A.num(m)) : A.t('sv_h', A.num(h));
    const d = Math.floor(h / 24), hh = h % 24;
    return hh ? A.t('sv_dh', A.num(d), A.num(hh)) : A.t('sv_d', A.num(d));
  }
  // late: the node says it is overdue, or its SLA has passed by this browser's clock
  const isLate = (t) => isOpen(t) && !!t.sla_due && (t.overdue === true || Date.parse(t.sla_due) < Date.now());
  function slaBox(t) {
    const box = A.el('span', {class: 'sv-sla'});
    if (!t.sla_due) return box;
    box.appendChild(timeEl(t.sla_due, 'sv-due'));
    const due = Date.parse(t.sla_due), now = Date.now();
    let note = '', late = false;
    if (!isOpen(t)) {
      if (statusOf(t) === 'closed' && t.closed_at) { late = Date.parse(t.closed_at) > due; note = A.t(late ? 'sv_closedlate' : 'sv_closedintime'); }
    } else if (isLate(t)) { late = true; note = A.t('sv_late', duration(now - due)); }
    else note = A.t('sv_left', duration(due - now));
    if (note) box.appendChild(A.el('span', {class: 'sv-note' + (late ? ' sv-late' : '')}, note));
    return box;
  }

  // The node's refusal of a status move in the page's language: the move asked for, where the
  // ticket stands, and the states the node names as its next ("status: a ticket that is quote
  // cannot move to approved; it moves to order, closed or cancelled"; "status: the ticket is
  // quote already; ..."). A message the page cannot read so, as A.reason says it.
  function refusal(e, subject, to, was) {
    const text = e.message || '', next = /^status: .*; it moves to (.+)$/.exec(text);
    if (!next) return A.reason(e);
    const already = /^status: the \w+ is (\w+) already/.exec(text);
    const from = (already || /that is (\w+)/.exec(text) || /^status: an? (\w+) ticket/.exec(text) || [])[1] || was;
    const asked = (/cannot move to (\w+)/.exec(text) || [])[1] || to;
    const states = next[1] === 'none (it is final)' ? [] : next[1].split(/, | or /);
    if (![from, asked, ...states].every((s) => A.has('ts_' + s))) return A.reason(e);
    if (!states.length) return A.t('sv_final', subject, statusLabel(from));
    const allowed = orList(states.map(statusLabel));
    return already ? A.t('sv_already', subject, statusLabel(from), allowed) : A.t('sv_refused', subject, statusLabel(asked), statusLabel(from), allowed);
  }

  // ---- a search box to pick a customer or a product by name (or phone, or SKU) ----
  function picker(id, kind, labelKey, initial) {
    const state = {value: initial && initial.id ? initial.id : '', name: initial ? initial.name || '' : ''};
    const p = A.el('p', {class: 'field sv-picker', 'data-field': labelKey.replace(/^f_/, '')});
    p.appendChild(T('label', {for: id}, labelKey));
    const chosen = p.appendChild(A.el('span', {class: 'sv-chosen'}));
    const input = p.appendChild(A.el('input', {id, type: 'search', autocomplete: 'off', dir: 'auto', maxlength: '200',
      'aria-describedby': id + '-help ' + id + '-hint', 'aria-controls': id + '-hits', disabled: !A.canWrite}));
    p.appendChild(T('span', {id: id + '-help', class: 'muted sv-help'}, 'sv_typetosearch'));
    const hits = p.appendChild(A.el('ul', {id: id + '-hits', class: 'sv-hits'}));
    p.appendChild(A.el('span', {id: id + '-hint', class: 'hint', role: 'status'}));
    const showChosen = () => {
      chosen.textContent = '';
      if (!state.value) return;
      chosen.appendChild(A.el('bdi', {class: 'sv-chosen-name'}, state.name || state.value));
      if (!A.canWrite) return;
      const x = chosen.appendChild(A.el('button', {type: 'button', class: 'small', 'aria-label': A.t('sv_clear', A.t(labelKey))}, '×'));
      x.addEventListener('click', () => { state.value = ''; state.name = ''; showChosen(); input.focus(); p.dispatchEvent(new Event('change', {bubbles: true})); });
    };
    const choose = (r) => {
      state.value = r.id;
      state.name = nameOf(r);
      names.set(r.id, state.name);
      input.value = '';
      hits.textContent = '';
      $(id + '-hint').textContent = '';
      showChosen();
      input.focus();
      p.dispatchEvent(new Event('change', {bubbles: true}));
    };
    let timer = null, seq = 0, rows = [];
    const search = async () => {
      const q = input.value.trim(), mine = ++seq;
      if (q.length < 2) { hits.textContent = ''; rows = []; return; }
      const found = await A.items('search', {kind, q, limit: 8}).catch((e) => { $(id + '-hint').textContent = A.reason(e); return []; });
      if (mine !== seq) return; // a later keystroke's answer wins
      rows = found;
      hits.textContent = '';
      for (const r of found) {
        const b = hits.appendChild(A.el('li')).appendChild(A.el('button', {type: 'button', 'data-id': r.id, dir: 'auto'}, nameOf(r)));
        if (kind === 'customer' && r.phones && r.phones[0]) b.appendChild(A.el('small', {dir: 'ltr', class: 'muted'}, ' ' + r.phones[0]));
        b.addEventListener('click', () => choose(r));
      }
      if (!found.length) hits.appendChild(A.el('li', {class: 'empty'}, A.t('sv_nohits')));
    };
    input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 150); });
    input.addEventListener('keydown', (e) => {
      const first = hits.querySelector('button');
      if (e.key === 'ArrowDown' && first) { e.preventDefault(); first.focus(); }
      if (e.key === 'Enter') { e.preventDefault(); if (rows.length === 1) choose(rows[0]); } // Enter picks a lone match, never saves half a form
    });
    hits.addEventListener('keydown', (e) => {
      const b = e.target.closest('button');
      if (!b || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
      e.preventDefault();
      const li = e.key === 'ArrowDown' ? b.parentElement.nextElementSibling : b.parentElement.previousElementSibling;
      if (li && li.querySelector('button')) li.querySelector('button').focus(); else if (e.key === 'ArrowUp') input.focus();
    });
    showChosen();
    return {el: p, input, get value() { return state.value; }};
  }

  // the words that change with a choice (the SLA hint of a priority) are redrawn with the language
  const relabel = new Set();
  function labelled(p, id, labelKey) { p.insertBefore(T('label', {for: id}, labelKey), p.firstChild); return p; }
  function textField(id, labelKey, value, opts) {
    const p = A.el('p', {class: 'field' + (opts.area ? ' f-textarea' : ''), 'data-field': labelKey.replace(/^f_/, '')});
    const input = A.el(opts.area ? 'textarea' : 'input', {id, maxlength: opts.max, dir: opts.dir || 'auto', rows: opts.area ? '3' : undefined,
      required: opts.required, 'aria-describedby': id + '-hint', disabled: !A.canWrite, type: opts.area ? undefined : 'text'});
    input.value = value || '';
    p.appendChild(input);
    if (opts.help) p.appendChild(T('span', {class: 'muted sv-help'}, opts.help));
    p.appendChild(A.el('span', {id: id + '-hint', class: 'hint', role: 'status'}));
    return labelled(p, id, labelKey);
  }
  function priorityField(id, value) {
    const p = A.el('p', {class: 'field', 'data-field': 'priority'});
    const sel = p.appendChild(A.el('select', {id, 'aria-describedby': id + '-sla ' + id + '-hint', disabled: !A.canWrite}));
    for (const x of ['low', 'normal', 'high', 'urgent']) sel.appendChild(T('option', {value: x}, 'tp_' + x));
    sel.value = value || 'normal';
    const sla = p.appendChild(A.el('span', {id: id + '-sla', class: 'muted sv-help'}));
    const say = () => { if (!sel.isConnected && sla.textContent) relabel.delete(say); else sla.textContent = A.t('sv_slahint', A.num(SLA_HOURS[sel.value])); };
    say();
    relabel.add(say);
    sel.addEventListener('change', say);
    p.appendChild(A.el('span', {id: id + '-hint', class: 'hint', role: 'status'}));
    return labelled(p, id, 'f_priority');
  }
  function assigneeField(id, value) {
    const p = A.el('p', {class: 'field', 'data-field': 'assignee'});
    const sel = p.appendChild(A.el('select', {id, 'aria-describedby': id + '-hint', disabled: !A.canWrite}));
    A.fillSelect(sel, A.userOptions(), value, 'nofilter');
    if (value && sel.value !== value) { sel.appendChild(A.el('option', {value}, value)); sel.value = value; } // a user this node does not know
    p.appendChild(A.el('span', {id: id + '-hint', class: 'hint', role: 'status'}));
    return labelled(p, id, 'f_assignee');
  }
  // The node's refusal of a link to a quote, order, invoice or product typed as an id, in the
  // page's language (server/api/api.c api_resolve_ref, api_sales.c); else as A.reason says it.
  const kindWord = (k) => (A.lang === 'en' ? k : A.fieldLabel(k));
  const LINK_REFUSALS = [
    [/^(\w+): id prefix '(.*?)' matches more than one record/, (m) => A.t('sv_ambiguous', A.fieldLabel(m[1]), m[2])],
    [/^(\w+): '(.*?)' is not a record id/, (m) => A.t('sv_notid', A.fieldLabel(m[1]), m[2])],
    [/^(\w+): no record with id '(.*?)'/, (m) => A.t('sv_noid', A.fieldLabel(m[1]), m[2])],
    [/^(\w+): that record is an? (\w+), not an? (\w+)$/, (m) => A.t('sv_notkind', A.fieldLabel(m[1]), kindWord(m[2]), kindWord(m[3]))],
  ];
  function reasonOf(e) {
    for (const [re, say] of LINK_REFUSALS) { const m = re.exec(e.message || ''); if (m) return say(m); }
    return A.reason(e);
  }
  // the node names the field it refuses ("subject: required ..."): the message goes beside it
  function fieldError(form, idp, e) {
    const m = /^([a-z_]+): /.exec(e.message || '');
    const hint = m && form.querySelector('#' + idp + m[1] + '-hint');
    if (!hint) return false;
    hint.textContent = reasonOf(e);
    const input = form.querySelector('#' + idp + m[1]);
    if (input) input.focus();
    return true;
  }

  // ---- the new-ticket form: on the tickets page, or in a customer's card (customer preset) ----
  function ticketForm(idp, preset, onSaved, onCancel) {
    const form = A.el('form', {class: 'panel sv-form', novalidate: true, 'aria-labelledby': idp + 'h'});
    form.appendChild(T('h3', {id: idp + 'h'}, 'sv_new'));
    const fields = form.appendChild(A.el('div', {class: 'fields'}));
    let customer;
    if (preset) {
      const p = fields.appendChild(A.el('p', {class: 'field'}));
      p.appendChild(T('span', {class: 'label'}, 'f_customer'));
      p.appendChild(A.el('bdi', {class: 'sv-preset'}, preset.name || ''));
      customer = {value: preset.id};
    } else customer = picker(idp + 'customer', 'customer', 'f_customer');
    if (!preset) fields.appendChild(customer.el);
    fields.appendChild(textField(idp + 'subject', 'f_subject', '', {max: 200, required: true}));
    fields.appendChild(priorityField(idp + 'priority', 'normal'));
    fields.appendChild(assigneeField(idp + 'assignee', A.session.user));
    fields.appendChild(textField(idp + 'asset', 'f_asset', '', {max: 64})); // a VIN, or a plate in Persian letters: auto
    const product = picker(idp + 'product', 'product', 'f_product');
    fields.appendChild(product.el);
    fields.appendChild(textField(idp + 'description', 'f_description', '', {max: 4000, area: true}));
    const msg = form.appendChild(A.el('p', {id: idp + 'message', role: 'alert'}));
    const actions = form.appendChild(A.el('p', {class: 'actions'}));
    actions.appendChild(T('button', {type: 'submit', class: 'primary'}, 'save'));
    const cancel = actions.appendChild(T('button', {type: 'button'}, 'cancel'));
    cancel.addEventListener('click', onCancel);
    form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); onCancel(); } });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      for (const h of form.querySelectorAll('.hint')) h.textContent = '';
      msg.textContent = '';
      const value = (name) => form.querySelector('#' + idp + name).value.trim();
      let bad = null;
      if (!value('subject')) { $(idp + 'subject-hint').textContent = A.t('sv_needsubject'); bad = $(idp + 'subject'); }
      if (!customer.value) { $(idp + 'customer-hint').textContent = A.t('sv_needcustomer'); bad = bad || $(idp + 'customer'); }
      if (bad) { bad.focus(); return; }
      const args = {kind: 'ticket', customer: customer.value, subject: value('subject'), priority: value('priority'),
        assignee: value('assignee'), asset: value('asset'), product: product.value, description: value('description')};
      try {
        const made = await A.call('create', args, true);
        await onSaved(made.id);
      } catch (err) { // what was typed stays; the field the node names gets its message
        fieldError(form, idp, err);
        msg.textContent = A.t('problem', reasonOf(err));
      }
    });
    return form;
  }

  // ---- the view: the list or the board, and the ticket beside it ----
  const L = {mode: 'list', sort: 'sla_due', desc: false, offset: 0, open: null, rec: null, showCancelled: false, loaded: false, opener: null};
  let built = false, listSeq = 0, boardSeq = 0, openSeq = 0;
  const board = new Map(); // id -> ticket on the board

  function filterArgs(onBoard) {
    const f = {};
    if (!onBoard && $('sv-f-status').value) f.status = $('sv-f-status').value;
    if ($('sv-f-priority').value) f.priority = $('sv-f-priority').value;
    if ($('sv-f-assignee').value) f.assignee = $('sv-f-assignee').value;
    if ($('sv-f-overdue').checked) f.overdue = true;
    if (!onBoard && $('sv-f-open').checked) f.open = true;
    return f;
  }

  function check(id, key, checked) {
    const p = A.el('p', {class: 'sv-check'});
    p.appendChild(A.el('input', {id, type: 'checkbox', checked}));
    p.appendChild(T('label', {for: id}, key));
    return p;
  }
  function choiceFilter(id, labelKey, values, prefix) {
    const p = A.el('p');
    p.appendChild(T('label', {for: id}, labelKey));
    const sel = p.appendChild(A.el('select', {id}));
    sel.appendChild(T('option', {value: ''}, 'all'));
    for (const v of values) sel.appendChild(T('option', {value: v}, prefix + v));
    return p;
  }

  function build() {
    const root = $('view-tickets');
    root.textContent = '';
    const pane = root.appendChild(A.el('section', {class: 'listpane', 'aria-labelledby': 'h-tickets'}));
    const head = pane.appendChild(A.el('div', {class: 'row'}));
    head.appendChild(T('h2', {id: 'h-tickets'}, 'sv_heading'));
    const modes = head.appendChild(A.el('div', {role: 'group', class: 'sv-modes', 'data-t-label': 'sv_show', 'aria-label': A.t('sv_show')}));
    for (const m of ['list', 'board']) {
      const b = modes.appendChild(T('button', {type: 'button', 'data-mode': m, 'aria-pressed': 'false'}, 'sv_' + m));
      b.addEventListener('click', () => A.go(m === 'board' ? '#/tickets/board' : '#/tickets'));
    }
    if (A.canWrite) {
      const b = head.appendChild(T('button', {type: 'button', class: 'primary', id: 'sv-new-button'}, 'sv_new'));
      b.addEventListener('click', openNewForm);
    }
    pane.appendChild(A.el('div', {id: 'sv-new'}));
    pane.appendChild(A.el('p', {id: 'sv-message', role: 'status'}));
    const bar = pane.appendChild(A.el('div', {class: 'toolbar', id: 'sv-toolbar'}));
    bar.appendChild(choiceFilter('sv-f-status', 'f_status', STATUSES, 'ts_')).classList.add('sv-listonly');
    bar.appendChild(choiceFilter('sv-f-priority', 'f_priority', PRIORITIES, 'tp_'));
    const who = bar.appendChild(A.el('p'));
    who.appendChild(T('label', {for: 'sv-f-assignee'}, 'f_assignee'));
    who.appendChild(A.el('select', {id: 'sv-f-assignee'}));
    bar.appendChild(check('sv-f-overdue', 'sv_overdueonly', false));
    bar.appendChild(check('sv-f-open', 'sv_openonly', true)).classList.add('sv-listonly');
    bar.appendChild(check('sv-f-cancelled', 'sv_showcancelled', false)).classList.add('sv-boardonly');
    fillUsers();
    for (const id of ['sv-f-status', 'sv-f-priority', 'sv-f-assignee', 'sv-f-overdue', 'sv-f-open'])
      $(id).addEventListener('change', () => { L.offset = 0; redraw(); });
    $('sv-f-status').addEventListener('change', () => { // a closed or cancelled ticket is not open
      if (['closed', 'cancelled'].includes($('sv-f-status').value) && $('sv-f-open').checked) { $('sv-f-open').checked = false; redraw(); }
    });
    $('sv-f-cancelled').addEventListener('change', () => { L.showCancelled = $('sv-f-cancelled').checked; redraw(); });

    const list = pane.appendChild(A.el('div', {id: 'sv-listmode'}));
    list.appendChild(A.el('p', {id: 'sv-total', class: 'total', role: 'status', 'aria-live': 'polite'}));
    const table = list.appendChild(A.el('div', {class: 'tablebox'})).appendChild(A.el('table', {id: 'sv-list'}));
    const tr = table.appendChild(A.el('thead')).appendChild(A.el('tr'));
    for (const [key, sort] of [['f_subject'], ['f_customer'], ['f_priority', 'priority'], ['f_status'], ['f_sla_due', 'sla_due'],
      ['f_assignee'], ['f_asset'], ['f_created', 'created']]) {
      const th = tr.appendChild(A.el('th', {scope: 'col', 'data-sort': sort}));
      if (!sort) { th.appendChild(T('span', {}, key)); continue; }
      th.appendChild(T('button', {type: 'button'}, key)).addEventListener('click', () => {
        if (L.sort === sort) L.desc = !L.desc; else { L.sort = sort; L.desc = false; }
        L.offset = 0;
        loadList();
      });
    }
    table.appendChild(A.el('tbody'));
    const pager = list.appendChild(A.el('p', {class: 'pager'}));
    pager.appendChild(T('button', {type: 'button', id: 'sv-prev'}, 'prev')).addEventListener('click', () => turn(-PAGE));
    pager.appendChild(A.el('span', {id: 'sv-pageof'}));
    pager.appendChild(T('button', {type: 'button', id: 'sv-next'}, 'next')).addEventListener('click', () => turn(PAGE));
    table.tBodies[0].addEventListener('keydown', (e) => {
      const row = e.target.closest('tr[data-id]');
      if (!row) return;
      if (e.key === 'Enter') A.go('#/ticket/' + row.dataset.id);
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      e.preventDefault();
      const next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      if (next && next.dataset.id) next.focus();
    });

    const boardBox = pane.appendChild(A.el('div', {id: 'sv-boardmode', hidden: true}));
    boardBox.appendChild(A.el('p', {id: 'sv-board-message', role: 'alert'}));
    boardBox.appendChild(T('span', {id: 'sv-move-help', class: 'sr'}, 'sv_movehelp'));
    boardBox.appendChild(A.el('div', {id: 'sv-board', class: 'sv-board'}));
    root.appendChild(A.el('aside', {id: 'sv-ticket', class: 'drawer', hidden: true, tabindex: '-1', 'aria-labelledby': 'sv-t-subject'}));
    built = true;
  }
  function ensure() { if (!built) build(); }

  function fillUsers() { A.fillSelect($('sv-f-assignee'), A.userOptions(), $('sv-f-assignee').value, 'anyone'); }

  function showMode() {
    $('sv-listmode').hidden = L.mode !== 'list';
    $('sv-boardmode').hidden = L.mode !== 'board';
    for (const e of $('sv-toolbar').querySelectorAll('.sv-listonly')) e.hidden = L.mode !== 'list';
    for (const e of $('sv-toolbar').querySelectorAll('.sv-boardonly')) e.hidden = L.mode !== 'board';
    for (const b of $('view-tickets').querySelectorAll('.sv-modes button')) b.setAttribute('aria-pressed', String(b.dataset.mode === L.mode));
  }
  const redraw = () => (L.mode === 'board' ? drawBoard() : loadList());

  function openNewForm() {
    const box = $('sv-new');
    L.opener = document.activeElement;
    const close = () => { box.textContent = ''; if (L.opener && L.opener.isConnected) L.opener.focus(); };
    box.textContent = '';
    const form = ticketForm('svn-', null, async (id) => {
      box.textContent = '';
      const t = await A.call('get', {id}).catch(() => null);
      $('sv-message').textContent = t ? A.t('sv_saved', A.dateTime(t.sla_due)) : A.t('saved');
      redraw();
      A.go('#/ticket/' + id);
    }, close);
    box.appendChild(form);
    form.querySelector('input').focus();
  }

  // ---- the list: sorted by the node, except by priority (its order is not the words') ----
  async function priorityPage(base) {
    const ranks = (base.priority ? [base.priority] : PRIORITIES.slice());
    if (L.desc) ranks.reverse();
    const args = (p, offset, limit) => Object.assign({}, base, {priority: p, sort: 'sla_due', desc: false, offset, limit});
    const counts = await Promise.all(ranks.map((p) => A.items('list', args(p, 0, 1))));
    const total = counts.reduce((n, r) => n + (r.total || 0), 0);
    let skip = L.offset, need = PAGE;
    const rows = [];
    for (let i = 0; i < ranks.length && need > 0; i++) {
      const n = counts[i].total || 0;
      if (skip >= n) { skip -= n; continue; }
      const got = await A.items('list', args(ranks[i], skip, need));
      rows.push(...got);
      need -= got.length;
      skip = 0;
    }
    return Object.assign(rows, {total, more: L.offset + rows.length < total});
  }

  async function loadList() {
    const seq = ++listSeq, table = $('sv-list');
    table.setAttribute('aria-busy', 'true');
    try {
      const base = Object.assign({kind: 'ticket'}, filterArgs(false));
      const rows = L.sort === 'priority' ? await priorityPage(base)
        : await A.items('list', Object.assign(base, {sort: L.sort, desc: L.desc, offset: L.offset, limit: PAGE}));
      await loadNames(rows.map((t) => t.customer));
      if (seq !== listSeq) return; // a later change's answer wins
      L.loaded = true;
      showRows(rows);
      const total = rows.total ?? rows.length, pages = Math.max(1, Math.ceil(total / PAGE));
      $('sv-total').textContent = total ? A.t('total', A.num(L.offset + 1), A.num(L.offset + rows.length), A.num(total)) : '';
      $('sv-prev').hidden = $('sv-next').hidden = pages <= 1;
      $('sv-prev').disabled = L.offset === 0;
      $('sv-next').disabled = !rows.more;
      $('sv-pageof').textContent = pages > 1 ? A.t('pageof', A.num(Math.floor(L.offset / PAGE) + 1), A.num(pages)) : '';
    } catch (e) {
      if (seq === listSeq) $('sv-total').textContent = A.t('sv_failed', A.reason(e));
    } finally {
      if (seq === listSeq) table.removeAttribute('aria-busy');
    }
  }
  async function turn(by) { L.offset = Math.max(0, L.offset + by); await loadList(); $('h-tickets').scrollIntoView({block: 'start'}); }

  function showRows(rows) {
    const body = $('sv-list').tBodies[0];
    body.textContent = '';
    for (const t of rows) {
      const late = isLate(t);
      const tr = body.appendChild(A.el('tr', {'data-id': t.id, tabindex: '0', class: late ? 'sv-overdue' : undefined, 'aria-selected': t.id === L.open ? 'true' : undefined}));
      tr.appendChild(A.el('th', {scope: 'row'})).appendChild(A.el('bdi', {}, t.subject || ''));
      const who = tr.appendChild(A.el('td'));
      if (t.customer) {
        const a = who.appendChild(A.el('a', {href: '#/customer/' + t.customer, dir: 'auto'}, names.get(t.customer) || A.shortId(t.customer)));
        a.addEventListener('click', (e) => e.stopPropagation());
      }
      tr.appendChild(A.el('td')).appendChild(badge('sv-prio', 'data-priority', t.priority, priorityLabel(t.priority)));
      tr.appendChild(A.el('td')).appendChild(badge('sv-status', 'data-status', statusOf(t), statusLabel(statusOf(t))));
      tr.appendChild(A.el('td', {class: 'sv-sla-cell'})).appendChild(slaBox(t));
      tr.appendChild(A.el('td', {dir: 'auto'}, t.assignee || ''));
      tr.appendChild(A.el('td')).appendChild(A.el('bdi', {}, t.asset || ''));
      tr.appendChild(A.el('td')).appendChild(timeEl(t.created));
      tr.addEventListener('click', () => A.go('#/ticket/' + t.id));
    }
    if (!rows.length) {
      const filtered = Object.keys(filterArgs(false)).some((k) => k !== 'open');
      body.appendChild(A.el('tr', {class: 'empty'})).appendChild(A.el('td', {colspan: '8'}, A.t(filtered ? 'sv_none' : 'sv_empty')));
    }
    for (const th of $('sv-list').tHead.rows[0].cells) {
      if (th.dataset.sort === L.sort) th.setAttribute('aria-sort', L.desc ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
  }

  // ---- the board: a column per status, a card per ticket; drag it, or choose its next state ----
  async function drawBoard() {
    const seq = ++boardSeq, box = $('sv-board');
    box.setAttribute('aria-busy', 'true');
    const statuses = STATUSES.filter((s) => s !== 'cancelled' || L.showCancelled);
    const f = filterArgs(true), done = (s) => !NEXT[s].length;
    let replies;
    try {
      replies = await Promise.all(statuses.map((s) => A.items('list', Object.assign({kind: 'ticket', status: s,
        sort: done(s) ? 'created' : 'sla_due', desc: done(s), limit: BOARD_LIMIT}, f))));
      await loadNames(replies.flat().map((t) => t.customer));
    } catch (e) {
      if (seq === boardSeq) { $('sv-board-message').textContent = A.t('sv_failed', A.reason(e)); box.removeAttribute('aria-busy'); }
      return;
    }
    if (seq !== boardSeq) return;
    board.clear();
    box.textContent = '';
    statuses.forEach((status, i) => {
      const mine = replies[i];
      const col = box.appendChild(A.el('section', {class: 'sv-column', 'data-status': status, 'aria-labelledby': 'sv-col-' + status}));
      const head = col.appendChild(A.el('header'));
      head.appendChild(A.el('h3', {id: 'sv-col-' + status}, statusLabel(status)));
      head.appendChild(A.el('span', {class: 'count'}, A.t('sv_count', A.num(mine.total ?? mine.length))));
      if (mine.more) head.appendChild(A.el('p', {class: 'more'}, A.t('sv_boardmore', A.num(mine.length))));
      col.addEventListener('dragover', (e) => { e.preventDefault(); col.classList.add('drop'); });
      col.addEventListener('dragleave', () => col.classList.remove('drop'));
      col.addEventListener('drop', (e) => { e.preventDefault(); col.classList.remove('drop'); moveOnBoard(e.dataTransfer.getData('text/plain'), status); });
      const list = col.appendChild(A.el('ul', {class: 'sv-cards'}));
      for (const t of mine) { board.set(t.id, t); list.appendChild(boardCard(t)); }
      if (!mine.length) list.appendChild(A.el('li', {class: 'empty'}, A.t('sv_nocolumn')));
    });
    box.removeAttribute('aria-busy');
  }

  function boardCard(t) {
    const status = statusOf(t);
    const li = A.el('li', {class: 'sv-card' + (isLate(t) ? ' is-late' : ''), 'data-id': t.id, tabindex: '0', draggable: A.canWrite ? 'true' : 'false'});
    li.appendChild(A.el('a', {href: '#/ticket/' + t.id, class: 'sv-subject'})).appendChild(A.el('bdi', {}, t.subject || ''));
    if (t.customer) li.appendChild(A.el('span', {class: 'sv-cust', dir: 'auto'}, names.get(t.customer) || ''));
    const meta = li.appendChild(A.el('span', {class: 'sv-meta'}));
    meta.appendChild(badge('sv-prio', 'data-priority', t.priority, priorityLabel(t.priority)));
    if (t.assignee) meta.appendChild(A.el('bdi', {class: 'sv-who'}, t.assignee));
    li.appendChild(slaBox(t));
    if (A.canWrite && NEXT[status] && NEXT[status].length) { // the keyboard's way: the states it may move to
      const id = 'sv-move-' + t.id;
      li.appendChild(A.el('label', {for: id, class: 'sr'}, A.t('sv_moveto') + ' — ' + (t.subject || '')));
      const sel = li.appendChild(A.el('select', {id, 'aria-describedby': 'sv-move-help'}));
      sel.appendChild(A.el('option', {value: ''}, A.t('sv_moveto') + '…'));
      for (const s of NEXT[status]) sel.appendChild(A.el('option', {value: s}, statusLabel(s)));
      // A state chosen from the open list moves the ticket; the arrows on the closed list
      // only choose (each would otherwise be a move of its own, in the ticket's history) and
      // Enter moves. One gone past without Enter goes back to "Move to…".
      let keyed = false;
      sel.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') { if (sel.value) { e.preventDefault(); moveOnBoard(t.id, sel.value); } }
        // the keys that change a closed list's choice (Alt+arrow, Space and F4 open the list)
        else if (!e.altKey && (/^(Arrow|Page)|^(Home|End)$/.test(e.key) || e.key.length === 1 && e.key !== ' ')) keyed = true;
      });
      sel.addEventListener('change', () => { if (sel.value && !keyed) moveOnBoard(t.id, sel.value); });
      sel.addEventListener('blur', () => { if (keyed) sel.value = ''; keyed = false; });
      li.addEventListener('dragstart', (e) => { e.dataTransfer.setData('text/plain', t.id); e.dataTransfer.effectAllowed = 'move'; });
    }
    li.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === li) A.go('#/ticket/' + t.id); });
    return li;
  }

  // The card goes to its new column at once; if the node refuses the move, it goes back where
  // it was and the node's reason, naming the states it may move to, is said beside the board.
  async function moveOnBoard(id, to) {
    const t = board.get(id), box = $('sv-board'), msg = $('sv-board-message');
    if (!t || statusOf(t) === to) return;
    const card = box.querySelector(`.sv-card[data-id="${id}"]`), from = card.parentElement, after = card.nextSibling;
    const target = box.querySelector(`.sv-column[data-status="${to}"] .sv-cards`);
    if (target) { const empty = target.querySelector('.empty'); if (empty) empty.remove(); target.prepend(card); }
    try {
      await A.call('update', {kind: 'ticket', id, status: to}, true);
      msg.classList.remove('sv-error');
      msg.textContent = A.t('sv_moved', t.subject || '', statusLabel(to));
      await drawBoard();
      const again = box.querySelector(`.sv-card[data-id="${id}"]`);
      if (again) again.focus();
      if (L.open === id) openTicket(id, true);
    } catch (e) {
      from.insertBefore(card, after);
      const sel = card.querySelector('select');
      if (sel) sel.value = '';
      msg.classList.add('sv-error');
      msg.textContent = refusal(e, t.subject || '', to, statusOf(t));
      card.focus();
    }
  }

  // ---- the ticket beside the list or the board ----
  const TICKET_FIELDS = ['subject', 'priority', 'assignee', 'asset', 'product', 'quote', 'order', 'invoice', 'description'];
  const tf = {}; // the product picker of the open ticket

  async function openTicket(id, keepMessage) {
    const mine = ++openSeq;
    let t;
    try { t = await A.call('get', {kind: 'ticket', id}); } catch (e) { $('sv-message').textContent = A.reason(e); return; }
    await loadNames([t.customer, t.product, t.quote, t.order, t.invoice]);
    if (mine !== openSeq) return;
    const drawer = $('sv-ticket'), wasHidden = drawer.hidden;
    L.open = id;
    L.rec = t;
    drawTicket(t, keepMessage);
    drawer.hidden = false;
    $('view-tickets').classList.add('with-card');
    for (const tr of $('sv-list').tBodies[0].rows) if (tr.dataset.id) tr.setAttribute('aria-selected', String(tr.dataset.id === id));
    if (wasHidden) drawer.focus();
    await drawTimeline(t);
  }

  function closeTicket() {
    const drawer = $('sv-ticket'), was = L.open;
    drawer.hidden = true;
    drawer.textContent = ''; // nothing of it is left to find while it is closed
    $('view-tickets').classList.remove('with-card');
    L.open = null;
    L.rec = null;
    if (location.hash.startsWith('#/ticket/')) history.replaceState(null, '', L.mode === 'board' ? '#/tickets/board' : '#/tickets');
    const back = was && $('view-tickets').querySelector(`tr[data-id="${was}"], .sv-card[data-id="${was}"]`);
    if (back && !back.closest('[hidden]')) back.focus();
  }

  function drawTicket(t, keepMessage) {
    const drawer = $('sv-ticket'), status = statusOf(t);
    const message = keepMessage && $('sv-t-message') ? $('sv-t-message').textContent : '';
    drawer.textContent = '';
    const head = drawer.appendChild(A.el('div', {class: 'drawer-head'}));
    head.appendChild(A.el('h2', {id: 'sv-t-subject'})).appendChild(A.el('bdi', {}, t.subject || ''));
    head.appendChild(T('button', {type: 'button', class: 'quiet'}, 'close')).addEventListener('click', closeTicket);
    const sub = drawer.appendChild(A.el('p', {class: 'sv-sub'}));
    sub.appendChild(badge('sv-status', 'data-status', status, statusLabel(status)));
    sub.appendChild(badge('sv-prio', 'data-priority', t.priority, priorityLabel(t.priority)));
    if (t.customer) sub.appendChild(A.el('a', {href: '#/customer/' + t.customer, dir: 'auto', class: 'sv-customer'}, names.get(t.customer) || A.shortId(t.customer)));
    const facts = drawer.appendChild(A.el('dl', {class: 'sv-facts'}));
    const fact = (key, ...nodes) => { facts.appendChild(T('dt', {}, key)); facts.appendChild(A.el('dd')).append(...nodes); };
    fact('f_sla_due', Object.assign(slaBox(t), {id: 'sv-t-sla'}));
    fact('f_created', Object.assign(timeEl(t.created), {id: 'sv-t-created'}), A.sep(), A.el('bdi', {}, t.branch || ''));
    if (t.closed_at) fact('f_closed_at', Object.assign(timeEl(t.closed_at), {id: 'sv-t-closed'}));
    if (!A.canWrite) drawer.appendChild(T('p', {class: 'note'}, 'readonly'));
    if (A.canWrite && NEXT[status]) {
      const moves = drawer.appendChild(A.el('div', {role: 'group', class: 'sv-moves', 'aria-label': A.t('sv_moves')}));
      for (const s of NEXT[status]) {
        const key = s === 'closed' ? 'sv_closebtn' : s === 'cancelled' ? 'sv_cancelbtn' : null;
        const b = moves.appendChild(A.el('button', {type: 'button', 'data-status': s, class: s === 'cancelled' ? '' : 'primary'}, key ? A.t(key) : A.t('sv_movebtn', statusLabel(s))));
        b.addEventListener('click', () => moveTicket(t, s));
      }
      if (!NEXT[status].length) moves.appendChild(A.el('p', {class: 'muted'}, A.t('sv_finalnote', statusLabel(status))));
    }
    drawer.appendChild(A.el('p', {id: 'sv-t-message', role: 'status'}, message));
    const form = drawer.appendChild(A.el('form', {id: 'sv-t-form', novalidate: true, 'aria-labelledby': 'sv-t-details'}));
    form.appendChild(T('h3', {id: 'sv-t-details'}, 'details'));
    const fields = form.appendChild(A.el('div', {class: 'fields'}));
    fields.appendChild(textField('svt-subject', 'f_subject', t.subject, {max: 200, required: true}));
    fields.appendChild(priorityField('svt-priority', t.priority));
    fields.appendChild(assigneeField('svt-assignee', t.assignee));
    fields.appendChild(textField('svt-asset', 'f_asset', t.asset, {max: 64}));
    tf.product = picker('svt-product', 'product', 'f_product', t.product ? {id: t.product, name: names.get(t.product)} : null);
    fields.appendChild(tf.product.el);
    docsOf.clear(); // the customer's documents are read anew for each ticket drawn
    for (const k of ['quote', 'order', 'invoice']) fields.appendChild(docLinkField(k, t));
    fields.appendChild(textField('svt-description', 'f_description', t.description, {max: 4000, area: true}));
    if (A.canWrite) {
      const actions = form.appendChild(A.el('p', {class: 'actions'}));
      actions.appendChild(T('button', {type: 'submit', class: 'primary', id: 'svt-save'}, 'savechanges'));
      actions.appendChild(T('button', {type: 'button'}, 'undo')).addEventListener('click', () => { drawTicket(L.rec); drawTimeline(L.rec); });
    }
    form.addEventListener('submit', (e) => { e.preventDefault(); saveTicket(form); });
    drawer.appendChild(T('h3', {id: 'sv-h-timeline'}, 'sv_timeline'));
    drawer.appendChild(A.el('ol', {id: 'sv-timeline', class: 'sv-timeline', 'aria-labelledby': 'sv-h-timeline'}));
  }

  // A link to the customer's quote, order or invoice: typing part of its title (an invoice's
  // number) lists the customer's documents of that kind to pick from; the field then holds the
  // id, and the name is shown beside it. An id (or its first digits) typed and saved as it is
  // works as before: the node resolves it.
  const docsOf = new Map(); // 'kind customer' -> the customer's documents of that kind (a promise)
  const docTitle = (k, d) => (k === 'invoice' ? d.number : d.title) || A.t('f_' + k) + ' ' + A.shortId(d.id);
  const docDay = (k, d) => A.date(k === 'invoice' ? d.issued || d.created : d.created);
  function customerDocs(k, customer) {
    const key = k + ' ' + customer;
    if (!docsOf.has(key)) docsOf.set(key, A.items('list', {kind: k, customer, sort: 'created', desc: true, limit: 200}).catch((e) => { docsOf.delete(key); throw e; }));
    return docsOf.get(key);
  }
  function docLinkField(k, t) {
    const id = 'svt-' + k;
    const p = textField(id, 'f_' + k, t[k], {max: 32, dir: 'auto', help: k === 'invoice' ? 'sv_invfind' : 'sv_docfind'});
    const input = p.querySelector('input'), hint = p.querySelector('.hint');
    input.setAttribute('autocomplete', 'off');
    input.setAttribute('aria-controls', id + '-hits');
    const name = p.insertBefore(A.el('bdi', {class: 'sv-docname'}), hint);
    const hits = p.insertBefore(A.el('ul', {id: id + '-hits', class: 'sv-hits'}), name);
    const showName = (text) => { name.textContent = text || ''; name.hidden = !text; };
    showName(t[k] && names.get(t[k]));
    const choose = (d) => {
      names.set(d.id, docTitle(k, d));
      input.value = d.id;
      hits.textContent = '';
      hint.textContent = '';
      showName(docTitle(k, d));
      input.focus();
    };
    let timer = null, seq = 0;
    const search = async () => {
      const q = input.value.trim().toLowerCase(), mine = ++seq;
      hits.textContent = '';
      if (q.length < 2 || !t.customer) return;
      let docs;
      try { docs = await customerDocs(k, t.customer); } catch (e) { if (mine === seq) hint.textContent = A.reason(e); return; }
      if (mine !== seq) return; // a later keystroke's answer wins
      const found = docs.filter((d) => docTitle(k, d).toLowerCase().includes(q) || d.id.startsWith(q) || A.shortId(d.id, 14).startsWith(q)).slice(0, 8);
      for (const d of found) {
        const b = hits.appendChild(A.el('li')).appendChild(A.el('button', {type: 'button', 'data-id': d.id}));
        b.append(A.el('bdi', {dir: k === 'invoice' ? 'ltr' : 'auto'}, docTitle(k, d)), ' ', A.el('small', {class: 'muted'}, docDay(k, d)));
        b.addEventListener('click', () => choose(d));
      }
      if (!found.length && !/^[0-9a-f]{4,}$/.test(q)) hits.appendChild(A.el('li', {class: 'empty'}, A.t('sv_nodocs')));
    };
    input.addEventListener('input', () => {
      showName(input.value.trim() === (t[k] || '') && names.get(t[k])); // what is shown is what the field holds
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener('keydown', (e) => {
      const first = hits.querySelector('button');
      if (e.key === 'ArrowDown' && first) { e.preventDefault(); first.focus(); }
      if (e.key === 'Escape' && hits.firstChild) { e.stopPropagation(); hits.textContent = ''; }
    });
    hits.addEventListener('keydown', (e) => {
      const b = e.target.closest('button');
      if (!b || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
      e.preventDefault();
      const li = e.key === 'ArrowDown' ? b.parentElement.nextElementSibling : b.parentElement.previousElementSibling;
      if (li && li.querySelector('button')) li.querySelector('button').focus(); else if (e.key === 'ArrowUp') input.focus();
    });
    return p;
  }

  // What the form holds against the ticket it was drawn from: the args of one update.
  function ticketChanges(t) {
    const args = {}, changed = [], clear = [];
    for (const f of TICKET_FIELDS) {
      const v = f === 'product' ? tf.product.value : $('svt-' + f).value.trim();
      if ((t[f] ?? '') === v) continue;
      changed.push(f);
      if (v === '') clear.push(f); else args[f] = v;
    }
    if (clear.length) args.clear = clear;
    return {args, changed};
  }

  async function saveTicket(form) {
    const t = L.rec, msg = $('sv-t-message'), was = document.activeElement && document.activeElement.id;
    for (const h of form.querySelectorAll('.hint')) h.textContent = '';
    const {args, changed} = ticketChanges(t);
    if (!changed.length) { msg.textContent = A.t('nochange'); return; }
    if (changed.includes('subject') && !args.subject) { $('svt-subject-hint').textContent = A.t('sv_needsubject'); $('svt-subject').focus(); return; }
    try {
      await A.call('update', Object.assign({kind: 'ticket', id: t.id}, args), true);
    } catch (e) { // what was typed stays
      fieldError(form, 'svt-', e);
      msg.textContent = A.t('problem', reasonOf(e));
      return;
    }
    await openTicket(t.id, false);
    const rec = L.rec;
    $('sv-t-message').textContent = A.t('savedfields', changed.map(A.fieldLabel).join(A.lang === 'fa' ? '، ' : ', ')) +
      (changed.includes('priority') && rec ? ' ' + A.t('sv_slanow', A.dateTime(rec.sla_due)) : '');
    // the ticket was drawn anew: the focus goes back to the field (or button) it was on
    const back = (was && $(was)) || $('sv-ticket');
    if (back && !$('sv-ticket').contains(document.activeElement)) back.focus();
    redraw();
  }

  async function moveTicket(t, to) {
    try {
      await A.call('update', {kind: 'ticket', id: t.id, status: to}, true);
    } catch (e) { $('sv-t-message').textContent = refusal(e, t.subject || '', to, statusOf(t)); return; }
    await openTicket(t.id, false);
    $('sv-t-message').textContent = A.t('sv_moved', t.subject || '', statusLabel(to));
    const first = $('sv-ticket').querySelector('.sv-moves button') || $('sv-t-message');
    if (first === $('sv-t-message')) first.setAttribute('tabindex', '-1');
    first.focus();
    redraw();
  }

  // ---- the timeline: the ticket's history, newest first; a status move stands out ----
  function shownValue(field, v) {
    if (v === undefined || v === null || v === '') return '—';
    if (field === 'priority') return priorityLabel(v);
    if (field === 'status') return statusLabel(v);
    if (/^(sla_due|created|closed_at)$/.test(field)) return A.dateTime(v);
    if (/^(customer|product|quote|order|invoice)$/.test(field)) return names.get(v) || A.shortId(v);
    return String(v);
  }

  async function drawTimeline(t) {
    const items = [];
    let after, more = false;
    for (let i = 0; i < HISTORY_PAGES; i++) {
      const page = await A.call('history', {id: t.id, after}).catch(() => null);
      if (!page) break;
      items.push(...(page.items || []));
      more = !!page.more;
      if (!more || !page.next) break;
      after = page.next;
    }
    const refs = items.flatMap((h) => (h.changes || []).filter((c) => /^(product|quote|order|invoice)$/.test(c.field)).map((c) => c.value));
    await loadNames(refs);
    const ol = $('sv-timeline');
    if (!ol || L.open !== t.id) return;
    ol.textContent = '';
    let status = null;
    const entries = [];
    for (const h of items) { // oldest first: each status move knows the one before it
      const changes = h.changes || [];
      const moved = changes.find((c) => c.field === 'status' && c.op === 'set');
      const opened = changes.some((c) => c.field === 'created');
      entries.push({h, from: status, to: moved && moved.value, opened,
        rest: changes.filter((c) => !/^(status|branch|created|customer|closed_at)$/.test(c.field))});
      if (moved) status = moved.value;
    }
    for (const x of entries.reverse()) {
      const li = ol.appendChild(A.el('li', {class: 'sv-entry' + (x.opened ? ' sv-opened' : x.to ? ' sv-move' : ''), 'data-to': x.to || undefined}));
      const head = li.appendChild(A.el('p', {class: 'sv-entry-head'}));
      head.append(timeEl(x.h.when), A.sep(), A.el('bdi', {class: 'sv-author'}, x.h.author || ''), A.sep(), A.el('bdi', {class: 'sv-branch'}, x.h.branch || ''));
      if (x.opened) li.appendChild(A.el('p', {class: 'sv-entry-what'})).appendChild(A.el('strong', {}, A.t('sv_opened', statusLabel(x.to || 'inquiry'))));
      else if (x.to) li.appendChild(A.el('p', {class: 'sv-entry-what'})).appendChild(A.el('strong', {}, A.t('sv_statusmove', statusLabel(x.from || 'inquiry'), statusLabel(x.to))));
      if (x.rest.length) {
        const ul = li.appendChild(A.el('ul', {class: 'sv-changes'}));
        for (const c of x.rest) {
          const item = ul.appendChild(A.el('li'));
          item.appendChild(A.el('span', {class: 'sv-field'}, A.fieldLabel(c.field) + ': '));
          item.appendChild(A.el('bdi', {}, c.op === 'set' ? shownValue(c.field, c.value) : '—'));
        }
      }
    }
    if (more) ol.appendChild(A.el('li', {class: 'more'}, A.t('sv_morehistory')));
  }

  // ---- the customer card's Service section: its tickets, and a ticket of its own to add ----
  // branch.js calls this as the card's related lists are drawn (box: #card-related).
  A.cardService = (box, c) => {
    const sec = box.appendChild(A.el('section', {class: 'related sv-related', 'data-kind': 'ticket', 'aria-labelledby': 'rel-ticket'}));
    const head = sec.appendChild(A.el('div', {class: 'row'}));
    head.appendChild(A.el('h3', {id: 'rel-ticket'}, A.t('sv_service')));
    const formBox = sec.appendChild(A.el('div', {class: 'sv-cardform'}));
    const msg = sec.appendChild(A.el('p', {class: 'sv-cardmessage', role: 'status'}));
    const ul = sec.appendChild(A.el('ul', {class: 'records', 'aria-busy': 'true'}));
    const fill = async () => {
      const xs = await A.items('list', {kind: 'ticket', customer: c.id, sort: 'created', desc: true, limit: CARD_LIMIT}).catch(() => []);
      ul.textContent = '';
      for (const t of xs) {
        const li = ul.appendChild(A.el('li', {'data-id': t.id, class: isLate(t) ? 'late' : undefined}));
        const what = li.appendChild(A.el('span', {class: 'what'}));
        what.appendChild(A.el('a', {href: '#/ticket/' + t.id})).appendChild(A.el('strong', {dir: 'auto'}, t.subject || ''));
        what.append(' ', badge('sv-status', 'data-status', statusOf(t), statusLabel(statusOf(t))), ' ',
          badge('sv-prio', 'data-priority', t.priority, priorityLabel(t.priority)), ' ', slaBox(t));
      }
      if (!xs.length) ul.appendChild(A.el('li', {class: 'empty'}, A.t('sv_nocardtickets')));
      if (xs.more) ul.appendChild(A.el('li', {class: 'more'}, A.t('sv_morecard')));
      ul.removeAttribute('aria-busy');
    };
    if (A.canWrite) {
      const add = head.appendChild(A.el('button', {type: 'button', class: 'small'}, A.t('sv_addticket')));
      add.addEventListener('click', () => {
        const close = () => { formBox.textContent = ''; if (add.isConnected) add.focus(); };
        formBox.textContent = '';
        msg.textContent = '';
        const form = ticketForm('svc-', {id: c.id, name: c.name}, async (id) => {
          formBox.textContent = '';
          const t = await A.call('get', {id}).catch(() => null);
          msg.textContent = t ? A.t('sv_saved', A.dateTime(t.sla_due)) : A.t('saved');
          await fill();
          const link = ul.querySelector(`li[data-id="${id}"] a`);
          if (link) link.focus();
        }, close);
        formBox.appendChild(form);
        form.querySelector('input').focus();
      });
    }
    fill();
  };

  // ---- wiring ----
  A.view('tickets', {show([mode]) {
    ensure();
    L.mode = mode === 'board' ? 'board' : 'list';
    if (L.open) closeTicket();
    showMode();
    redraw();
  }});
  A.view('ticket', {box: 'tickets', nav: 'tickets', show([id]) {
    ensure();
    showMode();
    if (!L.loaded || L.mode === 'board') redraw();
    if (id) openTicket(id);
  }});
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !built || $('view-tickets').hidden) return;
    if ($('sv-new').firstChild) { $('sv-new').textContent = ''; return; }
    if (L.open) closeTicket();
  });
  A.onLanguage(() => {
    for (const say of [...relabel]) say();
    if (!built) return;
    fillUsers();
    // what was said of an earlier action was said in the other language: it goes
    for (const id of ['sv-message', 'sv-board-message']) $(id).textContent = '';
    if ($('view-tickets').hidden) return;
    redraw();
    if (L.rec) { drawTicket(L.rec, true); drawTimeline(L.rec); }
  });
})();
