/** The words of the shared order card and trail, in both locales (the apps reload on a locale change). */
import { currentLocale } from '../i18n';

const zh = {
  host: '受访人',
  phone: '手机',
  start: '开始时间',
  reason: '来访事由',
  plate: '车辆通行',
  none: '无',
  companions: '同行人员',
  forwardedBy: '转发邀请人',
  meeting: '会议名称',
  room: '会议室',
  unnamed: '待注册访客',
  colon: '：',
  comma: '，',
  submittedAt: (time: string) => `发起申请于 ${time}`,
  createdAt: (time: string) => `创建于 ${time}，尚未提交`,
  trail: '审核记录',
  noTrail: '暂无记录',
  comment: '审核意见',
};
const en: typeof zh = {
  host: 'Host',
  phone: 'Mobile',
  start: 'Start',
  reason: 'Purpose',
  plate: 'Vehicle',
  none: 'None',
  companions: 'Companions',
  forwardedBy: 'Forwarded by',
  meeting: 'Meeting',
  room: 'Room',
  unnamed: 'Not registered yet',
  colon: ': ',
  comma: ', ',
  submittedAt: (time: string) => `Submitted ${time}`,
  createdAt: (time: string) => `Created ${time}, not submitted yet`,
  trail: 'History',
  noTrail: 'Nothing yet',
  comment: 'Comment',
};

export const orderText = currentLocale() === 'en' ? en : zh;
