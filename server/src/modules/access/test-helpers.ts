/** Test helpers of the access module: a host in a building, a visitor with a face, an appointment. */
import { eq } from 'drizzle-orm';
import { signInStaff, signInVisitor, type Client, type TestApp } from '../../test/harness.js';
import { newStaff, newUnit, newVisitor } from '../../test/factories.js';
import { makeImage } from '../../test/images.js';
import { buildings, consents, visitors } from '../../db/schema/index.js';

const HOUR = 3600_000;
let seq = 0;

export async function newBuilding(t: TestApp) {
  const [b] = await t.ctx.db.insert(buildings).values({ name: `楼宇${Date.now()}-${seq++}` }).returning();
  return b!;
}

/** A visitor with a face photo on file and a face consent in force. */
export async function visitorWithFace(t: TestApp, name = '陈小春') {
  const v = await newVisitor(t, { name });
  const jpeg = await makeImage({ format: 'jpeg' });
  const key = `faces/test-${v.id}`;
  await t.ctx.storage.put(key, jpeg);
  await t.ctx.db.update(visitors).set({ photoKey: key }).where(eq(visitors.id, v.id));
  await t.ctx.db.insert(consents).values({ subjectType: 'visitor', subjectId: v.id, kind: 'face', textVersion: 'face-2026-11-v1', grantedAt: t.ctx.clock.now() });
  return { ...v, jpeg };
}

/** A host in a new building, a visitor with a face, an appointment for [now+2h, now+4h) approved by the host (confirmed). */
export async function confirmedVisit(t: TestApp) {
  const building = await newBuilding(t);
  const unit = await newUnit(t, { buildingId: building.id });
  const host = await newStaff(t, { unitId: unit.id, name: '姜柠檬' });
  const hostClient: Client = await signInStaff(t, host.phone);
  const v = await visitorWithFace(t);
  const visitor = await signInVisitor(t, v.phone);
  const start = new Date(t.ctx.clock.now().getTime() + 2 * HOUR);
  const end = new Date(start.getTime() + 2 * HOUR);
  const res = await visitor.post('/api/visits/appointments', { hostPhone: host.phone, reason: '设备联调', startAt: start.toISOString(), endAt: end.toISOString(), companionPhones: [], idempotencyKey: `access-h-${Date.now()}-${seq++}` });
  if (res.statusCode !== 201) throw new Error(`book: ${res.body}`);
  const order = res.json() as { id: string };
  const r = await hostClient.post(`/api/visits/${order.id}/review`, { decision: 'approve' });
  if (r.json().status !== 'confirmed') throw new Error(`approve: ${r.body}`);
  return { building, host, v, visitor, order, start, end };
}
