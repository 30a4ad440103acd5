/**
 * Notification vocabulary (SPEC X2, A4) shared by the server and the admin console: the visit
 * events, the variables each event's template may use, labels, sample values for the preview,
 * and the one renderer both use (so the admin preview shows what the SMS will say).
 */
export const VISIT_EVENTS = [
  'order_submitted',
  'order_approved',
  'order_rejected',
  'invitation_sent',
  'companion_link',
  'order_cancelled',
  'order_expired',
  'order_cc',
  'visitor_arrived',
  'meeting_invitation',
  'booking_submitted',
  'booking_approved',
  'booking_rejected',
  'booking_cancelled',
  'undertaking_request',
  'undertaking_reminder',
  'security_alert',
  'visitor_overstay',
  'vehicle_submitted',
  'personnel_submitted',
  'personnel_decided',
  'staff_registered',
] as const;
export type VisitEvent = (typeof VISIT_EVENTS)[number];

/**
 * How an event's message is sent: SMS, a voice call reading it out, a WeCom (企业微信) application
 * message to staff (a text card opening the staff app; anyone without a WeCom userid gets the SMS),
 * or not at all.
 */
export const NOTIFY_CHANNELS = ['sms', 'voice', 'wecom', 'none'] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

export const TEMPLATE_CONTENT_MAX = 500;

type L = { 'zh-CN': string; en: string };

export const CHANNEL_LABELS: Record<NotifyChannel, L> = {
  sms: { 'zh-CN': '短信', en: 'SMS' },
  voice: { 'zh-CN': '语音', en: 'Voice' },
  wecom: { 'zh-CN': '企业微信', en: 'WeCom' },
  none: { 'zh-CN': '不发送', en: 'Not sent' },
};

export const EVENT_LABELS: Record<VisitEvent, L> = {
  order_submitted: { 'zh-CN': '预约待审核', en: 'Order submitted (to reviewers)' },
  order_approved: { 'zh-CN': '审核通过', en: 'Order approved' },
  order_rejected: { 'zh-CN': '审核不通过', en: 'Order rejected' },
  invitation_sent: { 'zh-CN': '访客邀约', en: 'Invitation sent' },
  companion_link: { 'zh-CN': '同行人员登记', en: 'Companion registration link' },
  order_cancelled: { 'zh-CN': '预约已取消', en: 'Order cancelled' },
  order_expired: { 'zh-CN': '预约已过期', en: 'Order expired' },
  order_cc: { 'zh-CN': '抄送', en: 'Copied to (CC)' },
  visitor_arrived: { 'zh-CN': '访客已到达', en: 'Visitor arrived' },
  meeting_invitation: { 'zh-CN': '会议邀约', en: 'Meeting invitation' },
  booking_submitted: { 'zh-CN': '会议室待审核', en: 'Room booking submitted' },
  booking_approved: { 'zh-CN': '会议室审核通过', en: 'Room booking approved' },
  booking_rejected: { 'zh-CN': '会议室审核不通过', en: 'Room booking rejected' },
  booking_cancelled: { 'zh-CN': '会议已取消', en: 'Meeting cancelled' },
  undertaking_request: { 'zh-CN': '会议承接', en: 'Meeting to undertake' },
  undertaking_reminder: { 'zh-CN': '会议承接提醒（语音）', en: 'Undertaking reminder (voice call)' },
  security_alert: { 'zh-CN': '安全告警', en: 'Security alert' },
  visitor_overstay: { 'zh-CN': '访客超时未离开', en: 'Visitor overstaying' },
  vehicle_submitted: { 'zh-CN': '车辆待审核', en: 'Vehicle to review' },
  personnel_submitted: { 'zh-CN': '人员信息待审核', en: 'Personnel request to review' },
  personnel_decided: { 'zh-CN': '人员审核结果', en: 'Personnel request decided' },
  staff_registered: { 'zh-CN': '代登记人员开通', en: 'Registered by a colleague' },
};

/** Who receives each event's message (shown in admin). */
export const EVENT_RECIPIENTS: Record<VisitEvent, L> = {
  order_submitted: { 'zh-CN': '受访人、当前审批人', en: 'Host, current approver' },
  order_approved: { 'zh-CN': '访客', en: 'Visitor' },
  order_rejected: { 'zh-CN': '访客', en: 'Visitor' },
  invitation_sent: { 'zh-CN': '被邀访客', en: 'Invited visitor' },
  companion_link: { 'zh-CN': '同行人员', en: 'Companion' },
  order_cancelled: { 'zh-CN': '访客、受访人', en: 'Visitor, host' },
  order_expired: { 'zh-CN': '访客', en: 'Visitor' },
  order_cc: { 'zh-CN': '抄送人', en: 'CC recipient' },
  visitor_arrived: { 'zh-CN': '受访人', en: 'Host' },
  meeting_invitation: { 'zh-CN': '外部参会人员', en: 'External attendee' },
  booking_submitted: { 'zh-CN': '会议室审核人员', en: 'Room approvers' },
  booking_approved: { 'zh-CN': '订会人', en: 'Applicant' },
  booking_rejected: { 'zh-CN': '订会人', en: 'Applicant' },
  booking_cancelled: { 'zh-CN': '参会人员、承接人员', en: 'Attendees, undertakers' },
  undertaking_request: { 'zh-CN': '会议承接人员', en: 'Undertakers' },
  undertaking_reminder: { 'zh-CN': '会议承接人员', en: 'Undertakers' },
  security_alert: { 'zh-CN': '前台接待', en: 'Reception' },
  visitor_overstay: { 'zh-CN': '受访人、前台接待', en: 'Host, reception' },
  vehicle_submitted: { 'zh-CN': '车辆审核人', en: 'Vehicle reviewers' },
  personnel_submitted: { 'zh-CN': '人员审核人', en: 'Personnel reviewers' },
  personnel_decided: { 'zh-CN': '申请人', en: 'Applicant' },
  staff_registered: { 'zh-CN': '被代登记的人员', en: 'The colleague registered' },
};

export const TEMPLATE_VARIABLES = [
  'centerName',
  'visitorName',
  'hostName',
  'unitName',
  'reason',
  'startAt',
  'endAt',
  'timeRange',
  'status',
  'comment',
  'inviterName',
  'meetingTitle',
  'roomName',
  'applicantName',
  'deviceName',
  'alertText',
  'alertAt',
  'overstayMinutes',
  'plate',
  'requesterName',
  'requestKind',
  'staffName',
  'staffAppUrl',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

export const VARIABLE_LABELS: Record<TemplateVariable, L> = {
  centerName: { 'zh-CN': '中心名称', en: 'Center name' },
  visitorName: { 'zh-CN': '访客姓名', en: 'Visitor name' },
  hostName: { 'zh-CN': '受访人', en: 'Host' },
  unitName: { 'zh-CN': '受访单位', en: 'Unit' },
  reason: { 'zh-CN': '来访事由', en: 'Reason' },
  startAt: { 'zh-CN': '开始时间', en: 'Start' },
  endAt: { 'zh-CN': '结束时间', en: 'End' },
  timeRange: { 'zh-CN': '起止时间', en: 'From–to' },
  status: { 'zh-CN': '单据状态', en: 'Status' },
  comment: { 'zh-CN': '审核意见', en: 'Comment' },
  inviterName: { 'zh-CN': '邀请人', en: 'Inviter' },
  meetingTitle: { 'zh-CN': '会议名称', en: 'Meeting' },
  roomName: { 'zh-CN': '会议室', en: 'Room' },
  applicantName: { 'zh-CN': '订会人', en: 'Applicant' },
  deviceName: { 'zh-CN': '地点（设备）', en: 'Where (device)' },
  alertText: { 'zh-CN': '告警内容', en: 'Alert' },
  alertAt: { 'zh-CN': '告警时间', en: 'Alert time' },
  overstayMinutes: { 'zh-CN': '超时分钟数', en: 'Minutes overstayed' },
  plate: { 'zh-CN': '车牌号', en: 'Plate' },
  requesterName: { 'zh-CN': '申请人', en: 'Applicant' },
  requestKind: { 'zh-CN': '申请类型', en: 'Request' },
  staffName: { 'zh-CN': '人员姓名', en: 'Staff member' },
  staffAppUrl: { 'zh-CN': '登录地址', en: 'Sign-in address' },
};

const BASE: TemplateVariable[] = ['centerName', 'visitorName', 'hostName', 'unitName', 'reason', 'startAt', 'endAt', 'timeRange'];

/** The variables each event's template may use. */
export const EVENT_VARIABLES: Record<VisitEvent, TemplateVariable[]> = {
  order_submitted: BASE,
  order_approved: [...BASE, 'comment'],
  order_rejected: [...BASE, 'comment'],
  invitation_sent: [...BASE, 'inviterName'],
  companion_link: [...BASE, 'inviterName'],
  order_cancelled: [...BASE, 'status', 'comment'],
  order_expired: BASE,
  order_cc: [...BASE, 'status'],
  visitor_arrived: BASE,
  meeting_invitation: ['centerName', 'visitorName', 'applicantName', 'meetingTitle', 'roomName', 'startAt', 'endAt', 'timeRange'],
  booking_submitted: ['centerName', 'applicantName', 'meetingTitle', 'roomName', 'startAt', 'endAt', 'timeRange'],
  booking_approved: ['centerName', 'applicantName', 'meetingTitle', 'roomName', 'startAt', 'endAt', 'timeRange', 'comment'],
  booking_rejected: ['centerName', 'applicantName', 'meetingTitle', 'roomName', 'startAt', 'endAt', 'timeRange', 'comment'],
  booking_cancelled: ['centerName', 'applicantName', 'meetingTitle', 'roomName', 'startAt', 'endAt', 'timeRange'],
  undertaking_request: ['centerName', 'applicantName', 'meetingTitle', 'roomName', 'startAt', 'endAt', 'timeRange'],
  undertaking_reminder: ['centerName', 'meetingTitle', 'roomName', 'startAt'],
  security_alert: ['centerName', 'visitorName', 'deviceName', 'alertText', 'alertAt'],
  visitor_overstay: [...BASE, 'overstayMinutes'],
  vehicle_submitted: [...BASE, 'plate'],
  personnel_submitted: ['centerName', 'requesterName', 'requestKind', 'staffName', 'unitName'],
  personnel_decided: ['centerName', 'requestKind', 'staffName', 'status', 'comment'],
  staff_registered: ['centerName', 'staffName', 'unitName', 'requesterName', 'staffAppUrl'],
};

/**
 * The staff-app page a WeCom notice of each event opens (its text card's 详情): the order, the
 * booking, or the home page. null: the event's message is for visitors only, so it can't go by WeCom.
 * A staff recipient of an order can open the order (host, reviewer, CC, vehicle reviewer), of a
 * booking the booking (booker, approver, undertaker).
 */
export const STAFF_PAGES: Record<VisitEvent, 'visit' | 'booking' | 'home' | null> = {
  order_submitted: 'visit',
  order_approved: null,
  order_rejected: null,
  invitation_sent: null,
  companion_link: null,
  order_cancelled: 'visit',
  order_expired: null,
  order_cc: 'visit',
  visitor_arrived: 'visit',
  meeting_invitation: null,
  booking_submitted: 'booking',
  booking_approved: 'booking',
  booking_rejected: 'booking',
  booking_cancelled: 'booking',
  undertaking_request: 'booking',
  undertaking_reminder: 'booking',
  security_alert: 'home',
  visitor_overstay: 'visit',
  vehicle_submitted: 'visit',
  // 人员审核: the notice names its page (审批中心 人员审核, 个人信息, 代登记人员) per recipient
  personnel_submitted: 'home',
  personnel_decided: 'home',
  staff_registered: 'home',
};

/** Events whose template may use the WeCom channel (some of their recipients are staff). */
export const WECOM_EVENTS: readonly VisitEvent[] = VISIT_EVENTS.filter((e) => STAFF_PAGES[e] !== null);

/** The path in the staff app (under /staff) a WeCom notice about `id` opens; null for visitor-only events. */
export function staffPagePath(event: VisitEvent, id: string): string | null {
  const page = STAFF_PAGES[event];
  if (page === 'visit') return `/visits/${encodeURIComponent(id)}`;
  if (page === 'booking') return `/bookings/${encodeURIComponent(id)}`;
  return page === 'home' ? '/' : null;
}

/** Events whose message carries a link (registration / companion / invitation link). */
export const EVENTS_WITH_LINK: readonly VisitEvent[] = ['invitation_sent', 'companion_link', 'meeting_invitation'];

export interface TemplateDefaults {
  channel: NotifyChannel;
  content: string;
  appendCodeLink: boolean;
  enabled: boolean;
}

/** The templates a new installation starts with (zh-CN). */
export const DEFAULT_TEMPLATES: Record<VisitEvent, TemplateDefaults> = {
  order_submitted: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】{visitorName}预约于{timeRange}来访，事由：{reason}，请及时审核。' },
  order_approved: {
    channel: 'sms',
    appendCodeLink: true,
    enabled: true,
    content: '【{centerName}】您预约的来访（{timeRange}，{unitName}，受访人：{hostName}）已审核通过，请按时来访。',
  },
  order_rejected: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】很抱歉，您预约的来访（{timeRange}，{unitName}）未通过审核。{comment}' },
  invitation_sent: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】{hostName}邀请您于{timeRange}到访{unitName}，事由：{reason}。请点击链接登记：' },
  companion_link: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】{inviterName}邀请您作为同行人员于{timeRange}到访{unitName}，请点击链接登记：' },
  order_cancelled: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】{visitorName}于{timeRange}到访{unitName}的预约已取消。{comment}' },
  order_expired: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】您预约的来访（{timeRange}，{unitName}）在来访时间结束前未完成审核，已自动取消。' },
  order_cc: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】{visitorName}于{timeRange}到访{unitName}（受访人：{hostName}）的预约已抄送给您，可在审批中心“抄送我”中查看。' },
  visitor_arrived: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】您的访客{visitorName}已到达（预约时间：{timeRange}），请做好接待。' },
  meeting_invitation: {
    channel: 'sms',
    appendCodeLink: false,
    enabled: true,
    content: '【{centerName}】{applicantName}邀请您参加会议“{meetingTitle}”（{timeRange}，{roomName}），请点击链接登记：',
  },
  booking_submitted: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】{applicantName}预订了{roomName}（{timeRange}，{meetingTitle}），请在审批中心“会议室审核”中审核。' },
  booking_approved: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】您预订的{roomName}（{timeRange}，{meetingTitle}）已审核通过。{comment}' },
  booking_rejected: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】很抱歉，您预订的{roomName}（{timeRange}，{meetingTitle}）未通过审核。{comment}' },
  booking_cancelled: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】会议“{meetingTitle}”（{timeRange}，{roomName}）已取消。' },
  undertaking_request: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】{roomName}将于{timeRange}召开会议“{meetingTitle}”（订会人：{applicantName}），请在审批中心“会议承接确认”中确认承接。' },
  undertaking_reminder: { channel: 'voice', appendCodeLink: false, enabled: true, content: '{centerName}提醒您：{roomName}{startAt}开始的会议{meetingTitle}尚无人确认承接，请尽快确认。' },
  security_alert: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】安全告警：{alertText}，地点：{deviceName}，时间：{alertAt}。请立即核查。' },
  vehicle_submitted: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】{visitorName}于{timeRange}来访{unitName}，车辆{plate}需要审核，请在审批中心“车辆审核”中处理。' },
  visitor_overstay: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】访客{visitorName}（受访人：{hostName}，预约时间：{timeRange}）已超过离开时间{overstayMinutes}分钟仍未签离，请核实。' },
  personnel_submitted: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】{requesterName}提交了{requestKind}（{staffName}，{unitName}），请在审批中心“人员审核”中处理。' },
  personnel_decided: { channel: 'sms', appendCodeLink: false, enabled: true, content: '【{centerName}】您提交的{requestKind}（{staffName}）审核结果：{status}。{comment}' },
  staff_registered: {
    channel: 'sms',
    appendCodeLink: false,
    enabled: true,
    content: '【{centerName}】{staffName}您好，{requesterName}已为您在{unitName}登记智慧通行账号。请打开 {staffAppUrl} ，使用本手机号和短信验证码登录。',
  },
};

/**
 * Names a visitor's message shows masked, as the visitor's pages do (姜*檬): the staff they deal
 * with and the visitor who invited them. Messages to staff keep full names.
 */
export const MASKED_FOR_VISITORS: readonly TemplateVariable[] = ['hostName', 'applicantName', 'inviterName'];

/** Sample values for the admin preview. */
export const SAMPLE_VARS: Record<TemplateVariable, string> = {
  centerName: '市行政中心',
  visitorName: '陈小春',
  hostName: '姜柠檬',
  unitName: '市政务服务管理局',
  reason: '商务洽谈',
  startAt: '11月24日 14:00',
  endAt: '11月24日 16:00',
  timeRange: '11月24日 14:00至16:00',
  status: '已确认',
  comment: '请携带身份证',
  inviterName: '黄波',
  meetingTitle: '季度工作例会',
  roomName: '第一会议室',
  applicantName: '姜柠檬',
  deviceName: '1号楼东门闸机',
  alertText: '黑名单人员陈小春',
  alertAt: '11月24日 09:12',
  overstayMinutes: '30',
  plate: '浙C12345',
  requesterName: '黄波',
  requestKind: '个人信息修改',
  staffName: '姜柠檬',
  staffAppUrl: 'https://example.gov.cn/staff/',
};

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]{0,40})\}/g;

export const isVisitEvent = (v: string): v is VisitEvent => (VISIT_EVENTS as readonly string[]).includes(v);

/** The `{name}` placeholders a template uses, in order of first appearance. */
export function placeholdersOf(content: string): string[] {
  const out: string[] = [];
  for (const m of content.matchAll(PLACEHOLDER)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** Placeholders the event does not offer (the admin is told before saving). */
export function unknownPlaceholders(event: VisitEvent, content: string): string[] {
  const allowed: readonly string[] = EVENT_VARIABLES[event];
  return placeholdersOf(content).filter((p) => !allowed.includes(p));
}

/**
 * Fill `{name}` placeholders from `vars`. Unknown or missing ones are left out (never a crash,
 * never a literal `{name}` in a visitor's SMS); then the links are appended, each after a space.
 * "{startAt}至{endAt}" (templates written before timeRange existed) reads as {timeRange}.
 */
export function renderTemplate(content: string, vars: Record<string, string | undefined>, links: Array<string | undefined | null> = []): string {
  // a window written as "{startAt}至{endAt}" is said once, as timeRange says it (12月6日 10:30至11:30)
  if (vars.timeRange) content = content.replace(/\{startAt\}\s*至\s*\{endAt\}/g, '{timeRange}');
  const body = content.replace(PLACEHOLDER, (_, name: string) => (Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name] ?? '') : ''));
  const tail = links.filter((l): l is string => Boolean(l));
  return tail.length ? `${body}${body && !/[\s：:]$/.test(body) ? ' ' : ''}${tail.join(' ')}` : body;
}
