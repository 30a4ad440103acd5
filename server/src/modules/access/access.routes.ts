import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';

// scaffold: the routes arrive with the rest of this module in this change
export async function accessRoutes(_app: FastifyInstance, _ctx: AppContext) {}
