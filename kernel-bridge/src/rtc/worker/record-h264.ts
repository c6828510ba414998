/**
 * H.264 for MP4 recordings (MP4 cannot carry VP8): tight I420 -> libx264 packets, with the codec
 * parameters (SPS/PPS as global extradata, which MP4 keeps in its header) for the muxer's stream.
 * Low-level CodecContext opened by media/codec-context.ts: node-av 6.1.1's high-level Encoder with
 * `options` crashes at exit (its temporary Dictionary is double-freed; checked with libx264).
 * Settings are for a recorder sharing a worker with the live codecs: ultrafast, zerolatency (no
 * lookahead, no B-frames: each frame's packet comes out at once, nothing is held back at stop),
 * one thread, a keyframe every 2 s at 30 fps so the file seeks.
 */
import {
  closeCodec,
  configureI420Encoder,
  drainPackets,
  i420InputFrame,
  openCodec,
  type OpenCodec,
} from '../../media/codec-context';
import { nodeAv, type NodeAvModule } from '../../media/native';
import { chromaHeight, chromaWidth } from '../../media/frame';

type AvCodecParameters = InstanceType<NodeAvModule['CodecParameters']>;

/** One encoded frame, copied out of FFmpeg (pts and dts in 1/90000 s). */
export interface H264Packet {
  data: Buffer;
  pts: number;
  dts: number;
  keyframe: boolean;
}

export class H264Encoder {
  private readonly codec: OpenCodec;
  private closed = false;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.codec = openCodec({
      codec: { encoder: nodeAv().FF_ENCODER_LIBX264 },
      label: 'libx264 encoder',
      neededFor: 'for MP4 recordings',
      configure: (ctx, av) => {
        configureI420Encoder(ctx, av, width, height);
        ctx.gopSize = 60;
        ctx.threadCount = 1;
        ctx.setFlags(av.AV_CODEC_FLAG_GLOBAL_HEADER);
      },
      options: [
        ['preset', 'ultrafast'],
        ['tune', 'zerolatency'],
        ['crf', '23'],
      ],
      ...i420InputFrame(width, height),
    });
  }

  /** Writes the encoder's parameters (codec, size, extradata) into a stream's `codecpar`. */
  describe(par: AvCodecParameters): void {
    const ret = par.fromContext(this.codec.ctx);
    if (ret < 0) throw new Error(`cannot read the H.264 encoder's parameters (${ret})`);
  }

  /** Encodes one tight I420 image of the encoder's size at `pts90k` (increasing); packets go to `onPacket`. */
  encode(i420: Uint8Array, pts90k: number, onPacket: (p: H264Packet) => void): void {
    const frame = this.codec.frame;
    const w = frame.makeWritable();
    if (w < 0) throw new Error(`H.264 input frame not writable (${w})`);
    const planes = frame.data;
    const strides = frame.linesize;
    if (!planes || planes.length < 3) throw new Error('H.264 input frame has no planes');
    let off = 0;
    for (let p = 0; p < 3; p++) {
      const pw = p === 0 ? this.width : chromaWidth(this.width);
      const ph = p === 0 ? this.height : chromaHeight(this.height);
      for (let r = 0; r < ph; r++, off += pw) planes[p].set(i420.subarray(off, off + pw), r * strides[p]);
    }
    frame.pts = BigInt(pts90k);
    const ret = this.codec.ctx.sendFrameSync(frame);
    if (ret < 0) throw new Error(`H.264 encode failed (${ret})`);
    this.drain(onPacket);
  }

  /** Encodes what the encoder still holds (nothing with zerolatency, but the end of a file must not depend on that). */
  flush(onPacket: (p: H264Packet) => void): void {
    if (this.codec.ctx.sendFrameSync(null) >= 0) this.drain(onPacket);
  }

  private drain(onPacket: (p: H264Packet) => void): void {
    drainPackets(this.codec, (data, packet) =>
      onPacket({ data, pts: Number(packet.pts), dts: Number(packet.dts), keyframe: packet.isKeyframe }),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeCodec(this.codec);
  }
}
