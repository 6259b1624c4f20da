'use strict';
// The pipeline board: a column per stage with its count and its total per currency, each deal
// with its customer and amount; filter by branch and assigned user; drag a deal (or choose its
// stage from its list, the keyboard's way) to move it; moving to Lost asks for the reason.
A.strings({
  en: {moveto: 'Move to', count: 'Deals: {0}', nodealsstage: 'No deals', lostwhy: 'Why was this deal lost?', marklost: 'Mark as lost',
    needreason: 'Say why it was lost: it is what the reports learn from.', moved: 'Moved to {0}.', boardmore: 'Only the first {0} deals are on the board: filter by branch or user.'},
  fa: {moveto: 'انتقال به', count: '{0} معامله', nodealsstage: 'معامله‌ای نیست', lostwhy: 'چرا این معامله از دست رفت؟', marklost: 'ثبت از دست رفتن',
    needreason: 'دلیل را بنویسید: گزارش‌ها از آن یاد می‌گیرند.', moved: 'به {0} منتقل شد.', boardmore: 'فقط {0} معاملهٔ نخست روی تابلو است: بر اساس شعبه یا کاربر فیلتر کنید.'},
  zh: {moveto: '移至', count: '交易：{0}', nodealsstage: '没有交易', lostwhy: '为什么丢单？', marklost: '标记为丢单',
    needreason: '请说明丢单原因：报表会据此分析。', moved: '已移至{0}。', boardmore: '看板只显示前{0}个交易：请按分店或用户筛选。'},
});

(() => {
  const $ = (id) => document.getElementById(id);
  const names = new Map(); // customer id -> name, for the cards
  let deals = [], pendingLost = null;

  async function customerNames(ids) {
    const want = [...new Set(ids)].filter((id) => id && !names.has(id));
    for (let i = 0; i < want.length; i += 8) // a few at a time: the node serves the page too
      await Promise.all(want.slice(i, i + 8).map((id) => A.call('get', {kind: 'customer', id}).then((c) => names.set(id, c.name)).catch(() => names.set(id, ''))));
  }

  const isLost = (stage) => /lost/i.test(stage); // the default pipeline's Lost, or a custom stage named so

  function totalsOf(stage, reply) {
    const t = new Map();
    if (reply.totals) {
      for (const x of reply.totals) if (x.stage === stage && x.currency) t.set(x.currency, {count: x.count, amount: x.amount});
      return t;
    }
    for (const d of deals) if (d.stage === stage && d.currency) {
      const v = t.get(d.currency) || {count: 0, amount: 0};
      v.count++;
      v.amount += Number(d.amount || 0);
      t.set(d.currency, v);
    }
    return t;
  }

  async function draw() {
    const box = $('board');
    box.setAttribute('aria-busy', 'true');
    const args = {kind: 'deal', totals: true, limit: 1000};
    if ($('p-branch').value) args.branch = $('p-branch').value;
    if ($('p-assigned').value) args.assigned = $('p-assigned').value;
    const form = $('lost-form');
    if (box.contains(form)) $('view-pipeline').appendChild(form); // it sits beside a deal while asking: keep it
    let reply;
    try { reply = await A.items('list', args); } catch (e) { $('board-message').textContent = A.reason(e); box.removeAttribute('aria-busy'); return; }
    deals = reply;
    await customerNames(deals.map((d) => d.customer));
    box.textContent = '';
    if (reply.more) box.appendChild(A.el('p', {class: 'more'}, A.t('boardmore', A.num(deals.length))));
    for (const stage of A.B.stages) {
      const mine = deals.filter((d) => d.stage === stage);
      const col = box.appendChild(A.el('section', {class: 'column', 'data-stage': stage, 'aria-labelledby': 'col-' + stage}));
      const head = col.appendChild(A.el('header'));
      head.appendChild(A.el('h3', {id: 'col-' + stage, dir: 'auto'}, A.stage(stage)));
      const totals = totalsOf(stage, reply);
      const count = [...totals.values()].reduce((n, v) => n + v.count, 0) || mine.length;
      head.appendChild(A.el('span', {class: 'count'}, A.t('count', A.num(count))));
      const sums = head.appendChild(A.el('ul', {class: 'sums', 'aria-label': A.t('f_amount')}));
      for (const [cur, v] of [...totals.entries()].sort()) sums.appendChild(A.el('li', {dir: 'ltr', 'data-currency': cur}, A.money(v.amount, cur)));
      col.addEventListener('dragover', (e) => { e.preventDefault(); col.classList.add('drop'); });
      col.addEventListener('dragleave', () => col.classList.remove('drop'));
      col.addEventListener('drop', (e) => { e.preventDefault(); col.classList.remove('drop'); move(e.dataTransfer.getData('text/plain'), stage); });
      const list = col.appendChild(A.el('ul', {class: 'deals'}));
      for (const d of mine) {
        const card = list.appendChild(A.el('li', {class: 'deal', draggable: A.canWrite ? 'true' : 'false', 'data-id': d.id, tabindex: '0'}));
        card.appendChild(A.el('strong', {dir: 'auto'}, d.title));
        const who = card.appendChild(A.el('a', {href: '#/customer/' + d.customer, dir: 'auto', class: 'customer'}, names.get(d.customer) || ''));
        who.addEventListener('click', (e) => e.stopPropagation());
        card.appendChild(A.el('span', {class: 'amount', dir: 'ltr'}, A.money(d.amount, d.currency)));
        if (d.lost_reason) card.appendChild(A.el('small', {dir: 'auto', class: 'muted'}, d.lost_reason));
        if (A.canWrite) {
          const id = 'move-' + d.id;
          const lab = card.appendChild(A.el('label', {for: id, class: 'sr'}, A.t('moveto') + ' — ' + d.title));
          lab.setAttribute('data-deal', d.title);
          const sel = card.appendChild(A.el('select', {id}));
          for (const s2 of A.B.stages) sel.appendChild(A.el('option', {value: s2}, A.stage(s2)));
          sel.value = stage;
          sel.addEventListener('change', () => move(d.id, sel.value));
          card.addEventListener('dragstart', (e) => e.dataTransfer.setData('text/plain', d.id));
        }
      }
      if (!mine.length) list.appendChild(A.el('li', {class: 'empty'}, A.t('nodealsstage')));
    }
    box.removeAttribute('aria-busy');
  }

  async function move(id, stage, reason) {
    const d = deals.find((x) => x.id === id);
    if (!d || d.stage === stage) return;
    if (isLost(stage) && reason === undefined) { askReason(id, stage); return; }
    try {
      await A.call('update', Object.assign({kind: 'deal', id, stage}, reason ? {lost_reason: reason} : {}), true);
      $('board-message').textContent = A.t('moved', A.stage(stage));
    } catch (e) { $('board-message').textContent = A.reason(e); }
    await draw();
  }

  // Lost asks why, beside the deal it is about, naming it; Esc or Cancel leaves the deal where it was.
  function askReason(id, stage) {
    pendingLost = {id, stage};
    const form = $('lost-form'), card = document.querySelector(`.deal[data-id="${id}"]`);
    const d = deals.find((x) => x.id === id);
    $('h-lost').textContent = A.t('lostwhy') + (d ? ' — ' + d.title : '');
    if (card) card.after(form);
    form.hidden = false;
    $('lost-reason').value = '';
    $('lost-hint').textContent = '';
    $('lost-reason').focus();
  }

  function cancelLost() {
    const p = pendingLost;
    $('lost-form').hidden = true;
    pendingLost = null;
    draw().then(() => { const card = p && document.querySelector(`.deal[data-id="${p.id}"]`); if (card) card.focus(); });
  }

  A.view('pipeline', {show() { draw(); }});
  A.initBoard = () => {
    A.fillSelect($('p-branch'), A.B.branches.map((b) => [b, b]), A.session.branch || '', 'all'); // the user's branch first
    A.fillSelect($('p-assigned'), A.userOptions(), '', 'anyone');
    $('p-branch').addEventListener('change', draw);
    $('p-assigned').addEventListener('change', draw);
    $('lost-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const reason = $('lost-reason').value.trim();
      if (!reason) { $('lost-hint').textContent = A.t('needreason'); $('lost-reason').focus(); return; }
      $('lost-form').hidden = true;
      const p = pendingLost;
      pendingLost = null;
      if (p) await move(p.id, p.stage, reason);
    });
    $('lost-cancel').addEventListener('click', cancelLost);
    $('lost-form').addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); cancelLost(); } });
    A.onLanguage(() => {
      A.fillSelect($('p-branch'), A.B.branches.map((b) => [b, b]), $('p-branch').value, 'all');
      A.fillSelect($('p-assigned'), A.userOptions(), $('p-assigned').value, 'anyone');
      if (!$('view-pipeline').hidden) draw();
    });
  };
})();
