/**
 * @jest-environment ./test/media/native-env.js
 *
 * The streamer widget against a hostile or broken browser and a broken worker (issue 8): a flood of
 * candidates before a Stop, a worker that does not start, a browser that vanishes, unreachable ICE
 * servers, many idle widgets, offers with too many m-lines. Tests wait for the messages the
 * streamer tells the browser, never for fixed times. Opens UDP sockets: run inside a loopback-only
 * namespace (unshare -n; scripts/test.sh does).
 */
import * as os from 'node:os';
import { MediaPeer } from '../../src/rtc';
import { WebRtcStreamer, MAX_QUEUED_SIGNALLING, type StreamerOptions } from '../../src/streamer/streamer';
import { currentSpares } from '../../src/streamer/spare';
import { FakeBrowser } from '../rtc/fake-browser';
import { FakeComm, FakeKernel, freshKernel } from '../widgets/fake-kernel';

const isolated = Object.values(os.networkInterfaces()).every((addrs) => (addrs ?? []).every((a) => a.internal));
const describeNetns = isolated ? describe : describe.skip;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `cond()` holds, checked every 10 ms (the test's timeout bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(10);
}

type Told = { type: string; [key: string]: unknown };

/** What the streamer told the browser, in order. */
function told(comm: FakeComm): Told[] {
  return comm.sent.filter((s) => s.data.method === 'custom').map((s) => s.data.content as Told);
}
const ofType = (comm: FakeComm, type: string) => told(comm).filter((m) => m.type === type);
const endOfCandidates = (m: Told) => m.type === 'candidate' && m.candidate === null;

let kernel: FakeKernel;
const open: { streamer: WebRtcStreamer; browser?: FakeBrowser }[] = [];

function start(options: StreamerOptions): { streamer: WebRtcStreamer; comm: FakeComm } {
  const streamer = new WebRtcStreamer(options);
  open.push({ streamer });
  return { streamer, comm: kernel.comm(streamer.modelId) };
}

function browserFor(): FakeBrowser {
  const browser = new FakeBrowser();
  open.push({ streamer: undefined as never, browser });
  return browser;
}

const send = (comm: FakeComm, content: object) => comm.receive({ method: 'custom', content: content as never });

/** Offer, answer and candidates both ways until the streamer plays. */
async function connect(comm: FakeComm, streamer: WebRtcStreamer, browser: FakeBrowser): Promise<void> {
  browser.pc.onIceCandidate.subscribe((c) => send(comm, { type: 'candidate', candidate: c ? c.toJSON() : null }));
  send(comm, { type: 'offer', sdp: await browser.createOffer() });
  await until(() => ofType(comm, 'answer').length > 0);
  await browser.pc.setRemoteDescription({ type: 'answer', sdp: ofType(comm, 'answer')[0].sdp as string });
  let added = 0;
  await until(() => {
    for (const m of ofType(comm, 'candidate').slice(added)) {
      added++;
      if (m.candidate) void browser.pc.addIceCandidate(m.candidate as never).catch(() => undefined);
    }
    return streamer.get('kernel_status') === 'playing';
  });
}

beforeEach(() => {
  kernel = freshKernel();
});

afterEach(async () => {
  jest.restoreAllMocks();
  for (const { streamer, browser } of open.splice(0)) {
    streamer?.close();
    await browser?.close();
  }
});

describeNetns('streamer robustness (loopback netns)', () => {
  jest.setTimeout(40000);

  test('20,000 candidates after an offer do not hold a Stop back; the queue is bounded', async () => {
    const { comm } = start({ key: 'flood' });
    const { streamer } = open[open.length - 1];
    const added = jest.spyOn(MediaPeer.prototype, 'addRemoteCandidate');
    const browser = browserFor();
    send(comm, { type: 'offer', sdp: await browser.createOffer() });
    for (let port = 0; port < 20000; port++) {
      const candidate = `candidate:${port} 1 udp 2122260223 127.0.0.1 ${20000 + port} typ host`;
      send(comm, { type: 'candidate', candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } });
    }
    send(comm, { type: 'stop' });
    await until(() => ofType(comm, 'stopped').length > 0);
    // The Stop overtook the queued candidates: none were handled, and none are left to handle.
    expect(added.mock.calls.length).toBeLessThanOrEqual(MAX_QUEUED_SIGNALLING);
    expect((streamer as unknown as { queue: unknown[] }).queue).toEqual([]);
    expect(ofType(comm, 'stopped')).toEqual([{ type: 'stopped', reason: 'stopped by the user' }]);
    // The overflow was told once, non-fatal, and went to the kernel log.
    const overflow = ofType(comm, 'error').filter((m) => /signalling messages waiting/.test(m.message as string));
    expect(overflow).toEqual([
      {
        type: 'error',
        message: `more than ${MAX_QUEUED_SIGNALLING} signalling messages waiting: further ICE candidates are dropped`,
        fatal: false,
      },
    ]);
    expect(kernel.logs.join('\n')).toMatch(/signalling messages waiting/);
  });

  test('a worker that fails to start is reported to the widget; the next offer is still answered', async () => {
    const consoleError = jest.spyOn(console, 'error');
    const create = jest.spyOn(MediaPeer, 'create').mockRejectedValue(new Error('no worker today'));
    const { streamer, comm } = start({ key: 'no-worker' });
    const browser = browserFor();
    const offer = await browser.createOffer();
    send(comm, { type: 'offer', sdp: offer });
    await until(() => ofType(comm, 'error').length > 0);
    expect(ofType(comm, 'error')).toEqual([
      { type: 'error', message: 'could not start the media worker: Error: no worker today', fatal: true },
    ]);
    expect(streamer.get('kernel_status')).toBe('error');
    // Errors about the stream go to its widget and the kernel log, not into a cell.
    expect(kernel.logs.join('\n')).toMatch(/could not start the media worker: Error: no worker today/);
    expect(consoleError).not.toHaveBeenCalled();

    create.mockRestore();
    send(comm, { type: 'offer', sdp: offer });
    await until(() => ofType(comm, 'answer').length > 0);
    expect(streamer.get('kernel_status')).toBe('connecting');
  });

  test('a browser that vanishes without a Stop: the stream stops with "the browser went away"', async () => {
    const { streamer, comm } = start({ key: 'vanish', livenessTimeoutMs: 1500 });
    const browser = browserFor();
    await connect(comm, streamer, browser);
    const frame = new Uint8Array((160 * 120 * 3) / 2).fill(128);
    while (streamer.get('kernel_status') === 'playing' && ofType(comm, 'stats').length < 1) {
      browser.sendFrame(frame, 160, 120, Date.now());
      await sleep(33);
    }
    expect(streamer.get('kernel_status')).toBe('playing'); // the browser, still talking, is alive
    browser.vanish();
    await until(() => ofType(comm, 'stopped').length > 0);
    expect(ofType(comm, 'stopped')).toEqual([{ type: 'stopped', reason: 'the browser went away' }]);
    expect(streamer.get('kernel_status')).toBe('stopped');
    expect(ofType(comm, 'error')).toEqual([]);
  });

  test('unreachable ICE servers: the answer comes before gathering ends, and a Stop does not wait for it', async () => {
    // A closed loopback port: the STUN binding request is never answered.
    const { comm } = start({ key: 'stun', iceServers: [{ urls: 'stun:127.0.0.1:9' }] });
    const browser = browserFor();
    const offer = await browser.createOffer();
    send(comm, { type: 'offer', sdp: offer });
    await until(() => told(comm).some(endOfCandidates));
    const order = told(comm).map((m) => (endOfCandidates(m) ? 'end-of-candidates' : m.type));
    expect(order.indexOf('answer')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('answer')).toBeLessThan(order.indexOf('end-of-candidates'));

    // A new session: Stop right after the offer is handled without waiting for gathering.
    send(comm, { type: 'stop' });
    await until(() => ofType(comm, 'stopped').length > 0);
    comm.take();
    send(comm, { type: 'offer', sdp: offer });
    send(comm, { type: 'stop' });
    await until(() => ofType(comm, 'stopped').length > 0);
    expect(told(comm).some(endOfCandidates)).toBe(false);
    expect(ofType(comm, 'stopped')).toEqual([{ type: 'stopped', reason: 'stopped by the user' }]);
  });

  test('ten idle streamers keep three spare workers; three Starts together each take a ready one', async () => {
    await until(() => MediaPeer.liveWorkers === 0); // earlier tests' workers have exited
    const create = jest.spyOn(MediaPeer, 'create');
    const streamers = Array.from({ length: 10 }, (_, i) => start({ key: `idle-${i}` }));
    await until(() => currentSpares().ready.length === 3);
    const spares = currentSpares().ready;
    // Bounded: one worker per idle widget up to the cap (3), not ten.
    expect(currentSpares().booting).toBe(0);
    expect(create).toHaveBeenCalledTimes(3);
    expect(MediaPeer.liveWorkers).toBe(3);

    const starting = streamers.slice(7);
    for (const { comm } of starting) send(comm, { type: 'offer', sdp: await browserFor().createOffer() });
    await until(() => starting.every(({ comm }) => ofType(comm, 'answer').length > 0));
    // The fast path for each: a spare answered, no worker was started for a Start.
    const peers = starting.map(({ streamer }) => (streamer as unknown as { peer: MediaPeer }).peer);
    expect(new Set(peers)).toEqual(new Set(spares));
  });

  test('an offer with 50 m-lines is refused with a clear error, no peer answers it', async () => {
    const answer = jest.spyOn(MediaPeer.prototype, 'answer');
    const { comm } = start({ key: 'mlines' });
    const sdp = 'v=0\r\n' + 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n'.repeat(50);
    send(comm, { type: 'offer', sdp });
    await until(() => ofType(comm, 'error').length > 0);
    expect(ofType(comm, 'error')).toEqual([
      { type: 'error', message: 'offer.sdp has 50 m-lines; at most 4 are accepted', fatal: false },
    ]);
    expect(answer).not.toHaveBeenCalled();
  });
});
