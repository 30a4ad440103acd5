import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import { loadCenter } from '@shared/center';
import App from './App.vue';
import { router } from './router';
import { i18n } from './i18n';
import './admin.css';

// times are shown in the center's zone: know it before the first page renders
void loadCenter().then(() => createApp(App).use(ElementPlus).use(i18n).use(router).mount('#app'));
