/**
 * Jobs of the visitors module. Photo deletion is durable: the job is enqueued in the transaction
 * that drops the reference, so the object goes even if the process dies right after the commit
 * (the service also deletes at once; deleting twice is harmless).
 */
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db.js';
import { deleteUnusedUpload } from './visitors.repository.js';

export const UPLOAD_TTL_MS = 60 * 60_000;

export function registerVisitorJobs(ctx: AppContext) {
  ctx.queue.register('visitors.delete_photo', async (p: { storageKey: string }) => {
    await ctx.storage.delete(p.storageKey);
  });
  ctx.queue.register('visitors.purge_upload', async (p: { uploadId: string }) => {
    const key = await deleteUnusedUpload(ctx.db, p.uploadId);
    if (key) await ctx.storage.delete(key);
  });
}

export function enqueuePhotoDeletion(ctx: AppContext, tx: Tx, storageKey: string) {
  return ctx.queue.enqueue(tx, { type: 'visitors.delete_photo', key: `delete-photo:${storageKey}`, payload: { storageKey } });
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
