import { describe, expect, it } from 'vitest';
import { parseBridgeMessage } from './kiosk-bridge.js';

describe('bridge protocol v1 parsing (the kiosk ignores what it does not understand)', () => {
  it('accepts v1 messages of known types', () => {
    expect(parseBridgeMessage('{"v":1,"type":"temperature.measure","celsius":36.5}')).toEqual({ v: 1, type: 'temperature.measure', celsius: 36.5 });
    expect(parseBridgeMessage('{"v":1,"type":"qr.scan","text":"abc"}')?.type).toBe('qr.scan');
  });
  it('ignores another version, an unknown type, and what is not JSON', () => {
    expect(parseBridgeMessage('{"v":2,"type":"qr.scan","text":"abc"}')).toBeNull();
    expect(parseBridgeMessage('{"v":1,"type":"door.open"}')).toBeNull();
    expect(parseBridgeMessage('not json')).toBeNull();
    expect(parseBridgeMessage('null')).toBeNull();
  });
});
