/**
 * @jest-environment ./test/media/native-env.js
 *
 * The results side channel through a real stream (werift standing in for the browser): annotate()
 * results reach the widget as `annotations` messages carrying the RTP timestamp the browser
 * receives for their frame (recvonly), null in sendonly (nothing comes back: drawn over the
 * preview), and annotations$ in the notebook; malformed results and failing annotate functions
 * give one clear error while the stream and later valid results go on. Opens UDP sockets: run
 * inside a loopback-only namespace (see the working rules).
 */
import { map, Subject } from 'rxjs';
import type { RtpPacket } from 'werift';
import type { FrameAnnotations } from '../../src/annotations/types';
import { createI420Frame, Frame } from '../../src/media';
import { AnnotationChannel, MIN_ANNOTATION_INTERVAL_MS } from '../../src/streamer/annotations';
import { webrtcStreamer, WebRtcStreamer } from '../../src/streamer';
import { FakeBrowser } from '../rtc/fake-browser';
import { FakeComm, FakeKernel, freshKernel } from '../widgets/fake-kernel';
import { customs, sleep, until } from '../streamer/comm-helpers';
import { H, level, W } from '../streamer/flat-frames';

const boxOf = (frame: Frame, x = 10): FrameAnnotations => ({
  timestamp: frame.timestamp,
  width: frame.width,
  height: frame.height,
  items: [{ kind: 'box', x, y: 20, width: 40, height: 30, label: 'thing', score: 0.9, colour: '#ff00ff' }],
});

interface Session {
  browser: FakeBrowser;
  comm: FakeComm;
  /** RTP timestamps of the video packets the browser received. */
  rtpSeen: Set<number>;
  close(): Promise<void>;
}

/** Offers from a fake browser over the widget's comm and trickles ICE both ways until the kernel plays. */
async function connect(
  kernel: FakeKernel,
  streamer: WebRtcStreamer,
  direction: 'sendonly' | 'recvonly',
): Promise<Session> {
  const comm = kernel.comm(streamer.modelId);
  const browser = new FakeBrowser({ direction });
  const rtpSeen = new Set<number>();
  browser.transceiver.onTrack.subscribe((remote) =>
    remote.onReceiveRtp.subscribe((rtp: RtpPacket) => rtpSeen.add(rtp.header.timestamp)),
  );
  browser.pc.onIceCandidate.subscribe((candidate) => {
    comm.receive({ method: 'custom', content: { type: 'candidate', candidate: candidate?.toJSON() ?? null } as never });
  });
  comm.receive({ method: 'custom', content: { type: 'offer', sdp: await browser.createOffer() } });
  await until(() => customs(comm, 'answer').length > 0, 'answer');
  await browser.pc.setRemoteDescription({ type: 'answer', sdp: customs(comm, 'answer')[0].sdp as string });
  let added = 0;
  const trickle = setInterval(() => {
    for (const candidate of customs(comm, 'candidate').slice(added)) {
      added++;
      if (candidate.candidate) void browser.pc.addIceCandidate(candidate.candidate as never);
    }
  }, 20);
  await until(() => streamer.get('kernel_status') === 'playing', `${direction} stream playing`);
  return {
    browser,
    comm,
    rtpSeen,
    close: async () => {
      clearInterval(trickle);
      await browser.close();
    },
  };
}

/** Calls `step` every 33 ms until `done()` (at most 300 times). */
async function every33ms(step: (n: number) => void, done: () => boolean, what: string): Promise<void> {
  for (let n = 0; !done(); n++) {
    if (n > 300) throw new Error(`${what}: not after 300 frames`);
    step(n);
    await sleep(33);
  }
}

describe('annotate() through a stream (werift browser stand-in, loopback)', () => {
  let kernel: FakeKernel;
  const cleanups: (() => unknown)[] = [];
  beforeEach(() => {
    kernel = freshKernel();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const keep = <T extends { close(): unknown }>(thing: T): T => {
    cleanups.push(() => thing.close());
    return thing;
  };

  it('recvonly: each message carries the RTP timestamp the browser receives for its frame', async () => {
    const source = new Subject<Frame>();
    const streamer = keep(webrtcStreamer({ key: 'rtp', mode: 'recvonly', source }));
    streamer.annotate((frames$) => frames$.pipe(map((frame) => boxOf(frame))));
    const session = keep(await connect(kernel, streamer, 'recvonly'));
    const messages = () => customs(session.comm, 'annotations');
    const matched = () => messages().filter((m) => typeof m.rtp === 'number' && session.rtpSeen.has(m.rtp));
    await every33ms(
      (n) => source.next(createI420Frame(W, H, 1000 + n * 33.3, level(100))),
      () => matched().length >= 10,
      'annotations matching received RTP timestamps',
    );
    const numbered = messages().filter((m) => m.rtp !== null);
    // only what came before the first frame was sent can lack it (the clock's offset is not known yet)
    expect(messages().indexOf(numbered[0])).toBeLessThanOrEqual(1);
    const [a, b] = numbered.slice(-2) as { rtp: number; timestamp: number }[];
    expect((b.rtp - a.rtp + 2 ** 32) % 2 ** 32).toBe(Math.round(b.timestamp * 90) - Math.round(a.timestamp * 90));
    expect(numbered.at(-1)).toMatchObject({ width: W, height: H, items: [{ kind: 'box', label: 'thing', x: 10 }] });
  });

  it("recvonly with a transform that retimes its frames: the RTP timestamp is the output frame's", async () => {
    const source = new Subject<Frame>();
    const streamer = keep(webrtcStreamer({ key: 'retimed', mode: 'recvonly', source }));
    let n = 0;
    const described = new Set<number>();
    // its own clock, unrelated to the frames' (and the annotations keep the described frame's)
    streamer.transform((frames$) =>
      frames$.pipe(map((f) => createI420Frame(f.width, f.height, 50000 + ++n * 40, f.data))),
    );
    streamer.annotate((frames$) =>
      frames$.pipe(
        map((frame) => {
          described.add(frame.timestamp);
          return boxOf(frame);
        }),
      ),
    );
    const session = keep(await connect(kernel, streamer, 'recvonly'));
    const numbered = () => customs(session.comm, 'annotations').filter((m) => typeof m.rtp === 'number');
    const matched = () => numbered().filter((m) => session.rtpSeen.has(m.rtp as number));
    await every33ms(
      (i) => source.next(createI420Frame(W, H, 1000 + i * 33.3, level(100))),
      () => matched().length >= 10,
      "annotations matching the retimed frames' RTP timestamps",
    );
    // the annotations keep the timestamp of the frame they describe (the transform's input)
    expect(matched().every((m) => described.has(m.timestamp as number))).toBe(true);
  });

  it('sendonly: rtp null, annotations$ lists the results, a malformed one is one error and the rest go on', async () => {
    const streamer = keep(webrtcStreamer({ key: 'preview', mode: 'sendonly' }));
    const listed: FrameAnnotations[] = [];
    streamer.annotations$.subscribe((a) => listed.push(a));
    let n = 0;
    // every third result is malformed (a box 10 frames to the right)
    streamer.annotate((frames$) => frames$.pipe(map((frame) => boxOf(frame, ++n % 3 === 0 ? W * 10 : 10))));
    const session = keep(await connect(kernel, streamer, 'sendonly'));
    const messages = () => customs(session.comm, 'annotations');
    const errors = () => customs(session.comm, 'error').filter((e) => String(e.message).startsWith('annotate:'));
    let afterError = -1;
    await every33ms(
      () => session.browser.sendFrame(level(100), W, H, Date.now()),
      () => {
        if (afterError < 0 && errors().length > 0) afterError = messages().length;
        return afterError >= 0 && messages().length >= afterError + 5;
      },
      'valid annotations after a malformed one',
    );
    expect(messages().every((m) => m.rtp === null)).toBe(true);
    expect(errors()[0]).toEqual({
      type: 'error',
      fatal: false,
      message: expect.stringMatching(/^annotate: malformed annotations: annotations.items\[0\]: box x and y .*skipped/),
    });
    // said once while it repeats with every third frame
    expect(errors()).toHaveLength(1);
    expect(streamer.get('kernel_status')).toBe('playing');
    expect((streamer.get('log') as string[]).some((line) => line.includes('malformed annotations'))).toBe(true);
    // the notebook's observable has the valid ones only, as sent
    expect(listed.length).toBeGreaterThanOrEqual(messages().length);
    expect(listed.every((a) => a.items[0].kind === 'box' && a.items[0].x === 10)).toBe(true);
  });

  it('an annotate function that throws is reported and subscribed again; null removes it', async () => {
    const streamer = keep(webrtcStreamer({ key: 'throws', mode: 'sendonly' }));
    let n = 0;
    streamer.annotate((frames$) =>
      frames$.pipe(
        map((frame) => {
          if (++n === 3) throw new Error('model exploded');
          return boxOf(frame);
        }),
      ),
    );
    const session = keep(await connect(kernel, streamer, 'sendonly'));
    const messages = () => customs(session.comm, 'annotations');
    await every33ms(
      () => session.browser.sendFrame(level(100), W, H, Date.now()),
      () => n > 8 && messages().length >= 5,
      'annotations after the throw',
    );
    expect(customs(session.comm, 'error').map((e) => e.message)).toContain('annotate: Error: model exploded');
    streamer.annotate(null);
    const sent = messages().length;
    const seen = n;
    let framesAfter = 0;
    streamer.frames$.subscribe(() => framesAfter++);
    await every33ms(
      () => session.browser.sendFrame(level(100), W, H, Date.now()),
      () => framesAfter >= 10,
      'frames after annotate(null)',
    );
    expect(n).toBe(seen);
    expect(messages()).toHaveLength(sent);
  });
});

describe('AnnotationChannel latest-first sending', () => {
  it('sends at once, then at most one per MIN_ANNOTATION_INTERVAL_MS: the newest of a burst', async () => {
    let now = 0;
    const sent: number[] = [];
    let resolveSecond!: () => void;
    const second = new Promise<void>((resolve) => (resolveSecond = resolve));
    const channel = new AnnotationChannel(
      {
        send: (a) => {
          sent.push(a.timestamp);
          if (sent.length === 2) resolveSecond();
        },
        problem: (message) => {
          throw new Error(message);
        },
        recovered: () => undefined,
        run: (fn) => fn(),
      },
      () => now,
    );
    const results = new Subject<FrameAnnotations>();
    channel.set(results);
    const at = (timestamp: number) => ({ timestamp, width: 10, height: 10, items: [] });
    for (let t = 1; t <= 10; t++) results.next(at(t));
    expect(sent).toEqual([1]);
    now = MIN_ANNOTATION_INTERVAL_MS;
    await second;
    expect(sent).toEqual([1, 10]);
    expect(channel.dropped).toBe(8);
    channel.close();
  });
});
