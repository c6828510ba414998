/**
 * Outgoing video, main thread -> browser: I420 -> node-av libvpx (realtime) -> Vp8Payloader (ours)
 * -> RTP header -> track.writeRtp. werift only forwards RTP packets we build, so sequence numbers,
 * timestamps and the payload type are ours to set: the payload type is the one the browser's offer
 * gave VP8 (read after negotiation; Chrome and Firefox do not use the same number).
 *
 * A keyframe goes out first, after (re)connecting and whenever the browser sends a PLI; libvpx's own
 * keyframe interval is long (see Vp8EncoderOptions), so PLIs are what recover a lossy stream.
 */
import type { MediaStreamTrack as Track } from 'werift';
import { Vp8Encoder } from '../../media/codecs';
import { Vp8Payloader } from '../vp8-payloader';
import { RtpClock } from './rtp-clock';
import type { WorkerStats } from './stats';

const werift = require('werift') as typeof import('werift');

/** Where encoded frames go: the negotiated send track and VP8 payload type. */
export interface RtpOut {
  track: Track;
  payloadType: number;
}

export interface SenderOptions {
  bitrate: number | undefined;
  encoderThreads: number | undefined;
  maxPayload: number | undefined;
  stats: WorkerStats;
}

export class Sender {
  private readonly encoder: Vp8Encoder;
  private readonly payloader: Vp8Payloader;
  private readonly clock = new RtpClock();
  private seq = Math.floor(Math.random() * 0x10000);
  private keyframeWanted = true;

  constructor(private readonly opts: SenderOptions) {
    this.encoder = new Vp8Encoder({ bitrate: opts.bitrate, threads: opts.encoderThreads });
    this.payloader = new Vp8Payloader(opts.maxPayload);
  }

  /** The next frame is encoded as a keyframe. */
  forceKeyframe(): void {
    this.keyframeWanted = true;
  }

  /** Encodes one tight I420 image and writes its RTP packets to `out`. */
  send(width: number, height: number, timestamp: number, data: Uint8Array, out: RtpOut): void {
    const t0 = performance.now();
    const rtpTs = this.clock.rtpTimestamp(timestamp);
    const key = this.keyframeWanted;
    this.keyframeWanted = false;
    const { stats } = this.opts;
    this.encoder.encode(data, width, height, this.clock.lastTicks, key, (packet) => {
      stats.encoded++;
      for (const { payload, marker } of this.payloader.packetize(packet)) {
        const header = new werift.RtpHeader({
          sequenceNumber: this.seq,
          timestamp: rtpTs,
          marker,
          payloadType: out.payloadType,
        });
        this.seq = (this.seq + 1) & 0xffff;
        out.track.writeRtp(new werift.RtpPacket(header, payload));
      }
      // counted once every packet of the frame went out (writeRtp throws otherwise)
      stats.sent++;
    });
    stats.encodeMs += performance.now() - t0;
  }

  close(): void {
    this.encoder.close();
  }
}
