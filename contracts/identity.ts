/** Pure validators and maskers shared by the server and the web apps. No I/O. */

export const PHONE_RE = /^1\d{10}$/;
export function isValidPhone(phone: string): boolean {
  return PHONE_RE.test(phone);
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643-1999 18-digit resident ID: region(6) birth date(8) sequence(3) check(1, ISO 7064 MOD 11-2). */
export function isValidPrcId(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11] === id[17];
}

export const ID_TYPES = ['prc_id', 'passport', 'hk_macau_permit', 'taiwan_permit'] as const;
export type IdType = (typeof ID_TYPES)[number];
export const ID_TYPE_LABELS: Record<IdType, { 'zh-CN': string; en: string }> = {
  prc_id: { 'zh-CN': '居民身份证', en: 'PRC resident ID' },
  passport: { 'zh-CN': '护照', en: 'Passport' },
  hk_macau_permit: { 'zh-CN': '港澳居民来往内地通行证', en: 'Hong Kong/Macau permit' },
  taiwan_permit: { 'zh-CN': '台湾居民来往大陆通行证', en: 'Taiwan permit' },
};

/** Normalise an ID number for storage and lookup: trim, upper-case (x → X). */
export function normaliseIdNumber(value: string): string {
  return value.trim().toUpperCase();
}

/** Returns null when valid, otherwise the error code to answer. */
export function checkIdNumber(type: IdType, raw: string): 'ID_NUMBER_INVALID' | 'DOCUMENT_NUMBER_INVALID' | null {
  const v = normaliseIdNumber(raw);
  switch (type) {
    case 'prc_id':
      return isValidPrcId(v) ? null : 'ID_NUMBER_INVALID';
    case 'passport':
      return /^[A-Z0-9]{5,17}$/.test(v) ? null : 'DOCUMENT_NUMBER_INVALID';
    case 'hk_macau_permit':
      return /^[HM]\d{8,10}$|^C[A-Z0-9]\d{7}$/.test(v) ? null : 'DOCUMENT_NUMBER_INVALID';
    case 'taiwan_permit':
      return /^\d{8}$|^\d{10}$|^[A-Z]\d{8}$/.test(v) ? null : 'DOCUMENT_NUMBER_INVALID';
  }
}

/** 330302199001011234 → 3303**********1234; short documents keep the first and last 2. */
export function maskIdNumber(v: string): string {
  if (v.length >= 15) return v.slice(0, 4) + '*'.repeat(v.length - 8) + v.slice(-4);
  if (v.length <= 4) return '*'.repeat(v.length);
  return v.slice(0, 2) + '*'.repeat(v.length - 4) + v.slice(-2);
}

/** 姜柠檬 → 姜*檬; 张三 → 张*; a single character stays. Latin names keep first and last letter. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return chars.join('');
  if (chars.length === 2) return chars[0] + '*';
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

/** 13812345678 → 138****5678 */
export function maskPhone(phone: string): string {
  return phone.length === 11 ? phone.slice(0, 3) + '****' + phone.slice(7) : phone;
}
