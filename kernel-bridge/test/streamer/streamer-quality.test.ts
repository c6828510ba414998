/**
 * @jest-environment ./test/media/native-env.js
 *
 * The quality controls on a live stream: a werift "browser" sends a steady 30 fps camera, and
 * the notebook's setQuality() (or the browser's site setting) changes the size, frame rate and
 * bitrate of what comes back, on the same connection (one answer). Every wait is for frames the
 * browser decodes, counted, never for a time. Opens UDP sockets: run inside a loopback-only
 * namespace (see the helpers' preamble).
 */
import { filter, firstValueFrom, map } from 'rxjs';
import { createI420Frame, Frame } from '../../src/media';
import { webrtcStreamer } from '../../src/streamer';
import { Decoded, FakeBrowser } from '../rtc/fake-browser';
import { FakeComm, freshKernel } from '../widgets/fake-kernel';
import { H, level, W } from './flat-frames';

const CAMERA_FPS = 30;

function customs(comm: FakeComm, type: string) {
  return comm.sent.filter((s) => s.data.method === 'custom' && (s.data.content as { type?: string }).type === type);
}

/**
 * Resolves with the next `count` decoded frames that come after the first one matching `from`
 * (that first one included); rejects after `limit` decoded frames without a match.
 */
function decodedFrames(browser: FakeBrowser, count: number, from: (d: Decoded) => boolean, limit = 600) {
  return new Promise<{ frames: Decoded[]; sentMeanwhile: number }>((resolve, reject) => {
    const frames: Decoded[] = [];
    let seen = 0;
    let sentAtStart = 0;
    browser.onDecoded = (d) => {
      seen++;
      if (frames.length === 0 && !from(d)) {
        if (seen < limit) return;
        browser.onDecoded = null;
        reject(new Error(`no matching frame in ${limit} decoded frames (last ${d.width}x${d.height})`));
        return;
      }
      if (frames.length === 0) sentAtStart = sent;
      frames.push(d);
      if (frames.length === count) {
        browser.onDecoded = null;
        resolve({ frames, sentMeanwhile: sent - sentAtStart });
      }
    };
  });
}

/** Frames the browser has sent so far (the camera below). */
let sent = 0;

/** Noise that VP8 cannot compress away: the encoded size then follows the target bitrate. */
const noise = Array.from({ length: 8 }, (_, i) => {
  const frame = createI420Frame(W, H);
  let seed = 12345 + i;
  for (let p = 0; p < frame.y.length; p++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    frame.y[p] = seed >> 23;
  }
  return frame;
});
const toNoise = (f: Frame) => createI420Frame(W, H, f.timestamp, noise[sent % noise.length].data);

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Undone after each test, whether it passed or not (a timer left running keeps jest alive). */
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('quality controls on a live stream (werift browser stand-in, loopback)', () => {
  it('applies size, site setting, frame rate and bitrate changes without a new session', async () => {
    const kernel = freshKernel();
    const streamer = webrtcStreamer({ key: 'quality-test', quality: { maxFps: 30 } });
    expect(streamer.get('quality')).toEqual({
      max_width: null,
      max_height: null,
      max_fps: 30,
      bitrate_kbps: null,
      degradation: null,
    });
    const comm = kernel.comm(streamer.modelId);

    cleanups.push(() => streamer.close());
    const browser = new FakeBrowser();
    cleanups.push(() => browser.close());
    browser.pc.onIceCandidate.subscribe((candidate) =>
      comm.receive({
        method: 'custom',
        content: { type: 'candidate', candidate: candidate ? candidate.toJSON() : null } as never,
      }),
    );
    const answered = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (customs(comm, 'answer').length === 0) return;
        clearInterval(poll);
        resolve();
      }, 5);
    });
    comm.receive({ method: 'custom', content: { type: 'offer', sdp: await browser.createOffer() } });
    await answered;
    const [answer] = customs(comm, 'answer');
    await browser.pc.setRemoteDescription({ type: 'answer', sdp: (answer.data.content as { sdp: string }).sdp });
    let added = 0;
    const addKernelCandidates = setInterval(() => {
      for (const message of customs(comm, 'candidate').slice(added)) {
        added++;
        const candidate = (message.data.content as { candidate: unknown }).candidate;
        if (candidate) void browser.pc.addIceCandidate(candidate as never);
      }
    }, 20);
    cleanups.push(() => clearInterval(addKernelCandidates));
    // Like a browser's encoder, the camera starts once connected (earlier packets are lost), at a steady 30 fps.
    await firstValueFrom(
      streamer.status$.pipe(filter((status) => status.side === 'kernel' && status.state === 'playing')),
    );
    const camera = setInterval(() => {
      sent++;
      browser.sendFrame(level(100), W, H, Date.now());
    }, 1000 / CAMERA_FPS);
    cleanups.push(() => {
      clearInterval(camera);
      browser.onDecoded = null;
    });

    const full = await decodedFrames(browser, 5, (d) => d.width === W);
    expect(full.frames.every((d) => d.width === W && d.height === H)).toBe(true);

    // The notebook caps the width: the browser decodes half-size frames from then on.
    streamer.setQuality({ maxWidth: W / 2 });
    const half = await decodedFrames(browser, 20, (d) => d.width === W / 2);
    expect(half.frames.map((d) => `${d.width}x${d.height}`)).toEqual(Array(20).fill(`${W / 2}x${H / 2}`));

    // Back to the site setting, which the browser says caps the height at a quarter.
    streamer.setQuality(null);
    comm.receive({ method: 'custom', content: { type: 'site_quality', quality: { max_height: H / 4 } } });
    const quarter = await decodedFrames(browser, 20, (d) => d.height === H / 4);
    expect(quarter.frames.every((d) => d.width === W / 4 && d.height === H / 4)).toBe(true);
    comm.receive({ method: 'custom', content: { type: 'site_quality', quality: {} } });
    await decodedFrames(browser, 1, (d) => d.width === W);

    // A frame-rate cap of 10 on a 30 fps camera: about one frame in three comes back.
    const uncapped = await decodedFrames(browser, 30, () => true);
    streamer.setQuality({ maxFps: 10 });
    await decodedFrames(browser, 3, () => true); // frames encoded before the cap arrived
    const capped = await decodedFrames(browser, 30, () => true);
    const uncappedRatio = uncapped.sentMeanwhile / uncapped.frames.length;
    const cappedRatio = capped.sentMeanwhile / capped.frames.length;
    expect(uncappedRatio).toBeLessThan(1.6);
    expect(cappedRatio).toBeGreaterThan(2.3);
    expect(cappedRatio).toBeLessThan(4);

    // Bitrate: noise, whose encoded size follows the target. The first frames after a change
    // (the re-created encoder's keyframe and its rate control settling) are not counted.
    streamer.transform((frames$) => frames$.pipe(map(toNoise)));
    streamer.setQuality({ bitrateKbps: 5000 });
    await decodedFrames(browser, 10, () => true);
    const high = await decodedFrames(browser, 30, () => true);
    streamer.setQuality({ bitrateKbps: 100 });
    await decodedFrames(browser, 10, () => true);
    const low = await decodedFrames(browser, 30, () => true);
    const highBytes = mean(high.frames.map((d) => d.encodedBytes));
    const lowBytes = mean(low.frames.map((d) => d.encodedBytes));
    expect(lowBytes * 3).toBeLessThan(highBytes);

    // All of it on the first connection.
    expect(customs(comm, 'answer')).toHaveLength(1);
    expect(customs(comm, 'error')).toEqual([]);
    expect(streamer.get('kernel_status')).toBe('playing');
  }, 120000);

  it('refuses caps out of range from the notebook and from the browser', () => {
    const kernel = freshKernel();
    const streamer = webrtcStreamer({ key: 'quality-limits' });
    expect(() => streamer.setQuality({ maxWidth: 8 })).toThrow('quality.max_width must be an integer from 16 to 7680');
    expect(streamer.get('quality')).toBeNull();
    expect(() => webrtcStreamer({ key: 'quality-limits-2', quality: { fps: 5 } as never })).toThrow(
      "quality has no option 'fps'",
    );
    const comm = kernel.comm(streamer.modelId);
    comm.receive({ method: 'custom', content: { type: 'site_quality', quality: { bitrate_kbps: 1 } } });
    expect(customs(comm, 'error').map((s) => s.data.content)).toEqual([
      {
        type: 'error',
        message: 'site_quality.quality.bitrate_kbps must be an integer from 50 to 50000, or null',
        fatal: false,
      },
    ]);
    streamer.close();
  });
});
