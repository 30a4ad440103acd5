import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_PHOTO_BYTES, normalisePhoto, requirePhotoFile } from './photos.js';
import { makeImage } from '../test/images.js';

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);

describe('normalisePhoto', () => {
  it.each([
    ['jpeg', 1600, 1200, 1024, 768],
    ['png', 800, 2400, 341, 1024],
    ['webp', 500, 400, 500, 400], // never enlarged
  ] as const)('%s %i×%i → JPEG %i×%i', async (format, w, h, ew, eh) => {
    const out = await normalisePhoto(await makeImage({ width: w, height: h, format }));
    expect(await sharp(out).metadata()).toMatchObject({ format: 'jpeg', width: ew, height: eh });
  });

  it('turns the picture upright from its EXIF orientation and drops all metadata', async () => {
    const input = await makeImage({ width: 600, height: 400, orientation: 6 });
    expect((await sharp(input).metadata()).exif).toBeDefined();
    const meta = await sharp(await normalisePhoto(input)).metadata();
    expect(meta).toMatchObject({ width: 400, height: 600 });
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    // the blue marker painted at the top-left of the stored pixels is now at the top-right
    const { data, info } = await sharp(await normalisePhoto(input)).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    expect(px(info.width - 5, 5)[2]).toBeGreaterThan(200);
    expect(px(5, 5)[2]).toBeLessThan(100);
  });

  it.each([
    ['text', async () => Buffer.from('not an image at all')],
    ['empty', async () => Buffer.alloc(0)],
    ['gif', () => makeImage({ format: 'gif' })],
    ['svg', async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')],
    ['truncated jpeg', async () => (await makeImage({ width: 900, height: 900 })).subarray(0, 500)],
  ])('%s → PHOTO_NOT_IMAGE', async (_, make) => {
    expect(await code(normalisePhoto(await make()))).toBe('PHOTO_NOT_IMAGE');
  });

  it('more than 5 MB → PHOTO_TOO_LARGE before decoding', async () => {
    expect(await code(normalisePhoto(Buffer.alloc(MAX_PHOTO_BYTES + 1)))).toBe('PHOTO_TOO_LARGE');
  });
});

describe('requirePhotoFile', () => {
  const grab = (f: () => unknown) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  it.each([
    ['a file', { photo: Buffer.from('x'), tooLarge: false }, 'ok'],
    ['no file', { photo: null, tooLarge: false }, 'VALIDATION_FAILED'],
    ['a file cut off at the limit', { photo: null, tooLarge: true }, 'PHOTO_TOO_LARGE'],
  ] as const)('%s → %s', (_, form, expected) => {
    expect(grab(() => requirePhotoFile({ ...form, fields: {} }))).toBe(expected);
  });
});
