'use strict';
// The import view (#/import): a CSV or vCard file checked and imported by the node with the
// CLI's own code (POST /api/import/preview, /check, /run; server/http/http_import.c). The
// steps: choose a file, see its first rows and map each column to a field, check (the dry
// run: every bad row with its row, column and reason), import, and download the bad rows as
// a CSV file that imports as it is once fixed. Data goes on the page with textContent only.
(() => {
  A.strings({
    en: {
      'imp.title': 'Import customers',
      'imp.intro': 'A spreadsheet saved as CSV (UTF-8, any separator) or a vCard file of contacts. Nothing is imported until you press Import.',
      'imp.file': 'File',
      'imp.choose': 'Choose a file…', 'imp.nofile': 'No file chosen', 'imp.morebad': '… and {0} more: download the rows to fix to see them all.',
      'imp.reading': 'Reading the file…',
      'imp.about': '{0}: {1}, {2}, separator {3}',
      'imp.aboutvcard': '{0}: vCard, {1}',
      'imp.csv': 'CSV',
      'imp.tab': 'tab',
      'imp.enc.UTF-8': 'UTF-8', 'imp.enc.UTF-8 with BOM': 'UTF-8 with BOM', 'imp.enc.UTF-16LE': 'UTF-16 (converted)', 'imp.enc.UTF-16BE': 'UTF-16 (converted)',
      'imp.preview': 'The first rows',
      'imp.previewnote': 'The first {0} rows of the file, as it has them. Choose for each column the field it fills.',
      'imp.column': "Column '{0}'",
      'imp.ignore': 'ignore',
      'imp.mode': 'Customers already here (same phone or e-mail)',
      'imp.create': 'leave them: import only new customers',
      'imp.upsert': 'update them with the file',
      'imp.update': 'only update them: add no one new',
      'imp.check': 'Check',
      'imp.import': 'Import',
      'imp.checking': 'Checking every row…',
      'imp.importing': 'Importing… large files take a minute; you may keep working in another tab.',
      'imp.checked': 'Checked {0} rows: {1} would be added, {2} updated; {3} rows need fixing. Nothing was changed.',
      'imp.done': 'Imported: {0} rows read, {1} added, {2} updated; {3} rows were not imported.',
      'imp.clean': 'Every row is fine.',
      'imp.badtitle': 'Rows to fix',
      'imp.row': 'Row',
      'imp.card': 'Card',
      'imp.col': 'Column',
      'imp.reason': 'Reason',
      'imp.wholerow': 'the whole row',
      'imp.download': 'Download the rows to fix',
      'imp.downloadnote': 'Fix them in your spreadsheet and import that file as it is: its first three columns are ignored.',
      'imp.noname': 'Choose the column that holds the name.',
      'imp.twice': 'Two columns fill {0}: choose one of them.',
      'imp.toobig': 'The file is larger than 20 MiB: split it, or import it with the accord command.',
      'imp.failed': 'The node refused it: {0}',
      'imp.stopped': 'The import stopped: {0}',
      'imp.manager': 'A manager reads; staff import customers.',
      'imp.f.type': 'Type (person or company)', 'imp.f.name': 'Name', 'imp.f.phones': 'Phones', 'imp.f.emails': 'E-mails',
      'imp.f.address': 'Address', 'imp.f.city': 'City', 'imp.f.national_id': 'National id', 'imp.f.segment': 'Segment',
      'imp.f.source': 'Source', 'imp.f.assigned': 'Assigned to', 'imp.f.consent_email': 'Agrees to e-mail',
      'imp.f.consent_sms': 'Agrees to SMS', 'imp.f.tags': 'Tags',
    },
    fa: {
      'imp.title': 'درون‌ریزی مشتریان',
      'imp.intro': 'صفحه‌گسترده‌ای که به صورت CSV ذخیره شده (UTF-8، با هر جداکننده‌ای) یا فایل vCard مخاطبان. تا دکمهٔ «درون‌ریزی» را نزنید چیزی وارد نمی‌شود.',
      'imp.file': 'فایل',
      'imp.choose': 'انتخاب فایل…', 'imp.nofile': 'فایلی انتخاب نشده', 'imp.morebad': '… و {0} مورد دیگر: برای دیدن همه، سطرهای نیازمند اصلاح را دریافت کنید.',
      'imp.reading': 'در حال خواندن فایل…',
      'imp.about': '{0}: {1}، {2}، جداکننده {3}',
      'imp.aboutvcard': '{0}: vCard، {1}',
      'imp.csv': 'CSV',
      'imp.tab': 'تب',
      'imp.enc.UTF-8': 'UTF-8', 'imp.enc.UTF-8 with BOM': 'UTF-8 با BOM', 'imp.enc.UTF-16LE': 'UTF-16 (تبدیل شد)', 'imp.enc.UTF-16BE': 'UTF-16 (تبدیل شد)',
      'imp.preview': 'سطرهای نخست',
      'imp.previewnote': '{0} سطر نخست فایل، همان‌گونه که در فایل است. برای هر ستون، فیلدی را که پر می‌کند برگزینید.',
      'imp.column': "ستون «{0}»",
      'imp.ignore': 'نادیده بگیر',
      'imp.mode': 'مشتریانی که از پیش هستند (همان تلفن یا ایمیل)',
      'imp.create': 'دست نزن: فقط مشتریان تازه وارد شوند',
      'imp.upsert': 'با فایل به‌روز شوند',
      'imp.update': 'فقط به‌روز شوند: کسی افزوده نشود',
      'imp.check': 'بررسی',
      'imp.import': 'درون‌ریزی',
      'imp.checking': 'در حال بررسی همهٔ سطرها…',
      'imp.importing': 'در حال درون‌ریزی… فایل‌های بزرگ یک دقیقه طول می‌کشند؛ می‌توانید در زبانهٔ دیگری کار کنید.',
      'imp.checked': '{0} سطر بررسی شد: {1} افزوده و {2} به‌روز می‌شوند؛ {3} سطر نیاز به اصلاح دارد. چیزی تغییر نکرد.',
      'imp.done': 'درون‌ریزی شد: {0} سطر خوانده شد، {1} افزوده، {2} به‌روز؛ {3} سطر وارد نشد.',
      'imp.clean': 'همهٔ سطرها درست‌اند.',
      'imp.badtitle': 'سطرهایی که باید اصلاح شوند',
      'imp.row': 'سطر',
      'imp.card': 'کارت',
      'imp.col': 'ستون',
      'imp.reason': 'علت',
      'imp.wholerow': 'کل سطر',
      'imp.download': 'دریافت سطرهایی که باید اصلاح شوند',
      'imp.downloadnote': 'آن‌ها را در صفحه‌گستردهٔ خود اصلاح کنید و همان فایل را درون‌ریزی کنید: سه ستون نخست آن نادیده گرفته می‌شود.',
      'imp.noname': 'ستونی را که نام در آن است برگزینید.',
      'imp.twice': 'دو ستون {0} را پر می‌کنند: یکی را برگزینید.',
      'imp.toobig': 'فایل بزرگ‌تر از ۲۰ مگابایت است: آن را تقسیم کنید یا با فرمان accord درون‌ریزی کنید.',
      'imp.failed': 'گره آن را نپذیرفت: {0}',
      'imp.stopped': 'درون‌ریزی متوقف شد: {0}',
      'imp.manager': 'مدیر فقط می‌خواند؛ کارکنان مشتریان را درون‌ریزی می‌کنند.',
      'imp.f.type': 'نوع (شخص یا شرکت)', 'imp.f.name': 'نام', 'imp.f.phones': 'تلفن‌ها', 'imp.f.emails': 'ایمیل‌ها',
      'imp.f.address': 'نشانی', 'imp.f.city': 'شهر', 'imp.f.national_id': 'کد ملی', 'imp.f.segment': 'بخش بازار',
      'imp.f.source': 'منبع', 'imp.f.assigned': 'مسئول', 'imp.f.consent_email': 'رضایت به ایمیل',
      'imp.f.consent_sms': 'رضایت به پیامک', 'imp.f.tags': 'برچسب‌ها',
    },
    zh: {
      'imp.title': '导入客户',
      'imp.intro': '另存为 CSV 的电子表格（UTF-8，任意分隔符）或联系人 vCard 文件。在您按下“导入”之前不会导入任何内容。',
      'imp.file': '文件',
      'imp.choose': '选择文件…', 'imp.nofile': '未选择文件', 'imp.morebad': '……还有{0}条：下载待修正的行以查看全部。',
      'imp.reading': '正在读取文件…',
      'imp.about': '{0}：{1}，{2}，分隔符 {3}',
      'imp.aboutvcard': '{0}：vCard，{1}',
      'imp.csv': 'CSV',
      'imp.tab': '制表符',
      'imp.enc.UTF-8': 'UTF-8', 'imp.enc.UTF-8 with BOM': 'UTF-8（带 BOM）', 'imp.enc.UTF-16LE': 'UTF-16（已转换）', 'imp.enc.UTF-16BE': 'UTF-16（已转换）',
      'imp.preview': '前几行',
      'imp.previewnote': '文件的前 {0} 行，保持原样。请为每一列选择它填写的字段。',
      'imp.column': '列“{0}”',
      'imp.ignore': '忽略',
      'imp.mode': '已有的客户（相同电话或电子邮件）',
      'imp.create': '保留不动：只导入新客户',
      'imp.upsert': '用文件更新他们',
      'imp.update': '只更新他们：不添加新客户',
      'imp.check': '检查',
      'imp.import': '导入',
      'imp.checking': '正在检查每一行…',
      'imp.importing': '正在导入… 大文件需要一分钟；您可以在另一个标签页继续工作。',
      'imp.checked': '已检查 {0} 行：将添加 {1}，更新 {2}；{3} 行需要修改。没有做任何更改。',
      'imp.done': '已导入：读取 {0} 行，添加 {1}，更新 {2}；{3} 行未导入。',
      'imp.clean': '所有行都没有问题。',
      'imp.badtitle': '需要修改的行',
      'imp.row': '行',
      'imp.card': '名片',
      'imp.col': '列',
      'imp.reason': '原因',
      'imp.wholerow': '整行',
      'imp.download': '下载需要修改的行',
      'imp.downloadnote': '在电子表格中修改后直接导入该文件：其前三列会被忽略。',
      'imp.noname': '请选择包含姓名的列。',
      'imp.twice': '有两列填写 {0}：请只选其中一列。',
      'imp.toobig': '文件大于 20 MiB：请拆分，或用 accord 命令导入。',
      'imp.failed': '节点拒绝了：{0}',
      'imp.stopped': '导入已停止：{0}',
      'imp.manager': '经理只能查看；由员工导入客户。',
      'imp.f.type': '类型（个人或公司）', 'imp.f.name': '姓名', 'imp.f.phones': '电话', 'imp.f.emails': '电子邮件',
      'imp.f.address': '地址', 'imp.f.city': '城市', 'imp.f.national_id': '身份证号', 'imp.f.segment': '细分',
      'imp.f.source': '来源', 'imp.f.assigned': '负责人', 'imp.f.consent_email': '同意接收电子邮件',
      'imp.f.consent_sms': '同意接收短信', 'imp.f.tags': '标签',
    },
  });

  // What the view holds between redraws (a language change redraws it from here).
  const BAD_SHOWN = 200; // of the rows to fix on the page; the download has every one
  const st = {file: null, preview: null, mapping: [], mode: 'create', report: null, reportKind: '', busy: '', error: '', csvUrl: ''};
  const box = () => document.getElementById('view-import');
  const fieldLabel = (name) => { const key = 'imp.f.' + name, t = A.t(key); return t === key ? name : t; };

  // POST the chosen file to an import step; the reply's JSON, or an Error with .code/.message.
  async function send(step) {
    const q = new URLSearchParams({name: st.file.name});
    if (step !== 'preview') {
      for (const f of st.mapping) q.append('column', f || '');
      q.set('mode', st.mode);
      if (st.mode !== 'create') q.set('match', 'phone,email');
    }
    const r = await A.post('/api/import/' + step + '?' + q.toString(), st.file, 'application/octet-stream');
    if (r.status === 401) { location.href = '/login'; throw Object.assign(new Error('signed out'), {code: 'ESESSION'}); }
    let j = null;
    try { j = await r.json(); } catch (e) { j = {error: 'EHTTP', message: 'HTTP ' + r.status}; }
    if (r.status === 413) j = {error: 'ETOOBIG', message: A.t('imp.toobig')};
    if (j.error && !('rows' in j)) throw Object.assign(new Error(j.message), {code: j.error});
    return j;
  }

  function setBusy(key) { st.busy = key; st.error = ''; draw(); }

  async function choose(file) {
    Object.assign(st, {file, preview: null, mapping: [], report: null, error: ''});
    if (!file) return draw();
    setBusy('imp.reading');
    try {
      st.preview = await send('preview');
      st.mapping = st.preview.mapping.map((f) => f || '');
    } catch (e) { st.error = e.message; }
    st.busy = '';
    draw();
    const first = box().querySelector('select');
    if (first) first.focus();
  }

  // The mapping's own faults, said before anything is sent.
  function mappingProblem() {
    const chosen = st.mapping.filter((f) => f);
    const twice = chosen.find((f, i) => chosen.indexOf(f) !== i);
    if (twice) return A.t('imp.twice', fieldLabel(twice));
    if (st.mode !== 'update' && !chosen.includes('name')) return A.t('imp.noname');
    return '';
  }

  async function step(kind) {
    const problem = mappingProblem();
    if (problem) { st.error = problem; return draw(); }
    setBusy(kind === 'run' ? 'imp.importing' : 'imp.checking');
    if (st.csvUrl) { URL.revokeObjectURL(st.csvUrl); st.csvUrl = ''; }
    try {
      st.report = await send(kind);
      st.reportKind = kind;
      if (st.report.errors_csv) st.csvUrl = URL.createObjectURL(new Blob([st.report.errors_csv], {type: 'text/csv;charset=utf-8'}));
    } catch (e) { st.report = null; st.error = A.t('imp.failed', e.message); }
    st.busy = '';
    draw();
  }

  function previewTable(p) {
    const fields = p.fields.map((f) => f.name);
    const table = A.el('table', {id: 'import-preview'});
    table.append(A.el('caption', {}, A.t('imp.previewnote', A.num(p.rows.length))));
    const head = A.el('tr'), map = A.el('tr');
    p.header.forEach((h, c) => {
      head.append(A.el('th', {scope: 'col', dir: 'auto'}, h));
      const id = 'import-map-' + c;
      const td = A.el('td');
      const label = A.el('label', {for: id, dir: 'auto'}, A.t('imp.column', h));
      const sel = A.el('select', {id});
      sel.append(A.el('option', {value: ''}, A.t('imp.ignore')));
      for (const f of fields) sel.append(A.el('option', {value: f}, fieldLabel(f)));
      sel.value = st.mapping[c] || '';
      sel.addEventListener('change', () => { st.mapping[c] = sel.value; st.report = null; st.error = ''; draw(); });
      td.append(label, A.el('br'), sel);
      map.append(td);
    });
    const thead = A.el('thead');
    thead.append(head, map);
    const tbody = A.el('tbody');
    for (const row of p.rows) {
      const tr = A.el('tr');
      p.header.forEach((_, c) => tr.append(A.el('td', {dir: 'auto'}, row[c] ?? '')));
      tbody.append(tr);
    }
    table.append(thead, tbody);
    const wrap = A.el('div', {class: 'tablebox'}); // a wide file scrolls in its box, not the page
    wrap.append(table);
    return wrap;
  }

  function modeSelect() {
    const p = A.el('p');
    const sel = A.el('select', {id: 'import-mode'});
    for (const m of ['create', 'upsert', 'update']) sel.append(A.el('option', {value: m}, A.t('imp.' + m)));
    sel.value = st.mode;
    sel.addEventListener('change', () => { st.mode = sel.value; st.report = null; st.error = ''; draw(); });
    p.append(A.el('label', {for: 'import-mode'}, A.t('imp.mode')), A.el('br'), sel);
    return p;
  }

  function reportPart(r) {
    const part = A.el('div', {id: 'import-report'});
    const bad = new Set(r.bad.map((b) => b.row)).size;
    const text = r.dry_run ? A.t('imp.checked', A.num(r.rows), A.num(r.created), A.num(r.updated), A.num(bad))
                           : A.t('imp.done', A.num(r.rows), A.num(r.created), A.num(r.updated), A.num(bad));
    part.append(A.el('p', {id: 'import-summary', role: 'status'}, text));
    if (r.error) part.append(A.el('p', {role: 'alert', class: 'error'}, A.t('imp.stopped', r.message)));
    if (!r.bad.length) { part.append(A.el('p', {}, A.t('imp.clean'))); return part; }
    part.append(A.el('h3', {}, A.t('imp.badtitle')));
    const table = A.el('table', {id: 'import-bad'});
    const head = A.el('tr');
    for (const k of [st.preview && st.preview.format === 'vcard' ? 'imp.card' : 'imp.row', 'imp.col', 'imp.reason'])
      head.append(A.el('th', {scope: 'col'}, A.t(k)));
    const thead = A.el('thead');
    thead.append(head);
    const tbody = A.el('tbody');
    for (const b of r.bad.slice(0, BAD_SHOWN)) {
      const tr = A.el('tr');
      tr.append(A.el('td', {}, A.num(b.row)), A.el('td', {dir: 'auto'}, b.column === '-' ? A.t('imp.wholerow') : b.column),
                A.el('td', {dir: 'auto'}, A.reason ? A.reason({message: b.reason}) : b.reason)); // the node's words, translated where known
      tbody.append(tr);
    }
    table.append(thead, tbody);
    const wrap = A.el('div', {class: 'tablebox'});
    wrap.append(table);
    part.append(wrap);
    if (r.bad.length > BAD_SHOWN) part.append(A.el('p', {class: 'more'}, A.t('imp.morebad', A.num(r.bad.length - BAD_SHOWN))));
    if (st.csvUrl) {
      const base = st.file.name.replace(/\.[^.]*$/, '');
      part.append(A.el('p', {}, A.t('imp.downloadnote')));
      const p = A.el('p');
      p.append(A.el('a', {id: 'import-download', href: st.csvUrl, download: base + '-to-fix.csv'}, A.t('imp.download')));
      part.append(p);
    }
    return part;
  }

  function draw() {
    const root = box();
    if (!root) return;
    const h = A.el('h2', {id: 'h-import'}, A.t('imp.title'));
    root.setAttribute('aria-labelledby', 'h-import');
    if (!A.canWrite) { root.replaceChildren(h, A.el('p', {}, A.t('imp.manager'))); return; }
    const pick = A.el('p');
    // the browser's own file button speaks the browser's language: a label of ours opens it
    const input = A.el('input', {id: 'import-file', type: 'file', class: 'sr', accept: '.csv,.txt,.tsv,.vcf,text/csv,text/vcard'});
    input.addEventListener('change', () => choose(input.files[0] || null));
    const button = A.el('label', {for: 'import-file', class: 'filebutton', tabindex: '0'}, A.t('imp.choose'));
    button.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } });
    pick.append(A.el('label', {for: 'import-file'}, A.t('imp.file')), input, button, ' ',
                A.el('span', {id: 'import-filename', dir: 'auto', class: 'muted'}, st.file ? st.file.name : A.t('imp.nofile')));
    const parts = [h, A.el('p', {}, A.t('imp.intro')), pick];
    const p = st.preview;
    if (p) {
      const enc = A.t('imp.enc.' + p.encoding);
      parts.push(A.el('p', {id: 'import-about'}, p.format === 'vcard' ? A.t('imp.aboutvcard', p.file, enc)
        : A.t('imp.about', p.file, A.t('imp.csv'), enc, p.delimiter === 'tab' ? A.t('imp.tab') : p.delimiter)));
      parts.push(A.el('h3', {}, A.t('imp.preview')), previewTable(p), modeSelect());
      const actions = A.el('p');
      const check = A.el('button', {type: 'button', id: 'import-check', disabled: !!st.busy}, A.t('imp.check'));
      const run = A.el('button', {type: 'button', id: 'import-run', disabled: !!st.busy}, A.t('imp.import'));
      check.addEventListener('click', () => step('check'));
      run.addEventListener('click', () => step('run'));
      actions.append(check, ' ', run);
      parts.push(actions);
    }
    if (st.busy) parts.push(A.el('p', {role: 'status', 'aria-busy': 'true'}, A.t(st.busy)));
    if (st.error) parts.push(A.el('p', {role: 'alert', class: 'error', id: 'import-error'}, st.error));
    if (st.report) parts.push(reportPart(st.report));
    // the file stays chosen across redraws: the input cannot be given it back, so keep the node
    const old = root.querySelector('#import-file');
    if (old) pick.replaceChild(old, input);
    root.replaceChildren(...parts);
  }

  A.onLanguage(() => { if (box() && !box().hidden) draw(); });
  A.view('import', {show() { draw(); }});
})();
