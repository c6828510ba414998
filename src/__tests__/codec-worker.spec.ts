/**
 * The codec worker's script (codec-worker.ts) against a fake worker scope and fake codecs: the
 * credit it encodes against (the page's free count, less the chunks posted that the page had not
 * seen then, less the frames encoding), a switched camera, the bitrate the quality setting sends
 * with the credit, and close.
 */
import type { FromCodecWorker, ToCodecWorker } from '../streamer/codec-worker-protocol';
import type { IEncodedChunkLike } from '../streamer/kernel-transport';

/** WebCodecsKernelCodecs as the worker drives it: records what it was given. */
class FakeCodecs {
  static instances: FakeCodecs[] = [];
  onDecodeError: (() => void) | null = null;
  readonly cameras: unknown[] = [];
  onChunk: ((chunk: IEncodedChunkLike) => void) | null = null;
  admit: ((encoding: number) => boolean) | null = null;
  closed = 0;
  constructor(
    readonly bitrate: () => number | null,
    readonly onError: (message: string) => void,
    readonly output: unknown,
  ) {
    FakeCodecs.instances.push(this);
  }
  encodeFrames(frames: unknown, onChunk: (c: IEncodedChunkLike) => void, admit: (encoding: number) => boolean): void {
    this.cameras.push(frames);
    this.onChunk = onChunk;
    this.admit = admit;
  }
  forceKeyframe(): void {}
  decode(): boolean {
    return true;
  }
  close(): void {
    this.closed++;
  }
}
jest.mock('../streamer/webcodecs', () => ({ WebCodecsKernelCodecs: FakeCodecs }));

const scope = {
  onmessage: null as ((event: { data: ToCodecWorker }) => void) | null,
  posted: [] as { message: FromCodecWorker; transfer?: unknown[] }[],
  closed: 0,
  postMessage(message: FromCodecWorker, transfer?: unknown[]): void {
    this.posted.push({ message, transfer });
  },
  close(): void {
    this.closed++;
  },
};
const realSelf = Object.getOwnPropertyDescriptor(globalThis, 'self');

beforeEach(async () => {
  FakeCodecs.instances = [];
  scope.onmessage = null;
  scope.posted = [];
  scope.closed = 0;
  Object.defineProperty(globalThis, 'self', { value: scope, configurable: true, writable: true });
  // a fresh copy of the script per test: its state (credit, codecs) is module-level, as in a worker
  await jest.isolateModulesAsync(async () => {
    await import('../streamer/codec-worker');
  });
});
afterEach(() => {
  Object.defineProperty(globalThis, 'self', realSelf!);
});

const send = (data: ToCodecWorker) => scope.onmessage!({ data });
const chunk = (type: 'key' | 'delta', bytes: number[]): IEncodedChunkLike => ({
  type,
  timestamp: 33_000,
  byteLength: bytes.length,
  copyTo: (d) => d.set(bytes),
});
/** The largest `encoding` the worker would still encode at (-1: none). */
function admitsUpTo(codecs: FakeCodecs): number {
  let n = -1;
  while (n < 10 && codecs.admit!(n + 1)) n++;
  return n;
}

describe('the codec worker', () => {
  it('encodes against free − (posted − seen) − encoding', () => {
    const output = { kind: 'output' };
    send({ type: 'output', frames: output as unknown as WritableStream<VideoFrame> });
    send({ type: 'camera', frames: {} as ReadableStream<VideoFrame>, bitrate: null });
    const [codecs] = FakeCodecs.instances;
    expect(codecs.output).toBe(output);
    expect(admitsUpTo(codecs)).toBe(-1); // no credit told yet
    send({ type: 'credit', free: 3, seen: 0, bitrate: null });
    expect(admitsUpTo(codecs)).toBe(2); // 3 free: 0, 1 or 2 encoding leave room
    codecs.onChunk!(chunk('key', [1, 2, 3]));
    codecs.onChunk!(chunk('delta', [4]));
    expect(admitsUpTo(codecs)).toBe(0); // 2 posted the page has not seen
    send({ type: 'credit', free: 3, seen: 1, bitrate: null });
    expect(admitsUpTo(codecs)).toBe(1);
    send({ type: 'credit', free: 1, seen: 2, bitrate: null });
    expect(admitsUpTo(codecs)).toBe(0);

    const [first] = scope.posted;
    expect(first.message).toMatchObject({ type: 'chunk', key: true, timestamp: 33_000 });
    const data = (first.message as { data: ArrayBuffer }).data;
    expect([...new Uint8Array(data)]).toEqual([1, 2, 3]);
    expect(first.transfer).toEqual([data]);
  });

  it('encodes a switched camera with the same codecs, and takes the bitrate from camera and credit', () => {
    const cameraA = { id: 'a' } as unknown as ReadableStream<VideoFrame>;
    const cameraB = { id: 'b' } as unknown as ReadableStream<VideoFrame>;
    send({ type: 'camera', frames: cameraA, bitrate: 300_000 });
    const [codecs] = FakeCodecs.instances;
    expect(codecs.bitrate()).toBe(300_000);
    send({ type: 'credit', free: 2, seen: 0, bitrate: 900_000 }); // the quality changed
    expect(codecs.bitrate()).toBe(900_000);
    send({ type: 'camera', frames: cameraB, bitrate: 900_000 });
    expect(FakeCodecs.instances).toHaveLength(1);
    expect(codecs.cameras).toEqual([cameraA, cameraB]);
  });

  it('passes codec errors and decode errors to the page', () => {
    send({ type: 'camera', frames: {} as ReadableStream<VideoFrame>, bitrate: null });
    const [codecs] = FakeCodecs.instances;
    codecs.onError('the camera encoder failed: x');
    codecs.onDecodeError!();
    expect(scope.posted.map((p) => p.message)).toEqual([
      { type: 'error', message: 'the camera encoder failed: x' },
      { type: 'decode_error' },
    ]);
  });

  it('closes its codecs and itself on close', () => {
    send({ type: 'camera', frames: {} as ReadableStream<VideoFrame>, bitrate: null });
    send({ type: 'close' });
    expect(FakeCodecs.instances[0].closed).toBe(1);
    expect(scope.closed).toBe(1);
  });
});
