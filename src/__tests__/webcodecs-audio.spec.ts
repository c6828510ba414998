/**
 * The kernel transport's WebCodecs audio (webcodecs-audio.ts) with fake WebCodecs and breakout-box
 * classes: a codec that throws is closed before it is dropped (never left to the garbage collector
 * holding a real codec), and an error repeated packet after packet is said once in a row.
 */
import { WebCodecsKernelAudio } from '../streamer/webcodecs-audio';

/** How the fake codecs fail: set per test. */
const fail = { configure: false, encode: false, decode: false };

class FakeCodec {
  state: 'unconfigured' | 'configured' | 'closed' = 'unconfigured';
  readonly encodeQueueSize = 0;
  readonly decodeQueueSize = 0;
  constructor(readonly made: FakeCodec[]) {
    made.push(this);
  }
  configure(): void {
    if (fail.configure) {
      throw new Error('unsupported configuration');
    }
    this.state = 'configured';
  }
  close(): void {
    if (this.state === 'closed') {
      throw new Error('closed twice');
    }
    this.state = 'closed';
  }
}

const encoders: FakeCodec[] = [];
const decoders: FakeCodec[] = [];

class FakeAudioEncoder extends FakeCodec {
  /** flush() calls, and the state the encoder was in at each. */
  flushedIn: string[] = [];
  constructor() {
    super(encoders);
  }
  flush(): Promise<void> {
    this.flushedIn.push(this.state);
    return Promise.resolve();
  }
  encode(): void {
    if (fail.encode) {
      throw new Error('encode failed');
    }
  }
}

class FakeAudioDecoder extends FakeCodec {
  constructor() {
    super(decoders);
  }
  decode(): void {
    if (fail.decode) {
      throw new Error('decode failed');
    }
  }
}

/**
 * A microphone giving `buffers` AudioData (10 ms each, captured at `timestampsUs` when given), then
 * ending; `read` resolves when all were taken.
 */
function fakeProcessor(buffers: number, timestampsUs: number[] = []) {
  let left = buffers;
  let drained: () => void = () => undefined;
  const read = new Promise<void>((resolve) => (drained = resolve));
  const closedData: number[] = [];
  const Processor = class {
    readonly readable = {
      getReader: () => ({
        read: async () => {
          if (left === 0) {
            drained();
            return { done: true, value: undefined };
          }
          const n = left--;
          const timing = { timestamp: timestampsUs[buffers - n], duration: 10_000 };
          return {
            done: false,
            value: { sampleRate: 48000, numberOfChannels: 1, ...timing, close: () => closedData.push(n) },
          };
        },
        cancel: async () => undefined,
      }),
    };
  };
  return { Processor, read, closedData };
}

const Generator = class {
  readonly writable = { getWriter: () => ({ write: async () => undefined, close: async () => undefined }) };
  stop(): void {}
};

const globals = globalThis as Record<string, unknown>;
const names = [
  'AudioEncoder',
  'AudioDecoder',
  'EncodedAudioChunk',
  'MediaStreamTrackProcessor',
  'MediaStreamTrackGenerator',
] as const;

function install(Processor: unknown): void {
  Object.assign(globals, {
    AudioEncoder: FakeAudioEncoder,
    AudioDecoder: FakeAudioDecoder,
    EncodedAudioChunk: class {},
    MediaStreamTrackProcessor: Processor,
    MediaStreamTrackGenerator: Generator,
  });
}

afterEach(() => {
  for (const name of names) {
    delete globals[name];
  }
  fail.configure = fail.encode = fail.decode = false;
  encoders.length = decoders.length = 0;
});

describe('WebCodecsKernelAudio', () => {
  it('closes an encoder whose encode() threw before making the next, saying the error once in a row', async () => {
    const { Processor, read, closedData } = fakeProcessor(3);
    install(Processor);
    const errors: string[] = [];
    const codecs = new WebCodecsKernelAudio((e) => errors.push(e));
    fail.encode = true;
    codecs.encodeMicrophone({} as MediaStreamTrack, () => undefined);
    await read;
    expect(closedData).toHaveLength(3); // every buffer closed too
    expect(encoders).toHaveLength(3);
    expect(encoders.map((e) => e.state)).toEqual(['closed', 'closed', 'closed']);
    expect(errors).toEqual(['could not encode the microphone: encode failed']);
    codecs.close();
  });

  it('starts a new encoder when buffers were missed, so its packet times stay the capture times', async () => {
    // Chrome's encoder counts samples from its first buffer: 4 contiguous buffers, then 60 ms missed
    // (a microphone switch, buffers dropped), then 10 ms of capture jitter, which is no gap
    const { Processor, read } = fakeProcessor(7, [0, 10_000, 20_000, 30_000, 100_000, 110_000, 130_000]);
    install(Processor);
    const errors: string[] = [];
    const codecs = new WebCodecsKernelAudio((e) => errors.push(e));
    codecs.encodeMicrophone({} as MediaStreamTrack, () => undefined);
    await read;
    await Promise.resolve(); // the flush settles
    expect(encoders.map((e) => e.state)).toEqual(['closed', 'configured']);
    // the replaced one was flushed before it was closed: what it held still went out
    expect((encoders[0] as FakeAudioEncoder).flushedIn).toEqual(['configured']);
    expect(errors).toEqual([]);
    codecs.close();
  });

  it('closes an encoder whose configure() threw', async () => {
    const { Processor, read } = fakeProcessor(2);
    install(Processor);
    const errors: string[] = [];
    const codecs = new WebCodecsKernelAudio((e) => errors.push(e));
    fail.configure = true;
    codecs.encodeMicrophone({} as MediaStreamTrack, () => undefined);
    await read;
    expect(encoders).toHaveLength(2);
    expect(encoders.map((e) => e.state)).toEqual(['closed', 'closed']);
    expect(errors).toEqual(['could not encode the microphone: unsupported configuration']);
    codecs.close();
  });

  it('closes a decoder whose decode() or configure() threw, saying each error once in a row', () => {
    install(fakeProcessor(0).Processor);
    const errors: string[] = [];
    const codecs = new WebCodecsKernelAudio((e) => errors.push(e));
    fail.decode = true;
    expect(codecs.decode(new Uint8Array(4), 0)).toBe(false);
    expect(codecs.decode(new Uint8Array(4), 20)).toBe(false);
    expect(decoders.map((d) => d.state)).toEqual(['closed', 'closed']);
    fail.decode = false;
    fail.configure = true;
    expect(codecs.decode(new Uint8Array(4), 40)).toBe(false);
    expect(decoders.map((d) => d.state)).toEqual(['closed', 'closed', 'closed']);
    fail.configure = false;
    expect(codecs.decode(new Uint8Array(4), 60)).toBe(true);
    expect(errors).toEqual([
      "could not decode the kernel's audio: decode failed",
      "could not decode the kernel's audio: unsupported configuration",
    ]);
    codecs.close();
    expect(decoders.map((d) => d.state)).toEqual(['closed', 'closed', 'closed', 'closed']);
  });
});
