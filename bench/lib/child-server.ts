/**
 * The parent's side of a bench server run in a child process (bench/visits.bench.ts,
 * bench/access.bench.ts): each message sent is answered by the child's next message, in order;
 * the child's CPU time and SQL statement count on request (commands 'cpu' and 'statements').
 */
import type { ChildProcess } from 'node:child_process';

export class ChildServer<M extends { cmd: string }> {
  private waiters: Array<{ resolve: (m: any) => void; reject: (e: Error) => void }> = [];
  constructor(readonly child: ChildProcess) {
    child.on('message', (m) => this.waiters.shift()?.resolve(m));
    child.on('exit', (code) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`server exited ${code}`));
    });
  }
  /** send `m` (null: only wait for the child's next message) and resolve with the answer */
  ask<T>(m: M | null): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (m) this.child.send(m);
    });
  }
  /** the child's CPU time so far, ms */
  async cpuMs(): Promise<number> {
    const { cpu } = await this.ask<{ cpu: NodeJS.CpuUsage }>({ cmd: 'cpu' } as M);
    return (cpu.user + cpu.system) / 1000;
  }
  async statements(): Promise<number> {
    return (await this.ask<{ statements: number }>({ cmd: 'statements' } as M)).statements;
  }
}
