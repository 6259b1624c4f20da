'use strict';
// People and passwords, shared by the branch app and the HQ dashboard (global People):
// "Change my password" for every signed-in user of the org, and the People page for admins
// (the org's users: make one, disable or enable, reset a password, add or remove a role).
// Passwords go to the node's own routes (/api/password, /api/users/add, /api/users/password),
// which hash them; this page never hashes a password nor sends a hash. Whether an admin may
// make a change is the node's judgement: its refusal (EPERM) is shown as it says it. Every
// word in English, Persian (right to left) and Chinese; data is put on the page with
// textContent only. The page calls People.mount(boxes, ctx) once signed in and
// People.setLanguage(lang) when the language changes.
const People = (() => {
  const S = {
    en: {pp_people: 'People', pp_pw_heading: 'Change my password', pp_current: 'Current password', pp_new: 'New password',
         pp_again: 'New password again', pp_pw_save: 'Change my password', pp_pw_hint: 'At least 10 characters.',
         pp_pw_done: 'Your password is changed. You stay signed in here; your other sessions have ended.',
         pp_pw_local: 'This node signs in its own local users (the org has no users yet): your password is changed by the node\'s operator, on the node\'s machine.',
         pp_need: 'Fill in every field.', pp_short: 'The new password is too short: at least 10 characters.',
         pp_long: 'The new password is too long: at most 256 characters.', pp_mismatch: 'The two new passwords are not the same.',
         pp_wrong_current: 'The current password is not right: type the one you signed in with.',
         pp_throttled: 'Too many wrong passwords: wait a few minutes and try again.',
         pp_self: 'Change your own password with Change my password: it asks for the current one.',
         pp_not_admin: 'Only an admin makes users and resets passwords.',
         pp_local_users: 'The org has no users yet: make the first one at HQ with accordctl user add.',
         pp_refused: 'The node refused: {0}', pp_failed: 'That did not work: {0}', pp_nonode: 'The node does not answer: check the connection.',
         pp_users: 'The org\'s users', pp_login: 'Login', pp_name: 'Name', pp_roles: 'Roles', pp_status: 'Status', pp_home: 'Made at',
         pp_actions: 'Actions', pp_active: 'active', pp_disabled: 'disabled', pp_disable: 'Disable', pp_enable: 'Enable',
         pp_reset: 'Reset password', pp_addrole: 'Add a role', pp_remove: 'Remove', pp_remove_label: 'Remove the role {0} from {1}',
         pp_disable_label: 'Disable {0}', pp_enable_label: 'Enable {0}', pp_reset_label: 'Reset the password of {0}',
         pp_addrole_label: 'Add a role to {0}', pp_none: 'No users yet.', pp_loading: 'Loading…',
         pp_add_heading: 'Add a user', pp_password: 'Password', pp_role: 'Role', pp_scope: 'Scope', pp_place: 'Branch or region',
         pp_add: 'Add the user', pp_cancel: 'Cancel', pp_save: 'Save',
         pp_reset_heading: 'New password for {0}', pp_role_heading: 'A new role for {0}',
         pp_added: 'User {0} is made.', pp_was_reset: 'The password of {0} is reset; their sessions have ended.',
         pp_was_disabled: '{0} is disabled; their sessions end on every node as it replicates.', pp_was_enabled: '{0} is enabled.',
         pp_role_added: 'Role added to {0}.', pp_role_removed: 'Role removed from {0}.', pp_need_place: 'Name the branch or the region.',
         pp_note: 'What you may give: at a branch, roles of that branch; at HQ, what your own admin roles cover. The node decides.',
         role_staff: 'staff', role_manager: 'manager', role_admin: 'admin',
         sc_branch: 'branch {0}', sc_region: 'region {0}', sc_org: 'the whole org',
         sc_this: 'this branch ({0})', sc_a_branch: 'a branch', sc_a_region: 'a region'},
    fa: {pp_people: 'کاربران', pp_pw_heading: 'تغییر گذرواژهٔ من', pp_current: 'گذرواژهٔ کنونی', pp_new: 'گذرواژهٔ تازه',
         pp_again: 'تکرار گذرواژهٔ تازه', pp_pw_save: 'تغییر گذرواژهٔ من', pp_pw_hint: 'دست‌کم ۱۰ نویسه.',
         pp_pw_done: 'گذرواژهٔ شما تغییر کرد. این‌جا وارد می‌مانید؛ نشست‌های دیگرتان بسته شدند.',
         pp_pw_local: 'این گره کاربران محلی خودش را می‌پذیرد (سازمان هنوز کاربری ندارد): گذرواژهٔ شما را گردانندهٔ گره روی دستگاه همان گره تغییر می‌دهد.',
         pp_need: 'همهٔ خانه‌ها را پر کنید.', pp_short: 'گذرواژهٔ تازه کوتاه است: دست‌کم ۱۰ نویسه.',
         pp_long: 'گذرواژهٔ تازه بلند است: حداکثر ۲۵۶ نویسه.', pp_mismatch: 'دو گذرواژهٔ تازه یکی نیستند.',
         pp_wrong_current: 'گذرواژهٔ کنونی درست نیست: همانی را بنویسید که با آن وارد شدید.',
         pp_throttled: 'گذرواژهٔ نادرست بیش از اندازه: چند دقیقه صبر کنید و دوباره امتحان کنید.',
         pp_self: 'گذرواژهٔ خودتان را با «تغییر گذرواژهٔ من» عوض کنید: گذرواژهٔ کنونی را می‌پرسد.',
         pp_not_admin: 'فقط راهبر کاربر می‌سازد و گذرواژه را از نو می‌گذارد.',
         pp_local_users: 'سازمان هنوز کاربری ندارد: نخستین کاربر را در دفتر مرکزی با accordctl user add بسازید.',
         pp_refused: 'گره نپذیرفت: {0}', pp_failed: 'انجام نشد: {0}', pp_nonode: 'گره پاسخ نمی‌دهد: اتصال را بررسی کنید.',
         pp_users: 'کاربران سازمان', pp_login: 'نام کاربری', pp_name: 'نام', pp_roles: 'نقش‌ها', pp_status: 'وضعیت', pp_home: 'ساخته‌شده در',
         pp_actions: 'کارها', pp_active: 'فعال', pp_disabled: 'غیرفعال', pp_disable: 'غیرفعال کردن', pp_enable: 'فعال کردن',
         pp_reset: 'گذرواژهٔ تازه', pp_addrole: 'افزودن نقش', pp_remove: 'برداشتن', pp_remove_label: 'برداشتن نقش {0} از {1}',
         pp_disable_label: 'غیرفعال کردن {0}', pp_enable_label: 'فعال کردن {0}', pp_reset_label: 'گذرواژهٔ تازه برای {0}',
         pp_addrole_label: 'افزودن نقش به {0}', pp_none: 'هنوز کاربری نیست.', pp_loading: 'در حال بارگذاری…',
         pp_add_heading: 'افزودن کاربر', pp_password: 'گذرواژه', pp_role: 'نقش', pp_scope: 'گستره', pp_place: 'شعبه یا منطقه',
         pp_add: 'افزودن کاربر', pp_cancel: 'انصراف', pp_save: 'ذخیره',
         pp_reset_heading: 'گذرواژهٔ تازه برای {0}', pp_role_heading: 'نقش تازه برای {0}',
         pp_added: 'کاربر {0} ساخته شد.', pp_was_reset: 'گذرواژهٔ {0} از نو گذاشته شد؛ نشست‌هایش بسته شدند.',
         pp_was_disabled: '{0} غیرفعال شد؛ نشست‌هایش با رسیدن این تغییر در همهٔ گره‌ها بسته می‌شوند.', pp_was_enabled: '{0} فعال شد.',
         pp_role_added: 'نقش به {0} افزوده شد.', pp_role_removed: 'نقش از {0} برداشته شد.', pp_need_place: 'نام شعبه یا منطقه را بنویسید.',
         pp_note: 'آنچه می‌توانید بدهید: در شعبه، نقش‌های همان شعبه؛ در دفتر مرکزی، آنچه نقش‌های راهبری خودتان در بر می‌گیرد. تصمیم با گره است.',
         role_staff: 'کارمند', role_manager: 'مدیر', role_admin: 'راهبر',
         sc_branch: 'شعبهٔ {0}', sc_region: 'منطقهٔ {0}', sc_org: 'همهٔ سازمان',
         sc_this: 'همین شعبه ({0})', sc_a_branch: 'یک شعبه', sc_a_region: 'یک منطقه'},
    zh: {pp_people: '用户', pp_pw_heading: '修改我的密码', pp_current: '当前密码', pp_new: '新密码',
         pp_again: '再次输入新密码', pp_pw_save: '修改我的密码', pp_pw_hint: '至少 10 个字符。',
         pp_pw_done: '您的密码已修改。您在此处保持登录；您的其他会话已结束。',
         pp_pw_local: '本节点使用自己的本地用户（组织尚无用户）：您的密码由节点管理员在节点所在的机器上修改。',
         pp_need: '请填写所有字段。', pp_short: '新密码太短：至少 10 个字符。',
         pp_long: '新密码太长：最多 256 个字符。', pp_mismatch: '两次输入的新密码不一致。',
         pp_wrong_current: '当前密码不正确：请输入您登录时使用的密码。',
         pp_throttled: '错误密码次数过多：请等几分钟再试。',
         pp_self: '请用“修改我的密码”修改您自己的密码：它会询问当前密码。',
         pp_not_admin: '只有管理员可以创建用户和重置密码。',
         pp_local_users: '组织尚无用户：请在总部用 accordctl user add 创建第一个用户。',
         pp_refused: '节点拒绝：{0}', pp_failed: '未能完成：{0}', pp_nonode: '节点没有响应：请检查连接。',
         pp_users: '组织的用户', pp_login: '登录名', pp_name: '姓名', pp_roles: '角色', pp_status: '状态', pp_home: '创建于',
         pp_actions: '操作', pp_active: '启用', pp_disabled: '已停用', pp_disable: '停用', pp_enable: '启用',
         pp_reset: '重置密码', pp_addrole: '添加角色', pp_remove: '移除', pp_remove_label: '从 {1} 移除角色 {0}',
         pp_disable_label: '停用 {0}', pp_enable_label: '启用 {0}', pp_reset_label: '重置 {0} 的密码',
         pp_addrole_label: '为 {0} 添加角色', pp_none: '尚无用户。', pp_loading: '加载中…',
         pp_add_heading: '添加用户', pp_password: '密码', pp_role: '角色', pp_scope: '范围', pp_place: '分店或区域',
         pp_add: '添加用户', pp_cancel: '取消', pp_save: '保存',
         pp_reset_heading: '{0} 的新密码', pp_role_heading: '{0} 的新角色',
         pp_added: '已创建用户 {0}。', pp_was_reset: '{0} 的密码已重置；其会话已结束。',
         pp_was_disabled: '{0} 已停用；随着复制，其会话在每个节点上结束。', pp_was_enabled: '{0} 已启用。',
         pp_role_added: '已为 {0} 添加角色。', pp_role_removed: '已从 {0} 移除角色。', pp_need_place: '请填写分店或区域的名称。',
         pp_note: '您可以授予的：在分店，该分店的角色；在总部，您自己的管理员角色所覆盖的。由节点决定。',
         role_staff: '员工', role_manager: '经理', role_admin: '管理员',
         sc_branch: '分店 {0}', sc_region: '区域 {0}', sc_org: '整个组织',
         sc_this: '本分店（{0}）', sc_a_branch: '某个分店', sc_a_region: '某个区域'},
  };
  const ROLES = ['staff', 'manager', 'admin'];
  const PASSWORD_MIN = 10, PASSWORD_MAX = 256; // bytes of UTF-8, as the node counts (USER_PASSWORD_MIN..MAX)
  let lang = 'en', ctx = null, boxes = {};
  const P = {};
  const t = (key, ...args) => String(S[lang][key] ?? S.en[key] ?? key).replace(/\{(\d)\}/g, (_, i) => (args[i] === undefined ? '' : String(args[i])));
  P.missing = (l) => Object.keys(S.en).filter((k) => !(k in S[l]));

  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  // a labelled field: <p><label for=ID>…</label><input id=ID …></p>
  const fieldOf = (id, label, input) => {
    const p = el('p', {class: 'pp-field'});
    p.append(el('label', {for: id}, label), input);
    input.id = id;
    return p;
  };
  const bytes = (s) => new TextEncoder().encode(s).length;
  const passwordProblem = (pw) => (bytes(pw) < PASSWORD_MIN ? 'pp_short' : bytes(pw) > PASSWORD_MAX ? 'pp_long' : null);
  const roleText = (r) => ROLES.includes(r) ? t('role_' + r) : r;
  // "staff branch b1" as people read it in the chosen language; an unknown form as written
  const grantText = (g) => {
    const [role, scope, ...rest] = String(g).split(' ');
    const name = rest.join(' ');
    if (scope === 'org') return roleText(role) + ' — ' + t('sc_org');
    if (scope === 'branch' || scope === 'region') return roleText(role) + ' — ' + t('sc_' + scope, name);
    return String(g);
  };

  // ---- the node's answers: translated when the page knows why, else the node's words ----
  function failure(j, status) {
    const e = new Error(j && j.message ? j.message : 'HTTP ' + status);
    e.code = j && j.error ? j.error : 'EHTTP';
    e.reason = j && j.reason;
    e.status = status;
    return e;
  }
  async function send(url, fields, getOnly) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields || {})) if (v !== undefined && v !== null && v !== '') body.append(k, String(v));
    let r;
    try {
      r = getOnly ? await fetch(url + '?' + body.toString())
        : await fetch(url, {method: 'POST', body, headers: {'X-CSRF-Token': ctx.session().csrf}});
    } catch (e) { throw failure({error: 'ENET', reason: 'nonode'}, 0); }
    if (r.status === 401) { location.href = '/login'; throw failure({error: 'ESESSION'}, 401); }
    let j = null;
    try { j = await r.json(); } catch (e) { throw failure(null, r.status); }
    if (j.error) throw failure(j, r.status);
    return j;
  }
  const KNOWN = ['short', 'long', 'mismatch', 'wrong_current', 'self', 'not_admin', 'local_users', 'nonode'];
  function reasonText(e) {
    if (e.status === 429) return t('pp_throttled');
    if (e.reason && KNOWN.includes(e.reason)) return t('pp_' + e.reason);
    if (e.code === 'EPERM' || e.code === 'EAUTH') return t('pp_refused', e.message);
    return t('pp_failed', e.message);
  }
  const say = (box, text, bad) => { box.textContent = text; box.dataset.state = bad ? 'bad' : 'good'; };

  // ---- Change my password ----
  function drawPassword() {
    const root = boxes.password;
    if (!root) return;
    const h = el('h2', {id: 'pp-pw-h'}, t('pp_pw_heading'));
    root.setAttribute('aria-labelledby', 'pp-pw-h');
    if (!ctx.session().people) { root.replaceChildren(h, el('p', {class: 'muted'}, t('pp_pw_local'))); return; }
    const form = el('form', {id: 'pp-pw-form', class: 'pp-form', novalidate: true});
    const input = (auto) => el('input', {type: 'password', autocomplete: auto, maxlength: '256', dir: 'ltr', required: true});
    const current = input('current-password'), fresh = input('new-password'), again = input('new-password');
    fresh.setAttribute('aria-describedby', 'pp-new-hint');
    const hint = el('span', {id: 'pp-new-hint', class: 'muted pp-hint'}, t('pp_pw_hint'));
    const freshField = fieldOf('pp-new', t('pp_new'), fresh);
    freshField.append(hint);
    const msg = el('p', {id: 'pp-pw-message', role: 'status', 'aria-live': 'polite'});
    const actions = el('p', {class: 'actions'});
    actions.append(el('button', {type: 'submit', class: 'primary'}, t('pp_pw_save')));
    form.append(el('div', {class: 'fields'}), msg, actions);
    form.firstChild.append(fieldOf('pp-current', t('pp_current'), current), freshField, fieldOf('pp-again', t('pp_again'), again));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!current.value || !fresh.value || !again.value) return say(msg, t('pp_need'), true);
      const problem = passwordProblem(fresh.value);
      if (problem) return say(msg, t(problem), true);
      if (fresh.value !== again.value) return say(msg, t('pp_mismatch'), true);
      try {
        const j = await send('/api/password', {current: current.value, password: fresh.value, again: again.value});
        ctx.setCsrf(j.csrf); // the session was replaced by a fresh one: its CSRF token is new too
        form.reset();
        say(msg, t('pp_pw_done'));
      } catch (e) { say(msg, reasonText(e), true); }
    });
    root.replaceChildren(h, form);
  }

  // ---- People (admins) ----
  const PE = {users: null, me: null, open: null, error: ''}; // open: {kind: 'reset'|'role', login}
  const mayAdmin = () => ctx.session().role === 'admin' && ctx.session().people;

  // The scopes this admin may give here (docs/PERMISSIONS.md, "What an admin may give"): at a
  // branch node only that branch; at HQ what the admin's own admin grants reach. A hint, not
  // the rule: the node judges every change.
  function scopeChoices() {
    const s = ctx.session();
    if (!s.hub) return [{value: 'branch ' + s.node, text: t('sc_this', s.node)}];
    const grants = (PE.me && PE.me.roles) || [];
    const admin = grants.filter((g) => g.startsWith('admin '));
    const out = [];
    if (admin.some((g) => g === 'admin org')) out.push({value: 'org', text: t('sc_org')}, {value: 'region', text: t('sc_a_region'), place: true});
    for (const g of admin.filter((x) => x.startsWith('admin region '))) {
      const r = g.slice('admin region '.length);
      out.push({value: 'region ' + r, text: t('sc_region', r)});
    }
    for (const g of admin.filter((x) => x.startsWith('admin branch '))) {
      const b = g.slice('admin branch '.length);
      out.push({value: 'branch ' + b, text: t('sc_branch', b)});
    }
    if (admin.some((g) => g === 'admin org' || g.startsWith('admin region '))) out.push({value: 'branch', text: t('sc_a_branch'), place: true});
    return out;
  }
  // role + scope pickers and the name a scope of "a branch" or "a region" needs; read() gives
  // the grant text, or null (and focus) when a name is missing
  function grantPickers(prefix) {
    const role = el('select', {});
    for (const r of ROLES) role.append(el('option', {value: r}, roleText(r)));
    const scope = el('select', {});
    const choices = scopeChoices();
    for (const c of choices) scope.append(el('option', {value: c.value, 'data-place': c.place ? '1' : null}, c.text));
    const place = el('input', {maxlength: '64', dir: 'ltr'});
    const placeField = fieldOf(prefix + '-place', t('pp_place'), place);
    const showPlace = () => { placeField.hidden = !(scope.selectedOptions[0] && scope.selectedOptions[0].dataset.place); };
    scope.addEventListener('change', showPlace);
    showPlace();
    const read = () => {
      const c = scope.value;
      if (!placeField.hidden) { const n = place.value.trim(); if (!n) { place.focus(); return null; } return role.value + ' ' + c + ' ' + n; }
      return role.value + ' ' + c;
    };
    return {fields: [fieldOf(prefix + '-role', t('pp_role'), role), fieldOf(prefix + '-scope', t('pp_scope'), scope), placeField], read};
  }

  async function loadPeople() {
    if (!mayAdmin()) return drawPeople();
    try {
      const [list, me] = await Promise.all([send('/api/node/user_list', {}, true), send('/api/node/whoami', {}, true)]);
      PE.users = list.result.items || [];
      PE.me = me.result.user || null;
      PE.error = '';
    } catch (e) { PE.users = PE.users || []; PE.error = reasonText(e); }
    drawPeople();
  }
  const message = () => document.getElementById('pp-people-message');
  async function change(fields, done) {
    try {
      await send('/api/node/user_set', fields);
      PE.open = null;
      await loadPeople();
      say(message(), done);
    } catch (e) { say(message(), reasonText(e), true); }
  }

  function userRow(u) {
    const tr = el('tr', {'data-login': u.login});
    tr.append(el('td', {dir: 'ltr'}, u.login), el('td', {dir: 'auto'}, u.name));
    const roles = el('td', {});
    const list = roles.appendChild(el('ul', {class: 'pp-roles'}));
    for (const g of u.roles || []) {
      const li = list.appendChild(el('li', {'data-grant': g}));
      li.append(el('bdi', {}, grantText(g)), ' ');
      li.append(button(t('pp_remove'), {'aria-label': t('pp_remove_label', grantText(g), u.login)},
        () => change({login: u.login, remove_roles: g}, t('pp_role_removed', u.login))));
    }
    tr.append(roles, el('td', {}, u.disabled ? t('pp_disabled') : t('pp_active')), el('td', {dir: 'ltr'}, u.home));
    const act = el('td', {class: 'pp-actions'});
    act.append(
      button(u.disabled ? t('pp_enable') : t('pp_disable'), {'aria-label': t(u.disabled ? 'pp_enable_label' : 'pp_disable_label', u.login)},
        () => change({login: u.login, disabled: !u.disabled}, t(u.disabled ? 'pp_was_enabled' : 'pp_was_disabled', u.login))),
      ' ', button(t('pp_reset'), {'aria-label': t('pp_reset_label', u.login)}, () => { PE.open = {kind: 'reset', login: u.login}; drawPeople(); }),
      ' ', button(t('pp_addrole'), {'aria-label': t('pp_addrole_label', u.login)}, () => { PE.open = {kind: 'role', login: u.login}; drawPeople(); }));
    tr.append(act);
    return tr;
  }
  function button(text, attrs, fn) {
    const b = el('button', Object.assign({type: 'button'}, attrs), text);
    b.addEventListener('click', fn);
    return b;
  }

  function openForm() {
    const o = PE.open;
    if (!o) return null;
    const form = el('form', {id: 'pp-open-form', class: 'panel pp-form', novalidate: true, 'aria-labelledby': 'pp-open-h'});
    const h = el('h3', {id: 'pp-open-h'}, t(o.kind === 'reset' ? 'pp_reset_heading' : 'pp_role_heading', o.login));
    const fields = el('div', {class: 'fields'});
    let read;
    if (o.kind === 'reset') {
      const pw = el('input', {type: 'password', autocomplete: 'new-password', maxlength: '256', dir: 'ltr'});
      fields.append(fieldOf('pp-reset-password', t('pp_new'), pw));
      read = async () => {
        const problem = passwordProblem(pw.value);
        if (problem) throw Object.assign(new Error(''), {reason: problem.slice(3)});
        await send('/api/users/password', {login: o.login, password: pw.value});
        return t('pp_was_reset', o.login);
      };
    } else {
      const g = grantPickers('pp-grant');
      fields.append(...g.fields);
      read = async () => {
        const grant = g.read();
        if (!grant) throw Object.assign(new Error(''), {reason: 'need_place'});
        await send('/api/node/user_set', {login: o.login, add_roles: grant});
        return t('pp_role_added', o.login);
      };
    }
    const actions = el('p', {class: 'actions'});
    actions.append(el('button', {type: 'submit', class: 'primary'}, t('pp_save')), ' ',
      button(t('pp_cancel'), {}, () => { PE.open = null; drawPeople(); }));
    form.append(h, fields, actions);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const done = await read();
        PE.open = null;
        await loadPeople();
        say(message(), done);
      } catch (e) { say(message(), e.reason === 'need_place' ? t('pp_need_place') : reasonText(e), true); }
    });
    return form;
  }

  function addForm() {
    const form = el('form', {id: 'pp-add-form', class: 'panel pp-form', novalidate: true, 'aria-labelledby': 'pp-add-h'});
    const login = el('input', {maxlength: '40', dir: 'ltr', autocomplete: 'off', required: true});
    const name = el('input', {maxlength: '200', dir: 'auto', autocomplete: 'off'});
    const pw = el('input', {type: 'password', autocomplete: 'new-password', maxlength: '256', dir: 'ltr', required: true});
    const g = grantPickers('pp-add');
    const fields = el('div', {class: 'fields'});
    fields.append(fieldOf('pp-add-login', t('pp_login'), login), fieldOf('pp-add-name', t('pp_name'), name),
      fieldOf('pp-add-password', t('pp_password'), pw), ...g.fields);
    const actions = el('p', {class: 'actions'});
    actions.append(el('button', {type: 'submit', class: 'primary'}, t('pp_add')));
    form.append(el('h3', {id: 'pp-add-h'}, t('pp_add_heading')), fields, el('p', {class: 'muted pp-note'}, t('pp_note')), actions);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!login.value.trim() || !pw.value) return say(message(), t('pp_need'), true);
      const problem = passwordProblem(pw.value);
      if (problem) return say(message(), t(problem), true);
      const grant = g.read();
      if (!grant) return say(message(), t('pp_need_place'), true);
      try {
        const j = await send('/api/users/add', {login: login.value.trim(), name: name.value.trim(), password: pw.value, role: grant});
        form.reset();
        await loadPeople();
        say(message(), t('pp_added', j.result.login));
      } catch (e) { say(message(), reasonText(e), true); }
    });
    return form;
  }

  function drawPeople() {
    const root = boxes.people;
    if (!root) return;
    root.hidden = !mayAdmin();
    if (root.hidden) return;
    const h = el('h2', {id: 'pp-people-h'}, t('pp_people'));
    root.setAttribute('aria-labelledby', 'pp-people-h');
    const kept = message() ? message().textContent : '';
    const msg = el('p', {id: 'pp-people-message', role: 'status', 'aria-live': 'polite'}, PE.error || kept);
    const table = el('table', {id: 'pp-users'});
    const head = table.appendChild(el('thead')).appendChild(el('tr'));
    for (const k of ['pp_login', 'pp_name', 'pp_roles', 'pp_status', 'pp_home', 'pp_actions']) head.append(el('th', {scope: 'col'}, t(k)));
    const body = table.appendChild(el('tbody'));
    if (!PE.users) body.appendChild(el('tr')).append(el('td', {colspan: '6', class: 'muted'}, t('pp_loading')));
    else if (!PE.users.length) body.appendChild(el('tr')).append(el('td', {colspan: '6', class: 'muted'}, t('pp_none')));
    else for (const u of PE.users) body.append(userRow(u));
    const box = el('div', {class: 'tablebox'});
    box.append(table);
    const parts = [h, msg, el('h3', {}, t('pp_users')), box];
    const open = openForm();
    if (open) parts.push(open);
    parts.push(addForm());
    root.replaceChildren(...parts);
  }

  // The page's own few styles: a constructed sheet (the pages' CSP refuses <style>).
  function style() {
    if (!document.adoptedStyleSheets) return;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(`.pp-form .fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(14em, 1fr)); gap: .2em 1em; }
.pp-form .fields input, .pp-form .fields select { width: 100%; }
.pp-field { margin: .3em 0; } .pp-hint { display: block; font-size: .85em; }
.pp-roles { list-style: none; margin: 0; padding: 0; } .pp-roles li { margin-block-end: .2em; }
.pp-actions { white-space: normal; }
[id^="pp-"][data-state="bad"] { color: var(--bad, #b42318); } [id^="pp-"][data-state="good"] { color: var(--good, #1d7a4f); }`);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }

  // boxes: {password: element, people: element} (either may be missing); c: {session() → the
  // /api/session object, setCsrf(token) → the page keeps the fresh session's token}
  P.mount = (b, c, language) => {
    boxes = b;
    ctx = c;
    lang = S[language] ? language : 'en';
    style();
    drawPassword();
    drawPeople();
    return loadPeople();
  };
  P.refresh = () => loadPeople();
  P.setLanguage = (language) => {
    lang = S[language] ? language : 'en';
    if (!ctx) return;
    drawPassword();
    drawPeople();
  };
  P.mayAdmin = () => !!ctx && mayAdmin();
  return P;
})();

// The branch app (common.js's global A): #/password for everyone, #/people for admins, each
// with its link; the header's language picker redraws them.
if (typeof A !== 'undefined') {
  A.strings({
    en: {peoplenav: 'People', passwordnav: 'My password'},
    fa: {peoplenav: 'کاربران', passwordnav: 'گذرواژهٔ من'},
    zh: {peoplenav: '用户', passwordnav: '我的密码'},
  });
  A.view('people', {show() { People.refresh(); }});
  A.view('password', {show() {}});
  A.initPeople = async () => {
    const ctx = {session: () => A.session, setCsrf: (csrf) => { A.session.csrf = csrf; }};
    await People.mount({password: document.getElementById('password-box'), people: document.getElementById('people-box')}, ctx, A.lang);
    document.getElementById('nav-people').hidden = !People.mayAdmin();
    A.onLanguage(() => People.setLanguage(A.lang));
  };
}
