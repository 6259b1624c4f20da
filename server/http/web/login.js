'use strict';
// The sign-in page in English, Persian (right to left) or Chinese: the language chosen
// before (the dashboard's and the branch app's, 'accord-lang'), else the browser's. The
// node writes its name and its message (in English) into the page; the messages it can
// write are translated here, anything else is shown as written.
const WORDS = {
  en: {title: 'Accord — sign in', language: 'Language', hq: 'Accord', user: 'User', password: 'Password', signin: 'Sign in',
       'Give a user name and a password.': 'Give a user name and a password.',
       'That user name and password do not match.': 'That user name and password do not match.',
       throttled: 'Too many failed sign-ins: try again in {s} s.'},
  fa: {title: 'اکورد — ورود', language: 'زبان', hq: 'اکورد', user: 'نام کاربری', password: 'گذرواژه', signin: 'ورود',
       'Give a user name and a password.': 'نام کاربری و گذرواژه را وارد کنید.',
       'That user name and password do not match.': 'این نام کاربری و گذرواژه با هم نمی‌خوانند.',
       throttled: 'ورودهای ناموفق بیش از اندازه بوده است: {s} ثانیهٔ دیگر دوباره امتحان کنید.'},
  zh: {title: 'Accord — 登录', language: '语言', hq: 'Accord', user: '用户名', password: '密码', signin: '登录',
       'Give a user name and a password.': '请输入用户名和密码。',
       'That user name and password do not match.': '用户名和密码不匹配。',
       throttled: '登录失败次数过多：请在 {s} 秒后重试。'},
};
const message = document.getElementById('message'), sent = message.textContent.trim();

function chosen() {
  const saved = localStorage.getItem('accord-lang');
  if (WORDS[saved]) return saved;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (WORDS[base]) return base;
  }
  return 'en';
}

function draw(lang) {
  const w = WORDS[lang];
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'fa' ? 'rtl' : 'ltr';
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = w[e.dataset.t];
  document.title = w.title;
  // the throttle's sentence carries the seconds to wait (Retry-After): in the language's digits
  const wait = /^Too many failed sign-ins: try again in (\d+) s\.$/.exec(sent);
  const seconds = wait && new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : lang === 'zh' ? 'zh-CN' : 'en-GB').format(+wait[1]);
  message.textContent = wait ? w.throttled.replace('{s}', seconds) : w[sent] || sent;
  document.getElementById('lang').value = lang;
}

document.getElementById('lang').addEventListener('change', (e) => {
  localStorage.setItem('accord-lang', e.target.value);
  draw(e.target.value);
});
draw(chosen());
