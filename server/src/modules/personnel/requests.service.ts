/**
 * Submitting 人员审核 requests (S9 修改个人信息, S10 代登记人员), withdrawing them and reading them.
 * Nothing on a staff record changes here: the proposal is kept encrypted on the request until a
 * personnel reviewer of the unit approves it (review.service.ts). A new phone is proven by an SMS
 * code sent to it; a proposed photo comes with the consent confirmation and is stored encrypted
 * like a staff photo (deleted again when the request is withdrawn or rejected).
 */
import { PERSONNEL_REQUEST_KIND_LABELS, type InfoChangeState, type PersonnelRequestKind, type PersonnelRequestView } from '../../../../contracts/personnel.js';
import { isValidPhone } from '../../../../contracts/identity.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { deletePhotoNow, enqueuePhotoDeletion, newFaceKey, normalisePhoto, requirePhotoFile, type PhotoForm } from '../../platform/photos.js';
import { audit } from '../audit/audit.js';
import { IdentityService } from '../identity/identity.service.js';
import type { Actor } from '../identity/session.js';
import { notifyVisit } from '../notify/notify.service.js';
import { StaffRecordsService, type StaffValues } from '../people/staff-records.service.js';
import * as repo from './personnel.repository.js';
import type { RequestRow } from './personnel.repository.js';
import { infoChangeInput, parseData, proxyRegistrationInput } from './personnel.schemas.js';
import { buildViews, currentValues, maySee, sealPayload, viewerUnits } from './personnel.view.js';

/** The staff-app page a WeCom notice about a request opens: the request, where a reviewer decides it and its applicant follows it. */
export const requestPage = (id: string) => `/personnel/${encodeURIComponent(id)}`;

/** SQLSTATE 23505 on the one-pending-change index: a second submission raced the first. */
function isPendingRace(e: unknown): boolean {
  let x = e as { code?: unknown; constraint?: string; cause?: unknown } | undefined;
  for (let i = 0; i < 4 && x; i++) {
    if (x.code === '23505') return (x.constraint ?? '').includes('one_pending_change');
    x = x.cause as typeof x;
  }
  return false;
}

export class RequestsService {
  private readonly records: StaffRecordsService;
  private readonly identity: IdentityService;
  constructor(private readonly ctx: AppContext) {
    this.records = new StaffRecordsService(ctx);
    this.identity = new IdentityService(ctx);
  }

  /** 修改个人信息: my values now and my latest request. */
  async infoChangeState(actor: Actor): Promise<InfoChangeState> {
    return this.ctx.db.transaction(async (tx) => {
      const cur = await this.records.current(tx, actor.id);
      if (!cur) throw new AppError('NOT_FOUND');
      const latest = await repo.findLatestChange(tx, actor.id);
      const [view] = latest ? await buildViews(tx, this.ctx, [latest], actor, { reviews: [], copied: [] }) : [];
      return { current: currentValues(cur), latest: view ?? null };
    });
  }

  /**
   * An SMS code to the NEW phone (purpose staff_phone_change), the same limits as a sign-in code.
   * A phone that is already mine, or another staff member's, is refused before anything is sent.
   */
  async phoneCode(actor: Actor, phone: string, ip: string): Promise<{ ok: true }> {
    const p = phone.replace(/[\s-]/g, '');
    if (!isValidPhone(p)) throw new AppError('PHONE_INVALID');
    const cur = await this.records.current(this.ctx.db, actor.id);
    if (!cur) throw new AppError('NOT_FOUND');
    if (cur.phone === p) throw new AppError('NOTHING_TO_CHANGE');
    await this.records.checkRefs(this.ctx.db, { phone: p }, actor.id);
    await this.identity.requestCode(p, 'staff_phone_change', ip);
    return { ok: true };
  }

  /** S9: only what differs from my record is kept; one pending change at a time. */
  async submitInfoChange(actor: Actor, form: PhotoForm): Promise<PersonnelRequestView> {
    const input = parseData(infoChangeInput, form.fields.data);
    const withPhoto = this.photoGiven(form);
    const v = this.records.normalise({ name: input.name, phone: input.phone, idType: input.idType, idNumber: input.idNumber, employeeNo: input.employeeNo });
    const cur = await this.records.current(this.ctx.db, actor.id);
    if (!cur) throw new AppError('NOT_FOUND');
    const change: StaffValues = {};
    if (v.name !== undefined && v.name !== cur.name) change.name = v.name;
    if (v.phone !== undefined && v.phone !== cur.phone) change.phone = v.phone;
    // a new document type needs its number
    if (input.idType && v.idNumber === undefined && input.idType !== cur.idType) throw new AppError('REQUIRED_FIELD_MISSING', { field: 'idNumber' });
    if (v.idNumber !== undefined && (v.idNumber !== cur.idNumber || v.idType !== cur.idType)) {
      change.idType = v.idType;
      change.idNumber = v.idNumber;
    }
    if (v.employeeNo !== undefined && v.employeeNo !== cur.employeeNo) change.employeeNo = v.employeeNo;
    if (!Object.keys(change).length && !withPhoto) throw new AppError('NOTHING_TO_CHANGE');
    if (await repo.findPendingChange(this.ctx.db, actor.id)) throw new AppError('PERSONNEL_REQUEST_PENDING');
    await this.records.checkRefs(this.ctx.db, { phone: change.phone, employeeNo: change.employeeNo }, actor.id);
    const jpeg = withPhoto ? await normalisePhoto(requirePhotoFile(form)) : null;
    // last, so that no other mistake in the form uses up the code
    if (change.phone) {
      if (!input.phoneCode?.trim()) throw new AppError('REQUIRED_FIELD_MISSING', { field: 'phoneCode' });
      await this.identity.verifyCode(change.phone, 'staff_phone_change', input.phoneCode.trim());
    }
    return this.insert(actor, jpeg, async (tx, photoKey) => {
      const me = await this.records.current(tx, actor.id);
      if (!me) throw new AppError('NOT_FOUND');
      const row = await repo.insertRequest(tx, {
        kind: 'info_change',
        applicantId: actor.id,
        targetStaffId: actor.id,
        unitId: me.unitId,
        payload: sealPayload(this.ctx, { proposed: change, photo: Boolean(photoKey) }),
        photoKey,
      });
      await this.notifyReviewers(tx, row, me.name, me.name);
      await audit(tx, actor, 'personnel.info_change.submit', { type: 'personnel_request', id: row.id }, { kind: 'info_change', unitId: me.unitId, fields: Object.keys(change).filter((k) => k !== 'idType'), photo: Boolean(photoKey) });
      return row;
    });
  }

  /** S10: any staff member registers a colleague; the colleague's unit's reviewers decide. */
  async submitProxy(actor: Actor, form: PhotoForm): Promise<PersonnelRequestView> {
    const input = parseData(proxyRegistrationInput, form.fields.data);
    const withPhoto = this.photoGiven(form);
    const v = this.records.normalise({ ...input, name: input.name, phone: input.phone });
    if (!v.name || !v.phone) throw new AppError('REQUIRED_FIELD_MISSING', { field: !v.name ? 'name' : 'phone' });
    await this.records.checkRefs(this.ctx.db, v);
    const jpeg = withPhoto ? await normalisePhoto(requirePhotoFile(form)) : null;
    return this.insert(actor, jpeg, async (tx, photoKey) => {
      const me = await this.records.current(tx, actor.id);
      if (!me) throw new AppError('NOT_FOUND');
      const row = await repo.insertRequest(tx, {
        kind: 'proxy_registration',
        applicantId: actor.id,
        unitId: v.unitId!,
        payload: sealPayload(this.ctx, { proposed: v, photo: Boolean(photoKey) }),
        photoKey,
      });
      await this.notifyReviewers(tx, row, me.name, v.name!);
      await audit(tx, actor, 'personnel.proxy.submit', { type: 'personnel_request', id: row.id }, { kind: 'proxy_registration', unitId: v.unitId, photo: Boolean(photoKey) });
      return row;
    });
  }

  /** The applicant takes a pending request back; a proposed photo is deleted. */
  async withdraw(actor: Actor, id: string): Promise<PersonnelRequestView> {
    const { view, photoKey } = await this.ctx.db.transaction(async (tx) => {
      const r = await repo.findRequest(tx, id, { forUpdate: true });
      if (!r || r.applicantId !== actor.id) throw new AppError('NOT_FOUND');
      if (r.status !== 'pending') throw new AppError('PERSONNEL_NOT_REVIEWABLE');
      const next = await repo.updateRequest(tx, r.id, { status: 'withdrawn', decidedAt: this.ctx.clock.now(), photoKey: null, updatedAt: this.ctx.clock.now() });
      if (r.photoKey) await enqueuePhotoDeletion(this.ctx, tx, r.photoKey);
      await audit(tx, actor, 'personnel.withdraw', { type: 'personnel_request', id: r.id }, { kind: r.kind });
      const [view] = await buildViews(tx, this.ctx, [next], actor, await viewerUnits(tx, actor));
      return { view: view!, photoKey: r.photoKey };
    });
    if (photoKey) await deletePhotoNow(this.ctx, photoKey);
    return view;
  }

  /** One request, for its applicant and the reviewers and CC recipients of its unit (a read by them is audited). */
  async get(actor: Actor, id: string): Promise<PersonnelRequestView> {
    return this.ctx.db.transaction(async (tx) => {
      const r = await repo.findRequest(tx, id);
      const u = await viewerUnits(tx, actor);
      if (!r || !maySee(r, actor, u)) throw new AppError('NOT_FOUND');
      if (r.applicantId !== actor.id) await audit(tx, actor, 'personnel.read', { type: 'personnel_request', id: r.id }, { kind: r.kind });
      const [view] = await buildViews(tx, this.ctx, [r], actor, u);
      return view!;
    });
  }

  /** The proposed photo, for the same people; a read by a reviewer or CC recipient is audited. */
  async photo(actor: Actor, id: string): Promise<Buffer> {
    return this.ctx.db.transaction(async (tx) => {
      const r = await repo.findRequest(tx, id);
      if (!r || !maySee(r, actor, await viewerUnits(tx, actor)) || !r.photoKey) throw new AppError('NOT_FOUND');
      const jpeg = await this.ctx.storage.get(r.photoKey);
      if (!jpeg) throw new AppError('NOT_FOUND');
      if (r.applicantId !== actor.id) await audit(tx, actor, 'personnel.photo.read', { type: 'personnel_request', id: r.id }, { kind: r.kind });
      return jpeg;
    });
  }

  /** 代登记人员: the registrations I submitted, by state. */
  async listProxies(actor: Actor, status: 'all' | 'pending' | 'approved' | 'rejected', page: number, pageSize: number): Promise<{ items: PersonnelRequestView[]; total: number }> {
    return this.ctx.db.transaction(async (tx) => {
      const { rows, total } = await repo.pageRequests(tx, repo.proxiesOf(actor.id, status), page, pageSize);
      return { items: await buildViews(tx, this.ctx, rows, actor, await viewerUnits(tx, actor)), total };
    });
  }

  /** Units and departments to choose from when registering a colleague. */
  async org(_actor: Actor) {
    return { units: await this.records.orgTree(this.ctx.db) };
  }

  // ------------------------------------------------------------------------------------------

  /** A file (or a file too large) was sent: it needs the consent confirmation. */
  private photoGiven(form: PhotoForm): boolean {
    const given = Boolean(form.photo) || form.tooLarge;
    if (given && form.fields.consentConfirmed !== 'true') throw new AppError('CONSENT_REQUIRED');
    return given;
  }

  /** Stores the photo (if any), runs the insert in one transaction; the object is deleted again if it fails. */
  private async insert(actor: Actor, jpeg: Buffer | null, write: (tx: Tx, photoKey: string | null) => Promise<RequestRow>): Promise<PersonnelRequestView> {
    const photoKey = jpeg ? newFaceKey() : null;
    if (photoKey) await this.ctx.storage.put(photoKey, jpeg!);
    try {
      return await this.ctx.db.transaction(async (tx) => {
        const row = await write(tx, photoKey);
        const [view] = await buildViews(tx, this.ctx, [row], actor, await viewerUnits(tx, actor));
        return view!;
      });
    } catch (e) {
      if (photoKey) await this.ctx.storage.delete(photoKey);
      if (isPendingRace(e)) throw new AppError('PERSONNEL_REQUEST_PENDING');
      throw e;
    }
  }

  /** personnel_submitted to the unit's personnel reviewers (not the applicant, who can't review it). */
  private async notifyReviewers(tx: Tx, row: RequestRow, requesterName: string, staffName: string) {
    const unitName = (await repo.unitNames(tx, [row.unitId])).get(row.unitId) ?? '';
    const vars = { requesterName, requestKind: PERSONNEL_REQUEST_KIND_LABELS[row.kind as PersonnelRequestKind]['zh-CN'], staffName, unitName };
    for (const r of await repo.findReviewers(tx, row.unitId)) {
      if (r.id === row.applicantId) continue;
      await notifyVisit(this.ctx, tx, { event: 'personnel_submitted', orderId: row.id, recipient: { kind: 'staff', id: r.id, phone: r.phone, page: requestPage(row.id) }, vars, unitId: row.unitId });
    }
  }
}
