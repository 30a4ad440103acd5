/**
 * 访客预约码 checked without the server (the kiosk while offline; any holder of the public key from
 * GET /api/codes/public-key): an EdDSA (Ed25519) JWT, typ `sg-code`, payload `{ o: orderId, exp }`.
 *
 * The signature is checked with @noble/curves (audited, pure JS) rather than WebCrypto: the kiosk
 * may be served over plain http on the center's LAN, where browsers give no `crypto.subtle` at all,
 * and older kiosk Chromium builds have no WebCrypto Ed25519. jose only parses the token here.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64url, decodeJwt, decodeProtectedHeader } from 'jose';

export interface CodePublicKey {
  kty: string;
  crv: string;
  /** the 32-byte key, base64url */
  x: string;
}
export type OfflineCodeCheck =
  | { ok: true; orderId: string; expiresAt: Date; slip: boolean }
  /** invalid: not a code of ours, altered, or signed by another key; expired: past its exp; no_key: the kiosk never got the public key */
  | { ok: false; reason: 'invalid' | 'expired' | 'no_key' };

export function verifyCodeWithKey(token: string, key: CodePublicKey | null | undefined, now: Date = new Date()): OfflineCodeCheck {
  if (!key) return { ok: false, reason: 'no_key' };
  if (key.kty !== 'OKP' || key.crv !== 'Ed25519') return { ok: false, reason: 'no_key' };
  const parts = token.trim().split('.');
  if (parts.length !== 3) return { ok: false, reason: 'invalid' };
  try {
    const header = decodeProtectedHeader(token.trim());
    if (header.alg !== 'EdDSA' || header.typ !== 'sg-code') return { ok: false, reason: 'invalid' };
    const signature = base64url.decode(parts[2]!);
    const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
    const pub = base64url.decode(key.x);
    if (signature.length !== 64 || pub.length !== 32) return { ok: false, reason: 'invalid' };
    // strict RFC 8032 checks (as the server's verification), not the more lenient ZIP-215 rules
    if (!ed25519.verify(signature, signed, pub, { zip215: false })) return { ok: false, reason: 'invalid' };
    const payload = decodeJwt(token.trim());
    if (typeof payload.o !== 'string' || typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
    // as jose on the server: expired from the second `exp` names on
    if (Math.floor(now.getTime() / 1000) >= payload.exp) return { ok: false, reason: 'expired' };
    return { ok: true, orderId: payload.o, expiresAt: new Date(payload.exp * 1000), slip: payload.slip === true };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}
