/**
 * A stand-in for a Hikvision access-control terminal's ISAPI (DS-K1T… face terminals): HTTP digest
 * authentication checked the real way (RFC 7616 MD5, qop=auth — a nonce the stub issued, the
 * response hash recomputed from the password, the uri matching the request), and the person,
 * card and face-library endpoints with ISAPI's JSON status bodies, keeping what it was given; the
 * remote door command (RemoteControl/door/<n>, XML) answers with an XML ResponseStatus.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export interface IsapiUser {
  employeeNo: string;
  name: string;
  userType: string;
  Valid: { enable: boolean; beginTime: string; endTime: string; timeType?: string };
}
export interface IsapiStub {
  url: string;
  users: Map<string, IsapiUser>;
  /** cardNo → employeeNo */
  cards: Map<string, string>;
  /** FPID (employeeNo) → JPEG */
  faces: Map<string, Buffer>;
  /** every request: method, path (with query), authenticated or not */
  requests: Array<{ method: string; path: string; authenticated: boolean }>;
  /** the remote door commands it carried out: door number and cmd (open, close, alwaysOpen, alwaysClose) */
  doorCommands: Array<{ door: number; cmd: string }>;
  /** forget every nonce issued (as a terminal does when it restarts or its nonces time out): the next request is challenged again */
  expireNonces(): void;
  close(): Promise<void>;
}

function parseMultipart(body: Buffer, contentType: string): Map<string, { headers: string; data: Buffer }> {
  const boundary = contentType.match(/boundary="?([^";]+)"?/i)?.[1];
  const out = new Map<string, { headers: string; data: Buffer }>();
  if (!boundary) return out;
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  while (pos !== -1) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next === -1) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter, drop CRLF before the next
    const sep = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, sep).toString('utf8');
    const name = headers.match(/name="([^"]+)"/i)?.[1];
    if (name) out.set(name, { headers, data: part.subarray(sep + 4) });
    pos = next;
  }
  return out;
}

export async function startIsapiStub(opts: { username: string; password: string; realm?: string; model?: string; doors?: number }): Promise<IsapiStub> {
  const realm = opts.realm ?? 'DS-K1T671MF';
  /** nonce → the highest nc answered with it (a request count that does not go up is a replay) */
  const nonces = new Map<string, number>();
  const users = new Map<string, IsapiUser>();
  const cards = new Map<string, string>();
  const faces = new Map<string, Buffer>();
  const requests: IsapiStub['requests'] = [];
  const doorCommands: IsapiStub['doorCommands'] = [];
  const doors = opts.doors ?? 1;
  const xmlStatus = (code: number, str: string, sub: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><requestURL></requestURL><statusCode>${code}</statusCode><statusString>${str}</statusString><subStatusCode>${sub}</subStatusCode></ResponseStatus>`;

  const verify = (req: IncomingMessage): boolean => {
    const h = req.headers.authorization ?? '';
    if (!/^Digest\s/i.test(h)) return false;
    const f: Record<string, string> = {};
    for (const m of h.replace(/^Digest\s+/i, '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) f[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
    if (f.username !== opts.username || f.realm !== realm || !nonces.has(f.nonce ?? '') || f.uri !== req.url) return false;
    if (f.qop !== 'auth' || !f.nc || !f.cnonce) return false;
    const nc = parseInt(f.nc, 16);
    if (!(nc > nonces.get(f.nonce!)!)) return false;
    const ha1 = md5(`${opts.username}:${realm}:${opts.password}`);
    const ha2 = md5(`${req.method}:${f.uri}`);
    if (f.response !== md5(`${ha1}:${f.nonce}:${f.nc}:${f.cnonce}:auth:${ha2}`)) return false;
    nonces.set(f.nonce!, nc);
    return true;
  };
  const ok = { statusCode: 1, statusString: 'OK', subStatusCode: 'ok' };
  const bad = (sub: string) => ({ status: 400, json: { statusCode: 6, statusString: 'Invalid Content', subStatusCode: sub, errorCode: 0x60000000, errorMsg: sub } });

  const handle = (req: IncomingMessage, body: Buffer): { status?: number; json?: unknown; xml?: string } => {
    const u = new URL(req.url ?? '/', 'http://stub');
    const route = `${req.method} ${u.pathname}`;
    const json = () => JSON.parse(body.toString('utf8') || '{}');
    const door = req.method === 'PUT' && u.pathname.match(/^\/ISAPI\/AccessControl\/RemoteControl\/door\/(\d+)$/);
    if (door) {
      const n = Number(door[1]);
      const cmd = body.toString('utf8').match(/<RemoteControlDoor\b[^>]*>[\s\S]*<cmd>([^<]*)<\/cmd>[\s\S]*<\/RemoteControlDoor>/)?.[1];
      if (!cmd || !['open', 'close', 'alwaysOpen', 'alwaysClose'].includes(cmd)) return { status: 400, xml: xmlStatus(5, 'Invalid XML Content', 'badXmlContent') };
      if (n < 1 || n > doors) return { status: 400, xml: xmlStatus(4, 'Invalid Operation', 'notSupport') };
      doorCommands.push({ door: n, cmd });
      return { xml: xmlStatus(1, 'OK', 'ok') };
    }
    switch (route) {
      case 'GET /ISAPI/System/deviceInfo':
        return { xml: `<?xml version="1.0" encoding="UTF-8"?>\n<DeviceInfo version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><deviceName>Access Controller</deviceName><model>${opts.model ?? 'DS-K1T671MF'}</model><serialNumber>DS-K1T671MF20260101AAWRJ12345678</serialNumber><firmwareVersion>V3.2.30</firmwareVersion></DeviceInfo>` };
      case 'POST /ISAPI/AccessControl/UserInfo/Record': {
        const { UserInfo } = json() as { UserInfo: IsapiUser };
        if (!UserInfo?.employeeNo || UserInfo.employeeNo.length > 32) return bad('badParameters');
        if (users.has(UserInfo.employeeNo)) return bad('employeeNoAlreadyExist');
        users.set(UserInfo.employeeNo, UserInfo);
        return { json: ok };
      }
      case 'PUT /ISAPI/AccessControl/UserInfo/Modify': {
        const { UserInfo } = json() as { UserInfo: IsapiUser };
        if (!users.has(UserInfo?.employeeNo)) return bad('employeeNoNotExist');
        users.set(UserInfo.employeeNo, UserInfo);
        return { json: ok };
      }
      case 'PUT /ISAPI/AccessControl/UserInfo/Delete': {
        const list = (json() as { UserInfoDelCond?: { EmployeeNoList?: Array<{ employeeNo: string }> } }).UserInfoDelCond?.EmployeeNoList ?? [];
        for (const { employeeNo } of list) {
          users.delete(employeeNo);
          faces.delete(employeeNo);
          for (const [c, e] of cards) if (e === employeeNo) cards.delete(c);
        }
        return { json: ok };
      }
      case 'POST /ISAPI/AccessControl/CardInfo/Record':
      case 'PUT /ISAPI/AccessControl/CardInfo/Modify': {
        const { CardInfo } = json() as { CardInfo: { employeeNo: string; cardNo: string } };
        if (!users.has(CardInfo?.employeeNo)) return bad('employeeNoNotExist');
        if (req.method === 'POST' && cards.has(CardInfo.cardNo)) return bad('cardNoAlreadyExist');
        if (req.method === 'PUT' && !cards.has(CardInfo.cardNo)) return bad('cardNoNotExist');
        cards.set(CardInfo.cardNo, CardInfo.employeeNo);
        return { json: ok };
      }
      case 'POST /ISAPI/Intelligent/FDLib/FaceDataRecord':
      case 'PUT /ISAPI/Intelligent/FDLib/FDSetUp': {
        const parts = parseMultipart(body, String(req.headers['content-type'] ?? ''));
        const rec = parts.get('FaceDataRecord');
        const img = parts.get('img');
        if (!rec || !img || !/content-type:\s*image\/jpeg/i.test(img.headers)) return bad('badParameters');
        const r = JSON.parse(rec.data.toString('utf8')) as { FPID: string; FDID: string; faceLibType: string };
        if (r.faceLibType !== 'blackFD' || r.FDID !== '1' || !users.has(r.FPID)) return bad('employeeNoNotExist');
        if (req.method === 'POST' && faces.has(r.FPID)) return bad('deviceUserAlreadyExistFace');
        faces.set(r.FPID, Buffer.from(img.data));
        return { json: ok };
      }
      case 'PUT /ISAPI/Intelligent/FDLib/FDSearch/Delete': {
        const list = (json() as { FPID?: Array<{ value: string }> }).FPID ?? [];
        for (const { value } of list) faces.delete(value);
        return { json: ok };
      }
      default:
        return { status: 404, json: { statusCode: 4, statusString: 'Invalid Operation', subStatusCode: 'notSupport' } };
    }
  };

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const authenticated = verify(req);
      requests.push({ method: req.method ?? '', path: req.url ?? '', authenticated });
      if (!authenticated) {
        const nonce = randomBytes(16).toString('hex');
        nonces.set(nonce, 0);
        res.writeHead(401, { 'www-authenticate': `Digest qop="auth", realm="${realm}", nonce="${nonce}", stale="FALSE", opaque="${randomBytes(8).toString('hex')}"`, 'content-type': 'text/html' });
        res.end('<!DOCTYPE html><html><head><title>Document Error: Unauthorized</title></head><body><h2>Access Error: 401 -- Unauthorized</h2></body></html>');
        return;
      }
      const out = handle(req, Buffer.concat(chunks));
      if (out.xml) {
        res.writeHead(out.status ?? 200, { 'content-type': 'application/xml' });
        res.end(out.xml);
      } else {
        res.writeHead(out.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out.json));
      }
    });
  });
  // Node's default: a shorter keep-alive hint (1 s) makes fetch drop the connection after every request
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    users,
    cards,
    faces,
    requests,
    doorCommands,
    expireNonces: () => nonces.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
