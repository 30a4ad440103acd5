import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { setUnauthorizedHandler } from '@shared/api';
import { session, loadSession } from './session';
import { canOpen, mustEnrol } from './role';
import { installPageTitles } from '@shared/brand';
import { i18n } from './i18n';
import LoginView from './views/LoginView.vue';

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  {
    path: '/',
    // every page (and the Element Plus parts it uses) is its own chunk: the login page loads only its own
    component: () => import('./layouts/AdminLayout.vue'),
    children: [
      { path: '', name: 'home', component: () => import('./views/DashboardView.vue'), meta: { menu: 'home' } },
      { path: 'org/units', name: 'units', component: () => import('./views/org/UnitsView.vue'), meta: { menu: 'units' } },
      { path: 'org/staff', name: 'staff', component: () => import('./views/org/StaffView.vue'), meta: { menu: 'staff' } },
      { path: 'org/buildings', name: 'buildings', component: () => import('./views/org/BuildingsView.vue'), meta: { menu: 'buildings' } },
      // A3 办理须知 is edited per unit on the units page
      { path: 'instructions', name: 'instructions', redirect: { name: 'units', query: { tab: 'instructions' } } },
      { path: 'visitors', name: 'visitors', component: () => import('./views/visitors/VisitorsView.vue'), meta: { menu: 'visitors' } },
      { path: 'approvals', name: 'approvals', component: () => import('./views/approvals/ApprovalChainsView.vue'), meta: { menu: 'approvals' } },
      { path: 'templates', name: 'templates', component: () => import('./views/notify/TemplatesView.vue'), meta: { menu: 'templates' } },
      { path: 'rooms', name: 'rooms', component: () => import('./views/rooms/RoomsView.vue'), meta: { menu: 'rooms' } },
      { path: 'devices', name: 'devices', component: () => import('./views/devices/DevicesView.vue'), meta: { menu: 'devices' } },
      { path: 'on-site', name: 'onSite', component: () => import('./views/onsite/OnSiteView.vue'), meta: { menu: 'onSite' } },
      { path: 'records', name: 'records', component: () => import('./views/records/RecordsView.vue'), meta: { menu: 'records' } },
      { path: 'alerts', name: 'alerts', component: () => import('./views/alerts/AlertsView.vue'), meta: { menu: 'alerts' } },
      { path: 'system/sms-outbox', name: 'smsOutbox', component: () => import('./views/system/SmsOutboxView.vue'), meta: { menu: 'smsOutbox' } },
      { path: 'system/jobs', name: 'jobs', component: () => import('./views/system/JobsView.vue'), meta: { menu: 'jobs' } },
      { path: 'system/audit', name: 'audit', component: () => import('./views/system/AuditView.vue'), meta: { menu: 'audit' } },
      { path: 'system/retention', name: 'retention', component: () => import('./views/system/RetentionView.vue'), meta: { menu: 'retention' } },
      { path: 'system/admins', name: 'admins', component: () => import('./views/system/AdminsView.vue'), meta: { menu: 'admins' } },
      { path: 'account', name: 'account', component: () => import('./views/system/AccountView.vue'), meta: { menu: 'account' } },
      { path: 'system/kiosk-devices', name: 'kioskDevices', component: () => import('./views/system/KioskDevicesView.vue'), meta: { menu: 'kioskDevices' } },
      { path: 'system/webhooks', name: 'webhooks', component: () => import('./views/webhooks/WebhooksView.vue'), meta: { menu: 'webhooks' } },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHistory('/admin/'), routes });

// the browser tab: "<menu entry> · <center>智慧通行", in the page's language
installPageTitles(router, i18n.global.t, (to) => (to.name === 'login' ? 'login.title' : typeof to.meta.menu === 'string' ? `menu.${to.meta.menu}` : undefined));

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!session.me) await loadSession();
  if (!session.me) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  // ADMIN_REQUIRE_2FA: nothing but 账号安全 until the second factor is set up
  if (mustEnrol.value && to.name !== 'account') return { name: 'account' };
  // a 单位管理员 typing the address of a system page lands on 首页 (the server would answer 403)
  if (!canOpen(typeof to.meta.menu === 'string' ? to.meta.menu : undefined)) return { name: 'home' };
  return true;
});

// Any 401 from the API (session expired, signed out elsewhere) goes back to the login page.
setUnauthorizedHandler(() => {
  session.me = null;
  const current = router.currentRoute.value;
  if (!current.meta.public) router.replace({ name: 'login', query: { redirect: current.fullPath } });
});
