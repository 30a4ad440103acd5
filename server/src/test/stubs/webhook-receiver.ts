/**
 * A webhook receiver for tests (API and e2e): node:http on a free loopback port that keeps every
 * request it gets and answers with the statuses it is told, in order (then 200). `verify` checks
 * a request the way an integrator would, with the Standard Webhooks library's Webhook.verify
 * (signature and timestamp tolerance), against the secret given.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** the next answers' statuses, used up in order; 'hang' never answers (a timeout) */
  answer(...statuses: Array<number | 'hang'>): void;
  /** forget what was received and the answers not used up */
  reset(): void;
  /** the payload when the request verifies with `secret`; throws WebhookVerificationError otherwise */
  verify(r: ReceivedWebhook, secret: string): { type: string; timestamp: string; data: Record<string, any> };
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const script: Array<number | 'hang'> = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({ path: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') });
      const next = script.shift() ?? 200;
      if (next === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(next, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: next < 300, status: next }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (...statuses) => void script.push(...statuses),
    reset: () => {
      received.length = 0;
      script.length = 0;
    },
    verify: (r, secret) => new Webhook(secret).verify(r.body, r.headers) as ReturnType<WebhookReceiver['verify']>,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
