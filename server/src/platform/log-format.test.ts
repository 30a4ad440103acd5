import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { logDestination, loggerOptions } from './logger.js';

function collector() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { destination, text: () => chunks.join('') };
}

describe('log format: readable lines in development, JSON elsewhere', () => {
  it('is pretty in development and JSON in production and in tests, unless LOG_FORMAT says otherwise', () => {
    expect(loadConfig({}).LOG_FORMAT).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'test' }).LOG_FORMAT).toBe('json');
    expect(loadConfig({ NODE_ENV: 'production', MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), SMS_PROVIDER: 'outbox', ALLOW_OUTBOX_IN_PRODUCTION: 'true' }).LOG_FORMAT).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT/);
  });

  it('a pretty line is one readable line — time, level, message, fields — still redacted', () => {
    const out = collector();
    const log = pino(loggerOptions('info'), logDestination('pretty', { colorize: false, destination: out.destination }) as never);
    log.info({ phone: '13912345678', orderId: 'o-1' }, 'notification queued');
    const line = out.text();
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: notification queued \{"phone":"\[redacted\]","orderId":"o-1"\}\n$/);
    expect(line).not.toContain('13912345678');
    expect(line).not.toContain('"level"');
  });

  it('a request is one short line in words, the query string and link tokens still out', () => {
    const out = collector();
    const log = pino(loggerOptions('info'), logDestination('pretty', { colorize: false, destination: out.destination }) as never);
    const child = log.child({ reqId: 'req-7' });
    child.info({ req: { id: 'req-7', method: 'GET', url: '/api/links/eyJhbGciOi.secret?phone=13912345678', ip: '127.0.0.1' }, res: { statusCode: 200 }, responseTime: 12.4 }, 'request completed');
    child.warn('slow');
    const lines = out.text().trim().split('\n');
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: GET \/api\/links\/\[token\] ← 200 in 12 ms · req-7$/);
    expect(lines[1]).toMatch(/WARN: slow · req-7$/);
    expect(out.text()).not.toContain('13912345678');
    expect(out.text()).not.toContain('secret');
  });
});

describe('HOST: this machine only unless production', () => {
  it('listens on 127.0.0.1 in development and tests, 0.0.0.0 in production, HOST wins', () => {
    expect(loadConfig({}).HOST).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'test' }).HOST).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), ALLOW_OUTBOX_IN_PRODUCTION: 'true' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });
});
