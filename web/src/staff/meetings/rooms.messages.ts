/** Staff app messages for meetings (rooms). */
export const roomsMessages = {
  'zh-CN': {},
  en: {},
};
