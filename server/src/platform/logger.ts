/**
 * pino options. Personal data never reaches the log in clear: bodies are not logged, query strings
 * and link tokens are stripped from URLs, and known fields are redacted wherever they appear in a
 * log object.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

const REDACT_KEYS = ['phone', 'code', 'idNumber', 'password', 'token', 'content', 'cookie', 'authorization'];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [...REDACT_KEYS, ...REDACT_KEYS.map((k) => `*.${k}`), 'req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    serializers: {
      req(req: { method: string; url: string; ip?: string; id?: string }) {
        return { id: req.id, method: req.method, url: logUrl(String(req.url)), ip: req.ip };
      },
      err: serializeError,
    },
  };
}

/**
 * One log line per request, written when the answer has gone: method, path (logUrl), status and
 * time — Fastify's default is two (incoming, completed), and at the morning rush every line costs
 * the request that writes it. A request that failed is the same line at error level with the error.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * Where log lines go: `json` (production, log shippers) to stdout, asynchronously — a line is
 * handed to a SonicBoom buffer and written by the event loop, lines written meanwhile go out
 * together, so a request never waits on the write (pino flushes what is left when the process
 * exits; the crash log, platform/crash.ts, writes synchronously); `pretty` (the development
 * default) is one readable line per entry — time, level, message, the rest inline. The lines are
 * redacted by pino before they reach either.
 */
export function logDestination(
  format: 'pretty' | 'json',
  opts: { colorize?: boolean; destination?: NodeJS.WritableStream } = {},
): { write(line: string): void } {
  if (format === 'json') return pino.destination({ dest: 1, sync: false });
  const { colorize = Boolean(process.stdout.isTTY), destination } = opts;
  return pretty({
    colorize,
    sync: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,reqId,req,res,responseTime',
    singleLine: true,
    messageFormat: prettyMessage,
    ...(destination ? { destination } : {}),
  });
}

/** The request's line in words: "GET /api/x ← 200 in 12 ms · req-1"; other lines keep their request id. */
export function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const msg = String(log[messageKey] ?? '');
  const req = log.req as { method?: string; url?: string } | undefined;
  const res = log.res as { statusCode?: number } | undefined;
  const id = log.reqId ? ` · ${String(log.reqId)}` : '';
  if ((msg === 'request completed' || msg === 'request errored') && req && res) return `${req.method} ${req.url} ← ${res.statusCode} in ${Math.round(Number(log.responseTime ?? 0))} ms${id}`;
  return msg + id;
}

/**
 * Error text without the values it may carry: the parameters of a failed query (drizzle puts them
 * in its message), the quoted value in a PostgreSQL message (`invalid input syntax for type uuid:
 * "…"`, `Key (phone)=(…)`), the query string of any URL, and whatever still looks like a phone or an
 * ID number.
 */
export function scrubErrorText(text: string): string {
  return text
    .replace(/\nparams: [\s\S]*/, '\nparams: [redacted]')
    .replace(/: "(?:[^"\\]|\\.)*"/g, ': "[redacted]"')
    .replace(/(Key \([^)]*\)=)\((?:[^()]|\([^()]*\))*\)/g, '$1([redacted])')
    .replace(/((?:https?:\/\/|\/)[^\s?#"']*)\?[^\s#"']*/g, '$1?[redacted]')
    .replace(/(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/g, '[id-number]')
    .replace(/(?<!\d)1\d{10}(?!\d)/g, '[phone]');
}

type ErrLike = { name?: string; message?: unknown; stack?: unknown; code?: unknown; statusCode?: unknown; cause?: unknown; constraint?: unknown; table?: unknown; column?: unknown; routine?: unknown };

/**
 * The `err` of a log line: what is needed to find the fault (type, code, status, scrubbed message,
 * stack frames, the PostgreSQL constraint/table/column), never the values an error object may hold
 * (pg's `detail`, `parameters`, `where`; drizzle's `params`; a request URL with its query).
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!err || typeof err !== 'object') return typeof err === 'string' ? scrubErrorText(err) : err;
  const e = err as ErrLike;
  const type = e.constructor?.name ?? e.name ?? 'Error';
  const message = scrubErrorText(String(e.message ?? ''));
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((l) => /^\s+at /.test(l)) : [];
  const out: Record<string, unknown> = { type, message, stack: [`${type}: ${message}`, ...frames].join('\n') };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.statusCode === 'number') out.statusCode = e.statusCode;
  for (const k of ['constraint', 'table', 'column', 'routine'] as const) if (typeof e[k] === 'string') out[k] = e[k];
  if (e.cause && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/** A signed link's token travels in the path (the page /l/<token>, the API /api/links/<token>…). */
const LINK_TOKEN_PATH = /^((?:\/api\/links|\/l)\/)[^/?#]+/;

/** A request URL as logged: no query string, no link token. */
export function logUrl(url: string): string {
  return url.split('?')[0]!.replace(LINK_TOKEN_PATH, '$1[token]');
}

/** 13812345678 → 138****5678 for log lines that must mention a phone. */
export function logPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '[phone]';
}
