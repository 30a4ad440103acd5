/** 数据保留 API (X5): the period, the last run, what the next run removes, and 立即执行. docs/api/privacy.md. */
import { http } from '@shared/api';
import type { RetentionOverview, RetentionRun } from '@contracts/privacy';

export type { RetentionItem, RetentionOverview, RetentionRun } from '@contracts/privacy';

export const getRetention = () => http.get<RetentionOverview>('/api/admin/retention');
export const runRetention = () => http.post<RetentionRun>('/api/admin/retention/run');
