/**
 * Between two benches (bench/all.ts): let the machine settle so that one bench's aftermath is not
 * measured as the next one's cost. The access bench, say, writes tens of thousands of rows; the
 * approvals bench right after it measured a baseline p95 twice its own when run alone (6.4 ms
 * against 2.8), PostgreSQL still writing the previous bench's pages out.
 *
 * A CHECKPOINT (PostgreSQL flushes the dirty pages now, not during the next measurement), then
 * wait until the machine's CPUs are less than 15 % busy over a one-second sample, at most a minute.
 */
import os from 'node:os';
import pg from 'pg';

function busyShare(a: os.CpuInfo[], b: os.CpuInfo[]): number {
  let busy = 0;
  let all = 0;
  b.forEach((cpu, i) => {
    const before = a[i]!.times;
    const t = cpu.times;
    const idle = t.idle - before.idle;
    const total = t.user - before.user + (t.nice - before.nice) + (t.sys - before.sys) + (t.irq - before.irq) + idle;
    busy += total - idle;
    all += total;
  });
  return all ? busy / all : 0;
}

const MAX_WAIT_MS = 60_000;
const IDLE_BELOW = 0.15;

export async function settle(databaseUrl: string): Promise<string> {
  const t0 = performance.now();
  const client = new pg.Client({ connectionString: databaseUrl });
  let checkpoint = 'no checkpoint';
  try {
    await client.connect();
    await client.query('checkpoint');
    checkpoint = `checkpoint ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  } catch (e) {
    checkpoint = `no checkpoint (${(e as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
  let share = 1;
  while (performance.now() - t0 < MAX_WAIT_MS) {
    const a = os.cpus();
    await new Promise((r) => setTimeout(r, 1000));
    share = busyShare(a, os.cpus());
    if (share < IDLE_BELOW) break;
  }
  return `${checkpoint}, CPUs ${(share * 100).toFixed(0)} % busy after ${((performance.now() - t0) / 1000).toFixed(1)} s`;
}
