/**
 * The built web apps as the server sends them: the build's precompressed .br/.gz siblings for a
 * browser that accepts them, hashed assets cached for a year, the pages revalidated every time.
 * Runs against a small fake build in a temp folder (what `npm run build` lays out in dist/web).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/harness.js';

const script = `export const greeting = ${JSON.stringify('欢迎使用智慧通行 '.repeat(200))};\n`;
const page = (app: string) => `<!doctype html><html><head><title>${app}</title><script type="module" src="/assets/${app}-Ab12Cd34.js"></script></head><body><div id="app"></div></body></html>`;

let dir: string;
let t: TestApp;

function write(rel: string, text: string) {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(text));
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(text));
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-web-'));
  write('index.html', page('visitor'));
  write('staff/index.html', page('staff'));
  write('assets/staff-Ab12Cd34.js', script);
  t = await createTestApp({ serveWeb: true, webDist: dir });
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('web apps: compression and caching', () => {
  it('sends the brotli file to a browser that accepts br, and says so', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/assets/staff-Ab12Cd34.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(res.rawPayload.length).toBeLessThan(script.length / 5);
    expect(zlib.brotliDecompressSync(res.rawPayload).toString()).toBe(script);
  });

  it('sends gzip to a browser without br, and the plain file to one that accepts neither', async () => {
    const gz = await t.app.inject({ method: 'GET', url: '/assets/staff-Ab12Cd34.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.rawPayload).toString()).toBe(script);
    const plain = await t.app.inject({ method: 'GET', url: '/assets/staff-Ab12Cd34.js', headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(script);
  });

  it('lets a browser keep a hashed asset for a year without asking', async () => {
    for (const enc of ['br', 'gzip', 'identity']) {
      const res = await t.app.inject({ method: 'GET', url: '/assets/staff-Ab12Cd34.js', headers: { 'accept-encoding': enc } });
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  });

  it('has the pages revalidated on every load (they name the assets of the current build), compressed too', async () => {
    for (const url of ['/', '/staff/', '/staff/invitations', '/index.html']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'br' } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.headers['content-encoding'], url).toBe('br');
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
    }
    const deep = await t.app.inject({ method: 'GET', url: '/staff/invitations', headers: { 'accept-encoding': 'br' } });
    expect(zlib.brotliDecompressSync(deep.rawPayload).toString()).toBe(page('staff'));
  });

  it('answers 404 for an asset that is not in this build, not a page in its place', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/assets/staff-OldHash0.js', headers: { 'accept-encoding': 'br' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['cache-control'] ?? '').not.toMatch(/immutable/);
  });
});
