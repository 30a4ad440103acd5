import { pino } from 'pino';
import { loggerOptions } from '../../server/src/platform/logger.js';
const dest = pino.destination({ dest: '/dev/null', sync: false });
const log = pino(loggerOptions('info'), dest);
const req = { id: 'req-1', method: 'POST', url: '/api/visits/appointments', ip: '127.0.0.1', headers: {} };
const res = { statusCode: 200 };
for (const n of [20000, 100000]) {
  const t = performance.now();
  for (let i = 0; i < n; i++) log.child({ reqId: 'req-' + i }).info({ req, res, responseTime: 1.2 }, 'request completed');
  console.log(n, ((performance.now() - t) * 1000 / n).toFixed(1), 'µs per line');
}
