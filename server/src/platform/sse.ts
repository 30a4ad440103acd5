/**
 * Server-sent events for the live bus: `event: change` with `{ topic, at }` (never personal data), a
 * comment line as heartbeat (proxies close idle connections), and cleanup when the browser goes.
 * The route checks the session before calling this; the browser's EventSource sends the cookie.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveBus, LiveTopic } from './live.js';

export function streamLive(
  req: FastifyRequest,
  reply: FastifyReply,
  bus: LiveBus,
  opts: { topics: readonly LiveTopic[]; heartbeatMs: number; hello?: Record<string, unknown> },
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx: do not buffer the stream
    'x-accel-buffering': 'no',
  });
  res.write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ mode: bus.mode, ...(opts.hello ?? {}) })}\n\n`);
  const unsubscribe = bus.subscribe((e) => {
    if (opts.topics.includes(e.topic)) res.write(`event: change\ndata: ${JSON.stringify(e)}\n\n`);
  });
  const beat = setInterval(() => res.write(`: ping\n\n`), opts.heartbeatMs);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(beat);
    unsubscribe();
    untrack();
    if (!res.writableEnded) res.end();
  };
  const untrack = bus.track(end);
  req.raw.on('close', end);
  res.on('error', end);
}
