/**
 * @jest-environment ./test/media/native-env.js
 *
 * The kernel's pool of spare media peers (src/streamer/spare.ts), with MediaPeer.create replaced by
 * peers whose start the test finishes by hand: which Start gets a ready spare, that spares boot one
 * after another, the cap, and that a released or shut-down kernel keeps none. Real workers are in
 * streamer-robustness.test.ts.
 */
import { setKernelApi, type Unsubscribe } from '../../src/kernel/api';
import { MediaPeer, type MediaPeerOptions } from '../../src/rtc';
import {
  currentSpares,
  maxSparesFrom,
  prepareSpare,
  releaseSpare,
  retainSpare,
  takePeer,
} from '../../src/streamer/spare';
import { FakeKernel } from '../widgets/fake-kernel';

/** A peer as the pool sees one: its state and close(). */
class FakePeer {
  currentState = 'new';
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
    this.currentState = 'closed';
  }
}

/** One MediaPeer.create call, finished by the test. */
interface Creation {
  options: MediaPeerOptions;
  peer: FakePeer;
  start(): Promise<void>;
  fail(error: Error): Promise<void>;
}

/** Lets the pool's promise callbacks run (it reacts to a start within a few microtask turns). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

class KernelWithShutdown extends FakeKernel {
  readonly hooks = new Set<() => void | Promise<void>>();
  override onShutdown(handler: () => void | Promise<void>): Unsubscribe {
    this.hooks.add(handler);
    return () => this.hooks.delete(handler);
  }
  async shutdown(): Promise<void> {
    await Promise.all([...this.hooks].map(async (hook) => hook()));
  }
}

const OPTIONS: MediaPeerOptions = { iceServers: [], codec: 'VP8' };
const OTHER: MediaPeerOptions = { iceServers: [{ urls: 'stun:127.0.0.1:9' }], codec: 'VP8' };

let kernel: KernelWithShutdown;
let creations: Creation[];
let owners: object[];

/** `n` idle streamers: each retains the pool and wants a spare for `options`. */
function idleStreamers(n: number, options = OPTIONS): object[] {
  const made = Array.from({ length: n }, () => ({}));
  for (const owner of made) {
    owners.push(owner);
    retainSpare(owner);
    prepareSpare(owner, options);
  }
  return made;
}

/** Finishes the i-th MediaPeer.create and lets the pool react. */
async function startSpare(i: number): Promise<void> {
  await creations[i].start();
  await settled();
}

/** Finishes every start the pool has asked for, until it asks for no more. */
async function startAllSpares(): Promise<void> {
  for (let i = 0; i < creations.length; i++) await startSpare(i);
}

beforeEach(() => {
  kernel = new KernelWithShutdown();
  setKernelApi(kernel);
  creations = [];
  owners = [];
  jest.spyOn(MediaPeer, 'create').mockImplementation((options = {}) => {
    const peer = new FakePeer();
    let resolve!: (peer: MediaPeer) => void;
    let reject!: (error: Error) => void;
    const created = new Promise<MediaPeer>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    creations.push({
      options,
      peer,
      start: async () => resolve(peer as unknown as MediaPeer),
      fail: async (error) => reject(error),
    });
    return created;
  });
});

afterEach(async () => {
  for (const owner of owners) releaseSpare(owner);
  // Spares still booting count against the next test's pool (they would start one after them).
  for (const creation of creations) await creation.start();
  await settled();
  expect(currentSpares()).toEqual({ ready: [], booting: 0 });
  jest.restoreAllMocks();
});

describe('spare media peers', () => {
  test('one spare per idle streamer, started one after another, at most 3', async () => {
    idleStreamers(10);
    expect(creations).toHaveLength(1); // the first at once, the next only when it has started
    await startSpare(0);
    expect(creations).toHaveLength(2);
    await startAllSpares();
    expect(creations).toHaveLength(3);
    expect(currentSpares()).toEqual({ ready: creations.map((c) => c.peer), booting: 0 });
  });

  test('three Starts together each get a ready spare; one replacement boots behind them', async () => {
    const streamers = idleStreamers(3);
    await startAllSpares();
    const spares = creations.map((c) => c.peer);
    const peers = await Promise.all(streamers.map((owner) => takePeer(owner, OPTIONS)));
    expect(peers).toEqual(spares);
    expect(new Set(peers).size).toBe(3);
    // No streamer is idle: one spare is kept for the next Start after a Stop, not three.
    expect(creations).toHaveLength(4);
    await startAllSpares();
    expect(creations).toHaveLength(4);
    expect(currentSpares().ready).toEqual([creations[3].peer]);

    // Two streams stop: the pool holds one spare per idle streamer again.
    prepareSpare(streamers[0], OPTIONS);
    prepareSpare(streamers[1], OPTIONS);
    await startAllSpares();
    expect(currentSpares().ready).toHaveLength(2);
    expect(spares.some((peer) => peer.closed)).toBe(false);
  });

  test('a Start while its spare still boots waits for that spare, not for a new worker', async () => {
    const [owner] = idleStreamers(1);
    const taking = takePeer(owner, OPTIONS);
    expect(creations).toHaveLength(1);
    await creations[0].start();
    expect(await taking).toBe(creations[0].peer);
  });

  test('a spare is used only for the settings it was made with', async () => {
    const [owner] = idleStreamers(1, OPTIONS);
    await startAllSpares();
    const taking = takePeer(owner, OTHER);
    // A spare for OTHER (kept for the next Start), then the Start's own peer.
    expect(creations.map((c) => c.options)).toEqual([OPTIONS, OTHER, OTHER]);
    await startSpare(2);
    expect(await taking).toBe(creations[2].peer);
    expect(creations[0].peer.closed).toBe(true); // nobody wants a spare for OPTIONS now
  });

  test('a spare that failed to start does not block a Start, and is logged', async () => {
    const [first, second] = idleStreamers(2);
    const taking = takePeer(first, OPTIONS); // takes the spare while it boots
    await creations[0].fail(new Error('no worker today'));
    await settled();
    expect(creations).toHaveLength(2); // the Start's own peer; no spare is retried at once
    await creations[1].start();
    expect(await taking).toBe(creations[1].peer);
    expect(kernel.logs.join('\n')).toMatch(/could not start a spare media worker: Error: no worker today/);

    // The next Start finds no spare and makes its own peer; the pool refills behind it.
    const next = takePeer(second, OPTIONS);
    await settled();
    expect(creations).toHaveLength(4);
    await creations[3].start();
    expect(await next).toBe(creations[3].peer);
  });

  test('the last streamer released closes every spare, booting ones once they have started', async () => {
    const streamers = idleStreamers(3);
    await startSpare(0);
    await startSpare(1);
    expect(currentSpares()).toEqual({ ready: [creations[0].peer, creations[1].peer], booting: 1 });
    releaseSpare(streamers[0]);
    // Two idle streamers: two spares; the third, still booting, is closed once it has started.
    expect(currentSpares()).toEqual({ ready: [creations[0].peer, creations[1].peer], booting: 0 });
    releaseSpare(streamers[1]);
    releaseSpare(streamers[2]);
    await startSpare(2);
    expect(creations.every((c) => c.peer.closed)).toBe(true);
    expect(currentSpares()).toEqual({ ready: [], booting: 0 });
    expect(creations).toHaveLength(3);
    expect(kernel.hooks.size).toBe(0);
  });

  test('kernel shutdown closes every spare and starts none after it', async () => {
    const [owner] = idleStreamers(3);
    await startSpare(0);
    await startSpare(1);
    // The shutdown waits for the booting spare too, so its thread ends before the process does.
    const shutdown = kernel.shutdown();
    await settled();
    expect(creations[0].peer.closed).toBe(true);
    expect(creations[1].peer.closed).toBe(true);
    await startSpare(2);
    await shutdown;
    expect(creations[2].peer.closed).toBe(true);
    prepareSpare(owner, OPTIONS); // a streamer still ending: ignored
    await settled();
    expect(creations).toHaveLength(3);
    expect(currentSpares()).toEqual({ ready: [], booting: 0 });
  });

  test('JUPYTERLAB_WEBRTC_MAX_SPARES: a whole number 0..8, else 3 with a log line', () => {
    const logs: string[] = [];
    const log = (message: string) => logs.push(message);
    expect([undefined, '', '0', '1', ' 8 ', '08'].map((value) => maxSparesFrom(value, log))).toEqual([
      3, 3, 0, 1, 8, 8,
    ]);
    expect(logs).toEqual([]);
    for (const bad of ['9', '-1', '2.5', 'three', '1e1', '0x2', '123456789']) expect(maxSparesFrom(bad, log)).toBe(3);
    expect(logs).toHaveLength(7);
    expect(logs[0]).toBe(
      'JUPYTERLAB_WEBRTC_MAX_SPARES="9" is not a whole number from 0 to 8; keeping at most 3 spare media workers',
    );
  });
});
