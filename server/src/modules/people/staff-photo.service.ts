/**
 * Staff photos (A1, X5). An administrator uploads a staff member's face photo after confirming
 * that the staff member agreed to face processing for gate access; that consent is recorded
 * (consents, subject 'staff', contracts/consent.ts STAFF_FACE_CONSENT_VERSION) with the
 * administrator as the recorder in the audit log. The photo is checked and normalised like a
 * visitor's (platform/photos.ts), stored encrypted apart from the staff record, read only through
 * these routes — every read by an administrator is audited — and deleted when removed (consent
 * withdrawn) or when the staff member is deleted.
 */
import { STAFF_FACE_CONSENT_VERSION } from '../../../../contracts/consent.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { deletePhotoNow, enqueuePhotoDeletion, newFaceKey, normalisePhoto, requirePhotoFile, type PhotoForm } from '../../platform/photos.js';
import { audit } from '../audit/audit.js';
import { assertInUnitScope, unitScopeOf, type Actor } from '../identity/session.js';
import * as repo from './people.repository.js';

export class StaffPhotoService {
  constructor(private readonly ctx: AppContext) {}

  /** POST /api/admin/staff/:id/photo: consent confirmed, then size and format; replaces any photo. */
  async upload(actor: Actor, staffId: string, form: PhotoForm): Promise<{ ok: true }> {
    const { ctx } = this;
    const found = await repo.findStaffPhotoKey(ctx.db, staffId);
    if (!found) throw new AppError('NOT_FOUND');
    assertInUnitScope(unitScopeOf(actor), found.unitId);
    if (form.fields.consentConfirmed !== 'true') throw new AppError('CONSENT_REQUIRED');
    const jpeg = await normalisePhoto(requirePhotoFile(form));
    const storageKey = newFaceKey();
    await ctx.storage.put(storageKey, jpeg);
    let oldKey: string | null;
    try {
      oldKey = await ctx.db.transaction(async (tx) => {
        const cur = await repo.findStaffPhotoKey(tx, staffId, { lock: true });
        if (!cur) throw new AppError('NOT_FOUND');
        const now = ctx.clock.now();
        await repo.setStaffPhotoKey(tx, staffId, storageKey, now);
        // one consent in force: a new photo comes with a new confirmation
        await repo.withdrawStaffFaceConsents(tx, staffId, now);
        await repo.insertStaffFaceConsent(tx, staffId, STAFF_FACE_CONSENT_VERSION, now);
        if (cur.photoKey) await enqueuePhotoDeletion(ctx, tx, cur.photoKey);
        await ctx.hooks.emit(tx, 'holder.changed', { staffId });
        const target = { type: 'staff', id: staffId } as const;
        await audit(tx, actor, 'staff.face_consent.recorded', target, { version: STAFF_FACE_CONSENT_VERSION, recordedBy: { type: actor.type, id: actor.id } });
        await audit(tx, actor, 'staff.photo.upload', target, { bytes: jpeg.length, replaced: Boolean(cur.photoKey) });
        return cur.photoKey;
      });
    } catch (e) {
      await ctx.storage.delete(storageKey);
      throw e;
    }
    if (oldKey) await deletePhotoNow(ctx, oldKey);
    return { ok: true };
  }

  /** GET /api/admin/staff/:id/photo: the JPEG; the read is audited in the same transaction. */
  async read(actor: Actor, staffId: string): Promise<Buffer> {
    return this.ctx.db.transaction(async (tx) => {
      const cur = await repo.findStaffPhotoKey(tx, staffId);
      if (!cur?.photoKey) throw new AppError('NOT_FOUND');
      assertInUnitScope(unitScopeOf(actor), cur.unitId);
      const jpeg = await this.ctx.storage.get(cur.photoKey);
      if (!jpeg) throw new AppError('NOT_FOUND');
      await audit(tx, actor, 'staff.photo.read', { type: 'staff', id: staffId });
      return jpeg;
    });
  }

  /** DELETE /api/admin/staff/:id/photo: reference dropped and consent withdrawn; the object goes after the commit. */
  async remove(actor: Actor, staffId: string): Promise<{ ok: true }> {
    const key = await this.ctx.db.transaction(async (tx) => {
      const cur = await repo.findStaffPhotoKey(tx, staffId, { lock: true });
      if (!cur?.photoKey) throw new AppError('NOT_FOUND');
      assertInUnitScope(unitScopeOf(actor), cur.unitId);
      const withdrawn = await this.dropPhoto(tx, staffId, cur.photoKey);
      await audit(tx, actor, 'staff.photo.delete', { type: 'staff', id: staffId }, { consentsWithdrawn: withdrawn });
      return cur.photoKey;
    });
    await deletePhotoNow(this.ctx, key);
    return { ok: true };
  }

  /**
   * In the caller's transaction: clears the photo reference, withdraws the face consent and
   * queues the object's deletion. The caller deletes the object after the commit (deletePhotoNow).
   */
  async dropPhoto(tx: Tx, staffId: string, photoKey: string): Promise<number> {
    const now = this.ctx.clock.now();
    await repo.setStaffPhotoKey(tx, staffId, null, now);
    await enqueuePhotoDeletion(this.ctx, tx, photoKey);
    // meeting attendees' faces leave the gates now
    await this.ctx.hooks.emit(tx, 'holder.changed', { staffId });
    return repo.withdrawStaffFaceConsents(tx, staffId, now);
  }

  /** GET /api/staff/me/photo: the signed-in staff member's own photo (the owner's read is not audited). */
  async mine(actor: Actor): Promise<Buffer> {
    const cur = await repo.findStaffPhotoKey(this.ctx.db, actor.id);
    if (!cur?.photoKey) throw new AppError('NOT_FOUND');
    const jpeg = await this.ctx.storage.get(cur.photoKey);
    if (!jpeg) throw new AppError('NOT_FOUND');
    return jpeg;
  }
}
