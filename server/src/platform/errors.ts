import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorCatalogue, type ErrorBody, type ErrorCode } from '../../../contracts/errors.js';
import { isDbUnavailable } from './db-health.js';
import { StorageUnavailableError } from './storage.js';

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly details?: unknown,
  ) {
    super(errorCatalogue[code].en);
    this.status = errorCatalogue[code].status;
  }
}

export function errorBody(code: ErrorCode, details?: unknown): ErrorBody {
  const e = errorCatalogue[code];
  return { error: { code, message: { 'zh-CN': e.zh, en: e.en }, ...(details === undefined ? {} : { details }) } };
}

/** zod schema of an error response, used in every route's per-status responses. */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.object({ 'zh-CN': z.string(), en: z.string() }),
      details: z.unknown().optional(),
    }),
  })
  .describe('Error');

/** The standard error responses a route can answer; pass the statuses it uses. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, errorResponseSchema])) as Record<number, typeof errorResponseSchema>;
}

/** @fastify/multipart's own errors about the form (not its size limits, which are 413) */
const MULTIPART_CODES = new Set(['FST_MP_PREMATURE_CLOSE', 'FST_PROTO_VIOLATION', 'FST_INVALID_JSON_FIELD_ERROR', 'FST_INVALID_MULTIPART_CONTENT_TYPE']);
/** what busboy (the multipart parser) throws on a truncated body, a wrong or missing boundary */
const BUSBOY_MESSAGES = /unexpected end of multipart data|terminated early|boundary not found|boundary required|needle cannot|unsupported content-type|missing content-type/i;

/**
 * A multipart body that is not a complete form (truncated, wrong boundary): a client error, though
 * busboy raises it as a plain Error without a status, wherever the route happened to be reading.
 */
export function isBrokenMultipart(err: { code?: string; statusCode?: number; message?: string; stack?: string }): boolean {
  if (err.code && MULTIPART_CODES.has(err.code)) return true;
  return !err.statusCode && (/[\\/]busboy[\\/]/.test(err.stack ?? '') || BUSBOY_MESSAGES.test(err.message ?? ''));
}

/**
 * Fastify's own refusals before a route is found (a malformed %-escape in the path, a parameter
 * over maxParamLength), answered in the catalogue's shape; the path is not echoed.
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
  const reason = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : 'the URL is not valid';
  return reply.status(400).send(errorBody('VALIDATION_FAILED', { reason }));
}

/**
 * One error handler: maps every error to the catalogue; hides 5xx details. Fastify takes one
 * not-found handler per prefix, so a caller that serves more (the web apps) passes its own.
 */
export function installErrorHandler(app: FastifyInstance, notFound?: (req: FastifyRequest, reply: FastifyReply) => unknown) {
  app.setErrorHandler((err: FastifyError & { validation?: unknown }, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.status).send(errorBody(err.code, err.details));
    }
    // the database cannot be reached (restart, network): a temporary 503, not a 500; logged once per outage
    if (isDbUnavailable(err)) {
      app.dbHealth?.reportFailure(err);
      return reply.status(503).header('retry-after', '5').send(errorBody('DB_UNAVAILABLE'));
    }
    // the object store (S3) cannot be reached: a temporary 503; the reason is logged, never a key
    if (err instanceof StorageUnavailableError) {
      req.log.warn({ reason: err.reason }, 'object storage unavailable: answered 503 STORAGE_UNAVAILABLE');
      return reply.status(503).header('retry-after', '5').send(errorBody('STORAGE_UNAVAILABLE'));
    }
    if (err.validation || err.code === 'FST_ERR_VALIDATION') {
      const details = Array.isArray(err.validation)
        ? (err.validation as Array<{ instancePath?: string; message?: string; params?: { issue?: { path?: unknown[] } } }>).map((v) => ({
            path: v.instancePath || '',
            message: v.message,
          }))
        : undefined;
      // a schema rule that names a catalogue code (e.g. PLATE_INVALID) answers with that code
      const named = details?.map((d) => d.message).find((m): m is ErrorCode => !!m && m in errorCatalogue && errorCatalogue[m as ErrorCode].status === 400);
      if (named) return reply.status(400).send(errorBody(named, details));
      return reply.status(400).send(errorBody('VALIDATION_FAILED', details));
    }
    if (isBrokenMultipart(err)) return reply.status(400).send(errorBody('UPLOAD_INVALID'));
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.code === 'FST_REQ_FILE_TOO_LARGE' || err.statusCode === 413) {
      return reply.status(413).send(errorBody('PAYLOAD_TOO_LARGE'));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      if (err.statusCode === 429) return reply.status(429).send(errorBody('RATE_LIMITED'));
      if (err.statusCode === 404) return reply.status(404).send(errorBody('NOT_FOUND'));
      return reply.status(400).send(errorBody('VALIDATION_FAILED', { reason: err.message }));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('INTERNAL'));
  });
  app.setNotFoundHandler(notFound ?? ((req, reply) => reply.status(404).send(errorBody('NOT_FOUND'))));
}
