/**
 * The product as every app names it: "温州市行政中心智慧通行" — the center's name (CENTER_NAME, from
 * GET /api/config) and 智慧通行 — with the mark in web/public/logo.svg (also the favicon and splash).
 */
import { centerName } from './center';

type Translate = (key: string, values?: Record<string, unknown>) => string;

/** "<center>智慧通行" / "<center> Smart Access"; the product name alone until the center is known. */
export function brandTitle(t: Translate): string {
  const center = centerName();
  return center ? t('common.brand', { center }) : t('common.product');
}

/** "页面 · 智慧通行": what a browser tab says for a page (its title first, so tabs can be told apart). */
export function pageTitle(t: Translate, page?: string | null): string {
  return page ? `${page} · ${brandTitle(t)}` : brandTitle(t);
}

/**
 * Keeps the browser tab's title in the page's language after every navigation: "<page> · <brand>",
 * the page's words from `titleKey(route)` (an i18n key), or the brand alone when a page has none.
 */
export function installPageTitles(
  router: { afterEach(hook: (to: { meta: Record<string | number | symbol, unknown>; name?: unknown }) => void): unknown },
  t: Translate,
  titleKey: (to: { meta: Record<string | number | symbol, unknown>; name?: unknown }) => string | undefined = (to) => (typeof to.meta.title === 'string' ? to.meta.title : undefined),
): void {
  router.afterEach((to) => {
    const key = titleKey(to);
    document.title = pageTitle(t, key ? t(key) : null);
  });
}
