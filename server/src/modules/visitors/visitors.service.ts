/**
 * Visitor self-service (V2 注册, V5 我的注册信息, V6 办理须知) and face photos (X5).
 * Every method starts from an actor that the route has checked with requireActor; visitors reach
 * only their own record (actor.id), so no id from the request can point at someone else's.
 */
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { checkIdNumber, isValidPhone, maskIdNumber, normaliseIdNumber, type IdType } from '../../../../contracts/identity.js';
import { FACE_CONSENT_VERSION, TERMS_VERSION } from '../../../../contracts/consent.js';
import { audit } from '../audit/audit.js';
import { createSession, type Actor } from '../identity/session.js';
import { deletePhotoNow, enqueuePhotoDeletion, newFaceKey, normalisePhoto, requirePhotoFile, type PhotoForm } from '../../platform/photos.js';
import * as repo from './visitors.repository.js';
import { enqueueUploadPurge, UPLOAD_TTL_MS } from './visitors.jobs.js';
import type { MyVisitorInfo, RegisterInput, VisitorInfoInput } from './visitors.schemas.js';

/** A photo taken at the kiosk (K1/K2), with the face consent given when it was taken. */
export type KioskUpload = repo.PhotoUploadRow;

const UPLOADS_PER_SESSION_PER_HOUR = 30;
type ConsentRow = { textVersion: string; grantedAt: Date };

/** A phone session's id is the phone number itself: the audit log records the session instead. */
function auditActor(actor: Actor): Actor {
  return actor.type === 'phone' ? { ...actor, id: `session:${actor.sessionId}` } : actor;
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === '23505' || err?.cause?.code === '23505';
}

export class VisitorsService {
  constructor(private readonly ctx: AppContext) {}

  /** POST /api/visitor/photos: consent first, then size and format; stored encrypted under faces/. */
  async uploadPhoto(actor: Actor, form: PhotoForm): Promise<{ uploadId: string }> {
    const { ctx } = this;
    if (!actor.sessionId) throw new AppError('AUTH_REQUIRED');
    const consentVersion = form.fields.consentVersion;
    if (consentVersion !== FACE_CONSENT_VERSION) throw new AppError('CONSENT_REQUIRED');
    const file = requirePhotoFile(form);
    if ((await ctx.rateLimiter.hit(`photo:${actor.sessionId}`, 3600)) > UPLOADS_PER_SESSION_PER_HOUR) throw new AppError('RATE_LIMITED');
    const jpeg = await normalisePhoto(file);
    const storageKey = newFaceKey();
    await ctx.storage.put(storageKey, jpeg);
    try {
      const now = ctx.clock.now();
      const upload = await ctx.db.transaction(async (tx) => {
        const u = await repo.insertPhotoUpload(tx, { sessionId: actor.sessionId!, storageKey, consentVersion, consentAt: now, createdAt: now });
        await enqueueUploadPurge(ctx, tx, u.id, now);
        await audit(tx, auditActor(actor), 'visitor.photo_uploaded', { type: 'photo_upload', id: u.id }, { consentVersion: u.consentVersion, bytes: jpeg.length });
        return u;
      });
      return { uploadId: upload.id };
    } catch (e) {
      await ctx.storage.delete(storageKey);
      throw e;
    }
  }

  /** POST /api/visitor/register (V2): a verified phone becomes a visitor; the session is replaced. */
  async register(actor: Actor, input: RegisterInput, reply: FastifyReply, userAgent?: string): Promise<MyVisitorInfo> {
    const { ctx } = this;
    const phone = actor.id;
    if (!isValidPhone(phone) || !actor.sessionId) throw new AppError('AUTH_REQUIRED');
    if (input.termsVersion !== TERMS_VERSION) throw new AppError('TERMS_REQUIRED');
    const idNumber = this.checkedIdNumber(input.idType, input.idNumber);
    const now = ctx.clock.now();
    const { v: visitor, upload } = await ctx.db.transaction(async (tx) => {
      if (await repo.findVisitorIdByPhone(tx, phone)) throw new AppError('ALREADY_REGISTERED');
      const upload = input.photoUploadId ? await this.takeUpload(tx, input.photoUploadId, actor.sessionId!, now) : undefined;
      let v: repo.VisitorRow;
      try {
        v = await repo.insertVisitor(tx, {
          phone,
          name: input.name,
          idType: input.idType,
          idNumberEnc: ctx.crypto.encrypt(idNumber),
          idNumberIdx: ctx.crypto.blindIndex(idNumber),
          company: input.company,
          position: input.position,
          photoKey: upload?.storageKey ?? null,
          createdAt: now,
          updatedAt: now,
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new AppError('ALREADY_REGISTERED');
        throw e;
      }
      await repo.insertTermsConsent(tx, v.id, TERMS_VERSION, now);
      if (upload) {
        await repo.markUploadUsed(tx, upload.id, now);
        await repo.insertFaceConsent(tx, v.id, upload.consentVersion, upload.consentAt);
      }
      const visitorActor: Actor = { type: 'visitor', id: v.id, ip: actor.ip };
      await audit(tx, visitorActor, 'visitor.registered', { type: 'visitor', id: v.id }, { photo: Boolean(upload), idType: input.idType, termsVersion: TERMS_VERSION });
      if (upload) await audit(tx, visitorActor, 'visitor.face_consent_granted', { type: 'visitor', id: v.id }, { version: upload.consentVersion });
      await repo.deleteSessionById(tx, actor.sessionId!);
      await createSession(ctx, tx, reply, { type: 'visitor', id: v.id }, userAgent);
      return { v, upload };
    });
    return this.view(visitor, idNumber, upload && { textVersion: upload.consentVersion, grantedAt: upload.consentAt }, { textVersion: TERMS_VERSION, grantedAt: now });
  }

  /** GET /api/visitor/me (V5): the owner's own record, with the full ID number and its mask. */
  async getMine(actor: Actor): Promise<MyVisitorInfo> {
    const v = await repo.findVisitorById(this.ctx.db, actor.id);
    if (!v) throw new AppError('NOT_FOUND');
    const consent = await repo.findActiveFaceConsent(this.ctx.db, v.id);
    const terms = await repo.findTermsConsent(this.ctx.db, v.id);
    return this.view(v, v.idNumberEnc ? this.ctx.crypto.decrypt(v.idNumberEnc) : null, consent, terms);
  }

  /** PUT /api/visitor/me (V5 修改注册信息); a new photo replaces the old one, which is then deleted. */
  async updateMine(actor: Actor, input: VisitorInfoInput): Promise<MyVisitorInfo> {
    const { ctx } = this;
    const idNumber = this.checkedIdNumber(input.idType, input.idNumber);
    const now = ctx.clock.now();
    const { v, oldKey } = await ctx.db.transaction(async (tx) => {
      const cur = await repo.findVisitorById(tx, actor.id, { lock: true });
      if (!cur) throw new AppError('NOT_FOUND');
      const upload = input.photoUploadId ? await this.takeUpload(tx, input.photoUploadId, actor.sessionId ?? '', now) : undefined;
      const idNumberIdx = ctx.crypto.blindIndex(idNumber);
      const changed = [
        cur.name !== input.name && 'name',
        (cur.idType !== input.idType || cur.idNumberIdx !== idNumberIdx) && 'idNumber',
        (cur.company ?? null) !== input.company && 'company',
        (cur.position ?? null) !== input.position && 'position',
        upload && 'photo',
      ].filter(Boolean);
      const v = await repo.updateVisitor(tx, cur.id, {
        name: input.name,
        idType: input.idType,
        idNumberEnc: cur.idNumberIdx === idNumberIdx && cur.idNumberEnc ? cur.idNumberEnc : ctx.crypto.encrypt(idNumber),
        idNumberIdx,
        company: input.company,
        position: input.position,
        ...(upload ? { photoKey: upload.storageKey } : {}),
        updatedAt: now,
      });
      if (upload) {
        await repo.markUploadUsed(tx, upload.id, now);
        await repo.insertFaceConsent(tx, cur.id, upload.consentVersion, upload.consentAt);
        await audit(tx, actor, 'visitor.face_consent_granted', { type: 'visitor', id: cur.id }, { version: upload.consentVersion });
        if (cur.photoKey) await enqueuePhotoDeletion(ctx, tx, cur.photoKey);
        await ctx.hooks.emit(tx, 'holder.changed', { visitorId: cur.id });
      }
      await audit(tx, actor, 'visitor.updated', { type: 'visitor', id: cur.id }, { fields: changed });
      return { v, oldKey: upload ? cur.photoKey : null };
    });
    if (oldKey) await this.deleteObject(oldKey);
    const consent = await repo.findActiveFaceConsent(ctx.db, v.id);
    const terms = await repo.findTermsConsent(ctx.db, v.id);
    return this.view(v, idNumber, consent, terms);
  }

  /** GET /api/visitor/me/photo: the owner's own photo (JPEG). */
  async getMyPhoto(actor: Actor): Promise<Buffer> {
    const v = await repo.findVisitorById(this.ctx.db, actor.id);
    if (!v?.photoKey) throw new AppError('NOT_FOUND');
    const data = await this.ctx.storage.get(v.photoKey);
    if (!data) throw new AppError('NOT_FOUND');
    return data;
  }

  /** DELETE /api/visitor/me/face-consent (X5): consent withdrawn, photo reference dropped, object deleted. */
  async withdrawFaceConsent(actor: Actor): Promise<{ ok: true }> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const keys = await ctx.db.transaction(async (tx) => {
      const cur = await repo.findVisitorById(tx, actor.id, { lock: true });
      if (!cur) throw new AppError('NOT_FOUND');
      const withdrawn = await repo.withdrawFaceConsents(tx, cur.id, now);
      // photos uploaded in this session but not saved yet go too
      const keys = actor.sessionId ? await repo.deleteUnusedUploadsOfSession(tx, actor.sessionId) : [];
      if (cur.photoKey) {
        await repo.updateVisitor(tx, cur.id, { photoKey: null, updatedAt: now });
        keys.push(cur.photoKey);
      }
      for (const k of keys) await enqueuePhotoDeletion(ctx, tx, k);
      // the face leaves the gates now, not when the visits end
      await ctx.hooks.emit(tx, 'holder.changed', { visitorId: cur.id });
      await audit(tx, actor, 'visitor.face_consent_withdrawn', { type: 'visitor', id: cur.id }, { consents: withdrawn, photoDeleted: Boolean(cur.photoKey) });
      return keys;
    });
    for (const k of keys) await this.deleteObject(k);
    return { ok: true };
  }

  /** Public: GET /api/units */
  async listUnits() {
    return { items: await repo.listUnits(this.ctx.db) };
  }
  /** Public: GET /api/instructions (V6) */
  async listInstructions() {
    return { items: await repo.listUnitInstructions(this.ctx.db) };
  }
  /** Public: GET /api/units/:id/instructions (V6) */
  async getUnitInstructions(unitId: string) {
    const u = await repo.findUnitInstructions(this.ctx.db, unitId);
    if (!u) throw new AppError('NOT_FOUND');
    return u;
  }

  /**
   * 触摸拍照 at a kiosk (K2): the photo just taken (an upload of the kiosk's session, with the consent
   * the visitor gave there) becomes the visitor's registered photo, with a new face consent; the
   * gates get it through the holder re-sync. Runs in the caller's transaction; returns the old
   * object's key, for the caller to delete after commit.
   */
  async replacePhotoAtKiosk(tx: Tx, actor: Actor, visitorId: string, uploadId: string): Promise<string[]> {
    const upload = await this.takeKioskUpload(tx, actor, uploadId);
    return this.applyKioskUpload(tx, actor, visitorId, upload, 'replace');
  }

  /** A photo taken at the kiosk in this session, unused and not expired, locked (UPLOAD_NOT_FOUND otherwise). */
  takeKioskUpload(tx: Tx, actor: Actor, uploadId: string): Promise<KioskUpload> {
    return this.takeUpload(tx, uploadId, actor.sessionId ?? '', this.ctx.clock.now());
  }

  /**
   * What a kiosk upload becomes (K1 walk-in, K2 触摸拍照): `registered` — the photo the visitor was
   * just registered with (its consent recorded); `replace` — the library photo replaced (the gates
   * told, audited; the old object's key returned for deletion after commit); `discard` — the visitor
   * keeps the photo on file (the new object's key returned for deletion). The upload is used up in every case.
   */
  async applyKioskUpload(tx: Tx, actor: Actor, visitorId: string, upload: KioskUpload, mode: 'registered' | 'replace' | 'discard'): Promise<string[]> {
    const now = this.ctx.clock.now();
    const old: string[] = [];
    if (mode === 'registered') {
      await repo.insertFaceConsent(tx, visitorId, upload.consentVersion, upload.consentAt);
    } else if (mode === 'replace') {
      const v = await repo.findVisitorById(tx, visitorId, { lock: true });
      if (!v) throw new AppError('NOT_FOUND');
      if (v.photoKey) old.push(v.photoKey);
      await repo.withdrawFaceConsents(tx, v.id, now);
      await repo.updateVisitor(tx, v.id, { photoKey: upload.storageKey, updatedAt: now });
      await repo.insertFaceConsent(tx, v.id, upload.consentVersion, upload.consentAt);
      await this.ctx.hooks.emit(tx, 'holder.changed', { visitorId: v.id });
      await audit(tx, actor, 'visitor.photo_replace', { type: 'visitor', id: v.id }, { via: 'kiosk' });
    } else {
      old.push(upload.storageKey); // not kept: nothing refers to it once the upload is used
    }
    await repo.markUploadUsed(tx, upload.id, now);
    return old;
  }

  private checkedIdNumber(type: IdType, raw: string): string {
    const problem = checkIdNumber(type, raw);
    if (problem) throw new AppError(problem);
    return normaliseIdNumber(raw);
  }

  /** An upload of this session, unused and not expired, locked; otherwise UPLOAD_NOT_FOUND. */
  private async takeUpload(tx: Tx, uploadId: string, sessionId: string, now: Date): Promise<KioskUpload> {
    const u = await repo.findOpenUpload(tx, uploadId, sessionId, new Date(now.getTime() - UPLOAD_TTL_MS));
    if (!u) throw new AppError('UPLOAD_NOT_FOUND');
    return u;
  }

  private deleteObject(key: string) {
    return deletePhotoNow(this.ctx, key);
  }

  private view(v: repo.VisitorRow, idNumber: string | null, consent?: ConsentRow, terms?: ConsentRow): MyVisitorInfo {
    return {
      id: v.id,
      name: v.name,
      phone: v.phone,
      idType: v.idType as IdType,
      idNumber,
      idNumberMasked: idNumber ? maskIdNumber(idNumber) : null,
      company: v.company,
      position: v.position,
      hasPhoto: Boolean(v.photoKey),
      faceConsent: v.photoKey && consent ? { version: consent.textVersion, grantedAt: consent.grantedAt.toISOString() } : null,
      termsConsent: terms ? { version: terms.textVersion, grantedAt: terms.grantedAt.toISOString() } : null,
      updatedAt: v.updatedAt.toISOString(),
    };
  }
}
