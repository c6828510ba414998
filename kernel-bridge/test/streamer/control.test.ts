/**
 * @jest-environment ./test/media/native-env.js
 *
 * Control from code on a live stream: start() asks the browser (a werift stand-in that answers the
 * `start` message with an offer, as the widget's Start does) and resolves once playing; the
 * browser's failures reach status$ with their reason and reject start(); snapshot() copies the
 * latest input or output frame, which displays as a PNG. Opens UDP sockets: run inside a
 * loopback-only namespace (see the helpers' preamble).
 */
import { filter, firstValueFrom, map, take, toArray } from 'rxjs';
import { MIME_BUNDLE, type Displayable } from '../../src/kernel/api';
import { createI420Frame, type Frame } from '../../src/media';
import { webrtcStreamer, type WebRtcStreamer } from '../../src/streamer';
import { FakeBrowser } from '../rtc/fake-browser';
import { FakeComm, freshKernel } from '../widgets/fake-kernel';
import { H, level, lumaOf, W } from './flat-frames';

function customs(comm: FakeComm, type: string) {
  return comm.sent.filter((s) => s.data.method === 'custom' && (s.data.content as { type?: string }).type === type);
}

/** Resolves once `cond()` holds, checked every 10 ms (the test's timeout bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A browser that starts a session (offer, trickle ICE) when the kernel sends `start`, then sends grey frames. */
function browserStartingOnRequest(streamer: WebRtcStreamer, comm: FakeComm): FakeBrowser {
  const browser = new FakeBrowser();
  cleanups.push(() => browser.close());
  browser.pc.onIceCandidate.subscribe((candidate) =>
    comm.receive({
      method: 'custom',
      content: { type: 'candidate', candidate: candidate ? candidate.toJSON() : null } as never,
    }),
  );
  const timers: ReturnType<typeof setInterval>[] = [];
  cleanups.push(() => timers.forEach(clearInterval));
  let started = false;
  timers.push(
    setInterval(() => {
      if (started || customs(comm, 'start').length === 0) return;
      started = true;
      void (async () => {
        comm.receive({ method: 'custom', content: { type: 'browser_status', state: 'connecting', detail: '' } });
        comm.receive({ method: 'custom', content: { type: 'offer', sdp: await browser.createOffer() } });
        await until(() => customs(comm, 'answer').length > 0);
        const [answer] = customs(comm, 'answer');
        await browser.pc.setRemoteDescription({ type: 'answer', sdp: (answer.data.content as { sdp: string }).sdp });
        let added = 0;
        timers.push(
          setInterval(() => {
            for (const message of customs(comm, 'candidate').slice(added)) {
              added++;
              const candidate = (message.data.content as { candidate: unknown }).candidate;
              if (candidate) void browser.pc.addIceCandidate(candidate as never);
            }
          }, 20),
        );
        await firstValueFrom(streamer.status$.pipe(filter((s) => s.side === 'kernel' && s.state === 'playing')));
        timers.push(setInterval(() => browser.sendFrame(level(90), W, H, Date.now()), 1000 / 30));
      })();
    }, 5),
  );
  return browser;
}

describe('control from code', () => {
  it('start(): the browser is asked, the stream plays, status$ tells both sides; snapshot() copies frames', async () => {
    const kernel = freshKernel();
    const streamer = webrtcStreamer({ key: 'control-start' });
    cleanups.push(() => streamer.close());
    const comm = kernel.comm(streamer.modelId);
    const statuses = streamer.status$.pipe(take(4), toArray());
    const seen = firstValueFrom(statuses);
    await expect(streamer.snapshot()).rejects.toThrow(/snapshot\(\): nothing is playing \(status 'idle'\)/);
    browserStartingOnRequest(streamer, comm);
    // output: the transform's frames (brighter), input: the browser's
    streamer.transform((frames$) => frames$.pipe(map((f) => withLuma(f, 200))));

    await streamer.start();
    expect(customs(comm, 'start')).toHaveLength(1);
    expect(streamer.get('kernel_status')).toBe('playing');
    expect(await seen).toEqual([
      { state: 'idle', reason: '', side: 'kernel' },
      { state: 'connecting', reason: '', side: 'browser' },
      { state: 'connecting', reason: '', side: 'kernel' },
      { state: 'playing', reason: '', side: 'kernel' },
    ]);
    await streamer.start(); // already playing: resolves at once, asks nothing
    expect(customs(comm, 'start')).toHaveLength(1);

    const input = await streamer.snapshot();
    expect([input.width, input.height]).toEqual([W, H]);
    expect(Math.abs(lumaOf(input) - 90)).toBeLessThan(8);
    const output = await streamer.snapshot({ which: 'output' });
    expect(lumaOf(output)).toBe(200);
    // a copy: the caller owns it
    output.data[0] = 1;
    expect((await streamer.snapshot({ which: 'output' })).data[0]).toBe(200);
    // a frame displays as a PNG
    const bundle = (input as unknown as Displayable)[MIME_BUNDLE]();
    const png = Buffer.from(bundle.data['image/png'] as string, 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(W); // IHDR width
    expect(png.readUInt32BE(20)).toBe(H);
    await expect(streamer.snapshot({ which: 'both' as never })).rejects.toThrow(/which must be 'input' or 'output'/);

    await streamer.stop();
    await expect(streamer.snapshot()).rejects.toThrow(/nothing is playing \(status 'stopped'\)/);
  });

  it("start() rejects with the browser's reason; status$ carries it", async () => {
    const kernel = freshKernel();
    const streamer = webrtcStreamer({ key: 'control-denied' });
    cleanups.push(() => streamer.close());
    const comm = kernel.comm(streamer.modelId);
    const failure = firstValueFrom(streamer.status$.pipe(filter((s) => s.side === 'browser' && s.state === 'error')));
    const started = streamer.start();
    await until(() => customs(comm, 'start').length === 1);
    comm.receive({
      method: 'custom',
      content: {
        type: 'browser_status',
        state: 'error',
        detail: 'camera access denied: allow the camera for this page and press Start again',
      },
    });
    await expect(started).rejects.toThrow(
      'start(): the browser could not start the stream: camera access denied: allow the camera for this page and press Start again',
    );
    expect(await failure).toEqual({
      state: 'error',
      reason: 'camera access denied: allow the camera for this page and press Start again',
      side: 'browser',
    });
  });

  it('start() gives up after its timeout when no browser answers, and checks its options', async () => {
    freshKernel();
    const streamer = webrtcStreamer({ key: 'control-timeout' });
    cleanups.push(() => streamer.close());
    await expect(streamer.start({ timeoutMs: 50 })).rejects.toThrow(
      /start\(\): the stream did not start within 0.05 s: is the notebook open in a browser, with the widget shown\?/,
    );
    await expect(streamer.start({ timeoutMs: -1 })).rejects.toThrow(RangeError);
  });

  it('selectCamera() tells the browser the camera to use; a bad id is refused at once', () => {
    const kernel = freshKernel();
    const streamer = webrtcStreamer({ key: 'control-camera' });
    cleanups.push(() => streamer.close());
    const comm = kernel.comm(streamer.modelId);
    streamer.selectCamera('cam-b').selectCamera(null);
    expect(customs(comm, 'select_camera').map((m) => m.data.content)).toEqual([
      { type: 'select_camera', device_id: 'cam-b' },
      { type: 'select_camera', device_id: null },
    ]);
    expect(() => streamer.selectCamera('')).toThrow(TypeError);
    expect(() => streamer.selectCamera(3 as never)).toThrow(/deviceId \(a non-empty string\) or null/);
  });

  it('a malformed browser_status is refused with a non-fatal error', () => {
    const kernel = freshKernel();
    const streamer = webrtcStreamer({ key: 'control-bad-status' });
    cleanups.push(() => streamer.close());
    const comm = kernel.comm(streamer.modelId);
    comm.receive({ method: 'custom', content: { type: 'browser_status', state: 'dancing', detail: '' } });
    const [error] = customs(comm, 'error');
    expect(error.data.content).toEqual({
      type: 'error',
      message: 'browser_status.state must be one of idle, connecting, playing, stopped, error',
      fatal: false,
    });
  });
});

/** A frame of `luma` everywhere (what the transform above makes of each input). */
function withLuma(frame: Frame, luma: number): Frame {
  const out = createI420Frame(frame.width, frame.height, frame.timestamp);
  out.y.fill(luma);
  return out;
}
