import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Database, Db } from './db.js';
import type { Clock } from './clock.js';
import type { Crypto } from './crypto.js';
import type { ObjectStorage } from './storage.js';
import type { JobQueue } from './queue.js';
import type { RateLimiter } from './rate-limit.js';
import type { SmsProvider } from '../modules/notify/sms.provider.js';
import type { VoiceProvider } from '../modules/notify/voice.provider.js';
import type { WecomClient } from './wecom.js';
import type { LiveBus } from './live.js';
import type { Hooks } from './hooks.js';

/** Everything a service needs, built once per process in app.ts. */
export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  /**
   * What reports read (记录查询 and its export, 首页's last 30 days): the read replica when
   * DATABASE_REPLICA_URL is set, else `db`. Reads only — their audit records and progress are
   * written to `db` (platform/reports.ts) — and up to the replica's lag behind.
   */
  reports: Db;
  clock: Clock;
  crypto: Crypto;
  storage: ObjectStorage;
  queue: JobQueue;
  rateLimiter: RateLimiter;
  sms: SmsProvider;
  /** voice calls (VOICE_PROVIDER) */
  voice: VoiceProvider;
  log: FastifyBaseLogger;
  /** outbound HTTP (OAuth, SMS and voice providers); replaceable in tests */
  fetch: typeof fetch;
  /** WeCom (企业微信) API with its shared access_token; null unless WECOM_CORP_ID and WECOM_CORP_SECRET are set */
  wecom: WecomClient | null;
  /** "something changed" hints for open screens (server-sent events), across processes */
  live: LiveBus;
  /** one module reacting to another's write, in its transaction, without importing it (platform/hooks.ts) */
  hooks: Hooks;
}
