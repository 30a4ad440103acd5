/**
 * What the reconciler reads about orders, in one query for one order or a page of a device's: the
 * order's state, the building that guards it (the meeting room's for a meeting order, else the host
 * unit's), whether its visitor is blocked, and who passes with it — the visitor, or for an internal
 * meeting attendee the staff member, else the invitee — with the photo only while a face consent is
 * in force. And what one push for it is, and its fingerprint.
 */
import { createHmac } from 'node:crypto';
import { and, eq, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { accessCredentials, meetingBookings, meetingRooms, staff, units, visitOrders, visitors } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db.js';
import { personIdOf, type CredentialKind } from '../../../../contracts/access.js';
import type { CredentialPush } from './adapters/types.js';
import { desired } from './issuance.js';
import { platePush } from './barriers.js';

export interface HolderRow {
  id: string;
  status: string;
  startAt: Date;
  endAt: Date;
  leftVia: string | null;
  plate: string | null;
  vehicleStatus: string | null;
  visitorId: string | null;
  buildingId: string | null;
  /** the order's visitor is on the blocklist */
  blocked: boolean;
  name: string;
  idNumberEnc: string | null;
  /** the holder's photo, only while their face consent is in force */
  photoKey: string | null;
  /** with `forDevice`: what the issuance record of that device says */
  held: { status: string; kinds: string[]; pushHash: string | null; issuedAt: Date | null } | null;
}

const faceConsent = (type: 'visitor' | 'staff', id: SQL | unknown) =>
  sql<boolean>`exists (select 1 from consents c where c.subject_type = ${type} and c.subject_id = ${id} and c.kind = 'face' and c.withdrawn_at is null)`;

/** `column = any($1::uuid[])`: one parameter for a page of ids (cheaper to build and to parse than a list of 500). */
export const idIn = (column: SQL | AnyColumn, ids: string[]) => sql`${column} = any(${sql.param(ids)}::uuid[])`;

/** The building that guards an order (meeting_rooms and units joined as readHolders does). */
export const buildingOfOrder = sql<string | null>`case when ${meetingRooms.id} is not null then ${meetingRooms.buildingId} else ${units.buildingId} end`;

/** The orders matching `where` (on visit_orders), with what the gates need; `forDevice` adds that device's record. */
export async function readHolders(db: Db | Tx, where: SQL | undefined, o: { forDevice?: string } = {}): Promise<HolderRow[]> {
  const isStaff = sql`(${visitOrders.attendeeStaffId} is not null and ${staff.id} is not null)`;
  const isVisitor = sql`(${visitOrders.visitorId} is not null and ${visitors.id} is not null)`;
  let q = joined(db, {
      id: visitOrders.id,
      status: visitOrders.status,
      startAt: visitOrders.startAt,
      endAt: visitOrders.endAt,
      leftVia: visitOrders.leftVia,
      plate: visitOrders.plate,
      vehicleStatus: visitOrders.vehicleStatus,
      visitorId: visitOrders.visitorId,
      buildingId: buildingOfOrder,
      blocked: sql<boolean>`coalesce(${visitors.blocked}, false)`,
      name: sql<string>`case when ${isStaff} then ${staff.name} when ${isVisitor} then ${visitors.name} else coalesce(${visitOrders.inviteeName}, '') end`,
      idNumberEnc: sql<string | null>`case when ${isStaff} then ${staff.idNumberEnc} when ${isVisitor} then ${visitors.idNumberEnc} else ${visitOrders.inviteeIdNumberEnc} end`,
      photoKey: sql<string | null>`case when ${isStaff} then (case when ${faceConsent('staff', staff.id)} then ${staff.photoKey} end)
        when ${isVisitor} then (case when ${faceConsent('visitor', visitors.id)} then ${visitors.photoKey} end) end`,
    held: o.forDevice ? sql<HolderRow['held']>`case when ${accessCredentials.id} is not null then json_build_object('status', ${accessCredentials.status}, 'kinds', ${accessCredentials.kinds}, 'pushHash', ${accessCredentials.pushHash}, 'issuedAt', ${accessCredentials.issuedAt}) end` : sql<null>`null`,
  });
  if (o.forDevice) q = q.leftJoin(accessCredentials, and(eq(accessCredentials.orderId, visitOrders.id), eq(accessCredentials.deviceId, o.forDevice)));
  q = q.where(where).orderBy(visitOrders.id);
  const rows = (await q) as unknown as Array<Omit<HolderRow, 'held'> & { held: { status: string; kinds: string[]; pushHash: string | null; issuedAt: string | null } | null }>;
  return rows.map((r) => ({ ...r, held: r.held ? { ...r.held, issuedAt: r.held.issuedAt ? new Date(r.held.issuedAt) : null } : null }));
}

/** visit_orders with what decides who passes and where: the meeting's room, the host unit, the attendee, the visitor. */
function joined<F extends Record<string, unknown>>(db: Db | Tx, fields: F) {
  return db
    .select(fields as never)
    .from(visitOrders)
    .leftJoin(meetingBookings, eq(meetingBookings.id, visitOrders.meetingId))
    .leftJoin(meetingRooms, eq(meetingRooms.id, meetingBookings.roomId))
    .leftJoin(units, eq(units.id, visitOrders.unitId))
    .leftJoin(staff, eq(staff.id, visitOrders.attendeeStaffId))
    .leftJoin(visitors, eq(visitors.id, visitOrders.visitorId))
    .$dynamic();
}

/** The ids of the orders matching `where` (on the same joins as readHolders), in id order. */
export async function readIds(db: Db | Tx, where: SQL | undefined): Promise<string[]> {
  const rows = (await joined(db, { id: visitOrders.id }).where(where).orderBy(visitOrders.id)) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

/** Should the gates hold this order now: desired() and its visitor not blocklisted (blocking takes everything off at once). */
export const wanted = (h: HolderRow, now: Date) => desired(h, now) && !h.blocked;

/** The SQL twin of wanted() without the building: live, in its window, not checked out, visitor not blocked. */
export function wantedSql(now: Date): SQL {
  const at = now.toISOString();
  return sql`${visitOrders.status} in ('confirmed', 'arrived') and ${visitOrders.startAt} <= ${at}::timestamptz and ${visitOrders.endAt} > ${at}::timestamptz
    and ${visitOrders.leftVia} is distinct from 'kiosk' and ${visitOrders.leftVia} is distinct from 'auto' and not coalesce(${visitors.blocked}, false)`;
}

/** What is pushed for this order to a gate or door (face loaded later, only if it goes), or to a barrier. */
export function pushOf(ctx: AppContext, h: HolderRow, barrier: boolean): { push: CredentialPush; photoKey: string | null } {
  if (barrier) return { push: platePush(h, h.name), photoKey: null };
  const idNumber = h.idNumberEnc ? ctx.crypto.decrypt(h.idNumberEnc) : null;
  // face is never the only way in: ID card (when on file) and the appointment code always go too
  const kinds: CredentialKind[] = [...(h.photoKey ? (['face'] as const) : []), ...(idNumber ? (['id_card'] as const) : []), 'qr'];
  return { push: { personId: personIdOf(h.id), orderId: h.id, name: h.name, validFrom: h.startAt, validTo: h.endAt, idNumber, face: null, kinds }, photoKey: h.photoKey };
}

const keys = new WeakMap<AppContext, Buffer>();
/** A keyed hash of a push (the photo by its key): equal iff the same would be pushed again. */
export function fingerprint(ctx: AppContext, p: CredentialPush, photoKey: string | null): string {
  let k = keys.get(ctx);
  if (!k) keys.set(ctx, (k = Buffer.from(ctx.crypto.derivedSecret('access-push-fingerprint'), 'base64url')));
  const body = JSON.stringify([p.personId, p.name, p.validFrom.getTime(), p.validTo.getTime(), p.idNumber, photoKey, p.kinds, p.plate ?? null]);
  return createHmac('sha256', k).update(body).digest('base64url');
}

/** The device took this exact push (after `forceSince`, when forced): nothing to send. */
export function unchanged(held: HolderRow['held'], hash: string, forceSince: Date | null): boolean {
  if (!held || held.status !== 'issued' || held.pushHash !== hash) return false;
  return !forceSince || (!!held.issuedAt && held.issuedAt.getTime() > forceSince.getTime());
}
