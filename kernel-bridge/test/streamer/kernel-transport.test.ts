/**
 * @jest-environment ./test/media/native-env.js
 *
 * The kernel transport's kernel end (src/streamer/kernel-transport.ts): a fake peer for the
 * validation and flow control, then a real media worker for decode -> transform -> encode.
 */
import { firstValueFrom, Subject, filter, take } from 'rxjs';
import { Vp8Decoder, Vp8Encoder, copyAvFrameToI420 } from '../../src/media/codecs';
import { I420Frame, i420Size } from '../../src/media/frame';
import { MediaPeer, type EncodedChunk } from '../../src/rtc/media-peer';
import { KernelTransportLink, type ChunkPeer } from '../../src/streamer/kernel-transport';
import {
  MAX_MEDIA_BYTES,
  MAX_MEDIA_IN_FLIGHT,
  MEDIA_HEADER_BYTES,
  parseMediaHeader,
  writeMediaHeader,
  type IMediaHeader,
} from '../../src/streamer/protocol';
import { H, W, level, lumaOf } from './flat-frames';

function video(seq: number, data: Uint8Array, key = true, timestamp = 0): Uint8Array {
  const bytes = new Uint8Array(MEDIA_HEADER_BYTES + data.byteLength);
  writeMediaHeader(bytes, 'video', seq, key, timestamp);
  bytes.set(data, MEDIA_HEADER_BYTES);
  return bytes;
}

function control(kind: 'ack' | 'keyframe_request', seq: number): Uint8Array {
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
  readonly received: { bytes: number; timestamp: number }[] = [];
  keyframesForced = 0;
  sendChunk(data: Uint8Array, timestamp: number): void {
    this.received.push({ bytes: data.byteLength, timestamp });
  }
  forceKeyframe(): void {
    this.keyframesForced++;
  }
}

function setup() {
  const peer = new FakePeer();
  const sent: IMediaHeader[] = [];
  const problems: string[] = [];
  const link = new KernelTransportLink(
    peer,
    (buffer) => sent.push(parseMediaHeader(buffer)),
    (p) => problems.push(p),
  );
  return { peer, sent, problems, link };
}

describe('KernelTransportLink with a fake peer', () => {
  it('hands valid frames to the worker and acks each once decoded, in order', () => {
    const { peer, sent, link } = setup();
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

  it('acks but does not decode a frame beyond the in-flight limit, and asks for a keyframe', () => {
    const { peer, sent, link } = setup();
    for (let seq = 0; seq <= MAX_MEDIA_IN_FLIGHT; seq++) link.receive([video(seq, new Uint8Array(4))]);
    expect(peer.received).toHaveLength(MAX_MEDIA_IN_FLIGHT);
    expect(sent.map((h) => [h.kind, h.seq])).toEqual([
      ['ack', MAX_MEDIA_IN_FLIGHT],
      ['keyframe_request', 0],
    ]);
    expect(link.counts.refused).toBe(1);
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

  it("forwards the browser's keyframe requests to the encoder and the worker's to the browser", () => {
    const { peer, sent, link } = setup();
    link.receive([control('keyframe_request', 0)]);
    expect(peer.keyframesForced).toBe(1);
    peer.keyframeWanted.next();
    expect(sent.map((h) => h.kind)).toEqual(['keyframe_request']);
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
