import { createRouter, createWebHistory } from 'vue-router';
import { setUnauthorizedHandler } from '@shared/api';
import { session, loadSession } from './session';
import { MENU } from './menu';
import LoginView from './views/LoginView.vue';
import HomeView from './views/HomeView.vue';

export const router = createRouter({
  history: createWebHistory('/staff/'),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    { path: '/', name: 'home', component: HomeView },
    { path: '/profile', name: 'profile', component: () => import('./views/ProfileView.vue') },
    // S9 修改个人信息 (submitted for review) arrives with the personnel review of a later issue
    { path: '/profile/edit', name: 'profileEdit', component: () => import('./views/ComingSoonView.vue'), meta: { title: 'profile.edit' } },
    // entries for later issues open a 即将推出 page, never a dead link
    ...MENU.filter((m) => !m.route).map((m) => ({ path: `/soon/${m.key}`, name: m.key, component: () => import('./views/ComingSoonView.vue'), meta: { title: `menu.${m.key}` } })),
    { path: '/:rest(.*)*', redirect: '/' },
  ],
  scrollBehavior: () => ({ top: 0 }),
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!session.me) await loadSession();
  if (session.me) return true;
  if (typeof to.query.error === 'string') return { name: 'login', query: { error: to.query.error } };
  return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
});

setUnauthorizedHandler(() => {
  session.me = null;
  const current = router.currentRoute.value;
  if (!current.meta.public) router.replace({ name: 'login', query: { redirect: current.fullPath } });
});
