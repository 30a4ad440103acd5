import { makeI18n } from '@shared/i18n';

const zh = {
  app: { title: '智慧通行访客机' },
  pair: {
    title: '访客机配对',
    subtitle: '请输入管理后台「系统 › 访客机设备」生成的设备令牌，或扫描令牌二维码',
    token: '设备令牌',
    tokenPh: '请输入或扫描设备令牌',
    submit: '配对',
    scan: '扫码',
    scanning: '请将令牌二维码对准摄像头',
    scanUnsupported: '此设备不支持摄像头扫码，请使用扫码枪或手动输入令牌',
    required: '请输入设备令牌',
    stopScan: '取消扫码',
  },
  home: {
    welcome: '欢迎来访',
    pick: '请选择来访类型',
    walkIn: '普通访客',
    walkInDesc: '未预约访客现场登记',
    appointment: '预约访客',
    appointmentDesc: '已预约访客扫码或刷身份证签到',
    device: '设备',
    location: '位置',
    unpaired: '设备已停用，请重新配对',
  },
  soon: { title: '即将推出', body: '「{name}」功能正在建设中，请到前台登记。', back: '返回首页' },
};

const en: typeof zh = {
  app: { title: 'Safeguard Visitor Kiosk' },
  pair: {
    title: 'Pair this kiosk',
    subtitle: 'Enter the device token created in the admin console (System › Kiosk devices), or scan its QR code',
    token: 'Device token',
    tokenPh: 'Type or scan the device token',
    submit: 'Pair',
    scan: 'Scan',
    scanning: 'Hold the token QR code up to the camera',
    scanUnsupported: 'This device cannot scan with its camera; use the scanner or type the token',
    required: 'Enter the device token',
    stopScan: 'Cancel scan',
  },
  home: {
    welcome: 'Welcome',
    pick: 'Choose how you are visiting',
    walkIn: 'Walk-in visitor',
    walkInDesc: 'Register here without an appointment',
    appointment: 'Appointment visitor',
    appointmentDesc: 'Check in with your QR code or ID card',
    device: 'Device',
    location: 'Location',
    unpaired: 'This kiosk was revoked; pair it again',
  },
  soon: { title: 'Coming soon', body: '“{name}” is being built; please register at the reception desk.', back: 'Back to home' },
};

export const i18n = makeI18n({ 'zh-CN': zh, en });
