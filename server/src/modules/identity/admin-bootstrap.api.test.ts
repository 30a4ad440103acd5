/**
 * The administrator from the command line: the first start creates one (a generated password shown
 * once), `create-admin` refuses to touch an existing administrator without --force, and with
 * --force gives it a new password and signs it out everywhere.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../test/harness.js';
import { createAdminCommand, ensureAdmin } from './admin-bootstrap.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_USERNAME: 'admin' } });
});
afterAll(() => t?.close());

const login = async (username: string, password: string) => (await new Client(t).post('/api/auth/admin/login', { username, password })).statusCode;

describe('the administrator from the command line', () => {
  it('the first start creates the administrator with a generated password, shown once', async () => {
    const first = await ensureAdmin(t.ctx);
    expect(first).toMatchObject({ username: 'admin', source: 'generated' });
    const password = (first as { password: string }).password;
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(await login('admin', password)).toBe(200);
    expect(await ensureAdmin(t.ctx)).toEqual({ username: 'admin', source: 'existing' });
  });

  it('create-admin refuses an existing administrator without --force and changes nothing', async () => {
    await createAdminCommand(t.ctx, ['chief', 'first-password']);
    const err = await createAdminCommand(t.ctx, ['chief', 'other-password']).catch((e: Error) => e);
    expect((err as Error).message).toBe('administrator "chief" already exists; nothing was changed. To give it a new password: npm run create-admin -- chief <new password> --force');
    expect(await login('chief', 'first-password')).toBe(200);
    expect(await login('chief', 'other-password')).toBe(401);
  });

  it('with --force it resets the password, lifts a lock-out and ends the sessions signed in with the old one', async () => {
    await createAdminCommand(t.ctx, ['keeper', 'old-password-1']);
    const signedIn = new Client(t);
    expect((await signedIn.post('/api/auth/admin/login', { username: 'keeper', password: 'old-password-1' })).statusCode).toBe(200);
    expect((await signedIn.get('/api/admin/kiosk-devices')).statusCode).toBe(200);
    expect(await createAdminCommand(t.ctx, ['keeper', 'new-password-2', '--force'])).toBe('administrator keeper: password reset, signed out everywhere');
    expect((await signedIn.get('/api/admin/kiosk-devices')).statusCode).toBe(401);
    expect(await login('keeper', 'old-password-1')).toBe(401);
    expect(await login('keeper', 'new-password-2')).toBe(200);
  });

  it('says how to use it when the arguments are wrong', async () => {
    for (const args of [[], ['solo'], ['ab', 'long-enough-pw'], ['someone', 'short'], ['a1b2', 'long-enough-pw', 'extra']]) {
      await expect(createAdminCommand(t.ctx, args)).rejects.toThrow(/usage: npm run create-admin -- <username> <password \(8\+ characters\)> \[--force\]/);
    }
  });
});

describe('npm run create-admin (main.ts), on a fresh data directory', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-cli-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'server/src/main.ts', 'create-admin', ...args], {
      cwd: path.resolve(import.meta.dirname, '../../../..'),
      env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATA_DIR: dataDir, MASTER_KEY: randomBytes(32).toString('base64'), WORKERS: 'false' },
      encoding: 'utf8',
      timeout: 110_000, // a tsx start-up on a loaded 2-core box took >60 s once
    });

  it('creates, then refuses with exit status 1 and one clear line, then resets with --force', () => {
    const created = cli('boss', 'first-password');
    expect(created.stdout.trim()).toBe('administrator boss created');
    expect(created.status).toBe(0);
    const refused = cli('boss', 'second-password');
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe('administrator "boss" already exists; nothing was changed. To give it a new password: npm run create-admin -- boss <new password> --force');
    const reset = cli('boss', 'second-password', '--force');
    expect(reset.status).toBe(0);
    expect(reset.stdout.trim()).toBe('administrator boss: password reset, signed out everywhere');
  }, 330_000);
});
