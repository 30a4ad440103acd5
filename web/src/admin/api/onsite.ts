/** 在场访客 API (K3, A11): who is on site now (arrived, not left), overstaying first. */
import { http } from '@shared/api';
import type { OnSiteList } from '@contracts/lobby';

export type { OnSiteList, OnSiteRow, Presence } from '@contracts/lobby';

export const listOnSite = () => http.get<OnSiteList>('/api/admin/on-site');
