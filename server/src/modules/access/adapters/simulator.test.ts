/** The built-in simulator keeps what it was sent without growing for ever (a demo left running). */
import { describe, expect, it } from 'vitest';
import { SimulatorAdapter } from './simulator.js';

describe('SimulatorAdapter', () => {
  it('keeps the latest 50,000 calls it was sent (trimmed once 100,000 gather), and every person it holds', async () => {
    const sim = new SimulatorAdapter(() => new Date('2026-12-07T02:00:00Z'));
    const device = { id: 'gate-1' } as never;
    const ids = Array.from({ length: 100_000 }, (_, i) => `p${i}`);
    await sim.upsertMany(device, ids.map((personId) => ({ personId, name: 'x' }) as never));
    expect(sim.calls).toHaveLength(100_000);
    await sim.remove(device, 'p0');
    expect(sim.calls).toHaveLength(50_000);
    expect(sim.calls.at(-1)).toEqual({ deviceId: 'gate-1', op: 'remove', personId: 'p0' });
    expect(sim.calls[0]).toEqual({ deviceId: 'gate-1', op: 'upsert', personId: 'p50001' });
    expect(sim.heldCount('gate-1')).toBe(99_999);
  });
});
