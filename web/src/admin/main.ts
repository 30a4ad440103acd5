import { createApp } from 'vue';
// Element Plus components and their styles are imported per page at build time (unplugin-vue-components,
// web/vite.config.ts); the functional APIs the pages call need their styles here
import 'element-plus/theme-chalk/base.css';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import { loadCenter } from '@shared/center';
import App from './App.vue';
import { router } from './router';
import { i18n } from './i18n';
import './admin.css';

// times are shown in the center's zone: know it before the first page renders
void loadCenter().then(() => createApp(App).use(i18n).use(router).mount('#app'));
