import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Clock } from './clock.js';
import { Crypto } from './crypto.js';
import { loadConfig } from './config.js';
import { loggerOptions } from './logger.js';

describe('clock: "today" is the center’s day', () => {
  it.each([
    ['2026-11-24T15:59:59Z', '2026-11-24'],
    ['2026-11-24T16:00:00Z', '2026-11-25'],
  ])('%s in Asia/Shanghai is %s', (at, day) => {
    const c = new Clock('Asia/Shanghai');
    c.set(at);
    expect(c.today()).toBe(day);
  });
  it('start of a Shanghai day is 16:00 UTC the day before', () => {
    expect(new Clock('Asia/Shanghai').startOfDay('2026-11-24').toISOString()).toBe('2026-11-23T16:00:00.000Z');
  });
});

describe('crypto', () => {
  const c = new Crypto(randomBytes(32));
  it('encrypts with a fresh IV each time and decrypts', () => {
    const a = c.encrypt('330302199001011234');
    const b = c.encrypt('330302199001011234');
    expect(a).not.toBe(b);
    expect(a).not.toContain('1234');
    expect(c.decrypt(a)).toBe('330302199001011234');
  });
  it('refuses tampered ciphertext', () => {
    const blob = Buffer.from(c.encrypt('secret'), 'base64');
    blob[blob.length - 1]! ^= 1;
    expect(() => c.decrypt(blob.toString('base64'))).toThrow();
  });
  it('blind index is deterministic per key and differs across keys', () => {
    expect(c.blindIndex('x')).toBe(c.blindIndex('x'));
    expect(new Crypto(randomBytes(32)).blindIndex('x')).not.toBe(c.blindIndex('x'));
  });
});

describe('config', () => {
  it('fails fast naming the bad variable', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ SMS_PROVIDER: 'aliyun' })).toThrow(/ALIYUN_ACCESS_KEY_ID/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MASTER_KEY/);
  });
  it('refuses production with the SMS outbox (codes would reach nobody) unless ALLOW_OUTBOX_IN_PRODUCTION=true', () => {
    const masterKey = randomBytes(32).toString('base64');
    expect(() => loadConfig({ NODE_ENV: 'production', MASTER_KEY: masterKey })).toThrow(/SMS_PROVIDER[\s\S]*ALLOW_OUTBOX_IN_PRODUCTION=true/);
    expect(() => loadConfig({ NODE_ENV: 'production', MASTER_KEY: masterKey, SMS_PROVIDER: 'outbox', ALLOW_OUTBOX_IN_PRODUCTION: 'false' })).toThrow(/SMS_PROVIDER/);
    expect(loadConfig({ NODE_ENV: 'production', MASTER_KEY: masterKey, ALLOW_OUTBOX_IN_PRODUCTION: 'true' })).toMatchObject({ SMS_PROVIDER: 'outbox', ALLOW_OUTBOX_IN_PRODUCTION: true });
    const tencent = { SMS_PROVIDER: 'tencent', TENCENT_SECRET_ID: 'id', TENCENT_SECRET_KEY: 'key', TENCENT_SMS_SDK_APP_ID: '1400000000', TENCENT_SMS_SIGN_NAME: '市行政中心', TENCENT_SMS_TEMPLATE_ID: '1234567' };
    expect(loadConfig({ NODE_ENV: 'production', MASTER_KEY: masterKey, ...tencent })).toMatchObject({ SMS_PROVIDER: 'tencent' });
    // development and tests keep the outbox by default
    expect(loadConfig({})).toMatchObject({ NODE_ENV: 'development', SMS_PROVIDER: 'outbox' });
  });
});

describe('logger', () => {
  it('never writes phone, ID number, code or password in clear, nor query strings', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = pino(loggerOptions('info'), sink);
    log.info({ phone: '13812345678', body: { idNumber: '330302199001011234', code: '123456', password: 'hunter22' } }, 'x');
    log.info({ req: { method: 'POST', url: '/api/hosts/lookup?phone=13812345678' } }, 'req');
    const out = lines.join('');
    for (const secret of ['13812345678', '330302199001011234', '123456', 'hunter22']) expect(out).not.toContain(secret);
  });
});
