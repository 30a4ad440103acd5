/**
 * Webhooks (X8), the pure part: which URLs and event lists an endpoint may have, what an answer
 * means for the delivery, and how secrets and message ids look. No I/O.
 */
import { WEBHOOK_EVENTS, isWebhookEvent, type WebhookEvent } from '../../../../contracts/webhooks.js';
import type { ErrorCode } from '../../../../contracts/errors.js';

export const URL_MAX = 2000;
/** how much of a receiver's answer the delivery log keeps */
export const EXCERPT_MAX = 2000;

/**
 * A receiver's URL: absolute http:// or https://, a host, no user:password (it would sit in the
 * console and the audit log in clear; a receiver authenticates us by the signature). Private and
 * loopback addresses are allowed: integrators (gate vendors, HR systems) sit on the center's LAN,
 * and only a system administrator can register an endpoint. Returns the URL as the WHATWG parser
 * normalises it, or the error code.
 */
export function checkWebhookUrl(raw: string): { url: string } | { error: ErrorCode } {
  const text = raw.trim();
  if (!text || text.length > URL_MAX) return { error: 'WEBHOOK_URL_INVALID' };
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { error: 'WEBHOOK_URL_INVALID' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { error: 'WEBHOOK_URL_INVALID' };
  if (!u.hostname || u.username || u.password) return { error: 'WEBHOOK_URL_INVALID' };
  u.hash = '';
  return { url: u.toString() };
}

/** The URL as the audit log keeps it: without its query (a receiver may put a token there). */
export function urlForAudit(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '';
  }
}

/** The subscribed events: at least one, each known, duplicates dropped, in the catalogue's order. */
export function checkEvents(events: readonly string[]): { events: WebhookEvent[] } | { error: ErrorCode } {
  if (events.length === 0) return { error: 'WEBHOOK_EVENTS_REQUIRED' };
  const unknown = events.find((e) => !isWebhookEvent(e));
  if (unknown !== undefined) return { error: 'WEBHOOK_EVENT_UNKNOWN' };
  const chosen = new Set(events);
  return { events: WEBHOOK_EVENTS.filter((e) => chosen.has(e)) };
}

export type AttemptOutcome = 'delivered' | 'gone' | 'retry';

/**
 * What an attempt's answer means (Standard Webhooks): any 2xx is delivered; 410 Gone says the
 * endpoint is no more, so it is disabled and nothing is retried; anything else — another status,
 * a redirect (not followed), a timeout, a refused connection (`null`) — is retried with backoff.
 */
export function outcomeOf(status: number | null): AttemptOutcome {
  if (status !== null && status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  return 'retry';
}

/** The first characters of a secret, for telling secrets apart without showing one. */
export function secretHint(secret: string): string {
  return `${secret.slice(0, 10)}…`;
}
