import { createRouter, createWebHistory } from 'vue-router';
import { setUnauthorizedHandler } from '@shared/api';
import { loadSession, session } from './session';
import { installPageTitles } from '@shared/brand';
import { i18n } from './i18n';
import LoginView from './views/LoginView.vue';
import HomeView from './views/HomeView.vue';

/** who may open a page: anyone, a verified phone that must register, or a registered visitor */
type Need = 'public' | 'guest' | 'phone' | 'visitor';
declare module 'vue-router' {
  interface RouteMeta {
    need?: Need;
  }
}

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { need: 'guest' } },
    { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue'), meta: { need: 'phone' } },
    { path: '/', name: 'home', component: HomeView, meta: { need: 'visitor' } },
    { path: '/me', name: 'me', component: () => import('./views/MyInfoView.vue'), meta: { need: 'visitor' } },
    { path: '/me/data', name: 'meData', component: () => import('./views/MyDataView.vue'), meta: { need: 'visitor' } },
    { path: '/me/edit', name: 'meEdit', component: () => import('./views/EditInfoView.vue'), meta: { need: 'visitor' } },
    { path: '/instructions', name: 'instructions', component: () => import('./views/InstructionsView.vue'), meta: { need: 'public' } },
    { path: '/appointment', name: 'appointment', component: () => import('./views/AppointmentView.vue'), meta: { need: 'visitor' } },
    { path: '/visits', name: 'visits', component: () => import('./views/MyVisitsView.vue'), meta: { need: 'visitor' } },
    { path: '/visits/:id', name: 'visit', component: () => import('./views/OrderDetailView.vue'), meta: { need: 'visitor' } },
    { path: '/visits/:id/submitted', name: 'visitSubmitted', component: () => import('./views/SubmittedView.vue'), meta: { need: 'visitor' } },
    { path: '/visits/:id/code', name: 'visitCode', component: () => import('./views/CodeView.vue'), meta: { need: 'visitor' } },
    { path: '/visits/:id/help-fill', name: 'helpFill', component: () => import('./views/HelpFillView.vue'), meta: { need: 'visitor' } },
    // the link sent by SMS or forwarded (<base>/l/<token>; docs/api/visits.md also names /v/l/<token>)
    { path: '/l/:token', name: 'link', component: () => import('./views/LinkView.vue'), meta: { need: 'public' } },
    { path: '/v/l/:token', redirect: (to) => ({ name: 'link', params: { token: to.params.token } }) },
    // the appointment-code link in the approval SMS opens 访客预约码 (V8), after 登录 when needed
    { path: '/v/orders/:id/code', redirect: (to) => ({ name: 'visitCode', params: { id: to.params.id } }) },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
  scrollBehavior: () => ({ top: 0 }),
});

// the browser tab: "<page> · <center>智慧通行", in the page's language
const titles: Record<string, string> = {
  login: 'login.title', register: 'register.title', home: 'home.title', me: 'me.title', meEdit: 'edit.title', meData: 'data.title', instructions: 'instructions.title',
  appointment: 'visit.title', visits: 'visits.title', visit: 'detail.title', visitCode: 'code.title', helpFill: 'helpFill.title', link: 'link.title',
};
installPageTitles(router, i18n.global.t, (to) => titles[String(to.name)]);

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession();
  const type = session.me?.type;
  switch (to.meta.need) {
    case 'public':
      return true;
    case 'guest':
      return type === 'visitor' ? { name: 'home' } : true;
    case 'phone':
      return type === 'phone' ? true : type === 'visitor' ? { name: 'home' } : { name: 'login' };
    default:
      if (type === 'visitor') return true;
      if (type === 'phone') return { name: 'register' };
      if (typeof to.query.error === 'string') return { name: 'login', query: { error: to.query.error } };
      return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  }
});

setUnauthorizedHandler(() => {
  session.me = null;
  const current = router.currentRoute.value;
  if (current.meta.need !== 'public' && current.name !== 'login') router.replace({ name: 'login' });
});
