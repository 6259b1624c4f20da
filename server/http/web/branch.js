'use strict';
// The branch app's customers: the list (filters, sort, pages, saved filters), the card beside
// it where every field is edited in place and contacts, deals, tasks, notes and calls are
// added and edited, the conflicts inbox and the sync indicator. Builds on common.js (A).
A.strings({
  en: {title: 'Accord', language: 'Language', signout: 'Sign out', sections: 'Sections', customers: 'Customers', pipeline: 'Pipeline',
    tasksnav: 'Tasks', conflictsnav: 'Conflicts', importnav: 'Import', reminders: 'Reminders', search: 'Search',
    searchhint: 'name, a phone\'s last digits, e-mail or part of one, tag, city, national id, contact person', name: 'Name', phones: 'Phones', emails: 'E-mails',
    branch: 'Branch', created: 'Created', add: 'Add a customer', phone: 'Phone', email: 'E-mail', save: 'Save', cancel: 'Cancel',
    saveanyway: 'Save anyway', needname: 'Give a name.', dupe: 'Possibly already here: {0}. Open it, or save anyway.', saved: 'Saved.',
    badphone: 'A phone number has 4 to 15 digits, e.g. 0912 345 6789.', bademail: 'An e-mail address looks like name@example.com.',
    tagfilter: 'Tag', all: 'All', anyone: 'Anyone', savedfilters: 'Saved filters', nofilter: '—', clearfilters: 'Clear filters', savefilter: 'Save this filter',
    deletefilter: 'Delete this saved filter', filtername: 'Name of the filter', total: '{0}–{1} of {2}', totalsome: '{0} shown',
    searchmore: '{0} shown; more match — type more to narrow the search.', searchall: '{0} found', none: 'No customers match. Clear the filters, or add a customer.',
    empty: 'No customers yet — add the first one.', prev: 'Previous', next: 'Next', pageof: 'Page {0} of {1}', sortedby: 'sorted',
    close: 'Close', details: 'Details', savechanges: 'Save changes', undo: 'Undo my edits', nochange: 'Nothing changed.',
    savedfields: 'Saved: {0}.', problem: 'Not saved: {0}', logcall: 'Log a call', logvisit: 'Log a visit', addtask: 'Add a task',
    adddeal: 'Add a deal', addnote: 'Add a note', addcontact: 'Add a contact', edit: 'Edit', remove: 'Remove', addvalue: 'Add',
    removevalue: 'Remove {0}', newvalue: 'New {0}', contacts: 'Contacts', deals: 'Deals', tasks: 'Tasks', interactions: 'Calls, visits and messages',
    notes: 'Notes', history: 'History', when: 'When', who: 'Who', changes: 'Changes', signature: 'Signature', verified: 'verified',
    more: 'More not shown: search to narrow the list.', morehistory: 'Older changes not shown: `accord history` pages through all.',
    nocontacts: 'No contacts yet.', nodeals: 'No deals yet — add a deal.', notasks: 'No tasks yet.', nointeractions: 'No calls or visits yet.',
    nonotes: 'No notes yet.', loading: 'Loading…', nonode: 'The node does not answer. Your edits are kept on this page; try again.',
    conflict: 'Changed at two places at once. Kept now: {0}. Decide below or in Conflicts.', conflicts: 'Conflicts to decide',
    conflictshelp: 'The same field was changed at two places before they heard of each other. Until you decide, every node keeps the value shown as kept now.',
    record: 'Record', field: 'Field', keptnow: 'Kept now', sides: 'The edits', keep: 'Keep this', nowconflicts: 'Nothing to decide.',
    sideby: '{0} — {1} at {2}, {3}', decided: 'Decided.', online: 'Connected to HQ', offline: 'Offline', offlinesince: 'Offline since {0}',
    waiting: '{0} changes waiting to go', allsent: 'all changes sent', yes: 'Yes', no: 'No', amountis: '= {0}', needamount: 'Give an amount.',
    negative: 'An amount cannot be negative.', badamount: 'Not an amount: type it as 1250, 12,5 or 1.234,50.',
    tooprecise: 'Too many decimals for this currency.', nodecimals: 'This currency has no decimals.', toolarge: 'Too large an amount.', needtitle: 'Give a title.',
    needtext: 'Write the note.', needdue: 'A time needs a due date.', dateis: '= {0}', me: '{0} (me)', done: 'Done',
    f_type: 'Type', f_name: 'Name', f_phones: 'Phones', f_emails: 'E-mails', f_address: 'Address', f_city: 'City',
    f_national_id: 'National id', f_segment: 'Segment', f_source: 'Source', f_assigned: 'Assigned to', f_consent_email: 'Agrees to e-mail',
    f_consent_sms: 'Agrees to SMS', f_tags: 'Tags', f_branch: 'Branch', f_created: 'Created', f_role: 'Role', f_title: 'Title',
    f_stage: 'Stage', f_amount: 'Amount', f_currency: 'Currency', f_expected_close: 'Expected close', f_probability: 'Probability (%)',
    f_lost_reason: 'Reason lost', f_due: 'Due date', f_due_time: 'Due time', f_assignee: 'Assignee', f_reminder: 'Reminder',
    f_done: 'Done', f_when: 'When', f_summary: 'What was it about', f_outcome: 'Outcome', f_text: 'Note', f_customer: 'Customer',
    f_related: 'Customer', f_deleted: 'Deleted', f_merged_into: 'Merged into',
    ty_person: 'Person', ty_company: 'Company', it_call: 'Call', it_visit: 'Visit', it_email: 'E-mail', it_sms: 'SMS', it_chat: 'Chat',
    kind_customer: 'Customer', kind_contact: 'Contact', kind_deal: 'Deal', kind_task: 'Task', kind_interaction: 'Call or visit', kind_note: 'Note',
    rem_none: 'No reminder', rem_0: 'At the due time', rem_15: '15 minutes before', rem_60: '1 hour before', rem_1440: '1 day before',
    st_Lead: 'Lead', st_Qualified: 'Qualified', st_Proposal: 'Proposal', st_Negotiation: 'Negotiation', st_Won: 'Won', st_Lost: 'Lost',
    newcontact: 'New contact', newdeal: 'New deal', newtask: 'New task', newnote: 'New note', newinteraction: 'Log a call, visit or message',
    editcontact: 'Edit contact', editdeal: 'Edit deal', edittask: 'Edit task', opendone: 'open', overdue: 'overdue',
    r_empty: 'is empty.', r_control: 'holds a control character; type it again.', r_utf8: 'is not text; type it again.',
    r_date: 'is not a date (YYYY-MM-DD).', r_currency: 'is not a currency code such as EUR or IRR.', r_time: 'is not a time of day such as 09:05.',
    r_number: 'is not a whole number.', r_datetime: 'is not a date and time.', r_yesno: 'must be yes or no.', r_percent: 'must be from 0 to 100.',
    r_toolong: 'is too long: shorten it.', r_required: 'is needed.', readonly: 'You read this record: a manager does not change records.',
    r_dupe: 'A customer with the same {0} is already here ({1}).'},
  fa: {title: 'اکورد', language: 'زبان', signout: 'خروج', sections: 'بخش‌ها', customers: 'مشتریان', pipeline: 'قیف فروش', tasksnav: 'کارها',
    conflictsnav: 'تعارض‌ها', importnav: 'درون‌ریزی', reminders: 'یادآوری‌ها', search: 'جستجو',
    searchhint: 'نام، رقم‌های پایانی تلفن، ایمیل یا بخشی از آن، برچسب، شهر، کد ملی، فرد تماس', name: 'نام', phones: 'تلفن‌ها', emails: 'ایمیل‌ها', branch: 'شعبه',
    created: 'تاریخ ثبت', add: 'افزودن مشتری', phone: 'تلفن', email: 'ایمیل', save: 'ذخیره', cancel: 'انصراف', saveanyway: 'با این حال ذخیره شود',
    needname: 'نام را وارد کنید.', dupe: 'شاید قبلاً ثبت شده: {0}. آن را باز کنید یا با این حال ذخیره کنید.', saved: 'ذخیره شد.',
    badphone: 'شماره تلفن ۴ تا ۱۵ رقم دارد، مثلاً ۰۹۱۲ ۳۴۵ ۶۷۸۹.', bademail: 'ایمیل شبیه name@example.com است.', tagfilter: 'برچسب', all: 'همه', anyone: 'همه کاربران',
    savedfilters: 'فیلترهای ذخیره‌شده', nofilter: '—', clearfilters: 'پاک کردن فیلترها', savefilter: 'ذخیرهٔ این فیلتر',
    deletefilter: 'حذف این فیلتر ذخیره‌شده', filtername: 'نام فیلتر', total: '{0}–{1} از {2}', totalsome: '{0} نمایش داده شد',
    searchmore: '{0} نمایش داده شد؛ موارد بیشتری هست — برای محدود کردن بیشتر بنویسید.', searchall: '{0} یافت شد',
    none: 'مشتری‌ای با این فیلترها نیست. فیلترها را پاک کنید یا مشتری بیفزایید.', empty: 'هنوز مشتری‌ای نیست — اولین را اضافه کنید.',
    prev: 'قبلی', next: 'بعدی', pageof: 'صفحهٔ {0} از {1}', sortedby: 'مرتب‌شده', close: 'بستن', details: 'جزئیات', savechanges: 'ذخیرهٔ تغییرات',
    undo: 'برگرداندن ویرایش‌هایم', nochange: 'چیزی تغییر نکرد.', savedfields: 'ذخیره شد: {0}.', problem: 'ذخیره نشد: {0}', logcall: 'ثبت تماس',
    logvisit: 'ثبت بازدید', addtask: 'افزودن کار', adddeal: 'افزودن معامله', addnote: 'افزودن یادداشت', addcontact: 'افزودن فرد تماس',
    edit: 'ویرایش', remove: 'حذف', addvalue: 'افزودن', removevalue: 'حذف {0}', newvalue: '{0} تازه', contacts: 'افراد تماس', deals: 'معامله‌ها',
    tasks: 'کارها', interactions: 'تماس‌ها، بازدیدها و پیام‌ها', notes: 'یادداشت‌ها', history: 'تاریخچه', when: 'زمان', who: 'کاربر',
    changes: 'تغییرات', signature: 'امضا', verified: 'تأیید شد', more: 'موارد بیشتری نشان داده نشده: برای محدود کردن فهرست جستجو کنید.',
    morehistory: 'تغییرات قدیمی‌تر نشان داده نشده: `accord history` همه را نشان می‌دهد.', nocontacts: 'هنوز فرد تماسی نیست.',
    nodeals: 'هنوز معامله‌ای نیست — یک معامله اضافه کنید.', notasks: 'هنوز کاری نیست.', nointeractions: 'هنوز تماس یا بازدیدی نیست.',
    nonotes: 'هنوز یادداشتی نیست.', loading: 'در حال بارگذاری…', nonode: 'گره پاسخ نمی‌دهد. ویرایش‌های شما در این صفحه می‌ماند؛ دوباره امتحان کنید.',
    conflict: 'هم‌زمان در دو جا تغییر کرده. اکنون نگه‌داشته: {0}. پایین‌تر یا در «تعارض‌ها» تصمیم بگیرید.', conflicts: 'تعارض‌ها برای تصمیم',
    conflictshelp: 'یک فیلد در دو جا پیش از آنکه از هم خبر داشته باشند تغییر کرده است. تا تصمیم بگیرید، همهٔ گره‌ها مقدار «اکنون نگه‌داشته» را دارند.',
    record: 'رکورد', field: 'فیلد', keptnow: 'اکنون نگه‌داشته', sides: 'ویرایش‌ها', keep: 'این بماند', nowconflicts: 'چیزی برای تصمیم نیست.',
    sideby: '{0} — {1} در {2}، {3}', decided: 'تصمیم ثبت شد.', online: 'متصل به دفتر مرکزی', offline: 'آفلاین', offlinesince: 'آفلاین از {0}',
    waiting: '{0} تغییر در انتظار ارسال', allsent: 'همهٔ تغییرات ارسال شده', yes: 'بله', no: 'خیر', amountis: '= {0}', needamount: 'مبلغ را وارد کنید.',
    negative: 'مبلغ نمی‌تواند منفی باشد.', badamount: 'مبلغ نیست: مثلاً ۱۲۵۰ یا ۱۲٫۵ بنویسید.', tooprecise: 'این ارز این‌قدر رقم اعشار ندارد.',
    nodecimals: 'این ارز اعشار ندارد.', toolarge: 'این مبلغ بیش از حد بزرگ است.', needtitle: 'عنوان را وارد کنید.', needtext: 'یادداشت را بنویسید.', needdue: 'ساعت بدون تاریخ سررسید معنا ندارد.',
    dateis: '= {0}', me: '{0} (من)', done: 'انجام شد',
    f_type: 'نوع', f_name: 'نام', f_phones: 'تلفن‌ها', f_emails: 'ایمیل‌ها', f_address: 'نشانی', f_city: 'شهر', f_national_id: 'کد ملی',
    f_segment: 'بخش بازار', f_source: 'منبع', f_assigned: 'مسئول', f_consent_email: 'رضایت به ایمیل', f_consent_sms: 'رضایت به پیامک',
    f_tags: 'برچسب‌ها', f_branch: 'شعبه', f_created: 'تاریخ ثبت', f_role: 'سمت', f_title: 'عنوان', f_stage: 'مرحله', f_amount: 'مبلغ',
    f_currency: 'ارز', f_expected_close: 'تاریخ پیش‌بینی بستن', f_probability: 'احتمال (٪)', f_lost_reason: 'دلیل از دست رفتن',
    f_due: 'تاریخ سررسید', f_due_time: 'ساعت سررسید', f_assignee: 'انجام‌دهنده', f_reminder: 'یادآوری', f_done: 'انجام شده', f_when: 'زمان',
    f_summary: 'موضوع', f_outcome: 'نتیجه', f_text: 'یادداشت', f_customer: 'مشتری', f_related: 'مشتری', f_deleted: 'حذف‌شده', f_merged_into: 'ادغام در',
    ty_person: 'شخص', ty_company: 'شرکت', it_call: 'تماس', it_visit: 'بازدید', it_email: 'ایمیل', it_sms: 'پیامک', it_chat: 'گفتگو',
    kind_customer: 'مشتری', kind_contact: 'فرد تماس', kind_deal: 'معامله', kind_task: 'کار', kind_interaction: 'تماس یا بازدید', kind_note: 'یادداشت',
    rem_none: 'بدون یادآوری', rem_0: 'سر وقت', rem_15: '۱۵ دقیقه پیش از آن', rem_60: '۱ ساعت پیش از آن', rem_1440: '۱ روز پیش از آن',
    st_Lead: 'سرنخ', st_Qualified: 'واجد شرایط', st_Proposal: 'پیشنهاد', st_Negotiation: 'مذاکره', st_Won: 'موفق', st_Lost: 'از دست رفته',
    newcontact: 'فرد تماس تازه', newdeal: 'معاملهٔ تازه', newtask: 'کار تازه', newnote: 'یادداشت تازه', newinteraction: 'ثبت تماس، بازدید یا پیام',
    editcontact: 'ویرایش فرد تماس', editdeal: 'ویرایش معامله', edittask: 'ویرایش کار', opendone: 'باز', overdue: 'عقب‌افتاده',
    r_empty: 'خالی است.', r_control: 'نویسهٔ کنترلی دارد؛ دوباره بنویسید.', r_utf8: 'متن نیست؛ دوباره بنویسید.',
    r_date: 'تاریخ نیست (YYYY-MM-DD).', r_currency: 'کد ارز نیست، مثلاً EUR یا IRR.', r_time: 'ساعت نیست، مثلاً ۰۹:۰۵.',
    r_number: 'عدد صحیح نیست.', r_datetime: 'تاریخ و ساعت نیست.', r_yesno: 'باید بله یا خیر باشد.', r_percent: 'باید از ۰ تا ۱۰۰ باشد.',
    r_toolong: 'بیش از اندازه بلند است: کوتاهش کنید.', r_required: 'لازم است.', readonly: 'این رکورد را فقط می‌خوانید: مدیر رکوردها را تغییر نمی‌دهد.',
    r_dupe: 'مشتری‌ای با همین {0} از پیش هست ({1}).'},
  zh: {title: 'Accord', language: '语言', signout: '退出', sections: '栏目', customers: '客户', pipeline: '销售漏斗', tasksnav: '任务',
    conflictsnav: '冲突', importnav: '导入', reminders: '提醒', search: '搜索', searchhint: '姓名、电话末几位、电子邮件或其一部分、标签、城市、证件号、联系人',
    name: '姓名', phones: '电话', emails: '电子邮件', branch: '分店', created: '创建时间', add: '添加客户', phone: '电话', email: '电子邮件',
    save: '保存', cancel: '取消', saveanyway: '仍然保存', needname: '请输入姓名。', dupe: '可能已存在：{0}。打开它，或仍然保存。', saved: '已保存。',
    badphone: '电话号码为4到15位数字。', bademail: '电子邮件应类似 name@example.com。', tagfilter: '标签', all: '全部', anyone: '任何人', savedfilters: '已保存的筛选',
    nofilter: '—', clearfilters: '清除筛选', savefilter: '保存此筛选', deletefilter: '删除此已保存筛选', filtername: '筛选名称',
    total: '第{0}–{1}条，共{2}条', totalsome: '显示{0}条', searchmore: '显示{0}条；还有更多匹配——请输入更多以缩小范围。', searchall: '找到{0}条',
    none: '没有符合的客户。请清除筛选或添加客户。', empty: '还没有客户——添加第一个。', prev: '上一页', next: '下一页', pageof: '第{0}页，共{1}页',
    sortedby: '已排序', close: '关闭', details: '详细信息', savechanges: '保存更改', undo: '撤销我的编辑', nochange: '没有更改。',
    savedfields: '已保存：{0}。', problem: '未保存：{0}', logcall: '记录电话', logvisit: '记录拜访', addtask: '添加任务', adddeal: '添加交易',
    addnote: '添加备注', addcontact: '添加联系人', edit: '编辑', remove: '删除', addvalue: '添加', removevalue: '删除{0}', newvalue: '新的{0}',
    contacts: '联系人', deals: '交易', tasks: '任务', interactions: '电话、拜访和消息', notes: '备注', history: '历史', when: '时间', who: '用户',
    changes: '更改', signature: '签名', verified: '已验证', more: '还有更多未显示：请搜索以缩小列表。', morehistory: '更早的更改未显示：`accord history` 可查看全部。',
    nocontacts: '还没有联系人。', nodeals: '还没有交易——添加一个。', notasks: '还没有任务。', nointeractions: '还没有电话或拜访。', nonotes: '还没有备注。',
    loading: '加载中…', nonode: '节点没有响应。您的编辑保留在此页面上；请重试。', conflict: '两处同时更改。当前保留：{0}。请在下方或“冲突”中决定。',
    conflicts: '待决定的冲突', conflictshelp: '同一字段在两处互相知晓之前被更改。在您决定之前，所有节点都保留“当前保留”的值。', record: '记录',
    field: '字段', keptnow: '当前保留', sides: '各方编辑', keep: '保留这个', nowconflicts: '没有需要决定的。', sideby: '{0} — {1}，{2}，{3}',
    decided: '已决定。', online: '已连接总部', offline: '离线', offlinesince: '自{0}起离线', waiting: '{0}个更改待发送', allsent: '所有更改已发送',
    yes: '是', no: '否', amountis: '= {0}', needamount: '请输入金额。', negative: '金额不能为负。', badamount: '不是金额：例如 1250 或 12.5。',
    tooprecise: '此货币没有这么多位小数。', nodecimals: '此货币没有小数。', toolarge: '金额太大。', needtitle: '请输入标题。', needtext: '请写备注。', needdue: '时间需要截止日期。',
    dateis: '= {0}', me: '{0}（我）', done: '完成',
    f_type: '类型', f_name: '姓名', f_phones: '电话', f_emails: '电子邮件', f_address: '地址', f_city: '城市', f_national_id: '证件号',
    f_segment: '细分', f_source: '来源', f_assigned: '负责人', f_consent_email: '同意电子邮件', f_consent_sms: '同意短信', f_tags: '标签',
    f_branch: '分店', f_created: '创建时间', f_role: '职务', f_title: '标题', f_stage: '阶段', f_amount: '金额', f_currency: '货币',
    f_expected_close: '预计成交', f_probability: '概率（%）', f_lost_reason: '丢单原因', f_due: '截止日期', f_due_time: '截止时间',
    f_assignee: '执行人', f_reminder: '提醒', f_done: '已完成', f_when: '时间', f_summary: '内容', f_outcome: '结果', f_text: '备注',
    f_customer: '客户', f_related: '客户', f_deleted: '已删除', f_merged_into: '合并到',
    ty_person: '个人', ty_company: '公司', it_call: '电话', it_visit: '拜访', it_email: '电子邮件', it_sms: '短信', it_chat: '聊天',
    kind_customer: '客户', kind_contact: '联系人', kind_deal: '交易', kind_task: '任务', kind_interaction: '电话或拜访', kind_note: '备注',
    rem_none: '不提醒', rem_0: '到期时', rem_15: '提前15分钟', rem_60: '提前1小时', rem_1440: '提前1天',
    st_Lead: '线索', st_Qualified: '已确认', st_Proposal: '方案', st_Negotiation: '谈判', st_Won: '赢单', st_Lost: '丢单',
    newcontact: '新联系人', newdeal: '新交易', newtask: '新任务', newnote: '新备注', newinteraction: '记录电话、拜访或消息',
    editcontact: '编辑联系人', editdeal: '编辑交易', edittask: '编辑任务', opendone: '未完成', overdue: '逾期',
    r_empty: '为空。', r_control: '含有控制字符；请重新输入。', r_utf8: '不是文本；请重新输入。', r_date: '不是日期（YYYY-MM-DD）。',
    r_currency: '不是货币代码，例如 EUR 或 IRR。', r_time: '不是时间，例如 09:05。', r_number: '不是整数。', r_datetime: '不是日期和时间。',
    r_yesno: '必须是是或否。', r_percent: '必须在0到100之间。', r_toolong: '太长：请缩短。', r_required: '是必填项。', readonly: '您只能查看此记录：经理不修改记录。',
    r_dupe: '已有相同{0}的客户（{1}）。'},
});

const $ = (id) => document.getElementById(id);
const B = {users: [], branches: [], stages: [], conflicts: [], names: {}}; // what the views share
A.B = B;
A.stage = (s) => (A.has('st_' + s) ? A.t('st_' + s) : s);
A.fieldLabel = (f) => (A.has('f_' + f) ? A.t('f_' + f) : f);
A.list = (a) => (Array.isArray(a) ? a.join(A.lang === 'fa' ? '، ' : ', ') : (a || ''));
// The node's messages name the field first ("emails: 'x' is not an e-mail address like ..."):
// the field's label and, for the reasons people meet while typing, the reason in the chosen
// language; any other reason as the node wrote it.
const REASONS = [
  [/^is empty$/, 'r_empty'], [/^contains a control character$/, 'r_control'], [/^is not valid UTF-8 text$/, 'r_utf8'],
  [/^is not a date as YYYY-MM-DD$/, 'r_date'], [/^is not a known ISO 4217 currency code/, 'r_currency'],
  [/^is not a phone number/, 'badphone'], [/^is not a time of day as HH:MM/, 'r_time'], [/^is not a whole number$/, 'r_number'],
  [/^is not an ISO 8601 date and time/, 'r_datetime'], [/^is not an e-mail address like name@example.com$/, 'bademail'],
  [/^is not yes or no$/, 'r_yesno'], [/^must be between 0 and 100$/, 'r_percent'], [/^is negative/, 'negative'],
  [/^has decimals, and this currency has none/, 'nodecimals'], [/^has more decimals than the currency has/, 'tooprecise'],
  [/^has its thousands separators in the wrong places/, 'badamount'], [/^is not an amount/, 'badamount'],
  [/^too long \(/, 'r_toolong'], [/^required, cannot be cleared$/, 'r_required'], [/^required for a new /, 'r_required'],
  [/^give the due date too/, 'needdue'],
];
A.reason = (e) => {
  const dupe = /^a customer with the same (phone|e-mail|national id|name) exists \(([0-9a-f]+)\)/.exec(e.message || '');
  if (dupe) return A.t('r_dupe', A.fieldLabel({phone: 'phones', 'e-mail': 'emails', 'national id': 'national_id'}[dupe[1]] || dupe[1]), dupe[2]);
  const m = /^([a-z_]+): (?:'(.*?)' )?(.*)$/s.exec(e.message || '');
  if (!m || !A.has('f_' + m[1])) return e.message || String(e);
  const known = REASONS.find(([re]) => re.test(m[3]));
  const why = known ? A.t(known[1]) : m[3];
  return A.t('f_' + m[1]) + ': ' + (m[2] !== undefined ? '«' + m[2] + '» ' : '') + why;
};

// ---- shared choices: users, branches ----
function fillSelect(sel, options, value, allKey) {
  sel.textContent = '';
  if (allKey) sel.appendChild(A.el('option', {value: ''}, A.t(allKey)));
  for (const [v, label] of options) sel.appendChild(A.el('option', {value: v}, label));
  sel.value = value || '';
}
const userOptions = () => B.users.map((u) => [u.name, u.name === A.session.user ? A.t('me', u.name) : u.name]);
A.userOptions = userOptions;
A.fillSelect = fillSelect;

async function loadChoices() {
  B.users = await A.items('users', {}).catch(() => []);
  if (!B.users.some((u) => u.name === A.session.user)) B.users.unshift({name: A.session.user, role: A.session.role});
  const st = await A.call('status', {}).catch(() => ({}));
  B.stages = st.pipeline || [];
  const names = new Set([A.session.node]);
  const sync = await A.call('sync_status', {}).catch(() => ({}));
  for (const p of sync.peers || []) if (p.name) names.add(p.name);
  B.branches = [...names].sort();
}

// ---- the customer list ----
const L = {offset: 0, limit: 50, sort: 'name', desc: false, page: []};
function filters() {
  const f = {};
  for (const [k, id] of [['branch', 'f-branch'], ['assigned', 'f-assigned'], ['tag', 'f-tag'], ['city', 'f-city'], ['segment', 'f-segment']]) {
    const v = $(id).value.trim();
    if (v) f[k] = v;
  }
  return f;
}

function showRows(rows) {
  const body = $('list').tBodies[0];
  body.textContent = '';
  for (const c of rows) {
    const tr = A.el('tr', {'data-id': c.id, tabindex: '0'});
    if (c.id === B.open) tr.setAttribute('aria-selected', 'true');
    const th = A.el('th', {scope: 'row', dir: 'auto'});
    th.appendChild(A.el('bdi', {}, c.name));
    if (c.matched === 'contact' && c.contact_name) th.appendChild(A.el('small', {class: 'muted', dir: 'auto'}, A.sep() + c.contact_name));
    tr.appendChild(th);
    tr.appendChild(A.el('td', {dir: 'ltr'}, A.list(c.phones)));
    tr.appendChild(A.el('td', {dir: 'ltr'}, A.list(c.emails)));
    tr.appendChild(A.el('td', {dir: 'auto'}, c.city || ''));
    tr.appendChild(A.el('td', {dir: 'auto'}, c.branch || ''));
    tr.appendChild(A.el('td', {dir: 'auto'}, c.assigned || ''));
    tr.appendChild(A.el('td', {}, A.date(c.created)));
    const open = () => A.go('#/customer/' + c.id);
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    body.appendChild(tr);
  }
  if (!rows.length) {
    const tr = body.appendChild(A.el('tr', {class: 'empty'}));
    tr.appendChild(A.el('td', {colspan: '7'}, A.t(Object.keys(filters()).length || $('q').value.trim() ? 'none' : 'empty')));
  }
  const searching = $('q').value.trim().length >= 2; // search results come best match first
  for (const th of $('list').tHead.rows[0].cells) {
    if (!th.dataset.sort) continue;
    th.querySelector('button').disabled = searching;
    if (th.dataset.sort === L.sort && !searching) th.setAttribute('aria-sort', L.desc ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
  }
}

let listSeq = 0;
async function loadList() {
  const seq = ++listSeq, q = $('q').value.trim();
  $('list').setAttribute('aria-busy', 'true');
  try {
    let rows, text;
    if (q.length >= 2) {
      rows = await A.items('search', Object.assign({kind: 'customer', q, limit: 100}, filters()));
      text = rows.more ? A.t('searchmore', A.num(rows.length)) : A.t('searchall', A.num(rows.length));
      $('prev').hidden = $('next').hidden = true;
      $('page-of').textContent = '';
    } else {
      rows = await A.items('list', Object.assign({kind: 'customer', sort: L.sort, desc: L.desc, offset: L.offset, limit: L.limit}, filters()));
      const total = rows.total ?? rows.length;
      text = total ? A.t('total', A.num(L.offset + 1), A.num(L.offset + rows.length), A.num(total)) : '';
      const pages = Math.max(1, Math.ceil(total / L.limit));
      $('prev').hidden = $('next').hidden = pages <= 1;
      $('prev').disabled = L.offset === 0;
      $('next').disabled = !rows.more;
      $('page-of').textContent = pages > 1 ? A.t('pageof', A.num(Math.floor(L.offset / L.limit) + 1), A.num(pages)) : '';
    }
    if (seq !== listSeq) return; // a later keystroke's answer wins
    L.page = rows;
    $('list-total').textContent = text;
    showRows(rows);
  } catch (e) {
    if (seq === listSeq) $('list-total').textContent = A.reason(e);
  } finally {
    if (seq === listSeq) $('list').removeAttribute('aria-busy');
  }
}
A.reloadList = loadList;

// ---- saved filters: each user's own, kept by the node (views, view_save, view_delete) ----
let saved = {};
async function loadSaved(selected) {
  const views = await A.items('views', {}).catch(() => []);
  saved = {};
  for (const v of views) { try { saved[v.name] = JSON.parse(v.filter); } catch (e) { /* not the page's: leave it out */ } }
  drawSaved(selected);
}
function drawSaved(selected) {
  fillSelect($('saved'), Object.keys(saved).sort((a, b) => a.localeCompare(b)).map((n) => [n, n]), selected, 'nofilter');
  $('delete-filter').hidden = !$('saved').value;
}
function applySaved(name) {
  const f = saved[name];
  if (!f) return;
  for (const [k, id] of [['branch', 'f-branch'], ['assigned', 'f-assigned'], ['tag', 'f-tag'], ['city', 'f-city'], ['segment', 'f-segment']]) $(id).value = f[k] || '';
  $('q').value = f.q || '';
  L.sort = f.sort || 'name';
  L.desc = !!f.desc;
  L.offset = 0;
  loadList();
}

// ---- the add form (duplicate check first) ----
let confirmDupe = false;
const digitsOf = (s) => (A.asciiDigits(s).match(/[0-9]/g) || []).length;
function checkAdd() {
  const phone = $('add-phone').value.trim(), email = $('add-email').value.trim();
  $('add-phone-hint').textContent = phone && (digitsOf(phone) < 4 || digitsOf(phone) > 15) ? A.t('badphone') : '';
  $('add-email-hint').textContent = email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? A.t('bademail') : '';
  return !$('add-phone-hint').textContent && !$('add-email-hint').textContent;
}
async function addCustomer(ev) {
  ev.preventDefault();
  const name = $('add-name').value.trim(), phone = $('add-phone').value.trim(), email = $('add-email').value.trim();
  const msg = $('add-message');
  $('add-name-hint').textContent = name ? '' : A.t('needname');
  if (!name) { $('add-name').focus(); return; }
  if (!checkAdd()) { (phone && $('add-phone-hint').textContent ? $('add-phone') : $('add-email')).focus(); return; }
  try {
    if (!confirmDupe) { // the CLI's matcher: a phone in any format, folded names
      const hits = new Map();
      for (const [q, by] of [[phone, 'phone'], [email, 'email'], [name, 'name']])
        if (q.length >= 2) for (const c of await A.items('search', {kind: 'customer', q, by}).catch(() => [])) hits.set(c.id, c.name);
      if (hits.size) {
        msg.textContent = A.t('dupe', [...hits.values()].join(A.lang === 'fa' ? '، ' : ', '));
        confirmDupe = true;
        $('add-save').textContent = A.t('saveanyway');
        return;
      }
    }
    const made = await A.call('create', {kind: 'customer', name, type: $('add-type').value, 'add:phones': phone || undefined, 'add:emails': email || undefined}, true);
    msg.textContent = A.t('saved');
    confirmDupe = false;
    $('add-save').textContent = A.t('save');
    $('add').reset();
    await loadList();
    if (made && made.id) A.go('#/customer/' + made.id);
  } catch (e) { msg.textContent = A.t('problem', A.reason(e)); }
}

// ---- the card: every field in place ----
const CUSTOMER_FIELDS = [
  {name: 'type', type: 'choice', choices: ['person', 'company'], prefix: 'ty_'}, {name: 'name', type: 'text', max: 200, required: true},
  {name: 'phones', type: 'set', input: 'tel', dir: 'ltr'}, {name: 'emails', type: 'set', input: 'email', dir: 'ltr'},
  {name: 'tags', type: 'set'}, {name: 'address', type: 'textarea', max: 500}, {name: 'city', type: 'text', max: 100},
  {name: 'national_id', type: 'text', max: 32, dir: 'ltr'}, {name: 'segment', type: 'text', max: 64}, {name: 'source', type: 'text', max: 64},
  {name: 'assigned', type: 'user'}, {name: 'consent_email', type: 'bool'}, {name: 'consent_sms', type: 'bool'},
];
const C = {rec: null, sets: {}};

function fieldBox(f, value, idp) {
  const id = idp + f.name, p = A.el('p', {class: 'field f-' + f.type, 'data-field': f.name});
  p.appendChild(A.el('label', {for: id}, A.fieldLabel(f.name)));
  let input;
  if (f.type === 'choice' || f.type === 'user' || f.type === 'select') {
    input = A.el('select', {id, name: f.name});
    const opts = f.type === 'user' ? userOptions() : f.choices.map((c) => [c, f.prefix ? A.t(f.prefix + c) : c]);
    fillSelect(input, opts, value, f.type === 'user' || f.optional ? 'nofilter' : null);
    if (f.type === 'user' && value && !B.users.some((u) => u.name === value)) input.appendChild(A.el('option', {value}, value)), input.value = value;
  } else if (f.type === 'bool') {
    input = A.el('select', {id, name: f.name});
    fillSelect(input, [['true', A.t('yes')], ['false', A.t('no')]], value === true ? 'true' : value === false ? 'false' : '', 'nofilter');
  } else if (f.type === 'textarea') {
    input = A.el('textarea', {id, name: f.name, maxlength: f.max, rows: '3', dir: 'auto'});
    input.value = value || '';
  } else if (f.type === 'set') {
    return setBox(f, value || [], id, p);
  } else {
    input = A.el('input', {id, name: f.name, maxlength: f.max, dir: f.dir || 'auto', type: f.input || 'text', inputmode: f.inputmode});
    input.value = value ?? '';
  }
  if (!A.canWrite) input.disabled = true;
  input.setAttribute('aria-describedby', id + '-hint');
  p.appendChild(input);
  p.appendChild(A.el('span', {id: id + '-hint', class: 'hint', role: 'status'}));
  return p;
}

// The form a set keeps an element in, as far as the page can tell: a phone by its digits (a
// leading 00 is +), an e-mail in lower case; the node normalises it exactly.
function setKey(f, v) {
  if (f.input === 'tel') return A.asciiDigits(v).replace(/[^0-9+]/g, '').replace(/^00/, '+');
  if (f.input === 'email') return v.trim().toLowerCase();
  return v.trim();
}
const sameElement = (f, list, v) => list.some((x) => setKey(f, x) === setKey(f, v));

// A set (phones, e-mails, tags): each element with its remove button, and a box to add one.
function setBox(f, values, id, p) {
  const s = C.sets[f.name] = {had: [...values], now: [...values], adding: []};
  const ul = A.el('ul', {class: 'chips'});
  const draw = () => {
    ul.textContent = '';
    for (const v of [...s.now, ...s.adding]) {
      const li = A.el('li', {class: s.adding.includes(v) ? 'chip new' : 'chip'});
      li.appendChild(A.el('bdi', {dir: f.dir || 'auto'}, v));
      if (A.canWrite) {
        const x = A.el('button', {type: 'button', class: 'chip-x', 'aria-label': A.t('removevalue', v)}, '×');
        x.addEventListener('click', () => {
          s.now = s.now.filter((y) => y !== v);
          s.adding = s.adding.filter((y) => y !== v);
          draw();
        });
        li.appendChild(x);
      }
      ul.appendChild(li);
    }
  };
  draw();
  p.appendChild(ul);
  if (A.canWrite) {
    // the field's label names the box a new element is typed in
    const row = A.el('span', {class: 'addrow'});
    const input = A.el('input', {id, dir: f.dir || 'auto', type: f.input === 'email' ? 'email' : 'text', inputmode: f.input === 'tel' ? 'tel' : undefined,
      maxlength: '254', 'aria-describedby': id + '-hint'});
    const add = A.el('button', {type: 'button'}, A.t('addvalue'));
    const push = () => {
      const v = input.value.trim();
      if (!v) return;
      if (f.input === 'tel' && (digitsOf(v) < 4 || digitsOf(v) > 15)) { $(id + '-hint').textContent = A.t('badphone'); input.focus(); return; }
      if (f.input === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) { $(id + '-hint').textContent = A.t('bademail'); input.focus(); return; }
      $(id + '-hint').textContent = '';
      if (!sameElement(f, [...s.now, ...s.adding], v)) s.adding.push(v);
      input.value = '';
      draw();
    };
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); push(); } });
    add.addEventListener('click', push);
    row.append(input, add);
    p.appendChild(row);
  }
  p.appendChild(A.el('span', {id: id + '-hint', class: 'hint', role: 'status'}));
  return p;
}

function drawCardHeader(c) {
  $('card-name').firstChild.textContent = c.name || '';
  $('card-actions').querySelector('[data-add="contact"]').hidden = c.type !== 'company';
  $('card-readonly').hidden = A.canWrite;
  const sub = [A.t('ty_' + (c.type || 'person')), c.branch, c.assigned, A.list(c.tags)].filter(Boolean);
  $('card-sub').textContent = sub.join(A.sep());
}

function drawFields(c) {
  C.rec = c;
  C.sets = {};
  const box = $('card-fields');
  box.textContent = '';
  for (const f of CUSTOMER_FIELDS) box.appendChild(fieldBox(f, c[f.name], 'cf-'));
  const ro = A.el('p', {class: 'field'});
  ro.appendChild(A.el('span', {class: 'label'}, A.fieldLabel('branch')));
  ro.appendChild(A.el('span')).append(A.el('bdi', {}, c.branch || ''), A.sep(), A.el('bdi', {}, A.dateTime(c.created)));
  box.appendChild(ro);
  for (const k of B.conflicts) if (k.id === c.id) markConflict(k);
}

function markConflict(k) {
  const hint = $('cf-' + k.field + '-hint');
  if (!hint) return;
  hint.textContent = A.t('conflict', k.current === undefined || k.current === null ? '—' : A.list(k.current));
  hint.closest('.field').classList.add('in-conflict');
}

// What the form holds now against the record it was drawn from: the args of one update.
function cardChanges() {
  const c = C.rec, args = {}, changed = [], clear = [];
  for (const f of CUSTOMER_FIELDS) {
    if (f.type === 'set') {
      const s = C.sets[f.name];
      const pending = $('cf-' + f.name) && $('cf-' + f.name).value.trim();
      const adding = [...s.adding, ...(pending && !sameElement(f, [...s.now, ...s.adding], pending) ? [pending] : [])];
      const removing = s.had.filter((v) => !s.now.includes(v));
      if (adding.length) args['add:' + f.name] = adding;
      if (removing.length) args['remove:' + f.name] = removing;
      if (adding.length || removing.length) changed.push(f.name);
      continue;
    }
    const el = $('cf-' + f.name);
    let v = el.value, was = c[f.name];
    if (f.type === 'bool') was = was === true ? 'true' : was === false ? 'false' : '';
    v = f.type === 'text' || f.type === 'textarea' ? v.trim() : v;
    if ((was ?? '') === v) continue;
    changed.push(f.name);
    if (v === '') clear.push(f.name);
    else args[f.name] = f.type === 'bool' ? (v === 'true' ? 'yes' : 'no') : v;
  }
  if (clear.length) args.clear = clear;
  return {args, changed};
}

async function saveCard(ev) {
  ev.preventDefault();
  const msg = $('card-message');
  for (const h of $('card-fields').querySelectorAll('.hint')) if (!h.closest('.in-conflict')) h.textContent = '';
  const {args, changed} = cardChanges();
  if (!changed.length) { msg.textContent = A.t('nochange'); return; }
  if (changed.includes('name') && !$('cf-name').value.trim()) {
    $('cf-name-hint').textContent = A.t('needname');
    $('cf-name').focus();
    return;
  }
  try {
    await A.call('update', Object.assign({kind: 'customer', id: C.rec.id}, args), true);
    await openCard(C.rec.id, true);
    $('card-message').textContent = A.t('savedfields', changed.map(A.fieldLabel).join(A.lang === 'fa' ? '، ' : ', '));
    loadList();
  } catch (e) {
    // the field the node names gets the message and the focus; what was typed stays
    const m = /^([a-z_]+): /.exec(e.message || '');
    const hint = m && $('cf-' + m[1] + '-hint');
    if (hint) { hint.textContent = A.reason(e); const inp = $('cf-' + m[1]); if (inp) inp.focus(); }
    msg.textContent = A.t('problem', A.reason(e));
  }
}

// ---- related records: contacts, deals, tasks, calls, notes ----
const REMINDERS = ['', '0', '15', '60', '1440'];
// the currencies people here use first, then every other one
const currencyChoices = () => [...new Set(['IRR', 'EUR', 'USD', 'AED', 'CNY', ...Object.keys(A.currencies).sort()])].filter((c) => c in A.currencies);
const SUBFORMS = {
  contact: {ref: 'customer', fields: () => [{name: 'name', type: 'text', max: 200, required: true}, {name: 'role', type: 'text', max: 100},
    {name: 'phones', type: 'one', input: 'tel', dir: 'ltr'}, {name: 'emails', type: 'one', input: 'email', dir: 'ltr'}]},
  deal: {ref: 'customer', fields: () => [{name: 'title', type: 'text', max: 200, required: true},
    {name: 'amount', type: 'amount'}, {name: 'currency', type: 'select', choices: currencyChoices()},
    {name: 'stage', type: 'select', choices: B.stages, prefix: 'stage'}, {name: 'expected_close', type: 'date'},
    {name: 'probability', type: 'number'}, {name: 'assigned', type: 'user'}, {name: 'lost_reason', type: 'text', max: 200}]},
  task: {ref: 'related', fields: () => [{name: 'title', type: 'text', max: 200, required: true}, {name: 'due', type: 'date'},
    {name: 'due_time', type: 'time'}, {name: 'assignee', type: 'user'},
    {name: 'reminder', type: 'select', choices: REMINDERS, prefix: 'rem', optional: false}]},
  note: {ref: 'related', insertOnly: true, fields: () => [{name: 'text', type: 'textarea', max: 4000, required: true}]},
  interaction: {ref: 'customer', insertOnly: true, fields: () => [{name: 'type', type: 'choice', choices: ['call', 'visit', 'email', 'sms', 'chat'], prefix: 'it_'},
    {name: 'summary', type: 'textarea', max: 2000}, {name: 'outcome', type: 'text', max: 200},
    {name: 'when', type: 'text', input: 'datetime-local', dir: 'ltr'}]},
};

function subField(f, value, idp) {
  if (f.type === 'amount' || f.type === 'date' || f.type === 'one' || f.type === 'time' || f.type === 'number') {
    // a date picker is Gregorian only: in Persian the date is typed (۱۴۰۵/۰۹/۲۹); times and
    // numbers are text, so that Persian digits are taken
    const picker = f.type === 'date' && A.lang !== 'fa';
    const p = fieldBox({name: f.name, type: 'text', dir: f.dir || 'ltr', input: picker ? 'date' : f.type === 'one' ? f.input : 'text',
      inputmode: f.type === 'amount' ? 'decimal' : f.type === 'time' || f.type === 'number' ? 'numeric' : undefined},
    f.type === 'date' && !picker ? A.dateField(value) : f.type === 'time' || f.type === 'number' ? A.localDigits(value ?? '') : value, idp);
    const input = p.querySelector('input');
    if (f.type === 'date' && !picker) input.placeholder = A.localDigits('1405/09/29');
    if (f.type === 'time') input.placeholder = A.localDigits('09:30');
    if (f.type !== 'one' && f.type !== 'number') p.insertBefore(A.el('span', {class: 'understood', id: idp + f.name + '-understood', 'aria-live': 'polite'}), p.lastChild);
    return p;
  }
  if (f.name === 'when') {
    const p = fieldBox(f, value, idp);
    p.insertBefore(A.el('span', {class: 'understood', id: idp + f.name + '-understood', 'aria-live': 'polite'}), p.lastChild);
    return p;
  }
  if (f.type === 'select' && f.prefix === 'stage') {
    const p = fieldBox({name: f.name, type: 'select', choices: f.choices}, value, idp);
    for (const o of p.querySelector('select').options) o.textContent = A.stage(o.value);
    return p;
  }
  if (f.type === 'select' && f.prefix === 'rem') {
    const p = fieldBox({name: f.name, type: 'select', choices: REMINDERS}, value === undefined || value === null ? '' : String(value), idp);
    for (const o of p.querySelector('select').options) o.textContent = A.t('rem_' + (o.value === '' ? 'none' : o.value));
    return p;
  }
  return fieldBox(f, value, idp);
}

function localNow() {
  const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

// The understood amount and date, shown back as they will be kept.
function understood(form, idp) {
  const amount = form.querySelector('#' + idp + 'amount'), cur = form.querySelector('#' + idp + 'currency');
  if (amount) {
    const out = $(idp + 'amount-understood'), hint = $(idp + 'amount-hint');
    const r = amount.value.trim() ? A.parseAmount(amount.value, cur.value) : null;
    out.textContent = r && r.minor !== undefined ? A.t('amountis', A.money(r.minor, cur.value)) : '';
    hint.textContent = r && r.error ? A.t(r.error) : '';
  }
  for (const name of ['due', 'expected_close']) {
    const d = form.querySelector('#' + idp + name);
    if (!d) continue;
    const iso = d.value.trim() ? A.parseDate(d.value) : '';
    $(idp + name + '-understood').textContent = iso && (A.lang !== 'en' || d.type !== 'date') ? A.t('dateis', A.date(iso)) : '';
    $(idp + name + '-hint').textContent = iso === null ? A.t('r_date') : '';
  }
  const time = form.querySelector('#' + idp + 'due_time');
  if (time) {
    const hhmm = time.value.trim() ? A.parseTime(time.value) : '';
    $(idp + 'due_time-understood').textContent = hhmm ? A.t('dateis', A.localDigits(hhmm)) : '';
    $(idp + 'due_time-hint').textContent = hhmm === null ? A.t('r_time') : '';
  }
  const when = form.querySelector('#' + idp + 'when');
  if (when) $(idp + 'when-understood').textContent = when.value && A.lang !== 'en' ? A.t('dateis', A.dateTime(new Date(when.value).toISOString())) : '';
}

function openSubform(kind, rec, preset) {
  const spec = SUBFORMS[kind], idp = 'sf-' + kind + '-', box = $('card-subform');
  B.opener = document.activeElement; // where the focus goes back when the form closes
  box.textContent = '';
  const form = A.el('form', {class: 'panel subform', novalidate: true, 'data-kind': kind, 'aria-labelledby': idp + 'h'});
  form.appendChild(A.el('h3', {id: idp + 'h'}, A.t((rec ? 'edit' : 'new') + kind)));
  const fields = A.el('div', {class: 'fields'});
  const defaults = {type: preset && preset.type, when: localNow(), assignee: A.session.user, assigned: A.session.user,
    currency: B.lastCurrency || (A.lang === 'fa' ? 'IRR' : 'EUR'), stage: B.stages[0], reminder: ''};
  for (const f of spec.fields()) {
    let v = rec ? rec[f.name] : defaults[f.name];
    if (rec && f.name === 'amount' && rec.amount !== undefined && rec.currency) v = (rec.amount_text || '');
    if (f.type === 'one' && Array.isArray(v)) v = v[0] || '';
    if (f.name === 'when' && v && v.length > 16) v = v.slice(0, 16);
    fields.appendChild(subField(f, v, idp));
  }
  form.appendChild(fields);
  form.appendChild(A.el('p', {id: idp + 'message', role: 'alert'}));
  const actions = form.appendChild(A.el('p', {class: 'actions'}));
  actions.appendChild(A.el('button', {type: 'submit', class: 'primary'}, A.t('save')));
  const cancel = actions.appendChild(A.el('button', {type: 'button'}, A.t('cancel')));
  cancel.addEventListener('click', closeSubform);
  form.addEventListener('input', () => understood(form, idp));
  form.addEventListener('change', () => understood(form, idp));
  form.addEventListener('submit', (e) => { e.preventDefault(); saveSub(kind, rec, form, idp); });
  box.appendChild(form);
  understood(form, idp);
  const first = form.querySelector('input, textarea, select');
  if (first) first.focus();
}

function closeSubform() {
  $('card-subform').textContent = '';
  const back = B.opener && B.opener.isConnected ? B.opener : $('card-message');
  if (back === $('card-message')) back.setAttribute('tabindex', '-1');
  back.focus();
}

async function saveSub(kind, rec, form, idp) {
  const spec = SUBFORMS[kind], args = {kind}, clear = [];
  const msg = $(idp + 'message');
  for (const h of form.querySelectorAll('.hint')) h.textContent = '';
  let bad = null;
  const fail = (name, key) => { $(idp + name + '-hint').textContent = A.t(key); bad = bad || form.querySelector('#' + idp + name); };
  for (const f of spec.fields()) {
    const el = form.querySelector('#' + idp + f.name);
    let v = el.value.trim ? el.value.trim() : el.value;
    if (f.required && !v) fail(f.name, f.name === 'text' ? 'needtext' : f.name === 'name' ? 'needname' : 'needtitle');
    const was = rec ? rec[f.name] : undefined;
    if (f.type === 'amount' && v) {
      const cur = form.querySelector('#' + idp + 'currency').value, r = A.parseAmount(v, cur);
      if (r.error) { fail('amount', r.error); continue; }
      // an amount is kept in minor units of its currency: with another currency it is sent again
      if (rec && r.minor === rec.amount && cur === rec.currency) continue;
      v = A.amountText(r.minor, cur); // what the page said it understood
    }
    if (f.type === 'one') {
      if (v && f.input === 'tel' && (digitsOf(v) < 4 || digitsOf(v) > 15)) { fail(f.name, 'badphone'); continue; }
      if (v && f.input === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) { fail(f.name, 'bademail'); continue; }
      const old = Array.isArray(was) ? was[0] : undefined;
      if (v && v !== old) args['add:' + f.name] = v;
      if (old && v !== old) args['remove:' + f.name] = old;
      continue;
    }
    if (f.name === 'when' && v) v = new Date(v).toISOString();
    if (f.type === 'date' && v) { const iso = A.parseDate(v); if (!iso) { fail(f.name, 'r_date'); continue; } v = iso; }
    if (f.type === 'time' && v) { const t = A.parseTime(v); if (!t) { fail(f.name, 'r_time'); continue; } v = t; }
    if (f.type === 'number' && v) v = A.asciiDigits(v);
    if (f.name === 'lost_reason' && !v && /lost/i.test(form.querySelector('#' + idp + 'stage').value)) { fail(f.name, 'needreason'); continue; }
    if (rec && String(was ?? '') === String(v)) continue;
    if (!v) { if (rec && was !== undefined) clear.push(f.name); continue; }
    args[f.name] = v;
  }
  const due = form.querySelector('#' + idp + 'due'), time = form.querySelector('#' + idp + 'due_time');
  if (due && time && time.value && !due.value) fail('due', 'needdue');
  if (bad) { bad.focus(); return; }
  if (clear.length) args.clear = clear;
  if (args.amount && !args.currency && rec) args.currency = rec.currency;
  try {
    if (rec) await A.call('update', Object.assign(args, {id: rec.id}), true);
    else await A.call('create', Object.assign(args, {[spec.ref]: C.rec.id}), true);
    if (args.currency) B.lastCurrency = args.currency;
    $('card-message').textContent = A.t('saved');
    await cardLists(C.rec.id);
    closeSubform();
  } catch (e) {
    const m = /^([a-z_]+): /.exec(e.message || '');
    const hint = m && $(idp + m[1] + '-hint');
    if (hint) hint.textContent = A.reason(e);
    msg.textContent = A.t('problem', A.reason(e));
  }
}

// A task not done whose due day (and time, when it has one) has passed, by this browser's clock.
function taskLate(x) {
  if (x.done || !x.due) return false;
  const now = new Date(), today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  const hhmm = String(now.getHours()).padStart(2, '0') + ':' + String(now.getMinutes()).padStart(2, '0');
  return x.due < today || (x.due === today && !!x.due_time && x.due_time < hhmm);
}

const RELATED = [
  ['contact', 'contacts', 'nocontacts', (x) => [x.name, x.role, A.list(x.phones), A.list(x.emails)]],
  ['deal', 'deals', 'nodeals', (x) => [x.title, A.stage(x.stage), A.money(x.amount, x.currency), x.lost_reason]],
  ['task', 'tasks', 'notasks', (x) => [x.title, [A.date(x.due), x.due_time ? A.localDigits(x.due_time) : ''].filter(Boolean).join(' '),
    x.assignee, x.done ? '✓ ' + A.t('done') : taskLate(x) ? '⚠ ' + A.t('overdue') : '']],
  ['interaction', 'interactions', 'nointeractions', (x) => [A.t('it_' + x.type), A.dateTime(x.when), x.summary, x.outcome]],
  ['note', 'notes', 'nonotes', (x) => [x.text, A.dateTime(x.created), x.branch]],
];

async function cardLists(id) {
  const box = $('card-related');
  box.setAttribute('aria-busy', 'true');
  const lists = await Promise.all(RELATED.map(([kind]) => A.items('list', {kind, customer: id}).catch(() => [])));
  if (C.rec && C.rec.id !== id) return;
  box.textContent = '';
  RELATED.forEach(([kind, title, empty, parts], i) => {
    const xs = lists[i];
    const sec = box.appendChild(A.el('section', {class: 'related', 'data-kind': kind, 'aria-labelledby': 'rel-' + kind}));
    const head = sec.appendChild(A.el('div', {class: 'row'}));
    head.appendChild(A.el('h3', {id: 'rel-' + kind}, A.t(title)));
    if (A.canWrite && (kind !== 'contact' || C.rec.type === 'company')) { // contact persons are a company's
      const b = head.appendChild(A.el('button', {type: 'button', class: 'small'}, A.t(kind === 'interaction' ? 'newinteraction' : 'add' + kind)));
      b.addEventListener('click', () => openSubform(kind));
    }
    const ul = sec.appendChild(A.el('ul', {class: 'records'}));
    if (kind === 'interaction' || kind === 'note') xs.sort((a, b) => String(b.when || b.created).localeCompare(String(a.when || a.created)));
    for (const x of xs) {
      const li = ul.appendChild(A.el('li', {'data-id': x.id, class: kind === 'task' && taskLate(x) ? 'late' : undefined}));
      const text = li.appendChild(A.el('span', {dir: 'auto', class: 'what'}));
      parts(x).filter((s) => s !== undefined && s !== null && s !== '').forEach((s, j) => {
        if (j) text.appendChild(document.createTextNode(A.sep()));
        text.appendChild(A.el(j === 0 ? 'strong' : 'bdi', {}, s));
      });
      if (A.canWrite && !SUBFORMS[kind].insertOnly) {
        const b = li.appendChild(A.el('button', {type: 'button', class: 'small', 'aria-label': A.t('edit') + ' ' + (x.name || x.title || '')}, A.t('edit')));
        b.addEventListener('click', () => openSubform(kind, x));
      }
      if (A.canWrite && kind === 'task' && !x.done) {
        const b = li.appendChild(A.el('button', {type: 'button', class: 'small', 'aria-label': A.t('done') + ' ' + x.title}, A.t('done')));
        b.addEventListener('click', async () => { await A.call('update', {kind: 'task', id: x.id, done: 'yes'}, true).catch((e) => { $('card-message').textContent = A.reason(e); }); cardLists(id); });
      }
    }
    if (!xs.length) ul.appendChild(A.el('li', {class: 'empty'}, A.t(empty)));
    if (xs.more) ul.appendChild(A.el('li', {class: 'more'}, A.t('more')));
  });
  if (A.cardService) A.cardService(box, C.rec); // the customer's tickets (service.js)
  box.removeAttribute('aria-busy');
  await drawHistory(id);
  cardExtras(id, box);
}

// The sections other pages add to the card (sales.js: quotes, orders, invoices), each a
// function (id, box) that A.cardExtras holds and that appends its own section to box.
function cardExtras(id, box) {
  if (C.rec && C.rec.id !== id) return; // another card was opened meanwhile
  for (const draw of A.cardExtras || []) draw(id, box);
}

// A value of the history as the card shows it: dates in the chosen calendar, choices and
// yes/no in the chosen language.
function shownValue(field, v) {
  if (v === undefined || v === null) return '—';
  if (v === true || v === false) return A.t(v ? 'yes' : 'no');
  if ((field === 'created' || field === 'when') && /^\d{4}-\d\d-\d\dT/.test(v)) return A.dateTime(v);
  if ((field === 'due' || field === 'expected_close') && /^\d{4}-\d\d-\d\d$/.test(v)) return A.date(v);
  if (field === 'type' && A.has('ty_' + v)) return A.t('ty_' + v);
  if (field === 'type' && A.has('it_' + v)) return A.t('it_' + v);
  if (field === 'stage') return A.stage(v);
  return String(v);
}

async function drawHistory(id) {
  const body = $('card-history').tBodies[0];
  const changes = await A.call('history', {id}).catch(() => ({items: []}));
  body.textContent = '';
  for (const h of (changes.items || []).slice().reverse()) { // newest first
    const tr = body.appendChild(A.el('tr'));
    tr.appendChild(A.el('td', {}, A.dateTime(h.when)));
    tr.appendChild(A.el('td', {dir: 'auto'}, h.author));
    tr.appendChild(A.el('td', {dir: 'auto'}, h.branch));
    tr.appendChild(A.el('td', {dir: 'auto'}, (h.changes || []).map((c) => A.fieldLabel(c.field) + ' ' + (c.op === 'set' ? '= ' : c.op === 'add' ? '+ ' : c.op === 'remove' ? '− ' : c.op + ' ') + shownValue(c.field, c.value)).join('; ')));
    tr.appendChild(A.el('td', {'data-signature': h.signature}, h.signature === 'valid' ? '✓ ' + A.t('verified') : String(h.signature)));
  }
  if (changes.more) body.appendChild(A.el('tr', {class: 'more'})).appendChild(A.el('td', {colspan: '5'}, A.t('morehistory')));
}

async function openCard(id, keepMessage) {
  let c;
  try { c = await A.call('get', {kind: 'customer', id}); } catch (e) { $('list-total').textContent = A.reason(e); return; }
  await loadConflicts();
  B.open = c.id;
  const card = $('card');
  const wasHidden = card.hidden;
  card.hidden = false;
  $('view-customers').classList.add('with-card');
  drawCardHeader(c);
  drawFields(c);
  if (!keepMessage) { $('card-message').textContent = ''; $('card-subform').textContent = ''; }
  for (const tr of $('list').tBodies[0].rows) {
    if (tr.dataset.id === c.id) tr.setAttribute('aria-selected', 'true'); else tr.removeAttribute('aria-selected');
  }
  if (wasHidden) card.focus();
  await cardLists(c.id);
}
A.openCard = openCard;

function closeCard() {
  $('card').hidden = true;
  $('view-customers').classList.remove('with-card');
  const was = B.open;
  B.open = null;
  if (location.hash.startsWith('#/customer/')) history.replaceState(null, '', '#/customers');
  const row = was && $('list').querySelector(`tr[data-id="${was}"]`);
  if (row) row.focus();
}

// ---- conflicts ----
async function loadConflicts() {
  const page = await A.call('conflicts', {}).catch(() => null);
  if (!page) return;
  B.conflicts = (page.items || []).filter((c) => !c.resolved);
  $('conflict-count').textContent = B.conflicts.length ? A.num(B.conflicts.length) : '';
  if (B.open) for (const k of B.conflicts) if (k.id === B.open) markConflict(k); // one that arrived while the card is open
}

function drawConflicts() {
  const body = $('conflicts').tBodies[0];
  body.textContent = '';
  for (const c of B.conflicts) {
    const tr = body.appendChild(A.el('tr', {'data-conflict': c.conflict}));
    const rec = tr.appendChild(A.el('td'));
    const a = rec.appendChild(A.el('a', {href: c.kind === 'customer' ? '#/customer/' + c.id : '#/customers', dir: 'auto'}, c.name || (A.t('kind_' + c.kind) + ' ' + A.shortId(c.id))));
    a.title = A.t('kind_' + c.kind);
    tr.appendChild(A.el('td', {}, A.fieldLabel(c.field)));
    tr.appendChild(A.el('td', {dir: 'auto', class: 'kept'}, c.current === undefined || c.current === null ? '—' : A.list(c.current)));
    const td = tr.appendChild(A.el('td'));
    const ul = td.appendChild(A.el('ul', {class: 'sides'}));
    for (const v of c.sides || []) {
      const li = ul.appendChild(A.el('li'));
      li.appendChild(A.el('bdi', {}, A.t('sideby', String(v.value ?? '—'), v.author || '?', v.branch || '?', A.dateTime(v.when))));
      if (A.canWrite) {
        const b = li.appendChild(A.el('button', {type: 'button', 'data-keep': v.side, 'aria-label': A.t('keep') + ': ' + String(v.value ?? '')}, A.t('keep')));
        b.addEventListener('click', async () => {
          try {
            await A.call('resolve', {conflict: c.conflict, keep: v.side}, true);
            $('conflicts-message').textContent = A.t('decided');
          } catch (e) { $('conflicts-message').textContent = A.reason(e); }
          await loadConflicts();
          drawConflicts();
        });
      }
    }
  }
  if (!B.conflicts.length) body.appendChild(A.el('tr', {class: 'empty'})).appendChild(A.el('td', {colspan: '4'}, A.t('nowconflicts')));
}

// ---- the sync indicator: connected or offline since when, and what waits to go ----
async function syncIndicator() {
  try {
    const s = await A.call('sync_status', {});
    const up = (s.peers || []).find((p) => p.direction === 'upstream');
    if (!up) { $('sync').textContent = ''; return; }
    const pending = up.pending ?? up.lag_records ?? 0;
    const state = up.connected ? A.t('online') : up.offline_since ? A.t('offlinesince', A.dateTime(up.offline_since)) : A.t('offline');
    $('sync').textContent = state + A.sep() + (pending ? A.t('waiting', A.num(pending)) : A.t('allsent'));
    $('sync').dataset.state = up.connected ? 'online' : 'offline';
  } catch (e) { // ENOTFOUND: this node replicates with no one, so there is nothing to tell
    $('sync').textContent = e.code === 'ENOTFOUND' ? '' : A.t('offline');
    $('sync').dataset.state = e.code === 'ENOTFOUND' ? '' : 'offline';
    if (e.code === 'ENOTFOUND') clearInterval(B.syncTimer); // it will not start replicating while it runs
  }
}
A.syncIndicator = syncIndicator;

// ---- wiring ----
function drawFilterChoices() {
  fillSelect($('f-branch'), B.branches.map((b) => [b, b]), $('f-branch').value, 'all');
  fillSelect($('f-assigned'), userOptions(), $('f-assigned').value, 'anyone');
  drawSaved($('saved').value);
}

A.view('customers', {box: 'customers', show() { if (!$('card').hidden) closeCard(); loadList(); }});
A.view('customer', {box: 'customers', nav: 'customers', show([id]) { if (!L.page.length) loadList(); if (id) openCard(id); }});
A.view('conflicts', {async show() { await loadConflicts(); drawConflicts(); }});

A.initBranch = async () => {
  $('who').textContent = A.session.user + A.sep() + A.session.node;
  await loadChoices();
  drawFilterChoices();
  if (A.session.branch) $('f-branch').value = A.session.branch; // lists start on the user's branch; 'all' widens them
  await loadSaved('');
  let timer = null;
  $('q').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { L.offset = 0; loadList(); }, 120); });
  for (const id of ['f-branch', 'f-assigned']) $(id).addEventListener('change', () => { L.offset = 0; loadList(); });
  // a filter changed by hand is no longer the saved one
  for (const id of ['q', 'f-branch', 'f-assigned', 'f-tag', 'f-city', 'f-segment'])
    $(id).addEventListener(id.startsWith('f-b') || id.startsWith('f-a') ? 'change' : 'input', () => { $('saved').value = ''; $('delete-filter').hidden = true; });
  // from the search box, the arrow goes down into the results; Enter opens a lone one
  $('q').addEventListener('keydown', (e) => {
    const rows = $('list').tBodies[0].querySelectorAll('tr[data-id]');
    if (e.key === 'ArrowDown' && rows.length) { e.preventDefault(); rows[0].focus(); }
    if (e.key === 'Enter' && rows.length === 1) { e.preventDefault(); A.go('#/customer/' + rows[0].dataset.id); }
  });
  $('list').tBodies[0].addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr[data-id]');
    if (!tr || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
    e.preventDefault();
    const next = e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
    if (next && next.dataset.id) next.focus(); else if (e.key === 'ArrowUp') $('q').focus();
  });
  for (const id of ['f-tag', 'f-city', 'f-segment']) $(id).addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { L.offset = 0; loadList(); }, 250); });
  for (const th of $('list').tHead.rows[0].cells) {
    if (!th.dataset.sort) continue;
    th.querySelector('button').addEventListener('click', () => {
      if (L.sort === th.dataset.sort) L.desc = !L.desc; else { L.sort = th.dataset.sort; L.desc = false; }
      L.offset = 0;
      loadList();
    });
  }
  const turn = async (by) => { L.offset = Math.max(0, L.offset + by); await loadList(); $('h-find').scrollIntoView({block: 'start'}); };
  $('prev').addEventListener('click', () => turn(-L.limit));
  $('next').addEventListener('click', () => turn(L.limit));
  $('clear-filters').addEventListener('click', () => { for (const id of ['f-branch', 'f-assigned', 'f-tag', 'f-city', 'f-segment']) $(id).value = ''; $('saved').value = ''; L.offset = 0; loadList(); });
  $('saved').addEventListener('change', () => { $('delete-filter').hidden = !$('saved').value; applySaved($('saved').value); });
  $('save-filter').addEventListener('click', () => { $('save-filter-form').hidden = false; $('filter-name').focus(); });
  $('filter-cancel').addEventListener('click', () => { $('save-filter-form').hidden = true; });
  $('save-filter-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('filter-name').value.trim();
    if (!name) { $('filter-name').focus(); return; }
    try {
      await A.call('view_save', {name, filter: JSON.stringify(Object.assign(filters(), {q: $('q').value.trim() || undefined, sort: L.sort, desc: L.desc}))}, true);
      $('save-filter-form').hidden = true;
      $('filter-name').value = '';
      await loadSaved(name);
    } catch (err) { $('list-total').textContent = A.reason(err); }
  });
  $('delete-filter').addEventListener('click', async () => {
    try { await A.call('view_delete', {name: $('saved').value}, true); } catch (err) { $('list-total').textContent = A.reason(err); }
    await loadSaved('');
  });
  $('new-customer').addEventListener('click', () => { $('add').hidden = false; $('add-name').focus(); });
  $('add-cancel').addEventListener('click', () => { $('add').reset(); $('add').hidden = true; });
  $('add').addEventListener('submit', addCustomer);
  for (const id of ['add-name', 'add-phone', 'add-email'])
    $(id).addEventListener('input', () => { confirmDupe = false; $('add-save').textContent = A.t('save'); $('add-message').textContent = ''; checkAdd(); });
  $('card-form').addEventListener('submit', saveCard);
  $('card-reset').addEventListener('click', () => { drawFields(C.rec); $('card-message').textContent = ''; });
  $('card-close').addEventListener('click', closeCard);
  $('card-actions').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-add]');
    if (b) openSubform(b.dataset.add, null, {type: b.dataset.type});
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('card').hidden) {
      if ($('card-subform').firstChild) closeSubform();
      else closeCard();
    }
    if (e.key === '/' && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) { e.preventDefault(); $('q').focus(); }
  });
  $('lang').value = A.lang;
  $('lang').addEventListener('change', () => A.setLanguage($('lang').value));
  A.onLanguage(() => {
    $('lang').value = A.lang;
    drawFilterChoices();
    if (!$('view-customers').hidden) loadList(); // its total and its dates in the new language
    if (B.open && C.rec) { drawCardHeader(C.rec); drawFields(C.rec); cardLists(C.rec.id); }
    if (!$('view-conflicts').hidden) drawConflicts();
    $('conflict-count').textContent = B.conflicts.length ? A.num(B.conflicts.length) : '';
    syncIndicator();
  });
  $('logout').addEventListener('click', async () => { await A.post('/logout', ''); location.href = '/login'; });
  await loadConflicts();
  syncIndicator();
  B.syncTimer = setInterval(syncIndicator, 5000);
  setInterval(loadConflicts, 10000); // edits from other branches arrive while the page is open
};
