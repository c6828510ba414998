/**
 * Files mediaFile must refuse with a clear reason, written with node-av at test time: sound
 * without video, a video codec this FFmpeg can write but not decode (lossless JPEG), and a clip
 * whose packets turn to garbage half-way (a container that reads fine around data that does not
 * decode).
 */
import { nodeAv } from '../../src/media/native';

const av = () => nodeAv();

/** A WebM with one Opus stream (a second of a tone) and no video. */
export async function writeAudioOnly(path: string): Promise<void> {
  const a = av();
  const encoder = await a.Encoder.create(a.FF_ENCODER_LIBOPUS, { bitrate: 64_000, autoResample: true });
  const muxer = await a.Muxer.open(path, { format: 'webm' });
  const index = muxer.addStream(encoder);
  for (let i = 0; i < 50; i++) {
    const pcm = new Float32Array(960).map((_, s) => 0.3 * Math.sin((2 * Math.PI * 440 * (i * 960 + s)) / 48000));
    const frame = a.Frame.fromAudioBuffer(Buffer.from(pcm.buffer), {
      nbSamples: 960,
      format: a.AV_SAMPLE_FMT_FLT,
      sampleRate: 48000,
      channelLayout: a.AV_CHANNEL_LAYOUT_MONO,
      timeBase: { num: 1, den: 48000 },
      pts: BigInt(i * 960),
    });
    for (const p of await encoder.encodeAll(frame)) await muxer.writePacket(p, index);
    frame.free();
  }
  for (const p of await encoder.encodeAll(null)) await muxer.writePacket(p, index);
  await muxer.close();
  encoder.close();
}

/** Video frames to feed an encoder: grey 64x48 yuv420p (or the given format). */
function greyFrame(i: number, format = av().AV_PIX_FMT_YUV420P) {
  const a = av();
  const pixels = Buffer.alloc(64 * 48 * 3, 128);
  return a.Frame.fromVideoBuffer(pixels, {
    width: 64,
    height: 48,
    format,
    timeBase: { num: 1, den: 10 },
    pts: BigInt(i),
  });
}

/**
 * An MPEG-TS with one AVS2 video stream: FFmpeg demuxes AVS2 (a Chinese broadcast codec) but this
 * build has no decoder for it. The packets are placeholders; the file is refused before decoding.
 */
export function writeUndecodable(path: string): void {
  const a = av();
  const ctx = new a.FormatContext();
  const check = (ret: number, what: string) => {
    if (ret < 0) throw new Error(`${what} failed (${ret})`);
  };
  check(ctx.allocOutputContext2(null, 'mpegts', path), 'allocOutputContext2');
  const stream = ctx.newStream(null);
  stream.codecpar.codecType = a.AVMEDIA_TYPE_VIDEO;
  stream.codecpar.codecId = a.AV_CODEC_ID_AVS2;
  stream.codecpar.width = 64;
  stream.codecpar.height = 48;
  stream.timeBase = new a.Rational(1, 90000);
  check(ctx.openOutputSync(), 'openOutput');
  check(ctx.writeHeaderSync(null), 'writeHeader');
  for (let i = 0; i < 10; i++) {
    const packet = new a.Packet();
    packet.alloc();
    packet.data = Buffer.from([0, 0, 1, 0xb0, ...new Array<number>(60).fill(i)]);
    packet.streamIndex = 0;
    packet.pts = packet.dts = BigInt(i * 9000);
    packet.timeBase = stream.timeBase;
    check(ctx.interleavedWriteFrameSync(packet), 'writeFrame');
    packet.free();
  }
  check(ctx.writeTrailerSync(), 'writeTrailer');
  ctx.closeOutputSync();
  ctx.freeContext();
}

/** A VP8 WebM: `good` decodable frames, then `bad` packets of 0xFF bytes (VP8 profile 7: invalid). */
export async function writeBrokenHalfWay(path: string, good = 10, bad = 20): Promise<void> {
  const a = av();
  const encoder = await a.Encoder.create(a.FF_ENCODER_LIBVPX_VP8, {
    bitrate: 200_000,
    gopSize: 1000,
    options: { deadline: 'realtime', 'cpu-used': -8 },
  });
  const muxer = await a.Muxer.open(path, { format: 'webm' });
  const index = muxer.addStream(encoder);
  let last: { pts: bigint; timeBase: { num: number; den: number } } | null = null;
  for (let i = 0; i < good; i++) {
    const frame = greyFrame(i);
    for (const p of await encoder.encodeAll(frame)) {
      last = { pts: p.pts, timeBase: { num: p.timeBase.num, den: p.timeBase.den } };
      await muxer.writePacket(p, index);
    }
    frame.free();
  }
  for (const p of await encoder.encodeAll(null)) await muxer.writePacket(p, index);
  if (!last) throw new Error('the encoder gave no packet');
  const step = BigInt(Math.round(last.timeBase.den / last.timeBase.num / 10)); // 100 ms in its time base
  for (let i = 1; i <= bad; i++) {
    const packet = new a.Packet();
    packet.alloc();
    packet.data = Buffer.alloc(200, 0xff);
    packet.timeBase = new a.Rational(last.timeBase.num, last.timeBase.den);
    packet.pts = packet.dts = last.pts + step * BigInt(i);
    packet.duration = step;
    await muxer.writePacket(packet, index);
    packet.free();
  }
  await muxer.close();
  encoder.close();
}
