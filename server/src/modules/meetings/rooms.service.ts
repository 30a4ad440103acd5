/**
 * Meeting rooms (A5): the admin's room list and form (name, building/floor/location, capacity,
 * photo, 排位形式, 会务需求, open hours, 15-minute slots, 会议室审核 with approvers, 会议承接
 * undertakers, enabled), and the staff app's room list (S4 查看会议室). Every admin write runs in
 * one transaction with its audit event. Room photos are not personal data, but they live in the
 * same encrypted private storage as faces and are only served behind a session.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, gte, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { AdminRoomView, RoomInput, RoomPerson, RoomView } from '../../../../contracts/meetings.js';
import { buildings, meetingBookings, meetingRooms, staff, units } from '../../db/schema/index.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { deletePhotoNow, enqueuePhotoDeletion, normalisePhoto, requirePhotoFile, type PhotoForm } from '../../platform/photos.js';
import { audit } from '../audit/audit.js';
import { unitScopeOf, type Actor } from '../identity/session.js';
import { checkRoom, normaliseRoom } from './rooms.rules.js';

type RoomRow = typeof meetingRooms.$inferSelect & { buildingName: string | null; unitName: string | null };

export interface AdminRoomFilter {
  q?: string;
  buildingId?: string;
  /** a unit's rooms, or `shared` for the center's rooms */
  unitId?: string;
  enabled?: boolean;
  page: number;
  pageSize: number;
}
export interface StaffRoomFilter {
  buildingId?: string;
  minCapacity?: number;
}

/** A new key for a room photo in private storage. */
const newRoomPhotoKey = () => `rooms/${randomUUID()}`;

function roomSelect(tx: Tx) {
  return tx
    .select({ room: meetingRooms, buildingName: buildings.name, unitName: units.name })
    .from(meetingRooms)
    .leftJoin(buildings, eq(buildings.id, meetingRooms.buildingId))
    .leftJoin(units, eq(units.id, meetingRooms.unitId));
}
const flat = (r: { room: typeof meetingRooms.$inferSelect; buildingName: string | null; unitName: string | null }): RoomRow => ({ ...r.room, buildingName: r.buildingName, unitName: r.unitName });

/** The rooms a staff member may see and book: the center's shared rooms and their own unit's. */
export function roomsOpenTo(staffUnitId: string | null): SQL {
  return staffUnitId ? or(isNull(meetingRooms.unitId), eq(meetingRooms.unitId, staffUnitId))! : isNull(meetingRooms.unitId);
}

/** The unit of a staff member (null when they have none or are gone). */
export async function staffUnitOf(tx: Tx, staffId: string): Promise<string | null> {
  const [s] = await tx.select({ unitId: staff.unitId }).from(staff).where(eq(staff.id, staffId));
  return s?.unitId ?? null;
}

/** ROOM_NOT_FOUND unless a 单位管理员's scope holds the room (a 系统管理员's null scope holds every room). */
function assertRoomInScope(scope: string | null, room: RoomRow | null): asserts room is RoomRow {
  if (!room || (scope !== null && room.unitId !== scope)) throw new AppError('ROOM_NOT_FOUND');
}

/** A room with its building's name, or null. Usable in any transaction (the bookings module reads rooms this way). */
export async function findRoom(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<RoomRow | null> {
  if (opts.lock) await tx.select({ id: meetingRooms.id }).from(meetingRooms).where(eq(meetingRooms.id, id)).for('update');
  const [r] = await roomSelect(tx).where(eq(meetingRooms.id, id));
  return r ? flat(r) : null;
}

/**
 * The shape both APIs answer. `photoBase` is where the photo is read (staff: /api/rooms, admin:
 * /api/admin/rooms); `?v=` changes when the photo does, so an <img> shows the new one.
 */
export function toRoomView(r: RoomRow, photoBase = '/api/rooms'): RoomView {
  return {
    id: r.id,
    name: r.name,
    buildingId: r.buildingId,
    buildingName: r.buildingName,
    unitId: r.unitId,
    unitName: r.unitName,
    floor: r.floor,
    location: r.location,
    capacity: r.capacity,
    photoUrl: r.photoKey ? `${photoBase}/${r.id}/photo?v=${r.photoKey.slice(-8)}` : null,
    seatingStyles: r.seatingStyles,
    services: r.services,
    openFrom: r.openFrom,
    openTo: r.openTo,
    slotMinutes: r.slotMinutes,
    reviewRequired: r.reviewRequired,
    approverIds: r.approverIds,
    undertakerIds: r.undertakerIds,
    enabled: r.enabled,
  };
}

/** Names of the given staff (deleted staff left out), by id. */
async function peopleById(tx: Tx, ids: string[]): Promise<Map<string, RoomPerson>> {
  if (!ids.length) return new Map();
  const rows = await tx
    .select({ id: staff.id, name: staff.name, unitName: units.name })
    .from(staff)
    .leftJoin(units, eq(units.id, staff.unitId))
    .where(and(inArray(staff.id, [...new Set(ids)]), isNull(staff.deletedAt)));
  return new Map(rows.map((r) => [r.id, r]));
}

async function toAdminViews(tx: Tx, rows: RoomRow[]): Promise<AdminRoomView[]> {
  const people = await peopleById(
    tx,
    rows.flatMap((r) => [...r.approverIds, ...r.undertakerIds]),
  );
  const pick = (ids: string[]) => ids.map((id) => people.get(id)).filter((p): p is RoomPerson => Boolean(p));
  return rows.map((r) => ({ ...toRoomView(r, '/api/admin/rooms'), approvers: pick(r.approverIds), undertakers: pick(r.undertakerIds), sort: r.sort }));
}

/** The staff ids that are not (or no longer) staff — or, for a unit's room, not that unit's staff. */
async function missingStaff(tx: Tx, ids: string[], unitId?: string | null): Promise<string[]> {
  if (!ids.length) return [];
  if (unitId) {
    const rows = await tx
      .select({ id: staff.id })
      .from(staff)
      .where(and(inArray(staff.id, [...new Set(ids)]), isNull(staff.deletedAt), eq(staff.unitId, unitId)));
    const found = new Set(rows.map((r) => r.id));
    return ids.filter((id) => !found.has(id));
  }
  const found = await peopleById(tx, ids);
  return ids.filter((id) => !found.has(id));
}

export class RoomsService {
  constructor(private readonly ctx: AppContext) {}

  // ------------------------------------------------------------ admin

  /** GET /api/admin/rooms: search by name, building and state; paged, in 排序 then name order. */
  async list(actor: Actor, f: AdminRoomFilter): Promise<{ items: AdminRoomView[]; total: number; page: number; pageSize: number }> {
    const conds: SQL[] = [];
    const q = f.q?.trim();
    if (q) conds.push(ilike(meetingRooms.name, `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    if (f.buildingId) conds.push(eq(meetingRooms.buildingId, f.buildingId));
    if (f.enabled !== undefined) conds.push(eq(meetingRooms.enabled, f.enabled));
    if (f.unitId) conds.push(f.unitId === 'shared' ? isNull(meetingRooms.unitId) : eq(meetingRooms.unitId, f.unitId));
    // a 单位管理员 sees their unit's rooms only (decision 0015)
    const scope = unitScopeOf(actor);
    if (scope) conds.push(eq(meetingRooms.unitId, scope));
    const where = conds.length ? and(...conds) : undefined;
    return this.ctx.db.transaction(async (tx) => {
      const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(meetingRooms).where(where);
      const rows = await roomSelect(tx)
        .where(where)
        .orderBy(asc(meetingRooms.sort), asc(meetingRooms.name), asc(meetingRooms.id))
        .limit(f.pageSize)
        .offset((f.page - 1) * f.pageSize);
      return { items: await toAdminViews(tx, rows.map(flat)), total: Number(n), page: f.page, pageSize: f.pageSize };
    });
  }

  /** GET /api/admin/rooms/:id */
  async get(actor: Actor, id: string): Promise<AdminRoomView> {
    return this.ctx.db.transaction(async (tx) => {
      const r = await findRoom(tx, id);
      assertRoomInScope(unitScopeOf(actor), r);
      return (await toAdminViews(tx, [r]))[0]!;
    });
  }

  /**
   * Field rules, then the references: building, owning unit, approvers and undertakers must exist.
   * A 单位管理员's room is their unit's (another unit → UNIT_NOT_FOUND, as if it did not exist),
   * and a unit's room has that unit's staff as approvers and undertakers.
   */
  private async checked(tx: Tx, actor: Actor, input: RoomInput, exceptId?: string) {
    const room = normaliseRoom(input);
    const errs = checkRoom(room);
    if (errs.length) throw new AppError(errs[0]!.code, { field: errs[0]!.field });
    if (room.buildingId) {
      const [b] = await tx.select({ id: buildings.id }).from(buildings).where(eq(buildings.id, room.buildingId));
      if (!b) throw new AppError('BUILDING_NOT_FOUND', { field: 'buildingId' });
    }
    const scope = unitScopeOf(actor);
    if (scope) {
      if (room.unitId && room.unitId !== scope) throw new AppError('UNIT_NOT_FOUND', { field: 'unitId' });
      room.unitId = scope;
    } else if (room.unitId) {
      const [u] = await tx.select({ id: units.id }).from(units).where(eq(units.id, room.unitId));
      if (!u) throw new AppError('UNIT_NOT_FOUND', { field: 'unitId' });
    }
    room.unitId = room.unitId ?? null;
    for (const field of ['approverIds', 'undertakerIds'] as const) {
      const missing = await missingStaff(tx, room[field], room.unitId);
      if (missing.length) throw new AppError('STAFF_NOT_FOUND', { field, ids: missing });
    }
    const [dup] = await tx
      .select({ id: meetingRooms.id })
      .from(meetingRooms)
      .where(and(eq(meetingRooms.name, room.name), exceptId ? sql`${meetingRooms.id} <> ${exceptId}` : undefined));
    if (dup) throw new AppError('NAME_TAKEN', { field: 'name' });
    return room;
  }

  /** POST /api/admin/rooms */
  async create(actor: Actor, input: RoomInput): Promise<AdminRoomView> {
    return this.ctx.db.transaction(async (tx) => {
      const room = await this.checked(tx, actor, input);
      const [row] = await tx
        .insert(meetingRooms)
        .values({ ...room, sort: room.sort ?? 0 })
        .returning({ id: meetingRooms.id });
      await audit(tx, actor, 'room.create', { type: 'meeting_room', id: row!.id }, { name: room.name });
      return (await toAdminViews(tx, [(await findRoom(tx, row!.id))!]))[0]!;
    });
  }

  /** PATCH /api/admin/rooms/:id: the given fields change, the whole room is checked again. */
  async update(actor: Actor, id: string, patch: Partial<RoomInput>): Promise<AdminRoomView> {
    return this.ctx.db.transaction(async (tx) => {
      const cur = await findRoom(tx, id, { lock: true });
      assertRoomInScope(unitScopeOf(actor), cur);
      const merged: RoomInput = {
        name: cur.name,
        buildingId: cur.buildingId,
        unitId: cur.unitId,
        floor: cur.floor,
        location: cur.location,
        capacity: cur.capacity,
        seatingStyles: cur.seatingStyles,
        services: cur.services,
        openFrom: cur.openFrom,
        openTo: cur.openTo,
        reviewRequired: cur.reviewRequired,
        approverIds: cur.approverIds,
        undertakerIds: cur.undertakerIds,
        enabled: cur.enabled,
        sort: cur.sort,
        ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
      };
      // approvers and undertakers already on the room who were deleted since do not block other edits
      const keep = new Set([...cur.approverIds, ...cur.undertakerIds]);
      const gone = new Set(await missingStaff(tx, [...keep], cur.unitId));
      merged.approverIds = merged.approverIds.filter((s) => !gone.has(s) || !cur.approverIds.includes(s));
      merged.undertakerIds = merged.undertakerIds.filter((s) => !gone.has(s) || !cur.undertakerIds.includes(s));
      const room = await this.checked(tx, actor, merged, id);
      await tx
        .update(meetingRooms)
        .set({ ...room, sort: room.sort ?? cur.sort, updatedAt: this.ctx.clock.now() })
        .where(eq(meetingRooms.id, id));
      const changed = (Object.keys(room) as Array<keyof typeof room>).filter((k) => k !== 'slotMinutes' && JSON.stringify(room[k]) !== JSON.stringify(cur[k as keyof RoomRow]));
      const target = { type: 'meeting_room', id } as const;
      if (changed.includes('enabled')) await audit(tx, actor, room.enabled ? 'room.enable' : 'room.disable', target, { name: room.name });
      const others = changed.filter((k) => k !== 'enabled');
      if (others.length) await audit(tx, actor, 'room.update', target, { name: room.name, fields: others });
      return (await toAdminViews(tx, [(await findRoom(tx, id))!]))[0]!;
    });
  }

  /** DELETE /api/admin/rooms/:id: only a room that was never booked (else IN_USE: disable it instead). */
  async remove(actor: Actor, id: string): Promise<{ ok: true }> {
    const photoKey = await this.ctx.db
      .transaction(async (tx) => {
        const cur = await findRoom(tx, id, { lock: true });
        assertRoomInScope(unitScopeOf(actor), cur);
        const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(meetingBookings).where(eq(meetingBookings.roomId, id));
        if (Number(n) > 0) throw new AppError('IN_USE', { bookings: Number(n), hint: 'disable' });
        await tx.delete(meetingRooms).where(eq(meetingRooms.id, id));
        if (cur.photoKey) await enqueuePhotoDeletion(this.ctx, tx, cur.photoKey);
        await audit(tx, actor, 'room.delete', { type: 'meeting_room', id }, { name: cur.name });
        return cur.photoKey;
      })
      .catch((e) => {
        // a booking made between the count and the delete
        if (hasSqlState(e, '23503')) throw new AppError('IN_USE', { hint: 'disable' });
        throw e;
      });
    if (photoKey) await deletePhotoNow(this.ctx, photoKey);
    return { ok: true };
  }

  /** POST /api/admin/rooms/:id/photo: JPEG/PNG ≤ 5 MB, stored as a normalised JPEG; replaces any photo. */
  async uploadPhoto(actor: Actor, id: string, form: PhotoForm): Promise<AdminRoomView> {
    const { ctx } = this;
    assertRoomInScope(unitScopeOf(actor), await findRoom(ctx.db, id));
    const jpeg = await normalisePhoto(requirePhotoFile(form));
    const key = newRoomPhotoKey();
    await ctx.storage.put(key, jpeg);
    let result: { old: string | null; view: AdminRoomView };
    try {
      result = await ctx.db.transaction(async (tx) => {
        const cur = await findRoom(tx, id, { lock: true });
        assertRoomInScope(unitScopeOf(actor), cur);
        await tx.update(meetingRooms).set({ photoKey: key, updatedAt: ctx.clock.now() }).where(eq(meetingRooms.id, id));
        if (cur.photoKey) await enqueuePhotoDeletion(ctx, tx, cur.photoKey);
        await audit(tx, actor, 'room.photo.upload', { type: 'meeting_room', id }, { bytes: jpeg.length, replaced: Boolean(cur.photoKey) });
        return { old: cur.photoKey, view: (await toAdminViews(tx, [(await findRoom(tx, id))!]))[0]! };
      });
    } catch (e) {
      await ctx.storage.delete(key);
      throw e;
    }
    if (result.old) await deletePhotoNow(ctx, result.old);
    return result.view;
  }

  /** DELETE /api/admin/rooms/:id/photo */
  async removePhoto(actor: Actor, id: string): Promise<AdminRoomView> {
    const { ctx } = this;
    const { key, view } = await ctx.db.transaction(async (tx) => {
      const cur = await findRoom(tx, id, { lock: true });
      assertRoomInScope(unitScopeOf(actor), cur);
      if (!cur.photoKey) throw new AppError('ROOM_PHOTO_NOT_FOUND');
      await tx.update(meetingRooms).set({ photoKey: null, updatedAt: ctx.clock.now() }).where(eq(meetingRooms.id, id));
      await enqueuePhotoDeletion(ctx, tx, cur.photoKey);
      await audit(tx, actor, 'room.photo.delete', { type: 'meeting_room', id });
      return { key: cur.photoKey, view: (await toAdminViews(tx, [(await findRoom(tx, id))!]))[0]! };
    });
    await deletePhotoNow(ctx, key);
    return view;
  }

  /**
   * The room's photo (not personal data, so the read is not audited): for an administrator within
   * their scope, or for staff a room they may book (enabled, shared or their unit's).
   */
  async photo(actor: Actor, id: string): Promise<Buffer> {
    const r = actor.type === 'admin' ? await findRoom(this.ctx.db, id) : await this.openRoom(actor.id, id);
    if (actor.type === 'admin') assertRoomInScope(unitScopeOf(actor), r);
    if (!r) throw new AppError('ROOM_NOT_FOUND');
    if (!r.photoKey) throw new AppError('ROOM_PHOTO_NOT_FOUND');
    const jpeg = await this.ctx.storage.get(r.photoKey);
    if (!jpeg) throw new AppError('ROOM_PHOTO_NOT_FOUND');
    return jpeg;
  }

  // ------------------------------------------------------------ staff

  /** An enabled room this staff member may book (the center's or their unit's), or null. */
  private async openRoom(staffId: string, id: string): Promise<RoomRow | null> {
    const r = await findRoom(this.ctx.db, id);
    if (!r || !r.enabled) return null;
    if (r.unitId && r.unitId !== (await staffUnitOf(this.ctx.db, staffId))) return null;
    return r;
  }

  /** GET /api/rooms: enabled rooms the staff member may book, optionally in one building and for at least N people. */
  async listForStaff(actor: Actor, f: StaffRoomFilter): Promise<{ items: RoomView[] }> {
    const conds: SQL[] = [eq(meetingRooms.enabled, true), roomsOpenTo(await staffUnitOf(this.ctx.db, actor.id))];
    if (f.buildingId) conds.push(eq(meetingRooms.buildingId, f.buildingId));
    if (f.minCapacity !== undefined) conds.push(gte(meetingRooms.capacity, f.minCapacity));
    const rows = await roomSelect(this.ctx.db)
      .where(and(...conds))
      .orderBy(asc(meetingRooms.sort), asc(meetingRooms.name), asc(meetingRooms.id));
    return { items: rows.map((r) => toRoomView(flat(r))) };
  }

  /** GET /api/rooms/:id: an enabled room the staff member may book (else ROOM_NOT_FOUND). */
  async getForStaff(actor: Actor, id: string): Promise<RoomView> {
    const r = await this.openRoom(actor.id, id);
    if (!r) throw new AppError('ROOM_NOT_FOUND');
    return toRoomView(r);
  }
}

/** Whether a database error (looking through Drizzle's wrapper) has this SQLSTATE. */
function hasSqlState(e: unknown, code: string): boolean {
  let x = e as { code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; i < 4 && x; i++) {
    if (x.code === code) return true;
    x = x.cause as typeof x;
  }
  return false;
}
