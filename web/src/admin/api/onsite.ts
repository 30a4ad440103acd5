/** 在场访客 API (K3, A11): who is on site now (arrived, not left), overstaying first. */
import { http } from '@shared/api';
import type { OnSiteList } from '@contracts/lobby';

export type { OnSiteList, OnSiteRow, Presence } from '@contracts/lobby';

export const listOnSite = () => http.get<OnSiteList>('/api/admin/on-site');

/** 打印 (疏散核对): full phones of everyone on site and their hosts, for the printed sheet only (audited). */
export const evacuationPhones = () => http.get<{ items: Array<{ orderId: string; phone: string; hostPhone: string }> }>('/api/admin/on-site/evacuation-phones');
