/**
 * The page's end of the kernel transport's codec worker (worker-codecs.ts) against a fake Worker:
 * the tracks' streams are transferred, the link's credit reaches the worker (with the chunks the
 * link has seen, so the worker never encodes a frame that would be dropped), chunks and decode
 * errors come back to the link.
 */
import type { FromCodecWorker, ToCodecWorker } from '../streamer/codec-worker-protocol';
import type { IEncodedChunkLike } from '../streamer/kernel-transport';
import { MAX_MEDIA_IN_FLIGHT } from '../streamer/protocol';

class FakeWorker {
  static last: FakeWorker | null = null;
  onmessage: ((event: { data: FromCodecWorker }) => void) | null = null;
  onerror: ((event: { message?: string }) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  terminated = 0;
  readonly posted: { message: ToCodecWorker; transfer: unknown[] }[] = [];
  /** Posting a message throws this (a browser that cannot transfer streams). */
  static postThrows: Error | null = null;
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(message: ToCodecWorker, transfer: unknown[] = []): void {
    if (FakeWorker.postThrows) {
      throw FakeWorker.postThrows;
    }
    this.posted.push({ message, transfer });
  }
  terminate(): void {
    this.terminated++;
  }
  reply(data: FromCodecWorker): void {
    this.onmessage!({ data });
  }
  types(): string[] {
    return this.posted.map((p) => p.message.type);
  }
}

jest.mock('../streamer/start-codec-worker', () => ({ startCodecWorker: () => new FakeWorker() }));

import { WorkerKernelCodecs } from '../streamer/worker-codecs';

const g = globalThis as Record<string, unknown>;
const cameraReadable = { kind: 'camera frames' };
const outputWritable = { kind: 'output frames' };
let trackStopped = 0;

beforeEach(() => {
  trackStopped = 0;
  g.MediaStreamTrackProcessor = class {
    readonly readable = cameraReadable;
  };
  g.MediaStreamTrackGenerator = class {
    readonly writable = outputWritable;
    stop(): void {
      trackStopped++;
    }
  };
  g.MediaStream = class {
    constructor(readonly tracks: unknown[]) {}
  };
});
afterEach(() => {
  delete g.MediaStreamTrackProcessor;
  delete g.MediaStreamTrackGenerator;
  delete g.MediaStream;
});

function setup(inFlight: { n: number }, bitrate: { bps: number | null } = { bps: 500_000 }) {
  const errors: string[] = [];
  const fatal: string[] = [];
  const codecs = new WorkerKernelCodecs(
    () => bitrate.bps,
    (m) => errors.push(m),
    (m) => fatal.push(m),
  );
  const worker = FakeWorker.last!;
  const chunks: { type: string; bytes: number[] }[] = [];
  codecs.encodeCamera(
    {} as MediaStreamTrack,
    (c: IEncodedChunkLike) => {
      const bytes = new Uint8Array(c.byteLength);
      c.copyTo(bytes);
      chunks.push({ type: c.type, bytes: [...bytes] });
      inFlight.n++;
    },
    (encoding) => inFlight.n + encoding < MAX_MEDIA_IN_FLIGHT,
  );
  return { codecs, worker, chunks, errors, fatal };
}

describe('WorkerKernelCodecs', () => {
  it("transfers the output track's writable and the camera's readable to the worker", () => {
    const { worker } = setup({ n: 0 });
    expect(worker.posted[0]).toEqual({
      message: { type: 'output', frames: outputWritable },
      transfer: [outputWritable],
    });
    const camera = worker.posted.find((p) => p.message.type === 'camera')!;
    expect(camera).toEqual({
      message: { type: 'camera', frames: cameraReadable, bitrate: 500_000 },
      transfer: [cameraReadable],
    });
  });

  it('tells the worker the credit, with the chunks the link has seen, whenever it changes', () => {
    const inFlight = { n: 1 };
    const { codecs, worker, chunks } = setup(inFlight);
    const credits = () => worker.posted.filter((p) => p.message.type === 'credit').map((p) => p.message);
    expect(credits()).toEqual([{ type: 'credit', free: MAX_MEDIA_IN_FLIGHT - 1, seen: 0, bitrate: 500_000 }]);

    worker.reply({ type: 'chunk', data: new Uint8Array([1, 2]).buffer, key: true, timestamp: 33_000 });
    expect(chunks).toEqual([{ type: 'key', bytes: [1, 2] }]);
    expect(credits().at(-1)).toEqual({ type: 'credit', free: MAX_MEDIA_IN_FLIGHT - 2, seen: 1, bitrate: 500_000 });

    const before = credits().length;
    codecs.creditChanged(); // nothing changed: nothing posted
    expect(credits()).toHaveLength(before);
    inFlight.n = 0; // acked
    codecs.creditChanged();
    expect(credits().at(-1)).toEqual({ type: 'credit', free: MAX_MEDIA_IN_FLIGHT, seen: 1, bitrate: 500_000 });
  });

  it('tells the worker a new bitrate when the quality changes, with the credit unchanged', () => {
    const bitrate = { bps: 500_000 as number | null };
    const { codecs, worker } = setup({ n: 0 }, bitrate);
    const credits = () => worker.posted.filter((p) => p.message.type === 'credit').map((p) => p.message);
    const before = credits().length;
    bitrate.bps = 1_500_000;
    codecs.creditChanged();
    expect(credits()).toHaveLength(before + 1);
    expect(credits().at(-1)).toEqual({ type: 'credit', free: MAX_MEDIA_IN_FLIGHT, seen: 0, bitrate: 1_500_000 });
    bitrate.bps = null;
    codecs.creditChanged();
    expect(credits().at(-1)).toMatchObject({ bitrate: null });
  });

  it('posts a copy of each kernel frame, shows the output track, and passes decode errors on', () => {
    const { codecs, worker } = setup({ n: 0 });
    expect(codecs.output).toBeNull();
    const message = new Uint8Array([9, 8, 7, 6]);
    expect(codecs.decode(message.subarray(1, 3), false, 66)).toBe(true);
    const decode = worker.posted.at(-1)!;
    expect(decode.message).toMatchObject({ type: 'decode', key: false, timestampMs: 66 });
    const data = (decode.message as { data: ArrayBuffer }).data;
    expect([...new Uint8Array(data)]).toEqual([8, 7]);
    expect(decode.transfer).toEqual([data]);
    expect(message.buffer).not.toBe(data); // the comm's buffer is left alone
    expect(codecs.output).not.toBeNull();

    let decodeErrors = 0;
    codecs.onDecodeError = () => decodeErrors++;
    worker.reply({ type: 'decode_error' });
    expect(decodeErrors).toBe(1);
  });

  it('closes the worker and the output track once, then ignores the worker', () => {
    const { codecs, worker, chunks, errors, fatal } = setup({ n: 0 });
    codecs.close();
    codecs.close();
    expect(worker.types().filter((t) => t === 'close')).toHaveLength(1);
    expect(worker.types().at(-1)).toBe('close'); // posted before terminate()
    expect(worker.terminated).toBe(1);
    worker.onerror!({ message: 'late' });
    expect(fatal).toEqual([]);
    expect(trackStopped).toBe(1);
    expect(codecs.decode(new Uint8Array([1]), true, 0)).toBe(false);
    worker.reply({ type: 'chunk', data: new ArrayBuffer(1), key: true, timestamp: 0 });
    worker.reply({ type: 'error', message: 'late' });
    expect(chunks).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a worker whose script did not load ends the session once, and is terminated', () => {
    const { worker, fatal, errors, chunks } = setup({ n: 0 });
    worker.onerror!({}); // Chrome's ErrorEvent for a script that failed to load has no message
    worker.onerror!({ message: 'again' });
    expect(fatal).toEqual(['its script did not load']);
    expect(errors).toEqual([]);
    expect(worker.terminated).toBe(1);
    expect(trackStopped).toBe(1);
    worker.reply({ type: 'chunk', data: new ArrayBuffer(1), key: true, timestamp: 0 });
    expect(chunks).toEqual([]);
  });

  it('a crash or an unreadable message ends the session with its reason', () => {
    const crashed = setup({ n: 0 });
    crashed.worker.onerror!({ message: 'Uncaught RangeError: boom' });
    expect(crashed.fatal).toEqual(['Uncaught RangeError: boom']);
    const garbled = setup({ n: 0 });
    garbled.worker.onmessageerror!();
    expect(garbled.fatal).toEqual(['a message from it could not be read']);
    expect(garbled.worker.terminated).toBe(1);
  });

  it('throws (so the page runs the codecs) and ends the worker when it cannot take the output track', () => {
    FakeWorker.postThrows = new Error('DataCloneError: WritableStream could not be cloned');
    try {
      expect(
        () =>
          new WorkerKernelCodecs(
            () => null,
            () => undefined,
            () => undefined,
          ),
      ).toThrow('DataCloneError');
    } finally {
      FakeWorker.postThrows = null;
    }
    expect(FakeWorker.last!.terminated).toBe(1);
    expect(trackStopped).toBe(1);
  });
});
