/**
 * @jest-environment ./test/media/native-env.js
 *
 * Stream modes and sources through the streamer widget, with werift standing in for the browser:
 * sendonly (the kernel only receives: recvonly answer, no encoder ever opened), recvonly (the
 * kernel only sends what its source gives: sendonly answer, frames$ silent, the source subscribed
 * only while playing), one source or one stream's frames$ fanned out to two streams, a source that
 * misbehaves, and offers that do not match the mode. Opens UDP sockets: run inside a loopback-only
 * namespace (see the working rules).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { combineLatest, map, Subject } from 'rxjs';
import type { RtpPacket } from 'werift';
import { AudioFrame, createI420Frame, Frame } from '../../src/media';
import { toneLevel } from '../../src/media/audio-level';
import { OPUS_SAMPLE_RATE, OpusDecoder } from '../../src/media/opus';
import { directionOf, videoDirectionOf } from '../../src/rtc/sdp-direction';
import { mediaFile, writeTestClip } from '../../src/sources';
import { webrtcStreamer, WebRtcStreamer } from '../../src/streamer';
import { FakeBrowser } from '../rtc/fake-browser';
import { Microphone } from '../rtc/fake-microphone';
import { FakeComm, FakeKernel, freshKernel } from '../widgets/fake-kernel';
import { customs, sleep, until } from './comm-helpers';
import { H, level, lumaOf, W } from './flat-frames';

const flat = (luma: number): Frame => createI420Frame(W, H, 0, level(luma));

interface Session {
  browser: FakeBrowser;
  /** With `audio`: what the browser hears from the kernel. */
  speaker: Speaker | null;
  comm: FakeComm;
  answerSdp: string;
  close(): Promise<void>;
}

/** Offers from a fake browser over the widget's comm and trickles ICE both ways until the kernel plays. */
async function connect(
  kernel: FakeKernel,
  streamer: WebRtcStreamer,
  direction: 'sendrecv' | 'sendonly' | 'recvonly',
  { mdnsOnly = false, audio = false } = {},
): Promise<Session> {
  const comm = kernel.comm(streamer.modelId);
  const browser = new FakeBrowser({ direction, ...(audio ? { audio: 'opus' as const } : {}) });
  // listening before the offer: werift announces the kernel's track while applying the answer
  const speaker = audio ? listen(browser) : null;
  browser.pc.onIceCandidate.subscribe((candidate) => {
    const json = candidate ? candidate.toJSON() : null;
    // As a page without camera permission trickles them: the address hidden behind an mDNS name.
    if (json && mdnsOnly)
      json.candidate = json.candidate!.replace(/ 127\.0\.0\.1 /, ' 1f2e3d4c-5b6a-4789-9abc-def012345678.local ');
    comm.receive({ method: 'custom', content: { type: 'candidate', candidate: json } as never });
  });
  const answersBefore = customs(comm, 'answer').length;
  comm.receive({ method: 'custom', content: { type: 'offer', sdp: await browser.createOffer() } });
  await until(() => customs(comm, 'answer').length > answersBefore, 'answer');
  const answerSdp = customs(comm, 'answer').at(-1)!.sdp as string;
  await browser.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  let added = customs(comm, 'candidate').length;
  const trickle = setInterval(() => {
    for (const candidate of customs(comm, 'candidate').slice(added)) {
      added++;
      if (candidate.candidate) void browser.pc.addIceCandidate(candidate.candidate as never);
    }
  }, 20);
  await until(() => streamer.get('kernel_status') === 'playing', `${direction} stream playing`);
  return {
    browser,
    speaker,
    comm,
    answerSdp,
    close: async () => {
      clearInterval(trickle);
      speaker?.close();
      await browser.close();
    },
  };
}

/** Sends frames of `luma` every 33 ms until `done()` (a bounded number of them). */
async function pump(browser: FakeBrowser, luma: number, done: () => boolean, what: string): Promise<void> {
  for (let sent = 0; !done(); sent++) {
    if (sent > 300) throw new Error(`${what}: not after 300 frames`);
    browser.sendFrame(level(luma), W, H, Date.now());
    await sleep(33);
  }
}

/** Emits frames of `luma` from a Subject every 33 ms until `done()`. */
async function feed(source: Subject<Frame>, luma: number, done: () => boolean, what: string): Promise<void> {
  for (let sent = 0; !done(); sent++) {
    if (sent > 300) throw new Error(`${what}: not after 300 frames`);
    source.next(flat(luma));
    await sleep(33);
  }
}

const lastLuma = (browser: FakeBrowser) => {
  const last = browser.received.at(-1);
  return last ? lumaOf(last) : -1;
};
const near = (value: number, target: number) => Math.abs(value - target) < 12;

interface Speaker {
  frames: AudioFrame[];
  packets: () => number;
  close: () => void;
}

/** The browser's speaker: decodes the Opus the kernel sends on the audio transceiver. */
function listen(browser: FakeBrowser): Speaker {
  const decoder = new OpusDecoder(1);
  const frames: AudioFrame[] = [];
  let packets = 0;
  browser.audioTransceiver!.onTrack.subscribe((remote) => {
    remote.onReceiveRtp.subscribe((rtp: RtpPacket) => {
      packets++;
      decoder.decode(rtp.payload, (pcm, samples) =>
        frames.push({ sampleRate: OPUS_SAMPLE_RATE, channels: 1, samples, timestamp: 0, data: pcm.slice() }),
      );
    });
  });
  return { frames, packets: () => packets, close: () => decoder.close() };
}

const TONE_HZ = 1000;

describe('stream modes (werift browser stand-in, loopback)', () => {
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

  it('refuses an unknown mode, a recvonly stream without a source and a source that is no Observable', () => {
    expect(() => webrtcStreamer({ key: 'm1', mode: 'both' as never })).toThrow(
      'webrtcStreamer: mode must be one of "sendrecv", "sendonly", "recvonly", got "both"',
    );
    expect(() => webrtcStreamer({ key: 'm2', mode: 'recvonly' })).toThrow(/recvonly needs a source/);
    expect(() => webrtcStreamer({ key: 'm3', mode: 'recvonly', source: [1, 2] as never })).toThrow(
      /source must be an Observable of frames/,
    );
    expect(() => webrtcStreamer({ key: 'm4', mode: 'sendonly', source: new Subject<Frame>() })).toThrow(
      /sendonly stream sends nothing back/,
    );
    const sendrecv = keep(webrtcStreamer({ key: 'm5' }));
    expect(sendrecv.get('mode')).toBe('sendrecv');
    // A re-run with a bad mode leaves the stream as it was.
    expect(() => webrtcStreamer({ key: 'm5', mode: 'recvonly' })).toThrow(/recvonly needs a source/);
    expect(sendrecv.get('mode')).toBe('sendrecv');
  });

  it('record() refuses the direction a mode does not carry, before anything else', () => {
    const sendonly = keep(webrtcStreamer({ key: 'r1', mode: 'sendonly' }));
    const recvonly = keep(webrtcStreamer({ key: 'r2', mode: 'recvonly', source: new Subject<Frame>() }));
    expect(() => sendonly.record({ output: 'x.webm' })).toThrow(/sendonly stream sends nothing back: record its input/);
    expect(() => recvonly.record({ input: 'x.webm' })).toThrow(
      /recvonly stream receives nothing .*: record its output/,
    );
    // the direction it carries passes on to the next check
    expect(() => sendonly.record({ input: 'x.webm' })).toThrow(/nothing is streaming/);
  });

  it('sendonly: answers recvonly, counts the camera frames, sends nothing back and never opens an encoder', async () => {
    const streamer = keep(webrtcStreamer({ key: 'count', mode: 'sendonly' }));
    expect(streamer.get('mode')).toBe('sendonly');
    // A transform is not run: nothing goes back (and the frame accounting stays whole).
    let transformed = 0;
    streamer.transform((frames$) => frames$.pipe(map(() => (transformed++, flat(9)))));
    await until(
      () => (streamer.get('log') as string[]).some((line) => line.includes('sendonly: the transform is not run')),
      'the log says why',
    );
    const lumas: number[] = [];
    streamer.frames$.subscribe((frame) => lumas.push(frame.y[0]));
    const session = await connect(kernel, streamer, 'sendonly');
    cleanups.push(session.close);
    expect(videoDirectionOf(session.answerSdp)).toBe('recvonly');
    await pump(session.browser, 140, () => lumas.length >= 20, '20 frames in frames$');
    expect(near(lumas.at(-1)!, 140)).toBe(true);
    const statsSeen = customs(session.comm, 'stats').length;
    await until(() => customs(session.comm, 'stats').length > statsSeen + 1, 'two more stats messages');
    const { total } = customs(session.comm, 'stats').at(-1)! as { total: Record<string, number> };
    expect(total.decoded).toBeGreaterThanOrEqual(20);
    expect(total.delivered).toBeGreaterThanOrEqual(20);
    expect(total.transformed).toBe(0);
    expect(transformed).toBe(0);
    expect(total.dropped_send).toBe(0);
    expect(total.encoded).toBe(0);
    expect(total.sent).toBe(0);
    expect(streamer.encoderOpens).toBe(0);
    expect(session.browser.packetsReceived).toBe(0);
    expect(customs(session.comm, 'error')).toEqual([]);
  }, 60000);

  it('sendonly with audio: the microphone reaches audio$, nothing is transformed, encoded or sent back', async () => {
    const streamer = keep(webrtcStreamer({ key: 'count-audio', mode: 'sendonly', audio: true }));
    let transformed = 0;
    streamer.transformAudio((audio$) => audio$.pipe(map((a) => (transformed++, a))));
    const heard: AudioFrame[] = [];
    streamer.audio$.subscribe((frame) => heard.push(frame));
    const session = await connect(kernel, streamer, 'sendonly', { audio: true });
    cleanups.push(session.close);
    expect(directionOf(session.answerSdp, 'audio')).toBe('recvonly');
    const speaker = session.speaker!;
    const microphone = new Microphone(session.browser.audioTrack, TONE_HZ);
    microphone.start();
    cleanups.push(() => microphone.stop());
    await until(() => heard.length >= 30, '30 audio frames in audio$');
    for (const frame of heard.slice(5)) {
      expect(frame).toMatchObject({ sampleRate: 48000, channels: 1, samples: 960 });
      expect(toneLevel(frame, TONE_HZ)).toBeGreaterThan(0.3);
    }
    const statsSeen = customs(session.comm, 'stats').length;
    await until(() => customs(session.comm, 'stats').length > statsSeen + 1, 'two more stats messages');
    const { audio } = customs(session.comm, 'stats').at(-1)! as { audio: { total: Record<string, number> } };
    expect(audio.total.received).toBeGreaterThanOrEqual(30);
    expect(audio.total.decoded).toBe(audio.total.received);
    expect(audio.total.delivered).toBeGreaterThanOrEqual(30);
    expect(audio.total).toMatchObject({ transformed: 0, dropped_send: 0, encoded: 0, sent: 0 });
    expect(transformed).toBe(0);
    expect(speaker.packets()).toBe(0);
    expect(customs(session.comm, 'error')).toEqual([]);
  }, 60000);

  it('recvonly with audio from a mediaFile: its tone goes to the browser through transformAudio, with its picture', async () => {
    const clip = path.join(mkdtempSync(path.join(tmpdir(), 'modes-audio-')), 'clip.webm');
    await writeTestClip(clip, { width: W, height: H, fps: 30, frames: 30, toneHz: TONE_HZ });
    const streamer = keep(
      webrtcStreamer({ key: 'clip-audio', mode: 'recvonly', audio: true, source: mediaFile(clip, { loop: true }) }),
    );
    let transformed = 0;
    streamer.transformAudio((audio$) => audio$.pipe(map((a) => (transformed++, a))));
    let microphone = 0;
    streamer.audio$.subscribe(() => microphone++);
    const session = await connect(kernel, streamer, 'recvonly', { audio: true });
    cleanups.push(session.close);
    expect(directionOf(session.answerSdp, 'audio')).toBe('sendonly');
    const speaker = session.speaker!;
    await until(() => speaker.frames.length >= 60 && session.browser.received.length >= 10, 'the clip heard and seen');
    // the clip's tone, past the first few frames (the decoder's start) and loop seams aside
    const levels = speaker.frames.slice(10).map((frame) => toneLevel(frame, TONE_HZ));
    levels.sort((a, b) => a - b);
    expect(levels[levels.length >> 1]).toBeGreaterThan(0.3);
    expect(transformed).toBeGreaterThanOrEqual(60);
    expect(microphone).toBe(0);
    const statsSeen = customs(session.comm, 'stats').length;
    await until(() => customs(session.comm, 'stats').length > statsSeen, 'a stats message');
    const { audio } = customs(session.comm, 'stats').at(-1)! as { audio: { total: Record<string, number> } };
    expect(audio.total.received).toBe(0);
    expect(audio.total.sent).toBeGreaterThanOrEqual(60);
    expect(customs(session.comm, 'error')).toEqual([]);
  }, 60000);

  it('recvonly: answers sendonly, sends the source through the transform, subscribes it only while playing', async () => {
    const source = new Subject<Frame>();
    const streamer = keep(webrtcStreamer({ key: 'clock', mode: 'recvonly', source }));
    streamer.transform((frames$) => frames$.pipe(map((f) => createI420Frame(W, H, 0, level(255 - f.y[0])))));
    let cameraFrames = 0;
    streamer.frames$.subscribe(() => cameraFrames++);
    expect(source.observed).toBe(false);
    const session = await connect(kernel, streamer, 'recvonly');
    cleanups.push(session.close);
    expect(videoDirectionOf(session.answerSdp)).toBe('sendonly');
    expect(source.observed).toBe(true);
    await feed(source, 200, () => near(lastLuma(session.browser), 55), 'the inverted source at the browser');
    expect(cameraFrames).toBe(0);
    await until(() => streamer.encoderOpens > 0, 'the stats report an encoder');

    // Stop from the browser: the source is unsubscribed; a new session subscribes it again.
    session.comm.receive({ method: 'custom', content: { type: 'stop' } });
    await until(() => streamer.get('kernel_status') === 'stopped', 'stopped');
    expect(source.observed).toBe(false);
    expect(streamer.sourceSubscribed).toBe(false);
    await session.close();
    const again = await connect(kernel, streamer, 'recvonly');
    cleanups.push(again.close);
    expect(source.observed).toBe(true);
    // Swapped while playing: the old source is let go, the new one feeds the stream at once.
    const other = new Subject<Frame>();
    streamer.setSource(other);
    expect(source.observed).toBe(false);
    expect(other.observed).toBe(true);
    await feed(other, 40, () => near(lastLuma(again.browser), 215), 'the new source at the browser');
    expect(() => streamer.setSource(null)).toThrow(/recvonly stream needs a source/);
    // Closing the widget unsubscribes it too.
    streamer.close();
    expect(other.observed).toBe(false);
  }, 60000);

  it('recvonly connects when the browser trickles only mDNS names (skipped: its checks reach our candidates)', async () => {
    const source = new Subject<Frame>();
    const streamer = keep(webrtcStreamer({ key: 'mdns', mode: 'recvonly', source }));
    const session = await connect(kernel, streamer, 'recvonly', { mdnsOnly: true });
    cleanups.push(session.close);
    await feed(source, 120, () => near(lastLuma(session.browser), 120), 'the source at the browser');
    expect(customs(session.comm, 'error')).toEqual([]);
    // And a Stop right after is handled at once (a lookup would hold the signalling queue; in this
    // namespace werift's mDNS query fails at once, so this does not show that the skip matters).
    session.comm.receive({ method: 'custom', content: { type: 'stop' } });
    await until(() => streamer.get('kernel_status') === 'stopped', 'stopped without waiting for a lookup', 3000);
  }, 60000);

  it('sendrecv with a source: it feeds the transform, frames$ stays the camera, both mix; a new mode stops the stream', async () => {
    const source = new Subject<Frame>();
    const streamer = keep(webrtcStreamer({ key: 'mix', source }));
    const cameraLumas: number[] = [];
    streamer.frames$.subscribe((frame) => cameraLumas.push(lumaOf(frame)));
    // The mean of the source and the camera.
    streamer.transform((source$) =>
      combineLatest([source$, streamer.frames$]).pipe(map(([s, c]) => flat((lumaOf(s) + lumaOf(c)) >> 1))),
    );
    const session = await connect(kernel, streamer, 'sendrecv');
    cleanups.push(session.close);
    for (let sent = 0; !near(lastLuma(session.browser), 150); sent++) {
      if (sent > 300) throw new Error(`no mix after 300 frames (last luma ${lastLuma(session.browser)})`);
      session.browser.sendFrame(level(200), W, H, Date.now());
      source.next(flat(100));
      await sleep(33);
    }
    expect(near(cameraLumas.at(-1)!, 200)).toBe(true);

    // Re-run with another mode: the session negotiated for sendrecv ends (Start negotiates anew).
    expect(webrtcStreamer({ key: 'mix', mode: 'recvonly', source })).toBe(streamer);
    await until(() => customs(session.comm, 'stopped').length > 0, 'stopped');
    expect(customs(session.comm, 'stopped')[0]).toEqual({
      type: 'stopped',
      reason: 'the mode changed to recvonly: press Start',
    });
    expect(streamer.get('mode')).toBe('recvonly');
    expect(source.observed).toBe(false);
  }, 60000);

  it('fans one source out to two recvonly streams, and one stream’s frames$ out to another', async () => {
    const shared = new Subject<Frame>();
    const a = keep(webrtcStreamer({ key: 'fan-a', mode: 'recvonly', source: shared }));
    const b = keep(webrtcStreamer({ key: 'fan-b', mode: 'recvonly', source: shared }));
    const [sa, sb] = [await connect(kernel, a, 'recvonly'), await connect(kernel, b, 'recvonly')];
    cleanups.push(sa.close, sb.close);
    await feed(
      shared,
      170,
      () => near(lastLuma(sa.browser), 170) && near(lastLuma(sb.browser), 170),
      'the shared source at both browsers',
    );

    // A relay: the camera of one stream is what a second (recvonly) stream plays.
    const camera = keep(webrtcStreamer({ key: 'relay-camera' }));
    const relay = keep(webrtcStreamer({ key: 'relay', mode: 'recvonly', source: camera.frames$ }));
    const sc = await connect(kernel, camera, 'sendrecv');
    const sr = await connect(kernel, relay, 'recvonly');
    cleanups.push(sc.close, sr.close);
    await pump(
      sc.browser,
      90,
      () => near(lastLuma(sr.browser), 90) && near(lastLuma(sc.browser), 90),
      'the camera relayed and echoed',
    );
  }, 90000);

  it('a source that emits non-frames and errors: told to the widget and its log, the stream stays up', async () => {
    // Printed under the cell that set the source: console.error in that cell's async context.
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    cleanups.push(() => printed.mockRestore());
    const source = new Subject<unknown>();
    const streamer = keep(webrtcStreamer({ key: 'bad', mode: 'recvonly', source: source as Subject<Frame> }));
    const session = await connect(kernel, streamer, 'recvonly');
    cleanups.push(session.close);
    source.next({ width: 2 });
    source.next('nope');
    source.next(flat(100));
    await until(() => customs(session.comm, 'error').length >= 2, 'two errors');
    expect(customs(session.comm, 'error').slice(0, 2)).toEqual([
      {
        type: 'error',
        message: 'the source emitted something that is not a Frame (it has no integer width and height): skipped',
        fatal: false,
      },
      {
        type: 'error',
        message: 'the source emitted something that is not a Frame (got string): skipped',
        fatal: false,
      },
    ]);
    source.error(new RangeError('camera unplugged'));
    await until(() => customs(session.comm, 'error').length >= 3, 'the source error');
    expect(customs(session.comm, 'error')[2]).toEqual({
      type: 'error',
      message: 'source error: RangeError: camera unplugged (nothing new is sent until the source is replaced)',
      fatal: false,
    });
    await until(() => (streamer.get('log') as string[]).some((l) => l.includes('camera unplugged')), 'logged');
    expect(printed.mock.calls.map(([message]) => message)).toEqual(
      customs(session.comm, 'error').map((error) => error.message),
    );
    expect(streamer.get('kernel_status')).toBe('playing');
    expect(streamer.sourceSubscribed).toBe(false);
    // A working source brings the picture back without a new session.
    const good = new Subject<Frame>();
    streamer.setSource(good);
    await feed(good, 60, () => near(lastLuma(session.browser), 60), 'the replacement source');
    expect(customs(session.comm, 'answer')).toHaveLength(1);
  }, 60000);

  it('an offer in another direction than the mode is refused with a fatal error', async () => {
    const streamer = keep(webrtcStreamer({ key: 'mismatch', mode: 'sendonly' }));
    const comm = kernel.comm(streamer.modelId);
    const browser = new FakeBrowser({ direction: 'sendrecv' });
    cleanups.push(() => browser.close());
    comm.receive({ method: 'custom', content: { type: 'offer', sdp: await browser.createOffer() } });
    await until(() => customs(comm, 'error').length > 0, 'error');
    expect(customs(comm, 'error')[0]).toEqual({
      type: 'error',
      message:
        "the browser offered sendrecv video, but this stream's mode is sendonly (re-run the cell or reload the page)",
      fatal: true,
    });
    expect(customs(comm, 'answer')).toEqual([]);
    expect(streamer.get('kernel_status')).toBe('error');
  }, 30000);
});
