#!/usr/bin/env node
/**
 * Media file benchmark: what mediaFile's worker spends per video frame (demux + decode + conversion
 * to yuv420p + copy into a pooled buffer), at 640x480 and 1280x720, for a VP8 WebM and an H.264
 * MP4 written first: writeTestClip's flat picture (the easy case) and a moving noise texture at
 * 2 Mbit/s (a hard one: every block changes). The decoder runs flat out on this thread (no pacing,
 * no worker): the figure is CPU per frame, the budget at 30 fps being 33 ms.
 *
 *   cd kernel-bridge && npm run build && node bench/media-file-bench.js
 * Options: --frames N (per clip, default 300), --runs N (default 3; the best run is reported).
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = path.join(__dirname, '..', 'lib');
const { writeTestClip } = require(path.join(lib, 'sources', 'test-clip'));
const { FileDecoder } = require(path.join(lib, 'sources', 'file-decoder'));
const { I420BufferPool } = require(path.join(lib, 'media', 'buffer-pool'));
const { nodeAv } = require(path.join(lib, 'media', 'native'));
const { option: opt } = require('./shared/options');

const FRAMES = Number(opt('--frames', 300));
const RUNS = Number(opt('--runs', 3));

/** A clip of a noise texture that moves 7 px right and 3 px down per frame (hard to compress). */
async function writeMovingClip(file, format, width, height, frames) {
  const av = nodeAv();
  const encoder = await av.Encoder.create(format === 'webm' ? av.FF_ENCODER_LIBVPX_VP8 : av.FF_ENCODER_LIBX264, {
    bitrate: 2_000_000,
    gopSize: 60,
    maxBFrames: 0,
    options: format === 'webm' ? { deadline: 'realtime', 'cpu-used': -8 } : { preset: 'ultrafast' },
  });
  const muxer = await av.Muxer.open(file, { format });
  const index = muxer.addStream(encoder);
  const tw = width * 2;
  const th = height * 2;
  const texture = Buffer.alloc(tw * th);
  let seed = 1;
  for (let i = 0; i < texture.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    texture[i] = 16 + ((seed >> 16) % 220);
  }
  const cw = width / 2;
  const pixels = Buffer.alloc(width * height + 2 * cw * (height / 2), 128);
  for (let f = 0; f < frames; f++) {
    const dx = (f * 7) % width;
    const dy = (f * 3) % height;
    for (let y = 0; y < height; y++) texture.copy(pixels, y * width, (y + dy) * tw + dx, (y + dy) * tw + dx + width);
    const frame = av.Frame.fromVideoBuffer(pixels, {
      width,
      height,
      format: av.AV_PIX_FMT_YUV420P,
      timeBase: { num: 1, den: 30 },
      pts: BigInt(f),
    });
    for (const packet of await encoder.encodeAll(frame)) await muxer.writePacket(packet, index);
    frame.free();
  }
  for (const packet of await encoder.encodeAll(null)) await muxer.writePacket(packet, index);
  await muxer.close();
  encoder.close();
}

async function main() {
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${os.cpus().length} cores`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'media-file-bench-'));
  try {
    for (const [width, height] of [
      [640, 480],
      [1280, 720],
    ]) {
      for (const [format, content] of [
        ['webm', 'flat'],
        ['webm', 'noise'],
        ['mp4', 'flat'],
        ['mp4', 'noise'],
      ]) {
        const file = path.join(dir, `clip-${width}x${height}-${content}.${format}`);
        if (content === 'flat')
          await writeTestClip(file, { format, width, height, fps: 30, frames: FRAMES, toneHz: 0 });
        else await writeMovingClip(file, format, width, height, FRAMES);
        let best = Infinity;
        for (let run = 0; run < RUNS; run++) {
          const pool = new I420BufferPool(3);
          const decoder = FileDecoder.open(file, pool);
          let frames = 0;
          const cpu0 = process.cpuUsage();
          const t0 = process.hrtime.bigint();
          for (let item = decoder.next(); item; item = decoder.next()) {
            if (item.kind !== 'video') continue;
            frames++;
            pool.give(item.buffer); // as the worker does with a frame it drops; keeps allocation out
          }
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          const cpu = process.cpuUsage(cpu0);
          decoder.close();
          if (frames !== FRAMES) throw new Error(`decoded ${frames} of ${FRAMES} frames`);
          const perFrame = (cpu.user + cpu.system) / 1000 / frames;
          best = Math.min(best, perFrame);
          console.log(
            `  ${format} ${content} ${width}x${height} run ${run + 1}: ${(ms / frames).toFixed(2)} ms/frame wall, ${perFrame.toFixed(2)} ms/frame CPU`,
          );
        }
        console.log(
          `${format} ${content} ${width}x${height}: best ${best.toFixed(2)} ms CPU per frame (${FRAMES} frames)`,
        );
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
