/**
 * The kiosk's peripheral bridge client (X6, docs/integrations/kiosk-bridge.md): one WebSocket to
 * the bridge on this machine's loopback, reconnecting with backoff (1 s … 30 s), exposing what is
 * present as reactive state and readings as events. Without a bridge nothing breaks: every field
 * can still be typed.
 */
import { reactive } from 'vue';
import { BRIDGE_DEFAULT_URL, PERIPHERALS, parseBridgeMessage, type IdCardData, type PeripheralState, type SlipData } from '@contracts/kiosk-bridge';

const URL_KEY = 'sg.kiosk.bridgeUrl';
const none = (): PeripheralState => ({ idCardReader: false, qrScanner: false, thermometer: false, printer: false });

export const bridge = reactive({ connected: false, peripherals: none(), url: '' });

type Events = { idcard: IdCardData; qr: string; temperature: number };
const listeners: { [K in keyof Events]: Set<(v: Events[K]) => void> } = { idcard: new Set(), qr: new Set(), temperature: new Set() };
const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void; timer: number }>();

/** listen to a reading; returns the function that stops listening (call it on unmount) */
export function onBridge<K extends keyof Events>(event: K, fn: (v: Events[K]) => void): () => void {
  listeners[event].add(fn);
  return () => listeners[event].delete(fn);
}

/** the bridge URL of this kiosk: ?bridge=… in the page URL (kept), else the one kept, else the default */
export function bridgeUrl(): string {
  const fromQuery = new URLSearchParams(location.search).get('bridge');
  if (fromQuery && /^wss?:\/\//.test(fromQuery)) localStorage.setItem(URL_KEY, fromQuery);
  return localStorage.getItem(URL_KEY) || BRIDGE_DEFAULT_URL;
}

let ws: WebSocket | null = null;
let attempt = 0;
let retry: number | undefined;
let printSeq = 0;

export function connectBridge() {
  if (ws) return;
  bridge.url = bridgeUrl();
  let sock: WebSocket;
  try {
    sock = new WebSocket(bridge.url);
  } catch {
    return schedule();
  }
  ws = sock;
  sock.onopen = () => {
    attempt = 0;
    sock.send(JSON.stringify({ v: 1, type: 'hello', client: 'safeguard-kiosk/1' }));
  };
  sock.onmessage = (e) => {
    const m = parseBridgeMessage(String(e.data));
    if (!m) return;
    if (m.type === 'hello' || m.type === 'state') {
      bridge.connected = true;
      for (const p of PERIPHERALS) bridge.peripherals[p] = m.peripherals?.[p] === true;
    } else if (m.type === 'idcard.read') listeners.idcard.forEach((fn) => fn(m.card));
    else if (m.type === 'qr.scan') listeners.qr.forEach((fn) => fn(m.text));
    else if (m.type === 'temperature.measure' && Number.isFinite(m.celsius)) listeners.temperature.forEach((fn) => fn(m.celsius));
    else if (m.type === 'print.done' || m.type === 'print.failed') {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      window.clearTimeout(p.timer);
      if (m.type === 'print.done') p.resolve();
      else p.reject(new Error(m.reason));
    }
  };
  sock.onclose = () => {
    ws = null;
    bridge.connected = false;
    bridge.peripherals = none();
    for (const [id, p] of pending) {
      window.clearTimeout(p.timer);
      p.reject(new Error('BRIDGE_GONE'));
      pending.delete(id);
    }
    schedule();
  };
}

function schedule() {
  window.clearTimeout(retry);
  const delay = Math.min(30_000, 1000 * 2 ** attempt++);
  retry = window.setTimeout(connectBridge, delay);
}

/** sends a slip to the printer; resolves on print.done, rejects on print.failed, a lost bridge or 20 s of silence */
export function printSlip(slip: SlipData): Promise<void> {
  if (!ws || ws.readyState !== WebSocket.OPEN || !bridge.peripherals.printer) return Promise.reject(new Error('NO_PRINTER'));
  const id = `${Date.now()}-${++printSeq}`; // crypto.randomUUID needs a secure context, a LAN kiosk page may not be one
  const sock = ws;
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(() => {
      pending.delete(id);
      reject(new Error('TIMEOUT'));
    }, 20_000);
    pending.set(id, { resolve, reject, timer });
    sock.send(JSON.stringify({ v: 1, type: 'print.slip', id, slip }));
  });
}
