/**
 * @jest-environment ./test/media/native-env.js
 *
 * The kernel transport's kernel end (src/streamer/kernel-transport.ts): a fake peer for the
 * validation and flow control, then a real media worker for decode -> transform -> encode.
 */
import { bufferCount, firstValueFrom, map, Subject, filter, take } from 'rxjs';
import { Vp8Decoder, Vp8Encoder, copyAvFrameToI420 } from '../../src/media/codecs';
import { I420Frame, i420Size } from '../../src/media/frame';
import { MediaPeer, type EncodedAudioChunk, type EncodedChunk } from '../../src/rtc/media-peer';
import { KernelTransportLink, type ChunkPeer, type KernelTransportAudio } from '../../src/streamer/kernel-transport';
import { OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE, OpusDecoder, OpusEncoder } from '../../src/media/opus';
import { toneLevel } from '../../src/media/audio-level';
import type { AudioFrame } from '../../src/media/audio-frame';
import {
  AUDIO_ACK_EVERY,
  MAX_AUDIO_IN_FLIGHT,
  MAX_AUDIO_MEDIA_BYTES,
  MAX_MEDIA_BYTES,
  MAX_MEDIA_IN_FLIGHT,
  MEDIA_HEADER_BYTES,
  parseMediaHeader,
  writeMediaHeader,
  type IMediaHeader,
} from '../../src/streamer/protocol';
import { ACK_PIGGYBACK_MS } from '../../src/streamer/pending-ack';
import { MediaCredit } from '../../src/streamer/media-credit';
import { MAX_SLEW_MS } from '../../src/rtc/worker/rtp-clock';
import { H, W, level, lumaOf } from './flat-frames';

function video(seq: number, data: Uint8Array, key = true, timestamp = 0, ack: number | null = null): Uint8Array {
  const bytes = new Uint8Array(MEDIA_HEADER_BYTES + data.byteLength);
  writeMediaHeader(bytes, 'video', seq, key, timestamp, ack);
  bytes.set(data, MEDIA_HEADER_BYTES);
  return bytes;
}

function audio(seq: number, data: Uint8Array, timestamp = 0): Uint8Array {
  const bytes = new Uint8Array(MEDIA_HEADER_BYTES + data.byteLength);
  writeMediaHeader(bytes, 'audio', seq, false, timestamp);
  bytes.set(data, MEDIA_HEADER_BYTES);
  return bytes;
}

function control(kind: 'ack' | 'keyframe_request' | 'keepalive' | 'audio_ack', seq: number): Uint8Array {
  const bytes = new Uint8Array(MEDIA_HEADER_BYTES);
  writeMediaHeader(bytes, kind, seq);
  return bytes;
}

class FakePeer implements ChunkPeer {
  readonly chunks = new Subject<EncodedChunk>();
  readonly chunkDone = new Subject<void>();
  readonly keyframeWanted = new Subject<void>();
  readonly chunks$ = this.chunks.asObservable();
  readonly chunkDone$ = this.chunkDone.asObservable();
  readonly keyframeWanted$ = this.keyframeWanted.asObservable();
  readonly audioChunks = new Subject<EncodedAudioChunk>();
  readonly audioChunkDone = new Subject<void>();
  readonly audioChunks$ = this.audioChunks.asObservable();
  readonly audioChunkDone$ = this.audioChunkDone.asObservable();
  readonly received: { bytes: number; timestamp: number }[] = [];
  readonly receivedAudio: { bytes: number; timestamp: number }[] = [];
  keyframesForced = 0;
  sendChunk(data: Uint8Array, timestamp: number): void {
    this.received.push({ bytes: data.byteLength, timestamp });
  }
  sendAudioChunk(data: Uint8Array, timestamp: number): void {
    this.receivedAudio.push({ bytes: data.byteLength, timestamp });
  }
  forceKeyframe(): void {
    this.keyframesForced++;
  }
}

function setup(audio: KernelTransportAudio = { in: false, out: false }, videoOut = true) {
  const peer = new FakePeer();
  const sent: IMediaHeader[] = [];
  const problems: string[] = [];
  const link = new KernelTransportLink(
    peer,
    (buffer) => sent.push(parseMediaHeader(buffer)),
    (p) => problems.push(p),
    audio,
    videoOut,
  );
  return { peer, sent, problems, link };
}

describe('KernelTransportLink with a fake peer', () => {
  it('hands valid frames to the worker and, sending no video (sendonly), acks each once decoded, in order', () => {
    const { peer, sent, link } = setup(undefined, false);
    link.receive([video(0, new Uint8Array(10), true, 5)]);
    link.receive([video(1, new Uint8Array(20), false, 38)]);
    expect(peer.received).toEqual([
      { bytes: 10, timestamp: 5 },
      { bytes: 20, timestamp: 38 },
    ]);
    expect(sent).toEqual([]);
    peer.chunkDone.next();
    peer.chunkDone.next();
    expect(sent.map((h) => [h.kind, h.seq])).toEqual([
      ['ack', 0],
      ['ack', 1],
    ]);
  });

  it('acks the newest decoded frame in our next frame, or alone after ACK_PIGGYBACK_MS', () => {
    jest.useFakeTimers();
    try {
      const { peer, sent, link } = setup();
      const chunk: EncodedChunk = { data: new Uint8Array([1, 2, 3]), timestamp: 10, key: true };
      link.receive([video(0, new Uint8Array(4))]);
      link.receive([video(1, new Uint8Array(4), false)]);
      peer.chunkDone.next();
      peer.chunkDone.next();
      expect(sent).toEqual([]);
      peer.chunks.next(chunk);
      expect(sent.map((h) => [h.kind, h.seq, h.ack])).toEqual([['video', 0, 1]]); // 1 acks 0 too
      peer.chunks.next({ ...chunk, key: false });
      expect(sent[1].ack).toBeNull();
      link.receive([video(2, new Uint8Array(4), false)]);
      peer.chunkDone.next();
      jest.advanceTimersByTime(ACK_PIGGYBACK_MS - 1);
      expect(sent).toHaveLength(2);
      jest.advanceTimersByTime(1);
      expect(sent.slice(2).map((h) => [h.kind, h.seq])).toEqual([['ack', 2]]);
      link.receive([video(3, new Uint8Array(4), false)]);
      peer.chunkDone.next();
      link.close();
      jest.advanceTimersByTime(ACK_PIGGYBACK_MS);
      expect(sent).toHaveLength(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it("takes the browser's piggybacked acks as credit, refusing acks of frames not in flight", () => {
    const { peer, sent, problems, link } = setup();
    const chunk = (key: boolean): EncodedChunk => ({ data: new Uint8Array([1, 2, 3]), timestamp: 10, key });
    for (let i = 0; i < MAX_MEDIA_IN_FLIGHT; i++) peer.chunks.next(chunk(i === 0));
    peer.chunks.next(chunk(false)); // no credit: dropped
    expect(sent).toHaveLength(MAX_MEDIA_IN_FLIGHT);
    link.receive([video(0, new Uint8Array(4), true, 0, MAX_MEDIA_IN_FLIGHT - 1)]); // acks the whole window
    peer.chunks.next(chunk(true));
    expect(sent).toHaveLength(MAX_MEDIA_IN_FLIGHT + 1);
    link.receive([video(1, new Uint8Array(4), false, 0, 0)]);
    expect(problems).toEqual(['kernel transport: an ack of frame 0, which is not in flight']);
    expect(peer.received).toHaveLength(2); // the frames themselves are still taken
    link.close();
  });

  it('refuses malformed and oversized buffers, counted, each problem said once in a row', () => {
    const { peer, link, problems } = setup();
    link.receive([]);
    link.receive([new Uint8Array(3)]);
    link.receive([new Uint8Array(3)]);
    link.receive([video(0, new Uint8Array(MAX_MEDIA_BYTES + 1))]);
    link.receive([video(0, new Uint8Array(1)), video(1, new Uint8Array(1))]);
    expect(peer.received).toEqual([]);
    expect(link.counts.refused).toBe(5);
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/exactly one buffer/);
    expect(problems.join('\n')).toMatch(new RegExp(`1 to ${MAX_MEDIA_BYTES} bytes`));
  });

  it('neither decodes nor acks a frame beyond the in-flight limit, asks for a keyframe, then acks in order', () => {
    const { peer, sent, link } = setup(undefined, false);
    // the browser's credit, one wider than ours so that it could send the frame over the limit
    const browserCredit = new MediaCredit(MAX_MEDIA_IN_FLIGHT + 1);
    const notInFlight: number[] = [];
    for (let seq = 0; seq <= MAX_MEDIA_IN_FLIGHT; seq++) {
      expect(browserCredit.offer(seq === 0)).toBe('send');
      link.receive([video(seq, new Uint8Array(4))]);
    }
    expect(peer.received).toHaveLength(MAX_MEDIA_IN_FLIGHT);
    expect(sent.map((h) => [h.kind, h.seq])).toEqual([['keyframe_request', 0]]);
    expect(link.counts.refused).toBe(1);
    for (let i = 0; i < MAX_MEDIA_IN_FLIGHT; i++) peer.chunkDone.next();
    const acks = sent.filter((h) => h.kind === 'ack').map((h) => h.seq);
    expect(acks).toEqual(Array.from({ length: MAX_MEDIA_IN_FLIGHT }, (_, seq) => seq));
    for (const seq of acks) if (!browserCredit.ack(seq)) notInFlight.push(seq);
    expect(notInFlight).toEqual([]);
    expect(browserCredit.inFlight).toBe(1); // the refused frame, freed by the next decoded frame's ack
  });

  it('says when sequence numbers skip', () => {
    const { link, problems } = setup();
    link.receive([video(0, new Uint8Array(4))]);
    link.receive([video(5, new Uint8Array(4))]);
    expect(problems).toEqual(['kernel transport: frame 5 came where 1 was due']);
  });

  it('sends encoded frames latest-first: beyond the limit they drop until a keyframe, which it asks for', () => {
    const { peer, sent, link } = setup();
    const chunk = (key: boolean): EncodedChunk => ({ data: new Uint8Array([1, 2, 3]), timestamp: 10, key });
    const window = Array.from({ length: MAX_MEDIA_IN_FLIGHT }, (_, seq) => ['video', seq, seq === 0]);
    for (let i = 0; i < MAX_MEDIA_IN_FLIGHT; i++) peer.chunks.next(chunk(i === 0));
    peer.chunks.next(chunk(false)); // no credit
    expect(peer.keyframesForced).toBe(1);
    expect(sent.map((h) => [h.kind, h.seq, h.key])).toEqual(window);
    link.receive([control('ack', 0)]);
    peer.chunks.next(chunk(false)); // credit, but the browser's decoder would break
    peer.chunks.next(chunk(true));
    expect(sent.map((h) => [h.kind, h.seq, h.key])).toEqual([...window, ['video', MAX_MEDIA_IN_FLIGHT, true]]);
    expect(link.counts.dropped_out).toBe(2);
  });

  it('drops an encoded frame over MAX_MEDIA_BYTES, keeping the ack for the next frame, and wants a keyframe', () => {
    const { peer, sent, problems, link } = setup();
    link.receive([video(0, new Uint8Array(4))]);
    peer.chunkDone.next(); // ack 0 waits for our next frame
    const oversized: EncodedChunk = { data: new Uint8Array(MAX_MEDIA_BYTES + 1), timestamp: 10, key: true };
    peer.chunks.next(oversized);
    peer.chunks.next(oversized);
    expect(sent).toEqual([]);
    expect(peer.keyframesForced).toBe(2);
    expect(link.counts.oversized_out).toBe(2);
    expect(problems).toEqual([
      `kernel transport: an encoded frame of ${MAX_MEDIA_BYTES + 1} bytes cannot go (a media message carries 1 to ${MAX_MEDIA_BYTES}): dropped, asking the encoder for a keyframe`,
    ]);
    peer.chunks.next({ data: new Uint8Array(3), timestamp: 20, key: false }); // references the dropped frame
    peer.chunks.next({ data: new Uint8Array(3), timestamp: 30, key: true });
    expect(sent.map((h) => [h.kind, h.seq, h.key, h.ack])).toEqual([['video', 0, true, 0]]);
    link.close();
  });

  it("forwards the browser's keyframe requests to the encoder and the worker's to the browser", () => {
    const { peer, sent, link } = setup();
    link.receive([control('keyframe_request', 0)]);
    expect(peer.keyframesForced).toBe(1);
    peer.keyframeWanted.next();
    expect(sent.map((h) => h.kind)).toEqual(['keyframe_request']);
  });
  it("meters the link for the stats: every media buffer's bytes each way, and a round trip per frame acked", () => {
    const { peer, sent, link } = setup();
    const frame = (key: boolean): EncodedChunk => ({ data: new Uint8Array(100), timestamp: 10, key });
    peer.chunks.next(frame(true));
    peer.chunks.next(frame(false));
    link.receive([control('ack', 1)]); // both acked cumulatively: a sample for frame 1 only
    link.receive([control('keepalive', 0)]);
    link.receive([control('ack', 1)]); // refused (not in flight), its bytes still came
    peer.keyframeWanted.next(); // a keyframe request goes out
    expect(sent.map((h) => h.kind)).toEqual(['video', 'video', 'keyframe_request']);
    const figures = link.meter.read();
    expect(figures.rtt_ms).toEqual(expect.any(Number));
    expect(figures.rtt_ms).toBeGreaterThanOrEqual(0);
    // over the read's interval: the ratio of the bytes is exact whatever the interval was
    const bytesOut = 2 * (MEDIA_HEADER_BYTES + 100) + MEDIA_HEADER_BYTES;
    const bytesIn = 3 * MEDIA_HEADER_BYTES;
    expect(figures.kbps_out / figures.kbps_in).toBeCloseTo(bytesOut / bytesIn, 6);
    expect(link.meter.read().rtt_ms).toBeNull(); // no frame acked since
    link.close();
  });
});

describe('KernelTransportLink: keepalive and audio, with a fake peer', () => {
  it('takes a keepalive silently: nothing sent, nothing refused', () => {
    const { sent, problems, link } = setup();
    link.receive([control('keepalive', 0)]);
    expect([sent, problems, link.counts.refused]).toEqual([[], [], 0]);
  });

  it("hands the browser's audio to the worker and acks every AUDIO_ACK_EVERY-th once decoded", () => {
    const { peer, sent, problems, link } = setup({ in: true, out: false });
    for (let seq = 0; seq < 2 * AUDIO_ACK_EVERY; seq++) link.receive([audio(seq, new Uint8Array(80), 20 * seq)]);
    expect(peer.receivedAudio).toHaveLength(2 * AUDIO_ACK_EVERY);
    expect(peer.receivedAudio[1]).toEqual({ bytes: 80, timestamp: 20 });
    expect(sent).toEqual([]);
    for (let i = 0; i < 2 * AUDIO_ACK_EVERY; i++) peer.audioChunkDone.next();
    expect(sent.map((h) => [h.kind, h.seq])).toEqual([
      ['audio_ack', AUDIO_ACK_EVERY - 1],
      ['audio_ack', 2 * AUDIO_ACK_EVERY - 1],
    ]);
    expect(problems).toEqual([]);
  });

  it('refuses audio when the stream takes none, and beyond MAX_AUDIO_IN_FLIGHT, saying why', () => {
    const off = setup({ in: false, out: true });
    off.link.receive([audio(0, new Uint8Array(10))]);
    expect(off.peer.receivedAudio).toEqual([]);
    expect(off.problems).toEqual([
      'kernel transport: audio from the browser, but this stream takes none (audio off, or mode recvonly)',
    ]);
    const on = setup({ in: true, out: false });
    for (let seq = 0; seq <= MAX_AUDIO_IN_FLIGHT; seq++) on.link.receive([audio(seq, new Uint8Array(10))]);
    expect(on.peer.receivedAudio).toHaveLength(MAX_AUDIO_IN_FLIGHT);
    expect(on.problems).toEqual([`kernel transport: more than ${MAX_AUDIO_IN_FLIGHT} audio packets in flight`]);
    expect(on.link.counts.refused).toBe(1);
  });

  it('refuses an oversized audio packet and an audio ack of nothing in flight, with clear errors', () => {
    const { peer, problems, link } = setup({ in: true, out: true });
    link.receive([audio(0, new Uint8Array(MAX_AUDIO_MEDIA_BYTES + 1))]);
    link.receive([control('audio_ack', 3)]);
    expect(peer.receivedAudio).toEqual([]);
    expect(problems).toEqual([
      `kernel transport: an audio media message carries 1 to ${MAX_AUDIO_MEDIA_BYTES} bytes of Opus`,
      'kernel transport: an audio ack of packet 3, which is not in flight',
    ]);
  });

  it('sends the worker audio with consecutive sequence numbers, at most MAX_AUDIO_IN_FLIGHT unacked', () => {
    const { peer, sent, link } = setup({ in: false, out: true });
    const packet = (timestamp: number) => peer.audioChunks.next({ data: new Uint8Array(60), timestamp });
    for (let i = 0; i < MAX_AUDIO_IN_FLIGHT + 3; i++) packet(20 * i);
    expect(sent.map((h) => h.seq)).toEqual([...Array(MAX_AUDIO_IN_FLIGHT).keys()]);
    expect(sent[2]).toEqual({ kind: 'audio', key: false, seq: 2, timestamp: 40, payloadBytes: 60, ack: null });
    expect(link.counts.audio_dropped_out).toBe(3);
    link.receive([control('audio_ack', 3)]); // the first four: four more may go
    for (let i = 0; i < 5; i++) packet(1000 + 20 * i);
    expect(sent.map((h) => h.seq).slice(MAX_AUDIO_IN_FLIGHT)).toEqual([16, 17, 18, 19]);
    expect(link.counts.audio_dropped_out).toBe(4);
  });

  it('sends no audio to a browser that plays none', () => {
    const { peer, sent } = setup({ in: true, out: false });
    peer.audioChunks.next({ data: new Uint8Array(60), timestamp: 20 });
    expect(sent).toEqual([]);
  });
});

describe('KernelTransportLink with a real media worker', () => {
  jest.setTimeout(30000);

  it('decodes the browser frames into frames$, and returns the transform output encoded', async () => {
    const peer = await MediaPeer.create();
    const errors: string[] = [];
    peer.errors$.subscribe((e) => errors.push(e.message));
    const out: { header: IMediaHeader; vp8: Uint8Array }[] = [];
    const gotOutput = new Subject<void>();
    const link = new KernelTransportLink(
      peer,
      (buffer) => {
        const header = parseMediaHeader(buffer);
        if (header.kind === 'video') {
          out.push({ header, vp8: buffer.slice(MEDIA_HEADER_BYTES) });
          gotOutput.next();
        }
      },
      (p) => {
        throw new Error(p);
      },
    );
    try {
      peer.useChunks();
      // the "transform": invert the luma and send it back
      peer.frames$.subscribe((frame) => {
        const inverted = new Uint8Array(frame.data.subarray(0, i420Size(frame.width, frame.height)));
        for (let i = 0; i < frame.width * frame.height; i++) inverted[i] = 255 - inverted[i];
        peer.send(new I420Frame(frame.width, frame.height, frame.timestamp, inverted));
      });
      const firstIn = firstValueFrom(peer.frames$.pipe(take(1)));
      firstIn.catch(() => undefined); // awaited below; a failure before that must not crash jest
      const encoder = new Vp8Encoder();
      const browserFrames: Uint8Array[] = [];
      encoder.encode(level(60), W, H, 0, true, (data) => browserFrames.push(new Uint8Array(data)));
      link.receive([video(0, browserFrames[0], true, 1000)]);
      const decoded = await firstIn.catch((e) => {
        throw new Error(`no frame decoded (${errors.join('; ')}): ${e}`);
      });
      expect([decoded.width, decoded.height]).toEqual([W, H]);
      expect(Math.abs(lumaOf(decoded) - 60)).toBeLessThan(6);
      await firstValueFrom(gotOutput.pipe(filter(() => out.length >= 1)));
      expect(out[0].header).toMatchObject({ kind: 'video', seq: 0, key: true });
      const decoder = new Vp8Decoder();
      let luma = -1;
      decoder.decode(Buffer.from(out[0].vp8), (f) => {
        const pixels = new Uint8Array(i420Size(f.width, f.height));
        copyAvFrameToI420(f, pixels);
        luma = lumaOf({ data: pixels });
      });
      expect(Math.abs(luma - (255 - 60))).toBeLessThan(6);
      decoder.close();
      encoder.close();
    } finally {
      link.close();
      await peer.close();
    }
  });
});

/** `count` 20 ms frames of a `hz` sine at amplitude 0.5, 48 kHz mono. */
function sineFrames(hz: number, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, f) =>
    Float32Array.from(
      { length: OPUS_FRAME_SAMPLES },
      (_, i) => Math.sin((2 * Math.PI * hz * (f * OPUS_FRAME_SAMPLES + i)) / OPUS_SAMPLE_RATE) * 0.5,
    ),
  );
}

describe('KernelTransportLink audio with a real media worker', () => {
  jest.setTimeout(30000);

  it("decodes the browser's Opus into audio$, and sends the audio it is given back as Opus", async () => {
    const peer = await MediaPeer.create();
    const errors: string[] = [];
    peer.errors$.subscribe((e) => errors.push(e.message));
    const out: { header: IMediaHeader; opus: Uint8Array }[] = [];
    const gotOutput = new Subject<void>();
    const link = new KernelTransportLink(
      peer,
      (buffer) => {
        const header = parseMediaHeader(buffer);
        if (header.kind === 'audio') {
          out.push({ header, opus: buffer.slice(MEDIA_HEADER_BYTES) });
          gotOutput.next();
        }
      },
      (p) => {
        throw new Error(p);
      },
      { in: true, out: true },
    );
    const encoder = new OpusEncoder({ channels: 1 });
    const decoder = new OpusDecoder(1);
    try {
      peer.useChunks();
      peer.useAudioChunks();
      const tenFrames = firstValueFrom(
        peer.audio$.pipe(
          map((frame): AudioFrame => ({ ...frame, data: frame.data.slice() })),
          bufferCount(10),
        ),
      );
      tenFrames.catch(() => undefined);
      const packets: Uint8Array[] = [];
      sineFrames(440, 12).forEach((pcm, f) =>
        encoder.encode(pcm, f * OPUS_FRAME_SAMPLES, (data) => packets.push(new Uint8Array(data))),
      );
      packets.forEach((packet, seq) => link.receive([audio(seq, packet, 5000 + 20 * seq)]));
      const heard = await tenFrames.catch((e) => {
        throw new Error(`no audio decoded (${errors.join('; ')}): ${e}`);
      });
      expect(heard[0]).toMatchObject({ sampleRate: OPUS_SAMPLE_RATE, channels: 1, samples: OPUS_FRAME_SAMPLES });
      // capture times on this process's wall clock (chunk-clock.ts), 20 ms apart as the browser's
      // (less up to MAX_SLEW_MS: sent at once, each packet looks less delayed than the one before)
      const [t0, t1] = heard.map((f) => f.timestamp);
      expect(Math.abs(t0 - Date.now())).toBeLessThan(10_000);
      expect(t1 - t0).toBeGreaterThanOrEqual(20 - MAX_SLEW_MS);
      expect(t1 - t0).toBeLessThanOrEqual(20);
      expect(toneLevel(heard[8], 440)).toBeGreaterThan(0.2);

      // the kernel's audio to the browser: a 1 kHz tone comes back as Opus packets that decode to it
      sineFrames(1000, 12).forEach((data, f) =>
        peer.sendAudio({
          sampleRate: OPUS_SAMPLE_RATE,
          channels: 1,
          samples: OPUS_FRAME_SAMPLES,
          timestamp: 20 * f,
          data,
        }),
      );
      await firstValueFrom(gotOutput.pipe(filter(() => out.length >= 10)));
      expect(out.map((o) => o.header.seq).slice(0, 10)).toEqual([...Array(10).keys()]);
      let level = 0;
      // decoded in order, as the browser does (a decoder needs the packets before to converge)
      for (const { opus } of out.slice(0, 9)) {
        decoder.decode(Buffer.from(opus), (pcm, samples) => {
          level = toneLevel(
            { sampleRate: OPUS_SAMPLE_RATE, channels: 1, samples, timestamp: 0, data: pcm.slice() },
            1000,
          );
        });
      }
      expect(level).toBeGreaterThan(0.2);
      expect(errors).toEqual([]);
    } finally {
      encoder.close();
      decoder.close();
      link.close();
      await peer.close();
    }
  });
});
