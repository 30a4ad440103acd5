/**
 * Kiosk peripheral bridge simulator (X6): serves the bridge protocol (contracts/kiosk-bridge.ts,
 * docs/integrations/kiosk-bridge.md) on a local WebSocket, plus a control page and a JSON API to
 * "insert" an ID card, "scan" a code, "measure" a temperature and see what was printed.
 *
 *   npm run kiosk-bridge-sim -- [--ws-port 8765] [--http-port 8766] [--no-printer]
 *
 * Control API (what e2e drives): POST /insert-card {sample: 0..2} or {card: IdCardData};
 * POST /scan {text}; POST /measure {celsius}; POST /peripherals {printer: false, …};
 * GET /printed → {items: [{id, at, slip, text}]}; GET /state.
 * Listens on 127.0.0.1 only: ID card data never leaves the machine.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { WebSocketServer, WebSocket } from 'ws';
import QRCode from 'qrcode';
import { BRIDGE_PROTOCOL_VERSION, PERIPHERALS, type BridgeToKiosk, type IdCardData, type PeripheralState, type SlipData } from '../contracts/kiosk-bridge.js';

const { values: args } = parseArgs({ options: { 'ws-port': { type: 'string', default: '8765' }, 'http-port': { type: 'string', default: '8766' }, 'no-printer': { type: 'boolean', default: false } } });
const HOST = '127.0.0.1';
const PHOTO = '/9j/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAA/ADMDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFgEBAQEAAAAAAAAAAAAAAAAAAAID/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AsgGqAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAH/2Q==';

export const SAMPLE_CARDS: IdCardData[] = [
  { name: '周杰', sex: '男', nation: '汉', birthDate: '1990-03-07', address: '北京市东城区东华门街道正义路2号', idNumber: '110101199003071233', issuingAuthority: '北京市公安局东城分局', validFrom: '2015-04-01', validTo: '2035-04-01', photo: PHOTO },
  { name: '林晓雨', sex: '女', nation: '汉', birthDate: '1985-06-12', address: '上海市浦东新区世纪大道100号', idNumber: '310115198506120042', issuingAuthority: '上海市公安局浦东分局', validFrom: '2010-09-15', validTo: '2030-09-15', photo: PHOTO },
  { name: '阿依古丽', sex: '女', nation: '维吾尔', birthDate: '1978-11-20', address: '广东省深圳市福田区福中三路1号', idNumber: '440304197811205516', issuingAuthority: '深圳市公安局福田分局', validFrom: '2018-01-10', validTo: '长期', photo: PHOTO },
];

const peripherals: PeripheralState = { idCardReader: true, qrScanner: true, thermometer: true, printer: !args['no-printer'] };
/** qr: the slip's QR as a PNG data URL, as the printer would draw it (scan it from the screen with a phone) */
const printed: { id: string; at: string; slip: SlipData; text: string; qr: string }[] = [];

/** what a 58 mm thermal printer would put on paper (the real bridge sends the same as ESC/POS) */
function slipText(s: SlipData): string {
  return [s.title, '--------------------------------', ...s.lines.map((l) => `${l.label}：${l.value}`), `[QR] ${s.qr}`, ...(s.footer ? [s.footer] : [])].join('\n');
}

const wss = new WebSocketServer({ host: HOST, port: Number(args['ws-port']) });
function send(ws: WebSocket, m: BridgeToKiosk) {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
}
function broadcast(m: BridgeToKiosk) {
  for (const ws of wss.clients) send(ws, m);
}
wss.on('connection', (ws) => {
  send(ws, { v: 1, type: 'hello', bridge: 'safeguard-bridge-sim/1', peripherals });
  ws.on('message', async (raw) => {
    let m: { v?: number; type?: string; id?: string; slip?: SlipData };
    try {
      m = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (m.v !== BRIDGE_PROTOCOL_VERSION || m.type !== 'print.slip' || typeof m.id !== 'string') return;
    if (!peripherals.printer) return send(ws, { v: 1, type: 'print.failed', id: m.id, reason: 'NO_PRINTER' });
    const slip = m.slip;
    if (!slip || typeof slip.title !== 'string' || !Array.isArray(slip.lines) || typeof slip.qr !== 'string') return send(ws, { v: 1, type: 'print.failed', id: m.id, reason: 'BAD_SLIP' });
    printed.push({ id: m.id, at: new Date().toISOString(), slip, text: slipText(slip), qr: await QRCode.toDataURL(slip.qr, { margin: 1, width: 180 }) });
    console.log(`printed slip ${printed.length}`); // the slip's contents are personal data: not logged
    send(ws, { v: 1, type: 'print.done', id: m.id });
  });
});

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let s = '';
  for await (const c of req) s += c;
  try {
    const v = JSON.parse(s || '{}');
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}
function json(res: ServerResponse, status: number, v: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(v));
}

const http = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://${HOST}`);
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  if (route === 'GET /printed') return json(res, 200, { items: printed });
  if (route === 'GET /state') return json(res, 200, { peripherals, clients: wss.clients.size, samples: SAMPLE_CARDS.map((c) => c.name) });
  if (req.method !== 'POST') return json(res, 404, { error: 'not found' });
  const b = await body(req);
  if (url.pathname === '/insert-card') {
    const card = b.card && typeof b.card === 'object' ? { ...SAMPLE_CARDS[0]!, ...(b.card as Partial<IdCardData>) } : SAMPLE_CARDS[Number(b.sample ?? 0)];
    if (!card) return json(res, 400, { error: 'sample is 0..' + (SAMPLE_CARDS.length - 1) });
    broadcast({ v: 1, type: 'idcard.read', card });
    return json(res, 200, { sent: wss.clients.size });
  }
  if (url.pathname === '/scan') {
    if (typeof b.text !== 'string' || !b.text) return json(res, 400, { error: 'text' });
    broadcast({ v: 1, type: 'qr.scan', text: b.text });
    return json(res, 200, { sent: wss.clients.size });
  }
  if (url.pathname === '/measure') {
    const celsius = Number(b.celsius);
    if (!Number.isFinite(celsius) || celsius < 30 || celsius > 45) return json(res, 400, { error: 'celsius 30..45' });
    broadcast({ v: 1, type: 'temperature.measure', celsius: Math.round(celsius * 10) / 10 });
    return json(res, 200, { sent: wss.clients.size });
  }
  if (url.pathname === '/peripherals') {
    for (const p of PERIPHERALS) if (typeof b[p] === 'boolean') peripherals[p] = b[p] as boolean;
    broadcast({ v: 1, type: 'state', peripherals });
    return json(res, 200, { peripherals });
  }
  return json(res, 404, { error: 'not found' });
});
http.listen(Number(args['http-port']), HOST, () => {
  console.log(`kiosk bridge simulator: ws://${HOST}:${args['ws-port']} · control http://${HOST}:${args['http-port']}/`);
});

const PAGE = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>外设桥模拟器</title>
<style>body{font:16px system-ui,sans-serif;margin:24px;max-width:900px}fieldset{margin:0 0 16px;border:1px solid #ccc;border-radius:8px}
button{font-size:16px;margin:4px;padding:6px 14px}input{font-size:16px;padding:4px}pre{background:#f6f6f6;padding:10px;border-radius:6px;white-space:pre-wrap;word-break:break-all;max-width:760px;margin:0}.slip{display:flex;gap:12px;align-items:flex-start;margin:8px 0}</style></head>
<body><h1>外设桥模拟器 · Kiosk bridge simulator</h1><p id="st"></p>
<fieldset><legend>身份证阅读器 · insert an ID card</legend>${SAMPLE_CARDS.map((c, i) => `<button onclick="post('/insert-card',{sample:${i}})">${c.name}</button>`).join('')}
<br>or type: <input id="nm" placeholder="姓名"> <input id="idn" placeholder="身份证号" size="20"> <button onclick="post('/insert-card',{card:{name:nm.value,idNumber:idn.value}})">插卡</button></fieldset>
<fieldset><legend>扫码器 · scan</legend><input id="qr" size="60"> <button onclick="post('/scan',{text:qr.value})">扫码</button></fieldset>
<fieldset><legend>测温仪 · measure (℃)</legend><input id="tc" type="number" step="0.1" value="36.5"> <button onclick="post('/measure',{celsius:+tc.value})">测温</button></fieldset>
<fieldset><legend>打印机 · printed slips</legend><label><input type="checkbox" id="pr" onchange="post('/peripherals',{printer:pr.checked})"> 打印机在线</label><div id="out"></div></fieldset>
<script>
async function post(p,b){await fetch(p,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(b)});refresh()}
async function refresh(){const s=await (await fetch('/state')).json();st.textContent='已连接的访客机 '+s.clients+' 台';pr.checked=s.peripherals.printer;
const p=await (await fetch('/printed')).json();out.innerHTML='';for(const it of p.items.slice().reverse()){const d=document.createElement('div');d.className='slip';const e=document.createElement('pre');e.textContent=it.at+'\\n'+it.text;const q=document.createElement('img');q.src=it.qr;q.alt='QR';d.append(e,q);out.append(d)}}
refresh();setInterval(refresh,2000);
</script></body></html>`;

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { wss.close(); http.close(); process.exit(0); });
