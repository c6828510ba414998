/**
 * The kernel transport's keepalive and audio, browser end: the audio window (audio-credit.ts), the
 * keepalive (media-keepalive.ts), the audio link (kernel-audio.ts) with fake codecs, the video link
 * routing audio to it (kernel-transport.ts), and the signalling client wiring them per mode, with
 * a notice and video only when the browser has no WebCodecs audio.
 */
import { DEFAULT_QUALITY } from '../settings';
import { AudioCredit } from '../streamer/audio-credit';
import { IEncodedAudioLike, IKernelAudioCodecs, KernelAudioLink } from '../streamer/kernel-audio';
import { IKernelCodecs, KernelTransportLink } from '../streamer/kernel-transport';
import { MediaKeepalive } from '../streamer/media-keepalive';
import { ACK_PIGGYBACK_MS } from '../streamer/pending-ack';
import {
  AUDIO_ACK_EVERY,
  IMediaHeader,
  MAX_AUDIO_IN_FLIGHT,
  MEDIA_HEADER_BYTES,
  MEDIA_KEEPALIVE_MS,
  parseMediaHeader,
  StreamMode,
  writeMediaHeader,
} from '../streamer/protocol';
import { SignallingClient } from '../streamer/signalling';
import { FakeMediaDevices, FakePeerConnection, FakeTrack, VIDEO_CAPABILITIES } from './fakes';

const headers = (buffers: Uint8Array[]) =>
  buffers.map((b) => {
    const parsed = parseMediaHeader(b);
    if (!parsed.ok) {
      throw new Error(parsed.reason);
    }
    return parsed.header;
  });

function message(kind: 'audio' | 'audio_ack' | 'keepalive', seq: number, bytes = 0, timestamp = 0): Uint8Array {
  const b = new Uint8Array(MEDIA_HEADER_BYTES + bytes);
  writeMediaHeader(b, kind, seq, false, timestamp);
  return b;
}

const packet = (timestampUs: number, bytes = 80): IEncodedAudioLike => ({
  timestamp: timestampUs,
  byteLength: bytes,
  copyTo: (d) => d.fill(0xfc),
});

class FakeAudioCodecs implements IKernelAudioCodecs {
  output: MediaStreamTrack | null = null;
  microphones: MediaStreamTrack[] = [];
  emit: ((p: IEncodedAudioLike) => void) | null = null;
  decoded: { bytes: number; timestampMs: number }[] = [];
  closed = false;
  encodeMicrophone(track: MediaStreamTrack, onPacket: (p: IEncodedAudioLike) => void): void {
    this.microphones.push(track);
    this.emit = onPacket;
  }
  decode(data: Uint8Array, timestampMs: number): boolean {
    this.decoded.push({ bytes: data.byteLength, timestampMs });
    this.output ??= Object.assign(new FakeTrack(), { kind: 'audio' }) as unknown as MediaStreamTrack;
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

describe('AudioCredit (browser)', () => {
  it('numbers packets, drops beyond the limit, and takes cumulative acks of packets in flight only', () => {
    const credit = new AudioCredit(2);
    expect([credit.offer(), credit.offer(), credit.offer()]).toEqual([0, 1, null]);
    expect(credit.ack(5)).toBe(false);
    expect(credit.ack(1)).toBe(true);
    expect([credit.offer(), credit.dropped]).toEqual([2, 1]);
  });
});

describe('MediaKeepalive', () => {
  afterEach(() => jest.useRealTimers());

  it('sends a keepalive only when nothing else went out for MEDIA_KEEPALIVE_MS', () => {
    jest.useFakeTimers();
    const sent: Uint8Array[] = [];
    const keepalive = new MediaKeepalive(
      (b) => sent.push(b),
      () => Date.now(),
    );
    jest.advanceTimersByTime(MEDIA_KEEPALIVE_MS - 1);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(MEDIA_KEEPALIVE_MS / 4);
    expect(headers(sent).map((h) => h.kind)).toEqual(['keepalive']);
    // something else going out postpones the next one
    for (let i = 0; i < 8; i++) {
      keepalive.send(message('audio_ack', i));
      jest.advanceTimersByTime(MEDIA_KEEPALIVE_MS / 2);
    }
    expect(keepalive.sent).toBe(1);
    jest.advanceTimersByTime(MEDIA_KEEPALIVE_MS);
    expect(keepalive.sent).toBe(2);
    keepalive.close();
    jest.advanceTimersByTime(10 * MEDIA_KEEPALIVE_MS);
    expect(keepalive.sent).toBe(2);
  });
});

function audioLinkSetup() {
  const sent: Uint8Array[] = [];
  const problems: string[] = [];
  const outputs: MediaStreamTrack[] = [];
  const codecs = new FakeAudioCodecs();
  const link = new KernelAudioLink({
    send: (b) => sent.push(b),
    codecs,
    onOutput: (t) => outputs.push(t),
    onProblem: (p) => problems.push(p),
  });
  return { sent, problems, outputs, codecs, link };
}

const received = (link: KernelAudioLink, b: Uint8Array) => {
  const parsed = parseMediaHeader(b);
  if (!parsed.ok) {
    throw new Error(parsed.reason);
  }
  link.receive(parsed.header, b);
};

describe('KernelAudioLink', () => {
  it('sends the microphone with consecutive sequence numbers, at most MAX_AUDIO_IN_FLIGHT unacked', () => {
    const { sent, codecs, link } = audioLinkSetup();
    link.start({ id: 'mic' } as MediaStreamTrack);
    for (let i = 0; i < MAX_AUDIO_IN_FLIGHT + 2; i++) {
      codecs.emit!(packet(20_000 * (i + 1)));
    }
    const out = headers(sent);
    expect(out.map((h) => h.seq)).toEqual([...Array(MAX_AUDIO_IN_FLIGHT).keys()]);
    expect(out[0]).toEqual({ kind: 'audio', key: false, seq: 0, timestamp: 20, payloadBytes: 80, ack: null });
    expect(sent[0][MEDIA_HEADER_BYTES]).toBe(0xfc);
    expect(link.counts.dropped_out).toBe(2);
    received(link, message('audio_ack', 7));
    codecs.emit!(packet(1_000_000));
    expect(headers(sent).slice(-1)[0].seq).toBe(MAX_AUDIO_IN_FLIGHT);
  });

  it("plays the kernel's audio, acks every AUDIO_ACK_EVERY-th packet, and tells the output once", () => {
    const { sent, outputs, codecs, link } = audioLinkSetup();
    for (let seq = 0; seq < 2 * AUDIO_ACK_EVERY; seq++) {
      received(link, message('audio', seq, 60, 100 + 20 * seq));
    }
    expect(codecs.decoded[1]).toEqual({ bytes: 60, timestampMs: 120 });
    expect(headers(sent).map((h) => [h.kind, h.seq])).toEqual([
      ['audio_ack', AUDIO_ACK_EVERY - 1],
      ['audio_ack', 2 * AUDIO_ACK_EVERY - 1],
    ]);
    expect(outputs).toEqual([codecs.output]);
  });

  it('refuses an ack of nothing in flight, said once in a row; closes its codecs', () => {
    const { problems, codecs, link } = audioLinkSetup();
    received(link, message('audio_ack', 3));
    received(link, message('audio_ack', 3));
    expect(problems).toEqual(['kernel transport: an audio ack of packet 3, which is not in flight']);
    expect(link.counts.refused).toBe(2);
    link.close();
    expect(codecs.closed).toBe(true);
  });
});

describe('KernelTransportLink routes audio', () => {
  const videoCodecs = (): IKernelCodecs => ({
    encodeCamera: () => undefined,
    forceKeyframe: () => undefined,
    decode: () => true,
    onDecodeError: null,
    output: null,
    close: () => undefined,
  });

  it('hands audio and audio_ack to onAudio, ignores a keepalive; without onAudio refuses audio, saying why', () => {
    const routed: IMediaHeader[] = [];
    const problems: string[] = [];
    const link = new KernelTransportLink({
      send: () => undefined,
      codecs: videoCodecs(),
      onOutput: () => undefined,
      onProblem: (p) => problems.push(p),
      onAudio: (h) => routed.push(h),
    });
    link.receive([message('audio', 0, 10, 5)]);
    link.receive([new DataView(message('audio_ack', 3).buffer)]);
    link.receive([message('keepalive', 0)]);
    expect(routed.map((h) => h.kind)).toEqual(['audio', 'audio_ack']);
    expect(problems).toEqual([]);
    const off = new KernelTransportLink({
      send: () => undefined,
      codecs: videoCodecs(),
      onOutput: () => undefined,
      onProblem: (p) => problems.push(p),
    });
    off.receive([message('audio', 0, 10, 5)]);
    expect(problems).toEqual(['kernel transport: audio from the kernel, but audio is off here']);
    expect(off.counts.refused).toBe(1);
  });

  it('refuses an oversized audio packet with a clear error', () => {
    const problems: string[] = [];
    const link = new KernelTransportLink({
      send: () => undefined,
      codecs: videoCodecs(),
      onOutput: () => undefined,
      onProblem: (p) => problems.push(p),
      onAudio: () => undefined,
    });
    link.receive([message('audio', 0, 1276, 5)]);
    expect(problems).toEqual(['kernel transport: an audio media message carries 1 to 1275 bytes of Opus']);
  });
});

function clientSetup(mode: StreamMode, audioUnsupported: string | null = null) {
  FakePeerConnection.instances = [];
  const media: IMediaHeader[] = [];
  const notices: string[] = [];
  const remote: (MediaStream | null)[] = [];
  const audio = new FakeAudioCodecs();
  const video = {
    encodeCamera: () => undefined,
    forceKeyframe: () => undefined,
    decode: () => true,
    onDecodeError: null,
    output: { id: 'video-out', tracks: [] as MediaStreamTrack[] },
    close: () => undefined,
  };
  const stream = {
    getAudioTracks: () => stream.tracks.filter((t) => t.kind === 'audio'),
    getTracks: () => stream.tracks,
    addTrack: (t: MediaStreamTrack) => stream.tracks.push(t),
    tracks: [] as MediaStreamTrack[],
  };
  (video as unknown as { output: unknown }).output = stream;
  const devices = new FakeMediaDevices();
  const client = new SignallingClient({
    send: () => undefined,
    sendMedia: (b) => media.push(...headers([b])),
    getUserMedia: (c) => devices.getUserMedia(c),
    createPeerConnection: (config) => new FakePeerConnection(config),
    getCodecCapabilities: () => VIDEO_CAPABILITIES,
    createKernelCodecs: () => video as unknown as IKernelCodecs,
    kernelTransportUnsupported: () => null,
    createKernelAudioCodecs: () => audio,
    kernelAudioUnsupported: () => audioUnsupported,
  });
  client.notice.connect((_, n) => notices.push(n));
  client.remoteStreamChanged.connect((_, s) => remote.push(s));
  const start = async () => {
    await client.start({
      constraints: { video: true, audio: mode !== 'recvonly' },
      iceServers: [],
      codec: 'VP8',
      quality: DEFAULT_QUALITY,
      transport: 'kernel',
      mode,
      audio: true,
    });
    await client.handleMessage({ type: 'kernel_transport_ready' });
  };
  const videoFrame = () => {
    const b = new Uint8Array(MEDIA_HEADER_BYTES + 4);
    writeMediaHeader(b, 'video', 0, true, 10);
    client.handleMedia([b]);
  };
  return { client, media, notices, remote, audio, stream, start, videoFrame };
}

describe('SignallingClient: audio over the kernel transport', () => {
  afterEach(() => jest.useRealTimers());

  it('sendonly: the microphone is encoded and sent; nothing is played', async () => {
    const ctx = clientSetup('sendonly');
    await ctx.start();
    expect(ctx.audio.microphones).toHaveLength(1);
    expect(ctx.audio.microphones[0].kind).toBe('audio');
    ctx.audio.emit!(packet(20_000));
    expect(ctx.media.map((h) => h.kind)).toEqual(['audio']);
    ctx.client.stop('done');
    expect(ctx.audio.closed).toBe(true);
  });

  it('recvonly: no microphone; the kernel audio track joins the output stream, before or after the video', async () => {
    const ctx = clientSetup('recvonly');
    await ctx.start();
    expect(ctx.audio.microphones).toEqual([]);
    ctx.client.handleMedia([message('audio', 0, 50, 20)]); // audio first: held until the video's stream
    expect(ctx.stream.tracks).toEqual([]);
    ctx.videoFrame();
    expect(ctx.stream.tracks).toEqual([ctx.audio.output]);
    expect(ctx.remote.slice(-1)[0]).toBe(ctx.stream);
    ctx.client.stop('done');
  });

  it('a switched microphone is read instead of the old one', async () => {
    const ctx = clientSetup('sendrecv');
    await ctx.start();
    await ctx.client.switchMicrophone({ deviceId: { exact: 'mic-2' } });
    expect(ctx.audio.microphones).toHaveLength(2);
    expect(ctx.audio.microphones[1]).not.toBe(ctx.audio.microphones[0]);
    ctx.client.stop('done');
  });

  it('a browser without WebCodecs audio: audio off with a notice, video goes on', async () => {
    const ctx = clientSetup('sendrecv', 'this browser has no WebCodecs AudioEncoder');
    await ctx.start();
    jest.useFakeTimers(); // the kernel's frame's ack waits ACK_PIGGYBACK_MS for a camera frame to ride on
    expect(ctx.notices).toEqual([
      'audio off over the kernel connection: this browser has no WebCodecs AudioEncoder; video goes on',
    ]);
    expect(ctx.audio.microphones).toEqual([]);
    expect(ctx.client.state).toBe('playing');
    // the kernel's audio is ignored, not refused again and again
    ctx.client.handleMedia([message('audio', 0, 50, 20)]);
    ctx.videoFrame();
    jest.advanceTimersByTime(ACK_PIGGYBACK_MS);
    expect(ctx.notices).toHaveLength(1);
    expect(ctx.media.map((h) => h.kind)).toEqual(['ack']);
    ctx.client.stop('done');
  });

  it('sends keepalives while nothing else goes out (recvonly before the first frame)', async () => {
    jest.useFakeTimers();
    try {
      const ctx = clientSetup('recvonly');
      const started = ctx.start();
      await jest.advanceTimersByTimeAsync(0);
      await started;
      await jest.advanceTimersByTimeAsync(3 * MEDIA_KEEPALIVE_MS);
      expect(ctx.media.map((h) => h.kind)).toEqual(['keepalive', 'keepalive', 'keepalive']);
      ctx.client.stop('done');
      await jest.advanceTimersByTimeAsync(3 * MEDIA_KEEPALIVE_MS);
      expect(ctx.media).toHaveLength(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
