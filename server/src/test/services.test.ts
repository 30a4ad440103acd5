import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireService } from './services.js';

describe('a test service that is not running is named in one line', () => {
  let server: net.Server;
  let openPort: number;
  let closedPort: number;
  beforeAll(async () => {
    server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    openPort = (server.address() as net.AddressInfo).port;
    // a port that was just free: nothing listens there
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('passes when the service answers', async () => {
    await expect(requireService('redis', `redis://127.0.0.1:${openPort}`, 'the Redis rate-limit tests')).resolves.toBeUndefined();
  });

  it('says which service, where, who needs it and how to start it, in one line without a stack', async () => {
    const err = await requireService('redis', `redis://127.0.0.1:${closedPort}`, 'the Redis rate-limit tests').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const e = err as Error;
    expect(e.message).toBe(
      `Redis on 127.0.0.1:${closedPort} is not running (ECONNREFUSED); the Redis rate-limit tests need it — start it: apt install redis-server, or docker run -d -p 6379:6379 redis`,
    );
    expect(e.stack).not.toContain('\n');
    const mqtt = (await requireService('mqtt', `mqtt://127.0.0.1:${closedPort}`, 'the MQTT gate tests').catch((x: Error) => x)) as Error;
    expect(mqtt.message).toMatch(/^Mosquitto \(MQTT broker\) on 127\.0\.0\.1:\d+ is not running \(ECONNREFUSED\); the MQTT gate tests need it — start it: apt install mosquitto/);
  });
});
