import type { VehicleStatus } from './vehicles.js';
/** Meeting rooms (A5) and room bookings (S4): vocabulary and shapes shared by the server and the apps. */

type L = { 'zh-CN': string; en: string };

/** 排位形式 offered by default (admins may add their own values per room). */
export const SEATING_STYLES = ['课桌式', '剧院式', '回字形', 'U形', '鱼骨式', '岛屿式'] as const;
export const SEATING_STYLE_LABELS: Record<string, L> = {
  课桌式: { 'zh-CN': '课桌式', en: 'Classroom' },
  剧院式: { 'zh-CN': '剧院式', en: 'Theatre' },
  回字形: { 'zh-CN': '回字形', en: 'Hollow square' },
  U形: { 'zh-CN': 'U形', en: 'U-shape' },
  鱼骨式: { 'zh-CN': '鱼骨式', en: 'Herringbone' },
  岛屿式: { 'zh-CN': '岛屿式', en: 'Cluster' },
};

/** 会务需求 offered by default (admins may add their own values per room). */
export const ROOM_SERVICES = ['电视/投影', '电脑', '席签', '茶水', '矿泉水', '话筒', '白板'] as const;
export const ROOM_SERVICE_LABELS: Record<string, L> = {
  '电视/投影': { 'zh-CN': '电视/投影', en: 'TV / projector' },
  电脑: { 'zh-CN': '电脑', en: 'Computer' },
  席签: { 'zh-CN': '席签', en: 'Name cards' },
  茶水: { 'zh-CN': '茶水', en: 'Tea' },
  矿泉水: { 'zh-CN': '矿泉水', en: 'Bottled water' },
  话筒: { 'zh-CN': '话筒', en: 'Microphone' },
  白板: { 'zh-CN': '白板', en: 'Whiteboard' },
};

/** Label of a seating style or service in a locale; custom values show as typed. */
export function vocabLabel(labels: Record<string, L>, value: string, locale: 'zh-CN' | 'en'): string {
  return labels[value]?.[locale] ?? value;
}

/** Room limits (the DB checks the same). Open hours are minutes after local midnight in the center's zone. */
export const ROOM_DEFAULT_OPEN_FROM = 480; // 08:00
export const ROOM_DEFAULT_OPEN_TO = 1440; // 24:00
export const ROOM_SLOT_MINUTES = 15;
export const ROOM_MAX_CAPACITY = 10000;

/** "08:00" from 480; 1440 gives "24:00". */
export function minutesToHhmm(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}
/** 480 from "08:00"; "24:00" gives 1440; null when not HH:mm. */
export function hhmmToMinutes(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}

/** A meeting room as the staff and admin APIs answer it. */
export interface RoomView {
  id: string;
  name: string;
  buildingId: string | null;
  buildingName: string | null;
  /** the unit whose room this is (its staff only); null: a shared room of the center */
  unitId: string | null;
  unitName: string | null;
  floor: string | null;
  location: string | null;
  capacity: number;
  /** API path of the photo behind a session (staff: /api/rooms/:id/photo), null when none */
  photoUrl: string | null;
  seatingStyles: string[];
  services: string[];
  /** minutes after local midnight in the center's zone (480 = 08:00) */
  openFrom: number;
  /** minutes after local midnight in the center's zone (1440 = 24:00) */
  openTo: number;
  slotMinutes: number;
  /** 会议室审核 */
  reviewRequired: boolean;
  approverIds: string[];
  /** 会议承接 */
  undertakerIds: string[];
  enabled: boolean;
}

export interface RoomPerson {
  id: string;
  name: string;
  unitName: string | null;
}

/** Admin list row: the room plus the names of its approvers and undertakers. */
export interface AdminRoomView extends RoomView {
  approvers: RoomPerson[];
  undertakers: RoomPerson[];
  sort: number;
}

/** Body of POST /api/admin/rooms and PUT /api/admin/rooms/:id. */
export interface RoomInput {
  name: string;
  buildingId: string | null;
  /** the owning unit (a 单位管理员's rooms are always their unit's); null or absent: a shared room */
  unitId?: string | null;
  floor: string | null;
  location: string | null;
  capacity: number;
  seatingStyles: string[];
  services: string[];
  openFrom: number;
  openTo: number;
  reviewRequired: boolean;
  approverIds: string[];
  undertakerIds: string[];
  enabled: boolean;
  sort?: number;
}

export const BOOKING_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
export const BOOKING_STATUS_LABELS: Record<BookingStatus, L> = {
  pending: { 'zh-CN': '待审核', en: 'Pending review' },
  approved: { 'zh-CN': '已通过', en: 'Approved' },
  rejected: { 'zh-CN': '未通过', en: 'Rejected' },
  cancelled: { 'zh-CN': '已取消', en: 'Cancelled' },
};

// ——— Room bookings (S4 会议预订, S5 我的预订, S8 会议室审核 / 会议承接确认) ———

export interface BookingPerson {
  id: string;
  name: string;
}

/** A booking in 我的预订 / 会议室审核 / 会议承接确认 lists. */
export interface BookingCard {
  id: string;
  room: { id: string; name: string; location: string | null };
  /** 会议名称 */
  title: string;
  applicant: BookingPerson;
  /** 协同订会人员 */
  coBookers: BookingPerson[];
  startAt: string;
  endAt: string;
  status: BookingStatus;
  headcount: number;
  /** 发起申请于 */
  createdAt: string;
  reviewedAt: string | null;
  /** 会议承接: when and by whom it was confirmed (null: not yet) */
  undertakenAt: string | null;
  undertaker: BookingPerson | null;
}

/** GET /api/bookings/:id — what the signed-in staff member may do with it. */
export interface BookingDetail extends BookingCard {
  settlementUnit: { id: string; name: string };
  seating: string;
  services: string[];
  remark: string | null;
  reviewer: BookingPerson | null;
  reviewComment: string | null;
  cancelledAt: string | null;
  /** applicant / co-booker: 取消预订, 会议邀约; approver: 审核; undertaker: 确认承接 */
  actions: { cancel: boolean; invite: boolean; review: boolean; undertake: boolean };
}

/** POST /api/bookings */
export interface BookingInput {
  roomId: string;
  title: string;
  coBookerIds: string[];
  settlementUnitId: string;
  seating: string;
  headcount: number;
  services: string[];
  remark?: string | null;
  startAt: string;
  endAt: string;
  /** one per filled form: a double tap on 提交 makes one booking */
  idempotencyKey?: string;
}

/** The room as the week and day pages need it. */
export interface BookingRoom {
  id: string;
  name: string;
  buildingName: string | null;
  floor: string | null;
  location: string | null;
  capacity: number;
  seatingStyles: string[];
  services: string[];
  openFrom: number;
  openTo: number;
  slotMinutes: number;
  reviewRequired: boolean;
}

/** GET /api/rooms/:id/week?from=YYYY-MM-DD — 7 days, each with its bookings count and taken time. */
export interface RoomWeek {
  room: BookingRoom;
  today: string;
  days: Array<{
    date: string;
    /** 今日场次: live bookings that day */
    count: number;
    /** within the open hours; minutes after local midnight */
    taken: Array<{ startAt: string; endAt: string; fromMinute: number; toMinute: number }>;
  }>;
}

export const CELL_STATES = ['past', 'taken', 'free'] as const;
export type CellState = (typeof CELL_STATES)[number];

/** GET /api/rooms/:id/day?date=YYYY-MM-DD — one cell per slot of the open hours. */
export interface RoomDay {
  room: BookingRoom;
  date: string;
  cells: Array<{
    startAt: string;
    endAt: string;
    state: CellState;
    /** taken: the meeting's title (who booked it is not shown unless it is mine) */
    title: string | null;
    mine: boolean;
    /** taken by my booking: its id */
    bookingId: string | null;
  }>;
}

/** GET /api/bookings/staff-search?q= — 协同订会人员 picker. */
export interface StaffHit {
  id: string;
  name: string;
  unitName: string;
  departmentName: string | null;
  phoneMasked: string;
}

export type BookingListTab = 'upcoming' | 'history' | 'all';
export type BookingReviewTab = 'pending' | 'done';

/** GET /api/bookings/:id/attendees — one attendee of a meeting (a visit order of kind meeting). */
export type BookingAttendee = MeetingAttendee;

// ------------------------------------------------------------ 会议邀约 (S6), 我的会议 (S7), 会议邀约审核 (S8)

export interface MeetingAttendee {
  orderId: string;
  type: 'internal' | 'external';
  name: string;
  phoneMasked: string;
  unitName: string | null;
  status: 'initiated' | 'pending' | 'confirmed' | 'arrived' | 'cancelled';
  cancelReason: 'rejected' | 'withdrawn_by_visitor' | 'withdrawn_by_host' | 'cascaded' | 'expired' | 'blocked' | null;
  /** shown to the bookers only (车辆审核) */
  plate: string | null;
  /** 车辆通行状态 of the plate (none without one) */
  vehicleStatus: VehicleStatus;
  /** a booker may review this attendee now */
  canReview: boolean;
}

export interface MeetingSummary {
  id: string;
  title: string;
  roomName: string;
  location: string | null;
  startAt: string;
  endAt: string;
  status: BookingStatus;
  applicantName: string;
}

/** GET /api/meetings/:id */
export interface MeetingDetail extends MeetingSummary {
  coBookerNames: string[];
  meetingType: string | null;
  chair: string | null;
  devices: string | null;
  remark: string | null;
  myStatus: MeetingAttendee['status'] | null;
  isBooker: boolean;
  canInvite: boolean;
  attendees: MeetingAttendee[];
}

/** POST /api/bookings/:id/invitations */
export interface InviteBody {
  internal: string[];
  external: Array<{ name: string; phone: string }>;
  meetingType?: string | null;
  chair?: string | null;
  devices?: string | null;
  remark?: string | null;
}

/** GET /api/meetings/approvals — 参会人员 n/m, 车辆审核 n/m */
export interface MeetingApproval extends MeetingSummary {
  progress: { attendees: { done: number; total: number }; vehicles: { done: number; total: number } };
  pending: number;
  attendees: MeetingAttendee[];
}
