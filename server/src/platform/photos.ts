/**
 * Face photos (X5; docs/decisions/0003-storage.md), shared by every module that keeps one (visitor
 * registration, staff records): read the multipart upload, check it, normalise it, send it, and
 * delete a stored one durably.
 *
 * A photo is accepted only when sharp can decode it as JPEG, PNG or WebP and it is at most 5 MB;
 * it is stored as a JPEG of at most 1024 px on its longer side, turned upright from its EXIF
 * orientation, with all metadata (EXIF, GPS) dropped, encrypted by ctx.storage under faces/.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.js';
import type { Tx } from './db.js';
import { AppError } from './errors.js';

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const MAX_PHOTO_SIDE = 1024;
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp']);
/** refuse decompression bombs before decoding: 40 megapixels is more than any phone camera */
const MAX_INPUT_PIXELS = 40_000_000;

export interface PhotoForm {
  /** the file in the part named `photo`; null when there was none (or it was too large) */
  photo: Buffer | null;
  /** the file part was larger than MAX_PHOTO_BYTES (the rest was not read) */
  tooLarge: boolean;
  /** the text fields of the form (at most 5), e.g. consentVersion or consentConfirmed */
  fields: Record<string, string>;
}

/** Reads the `photo` file and the text fields from a multipart request, in any order. */
export async function readPhotoForm(req: FastifyRequest): Promise<PhotoForm> {
  if (!req.isMultipart()) throw new AppError('VALIDATION_FAILED', { reason: 'multipart/form-data expected' });
  const form: PhotoForm = { photo: null, tooLarge: false, fields: {} };
  // throwFileSizeLimit is read per call by @fastify/multipart but missing from its typings
  const opts = { limits: { fileSize: MAX_PHOTO_BYTES, files: 1, fields: 5 }, throwFileSizeLimit: false } as Parameters<FastifyRequest['parts']>[0];
  for await (const part of req.parts(opts)) {
    if (part.type === 'file') {
      const buf = await part.toBuffer();
      if (part.fieldname !== 'photo') continue;
      if (part.file.truncated) form.tooLarge = true;
      else form.photo = buf;
    } else {
      form.fields[part.fieldname] = String(part.value);
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

/**
 * The file of a photo form, or the error every upload gives: PHOTO_TOO_LARGE, or
 * VALIDATION_FAILED when there is none. The caller checks consent before (its own field and rule)
 * and then decodes it with normalisePhoto.
 */
export function requirePhotoFile(form: PhotoForm): Buffer {
  if (form.tooLarge) throw new AppError('PHOTO_TOO_LARGE');
  if (!form.photo) throw new AppError('VALIDATION_FAILED', { field: 'photo', reason: 'a file in the field `photo` is required' });
  return form.photo;
}

/** A new key under faces/ in private storage. */
export const newFaceKey = () => `faces/${randomUUID()}`;

/** Sends a stored photo: a JPEG that no cache (browser or proxy) keeps. */
export function sendPhoto(reply: FastifyReply, jpeg: Buffer) {
  return reply.header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff').type('image/jpeg').send(jpeg);
}

// ------------------------------------------------------------------ deletion

export const DELETE_PHOTO_JOB = 'photos.delete';

/** Registers the deletion job (registering twice is harmless: the queue keeps one handler per type). */
export function registerPhotoJobs(ctx: AppContext) {
  ctx.queue.register(DELETE_PHOTO_JOB, async (p: { storageKey: string }) => {
    await ctx.storage.delete(p.storageKey);
  });
}

/**
 * Enqueued in the transaction that drops the reference, so the object goes even if the process
 * dies right after the commit; the caller also deletes at once after the commit
 * (deletePhotoNow). Deleting twice is harmless.
 */
export function enqueuePhotoDeletion(ctx: AppContext, tx: Tx, storageKey: string) {
  return ctx.queue.enqueue(tx, { type: DELETE_PHOTO_JOB, key: `delete-photo:${storageKey}`, payload: { storageKey } });
}

/** Deletes an object after the commit; a failure is left to the queued job. */
export async function deletePhotoNow(ctx: AppContext, storageKey: string) {
  try {
    await ctx.storage.delete(storageKey);
  } catch (err) {
    ctx.log.warn({ err }, 'photo delete failed; left to the job queue');
  }
}
