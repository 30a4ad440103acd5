/**
 * 审计日志 in words: every audit action and subject type the server records, with its label in
 * zh-CN and en, and the details (a small JSON object per entry) as readable "key: value" pairs.
 * The server's `audit()` only accepts the actions and subject types listed here, and a test reads
 * the server source for `audit(…, '<action>'` so that no action reaches the log without a label.
 */
import { DEVICE_ADAPTER_LABELS, DOOR_OPEN_RESULT_LABELS, PASS_METHOD_LABELS, PASS_RESULT_LABELS } from './access.js';
import { ID_TYPE_LABELS } from './identity.js';
import { CANCEL_REASON_LABELS, KIND_LABELS, STATUS_LABELS } from './visits.js';
import { PERSONNEL_REQUEST_KIND_LABELS } from './personnel.js';

type L = { 'zh-CN': string; en: string };
export type AuditLocale = keyof L;

export const AUDIT_ACTION_LABELS = {
  'access.credential.retry': { 'zh-CN': '重试凭证下发', en: 'Retried a credential push' },
  'access.credentials.read': { 'zh-CN': '查看下发队列', en: 'Viewed the credential queue' },
  'access.device.create': { 'zh-CN': '新增通行设备', en: 'Added an access device' },
  'access.device.delete': { 'zh-CN': '删除通行设备', en: 'Deleted an access device' },
  'access.door.open': { 'zh-CN': '远程开门', en: 'Opened a door remotely' },
  'access.device.health': { 'zh-CN': '检测设备连接', en: 'Checked a device connection' },
  'access.device.held.read': { 'zh-CN': '查看设备上的凭证', en: 'Viewed the credentials on a device' },
  'access.device.simulate': { 'zh-CN': '模拟通行', en: 'Simulated a pass' },
  'access.device.token.read': { 'zh-CN': '查看设备令牌', en: 'Viewed a device token' },
  'access.device.update': { 'zh-CN': '修改通行设备', en: 'Edited an access device' },
  'access.events.read': { 'zh-CN': '查看通行记录', en: 'Viewed pass records' },
  'access.events.export': { 'zh-CN': '导出通行记录', en: 'Exported pass records' },
  'admin.locked': { 'zh-CN': '管理员账号已锁定', en: 'Administrator account locked' },
  'admin.login': { 'zh-CN': '管理员登录', en: 'Administrator signed in' },
  'admin.login_failed': { 'zh-CN': '管理员登录失败', en: 'Administrator sign-in failed' },
  'admin.two_factor_failed': { 'zh-CN': '管理员动态验证码错误', en: 'Administrator entered a wrong authenticator code' },
  'admin.recovery_code_used': { 'zh-CN': '管理员使用恢复码登录', en: 'Administrator signed in with a recovery code' },
  'admin.two_factor_enabled': { 'zh-CN': '开启双重验证', en: 'Two-step verification turned on' },
  'admin.two_factor_disabled': { 'zh-CN': '关闭双重验证', en: 'Two-step verification turned off' },
  'admin.recovery_codes_regenerated': { 'zh-CN': '重新生成恢复码', en: 'Recovery codes regenerated' },
  'admin.create': { 'zh-CN': '新增管理员', en: 'Administrator created' },
  'admin.update': { 'zh-CN': '修改管理员', en: 'Administrator changed' },
  'admin.password_reset': { 'zh-CN': '重置管理员密码', en: 'Administrator password reset' },
  'admin.unlock': { 'zh-CN': '解锁管理员', en: 'Administrator unlocked' },
  'admin.two_factor_reset': { 'zh-CN': '重置管理员双重验证', en: "Administrator's two-step verification reset" },
  'admin.list': { 'zh-CN': '查看管理员列表', en: 'Administrators listed' },
  'alerts.handle': { 'zh-CN': '处理安全告警', en: 'Handled security alerts' },
  'alerts.read': { 'zh-CN': '查看安全告警', en: 'Viewed security alerts' },
  'approval_chain.delete': { 'zh-CN': '删除审批流程', en: 'Deleted an approval chain' },
  'approval_chain.save': { 'zh-CN': '保存审批流程', en: 'Saved an approval chain' },
  'audit.export': { 'zh-CN': '导出操作日志', en: 'Exported the audit log' },
  'retention.read': { 'zh-CN': '查看数据保留', en: 'Viewed data retention' },
  'retention.run': { 'zh-CN': '执行数据保留清理', en: 'Ran the data-retention purge' },
  'records.export': { 'zh-CN': '导出访客记录', en: 'Exported visit records' },
  'records.export.download': { 'zh-CN': '下载导出文件', en: 'Downloaded an export file' },
  'records.order.read': { 'zh-CN': '查看访客记录详情', en: 'Viewed a visit record' },
  'records.orders.read': { 'zh-CN': '查询访客记录', en: 'Searched visit records' },
  'webhook.create': { 'zh-CN': '新增 Webhook', en: 'Added a webhook endpoint' },
  'webhook.update': { 'zh-CN': '修改 Webhook', en: 'Edited a webhook endpoint' },
  'webhook.delete': { 'zh-CN': '删除 Webhook', en: 'Deleted a webhook endpoint' },
  'webhook.rotate': { 'zh-CN': '更换 Webhook 签名密钥', en: 'Rotated a webhook signing secret' },
  'webhook.redeliver': { 'zh-CN': '重新投递 Webhook', en: 'Redelivered a webhook message' },
  'webhook.delivery.read': { 'zh-CN': '查看 Webhook 投递内容', en: 'Viewed a webhook delivery' },
  'webhook.test': { 'zh-CN': '发送 Webhook 测试事件', en: 'Sent a webhook test event' },
  'roll_call.end': { 'zh-CN': '结束点名', en: 'Ended a roll call' },
  'roll_call.mark': { 'zh-CN': '点名：标记安全', en: 'Roll call: marked safe' },
  'roll_call.read': { 'zh-CN': '查看点名名单', en: 'Viewed the roll call list' },
  'roll_call.start': { 'zh-CN': '开始点名', en: 'Started a roll call' },
  'unit_reviewers.update': { 'zh-CN': '设置车辆/人员审核人', en: 'Set vehicle / personnel reviewers' },
  'booking.approve': { 'zh-CN': '会议室预订审核通过', en: 'Approved a room booking' },
  'booking.cancel': { 'zh-CN': '取消会议室预订', en: 'Cancelled a room booking' },
  'booking.create': { 'zh-CN': '预订会议室', en: 'Booked a meeting room' },
  'booking.expire': { 'zh-CN': '会议室预订过期取消', en: 'Room booking expired' },
  'booking.reject': { 'zh-CN': '会议室预订审核不通过', en: 'Rejected a room booking' },
  'booking.undertake': { 'zh-CN': '确认承接会议', en: 'Undertook a meeting' },
  'building.create': { 'zh-CN': '新增楼宇', en: 'Added a building' },
  'building.delete': { 'zh-CN': '删除楼宇', en: 'Deleted a building' },
  'building.update': { 'zh-CN': '修改楼宇', en: 'Edited a building' },
  'department.create': { 'zh-CN': '新增部门', en: 'Added a department' },
  'department.delete': { 'zh-CN': '删除部门', en: 'Deleted a department' },
  'department.update': { 'zh-CN': '修改部门', en: 'Edited a department' },
  'job.retry': { 'zh-CN': '重试任务', en: 'Retried a job' },
  'kiosk_device.create': { 'zh-CN': '新增访客机', en: 'Added a kiosk' },
  'kiosk_device.pair': { 'zh-CN': '访客机配对', en: 'Paired a kiosk' },
  'kiosk_device.revoke': { 'zh-CN': '停用访客机', en: 'Revoked a kiosk' },
  'meeting.approvals.list': { 'zh-CN': '查看会议邀约审核', en: 'Viewed meeting-invitation reviews' },
  'meeting.attendees.read': { 'zh-CN': '查看参会人员', en: 'Viewed meeting attendees' },
  'meeting.invite': { 'zh-CN': '会议邀约', en: 'Invited to a meeting' },
  'notification_template.update': { 'zh-CN': '修改通知模板', en: 'Edited a notification template' },
  'notification_template.unit.update': { 'zh-CN': '修改单位通知模板', en: 'Edited a unit\'s notification template' },
  'notification_template.unit.reset': { 'zh-CN': '单位通知模板恢复为中心模板', en: 'Set a unit\'s notification template back to the center\'s' },
  'personnel.info_change.submit': { 'zh-CN': '提交个人信息修改', en: 'Submitted a change of personal details' },
  'personnel.proxy.submit': { 'zh-CN': '代登记人员', en: 'Registered a colleague on their behalf' },
  'personnel.withdraw': { 'zh-CN': '撤回人员审核申请', en: 'Withdrew a personnel request' },
  'personnel.approve': { 'zh-CN': '人员审核通过', en: 'Approved a personnel request' },
  'personnel.reject': { 'zh-CN': '人员审核不通过', en: 'Rejected a personnel request' },
  'personnel.read': { 'zh-CN': '查看人员审核申请', en: 'Viewed a personnel request' },
  'personnel.photo.read': { 'zh-CN': '查看人员审核照片', en: 'Viewed the photo of a personnel request' },
  'personnel.list': { 'zh-CN': '查看人员审核', en: 'Viewed personnel reviews' },
  'room.create': { 'zh-CN': '新增会议室', en: 'Added a meeting room' },
  'room.delete': { 'zh-CN': '删除会议室', en: 'Deleted a meeting room' },
  'room.disable': { 'zh-CN': '停用会议室', en: 'Disabled a meeting room' },
  'room.enable': { 'zh-CN': '启用会议室', en: 'Enabled a meeting room' },
  'room.photo.delete': { 'zh-CN': '删除会议室照片', en: 'Deleted a room photo' },
  'room.photo.upload': { 'zh-CN': '上传会议室照片', en: 'Uploaded a room photo' },
  'room.update': { 'zh-CN': '修改会议室', en: 'Edited a meeting room' },
  'sms_outbox.read': { 'zh-CN': '查看短信发件箱', en: 'Viewed the SMS outbox' },
  'staff.create': { 'zh-CN': '新增人员', en: 'Added a staff member' },
  'staff.delete': { 'zh-CN': '删除人员', en: 'Deleted a staff member' },
  'staff.export': { 'zh-CN': '导出人员', en: 'Exported staff' },
  'staff.face_consent.recorded': { 'zh-CN': '登记人员人脸授权', en: 'Recorded a staff face consent' },
  'staff.import': { 'zh-CN': '导入人员', en: 'Imported staff' },
  'staff.list': { 'zh-CN': '查看人员列表', en: 'Viewed the staff list' },
  'staff.photo.delete': { 'zh-CN': '删除人员照片', en: 'Deleted a staff photo' },
  'staff.photo.read': { 'zh-CN': '查看人员照片', en: 'Viewed a staff photo' },
  'staff.photo.upload': { 'zh-CN': '上传人员照片', en: 'Uploaded a staff photo' },
  'staff.read': { 'zh-CN': '查看人员', en: 'Viewed a staff member' },
  'staff.update': { 'zh-CN': '修改人员', en: 'Edited a staff member' },
  'unit.create': { 'zh-CN': '新增单位', en: 'Added a unit' },
  'unit.delete': { 'zh-CN': '删除单位', en: 'Deleted a unit' },
  'unit.update': { 'zh-CN': '修改单位', en: 'Edited a unit' },
  'visit.approve': { 'zh-CN': '审核通过', en: 'Approved a visit' },
  'visit.cancel': { 'zh-CN': '取消单据', en: 'Cancelled a visit' },
  'visit.code_verify': { 'zh-CN': '核验访客预约码', en: 'Verified an appointment code' },
  'visit.slip_code': { 'zh-CN': '打印访客凭条', en: 'Printed a visitor slip' },
  'visit.lobby_find': { 'zh-CN': '访客机查询预约', en: 'Looked up an appointment at a kiosk' },
  'visit.check_in': { 'zh-CN': '访客机签到', en: 'Checked a visitor in at a kiosk' },
  'visit.vehicle_approve': { 'zh-CN': '车辆审核通过', en: 'Approved a vehicle' },
  'visit.vehicle_reject': { 'zh-CN': '车辆审核不通过', en: 'Rejected a vehicle' },
  'visit.vehicle_list': { 'zh-CN': '查看车辆审核', en: 'Viewed vehicle reviews' },
  'visit.check_out': { 'zh-CN': '访客机签离', en: 'Checked a visitor out at a kiosk' },
  'visit.on_site_read': { 'zh-CN': '查看在场访客', en: 'Viewed who is on site' },
  'visit.evacuation_phones_read': { 'zh-CN': '打印疏散核对清单（完整手机号）', en: 'Printed the evacuation sheet (full phone numbers)' },
  'visit.companions_add': { 'zh-CN': '添加同行人员', en: 'Added companions' },
  'visit.create': { 'zh-CN': '访客预约', en: 'Requested a visit' },
  'visit.forward_link': { 'zh-CN': '转发同伴填写', en: 'Forwarded a companion link' },
  'visit.help_fill': { 'zh-CN': '帮同伴填写', en: 'Filled in for a companion' },
  'visit.invite': { 'zh-CN': '访客邀约', en: 'Invited a visitor' },
  'visit.list': { 'zh-CN': '查看单据列表', en: 'Viewed a list of visits' },
  'visit.read': { 'zh-CN': '查看单据', en: 'Viewed a visit' },
  'visit.reject': { 'zh-CN': '审核不通过', en: 'Rejected a visit' },
  'visit.submit_link': { 'zh-CN': '通过链接提交', en: 'Submitted through a link' },
  'visit.walk_in': { 'zh-CN': '现场登记', en: 'Walk-in registered' },
  'visitor.block': { 'zh-CN': '列入黑名单', en: 'Put on the blocklist' },
  'visitor.face_consent_granted': { 'zh-CN': '同意人脸信息处理', en: 'Agreed to face processing' },
  'visitor.face_consent_withdrawn': { 'zh-CN': '撤回人脸信息授权', en: 'Withdrew face consent' },
  'visitor.list': { 'zh-CN': '查看访客库', en: 'Viewed the visitor library' },
  'visitor.photo.read': { 'zh-CN': '查看访客照片', en: 'Viewed a visitor photo' },
  'visitor.photo_replace': { 'zh-CN': '替换注册照片', en: 'Replaced a registration photo' },
  'visitor.photo_uploaded': { 'zh-CN': '上传照片', en: 'Uploaded a photo' },
  'visitor.read': { 'zh-CN': '查看访客', en: 'Viewed a visitor' },
  'visitor.register_at_kiosk': { 'zh-CN': '访客机登记新访客', en: 'Registered a visitor at a kiosk' },
  'visitor.register_by_companion': { 'zh-CN': '同伴代为注册', en: 'Registered by a companion' },
  'visitor.registered': { 'zh-CN': '访客注册', en: 'Visitor registered' },
  'visitor.unblock': { 'zh-CN': '移出黑名单', en: 'Taken off the blocklist' },
  'visitor.updated': { 'zh-CN': '修改注册信息', en: 'Updated registration details' },
  'visitor.data_export': { 'zh-CN': '导出我的数据', en: 'Exported their own data' },
  'visitor.account_deleted': { 'zh-CN': '注销账号', en: 'Deleted their account' },
  'visitor.wechat_bound': { 'zh-CN': '绑定微信', en: 'Linked WeChat' },
} as const satisfies Record<string, L>;
export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;
export const AUDIT_ACTIONS = Object.keys(AUDIT_ACTION_LABELS) as AuditAction[];

/** What an entry is about (the `target` of `audit()`). */
export const AUDIT_SUBJECT_LABELS = {
  access_credential: { 'zh-CN': '凭证下发', en: 'Credential push' },
  access_device: { 'zh-CN': '通行设备', en: 'Access device' },
  access_event: { 'zh-CN': '通行记录', en: 'Pass record' },
  admin: { 'zh-CN': '管理员', en: 'Administrator' },
  approval_chain: { 'zh-CN': '审批流程', en: 'Approval chain' },
  audit_log: { 'zh-CN': '操作日志', en: 'Audit log' },
  building: { 'zh-CN': '楼宇', en: 'Building' },
  department: { 'zh-CN': '部门', en: 'Department' },
  job: { 'zh-CN': '任务', en: 'Job' },
  kiosk_device: { 'zh-CN': '访客机', en: 'Kiosk' },
  meeting_booking: { 'zh-CN': '会议室预订', en: 'Room booking' },
  meeting_room: { 'zh-CN': '会议室', en: 'Meeting room' },
  notification_template: { 'zh-CN': '通知模板', en: 'Notification template' },
  personnel_request: { 'zh-CN': '人员审核申请', en: 'Personnel request' },
  photo_upload: { 'zh-CN': '照片', en: 'Photo' },
  retention: { 'zh-CN': '数据保留', en: 'Data retention' },
  roll_call: { 'zh-CN': '点名', en: 'Roll call' },
  security_alert: { 'zh-CN': '安全告警', en: 'Security alert' },
  sms_outbox: { 'zh-CN': '短信发件箱', en: 'SMS outbox' },
  staff: { 'zh-CN': '内部人员', en: 'Staff member' },
  unit: { 'zh-CN': '单位', en: 'Unit' },
  visit_order: { 'zh-CN': '来访单据', en: 'Visit order' },
  visitor: { 'zh-CN': '访客', en: 'Visitor' },
  webhook_endpoint: { 'zh-CN': 'Webhook', en: 'Webhook endpoint' },
} as const satisfies Record<string, L>;
export type AuditSubjectType = keyof typeof AUDIT_SUBJECT_LABELS;
export const AUDIT_SUBJECT_TYPES = Object.keys(AUDIT_SUBJECT_LABELS) as AuditSubjectType[];

/** Who did it (audit_log.actor_type). */
export const AUDIT_ACTOR_TYPES = ['visitor', 'staff', 'admin', 'kiosk', 'phone', 'system'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];
export const AUDIT_ACTOR_TYPE_LABELS: Record<AuditActorType, L> = {
  admin: { 'zh-CN': '管理员', en: 'Administrator' },
  staff: { 'zh-CN': '内部人员', en: 'Staff' },
  visitor: { 'zh-CN': '访客', en: 'Visitor' },
  kiosk: { 'zh-CN': '访客机', en: 'Kiosk' },
  phone: { 'zh-CN': '未注册手机', en: 'Unregistered phone' },
  system: { 'zh-CN': '系统', en: 'System' },
};

/** The keys the details use, in words; a key not listed is shown as it is. */
export const AUDIT_DETAIL_KEY_LABELS: Record<string, L> = {
  action: { 'zh-CN': '操作', en: 'Action' },
  actorId: { 'zh-CN': '操作人', en: 'Actor' },
  actorType: { 'zh-CN': '操作人类型', en: 'Actor type' },
  added: { 'zh-CN': '新增', en: 'Added' },
  adapter: { 'zh-CN': '适配器', en: 'Adapter' },
  all: { 'zh-CN': '全部', en: 'All' },
  after: { 'zh-CN': '修改后', en: 'After' },
  appendCodeLink: { 'zh-CN': '附带预约码链接', en: 'Code link appended' },
  approvedBy: { 'zh-CN': '审核人', en: 'Approved by' },
  attendeeOrdersCancelled: { 'zh-CN': '取消的参会单据', en: 'Attendee orders cancelled' },
  before: { 'zh-CN': '修改前', en: 'Before' },
  blocked: { 'zh-CN': '黑名单', en: 'Blocklisted' },
  by: { 'zh-CN': '查询方式', en: 'Looked up by' },
  cc: { 'zh-CN': '抄送人数', en: 'CC recipients' },
  buildingId: { 'zh-CN': '楼宇', en: 'Building' },
  exportId: { 'zh-CN': '导出编号', en: 'Export' },
  retentionDays: { 'zh-CN': '保存期限（天）', en: 'Retention (days)' },
  trigger: { 'zh-CN': '触发方式', en: 'Triggered by' },
  photos: { 'zh-CN': '删除照片', en: 'Photos deleted' },
  idNumbers: { 'zh-CN': '删除证件号码', en: 'ID numbers deleted' },
  unusedRegistrations: { 'zh-CN': '删除未使用的注册', en: 'Unused registrations deleted' },
  inviteeIdNumbers: { 'zh-CN': '删除同行/受邀人证件号码', en: 'Companion/invitee ID numbers deleted' },
  ordersAnonymised: { 'zh-CN': '匿名化的单据', en: 'Orders anonymised' },
  messagesErased: { 'zh-CN': '清除的短信记录', en: 'Messages erased' },
  hostId: { 'zh-CN': '被访人', en: 'Host' },
  orderStatus: { 'zh-CN': '单据状态', en: 'Order status' },
  result: { 'zh-CN': '通行结果', en: 'Result' },
  rows: { 'zh-CN': '行数', en: 'Rows' },
  searchBy: { 'zh-CN': '访客查询方式', en: 'Visitor searched by' },
  dateFrom: { 'zh-CN': '起始日期', en: 'From' },
  dateTo: { 'zh-CN': '截止日期', en: 'To' },
  visitor: { 'zh-CN': '访客', en: 'Visitor' },
  checkedIn: { 'zh-CN': '签到人数', en: 'Checked in' },
  offline: { 'zh-CN': '离线补传', en: 'Sent after being offline' },
  bytes: { 'zh-CN': '文件大小', en: 'Size' },
  ccStaffIds: { 'zh-CN': '抄送人', en: 'CC' },
  channel: { 'zh-CN': '渠道', en: 'Channel' },
  comment: { 'zh-CN': '意见', en: 'Comment' },
  companions: { 'zh-CN': '同行人员', en: 'Companions' },
  consents: { 'zh-CN': '授权', en: 'Consents' },
  consentsWithdrawn: { 'zh-CN': '撤回的授权', en: 'Consents withdrawn' },
  consentVersion: { 'zh-CN': '授权版本', en: 'Consent version' },
  content: { 'zh-CN': '内容', en: 'Content' },
  count: { 'zh-CN': '条数', en: 'Count' },
  rollCallId: { 'zh-CN': '点名', en: 'Roll call' },
  safe: { 'zh-CN': '已确认安全', en: 'Marked safe' },
  total: { 'zh-CN': '共计人数', en: 'People in all' },
  created: { 'zh-CN': '新增', en: 'Created' },
  createdStaffId: { 'zh-CN': '新建人员', en: 'Staff record created' },
  departmentId: { 'zh-CN': '部门', en: 'Department' },
  deskConfirmed: { 'zh-CN': '前台确认', en: 'Confirmed at the desk' },
  deviceId: { 'zh-CN': '设备', en: 'Device' },
  door: { 'zh-CN': '门号', en: 'Door' },
  doorNo: { 'zh-CN': '门号', en: 'Door' },
  doorResult: { 'zh-CN': '开门结果', en: 'Result' },
  enabled: { 'zh-CN': '启用', en: 'Enabled' },
  event: { 'zh-CN': '通知节点', en: 'Event' },
  endAt: { 'zh-CN': '结束时间', en: 'End' },
  error: { 'zh-CN': '设备返回', en: 'Device said' },
  external: { 'zh-CN': '外部参会人', en: 'External attendees' },
  fields: { 'zh-CN': '修改项', en: 'Fields' },
  webhookUrl: { 'zh-CN': '推送地址', en: 'URL' },
  webhookEvents: { 'zh-CN': '订阅事件', en: 'Events' },
  messageId: { 'zh-CN': '消息编号', en: 'Message ID' },
  eventType: { 'zh-CN': '事件', en: 'Event' },
  username: { 'zh-CN': '用户名', en: 'Username' },
  disabled: { 'zh-CN': '已停用', en: 'Disabled' },
  secondFactor: { 'zh-CN': '第二步验证方式', en: 'Second step' },
  fileName: { 'zh-CN': '文件名', en: 'File' },
  from: { 'zh-CN': '原状态', en: 'From' },
  id: { 'zh-CN': 'ID', en: 'ID' },
  idType: { 'zh-CN': '证件类型', en: 'ID type' },
  internal: { 'zh-CN': '内部参会人', en: 'Internal attendees' },
  jobType: { 'zh-CN': '任务类型', en: 'Job type' },
  kind: { 'zh-CN': '类型', en: 'Kind' },
  main: { 'zh-CN': '主单据', en: 'Main order' },
  method: { 'zh-CN': '通行方式', en: 'Method' },
  name: { 'zh-CN': '名称', en: 'Name' },
  nodes: { 'zh-CN': '审批节点', en: 'Approval nodes' },
  openGrants: { 'zh-CN': '开门权限', en: 'Who may open' },
  ok: { 'zh-CN': '连接正常', en: 'Reachable' },
  orderId: { 'zh-CN': '单据', en: 'Order' },
  page: { 'zh-CN': '页码', en: 'Page' },
  password: { 'zh-CN': '密码', en: 'Password' },
  personId: { 'zh-CN': '人员编号', en: 'Person ID' },
  phoneFilter: { 'zh-CN': '手机号筛选', en: 'Phone filter' },
  photo: { 'zh-CN': '照片', en: 'Photo' },
  photoDeleted: { 'zh-CN': '照片已删除', en: 'Photo deleted' },
  purpose: { 'zh-CN': '链接用途', en: 'Link purpose' },
  reason: { 'zh-CN': '原因', en: 'Reason' },
  remoteOpen: { 'zh-CN': '远程开门', en: 'Remote opening' },
  recordedBy: { 'zh-CN': '登记人', en: 'Recorded by' },
  replaced: { 'zh-CN': '替换原照片', en: 'Replaced the old photo' },
  reviewRequired: { 'zh-CN': '需要审核', en: 'Review required' },
  role: { 'zh-CN': '角色', en: 'Role' },
  roomId: { 'zh-CN': '会议室', en: 'Room' },
  scope: { 'zh-CN': '范围', en: 'Scope' },
  search: { 'zh-CN': '按关键词搜索', en: 'Keyword search' },
  shown: { 'zh-CN': '显示条数', en: 'Shown' },
  staffId: { 'zh-CN': '人员', en: 'Staff member' },
  startAt: { 'zh-CN': '开始时间', en: 'Start' },
  state: { 'zh-CN': '处理状态', en: 'State' },
  status: { 'zh-CN': '状态', en: 'Status' },
  step: { 'zh-CN': '审批节点序号', en: 'Approval step' },
  tab: { 'zh-CN': '标签页', en: 'Tab' },
  targetId: { 'zh-CN': '对象编号', en: 'Subject ID' },
  targetType: { 'zh-CN': '对象', en: 'Subject' },
  termsVersion: { 'zh-CN': '用户协议与隐私政策版本', en: 'Terms and privacy policy version' },
  type: { 'zh-CN': '类型', en: 'Type' },
  unitId: { 'zh-CN': '单位', en: 'Unit' },
  updated: { 'zh-CN': '更新', en: 'Updated' },
  version: { 'zh-CN': '授权版本', en: 'Consent version' },
  via: { 'zh-CN': '来源', en: 'Via' },
  visitPermission: { 'zh-CN': '访问权限', en: 'Visit permission' },
  wasBlocked: { 'zh-CN': '原为黑名单', en: 'Was blocklisted' },
};

/** Values in words where a key's values are codes (a value not listed is shown as it is). */
const VALUE_LABELS: Record<string, Record<string, L>> = {
  adapter: DEVICE_ADAPTER_LABELS,
  channel: { sms: { 'zh-CN': '短信', en: 'SMS' }, voice: { 'zh-CN': '语音', en: 'Voice call' }, none: { 'zh-CN': '不通知', en: 'None' } },
  idType: ID_TYPE_LABELS,
  kind: { ...KIND_LABELS, ...PERSONNEL_REQUEST_KIND_LABELS },
  doorResult: {
    ...DOOR_OPEN_RESULT_LABELS,
    not_permitted: { 'zh-CN': '无开门权限', en: 'Not permitted' },
    rate_limited: { 'zh-CN': '开门过于频繁', en: 'Too many openings' },
  },
  method: PASS_METHOD_LABELS,
  trigger: { schedule: { 'zh-CN': '每日自动', en: 'Daily schedule' }, admin: { 'zh-CN': '管理员立即执行', en: 'Run now by an administrator' }, cli: { 'zh-CN': '命令行', en: 'Command line' } },
  password: { set: { 'zh-CN': '已设置', en: 'Set' }, removed: { 'zh-CN': '已移除', en: 'Removed' } },
  purpose: {
    companion: { 'zh-CN': '同行人员', en: 'Companion' },
    invitation: { 'zh-CN': '邀约', en: 'Invitation' },
    forward: { 'zh-CN': '转发填写', en: 'Forwarded link' },
    meeting: { 'zh-CN': '会议邀约', en: 'Meeting invitation' },
  },
  reason: CANCEL_REASON_LABELS,
  state: { open: { 'zh-CN': '待处理', en: 'Open' }, handled: { 'zh-CN': '已处理', en: 'Handled' } },
  tab: { pending: { 'zh-CN': '待处理', en: 'To do' }, done: { 'zh-CN': '已处理', en: 'Done' }, cc: { 'zh-CN': '抄送我', en: 'CC’d to me' } },
  via: { kiosk: { 'zh-CN': '访客机', en: 'Kiosk' } },
  searchBy: {
    name: { 'zh-CN': '姓名', en: 'Name' },
    phone: { 'zh-CN': '手机号', en: 'Phone' },
    phone_suffix: { 'zh-CN': '手机尾号', en: 'Phone ending' },
    id_number: { 'zh-CN': '证件号码', en: 'ID number' },
  },
  result: PASS_RESULT_LABELS,
  orderStatus: STATUS_LABELS,
  // an export of the audit log keeps its filter: the action, subject and actor type in words
  action: AUDIT_ACTION_LABELS,
  targetType: AUDIT_SUBJECT_LABELS,
  actorType: AUDIT_ACTOR_TYPE_LABELS,
};

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function auditActionLabel(action: string, locale: AuditLocale): string {
  return own(AUDIT_ACTION_LABELS, action) ? AUDIT_ACTION_LABELS[action as AuditAction][locale] : action;
}
export function auditSubjectLabel(type: string, locale: AuditLocale): string {
  return own(AUDIT_SUBJECT_LABELS, type) ? AUDIT_SUBJECT_LABELS[type as AuditSubjectType][locale] : type;
}
export function auditActorTypeLabel(type: string, locale: AuditLocale): string {
  return own(AUDIT_ACTOR_TYPE_LABELS, type) ? AUDIT_ACTOR_TYPE_LABELS[type as AuditActorType][locale] : type;
}
export function auditKeyLabel(key: string, locale: AuditLocale): string {
  return own(AUDIT_DETAIL_KEY_LABELS, key) ? AUDIT_DETAIL_KEY_LABELS[key]![locale] : key;
}

export interface AuditDetailPair {
  key: string;
  label: string;
  value: string;
}
export interface AuditFormatOptions {
  /** how an ISO date-time in the details is shown (e.g. in the center's time zone) */
  date?: (iso: string) => string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const SEP = { 'zh-CN': { kv: '：', list: '、', pair: '，', open: '（', close: '）' }, en: { kv: ': ', list: ', ', pair: ', ', open: '(', close: ')' } };

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function formatValue(key: string, v: unknown, locale: AuditLocale, opts: AuditFormatOptions): string {
  const s = SEP[locale];
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? (locale === 'en' ? 'Yes' : '是') : locale === 'en' ? 'No' : '否';
  if (typeof v === 'number') return key === 'bytes' ? bytes(v) : String(v);
  if (typeof v === 'string') {
    const labels = own(VALUE_LABELS, key) ? VALUE_LABELS[key]! : undefined;
    if (labels && own(labels, v)) return labels[v]![locale];
    if (ISO_DATE.test(v) && opts.date) return opts.date(v);
    return v;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '—';
    // `fields` lists the names of the fields an edit changed: those are detail keys too
    return v.map((x) => (key === 'fields' && typeof x === 'string' ? auditKeyLabel(x, locale) : formatValue(key, x, locale, opts))).join(s.list);
  }
  if (typeof v === 'object') {
    const inner = pairsOf(v as Record<string, unknown>, locale, opts, true);
    return s.open + inner.map((p) => `${p.label}${s.kv}${p.value}`).join(s.pair) + s.close;
  }
  return String(v);
}

function pairsOf(o: Record<string, unknown>, locale: AuditLocale, opts: AuditFormatOptions, keepNull: boolean): AuditDetailPair[] {
  return Object.entries(o)
    .filter(([, v]) => keepNull || (v !== null && v !== undefined))
    .map(([key, v]) => ({ key, label: auditKeyLabel(key, locale), value: formatValue(key, v, locale, opts) }));
}

/**
 * An entry's details as "key: value" pairs in words: keys and coded values translated where known,
 * yes/no for flags, lists joined, nested objects inline; filters that were not set (null) are left out.
 */
export function auditDetailPairs(detail: unknown, locale: AuditLocale, opts: AuditFormatOptions = {}): AuditDetailPair[] {
  if (detail === null || detail === undefined) return [];
  if (typeof detail !== 'object' || Array.isArray(detail)) return [{ key: '', label: '', value: formatValue('', detail, locale, opts) }];
  return pairsOf(detail as Record<string, unknown>, locale, opts, false);
}
