/**
 * Hikvision ISAPI (access-control terminals: DS-K1T…, DS-K5… turnstile faces) over HTTP digest auth
 * (RFC 7616, MD5, qop=auth — what the terminals speak). The order's holder is one "person"
 * (UserInfo, employeeNo = personIdOf(orderId), userType visitor, Valid = the order's window in the
 * device's local time); the ID number is a card (CardInfo, read by the ID-card module); the face
 * goes to face library 1 (FDLib FaceDataRecord, multipart JSON + JPEG). Removing the person
 * (UserInfo/Delete) removes its card and face with it. See docs/integrations/access.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DeviceError, DeviceUnreachable, type AccessAdapter, type BatchOutcome, type CredentialPush, type DeviceTarget, type DoorCommand, type HealthResult } from './types.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const TIMEOUT_MS = 10_000;
/** someone is waiting at the door: a remote opening gives up sooner */
const DOOR_TIMEOUT_MS = 5000;
/** people per UserInfo/Delete (EmployeeNoList): one request removes them all, with their cards and faces */
const DELETE_BATCH = 50;

interface Challenge {
  realm: string;
  nonce: string;
  qop?: string;
  opaque?: string;
  algorithm?: string;
}

export function parseDigestChallenge(header: string): Challenge | null {
  if (!/^\s*digest\s/i.test(header)) return null;
  const out: Record<string, string> = {};
  for (const m of header.replace(/^\s*digest\s+/i, '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  if (!out.realm || !out.nonce) return null;
  return { realm: out.realm, nonce: out.nonce, qop: out.qop, opaque: out.opaque, algorithm: out.algorithm };
}

export function digestAuthorization(c: Challenge, o: { username: string; password: string; method: string; uri: string; nc: number; cnonce: string }): string {
  const ha1 = md5(`${o.username}:${c.realm}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const qop = c.qop?.split(',').map((s) => s.trim()).includes('auth') ? 'auth' : undefined;
  const nc = o.nc.toString(16).padStart(8, '0');
  const response = qop ? md5(`${ha1}:${c.nonce}:${nc}:${o.cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${c.nonce}:${ha2}`);
  const parts = [`username="${o.username}"`, `realm="${c.realm}"`, `nonce="${c.nonce}"`, `uri="${o.uri}"`, `response="${response}"`, 'algorithm=MD5'];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${o.cnonce}"`);
  if (c.opaque) parts.push(`opaque="${c.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

interface IsapiStatus {
  statusCode?: number;
  statusString?: string;
  subStatusCode?: string;
  errorMsg?: string;
}

export class IsapiAdapter implements AccessAdapter {
  constructor(
    private readonly fetchFn: typeof fetch,
    /** the zone the terminals keep their clock in (the center's) */
    timeZone: string,
  ) {
    this.localFormat = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  /**
   * The digest challenge each terminal last gave (by address and user name), with its request count:
   * a later request answers it straight away (nc counting up, RFC 7616 §3.4) instead of being
   * challenged again — half the round trips when thousands of people are pushed to one terminal.
   * A terminal that has dropped the nonce (restarted, timed out) answers 401 with a new one.
   */
  private readonly challenges = new Map<string, { challenge: Challenge; nc: number }>();
  /** the terminal's local time, one formatter (building one per call cost more than the rest of a push) */
  private readonly localFormat: Intl.DateTimeFormat;

  /** One request with digest auth: answered with the last challenge if there is one, else the first answer is the challenge. */
  private async request(d: DeviceTarget, method: string, pathAndQuery: string, body?: string | FormData, contentType?: string, timeoutMs = TIMEOUT_MS): Promise<{ status: number; text: string }> {
    const base = d.address.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(base)) throw new DeviceError(`address is not an http(s) URL: ${d.address}`);
    const url = `${base}${pathAndQuery}`;
    const uri = new URL(url);
    const headers: Record<string, string> = {};
    if (contentType) headers['content-type'] = contentType;
    const send = (auth?: string) =>
      this.fetchFn(url, { method, body, headers: auth ? { ...headers, authorization: auth } : headers, signal: AbortSignal.timeout(timeoutMs) }).catch((e: Error) => {
        throw new DeviceUnreachable(`unreachable: ${e.cause instanceof Error ? e.cause.message : e.message}`);
      });
    const key = `${base}\n${d.username ?? ''}`;
    const answer = (c: { challenge: Challenge; nc: number }) =>
      digestAuthorization(c.challenge, { username: d.username ?? '', password: d.password ?? '', method, uri: uri.pathname + uri.search, nc: ++c.nc, cnonce: randomBytes(8).toString('hex') });
    const known = this.challenges.get(key);
    let res = await send(known ? answer(known) : undefined);
    if (res.status === 401) {
      await res.arrayBuffer();
      const challenge = parseDigestChallenge(res.headers.get('www-authenticate') ?? '');
      if (!challenge) throw new DeviceError('the device asked for an authentication scheme other than digest');
      const fresh = { challenge, nc: 0 };
      res = await send(answer(fresh));
      if (res.status === 401) {
        await res.arrayBuffer();
        this.challenges.delete(key);
        throw new DeviceError('the device refused the user name or password (401)');
      }
      this.challenges.set(key, fresh);
    }
    return { status: res.status, text: await res.text() };
  }

  private async json(d: DeviceTarget, method: string, path: string, payload: unknown): Promise<IsapiStatus & { ok: boolean }> {
    const r = await this.request(d, method, path, JSON.stringify(payload), 'application/json');
    return this.status(r);
  }

  private status(r: { status: number; text: string }): IsapiStatus & { ok: boolean } {
    let s: IsapiStatus = {};
    try {
      s = JSON.parse(r.text) as IsapiStatus;
    } catch {
      // not JSON: an XML <ResponseStatus> (the answer to an XML request), or an HTML error page
      const tag = (t: string) => r.text.match(new RegExp(`<${t}>([^<]*)</${t}>`))?.[1];
      const code = tag('statusCode');
      if (code !== undefined) s = { statusCode: Number(code), statusString: tag('statusString'), subStatusCode: tag('subStatusCode'), errorMsg: tag('errorMsg') };
    }
    return { ...s, ok: r.status >= 200 && r.status < 300 && (s.statusCode === undefined || s.statusCode === 1) };
  }

  private fail(what: string, s: IsapiStatus): never {
    throw new DeviceError(`${what}: ${s.subStatusCode ?? s.statusString ?? 'error'}${s.errorMsg ? ` (${s.errorMsg})` : ''}`);
  }

  /** 2026-11-24T09:00:00 in the device's local time (timeType local). */
  private local(d: Date): string {
    const p = this.localFormat.formatToParts(d);
    const g = (t: string) => p.find((x) => x.type === t)!.value;
    return `${g('year')}-${g('month')}-${g('day')}T${g('hour')}:${g('minute')}:${g('second')}`;
  }

  async upsert(d: DeviceTarget, p: CredentialPush): Promise<void> {
    // Hikvision's parking cameras keep plates in a vehicle list of their own (not UserInfo): not spoken here
    if (p.kinds.includes('plate')) throw new DeviceError('Hikvision ISAPI barriers are not supported: use the MQTT terminal protocol for a barrier');
    const user = {
      UserInfo: {
        employeeNo: p.personId,
        name: p.name.slice(0, 32),
        userType: 'visitor',
        Valid: { enable: true, beginTime: this.local(p.validFrom), endTime: this.local(p.validTo), timeType: 'local' },
        doorRight: '1',
        RightPlan: [{ doorNo: 1, planTemplateNo: '1' }],
      },
    };
    let s = await this.json(d, 'POST', '/ISAPI/AccessControl/UserInfo/Record?format=json', user);
    if (!s.ok && s.subStatusCode === 'employeeNoAlreadyExist') s = await this.json(d, 'PUT', '/ISAPI/AccessControl/UserInfo/Modify?format=json', user);
    if (!s.ok) this.fail('UserInfo', s);

    if (p.idNumber) {
      const card = { CardInfo: { employeeNo: p.personId, cardNo: p.idNumber, cardType: 'normalCard' } };
      let c = await this.json(d, 'POST', '/ISAPI/AccessControl/CardInfo/Record?format=json', card);
      if (!c.ok && c.subStatusCode === 'cardNoAlreadyExist') c = await this.json(d, 'PUT', '/ISAPI/AccessControl/CardInfo/Modify?format=json', card);
      if (!c.ok) this.fail('CardInfo', c);
    }

    if (p.face) {
      const form = () => {
        const f = new FormData();
        f.append('FaceDataRecord', JSON.stringify({ faceLibType: 'blackFD', FDID: '1', FPID: p.personId }));
        f.append('img', new Blob([new Uint8Array(p.face!)], { type: 'image/jpeg' }), 'face.jpg');
        return f;
      };
      let f = this.status(await this.request(d, 'POST', '/ISAPI/Intelligent/FDLib/FaceDataRecord?format=json', form()));
      if (!f.ok && f.subStatusCode === 'deviceUserAlreadyExistFace') f = this.status(await this.request(d, 'PUT', '/ISAPI/Intelligent/FDLib/FDSetUp?format=json', form()));
      if (!f.ok) this.fail('FaceDataRecord', f);
    } else if (!p.firstPush) {
      // a face held from an earlier push goes (e.g. the consent was withdrawn); none held is fine
      // (not asked on a first push: one request of three fewer per person when a terminal is filled)
      const f = await this.json(d, 'PUT', '/ISAPI/Intelligent/FDLib/FDSearch/Delete?format=json&FDID=1&faceLibType=blackFD', { FPID: [{ value: p.personId }] });
      if (!f.ok && f.subStatusCode !== 'notExist' && f.subStatusCode !== 'noFace') this.fail('FDLib delete', f);
    }
  }

  async remove(d: DeviceTarget, personId: string): Promise<void> {
    await this.deleteUsers(d, [personId]);
  }

  private async deleteUsers(d: DeviceTarget, personIds: string[]): Promise<void> {
    const s = await this.json(d, 'PUT', '/ISAPI/AccessControl/UserInfo/Delete?format=json', { UserInfoDelCond: { EmployeeNoList: personIds.map((employeeNo) => ({ employeeNo })) } });
    if (!s.ok && s.subStatusCode !== 'employeeNoNotExist') this.fail('UserInfo/Delete', s);
  }

  /**
   * UserInfo/Delete takes a list of employee numbers: DELETE_BATCH people per request. A terminal
   * takes one person per UserInfo/CardInfo/FaceDataRecord request, so upserts go one by one.
   */
  async removeMany(d: DeviceTarget, personIds: string[]): Promise<BatchOutcome> {
    const out: BatchOutcome = [];
    for (let i = 0; i < personIds.length; i += DELETE_BATCH) {
      const chunk = personIds.slice(i, i + DELETE_BATCH);
      const err = await this.deleteUsers(d, chunk).then(
        () => null,
        (e: Error) => e,
      );
      out.push(...chunk.map(() => err));
    }
    return out;
  }

  /** 远程开门: PUT /ISAPI/AccessControl/RemoteControl/door/<n> <RemoteControlDoor><cmd>open</cmd></RemoteControlDoor>. */
  async openDoor(d: DeviceTarget, cmd: DoorCommand): Promise<void> {
    const xml = '<?xml version="1.0" encoding="UTF-8"?><RemoteControlDoor version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><cmd>open</cmd></RemoteControlDoor>';
    const s = this.status(await this.request(d, 'PUT', `/ISAPI/AccessControl/RemoteControl/door/${cmd.door}`, xml, 'application/xml', DOOR_TIMEOUT_MS));
    if (!s.ok) this.fail('RemoteControl/door', s);
  }

  async health(d: DeviceTarget): Promise<HealthResult> {
    try {
      const r = await this.request(d, 'GET', '/ISAPI/System/deviceInfo');
      if (r.status !== 200) return { ok: false, detail: `deviceInfo answered ${r.status}` };
      const tag = (t: string) => r.text.match(new RegExp(`<${t}>([^<]*)</${t}>`))?.[1];
      return { ok: true, detail: [tag('deviceName'), tag('model'), tag('firmwareVersion')].filter(Boolean).join(' / ') || 'ok' };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }
}

/**
 * An event a terminal pushes in "HTTP listening" mode (event_log / AccessControllerEvent JSON) as a
 * pass: major type 5 (event), sub type 75 face passed / 76 face failed, 1 card passed / 9 card
 * without right / 8 card expired. Anything else (door status, heartbeats) is not a pass: null.
 */
export function isapiEventToPass(body: unknown): { at?: string; method: 'face' | 'id_card'; result: 'granted' | 'denied'; personId?: string } | null {
  const e = body as { dateTime?: string; eventType?: string; AccessControllerEvent?: { majorEventType?: number; subEventType?: number; employeeNoString?: string } };
  const a = e?.AccessControllerEvent;
  if (e?.eventType !== 'AccessControllerEvent' || !a || a.majorEventType !== 5) return null;
  const map: Record<number, { method: 'face' | 'id_card'; result: 'granted' | 'denied' }> = {
    75: { method: 'face', result: 'granted' },
    76: { method: 'face', result: 'denied' },
    1: { method: 'id_card', result: 'granted' },
    8: { method: 'id_card', result: 'denied' },
    9: { method: 'id_card', result: 'denied' },
  };
  const m = map[a.subEventType ?? -1];
  if (!m) return null;
  const at = e.dateTime && !Number.isNaN(Date.parse(e.dateTime)) ? new Date(e.dateTime).toISOString() : undefined;
  return { ...m, at, personId: a.employeeNoString || undefined };
}
