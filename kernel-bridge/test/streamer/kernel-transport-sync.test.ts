/**
 * @jest-environment ./test/media/native-env.js
 *
 * Lip sync over the kernel transport, through the real media worker: the browser's camera frames
 * and microphone packets, stamped on one clock as Chrome does, come out of frames$ and audio$ on
 * one clock (rtc/worker/chunk-clock.ts), whichever track's first packet came later, and never go
 * backwards. (test/rtc/chunk-clock.test.ts covers the mapping's cases; this is the wiring.)
 */
import { firstValueFrom, take } from 'rxjs';
import { Vp8Encoder } from '../../src/media/codecs';
import { MediaPeer } from '../../src/rtc/media-peer';
import { KernelTransportLink } from '../../src/streamer/kernel-transport';
import { OPUS_FRAME_SAMPLES, OpusEncoder } from '../../src/media/opus';
import { MEDIA_HEADER_BYTES, writeMediaHeader } from '../../src/streamer/protocol';
import { H, W, level } from './flat-frames';

/** The browser's capture clocks against this process's: TimeTicks (since boot), and a page's performance.now(). */
const TICKS_MS = -1_699_000_000_000;
const PAGE_MS = -1_700_000_000_000 + 809;

function message(kind: 'video' | 'audio', seq: number, data: Uint8Array, timestamp: number): Uint8Array {
  const bytes = new Uint8Array(MEDIA_HEADER_BYTES + data.byteLength);
  writeMediaHeader(bytes, kind, seq, kind === 'video', timestamp);
  bytes.set(data, MEDIA_HEADER_BYTES);
  return bytes;
}

interface Round {
  /** What frames$ and audio$ gave, less the wall-clock time of the capture the browser stamped. */
  video: number;
  audio: number;
}

/** A camera's frame period: the rounds are paced like one (the browser's times advance as its clock does). */
const FRAME_MS = 40;

/**
 * `rounds` times, FRAME_MS apart: one frame captured 8 ms ago (250 the first time, sent after the audio) and one
 * audio packet whose first sample was captured 25 ms ago (30 the first time), stamped on the
 * browser's clocks (`videoClock`, `audioClock`: ms added to this process's); waits for both.
 */
async function run(rounds: number, videoClock: number, audioClock: number): Promise<Round[]> {
  const peer = await MediaPeer.create();
  const errors: string[] = [];
  peer.errors$.subscribe((e) => errors.push(e.message));
  const link = new KernelTransportLink(
    peer,
    () => undefined,
    (p) => errors.push(p),
    { in: true, out: false },
    false,
  );
  const vp8 = new Vp8Encoder();
  const opus = new OpusEncoder({ channels: 1 });
  const silence = new Float32Array(OPUS_FRAME_SAMPLES);
  const out: Round[] = [];
  try {
    peer.useChunks();
    let lastVideo = -Infinity;
    let lastAudio = -Infinity;
    for (let r = 0; r < rounds; r++) {
      const now = Date.now();
      const audioAt = now - (r === 0 ? 30 : 25);
      const videoAt = now - (r === 0 ? 250 : 8);
      const heard = firstValueFrom(peer.audio$.pipe(take(1)));
      const seen = firstValueFrom(peer.frames$.pipe(take(1)));
      heard.catch(() => undefined);
      seen.catch(() => undefined);
      const packets: Uint8Array[] = [];
      opus.encode(silence, r * OPUS_FRAME_SAMPLES, (data) => packets.push(new Uint8Array(data)));
      link.receive([message('audio', r, packets[0], audioAt + audioClock)]);
      const frames: Uint8Array[] = [];
      vp8.encode(level(60 + (r % 100)), W, H, r, true, (data) => frames.push(new Uint8Array(data)));
      link.receive([message('video', r, frames[0], videoAt + videoClock)]);
      const [audio, video] = await Promise.all([heard, seen]).catch((e) => {
        throw new Error(`round ${r}: nothing came (${errors.join('; ')}): ${e}`);
      });
      expect(audio.timestamp).toBeGreaterThanOrEqual(lastAudio);
      expect(video.timestamp).toBeGreaterThanOrEqual(lastVideo);
      lastAudio = audio.timestamp;
      lastVideo = video.timestamp;
      out.push({ video: video.timestamp - videoAt, audio: audio.timestamp - audioAt });
      await new Promise((next) => setTimeout(next, Math.max(0, now + FRAME_MS - Date.now())));
    }
    expect(errors).toEqual([]);
  } finally {
    vp8.close();
    opus.close();
    link.close();
    await peer.close();
  }
  return out;
}

describe('kernel transport lip sync with a real media worker', () => {
  jest.setTimeout(60000);

  it("one browser clock; video's first frame 250 ms late, audio's 30 ms: frames$ and audio$ settle within 1 ms", async () => {
    const rounds = await run(40, TICKS_MS, TICKS_MS);
    for (const { video, audio } of rounds.slice(-5)) {
      expect(Math.abs(video - audio)).toBeLessThan(1);
      expect(Math.abs(video)).toBeLessThan(1000); // on this process's wall clock, as over WebRTC
    }
  });

  it("two browser clocks (video since boot, audio on the page's clock): each by its arrivals, a few ms apart", async () => {
    const rounds = await run(60, TICKS_MS, PAGE_MS);
    // the frame waited 8 ms, the packet 5 ms beyond its 20: 3 ms apart, give or take the posts to the worker
    for (const { video, audio } of rounds.slice(-5)) {
      expect(Math.abs(video - audio - 3)).toBeLessThan(3);
      expect(Math.abs(video)).toBeLessThan(1000);
    }
  });
});
