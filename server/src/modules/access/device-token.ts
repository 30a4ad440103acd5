/** Device tokens: `<deviceId>.<HMAC>`, what a device sends as `Authorization: Bearer …` with its pass events. */
import { createHmac, hkdfSync } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import { safeEqual } from '../../platform/crypto.js';

const keys = new WeakMap<AppContext, Buffer>();
/** derived once per application (every pass event checks a token) */
function tokenKey(ctx: AppContext): Buffer {
  let k = keys.get(ctx);
  if (!k) keys.set(ctx, (k = Buffer.from(hkdfSync('sha256', ctx.crypto.linkKey, Buffer.alloc(0), 'safeguard/device-token/v1', 32))));
  return k;
}
/** `<deviceId>.<HMAC>`: what a device sends as `Authorization: Bearer …` with its pass events. */
export function deviceToken(ctx: AppContext, deviceId: string): string {
  return `${deviceId}.${createHmac('sha256', tokenKey(ctx)).update(`device:${deviceId}`).digest('base64url')}`;
}
export function deviceIdOfToken(ctx: AppContext, token: string): string | null {
  const id = token.split('.')[0] ?? '';
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  return safeEqual(deviceToken(ctx, id), token) ? id : null;
}

