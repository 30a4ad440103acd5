/** CLI entry: serve | migrate | seed-demo | create-admin <username> <password> | work */
import { buildApp } from './app.js';
import { loadConfig } from './platform/config.js';
import { openDatabase } from './platform/db.js';
import { ensureAdmin, setAdminPassword } from './modules/identity/admin-bootstrap.js';
import { seedDemo } from './db/seed-demo.js';
import { installCrashPolicy } from './platform/crash.js';

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
        await ensureAdmin(ctx, print);
        if (config.DEMO_DATA) await seedDemo(ctx);
        const close = async () => {
          await app.close();
          await database.close();
          process.exit(0);
        };
        process.once('SIGINT', close);
        process.once('SIGTERM', close);
        await app.listen({ host: config.HOST, port: config.PORT });
        print(`Safeguard is running on ${database.kind}:`);
        const base = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
        print(`  visitor 访客端  ${base}/\n  staff   员工端  ${base}/staff/\n  kiosk   访客机  ${base}/kiosk/\n  admin   后台    ${base}/admin/\n  API docs        ${base}/api/docs`);
        return;
      }
      case 'seed-demo':
        await ensureAdmin(ctx, print);
        await seedDemo(ctx);
        print('demo data loaded');
        break;
      case 'create-admin': {
        const [username, password] = args;
        if (!username || !password || password.length < 8) throw new Error('usage: create-admin <username> <password (8+ chars)>');
        await setAdminPassword(ctx, username, password);
        print(`administrator ${username} saved`);
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
