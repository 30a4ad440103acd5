/** Messages of the A6 reviewers tabs on 审批流程 (车辆审核人, 人员审核人), namespace `reviewers`. */
const zh = {
  reviewers: {
    kinds: { vehicle: '车辆审核', personnel: '人员审核' },
    kindShort: { vehicle: '车辆', personnel: '人员' },
    hints: {
      vehicle: '访客预约、访客邀约和会议邀约中填写的车牌，由本单位的车辆审核人在员工端「审批中心 › 车辆审核」中审核；审核通过的车牌在预约时段内下发至所在楼宇的停车场道闸。',
      personnel: '本单位人员的个人信息修改和代登记人员，由人员审核人在员工端「审批中心 › 人员审核」中审核。',
    },
    reviewers: { vehicle: '车辆审核人', personnel: '人员审核人' },
    reviewersPh: '输入姓名或手机号码搜索人员，可选多人（可选其他单位人员）',
    none: { vehicle: '尚未设置车辆审核人：本单位单据上的车牌将一直待确认', personnel: '尚未设置人员审核人：本单位的人员信息修改和代登记将无人审核' },
    cc: '抄送人',
    ccPh: '输入姓名或手机号码搜索，可选多人',
    ccHint: '抄送人在员工端「抄送我」中查看，不参与审核；同时是审核人的不再抄送',
    save: '保存',
    saved: '已保存',
    unsaved: '有未保存的修改',
    set: '已设置 {n} 人',
  },
};
const en: typeof zh = {
  reviewers: {
    kinds: { vehicle: 'Vehicle review', personnel: 'Personnel review' },
    kindShort: { vehicle: 'Vehicle', personnel: 'Staff' },
    hints: {
      vehicle: "Plates given on appointments, invitations and meeting invitations are reviewed by this unit's vehicle reviewers in the staff app (Approvals › Vehicle reviews); an approved plate goes to the parking barriers of the building for the visit window.",
      personnel: "Changes to the personal details of this unit's staff and proxy registrations are reviewed by the personnel reviewers in the staff app (Approvals › Personnel).",
    },
    reviewers: { vehicle: 'Vehicle reviewers', personnel: 'Personnel reviewers' },
    reviewersPh: 'Search by name or phone; several, from any unit',
    none: { vehicle: 'No vehicle reviewers: plates on this unit’s orders will stay awaiting review', personnel: 'No personnel reviewers: nobody reviews this unit’s staff changes and proxy registrations' },
    cc: 'CC recipients',
    ccPh: 'Search by name or phone; several',
    ccHint: 'CC recipients see the items under CC to me and do not review; a reviewer is not copied as well',
    save: 'Save',
    saved: 'Saved',
    unsaved: 'Unsaved changes',
    set: '{n} set',
  },
};
export default { 'zh-CN': zh, en };
