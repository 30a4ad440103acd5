/**
 * Issue 8.2: an error nobody caught is logged without personal data, then the process exits 1 so
 * that its supervisor (systemd Restart=always) starts a clean one.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { installCrashPolicy } from './crash.js';

function fakeProcess() {
  const proc = Object.assign(new EventEmitter(), { exits: [] as number[] });
  const exit = (code?: number) => {
    proc.exits.push(code ?? 0);
    return undefined as never;
  };
  return { proc, asProcess: Object.assign(proc, { exit }) as unknown as Pick<NodeJS.Process, 'on' | 'exit'> };
}

describe('crash policy', () => {
  it('logs an uncaught exception without the data it carried and exits 1', () => {
    const { proc, asProcess } = fakeProcess();
    const lines: string[] = [];
    installCrashPolicy(asProcess, (obj, msg) => lines.push(JSON.stringify({ ...obj, msg })));
    const err = new DrizzleQueryError('select * from visitors where phone = $1', ['13812345678'], new Error('boom'));
    proc.emit('uncaughtException', err);
    expect(proc.exits).toEqual([1]);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toContain('DrizzleQueryError');
    expect(line).toContain('select * from visitors'); // where it failed stays readable
    expect(line).not.toContain('13812345678');
  });

  it('masks numbers an error message carries (phones, ID numbers, codes)', () => {
    const { proc, asProcess } = fakeProcess();
    const lines: string[] = [];
    installCrashPolicy(asProcess, (obj, msg) => lines.push(JSON.stringify({ ...obj, msg })));
    proc.emit('uncaughtException', new RangeError('no visit for 33010619900101123X, code 482913, phone 13812345678'));
    expect(proc.exits).toEqual([1]);
    expect(lines[0]).toContain('RangeError');
    expect(lines[0]).toContain('no visit for');
    for (const secret of ['13812345678', '33010619900101123X', '482913']) expect(lines[0]).not.toContain(secret);
  });

  it('treats an unhandled rejection the same way, whatever was rejected', () => {
    const { proc, asProcess } = fakeProcess();
    const lines: string[] = [];
    installCrashPolicy(asProcess, (obj, msg) => lines.push(JSON.stringify({ ...obj, msg })));
    proc.emit('unhandledRejection', 'phone 13812345678');
    expect(proc.exits).toEqual([1]);
    expect(lines[0]).toContain('unhandledRejection');
    expect(lines[0]).not.toContain('13812345678');
  });
});
