/**
 * The kernel transport's capture clock (src/rtc/worker/chunk-clock.ts): the browser's audio and
 * video times put on one clock here, whichever track's first packet came first or later.
 */
import { ChunkClock, SAME_CLOCK_MS } from '../../src/rtc/worker/chunk-clock';
import { MAX_SLEW_MS } from '../../src/rtc/worker/rtp-clock';

/** Chrome's TimeTicks of the capture, ms (time since boot): what both its tracks carry. */
const BOOT_MS = 62_169_819;
/** Wall-clock ms of capture time 0 here. */
const WALL_MS = 1_700_000_000_000;

interface Packet {
  kind: 'video' | 'audio';
  /** When it was captured (ms from the start, the truth) and when it arrived (wall clock). */
  capture: number;
  arrival: number;
  browserMs: number;
}

interface Timeline {
  /** The delay (capture to arrival, ms) of the track's `i`-th packet. */
  videoDelay: (i: number) => number;
  audioDelay: (i: number) => number;
  /** The browser's time of a capture at `ms`. */
  videoClock?: (ms: number) => number;
  audioClock?: (ms: number) => number;
  durationMs?: number;
}

/** Frames every 40 ms and audio packets every 20 ms, fed in order of arrival; each packet's time given back. */
function run(t: Timeline): { packet: Packet; time: number }[] {
  const { durationMs = 4000, videoClock = (ms) => BOOT_MS + ms, audioClock = (ms) => BOOT_MS + ms } = t;
  const packets: Packet[] = [];
  // a track's packets keep their order (one comm, one worker): none arrives before the one before it
  let after = 0;
  for (let i = 0; i * 40 <= durationMs; i++) {
    const capture = i * 40;
    after = Math.max(after, WALL_MS + capture + t.videoDelay(i));
    packets.push({ kind: 'video', capture, arrival: after, browserMs: videoClock(capture) });
  }
  after = 0;
  for (let i = 0; i * 20 <= durationMs; i++) {
    const capture = i * 20;
    after = Math.max(after, WALL_MS + capture + t.audioDelay(i));
    packets.push({ kind: 'audio', capture, arrival: after, browserMs: audioClock(capture) });
  }
  packets.sort((a, b) => a.arrival - b.arrival || a.capture - b.capture);
  let now = 0;
  const clock = new ChunkClock(() => now);
  return packets.map((packet) => {
    now = packet.arrival;
    const time = packet.kind === 'video' ? clock.videoTime(packet.browserMs) : clock.audioTime(packet.browserMs);
    return { packet, time };
  });
}

/** Each track's times in arrival order, checked never to go back. */
function timesOf(results: { packet: Packet; time: number }[], kind: 'video' | 'audio') {
  const mine = results.filter((r) => r.packet.kind === kind);
  for (let i = 1; i < mine.length; i++) expect(mine[i].time).toBeGreaterThanOrEqual(mine[i - 1].time);
  return mine;
}

/** The time given to a capture at `capture` ms on track `kind`, minus that capture's wall-clock time. */
function offsetAt(results: { packet: Packet; time: number }[], kind: 'video' | 'audio', capture: number): number {
  const r = results.find((x) => x.packet.kind === kind && x.packet.capture === capture);
  if (!r) throw new Error(`no ${kind} packet captured at ${capture}`);
  return r.time - (WALL_MS + capture);
}

describe('ChunkClock: audio and video on one clock over the kernel transport', () => {
  test("video's first frame 276 ms late, audio's 30 ms: both settle on one origin, within 1 ms, never backwards", () => {
    // then audio waits 25 ms (a 20 ms packet, encoding), video 8 ms (encoding)
    const results = run({
      videoDelay: (i) => (i === 0 ? 276 : 8),
      audioDelay: (i) => (i === 0 ? 30 : 25),
    });
    const video = timesOf(results, 'video');
    const audio = timesOf(results, 'audio');
    for (let i = 1; i < video.length; i++)
      expect(video[i].time - video[i - 1].time).toBeGreaterThanOrEqual(40 - MAX_SLEW_MS);
    for (let i = 1; i < audio.length; i++)
      expect(audio[i].time - audio[i - 1].time).toBeGreaterThanOrEqual(20 - MAX_SLEW_MS);
    // settled: the same moment has the same time on both tracks, the least delay of either after it
    // (audio's: 25 ms less the 20 ms its packet took to fill)
    for (const capture of [2000, 3000, 4000]) {
      expect(Math.abs(offsetAt(results, 'video', capture) - offsetAt(results, 'audio', capture))).toBeLessThan(1);
      expect(offsetAt(results, 'audio', capture)).toBeCloseTo(5, 6);
    }
  });

  test("audio's first packet 400 ms late, after video's: the same alignment", () => {
    const results = run({
      videoDelay: (i) => (i === 0 ? 5 : 12),
      audioDelay: (i) => (i === 0 ? 400 : 22),
    });
    timesOf(results, 'video');
    timesOf(results, 'audio');
    expect(results[0].packet.kind).toBe('video');
    for (const capture of [2000, 3000, 4000]) {
      expect(Math.abs(offsetAt(results, 'video', capture) - offsetAt(results, 'audio', capture))).toBeLessThan(1);
      expect(offsetAt(results, 'video', capture)).toBeCloseTo(2, 6); // audio's 22 ms less its 20 ms packet
    }
  });

  test('jittery delays (each packet 0-60 ms late): aligned to 1 ms, increasing', () => {
    // a fixed pseudo-random sequence: the same run every time
    let seed = 7;
    const jitter = () => {
      seed = (seed * 1103515245 + 12345) % 0x80000000;
      return (seed / 0x80000000) * 60;
    };
    const vd = Array.from({ length: 200 }, jitter);
    const ad = Array.from({ length: 400 }, () => 20 + jitter());
    const results = run({ videoDelay: (i) => 3 + vd[i], audioDelay: (i) => ad[i] });
    timesOf(results, 'video');
    timesOf(results, 'audio');
    for (const capture of [3000, 3520, 4000]) {
      expect(Math.abs(offsetAt(results, 'video', capture) - offsetAt(results, 'audio', capture))).toBeLessThan(1);
    }
  });

  test("tracks on two clocks (Chromium 156: video since boot, audio on the page's clock): each by its own arrivals", () => {
    const results = run({
      videoDelay: (i) => (i === 0 ? 276 : 8),
      audioDelay: (i) => (i === 0 ? 30 : 25),
      audioClock: (ms) => 809 + ms, // the page loaded 809 ms before: far more than SAME_CLOCK_MS from the video's
    });
    expect(Math.abs(BOOT_MS - 809)).toBeGreaterThan(SAME_CLOCK_MS);
    timesOf(results, 'video');
    timesOf(results, 'audio');
    // as over RTP: each capture time is its arrival less the track's least delay (not hours apart),
    // the audio's counted from its packet's last sample: they differ by the frame's 8 ms encoding
    // against the packet's 5 ms beyond its 20
    for (const capture of [3000, 4000]) {
      expect(offsetAt(results, 'video', capture)).toBeCloseTo(8, 6);
      expect(offsetAt(results, 'audio', capture)).toBeCloseTo(5, 6);
    }
  });

  test("a track whose times go back (a restarted source on another clock) starts again, and its times don't go back", () => {
    let now = WALL_MS;
    const clock = new ChunkClock(() => now);
    const times: number[] = [];
    const both = (ms: number, videoMs: number) => {
      now = WALL_MS + ms + 25; // the audio packet filled 20 ms after its first sample
      clock.audioTime(BOOT_MS + ms);
      now = WALL_MS + ms + 10;
      times.push(clock.videoTime(videoMs));
    };
    for (let ms = 0; ms <= 1000; ms += 40) both(ms, BOOT_MS + ms);
    // the camera switched to one whose frames count from 0
    for (let ms = 1040; ms <= 3000; ms += 40) both(ms, ms - 1040);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    // and it is mapped by its own arrivals: on the wall clock (its capture + its 10 ms delay), not at 0
    expect(times.at(-1)).toBeCloseTo(WALL_MS + 3000 + 10, 6);
  });

  test('a track whose times jump forward (a source counting from 0 replaced by one on TimeTicks, or a 0 in between) starts again', () => {
    let now = WALL_MS;
    const clock = new ChunkClock(() => now);
    const times: number[] = [];
    const both = (ms: number, videoMs: number) => {
      now = WALL_MS + ms + 25;
      clock.audioTime(BOOT_MS + ms);
      now = WALL_MS + ms + 10;
      times.push(clock.videoTime(videoMs));
    };
    for (let ms = 0; ms <= 1000; ms += 40) both(ms, ms); // a camera counting from its own start
    both(1040, 0); // a frame the browser had no time for: sent as 0
    for (let ms = 1080; ms <= 3000; ms += 40) both(ms, BOOT_MS + ms); // then TimeTicks, 17 h ahead
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    // on the wall clock, not hours ahead: back on one clock with the audio, on its lesser delay (5 ms)
    expect(times.at(-1)).toBeCloseTo(WALL_MS + 3000 + 5, 6);
  });

  test('a small step back (a new encoder counting from a slightly earlier buffer) keeps the learnt origin', () => {
    let now = WALL_MS;
    const clock = new ChunkClock(() => now);
    const times: number[] = [];
    for (let ms = 0; ms <= 1000; ms += 20) {
      now = WALL_MS + ms + 20 + (ms === 0 ? 60 : 2); // the first packet 60 ms late, the rest 2 ms
      times.push(clock.audioTime(BOOT_MS + ms));
    }
    expect(times.at(-1)).toBeCloseTo(WALL_MS + 1000 + 2, 6); // on the least delay: 2 ms
    now = WALL_MS + 1020 + 20 + 2;
    times.push(clock.audioTime(BOOT_MS + 1000 - 30)); // 30 ms back: no new learning from one late packet
    now = WALL_MS + 1040 + 20 + 2;
    times.push(clock.audioTime(BOOT_MS + 1040));
    expect(times.at(-1)).toBeCloseTo(WALL_MS + 1040 + 2, 6); // relearnt from the late packet: 47 ms late
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  });
});
