import { describe, expect, it } from 'vitest';
import { auditActionLabel, auditDetailPairs, auditSubjectLabel } from './audit.js';

const line = (detail: unknown, locale: 'zh-CN' | 'en', date?: (iso: string) => string) =>
  auditDetailPairs(detail, locale, { date })
    .map((p) => (p.label ? `${p.label}=${p.value}` : p.value))
    .join(' | ');

describe('审计日志 in words', () => {
  it('actions and subject types read as words in both languages; an unknown code is shown as it is', () => {
    expect(auditActionLabel('visitor.read', 'zh-CN')).toBe('查看访客');
    expect(auditActionLabel('visitor.read', 'en')).toBe('Viewed a visitor');
    expect(auditSubjectLabel('visitor', 'zh-CN')).toBe('访客');
    expect(auditSubjectLabel('staff', 'en')).toBe('Staff member');
    expect(auditActionLabel('something.new', 'zh-CN')).toBe('something.new');
    expect(auditActionLabel('toString', 'en')).toBe('toString');
  });

  it('details are key: value pairs with keys and coded values translated, not JSON', () => {
    expect(line({ count: 3 }, 'zh-CN')).toBe('条数=3');
    expect(line({ via: 'kiosk' }, 'zh-CN')).toBe('来源=访客机');
    expect(line({ via: 'kiosk' }, 'en')).toBe('Via=Kiosk');
    expect(line({ reason: 'withdrawn_by_host' }, 'zh-CN')).toBe('原因=受访人取消');
    expect(line({ reason: '多次冒用他人证件' }, 'zh-CN')).toBe('原因=多次冒用他人证件');
    expect(line({ deskConfirmed: true, replaced: false }, 'zh-CN')).toBe('前台确认=是 | 替换原照片=否');
    expect(line({ deskConfirmed: true }, 'en')).toBe('Confirmed at the desk=Yes');
    expect(line({ fields: ['name', 'enabled'] }, 'zh-CN')).toBe('修改项=名称、启用');
    expect(line({ bytes: 2560 }, 'en')).toBe('Size=2.5 KB');
  });

  it('unset filters (null) are left out; nested objects are shown inline; dates go through the given formatter', () => {
    expect(line({ status: null, deviceId: null, page: 2 }, 'zh-CN')).toBe('页码=2');
    expect(line({ before: { channel: 'sms', enabled: true }, after: null }, 'zh-CN')).toBe('修改前=（渠道：短信，启用：是）');
    expect(line({ before: { channel: 'voice', enabled: false } }, 'en')).toBe('Before=(Channel: Voice call, Enabled: No)');
    expect(line({ startAt: '2026-11-25T01:30:00.000Z' }, 'zh-CN', () => '2026-11-25 09:30')).toBe('开始时间=2026-11-25 09:30');
    expect(line({ unknownKey: 'x' }, 'en')).toBe('unknownKey=x');
  });

  it('no details → nothing; a detail that is not an object is shown as a value', () => {
    expect(auditDetailPairs(null, 'zh-CN')).toEqual([]);
    expect(auditDetailPairs(undefined, 'en')).toEqual([]);
    expect(line('plain', 'en')).toBe('plain');
    expect(line([1, 2], 'zh-CN')).toBe('1、2');
  });
});
