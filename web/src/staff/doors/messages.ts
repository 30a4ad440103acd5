/** Staff app messages of S3 远程开门. Namespace `doors`. */
const zh = {
  doors: {
    title: '远程开门',
    hint: '点击「开门」并确认后，设备立即开门；每次开门均记入日志。',
    noBuilding: '其他',
    open: '开门',
    confirmTitle: '确认开门',
    confirm: '确定打开「{name}」吗？',
    empty: '暂无可远程开门的设备',
    emptyHint: '如需开门权限，请联系管理员',
    loadFailed: '加载失败，请重试',
    retry: '重试',
    kinds: { gate: '闸机', door: '门禁', barrier: '道闸' },
    health: { ok: '设备在线', unreachable: '设备可能离线', unknown: '' },
    result: {
      opened: '已开门',
      offline: '设备离线，未能开门',
      refused: '设备拒绝开门',
    },
    resultHint: {
      opened: '门已打开 {time}',
      offline: '设备未响应（{time}），请稍后再试或联系管理员',
      refused: '设备拒绝了开门指令（{time}），请联系管理员',
    },
    gone: '您已无权打开此设备，列表已更新',
  },
};

const en: typeof zh = {
  doors: {
    title: 'Open a door',
    hint: 'Tap "Open" and confirm: the device opens at once. Every opening is logged.',
    noBuilding: 'Other',
    open: 'Open',
    confirmTitle: 'Open the door',
    confirm: 'Open "{name}" now?',
    empty: 'No doors you can open',
    emptyHint: 'Ask your administrator for access',
    loadFailed: 'Could not load; try again',
    retry: 'Try again',
    kinds: { gate: 'Turnstile', door: 'Door', barrier: 'Barrier' },
    health: { ok: 'Online', unreachable: 'May be offline', unknown: '' },
    result: {
      opened: 'Opened',
      offline: 'Device offline; not opened',
      refused: 'The device refused',
    },
    resultHint: {
      opened: 'Opened at {time}',
      offline: 'The device did not answer ({time}); try again later or ask your administrator',
      refused: 'The device refused to open ({time}); ask your administrator',
    },
    gone: 'You may no longer open this device; the list is updated',
  },
};

export const doorsMessages = { 'zh-CN': zh, en };
