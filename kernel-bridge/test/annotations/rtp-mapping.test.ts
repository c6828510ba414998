/**
 * The RTP clock's mapping, as the worker tells it to the main thread (rtp_mapping): what the
 * streamer computes from it for an annotation must be the RTP timestamp the frame was sent with,
 * also after the clock shifted (a transform's timestamps went back) and across the 32-bit wrap.
 */
import { RtpClock, rtpTimestampOf } from '../../src/rtc/worker/rtp-clock';

describe('rtpTimestampOf(t, RtpClock.mapping)', () => {
  it('gives the RTP timestamp the clock gave frame t, across a wrap', () => {
    let wall = 0;
    const clock = new RtpClock(2 ** 32 - 900, () => wall);
    for (const t of [0, 5, 10.4, 33.3]) {
      wall = t;
      expect(rtpTimestampOf(t, clock.mapping)).toBe(clock.rtpTimestamp(t));
    }
    // 10 ms after a start 900 ticks before the wrap: past it
    expect(rtpTimestampOf(33.3, clock.mapping)).toBe(2097);
  });

  it('follows a shift (timestamps that went back): the mapping changes, the new one is right', () => {
    let wall = 0;
    const clock = new RtpClock(1000, () => wall);
    clock.rtpTimestamp(500);
    const before = clock.mapping;
    wall = 40;
    const sent = clock.rtpTimestamp(0); // a transform restarting its timestamps at 0
    expect(clock.mapping.shift).not.toBe(before.shift);
    expect(rtpTimestampOf(0, clock.mapping)).toBe(sent);
    expect(rtpTimestampOf(0, before)).not.toBe(sent);
  });
});
