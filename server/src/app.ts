/**
 * Builds the Fastify app: platform → modules → error handler. One process serves the API, the
 * four web apps and (unless WORKERS=false) the job workers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { loadConfig, type Config } from './platform/config.js';
import { openDatabase, type Database } from './platform/db.js';
import { Clock } from './platform/clock.js';
import { Crypto, resolveMasterKey } from './platform/crypto.js';
import { openStorage, type ObjectStorage } from './platform/storage.js';
import { JobQueue } from './platform/queue.js';
import { DbHealth } from './platform/db-health.js';
import { DbRateLimiter, RedisRateLimiter, type RateLimiter } from './platform/rate-limit.js';
import { LiveBus, PgLiveTransport, RedisLiveTransport } from './platform/live.js';
import { MemoryTokenStore, RedisTokenStore, WecomClient } from './platform/wecom.js';
import { Hooks } from './platform/hooks.js';
import { logDestination, loggerOptions, logPhone, OneLinePerRequest } from './platform/logger.js';
import { frameworkErrors, installErrorHandler } from './platform/errors.js';
import { installTextGuard } from './platform/text-guard.js';
import type { AppContext } from './platform/context.js';
import { OutboxSmsProvider, type SmsProvider } from './modules/notify/sms.provider.js';
import { registerSmsJobs } from './modules/notify/sms.service.js';
import { OutboxVoiceProvider, type VoiceProvider } from './modules/notify/voice.provider.js';
import { registerVoiceJobs } from './modules/notify/voice.service.js';
import { registerWecomJobs } from './modules/notify/wecom.service.js';
import { installSessions } from './modules/identity/session.js';
import { identityRoutes } from './modules/identity/identity.routes.js';
import { oauthRoutes } from './modules/identity/oauth.routes.js';
import { systemRoutes } from './modules/system/system.routes.js';
import { configRoutes } from './modules/system/config.routes.js';
import { modules } from './modules/index.js';

export interface BuildOptions {
  config?: Config;
  database?: Database;
  clock?: Clock;
  storage?: ObjectStorage;
  sms?: SmsProvider;
  voice?: VoiceProvider;
  fetch?: typeof fetch;
  /** serve the built web apps from dist/web (default: when present) */
  serveWeb?: boolean;
  /** where the built web apps are (default dist/web); tests point it at a fake build */
  webDist?: string;
  startWorkers?: boolean;
  /** where log lines go (default stdout); tests pass a stream to read what was logged */
  logStream?: { write(line: string): void };
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const webDist = path.join(root, 'dist/web');

export async function buildApp(opts: BuildOptions = {}): Promise<{ app: FastifyInstance; ctx: AppContext }> {
  const config = opts.config ?? loadConfig();
  const app = Fastify({
    logger: { ...loggerOptions(config.LOG_LEVEL), stream: opts.logStream ?? logDestination(config.LOG_FORMAT) },
    logController: new OneLinePerRequest(),
    // whose X-Forwarded-For to believe: nobody unless configured, so a client cannot pick its own IP
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 1024 * 1024,
    // link tokens (signed JWTs) travel in the path
    routerOptions: { maxParamLength: 2048 },
    // a malformed or overlong URL is answered like every other error (400 VALIDATION_FAILED)
    frameworkErrors,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // every route as registered (the authorization matrix test walks the admin ones)
  const routeTable: Array<{ method: string; url: string }> = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: r.url });
  });

  const clock = opts.clock ?? new Clock(config.TZ_CENTER);
  const database =
    opts.database ??
    (await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir, poolMax: config.DATABASE_POOL_MAX, connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS }));
  // a database outage is survived: 503 DB_UNAVAILABLE meanwhile, one warning, workers wait
  const dbHealth = new DbHealth(database.db, app.log);
  database.onConnectionError = () => void dbHealth.check().catch(() => {});
  app.decorate('dbHealth', dbHealth);
  // reports read a replica when there is one (its own pool of DATABASE_POOL_MAX)
  const replica = config.DATABASE_REPLICA_URL
    ? await openDatabase({ url: config.DATABASE_REPLICA_URL, poolMax: config.DATABASE_POOL_MAX, connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS })
    : null;
  const crypto = new Crypto(resolveMasterKey({ masterKey: config.MASTER_KEY, dataDir: config.dataDir, warn: (m) => app.log.warn(m) }));
  const storage = opts.storage ?? (await openStorage(config, crypto));
  // one Redis connection (when configured) for the rate limits and the WeCom access_token
  const redis = config.REDIS_URL ? new (await import('ioredis')).Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 }) : null;
  const rateLimiter: RateLimiter = redis ? new RedisRateLimiter(redis, clock, config.REDIS_KEY_PREFIX) : new DbRateLimiter(database.db, clock);
  const sms =
    opts.sms ??
    (config.SMS_PROVIDER === 'aliyun'
      ? new (await import('./modules/notify/aliyun-sms.provider.js')).AliyunSmsProvider(config, opts.fetch ?? fetch)
      : config.SMS_PROVIDER === 'tencent'
        ? new (await import('./modules/notify/tencent-sms.provider.js')).TencentSmsProvider(config, opts.fetch ?? fetch)
        : new OutboxSmsProvider((m) => {
            // never the text: it holds login codes and link tokens (admin 短信发件箱 shows it)
            if (config.NODE_ENV !== 'production') app.log.info(`[dev outbox] SMS ${m.template} to ${logPhone(m.phone)} kept in 短信发件箱 (${m.id})`);
          }));
  const voice =
    opts.voice ??
    (config.VOICE_PROVIDER === 'aliyun'
      ? new (await import('./modules/notify/aliyun-voice.provider.js')).AliyunVoiceProvider(config, opts.fetch ?? fetch)
      : new OutboxVoiceProvider((c) => {
          if (config.NODE_ENV !== 'production') app.log.info(`[dev outbox] voice call ${c.template} to ${logPhone(c.phone)} kept in 短信发件箱 (${c.id})`);
        }));

  // live updates: Redis pub/sub when configured, else LISTEN/NOTIFY on PostgreSQL, else this process only
  const live = new LiveBus(
    redis ? new RedisLiveTransport(redis, config.REDIS_KEY_PREFIX) : database.pool ? new PgLiveTransport(database.pool, app.log) : null,
    app.log,
  );
  live.wrapTransactions(database.db);
  await live.start();

  // jobs: several at once; a committed enqueue wakes this process's workers, and other processes' through LISTEN/NOTIFY on PostgreSQL
  const queue = new JobQueue(database.db, clock, app.log, dbHealth, {
    concurrency: config.JOB_CONCURRENCY,
    retentionDays: config.JOB_RETENTION_DAYS,
    wake: database.pool ? new PgLiveTransport(database.pool, app.log, JobQueue.wakeChannel, 'job queue') : null,
  });
  queue.wrapTransactions(database.db);

  const ctx: AppContext = {
    config,
    database,
    db: database.db,
    reports: replica?.db ?? database.db,
    clock,
    crypto,
    storage,
    queue,
    rateLimiter,
    sms,
    voice,
    log: app.log,
    fetch: opts.fetch ?? fetch,
    wecom:
      config.WECOM_CORP_ID && config.WECOM_CORP_SECRET
        ? new WecomClient({
            apiUrl: config.WECOM_API_URL,
            corpId: config.WECOM_CORP_ID,
            corpSecret: config.WECOM_CORP_SECRET,
            fetch: opts.fetch ?? fetch,
            store: redis ? new RedisTokenStore(redis, WecomClient.redisKey(config.REDIS_KEY_PREFIX, config.WECOM_CORP_ID, config.WECOM_CORP_SECRET, crypto), crypto) : new MemoryTokenStore(clock),
          })
        : null,
    live,
    hooks: new Hooks(),
  };

  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: 10 * 1024 * 1024, files: 1, fields: 20 } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Safeguard API', version: '0.1.0', description: 'Visitor and campus-access management. Errors: `{ error: { code, message: { zh-CN, en } } }`.' },
      components: {
        securitySchemes: {
          visitorSession: { type: 'apiKey', in: 'cookie', name: 'sg_visitor' },
          staffSession: { type: 'apiKey', in: 'cookie', name: 'sg_staff' },
          adminSession: { type: 'apiKey', in: 'cookie', name: 'sg_admin' },
          kioskSession: { type: 'apiKey', in: 'cookie', name: 'sg_kiosk' },
        },
      },
      security: [{ visitorSession: [] }, { staffSession: [] }, { adminSession: [] }, { kioskSession: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  const webRoot = opts.webDist ?? webDist;
  const serveWeb = opts.serveWeb ?? fs.existsSync(path.join(webRoot, 'index.html'));
  installSessions(app, ctx);
  // after the session area guard (no session: 401 whatever is sent), before any route's validation
  installTextGuard(app);
  installErrorHandler(app, serveWeb ? webFallback : undefined);
  registerSmsJobs(ctx);
  registerVoiceJobs(ctx);
  registerWecomJobs(ctx);

  await systemRoutes(app, ctx);
  await configRoutes(app, ctx);
  await identityRoutes(app, ctx);
  await oauthRoutes(app, ctx);
  for (const m of modules) await m(app, ctx);

  if (serveWeb) app.register(fastifyStatic, { root: webRoot, prefix: '/', index: ['index.html'], wildcard: true, preCompressed: true, setHeaders: webCacheHeaders(webRoot) });

  const startWorkers = opts.startWorkers ?? config.WORKERS;
  app.addHook('onReady', async () => {
    await ctx.queue.scheduleMaintenance();
    if (startWorkers) ctx.queue.start();
  });
  app.addHook('preClose', async () => live.endStreams());
  app.addHook('onClose', async () => {
    await ctx.queue.stop();
    await live.close();
    dbHealth.close();
    await rateLimiter.close();
    if (!opts.storage) storage.close?.();
    await replica?.close();
    if (!opts.database) await database.close();
  });
  return { app, ctx };
}

/**
 * The build's .br/.gz siblings are sent as they are (preCompressed). Files under assets/ carry their
 * content hash in the name, so a browser keeps them for a year without asking; everything else (the
 * index.html pages naming those files, the favicon) is revalidated on every load.
 */
const webCacheHeaders = (webRoot: string) => (reply: FastifyReply, filePath: string) => {
  const hashed = path.relative(webRoot, filePath).split(path.sep)[0] === 'assets';
  reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
};

/** The four apps: / (visitor), /staff/, /kiosk/, /admin/ — each an SPA with its own index.html. */
const webApps = ['staff', 'kiosk', 'admin'];
function webFallback(req: FastifyRequest, reply: FastifyReply) {
  const url = req.url.split('?')[0]!;
  // a missing script or style (an old build's hash) is a 404, not the page in its place
  if (url.startsWith('/api/') || url.startsWith('/assets/') || req.method !== 'GET') {
    return reply.status(404).send({ error: { code: 'NOT_FOUND', message: { 'zh-CN': '记录不存在或无权访问', en: 'Not found or no access' } } });
  }
  const appName = webApps.find((a) => url === `/${a}` || url.startsWith(`/${a}/`));
  return reply.type('text/html').sendFile(appName ? `${appName}/index.html` : 'index.html');
}

declare module 'fastify' {
  interface FastifyInstance {
    /** every route registered (method, URL pattern), in order; HEAD left out */
    routeTable?: Array<{ method: string; url: string }>;
  }
}
