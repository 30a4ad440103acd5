import { createApp } from 'vue';
import Vant, { Locale, setToastDefaultOptions } from 'vant';
import enUS from 'vant/es/locale/lang/en-US';
import 'vant/lib/index.css';
import { currentLocale } from '@shared/i18n';
import { setRequestTimeout } from '@shared/api';
import { loadCenter } from '@shared/center';
import App from './App.vue';
import { router } from './router';
import { i18n } from './i18n';
import { connectBridge } from './bridge';
import '@shared/mobile.css';
import './kiosk.css';

if (currentLocale() === 'en') Locale.use('en-US', enUS);
// messages at the top, readable from a step away, never over the field they are about
setToastDefaultOptions({ position: 'top', className: 'kiosk-toast' });
// times are shown in the center's zone: know it before the first page renders
// a server that takes the connection but never answers counts as unreachable after 15 s: the
// walk-in is kept offline and sent again later with its idempotency key (at most once)
setRequestTimeout(15_000);
// the peripheral bridge on this machine (ID card reader, thermometer, printer), if there is one
connectBridge();
void loadCenter().then(() => createApp(App).use(Vant).use(i18n).use(router).mount('#app'));
