import { describe, expect, it } from 'vitest';
import { checkEvents, checkWebhookUrl, outcomeOf, secretHint, urlForAudit } from './webhooks.rules.js';

describe('webhook rules', () => {
  it.each([
    ['https://hr.example.com/hooks/safeguard', 'https://hr.example.com/hooks/safeguard'],
    ['  http://192.168.1.20:8080/in  ', 'http://192.168.1.20:8080/in'],
    ['http://127.0.0.1:9000/x?token=abc#frag', 'http://127.0.0.1:9000/x?token=abc'],
    ['HTTPS://Example.COM', 'https://example.com/'],
  ])('accepts %s', (raw, url) => {
    expect(checkWebhookUrl(raw)).toEqual({ url });
  });

  it.each(['', 'example.com/hook', 'ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'http://user:pw@example.com/', 'http://', `https://example.com/${'a'.repeat(2001)}`])(
    'refuses %s',
    (raw) => {
      expect(checkWebhookUrl(raw)).toEqual({ error: 'WEBHOOK_URL_INVALID' });
    },
  );

  it('events: at least one, all known, duplicates dropped, in the catalogue’s order', () => {
    expect(checkEvents([])).toEqual({ error: 'WEBHOOK_EVENTS_REQUIRED' });
    expect(checkEvents(['order.approved', 'order.exploded'])).toEqual({ error: 'WEBHOOK_EVENT_UNKNOWN' });
    expect(checkEvents(['webhook.test'])).toEqual({ error: 'WEBHOOK_EVENT_UNKNOWN' });
    expect(checkEvents(['order.left', 'order.approved', 'order.left'])).toEqual({ events: ['order.approved', 'order.left'] });
  });

  it('an answer: 2xx delivered, 410 gone, anything else (or none) retried', () => {
    expect([200, 201, 204, 299].map(outcomeOf)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(outcomeOf(410)).toBe('gone');
    expect([null, 199, 301, 400, 404, 429, 500, 503].map(outcomeOf)).toEqual(Array(8).fill('retry'));
  });

  it('the audit log keeps the URL without its query; a secret is hinted, not shown', () => {
    expect(urlForAudit('https://hr.example.com/in?token=s3cret')).toBe('https://hr.example.com/in');
    const hint = secretHint('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(hint).toBe('whsec_MfKQ…');
  });
});
