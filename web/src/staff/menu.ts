/** The staff app's home menu (SPEC §4), in the manual's words; only entries whose page is built are listed. */
export interface MenuEntry {
  key: string;
  icon: string;
  color: string;
  route: string;
  /** shown only to staff with this role (the server checks it again) */
  role?: string;
}
export const MENU: MenuEntry[] = [
  { key: 'invite', icon: 'add-o', color: '#1677ff', route: 'invite' },
  { key: 'myInvitations', icon: 'orders-o', color: '#13c2c2', route: 'myInvitations' },
  { key: 'remoteDoor', icon: 'lock', color: '#fa8c16', route: 'remoteDoor' },
  { key: 'roomBooking', icon: 'calendar-o', color: '#722ed1', route: 'rooms' },
  { key: 'myBookings', icon: 'todo-list-o', color: '#2f54eb', route: 'myBookings' },
  { key: 'myMeetings', icon: 'friends-o', color: '#52c41a', route: 'myMeetings' },
  { key: 'approvals', icon: 'passed', color: '#eb2f96', route: 'approvals' },
  { key: 'profile', icon: 'contact-o', color: '#1677ff', route: 'profile' },
  { key: 'proxy', icon: 'idcard', color: '#13c2c2', route: 'proxy' },
  // 点名 (A11): reception staff during an evacuation
  { key: 'rollCall', icon: 'shield-o', color: '#f5222d', route: 'rollCall', role: 'reception' },
];
