/** Staff app messages of S8 车辆审核. Namespace `vehicles`. */
const zh = {
  vehicles: {
    title: '车辆审核',
    tab: { pending: '待审核', done: '已审核', cc: '抄送我' },
    empty: { pending: '暂无待审核的车辆', done: '暂无已审核的车辆', cc: '暂无抄送给您的车辆' },
    approve: '审核通过',
    reject: '审核不通过',
    confirmApprove: '确定通过车牌「{plate}」的通行申请吗？通过后该车牌将在预约时段内下发至停车场道闸。',
    rejectTitle: '审核不通过：{plate}',
    comment: '审核意见',
    commentPh: '请填写不通过的原因（访客可见）',
    commentRequired: '请填写审核意见',
    approved: '已审核通过',
    rejected: '已审核不通过',
  },
};
const en: typeof zh = {
  vehicles: {
    title: 'Vehicle reviews',
    tab: { pending: 'To review', done: 'Reviewed', cc: 'CC to me' },
    empty: { pending: 'No vehicles to review', done: 'No reviewed vehicles', cc: 'Nothing copied to you' },
    approve: 'Approve',
    reject: 'Reject',
    confirmApprove: 'Approve plate {plate}? It will be sent to the parking barriers for the visit window.',
    rejectTitle: 'Reject {plate}',
    comment: 'Comment',
    commentPh: 'Why it is rejected (the visitor sees this)',
    commentRequired: 'Please give a comment',
    approved: 'Approved',
    rejected: 'Rejected',
  },
};

export const vehiclesMessages = { 'zh-CN': zh, en };
