/** Test helpers for photo uploads: real images made with sharp, multipart bodies built by hand. */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

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

/** JPEG files start with the SOI marker FF D8. */
export const isJpeg = (b: Buffer) => b.length > 2 && b[0] === 0xff && b[1] === 0xd8;
