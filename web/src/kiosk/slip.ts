/**
 * 访客凭条 (X6): asks the server for the slip of a confirmed order (its code is valid for the
 * order's window) and sends it to the bridge's printer as structured lines + a QR payload; the
 * bridge renders ESC/POS (docs/integrations/kiosk-bridge.md).
 */
import type { SlipData } from '@contracts/kiosk-bridge';
import { getSlip, type Slip } from './api';
import { printSlip } from './bridge';
import { zoneDateTime, zoneHhmm } from './walkin';

type T = (key: string, args?: Record<string, unknown>) => string;

export function slipData(s: Slip, o: { t: T; tz: string; place: string | null }): SlipData {
  const { t, tz } = o;
  return {
    title: t('bridge.slipTitle'),
    lines: [
      { label: t('bridge.slipVisitor'), value: s.visitorName },
      { label: t('bridge.slipHost'), value: s.hostName },
      { label: t('bridge.slipPlace'), value: [s.unitName, o.place].filter(Boolean).join(' · ') },
      { label: t('bridge.slipWindow'), value: `${zoneDateTime(tz, s.startAt)}–${zoneHhmm(tz, s.endAt)}` },
    ],
    qr: s.token,
    footer: t('bridge.slipFooter'),
  };
}

export async function printWalkInSlip(orderId: string, o: { t: T; tz: string; place: string | null }): Promise<void> {
  await printSlip(slipData(await getSlip(orderId), o));
}
