/**
 * vue-i18n setup shared by the four apps: Simplified Chinese by default, English second.
 * Each app passes its own messages; `common` messages are merged in.
 */
import { createI18n } from 'vue-i18n';

export type Locale = 'zh-CN' | 'en';
const KEY = 'sg_locale';

/** The language chosen in the app (kept in localStorage); before any choice, the browser's own: English for en*, else Chinese. */
export function currentLocale(): Locale {
  const v = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null;
  if (v === 'en' || v === 'zh-CN') return v;
  return localeOfBrowser(typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : []);
}
/** The first of the browser's languages that is Chinese or English decides; none of them: Chinese. */
export function localeOfBrowser(languages: readonly string[]): Locale {
  for (const l of languages) {
    const tag = l.toLowerCase();
    if (tag.startsWith('en')) return 'en';
    if (tag.startsWith('zh')) return 'zh-CN';
  }
  return 'zh-CN';
}
export function setLocale(l: Locale) {
  localStorage.setItem(KEY, l);
  location.reload();
}

export const common = {
  'zh-CN': {
    ok: '确定',
    cancel: '取消',
    save: '保存',
    submit: '提交',
    back: '返回',
    logout: '退出登录',
    loading: '加载中…',
    product: '智慧通行',
    brand: '{center}智慧通行',
    // "标签：值" / "Label: value" and "值（注）" / "value (note)": punctuation follows the language
    labelled: '{label}：{value}',
    paren: '（{text}）',
    listSep: '、',
    required: '必填',
    language: 'English',
    phone: '手机号码',
    code: '验证码',
    getCode: '获取验证码',
    resendIn: '{n}秒后重发',
    name: '姓名',
    unit: '单位',
    position: '职务',
  },
  en: {
    ok: 'OK',
    cancel: 'Cancel',
    save: 'Save',
    submit: 'Submit',
    back: 'Back',
    logout: 'Sign out',
    loading: 'Loading…',
    product: 'Smart Access',
    brand: '{center} Smart Access',
    labelled: '{label}: {value}',
    paren: ' ({text})',
    listSep: ', ',
    required: 'Required',
    language: '中文',
    phone: 'Phone',
    code: 'Code',
    getCode: 'Get code',
    resendIn: 'Resend in {n}s',
    name: 'Name',
    unit: 'Unit',
    position: 'Position',
  },
};

export function makeI18n(messages: { 'zh-CN': Record<string, unknown>; en: Record<string, unknown> }) {
  const locale = currentLocale();
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'zh-CN',
    messages: {
      'zh-CN': { common: common['zh-CN'], ...messages['zh-CN'] },
      en: { common: common.en, ...messages.en },
    },
  });
}
