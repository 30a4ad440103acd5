/**
 * Default template texts of earlier releases. A stored template still equal to one of them was
 * never edited by an administrator, so ensureDefaultTemplates brings it to today's wording —
 * unless a provider template is mapped to its event (a real provider's parameters are positional
 * and its template text approved by the carrier: changing ours would misplace them).
 */
import type { VisitEvent } from '../../../../contracts/notify.js';

export const FORMER_DEFAULTS: Partial<Record<VisitEvent, readonly string[]>> = {
  // before issue 9: the window said twice (12月6日 10:30至12月6日 11:30), 您预约 without 的
  order_submitted: ['【{centerName}】{visitorName}预约于{startAt}来访，事由：{reason}，请及时审核。'],
  order_approved: ['【{centerName}】您预约{startAt}至{endAt}到访{unitName}（受访人：{hostName}）已审核通过，请按时来访。'],
  order_rejected: ['【{centerName}】很抱歉，您预约{startAt}到访{unitName}的申请未通过审核。{comment}'],
  invitation_sent: ['【{centerName}】{hostName}邀请您于{startAt}来访{unitName}，事由：{reason}，请点击链接登记：'],
  companion_link: ['【{centerName}】{inviterName}邀请您作为同行人员于{startAt}到访{unitName}，请点击链接登记：'],
  order_cancelled: ['【{centerName}】{visitorName}于{startAt}到访{unitName}的预约已取消。{comment}'],
  order_expired: ['【{centerName}】{visitorName}于{startAt}到访{unitName}的预约未在来访时间内审核，已过期取消。'],
  order_cc: ['【{centerName}】{visitorName}于{startAt}到访{unitName}（受访人：{hostName}）的预约已抄送给您，可在审批中心“抄送我”中查看。'],
  visitor_arrived: ['【{centerName}】您的访客{visitorName}已于{startAt}后到达，请做好接待。'],
  meeting_invitation: ['【{centerName}】{applicantName}邀请您参加会议“{meetingTitle}”（{roomName}，{startAt}至{endAt}），请点击链接登记：'],
  booking_submitted: ['【{centerName}】{applicantName}预订了{roomName}（{startAt}至{endAt}，{meetingTitle}），请在审批中心“会议室审核”中审核。'],
  booking_approved: ['【{centerName}】您预订的{roomName}（{startAt}至{endAt}，{meetingTitle}）已审核通过。{comment}'],
  booking_rejected: ['【{centerName}】很抱歉，您预订的{roomName}（{startAt}至{endAt}，{meetingTitle}）未通过审核。{comment}'],
  booking_cancelled: ['【{centerName}】会议“{meetingTitle}”（{roomName}，{startAt}）已取消。'],
  undertaking_request: ['【{centerName}】{roomName}将于{startAt}至{endAt}召开会议“{meetingTitle}”（订会人：{applicantName}），请在审批中心“会议承接确认”中确认承接。'],
  undertaking_reminder: ['{centerName}提醒您：{roomName}{startAt}的会议{meetingTitle}尚无人确认承接，请尽快确认。'],
};
