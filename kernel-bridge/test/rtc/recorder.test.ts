/**
 * @jest-environment ./test/media/native-env.js
 *
 * The worker's recorder fed directly (no peer, no network): VP8 frames remuxed into WebM, decoded
 * frames encoded into MP4, read back with node-av; a frame size change; the first keyframe; files
 * that cannot be written.
 */
import { mkdtempSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createI420Frame } from '../../src/media';
import { Vp8Encoder } from '../../src/media/codecs';
import type { FromWorker } from '../../src/rtc/protocol';
import type { RecordTarget } from '../../src/rtc/record-protocol';
import { Recorders } from '../../src/rtc/worker/record';
import { segmentPath, vp8KeyframeSize } from '../../src/rtc/worker/record-file';
import { readMedia } from './read-media';

const dir = mkdtempSync(path.join(tmpdir(), 'recorder-'));
const audioSent = new Set<number>();
const FPS = 30;

function picture(width: number, height: number, n: number): Uint8Array {
  const f = createI420Frame(width, height);
  // a moving bar: frames differ, so each one really encodes
  f.y.fill(40);
  for (let y = 0; y < height; y++) f.y.fill(220, y * width + ((n * 4) % width), y * width + ((n * 4) % width) + 8);
  f.u.fill(128);
  f.v.fill(128);
  return f.data;
}

function harness() {
  const posted: FromWorker[] = [];
  let keyframesWanted = { input: 0, output: 0 };
  const recorders = new Recorders({
    post: (m) => posted.push(m),
    wantInputKeyframe: () => keyframesWanted.input++,
    wantOutputKeyframe: () => keyframesWanted.output++,
  });
  const done = () => posted.filter((m): m is Extract<FromWorker, { t: 'record_done' }> => m.t === 'record_done');
  return {
    recorders,
    posted,
    done,
    wanted: () => keyframesWanted,
    reset: () => (keyframesWanted = { input: 0, output: 0 }),
  };
}

/** Feeds `frames` frames of `size` to both kinds of tap (as receive.ts does for the input). */
function feed(
  recorders: Recorders,
  encoder: Vp8Encoder,
  from: number,
  frames: number,
  size: [number, number],
  firstKey = true,
): void {
  const [w, h] = size;
  for (let n = from; n < from + frames; n++) {
    const ts = 1_000_000 + (n * 1000) / FPS;
    const data = picture(w, h, n);
    encoder.encode(data, w, h, Math.round(ts * 90), firstKey && n === from, (pkt) => recorders.inputPacket(pkt, ts));
    recorders.inputFrame(data, w, h, ts);
  }
}

const target = (name: string, overwrite = false, audio = false): RecordTarget => {
  const p = path.join(dir, name);
  return { kind: 'input', path: p, container: p.endsWith('.mp4') ? 'mp4' : 'webm', overwrite, audio };
};

describe('the worker recorder', () => {
  it('remuxes VP8 into WebM and encodes H.264 into MP4: the files read back with the recorded duration', () => {
    const { recorders, done, wanted } = harness();
    const encoder = new Vp8Encoder();
    recorders.start(1, [target('a.webm'), { ...target('a.mp4'), kind: 'input' }]);
    expect(wanted().input).toBe(2); // each file asks for a keyframe to start with
    feed(recorders, encoder, 0, 60, [320, 240]);
    recorders.stop(1);
    encoder.close();
    const [report] = done();
    expect(report.error).toBe('');
    expect(report.files.map((f) => [path.basename(f.path), f.frames])).toEqual([
      ['a.webm', 60],
      ['a.mp4', 60],
    ]);
    for (const f of report.files) {
      expect(f.durationMs).toBeCloseTo(2000, -1);
      expect(f.bytes).toBeGreaterThan(1000);
      const info = readMedia(f.path);
      expect(info.codec).toBe(f.path.endsWith('.webm') ? 'vp8' : 'h264');
      expect(info.format).toContain(f.path.endsWith('.webm') ? 'webm' : 'mp4');
      expect(info.decoded).toBe(60);
      expect(Math.abs(info.durationMs - 2000)).toBeLessThan(200);
    }
  });

  it('starts a WebM at the first keyframe, asking for one meanwhile', () => {
    const { recorders, done, wanted, reset } = harness();
    const encoder = new Vp8Encoder();
    feed(recorders, encoder, 0, 5, [160, 120]); // before the recording: a keyframe then interframes
    recorders.start(2, [target('late.webm')]);
    reset();
    feed(recorders, encoder, 5, 10, [160, 120], false); // interframes only: skipped
    expect(wanted().input).toBe(10);
    feed(recorders, encoder, 15, 30, [160, 120], true);
    recorders.stop(2);
    encoder.close();
    const [report] = done();
    expect(report.files[0].frames).toBe(30);
    expect(readMedia(report.files[0].path).decoded).toBe(30);
  });

  it('starts a new WebM segment when the frame size changes; MP4 scales to the first size', () => {
    const { recorders, done } = harness();
    const encoder = new Vp8Encoder();
    recorders.start(3, [target('sizes.webm'), target('sizes.mp4')]);
    feed(recorders, encoder, 0, 20, [320, 240]);
    feed(recorders, encoder, 20, 20, [160, 120]); // the encoder re-opens: a keyframe at the new size
    recorders.stop(3);
    encoder.close();
    const [report] = done();
    expect(report.error).toBe('');
    const byName = Object.fromEntries(report.files.map((f) => [path.basename(f.path), f]));
    expect(Object.keys(byName).sort()).toEqual(['sizes-2.webm', 'sizes.mp4', 'sizes.webm']);
    expect(readMedia(byName['sizes.webm'].path)).toMatchObject({ decoded: 20, sizes: ['320x240'] });
    expect(readMedia(byName['sizes-2.webm'].path)).toMatchObject({ decoded: 20, sizes: ['160x120'] });
    expect(readMedia(byName['sizes.mp4'].path)).toMatchObject({ decoded: 40, sizes: ['320x240'] });
    expect(segmentPath('/a/b.c.webm', 3)).toBe('/a/b.c-3.webm');
  });

  it('never writes a segment over a file the user did not name, even with overwrite', () => {
    const { recorders, done } = harness();
    const encoder = new Vp8Encoder();
    writeFileSync(path.join(dir, 'keep-2.webm'), 'an older recording');
    recorders.start(4, [target('keep.webm', true)]);
    feed(recorders, encoder, 0, 10, [320, 240]);
    feed(recorders, encoder, 10, 10, [160, 120]);
    recorders.stop(4);
    encoder.close();
    const names = done()[0].files.map((f) => path.basename(f.path));
    expect(names).toEqual(['keep.webm', 'keep-3.webm']);
    expect(readFileSync(path.join(dir, 'keep-2.webm'), 'utf8')).toBe('an older recording');
  });

  it('refuses a file it cannot open and keeps none of the recording (all or nothing)', () => {
    const { recorders } = harness();
    expect(() => recorders.start(4, [target('ok.webm'), { ...target('x.webm'), path: '/proc/x.webm' }])).toThrow(
      /proc/,
    );
    expect(() => recorders.start(4, [{ ...target('x.webm'), path: '/proc/no/x.webm' }])).toThrow(/does not exist/);
    expect(recorders.active).toBe(false);
    expect(existsSync(path.join(dir, 'ok.webm'))).toBe(false);
    writeFileSync(path.join(dir, 'exists.webm'), 'x');
    expect(() => recorders.start(5, [target('exists.webm')])).toThrow(/exists/);
    recorders.start(6, [target('exists.webm', true)]);
    recorders.stop(6);
  });

  it('removes a file that got no frame, and finalises everything on closeAll()', () => {
    const { recorders, done } = harness();
    recorders.start(7, [{ ...target('empty.webm'), kind: 'output' }]); // nothing is sent back
    recorders.start(8, [target('closeall.webm')]);
    const encoder = new Vp8Encoder();
    feed(recorders, encoder, 0, 10, [160, 120]);
    encoder.close();
    recorders.stop(7);
    expect(existsSync(path.join(dir, 'empty.webm'))).toBe(false);
    recorders.closeAll();
    expect(done().map((d) => [d.rec, d.files.length, d.error])).toEqual([
      [7, 0, ''],
      [8, 1, ''],
    ]);
    expect(readMedia(done()[1].files[0].path).decoded).toBe(10);
  });

  it('records audio frames too, as Opus, on the video clock (WebM and MP4)', () => {
    const { recorders, done } = harness();
    const encoder = new Vp8Encoder();
    recorders.start(9, [target('av.webm', false, true), target('av.mp4', false, true)]);
    // audio from before the first video frame is dropped (the file starts with video)
    const tone = (n: number, channels: number, samples: number) => {
      const data = new Float32Array(samples * channels);
      for (let s = 0; s < samples * channels; s++)
        data[s] = 0.4 * Math.sin((2 * Math.PI * 440 * (n * samples + s)) / 48000);
      return { sampleRate: 48000, channels, samples, data, timestamp: 1_000_000 + (n * samples * 1000) / 48000 - 500 };
    };
    for (let n = 0; n < 25; n++) recorders.inputAudio(tone(n, 1, 960)); // 0.5 s before the video
    for (let n = 0; n < 60; n++) {
      // 2 s of video at 30 fps, 20 ms audio frames (mono, then stereo) in between
      feed(recorders, encoder, n, 1, [160, 120], n === 0);
      const audioUpTo = 500 + ((n + 1) * 1000) / FPS;
      for (let a = 25; (a * 960 * 1000) / 48000 < audioUpTo; a++) {
        if (!audioSent.has(a)) {
          audioSent.add(a);
          recorders.inputAudio(tone(a, a < 60 ? 1 : 2, 960));
        }
      }
    }
    recorders.stop(9);
    encoder.close();
    const [report] = done();
    expect(report.error).toBe('');
    for (const f of report.files) {
      const info = readMedia(f.path);
      expect(info.decoded).toBe(60);
      expect(info.audio).toMatchObject({ codec: 'opus' });
      // ~2 s of audio: 100 Opus frames of 20 ms (give or take the ones at the edges)
      expect(Math.abs(info.audio!.samples / 48000 - 2)).toBeLessThan(0.1);
      // at the right times: the file lasts 2 s, its audio starts with the video
      expect(Math.abs(info.durationMs - 2000)).toBeLessThan(100);
      expect(Math.abs(info.audio!.firstMs - info.firstMs)).toBeLessThan(25);
    }
  });

  it('keeps audio that arrives before the first video frame (video is slower to arrive): the file starts with both', () => {
    const { recorders, done } = harness();
    const encoder = new Vp8Encoder();
    recorders.start(10, [target('early.webm', false, true), target('early.mp4', false, true)]);
    const audioAt = (a: number) => ({
      sampleRate: 48000,
      channels: 1,
      samples: 960,
      timestamp: 1_000_000 + a * 20,
      data: new Float32Array(960).fill(0.25),
    });
    // the first 200 ms of audio come in before the first video frame captured with them; one
    // frame from before that frame is dropped (the file starts with video)
    recorders.inputAudio({ ...audioAt(0), timestamp: 1_000_000 - 20 });
    for (let a = 0; a < 10; a++) recorders.inputAudio(audioAt(a));
    let a = 10;
    for (let n = 0; n < 30; n++) {
      feed(recorders, encoder, n, 1, [160, 120], n === 0);
      for (; a * 20 < ((n + 1) * 1000) / FPS + 200; a++) recorders.inputAudio(audioAt(a));
    }
    recorders.stop(10);
    encoder.close();
    const [report] = done();
    expect(report.error).toBe('');
    for (const f of report.files) {
      const info = readMedia(f.path);
      expect(info.decoded).toBe(30);
      // 1.2 s of audio from time 0 (none of the early 200 ms lost; libopus's first packet, which
      // starts its 6.5 ms pre-skip before 0, is left out: one 20 ms frame at most)
      expect(Math.abs(info.audio!.firstMs - info.firstMs)).toBeLessThan(25);
      expect(Math.abs(info.audio!.samples / 48000 - 1.2)).toBeLessThan(0.05);
    }
  });

  it('reads the size of a VP8 keyframe', () => {
    const key = Buffer.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
    expect(vp8KeyframeSize(key)).toEqual({ width: 640, height: 480 });
    expect(vp8KeyframeSize(Buffer.from([0x11, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]))).toBeNull();
  });
});
