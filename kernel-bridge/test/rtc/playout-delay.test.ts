import { playoutDelayPayload } from '../../src/rtc/playout-delay';

describe('playout-delay extension payload', () => {
  test('12-bit min and max in 10 ms units', () => {
    expect(playoutDelayPayload(0, 0).toString('hex')).toBe('000000');
    // min 100 ms = 10 = 0x00a, max 400 ms = 40 = 0x028
    expect(playoutDelayPayload(100, 400).toString('hex')).toBe('00a028');
  });

  test('clamped to 12 bits, max never below min', () => {
    expect(playoutDelayPayload(1e9, 1e9).toString('hex')).toBe('ffffff');
    expect(playoutDelayPayload(200, 50).toString('hex')).toBe('014014');
    expect(playoutDelayPayload(-5, -5).toString('hex')).toBe('000000');
  });
});
