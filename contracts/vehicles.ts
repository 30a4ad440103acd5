/**
 * Vehicles (车辆通行, S8 车辆审核): PRC licence plates and the review state of the plate on an order.
 * A plate is 省份简称 + 发牌机关代号 (a letter, never I or O) + the number: five characters for a
 * fuel vehicle (the last may be 挂 学 警 港 澳), six for a new-energy vehicle (新能源: D or F first
 * for a small car, last for a large one). Embassy plates (使 领) are accepted as issued.
 */
type L = { 'zh-CN': string; en: string };

const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const LETTER = 'A-HJ-NP-Z';
const FUEL = new RegExp(`^[${PROVINCES}][${LETTER}][${LETTER}0-9]{4}[${LETTER}0-9挂学警港澳]$`);
const NEW_ENERGY = new RegExp(`^[${PROVINCES}][${LETTER}](?:[DF][${LETTER}0-9][0-9]{4}|[0-9]{5}[DF])$`);
const EMBASSY = /^(?:使[0-9]{6}|[0-9]{3}[0-9]{3}使|[京沪粤川鲁辽][A-Z][0-9]{4}领)$/;

/** Upper case, no spaces or separators (粤B·12345 → 粤B12345). */
export function normalisePlate(raw: string): string {
  return raw.trim().toUpperCase().replace(/[\s·•.\-_]/g, '');
}
export function isValidPlate(raw: string): boolean {
  const p = normalisePlate(raw);
  return FUEL.test(p) || NEW_ENERGY.test(p) || EMBASSY.test(p);
}
export function isNewEnergyPlate(raw: string): boolean {
  return NEW_ENERGY.test(normalisePlate(raw));
}

/** 车辆通行状态 of an order: none (无 — no plate), pending (待确认), approved (已通过), rejected (未通过). */
export const VEHICLE_STATUSES = ['none', 'pending', 'approved', 'rejected'] as const;
export type VehicleStatus = (typeof VEHICLE_STATUSES)[number];
export const VEHICLE_STATUS_LABELS: Record<VehicleStatus, L> = {
  none: { 'zh-CN': '无', en: 'None' },
  pending: { 'zh-CN': '待确认', en: 'Awaiting review' },
  approved: { 'zh-CN': '已通过', en: 'Approved' },
  rejected: { 'zh-CN': '未通过', en: 'Rejected' },
};

/** The vehicle on an order as cards show it. */
export interface OrderVehicle {
  plate: string | null;
  status: VehicleStatus;
  comment: string | null;
  reviewedAt: string | null;
  /** a barrier saw it come in / go out */
  inAt: string | null;
  outAt: string | null;
}
