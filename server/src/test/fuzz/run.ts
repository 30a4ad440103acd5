/**
 * The fuzz run (issue 8 point 5), shared by the CI test (modules/system/fuzz.api.test.ts) and
 * `npm run bench` (bench/fuzz.bench.ts): reads /api/docs/json from the app, sends malformed requests
 * round-robin over every operation × {no session, visitor, staff, admin, kiosk}, and reports
 * every answer ≥ 500 and every rejected request (≥ 400) after which a table holds more or fewer rows.
 */
import { sql } from 'drizzle-orm';
import { Client, signInStaff, signInVisitor, type TestApp } from '../harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor } from '../factories.js';
import { buildings } from '../../db/schema/index.js';
import { errorCatalogue } from '../../../../contracts/errors.js';
import { operationsOf, RequestFactory, Rng, type Operation, type Pools } from './requests.js';

/**
 * Tables whose rows legitimately record a refused attempt: rate_counters counts hits (an SMS
 * request refused as too soon or a wrong sign-in still counts toward the limits). Every other
 * table — sessions, codes, audit log, orders, ... — must be unchanged by a rejected request.
 */
export const ATTEMPT_TABLES = ['rate_counters'];

/**
 * Operations whose refused attempts are audited on purpose, and the one audit action each may
 * write when it refuses: a staff member trying a door they may not open (404) or too often (429)
 * is a security record (doors.api.test.ts). Such a request may add exactly one audit_log row of
 * that action, and nothing else.
 */
export const AUDITED_REFUSALS: Record<string, string> = { openDoor: 'access.door.open' };

export type Role = 'none' | 'visitor' | 'staff' | 'admin' | 'kiosk';
export const ROLES: Role[] = ['none', 'visitor', 'staff', 'admin', 'kiosk'];
const SCOPE: Record<Exclude<Role, 'none'>, string> = { visitor: 'visitor', staff: 'staff', admin: 'admin', kiosk: 'kiosk' };

export interface FuzzReport {
  seed: number;
  sent: number;
  operations: number;
  byClass: Record<string, number>;
  byRole: Record<Role, number>;
  /** error codes of the 4xx/5xx answers (status for the others) */
  byCode: Record<string, number>;
  /** answers ≥ 500: what was sent and what came back */
  serverErrors: Array<{ role: Role; op: string; mutation: string; method: string; url: string; status: number; body: string }>;
  /** error answers without a code of the catalogue (contracts/errors.ts) */
  offCatalogue: Array<{ op: string; mutation: string; url: string; status: number; body: string }>;
  /** rejected requests (≥ 400) after which row counts changed */
  writesOnReject: Array<{ role: Role; op: string; mutation: string; status: number; tables: string[] }>;
  ms: number;
}

export async function runFuzz(t: TestApp, opts: { requests: number; seed: number; onProgress?: (n: number) => void }): Promise<FuzzReport> {
  const started = Date.now();
  const doc = (await new Client(t).get('/api/docs/json')).json();
  const ops: Operation[] = operationsOf(doc);
  const rng = new Rng(opts.seed);
  const sessions = new Sessions(t);
  await sessions.seed();
  const pools: Pools = { ids: [], words: ['order_approved', 'order_submitted', 'visitor_login', 'abc', 'x.y.z'] };
  await refreshIds(t, pools);
  const factory = new RequestFactory(rng, pools);
  const counter = await rowCounter(t);

  const report: FuzzReport = { seed: opts.seed, sent: 0, operations: ops.length, byClass: {}, byRole: { none: 0, visitor: 0, staff: 0, admin: 0, kiosk: 0 }, byCode: {}, offCatalogue: [], serverErrors: [], writesOnReject: [], ms: 0 };
  const doors = new Map<string, Set<Role>>();
  let before = await counter();
  for (let i = 0; i < opts.requests; i++) {
    const op = ops[i % ops.length]!;
    // the first rounds go through every session in turn; later ones favour the sessions an
    // operation has let past its door (not 401), so more requests reach validation and services
    const round = Math.floor(i / ops.length);
    const admitted = [...(doors.get(op.id) ?? [])];
    const role = round < ROLES.length || !admitted.length || rng.chance(0.3) ? ROLES[round % ROLES.length]! : rng.pick(admitted);
    const req = factory.build(op);
    const client = await sessions.client(role);
    const headers = { ...req.headers };
    // device-authenticated intake: half of them carry a real device token
    if (op.path.startsWith('/api/access/') && rng.chance(0.5)) headers.authorization = `Bearer ${sessions.deviceToken}`;
    const url = op.path === '/api/access/isapi/events' && rng.chance(0.5) ? req.url.replace(/token=[^&]*/, `token=${encodeURIComponent(sessions.deviceToken)}`) : req.url;
    const res = await client.req(req.method as 'POST', url, req.payload, headers);
    report.sent++;
    report.byRole[role]++;
    if (res.statusCode !== 401) doors.set(op.id, (doors.get(op.id) ?? new Set<Role>()).add(role));
    const code = res.statusCode >= 400 ? (errorCode(res.body) ?? `HTTP ${res.statusCode}`) : String(res.statusCode);
    if (res.statusCode >= 400 && !(code in errorCatalogue)) report.offCatalogue.push({ op: op.id, mutation: req.mutation, url: url.slice(0, 200), status: res.statusCode, body: res.body.slice(0, 200) });
    report.byCode[code] = (report.byCode[code] ?? 0) + 1;
    const cls = `${Math.floor(res.statusCode / 100)}xx`;
    report.byClass[cls] = (report.byClass[cls] ?? 0) + 1;
    if (res.statusCode >= 500) report.serverErrors.push({ role, op: op.id, mutation: req.mutation, method: req.method, url: url.slice(0, 200), status: res.statusCode, body: res.body.slice(0, 300) });

    const after = await counter();
    if (res.statusCode >= 400) {
      let changed = Object.keys(after).filter((k) => after[k] !== before[k]);
      const audited = AUDITED_REFUSALS[op.id];
      if (audited && changed.length === 1 && changed[0] === 'audit_log' && after.audit_log === before.audit_log! + 1 && (await lastAuditAction(t)) === audited) changed = [];
      if (changed.length) report.writesOnReject.push({ role, op: op.id, mutation: req.mutation, status: res.statusCode, tables: changed });
    }
    before = after;
    // an accepted request may have ended a session (sign-out, a deleted staff member): sign in again
    if (res.statusCode < 400 && role !== 'none') {
      if (await sessions.ensure(role)) before = await counter();
    }
    if (i % 200 === 199) await refreshIds(t, pools);
    opts.onProgress?.(i + 1);
  }
  report.ms = Date.now() - started;
  return report;
}

/** One signed-in client per role, signed in again when an accepted request ended its session. */
class Sessions {
  private clients = new Map<Role, Client>();
  deviceToken = '';
  private admin!: Client;
  constructor(private readonly t: TestApp) {}

  async seed() {
    this.admin = await newAdminClient(this.t);
    const [b] = await this.t.ctx.db.insert(buildings).values({ name: `楼宇-fuzz-${Date.now()}` }).returning();
    const unit = await newUnit(this.t, { buildingId: b!.id });
    await newStaff(this.t, { unitId: unit.id });
    const device = await this.admin.post('/api/admin/devices', { name: '闸机-fuzz', kind: 'gate', adapter: 'simulator', address: 'sim', buildingIds: [b!.id] });
    this.deviceToken = (await this.admin.get(`/api/admin/devices/${device.json().id}/token`)).json().token;
    for (const role of ROLES) this.clients.set(role, await this.signIn(role));
  }

  async client(role: Role): Promise<Client> {
    return this.clients.get(role)!;
  }

  /** true when it had to sign in again */
  async ensure(role: Exclude<Role, 'none'>): Promise<boolean> {
    const c = this.clients.get(role)!;
    if ((await c.get(`/api/auth/me?scope=${SCOPE[role]}`)).statusCode === 200) return false;
    this.clients.set(role, await this.signIn(role));
    return true;
  }

  private async signIn(role: Role): Promise<Client> {
    const t = this.t;
    switch (role) {
      case 'none':
        return new Client(t);
      case 'visitor':
        return signInVisitor(t, (await newVisitor(t)).phone);
      case 'staff':
        return signInStaff(t, (await newStaff(t, { roles: ['staff', 'unit_admin', 'room_approver', 'reception'] } as never)).phone);
      case 'admin':
        return newAdminClient(t);
      case 'kiosk': {
        let d = await this.admin.post('/api/admin/kiosk-devices', { name: '访客机-fuzz', location: '大厅' });
        if (!d.json()?.token) {
          // an accepted fuzz request may have disabled, demoted or deleted the seed administrator
          // (its id is in the pools): a new one pairs the kiosk
          this.admin = await newAdminClient(t);
          d = await this.admin.post('/api/admin/kiosk-devices', { name: '访客机-fuzz', location: '大厅' });
        }
        const k = new Client(t);
        const res = await k.post('/api/kiosk/pair', { token: d.json().token });
        if (res.statusCode !== 200) throw new Error(`kiosk pair: ${res.body}`);
        return k;
      }
    }
  }
}

/** Ids of existing rows of every table with a uuid id, so generated requests reach real records. */
async function refreshIds(t: TestApp, pools: Pools) {
  const tables = rowsOf(await t.ctx.db.execute(sql`select table_name as name from information_schema.columns where table_schema = 'public' and column_name = 'id' and data_type = 'uuid'`)).map((r) => String(r.name));
  if (!tables.length) return;
  const union = tables.map((name) => `(select id::text as id from "${name}" order by random() limit 3)`).join(' union all ');
  pools.ids = rowsOf(await t.ctx.db.execute(sql.raw(union))).map((r) => String(r.id));
}

/** A function that returns the row count of every table of the public schema (one statement). */
async function rowCounter(t: TestApp): Promise<() => Promise<Record<string, number>>> {
  const tables = rowsOf(await t.ctx.db.execute(sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`))
    .map((r) => String(r.name))
    .filter((n) => !ATTEMPT_TABLES.includes(n));
  const query = sql.raw(tables.map((n) => `select '${n}' as name, count(*)::int as n from "${n}"`).join(' union all '));
  return async () => Object.fromEntries(rowsOf(await t.ctx.db.execute(query)).map((r) => [String(r.name), Number(r.n)]));
}

async function lastAuditAction(t: TestApp): Promise<string | undefined> {
  const [row] = rowsOf(await t.ctx.db.execute(sql`select action from audit_log order by seq desc limit 1`));
  return row ? String(row.action) : undefined;
}

function errorCode(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

const rowsOf = (res: unknown) => (res as { rows: Array<Record<string, unknown>> }).rows;
