import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import { setUnauthorizedHandler } from '@shared/api';
import { session, loadSession } from './session';
import { getOAuthConfig, wecomSignInHref } from './api';
import { installPageTitles } from '@shared/brand';
import { i18n } from './i18n';
import LoginView from './views/LoginView.vue';
import HomeView from './views/HomeView.vue';

export const router = createRouter({
  history: createWebHistory('/staff/'),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    { path: '/', name: 'home', component: HomeView },
    { path: '/profile', name: 'profile', component: () => import('./views/ProfileView.vue') },
    // 人员审核 (issue 11): S9 修改个人信息, S10 代登记人员, S8 人员审核 — one request page for all three
    { path: '/profile/edit', name: 'profileEdit', component: () => import('./views/personnel/ProfileEditView.vue') },
    { path: '/proxy', name: 'proxy', component: () => import('./views/personnel/ProxyListView.vue') },
    { path: '/proxy/new', name: 'proxyNew', component: () => import('./views/personnel/ProxyFormView.vue') },
    { path: '/personnel/:id', name: 'personnelDetail', component: () => import('./views/personnel/PersonnelDetailView.vue') },
    { path: '/approvals/personnel', name: 'personnelApprovals', component: () => import('./views/personnel/PersonnelApprovalsView.vue') },
    // visits (issue #4): S1 访客邀约, S2 我的邀约, 访客邀约审核, S8 审批中心
    { path: '/invite', name: 'invite', component: () => import('./views/InviteView.vue') },
    { path: '/invite/sent/:id', name: 'inviteSent', component: () => import('./views/InviteSentView.vue') },
    { path: '/invitations', name: 'myInvitations', component: () => import('./views/MyInvitationsView.vue') },
    { path: '/visits/:id', name: 'visitDetail', component: () => import('./views/OrderDetailView.vue') },
    { path: '/visits/:id/review', name: 'visitReview', component: () => import('./views/OrderDetailView.vue') },
    { path: '/approvals', name: 'approvals', component: () => import('./views/ApprovalsView.vue') },
    { path: '/approvals/visits', name: 'visitApprovals', component: () => import('./views/VisitApprovalsView.vue') },
    { path: '/approvals/vehicles', name: 'vehicleApprovals', component: () => import('./views/VehicleApprovalsView.vue') },
    // S3 远程开门
    { path: '/doors', name: 'remoteDoor', component: () => import('./views/RemoteDoorView.vue') },
    // meetings: S4 会议预订, S5 我的预订, S6 会议邀约, S7 我的会议, S8 会议室审核 / 会议承接确认 / 会议邀约审核
    { path: '/rooms', name: 'rooms', component: () => import('./views/meetings/RoomsView.vue') },
    { path: '/rooms/:id', name: 'roomWeek', component: () => import('./views/meetings/RoomWeekView.vue') },
    { path: '/rooms/:id/day/:date', name: 'roomDay', component: () => import('./views/meetings/RoomDayView.vue') },
    { path: '/rooms/:id/book', name: 'bookingForm', component: () => import('./views/meetings/BookingFormView.vue') },
    { path: '/bookings', name: 'myBookings', component: () => import('./views/meetings/MyBookingsView.vue') },
    { path: '/bookings/:id', name: 'bookingDetail', component: () => import('./views/meetings/BookingDetailView.vue') },
    { path: '/bookings/:id/invite', name: 'meetingInvite', component: () => import('./views/meetings/MeetingInviteView.vue') },
    { path: '/meetings', name: 'myMeetings', component: () => import('./views/meetings/MyMeetingsView.vue') },
    { path: '/meetings/:id', name: 'meetingDetail', component: () => import('./views/meetings/MeetingDetailView.vue') },
    { path: '/approvals/rooms', name: 'roomApprovals', component: () => import('./views/meetings/BookingQueueView.vue'), props: { kind: 'review' } },
    { path: '/approvals/undertake', name: 'undertakeApprovals', component: () => import('./views/meetings/BookingQueueView.vue'), props: { kind: 'undertake' } },
    { path: '/approvals/meetings', name: 'meetingApprovals', component: () => import('./views/meetings/MeetingApprovalsView.vue') },
    // 点名 (A11): reception staff
    { path: '/roll-call', name: 'rollCall', component: () => import('./views/RollCallView.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
  scrollBehavior: () => ({ top: 0 }),
});

// the browser tab: "<menu entry> · <center>智慧通行", in the page's language
const titles: Record<string, string> = {
  login: 'login.subtitle', profile: 'menu.profile', invite: 'menu.invite', inviteSent: 'menu.invite', myInvitations: 'menu.myInvitations', visitDetail: 'menu.myInvitations',
  visitReview: 'menu.approvals', approvals: 'menu.approvals', visitApprovals: 'menu.approvals', roomApprovals: 'menu.approvals', undertakeApprovals: 'menu.approvals', meetingApprovals: 'menu.approvals', vehicleApprovals: 'menu.approvals',
  rooms: 'menu.roomBooking', roomWeek: 'menu.roomBooking', roomDay: 'menu.roomBooking', bookingForm: 'menu.roomBooking', myBookings: 'menu.myBookings', bookingDetail: 'menu.myBookings',
  meetingInvite: 'menu.myBookings', myMeetings: 'menu.myMeetings', meetingDetail: 'menu.myMeetings', remoteDoor: 'menu.remoteDoor', rollCall: 'menu.rollCall',
  profileEdit: 'menu.profile', proxy: 'menu.proxy', proxyNew: 'menu.proxy', personnelDetail: 'personnel.detail.title', personnelApprovals: 'menu.approvals',
};
installPageTitles(router, i18n.global.t, (to) => titles[String(to.name)] ?? (typeof to.meta.title === 'string' ? to.meta.title : undefined));

/**
 * The same page without the from=wecom mark (what a WeCom card's 详情 adds) and the #wechat_redirect
 * the browser keeps from the WeCom authorisation URL across its redirects.
 */
const unmarked = (to: RouteLocationNormalized) => {
  const { from: _from, ...query } = to.query;
  return { path: to.path, query, hash: to.hash === '#wechat_redirect' ? '' : to.hash };
};
const marked = (to: RouteLocationNormalized) => to.query.from === 'wecom' || to.hash === '#wechat_redirect';

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!session.me) await loadSession();
  if (session.me) return marked(to) ? { ...unmarked(to), replace: true } : true;
  if (typeof to.query.error === 'string') return { name: 'login', query: { error: to.query.error } };
  // opened from a WeCom card (…?from=wecom) and nobody signed in: sign in through WeCom (silent in
  // the WeCom app) and come back to this very page
  if (to.query.from === 'wecom' && (await getOAuthConfig().catch(() => ({ wecom: false }))).wecom) {
    window.location.assign(wecomSignInHref(router.resolve(unmarked(to)).href));
    return false;
  }
  return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
});

setUnauthorizedHandler(() => {
  session.me = null;
  const current = router.currentRoute.value;
  if (!current.meta.public) router.replace({ name: 'login', query: { redirect: current.fullPath } });
});
