/** Queries of the visitors module. Each takes a transaction (or the db); no rules here. */
import { and, asc, desc, eq, gt, isNull } from 'drizzle-orm';
import { consents, photoUploads, sessions, units, visitors } from '../../db/schema/index.js';
import type { Tx } from '../../platform/db.js';

export type VisitorRow = typeof visitors.$inferSelect;
export type PhotoUploadRow = typeof photoUploads.$inferSelect;

export const FACE = 'face';
export const TERMS = 'terms';

export async function findVisitorById(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<VisitorRow | undefined> {
  const q = tx.select().from(visitors).where(eq(visitors.id, id)).limit(1);
  const [v] = opts.lock ? await q.for('update') : await q;
  return v;
}

export async function findVisitorIdByPhone(tx: Tx, phone: string): Promise<string | undefined> {
  const [v] = await tx.select({ id: visitors.id }).from(visitors).where(eq(visitors.phone, phone)).limit(1);
  return v?.id;
}

export async function findVisitorsByIdNumberIndex(tx: Tx, idx: string) {
  return tx.select({ id: visitors.id, phone: visitors.phone }).from(visitors).where(eq(visitors.idNumberIdx, idx));
}

export async function insertVisitor(tx: Tx, values: typeof visitors.$inferInsert): Promise<VisitorRow> {
  const [v] = await tx.insert(visitors).values(values).returning();
  return v!;
}

export async function updateVisitor(tx: Tx, id: string, values: Partial<typeof visitors.$inferInsert>): Promise<VisitorRow> {
  const [v] = await tx.update(visitors).set(values).where(eq(visitors.id, id)).returning();
  return v!;
}

export async function insertPhotoUpload(tx: Tx, values: typeof photoUploads.$inferInsert): Promise<PhotoUploadRow> {
  const [u] = await tx.insert(photoUploads).values(values).returning();
  return u!;
}

/** An upload made in this session, not used yet, newer than `since`; locked for the caller's transaction. */
export async function findOpenUpload(tx: Tx, id: string, sessionId: string, since: Date): Promise<PhotoUploadRow | undefined> {
  const [u] = await tx
    .select()
    .from(photoUploads)
    .where(and(eq(photoUploads.id, id), eq(photoUploads.sessionId, sessionId), isNull(photoUploads.usedAt), gt(photoUploads.createdAt, since)))
    .limit(1)
    .for('update');
  return u;
}

export async function markUploadUsed(tx: Tx, id: string, at: Date): Promise<void> {
  await tx.update(photoUploads).set({ usedAt: at }).where(eq(photoUploads.id, id));
}

/** Deletes an upload nobody used; returns its storage key when it was deleted. */
export async function deleteUnusedUpload(tx: Tx, id: string): Promise<string | undefined> {
  const [u] = await tx
    .delete(photoUploads)
    .where(and(eq(photoUploads.id, id), isNull(photoUploads.usedAt)))
    .returning({ storageKey: photoUploads.storageKey });
  return u?.storageKey;
}

/** Deletes a session's uploads that were never used; returns their storage keys. */
export async function deleteUnusedUploadsOfSession(tx: Tx, sessionId: string): Promise<string[]> {
  const rows = await tx
    .delete(photoUploads)
    .where(and(eq(photoUploads.sessionId, sessionId), isNull(photoUploads.usedAt)))
    .returning({ storageKey: photoUploads.storageKey });
  return rows.map((r) => r.storageKey);
}

export async function insertFaceConsent(tx: Tx, visitorId: string, textVersion: string, grantedAt: Date): Promise<void> {
  await tx.insert(consents).values({ subjectType: 'visitor', subjectId: visitorId, kind: FACE, textVersion, grantedAt });
}

/** 用户协议 and 隐私政策 (contracts/consent.ts TERMS), agreed to at registration. */
export async function insertTermsConsent(tx: Tx, visitorId: string, textVersion: string, grantedAt: Date): Promise<void> {
  await tx.insert(consents).values({ subjectType: 'visitor', subjectId: visitorId, kind: TERMS, textVersion, grantedAt });
}

/** The newest 用户协议/隐私政策 consent, if any. */
export async function findTermsConsent(tx: Tx, visitorId: string) {
  const [c] = await tx
    .select({ textVersion: consents.textVersion, grantedAt: consents.grantedAt })
    .from(consents)
    .where(and(eq(consents.subjectType, 'visitor'), eq(consents.subjectId, visitorId), eq(consents.kind, TERMS), isNull(consents.withdrawnAt)))
    .orderBy(desc(consents.grantedAt))
    .limit(1);
  return c;
}

/** The face consent in force (the newest not withdrawn), if any. */
export async function findActiveFaceConsent(tx: Tx, visitorId: string) {
  const [c] = await tx
    .select({ textVersion: consents.textVersion, grantedAt: consents.grantedAt })
    .from(consents)
    .where(and(eq(consents.subjectType, 'visitor'), eq(consents.subjectId, visitorId), eq(consents.kind, FACE), isNull(consents.withdrawnAt)))
    .orderBy(desc(consents.grantedAt))
    .limit(1);
  return c;
}

export async function withdrawFaceConsents(tx: Tx, visitorId: string, at: Date): Promise<number> {
  const rows = await tx
    .update(consents)
    .set({ withdrawnAt: at })
    .where(and(eq(consents.subjectType, 'visitor'), eq(consents.subjectId, visitorId), eq(consents.kind, FACE), isNull(consents.withdrawnAt)))
    .returning({ id: consents.id });
  return rows.length;
}

export async function deleteSessionById(tx: Tx, id: string): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.id, id));
}

const unitOrder = [asc(units.sortOrder), asc(units.name)];

export async function listUnits(tx: Tx) {
  return tx.select({ id: units.id, name: units.name }).from(units).orderBy(...unitOrder);
}

export async function listUnitInstructions(tx: Tx) {
  return tx.select({ unitId: units.id, unitName: units.name, instructions: units.instructions }).from(units).orderBy(...unitOrder);
}

export async function findUnitInstructions(tx: Tx, unitId: string) {
  const [u] = await tx.select({ unitId: units.id, unitName: units.name, instructions: units.instructions }).from(units).where(eq(units.id, unitId)).limit(1);
  return u;
}
