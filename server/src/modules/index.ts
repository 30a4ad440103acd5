import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.js';
import { visitorsRoutes } from './visitors/visitors.routes.js';
import { adminRoutes } from './admin/admin.routes.js';
import { kioskRoutes } from './kiosk/kiosk.routes.js';
import { peopleRoutes } from './people/people.routes.js';
import { visitsRoutes } from './visits/visits.routes.js';
import { notifyRoutes } from './notify/notify.routes.js';
import { approvalsAdminRoutes } from './approvals/approvals.admin.routes.js';
import { visitorLibraryRoutes } from './visitor-library/visitor-library.routes.js';
import { roomsRoutes } from './meetings/rooms.routes.js';
import { bookingsRoutes } from './meetings/bookings.routes.js';
import { meetingInvitesRoutes } from './meetings/invites.routes.js';
import { accessRoutes } from './access/access.routes.js';
import { alertsRoutes } from './alerts/alerts.routes.js';
import { personnelRoutes } from './personnel/personnel.routes.js';
import { recordsRoutes } from './records/records.routes.js';
import { dashboardRoutes } from './dashboard/dashboard.routes.js';
import { privacyRoutes } from './privacy/privacy.routes.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';
import { rollCallRoutes } from './rollcall/rollcall.routes.js';
import { adminsRoutes } from './identity/admins.routes.js';

/** Every domain module's route registration, in order. */
export const modules: Array<(app: FastifyInstance, ctx: AppContext) => Promise<void>> = [
  visitorsRoutes,
  adminRoutes,
  kioskRoutes,
  peopleRoutes,
  visitsRoutes,
  notifyRoutes,
  approvalsAdminRoutes,
  visitorLibraryRoutes,
  roomsRoutes,
  bookingsRoutes,
  meetingInvitesRoutes,
  accessRoutes,
  alertsRoutes,
  personnelRoutes,
  recordsRoutes,
  dashboardRoutes,
  privacyRoutes,
  webhooksRoutes,
  rollCallRoutes,
  adminsRoutes,
];
