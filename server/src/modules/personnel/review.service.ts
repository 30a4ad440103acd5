/**
 * 人员审核 (S8, A6): the personnel reviewers set for a unit decide its staff's 修改个人信息 and the
 * 代登记人员 into it; CC recipients see them under 抄送我. Approval applies the change (or creates
 * the staff record) through the people module in the same transaction as the request's decision,
 * its audit entry and its notices — if any step fails, nothing changed. Anyone who is not a
 * personnel reviewer of the request's unit gets 404; rejecting needs a comment the applicant sees;
 * nobody reviews their own request.
 */
import { PERSONNEL_REQUEST_KIND_LABELS, type PersonnelRequestKind, type PersonnelRequestView } from '../../../../contracts/personnel.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { deletePhotoNow, enqueuePhotoDeletion } from '../../platform/photos.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../identity/session.js';
import { notifyVisit, publicBase } from '../notify/notify.service.js';
import { mapDbError } from '../people/people.shared.js';
import { StaffRecordsService } from '../people/staff-records.service.js';
import * as repo from './personnel.repository.js';
import type { RequestRow } from './personnel.repository.js';
import { requestPage } from './requests.service.js';
import { buildViews, openPayload, sealPayload, viewerUnits, type Payload } from './personnel.view.js';

export type PersonnelTab = 'pending' | 'done' | 'cc';

export class PersonnelReviewService {
  private readonly records: StaffRecordsService;
  constructor(private readonly ctx: AppContext) {
    this.records = new StaffRecordsService(ctx);
  }

  /** 人员审核 待处理 / 已处理 / 抄送我; 404 for someone who reviews and is copied on no unit's requests. */
  async list(actor: Actor, tab: PersonnelTab, page: number, pageSize: number): Promise<{ items: PersonnelRequestView[]; total: number }> {
    return this.ctx.db.transaction(async (tx) => {
      const u = await viewerUnits(tx, actor);
      if (!u.reviews.length && !u.copied.length) throw new AppError('NOT_FOUND');
      const where = tab === 'pending' ? repo.pendingFor(u.reviews, actor.id) : tab === 'done' ? repo.decidedIn(u.reviews) : repo.copiedIn(u.copied);
      const { rows, total } = await repo.pageRequests(tx, where, page, pageSize);
      await audit(tx, actor, 'personnel.list', { type: 'personnel_request' }, { tab, count: rows.length });
      return { items: await buildViews(tx, this.ctx, rows, actor, u), total };
    });
  }

  /** The 审批中心 badge, and whether the tile shows at all (a reviewer or CC recipient of some unit). */
  async counts(tx: Tx, actor: Actor): Promise<{ personnelPending: number; personnelReviewer: boolean }> {
    const b = await repo.badge(tx, actor.id);
    return { personnelPending: b.pending, personnelReviewer: b.reviewer };
  }

  /** 审核通过 (the change applied / the record created) or 审核不通过 (a comment required). */
  async review(actor: Actor, id: string, decision: 'approve' | 'reject', comment?: string | null): Promise<PersonnelRequestView> {
    const note = comment?.trim() || null;
    if (decision === 'reject' && !note) throw new AppError('COMMENT_REQUIRED');
    const { view, deleteNow } = await this.ctx.db
      .transaction(async (tx) => {
        const r = await repo.findRequest(tx, id, { forUpdate: true });
        const u = await viewerUnits(tx, actor);
        if (!r || !u.reviews.includes(r.unitId)) throw new AppError('NOT_FOUND');
        if (r.applicantId === actor.id) throw new AppError('PERSONNEL_SELF_REVIEW');
        if (r.status !== 'pending') throw new AppError('PERSONNEL_NOT_REVIEWABLE');
        const now = this.ctx.clock.now();
        const p = openPayload(this.ctx, r);
        const decided = { reviewerId: actor.id, comment: note, decidedAt: now, updatedAt: now };
        let next: RequestRow;
        let deleteNow: string | null = null;
        if (decision === 'reject') {
          next = await repo.updateRequest(tx, r.id, { ...decided, status: 'rejected', photoKey: null });
          if (r.photoKey) await enqueuePhotoDeletion(this.ctx, tx, r.photoKey);
          deleteNow = r.photoKey;
        } else {
          const applied = await this.apply(tx, actor, r, p);
          next = await repo.updateRequest(tx, r.id, { ...decided, status: 'approved', targetStaffId: applied.staffId, payload: sealPayload(this.ctx, applied.payload) });
          deleteNow = applied.replacedPhotoKey;
        }
        await this.notifyDecided(tx, next, p);
        await audit(tx, actor, decision === 'approve' ? 'personnel.approve' : 'personnel.reject', { type: 'personnel_request', id: r.id }, {
          kind: r.kind,
          unitId: r.unitId,
          ...(decision === 'approve' && r.kind === 'proxy_registration' ? { createdStaffId: next.targetStaffId } : {}),
        });
        const [view] = await buildViews(tx, this.ctx, [next], actor, u);
        return { view: view!, deleteNow };
      })
      .catch(mapDbError);
    if (deleteNow) await deletePhotoNow(this.ctx, deleteNow);
    return view;
  }

  /** The approved change on the record (the values it replaces kept for the history), or the new record. */
  private async apply(tx: Tx, actor: Actor, r: RequestRow, p: Payload): Promise<{ staffId: string; payload: Payload; replacedPhotoKey: string | null }> {
    const photo = r.photoKey ? { key: r.photoKey, confirmedBy: r.applicantId } : null;
    if (r.kind === 'proxy_registration') {
      const v = p.proposed;
      const staffId = await this.records.createRegistered(tx, actor, { ...v, name: v.name!, phone: v.phone!, unitId: r.unitId }, photo);
      return { staffId, payload: p, replacedPhotoKey: null };
    }
    const cur = await this.records.current(tx, r.applicantId);
    if (!cur) throw new AppError('NOT_FOUND');
    const before = { name: cur.name, phone: cur.phone, idType: cur.idType, idNumber: cur.idNumber, employeeNo: cur.employeeNo, unitName: cur.unitName, departmentName: cur.departmentName, hasPhoto: cur.hasPhoto };
    const { replacedPhotoKey } = await this.records.applyChange(tx, actor, r.applicantId, p.proposed, photo);
    return { staffId: r.applicantId, payload: { ...p, before }, replacedPhotoKey };
  }

  /** personnel_decided to the applicant; a registered colleague is told how to sign in (staff_registered). */
  private async notifyDecided(tx: Tx, r: RequestRow, p: Payload) {
    const kind = r.kind as PersonnelRequestKind;
    const applicant = await this.records.current(tx, r.applicantId);
    const staffName = kind === 'proxy_registration' ? (p.proposed.name ?? '') : (applicant?.name ?? '');
    if (applicant) {
      await notifyVisit(this.ctx, tx, {
        event: 'personnel_decided',
        orderId: r.id,
        unitId: r.unitId,
        recipient: { kind: 'staff', id: applicant.id, phone: applicant.phone, page: requestPage(r.id) },
        vars: { requestKind: PERSONNEL_REQUEST_KIND_LABELS[kind]['zh-CN'], staffName, status: r.status === 'approved' ? '已通过' : '未通过', comment: r.comment ?? '' },
      });
    }
    if (kind === 'proxy_registration' && r.status === 'approved' && r.targetStaffId && p.proposed.phone) {
      const unitName = (await repo.unitNames(tx, [r.unitId])).get(r.unitId) ?? '';
      await notifyVisit(this.ctx, tx, {
        event: 'staff_registered',
        orderId: r.id,
        unitId: r.unitId,
        recipient: { kind: 'staff', id: r.targetStaffId, phone: p.proposed.phone, page: '/' },
        vars: { staffName, unitName, requesterName: applicant?.name ?? '', staffAppUrl: `${publicBase(this.ctx)}/staff/` },
      });
    }
  }
}
