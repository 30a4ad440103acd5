/**
 * A scaled-out deployment on loopback, for the scale-out test: N real server processes
 * (`main.ts serve`, job workers on, each with its own DATA_DIR as on separate machines) behind a
 * round-robin reverse proxy, sharing one PostgreSQL database, one Redis (its own key prefix) and one
 * S3-compatible bucket. Plus an HTTP client that can connect from any 127.0.0.0/8 address, so that
 * per-IP limits see distinct visitors through the proxy.
 *
 * The proxy is httpxy (maintained, no dependencies) doing the piping; it only sets X-Forwarded-For
 * when the request has none, so the few lines here append the peer's address as nginx's
 * $proxy_add_x_forwarded_for does — the entry the proxy adds is the one the servers believe.
 */
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createProxyServer } from 'httpxy';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
}

export interface LogLine {
  level?: number;
  msg?: string;
  [k: string]: unknown;
}

export interface ServerProcess {
  index: number;
  port: number;
  child: ChildProcess;
  /** every JSON log line it printed so far */
  logs: LogLine[];
  stderr: string;
  dataDir: string;
}

/** Starts `main.ts serve` processes at the same moment (as after a deploy) and waits until each answers /api/health. */
export async function startServers(n: number, env: Record<string, string>, startTimeoutMs = 90_000): Promise<ServerProcess[]> {
  const procs: ServerProcess[] = [];
  for (let index = 0; index < n; index++) {
    const port = await freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sg-node${index}-`));
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts', 'serve'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_FORMAT: 'json' },
    });
    const p: ServerProcess = { index, port, child, logs: [], stderr: '', dataDir };
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          p.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (p.stderr += chunk.toString('utf8')));
    procs.push(p);
  }
  const by = Date.now() + startTimeoutMs;
  try {
    await waitForAll(procs, by, startTimeoutMs);
  } catch (e) {
    await stopServers(procs);
    throw e;
  }
  return procs;
}

async function waitForAll(procs: ServerProcess[], by: number, startTimeoutMs: number) {
  await Promise.all(
    procs.map(async (p) => {
      for (;;) {
        if (p.child.exitCode !== null) throw new Error(`server ${p.index} exited (${p.child.exitCode}) before it started: ${p.stderr.slice(-3000)}`);
        if (Date.now() > by) throw new Error(`server ${p.index} did not start within ${startTimeoutMs / 1000} s: ${p.stderr.slice(-2000)}`);
        const ok = await fetch(`http://127.0.0.1:${p.port}/api/health`).then((r) => r.ok, () => false);
        if (ok) return;
        await sleep(250);
      }
    }),
  );
}

export async function stopServers(procs: ServerProcess[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        const gone = new Promise((r) => p.child.once('exit', r));
        p.child.kill('SIGTERM');
        await Promise.race([gone, sleep(8000)]);
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      }
      fs.rmSync(p.dataDir, { recursive: true, force: true });
    }),
  );
}

export interface Balancer {
  port: number;
  /** how many requests each target got */
  hits: number[];
  close(): Promise<void>;
}

/** A round-robin reverse proxy on 127.0.0.1 in front of the given ports. */
export async function startBalancer(ports: number[]): Promise<Balancer> {
  const proxy = createProxyServer({ xfwd: false });
  const hits = ports.map(() => 0);
  let next = 0;
  const server = http.createServer((req, res) => {
    const i = next++ % ports.length;
    hits[i]!++;
    const peer = req.socket.remoteAddress ?? '';
    const prior = req.headers['x-forwarded-for'];
    req.headers['x-forwarded-for'] = prior ? `${prior}, ${peer}` : peer;
    req.headers['x-forwarded-proto'] = 'http';
    req.headers['x-forwarded-host'] = req.headers.host ?? '';
    proxy.web(req, res, { target: `http://127.0.0.1:${ports[i]}` }).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}

/**
 * A browser on its own loopback address (127.0.0.0/8 all reaches this machine), with a cookie jar.
 * `at(port)` sends to one server or to the balancer.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly ip = '127.0.0.1') {}

  request(port: number, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const raw = Buffer.isBuffer(body) ? body : body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const h: Record<string, string> = { ...headers };
    if (raw && !Buffer.isBuffer(body)) h['content-type'] = 'application/json';
    if (raw) h['content-length'] = String(raw.length);
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: url, headers: h, localAddress: this.ip, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair] = c.split(';');
            const eq = pair!.indexOf('=');
            const name = pair!.slice(0, eq).trim();
            const value = pair!.slice(eq + 1).trim();
            if (value === '' || /max-age=0/i.test(c)) this.cookies.delete(name);
            else this.cookies.set(name, value);
          }
          const bodyBuf = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bodyBuf, json: () => JSON.parse(bodyBuf.toString('utf8')) });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${url} within 30 s`)));
      req.on('error', reject);
      req.end(raw);
    });
  }

  at(port: number) {
    return {
      get: (url: string) => this.request(port, 'GET', url),
      post: (url: string, body: unknown = {}, headers?: Record<string, string>) => this.request(port, 'POST', url, body, headers),
      put: (url: string, body: unknown = {}) => this.request(port, 'PUT', url, body),
      delete: (url: string) => this.request(port, 'DELETE', url),
    };
  }
}

export interface LiveStream {
  /** topics of the `change` events received, in order */
  changes: string[];
  /** the `ready` event's data */
  ready: Promise<{ mode: string }>;
  close(): void;
}

/** An open GET /api/admin/live (server-sent events) on one server, as the admin 首页 holds it. */
export function openLiveStream(port: number, cookie: string): LiveStream {
  const changes: string[] = [];
  let onReady: (v: { mode: string }) => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const ready = new Promise<{ mode: string }>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  const req = http.get({ host: '127.0.0.1', port, path: '/api/admin/live', headers: { cookie, accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) return onFail(new Error(`live stream on ${port}: ${res.statusCode}`));
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let at: number;
      while ((at = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, at);
        buf = buf.slice(at + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (!event || !data) continue;
        if (event === 'ready') onReady(JSON.parse(data) as { mode: string });
        if (event === 'change') changes.push((JSON.parse(data) as { topic: string }).topic);
      }
    });
  });
  req.on('error', (e) => onFail(e));
  return { changes, ready, close: () => req.destroy() };
}

/** Waits until `ok()` holds, checking every 100 ms; fails with `what` after `ms` (a bound on a wait, not a timing assertion). */
export async function eventually(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const by = Date.now() + ms;
  for (;;) {
    if (await ok()) return;
    if (Date.now() > by) throw new Error(`not within ${ms / 1000} s: ${what}`);
    await sleep(100);
  }
}
