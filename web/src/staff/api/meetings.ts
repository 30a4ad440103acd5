/** 会议邀约 (S6), 我的会议 (S7), 会议邀约审核 (S8). Attendee reviews go through the visits API (POST /api/visits/:id/review). */
import { http } from '@shared/api';
import type { CancelReason, OrderStatus } from '@contracts/visits';

export interface MeetingAttendee {
  orderId: string;
  type: 'internal' | 'external';
  name: string;
  phoneMasked: string;
  unitName: string | null;
  status: OrderStatus;
  cancelReason: CancelReason | null;
  plate: string | null;
  canReview: boolean;
}
export interface MeetingSummary {
  id: string;
  title: string;
  roomName: string;
  location: string | null;
  startAt: string;
  endAt: string;
  status: 'pending' | 'approved' | 'rejected' | 'cancelled';
  applicantName: string;
}
export interface MeetingDetail extends MeetingSummary {
  coBookerNames: string[];
  meetingType: string | null;
  chair: string | null;
  devices: string | null;
  remark: string | null;
  myStatus: OrderStatus | null;
  isBooker: boolean;
  canInvite: boolean;
  attendees: MeetingAttendee[];
}
export interface InviteBody {
  internal: string[];
  external: Array<{ name: string; phone: string }>;
  meetingType?: string | null;
  chair?: string | null;
  devices?: string | null;
  remark?: string | null;
}
export interface MeetingApproval extends MeetingSummary {
  progress: { attendees: { done: number; total: number }; vehicles: { done: number; total: number } };
  pending: number;
  attendees: MeetingAttendee[];
}
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
