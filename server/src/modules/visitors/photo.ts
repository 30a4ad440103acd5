/**
 * Face photos: read the multipart upload, check it, normalise it. A photo is accepted only when
 * sharp can decode it as JPEG, PNG or WebP and it is at most 5 MB; it is stored as a JPEG of at
 * most 1024 px on its longer side, turned upright from its EXIF orientation, with all metadata
 * (EXIF, GPS) dropped.
 */
import sharp from 'sharp';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const MAX_PHOTO_SIDE = 1024;
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp']);
/** refuse decompression bombs before decoding: 40 megapixels is more than any phone camera */
const MAX_INPUT_PIXELS = 40_000_000;

export interface PhotoForm {
  consentVersion: string | null;
  photo: Buffer | null;
  /** the file part was larger than MAX_PHOTO_BYTES (the rest was not read) */
  tooLarge: boolean;
}

/** Reads the `photo` file and the `consentVersion` field from a multipart request, in any order. */
export async function readPhotoForm(req: FastifyRequest): Promise<PhotoForm> {
  if (!req.isMultipart()) throw new AppError('VALIDATION_FAILED', { reason: 'multipart/form-data expected' });
  const form: PhotoForm = { consentVersion: null, photo: null, tooLarge: false };
  // throwFileSizeLimit is read per call by @fastify/multipart but missing from its typings
  const opts = { limits: { fileSize: MAX_PHOTO_BYTES, files: 1, fields: 5 }, throwFileSizeLimit: false } as Parameters<FastifyRequest['parts']>[0];
  for await (const part of req.parts(opts)) {
    if (part.type === 'file') {
      const buf = await part.toBuffer();
      if (part.fieldname !== 'photo') continue;
      if (part.file.truncated) form.tooLarge = true;
      else form.photo = buf;
    } else if (part.fieldname === 'consentVersion') {
      form.consentVersion = String(part.value);
    }
  }
  return form;
}

/** Validates and normalises a photo; throws PHOTO_TOO_LARGE / PHOTO_NOT_IMAGE. */
export async function normalisePhoto(input: Buffer): Promise<Buffer> {
  if (input.length > MAX_PHOTO_BYTES) throw new AppError('PHOTO_TOO_LARGE');
  let format: string | undefined;
  try {
    format = (await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata()).format;
  } catch {
    throw new AppError('PHOTO_NOT_IMAGE');
  }
  if (!format || !ACCEPTED_FORMATS.has(format)) throw new AppError('PHOTO_NOT_IMAGE');
  try {
    return await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: MAX_PHOTO_SIDE, height: MAX_PHOTO_SIDE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer();
  } catch {
    // a header that parses but pixel data that does not (truncated or corrupt file)
    throw new AppError('PHOTO_NOT_IMAGE');
  }
}
