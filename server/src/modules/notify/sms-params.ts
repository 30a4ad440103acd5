/**
 * What real SMS providers need besides the text: an approved template per kind of message, and
 * that template's parameters. The login code uses the provider's `*_TEMPLATE_ID/CODE`; each
 * notification event uses the template mapped to it in `*_EVENT_TEMPLATES`
 * ("order_approved=1234567,order_submitted=1234568"), whose variables are the notice's own, in
 * the order they appear in the admin's template, then the link(s) (see notify.service.ts).
 */
import type { SmsMessage } from './sms.provider.js';

/** Parse "event=id,event=id" (spaces allowed; ":" works as well as "="). */
export function eventTemplateMap(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (spec ?? '').split(',')) {
    const m = part.trim().match(/^([A-Za-z0-9_]+)\s*[=:]\s*(\S+)$/);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Positional template parameters (Tencent's TemplateParamSet): the values in insertion order. */
export function providerTemplateParams(msg: Pick<SmsMessage, 'params'>): string[] {
  return Object.values(msg.params ?? {}).map((v) => String(v));
}
