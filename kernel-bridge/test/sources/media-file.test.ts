/**
 * @jest-environment ./test/media/native-env.js
 *
 * mediaFile() end to end: clips written at test time with node-av (writeTestClip: left half red,
 * right half blue, a 1 kHz tone) are decoded in the worker and checked frame by frame: colours,
 * count, timestamps (the file's frame interval; wall-clock timing is not asserted), loop, one
 * shared decode for several subscribers, the sound's energy at the tone, and every bad input.
 * Needs the build in lib/ (the worker script): npm run build.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import type { AudioFrame, Frame } from '../../src/media';
import { MediaFile, mediaFile } from '../../src/sources/media-file';
import { writeTestClip } from '../../src/sources/test-clip';
import { writeAudioOnly, writeBrokenHalfWay, writeUndecodable } from './bad-files';

let dir: string;
const clip = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'media-file-'));
  await writeTestClip(clip('clip.webm'), { format: 'webm', frames: 30, fps: 30, toneHz: 1000 });
  await writeTestClip(clip('clip.mp4'), { format: 'mp4', frames: 15, fps: 15, toneHz: 1000 });
  await writeAudioOnly(clip('audio-only.webm'));
  writeUndecodable(clip('avs2.ts'));
  await writeBrokenHalfWay(clip('broken.webm'));
  // bytes of no format (a .txt of text would play: FFmpeg shows text files as ANSI art)
  writeFileSync(clip('noise.bin'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves once `cond()` holds, checked every 10 ms (the test's timeout bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

/** The RGBA pixel at (x, y). */
function pixel(frame: Frame, x: number, y: number): number[] {
  const rgba = frame.toRGBA();
  const at = (Math.floor(y) * frame.width + Math.floor(x)) * 4;
  return Array.from(rgba.subarray(at, at + 3));
}

/** 'red', 'blue', or the RGB values when the pixel is neither. */
function colour([r, g, b]: number[]): string {
  if (r > 200 && g < 50 && b < 50) return 'red';
  if (b > 200 && r < 50 && g < 50) return 'blue';
  return `rgb(${r}, ${g}, ${b})`;
}

function expectRedBlue(frame: Frame): void {
  const left = colour(pixel(frame, frame.width / 4, frame.height / 2));
  const right = colour(pixel(frame, (3 * frame.width) / 4, frame.height / 2));
  expect([left, right]).toEqual(['red', 'blue']);
}

/** Every timestamp is a whole number of frame intervals from the first (frames may be skipped). */
function expectOnFrameGrid(frames: Frame[], intervalMs: number, toleranceMs: number): void {
  expect(frames[0].timestamp).toBeCloseTo(0, 0);
  for (let i = 1; i < frames.length; i++) {
    const step = frames[i].timestamp - frames[i - 1].timestamp;
    const steps = Math.round(step / intervalMs);
    expect(steps).toBeGreaterThanOrEqual(1);
    expect(Math.abs(step - steps * intervalMs)).toBeLessThan(toleranceMs);
  }
}

/** Power of `samples` at `hz` (Goertzel). */
function power(samples: Float32Array, hz: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / samples.length;
}

describe('mediaFile: decoding', () => {
  test('a WebM (VP8): every frame red | blue, 30 frames, timestamps on the 33.3 ms grid, then complete', async () => {
    const file = mediaFile(clip('clip.webm'));
    const frames = await lastValueFrom(file.pipe(toArray()));
    const counts = file.frameCounts;
    // Latest-first may skip a frame on a loaded machine; every frame is either delivered or counted.
    expect(counts.delivered + counts.dropped).toBe(30);
    expect(frames.length).toBe(counts.delivered);
    expect(frames.length).toBeGreaterThanOrEqual(20);
    for (const frame of frames) {
      expect([frame.width, frame.height]).toEqual([320, 240]);
      expectRedBlue(frame);
    }
    expectOnFrameGrid(frames, 1000 / 30, 1.5); // WebM stores ms
    expect(frames[frames.length - 1].timestamp).toBeCloseTo(967, -1);
    await until(() => MediaFile.liveWorkers === 0);
  });

  test('an MP4 (H.264 + AAC) decodes too: 15 fps on the 66.7 ms grid', async () => {
    const file = mediaFile(clip('clip.mp4'));
    const frames = await lastValueFrom(file.pipe(toArray()));
    expect(file.frameCounts.delivered + file.frameCounts.dropped).toBe(15);
    for (const frame of frames) expectRedBlue(frame);
    expectOnFrameGrid(frames, 1000 / 15, 0.5);
  });

  test('audio$: 48 kHz float32 in 20 ms frames, energy at the 1 kHz tone, about a second of it', async () => {
    const file = mediaFile(clip('clip.webm'));
    const audio = await lastValueFrom(file.audio$.pipe(toArray()));
    expect(audio.length).toBeGreaterThan(40);
    for (const a of audio) {
      expect(a.sampleRate).toBe(48000);
      expect(a.channels).toBe(1);
      expect(a.data).toBeInstanceOf(Float32Array);
      expect(a.data.length).toBe(a.samples * a.channels);
    }
    const whole = audio.slice(0, -1); // the last one may be short
    for (let i = 1; i < whole.length; i++) {
      expect(whole[i].samples).toBe(960);
      expect(whole[i].timestamp - whole[i - 1].timestamp).toBeCloseTo(20, 1);
    }
    const total = audio.reduce((n, a) => n + a.samples, 0);
    expect(total / 48000).toBeGreaterThan(0.9);
    expect(total / 48000).toBeLessThan(1.15);
    const all = new Float32Array(total);
    audio.reduce((at, a) => (all.set(a.data, at), at + a.data.length), 0);
    const middle = all.subarray(4800, 4800 + 24000); // skip the codec's start-up
    expect(power(middle, 1000, 48000)).toBeGreaterThan(100 * power(middle, 3000, 48000));
    expect(power(middle, 1000, 48000)).toBeGreaterThan(0.01); // amplitude 0.5: power ~0.06
  });

  test('the MP4 sound (AAC, 1024-sample frames) is cut into 960-sample frames', async () => {
    const audio: AudioFrame[] = await lastValueFrom(mediaFile(clip('clip.mp4')).audio$.pipe(toArray()));
    expect(audio.slice(0, -1).every((a) => a.samples === 960)).toBe(true);
  });

  test('loop: the file starts again at its end and timestamps keep increasing', async () => {
    const file = mediaFile(clip('clip.webm'), { loop: true });
    const frames = await firstValueFrom(file.pipe(take(75), toArray()));
    for (let i = 1; i < frames.length; i++) expect(frames[i].timestamp).toBeGreaterThan(frames[i - 1].timestamp);
    expect(frames[frames.length - 1].timestamp).toBeGreaterThan(2000); // third pass
    expectOnFrameGrid(frames, 1000 / 30, 1.5);
    for (const frame of frames.slice(-5)) expectRedBlue(frame);
    await until(() => MediaFile.liveWorkers === 0); // take(75) unsubscribed: the decode stopped
    expect(file.playing).toBe(false);
  });

  test('shared: two frame subscribers and an audio$ subscriber are one decode (one worker)', async () => {
    const file = mediaFile(clip('clip.webm'), { loop: true });
    const a: Frame[] = [];
    const b: Frame[] = [];
    let sounds = 0;
    const subA = file.subscribe((f) => a.push(f));
    const subB = file.subscribe((f) => b.push(f));
    const subAudio = file.audio$.subscribe(() => sounds++);
    await until(() => a.length >= 10 && sounds >= 10);
    expect(MediaFile.liveWorkers).toBe(1);
    expect(file.playing).toBe(true);
    // the same frames, not two decodes side by side
    expect(b.slice(0, 10).map((f) => f.timestamp)).toEqual(a.slice(0, 10).map((f) => f.timestamp));
    expect(b[0]).toBe(a[0]);
    subA.unsubscribe();
    subAudio.unsubscribe();
    const seen = b.length;
    await until(() => b.length >= seen + 3); // still playing for the last subscriber
    expect(file.playing).toBe(true);
    subB.unsubscribe();
    expect(file.playing).toBe(false);
    await until(() => MediaFile.liveWorkers === 0);
    // subscribing again plays from the start, in a new decode
    const again = await firstValueFrom(file);
    expect(again.timestamp).toBeCloseTo(0, 0);
  });
});

describe('mediaFile: bad input', () => {
  /** The error both observables end with. */
  async function failure(file: string): Promise<{ video: Error; audio: Error }> {
    const m = mediaFile(file);
    const [video, audio] = await Promise.all([
      lastValueFrom(m).then(
        () => new Error('completed'),
        (e: Error) => e,
      ),
      lastValueFrom(m.audio$).then(
        () => new Error('completed'),
        (e: Error) => e,
      ),
    ]);
    return { video, audio };
  }

  test.each([
    ['missing.webm', /mediaFile\(".*missing\.webm"\): no such file/],
    ['noise.bin', /mediaFile\(".*noise\.bin"\): FFmpeg cannot read it as a media file \(.*Invalid data/],
    ['.', /mediaFile\(".*"\): it is a directory, not a file/],
    ['audio-only.webm', /mediaFile\(".*audio-only\.webm"\): it has no video stream \(streams: audio\)/],
    ['avs2.ts', /mediaFile\(".*avs2\.ts"\): unsupported video codec avs2: this FFmpeg build has no decoder/],
  ])('%s: a clear Error on both observables', async (name, expected) => {
    const { video, audio } = await failure(clip(name));
    expect(video).toBeInstanceOf(Error);
    expect(video.message).toMatch(expected);
    expect(audio.message).toBe(video.message);
    await until(() => MediaFile.liveWorkers === 0);
  });

  test('a file that breaks half-way: its good frames, then an Error saying where', async () => {
    const frames: Frame[] = [];
    const error = await new Promise<Error>((resolve) =>
      mediaFile(clip('broken.webm')).subscribe({
        next: (f) => frames.push(f),
        error: resolve,
        complete: () => resolve(new Error('completed')),
      }),
    );
    expect(error.message).toMatch(
      /mediaFile\(".*broken\.webm"\): decoding failed at 0\.\d+ s: 8 video packets in a row could not be decoded/,
    );
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThanOrEqual(10);
  });

  test('arguments are checked at once', () => {
    expect(() => mediaFile(42 as unknown as string)).toThrow(
      /mediaFile needs a file path \(a non-empty string\), got 42/,
    );
    expect(() => mediaFile('')).toThrow(TypeError);
    expect(() => mediaFile('a.mp4', { loop: 'yes' as unknown as boolean })).toThrow(/loop must be true or false/);
    expect(() => mediaFile('a.mp4', { lop: true } as never)).toThrow(/unknown option lop/);
    expect(() => mediaFile('a.mp4', 5 as never)).toThrow(/options must be an object/);
  });
});
