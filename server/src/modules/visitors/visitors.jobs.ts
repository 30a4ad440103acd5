/**
 * Jobs of the visitors module: uploads nobody used are purged after the hour. Stored photos are
 * deleted by the shared photos.delete job (platform/photos.ts).
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { registerPhotoJobs } from '../../platform/photos.js';
import { deleteUnusedUpload } from './visitors.repository.js';

export const UPLOAD_TTL_MS = 60 * 60_000;

export function registerVisitorJobs(ctx: AppContext) {
  registerPhotoJobs(ctx);
  // the type used before photo deletion moved to platform/photos.ts: jobs queued then still run
  ctx.queue.register('visitors.delete_photo', async (p: { storageKey: string }) => {
    await ctx.storage.delete(p.storageKey);
  });
  ctx.queue.register('visitors.purge_upload', async (p: { uploadId: string }) => {
    const key = await deleteUnusedUpload(ctx.db, p.uploadId);
    if (key) await ctx.storage.delete(key);
  });
}

/** An upload not used for a registration or an update within the hour is deleted. */
export function enqueueUploadPurge(ctx: AppContext, tx: Tx, uploadId: string, createdAt: Date) {
  return ctx.queue.enqueue(tx, {
    type: 'visitors.purge_upload',
    key: `purge-upload:${uploadId}`,
    payload: { uploadId },
    runAt: new Date(createdAt.getTime() + UPLOAD_TTL_MS + 60_000),
  });
}
