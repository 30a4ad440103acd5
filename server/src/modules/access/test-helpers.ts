/**
 * Test helpers of the access module: the app with its clock at T0 and an administrator, a building,
 * a simulated gate, a visitor with a face, an appointment (pending or confirmed), an order's row.
 */
import { eq } from 'drizzle-orm';
import { createTestApp, signInStaff, signInVisitor, type Client, type TestApp } from '../../test/harness.js';
import { newAdminClient, newStaff, newUnit, newVisitor } from '../../test/factories.js';
import { makeImage } from '../../test/images.js';
import { buildings, consents, visitOrders, visitors } from '../../db/schema/index.js';
import { simulatorOf } from './adapters/simulator.js';

const HOUR = 3600_000;
let seq = 0;

/** 09:00 in Shanghai: where the access tests start their clock. */
export const T0 = new Date('2026-11-25T01:00:00Z');

/** The test app of a test file, its clock at T0, and an administrator's client. */
export async function startAccessApp(opts?: Parameters<typeof createTestApp>[0]): Promise<{ t: TestApp; admin: Client }> {
  const t = await createTestApp(opts);
  t.ctx.clock.set(T0);
  return { t, admin: await newAdminClient(t) };
}

export async function newBuilding(t: TestApp) {
  const [b] = await t.ctx.db.insert(buildings).values({ name: `楼宇${Date.now()}-${seq++}` }).returning();
  return b!;
}

/** A simulated gate (in, enabled) of these buildings, added as the administrator does; `o` overrides the body. */
export async function newGate(admin: Client, buildingIds: string[], o: Record<string, unknown> = {}) {
  const res = await admin.post('/api/admin/devices', { name: `东门闸机${seq++}`, kind: 'gate', adapter: 'simulator', address: 'sim', buildingIds, direction: 'in', enabled: true, ...o });
  if (res.statusCode !== 200) throw new Error(`device: ${res.body}`);
  return res.json() as { id: string; name: string };
}

/** What a simulated device holds now. */
export const held = (t: TestApp, deviceId: string) => simulatorOf(t.ctx).holdings(deviceId);

/** An order's row as stored. */
export const orderRow = async (t: TestApp, id: string) => (await t.ctx.db.select().from(visitOrders).where(eq(visitOrders.id, id)))[0]!;

/** A visitor with a face photo on file and (unless told) a face consent in force. */
export async function visitorWithFace(t: TestApp, o: { name?: string; consent?: boolean } = {}) {
  const v = await newVisitor(t, { name: o.name ?? '陈小春' });
  const jpeg = await makeImage({ format: 'jpeg' });
  const key = `faces/test-${v.id}`;
  await t.ctx.storage.put(key, jpeg);
  await t.ctx.db.update(visitors).set({ photoKey: key }).where(eq(visitors.id, v.id));
  if (o.consent ?? true) await t.ctx.db.insert(consents).values({ subjectType: 'visitor', subjectId: v.id, kind: 'face', textVersion: 'face-2026-12-v2', grantedAt: t.ctx.clock.now() });
  return { ...v, jpeg };
}

/**
 * A host in a new building, a visitor (陈小春: with a face photo and its consent unless told), and
 * their appointment for [now+2h, now+4h), pending the host's review.
 */
export async function bookedVisit(t: TestApp, o: { face?: boolean; consent?: boolean } = {}) {
  const building = await newBuilding(t);
  const unit = await newUnit(t, { buildingId: building.id });
  const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const hostClient: Client = await signInStaff(t, host.phone);
  const v = o.face === false ? { ...(await newVisitor(t, { name: '陈小春' })), jpeg: null } : await visitorWithFace(t, { consent: o.consent });
  const visitor = await signInVisitor(t, v.phone);
  const start = new Date(t.ctx.clock.now().getTime() + 2 * HOUR);
  const end = new Date(start.getTime() + 2 * HOUR);
  const res = await visitor.post('/api/visits/appointments', { hostPhone: host.phone, reason: '设备联调', startAt: start.toISOString(), endAt: end.toISOString(), companionPhones: [], idempotencyKey: `access-h-${Date.now()}-${seq++}` });
  if (res.statusCode !== 201) throw new Error(`book: ${res.body}`);
  const order = res.json() as { id: string; status: string };
  return { building, unit, host, hostClient, v, visitor, order, start, end };
}

/** bookedVisit, approved by the host (confirmed). */
export async function confirmedVisit(t: TestApp) {
  const s = await bookedVisit(t);
  const r = await s.hostClient.post(`/api/visits/${s.order.id}/review`, { decision: 'approve' });
  if (r.json().status !== 'confirmed') throw new Error(`approve: ${r.body}`);
  // bookedVisit without face: false has a face on file
  return { ...s, v: { ...s.v, jpeg: s.v.jpeg! }, order: { id: s.order.id } };
}
