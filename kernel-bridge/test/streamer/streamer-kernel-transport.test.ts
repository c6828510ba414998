/**
 * @jest-environment ./test/media/native-env.js
 *
 * The streamer widget's kernel-transport sessions as a whole, over a fake comm: the notebook's
 * transport "webrtc" refuses them, and a browser that falls silent (page closed, no frames and no
 * acks) ends the session as it does over WebRTC, and the stats carry the link's own figures.
 * (kernel-transport.test.ts tests the link itself.)
 */
import { NEVER, Subject } from 'rxjs';
import { createI420Frame, type Frame } from '../../src/media';
import { WebRtcStreamer, type StreamerOptions } from '../../src/streamer/streamer';
import { MEDIA_HEADER_BYTES, parseMediaHeader, writeMediaHeader } from '../../src/streamer/protocol';
import { FakeComm, FakeKernel, freshKernel } from '../widgets/fake-kernel';
import { customs, sleep, until } from './comm-helpers';
import { H, level, W } from './flat-frames';

let kernel: FakeKernel;
const open: WebRtcStreamer[] = [];

function start(options: StreamerOptions): { streamer: WebRtcStreamer; comm: FakeComm } {
  const streamer = new WebRtcStreamer(options);
  open.push(streamer);
  return { streamer, comm: kernel.comm(streamer.modelId) };
}

const send = (comm: FakeComm, content: object, buffers: Buffer[] = []) =>
  comm.receive({ method: 'custom', content: content as never }, buffers);

/** A header-only media message from the browser (a keyframe request, a keepalive): carries no frame. */
function control(kind: 'keyframe_request' | 'keepalive' | 'ack', seq = 0): Buffer {
  const bytes = Buffer.alloc(MEDIA_HEADER_BYTES);
  writeMediaHeader(bytes, kind, seq);
  return bytes;
}

/** The sequence numbers of the kernel's video frames on `comm` from index `from` of its sent messages. */
function videoSeqs(comm: FakeComm, from: number): number[] {
  const seqs: number[] = [];
  for (const sent of comm.sent.slice(from)) {
    if ((sent.data.content as { type?: string } | undefined)?.type !== 'media' || sent.buffers.length !== 1) continue;
    const header = parseMediaHeader(sent.buffers[0]);
    if (header.kind === 'video') seqs.push(header.seq);
  }
  return seqs;
}

beforeEach(() => {
  kernel = freshKernel();
});

afterEach(() => {
  for (const streamer of open.splice(0)) streamer.close();
});

describe('streamer kernel-transport sessions', () => {
  it('transport "webrtc": a use_kernel_transport is refused with a clear, fatal error', async () => {
    const { streamer, comm } = start({ key: 'kt-refused', transport: 'webrtc' });
    send(comm, { type: 'use_kernel_transport', reason: 'WebRTC did not connect within 5 s' });
    await until(() => customs(comm, 'error').length > 0, 'the error');
    expect(customs(comm, 'error')).toEqual([
      {
        type: 'error',
        message:
          'the kernel transport is refused: this stream\'s transport is "webrtc" (webrtcStreamer({ transport })); use "auto" or "kernel" to allow it',
        fatal: true,
      },
    ]);
    expect(customs(comm, 'kernel_transport_ready')).toEqual([]);
    expect(streamer.get('kernel_status')).toBe('error');
  });

  it('transport "auto": the same request is served', async () => {
    const { streamer, comm } = start({ key: 'kt-auto', transport: 'auto' });
    send(comm, { type: 'use_kernel_transport', reason: 'test' });
    await until(() => customs(comm, 'kernel_transport_ready').length > 0, 'ready');
    expect(streamer.get('kernel_status')).toBe('playing');
    expect(customs(comm, 'error')).toEqual([]);
  });

  it('a browser that falls silent on the kernel transport: the stream stops with "the browser went away"', async () => {
    const timeoutMs = 800;
    const { streamer, comm } = start({ key: 'kt-vanish', livenessTimeoutMs: timeoutMs });
    send(comm, { type: 'use_kernel_transport', reason: 'test' });
    await until(() => streamer.get('kernel_status') === 'playing', 'playing');
    // Talking for three timeouts: alive all along.
    const talking = Date.now();
    let lastHeard = talking;
    while (Date.now() - talking < 3 * timeoutMs) {
      lastHeard = Date.now(); // before the kernel hears it: the silence is counted from here at the latest
      send(comm, { type: 'media' }, [control('keyframe_request')]);
      await sleep(50);
      expect(customs(comm, 'stopped')).toEqual([]);
    }
    expect(streamer.get('kernel_status')).toBe('playing');
    await until(() => customs(comm, 'stopped').length > 0, 'stopped');
    expect(Date.now() - lastHeard).toBeGreaterThanOrEqual(timeoutMs);
    expect(customs(comm, 'stopped')).toEqual([{ type: 'stopped', reason: 'the browser went away' }]);
    expect(streamer.get('kernel_status')).toBe('stopped');
  });

  it('a recvonly browser that only sends keepalives (nothing to ack yet) stays alive', async () => {
    const timeoutMs = 800;
    const { streamer, comm } = start({
      key: 'kt-keepalive',
      mode: 'recvonly',
      source: NEVER,
      livenessTimeoutMs: timeoutMs,
    });
    send(comm, { type: 'use_kernel_transport', reason: 'test' });
    await until(() => streamer.get('kernel_status') === 'playing', 'playing');
    const since = Date.now();
    while (Date.now() - since < 3 * timeoutMs) {
      send(comm, { type: 'media' }, [control('keepalive')]);
      await sleep(timeoutMs / 4);
      expect(customs(comm, 'stopped')).toEqual([]);
    }
    expect(streamer.get('kernel_status')).toBe('playing');
    expect(customs(comm, 'error')).toEqual([]);
  });

  it('stats over the kernel transport: named, with the bitrate of the media buffers each way and the ack round trip', async () => {
    const source = new Subject<Frame>();
    const { streamer, comm } = start({ key: 'kt-stats', mode: 'recvonly', source });
    send(comm, { type: 'use_kernel_transport', reason: 'test' });
    await until(() => streamer.get('kernel_status') === 'playing', 'playing');
    // A recvonly browser: it acks each of the kernel's frames at once (standalone acks).
    let seen = 0;
    const linked = () =>
      customs(comm, 'stats').find((s) => s.transport === 'kernel' && s.rtt_ms !== null && (s.kbps_in as number) > 0);
    for (let frames = 0; !linked(); frames++) {
      if (frames > 300) throw new Error('no stats with the link figures after 300 frames');
      source.next(createI420Frame(W, H, 0, level(100 + (frames % 50))));
      const upTo = comm.sent.length;
      for (const seq of videoSeqs(comm, seen)) send(comm, { type: 'media' }, [control('ack', seq)]);
      seen = upTo;
      await sleep(33);
    }
    const stats = linked()!;
    // out: frames of a 160×120 picture, tens of kbit/s at least; in: 20-byte acks, about 5 kbit/s
    expect(stats.kbps_out).toBeGreaterThan(stats.kbps_in as number);
    expect(stats.kbps_in).toBeGreaterThan(0);
    expect(stats.rtt_ms).toEqual(expect.any(Number));
    expect(stats.rtt_ms as number).toBeGreaterThanOrEqual(0);
    expect(stats.rtt_ms as number).toBeLessThan(1000);
    // nothing is lost on the comm; no frame was dropped for credit: every one was acked at once
    expect(stats).toMatchObject({ loss_out: 0, lost_in: 0, link_dropped: 0 });
    expect(customs(comm, 'error')).toEqual([]);
  });
});
