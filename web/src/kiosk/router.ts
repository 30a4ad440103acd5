import { createRouter, createWebHistory } from 'vue-router';
import { setUnauthorizedHandler } from '@shared/api';
import { device, loadDevice } from './device';
import { installPageTitles } from '@shared/brand';
import { i18n } from './i18n';
import PairView from './views/PairView.vue';
import HomeView from './views/HomeView.vue';

export const router = createRouter({
  history: createWebHistory('/kiosk/'),
  routes: [
    { path: '/pair', name: 'pair', component: PairView, meta: { public: true } },
    { path: '/', name: 'home', component: HomeView },
    { path: '/walk-in', name: 'walkIn', component: () => import('./views/WalkInView.vue'), meta: { title: 'walkIn.title' } },
    { path: '/appointment', name: 'appointment', component: () => import('./views/AppointmentView.vue'), meta: { title: 'lobby.title' } },
    { path: '/check-out', name: 'checkOut', component: () => import('./views/CheckOutView.vue'), meta: { title: 'lobby.checkOutTitle' } },
    { path: '/offline', name: 'offline', component: () => import('./offline/OfflineView.vue'), meta: { title: 'offline.title' } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

installPageTitles(router, i18n.global.t, (to) => (to.name === 'pair' ? 'pair.title' : typeof to.meta.title === 'string' ? to.meta.title : 'app.title'));

router.beforeEach(async (to) => {
  if (!device.checked) await loadDevice();
  if (to.meta.public) return device.info && to.name === 'pair' ? { name: 'home' } : true;
  return device.info ? true : { name: 'pair' };
});

// A revoked device (or an expired session) goes back to pairing.
setUnauthorizedHandler(() => {
  device.info = null;
  router.replace({ name: 'pair' });
});
