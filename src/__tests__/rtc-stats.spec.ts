/**
 * The browser's half of the frame accounting: getStats() reports (fakes shaped like Chrome's) read
 * into cumulative figures, then turned into rates and per-frame times between two readings.
 */
import { browserStats, parseRtcStats } from '../streamer/rtc-stats';
import { shownFps } from '../streamer/shown-frames';

/** A Chrome-like report of one sendrecv video transceiver (plus stats we ignore). */
function chromeReport(at: number, frames: number, extra: Record<string, Record<string, unknown>> = {}) {
  const stats: Record<string, unknown>[] = [
    { id: 'T01', type: 'transport', timestamp: at, bytesSent: 1 },
    { id: 'CP1', type: 'candidate-pair', timestamp: at, currentRoundTripTime: 0.5 },
    { id: 'SA1', type: 'media-source', kind: 'audio', timestamp: at, frames: 999 },
    { id: 'SV1', type: 'media-source', kind: 'video', timestamp: at, frames: frames + 2, framesPerSecond: 30 },
    {
      id: 'OT1',
      type: 'outbound-rtp',
      kind: 'video',
      timestamp: at,
      framesEncoded: frames + 1,
      framesSent: frames,
      totalEncodeTime: frames * 0.004,
      bytesSent: frames * 5000,
      qualityLimitationReason: 'cpu',
      frameWidth: 640,
      frameHeight: 480,
    },
    {
      id: 'RI1',
      type: 'remote-inbound-rtp',
      kind: 'video',
      timestamp: at,
      roundTripTime: 0.0012,
      packetsLost: 3,
      fractionLost: 0.01,
    },
    {
      id: 'IT1',
      type: 'inbound-rtp',
      kind: 'video',
      timestamp: at,
      framesReceived: frames - 1,
      framesDecoded: frames - 2,
      framesDropped: 1,
      totalDecodeTime: (frames - 2) * 0.002,
      jitterBufferDelay: (frames - 2) * 0.02,
      jitterBufferEmittedCount: frames - 2,
      bytesReceived: frames * 4000,
      packetsLost: -1, // duplicates can make it negative
      frameWidth: 320,
      frameHeight: 240,
    },
  ];
  return new Map(stats.map((stat) => [stat.id as string, { ...stat, ...(extra[stat.id as string] ?? {}) }]));
}

describe('parseRtcStats', () => {
  it('reads the video figures of each stage and ignores audio and transport stats', () => {
    const sample = parseRtcStats(chromeReport(5000, 100), 0);
    expect(sample).toEqual({
      at: 5000,
      captured: 102,
      encoded: 101,
      sent: 100,
      encodeSeconds: 0.4,
      bytesSent: 500000,
      qualityLimitation: 'cpu',
      sendWidth: 640,
      sendHeight: 480,
      rttSeconds: 0.0012,
      lostOut: 3,
      fractionLostOut: 0.01,
      received: 99,
      decoded: 98,
      dropped: 1,
      decodeSeconds: 98 * 0.002,
      jitterSeconds: 98 * 0.02,
      jitterEmitted: 98,
      bytesReceived: 400000,
      lostIn: -1,
      receiveWidth: 320,
      receiveHeight: 240,
    });
  });

  it('gives null for what the browser does not report, or reports as something else than a number', () => {
    const sample = parseRtcStats(
      new Map([['x', { type: 'inbound-rtp', kind: 'video', framesDecoded: 'ten', framesReceived: NaN }]]),
      42,
    );
    expect(sample.at).toBe(42);
    expect(sample.decoded).toBeNull();
    expect(sample.received).toBeNull();
    expect(sample.captured).toBeNull();
    expect(sample.qualityLimitation).toBeNull();
    expect(parseRtcStats(new Map(), 7)).toMatchObject({ at: 7, encoded: null, rttSeconds: null });
  });
});

describe('browserStats', () => {
  it('has totals but no rates from the first reading', () => {
    const stats = browserStats(parseRtcStats(chromeReport(1000, 30), 0), null);
    expect(stats.decoded).toEqual({ fps: null, total: 28 });
    expect(stats.encode_ms).toBeNull();
    expect(stats.kbps_in).toBeNull();
    expect(stats.rtt_ms).toBeCloseTo(1.2);
    expect(stats.lost_in).toBe(0); // a negative count shows as 0
    expect(stats.send_size).toBe('640×480');
    expect(stats.quality_limitation).toBe('cpu');
  });

  it('gives per-second rates, per-frame times and bitrates over the interval between two readings', () => {
    const before = parseRtcStats(chromeReport(1000, 30), 0);
    const now = parseRtcStats(chromeReport(1500, 45), 0); // 15 frames in half a second
    const stats = browserStats(now, before);
    expect(stats.captured).toEqual({ fps: 30, total: 47 });
    expect(stats.sent).toEqual({ fps: 30, total: 45 });
    expect(stats.decoded).toEqual({ fps: 30, total: 43 });
    expect(stats.dropped).toEqual({ fps: 0, total: 1 });
    expect(stats.encode_ms).toBeCloseTo(4);
    expect(stats.decode_ms).toBeCloseTo(2);
    expect(stats.jitter_ms).toBeCloseTo(20);
    expect(stats.kbps_out).toBeCloseTo((15 * 5000 * 8) / 1000 / 0.5);
    expect(stats.kbps_in).toBeCloseTo((15 * 4000 * 8) / 1000 / 0.5);
  });

  it('has no per-frame time when no frame passed, and never a negative rate', () => {
    const before = parseRtcStats(chromeReport(1000, 30), 0);
    const stats = browserStats(parseRtcStats(chromeReport(2000, 30, { SV1: { frames: 10 } }), 0), before);
    expect(stats.decode_ms).toBeNull();
    expect(stats.captured.fps).toBe(0);
  });
});

describe('shownFps', () => {
  it('counts frames shown per second between two readings of the video', () => {
    expect(shownFps({ shown: 10, renderDropped: 0, at: 0 }, null)).toBeNull();
    expect(shownFps({ shown: 40, renderDropped: 1, at: 2000 }, { shown: 10, renderDropped: 0, at: 1000 })).toBe(30);
  });
});
