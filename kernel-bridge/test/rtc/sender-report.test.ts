/** The capture time put into werift's RTCP sender reports (lip sync of what the kernel sends). */
import { ntpFromUnixMs, reportCaptureTime } from '../../src/rtc/worker/sender-report';

describe('sender reports carry the capture time', () => {
  test('Unix ms -> 64-bit NTP: seconds since 1900, fraction of 2^32', () => {
    expect(ntpFromUnixMs(0)).toBe(2208988800n << 32n);
    expect(ntpFromUnixMs(1500)).toBe(((2208988800n + 1n) << 32n) | 2147483648n);
    const ntp = ntpFromUnixMs(1_764_460_800_250);
    expect(Number(ntp >> 32n) - 2208988800).toBe(1_764_460_800);
    expect(Number(ntp & 0xffffffffn) / 2 ** 32).toBeCloseTo(0.25, 9);
  });

  test('sets the sender clock werift builds its next SR from; ignores a missing sender or a bad time', () => {
    const sender = { ntpTimestamp: 7n };
    reportCaptureTime(sender, 1500);
    expect(sender.ntpTimestamp).toBe(ntpFromUnixMs(1500));
    reportCaptureTime(sender, NaN);
    reportCaptureTime(sender, -1);
    expect(sender.ntpTimestamp).toBe(ntpFromUnixMs(1500));
    expect(() => reportCaptureTime(undefined, 1500)).not.toThrow();
  });
});
