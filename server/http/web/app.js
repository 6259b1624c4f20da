'use strict';
// Accord HQ dashboard: reads /api/report (the period and the one before it), /api/daily,
// /api/customers, /api/sync and, for an admin, /api/audit (JSON) and draws the tables and two inline SVG charts, in
// English, Persian (right to left, Solar Hijri periods and dates, Persian digits) or
// Chinese. Text from the data is set with textContent only. Every table downloads as CSV
// (UTF-8 with a BOM, so spreadsheets open Persian as written).
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';

// The dashboard's own styles: the CSP (default-src 'self') refuses a <style> element, a
// constructed style sheet is not markup. The layout fits 1366x768 without scrolling sideways.
const STYLE = `

/* The dashboard's own layout (app.css is shared with the branch app): fits a 1366x768 laptop without scrolling
   sideways; logical properties so one sheet serves left to right and right to left. */
main { max-width: none; padding: .8em; }
section { overflow-x: visible; padding: .8em; }
.section-head { display: flex; align-items: baseline; gap: .8em; flex-wrap: wrap; margin-block-end: .5em; }
.section-head h2, .section-head h3 { margin: 0; flex: 1; }
table { font-size: .85em; }
thead th { white-space: normal; vertical-align: bottom; }
th, td { padding: .3em .35em; unicode-bidi: isolate; } /* not plaintext: a cell of digits aligns as its column's heading does */
td { white-space: nowrap; }
td.text { white-space: normal; text-align: start; }
#sales td div + div { margin-block-start: .2em; }
.prev { display: block; font-size: .8em; color: #566; white-space: nowrap; }
.up { color: #1f7a4d; } .down { color: #b03a2e; }
tfoot th, tfoot td { font-weight: 700; border-block-start: 2px solid #99a; }
thead th[aria-sort] { color: #124; }
#period-bar { display: flex; flex-wrap: wrap; align-items: center; gap: .4em; }
#period-bar label { margin: 0; }
button, select, input { font: inherit; }
button.period { background: #eef2f6; border: 1px solid #c5ced8; border-radius: 4px; padding: .25em .7em; cursor: pointer; }
button.period[aria-pressed="true"] { background: #243447; color: #fff; border-color: #243447; }
button.csv, #show, #step-back, #step-on { background: #fff; border: 1px solid #c5ced8; border-radius: 4px; padding: .2em .6em; cursor: pointer; }
button:focus-visible, select:focus-visible, input:focus-visible, th[tabindex]:focus-visible { outline: 3px solid #3b82c4; outline-offset: 1px; }
#range-inputs[hidden] { display: none; }
#range { font-weight: 600; }
.note { color: #566; font-size: .85em; margin: .4em 0 0; }
.empty { color: #566; font-style: italic; text-align: start; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1em; }
.pair > section { margin-bottom: 1em; min-width: 0; }
.rfm { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 3fr); gap: 1em; }
svg { max-width: 100%; }
header select { border-radius: 4px; border: 0; padding: .2em; }
header label { color: #fff; margin: 0; }
html[dir="rtl"] body { line-height: 1.6; }
.legend span.key-text { display: inline; width: auto; height: auto; margin-inline: 0 .8em; }
`;

const T = {
  en: {title: 'Accord HQ dashboard', hq: 'Accord HQ', language: 'Language', signout: 'Sign out', period: 'Period',
       day: 'Day', week: 'Week', month: 'Month', quarter: 'Quarter', year: 'Year', range: 'Range', from: 'From', to: 'To',
       show: 'Show', earlier: '‹ Earlier', later: 'Later ›', loading: 'Loading…', against: 'compared with',
       who: '{user} ({role}) at {node}', manager: 'manager', staff: 'staff', admin: 'admin',
       branches: 'Branches', branch: 'Branch', customers_new: 'New customers', interactions: 'Interactions',
       deals_new: 'Deals', deals_won: 'Won', deals_lost: 'Lost', win_rate: 'Win rate', avg_days_to_close: 'Days to close',
       deals_open: 'Open deals', tasks_due: 'Tasks due', tasks_overdue: 'Overdue', tasks_done: 'Done',
       before: 'before', fresh: 'new', points: 'pp', details: 'Won, lost and open', won_in: 'Won value ({c})',
       lost_reasons: 'Lost reasons', pipeline: 'Open pipeline', weighted: 'weighted', by_kind: 'Interactions by kind',
       total: 'Total', quality: 'Data quality', customers: 'Customers', with_phone: 'With phone', with_email: 'With e-mail',
       with_owner: 'With owner', new_with_phone: 'New with phone', new_with_email: 'New with e-mail',
       new_with_owner: 'New with owner', contacted: 'New customers contacted', first_reply: 'First reply (h)',
       import_refused: 'Import rows refused',
       sales: 'Sales and service', quotes_sent: 'Quotes sent', quotes_accepted: 'Accepted', quote_conversion: 'Conversion',
       invoices_issued: 'Invoices', invoiced: 'Invoiced', paid: 'Paid', outstanding: 'Outstanding',
       invoices_overdue: 'Overdue invoices', overdue_value: 'Overdue amount', tickets_opened: 'Service requests',
       tickets_closed: 'Closed', avg_hours_to_close: 'Hours to close', sla_breaches: 'SLA breaches',
       salesColumns: 'Outstanding, overdue invoices and the overdue amount are as they are today; the other columns are the period\'s, compared with the period before. SLA breaches: service requests closed in the period after their SLA, and open ones past it today.',
       qualityColumns: 'With phone, e-mail, owner: shares of all customers today. New with phone, e-mail, owner: shares of the customers created in the period that have one now, compared with the period before, as the other columns are.',
       bars: 'New customers and deals won', line: 'Per day', keyCustomers: 'new customers', keyWon: 'deals won',
       keyInteractions: 'interactions', max: 'max', rfm: 'Customers by RFM segment', money_in: '(money in {c})',
       segment: 'Segment', top: 'Top customers by won value', customer: 'Customer', won: 'Won',
       recency: 'Last contact (days)', frequency: 'Contacts and wins', never: 'never', sync: 'Sync health',
       peer: 'Peer', connected: 'Connected', seen: 'Last seen (s)', lag_records: 'Lag (records)', lag_s: 'Lag (s)',
       clock: 'Clock offset (ms)', refused: 'Refused', last_refusal: 'Last refusal', yes: 'yes', no: 'no',
       csv: 'Download CSV', empty: 'Nothing in this period yet.', no_peers: 'No peer has connected yet.',
       no_customers: 'No customers yet.', bars_label: 'New customers and deals won per branch',
       line_label: 'New customers and interactions per day', too_long: 'The chart shows at most 400 days.',
       champions: 'champions', loyal: 'loyal', new: 'new', 'at risk': 'at risk', hibernating: 'hibernating',
       'needs attention': 'needs attention', 'no activity': 'no activity', call: 'call', visit: 'visit', email: 'e-mail',
       sms: 'SMS', chat: 'chat', Lead: 'Lead', Qualified: 'Qualified', Proposal: 'Proposal', Negotiation: 'Negotiation',
       Won: 'Won', Lost: 'Lost', '(none)': '(no reason)',
       audit: 'Access audit', audit_kind: 'Events', all_events: 'All', a_time: 'Time', a_kind: 'Event', a_user: 'User',
       a_address: 'Address', a_detail: 'Detail', no_events: 'No events yet.',
       auditNote: 'Sign-ins, token use, exports and refusals at this node, newest first. Only admins see them.',
       ev_signin_ok: 'signed in', ev_signin_failed: 'sign-in failed', ev_signin_throttled: 'sign-in refused: too many failures',
       ev_token_used: 'token used', ev_token_added: 'token added', ev_token_revoked: 'token revoked', ev_export: 'export',
       ev_permission_refused: 'refused: no permission', thr_account: 'for the account', thr_address: 'for the address'},
  fa: {title: 'داشبورد دفتر مرکزی اکورد', hq: 'دفتر مرکزی اکورد', language: 'زبان', signout: 'خروج', period: 'دوره',
       day: 'روز', week: 'هفته', month: 'ماه', quarter: 'فصل', year: 'سال', range: 'بازه', from: 'از', to: 'تا',
       show: 'نمایش', earlier: '› قبلی', later: 'بعدی ‹', loading: 'در حال بارگذاری…', against: 'در مقایسه با',
       who: '{user} ({role}) در {node}', manager: 'مدیر', staff: 'کارمند', admin: 'راهبر',
       branches: 'شعبه‌ها', branch: 'شعبه', customers_new: 'مشتری جدید', interactions: 'تماس‌ها',
       deals_new: 'معامله‌ها', deals_won: 'موفق', deals_lost: 'ناموفق', win_rate: 'نرخ موفقیت', avg_days_to_close: 'روز تا بستن',
       deals_open: 'معامله باز', tasks_due: 'کار سررسید', tasks_overdue: 'عقب‌افتاده', tasks_done: 'انجام‌شده',
       before: 'قبل', fresh: 'تازه', points: 'واحد درصد', details: 'موفق، ناموفق و باز', won_in: 'ارزش موفق ({c})',
       lost_reasons: 'دلیل‌های شکست', pipeline: 'قیف باز', weighted: 'وزنی', by_kind: 'تماس‌ها به تفکیک نوع',
       total: 'جمع', quality: 'کیفیت داده‌ها', customers: 'مشتریان', with_phone: 'با تلفن', with_email: 'با ایمیل',
       with_owner: 'با مسئول', new_with_phone: 'جدیدِ با تلفن', new_with_email: 'جدیدِ با ایمیل',
       new_with_owner: 'جدیدِ با مسئول', contacted: 'مشتری جدیدِ تماس‌گرفته', first_reply: 'نخستین پاسخ (ساعت)',
       import_refused: 'ردیف‌های ردشدهٔ ورود',
       sales: 'فروش و خدمات', quotes_sent: 'پیش‌فاکتور فرستاده', quotes_accepted: 'پذیرفته', quote_conversion: 'نرخ تبدیل',
       invoices_issued: 'فاکتورها', invoiced: 'مبلغ فاکتورها', paid: 'دریافتی', outstanding: 'مانده',
       invoices_overdue: 'فاکتور سررسیدگذشته', overdue_value: 'مبلغ سررسیدگذشته', tickets_opened: 'درخواست خدمت',
       tickets_closed: 'بسته‌شده', avg_hours_to_close: 'ساعت تا بستن', sla_breaches: 'گذشته از مهلت',
       salesColumns: '«مانده»، «فاکتور سررسیدگذشته» و «مبلغ سررسیدگذشته» وضعیت امروز است؛ ستون‌های دیگر مال این دوره‌اند، در مقایسه با دورهٔ پیش از آن. «گذشته از مهلت»: درخواست‌هایی که در این دوره پس از مهلت خدمتشان بسته شده‌اند، و درخواست‌های بازی که امروز از مهلتشان گذشته‌اند.',
       qualityColumns: '«با تلفن»، «با ایمیل» و «با مسئول» سهم همهٔ مشتریان در امروز است. «جدیدِ با …» سهم مشتریانی است که در این دوره ساخته شده‌اند و اکنون آن را دارند، در مقایسه با دورهٔ پیش از آن، مانند ستون‌های دیگر.',
       bars: 'مشتریان جدید و معامله‌های موفق', line: 'روزانه', keyCustomers: 'مشتری جدید', keyWon: 'معاملهٔ موفق',
       keyInteractions: 'تماس', max: 'بیشینه', rfm: 'مشتریان بر پایهٔ بخش RFM', money_in: '(مبالغ به {c})',
       segment: 'بخش', top: 'مشتریان برتر بر پایهٔ ارزش موفق', customer: 'مشتری', won: 'موفق',
       recency: 'آخرین تماس (روز)', frequency: 'تماس‌ها و موفقیت‌ها', never: 'هرگز', sync: 'سلامت همگام‌سازی',
       peer: 'همتا', connected: 'متصل', seen: 'آخرین دیدار (ثانیه)', lag_records: 'عقب‌ماندگی (رکورد)', lag_s: 'عقب‌ماندگی (ثانیه)',
       clock: 'اختلاف ساعت (میلی‌ثانیه)', refused: 'ردشده', last_refusal: 'آخرین رد', yes: 'بله', no: 'خیر',
       csv: 'دریافت CSV', empty: 'هنوز چیزی در این دوره نیست.', no_peers: 'هنوز هیچ همتایی وصل نشده است.',
       no_customers: 'هنوز مشتری‌ای نیست.', bars_label: 'مشتریان جدید و معامله‌های موفق هر شعبه',
       line_label: 'مشتریان جدید و تماس‌های هر روز', too_long: 'نمودار حداکثر ۴۰۰ روز را نشان می‌دهد.',
       champions: 'قهرمانان', loyal: 'وفادار', new: 'تازه‌وارد', 'at risk': 'در خطر', hibernating: 'خفته',
       'needs attention': 'نیازمند توجه', 'no activity': 'بی‌فعالیت', call: 'تماس تلفنی', visit: 'بازدید', email: 'ایمیل',
       sms: 'پیامک', chat: 'گفتگو', Lead: 'سرنخ', Qualified: 'واجد شرایط', Proposal: 'پیشنهاد', Negotiation: 'مذاکره',
       Won: 'موفق', Lost: 'ناموفق', '(none)': '(بی‌دلیل)',
       audit: 'گزارش دسترسی', audit_kind: 'رویدادها', all_events: 'همه', a_time: 'زمان', a_kind: 'رویداد', a_user: 'کاربر',
       a_address: 'نشانی', a_detail: 'جزئیات', no_events: 'هنوز رویدادی نیست.',
       auditNote: 'ورودها، کاربرد توکن‌ها، برون‌بری‌ها و ردها در همین گره، تازه‌ترین در بالا. فقط راهبران آن را می‌بینند.',
       ev_signin_ok: 'ورود موفق', ev_signin_failed: 'ورود ناموفق', ev_signin_throttled: 'ورود ردشده: تلاش ناموفق بیش از اندازه',
       ev_token_used: 'کاربرد توکن', ev_token_added: 'ساخت توکن', ev_token_revoked: 'باطل‌شدن توکن', ev_export: 'برون‌بری',
       ev_permission_refused: 'رد: بدون مجوز', thr_account: 'برای حساب', thr_address: 'برای نشانی'},
  zh: {title: 'Accord 总部仪表板', hq: 'Accord 总部', language: '语言', signout: '退出', period: '期间',
       day: '日', week: '周', month: '月', quarter: '季度', year: '年', range: '自定义', from: '从', to: '到',
       show: '显示', earlier: '‹ 更早', later: '更晚 ›', loading: '加载中…', against: '对比',
       who: '{user}（{role}）于 {node}', manager: '经理', staff: '员工', admin: '管理员',
       branches: '分店', branch: '分店', customers_new: '新客户', interactions: '互动',
       deals_new: '交易', deals_won: '赢单', deals_lost: '输单', win_rate: '赢单率', avg_days_to_close: '成交天数',
       deals_open: '进行中交易', tasks_due: '到期任务', tasks_overdue: '逾期', tasks_done: '已完成',
       before: '之前', fresh: '新增', points: '个百分点', details: '赢单、输单和进行中', won_in: '赢单金额（{c}）',
       lost_reasons: '输单原因', pipeline: '进行中的销售漏斗', weighted: '加权', by_kind: '按类型的互动',
       total: '合计', quality: '数据质量', customers: '客户', with_phone: '有电话', with_email: '有电子邮件',
       with_owner: '有负责人', new_with_phone: '新客户有电话', new_with_email: '新客户有电子邮件',
       new_with_owner: '新客户有负责人', contacted: '已联系的新客户', first_reply: '首次回复（小时）',
       import_refused: '导入被拒行',
       sales: '销售与服务', quotes_sent: '已发报价', quotes_accepted: '已接受', quote_conversion: '转化率',
       invoices_issued: '发票', invoiced: '开票金额', paid: '已收款', outstanding: '未收余额',
       invoices_overdue: '逾期发票', overdue_value: '逾期金额', tickets_opened: '服务请求',
       tickets_closed: '已关闭', avg_hours_to_close: '关闭用时（小时）', sla_breaches: '超出时限',
       salesColumns: '“未收余额”“逾期发票”和“逾期金额”是今天的情况；其他列是本期间的数字，与上一期间对比。“超出时限”：本期间在服务时限之后关闭的请求，以及今天已超出时限的未关闭请求。',
       qualityColumns: '“有电话”“有电子邮件”和“有负责人”是当前全部客户中的占比。“新客户有…”是本期间创建、现在已有该项的客户所占比例，与上一期间对比，其他列也是如此。',
       bars: '新客户和赢单', line: '每日', keyCustomers: '新客户', keyWon: '赢单',
       keyInteractions: '互动', max: '最大', rfm: '按 RFM 分群的客户', money_in: '（金额单位 {c}）',
       segment: '分群', top: '按赢单金额排名的客户', customer: '客户', won: '赢单',
       recency: '最近联系（天）', frequency: '联系和赢单次数', never: '从未', sync: '同步状态',
       peer: '节点', connected: '已连接', seen: '最近在线（秒）', lag_records: '滞后（记录）', lag_s: '滞后（秒）',
       clock: '时钟偏差（毫秒）', refused: '已拒绝', last_refusal: '最近拒绝', yes: '是', no: '否',
       csv: '下载 CSV', empty: '此期间暂无数据。', no_peers: '尚无节点连接。',
       no_customers: '暂无客户。', bars_label: '各分店的新客户和赢单', line_label: '每日新客户和互动',
       too_long: '图表最多显示 400 天。',
       champions: '冠军客户', loyal: '忠诚客户', new: '新客户', 'at risk': '有流失风险', hibernating: '沉睡客户',
       'needs attention': '需要关注', 'no activity': '无活动', call: '电话', visit: '拜访', email: '电子邮件',
       sms: '短信', chat: '聊天', Lead: '线索', Qualified: '已确认', Proposal: '方案', Negotiation: '谈判',
       Won: '赢单', Lost: '输单', '(none)': '（无原因）',
       audit: '访问审计', audit_kind: '事件', all_events: '全部', a_time: '时间', a_kind: '事件', a_user: '用户',
       a_address: '地址', a_detail: '详情', no_events: '暂无事件。',
       auditNote: '本节点的登录、令牌使用、导出和拒绝，最新的在前。仅管理员可见。',
       ev_signin_ok: '登录成功', ev_signin_failed: '登录失败', ev_signin_throttled: '登录被拒：失败次数过多',
       ev_token_used: '使用令牌', ev_token_added: '创建令牌', ev_token_revoked: '吊销令牌', ev_export: '导出',
       ev_permission_refused: '被拒：无权限', thr_account: '按账户', thr_address: '按地址'},
};
const LOCALE = {en: 'en-GB', fa: 'fa-IR', zh: 'zh-CN'};
const DATE_LOCALE = {en: 'en-GB', fa: 'fa-IR-u-ca-persian', zh: 'zh-CN'};
let lang = T[localStorage.getItem('accord-lang')] ? localStorage.getItem('accord-lang') : 'en';
const t = (k, vars) => String((T[lang] || T.en)[k] ?? T.en[k] ?? k).replace(/\{(\w+)\}/g, (_, v) => (vars || {})[v] ?? '');
const known = (k) => Object.prototype.hasOwnProperty.call(T.en, k); // a stage, kind or segment the page knows

let session = null, digits = {}, current = null, previous = null, daily = null, customers = null, sync = null;
let audit = null; // /api/audit: admins only
let period = null; // {kind, cal, y, n} (month, quarter, year), {kind, d} (day), {kind, from, to} (week, range)
let sortKey = 'branch', sortDesc = false;

// ---- numbers, money and dates in the chosen language ----
const num = (v, opts) => new Intl.NumberFormat(LOCALE[lang], opts).format(v);
const fixed1 = (v) => num(v, {minimumFractionDigits: 1, maximumFractionDigits: 1});
const pct = (v) => num(v, {style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1});
const minus = (s) => s.replace(/-/g, '−'); // a real minus sign, as the change column promises

// {minor, shown} per currency (/api/currencies): the digits records keep, and the ones people
// use (none for IRR); a fraction that is there is never hidden
const minorDigits = (c) => (digits[c] ? digits[c].minor : 2);
const shownDigits = (c, minor) => (digits[c] && minor % 10 ** digits[c].minor === 0 ? digits[c].shown : minorDigits(c));
function money(minor, currency) {
  const d = shownDigits(currency, minor), major = minor / 10 ** minorDigits(currency);
  try {
    return new Intl.NumberFormat(LOCALE[lang], {style: 'currency', currency, currencyDisplay: 'code',
                                                minimumFractionDigits: d, maximumFractionDigits: d}).format(major);
  } catch (e) { // not an ISO 4217 code: the number, then the code as the records hold it
    return num(major, {minimumFractionDigits: d, maximumFractionDigits: d}) + ' ' + currency;
  }
}

const utc = (iso) => new Date(iso + 'T00:00:00Z');
const isoOf = (date) => date.toISOString().slice(0, 10);
const addDays = (iso, n) => isoOf(new Date(utc(iso).getTime() + n * 86400000));
const dateText = (iso, opts) => new Intl.DateTimeFormat(DATE_LOCALE[lang], {timeZone: 'UTC', ...opts}).format(utc(iso));
function localToday() {
  const d = new Date();
  return isoOf(new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate())));
}

// ---- periods: Gregorian, or Solar Hijri (fa:) when Persian is chosen ----
const calendar = () => (lang === 'fa' ? 'fa' : 'gregorian');
const pad2 = (n) => String(n).padStart(2, '0');
function ymd(iso, cal) { // the year, month and day of a Gregorian date in cal
  if (cal !== 'fa') return iso.split('-').map(Number);
  const parts = new Intl.DateTimeFormat('en-u-ca-persian-nu-latn', {timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric'})
    .formatToParts(utc(iso));
  const part = (type) => Number(parts.find((p) => p.type === type).value);
  return [part('year'), part('month'), part('day')];
}

function periodContaining(kind, iso) {
  const cal = calendar(), [y, m] = ymd(iso, cal);
  if (kind === 'day') return {kind, d: iso};
  if (kind === 'week') { // Saturday to Friday in Persian, Monday to Sunday otherwise
    const start = lang === 'fa' ? 6 : 1, back = (utc(iso).getUTCDay() - start + 7) % 7;
    return {kind, from: addDays(iso, -back), to: addDays(iso, 6 - back)};
  }
  if (kind === 'month') return {kind, cal, y, n: m};
  if (kind === 'quarter') return {kind, cal, y, n: Math.ceil(m / 3)};
  if (kind === 'year') return {kind, cal, y, n: 1};
  return {kind: 'range', from: iso, to: iso};
}

function shift(p, by) { // the period `by` periods later (earlier if negative)
  if (p.kind === 'day') return {kind: 'day', d: addDays(p.d, by)};
  if (p.kind === 'week' || p.kind === 'range') {
    const len = Math.round((utc(p.to) - utc(p.from)) / 86400000) + 1;
    return {kind: p.kind, from: addDays(p.from, by * len), to: addDays(p.to, by * len)};
  }
  const per = {month: 12, quarter: 4, year: 1}[p.kind], i = p.y * per + (p.n - 1) + by;
  return {...p, y: Math.floor(i / per), n: (i % per) + 1};
}

function specOf(p) { // as report_period reads it (docs/CLI.md, Report periods)
  if (p.kind === 'day') return p.d;
  if (p.kind === 'week' || p.kind === 'range') return p.from + '..' + p.to;
  const pre = p.cal === 'fa' ? 'fa:' : '';
  if (p.kind === 'month') return pre + p.y + '-' + pad2(p.n);
  if (p.kind === 'quarter') return pre + p.y + '-Q' + p.n;
  return pre + p.y;
}

function periodText(p, report) { // "آذر ۱۴۰۵", "Q4 2026", and the days it covers
  const days = report.from === report.to ? dateText(report.from, {dateStyle: 'medium'})
    : dateText(report.from, {dateStyle: 'medium'}) + ' – ' + dateText(report.to, {dateStyle: 'medium'});
  if (p.kind === 'month') return dateText(report.from, {year: 'numeric', month: 'long'}) + ' (' + days + ')';
  if (p.kind === 'quarter') return t('quarter') + ' ' + num(p.n) + ' ' + dateText(report.from, {year: 'numeric'}) + ' (' + days + ')';
  if (p.kind === 'year') return dateText(report.from, {year: 'numeric'}) + ' (' + days + ')';
  return days;
}

// ---- DOM helpers ----
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
const bdi = (text) => el('bdi', {}, text);
function emptyRow(body, columns, key) {
  const tr = el('tr');
  tr.appendChild(el('td', {colspan: columns, class: 'empty'}, t(key)));
  body.appendChild(tr);
}

async function getJSON(url) {
  const r = await fetch(url, {credentials: 'same-origin'});
  if (r.status === 401) { location.href = '/login'; throw new Error('signed out'); }
  const body = await r.json();
  if (!r.ok) throw new Error(body.message || r.statusText);
  return body;
}

// ---- a figure, the one before it and the change ----
function change(cur, prev, points) {
  if (points) { // a rate: the change in percentage points
    const d = (cur - prev) * 100;
    return {text: minus(num(d, {maximumFractionDigits: 1, signDisplay: 'exceptZero'})) + ' ' + t('points'), sign: Math.sign(d)};
  }
  if (!prev) return cur ? {text: t('fresh'), sign: 1} : {text: num(0, {style: 'percent'}), sign: 0};
  const d = (cur - prev) / prev;
  return {text: minus(num(d, {style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero'})), sign: Math.sign(d)};
}

// A cell with the figure, and under it the previous period's figure and the change: the
// words in the page's direction, each figure left to right.
function compareCell(tag, key, cur, prev, show, points) {
  const td = el(tag, {'data-key': key, 'data-value': cur, 'data-prev': prev});
  td.appendChild(el('bdi', {class: 'now', dir: 'ltr'}, show(cur)));
  const c = change(cur, prev, points);
  const line = el('span', {class: 'prev ' + (c.sign > 0 ? 'up' : c.sign < 0 ? 'down' : '')}, t('before') + ' ');
  line.append(el('bdi', {dir: 'ltr'}, show(prev)), ' · ', el('bdi', {dir: 'auto'}, c.text));
  td.appendChild(line);
  return td;
}

function sortableHead(table, cols, onSort) {
  const head = table.tHead;
  head.textContent = '';
  const tr = el('tr');
  for (const [key, label, sortable = true] of cols) {
    if (!sortable) { tr.appendChild(el('th', {scope: 'col', 'data-key': key}, label)); continue; }
    const th = el('th', {scope: 'col', 'data-key': key, tabindex: '0'}, label);
    if (key === sortKey) th.setAttribute('aria-sort', sortDesc ? 'descending' : 'ascending');
    th.append(key === sortKey ? (sortDesc ? ' ▼' : ' ▲') : '');
    const sort = () => { sortDesc = key === sortKey ? !sortDesc : key !== 'branch'; sortKey = key; onSort(); };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
    tr.appendChild(th);
  }
  head.appendChild(tr);
}

// ---- the tables ----
const ACTIVITY = ['customers_new', 'interactions', 'deals_new', 'deals_won', 'deals_lost', 'win_rate', 'avg_days_to_close',
                  'deals_open', 'tasks_due', 'tasks_overdue', 'tasks_done'];
const showOf = (key) => key === 'win_rate' ? pct : key === 'avg_days_to_close' ? fixed1 : num;
const before = (branch) => (previous.branches.find((b) => b.branch === branch) || null);
const zeroBranch = (name) => ({branch: name, won_value_minor: {}, lost_reasons: {}, pipeline: {}, interactions_by_kind: {},
                               invoiced_minor: {}, paid_minor: {}, outstanding_minor: {}, overdue_value_minor: {}});
function rowsOf() { // every branch of either period, so a branch quiet now still shows what it did before
  const names = [...new Set([...current.branches, ...previous.branches].map((b) => b.branch))];
  return names.map((n) => ({now: current.branches.find((b) => b.branch === n) || zeroBranch(n), before: before(n) || zeroBranch(n)}));
}
const currencies = () => [...new Set([...current.branches, ...previous.branches].flatMap((b) => Object.keys(b.won_value_minor)))].sort();
function sortValue(row, key) {
  if (key === 'branch') return row.now.branch;
  if (key.startsWith('won:')) return row.now.won_value_minor[key.slice(4)] || 0;
  return row.now[key] || 0;
}
function sortedRows() {
  return rowsOf().sort((a, b) => {
    const x = sortValue(a, sortKey), y = sortValue(b, sortKey);
    const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
    return sortDesc ? -c : c;
  });
}

function drawBranches() {
  const table = $('branches'), body = table.tBodies[0];
  sortableHead(table, [['branch', t('branch')], ...ACTIVITY.map((k) => [k, t(k)])], drawAll);
  body.textContent = '';
  const rows = sortedRows();
  if (!rows.length) emptyRow(body, ACTIVITY.length + 1, 'empty');
  for (const r of rows) {
    const tr = el('tr', {'data-branch': r.now.branch});
    tr.appendChild(el('th', {scope: 'row', 'data-key': 'branch', dir: 'auto'}, r.now.branch));
    for (const k of ACTIVITY) tr.appendChild(compareCell('td', k, r.now[k] || 0, r.before[k] || 0, showOf(k), k === 'win_rate'));
    body.appendChild(tr);
  }
}

function drawDetails() {
  const table = $('details'), body = table.tBodies[0], foot = table.tFoot, curs = currencies();
  sortableHead(table, [['branch', t('branch')], ...curs.map((c) => ['won:' + c, t('won_in', {c})]),
                       ['lost_reasons', t('lost_reasons'), false], ['pipeline', t('pipeline'), false],
                       ['by_kind', t('by_kind'), false]], drawAll); // lists, not figures: not sorted
  body.textContent = '';
  foot.textContent = '';
  const rows = sortedRows();
  if (!rows.length) emptyRow(body, curs.length + 4, 'empty');
  for (const r of rows) {
    const tr = el('tr', {'data-branch': r.now.branch});
    tr.appendChild(el('th', {scope: 'row', dir: 'auto'}, r.now.branch));
    for (const c of curs)
      tr.appendChild(compareCell('td', 'won:' + c, r.now.won_value_minor[c] || 0, r.before.won_value_minor[c] || 0, (v) => money(v, c)));
    const reasons = el('td', {class: 'text', 'data-key': 'lost_reasons'});
    for (const [reason, n] of Object.entries(r.now.lost_reasons))
      reasons.append(bdi(reason === '(none)' ? t('(none)') : reason), ' ×' + num(n) + ' ');
    tr.appendChild(reasons);
    const pipe = el('td', {class: 'text', 'data-key': 'pipeline'});
    for (const [key, v] of Object.entries(r.now.pipeline)) { // "stage currency"
      const at = key.lastIndexOf(' '), stage = key.slice(0, at), cur = key.slice(at + 1);
      pipe.append(bdi(known(stage) ? t(stage) : stage), ': ' + money(v.amount_minor, cur) + ' (' + t('weighted') + ' ' +
                  money(v.weighted_minor, cur) + ')', el('br'));
    }
    tr.appendChild(pipe);
    const kinds = el('td', {class: 'text', 'data-key': 'by_kind'});
    kinds.textContent = Object.entries(r.now.interactions_by_kind).map(([k, v]) => (known(k) ? t(k) : k) + ' ' + num(v)).join(lang === 'fa' ? '، ' : ', ');
    tr.appendChild(kinds);
    body.appendChild(tr);
  }
  if (!curs.length) return;
  const tr = el('tr', {'data-total': ''});
  tr.appendChild(el('th', {scope: 'row'}, t('total')));
  const sum = (list, c) => list.reduce((s, b) => s + (b.won_value_minor[c] || 0), 0);
  for (const c of curs)
    tr.appendChild(compareCell('td', 'won:' + c, sum(current.branches, c), sum(previous.branches, c), (v) => money(v, c)));
  tr.appendChild(el('td', {colspan: 3}));
  foot.appendChild(tr);
}

// Quotes, invoices and service requests (docs/CLI.md, Report figures): the period's figures
// against the period before's; outstanding and overdue as they are today, so without a trend.
// Amounts are a line per currency, minor units in data-value.
const SALES = [['quotes_sent', 'count'], ['quotes_accepted', 'count'], ['quote_conversion', 'rate'], ['invoices_issued', 'count'],
               ['invoiced', 'money'], ['paid', 'money'], ['outstanding', 'money now'], ['invoices_overdue', 'now'],
               ['overdue_value', 'money now'], ['tickets_opened', 'count'], ['tickets_closed', 'count'],
               ['avg_hours_to_close', 'hours'], ['sla_breaches', 'count']];
const amounts = (b, key) => b[key + '_minor'] || {};
function moneyCell(key, now, before, trend) {
  const td = el('td', {'data-key': key});
  const curs = [...new Set([...Object.keys(now), ...Object.keys(trend ? before : {})])].sort();
  for (const c of curs) {
    const show = (v) => money(v, c);
    if (trend) { td.appendChild(compareCell('div', key + ':' + c, now[c] || 0, before[c] || 0, show)); continue; }
    const line = el('div', {'data-key': key + ':' + c, 'data-value': now[c] || 0});
    line.appendChild(el('bdi', {class: 'now', dir: 'ltr'}, show(now[c] || 0)));
    td.appendChild(line);
  }
  if (!curs.length) td.textContent = '–';
  return td;
}
function drawSales() {
  const table = $('sales'), body = table.tBodies[0];
  sortableHead(table, [['branch', t('branch')], ...SALES.map(([k, type]) => [k, t(k), !type.startsWith('money')])], drawAll);
  body.textContent = '';
  const rows = sortedRows();
  if (!rows.length) emptyRow(body, SALES.length + 1, 'empty');
  for (const r of rows) {
    const tr = el('tr', {'data-branch': r.now.branch});
    tr.appendChild(el('th', {scope: 'row', dir: 'auto'}, r.now.branch));
    for (const [k, type] of SALES) {
      if (type.startsWith('money')) tr.appendChild(moneyCell(k, amounts(r.now, k), amounts(r.before, k), type === 'money'));
      else if (type === 'now') tr.appendChild(el('td', {'data-key': k, 'data-value': r.now[k] || 0}, num(r.now[k] || 0)));
      else tr.appendChild(compareCell('td', k, r.now[k] || 0, r.before[k] || 0, type === 'rate' ? pct : type === 'hours' ? fixed1 : num,
                                      type === 'rate'));
    }
    body.appendChild(tr);
  }
}

// Shares of all customers today (phone, e-mail, owner: no trend, they are what is now); the
// same shares of the period's new customers, and the rest, for the period and the one
// before (the new customers' shares count by the day each was created: docs/PROTOCOL.md).
const share = (part, whole) => (whole ? part / whole : 0);
const QUALITY = [
  ['with_phone', (b) => share(b.with_phone, b.customers), false],
  ['with_email', (b) => share(b.with_email, b.customers), false],
  ['with_owner', (b) => share(b.with_owner, b.customers), false],
  ['new_with_phone', (b) => share(b.new_with_phone, b.customers_new), true],
  ['new_with_email', (b) => share(b.new_with_email, b.customers_new), true],
  ['new_with_owner', (b) => share(b.new_with_owner, b.customers_new), true],
  ['contacted', (b) => share(b.responded, b.customers_new), true],
  ['first_reply', (b) => b.avg_first_response_hours || 0, true],
  ['import_refused', (b) => share(b.import_rows_rejected, b.import_rows), true],
];
function drawQuality() {
  const table = $('quality'), body = table.tBodies[0];
  table.tHead.textContent = '';
  const hr = el('tr');
  for (const [key, label] of [['branch', t('branch')], ['customers', t('customers')], ...QUALITY.map(([k]) => [k, t(k)])])
    hr.appendChild(el('th', {scope: 'col', 'data-key': key}, label));
  table.tHead.appendChild(hr);
  body.textContent = '';
  const rows = sortedRows();
  if (!rows.length) emptyRow(body, QUALITY.length + 2, 'empty');
  for (const r of rows) {
    const tr = el('tr', {'data-branch': r.now.branch});
    tr.appendChild(el('th', {scope: 'row', dir: 'auto'}, r.now.branch));
    tr.appendChild(el('td', {'data-key': 'customers', 'data-value': r.now.customers || 0}, num(r.now.customers || 0)));
    for (const [key, f, trend] of QUALITY) {
      const show = key === 'first_reply' ? fixed1 : pct, v = f(r.now);
      tr.appendChild(trend ? compareCell('td', key, v, f(r.before), show, key !== 'first_reply')
                           : el('td', {'data-key': key, 'data-value': v}, show(v)));
    }
    body.appendChild(tr);
  }
}

function drawBars() {
  const box = $('bars'), rows = current.branches;
  box.textContent = '';
  const w = 640, barH = 22, gap = 8, h = Math.max(60, rows.length * (2 * barH + gap) + 30);
  const max = Math.max(1, ...rows.map((r) => Math.max(r.customers_new, r.deals_won)));
  const s = svg('svg', {viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': t('bars_label')});
  const rtl = lang === 'fa', x0 = rtl ? w - 160 : 160, dir = rtl ? -1 : 1, span = w - 220;
  rows.forEach((r, i) => {
    const y = 10 + i * (2 * barH + gap);
    // anchors as left to right reads them (direction ltr): the bars grow from the name's side
    s.appendChild(svg('text', {x: rtl ? w - 150 : 150, y: y + barH, 'text-anchor': rtl ? 'start' : 'end', direction: 'ltr', class: 'label'}, r.branch));
    for (const [j, v, cls] of [[0, r.customers_new, 'bar-customers'], [1, r.deals_won, 'bar-won']]) {
      const len = (v / max) * span;
      s.appendChild(svg('rect', {x: rtl ? x0 - len : x0, y: y + j * barH, width: len, height: barH - 4, class: cls}));
      s.appendChild(svg('text', {x: x0 + dir * (len + 5), y: y + (j + 1) * barH - 8, class: 'value', direction: 'ltr',
                                 'text-anchor': rtl ? 'end' : 'start'}, num(v)));
    }
  });
  box.appendChild(s);
}

function drawLine() {
  const box = $('line');
  box.textContent = '';
  if (!daily) { box.appendChild(el('p', {class: 'note'}, t('too_long'))); return; }
  const w = 640, h = 200, pad = 30, n = daily.days;
  const max = Math.max(1, ...daily.customers_new, ...daily.interactions);
  const s = svg('svg', {viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': t('line_label')});
  const x = (i) => pad + (n > 1 ? (i * (w - 2 * pad)) / (n - 1) : 0);
  const y = (v) => h - pad - (v / max) * (h - 2 * pad);
  s.appendChild(svg('line', {x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, class: 'axis'}));
  for (const [name, cls] of [['customers_new', 'line-customers'], ['interactions', 'line-interactions']]) {
    const pts = daily[name].map((v, i) => `${x(i)},${y(v)}`).join(' ');
    s.appendChild(svg('polyline', {points: pts, class: cls, fill: 'none'}));
  }
  s.appendChild(svg('text', {x: pad, y: h - 8, class: 'label', direction: 'ltr'}, dateText(daily.from, {dateStyle: 'medium'})));
  s.appendChild(svg('text', {x: w - pad, y: 16, 'text-anchor': 'end', class: 'label', direction: 'ltr'}, t('max') + ' ' + num(max)));
  box.appendChild(s);
}

function drawCustomers() {
  if (!customers) return;
  const r = customers;
  $('rfm-currency').textContent = r.currency ? t('money_in', {c: r.currency}) : '';
  const seg = $('segments'), top = $('top');
  seg.tHead.textContent = '';
  top.tHead.textContent = '';
  const head = (table, labels) => {
    const tr = el('tr');
    for (const l of labels) tr.appendChild(el('th', {scope: 'col'}, l));
    table.tHead.appendChild(tr);
  };
  head(seg, [t('segment'), t('customers')]);
  head(top, [t('customer'), t('branch'), t('won'), t('recency'), t('frequency'), t('segment')]);
  seg.tBodies[0].textContent = '';
  top.tBodies[0].textContent = '';
  for (const [name, n] of Object.entries(r.segments)) {
    const tr = el('tr', {'data-segment': name});
    tr.appendChild(el('th', {scope: 'row'}, t(name)));
    tr.appendChild(el('td', {'data-value': n}, num(n)));
    seg.tBodies[0].appendChild(tr);
  }
  if (!r.customers.length) emptyRow(top.tBodies[0], 6, 'no_customers');
  for (const c of r.customers) {
    const tr = el('tr', {'data-id': c.id});
    tr.appendChild(el('th', {scope: 'row', dir: 'auto'}, c.name));
    tr.appendChild(el('td', {dir: 'auto'}, c.branch));
    const won = el('td', {'data-value': c.monetary_minor});
    won.appendChild(el('bdi', {dir: 'ltr'}, r.currency ? money(c.monetary_minor, r.currency) : ''));
    tr.appendChild(won);
    tr.appendChild(el('td', {'data-value': c.recency_days}, c.recency_days < 0 ? t('never') : num(c.recency_days)));
    tr.appendChild(el('td', {'data-value': c.frequency}, num(c.frequency)));
    tr.appendChild(el('td', {'data-segment': c.segment}, t(c.segment)));
    top.tBodies[0].appendChild(tr);
  }
}

const PEER_COLUMNS = ['peer', 'connected', 'seen', 'lag_records', 'lag_s', 'clock', 'refused', 'last_refusal'];
const peerValues = (p) => [p.name, p.connected, p.last_seen_s, p.lag_records, p.lag_seconds, p.clock_offset_ms, p.refused,
                           p.last_refusal ? p.last_refusal.why : ''];
function drawSync() {
  const table = $('peers'), body = table.tBodies[0];
  table.tHead.textContent = '';
  const hr = el('tr');
  for (const k of PEER_COLUMNS) hr.appendChild(el('th', {scope: 'col'}, t(k)));
  table.tHead.appendChild(hr);
  body.textContent = '';
  if (!sync) return;
  if (!(sync.peers || []).length) emptyRow(body, PEER_COLUMNS.length, 'no_peers');
  for (const p of sync.peers || []) {
    const tr = el('tr');
    const [name, ...rest] = peerValues(p);
    tr.appendChild(el('th', {scope: 'row', dir: 'auto'}, name));
    rest.forEach((v, i) => {
      const shown = i === 0 ? t(v ? 'yes' : 'no') : v === undefined || v === null ? '' : typeof v === 'number' ? num(v) : v;
      const td = el('td');
      td.appendChild(el('bdi', {dir: typeof v === 'string' ? 'auto' : 'ltr'}, shown)); // a figure reads left to right
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  $('sync-at').textContent = new Intl.DateTimeFormat(DATE_LOCALE[lang], {timeStyle: 'medium'}).format(new Date());
}

// ---- the access audit (admins): newest first, every word translated; names, addresses and
// details are data, shown as written (left to right for addresses and ids) ----
const AUDIT_KINDS = ['signin_ok', 'signin_failed', 'signin_throttled', 'token_used', 'token_added', 'token_revoked',
                     'export', 'permission_refused'];
const AUDIT_COLUMNS = ['a_time', 'a_kind', 'a_user', 'a_address', 'a_detail'];
const auditDetail = (e) => (e.kind === 'signin_throttled' && (e.detail === 'account' || e.detail === 'address') ? t('thr_' + e.detail) : e.detail);
const auditTime = (ms) => new Intl.DateTimeFormat(DATE_LOCALE[lang], {dateStyle: 'short', timeStyle: 'medium'}).format(new Date(ms));
function drawAudit() {
  const section = $('audit-section');
  section.hidden = !session || session.role !== 'admin';
  if (section.hidden) return;
  const pick = $('audit-kind'), chosenKind = pick.value;
  pick.textContent = '';
  pick.appendChild(el('option', {value: ''}, t('all_events')));
  for (const k of AUDIT_KINDS) pick.appendChild(el('option', {value: k}, t('ev_' + k)));
  pick.value = chosenKind;
  const table = $('audit'), body = table.tBodies[0];
  table.tHead.textContent = '';
  const hr = el('tr');
  for (const k of AUDIT_COLUMNS) hr.appendChild(el('th', {scope: 'col'}, t(k)));
  table.tHead.appendChild(hr);
  body.textContent = '';
  if (!audit) return;
  if (!audit.events.length) emptyRow(body, AUDIT_COLUMNS.length, 'no_events');
  for (const e of audit.events) {
    const tr = el('tr', {'data-kind': e.kind});
    tr.appendChild(el('td', {}, auditTime(e.time_ms)));
    tr.appendChild(el('td', {class: 'text'}, t('ev_' + e.kind)));
    const user = el('td', {class: 'text'});
    user.appendChild(el('bdi', {dir: 'auto'}, e.user));
    tr.appendChild(user);
    const address = el('td');
    address.appendChild(el('bdi', {dir: 'ltr'}, e.address));
    tr.appendChild(address);
    const detail = el('td', {class: 'text'});
    detail.appendChild(el('bdi', {dir: 'auto'}, auditDetail(e)));
    tr.appendChild(detail);
    body.appendChild(tr);
  }
}

async function loadAudit() {
  if (!session || session.role !== 'admin') return drawAudit();
  try {
    const kind = $('audit-kind').value;
    audit = await getJSON('/api/audit?limit=200' + (kind ? '&kind=' + encodeURIComponent(kind) : ''));
  } catch (e) {
    audit = {events: []};
    $('audit-section').querySelector('.note').textContent = e.message;
  }
  drawAudit();
}

// ---- CSV: one per table, from the figures (not the page's text), UTF-8 with a BOM ----
function csvText(rows) {
  const cell = (v) => { const s = String(v ?? ''); return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
  return '\ufeff' + rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
const major = (minor, c) => (minor / 10 ** minorDigits(c)).toFixed(shownDigits(c, minor));
const CSV = {
  branches: () => [[t('branch'), ...ACTIVITY.flatMap((k) => [t(k), t(k) + ' (' + t('before') + ')'])],
                   ...sortedRows().map((r) => [r.now.branch, ...ACTIVITY.flatMap((k) => [r.now[k] || 0, r.before[k] || 0])])],
  details: () => {
    const curs = currencies(), sum = (list, c) => list.reduce((s, b) => s + (b.won_value_minor[c] || 0), 0);
    return [[t('branch'), ...curs.flatMap((c) => [t('won_in', {c}), t('won_in', {c}) + ' (' + t('before') + ')']), t('lost_reasons')],
            ...sortedRows().map((r) => [r.now.branch, ...curs.flatMap((c) => [major(r.now.won_value_minor[c] || 0, c), major(r.before.won_value_minor[c] || 0, c)]),
                                        Object.entries(r.now.lost_reasons).map(([k, n]) => k + ' ×' + n).join('; ')]),
            [t('total'), ...curs.flatMap((c) => [major(sum(current.branches, c), c), major(sum(previous.branches, c), c)]), '']];
  },
  sales: () => {
    const cols = (b, k, type) => type.startsWith('money')
      ? [Object.entries(amounts(b, k)).sort().map(([c, v]) => c + ' ' + major(v, c)).join('; ')] : [b[k] || 0];
    const trend = (type) => type !== 'now' && type !== 'money now';
    return [[t('branch'), ...SALES.flatMap(([k, type]) => trend(type) ? [t(k), t(k) + ' (' + t('before') + ')'] : [t(k)])],
            ...sortedRows().map((r) => [r.now.branch, ...SALES.flatMap(([k, type]) =>
              trend(type) ? [...cols(r.now, k, type), ...cols(r.before, k, type)] : cols(r.now, k, type))])];
  },
  quality: () => [[t('branch'), t('customers'), ...QUALITY.flatMap(([k, , trend]) => trend ? [t(k), t(k) + ' (' + t('before') + ')'] : [t(k)])],
                  ...sortedRows().map((r) => [r.now.branch, r.now.customers || 0, ...QUALITY.flatMap(([, f, trend]) =>
                    trend ? [+f(r.now).toFixed(4), +f(r.before).toFixed(4)] : [+f(r.now).toFixed(4)])])],
  segments: () => [[t('segment'), t('customers')], ...Object.entries(customers ? customers.segments : {}).map(([s, n]) => [t(s), n])],
  top: () => [[t('customer'), t('branch'), t('won') + (customers && customers.currency ? ' (' + customers.currency + ')' : ''),
               t('recency'), t('frequency'), t('segment')],
              ...(customers ? customers.customers : []).map((c) => [c.name, c.branch, customers.currency ? major(c.monetary_minor, customers.currency) : '',
                                                                    c.recency_days, c.frequency, t(c.segment)])],
  audit: () => [AUDIT_COLUMNS.map((k) => t(k)), ...((audit && audit.events) || []).map((e) => [e.time, e.kind, e.user, e.address, e.detail])],
  peers: () => [PEER_COLUMNS.map((k) => t(k)), ...((sync && sync.peers) || []).map((p) => peerValues(p).map((v, i) => i === 1 ? t(v ? 'yes' : 'no') : v))],
};
function download(table) {
  if (!current) return;
  const blob = new Blob([csvText(CSV[table]())], {type: 'text/csv;charset=utf-8'});
  const a = el('a', {href: URL.createObjectURL(blob), download: `accord-${table}-${specOf(period).replace(/[^0-9A-Za-z.-]/g, '_')}.csv`});
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// ---- drawing everything in the chosen language ----
function drawWords() {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'fa' ? 'rtl' : 'ltr';
  for (const e of document.querySelectorAll('[data-t]')) {
    e.textContent = t(e.dataset.t);
    if (e.classList.contains('csv')) {
      const title = e.closest('section, div').querySelector('h2 [data-t], h2[data-t], h3[data-t]');
      e.setAttribute('aria-label', t('csv') + ': ' + (title ? title.textContent : ''));
    }
  }
  document.title = t('title');
  $('lang').value = lang;
  if (session) $('who').textContent = t('who', {user: session.user, role: t(session.role), node: session.node});
  for (const b of document.querySelectorAll('button.period')) b.setAttribute('aria-pressed', String(period && b.dataset.kind === period.kind));
  $('range-inputs').hidden = !period || period.kind !== 'range';
}

function drawAll() {
  drawWords();
  if (current && previous) {
    const r = $('range');
    r.textContent = periodText(period, current) + ' — ' + t('against') + ' ' + periodText(shift(period, -1), previous);
    r.dataset.period = specOf(period);
    r.dataset.previous = specOf(shift(period, -1));
    r.dataset.from = current.from;
    r.dataset.to = current.to;
    drawBranches();
    drawDetails();
    drawSales();
    drawQuality();
    drawBars();
    drawLine();
  }
  drawCustomers();
  drawSync();
  drawAudit();
}

async function loadReport() {
  $('status').textContent = t('loading');
  document.body.dataset.loading = 'yes';
  try {
    const p = encodeURIComponent(specOf(period)), q = encodeURIComponent(specOf(shift(period, -1)));
    const [now, before_] = await Promise.all([getJSON('/api/report?period=' + p), getJSON('/api/report?period=' + q)]);
    daily = await getJSON('/api/daily?period=' + p).catch(() => null); // more than 400 days: no line chart
    current = now;
    previous = before_;
    $('from').value = current.from;
    $('to').value = current.to;
    $('status').textContent = '';
    drawAll();
  } catch (e) {
    $('status').textContent = e.message;
  }
  delete document.body.dataset.loading;
}

function choose(kind) {
  if (kind === 'range') {
    const from = $('from').value, to = $('to').value;
    period = from && to && from <= to ? {kind, from, to} : {kind, from: current ? current.from : localToday(), to: current ? current.to : localToday()};
  } else {
    period = periodContaining(kind, localToday());
  }
  drawWords();
  return loadReport();
}

async function loadCustomers() {
  try {
    customers = await getJSON('/api/customers?top=10');
  } catch (e) {
    $('rfm-currency').textContent = e.message;
  }
  drawCustomers();
}

async function loadSync() {
  try {
    sync = await getJSON('/api/sync');
    drawSync();
  } catch (e) {
    $('sync-at').textContent = e.message;
  }
}

async function main() {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLE);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  period = periodContaining('month', localToday());
  drawWords();
  session = await getJSON('/api/session');
  digits = await getJSON('/api/currencies').catch(() => ({}));
  for (const b of document.querySelectorAll('button.period')) b.addEventListener('click', () => choose(b.dataset.kind));
  $('show').addEventListener('click', () => choose('range'));
  $('step-back').addEventListener('click', () => { period = shift(period, -1); loadReport(); });
  $('step-on').addEventListener('click', () => { period = shift(period, 1); loadReport(); });
  for (const b of document.querySelectorAll('button.csv')) b.addEventListener('click', () => download(b.dataset.table));
  $('lang').addEventListener('change', () => {
    lang = $('lang').value;
    localStorage.setItem('accord-lang', lang);
    // the same kind of period in the new calendar: around today if it shows today, else
    // around its first day (Azar 1405 becomes November 2026, not December)
    const today = localToday(), showsToday = !current || (current.from <= today && today <= current.to);
    if (period.kind !== 'range') period = periodContaining(period.kind, showsToday ? today : current.from);
    drawAll();
    People.setLanguage(lang);
    loadReport();
  });
  $('logout').addEventListener('click', async () => {
    await fetch('/logout', {method: 'POST', headers: {'X-CSRF-Token': session.csrf}});
    location.href = '/login';
  });
  drawWords();
  await loadReport();
  await loadCustomers();
  await loadSync();
  $('audit-kind').addEventListener('change', loadAudit);
  await loadAudit();
  // people.js: Change my password for everyone, People for admins (a fresh session's CSRF token kept)
  await People.mount({password: $('password-section'), people: $('people-section')},
    {session: () => session, setCsrf: (csrf) => { session.csrf = csrf; }}, lang);
  setInterval(loadSync, 5000);
}

main();
