/**
 * Configuration: the only reader of process.env. Parsed once with zod, typed, fails fast.
 * Every variable is documented in the README (keep the two in step).
 */
import { z } from 'zod';
import path from 'node:path';
import { isIP } from 'node:net';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** an IP, a CIDR (10.0.0.0/8, fd00::/8) or one of proxy-addr's names (loopback, linklocal, uniquelocal) */
function isProxyAddress(x: string): boolean {
  if (x === 'loopback' || x === 'linklocal' || x === 'uniquelocal') return true;
  const [addr = '', prefix, ...rest] = x.split('/');
  const family = isIP(addr);
  if (!family || rest.length) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/**
 * Whose X-Forwarded-For/-Host/-Proto to believe (Fastify's trustProxy): unset = nobody, so a client
 * cannot choose its own address for the per-IP limits; else the proxies' IPs/CIDRs. Not `true`
 * (anyone could forge), nor a hop count: Fastify 5 disables it, since it cannot tell the load
 * balancer from a client that connects directly.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): false | string[] => {
    const s = v?.trim() ?? '';
    if (s === '' || s === 'false') return false;
    const list = s.split(',').map((x) => x.trim()).filter(Boolean);
    if (list.length === 0 || !list.every(isProxyAddress)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'TRUST_PROXY must list the proxies\' IPs/CIDRs, comma-separated (10.0.0.0/8,127.0.0.1); "true" and hop counts are refused: they let a client that connects directly forge its address',
      });
      return z.NEVER;
    }
    return list;
  });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** listen address; unset: 127.0.0.1 (this machine only) except in production, 0.0.0.0 there */
  HOST: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** pretty: one readable line per entry (pino-pretty); json: one JSON object a line. Unset: pretty in development */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  /** a read replica of DATABASE_URL (streaming standby) for reports: 记录查询 and its Excel export, 首页's last 30 days */
  DATABASE_REPLICA_URL: z.string().url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** how long a request waits for a new PostgreSQL connection before it fails with 503 DB_UNAVAILABLE */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  TRUST_PROXY: trustProxy,
  TZ_CENTER: z.string().default('Asia/Shanghai'),
  CENTER_NAME: z.string().default('市行政中心'),
  MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, 'MASTER_KEY must be 32 random bytes in base64 (openssl rand -base64 32)')
    .optional(),
  COOKIE_SECURE: bool.optional(),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 7),
  ADMIN_USERNAME: z.string().min(3).default('admin'),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  DEMO_DATA: bool.default(true),
  WORKERS: bool.default(true),
  /** jobs run at once by this process's workers (they share the DATABASE_POOL_MAX connections with requests) */
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  /** a finished (done) job is deleted this many days after it finished; dead ones are kept 90 days */
  JOB_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(14),
  /** how often every enabled access device is asked for its health (a device back is re-synced at once) */
  ACCESS_HEALTH_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  /** a device that does not answer the health check within this is unreachable */
  ACCESS_HEALTH_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
  /** 体温 at the kiosk (X6): a reading at or above this (℃) is 异常 and stops confirmation */
  KIOSK_FEVER_THRESHOLD_C: z.coerce.number().min(36).max(40).default(37.3),
  /** the kiosk's 健康码 field (K1/K2): off unless the center asks for it */
  KIOSK_HEALTH_CODE: bool.default(false),
  /** every administrator must sign in with a second factor (TOTP); without one, only enrolment works */
  ADMIN_REQUIRE_2FA: bool.default(false),
  /** someone still on site this many minutes after their window's end is overstaying (host and reception told once) */
  VISIT_OVERSTAY_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** on-site visitors are checked out automatically this many minutes after their window's end (0: never) */
  VISIT_AUTO_CHECKOUT_MINUTES: z.coerce.number().int().min(0).max(7 * 24 * 60).default(240),
  /** 记录查询 Excel export: rows read from the database per keyset page while the file is written */
  EXPORT_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** an export's file is deleted this many hours after it was built */
  EXPORT_KEEP_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(24),
  /**
   * X5 retention: a visitor's photo and ID number are purged this many days after their last visit
   * (and a registration never used for an order, this long after it was made or last edited)
   */
  VISITOR_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  /** webhooks (X8): a receiver that has not answered (headers and body) within this many seconds is a failed attempt */
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  /** webhooks: attempts of one delivery before it is given up (backoff 5 s, 10 s, 20 s … capped at 1 h) */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(12),
  REDIS_URL: z.string().url().optional(),
  /** live updates (server-sent events): seconds between heartbeats on an open stream */
  LIVE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  /** prefix of every Redis key, so several deployments (or test runs) can share one Redis */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{0,64}$/).default('sg:'),
  SMS_PER_PHONE_PER_HOUR: z.coerce.number().int().min(1).default(10),
  SMS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(30),
  /** 远程开门 (S3): how many doors one staff member may open per minute */
  DOOR_OPEN_PER_USER_PER_MINUTE: z.coerce.number().int().min(1).max(600).default(6),
  SMS_PROVIDER: z.enum(['outbox', 'aliyun', 'tencent']).default('outbox'),
  /** production refuses the SMS outbox (nothing is sent) unless this says it is meant (a trial, a benchmark) */
  ALLOW_OUTBOX_IN_PRODUCTION: bool.default(false),
  ALIYUN_SMS_ENDPOINT: z.string().url().default('https://dysmsapi.aliyuncs.com'),
  ALIYUN_ACCESS_KEY_ID: z.string().optional(),
  ALIYUN_ACCESS_KEY_SECRET: z.string().optional(),
  ALIYUN_SMS_SIGN_NAME: z.string().optional(),
  ALIYUN_SMS_TEMPLATE_CODE: z.string().optional(),
  /** notification event → Aliyun template code: "order_approved=SMS_1,order_submitted=SMS_2" */
  ALIYUN_SMS_EVENT_TEMPLATES: z.string().optional(),
  TENCENT_SMS_ENDPOINT: z.string().url().default('https://sms.tencentcloudapi.com'),
  TENCENT_SMS_REGION: z.string().default('ap-guangzhou'),
  TENCENT_SECRET_ID: z.string().optional(),
  TENCENT_SECRET_KEY: z.string().optional(),
  TENCENT_SMS_SDK_APP_ID: z.string().optional(),
  TENCENT_SMS_SIGN_NAME: z.string().optional(),
  TENCENT_SMS_TEMPLATE_ID: z.string().optional(),
  /** notification event → Tencent template ID: "order_approved=1234567,order_submitted=1234568" */
  TENCENT_SMS_EVENT_TEMPLATES: z.string().optional(),
  VOICE_PROVIDER: z.enum(['outbox', 'aliyun']).default('outbox'),
  ALIYUN_VOICE_ENDPOINT: z.string().url().default('https://dyvmsapi.aliyuncs.com'),
  /** 被叫显号 (a number or service instance bought in the voice console); unset = public mode */
  ALIYUN_VOICE_SHOW_NUMBER: z.string().optional(),
  ALIYUN_VOICE_TTS_CODE: z.string().optional(),
  /** notification event → Aliyun TTS template code: "undertaking_reminder=TTS_1,order_expired=TTS_2" */
  ALIYUN_VOICE_EVENT_TTS_CODES: z.string().optional(),
  ALIYUN_VOICE_PLAY_TIMES: z.coerce.number().int().min(1).max(3).optional(),
  WECHAT_APP_ID: z.string().optional(),
  WECHAT_APP_SECRET: z.string().optional(),
  WECHAT_OAUTH_URL: z.string().url().default('https://open.weixin.qq.com'),
  WECHAT_API_URL: z.string().url().default('https://api.weixin.qq.com'),
  WECOM_CORP_ID: z.string().optional(),
  WECOM_CORP_SECRET: z.string().optional(),
  /** the self-built app's AgentId (digits): sent with the authorisation request; needed for WeCom notices (message/send) */
  WECOM_AGENT_ID: z.string().regex(/^\d{1,12}$/, 'the app\'s AgentId (digits)').optional(),
  WECOM_OAUTH_URL: z.string().url().default('https://open.weixin.qq.com'),
  WECOM_API_URL: z.string().url().default('https://qyapi.weixin.qq.com'),
  /** where photos and export files are kept: disk (STORAGE_DIR, one machine) or s3 (an S3-compatible bucket every process shares) */
  STORAGE_DRIVER: z.enum(['disk', 's3']).default('disk'),
  STORAGE_DIR: z.string().optional(),
  /** S3-compatible endpoint (MinIO, Aliyun OSS, Tencent COS); unset: AWS S3 of S3_REGION */
  S3_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name: 3–63 lower-case letters, digits, dots and hyphens').optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** path-style URLs (endpoint/bucket/key), as MinIO and most self-hosted stores need; false: virtual-hosted (bucket.endpoint/key), as OSS and COS need */
  S3_FORCE_PATH_STYLE: bool.default(false),
  /** a pass whose device time is further than this from the server's is flagged (通行记录: 时钟偏差) */
  ACCESS_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(120),
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Record<keyof z.input<typeof schema>, string>> = {}) {
  const parsed = schema.safeParse({ ...pickDefined(env), ...overrides });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  const c = parsed.data;
  if (c.SMS_PROVIDER === 'aliyun') {
    for (const k of ['ALIYUN_ACCESS_KEY_ID', 'ALIYUN_ACCESS_KEY_SECRET', 'ALIYUN_SMS_SIGN_NAME', 'ALIYUN_SMS_TEMPLATE_CODE'] as const) {
      if (!c[k]) throw new Error(`Invalid configuration:\n  ${k}: required when SMS_PROVIDER=aliyun`);
    }
  }
  if (c.SMS_PROVIDER === 'tencent') {
    for (const k of ['TENCENT_SECRET_ID', 'TENCENT_SECRET_KEY', 'TENCENT_SMS_SDK_APP_ID', 'TENCENT_SMS_SIGN_NAME', 'TENCENT_SMS_TEMPLATE_ID'] as const) {
      if (!c[k]) throw new Error(`Invalid configuration:\n  ${k}: required when SMS_PROVIDER=tencent`);
    }
  }
  if (c.VOICE_PROVIDER === 'aliyun') {
    for (const k of ['ALIYUN_ACCESS_KEY_ID', 'ALIYUN_ACCESS_KEY_SECRET', 'ALIYUN_VOICE_TTS_CODE'] as const) {
      if (!c[k]) throw new Error(`Invalid configuration:\n  ${k}: required when VOICE_PROVIDER=aliyun`);
    }
  }
  if (c.DATABASE_REPLICA_URL && !c.DATABASE_URL) throw new Error('Invalid configuration:\n  DATABASE_REPLICA_URL: a replica of DATABASE_URL (PostgreSQL); the embedded database has none');
  if (c.STORAGE_DRIVER === 's3' && !c.S3_BUCKET) throw new Error('Invalid configuration:\n  S3_BUCKET: required when STORAGE_DRIVER=s3');
  if (Boolean(c.S3_ACCESS_KEY_ID) !== Boolean(c.S3_SECRET_ACCESS_KEY)) {
    throw new Error('Invalid configuration:\n  S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY: set both, or neither (the AWS default credentials: AWS_* variables, an instance role)');
  }
  if (c.NODE_ENV === 'production' && !c.MASTER_KEY) {
    throw new Error('Invalid configuration:\n  MASTER_KEY: required in production (openssl rand -base64 32)');
  }
  if (c.NODE_ENV === 'production' && c.SMS_PROVIDER === 'outbox' && !c.ALLOW_OUTBOX_IN_PRODUCTION) {
    throw new Error(
      'Invalid configuration:\n  SMS_PROVIDER: the development outbox sends no SMS (login codes would only reach 短信发件箱); in production set SMS_PROVIDER=aliyun or tencent, or ALLOW_OUTBOX_IN_PRODUCTION=true if that is really meant',
    );
  }
  const dataDir = path.resolve(c.DATA_DIR);
  return {
    ...c,
    // the demo publishes its passwords: in development it listens on this machine only
    HOST: c.HOST ?? (c.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    LOG_FORMAT: c.LOG_FORMAT ?? (c.NODE_ENV === 'development' ? 'pretty' : 'json'),
    dataDir,
    storageDir: path.resolve(c.STORAGE_DIR ?? path.join(dataDir, 'private')),
    cookieSecure: c.COOKIE_SECURE ?? c.NODE_ENV === 'production',
    wechatEnabled: Boolean(c.WECHAT_APP_ID && c.WECHAT_APP_SECRET),
    wecomEnabled: Boolean(c.WECOM_CORP_ID && c.WECOM_CORP_SECRET),
    /** the WeCom notification channel (application messages need the app's AgentId too) */
    wecomMessagesEnabled: Boolean(c.WECOM_CORP_ID && c.WECOM_CORP_SECRET && c.WECOM_AGENT_ID),
  };
}

function pickDefined(env: Record<string, string | undefined>) {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
