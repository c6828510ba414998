/**
 * The quality caps as sender parameters (src/streamer/sender-quality.ts):
 * the scale factor from the camera's size, bitrate and frame rate, the
 * degradation preference and its contentHint, and lifting caps.
 */
import { DEFAULT_QUALITY } from '../settings';
import { NO_QUALITY } from '../streamer/protocol';
import { senderQuality, withSenderQuality } from '../streamer/sender-quality';

const vga = { width: 640, height: 480 };

describe('senderQuality', () => {
  it('sends the camera as it is without caps, keeping the resolution', () => {
    expect(senderQuality(NO_QUALITY, vga)).toEqual({
      encoding: { scaleResolutionDownBy: 1 },
      degradationPreference: 'maintain-resolution',
      contentHint: 'detail',
    });
  });

  it.each([
    [{ max_width: 320 }, vga, 2],
    [{ max_height: 240 }, vga, 2],
    [{ max_width: 320, max_height: 60 }, vga, 8],
    [{ max_width: 1280 }, vga, 1],
    [{ max_width: 640 }, { width: 1280, height: 720 }, 2],
    [{ max_width: 500 }, vga, 1.28],
    [{ max_width: 320 }, {}, 1],
  ])('scales %j on a %j camera by %d', (caps, size, factor) => {
    expect(senderQuality({ ...NO_QUALITY, ...caps }, size).encoding.scaleResolutionDownBy).toBeCloseTo(factor, 6);
  });

  it('caps bitrate (bit/s) and frame rate', () => {
    expect(senderQuality({ ...NO_QUALITY, bitrate_kbps: 800, max_fps: 12.5 }, vga).encoding).toEqual({
      scaleResolutionDownBy: 1,
      maxBitrate: 800_000,
      maxFramerate: 12.5,
    });
  });

  it.each([
    ['maintain-resolution', 'detail'],
    ['maintain-framerate', 'motion'],
    ['balanced', ''],
  ] as const)('gives %s the contentHint %j', (degradation, hint) => {
    const quality = senderQuality({ ...DEFAULT_QUALITY, degradation }, vga);
    expect(quality.degradationPreference).toBe(degradation);
    expect(quality.contentHint).toBe(hint);
  });
});

describe('withSenderQuality', () => {
  const params = (encoding: RTCRtpEncodingParameters): RTCRtpSendParameters => ({
    transactionId: 'x',
    encodings: [encoding, { rid: 'second' }],
    codecs: [],
    headerExtensions: [],
    rtcp: {},
  });

  it('sets the first encoding, keeps the rest and the transaction', () => {
    const result = withSenderQuality(
      params({ active: true }),
      senderQuality({ ...NO_QUALITY, max_width: 320, bitrate_kbps: 500 }, vga),
    );
    expect(result).toMatchObject({
      transactionId: 'x',
      degradationPreference: 'maintain-resolution',
      encodings: [{ active: true, scaleResolutionDownBy: 2, maxBitrate: 500_000 }, { rid: 'second' }],
    });
  });

  it('removes the caps that are no longer set', () => {
    const result = withSenderQuality(
      params({ active: true, maxBitrate: 1, maxFramerate: 5, scaleResolutionDownBy: 4 }),
      senderQuality(NO_QUALITY, vga),
    );
    expect(result?.encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 1 });
  });

  it('is null for a sender without encodings', () => {
    expect(withSenderQuality({ ...params({}), encodings: [] }, senderQuality(NO_QUALITY, vga))).toBeNull();
  });
});
