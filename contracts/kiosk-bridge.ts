/**
 * The kiosk peripheral bridge protocol (X6), version 1 — docs/integrations/kiosk-bridge.md.
 * A WebSocket on the kiosk's own localhost; every message is one JSON object with `v` and `type`.
 * Shared by the kiosk page (web/src/kiosk/bridge.ts) and the simulator (scripts/kiosk-bridge-sim.ts).
 */
export const BRIDGE_PROTOCOL_VERSION = 1;
export const BRIDGE_DEFAULT_URL = 'ws://127.0.0.1:8765';
export const PERIPHERALS = ['idCardReader', 'qrScanner', 'thermometer', 'printer'] as const;
export type Peripheral = (typeof PERIPHERALS)[number];
export type PeripheralState = Record<Peripheral, boolean>;

/** 二代身份证 as the reader gives it; dates YYYY-MM-DD, validTo may be '长期' */
export interface IdCardData {
  name: string;
  sex: '男' | '女';
  nation: string;
  birthDate: string;
  address: string;
  idNumber: string;
  issuingAuthority: string;
  validFrom: string;
  validTo: string;
  /** base64 JPEG from the chip, without a data: prefix; may be empty */
  photo: string;
}

/** the slip as structured lines; the bridge renders it to ESC/POS for the thermal printer */
export interface SlipData {
  title: string;
  lines: { label: string; value: string }[];
  /** encoded as a QR code under the lines: the gates' code for this order's window */
  qr: string;
  footer?: string;
}

export type BridgeToKiosk =
  | { v: 1; type: 'hello'; bridge: string; peripherals: PeripheralState }
  | { v: 1; type: 'state'; peripherals: PeripheralState }
  | { v: 1; type: 'idcard.read'; card: IdCardData }
  | { v: 1; type: 'qr.scan'; text: string }
  | { v: 1; type: 'temperature.measure'; celsius: number }
  | { v: 1; type: 'print.done'; id: string }
  | { v: 1; type: 'print.failed'; id: string; reason: string };

export type KioskToBridge = { v: 1; type: 'hello'; client: string } | { v: 1; type: 'print.slip'; id: string; slip: SlipData };

/** parses one frame; null when it is not a v1 message of a known type */
export function parseBridgeMessage(raw: string): BridgeToKiosk | null {
  try {
    const m = JSON.parse(raw) as { v?: unknown; type?: unknown };
    if (m?.v !== BRIDGE_PROTOCOL_VERSION || typeof m.type !== 'string') return null;
    return ['hello', 'state', 'idcard.read', 'qr.scan', 'temperature.measure', 'print.done', 'print.failed'].includes(m.type) ? (m as BridgeToKiosk) : null;
  } catch {
    return null;
  }
}
