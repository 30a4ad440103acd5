/** Test helpers of the visitors module: real images made with sharp, multipart bodies built by hand. */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { FACE_CONSENT_VERSION } from '../../../../contracts/consent.js';
import { signInVisitor, type Client, type TestApp } from '../../test/harness.js';
import { randomPhone } from '../../test/factories.js';

export async function makeImage(opts: { width?: number; height?: number; format?: 'png' | 'jpeg' | 'webp' | 'gif'; orientation?: number } = {}): Promise<Buffer> {
  const { width = 640, height = 480, format = 'jpeg' } = opts;
  let img = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } });
  img = img.composite([{ input: { create: { width: Math.floor(width / 4), height: Math.floor(height / 4), channels: 3, background: '#0000ff' } }, left: 0, top: 0 }]);
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
  return img.toFormat(format).toBuffer();
}

/** A PNG of random noise: it does not compress, so size ≈ width × height × 3. */
export async function makeNoisePng(bytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 3));
  const raw = randomBytes(side * side * 3);
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
}

export async function multipart(fields: Record<string, string>, file?: { data: Buffer; name?: string; type?: string; field?: string }) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  if (file) fd.append(file.field ?? 'photo', new Blob([new Uint8Array(file.data)], { type: file.type ?? 'image/jpeg' }), file.name ?? 'photo.jpg');
  const r = new Request('http://x', { method: 'POST', body: fd });
  return { payload: Buffer.from(await r.arrayBuffer()), headers: { 'content-type': r.headers.get('content-type')! } };
}

export async function uploadPhoto(c: Client, data: Buffer, consentVersion: string | null = FACE_CONSENT_VERSION, type = 'image/jpeg') {
  const m = await multipart(consentVersion === null ? {} : { consentVersion }, { data, type });
  return c.req('POST', '/api/visitor/photos', m.payload, m.headers);
}

let ipSeq = 0;
/** A signed-in verified phone (not registered yet); each from its own IP so per-IP SMS limits stay out of the way. */
export async function signInNewPhone(t: TestApp, phone = randomPhone()) {
  const c = await signInVisitor(t, phone, `10.77.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`);
  return { c, phone };
}
