/**
 * @jest-environment ./test/media/native-env.js
 *
 * detectFaces() end to end, with the real worker, TensorFlow.js WASM and the TinyFaceDetector
 * weights shipped in @vladmandic/face-api: the faces of a photo from that package are found where
 * they are, a blank frame has none, frames arriving during a detection are skipped but the newest,
 * bad weights / bad input / bad options fail clearly, and the thread ends with its last subscriber.
 * The worker's message checks are tested directly. Needs the build in lib/ (the worker script).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Canvas, loadImage } from '@napi-rs/canvas';
import { firstValueFrom, lastValueFrom, type Observable, of, Subject, toArray } from 'rxjs';
import type { BoxAnnotation, FrameAnnotations } from '../../src/annotations/types';
import { detectFaces } from '../../src/detectors/face-detector';
import { faceWorkersExited, faceWorkersStarted, liveFaceWorkers } from '../../src/detectors/face-thread';
import { faceSamplePhoto } from '../../src/detectors/samples';
import { fromFaceWorkerProblem, MAX_FACES, toFaceWorkerProblem } from '../../src/detectors/protocol';
import { createI420Frame, frameFromRGBA, i420Size, type Frame } from '../../src/media';

const faceApiDir = path.dirname(require.resolve('@vladmandic/face-api/package.json'));
const W = 640;
const H = 480;

/**
 * Where the three faces of demo/sample1.jpg are once the photo is drawn at 640x480 (stretched from
 * 1920x1280): read off that picture by eye, not from the detector: the point between the eyes and
 * the mouth of each face, left to right. A found box must be centred within CENTRE_TOLERANCE of
 * one of them and be face-sized.
 */
const FACE_CENTRES: Array<[number, number]> = [
  [165, 190],
  [310, 210],
  [522, 120],
];
const CENTRE_TOLERANCE = 30;
const FACE_SIDE = { min: 50, max: 160 };

let photo: Frame;
let tmp: string;

beforeAll(async () => {
  const image = await loadImage(faceSamplePhoto(1));
  const canvas = new Canvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0, W, H);
  photo = frameFromRGBA(W, H, new Uint8Array(ctx.getImageData(0, 0, W, H).data.buffer), 1234.5);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'face-detector-'));
});

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await faceWorkersExited();
});

afterEach(async () => {
  await faceWorkersExited(); // every test ends its worker; a leak would hang here until the timeout
});

function photoAt(timestamp: number): Frame {
  return createI420Frame(W, H, timestamp, photo.data.slice());
}

/** Index of the expected face `box` is centred on, or -1. */
function faceOf(box: BoxAnnotation): number {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return FACE_CENTRES.findIndex(([x, y]) => Math.hypot(cx - x, cy - y) <= CENTRE_TOLERANCE);
}

describe('detectFaces on real pixels', () => {
  it('finds at least two of the three faces of the sample photo, where they are', async () => {
    const result = await firstValueFrom(of(photo).pipe(detectFaces()));
    expect(result).toMatchObject({ timestamp: 1234.5, width: W, height: H });
    const boxes = result.items as BoxAnnotation[];
    const matched = new Set<number>();
    for (const box of boxes) {
      expect(box).toMatchObject({ kind: 'box', label: 'face' });
      expect(box.score).toBeGreaterThanOrEqual(0.5);
      expect(box.score).toBeLessThanOrEqual(1);
      expect(box.width).toBeGreaterThanOrEqual(FACE_SIDE.min);
      expect(box.width).toBeLessThanOrEqual(FACE_SIDE.max);
      expect(box.height).toBeGreaterThanOrEqual(FACE_SIDE.min);
      expect(box.height).toBeLessThanOrEqual(FACE_SIDE.max);
      const face = faceOf(box);
      expect(face).toBeGreaterThanOrEqual(0); // no box away from a face
      matched.add(face);
    }
    expect(matched.size).toBeGreaterThanOrEqual(2);
    expect(matched.size).toBe(boxes.length); // one box per face
    // best first
    const scores = boxes.map((b) => b.score ?? 0);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('finds no face in a blank frame, and keeps to maxFaces', async () => {
    const [blank, capped] = await Promise.all([
      firstValueFrom(of(createI420Frame(W, H, 7)).pipe(detectFaces())),
      firstValueFrom(of(photo).pipe(detectFaces({ maxFaces: 1 }))),
    ]);
    expect(blank).toEqual({ timestamp: 7, width: W, height: H, items: [] });
    expect(capped.items).toHaveLength(1);
    expect(faceOf(capped.items[0] as BoxAnnotation)).toBeGreaterThanOrEqual(0);
  });

  it('reads frames of odd and extreme sizes (one pixel, odd sides, 4096x2160)', async () => {
    const frames = new Subject<Frame>();
    const results: FrameAnnotations[] = [];
    let resultCame: () => void = () => undefined;
    const sub = frames.pipe(detectFaces()).subscribe((r) => {
      results.push(r);
      resultCame();
    });
    const sizes: Array<[number, number]> = [
      [321, 241],
      [1, 1],
      [17, 1000],
      [4096, 2160],
    ];
    for (const [w, h] of sizes) {
      const came = new Promise<void>((resolve) => (resultCame = resolve));
      frames.next(createI420Frame(w, h, w)); // one at a time: none is skipped
      await came;
    }
    sub.unsubscribe();
    expect(results).toEqual(sizes.map(([w, h]) => ({ timestamp: w, width: w, height: h, items: [] })));
  });

  it('gives boxes in the pixels of the frame it was given, whatever its size', async () => {
    // The same photo at 320x240: the boxes must be half as far from the origin as at 640x480.
    const canvas = new Canvas(W / 2, H / 2);
    const image = await loadImage(faceSamplePhoto());
    canvas.getContext('2d').drawImage(image, 0, 0, W / 2, H / 2);
    const rgba = new Uint8Array(canvas.getContext('2d').getImageData(0, 0, W / 2, H / 2).data.buffer);
    const small = frameFromRGBA(W / 2, H / 2, rgba, 1);
    const result = await firstValueFrom(of(small).pipe(detectFaces({ inputSize: 320 })));
    expect(result).toMatchObject({ width: W / 2, height: H / 2 });
    expect(result.items.length).toBeGreaterThanOrEqual(1);
    for (const box of result.items as BoxAnnotation[]) {
      const doubled = { ...box, x: box.x * 2, y: box.y * 2, width: box.width * 2, height: box.height * 2 };
      expect(faceOf(doubled)).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('latest-first', () => {
  it('skips frames that arrive during a detection but the newest, whose result comes last', async () => {
    const frames = new Subject<Frame>();
    const results = lastValueFrom(frames.pipe(detectFaces(), toArray()));
    for (let i = 0; i < 10; i++) frames.next(photoAt(i)); // all before the first detection ends
    frames.complete();
    const out: FrameAnnotations[] = await results;
    // The first frame starts at once; 1..8 are replaced by the next while it runs; 9 runs after.
    expect(out.map((a) => a.timestamp)).toEqual([0, 9]);
    expect(out[1].items.length).toBeGreaterThanOrEqual(2);
  });

  it('copies each frame as it arrives: a frame changed afterwards, even while it waits, keeps its picture', async () => {
    const frames = new Subject<Frame>();
    const results = lastValueFrom(frames.pipe(detectFaces(), toArray()));
    const running = photoAt(0);
    const waiting = photoAt(1);
    frames.next(running); // starts at once
    frames.next(waiting); // waits for the first detection
    running.data.fill(16); // what a source reusing its frame objects would do: both go blank
    waiting.data.fill(16);
    frames.complete();
    const out = await results;
    expect(out.map((a) => a.timestamp)).toEqual([0, 1]);
    for (const a of out) expect(a.items.length).toBeGreaterThanOrEqual(2);
  });
});

describe('errors', () => {
  it('a weights folder that does not exist: a clear error, even before any frame', async () => {
    const missing = path.join(tmp, 'no-such-folder');
    const never = new Subject<Frame>();
    await expect(firstValueFrom(never.pipe(detectFaces({ modelDir: missing })))).rejects.toThrow(
      /^detectFaces: could not load the face detector's weights: cannot read .*no-such-folder.*ENOENT/,
    );
  });

  it('a folder that just failed fails again at the next frame without starting another thread', async () => {
    const missing = path.join(tmp, 'still-missing');
    const error = /^detectFaces: could not load the face detector's weights: cannot read .*still-missing/;
    await expect(firstValueFrom(of(photo).pipe(detectFaces({ modelDir: missing })))).rejects.toThrow(error);
    await faceWorkersExited();
    const frames = new Subject<Frame>();
    const again = firstValueFrom(frames.pipe(detectFaces({ modelDir: missing })));
    expect(liveFaceWorkers()).toBe(0); // a subscriber retrying at once costs no thread
    frames.next(photo);
    await expect(again).rejects.toThrow(error);
  });

  it('weights cut short, not a manifest, or of another network: a clear error naming the problem', async () => {
    const manifest = 'tiny_face_detector_model-weights_manifest.json';
    const bin = 'tiny_face_detector_model.bin';
    const short = path.join(tmp, 'short');
    const garbled = path.join(tmp, 'garbled');
    const renamed = path.join(tmp, 'renamed');
    for (const dir of [short, garbled, renamed]) {
      mkdirSync(dir);
      copyFileSync(path.join(faceApiDir, 'model', manifest), path.join(dir, manifest));
      copyFileSync(path.join(faceApiDir, 'model', bin), path.join(dir, bin));
    }
    writeFileSync(path.join(short, bin), Buffer.alloc(1000));
    writeFileSync(path.join(garbled, manifest), '{"weights": "nope"}');
    // the same bytes, described under names the network does not have
    const text = readFileSync(path.join(renamed, manifest), 'utf8');
    writeFileSync(path.join(renamed, manifest), text.replaceAll('"conv', '"layer'));
    await expect(firstValueFrom(of(photo).pipe(detectFaces({ modelDir: renamed })))).rejects.toThrow(
      /the weights in .*renamed do not fit the TinyFaceDetector/,
    );
    await expect(firstValueFrom(of(photo).pipe(detectFaces({ modelDir: short })))).rejects.toThrow(
      /tiny_face_detector_model\.bin in .*short hold 1000 bytes; the manifest describes \d+/,
    );
    await expect(firstValueFrom(of(photo).pipe(detectFaces({ modelDir: garbled })))).rejects.toThrow(
      /garbled.* is not a weights manifest/,
    );
  });

  it('a worker that dies: a clear error on the observable', async () => {
    // A copy of the weights: the failure is remembered per folder for a few seconds, which must
    // not touch the other tests' (default) folder.
    const copy = path.join(tmp, 'copy');
    mkdirSync(copy);
    for (const f of ['tiny_face_detector_model-weights_manifest.json', 'tiny_face_detector_model.bin']) {
      copyFileSync(path.join(faceApiDir, 'model', f), path.join(copy, f));
    }
    // The thread is ended from outside as the first frame is posted to it: what a crash looks like.
    const post = jest.spyOn(Worker.prototype, 'postMessage').mockImplementationOnce(function (this: Worker) {
      void this.terminate();
    });
    try {
      const frames = new Subject<Frame>();
      const result = firstValueFrom(frames.pipe(detectFaces({ modelDir: copy })));
      frames.next(photo);
      await expect(result).rejects.toThrow(/^detectFaces: the face detector's worker exited unexpectedly \(code \d+\)/);
    } finally {
      post.mockRestore();
    }
    await faceWorkersExited();
  });

  it('an input that is not a frame: a TypeError on the observable', async () => {
    const notFrames = of({
      width: 640,
      height: 480,
      timestamp: 0,
      data: new Uint8Array(10),
    }) as unknown as Observable<Frame>;
    await expect(firstValueFrom(notFrames.pipe(detectFaces()))).rejects.toThrow(
      new TypeError(`detectFaces expects video Frames (I420): its data is not ${i420Size(640, 480)} bytes of I420`),
    );
    await expect(firstValueFrom((of('frame') as unknown as Observable<Frame>).pipe(detectFaces()))).rejects.toThrow(
      /expects video Frames \(I420\): got "frame"/,
    );
  });

  it('bad options throw at once, saying what is expected', () => {
    expect(() => faceSamplePhoto(7)).toThrow(/faceSamplePhoto takes 1 to 6, got 7/);
    expect(() => detectFaces({ inputSize: 100 })).toThrow(
      /inputSize must be a multiple of 32 from 64 to 1024, got 100/,
    );
    expect(() => detectFaces({ scoreThreshold: 1.5 })).toThrow(/scoreThreshold must be a number between 0 and 1/);
    expect(() => detectFaces({ maxFaces: 0 })).toThrow(/maxFaces must be a whole number from 1 to 100/);
    expect(() => detectFaces({ inputsize: 320 } as never)).toThrow(/unknown option inputsize/);
    expect(() => detectFaces({ modelDir: '' })).toThrow(/modelDir must be a folder path/);
    expect(liveFaceWorkers()).toBe(0); // nothing started
  });
});

describe('the worker thread', () => {
  it('is shared by subscribers and ends when the last one unsubscribes', async () => {
    const frames = new Subject<Frame>();
    const results: FrameAnnotations[] = [];
    const a = frames.pipe(detectFaces()).subscribe((r) => results.push(r));
    const firstOfB = firstValueFrom(frames.pipe(detectFaces({ inputSize: 320 })));
    expect(liveFaceWorkers()).toBe(1);
    frames.next(photoAt(1));
    await firstOfB; // b unsubscribed: a still holds the worker
    expect(liveFaceWorkers()).toBe(1);
    const nextOfA = firstValueFrom(frames.pipe(detectFaces()));
    frames.next(photoAt(2));
    await nextOfA;
    a.unsubscribe();
    await faceWorkersExited();
    expect(liveFaceWorkers()).toBe(0);
    expect(results.map((r) => r.timestamp)).toEqual([1, 2]);
  });

  it('is kept, model loaded, when a subscription is replaced by another in the same turn', async () => {
    const frames = new Subject<Frame>();
    const started = faceWorkersStarted();
    const first = frames.pipe(detectFaces()).subscribe();
    first.unsubscribe(); // as annotate() swaps its function: the old one goes, the new one comes
    const next = firstValueFrom(frames.pipe(detectFaces()));
    frames.next(photoAt(5));
    expect((await next).timestamp).toBe(5);
    expect(faceWorkersStarted()).toBe(started + 1);
  });
});

describe('worker message checks', () => {
  const detect = {
    t: 'detect',
    id: 1,
    width: 64,
    height: 48,
    buffer: new ArrayBuffer(i420Size(64, 48)),
    inputSize: 416,
    scoreThreshold: 0.5,
    maxFaces: 2,
  };
  const pendingMax = (id: number) => (id === 1 ? 2 : undefined);
  const faces = (boxes: Float32Array, id = 1) => ({ t: 'faces', id, boxes, buffer: new ArrayBuffer(8) });

  it('accepts what the two sides send', () => {
    expect(toFaceWorkerProblem(detect)).toBeNull();
    expect(fromFaceWorkerProblem({ t: 'ready' }, pendingMax)).toBeNull();
    expect(fromFaceWorkerProblem(faces(new Float32Array(10)), pendingMax)).toBeNull();
    expect(fromFaceWorkerProblem({ t: 'failed', id: 1, message: 'x' }, pendingMax)).toBeNull();
  });

  it('refuses what does not fit', () => {
    expect(toFaceWorkerProblem({ ...detect, buffer: new ArrayBuffer(10) })).toMatch(/not an ArrayBuffer of 4608 bytes/);
    expect(toFaceWorkerProblem({ ...detect, width: 100000 })).toMatch(/has a side over/);
    expect(toFaceWorkerProblem({ ...detect, maxFaces: MAX_FACES + 1 })).toMatch(/maxFaces/);
    expect(toFaceWorkerProblem({ ...detect, id: -1 })).toMatch(/id/);
    expect(toFaceWorkerProblem({ t: 'stop' })).toMatch(/unknown message type stop/);
    expect(fromFaceWorkerProblem(faces(new Float32Array(15)), pendingMax)).toMatch(/at most 2 faces/);
    expect(fromFaceWorkerProblem(faces(new Float32Array(7)), pendingMax)).toMatch(/holds 7 numbers/);
    expect(fromFaceWorkerProblem(faces(new Float32Array([1, 2, NaN, 4, 5])), pendingMax)).toMatch(/non-finite/);
    expect(fromFaceWorkerProblem(faces(new Float32Array(5), 9), pendingMax)).toMatch(/unknown detection 9/);
    expect(fromFaceWorkerProblem({ t: 'faces', id: 1, boxes: [1, 2, 3, 4, 5] }, pendingMax)).toMatch(/Float32Array/);
    expect(fromFaceWorkerProblem({ t: 'fatal', message: 'x'.repeat(5000) }, pendingMax)).toMatch(/bad error/);
    expect(fromFaceWorkerProblem(null, pendingMax)).toMatch(/not an object/);
  });
});
