/**
 * What `npm start` shows once the server listens: where the four apps are, how to sign in to each,
 * which database is used and who can reach it — a few lines a newcomer reads, not a log.
 */
import type { AdminLogin } from './modules/identity/admin-bootstrap.js';

export interface BannerInput {
  baseUrl: string;
  nodeEnv: string;
  /** e.g. "PGlite (embedded) in /srv/safeguard/data/pglite" or "PostgreSQL postgres://app@db:5432/safeguard" */
  database: string;
  host: string;
  port: number;
  admin: AdminLogin;
  /** SMS kept in the development outbox (SMS_PROVIDER=outbox) */
  smsOutbox: boolean;
  /** demo data loaded: the demo staff login and the paired-kiosk link (null: no demo kiosk) */
  demo?: { staffPhone: string; staffPassword: string; kioskLink: string | null };
}

/** The base URL people open: PUBLIC_URL, else this machine's address. */
export function localBaseUrl(publicUrl: string | undefined, host: string, port: number): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const local = host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === '::1' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${local}:${port}`;
}

/** A database URL as shown: without its password or query. */
export function describeDatabase(url: string | undefined, dataDir: string): string {
  if (!url) return `PGlite (embedded) in ${dataDir}/pglite`;
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return `PostgreSQL ${u.toString()}`;
  } catch {
    return 'PostgreSQL';
  }
}

export function adminLoginText(admin: AdminLogin): string {
  switch (admin.source) {
    case 'generated':
      return `${admin.username} / ${admin.password}   ← generated now and shown only this once: keep it`;
    case 'env':
      return `${admin.username} / the password in ADMIN_PASSWORD`;
    default:
      return `${admin.username} / the password shown on the first start (lost it? npm run create-admin -- ${admin.username} <new password> --force)`;
  }
}

/** Columns in a terminal: CJK and full-width characters take two. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}
const pad = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - displayWidth(s)));

export function startBanner(i: BannerInput): string {
  const b = i.baseUrl;
  const open = i.host === '0.0.0.0' || i.host === '::';
  const rows: Array<[string, string, string?]> = [
    ['visitor 访客端', `${b}/`, 'sign in with any phone; the code is in 短信发件箱'],
    ['staff   员工端', `${b}/staff/`, i.demo ? `demo staff ${i.demo.staffPhone} / ${i.demo.staffPassword}` : undefined],
    ['kiosk   访客机', i.demo?.kioskLink ?? `${b}/kiosk/`, i.demo?.kioskLink ? 'opens the demo kiosk, paired' : 'pair it with a token from 后台 → 访客机设备'],
    ['admin   后台', `${b}/admin/`, adminLoginText(i.admin)],
    ['API docs', `${b}/api/docs`],
  ];
  const lines = [
    '',
    `  Safeguard 智慧通行 is running (${i.nodeEnv}) on ${i.database}`,
    '',
    ...rows.flatMap(([what, url, note]) => [`  ${pad(what, 16)}${url}`, ...(note ? [`  ${pad('', 16)}${note}`] : [])]),
    '',
    open
      ? `  Listening on ${i.host}:${i.port}: reachable from the network`
      : `  Listening on ${i.host}:${i.port} only (this machine); HOST=0.0.0.0 npm start opens it to the network`,
    !i.smsOutbox ? '' : '  SMS are not sent: login codes and links wait in 后台 → 系统 → 短信发件箱',
    '',
  ];
  return lines.filter((l, n) => l !== '' || lines[n - 1] !== '').join('\n');
}
