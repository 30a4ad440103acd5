/**
 * Access devices and credential issuance (X4, A7): shapes and labels shared by the server and the
 * admin console. See docs/integrations/access.md for the device protocols.
 */
type L = { 'zh-CN': string; en: string };

export const DEVICE_KINDS = ['gate', 'door', 'barrier'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export const DEVICE_ADAPTERS = ['simulator', 'hikvision_isapi', 'mqtt'] as const;
export type DeviceAdapter = (typeof DEVICE_ADAPTERS)[number];
export const DEVICE_DIRECTIONS = ['in', 'out', 'both'] as const;
export type DeviceDirection = (typeof DEVICE_DIRECTIONS)[number];
export const DEVICE_HEALTH = ['ok', 'unreachable', 'unknown'] as const;
export type DeviceHealth = (typeof DEVICE_HEALTH)[number];
export const CREDENTIAL_STATUSES = ['issued', 'removed', 'failed'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];
/**
 * what a device holds for one person: face only with a photo and a face consent in force; ID card and
 * QR always (gates, doors); a parking barrier holds only the plate, once 车辆审核 approved it
 */
export const CREDENTIAL_KINDS = ['face', 'id_card', 'qr', 'plate'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
export const PASS_METHODS = ['face', 'id_card', 'qr', 'plate', 'remote'] as const;
export type PassMethod = (typeof PASS_METHODS)[number];
export const PASS_DIRECTIONS = ['in', 'out'] as const;
export type PassDirection = (typeof PASS_DIRECTIONS)[number];
export const PASS_DIRECTION_LABELS: Record<PassDirection, L> = {
  in: { 'zh-CN': '进', en: 'In' },
  out: { 'zh-CN': '出', en: 'Out' },
};
/** what a device says of a pass it reports */
export const DEVICE_VERDICTS = ['granted', 'denied'] as const;
export type DeviceVerdict = (typeof DEVICE_VERDICTS)[number];
/**
 * what the server records: the device's verdict, unless the server would have refused a pass the
 * device let through — then 'anomaly' (shown in red in 通行记录, and an alert is raised)
 */
export const PASS_RESULTS = ['granted', 'denied', 'anomaly'] as const;
export type PassResult = (typeof PASS_RESULTS)[number];
export const PASS_RESULT_LABELS: Record<PassResult, L> = {
  granted: { 'zh-CN': '通过', en: 'Granted' },
  denied: { 'zh-CN': '拒绝', en: 'Denied' },
  anomaly: { 'zh-CN': '异常放行', en: 'Anomaly' },
};

export const DEVICE_KIND_LABELS: Record<DeviceKind, L> = {
  gate: { 'zh-CN': '闸机', en: 'Turnstile' },
  door: { 'zh-CN': '门禁', en: 'Door' },
  barrier: { 'zh-CN': '道闸', en: 'Vehicle barrier' },
};
export const DEVICE_ADAPTER_LABELS: Record<DeviceAdapter, L> = {
  simulator: { 'zh-CN': '模拟设备', en: 'Simulator' },
  hikvision_isapi: { 'zh-CN': '海康威视 ISAPI', en: 'Hikvision ISAPI' },
  mqtt: { 'zh-CN': 'MQTT 终端', en: 'MQTT terminal' },
};
export const CREDENTIAL_KIND_LABELS: Record<CredentialKind, L> = {
  face: { 'zh-CN': '人脸', en: 'Face' },
  id_card: { 'zh-CN': '身份证', en: 'ID card' },
  qr: { 'zh-CN': '二维码', en: 'QR code' },
  plate: { 'zh-CN': '车牌', en: 'Plate' },
};
export const PASS_METHOD_LABELS: Record<PassMethod, L> = {
  ...CREDENTIAL_KIND_LABELS,
  remote: { 'zh-CN': '远程开门', en: 'Remote' },
};

/** The person id a device knows an order's holder by (32 hex digits: Hikvision employeeNo allows 32). */
export const personIdOf = (orderId: string) => orderId.replace(/-/g, '').toLowerCase();
export function orderIdOf(personId: string): string | null {
  const h = personId.trim().toLowerCase().replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(h)) return null;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** What a remote opening (S3 远程开门) came to: the device opened, did not answer, or answered no. */
export const DOOR_OPEN_RESULTS = ['opened', 'offline', 'refused'] as const;
export type DoorOpenResult = (typeof DOOR_OPEN_RESULTS)[number];
export const DOOR_OPEN_RESULT_LABELS: Record<DoorOpenResult, L> = {
  opened: { 'zh-CN': '已开门', en: 'Opened' },
  offline: { 'zh-CN': '设备离线', en: 'Device offline' },
  refused: { 'zh-CN': '设备拒绝开门', en: 'Refused by the device' },
};
/** the highest door (relay) number of a device: ISAPI RemoteControl/door/<n>, the MQTT command's `door` */
export const DOOR_NO_MAX = 16;

/**
 * Who may open a device remotely (S3, A7): staff of these units, with one of these roles, or these
 * people — any one is enough. Nobody while all three are empty.
 */
export interface DoorGrants {
  unitIds: string[];
  roles: string[];
  staffIds: string[];
}

export interface AccessDevice {
  id: string;
  name: string;
  kind: DeviceKind;
  adapter: DeviceAdapter;
  address: string;
  username: string | null;
  hasPassword: boolean;
  buildingIds: string[];
  buildingNames: string[];
  direction: DeviceDirection;
  enabled: boolean;
  health: DeviceHealth;
  healthDetail: string | null;
  lastSeenAt: string | null;
  issuedCount: number;
  failedCount: number;
  /** S3: staff may open it from the staff app (远程开门) */
  remoteOpen: boolean;
  /** the door (relay) the remote opening opens, 1…DOOR_NO_MAX */
  doorNo: number;
  /** who may open it, with the names of the units and people for the admin console */
  openGrants: DoorGrants & { units: Array<{ id: string; name: string }>; staff: Array<{ id: string; name: string }> };
  createdAt: string;
  updatedAt: string;
}

export interface DeviceInput {
  name: string;
  kind: DeviceKind;
  adapter: DeviceAdapter;
  address: string;
  username?: string | null;
  /** omit to keep; null or '' to remove */
  password?: string | null;
  buildingIds: string[];
  direction: DeviceDirection;
  enabled: boolean;
  remoteOpen?: boolean;
  doorNo?: number;
  openGrants?: DoorGrants;
}

/** A door the signed-in staff member may open (GET /api/staff/doors). */
export interface StaffDoor {
  id: string;
  name: string;
  kind: DeviceKind;
  /** the device's last known health (设备管理 检测 / the periodic check) */
  health: DeviceHealth;
}
/** The doors grouped by the building they guard; a door of several buildings is in each, one of none under buildingId null. */
export interface StaffDoorGroup {
  buildingId: string | null;
  buildingName: string | null;
  doors: StaffDoor[];
}
/** POST /api/staff/doors/:id/open */
export interface DoorOpenOutcome {
  result: DoorOpenResult;
  at: string;
}
/** A remote opening as the simulator shows it, or as recorded (通行记录) for a real device. */
export interface DoorOpening {
  at: string;
  door: number;
  by: string;
}
/** GET /api/admin/devices/:id/door: the simulator's door (open for a few seconds after a command) and its recent openings. */
export interface DoorState {
  source: 'device' | 'record';
  /** the simulator's door is open now; null for a real device (it does not say) */
  open: boolean | null;
  openings: DoorOpening[];
}

/** One row of the issuance queue (下发队列). */
export interface CredentialRow {
  id: string;
  orderId: string;
  deviceId: string;
  deviceName: string;
  holderName: string;
  orderStatus: string;
  startAt: string;
  endAt: string;
  kinds: CredentialKind[];
  /** the order's plate (a barrier's credential) */
  plate: string | null;
  status: CredentialStatus;
  lastError: string | null;
  issuedAt: string | null;
  removedAt: string | null;
  updatedAt: string;
}

/** One pass record (通行记录). */
export interface PassEventRow {
  seq: number;
  at: string;
  deviceId: string | null;
  deviceName: string | null;
  method: PassMethod;
  direction: PassDirection;
  result: PassResult;
  orderId: string | null;
  holderName: string | null;
  /** why a pass was not matched or denied, e.g. CODE_EXPIRED, OUTSIDE_WINDOW, VISITOR_BLOCKED */
  note: string | null;
  /** the time the device reported (the server's clock decides `at`) */
  deviceAt: string | null;
  /** the device's clock was off by more than ACCESS_CLOCK_SKEW_SECONDS */
  clockSkew: boolean;
  /** a barrier's pass: the plate its camera read */
  plate: string | null;
}

/** What a device holds for one person (the simulator's memory; the issuance record otherwise). */
export interface HeldCredential {
  personId: string;
  orderId: string | null;
  name: string;
  kinds: CredentialKind[];
  validFrom: string;
  validTo: string;
  idNumberMasked: string | null;
  hasFace: boolean;
  /** a barrier holds the vehicle's plate */
  plate: string | null;
}

/** POST /api/access/events (and the MQTT events topic): a pass reported by a device. */
export interface PassEventInput {
  /** the device's own time of the pass: kept as deviceAt; the server's clock decides */
  at?: string;
  method: PassMethod;
  direction?: PassDirection;
  result: DeviceVerdict;
  /** the person id the device holds (personIdOf(orderId)) */
  personId?: string;
  /** a scanned 访客预约码 token, verified by the server */
  qrToken?: string;
  /** method 'plate' (a parking barrier's camera): the plate it read, matched by the server to a live order whose plate 车辆审核 approved */
  plate?: string;
}
