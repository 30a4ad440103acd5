/** The one footer under every finished list of the mobile apps: "共 3 条，没有更多了". */
import { currentLocale } from './i18n';

export const listEndText = (n: number): string => (currentLocale() === 'en' ? `${n} in all, no more` : `共 ${n} 条，没有更多了`);
