/**
 * WeCom (企业微信) server API client shared by staff sign-in (auth/getuserinfo) and the WeCom
 * notification channel (message/send): one access_token per app (corpid + the app's secret).
 *
 * The token is cached until shortly before its expires_in: in Redis when REDIS_URL is set (every
 * process uses the same token and gettoken is asked once per lifetime, not once per process —
 * WeCom limits gettoken), otherwise in this process. An API answer saying the token is invalid or
 * expired (40001/40014/42001) drops it and the call is made again once with a fresh token.
 * Neither the token nor the secret is ever in an error message or a log line.
 */
import type { Clock } from './clock.js';
import type { Crypto } from './crypto.js';

/** errcodes meaning "this access_token is no longer good": fetch a new one and retry once. */
export const WECOM_TOKEN_ERRORS: ReadonlySet<number> = new Set([40001, 40014, 42001]);
/** refresh this long before WeCom's expires_in (7200 s) runs out */
const EARLY_MS = 5 * 60_000;

/** The call did not get an answer from WeCom (network, HTTP status, not JSON, gettoken refused). */
export class WecomError extends Error {
  constructor(
    message: string,
    readonly errcode?: number,
  ) {
    super(message);
    this.name = 'WecomError';
  }
}

export interface WecomAnswer {
  errcode?: number;
  errmsg?: string;
}

/** Where the token lives between calls. `clear(token)` drops it only if it is still that token. */
export interface WecomTokenStore {
  get(): Promise<string | null>;
  set(token: string, ttlMs: number): Promise<void>;
  clear(token: string): Promise<void>;
}

export class MemoryTokenStore implements WecomTokenStore {
  private held: { value: string; expiresAt: number } | null = null;
  constructor(private readonly clock: Clock) {}
  async get() {
    return this.held && this.held.expiresAt > this.clock.now().getTime() ? this.held.value : null;
  }
  async set(token: string, ttlMs: number) {
    this.held = { value: token, expiresAt: this.clock.now().getTime() + ttlMs };
  }
  async clear(token: string) {
    if (this.held?.value === token) this.held = null;
  }
}

/** The token in Redis (encrypted with the master key, which every process shares), expiring with it. */
export class RedisTokenStore implements WecomTokenStore {
  constructor(
    private readonly redis: import('ioredis').Redis,
    private readonly key: string,
    private readonly crypto: Crypto,
  ) {}
  async get() {
    const v = await this.redis.get(this.key);
    if (!v) return null;
    try {
      return this.crypto.decrypt(v);
    } catch {
      return null; // written under another master key: fetch a new one
    }
  }
  async set(token: string, ttlMs: number) {
    await this.redis.set(this.key, this.crypto.encrypt(token), 'PX', Math.max(1000, Math.round(ttlMs)));
  }
  async clear(token: string) {
    const v = await this.get();
    if (v === token) await this.redis.del(this.key);
  }
}

export interface WecomClientOptions {
  apiUrl: string;
  corpId: string;
  corpSecret: string;
  fetch: typeof fetch;
  store: WecomTokenStore;
  timeoutMs?: number;
}

export class WecomClient {
  private readonly base: string;
  /** one gettoken at a time in this process */
  private pending: Promise<string> | null = null;

  constructor(private readonly o: WecomClientOptions) {
    this.base = o.apiUrl.replace(/\/+$/, '');
  }

  /** The Redis key of an app's token (per corporation and secret; the secret itself is not in it). */
  static redisKey(prefix: string, corpId: string, corpSecret: string, crypto: Crypto) {
    return `${prefix}wecom:token:${corpId}:${crypto.blindIndex(`wecom-secret:${corpSecret}`).slice(0, 16)}`;
  }

  /** A valid access_token: the cached one, or a new one from gettoken. */
  async accessToken(): Promise<string> {
    const cached = await this.o.store.get();
    if (cached) return cached;
    this.pending ??= this.fetchToken().finally(() => (this.pending = null));
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const q = new URLSearchParams({ corpid: this.o.corpId, corpsecret: this.o.corpSecret });
    const r = await this.request<WecomAnswer & { access_token?: string; expires_in?: number }>(`/cgi-bin/gettoken?${q}`);
    if (r.errcode || !r.access_token) throw new WecomError(`WeCom gettoken refused: errcode ${r.errcode ?? 'none'}`, r.errcode);
    const ttl = Math.max(60_000, (r.expires_in ?? 7200) * 1000 - EARLY_MS);
    await this.o.store.set(r.access_token, ttl);
    return r.access_token;
  }

  /** GET an API path with the token; on a token error the token is renewed and the call made once more. */
  get<T extends WecomAnswer>(path: string, query: Record<string, string>): Promise<T> {
    return this.withToken<T>((token) => `${path}?${new URLSearchParams({ access_token: token, ...query })}`);
  }

  /** POST JSON to an API path with the token; same renewal as get. */
  post<T extends WecomAnswer>(path: string, body: unknown): Promise<T> {
    return this.withToken<T>((token) => `${path}?${new URLSearchParams({ access_token: token })}`, body);
  }

  private async withToken<T extends WecomAnswer>(url: (token: string) => string, body?: unknown): Promise<T> {
    const first = await this.accessToken();
    const r = await this.request<T>(url(first), body);
    if (!r.errcode || !WECOM_TOKEN_ERRORS.has(r.errcode)) return r;
    // refused: drop it (unless someone renewed it meanwhile) and try once more with a new one
    await this.o.store.clear(first);
    return this.request<T>(url(await this.accessToken()), body);
  }

  /** One HTTP call; errors name the path only (the query holds the token or the secret). */
  private async request<T>(pathAndQuery: string, body?: unknown): Promise<T> {
    const path = pathAndQuery.split('?')[0];
    let res: Response;
    try {
      res = await this.o.fetch(`${this.base}${pathAndQuery}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json; charset=utf-8' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      // the reason only (ECONNREFUSED, timed out): never the URL, whose query holds the token or the secret
      const cause = (err as { cause?: { code?: unknown } })?.cause?.code;
      const why = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : typeof cause === 'string' ? cause : err instanceof Error ? err.name : 'error';
      throw new WecomError(`WeCom ${path} unreachable (${why})`);
    }
    if (!res.ok) throw new WecomError(`WeCom ${path} answered HTTP ${res.status}`);
    try {
      return (await res.json()) as T;
    } catch {
      throw new WecomError(`WeCom ${path} answered with something other than JSON`);
    }
  }
}
