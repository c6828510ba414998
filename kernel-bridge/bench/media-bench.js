#!/usr/bin/env node
/**
 * Media benchmark: VP8 encode/decode fps and colour conversion cost at 640x480 and 1280x720, then the
 * loopback round trip per frame through a MediaPeer (browser stand-in -> worker decode -> main thread
 * -> worker encode -> browser decode).
 *
 * Uses the build in lib/ (npm run build). The round trip opens UDP sockets, so run it inside a
 * loopback-only network namespace:
 *   cd kernel-bridge && npm run build && unshare -n sh -c 'ip link set lo up; node bench/media-bench.js'
 * Options: --seconds N (per codec measurement, default 3), --frames N (round trip, default 150),
 *          --no-rtc (codec figures only).
 */
'use strict';
const os = require('node:os');
const path = require('node:path');
const lib = path.join(__dirname, '..', 'lib');
const { createI420Frame, frameFromRGBA, i420Size } = require(path.join(lib, 'media'));
const { Vp8Payloader } = require(path.join(lib, 'rtc', 'vp8-payloader'));
const { Vp8Encoder, Vp8Decoder, copyAvFrameToI420 } = require(path.join(lib, 'media', 'codecs'));
const { MediaPeer } = require(path.join(lib, 'rtc'));

const { option: opt, flag } = require('./shared/options');
const SECONDS = Number(opt('--seconds', 3));
const FRAMES = Number(opt('--frames', 150));

/** A moving synthetic scene (gradient + moving box), so the encoder has real work. */
function scene(w, h, t, out) {
  const f = out ?? createI420Frame(w, h);
  const bx = Math.floor((t * 7) % (w - 64));
  const by = Math.floor((t * 3) % (h - 64));
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) f.y[row + x] = (x + y + t) & 0xff;
  }
  for (let y = by; y < by + 64; y++) f.y.fill(235, y * w + bx, y * w + bx + 64);
  f.u.fill(100 + (t & 31));
  f.v.fill(140);
  return f;
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function codecBench(w, h) {
  const enc = new Vp8Encoder({ threads: 1 });
  const frames = Array.from({ length: 30 }, (_, i) => scene(w, h, i * 5));
  const packets = [];
  let n = 0;
  const encTimes = [];
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    const f = frames[n % frames.length];
    const s = performance.now();
    enc.encode(f.data, w, h, n * 3000, n === 0, (p) => {
      if (packets.length < 300) packets.push(p);
    });
    encTimes.push(performance.now() - s);
    n++;
  }
  const encFps = n / ((performance.now() - t0) / 1000);
  enc.close();

  const dec = new Vp8Decoder(1);
  const out = new Uint8Array(i420Size(w, h));
  let m = 0;
  const t1 = performance.now();
  while (performance.now() - t1 < SECONDS * 1000) {
    for (const p of packets) {
      dec.decode(p, (f) => copyAvFrameToI420(f, out));
      m++;
    }
  }
  const decFps = m / ((performance.now() - t1) / 1000);
  dec.close();

  const f = frames[0];
  const rgba = f.toRGBA();
  const reps = 30;
  let s = performance.now();
  for (let i = 0; i < reps; i++) f.toRGBA(rgba);
  const toRGBA = (performance.now() - s) / reps;
  s = performance.now();
  for (let i = 0; i < reps; i++) frameFromRGBA(w, h, rgba);
  const fromRGBA = (performance.now() - s) / reps;
  encTimes.sort((a, b) => a - b);
  const pay = new Vp8Payloader();
  s = performance.now();
  for (let i = 0; i < 1000; i++) pay.packetize(packets[i % packets.length]);
  const packetize = (performance.now() - s) / 1000;
  return {
    size: `${w}x${h}`,
    encode_fps: Math.round(encFps),
    encode_ms_p50: +pct(encTimes, 0.5).toFixed(2),
    encode_ms_p99: +pct(encTimes, 0.99).toFixed(2),
    decode_fps: Math.round(decFps),
    toRGBA_ms: +toRGBA.toFixed(2),
    fromRGBA_ms: +fromRGBA.toFixed(2),
    packetize_ms: +packetize.toFixed(3),
  };
}

// ---- round trip ---------------------------------------------------------------------------------
/** Writes `index` as 16 black/white 16x16 blocks into the top-left of the Y plane. */
function stamp(f, index) {
  for (let b = 0; b < 16; b++) {
    const v = (index >> b) & 1 ? 235 : 16;
    for (let y = 0; y < 16; y++) f.y.fill(v, y * f.width + b * 16, y * f.width + b * 16 + 16);
  }
}
function readStamp(y, w) {
  let index = 0;
  for (let b = 0; b < 16; b++) if (y[8 * w + b * 16 + 8] > 128) index |= 1 << b;
  return index;
}

async function roundTrip(w, h) {
  const werift = require('werift');
  const { JitterBufferCallback, DepacketizeCallback } = require('werift/nonstandard');
  const pc = new werift.RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    codecs: { audio: [], video: [werift.useVP8()] },
  });
  const track = new werift.MediaStreamTrack({ kind: 'video' });
  const tr = pc.addTransceiver(track, { direction: 'sendrecv' });
  const enc = new Vp8Encoder({ threads: 1 });
  const dec = new Vp8Decoder(1);
  const pay = new Vp8Payloader();
  let forceKey = true;
  tr.sender.onPictureLossIndication.subscribe(() => (forceKey = true));
  const sentAt = new Map();
  const latencies = [];
  let received = 0;
  tr.onTrack.subscribe((remote) => {
    const jb = new JitterBufferCallback(90000, { latency: 50 });
    const dp = new DepacketizeCallback('vp8', { isFinalPacketInSequence: (hd) => hd.marker });
    jb.pipe((o) => dp.input(o));
    dp.pipe((o) => {
      if (!o.frame) return;
      const r = dec.decode(o.frame.data, (f) => {
        const idx = readStamp(f.data[0], f.linesize[0]);
        const t = sentAt.get(idx);
        if (t !== undefined) {
          latencies.push(performance.now() - t);
          sentAt.delete(idx);
        }
        received++;
      });
      if (r < 0 && remote.ssrc !== undefined) tr.receiver.sendRtcpPLI(remote.ssrc).catch(() => 0);
    });
    remote.onReceiveRtp.subscribe((rtp) => jb.input({ rtp: rtp.clone() }));
  });

  const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
  let lastStats = null;
  peer.stats$.subscribe((s) => (lastStats = s));
  peer.frames$.subscribe((f) => peer.send(f, { transfer: true })); // pass-through transform
  pc.onIceCandidate.subscribe((c) => c && peer.addRemoteCandidate(c.toJSON()).catch(() => 0));
  peer.localCandidates$.subscribe((c) => c && pc.addIceCandidate(c).catch(() => 0));
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const answer = await peer.answer(pc.localDescription.sdp);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no connection')), 15000);
    peer.state$.subscribe((s) => s === 'connected' && (clearTimeout(t), resolve()));
  });

  const frame = createI420Frame(w, h);
  let seq = 1;
  const send = (i) => {
    scene(w, h, i, frame);
    stamp(frame, i);
    const ts = (i * 3000) >>> 0;
    const key = forceKey;
    forceKey = false;
    sentAt.set(i, performance.now());
    enc.encode(frame.data, w, h, ts, key, (p) => {
      for (const { payload, marker } of pay.packetize(p)) {
        track.writeRtp(
          new werift.RtpPacket(
            new werift.RtpHeader({ sequenceNumber: seq++ & 0xffff, timestamp: ts, marker, payloadType: 96 }),
            payload,
          ),
        );
      }
    });
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 1; i <= FRAMES; i++) {
    send(i);
    await new Promise((r) => setTimeout(r, 33));
  }
  await new Promise((r) => setTimeout(r, 500));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await peer.close();
  await pc.close();
  enc.close();
  dec.close();
  const warm = latencies.slice(10).sort((a, b) => a - b);
  return {
    size: `${w}x${h}`,
    frames_sent: FRAMES,
    frames_back: received,
    rtt_ms_p50: warm.length ? +pct(warm, 0.5).toFixed(1) : null,
    rtt_ms_p90: warm.length ? +pct(warm, 0.9).toFixed(1) : null,
    worker_decode_ms: lastStats && +lastStats.decode_ms.toFixed(2),
    worker_encode_ms: lastStats && +lastStats.encode_ms.toFixed(2),
    dropped: lastStats && lastStats.dropped,
    process_cpu_pct: +((100 * (cpu.user + cpu.system)) / 1000 / wall).toFixed(0),
  };
}

(async () => {
  console.log(`node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0].model})`);
  console.log('codec (worker-free, one thread):');
  console.table([codecBench(640, 480), codecBench(1280, 720)]);
  const isolated = Object.values(os.networkInterfaces()).every((a) => (a ?? []).every((x) => x.internal));
  if (flag('--no-rtc')) return;
  if (!isolated) {
    console.log("round trip skipped: run inside `unshare -n sh -c 'ip link set lo up; ...'`");
    return;
  }
  console.log(
    'round trip over loopback, 30 fps, pass-through transform (browser encode -> worker decode -> main -> worker encode -> browser decode), jitter buffers (50 ms max wait) both ways:',
  );
  console.table([await roundTrip(640, 480), await roundTrip(1280, 720)]);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
