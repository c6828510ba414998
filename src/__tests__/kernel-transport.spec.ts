/**
 * The kernel transport's browser end: the latest-first flow control (media-credit.ts) as a pure
 * unit, the link (kernel-transport.ts) with fake codecs, and the signalling client choosing and
 * falling back to it (signalling.ts) with a fake peer connection that never connects.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { DEFAULT_QUALITY } from '../settings';
import { IEncodedChunkLike, IKernelCodecs, KernelTransportLink } from '../streamer/kernel-transport';
import { MediaCredit } from '../streamer/media-credit';
import { ACK_PIGGYBACK_MS } from '../streamer/pending-ack';
import {
  FrontendMessage,
  IMediaHeader,
  MAX_MEDIA_BYTES,
  MAX_MEDIA_IN_FLIGHT,
  MEDIA_HEADER_BYTES,
  parseMediaHeader,
  Transport,
  writeMediaHeader,
} from '../streamer/protocol';
import { SignallingClient } from '../streamer/signalling';
import { FakeMediaDevices, FakePeerConnection, flush, VIDEO_CAPABILITIES } from './fakes';

describe('MediaCredit', () => {
  it('sends up to the limit, then drops until a keyframe, asking for one once', () => {
    const credit = new MediaCredit(1);
    expect(credit.offer(true)).toBe('send');
    expect(credit.offer(false)).toBe('drop_want_keyframe');
    expect(credit.offer(false)).toBe('drop');
    expect(credit.ack(0)).toBe(true);
    expect(credit.offer(false)).toBe('drop');
    expect(credit.offer(true)).toBe('send');
    expect(credit.lastSeq).toBe(1);
    expect(credit.ack(7)).toBe(false);
  });

  it('an ack frees the frame acked and every older one still in flight', () => {
    const credit = new MediaCredit(4);
    for (let i = 0; i < 4; i++) expect(credit.offer(i === 0)).toBe('send');
    expect(credit.ack(2)).toBe(true);
    expect(credit.inFlight).toBe(1);
    expect(credit.ack(1)).toBe(false);
    expect(credit.ack(3)).toBe(true);
    expect(credit.inFlight).toBe(0);
  });
});

function chunk(type: 'key' | 'delta', bytes = 3, timestamp = 33_000): IEncodedChunkLike {
  return { type, timestamp, byteLength: bytes, copyTo: (d) => d.fill(type === 'key' ? 0xaa : 0xbb) };
}

function video(seq: number, key: boolean, bytes = 4, timestamp = 10, ack: number | null = null): Uint8Array {
  const b = new Uint8Array(MEDIA_HEADER_BYTES + bytes);
  writeMediaHeader(b, 'video', seq, key, timestamp, ack);
  return b;
}

function control(kind: 'ack' | 'keyframe_request', seq: number): DataView {
  const b = new Uint8Array(MEDIA_HEADER_BYTES);
  writeMediaHeader(b, kind, seq);
  return new DataView(b.buffer); // the comm gives DataViews
}

class FakeCodecs implements IKernelCodecs {
  onDecodeError: (() => void) | null = null;
  output: MediaStream | null = null;
  emit: ((chunk: IEncodedChunkLike) => void) | null = null;
  admit: ((encoding: number) => boolean) | null = null;
  keyframesForced = 0;
  decoded: { bytes: number; key: boolean; timestampMs: number }[] = [];
  decodeOk = true;
  closed = false;
  encodeCamera(
    _track: MediaStreamTrack,
    onChunk: (chunk: IEncodedChunkLike) => void,
    admit: (encoding: number) => boolean,
  ): void {
    this.emit = onChunk;
    this.admit = admit;
  }
  forceKeyframe(): void {
    this.keyframesForced++;
  }
  decode(data: Uint8Array, key: boolean, timestampMs: number): boolean {
    this.decoded.push({ bytes: data.byteLength, key, timestampMs });
    this.output ??= { id: 'kernel-output' } as unknown as MediaStream;
    return this.decodeOk;
  }
  close(): void {
    this.closed = true;
  }
}

function linkSetup(camera = true) {
  const codecs = new FakeCodecs();
  const sent: IMediaHeader[] = [];
  const problems: string[] = [];
  const outputs: MediaStream[] = [];
  let now = 0;
  const link = new KernelTransportLink({
    send: (b) => {
      const parsed = parseMediaHeader(b);
      if (!parsed.ok) {
        throw new Error(parsed.reason);
      }
      sent.push(parsed.header);
    },
    codecs,
    onOutput: (s) => outputs.push(s),
    onProblem: (p) => problems.push(p),
    now: () => now,
  });
  link.start(camera ? ({} as MediaStreamTrack) : null);
  return { codecs, sent, problems, outputs, link, advance: (ms: number) => (now += ms) };
}

describe('KernelTransportLink (browser)', () => {
  it('sends the camera latest-first: beyond the in-flight limit frames drop until a keyframe', () => {
    const { codecs, sent, link } = linkSetup();
    codecs.emit!(chunk('key'));
    for (let i = 1; i < MAX_MEDIA_IN_FLIGHT; i++) {
      codecs.emit!(chunk('delta'));
    }
    codecs.emit!(chunk('delta')); // no credit
    expect(codecs.keyframesForced).toBe(1);
    expect(sent.map((h) => [h.kind, h.seq, h.key, h.timestamp])).toEqual([
      ['video', 0, true, 33],
      ...Array.from({ length: MAX_MEDIA_IN_FLIGHT - 1 }, (_, i) => ['video', i + 1, false, 33]),
    ]);
    link.receive([control('ack', 0)]);
    codecs.emit!(chunk('delta'));
    codecs.emit!(chunk('key'));
    expect(sent.slice(-1).map((h) => [h.kind, h.seq, h.key])).toEqual([['video', MAX_MEDIA_IN_FLIGHT, true]]);
    expect(link.counts.dropped_out).toBe(2);
  });

  it('drops a camera frame over MAX_MEDIA_BYTES, keeping the ack for the next frame, and wants a keyframe', () => {
    const { codecs, sent, problems, link } = linkSetup();
    link.receive([video(0, true)]); // its ack waits for the camera's next frame
    codecs.emit!(chunk('key', MAX_MEDIA_BYTES + 1));
    codecs.emit!(chunk('key', MAX_MEDIA_BYTES + 1));
    expect(sent).toEqual([]);
    expect(codecs.keyframesForced).toBe(2);
    expect(link.counts.oversized_out).toBe(2);
    expect(problems).toEqual([
      `kernel transport: an encoded camera frame of ${MAX_MEDIA_BYTES + 1} bytes cannot go (a media message carries 1 to ${MAX_MEDIA_BYTES}): dropped, asking the encoder for a keyframe`,
    ]);
    codecs.emit!(chunk('delta')); // references the dropped frame
    codecs.emit!(chunk('key'));
    expect(sent.map((h) => [h.kind, h.seq, h.key, h.ack])).toEqual([['video', 0, true, 0]]);
    link.close();
  });

  it('skips camera frames before encoding while the kernel has not acked enough', () => {
    const { codecs, link } = linkSetup();
    expect(codecs.admit!(0)).toBe(true);
    expect(codecs.admit!(MAX_MEDIA_IN_FLIGHT)).toBe(false); // the encoder holds a full window
    codecs.emit!(chunk('key'));
    expect(codecs.admit!(MAX_MEDIA_IN_FLIGHT - 1)).toBe(false); // one in flight + the rest encoding
    expect(codecs.admit!(MAX_MEDIA_IN_FLIGHT - 2)).toBe(true);
    link.receive([control('ack', 0)]);
    expect(codecs.admit!(MAX_MEDIA_IN_FLIGHT - 1)).toBe(true);
  });

  it("decodes the kernel's frames and shows the output once; recvonly acks each at once", () => {
    const { codecs, sent, outputs, link } = linkSetup(false);
    link.receive([video(0, true, 5, 100)]);
    link.receive([video(1, false, 6, 133)]);
    expect(codecs.decoded).toEqual([
      { bytes: 5, key: true, timestampMs: 100 },
      { bytes: 6, key: false, timestampMs: 133 },
    ]);
    expect(sent.map((h) => [h.kind, h.seq])).toEqual([
      ['ack', 0],
      ['ack', 1],
    ]);
    expect(outputs).toHaveLength(1);
  });

  it("acks the kernel's newest frame in the camera's next frame, or alone after ACK_PIGGYBACK_MS", () => {
    jest.useFakeTimers();
    try {
      const { codecs, sent, link } = linkSetup();
      link.receive([video(0, true)]);
      link.receive([video(1, false)]);
      expect(sent).toEqual([]);
      codecs.emit!(chunk('key'));
      expect(sent.map((h) => [h.kind, h.seq, h.ack])).toEqual([['video', 0, 1]]); // 1 acks 0 too
      codecs.emit!(chunk('delta'));
      expect(sent[1].ack).toBeNull(); // nothing new to ack
      link.receive([video(2, false)]);
      jest.advanceTimersByTime(ACK_PIGGYBACK_MS - 1);
      expect(sent).toHaveLength(2);
      jest.advanceTimersByTime(1);
      expect(sent.slice(2).map((h) => [h.kind, h.seq])).toEqual([['ack', 2]]);
      link.receive([video(3, false)]);
      link.close();
      jest.advanceTimersByTime(ACK_PIGGYBACK_MS);
      expect(sent).toHaveLength(3); // closed: nothing more
    } finally {
      jest.useRealTimers();
    }
  });

  it("takes the kernel's piggybacked acks as credit, cumulatively, refusing acks of frames not in flight", () => {
    const { codecs, sent, problems, link } = linkSetup();
    codecs.emit!(chunk('key'));
    for (let i = 1; i < MAX_MEDIA_IN_FLIGHT; i++) {
      codecs.emit!(chunk('delta'));
    }
    expect(codecs.admit!(0)).toBe(false);
    link.receive([video(0, true, 4, 0, 1)]); // the kernel's frame 0 acks our 0 and 1
    expect(codecs.admit!(1)).toBe(true);
    expect(codecs.admit!(2)).toBe(false);
    link.receive([video(1, false, 4, 0, 1)]); // 1 again: not in flight any more
    expect(problems).toEqual(['kernel transport: an ack of frame 1, which is not in flight']);
    expect(codecs.decoded).toHaveLength(2); // the frame itself is still taken
    expect(sent).toHaveLength(MAX_MEDIA_IN_FLIGHT);
    link.close();
  });

  it('waits for a keyframe before decoding, asking for one at most every 300 ms', () => {
    const { codecs, sent, link, advance } = linkSetup();
    link.receive([video(0, false)]);
    link.receive([video(1, false)]);
    advance(300);
    link.receive([video(2, false)]);
    expect(codecs.decoded).toEqual([]);
    // each request goes after the ack of the frame that showed the need (ack 2 acks 1 too)
    expect(sent.map((h) => [h.kind, h.seq])).toEqual([
      ['ack', 0],
      ['keyframe_request', 0],
      ['ack', 2],
      ['keyframe_request', 0],
    ]);
    link.receive([video(3, true)]);
    expect(codecs.decoded).toHaveLength(1);
  });

  it('asks for a keyframe when the decoder fails later, and skips deltas until it comes', () => {
    const { codecs, sent, link, advance } = linkSetup();
    link.receive([video(0, true)]);
    advance(1000);
    codecs.onDecodeError!();
    link.receive([video(1, false)]);
    expect(codecs.decoded).toHaveLength(1);
    expect(sent.filter((h) => h.kind === 'keyframe_request')).toHaveLength(1);
  });

  it("follows the kernel's keyframe requests", () => {
    const { codecs, sent, link } = linkSetup();
    codecs.emit!(chunk('key'));
    link.receive([control('keyframe_request', 0)]);
    expect(codecs.keyframesForced).toBe(1);
    codecs.emit!(chunk('delta'));
    expect(sent).toHaveLength(1); // the delta would not decode on the kernel's side
  });

  it('refuses malformed messages, each problem said once in a row', () => {
    const { codecs, problems, link } = linkSetup();
    link.receive([]);
    link.receive(['text']);
    link.receive([new Uint8Array(4)]);
    link.receive([new Uint8Array(4)]);
    link.receive([control('ack', 42)]);
    expect(codecs.decoded).toEqual([]);
    expect(link.counts.refused).toBe(5);
    expect(problems).toHaveLength(4);
  });

  it('closes its codecs once', () => {
    const { codecs, link } = linkSetup();
    link.close();
    link.close();
    expect(codecs.closed).toBe(true);
    link.receive([video(0, true)]);
    expect(codecs.decoded).toEqual([]);
  });
});

function clientSetup(transport: Transport, unsupported: string | null = null, trans?: TranslationBundle) {
  FakePeerConnection.instances = [];
  const sent: FrontendMessage[] = [];
  const media: IMediaHeader[] = [];
  const states: string[] = [];
  const remote: (MediaStream | null)[] = [];
  const codecs = new FakeCodecs();
  const devices = new FakeMediaDevices();
  const client = new SignallingClient({
    send: (m) => sent.push(m),
    sendMedia: (b) => {
      const parsed = parseMediaHeader(b);
      if (parsed.ok) {
        media.push(parsed.header);
      }
    },
    getUserMedia: (c) => devices.getUserMedia(c),
    createPeerConnection: (config) => new FakePeerConnection(config),
    getCodecCapabilities: () => VIDEO_CAPABILITIES,
    createKernelCodecs: () => codecs,
    kernelTransportUnsupported: () => unsupported,
    fallbackMs: 5000,
    trans,
  });
  client.stateChanged.connect((_, { state, detail }) => states.push(detail ? `${state}: ${detail}` : state));
  client.remoteStreamChanged.connect((_, s) => remote.push(s));
  const start = () =>
    client.start({ constraints: { video: true }, iceServers: [], codec: 'VP8', quality: DEFAULT_QUALITY, transport });
  return { client, sent, media, states, remote, codecs, start };
}

describe('SignallingClient transports', () => {
  afterEach(() => jest.useRealTimers());

  it('shows the kernel connection and its reason in the page’s language; the kernel reads them in English', async () => {
    // a bundle whose every text starts with "[fr] " (placeholders filled as JupyterLab's are)
    const fr = {
      __: (msgid: string, ...args: unknown[]) =>
        `[fr] ${msgid.replace(/%(\d)/g, (_, i: string) => String(args[Number(i) - 1]))}`,
    } as unknown as TranslationBundle;
    const ctx = clientSetup('kernel', null, fr);
    await ctx.start();
    expect(ctx.sent).toEqual([{ type: 'use_kernel_transport', reason: 'the transport setting is "kernel"' }]);
    expect(ctx.client.shownDetail).toBe('[fr] starting the kernel connection ([fr] the transport setting is "kernel")');
    await ctx.client.handleMessage({ type: 'kernel_transport_ready' });
    expect(ctx.client.statusText).toBe('playing: kernel connection: the transport setting is "kernel"');
    expect(ctx.client.shownDetail).toBe('[fr] kernel connection: [fr] the transport setting is "kernel"');
    expect(ctx.client.fallbackReason).toBe('the transport setting is "kernel"');
    expect(ctx.states).toEqual([
      'connecting: opening the camera',
      'connecting: starting the kernel connection (the transport setting is "kernel")',
      'playing: kernel connection: the transport setting is "kernel"',
    ]);
  });

  it('"kernel": no peer connection; asks the kernel, then plays over it', async () => {
    const ctx = clientSetup('kernel');
    await ctx.start();
    expect(FakePeerConnection.instances).toHaveLength(0);
    expect(ctx.sent).toEqual([{ type: 'use_kernel_transport', reason: 'the transport setting is "kernel"' }]);
    expect(ctx.client.transport).toBe('kernel');
    await ctx.client.handleMessage({ type: 'kernel_transport_ready' });
    expect(ctx.client.state).toBe('playing');
    expect(ctx.client.statusText).toBe('playing: kernel connection: the transport setting is "kernel"');
    expect(ctx.codecs.emit).not.toBeNull(); // the camera is being encoded
    ctx.codecs.emit!(chunk('key'));
    expect(ctx.media.map((h) => h.kind)).toEqual(['video']);
    const frame = video(0, true);
    ctx.client.handleMedia([frame]);
    expect(ctx.remote.slice(-1)[0]).toBe(ctx.codecs.output);
    ctx.client.stop('done');
    expect(ctx.codecs.closed).toBe(true);
    expect(ctx.sent.slice(-1)).toEqual([{ type: 'stop' }]);
  });

  it('"kernel": the link\'s figures for the stats overlay: bytes each way, the ack round trip; none over WebRTC', async () => {
    const ctx = clientSetup('kernel');
    await ctx.start();
    expect(ctx.client.readKernelLink()).toBeNull(); // not ready yet: no link
    await ctx.client.handleMessage({ type: 'kernel_transport_ready' });
    ctx.codecs.emit!(chunk('key'));
    ctx.client.handleMedia([video(0, true)]);
    ctx.client.handleMedia([control('ack', 0)]);
    const reading = ctx.client.readKernelLink();
    expect(reading).toEqual({
      sessionId: expect.any(Number),
      figures: { kbps_in: expect.any(Number), kbps_out: expect.any(Number), rtt_ms: expect.any(Number) },
      dropped: 0,
    });
    expect(reading!.figures.kbps_in).toBeGreaterThan(0);
    expect(reading!.figures.kbps_out).toBeGreaterThan(0);
    ctx.client.stop('done');
    expect(ctx.client.readKernelLink()).toBeNull();
    const webrtc = clientSetup('webrtc');
    await webrtc.start();
    expect(webrtc.client.readKernelLink()).toBeNull();
    webrtc.client.stop('done');
  });

  it('"auto": falls back when WebRTC has not connected 5 s after the offer, saying why in the doctor\'s words', async () => {
    jest.useFakeTimers();
    const ctx = clientSetup('auto');
    const notices: string[] = [];
    ctx.client.notice.connect((_, n) => notices.push(n));
    await ctx.start();
    const pc = FakePeerConnection.last();
    pc.emitCandidate('candidate:1 1 udp 2122 10.0.0.2 5000 typ host');
    await ctx.client.handleMessage({ type: 'answer', sdp: 'v=0\r\nanswer' });
    await ctx.client.handleMessage({
      type: 'candidate',
      candidate: { candidate: 'candidate:2 1 udp 2122 127.0.0.1 6000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    });
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'candidate']);
    jest.advanceTimersByTime(4999);
    expect(ctx.client.transport).toBe('webrtc');
    jest.advanceTimersByTime(1);
    await flush(); // the doctor reads getStats on the still open peer connection
    expect(pc.getStatsCalls).toBe(1);
    expect(pc.closed).toBe(true);
    expect(ctx.client.transport).toBe('kernel');
    const [report, fallback] = ctx.sent.slice(-2) as [
      { type: string; report: { outcome: string; summary: string } },
      { type: string; reason: string },
    ];
    expect(report.type).toBe('connection_report'); // so ctx.diagnose() has it
    expect(report.report.outcome).toBe('failed');
    expect(fallback.type).toBe('use_kernel_transport');
    expect(fallback.reason).toBe(
      'WebRTC did not connect within 5 s: no connectivity check succeeded (0 candidate pairs tried; the browser gathered 1 host; the kernel offered 1 host)',
    );
    expect(notices).toEqual([
      expect.stringMatching(/^what to do: UDP between the browser and the kernel seems blocked/),
    ]);
    await ctx.client.handleMessage({ type: 'kernel_transport_ready' });
    expect(ctx.client.statusText).toBe(`playing: kernel connection: ${fallback.reason}`);
    expect(ctx.client.fallbackReason).toBe(fallback.reason);
  });

  it('"auto": falls back at once when ICE fails, or when the kernel reports WebRTC failed; one fallback each', async () => {
    const ctx = clientSetup('auto');
    await ctx.start();
    FakePeerConnection.last().setConnectionState('failed');
    FakePeerConnection.last().setConnectionState('failed'); // a second event while the doctor reads: ignored
    await flush();
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'connection_report', 'use_kernel_transport']);
    expect((ctx.sent.slice(-1)[0] as { reason: string }).reason).toMatch(
      /^WebRTC failed: the browser gathered no ICE candidates$/,
    );
    ctx.client.stop();
    const again = clientSetup('auto');
    await again.start();
    await again.client.handleMessage({ type: 'error', message: 'the connection to the browser failed', fatal: true });
    await flush();
    expect(again.sent.slice(-1)[0]).toEqual({
      type: 'use_kernel_transport',
      reason:
        'WebRTC failed in the kernel (the connection to the browser failed): the browser gathered no ICE candidates',
    });
  });

  it('"auto": stays on WebRTC when it connects while the doctor reads', async () => {
    const ctx = clientSetup('auto');
    await ctx.start();
    const pc = FakePeerConnection.last();
    await ctx.client.handleMessage({ type: 'error', message: 'slow', fatal: true });
    pc.setConnectionState('connected');
    await flush();
    expect(ctx.client.transport).toBe('webrtc');
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'connection_report']);
  });

  it('"auto": stays on WebRTC once connected', async () => {
    jest.useFakeTimers();
    const ctx = clientSetup('auto');
    await ctx.start();
    const pc = FakePeerConnection.last();
    await ctx.client.handleMessage({ type: 'answer', sdp: 'v=0\r\nanswer' });
    pc.setConnectionState('connected');
    jest.advanceTimersByTime(60_000);
    expect(ctx.client.transport).toBe('webrtc');
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer']);
  });

  it('"webrtc": never falls back', async () => {
    jest.useFakeTimers();
    const ctx = clientSetup('webrtc');
    await ctx.start();
    jest.advanceTimersByTime(20_000);
    FakePeerConnection.last().setConnectionState('failed');
    await flush(); // the connection doctor reads getStats before it reports the failure
    expect(ctx.client.state).toBe('error');
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'connection_report', 'stop']);
  });

  it('"auto" in a browser without WebCodecs is WebRTC alone: no fallback, the WebRTC failure shown', async () => {
    jest.useFakeTimers();
    const ctx = clientSetup('auto', 'this browser has no WebCodecs (VideoEncoder/VideoDecoder)');
    await ctx.start();
    jest.advanceTimersByTime(20_000);
    expect(ctx.client.transport).toBe('webrtc');
    FakePeerConnection.last().setConnectionState('failed');
    await flush(); // the connection doctor reads getStats before it reports the failure
    expect(ctx.client.statusText).toMatch(/^error: connection failed/);
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'connection_report', 'stop']);
  });

  it('a browser without WebCodecs says so instead of falling back silently', async () => {
    const ctx = clientSetup('kernel', 'this browser has no WebCodecs (VideoEncoder/VideoDecoder)');
    await ctx.start();
    expect(ctx.client.statusText).toBe(
      'error: cannot use the kernel connection (the transport setting is "kernel"): this browser has no WebCodecs (VideoEncoder/VideoDecoder)',
    );
  });
});
