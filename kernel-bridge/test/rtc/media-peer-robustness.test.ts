/**
 * @jest-environment ./test/media/native-env.js
 *
 * MediaPeer against hostile or broken input (issue 8): oversized decoded frames, a stuck worker,
 * offers with too many m-lines, and which addresses its sockets are bound to. The end-to-end cases
 * open UDP sockets, so they run only inside a loopback-only network namespace:
 *   unshare -n sh -c 'ip link set lo up; npx jest --runInBand test/rtc'
 * (needs the build in lib/: npm run build).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstValueFrom, timeout } from 'rxjs';
import { i420Size, type Frame } from '../../src/media';
import { MediaPeer, type CandidateInit } from '../../src/rtc';
import { MAX_OFFER_MLINES } from '../../src/rtc/protocol';
import { networkConfig } from '../../src/rtc/worker/network';
import { connectToPeer, FakeBrowser } from './fake-browser';

const isolated = Object.values(os.networkInterfaces()).every((addrs) => (addrs ?? []).every((a) => a.internal));
const describeNetns = isolated ? describe : describe.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** This process's socket inodes (the worker threads share its descriptors). */
function socketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  return inodes;
}

/** Local address (hex, as /proc/net/udp writes it) of each UDP socket, by inode. */
function udpLocalAddresses(): Map<string, string> {
  const byInode = new Map<string, string>();
  for (const file of ['/proc/self/net/udp', '/proc/self/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      byInode.set(fields[9], fields[1].split(':')[0]);
    }
  }
  return byInode;
}

const LOOPBACK_HEX = '0100007F'; // 127.0.0.1, little-endian as /proc/net/udp writes it

/** Raw I420 (no I420Frame: it refuses the oversized sizes the browser stand-in must send). */
function pattern(w: number, h: number): Uint8Array {
  const data = new Uint8Array(i420Size(w, h) + 4 * w + 64).fill(128);
  for (let i = 0; i < w * h; i++) data[i] = (i * 7) & 0xff;
  return data.subarray(0, i420Size(w, h));
}

describeNetns('MediaPeer robustness (loopback netns)', () => {
  jest.setTimeout(60000);

  test('oversized decoded frames are dropped in the worker; later normal frames still arrive', async () => {
    const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
    const browser = new FakeBrowser();
    const errors: string[] = [];
    peer.errors$.subscribe((e) => errors.push(e.message));
    const sizes: string[] = [];
    peer.frames$.subscribe((f: Frame) => sizes.push(`${f.width}x${f.height}`));
    await connectToPeer(peer, browser);

    // 8200 is over MAX_FRAME_SIDE: before the fix the main thread threw on it and never acked.
    const big = pattern(8200, 16);
    for (let i = 0; i < 5; i++) {
      browser.sendFrame(big, 8200, 16, Date.now());
      await sleep(33);
    }
    const normal = pattern(160, 120);
    const normalFrames = () => sizes.filter((s) => s === '160x120').length;
    while (normalFrames() < 10) {
      browser.sendFrame(normal, 160, 120, Date.now());
      await sleep(33);
    }
    expect(sizes).not.toContain('8200x16');
    expect(errors.join('\n')).toMatch(
      /dropped decoded frames from the browser: frame size 8200x16 has a side over 8192/,
    );
    await browser.close();
    await peer.close();
  });

  test('with hostAddresses [127.0.0.1] the sockets are bound to 127.0.0.1 and only it is offered', async () => {
    const browser = new FakeBrowser();
    const offer = await browser.createOffer();
    const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
    const before = socketInodes();
    const candidates: CandidateInit[] = [];
    const gathered = new Promise<void>((resolve) =>
      peer.localCandidates$.subscribe((c) => (c ? candidates.push(c) : resolve())),
    );
    await peer.answer(offer);
    await gathered;
    const udp = udpLocalAddresses();
    const mine = [...socketInodes()].filter((inode) => !before.has(inode) && udp.has(inode));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.map((inode) => udp.get(inode))).toEqual(mine.map(() => LOOPBACK_HEX));
    expect(candidates.length).toBeGreaterThan(0);
    for (const c of candidates) expect(c.candidate).toMatch(/ 127\.0\.0\.1 \d+ typ host/);
    await peer.close();
    await browser.close();
  });

  test(`an offer with more than ${MAX_OFFER_MLINES} m-lines is refused before werift sees it`, async () => {
    const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
    const browser = new FakeBrowser();
    const offer = (await browser.createOffer()) + 'm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n'.repeat(4);
    await expect(peer.answer(offer)).rejects.toThrow(/offer has 5 m-lines; at most 4 are accepted/);
    await peer.close();
    await browser.close();
  });
});

describe('MediaPeer kernel transport input against a throw in the worker', () => {
  test('a chunk_in the worker cannot take still says chunk_done, so the in-flight slot comes back', async () => {
    const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
    try {
      peer.useChunks();
      let done = 0;
      peer.chunkDone$.subscribe(() => done++);
      const error = firstValueFrom(peer.errors$);
      // a length beyond its buffer: the worker throws before decodeChunk's own try
      const internals = peer as unknown as { post(msg: unknown): void };
      internals.post({ t: 'chunk_in', buffer: new ArrayBuffer(4), length: 8, timestamp: 0 });
      expect((await error).message).toMatch(/bounds|range/i);
      expect(done).toBe(1); // chunk_done goes before the error report
    } finally {
      await peer.close();
    }
  });
});

describe('MediaPeer against a broken worker', () => {
  test('a request the worker never answers rejects after the timeout with a clear error', async () => {
    const peer = await MediaPeer.create({
      workerScript: path.join(__dirname, 'fixtures', 'silent-worker.js'),
      requestTimeoutMs: 100,
    });
    await expect(peer.answer('v=0\r\n')).rejects.toThrow("the media worker did not reply to 'answer' within 100 ms");
    await expect(peer.addRemoteCandidate(null)).rejects.toThrow(/did not reply to 'candidate'/);
    await peer.close();
  });

  test('a decoded frame the main thread refuses is acknowledged, so the next one arrives', async () => {
    const peer = await MediaPeer.create({ workerScript: path.join(__dirname, 'fixtures', 'oversized-worker.js') });
    const errors: string[] = [];
    peer.errors$.subscribe((e) => errors.push(e.message));
    const frame = await firstValueFrom(peer.frames$.pipe(timeout(10000)));
    expect([frame.width, frame.height]).toEqual([16, 16]);
    expect(errors.join('\n')).toMatch(/dropped a decoded frame: .*8200x16/);
    await peer.close();
  });
});

describe('networkConfig', () => {
  it('offers only the given addresses and binds a family to its one address', () => {
    expect(networkConfig(['127.0.0.1'], [])).toEqual({
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
    });
    expect(networkConfig(['127.0.0.1', '::1'], [])).toMatchObject({
      iceInterfaceAddresses: { udp4: '127.0.0.1', udp6: '::1' },
    });
  });

  it('leaves binding to werift when one socket cannot serve all (several addresses, ICE servers)', () => {
    expect(networkConfig(['127.0.0.1', '192.0.2.7'], [])).toEqual({
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1', '192.0.2.7'],
    });
    expect(networkConfig(['127.0.0.1'], [{ urls: 'stun:stun.example:3478' }])).not.toHaveProperty(
      'iceInterfaceAddresses',
    );
  });
});
