/** Staff app messages for meetings (invites). */
export const invitesMessages = {
  'zh-CN': {},
  en: {},
};
