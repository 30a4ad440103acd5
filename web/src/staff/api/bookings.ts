/**
 * Room bookings for the staff app (S4 会议预订, S5 我的预订, S8 会议室审核 / 会议承接确认). Shapes are
 * in contracts/meetings.ts; the server re-checks every action.
 */
import { http } from '@shared/api';
import type {
  BookingAttendee,
  BookingCard,
  BookingDetail,
  BookingInput,
  BookingListTab,
  BookingReviewTab,
  BookingRoom,
  BookingStatus,
  RoomDay,
  RoomView,
  RoomWeek,
  StaffHit,
} from '@contracts/meetings';

export type { BookingAttendee, BookingCard, BookingDetail, BookingInput, BookingListTab, BookingReviewTab, BookingRoom, BookingStatus, RoomDay, RoomView, RoomWeek, StaffHit };
export interface Page<T> {
  items: T[];
  total: number;
}

const qs = (q: Record<string, string | number | undefined>) =>
  new URLSearchParams(Object.entries(q).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]) => [k, String(v)])).toString();
const enc = encodeURIComponent;

/** 查看会议室: enabled rooms. */
export const listRooms = () => http.get<{ items: RoomView[] }>('/api/rooms');
/** The week strip: 7 days from `from` (default today in the center's zone). */
export const getRoomWeek = (roomId: string, from?: string) => http.get<RoomWeek>(`/api/rooms/${enc(roomId)}/week${from ? `?${qs({ from })}` : ''}`);
/** The day page's cells. */
export const getRoomDay = (roomId: string, date: string) => http.get<RoomDay>(`/api/rooms/${enc(roomId)}/day?${qs({ date })}`);
/** 协同订会人员 picker. */
export const searchStaff = (q: string) => http.get<{ items: StaffHit[] }>(`/api/bookings/staff-search?${qs({ q })}`);
/** 提交 the booking (BOOKING_CONFLICT when someone took the time meanwhile). */
export const createBooking = (body: BookingInput) => http.post<BookingDetail>('/api/bookings', body);
/** 我的预订. */
export const listMyBookings = (tab: BookingListTab, page: number, pageSize: number, status?: BookingStatus) =>
  http.get<Page<BookingCard>>(`/api/bookings?${qs({ tab, status, page, pageSize })}`);
export const getBooking = (id: string) => http.get<BookingDetail>(`/api/bookings/${enc(id)}`);
export const cancelBooking = (id: string) => http.post<BookingDetail>(`/api/bookings/${enc(id)}/cancel`);
/** 参会人员 of a booking (built with 会议邀约; 404 until then). */
export const listAttendees = (id: string) => http.get<{ items: BookingAttendee[] }>(`/api/bookings/${enc(id)}/attendees`);
/** 会议室审核. */
export const listRoomApprovals = (tab: BookingReviewTab, page: number, pageSize: number) => http.get<Page<BookingCard>>(`/api/bookings/approvals?${qs({ tab, page, pageSize })}`);
export const reviewBooking = (id: string, decision: 'approve' | 'reject', comment?: string) =>
  http.post<BookingDetail>(`/api/bookings/${enc(id)}/review`, { decision, ...(comment ? { comment } : {}) });
/** 会议承接确认. */
export const listUndertakings = (tab: BookingReviewTab, page: number, pageSize: number) => http.get<Page<BookingCard>>(`/api/bookings/undertakings?${qs({ tab, page, pageSize })}`);
export const undertakeBooking = (id: string) => http.post<BookingDetail>(`/api/bookings/${enc(id)}/undertake`);
/** 审批中心 badges. */
export const getBookingCounts = () => http.get<{ roomsPending: number; undertakePending: number }>('/api/bookings/approvals/counts');
/** 结算单位 choices: the center's units. */
export const listUnits = () => http.get<{ items: Array<{ id: string; name: string }> }>('/api/units');
