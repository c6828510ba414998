/**
 * @jest-environment ./test/media/native-env.js
 *
 * Audio end to end over loopback: a werift "browser" sends a 1 kHz sine as Opus RTP on its
 * microphone transceiver; MediaPeer (worker) decodes it to AudioFrames (audio$), the main thread
 * scales it (gain) and sends it back, and the browser decodes what comes back. Also the bad
 * inputs: an offer with audio but no Opus, and audio to send in a format we cannot encode.
 * Opens UDP sockets: run inside `unshare -n` (see media-peer.test.ts).
 */
import * as os from 'node:os';
import type { RtpPacket } from 'werift';
import { RtpHeader, RtpPacket as Packet } from 'werift';
import type { AudioFrame } from '../../src/media/audio-frame';
import { scaleAudio, toneLevel } from '../../src/media/audio-level';
import { OPUS_SAMPLE_RATE, OpusDecoder } from '../../src/media/opus';
import { MediaPeer, type MediaStats } from '../../src/rtc';
import { connectToPeer, FakeBrowser } from './fake-browser';
import { Microphone } from './fake-microphone';

const isolated = Object.values(os.networkInterfaces()).every((addrs) => (addrs ?? []).every((a) => a.internal));
const describeNetns = isolated ? describe : describe.skip;
if (!isolated) console.warn('audio e2e tests skipped: run inside `unshare -n` (loopback-only network namespace)');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, what: string, ms = 15000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
};

/** The browser's speaker: decodes the Opus the kernel sends back, keeps the RTP timestamps. */
function listen(browser: FakeBrowser): { frames: AudioFrame[]; rtpTimestamps: number[]; close: () => void } {
  const decoder = new OpusDecoder(1);
  const frames: AudioFrame[] = [];
  const rtpTimestamps: number[] = [];
  browser.audioTransceiver!.onTrack.subscribe((remote) => {
    remote.onReceiveRtp.subscribe((rtp: RtpPacket) => {
      rtpTimestamps.push(rtp.header.timestamp);
      decoder.decode(rtp.payload, (pcm, samples) =>
        frames.push({ sampleRate: OPUS_SAMPLE_RATE, channels: 1, samples, timestamp: 0, data: pcm.slice() }),
      );
    });
  });
  return { frames, rtpTimestamps, close: () => decoder.close() };
}

describeNetns('MediaPeer audio end to end (loopback netns)', () => {
  jest.setTimeout(60000);

  test('microphone -> Opus decode -> audio$ -> gain -> Opus encode -> back, counted, in order', async () => {
    const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
    const browser = new FakeBrowser({ audio: 'opus' });
    const mic = new Microphone(browser.audioTrack);
    const speaker = listen(browser);
    const errors: string[] = [];
    peer.errors$.subscribe((e) => errors.push(e.message));
    const stats: MediaStats[] = [];
    peer.stats$.subscribe((s) => stats.push(s));
    const input: AudioFrame[] = [];
    let gain = 1;
    peer.audio$.subscribe((frame) => {
      input.push(frame);
      peer.sendAudio(scaleAudio(frame, gain));
    });
    try {
      const answer = await connectToPeer(peer, browser);
      expect(answer).toMatch(/^m=audio /m);
      expect(answer).toMatch(/opus\/48000/i);
      mic.start();
      await until(() => input.length >= 30 && speaker.frames.length >= 30, 'audio both ways');

      // what the kernel received: 20 ms mono 48 kHz frames of the 1 kHz tone, 20 ms apart
      for (const frame of input.slice(5)) {
        expect(frame).toMatchObject({ sampleRate: 48000, channels: 1, samples: 960 });
        expect(toneLevel(frame, 1000)).toBeGreaterThan(0.3);
        expect(toneLevel(frame, 1000)).toBeGreaterThan(10 * toneLevel(frame, 2000));
      }
      const gaps = input.slice(1).map((f, i) => f.timestamp - input[i].timestamp);
      for (const gap of gaps) expect(gap).toBeCloseTo(20, 3);
      // what came back: the tone, RTP timestamps 960 apart
      for (const frame of speaker.frames.slice(5)) expect(toneLevel(frame, 1000)).toBeGreaterThan(0.3);
      const steps = speaker.rtpTimestamps.slice(1).map((ts, i) => (ts - speaker.rtpTimestamps[i] + 2 ** 32) % 2 ** 32);
      expect(new Set(steps)).toEqual(new Set([960]));

      // gain 0: silence comes back
      gain = 0;
      const from = speaker.frames.length;
      await until(() => speaker.frames.length >= from + 20, 'silent frames');
      for (const frame of speaker.frames.slice(from + 5)) expect(toneLevel(frame, 1000)).toBeLessThan(0.01);

      // counted per stage, nothing dropped
      const n = stats.length;
      await until(() => stats.length > n, 'a stats report');
      const { total, fps } = stats[stats.length - 1].audio;
      expect(total.received).toBeGreaterThanOrEqual(30);
      expect(total.decoded).toBe(total.received);
      expect(total.decode_failed + total.dropped_worker + total.dropped_send).toBe(0);
      expect(total.delivered).toBeGreaterThanOrEqual(total.decoded - 16);
      expect(total.sent).toBeGreaterThanOrEqual(30);
      expect(fps.decoded).toBeGreaterThan(0); // ~50 per second on a quiet machine
      expect(errors).toEqual([]);
    } finally {
      mic.stop();
      speaker.close();
      await browser.close();
      await peer.close();
    }
  });

  test('audio to send that is not 48 kHz is dropped, counted and reported once; the stream goes on', async () => {
    const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
    const browser = new FakeBrowser({ audio: 'opus' });
    const errors: string[] = [];
    peer.errors$.subscribe((e) => errors.push(e.message));
    const stats: MediaStats[] = [];
    peer.stats$.subscribe((s) => stats.push(s));
    try {
      await connectToPeer(peer, browser);
      const bad = { sampleRate: 44100, channels: 1, samples: 441, timestamp: Date.now(), data: new Float32Array(441) };
      for (let i = 0; i < 5; i++) peer.sendAudio(bad);
      await until(() => stats.some((s) => s.audio.total.dropped_send === 5), 'the drops counted');
      expect(errors.filter((e) => /44100 Hz/.test(e))).toHaveLength(1);
      expect(peer.currentState).toBe('connected');
    } finally {
      await browser.close();
      await peer.close();
    }
  });

  test('a corrupt Opus packet: counted as decode_failed, reported once; the next packets decode', async () => {
    const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
    const browser = new FakeBrowser({ audio: 'opus' });
    const mic = new Microphone(browser.audioTrack);
    const errors: string[] = [];
    peer.errors$.subscribe((e) => errors.push(e.message));
    const stats: MediaStats[] = [];
    peer.stats$.subscribe((s) => stats.push(s));
    let frames = 0;
    peer.audio$.subscribe(() => frames++);
    try {
      await connectToPeer(peer, browser);
      for (let i = 0; i < 3; i++) {
        const header = new RtpHeader({ sequenceNumber: 60000 + i, timestamp: 1, payloadType: 111 });
        browser.audioTrack.writeRtp(new Packet(header, Buffer.from([0xff, 0xff])));
      }
      mic.start();
      await until(() => frames >= 10 && stats.some((s) => s.audio.total.decode_failed === 3), 'good frames after bad');
      expect(errors.filter((e) => /audio: could not decode an Opus packet/.test(e))).toHaveLength(1);
      expect(peer.currentState).toBe('connected');
    } finally {
      mic.stop();
      await browser.close();
      await peer.close();
    }
  });

  test('an offer with audio in G.711 only: a clear error, video still answered', async () => {
    const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
    const browser = new FakeBrowser({ audio: 'pcmu' });
    const errors: string[] = [];
    peer.errors$.subscribe((e) => errors.push(e.message));
    try {
      const answer = await peer.answer(await browser.createOffer());
      expect(answer).toMatch(/VP8\/90000/);
      await until(() => errors.length > 0, 'the error');
      expect(errors[0]).toMatch(/audio without the Opus codec/);
    } finally {
      await browser.close();
      await peer.close();
    }
  });
});
