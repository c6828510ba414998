/**
 * Switching cameras while the kernel transport carries the stream: there is no RTCRtpSender to
 * replaceTrack on, so the signalling client re-points the encoder at the new camera, and the
 * WebCodecs encoder (webcodecs.ts) lets the old camera's reader go and starts the new camera with a
 * keyframe. Fakes stand in for the camera, the breakout-box reader and VideoEncoder.
 */
import { DEFAULT_QUALITY } from '../settings';
import { IEncodedChunkLike, IKernelCodecs } from '../streamer/kernel-transport';
import { FrontendMessage } from '../streamer/protocol';
import { SignallingClient } from '../streamer/signalling';
import { ENCODE_STALL_MS, WebCodecsKernelCodecs } from '../streamer/webcodecs';
import { FakeMediaDevices, FakePeerConnection, flush, VIDEO_CAPABILITIES } from './fakes';

/** Codecs that only record which camera tracks they were told to encode. */
class TrackRecordingCodecs implements IKernelCodecs {
  onDecodeError: (() => void) | null = null;
  readonly output = null;
  readonly tracks: MediaStreamTrack[] = [];
  encodeCamera(track: MediaStreamTrack): void {
    this.tracks.push(track);
  }
  forceKeyframe(): void {}
  decode(): boolean {
    return true;
  }
  close(): void {}
}

describe('switching cameras on the kernel transport', () => {
  it('re-points the encoder at the new camera and releases the old one; no peer connection involved', async () => {
    FakePeerConnection.instances = [];
    const sent: FrontendMessage[] = [];
    const codecs = new TrackRecordingCodecs();
    const devices = new FakeMediaDevices();
    const client = new SignallingClient({
      send: (m) => sent.push(m),
      sendMedia: () => undefined,
      getUserMedia: (c) => devices.getUserMedia(c),
      createPeerConnection: (config) => new FakePeerConnection(config),
      getCodecCapabilities: () => VIDEO_CAPABILITIES,
      createKernelCodecs: () => codecs,
      kernelTransportUnsupported: () => null,
    });
    const locals: (MediaStream | null)[] = [];
    const notices: string[] = [];
    client.localStreamChanged.connect((_, s) => locals.push(s));
    client.notice.connect((_, n) => notices.push(n));
    await client.start({
      constraints: { video: true },
      iceServers: [],
      codec: 'VP8',
      quality: DEFAULT_QUALITY,
      transport: 'kernel',
    });
    await client.handleMessage({ type: 'kernel_transport_ready' });
    const [first] = devices.streams;
    expect(codecs.tracks).toEqual([first.tracks[0]]);

    await client.switchCamera({ video: { deviceId: { exact: 'back' } } });
    const second = devices.streams[1];
    expect(codecs.tracks).toEqual([first.tracks[0], second.tracks[0]]);
    expect(first.tracks[0].readyState).toBe('ended');
    expect(second.tracks[0].readyState).toBe('live');
    expect(locals.slice(-1)[0]).toBe(second);
    expect(notices).toEqual([]);
    expect(client.state).toBe('playing');
    expect(FakePeerConnection.instances).toHaveLength(0);
    expect(sent.map((m) => m.type)).toEqual(['use_kernel_transport']); // nothing renegotiated
    client.stop();
  });
});

/** A breakout-box reader: frames are handed out as the test pushes them. */
class FakeReader {
  cancelled = false;
  private waiting: ((r: { done: boolean; value?: unknown }) => void) | null = null;
  read(): Promise<{ done: boolean; value?: unknown }> {
    return new Promise((resolve) => (this.cancelled ? resolve({ done: true }) : (this.waiting = resolve)));
  }
  push(frame: unknown): void {
    const w = this.waiting;
    this.waiting = null;
    w?.({ done: false, value: frame });
  }
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.waiting?.({ done: true });
    this.waiting = null;
  }
}

class FakeEncoder {
  static instances: FakeEncoder[] = [];
  state = 'unconfigured';
  encodeQueueSize = 0;
  readonly encoded: boolean[] = [];
  constructor(readonly init: { output: (c: IEncodedChunkLike) => void }) {
    FakeEncoder.instances.push(this);
  }
  configure(config: unknown): void {
    this.configured.push(config);
    this.state = 'configured';
  }
  /** Outputs each chunk at once, or (held) when the test calls release(). */
  static hold = false;
  private readonly held: (() => void)[] = [];
  /** Frames the encoder drops without output, as Chrome's realtime VP8 may. */
  static drop = 0;
  readonly configured: unknown[] = [];
  encode(frame: { timestamp?: number }, options: { keyFrame: boolean }): void {
    this.encoded.push(options.keyFrame);
    const timestamp = frame.timestamp ?? 0;
    const out = () =>
      this.init.output({ type: options.keyFrame ? 'key' : 'delta', timestamp, byteLength: 1, copyTo: () => {} });
    if (FakeEncoder.drop > 0) {
      FakeEncoder.drop--;
    } else if (FakeEncoder.hold) {
      this.held.push(out);
    } else {
      out();
    }
  }
  release(): void {
    this.held.splice(0).forEach((out) => out());
  }
  close(): void {
    this.state = 'closed';
  }
}

describe('WebCodecsKernelCodecs.encodeCamera called again (a switched camera)', () => {
  const g = globalThis as Record<string, unknown>;
  const readers = new Map<unknown, FakeReader>();
  beforeEach(() => {
    FakeEncoder.instances = [];
    FakeEncoder.hold = false;
    FakeEncoder.drop = 0;
    g.VideoEncoder = FakeEncoder;
    g.MediaStreamTrackProcessor = class {
      readonly readable: { getReader(): FakeReader };
      constructor({ track }: { track: unknown }) {
        const reader = new FakeReader();
        readers.set(track, reader);
        this.readable = { getReader: () => reader };
      }
    };
  });
  afterEach(() => {
    delete g.VideoEncoder;
    delete g.MediaStreamTrackProcessor;
    readers.clear();
  });

  it("lets the old camera's reader go and encodes the new camera's first frame as a keyframe", async () => {
    const codecs = new WebCodecsKernelCodecs(
      () => null,
      (message) => {
        throw new Error(message);
      },
    );
    const chunks: string[] = [];
    const frame = (label: string) => ({ displayWidth: 640, displayHeight: 480, label, close: () => undefined });
    const oldTrack = { id: 'old' } as unknown as MediaStreamTrack;
    const newTrack = { id: 'new' } as unknown as MediaStreamTrack;
    codecs.encodeCamera(
      oldTrack,
      (c) => chunks.push(c.type),
      () => true,
    );
    const oldReader = readers.get(oldTrack)!;
    oldReader.push(frame('old 1'));
    await flush();
    oldReader.push(frame('old 2'));
    await flush();
    expect(chunks).toEqual(['key', 'delta']);

    codecs.encodeCamera(
      newTrack,
      (c) => chunks.push(c.type),
      () => true,
    );
    expect(oldReader.cancelled).toBe(true);
    readers.get(newTrack)!.push(frame('new 1'));
    await flush();
    readers.get(newTrack)!.push(frame('new 2'));
    await flush();
    expect(chunks).toEqual(['key', 'delta', 'key', 'delta']);
    expect(FakeEncoder.instances).toHaveLength(1); // same size: the encoder is kept, only a keyframe asked
    codecs.close();
  });

  it('gives the encoder one frame at a time: frames that come while it encodes are skipped, not queued', async () => {
    FakeEncoder.hold = true;
    const codecs = new WebCodecsKernelCodecs(
      () => null,
      (message) => {
        throw new Error(message);
      },
    );
    const chunks: string[] = [];
    const track = { id: 'cam' } as unknown as MediaStreamTrack;
    codecs.encodeCamera(
      track,
      (c) => chunks.push(c.type),
      () => true,
    );
    const reader = readers.get(track)!;
    const frame = () => ({ displayWidth: 640, displayHeight: 480, close: () => undefined });
    reader.push(frame());
    await flush();
    reader.push(frame()); // the first is still encoding: skipped (WebCodecs would queue it inside)
    await flush();
    const encoder = FakeEncoder.instances[0];
    expect(encoder.encoded).toEqual([true]);
    encoder.release();
    reader.push(frame());
    await flush();
    encoder.release();
    expect(encoder.encoded).toEqual([true, false]);
    expect(chunks).toEqual(['key', 'delta']);
    codecs.close();
  });

  /** A camera frame of this size captured at `ms` (its timestamp in µs, as VideoFrame's). */
  const frameAt = (ms: number, width = 640) => ({
    displayWidth: width,
    displayHeight: 480,
    timestamp: ms * 1000,
    close: () => undefined,
  });

  function encodeWithClock(bitrate: () => number | null = () => null) {
    let clock = 0;
    jest.spyOn(performance, 'now').mockImplementation(() => clock);
    const codecs = new WebCodecsKernelCodecs(bitrate, (message) => {
      throw new Error(message);
    });
    const chunks: number[] = [];
    const track = { id: 'cam' } as unknown as MediaStreamTrack;
    codecs.encodeCamera(
      track,
      (c) => chunks.push(c.timestamp / 1000),
      () => true,
    );
    const reader = readers.get(track)!;
    /** The camera delivers a frame at `ms`. */
    const deliver = async (ms: number, width?: number) => {
      clock = ms;
      reader.push(frameAt(ms, width));
      await flush();
    };
    return { codecs, chunks, deliver };
  }
  afterEach(() => jest.restoreAllMocks());

  it('goes on encoding after the encoder dropped a frame without output (realtime mode)', async () => {
    const { codecs, chunks, deliver } = encodeWithClock();
    await deliver(0);
    FakeEncoder.drop = 1;
    await deliver(33); // dropped inside the encoder: no output ever
    await deliver(66); // still within the stall time: skipped, as a frame still encoding
    expect(FakeEncoder.instances[0].encoded).toHaveLength(2);
    await deliver(33 + ENCODE_STALL_MS + 1); // written off: this one is encoded
    await deliver(33 + ENCODE_STALL_MS + 34);
    expect(chunks).toEqual([0, 33 + ENCODE_STALL_MS + 1, 33 + ENCODE_STALL_MS + 34]);
    codecs.close();
  });

  it('reconfigures the encoder when the quality setting changes its bitrate', async () => {
    let bitrate: number | null = 300_000;
    const { codecs, deliver } = encodeWithClock(() => bitrate);
    await deliver(0);
    await deliver(33);
    const encoder = FakeEncoder.instances[0];
    expect(encoder.configured).toEqual([expect.objectContaining({ bitrate: 300_000 })]);
    bitrate = 1_000_000;
    await deliver(66);
    expect(FakeEncoder.instances).toHaveLength(1);
    expect(encoder.configured).toEqual([
      expect.objectContaining({ bitrate: 300_000 }),
      expect.objectContaining({ bitrate: 1_000_000, width: 640, height: 480, latencyMode: 'realtime' }),
    ]);
    expect(encoder.encoded).toEqual([true, false, false]);
    codecs.close();
  });
});
