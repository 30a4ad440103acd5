/** CLI entry: serve | migrate | seed-demo | create-admin <username> <password> [--force] | work | purge */
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { loadConfig } from './platform/config.js';
import { openDatabase } from './platform/db.js';
import { createAdminCommand, ensureAdmin } from './modules/identity/admin-bootstrap.js';
import { DEMO_STAFF_PASSWORD, DEMO_STAFF_PHONE, seedDemo } from './db/seed-demo.js';
import { demoKioskLink } from './modules/kiosk/demo-kiosk.js';
import { adminLoginText, describeDatabase, localBaseUrl, startBanner } from './start-banner.js';
import { installCrashPolicy } from './platform/crash.js';
import { RetentionService } from './modules/privacy/retention.service.js';

// an error nobody caught: log it (no personal data) and exit 1, for the supervisor to restart us
installCrashPolicy();

const [command = 'serve', ...args] = process.argv.slice(2);

async function main() {
  const config = loadConfig();
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir, poolMax: config.DATABASE_POOL_MAX, connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS });
  await database.migrate();
  if (command === 'migrate') {
    console.log(`migrations applied (${database.kind})`);
    return database.close();
  }
  const { app, ctx } = await buildApp({ config, database, startWorkers: command === 'serve' ? config.WORKERS : false });
  const print = (l: string) => console.log(l);
  try {
    switch (command) {
      case 'serve': {
        // processes started together (a deploy, a restart of all): one at a time creates the first
        // administrator and loads the demo data; the others then find them there
        const admin = await database.exclusive('startup', async () => {
          const a = await ensureAdmin(ctx);
          if (config.DEMO_DATA) await seedDemo(ctx);
          return a;
        });
        const close = async () => {
          await app.close();
          await database.close();
          process.exit(0);
        };
        process.once('SIGINT', close);
        process.once('SIGTERM', close);
        await app.listen({ host: config.HOST, port: config.PORT });
        const port = (app.server.address() as AddressInfo).port;
        const baseUrl = localBaseUrl(config.PUBLIC_URL, config.HOST, port);
        if (config.NODE_ENV === 'production') {
          // logs stay JSON; only a password generated now is printed, this once
          if (admin.source === 'generated') print(`Administrator created · 已创建系统管理员: ${adminLoginText(admin)}`);
          ctx.log.info({ url: baseUrl, db: database.kind }, 'Safeguard is running');
          return;
        }
        const kioskLink = config.DEMO_DATA ? await demoKioskLink(ctx, baseUrl) : null;
        print(
          startBanner({
            baseUrl,
            nodeEnv: config.NODE_ENV,
            database: describeDatabase(config.DATABASE_URL, config.dataDir),
            host: config.HOST,
            port,
            admin,
            smsOutbox: config.SMS_PROVIDER === 'outbox',
            demo: config.DEMO_DATA ? { staffPhone: DEMO_STAFF_PHONE, staffPassword: DEMO_STAFF_PASSWORD, kioskLink } : undefined,
          }),
        );
        return;
      }
      case 'seed-demo':
        // demo data only: the administrator is created by `serve` (or `create-admin`)
        print((await database.exclusive('startup', () => seedDemo(ctx))) ? 'demo data loaded' : 'demo data was already loaded (anything missing from it was added)');
        break;
      case 'create-admin':
        print(await createAdminCommand(ctx, args));
        break;
      case 'purge': {
        // the retention purge now (X5), as the daily job runs it; prints the counts only
        const r = await new RetentionService(ctx).run({ type: 'system', id: 'cli' }, 'cli');
        print(`retention purge (${r.days} days, before ${r.cutoff}): ${JSON.stringify(r.counts)}`);
        break;
      }
      case 'work':
        ctx.queue.start();
        await app.ready();
        print('worker running');
        return;
      default:
        throw new Error(`unknown command ${command}`);
    }
    await app.close();
    await database.close();
  } catch (e) {
    await app.close().catch(() => {});
    await database.close().catch(() => {});
    throw e;
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
