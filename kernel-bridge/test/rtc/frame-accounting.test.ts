/**
 * @jest-environment ./test/media/native-env.js
 *
 * Frame accounting in the worker (issue 9): every frame that enters receive.ts or send.ts is counted
 * once, at the stage where it stops or goes on (received = decoded + decode_failed; decoded =
 * posted + dropped_worker + held), and the ~1 Hz report turns the counters into rates and means.
 * Runs the real decoder and encoder, without a network: RTP packets go straight into a werift track.
 */
import { MediaStreamTrack, RtpHeader, RtpPacket } from 'werift';
import { I420BufferPool } from '../../src/media/buffer-pool';
import { Vp8Encoder } from '../../src/media/codecs';
import { createI420Frame } from '../../src/media';
import type { FromWorker } from '../../src/rtc/protocol';
import { Receiver } from '../../src/rtc/worker/receive';
import { Sender } from '../../src/rtc/worker/send';
import { WorkerStats } from '../../src/rtc/worker/stats';
import { Vp8Payloader } from '../../src/rtc/vp8-payloader';

const W = 160;
const H = 120;

/** Resolves once `condition` holds, checking after each event-loop turn (the jitter buffer is timer-driven). */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Stands in for the browser's camera track: VP8 frames as RTP packets into a werift track. */
class RtpSource {
  readonly track = new MediaStreamTrack({ kind: 'video' });
  private readonly encoder = new Vp8Encoder({ threads: 1 });
  private readonly payloader = new Vp8Payloader();
  private seq = 1;
  private frames = 0;

  /** One encoded frame (the first is a keyframe). */
  frame(): void {
    const image = createI420Frame(W, H);
    image.y.fill(40 + ((this.frames * 7) % 180));
    const ts = (this.frames++ * 3000) >>> 0;
    this.encoder.encode(image.data, W, H, ts, this.frames === 1, (data) => this.packets(data, ts));
  }

  /** A frame the decoder cannot use (not VP8). */
  garbage(): void {
    this.packets(Buffer.alloc(200, 0xff), (this.frames++ * 3000) >>> 0);
  }

  private packets(data: Buffer, ts: number): void {
    for (const { payload, marker } of this.payloader.packetize(data)) {
      const header = new RtpHeader({ sequenceNumber: this.seq++, timestamp: ts, marker, payloadType: 96 });
      this.track.onReceiveRtp.execute(new RtpPacket(header, payload));
    }
  }

  close(): void {
    this.encoder.close();
  }
}

describe('WorkerStats report', () => {
  it('keeps the frame counts cumulative, and gives per-second rates and per-frame means of the interval', () => {
    const stats = new WorkerStats();
    stats.snapshot(undefined, 0); // the interval starts at 0
    stats.received = 32;
    stats.decoded = 30;
    stats.decode_failed = 2;
    stats.dropped_worker = 4;
    stats.encoded = 25;
    stats.sent = 25;
    stats.decodeMs = 60;
    stats.encodeMs = 100;
    const first = stats.snapshot(undefined, 500);
    expect(first).toMatchObject({ interval_ms: 500, fps_in: 60, fps_out: 50, decode_ms: 2, encode_ms: 4, dropped: 6 });
    expect(first.total).toEqual({
      received: 32,
      decoded: 30,
      decode_failed: 2,
      dropped_worker: 4,
      dropped_send: 0,
      encoded: 25,
      sent: 25,
    });
    stats.decoded = 40;
    stats.dropped_send = 1;
    const second = stats.snapshot(undefined, 1500);
    // the rates count only this interval; the totals go on
    expect(second).toMatchObject({ interval_ms: 1000, fps_in: 10, fps_out: 0, decode_ms: 0, encode_ms: 0, dropped: 7 });
    expect(second.total.decoded).toBe(40);
  });
});

describe('receive.ts counting', () => {
  it('counts each received frame as decoded or decode_failed, and each decoded one as posted, dropped or held', async () => {
    const stats = new WorkerStats();
    const source = new RtpSource();
    const posted: FromWorker[] = [];
    const receiver = new Receiver({
      post: (msg) => posted.push(msg),
      onError: () => undefined,
      pool: new I420BufferPool(4),
      stats,
      maxInFlight: 1,
      jitterLatencyMs: 0,
    });
    receiver.attach(source.track, async () => undefined);
    try {
      // Nothing is acknowledged: the first decoded frame is posted, the next waits, later ones replace it.
      for (let i = 0; i < 6; i++) source.frame();
      await until(() => stats.decoded === 6, '6 decoded frames');
      expect(stats.received).toBe(6);
      expect(stats.decode_failed).toBe(0);
      expect(posted.filter((m) => m.t === 'frame')).toHaveLength(1);
      expect(stats.dropped_worker).toBe(4); // 6 decoded = 1 posted + 4 replaced + 1 held

      receiver.ack(); // the main thread took the first frame: the held one goes
      expect(posted.filter((m) => m.t === 'frame')).toHaveLength(2);

      source.garbage();
      await until(() => stats.received === 7, 'the 7th frame');
      expect(stats.decode_failed).toBe(1);
      expect(stats.decoded).toBe(6);
      expect(stats.received).toBe(stats.decoded + stats.decode_failed);
    } finally {
      receiver.close();
      source.close();
    }
  });
});

describe('send.ts counting', () => {
  it('counts frames encoded, and sent once all their packets were written', () => {
    const stats = new WorkerStats();
    const sender = new Sender({ bitrate: undefined, encoderThreads: 1, maxPayload: undefined, stats });
    let packets = 0;
    let failing = false;
    const track = {
      writeRtp: () => {
        if (failing) throw new Error('socket gone');
        packets++;
      },
    } as unknown as MediaStreamTrack;
    const image = createI420Frame(W, H);
    try {
      for (let i = 0; i < 5; i++) sender.send(W, H, i * 33, image.data, { track, payloadType: 96 });
      expect(stats.encoded).toBe(5);
      expect(stats.sent).toBe(5);
      expect(packets).toBeGreaterThanOrEqual(5);
      expect(stats.encodeMs).toBeGreaterThan(0);

      failing = true;
      expect(() => sender.send(W, H, 6 * 33, image.data, { track, payloadType: 96 })).toThrow('socket gone');
      expect(stats.encoded).toBe(6);
      expect(stats.sent).toBe(5);
    } finally {
      sender.close();
    }
  });
});
