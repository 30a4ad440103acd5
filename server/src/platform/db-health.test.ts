/**
 * Issue 8.2, the pieces of surviving a database outage: which errors mean "the database cannot be
 * reached", the 503 the error handler gives them, and the one-warning / one-info outage state.
 * (The whole story, against a real PostgreSQL cut off by a proxy: db-outage.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from './db.js';
import { DbHealth, isDbUnavailable } from './db-health.js';
import { AppError, installErrorHandler } from './errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
const failedQuery = (cause: unknown) => new DrizzleQueryError('select 1', [], cause as Error);

describe('isDbUnavailable', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET')],
    ['admin shutdown (server restarting)', withCode('57P01', 'terminating connection due to administrator command')],
    ['cannot connect now (server starting)', withCode('57P03', 'the database system is starting up')],
    ['connection exception class 08', withCode('08006', 'connection failure')],
    ['connection dropped mid-query', new Error('Connection terminated unexpectedly')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['client connect timeout', new Error('Connection terminated due to connection timeout')],
    ['a failed query whose cause is a dropped connection', failedQuery(withCode('ECONNRESET'))],
    ['every address refused (localhost → ::1, 127.0.0.1)', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')])],
  ])('%s → yes', (_, err) => expect(isDbUnavailable(err)).toBe(true));

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value')],
    ['a failed query with a unique violation', failedQuery(withCode('23505'))],
    ['an outbound HTTP call refused', new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') })],
    ['an application error', new AppError('NOT_FOUND')],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
  ])('%s → no', (_, err) => expect(isDbUnavailable(err)).toBe(false));
});

describe('the error handler', () => {
  it('answers a connection error 503 DB_UNAVAILABLE (zh-CN + en), any other error 500', async () => {
    const app = Fastify();
    installErrorHandler(app);
    app.get('/refused', async () => {
      throw failedQuery(withCode('ECONNREFUSED'));
    });
    app.get('/restarting', async () => {
      throw withCode('57P01');
    });
    app.get('/bug', async () => {
      throw new Error('boom');
    });
    for (const url of ['/refused', '/restarting']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      const { error } = res.json();
      expect(error.code).toBe('DB_UNAVAILABLE');
      expect(error.message['zh-CN']).toMatch(/数据库/);
      expect(error.message.en).toMatch(/database/i);
    }
    expect((await app.inject({ url: '/bug' })).statusCode).toBe(500);
    await app.close();
  });
});

describe('DbHealth', () => {
  it('logs an outage once when it starts and once when it ends, probing until the database answers', async () => {
    let reachable = false;
    let probes = 0;
    const db = {
      execute: async () => {
        probes++;
        if (!reachable) throw withCode('ECONNREFUSED');
        return { rows: [] };
      },
    } as unknown as Db;
    const lines: Array<[string, string]> = [];
    const log = { warn: (_: unknown, m: string) => lines.push(['warn', m]), info: (_: unknown, m: string) => lines.push(['info', m]) } as unknown as FastifyBaseLogger;
    const health = new DbHealth(db, log, { minProbeMs: 10, maxProbeMs: 20 });
    try {
      expect(health.available).toBe(true);
      for (let i = 0; i < 20; i++) health.reportFailure(withCode('ECONNREFUSED'));
      expect(health.available).toBe(false);
      await new Promise((r) => setTimeout(r, 150));
      expect(probes).toBeGreaterThan(2); // it keeps checking, with backoff
      expect(health.available).toBe(false);
      reachable = true;
      await new Promise((r) => setTimeout(r, 60));
      expect(health.available).toBe(true);
      const settled = probes;
      await new Promise((r) => setTimeout(r, 60));
      expect(probes).toBe(settled); // no probing while the database is up
      expect(lines.map(([level, m]) => `${level}: ${m.split(':')[0]}`)).toEqual(['warn: database unavailable', 'info: database available again']);
    } finally {
      health.close();
    }
  });
});
