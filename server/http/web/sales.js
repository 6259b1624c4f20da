'use strict';
// The branch app's sales (issue 16, docs/SALES.md): products (a list searched as you type,
// sorted by name or SKU, each edited in place with its prices per currency and branch, SKU
// clashes between branches shown), quotes with a line editor, orders, invoices with their
// payments, a direct invoice, and a "Sales" section on the customer's card. Built on
// common.js (global A) and branch.js (A.reason, A.fillSelect, the card's A.cardExtras).
//
// URLs: #/products, #/product/ID; #/quotes, #/quotes/new[/CUSTOMER], #/quote/ID; #/orders,
// #/order/ID; #/invoices, #/invoices/new[/CUSTOMER], #/invoice/ID.
//
// Totals are the node's (`document`): the page never adds up a line itself, so what it shows
// is what every node computes. Amounts are typed as people type them and sent as the page
// understood them (A.parseAmount, A.amountText); quantities (thousandths) and rates
// (hundredths of a percent) by the same rule (A.parseDecimal).
(() => {
  A.strings({
    en: {salesnav: 'Sales', productsnav: 'Products', quotesnav: 'Quotes', ordersnav: 'Orders', invoicesnav: 'Invoices',
      sl_products: 'Products', sl_quotes: 'Quotes', sl_orders: 'Orders', sl_invoices: 'Invoices', sl_sales: 'Sales',
      sl_addproduct: 'Add a product', sl_newproduct: 'New product', sl_searchproducts: 'Search products',
      sl_searchproductshint: 'words of the name, or the start of a SKU', sl_count: '{0} of {1}', sl_someof: '{0} of {1}: search to narrow the list',
      sl_noproducts: 'No products yet — add the first one.', sl_noproductmatch: 'No product matches. Type less, or add the product.',
      sl_clashes: 'SKU clashes', sl_clash: 'Two products have the SKU «{0}»:', sl_clashfix: 'Change the SKU of one, or delete one.',
      sl_prices: 'Other prices (per currency or branch)', sl_noprices: 'No other prices.', sl_pricecurrency: 'Price currency',
      sl_priceamount: 'Price in that currency', sl_pricebranch: 'Only at branch (optional)', sl_addprice: 'Add this price',
      sl_removeprice: 'Remove the price {0}', sl_needsku: 'Give a SKU.', sl_notproduct: 'That is not a product.',
      sl_newquote: 'New quote', sl_newinvoice: 'New invoice', sl_neworder: 'New order', sl_state: 'State', sl_onlyoverdue: 'Only overdue',
      sl_noquotes: 'No quotes yet — open a customer and add a quote, or use New quote.', sl_noorders: 'No orders yet — an accepted quote makes one.',
      sl_noinvoices: 'No invoices yet — make one from an order, or use New invoice.', sl_nonefilter: 'Nothing matches this filter. Choose All.',
      sl_balance: 'Balance due', sl_moves: 'Move to', sl_moved: 'Now {0}.', sl_makeorder: 'Make an order', sl_makeinvoice: 'Make an invoice',
      sl_ordermade: 'Order made from the quote.', sl_invoicemade: 'Invoice {0} issued.', sl_quotemade: 'Quote made: add its lines.',
      sl_lines: 'Lines', sl_addline: 'Add a line', sl_newline: 'New line', sl_editline: 'Edit line', sl_saveline: 'Save line',
      sl_addthisline: 'Add this line', sl_lineadded: 'Line added.', sl_linesaved: 'Line saved.', sl_lineremoved: 'Line removed: {0}',
      sl_nolines: 'No lines.', sl_nolinesyet: 'No lines yet — add a line.', sl_pos: '#', sl_net: 'Net', sl_tax: 'Tax', sl_paid: 'Paid',
      sl_action: 'Action', sl_matches: 'Matches', sl_nomatch: 'Nothing matches.', sl_change: 'Change',
      sl_payments: 'Payments', sl_nopayments: 'No payments yet.', sl_recordpayment: 'Record payment',
      sl_paid_now: 'Payment of {0} recorded: {1}, {2} still due.', sl_print: 'Printable invoice (opens in a new tab)',
      sl_fromquote: 'Made from', sl_fromorder: 'Made from', sl_ordersmade: 'Orders made from it:', sl_invoicesmade: 'Invoices made from it:',
      sl_createquote: 'Create the quote', sl_issueinvoice: 'Issue the invoice', sl_needcustomer: 'Choose the customer.',
      sl_totalsafter: 'The node works out the totals when the invoice is issued.', sl_nothingdue: 'nothing due', sl_nosales: 'No quotes, orders or invoices yet.', sl_moresales: 'More not shown here: see Quotes, Orders and Invoices.',
      kd_quote: 'Quote', kd_order: 'Order', kd_invoice: 'Invoice', kd_product: 'Product', kd_line: 'Line',
      ss_draft: 'draft', ss_sent: 'sent', ss_accepted: 'accepted', ss_rejected: 'rejected', ss_expired: 'expired', ss_open: 'open',
      ss_fulfilled: 'fulfilled', ss_cancelled: 'cancelled', ss_issued: 'issued', ss_partly_paid: 'partly paid', ss_paid: 'paid',
      mv_quote_sent: 'Send', mv_quote_accepted: 'Accept', mv_quote_rejected: 'Reject', mv_quote_expired: 'Mark expired',
      mv_order_fulfilled: 'Mark fulfilled', mv_order_cancelled: 'Cancel the order', mv_invoice_cancelled: 'Cancel the invoice',
      pm_cash: 'Cash', pm_card: 'Card', pm_transfer: 'Bank transfer', pm_cheque: 'Cheque', pm_other: 'Other',
      f_sku: 'SKU', f_category: 'Category', f_unit: 'Unit', f_price: 'Price', f_tax_rate: 'Tax (%)', f_active: 'Active',
      f_description: 'Description', f_quantity: 'Quantity', f_unit_price: 'Unit price', f_discount: 'Discount (%)', f_status: 'Status',
      f_valid_until: 'Valid until', f_number: 'Number', f_issued: 'Issued', f_total: 'Total', f_date: 'Date', f_method: 'Method',
      f_reference: 'Reference', f_notes: 'Notes', f_product: 'Product', f_prices: 'Prices', f_doc: 'Document', f_lines: 'Lines',
      f_from: 'Made from', f_order: 'Order', f_quote: 'Quote', f_payments: 'Payments', f_sent_at: 'Sent',
      sq_need: 'Give a quantity.', sq_negative: 'A quantity cannot be negative.', sq_bad: 'Not a quantity: type it as 2, 1.5 or ۱٫۵.',
      sq_3dec: 'At most 3 decimals.', sq_zero: 'A line holds more than zero.', sq_big: 'Too large a quantity.',
      sp_need: 'Give a percentage.', sp_negative: 'A percentage cannot be negative.', sp_bad: 'Not a percentage: type it as 9 or 12.5.',
      sp_2dec: 'At most 2 decimals.', sp_100: 'From 0 to 100 %.',
      sr_balance: 'More than the balance due ({0}): record at most that.', sr_paypositive: 'A payment is more than zero.',
      sr_paycancelled: 'The invoice is cancelled: it takes no payment.', sr_haspayments: 'The invoice has payments: it cannot be cancelled.',
      sr_noline: 'The quote has no line: add one before sending it.', sr_move: 'A {0} {1} cannot become {2}; it can become {3}.',
      sr_already: 'It is {0} already; it can become {1}.', sr_final: '{1}: {0} now, its status moves no further.', sr_draftonly: 'The quote is {0}: only a draft\'s lines change.',
      sr_openonly: 'The order is {0}: only an open order\'s lines change.', sr_invoicelines: 'An invoice\'s lines are fixed when it is issued.',
      sr_sku: 'Another product ({1}) has the SKU «{0}»: give another.', sr_noprice: 'The product has no price in {0}: give a unit price.',
      sr_needdesc: 'Describe the line, or choose a product.', sr_needline: 'An invoice needs at least one line: add a line.',
      sr_fromquote: 'An order is made from an accepted quote.', sr_fromorder: 'An invoice is made from an open or fulfilled order.',
      sr_duebefore: 'Due {0} is before the issue date {1}.', sr_currencyfixed: 'The lines are priced in this currency: remove them first.',
      sr_linebig: 'The line\'s amount is too large: give a smaller quantity or price.', sr_docbig: 'The document\'s total is too large.',
      sr_nodelete: 'An invoice is never deleted: cancel it instead.', sr_line: 'Line {0}: {1}'},
    fa: {salesnav: 'فروش', productsnav: 'کالاها', quotesnav: 'پیش‌فاکتورها', ordersnav: 'سفارش‌ها', invoicesnav: 'فاکتورها',
      sl_products: 'کالاها', sl_quotes: 'پیش‌فاکتورها', sl_orders: 'سفارش‌ها', sl_invoices: 'فاکتورها', sl_sales: 'فروش',
      sl_addproduct: 'افزودن کالا', sl_newproduct: 'کالای تازه', sl_searchproducts: 'جستجوی کالا',
      sl_searchproductshint: 'واژه‌های نام یا آغاز کد کالا', sl_count: '{0} از {1}', sl_someof: '{0} از {1}: برای محدود کردن فهرست جستجو کنید',
      sl_noproducts: 'هنوز کالایی نیست — اولین را اضافه کنید.', sl_noproductmatch: 'کالایی پیدا نشد. کوتاه‌تر بنویسید یا کالا را اضافه کنید.',
      sl_clashes: 'کدهای کالای تکراری', sl_clash: 'دو کالا کد «{0}» را دارند:', sl_clashfix: 'کد یکی را تغییر دهید یا یکی را حذف کنید.',
      sl_prices: 'قیمت‌های دیگر (برای هر ارز یا شعبه)', sl_noprices: 'قیمت دیگری نیست.', sl_pricecurrency: 'ارز قیمت',
      sl_priceamount: 'قیمت به آن ارز', sl_pricebranch: 'فقط در شعبه (اختیاری)', sl_addprice: 'افزودن این قیمت',
      sl_removeprice: 'حذف قیمت {0}', sl_needsku: 'کد کالا را وارد کنید.', sl_notproduct: 'این کالا نیست.',
      sl_newquote: 'پیش‌فاکتور تازه', sl_newinvoice: 'فاکتور تازه', sl_neworder: 'سفارش تازه', sl_state: 'وضعیت پرداخت', sl_onlyoverdue: 'فقط سررسیدگذشته',
      sl_noquotes: 'هنوز پیش‌فاکتوری نیست — مشتری را باز کنید و پیش‌فاکتور بیفزایید، یا «پیش‌فاکتور تازه».', sl_noorders: 'هنوز سفارشی نیست — از پیش‌فاکتور پذیرفته‌شده ساخته می‌شود.',
      sl_noinvoices: 'هنوز فاکتوری نیست — از سفارش بسازید یا «فاکتور تازه».', sl_nonefilter: 'چیزی با این فیلتر نیست. «همه» را بزنید.',
      sl_balance: 'مانده بدهی', sl_moves: 'تغییر وضعیت', sl_moved: 'اکنون {0}.', sl_makeorder: 'ساخت سفارش', sl_makeinvoice: 'ساخت فاکتور',
      sl_ordermade: 'سفارش از پیش‌فاکتور ساخته شد.', sl_invoicemade: 'فاکتور {0} صادر شد.', sl_quotemade: 'پیش‌فاکتور ساخته شد: ردیف‌هایش را بیفزایید.',
      sl_lines: 'ردیف‌ها', sl_addline: 'افزودن ردیف', sl_newline: 'ردیف تازه', sl_editline: 'ویرایش ردیف', sl_saveline: 'ذخیرهٔ ردیف',
      sl_addthisline: 'افزودن این ردیف', sl_lineadded: 'ردیف افزوده شد.', sl_linesaved: 'ردیف ذخیره شد.', sl_lineremoved: 'ردیف حذف شد: {0}',
      sl_nolines: 'ردیفی نیست.', sl_nolinesyet: 'هنوز ردیفی نیست — یک ردیف بیفزایید.', sl_pos: 'ردیف', sl_net: 'خالص', sl_tax: 'مالیات', sl_paid: 'پرداخت‌شده',
      sl_action: 'اقدام', sl_matches: 'یافته‌ها', sl_nomatch: 'چیزی پیدا نشد.', sl_change: 'تغییر',
      sl_payments: 'پرداخت‌ها', sl_nopayments: 'هنوز پرداختی نیست.', sl_recordpayment: 'ثبت پرداخت',
      sl_paid_now: 'پرداخت {0} ثبت شد: {1}، مانده {2}.', sl_print: 'فاکتور چاپی (در زبانهٔ تازه)',
      sl_fromquote: 'ساخته‌شده از', sl_fromorder: 'ساخته‌شده از', sl_ordersmade: 'سفارش‌های ساخته‌شده از آن:', sl_invoicesmade: 'فاکتورهای ساخته‌شده از آن:',
      sl_createquote: 'ساخت پیش‌فاکتور', sl_issueinvoice: 'صدور فاکتور', sl_needcustomer: 'مشتری را انتخاب کنید.',
      sl_totalsafter: 'جمع‌ها را گره هنگام صدور فاکتور حساب می‌کند.', sl_nothingdue: 'بدهی ندارد', sl_nosales: 'هنوز پیش‌فاکتور، سفارش یا فاکتوری نیست.', sl_moresales: 'موارد بیشتری هست که اینجا نشان داده نشده: پیش‌فاکتورها، سفارش‌ها و فاکتورها را ببینید.',
      kd_quote: 'پیش‌فاکتور', kd_order: 'سفارش', kd_invoice: 'فاکتور', kd_product: 'کالا', kd_line: 'ردیف',
      ss_draft: 'پیش‌نویس', ss_sent: 'فرستاده‌شده', ss_accepted: 'پذیرفته‌شده', ss_rejected: 'ردشده', ss_expired: 'منقضی', ss_open: 'باز',
      ss_fulfilled: 'انجام‌شده', ss_cancelled: 'لغوشده', ss_issued: 'صادرشده', ss_partly_paid: 'بخشی پرداخت‌شده', ss_paid: 'پرداخت‌شده',
      mv_quote_sent: 'ارسال', mv_quote_accepted: 'پذیرش', mv_quote_rejected: 'رد', mv_quote_expired: 'منقضی شد',
      mv_order_fulfilled: 'انجام شد', mv_order_cancelled: 'لغو سفارش', mv_invoice_cancelled: 'لغو فاکتور',
      pm_cash: 'نقد', pm_card: 'کارت', pm_transfer: 'حواله بانکی', pm_cheque: 'چک', pm_other: 'دیگر',
      f_sku: 'کد کالا', f_category: 'دسته', f_unit: 'واحد', f_price: 'قیمت', f_tax_rate: 'مالیات (٪)', f_active: 'فعال',
      f_description: 'شرح', f_quantity: 'مقدار', f_unit_price: 'قیمت واحد', f_discount: 'تخفیف (٪)', f_status: 'وضعیت',
      f_valid_until: 'معتبر تا', f_number: 'شماره', f_issued: 'تاریخ صدور', f_total: 'جمع کل', f_date: 'تاریخ', f_method: 'روش',
      f_reference: 'شماره پیگیری', f_notes: 'توضیحات', f_product: 'کالا', f_prices: 'قیمت‌ها', f_doc: 'سند', f_lines: 'ردیف‌ها',
      f_from: 'ساخته‌شده از', f_order: 'سفارش', f_quote: 'پیش‌فاکتور', f_payments: 'پرداخت‌ها', f_sent_at: 'زمان ارسال',
      sq_need: 'مقدار را وارد کنید.', sq_negative: 'مقدار نمی‌تواند منفی باشد.', sq_bad: 'مقدار نیست: مثلاً ۲ یا ۱٫۵ بنویسید.',
      sq_3dec: 'حداکثر ۳ رقم اعشار.', sq_zero: 'مقدار ردیف باید بیش از صفر باشد.', sq_big: 'مقدار بیش از حد بزرگ است.',
      sp_need: 'درصد را وارد کنید.', sp_negative: 'درصد نمی‌تواند منفی باشد.', sp_bad: 'درصد نیست: مثلاً ۹ یا ۱۲٫۵ بنویسید.',
      sp_2dec: 'حداکثر ۲ رقم اعشار.', sp_100: 'از ۰ تا ۱۰۰ درصد.',
      sr_balance: 'بیش از مانده بدهی ({0}): حداکثر همین را ثبت کنید.', sr_paypositive: 'پرداخت باید بیش از صفر باشد.',
      sr_paycancelled: 'فاکتور لغو شده است: پرداختی نمی‌پذیرد.', sr_haspayments: 'فاکتور پرداخت دارد: لغو نمی‌شود.',
      sr_noline: 'پیش‌فاکتور ردیفی ندارد: پیش از ارسال یک ردیف بیفزایید.', sr_move: '{1} {0} نمی‌تواند {2} شود؛ می‌تواند {3} شود.',
      sr_already: 'هم‌اکنون {0} است؛ می‌تواند {1} شود.', sr_final: '{1} اکنون {0} است و وضعیتش دیگر تغییر نمی‌کند.', sr_draftonly: 'پیش‌فاکتور {0} است: فقط ردیف‌های پیش‌نویس تغییر می‌کنند.',
      sr_openonly: 'سفارش {0} است: فقط ردیف‌های سفارش باز تغییر می‌کنند.', sr_invoicelines: 'ردیف‌های فاکتور هنگام صدور ثابت می‌شوند.',
      sr_sku: 'کالای دیگری ({1}) کد «{0}» را دارد: کد دیگری بدهید.', sr_noprice: 'کالا قیمتی به {0} ندارد: قیمت واحد را وارد کنید.',
      sr_needdesc: 'شرح ردیف را بنویسید یا کالایی انتخاب کنید.', sr_needline: 'فاکتور دست‌کم یک ردیف لازم دارد: یک ردیف بیفزایید.',
      sr_fromquote: 'سفارش از پیش‌فاکتور پذیرفته‌شده ساخته می‌شود.', sr_fromorder: 'فاکتور از سفارش باز یا انجام‌شده ساخته می‌شود.',
      sr_duebefore: 'سررسید {0} پیش از تاریخ صدور {1} است.', sr_currencyfixed: 'ردیف‌ها به این ارز قیمت دارند: نخست آن‌ها را حذف کنید.',
      sr_linebig: 'مبلغ ردیف بیش از حد بزرگ است: مقدار یا قیمت کمتری بدهید.', sr_docbig: 'جمع سند بیش از حد بزرگ است.',
      sr_nodelete: 'فاکتور هرگز حذف نمی‌شود: به جای آن لغوش کنید.', sr_line: 'ردیف {0}: {1}'},
    zh: {salesnav: '销售', productsnav: '产品', quotesnav: '报价', ordersnav: '订单', invoicesnav: '发票',
      sl_products: '产品', sl_quotes: '报价', sl_orders: '订单', sl_invoices: '发票', sl_sales: '销售',
      sl_addproduct: '添加产品', sl_newproduct: '新产品', sl_searchproducts: '搜索产品',
      sl_searchproductshint: '名称中的词或SKU开头', sl_count: '{0}/{1}', sl_someof: '{0}/{1}：请搜索以缩小列表',
      sl_noproducts: '还没有产品——添加第一个。', sl_noproductmatch: '没有匹配的产品。少输入一些，或添加该产品。',
      sl_clashes: 'SKU冲突', sl_clash: '两个产品的SKU都是“{0}”：', sl_clashfix: '请修改其中一个的SKU，或删除一个。',
      sl_prices: '其他价格（按货币或分店）', sl_noprices: '没有其他价格。', sl_pricecurrency: '价格货币',
      sl_priceamount: '该货币的价格', sl_pricebranch: '仅限分店（可选）', sl_addprice: '添加此价格',
      sl_removeprice: '删除价格{0}', sl_needsku: '请输入SKU。', sl_notproduct: '这不是产品。',
      sl_newquote: '新报价', sl_newinvoice: '新发票', sl_neworder: '新订单', sl_state: '付款状态', sl_onlyoverdue: '仅逾期',
      sl_noquotes: '还没有报价——打开客户添加报价，或使用“新报价”。', sl_noorders: '还没有订单——已接受的报价可生成订单。',
      sl_noinvoices: '还没有发票——从订单生成，或使用“新发票”。', sl_nonefilter: '没有符合此筛选的记录。请选择“全部”。',
      sl_balance: '应付余额', sl_moves: '变更为', sl_moved: '现在为{0}。', sl_makeorder: '生成订单', sl_makeinvoice: '生成发票',
      sl_ordermade: '已从报价生成订单。', sl_invoicemade: '发票{0}已开具。', sl_quotemade: '报价已创建：请添加明细。',
      sl_lines: '明细', sl_addline: '添加明细', sl_newline: '新明细', sl_editline: '编辑明细', sl_saveline: '保存明细',
      sl_addthisline: '添加此明细', sl_lineadded: '已添加明细。', sl_linesaved: '已保存明细。', sl_lineremoved: '已删除明细：{0}',
      sl_nolines: '没有明细。', sl_nolinesyet: '还没有明细——添加一条。', sl_pos: '序号', sl_net: '净额', sl_tax: '税额', sl_paid: '已付',
      sl_action: '操作', sl_matches: '匹配结果', sl_nomatch: '没有匹配。', sl_change: '更换',
      sl_payments: '付款', sl_nopayments: '还没有付款。', sl_recordpayment: '记录付款',
      sl_paid_now: '已记录付款{0}：{1}，仍欠{2}。', sl_print: '可打印发票（在新标签页打开）',
      sl_fromquote: '来源', sl_fromorder: '来源', sl_ordersmade: '由此生成的订单：', sl_invoicesmade: '由此生成的发票：',
      sl_createquote: '创建报价', sl_issueinvoice: '开具发票', sl_needcustomer: '请选择客户。',
      sl_totalsafter: '开具发票时由节点计算合计。', sl_nothingdue: '无欠款', sl_nosales: '还没有报价、订单或发票。', sl_moresales: '此处未显示全部：请查看报价、订单和发票。',
      kd_quote: '报价', kd_order: '订单', kd_invoice: '发票', kd_product: '产品', kd_line: '明细',
      ss_draft: '草稿', ss_sent: '已发送', ss_accepted: '已接受', ss_rejected: '已拒绝', ss_expired: '已过期', ss_open: '进行中',
      ss_fulfilled: '已完成', ss_cancelled: '已取消', ss_issued: '已开具', ss_partly_paid: '部分付款', ss_paid: '已付清',
      mv_quote_sent: '发送', mv_quote_accepted: '接受', mv_quote_rejected: '拒绝', mv_quote_expired: '标为过期',
      mv_order_fulfilled: '标为完成', mv_order_cancelled: '取消订单', mv_invoice_cancelled: '作废发票',
      pm_cash: '现金', pm_card: '银行卡', pm_transfer: '银行转账', pm_cheque: '支票', pm_other: '其他',
      f_sku: 'SKU', f_category: '类别', f_unit: '单位', f_price: '价格', f_tax_rate: '税率（%）', f_active: '在售',
      f_description: '描述', f_quantity: '数量', f_unit_price: '单价', f_discount: '折扣（%）', f_status: '状态',
      f_valid_until: '有效期至', f_number: '编号', f_issued: '开具日期', f_total: '合计', f_date: '日期', f_method: '方式',
      f_reference: '参考号', f_notes: '备注', f_product: '产品', f_prices: '价格', f_doc: '单据', f_lines: '明细',
      f_from: '来源', f_order: '订单', f_quote: '报价', f_payments: '付款', f_sent_at: '发送时间',
      sq_need: '请输入数量。', sq_negative: '数量不能为负。', sq_bad: '不是数量：例如 2 或 1.5。',
      sq_3dec: '最多3位小数。', sq_zero: '数量必须大于零。', sq_big: '数量太大。',
      sp_need: '请输入百分比。', sp_negative: '百分比不能为负。', sp_bad: '不是百分比：例如 9 或 12.5。',
      sp_2dec: '最多2位小数。', sp_100: '应在0到100%之间。',
      sr_balance: '超过应付余额（{0}）：最多记录该金额。', sr_paypositive: '付款金额必须大于零。',
      sr_paycancelled: '发票已作废：不能付款。', sr_haspayments: '发票已有付款：不能作废。',
      sr_noline: '报价没有明细：发送前请添加。', sr_move: '{0}的{1}不能变为{2}；可以变为{3}。',
      sr_already: '已经是{0}；可以变为{1}。', sr_final: '该{1}现在是{0}，状态不再变化。', sr_draftonly: '报价为{0}：只有草稿的明细可以修改。',
      sr_openonly: '订单为{0}：只有进行中订单的明细可以修改。', sr_invoicelines: '发票开具后明细不可修改。',
      sr_sku: '另一个产品（{1}）的SKU是“{0}”：请换一个。', sr_noprice: '该产品没有{0}价格：请输入单价。',
      sr_needdesc: '请描述此明细，或选择产品。', sr_needline: '发票至少需要一条明细：请添加。',
      sr_fromquote: '订单由已接受的报价生成。', sr_fromorder: '发票由进行中或已完成的订单生成。',
      sr_duebefore: '到期日{0}早于开具日期{1}。', sr_currencyfixed: '明细以此货币计价：请先删除明细。',
      sr_linebig: '明细金额太大：请减少数量或价格。', sr_docbig: '单据合计太大。',
      sr_nodelete: '发票不能删除：请作废。', sr_line: '第{0}条明细：{1}'},
  });

  const QUANTITY_MAX = 1000000000000; // thousandths: a billion units (the schema's bound)
  const LIST_LIMIT = 50;
  const PICK_LIMIT = 8;
  const NEXT = { // the status moves a person may make from each status (docs/SALES.md)
    quote: {draft: ['sent'], sent: ['accepted', 'rejected', 'expired']},
    order: {open: ['fulfilled', 'cancelled']},
    invoice: {issued: ['cancelled']},
  };
  const LISTS = {
    quote: {filter: 'status', choices: ['draft', 'sent', 'accepted', 'rejected', 'expired']},
    order: {filter: 'status', choices: ['open', 'fulfilled', 'cancelled']},
    invoice: {filter: 'state', choices: ['issued', 'partly_paid', 'paid', 'cancelled']},
  };
  const METHODS = ['cash', 'card', 'transfer', 'cheque', 'other'];
  const $ = (id) => document.getElementById(id);
  const el = A.el, t = A.t;

  // ---- numbers as the node keeps them, and as people type them ----
  // v of `digits` decimals as the plain text the node reads back to v (1500, 3 -> "1.5")
  function fixedText(v, digits) {
    const s = String(v).padStart(digits + 1, '0');
    const whole = s.slice(0, -digits), frac = s.slice(-digits).replace(/0+$/, '');
    return frac ? whole + '.' + frac : whole;
  }
  // a number as a field shows it: Persian digits and the Persian decimal mark in Persian
  const fieldText = (s) => (A.lang === 'fa' ? A.localDigits(String(s)).replace('.', '٫') : String(s));
  // an amount for a field: all the currency's decimals once it has any (12.50, not 12.5)
  function amountField(minor, currency) {
    const m = A.currency(currency).minor, s = A.amountText(minor, currency), dot = s.indexOf('.');
    return fieldText(dot < 0 ? s : s.padEnd(dot + 1 + m, '0'));
  }
  const QUANTITY_ERRORS = {needamount: 'sq_need', negative: 'sq_negative', badamount: 'sq_bad', tooprecise: 'sq_3dec', toolarge: 'sq_big'};
  // A quantity typed (1.5 · ۱٫۵ · 1,5 · 2) to thousandths: {value, text} or {error: key}.
  function parseQuantity(text) {
    const r = A.parseDecimal(text, {minor: 3, shown: 3});
    if (r.error) return {error: QUANTITY_ERRORS[r.error] || 'sq_bad'};
    if (r.minor === 0) return {error: 'sq_zero'};
    if (r.minor > QUANTITY_MAX) return {error: 'sq_big'};
    return {value: r.minor, text: fixedText(r.minor, 3)};
  }
  const RATE_ERRORS = {needamount: 'sp_need', negative: 'sp_negative', badamount: 'sp_bad', tooprecise: 'sp_2dec', toolarge: 'sp_100'};
  // A rate typed (9 · 12.5 · 9% · ۹٪) to hundredths of a percent: {value, text} or {error}.
  function parseRate(text) {
    const s = String(text).replace(/[\s%٪]+$/, '');
    const r = A.parseDecimal(s, {minor: 2, shown: 2});
    if (r.error) return {error: RATE_ERRORS[r.error] || 'sp_bad'};
    if (r.minor > 10000) return {error: 'sp_100'};
    return {value: r.minor, text: fixedText(r.minor, 2)};
  }
  const qty = (th) => (th === undefined || th === null ? '' : new Intl.NumberFormat(A.locale(), {maximumFractionDigits: 3}).format(th / 1000));
  const pct = (h) => (h === undefined || h === null ? '' : new Intl.NumberFormat(A.locale(), {style: 'percent', maximumFractionDigits: 2}).format(h / 10000));
  const statusName = (s) => (A.has('ss_' + s) ? t('ss_' + s) : s || '');
  const todayIso = () => { const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); };
  const currencyChoices = () => [...new Set(['IRR', 'EUR', 'USD', 'AED', 'CNY', ...Object.keys(A.currencies).sort()])].filter((c) => c in A.currencies);
  const defaultCurrency = () => S.lastCurrency || (A.lang === 'fa' ? 'IRR' : 'EUR');
  const S = {lastCurrency: '', flash: ''}; // what the views share: the last currency chosen, a message for the next page

  // ---- the node's refusals in the page's language ----
  // [pattern, key, how the captures become the key's arguments]
  const REFUSALS = [
    [/^amount: more than the balance due \(([0-9.,]+) ([A-Z]{3})\)/, 'sr_balance', (m) => [A.money(A.parseAmount(m[1], m[2]).minor, m[2])]],
    [/^amount: a payment is more than 0/, 'sr_paypositive'],
    [/^id: the invoice is cancelled; it takes no payment/, 'sr_paycancelled'],
    [/^status: the invoice has payments; it cannot be cancelled/, 'sr_haspayments'],
    [/^status: the quote has no line/, 'sr_noline'],
    // a move the page offered that another user's move made wrong meanwhile: "status: a
    // quote that is accepted cannot move to sent; it moves to none (it is final)"
    [/^status: (?:the (\w+) is (\w+) already|an? (\w+) that is (\w+) cannot move to \w+); it moves to none\b/, 'sr_final',
      (m) => [statusName(m[2] || m[4]), t('kd_' + (m[1] || m[3]))]],
    [/^status: an? (\w+) that is (\w+) cannot move to (\w+); it moves to (.+)$/, 'sr_move', (m) => [statusName(m[2]), t('kd_' + m[1]), statusName(m[3]), allowed(m[4])]],
    [/^status: the (\w+) is (\w+) already; it moves to (.+)$/, 'sr_already', (m) => [statusName(m[2]), allowed(m[3])]],
    [/^doc: the quote is (\w+); only a draft's lines change/, 'sr_draftonly', (m) => [statusName(m[1])]],
    [/^doc: the order is (\w+); only an open order's lines change/, 'sr_openonly', (m) => [statusName(m[1])]],
    [/^doc: an invoice's lines are fixed/, 'sr_invoicelines'],
    [/^sku: product (\w+) already has the SKU '(.*)'; give another/, 'sr_sku', (m) => [m[2], m[1]]],
    [/^unit_price: the product has no price in ([A-Z]{3})/, 'sr_noprice', (m) => [m[1]]],
    [/^description: required for a line without a product/, 'sr_needdesc'],
    [/^lines: an invoice needs at least one line/, 'sr_needline'],
    [/^from: an order is made from an accepted quote/, 'sr_fromquote'],
    [/^from: an invoice is made from an open or fulfilled order/, 'sr_fromorder'],
    [/^due: (\S+) is before the invoice's issue date (\S+)/, 'sr_duebefore', (m) => [A.date(m[1]), A.date(m[2])]],
    [/^currency: the \w+ has lines priced in its currency/, 'sr_currencyfixed'],
    [/^the line's amount is past/, 'sr_linebig'],
    [/^the document's total is past/, 'sr_docbig'],
    [/^an invoice is never deleted/, 'sr_nodelete'],
    [/^(quantity): '(.*?)' has more than 3 decimals/, 'sq_3dec'],
    [/^(quantity): '(.*?)' is zero/, 'sq_zero'],
    [/^(discount|tax_rate): '(.*?)' is more than 100%/, 'sp_100'],
    [/^(discount|tax_rate): '(.*?)' has more than 2 decimals/, 'sp_2dec'],
  ];
  const allowed = (list) => list.split(/, | or /).map(statusName).join(A.lang === 'fa' ? '، ' : ', ');
  function reason(e) {
    const text = (e && e.message) || String(e);
    const line = /^lines: line (\d+): (.*)$/s.exec(text);
    if (line) return t('sr_line', A.num(line[1]), reason({message: line[2]}));
    for (const [re, key, args] of REFUSALS) {
      const m = re.exec(text);
      if (!m) continue;
      const said = t(key, ...(args ? args(m) : []));
      // a field's refusal of a value typed: the field's label, what was typed, why
      return /^(quantity|discount|tax_rate)$/.test(m[1] || '') ? A.fieldLabel(m[1]) + ': «' + m[2] + '» ' + said : said;
    }
    return A.reason(e);
  }
  // the field a refusal names ("quantity: ..." -> quantity; "lines: line 2: tax_rate: ..." -> tax_rate)
  const fieldOf = (e) => { const m = /^(?:lines: line \d+: )?([a-z_]+): /.exec((e && e.message) || ''); return m ? m[1] : ''; };

  // ---- small builders ----
  const customerNames = new Map(); // id -> Promise of the name (or the id's start)
  function customerName(id) {
    if (!id) return Promise.resolve('');
    if (!customerNames.has(id)) customerNames.set(id, A.call('get', {kind: 'customer', id}).then((c) => (c && c.name) || A.shortId(id), () => A.shortId(id)));
    return customerNames.get(id);
  }
  function customerLink(id) {
    if (!id) return el('span', {class: 'muted'}, '—');
    const a = el('a', {href: '#/customer/' + encodeURIComponent(id), dir: 'auto'}, '…');
    customerName(id).then((n) => { a.textContent = n; });
    return a;
  }
  // a labelled field: <p><label/><input/><span understood/><span hint/></p>; returns {p, input}
  function field(idp, name, opts = {}) {
    const id = idp + name, p = el('p', {class: 'field', 'data-field': name});
    p.appendChild(el('label', {for: id}, opts.label || A.fieldLabel(name)));
    let input;
    if (opts.choices) {
      input = el('select', {id, name});
      A.fillSelect(input, opts.choices, opts.value, opts.allKey);
    } else if (opts.textarea) {
      input = el('textarea', {id, name, rows: '2', dir: 'auto', maxlength: opts.max});
      input.value = opts.value || '';
    } else if (opts.checkbox) {
      p.classList.add('check');
      input = el('input', {id, name, type: 'checkbox'});
      input.checked = !!opts.value;
      p.insertBefore(input, p.firstChild);
    } else {
      input = el('input', {id, name, type: opts.type || 'text', dir: opts.dir || 'auto', maxlength: opts.max, inputmode: opts.inputmode, autocomplete: 'off'});
      input.value = opts.value ?? '';
    }
    input.setAttribute('aria-describedby', id + '-hint');
    if (!opts.checkbox) p.appendChild(input);
    const out = opts.understood ? p.appendChild(el('span', {class: 'understood', id: id + '-understood', 'aria-live': 'polite'})) : null;
    const said = p.appendChild(el('span', {class: 'hint', id: id + '-hint', role: 'status'}));
    return {p, input, out, hint: said};
  }
  // a date field: a picker in English and Chinese, the Solar Hijri date typed in Persian
  function dateField(idp, name, iso) {
    const picker = A.lang !== 'fa';
    const f = field(idp, name, {type: picker ? 'date' : 'text', dir: 'ltr', value: picker ? iso || '' : A.dateField(iso || ''), understood: !picker});
    if (!picker) {
      f.input.placeholder = A.localDigits('1405/09/29');
      const show = () => { const d = f.input.value.trim() ? A.parseDate(f.input.value) : ''; f.out.textContent = d ? t('dateis', A.date(d)) : ''; };
      f.input.addEventListener('input', show);
      show();
    }
    return f;
  }
  // YYYY-MM-DD of a date field, '' when empty, null when not a date
  const dateOf = (input) => (input.value.trim() ? A.parseDate(input.value) : '');
  function hint(idp, name, text) { const h = $(idp + name + '-hint'); if (h) h.textContent = text; return !!h; }
  function clearHints(root) { for (const h of root.querySelectorAll('.hint')) h.textContent = ''; }
  // shows what an amount, quantity or rate field holds as the page understood it
  function understand(input, out, hintEl, parse, show) {
    const go = () => {
      const v = input.value.trim();
      const r = v ? parse(v) : null;
      out.textContent = r && r.error === undefined ? t('amountis', show(r)) : '';
      hintEl.textContent = r && r.error ? t(r.error) : '';
    };
    input.addEventListener('input', go);
    go();
    return go;
  }
  function button(text, attrs, onClick) {
    const b = el('button', Object.assign({type: 'button'}, attrs || {}), text);
    if (onClick) b.addEventListener('click', onClick);
    return b;
  }

  // A search picker (a customer, a product): a labelled search box, the matches as buttons
  // below it, the one chosen shown with a way to choose again. onPick(record).
  function picker(idp, name, kind, describe, onPick) {
    const f = field(idp, name, {type: 'search', dir: 'auto'});
    const list = el('ul', {class: 'sl-picks', id: idp + name + '-picks', 'aria-label': t('sl_matches')});
    f.p.insertBefore(list, f.p.lastChild);
    const chosen = el('p', {class: 'sl-chosen', hidden: true});
    f.p.appendChild(chosen);
    let seq = 0, timer = null;
    const choose = (rec) => {
      list.textContent = '';
      f.input.value = '';
      chosen.textContent = '';
      chosen.hidden = !rec;
      f.p.dataset.chosen = rec ? rec.id : '';
      if (rec) {
        chosen.appendChild(el('bdi', {}, describe(rec)));
        chosen.appendChild(button(t('sl_change'), {class: 'small', 'aria-label': t('sl_change') + ': ' + A.fieldLabel(name)}, () => { choose(null); f.input.focus(); }));
      }
      onPick(rec);
    };
    const find = async () => {
      const q = f.input.value.trim(), mine = ++seq;
      if (!q) { list.textContent = ''; return; }
      const found = await A.items('search', {kind, q, limit: PICK_LIMIT}).catch(() => []);
      if (mine !== seq) return; // a later keystroke's answer wins
      list.textContent = '';
      for (const rec of found) {
        const li = list.appendChild(el('li'));
        li.appendChild(button(describe(rec), {dir: 'auto', 'data-id': rec.id}, () => choose(rec)));
      }
      if (!found.length) list.appendChild(el('li', {class: 'empty'}, t('sl_nomatch')));
    };
    f.input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(find, 120); });
    f.input.addEventListener('keydown', (e) => {
      const first = list.querySelector('button');
      if (e.key === 'ArrowDown' && first) { e.preventDefault(); first.focus(); }
      if (e.key === 'Enter') { e.preventDefault(); if (list.querySelectorAll('button').length === 1) first.click(); }
    });
    list.addEventListener('keydown', (e) => {
      const b = e.target.closest('button');
      if (!b || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
      e.preventDefault();
      const li = e.key === 'ArrowDown' ? b.parentElement.nextElementSibling : b.parentElement.previousElementSibling;
      if (li && li.querySelector('button')) li.querySelector('button').focus(); else if (e.key === 'ArrowUp') f.input.focus();
    });
    return {p: f.p, input: f.input, choose, value: () => f.p.dataset.chosen || ''};
  }
  const productLabel = (p) => [p.name, p.sku].filter(Boolean).join(' — ');
  const customerLabel = (c) => [c.name, (c.phones || [])[0], c.city].filter(Boolean).join(A.sep());

  // A product's price in a currency: this branch's own, else the organisation's, else its
  // own price when it is in that currency (the node's rule, docs/SALES.md)
  function productPrice(p, currency) {
    const prices = (p.prices || []).map((s) => s.split(' ')).filter((x) => x[0] === currency);
    const best = (list) => list.reduce((m, x) => Math.max(m, Number(x[1])), -1);
    const own = best(prices.filter((x) => x[2] === A.session.node)), org = best(prices.filter((x) => !x[2]));
    if (own >= 0) return own;
    if (org >= 0) return org;
    return p.currency === currency && p.price !== undefined && p.price !== null ? p.price : null;
  }

  // =====================================================================================
  // Products
  // =====================================================================================
  const P = {sort: 'name', desc: false, open: null, seq: 0};
  function productsFrame() {
    const box = $('view-products');
    if (box.dataset.built === A.lang) return box;
    box.dataset.built = A.lang;
    box.dataset.loaded = ''; // a list drawn anew is loaded anew
    box.textContent = '';
    const pane = box.appendChild(el('section', {class: 'listpane', 'aria-labelledby': 'h-products'}));
    const head = pane.appendChild(el('div', {class: 'row'}));
    head.appendChild(el('h2', {id: 'h-products'}, t('sl_products')));
    if (A.canWrite) head.appendChild(button(t('sl_addproduct'), {class: 'primary', id: 'sp-new'}, () => openProduct(null)));
    pane.appendChild(el('div', {id: 'sp-clashes', role: 'region', 'aria-label': t('sl_clashes')}));
    const bar = pane.appendChild(el('div', {class: 'toolbar'}));
    const q = field('sp-', 'q', {type: 'search', label: t('sl_searchproducts')});
    q.p.insertBefore(el('span', {class: 'muted sl-hint'}, t('sl_searchproductshint')), q.p.lastChild);
    bar.appendChild(q.p);
    let timer = null;
    q.input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(loadProducts, 120); });
    q.input.addEventListener('keydown', (e) => {
      const rows = $('sp-list').tBodies[0].querySelectorAll('tr[data-id]');
      if (e.key === 'ArrowDown' && rows.length) { e.preventDefault(); rows[0].focus(); }
      if (e.key === 'Enter' && rows.length === 1) { e.preventDefault(); A.go('#/product/' + rows[0].dataset.id); }
    });
    pane.appendChild(el('p', {id: 'sp-total', class: 'total', role: 'status', 'aria-live': 'polite'}));
    const table = pane.appendChild(el('div', {class: 'tablebox'})).appendChild(el('table', {id: 'sp-list', class: 'sl-list'}));
    const tr = table.appendChild(el('thead')).appendChild(el('tr'));
    for (const [key, sort] of [['f_sku', 'sku'], ['f_name', 'name'], ['f_category', 'category'], ['f_unit'], ['f_price'], ['f_tax_rate'], ['f_active']]) {
      const th = tr.appendChild(el('th', {scope: 'col', 'data-sort': sort}));
      if (!sort) { th.textContent = t(key); continue; }
      th.appendChild(button(t(key), {}, () => {
        if (P.sort === sort) P.desc = !P.desc; else { P.sort = sort; P.desc = false; }
        loadProducts();
      }));
    }
    table.appendChild(el('tbody'));
    table.tBodies[0].addEventListener('keydown', rowKeys(q.input));
    box.appendChild(el('aside', {id: 'sp-card', class: 'drawer', hidden: true, tabindex: '-1', 'aria-labelledby': 'sp-h'}));
    return box;
  }
  // arrows between the rows of a list, Enter opens one; from the first row up goes to search
  const rowKeys = (search) => (e) => {
    const tr = e.target.closest('tr[data-id]');
    if (!tr) return;
    if (e.key === 'Enter') { tr.click(); return; }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const next = e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
    if (next && next.dataset.id) next.focus(); else if (e.key === 'ArrowUp' && search) search.focus();
  };

  async function loadProducts() {
    const mine = ++P.seq, q = $('sp-q').value.trim(), table = $('sp-list');
    table.setAttribute('aria-busy', 'true');
    try {
      const rows = q ? await A.items('search', {kind: 'product', q, limit: 100})
        : await A.items('list', {kind: 'product', sort: P.sort, desc: P.desc, limit: 200});
      if (mine !== P.seq) return;
      const total = rows.total ?? rows.length;
      $('sp-total').textContent = q ? t(rows.more ? 'searchmore' : 'searchall', A.num(rows.length))
        : total ? t(rows.more ? 'sl_someof' : 'sl_count', A.num(rows.length), A.num(total)) : '';
      drawProductRows(rows, !!q);
    } catch (e) {
      if (mine === P.seq) $('sp-total').textContent = reason(e);
    } finally {
      if (mine === P.seq) table.removeAttribute('aria-busy');
    }
    if (!q) drawClashes(); // not at each keystroke of a search
  }
  function drawProductRows(rows, searching) {
    const body = $('sp-list').tBodies[0];
    body.textContent = '';
    for (const p of rows) {
      const tr = body.appendChild(el('tr', {'data-id': p.id, tabindex: '0', class: p.active === false ? 'sl-inactive' : undefined}));
      if (p.id === P.open) tr.setAttribute('aria-selected', 'true');
      tr.appendChild(el('td', {dir: 'ltr'}, p.sku || ''));
      tr.appendChild(el('th', {scope: 'row'})).appendChild(el('bdi', {}, p.name || ''));
      tr.appendChild(el('td', {dir: 'auto'}, p.category || ''));
      tr.appendChild(el('td', {dir: 'auto'}, p.unit || ''));
      tr.appendChild(el('td', {class: 'num', dir: 'ltr'}, A.money(p.price, p.currency)));
      tr.appendChild(el('td', {class: 'num'}, pct(p.tax_rate)));
      tr.appendChild(el('td', {}, p.active === false ? t('no') : t('yes')));
      tr.addEventListener('click', () => A.go('#/product/' + p.id));
    }
    if (!rows.length) body.appendChild(el('tr', {class: 'empty'})).appendChild(el('td', {colspan: '7'}, t(searching ? 'sl_noproductmatch' : 'sl_noproducts')));
    for (const th of $('sp-list').tHead.rows[0].cells) {
      const b = th.querySelector('button');
      if (!b) continue;
      b.disabled = searching; // matches come best first
      if (th.dataset.sort === P.sort && !searching) th.setAttribute('aria-sort', P.desc ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
  }
  // Two products with one SKU (made at two branches while apart): a warning naming both.
  async function drawClashes() {
    const mine = P.clashSeq = (P.clashSeq || 0) + 1;
    const r = await A.call('clashes', {kind: 'product'}).catch(() => ({items: []}));
    const warnings = [];
    for (const c of r.items || []) {
      const p = el('p', {class: 'sl-warn', 'data-sku': c.value});
      p.appendChild(el('strong', {}, '⚠ ' + t('sl_clash', c.value) + ' '));
      const named = await Promise.all((c.ids || []).map((id) => A.call('get', {id}).catch(() => ({id}))));
      named.forEach((rec, i) => {
        if (i) p.appendChild(document.createTextNode(A.lang === 'fa' ? ' و ' : A.lang === 'zh' ? '、' : ' and '));
        const a = p.appendChild(el('a', {href: '#/product/' + rec.id}));
        a.append(el('bdi', {dir: 'auto'}, rec.name || A.shortId(rec.id)), ' (', el('bdi', {dir: 'auto'}, rec.branch || '?'), ')');
      });
      p.appendChild(el('span', {class: 'muted'}, ' ' + t('sl_clashfix')));
      warnings.push(p);
    }
    if (mine === P.clashSeq) $('sp-clashes').replaceChildren(...warnings); // the last one asked for wins, whole
  }

  // The product's form in the card beside the list: every field, the prices, Save.
  function openProduct(p) {
    const card = $('sp-card'), idp = 'sp-f-';
    P.open = p ? p.id : null;
    P.opener = document.activeElement;
    card.hidden = false;
    $('view-products').classList.add('with-card');
    card.textContent = '';
    const head = card.appendChild(el('div', {class: 'drawer-head'}));
    head.appendChild(el('h2', {id: 'sp-h'})).appendChild(el('bdi', {}, p ? p.name : t('sl_newproduct')));
    head.appendChild(button(t('close'), {class: 'quiet'}, closeProduct));
    if (p) card.appendChild(el('p', {class: 'muted'}, [p.branch, A.dateTime(p.created)].filter(Boolean).join(A.sep())));
    const form = card.appendChild(el('form', {class: 'panel', novalidate: true, id: 'sp-form', 'aria-labelledby': 'sp-h'}));
    const fields = form.appendChild(el('div', {class: 'fields'}));
    const v = p || {currency: defaultCurrency(), active: true};
    fields.appendChild(field(idp, 'sku', {value: v.sku, dir: 'ltr', max: 64}).p);
    fields.appendChild(field(idp, 'name', {value: v.name, max: 200}).p);
    fields.appendChild(field(idp, 'category', {value: v.category, max: 100}).p);
    fields.appendChild(field(idp, 'unit', {value: v.unit, max: 32}).p);
    const price = field(idp, 'price', {value: v.price_text ? fieldText(v.price_text) : '', dir: 'ltr', inputmode: 'decimal', understood: true});
    fields.appendChild(price.p);
    const cur = field(idp, 'currency', {choices: currencyChoices().map((c) => [c, c]), value: v.currency || defaultCurrency()});
    fields.appendChild(cur.p);
    const tax = field(idp, 'tax_rate', {value: v.tax_rate_text ? fieldText(v.tax_rate_text) : '', dir: 'ltr', inputmode: 'decimal', understood: true});
    fields.appendChild(tax.p);
    fields.appendChild(field(idp, 'active', {checkbox: true, value: v.active !== false}).p);
    const desc = field(idp, 'description', {textarea: true, value: v.description, max: 2000});
    desc.p.classList.add('f-textarea');
    fields.appendChild(desc.p);
    const showPrice = understand(price.input, price.out, price.hint, (s) => A.parseAmount(s, cur.input.value), (r) => A.money(r.minor, cur.input.value));
    cur.input.addEventListener('change', showPrice);
    understand(tax.input, tax.out, tax.hint, parseRate, (r) => pct(r.value));
    const prices = pricesBox(v.prices || []);
    form.appendChild(prices.box);
    form.appendChild(el('p', {id: idp + 'message', role: 'alert'}));
    if (A.canWrite) {
      const actions = form.appendChild(el('p', {class: 'actions'}));
      actions.appendChild(el('button', {type: 'submit', class: 'primary'}, t('save')));
      actions.appendChild(button(t('cancel'), {}, closeProduct));
    } else for (const x of form.querySelectorAll('input, select, textarea, button')) x.disabled = true;
    form.addEventListener('submit', (e) => { e.preventDefault(); saveProduct(p, form, idp, prices); });
    for (const tr of $('sp-list').tBodies[0].rows) if (tr.dataset.id === P.open) tr.setAttribute('aria-selected', 'true'); else tr.removeAttribute('aria-selected');
    (p ? card : $(idp + 'sku')).focus();
  }
  function closeProduct() {
    $('sp-card').hidden = true;
    $('view-products').classList.remove('with-card');
    const was = P.open;
    P.open = null;
    if (location.hash.startsWith('#/product/')) history.replaceState(null, '', '#/products');
    const row = was && $('sp-list').querySelector(`tr[data-id="${was}"]`);
    if (row) row.focus(); else if (P.opener && P.opener.isConnected) P.opener.focus();
  }

  // A product's other prices: "USD 1500" or "EUR 1150 tehran" as the node keeps them; one
  // added or removed waits for Save, as the fields do.
  function pricesBox(had) {
    const s = {had: [...had], now: [...had], adding: []};
    const box = el('fieldset', {class: 'sl-prices'});
    box.appendChild(el('legend', {}, t('sl_prices')));
    const ul = box.appendChild(el('ul', {class: 'chips'}));
    const words = (x) => { const [c, m, b] = x.split(' '); return A.money(Number(m), c) + (b ? ' · ' + b : ''); };
    const key = (x) => x.split(' ').filter((_, i) => i !== 1).join(' '); // "USD" or "EUR tehran"
    const draw = () => {
      ul.textContent = '';
      for (const x of [...s.now, ...s.adding]) {
        const li = ul.appendChild(el('li', {class: s.adding.includes(x) ? 'chip new' : 'chip', 'data-price': key(x)}));
        li.appendChild(el('bdi', {dir: 'ltr'}, words(x)));
        if (A.canWrite) li.appendChild(button('×', {class: 'chip-x', 'aria-label': t('sl_removeprice', key(x))}, () => {
          s.now = s.now.filter((y) => y !== x);
          s.adding = s.adding.filter((y) => y !== x);
          draw();
        }));
      }
      if (!s.now.length && !s.adding.length) ul.appendChild(el('li', {class: 'empty'}, t('sl_noprices')));
    };
    draw();
    if (A.canWrite) {
      const row = box.appendChild(el('div', {class: 'fields'}));
      const cur = field('sp-np-', 'currency', {choices: currencyChoices().map((c) => [c, c]), value: 'USD', label: t('sl_pricecurrency')});
      const amount = field('sp-np-', 'amount', {dir: 'ltr', inputmode: 'decimal', understood: true, label: t('sl_priceamount')});
      const branch = field('sp-np-', 'branch', {dir: 'auto', max: 64, label: t('sl_pricebranch')});
      row.append(cur.p, amount.p, branch.p);
      const show = understand(amount.input, amount.out, amount.hint, (x) => A.parseAmount(x, cur.input.value), (r) => A.money(r.minor, cur.input.value));
      cur.input.addEventListener('change', show);
      const add = () => {
        const r = A.parseAmount(amount.input.value, cur.input.value);
        if (r.error) { amount.hint.textContent = t(r.error); amount.input.focus(); return; }
        const b = branch.input.value.trim();
        const x = [cur.input.value, String(r.minor), b].filter(Boolean).join(' ');
        // one price per currency and branch: the new one takes the place of the old
        s.now = s.now.filter((y) => key(y) !== key(x));
        s.adding = s.adding.filter((y) => key(y) !== key(x)).concat(x);
        amount.input.value = branch.input.value = '';
        show();
        draw();
      };
      amount.input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
      box.appendChild(el('p', {class: 'actions'})).appendChild(button(t('sl_addprice'), {}, add));
    }
    return {
      box,
      // the set operations Save sends: prices as the node reads them ("USD 15.00 tehran")
      changes() {
        const text = (x) => { const [c, m, b] = x.split(' '); return [c, A.amountText(Number(m), c), b].filter(Boolean).join(' '); };
        const replaced = new Set(s.adding.map(key));
        return {
          add: s.adding.map(text),
          remove: s.had.filter((x) => !s.now.includes(x) && !replaced.has(key(x))).map(key),
        };
      },
    };
  }

  async function saveProduct(p, form, idp, prices) {
    clearHints(form);
    const msg = $(idp + 'message'), args = {}, clear = [];
    let bad = null;
    const fail = (name, text) => { hint(idp, name, text); bad = bad || $(idp + name); };
    const val = (name) => $(idp + name).value.trim();
    for (const name of ['sku', 'name', 'category', 'unit', 'description']) {
      const v = val(name), was = p ? p[name] || '' : '';
      if (v === was) continue;
      if (v) args[name] = v; else if (p) clear.push(name);
    }
    if (!val('sku')) fail('sku', t('sl_needsku'));
    if (!val('name')) fail('name', t('needname'));
    const cur = $(idp + 'currency').value;
    if (val('price')) {
      const r = A.parseAmount(val('price'), cur);
      if (r.error) fail('price', t(r.error));
      else if (!p || r.minor !== p.price || cur !== p.currency) { args.price = A.amountText(r.minor, cur); args.currency = cur; }
    } else if (p && p.price !== undefined && p.price !== null) clear.push('price');
    if (!args.currency && (!p || cur !== p.currency)) args.currency = cur;
    if (val('tax_rate')) {
      const r = parseRate(val('tax_rate'));
      if (r.error) fail('tax_rate', t(r.error));
      else if (!p || r.value !== p.tax_rate) args.tax_rate = r.text;
    } else if (p && p.tax_rate !== undefined && p.tax_rate !== null) clear.push('tax_rate');
    const active = $(idp + 'active').checked;
    if (!p ? !active : active !== (p.active !== false)) args.active = active ? 'yes' : 'no';
    const ch = prices.changes();
    if (ch.add.length) args['add:prices'] = ch.add;
    if (ch.remove.length) args['remove:prices'] = ch.remove;
    if (bad) { bad.focus(); return; }
    if (clear.length) args.clear = clear;
    if (p && !Object.keys(args).length) { msg.textContent = t('nochange'); return; }
    try {
      const r = p ? await A.call('update', Object.assign({id: p.id}, args), true)
        : await A.call('create', Object.assign({kind: 'product'}, args), true);
      S.lastCurrency = cur;
      const id = (r && r.id) || (p && p.id);
      await loadProducts();
      if (!form.isConnected) return; // another product was opened meanwhile: it stays
      await showProduct(id);
      if ($('sp-f-message')) $('sp-f-message').textContent = t('saved');
    } catch (e) {
      // the field the node names gets its words and the focus; what was typed stays
      const f = fieldOf(e);
      if (f && hint(idp, f, reason(e)) && $(idp + f)) $(idp + f).focus();
      msg.textContent = t('problem', reason(e));
    }
  }
  async function showProduct(id) {
    const mine = P.showSeq = (P.showSeq || 0) + 1;
    try {
      const p = await A.call('get', {id});
      if (mine !== P.showSeq) return; // a later one was asked for
      if (p.kind !== 'product') throw new Error(t('sl_notproduct'));
      openProduct(p);
    } catch (e) { $('sp-total').textContent = reason(e); }
  }

  A.view('products', {show() { productsFrame().dataset.loaded = '1'; if (!$('sp-card').hidden) closeProduct(); loadProducts(); }});
  A.view('product', {box: 'products', nav: 'products', show([id]) {
    const fresh = productsFrame().dataset.loaded !== '1';
    $('view-products').dataset.loaded = '1';
    if (fresh || !$('sp-list').tBodies[0].rows.length) loadProducts();
    if (id) showProduct(id);
  }});

  // =====================================================================================
  // Quotes, orders, invoices: lists
  // =====================================================================================
  const L = {quote: {offset: 0, sort: 'created', desc: true}, order: {offset: 0, sort: 'created', desc: true}, invoice: {offset: 0, sort: 'issued', desc: true}};
  // the columns a list sorts by, and the node's sort for each (docs/SALES.md): an invoice's
  // State is not among them, as the node sorts by the stored status (issued or cancelled),
  // not by the paid or partly paid shown
  const SORTS = {quote: {f_status: 'status', created: 'created'}, order: {f_status: 'status', created: 'created'},
    invoice: {f_number: 'number', f_issued: 'issued', f_due: 'due'}};
  const plural = {quote: 'quotes', order: 'orders', invoice: 'invoices'};
  function docFrame(kind) {
    const box = $('view-' + plural[kind]);
    if (box.dataset.built === A.lang) return box;
    box.dataset.built = A.lang;
    box.dataset.loaded = ''; // a list drawn anew is loaded anew
    box.textContent = '';
    const pane = box.appendChild(el('section', {class: 'listpane', 'aria-labelledby': 'h-' + plural[kind]}));
    const head = pane.appendChild(el('div', {class: 'row'}));
    head.appendChild(el('h2', {id: 'h-' + plural[kind]}, t('sl_' + plural[kind])));
    if (A.canWrite && kind !== 'order') head.appendChild(button(t('sl_new' + kind), {class: 'primary'}, () => A.go('#/' + plural[kind] + '/new')));
    const bar = pane.appendChild(el('div', {class: 'toolbar'}));
    const spec = LISTS[kind];
    const f = field('sd-' + kind + '-', spec.filter, {choices: spec.choices.map((c) => [c, statusName(c)]), allKey: 'all', label: t(kind === 'invoice' ? 'sl_state' : 'f_status')});
    bar.appendChild(f.p);
    f.input.addEventListener('change', () => { L[kind].offset = 0; loadDocs(kind); });
    if (kind === 'invoice') {
      const o = field('sd-invoice-', 'overdue', {checkbox: true, label: t('sl_onlyoverdue')});
      bar.appendChild(o.p);
      o.input.addEventListener('change', () => { L[kind].offset = 0; loadDocs(kind); });
    }
    pane.appendChild(el('p', {id: 'sd-' + kind + '-total', class: 'total', role: 'status', 'aria-live': 'polite'}));
    const table = pane.appendChild(el('div', {class: 'tablebox'})).appendChild(el('table', {id: 'sd-' + kind + '-list', class: 'sl-list'}));
    const tr = table.appendChild(el('thead')).appendChild(el('tr'));
    for (const k of columns(kind)) {
      const sort = SORTS[kind][k];
      const th = tr.appendChild(el('th', {scope: 'col', 'data-sort': sort, class: [/total|balance/.test(k) ? 'num' : '', WIDE.has(k) ? 'sl-wide' : ''].join(' ').trim() || undefined}));
      if (!sort) { th.textContent = t(k); continue; }
      th.appendChild(button(t(k), {}, () => { // a new column sorts up first, as the products' do; again turns it round
        const st = L[kind];
        if (st.sort === sort) st.desc = !st.desc; else { st.sort = sort; st.desc = false; }
        st.offset = 0;
        loadDocs(kind);
      }));
    }
    markSort(kind, table);
    table.appendChild(el('tbody')).addEventListener('keydown', rowKeys(null));
    const pager = pane.appendChild(el('p', {class: 'pager'}));
    pager.appendChild(button(t('prev'), {id: 'sd-' + kind + '-prev'}, () => { L[kind].offset = Math.max(0, L[kind].offset - LIST_LIMIT); loadDocs(kind); }));
    pager.appendChild(button(t('next'), {id: 'sd-' + kind + '-next'}, () => { L[kind].offset += LIST_LIMIT; loadDocs(kind); }));
    box.appendChild(el('aside', {id: 'sd-' + kind + '-card', class: 'drawer sl-doc', hidden: true, tabindex: '-1', 'aria-labelledby': 'sd-' + kind + '-h'}));
    return box;
  }
  const WIDE = new Set(['f_issued', 'f_due', 'f_valid_until', 'f_total', 'created']); // left out while a document is open beside the list (it says them)
  const columns = (kind) => ({
    quote: ['f_title', 'f_customer', 'f_status', 'f_valid_until', 'created'],
    order: ['f_title', 'f_customer', 'f_status', 'created'],
    invoice: ['f_number', 'f_customer', 'f_issued', 'f_due', 'f_total', 'sl_balance', 'sl_state'],
  })[kind];

  // the arrow (and aria-sort) on the column the list is sorted by
  function markSort(kind, table) {
    for (const th of table.tHead.rows[0].cells) {
      if (th.dataset.sort && th.dataset.sort === L[kind].sort) th.setAttribute('aria-sort', L[kind].desc ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
  }
  async function loadDocs(kind) {
    const st = L[kind], mine = st.seq = (st.seq || 0) + 1, spec = LISTS[kind], table = $('sd-' + kind + '-list');
    const args = {kind, sort: st.sort, desc: st.desc, offset: st.offset, limit: LIST_LIMIT};
    markSort(kind, table);
    const filter = $('sd-' + kind + '-' + spec.filter).value;
    if (filter) args[spec.filter] = filter;
    if (kind === 'invoice' && $('sd-invoice-overdue').checked) args.overdue = true;
    table.setAttribute('aria-busy', 'true');
    try {
      const rows = await A.items('list', args);
      if (mine !== st.seq) return;
      const total = rows.total ?? rows.length;
      $('sd-' + kind + '-total').textContent = total ? t('total', A.num(st.offset + 1), A.num(st.offset + rows.length), A.num(total)) : '';
      $('sd-' + kind + '-prev').hidden = $('sd-' + kind + '-next').hidden = !st.offset && !rows.more;
      $('sd-' + kind + '-prev').disabled = !st.offset;
      $('sd-' + kind + '-next').disabled = !rows.more;
      const body = table.tBodies[0];
      body.textContent = '';
      for (const d of rows) body.appendChild(docRow(kind, d));
      if (!rows.length) body.appendChild(el('tr', {class: 'empty'})).appendChild(el('td', {colspan: String(columns(kind).length)}, t(filter || args.overdue ? 'sl_nonefilter' : 'sl_no' + plural[kind])));
    } catch (e) {
      if (mine === st.seq) $('sd-' + kind + '-total').textContent = reason(e);
    } finally {
      if (mine === st.seq) table.removeAttribute('aria-busy');
    }
  }
  // an invoice's state as people see it, never by colour alone
  function stateBadge(state, overdue) {
    const s = el('span', {class: 'sl-state', 'data-state': state}, statusName(state));
    if (overdue) { s.classList.add('sl-overdue'); s.textContent += ' · ' + t('overdue'); }
    return s;
  }
  function docRow(kind, d) {
    const tr = el('tr', {'data-id': d.id, tabindex: '0'});
    if (d.id === L[kind].open) tr.setAttribute('aria-selected', 'true');
    const name = kind === 'invoice' ? d.number : d.title || t('kd_' + kind) + ' ' + A.shortId(d.id);
    tr.appendChild(el('th', {scope: 'row', dir: kind === 'invoice' ? 'ltr' : 'auto'})).appendChild(el('bdi', {}, name || ''));
    tr.appendChild(el('td')).appendChild(customerLink(d.customer)).addEventListener('click', (e) => e.stopPropagation());
    if (kind === 'invoice') {
      tr.appendChild(el('td', {class: 'sl-wide'}, A.date(d.issued)));
      tr.appendChild(el('td', {class: 'sl-wide'}, A.date(d.due)));
      tr.appendChild(el('td', {class: 'num sl-wide', dir: 'ltr'}, A.money(d.total, d.currency)));
      tr.appendChild(el('td', {class: 'num', dir: 'ltr'}, A.money(d.balance, d.currency)));
      tr.appendChild(el('td')).appendChild(stateBadge(d.state, d.overdue));
    } else {
      tr.appendChild(el('td')).appendChild(stateBadge(d.status));
      if (kind === 'quote') tr.appendChild(el('td', {class: 'sl-wide'}, A.date(d.valid_until)));
      tr.appendChild(el('td', {class: 'sl-wide'}, A.date(d.created)));
    }
    tr.addEventListener('click', () => A.go('#/' + kind + '/' + d.id));
    return tr;
  }

  // =====================================================================================
  // A document: its lines, totals, status moves; an invoice's payments
  // =====================================================================================
  function docCard(kind) {
    const card = $('sd-' + kind + '-card');
    const wasHidden = card.hidden;
    card.hidden = false;
    $('view-' + plural[kind]).classList.add('with-card');
    return {card, wasHidden};
  }
  function closeDoc(kind) {
    const card = $('sd-' + kind + '-card');
    if (!card || card.hidden) return;
    card.hidden = true;
    card.textContent = '';
    $('view-' + plural[kind]).classList.remove('with-card');
    const was = L[kind].open;
    L[kind].open = null;
    if (new RegExp('^#/' + kind + '/').test(location.hash) || /\/new/.test(location.hash)) history.replaceState(null, '', '#/' + plural[kind]);
    const row = was && $('sd-' + kind + '-list').querySelector(`tr[data-id="${was}"]`);
    if (row) row.focus();
  }

  async function openDoc(kind, id, keep) {
    const st = L[kind], mine = st.docSeq = (st.docSeq || 0) + 1;
    let d;
    try { d = await A.call('document', {id}); } catch (e) { $('sd-' + kind + '-total').textContent = reason(e); return; }
    if (mine !== st.docSeq) return;
    if (d.kind !== kind) { A.go('#/' + d.kind + '/' + id); return; }
    st.open = id;
    const {card, wasHidden} = docCard(kind);
    const inside = keep && card.contains(document.activeElement), focused = inside ? document.activeElement.id : '';
    drawDoc(kind, d, card);
    for (const tr of $('sd-' + kind + '-list').tBodies[0].rows) if (tr.dataset.id === id) tr.setAttribute('aria-selected', 'true'); else tr.removeAttribute('aria-selected');
    // the focus stays in the document: on the same field, else on the document itself (a
    // button pressed is drawn anew, and the focus would fall to the page's top)
    if (focused && $(focused)) $(focused).focus(); else if (wasHidden || !keep || inside) card.focus();
  }
  // after an action the document is drawn again: the focus goes where the next step is
  const focusNext = (kind, selector) => { const card = $('sd-' + kind + '-card'), next = card && card.querySelector(selector); if (next) next.focus(); };
  const reopen = (kind, id) => Promise.all([openDoc(kind, id, true), loadDocs(kind)]);

  function drawDoc(kind, d, card) {
    const f = d.fields, idp = 'sd-' + kind + '-', status = kind === 'invoice' ? d.state : f.status;
    card.textContent = '';
    const head = card.appendChild(el('div', {class: 'drawer-head'}));
    const h = head.appendChild(el('h2', {id: idp + 'h'}));
    h.appendChild(el('span', {class: 'sl-kind'}, t('kd_' + kind) + ' '));
    h.appendChild(el('bdi', {dir: kind === 'invoice' ? 'ltr' : 'auto', class: 'sl-docname'}, kind === 'invoice' ? d.number || f.number : f.title || A.shortId(f.id)));
    head.appendChild(button(t('close'), {class: 'quiet'}, () => closeDoc(kind)));
    const sub = card.appendChild(el('p', {class: 'muted sl-sub'}));
    sub.appendChild(el('span', {}, A.fieldLabel('customer') + ': '));
    sub.appendChild(el('bdi')).appendChild(customerLink(f.customer));
    for (const part of [d.currency, f.branch || '', A.dateTime(f.created)]) sub.append(A.sep(), el('bdi', {}, part));
    // where it stands, and what it may become
    const where = card.appendChild(el('div', {class: 'sl-where'}));
    const state = where.appendChild(el('p', {class: 'sl-status'}));
    state.appendChild(el('span', {class: 'label'}, t(kind === 'invoice' ? 'sl_state' : 'f_status')));
    state.appendChild(stateBadge(status, d.overdue));
    if (kind === 'invoice') {
      const bal = where.appendChild(el('p', {class: 'sl-balance'}));
      bal.appendChild(el('span', {class: 'label'}, t('sl_balance')));
      bal.appendChild(el('strong', {dir: 'ltr', id: idp + 'balance'}, A.money(d.balance, d.currency)));
    }
    const moves = where.appendChild(el('div', {class: 'actions sl-moves', role: 'group', 'aria-label': t('sl_moves')}));
    const moveMsg = where.appendChild(el('p', {id: idp + 'status-hint', class: 'hint', role: 'alert'}));
    if (A.canWrite) drawMoves(kind, d, moves, moveMsg);
    if (S.flash) { card.appendChild(el('p', {class: 'sl-flash', role: 'status'}, S.flash)); S.flash = ''; }
    card.appendChild(linesTable(kind, d)); // the lines first: what the document is for
    card.appendChild(totalsBox(kind, d));
    if (kind === 'invoice') {
      card.appendChild(paymentsBox(d));
      const print = card.appendChild(el('p', {class: 'sl-print'}));
      print.appendChild(el('a', {href: '/print/invoice/' + encodeURIComponent(f.id), target: '_blank', rel: 'noopener'}, t('sl_print')));
    }
    card.appendChild(detailsForm(kind, d));
    card.appendChild(related(kind, d));
  }

  // Send, Accept, Reject...: only the moves the status allows; a refusal beside them.
  function drawMoves(kind, d, box, msg) {
    const f = d.fields, now = f.status;
    const next = (NEXT[kind][now] || []).filter((s) => !(kind === 'invoice' && s === 'cancelled' && d.payments && d.payments.length));
    for (const s of next) {
      box.appendChild(button(t('mv_' + kind + '_' + s), {'data-move': s, class: s === 'sent' || s === 'accepted' || s === 'fulfilled' ? 'primary' : undefined}, async (e) => {
        e.target.disabled = true;
        try {
          await A.call('update', {id: f.id, status: s}, true);
          S.flash = t('sl_moved', statusName(s));
          await reopen(kind, f.id);
          focusNext(kind, '.sl-moves button'); // Accept after Send, Make an order after Accept
        } catch (err) {
          msg.textContent = reason(err);
          e.target.disabled = false;
          e.target.focus();
          await redrawMoves(kind, d, box, msg);
        }
      }));
    }
    // what this document leads to: an order from an accepted quote, an invoice from an order
    if (kind === 'quote' && now === 'accepted') box.appendChild(button(t('sl_makeorder'), {class: 'primary'}, (e) => makeFrom('order', f.id, e.target, msg)));
    if (kind === 'order' && (now === 'open' || now === 'fulfilled')) box.appendChild(button(t('sl_makeinvoice'), {class: 'primary'}, (e) => makeFrom('invoice', f.id, e.target, msg)));
  }
  // A move refused because the document moved on elsewhere (someone accepted the quote
  // first): it is read again, and where it stands and the moves it has now are drawn anew, the
  // refusal still shown beside them. The rest of the document (an edit being typed) is left.
  async function redrawMoves(kind, d, box, msg) {
    const fresh = await A.call('document', {id: d.fields.id}).catch(() => null);
    if (!fresh || !box.isConnected) return;
    const paid = (x) => (x.payments || []).length;
    if (fresh.fields.status === d.fields.status && paid(fresh) === paid(d)) return; // refused for another reason: the buttons stand
    const where = box.closest('.sl-where');
    where.querySelector('.sl-status .sl-state').replaceWith(stateBadge(kind === 'invoice' ? fresh.state : fresh.fields.status, fresh.overdue));
    const balance = $('sd-' + kind + '-balance');
    if (balance) balance.textContent = A.money(fresh.balance, fresh.currency);
    box.textContent = '';
    drawMoves(kind, fresh, box, msg);
    const first = box.querySelector('button');
    if (first) first.focus(); else { msg.setAttribute('tabindex', '-1'); msg.focus(); }
    loadDocs(kind); // the list beside says the status too
  }
  async function makeFrom(kind, from, b, msg) {
    b.disabled = true;
    try {
      const r = await A.call('create', {kind, from}, true);
      S.flash = kind === 'invoice' ? t('sl_invoicemade', r.number) : t('sl_ordermade');
      A.go('#/' + kind + '/' + r.id);
    } catch (e) { msg.textContent = reason(e); b.disabled = false; }
  }

  // The fields a document keeps beside its lines, edited in place: a quote's title, valid
  // until and notes, an order's title and notes, an invoice's due date and notes.
  function detailsForm(kind, d) {
    const f = d.fields, idp = 'sd-' + kind + '-d-';
    const names = {quote: ['title', 'valid_until', 'notes'], order: ['title', 'notes'], invoice: ['issued', 'due', 'notes']}[kind];
    const form = el('form', {class: 'panel sl-details', novalidate: true, 'aria-label': t('details')});
    const box = form.appendChild(el('div', {class: 'fields'}));
    for (const n of names) {
      const x = n === 'valid_until' || n === 'due' || n === 'issued' ? dateField(idp, n, f[n]) : field(idp, n, {value: f[n], textarea: n === 'notes', max: n === 'notes' ? 2000 : 200});
      if (n === 'notes') x.p.classList.add('f-textarea');
      if (n === 'issued' || !A.canWrite) x.input.disabled = true; // an invoice's issue date is its number's
      box.appendChild(x.p);
    }
    form.appendChild(el('p', {id: idp + 'message', role: 'status'}));
    if (A.canWrite) form.appendChild(el('p', {class: 'actions'})).appendChild(el('button', {type: 'submit'}, t('savechanges')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearHints(form);
      const args = {id: f.id}, clear = [], changed = [];
      for (const n of names) {
        if (n === 'issued') continue;
        const input = $(idp + n);
        let v = input.value.trim();
        if (n === 'valid_until' || n === 'due') { v = dateOf(input); if (v === null) { hint(idp, n, t('r_date')); input.focus(); return; } }
        if (v === (f[n] || '')) continue;
        changed.push(n);
        if (v) args[n] = v; else clear.push(n);
      }
      if (!changed.length) { $(idp + 'message').textContent = t('nochange'); return; }
      if (clear.length) args.clear = clear;
      try {
        await A.call('update', args, true);
        S.flash = t('savedfields', changed.map(A.fieldLabel).join(A.lang === 'fa' ? '، ' : ', '));
        await reopen(kind, f.id);
      } catch (err) {
        const n = fieldOf(err);
        if (!hint(idp, n, reason(err))) $(idp + 'message').textContent = t('problem', reason(err));
      }
    });
    return form;
  }

  const linesEditable = (kind, status) => A.canWrite && ((kind === 'quote' && status === 'draft') || (kind === 'order' && status === 'open'));
  function linesTable(kind, d) {
    const box = el('section', {class: 'sl-lines', 'aria-labelledby': 'sd-' + kind + '-lines-h'});
    const head = box.appendChild(el('div', {class: 'row'}));
    head.appendChild(el('h3', {id: 'sd-' + kind + '-lines-h'}, t('sl_lines')));
    const editable = linesEditable(kind, d.fields.status);
    $('view-' + plural[kind]).classList.toggle('sl-editing', editable);
    const formBox = el('div', {class: 'sl-lineform'});
    if (editable) head.appendChild(button(t('sl_addline'), {class: 'small', id: 'sd-' + kind + '-addline'}, () => lineForm(formBox, d, null, () => reopen(kind, d.id))));
    const table = box.appendChild(el('div', {class: 'tablebox'})).appendChild(el('table', {class: 'sl-linetable', id: 'sd-' + kind + '-lines'}));
    const tr = table.appendChild(el('thead')).appendChild(el('tr'));
    const cols = ['sl_pos', 'f_description', 'f_quantity', 'f_unit_price', 'f_discount', 'f_tax_rate', 'sl_net', 'sl_tax', 'f_total'];
    cols.forEach((k, i) => tr.appendChild(el('th', {scope: 'col', class: i >= 2 ? 'num' : undefined}, t(k))));
    if (editable) tr.appendChild(el('th', {scope: 'col'}, t('sl_action')));
    const body = table.appendChild(el('tbody'));
    const cur = d.currency;
    for (const x of d.lines || []) {
      const row = body.appendChild(el('tr', {'data-id': x.id}));
      row.appendChild(el('td', {class: 'num'}, A.num(x.position)));
      const desc = row.appendChild(el('th', {scope: 'row'}));
      desc.appendChild(el('bdi', {}, x.description || ''));
      row.appendChild(el('td', {class: 'num', 'data-col': 'quantity'}, qty(x.quantity) + (x.unit ? ' ' : ''))).appendChild(el('bdi', {}, x.unit || ''));
      row.appendChild(el('td', {class: 'num', dir: 'ltr', 'data-col': 'unit_price'}, A.money(x.unit_price, cur)));
      row.appendChild(el('td', {class: 'num', 'data-col': 'discount'}, x.discount ? pct(x.discount) : ''));
      row.appendChild(el('td', {class: 'num', 'data-col': 'tax_rate'}, pct(x.tax_rate)));
      row.appendChild(el('td', {class: 'num', dir: 'ltr', 'data-col': 'net'}, A.money(x.net, cur)));
      row.appendChild(el('td', {class: 'num', dir: 'ltr', 'data-col': 'tax'}, A.money(x.tax, cur)));
      row.appendChild(el('td', {class: 'num', dir: 'ltr', 'data-col': 'total'}, A.money(x.total, cur)));
      if (editable) {
        const td = row.appendChild(el('td', {class: 'sl-rowactions'}));
        const label = x.description || A.num(x.position);
        td.appendChild(button(t('edit'), {class: 'small', 'aria-label': t('edit') + ': ' + label}, () => lineForm(formBox, d, x, () => reopen(kind, d.id))));
        td.appendChild(button(t('remove'), {class: 'small', 'aria-label': t('remove') + ': ' + label}, async (e) => {
          e.target.disabled = true;
          try { await A.call('delete', {id: x.id}, true); S.flash = t('sl_lineremoved', label); await reopen(kind, d.id); } catch (err) { $('sd-' + kind + '-status-hint').textContent = reason(err); e.target.disabled = false; }
        }));
      }
    }
    if (!(d.lines || []).length) body.appendChild(el('tr', {class: 'empty'})).appendChild(el('td', {colspan: String(cols.length + (editable ? 1 : 0))}, t(editable ? 'sl_nolinesyet' : 'sl_nolines')));
    box.appendChild(formBox);
    return box;
  }

  function totalsBox(kind, d) {
    const dl = el('dl', {class: 'sl-totals', id: 'sd-' + kind + '-totals'});
    const rows = [['sl_net', d.net, 'net'], ['sl_tax', d.tax, 'tax'], ['f_total', d.total, 'total']];
    if (kind === 'invoice') rows.push(['sl_paid', d.paid, 'paid'], ['sl_balance', d.balance, 'balance']);
    for (const [k, v, key] of rows) {
      const div = dl.appendChild(el('div', {'data-total': key}));
      div.appendChild(el('dt', {}, t(k)));
      div.appendChild(el('dd', {dir: 'ltr'}, A.money(v, d.currency)));
    }
    return dl;
  }

  // The line form: a product picked by search (its description, unit, price and tax filled
  // in, each still editable) or free text; quantity, unit price, discount and tax as people
  // type them, each shown back as understood. On a document the line is saved at once; for
  // a direct invoice (d.pending) it is kept on the page until the invoice is issued.
  function lineForm(box, d, line, done) {
    const cur = d.currency, idp = 'sl-line-';
    const opener = document.activeElement;
    box.textContent = '';
    const form = box.appendChild(el('form', {class: 'panel subform', novalidate: true, 'aria-labelledby': idp + 'h'}));
    form.appendChild(el('h4', {id: idp + 'h'}, t(line ? 'sl_editline' : 'sl_newline')));
    const fields = form.appendChild(el('div', {class: 'fields'}));
    let product = line ? line.product || '' : '';
    const fill = (name, v) => { const i = $(idp + name); if (i && v !== undefined && v !== null && v !== '') { i.value = v; i.dispatchEvent(new Event('input')); } };
    const pick = picker(idp, 'product', 'product', productLabel, (p) => {
      product = p ? p.id : '';
      if (!p) return;
      fill('description', p.name);
      fill('unit', p.unit);
      if (p.tax_rate !== undefined && p.tax_rate !== null) fill('tax_rate', fieldText(fixedText(p.tax_rate, 2)));
      const price = productPrice(p, cur);
      if (price !== null) fill('unit_price', amountField(price, cur));
      $(idp + 'quantity').focus();
    });
    pick.p.classList.add('f-wide');
    fields.appendChild(pick.p);
    if (product) A.call('get', {id: product}).then((p) => { if (p && p.kind === 'product') { pick.choose(p); $(idp + 'description').value = line.description || ''; } }, () => {});
    const v = (name, digits) => (line && line[name + '_text'] !== undefined ? fieldText(line[name + '_text']) : line && line[name] !== undefined && digits === undefined ? line[name] : '');
    const desc = field(idp, 'description', {value: line ? line.description : '', max: 500});
    desc.p.classList.add('f-wide');
    fields.appendChild(desc.p);
    const q = field(idp, 'quantity', {value: line ? v('quantity', 3) : fieldText('1'), dir: 'ltr', inputmode: 'decimal', understood: true});
    fields.appendChild(q.p);
    fields.appendChild(field(idp, 'unit', {value: line ? line.unit : '', max: 32}).p);
    const price = field(idp, 'unit_price', {value: line ? v('unit_price', 2) : '', dir: 'ltr', inputmode: 'decimal', understood: true, label: t('f_unit_price') + ' (' + cur + ')'});
    fields.appendChild(price.p);
    const disc = field(idp, 'discount', {value: line && line.discount ? v('discount', 2) : '', dir: 'ltr', inputmode: 'decimal', understood: true});
    fields.appendChild(disc.p);
    const tax = field(idp, 'tax_rate', {value: line ? v('tax_rate', 2) : '', dir: 'ltr', inputmode: 'decimal', understood: true});
    fields.appendChild(tax.p);
    understand(q.input, q.out, q.hint, parseQuantity, (r) => qty(r.value));
    understand(price.input, price.out, price.hint, (s) => A.parseAmount(s, cur), (r) => A.money(r.minor, cur));
    understand(disc.input, disc.out, disc.hint, parseRate, (r) => pct(r.value));
    understand(tax.input, tax.out, tax.hint, parseRate, (r) => pct(r.value));
    form.appendChild(el('p', {id: idp + 'message', role: 'alert'}));
    const actions = form.appendChild(el('p', {class: 'actions'}));
    actions.appendChild(el('button', {type: 'submit', class: 'primary'}, t(line ? 'sl_saveline' : 'sl_addthisline')));
    const close = () => { box.textContent = ''; if (opener && opener.isConnected) opener.focus(); };
    actions.appendChild(button(t('cancel'), {}, close));
    form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); close(); } });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearHints(form);
      const got = lineValues(idp, product, cur);
      if (got.bad) { got.bad.focus(); return; }
      const args = got.args;
      if (d.pending) { d.pending(args); box.textContent = ''; return; }
      try {
        if (line) {
          // only what changed; an emptied discount is cleared
          const change = {id: line.id}, clear = [];
          for (const k of ['description', 'quantity', 'unit', 'unit_price', 'discount', 'tax_rate']) {
            const was = line[k + '_text'] !== undefined ? line[k + '_text'] : line[k] ?? '';
            const now = args[k] ?? '';
            if (String(was) === String(now) || (k === 'discount' && !now && !line.discount)) continue;
            if (now === '') clear.push(k); else change[k] = now;
          }
          if ((line.product || '') !== product) { if (product) change.product = product; else clear.push('product'); }
          if (clear.length) change.clear = clear;
          await A.call('update', change, true);
          S.flash = t('sl_linesaved');
        } else {
          await A.call('create', Object.assign({kind: 'line', doc: d.id}, args), true);
          S.flash = t('sl_lineadded');
        }
        await done();
        const add = document.getElementById('sd-' + d.kind + '-addline');
        if (add) add.focus();
      } catch (err) {
        const n = fieldOf(err);
        if (n && hint(idp, n, reason(err)) && $(idp + n)) $(idp + n).focus();
        $(idp + 'message').textContent = t('problem', reason(err));
      }
    });
    (line ? q.input : pick.input).focus();
  }
  // The line form's values as the node reads them, or the first field that is not right.
  function lineValues(idp, product, cur) {
    const args = {}, val = (n) => $(idp + n).value.trim();
    let bad = null;
    const fail = (n, key) => { hint(idp, n, t(key)); bad = bad || $(idp + n); };
    if (product) args.product = product;
    if (val('description')) args.description = val('description'); else if (!product) fail('description', 'sr_needdesc');
    const q = parseQuantity(val('quantity'));
    if (q.error) fail('quantity', q.error); else args.quantity = q.text;
    if (val('unit')) args.unit = val('unit');
    if (val('unit_price')) {
      const r = A.parseAmount(val('unit_price'), cur);
      if (r.error) fail('unit_price', r.error); else args.unit_price = A.amountText(r.minor, cur);
    } else if (!product) fail('unit_price', 'needamount');
    for (const n of ['discount', 'tax_rate']) {
      if (!val(n)) continue;
      const r = parseRate(val(n));
      if (r.error) fail(n, r.error); else args[n] = r.text;
    }
    return {args, bad};
  }

  function paymentsBox(d) {
    const f = d.fields, idp = 'sd-pay-', cur = d.currency;
    const box = el('section', {class: 'sl-payments', 'aria-labelledby': idp + 'h'});
    box.appendChild(el('h3', {id: idp + 'h'}, t('sl_payments')));
    const table = box.appendChild(el('div', {class: 'tablebox'})).appendChild(el('table', {id: idp + 'list'}));
    const tr = table.appendChild(el('thead')).appendChild(el('tr'));
    for (const k of ['f_date', 'f_amount', 'f_method', 'f_reference']) tr.appendChild(el('th', {scope: 'col', class: k === 'f_amount' ? 'num' : undefined}, t(k)));
    const body = table.appendChild(el('tbody'));
    for (const p of (d.payments || []).slice().sort((a, b) => a.date.localeCompare(b.date))) {
      const row = body.appendChild(el('tr', {'data-id': p.id}));
      row.appendChild(el('td', {}, A.date(p.date)));
      row.appendChild(el('td', {class: 'num', dir: 'ltr'}, A.money(p.amount, cur)));
      row.appendChild(el('td', {}, t('pm_' + p.method)));
      row.appendChild(el('td', {dir: 'auto'}, p.reference || ''));
    }
    if (!(d.payments || []).length) body.appendChild(el('tr', {class: 'empty'})).appendChild(el('td', {colspan: '4'}, t('sl_nopayments')));
    if (!A.canWrite || f.status === 'cancelled' || !d.balance) return box;
    const form = box.appendChild(el('form', {class: 'panel', novalidate: true, id: idp + 'form', 'aria-labelledby': idp + 'fh'}));
    form.appendChild(el('h4', {id: idp + 'fh'}, t('sl_recordpayment')));
    const fields = form.appendChild(el('div', {class: 'fields'}));
    const amount = field(idp, 'amount', {dir: 'ltr', inputmode: 'decimal', understood: true, label: t('f_amount') + ' (' + cur + ')'});
    fields.appendChild(amount.p);
    fields.appendChild(dateField(idp, 'date', todayIso()).p);
    fields.appendChild(field(idp, 'method', {choices: METHODS.map((m) => [m, t('pm_' + m)]), value: 'cash'}).p);
    fields.appendChild(field(idp, 'reference', {max: 100}).p);
    understand(amount.input, amount.out, amount.hint, (s) => A.parseAmount(s, cur), (r) => A.money(r.minor, cur));
    form.appendChild(el('p', {id: idp + 'message', role: 'alert'}));
    form.appendChild(el('p', {class: 'actions'})).appendChild(el('button', {type: 'submit', class: 'primary'}, t('sl_recordpayment')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearHints(form);
      const r = A.parseAmount(amount.input.value, cur);
      if (r.error) { hint(idp, 'amount', t(r.error)); amount.input.focus(); return; }
      const date = dateOf($(idp + 'date'));
      if (date === null) { hint(idp, 'date', t('r_date')); $(idp + 'date').focus(); return; }
      try {
        const got = await A.call('pay', {id: f.id, amount: A.amountText(r.minor, cur), date, method: $(idp + 'method').value, reference: $(idp + 'reference').value.trim()}, true);
        S.flash = t('sl_paid_now', A.money(r.minor, cur), statusName(got.state), A.money(got.balance, cur));
        await reopen('invoice', f.id);
        focusNext('invoice', '#' + idp + 'amount'); // the next payment, if there is a balance left
      } catch (err) {
        // refused above the balance: the node's words beside the amount, what was typed kept
        const n = fieldOf(err) === 'id' ? 'amount' : fieldOf(err);
        if (!(n && hint(idp, n, reason(err)))) $(idp + 'message').textContent = t('problem', reason(err));
        ($(idp + n) || amount.input).focus();
      }
    });
    return box;
  }

  // Where a document came from and what was made from it.
  function related(kind, d) {
    const f = d.fields, box = el('div', {class: 'sl-related'});
    const link = (k, id, text) => { const a = el('a', {href: '#/' + k + '/' + id}); a.appendChild(el('bdi', {}, text)); return a; };
    if (kind === 'order' && f.quote) box.appendChild(el('p', {}, t('sl_fromquote') + ' ')).appendChild(link('quote', f.quote, t('kd_quote') + ' ' + A.shortId(f.quote)));
    if (kind === 'invoice' && f.order) box.appendChild(el('p', {}, t('sl_fromorder') + ' ')).appendChild(link('order', f.order, t('kd_order') + ' ' + A.shortId(f.order)));
    const made = kind === 'quote' ? ['order', 'quote'] : kind === 'order' ? ['invoice', 'order'] : null;
    if (made) {
      const p = box.appendChild(el('p', {class: 'sl-made'}));
      A.items('list', {kind: made[0], [made[1]]: f.id}).then((xs) => {
        if (!xs.length) return;
        p.appendChild(el('span', {}, t(made[0] === 'order' ? 'sl_ordersmade' : 'sl_invoicesmade') + ' '));
        xs.forEach((x, i) => {
          if (i) p.appendChild(document.createTextNode(A.lang === 'fa' ? '، ' : ', '));
          p.appendChild(link(made[0], x.id, made[0] === 'invoice' ? x.number : x.title || A.shortId(x.id)));
        });
      }, () => {});
    }
    return box;
  }

  // =====================================================================================
  // A new quote, a direct invoice
  // =====================================================================================
  async function newDoc(kind, customer) {
    const {card} = docCard(kind), idp = 'sn-' + kind + '-';
    L[kind].open = null;
    card.textContent = '';
    const head = card.appendChild(el('div', {class: 'drawer-head'}));
    head.appendChild(el('h2', {id: 'sd-' + kind + '-h'}, t('sl_new' + kind)));
    head.appendChild(button(t('close'), {class: 'quiet'}, () => closeDoc(kind)));
    const form = card.appendChild(el('form', {class: 'panel', novalidate: true, id: idp + 'form', 'aria-labelledby': 'sd-' + kind + '-h'}));
    const fields = form.appendChild(el('div', {class: 'fields'}));
    const pick = picker(idp, 'customer', 'customer', customerLabel, () => {});
    pick.p.classList.add('f-wide');
    fields.appendChild(pick.p);
    const cur = field(idp, 'currency', {choices: currencyChoices().map((c) => [c, c]), value: defaultCurrency()});
    fields.appendChild(cur.p);
    if (kind === 'quote') {
      fields.appendChild(field(idp, 'title', {max: 200}).p);
      fields.appendChild(dateField(idp, 'valid_until', '').p);
    } else {
      fields.appendChild(dateField(idp, 'issued', todayIso()).p);
      fields.appendChild(dateField(idp, 'due', '').p);
    }
    const pending = [];
    let drawPending = () => {};
    if (kind === 'invoice') { // a direct invoice needs its lines before it is issued
      const sec = form.appendChild(el('section', {class: 'sl-lines', 'aria-labelledby': idp + 'lines-h'}));
      const row = sec.appendChild(el('div', {class: 'row'}));
      row.appendChild(el('h3', {id: idp + 'lines-h'}, t('sl_lines')));
      const formBox = el('div', {class: 'sl-lineform'});
      const table = sec.appendChild(el('div', {class: 'tablebox'})).appendChild(el('table', {class: 'sl-linetable', id: idp + 'lines'}));
      const tr = table.appendChild(el('thead')).appendChild(el('tr'));
      for (const k of ['f_description', 'f_quantity', 'f_unit_price', 'f_discount', 'f_tax_rate', 'sl_action']) tr.appendChild(el('th', {scope: 'col'}, t(k)));
      const body = table.appendChild(el('tbody'));
      drawPending = () => {
        body.textContent = '';
        pending.forEach((x, i) => {
          const r = body.appendChild(el('tr'));
          r.appendChild(el('th', {scope: 'row'})).appendChild(el('bdi', {}, x.description || '…'));
          r.appendChild(el('td', {class: 'num'}, qty(Math.round(Number(x.quantity) * 1000)) + (x.unit ? ' ' + x.unit : '')));
          r.appendChild(el('td', {class: 'num', dir: 'ltr'}, x.unit_price !== undefined ? A.money(A.parseAmount(x.unit_price, cur.input.value).minor, cur.input.value) : '—'));
          r.appendChild(el('td', {class: 'num'}, x.discount ? pct(Math.round(Number(x.discount) * 100)) : ''));
          r.appendChild(el('td', {class: 'num'}, x.tax_rate ? pct(Math.round(Number(x.tax_rate) * 100)) : ''));
          r.appendChild(el('td')).appendChild(button(t('remove'), {class: 'small', 'aria-label': t('remove') + ': ' + (x.description || i + 1)}, () => { pending.splice(i, 1); drawPending(); }));
        });
        if (!pending.length) body.appendChild(el('tr', {class: 'empty'})).appendChild(el('td', {colspan: '6'}, t('sl_nolinesyet')));
        cur.input.disabled = pending.length > 0; // the lines' prices are in its currency
      };
      drawPending();
      row.appendChild(button(t('sl_addline'), {class: 'small', id: 'sd-invoice-addline'}, () => lineForm(formBox, {currency: cur.input.value, pending: (args) => { pending.push(args); drawPending(); $('sd-invoice-addline').focus(); }}, null)));
      sec.appendChild(formBox);
      sec.appendChild(el('p', {class: 'muted'}, t('sl_totalsafter')));
    }
    form.appendChild(el('p', {id: idp + 'message', role: 'alert'}));
    const actions = form.appendChild(el('p', {class: 'actions'}));
    actions.appendChild(el('button', {type: 'submit', class: 'primary'}, t(kind === 'quote' ? 'sl_createquote' : 'sl_issueinvoice')));
    actions.appendChild(button(t('cancel'), {}, () => closeDoc(kind)));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearHints(form);
      const args = {kind, currency: cur.input.value};
      let bad = null;
      const fail = (n, key) => { hint(idp, n, t(key)); bad = bad || $(idp + n); };
      if (pick.value()) args.customer = pick.value(); else fail('customer', 'sl_needcustomer');
      for (const n of ['valid_until', 'issued', 'due']) {
        if (!$(idp + n)) continue;
        const v = dateOf($(idp + n));
        if (v === null) fail(n, 'r_date'); else if (v) args[n] = v;
      }
      if (kind === 'quote' && $(idp + 'title').value.trim()) args.title = $(idp + 'title').value.trim();
      if (kind === 'invoice') {
        if (!pending.length) { $(idp + 'message').textContent = t('sr_needline'); bad = bad || $('sd-invoice-addline'); }
        args.lines = pending.map((x) => new URLSearchParams(x).toString());
      }
      if (bad) { bad.focus(); return; }
      try {
        const r = await A.call('create', args, true);
        S.lastCurrency = args.currency;
        S.flash = kind === 'invoice' ? t('sl_invoicemade', r.number) : t('sl_quotemade');
        await loadDocs(kind);
        A.go('#/' + kind + '/' + r.id);
      } catch (err) {
        const n = fieldOf(err);
        if (!(n && hint(idp, n, reason(err)))) $(idp + 'message').textContent = t('problem', reason(err));
        else $(idp + 'message').textContent = t('problem', reason(err));
      }
    });
    if (customer) {
      const c = await A.call('get', {kind: 'customer', id: customer}).catch(() => null);
      if (c && c.kind === 'customer') pick.choose(c);
    }
    (pick.value() ? cur.input : pick.input).focus();
  }

  for (const kind of ['quote', 'order', 'invoice']) {
    A.view(plural[kind], {show([arg, customer]) {
      docFrame(kind).dataset.loaded = '1';
      loadDocs(kind);
      if (arg === 'new' && kind !== 'order' && A.canWrite) newDoc(kind, customer);
      else closeDoc(kind);
    }});
    A.view(kind, {box: plural[kind], nav: plural[kind], show([id]) {
      const box = docFrame(kind);
      if (box.dataset.loaded !== '1') { box.dataset.loaded = '1'; loadDocs(kind); }
      if (id) openDoc(kind, id);
    }});
  }

  // =====================================================================================
  // The customer's card: its quotes, orders and invoices, and the balance it owes
  // =====================================================================================
  // Called by branch.js's card (A.cardExtras) each time it draws the card's related lists.
  async function cardSales(id, box) {
    const sec = box.appendChild(el('section', {class: 'related sl-card', 'data-kind': 'sales', 'aria-labelledby': 'rel-sales', 'aria-busy': 'true'}));
    const head = sec.appendChild(el('div', {class: 'row'}));
    head.appendChild(el('h3', {id: 'rel-sales'}, t('sl_sales')));
    if (A.canWrite) {
      const acts = head.appendChild(el('span', {class: 'actions'}));
      acts.appendChild(button(t('sl_newquote'), {class: 'small'}, () => A.go('#/quotes/new/' + id)));
      acts.appendChild(button(t('sl_newinvoice'), {class: 'small'}, () => A.go('#/invoices/new/' + id)));
    }
    const [quotes, orders, invoices, open] = await Promise.all([...['quote', 'order', 'invoice'].map((kind) => A.items('list', {kind, customer: id, limit: 100}).catch(() => [])),
      openInvoices(id)]);
    // balance due: every open invoice's balance, per currency (not only the 100 listed here)
    const due = {};
    for (const x of open) if (x.state === 'issued' || x.state === 'partly_paid') due[x.currency] = (due[x.currency] || 0) + Number(x.balance || 0);
    const bal = sec.appendChild(el('p', {class: 'sl-cardbalance', 'data-balance': ''}));
    bal.appendChild(el('span', {class: 'sl-label'}, t('sl_balance') + ': '));
    const owed = Object.entries(due).filter(([, v]) => v > 0);
    if (!owed.length) bal.appendChild(el('span', {}, t('sl_nothingdue')));
    owed.forEach(([c, v], i) => {
      if (i) bal.appendChild(document.createTextNode(A.lang === 'fa' ? '، ' : ', '));
      bal.appendChild(el('strong', {dir: 'ltr', 'data-currency': c}, A.money(v, c)));
    });
    if (open.some((x) => x.overdue)) bal.appendChild(el('span', {class: 'sl-state sl-overdue'}, ' ⚠ ' + t('overdue')));
    const ul = sec.appendChild(el('ul', {class: 'records'}));
    const item = (kind, x, name, extra) => {
      const li = ul.appendChild(el('li', {'data-id': x.id, 'data-kind': kind}));
      const a = li.appendChild(el('a', {href: '#/' + kind + '/' + x.id, class: 'what'}));
      a.appendChild(el('strong', {}, t('kd_' + kind) + ' '));
      a.appendChild(el('bdi', {}, name));
      li.appendChild(stateBadge(kind === 'invoice' ? x.state : x.status, x.overdue));
      if (extra) li.appendChild(el('span', {dir: 'ltr', class: 'sl-amount'}, extra));
    };
    for (const x of quotes) item('quote', x, x.title || A.date(x.created));
    for (const x of orders) item('order', x, x.title || A.date(x.created));
    for (const x of invoices) item('invoice', x, x.number, A.money(x.balance, x.currency) + ' / ' + A.money(x.total, x.currency));
    if (!ul.children.length) ul.appendChild(el('li', {class: 'empty'}, t('sl_nosales')));
    if (quotes.more || orders.more || invoices.more) ul.appendChild(el('li', {class: 'more'}, t('sl_moresales')));
    sec.removeAttribute('aria-busy');
  }
  // a customer's invoices with a balance, all of them, a page of 1,000 after another
  async function openInvoices(id) {
    const all = [];
    let after;
    for (let i = 0; i < 100; i++) {
      const page = await A.items('list', {kind: 'invoice', customer: id, open: true, limit: 1000, after}).catch(() => []);
      all.push(...page);
      if (!page.more || !page.next) break;
      after = page.next;
    }
    return all;
  }
  A.cardExtras = A.cardExtras || [];
  A.cardExtras.push(cardSales);

  // ---- the language changes: every view drawn again in it ----
  // The page's start sets the language before it routes: nothing is drawn yet then, and
  // routing here too drew a document twice, the second time over what was being typed.
  A.onLanguage(() => {
    let drawn = false;
    for (const v of ['products', 'quotes', 'orders', 'invoices']) {
      const b = $('view-' + v);
      if (b && b.dataset.built) { drawn = true; b.dataset.built = ''; }
    }
    if (drawn && (location.hash.startsWith('#/product') || /^#\/(quote|order|invoice)/.test(location.hash))) A.route();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if ($('sp-card') && !$('sp-card').hidden && !$('view-products').hidden) closeProduct();
    for (const kind of ['quote', 'order', 'invoice']) if (!$('view-' + plural[kind]).hidden) closeDoc(kind);
  });
  A.sales = {parseQuantity, parseRate, reason}; // for the tests
})();
