/** 会议邀约 (S6), 我的会议 (S7), 会议邀约审核 (S8). Attendee reviews go through the visits API (POST /api/visits/:id/review). */
import { http } from '@shared/api';
import type { OrderStatus } from '@contracts/visits';
import type { InviteBody, MeetingApproval, MeetingAttendee, MeetingDetail, MeetingSummary } from '@contracts/meetings';

export type { InviteBody, MeetingApproval, MeetingAttendee, MeetingDetail, MeetingSummary };

interface Page<T> {
  items: T[];
  total: number;
}
const enc = encodeURIComponent;

export const inviteToMeeting = (bookingId: string, body: InviteBody) =>
  http.post<{ added: number; skipped: number; attendees: MeetingAttendee[] }>(`/api/bookings/${enc(bookingId)}/invitations`, body);
export const getMeeting = (id: string) => http.get<MeetingDetail>(`/api/meetings/${enc(id)}`);
export const listMyMeetings = (tab: 'upcoming' | 'history', page: number, pageSize: number) =>
  http.get<Page<MeetingSummary & { orderId: string; myStatus: OrderStatus }>>(`/api/meetings?tab=${tab}&page=${page}&pageSize=${pageSize}`);
export const listMeetingApprovals = (tab: 'pending' | 'done', page: number, pageSize: number) =>
  http.get<Page<MeetingApproval>>(`/api/meetings/approvals?tab=${tab}&page=${page}&pageSize=${pageSize}`);
