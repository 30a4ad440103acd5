/**
 * Setup shared by the gate journeys (admin-devices, blocked-visitor): a visitor's visit with a demo
 * host of 市机关事务管理局 (行政中心1号楼), confirmed and open from now, so the workers push the
 * visitor's credentials to the 1号楼 simulator gate.
 */
import assert from 'node:assert/strict';
import type { APIResponse, BrowserContext } from 'playwright-core';
import type { E2EContext } from './run.js';
import { TERMS_VERSION } from '../contracts/consent.js';

/** a demo host of 市机关事务管理局 (行政中心1号楼) */
export const GATE_HOST = { phone: '13900001001', password: 'Safeguard@2026' };
/** the demo simulator gate of 行政中心1号楼 */
export const GATE = '行政中心1号楼入口闸机（模拟）';

/** The response's JSON, after asserting it is a 2xx. */
export async function ok(res: APIResponse) {
  assert.ok(res.ok(), `${res.url()} → ${res.status()} ${await res.text()}`);
  return res.json();
}

/**
 * The visitor signs in by SMS code (and registers first when `register` is given), books a visit with
 * GATE_HOST from now for two hours, and the host approves it. Returns the visitor's browser context
 * (signed in), their registration (when made) and the order.
 */
export async function confirmedVisitNow(e2e: E2EContext, visitor: { phone: string; register?: { name: string; idNumber: string } }, reason: string) {
  const { baseUrl, browser } = e2e;
  const v: BrowserContext = await browser.newContext();
  await ok(await v.request.post(`${baseUrl}/api/auth/sms-codes`, { data: { phone: visitor.phone, purpose: 'visitor_login' } }));
  await ok(await v.request.post(`${baseUrl}/api/auth/visitor/login`, { data: { phone: visitor.phone, code: await e2e.lastSmsCode(visitor.phone) } }));
  const me = visitor.register
    ? ((await ok(await v.request.post(`${baseUrl}/api/visitor/register`, { data: { ...visitor.register, idType: 'prc_id', termsVersion: TERMS_VERSION } }))) as { id: string })
    : null;
  const start = new Date();
  const order = (await ok(
    await v.request.post(`${baseUrl}/api/visits/appointments`, {
      data: { hostPhone: GATE_HOST.phone, reason, startAt: start.toISOString(), endAt: new Date(start.getTime() + 2 * 3600_000).toISOString(), companionPhones: [], idempotencyKey: `e2e-gate-${Date.now()}` },
    }),
  )) as { id: string };
  const s = await browser.newContext();
  await ok(await s.request.post(`${baseUrl}/api/auth/staff/login`, { data: GATE_HOST }));
  assert.equal((await ok(await s.request.post(`${baseUrl}/api/visits/${order.id}/review`, { data: { decision: 'approve' } }))).status, 'confirmed');
  await s.close();
  return { v, me, order };
}
