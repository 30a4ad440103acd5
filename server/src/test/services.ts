/**
 * Services some tests need besides the database under test: Redis (shared rate limits), Mosquitto
 * (the MQTT gate protocol), PostgreSQL (the outage test, TEST_DATABASE_URL). When one is not
 * running, the tests that need it fail with one line saying which service, where, and how to start
 * it — instead of connection retries ending in a timeout.
 */
import net from 'node:net';

export type Service = 'redis' | 'mqtt' | 'postgres';

const SERVICES: Record<Service, { name: string; port: number; start: string }> = {
  redis: { name: 'Redis', port: 6379, start: 'apt install redis-server, or docker run -d -p 6379:6379 redis' },
  mqtt: { name: 'Mosquitto (MQTT broker)', port: 1883, start: 'apt install mosquitto, or set MQTT_TEST_URL to a broker' },
  postgres: { name: 'PostgreSQL', port: 5432, start: 'apt install postgresql, or set TEST_DATABASE_URL to a server' },
};

/** An error that vitest shows as its message only: the line says all there is to say. */
export class ServiceMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceMissing';
    this.stack = `${this.name}: ${message}`;
  }
}

function reachable(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer in ${timeoutMs} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/**
 * Resolves when the service at `url` accepts a TCP connection, else rejects with one line:
 * "Redis on 127.0.0.1:6379 is not running (ECONNREFUSED); the Redis rate-limit tests need it — start it: …".
 */
export async function requireService(service: Service, url: string, neededBy: string, timeoutMs = 2000): Promise<void> {
  const s = SERVICES[service];
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port || s.port);
  const problem = await reachable(host, port, timeoutMs);
  if (problem) throw new ServiceMissing(`${s.name} on ${host}:${port} is not running (${problem}); ${neededBy} need it — start it: ${s.start}`);
}
