/**
 * Camera QR decoding for the kiosk (访客预约码, 访客凭条): ZXing-C++ compiled to WebAssembly
 * (zxing-wasm, reader only). Its .wasm is bundled by Vite and served by our own server — the
 * library's default would fetch it from a CDN, which a kiosk on the center's LAN may not reach.
 */
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

let prepared = false;
function prepare() {
  if (prepared) return;
  prepared = true;
  prepareZXingModule({ overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) } });
}

/** the text of the first QR code in the frame, or null */
export async function decodeQr(frame: ImageData): Promise<string | null> {
  prepare();
  const found = await readBarcodes(frame, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 });
  const hit = found.find((r) => r.isValid && r.text);
  return hit ? hit.text : null;
}
