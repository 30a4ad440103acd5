import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Op = { operationId?: string; tags?: string[]; responses?: Record<string, unknown>; requestBody?: unknown; parameters?: unknown[] };

describe('OpenAPI (X8)', () => {
  it('serves an OpenAPI 3 document where every endpoint has an operationId, a tag, and per-status responses', async () => {
    const res = await new Client(t).get('/api/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Op>> };
    expect(doc.openapi).toMatch(/^3\./);
    const ops = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ where: `${m.toUpperCase()} ${p}`, op })));
    expect(ops.length).toBeGreaterThan(5);
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const { where, op } of ops) {
      if (!op.operationId) problems.push(`${where}: no operationId`);
      else if (ids.has(op.operationId)) problems.push(`${where}: duplicate operationId ${op.operationId}`);
      else ids.add(op.operationId);
      if (!op.tags?.length) problems.push(`${where}: no tag`);
      const statuses = Object.keys(op.responses ?? {});
      if (!statuses.some((s) => s.startsWith('2') || s.startsWith('3'))) problems.push(`${where}: no success response schema`);
    }
    expect(problems).toEqual([]);
  });

  it('serves the docs UI', async () => {
    const res = await new Client(t).get('/api/docs/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });
});

describe('errors', () => {
  it('an unknown API path answers 404 NOT_FOUND in both languages', async () => {
    const res = await new Client(t).get('/api/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toEqual({ code: 'NOT_FOUND', message: { 'zh-CN': expect.any(String), en: expect.any(String) } });
  });
  it('malformed JSON answers 400 with a stable code, not 500', async () => {
    const res = await new Client(t).req('POST', '/api/auth/sms-codes', '{bad json', { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });
});
