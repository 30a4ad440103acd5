import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.js';

/** Every domain module's route registration, in order. */
export const modules: Array<(app: FastifyInstance, ctx: AppContext) => Promise<void>> = [];
