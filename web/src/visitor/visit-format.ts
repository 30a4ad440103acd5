/** The visit pages' display helpers: the order labels, times and colours are the shared ones (@shared/visits/format); plates here. */
export { cancelReasonLabel, formatTime, kindLabel, originLabel, statusLabel, STATUS_COLOR } from '@shared/visits/format';

/** Mainland plates (浙C12345, new-energy 浙CD12345, 使/领/挂/学/警 variants); letters upper-cased. */
const PLATE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-Z][A-Z0-9]{4,5}[A-Z0-9挂学警港澳领使]$/;
export const normalisePlate = (v: string) => v.replace(/\s+/g, '').toUpperCase();
export const isValidPlate = (v: string) => PLATE.test(normalisePlate(v));
