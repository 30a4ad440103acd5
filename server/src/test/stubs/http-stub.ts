/** A tiny real HTTP server on 127.0.0.1 with a random port, for protocol stubs in tests. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type StubHandler = (req: StubRequest) => { status?: number; json?: unknown; text?: string; headers?: Record<string, string> } | Promise<{ status?: number; json?: unknown; text?: string; headers?: Record<string, string> }>;

export interface HttpStub {
  url: string;
  /** every request the stub received, in order */
  requests: StubRequest[];
  close(): Promise<void>;
}

export async function startHttpStub(handler: StubHandler): Promise<HttpStub> {
  const requests: StubRequest[] = [];
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const u = new URL(req.url ?? '/', 'http://stub');
      const r: StubRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      try {
        const out = await handler(r);
        const payload = out.json !== undefined ? JSON.stringify(out.json) : (out.text ?? '');
        res.writeHead(out.status ?? 200, { 'content-type': out.json !== undefined ? 'application/json;charset=utf-8' : 'text/plain;charset=utf-8', ...(out.headers ?? {}) });
        res.end(payload);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
