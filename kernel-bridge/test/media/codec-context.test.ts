/**
 * @jest-environment ./test/media/native-env.js
 *
 * The shared node-av set-up (src/media/codec-context.ts) every codec of ours opens through: an
 * encoder's input frame is allocated to its shape, its packets come out as copies, a decoder gets
 * them back as frames, and a bad codec name or option fails with an error that names the codec
 * (after freeing what was made: the process must not crash).
 */
import {
  closeCodec,
  configureI420Encoder,
  decodePacket,
  drainPackets,
  i420InputFrame,
  openCodec,
  type CodecSpec,
} from '../../src/media/codec-context';
import { nodeAv } from '../../src/media/native';

const W = 64;
const H = 48;

const vp8Encoder = (options: CodecSpec['options'] = []): CodecSpec => ({
  codec: { encoder: nodeAv().FF_ENCODER_LIBVPX_VP8 },
  label: 'test VP8 encoder',
  configure: (ctx, av) => configureI420Encoder(ctx, av, W, H),
  options: [['deadline', 'realtime'], ['lag-in-frames', 0], ...options],
  ...i420InputFrame(W, H),
});

describe('openCodec / drainPackets / decodePacket', () => {
  test('an encoder gets an input frame of its shape; its packets decode back to frames of that size', () => {
    const encoder = openCodec(vp8Encoder());
    const decoder = openCodec({ codec: { decoder: nodeAv().FF_DECODER_VP8 }, label: 'test VP8 decoder' });
    try {
      const frame = encoder.frame;
      expect([frame.width, frame.height, frame.format]).toEqual([W, H, nodeAv().AV_PIX_FMT_YUV420P]);
      expect([encoder.ctx.timeBase.num, encoder.ctx.timeBase.den, encoder.ctx.maxBFrames]).toEqual([1, 90000, 0]);
      expect(frame.data?.[0]?.length).toBeGreaterThanOrEqual(W * H);

      const packets: Buffer[] = [];
      const snapshots: Buffer[] = [];
      for (let i = 0; i < 3; i++) {
        expect(frame.makeWritable()).toBeGreaterThanOrEqual(0);
        for (const plane of frame.data!.slice(0, 3)) plane.fill(40 + 60 * i);
        frame.pts = BigInt(i * 3000);
        expect(encoder.ctx.sendFrameSync(frame)).toBeGreaterThanOrEqual(0);
        drainPackets(encoder, (data, packet) => {
          expect(typeof packet.isKeyframe).toBe('boolean');
          packets.push(data);
          snapshots.push(Buffer.from(data));
        });
      }
      expect(packets.length).toBe(3);
      // Copies: later encodes did not overwrite what was handed out.
      packets.forEach((p, i) => expect(p.equals(snapshots[i])).toBe(true));

      const sizes: string[] = [];
      for (const p of packets) {
        expect(decodePacket(decoder, p, (f) => sizes.push(`${f.width}x${f.height}`))).toBe(1);
      }
      expect(sizes).toEqual([`${W}x${H}`, `${W}x${H}`, `${W}x${H}`]);
    } finally {
      closeCodec(encoder);
      closeCodec(decoder);
    }
  });

  test('a corrupt packet gives a negative FFmpeg error, not a frame', () => {
    const decoder = openCodec({ codec: { decoder: nodeAv().FF_DECODER_VP8 }, label: 'test VP8 decoder' });
    try {
      const onFrame = jest.fn();
      expect(decodePacket(decoder, Buffer.from([1, 2, 3]), onFrame)).toBeLessThan(0);
      expect(onFrame).not.toHaveBeenCalled();
    } finally {
      closeCodec(decoder);
    }
  });

  test('a rejected option fails with the codec and option named', () => {
    expect(() => openCodec(vp8Encoder([['no-such-option', 1]]))).toThrow(
      /test VP8 encoder option no-such-option=1 rejected/,
    );
  });

  test('a codec FFmpeg lacks fails with what it was needed for', () => {
    expect(() =>
      openCodec({
        codec: { encoder: 'no-such-encoder' as never },
        label: 'imaginary encoder',
        neededFor: 'for this test',
      }),
    ).toThrow('FFmpeg has no imaginary encoder (needed for this test)');
  });
});
