#!/usr/bin/env node
/**
 * Glass-to-glass benchmark: Chromium draws a 30 fps canvas stamped with its clock, sends it over
 * WebRTC to this Node process and shows what comes back; the stamp read from the displayed video
 * gives the latency on the page's own clock (no clock sync). Configurations, all in one run:
 *   echo      a minimal werift peer that forwards the browser's RTP straight back (no codecs):
 *             the floor set by Chromium's encoder, jitter buffers and decoder
 *   identity  our path: MediaPeer (werift + node-av VP8 in a worker) + TransformPipeline with
 *             `frames$ => frames$`, wired as WebRtcStreamer wires them
 *   sobel     the same with a JS Sobel edge filter on the Y plane (typed arrays, one reused
 *             output frame; the stamp band is copied back over the result so it stays readable)
 *   busy      the same with a synchronous transform that busy-waits --busy-ms (200) per frame,
 *             run for --long-seconds (60); reports p50 of the first vs the last 10 s
 *
 * Uses the build in lib/ (cd kernel-bridge && npm run build), Debian's Chromium and the
 * playwright-core of ui-tests/. Needs a loopback-only network namespace (as root):
 *   unshare -n bash -c 'ip link set lo up && node kernel-bridge/bench/g2g/run.js'
 * Options: --seconds N (measured per config, default 10), --warmup N (default 2),
 *          --long-seconds N (busy config, default 60), --sizes 640x480,1280x720,
 *          --configs echo,identity,sobel,busy, --busy-ms N (default 200),
 *          --max-in-flight N (MediaPeer maxInFlight; default: the product default),
 *          --json FILE (raw results), --chromium PATH.
 */
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..', '..');
const kb = path.join(repo, 'kernel-bridge');
const lib = path.join(kb, 'lib');
const { MediaPeer } = require(path.join(lib, 'rtc'));
const { TransformPipeline } = require(path.join(lib, 'streamer', 'pipeline'));
const { createI420Frame } = require(path.join(lib, 'media'));
const werift = require(require.resolve('werift', { paths: [kb] }));
const { map } = require(require.resolve('rxjs', { paths: [kb] }));
const { chromium } = require(require.resolve('playwright-core', { paths: [path.join(repo, 'ui-tests')] }));

// ---- options --------------------------------------------------------------------------------
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const SECONDS = Number(opt('--seconds', 10));
const WARMUP = Number(opt('--warmup', 2));
const LONG_SECONDS = Number(opt('--long-seconds', 60));
const BUSY_MS = Number(opt('--busy-ms', 200));
const MAX_IN_FLIGHT = opt('--max-in-flight', undefined);
const SIZES = opt('--sizes', '640x480,1280x720')
  .split(',')
  .map((s) => s.split('x').map(Number));
const CONFIGS = opt('--configs', 'echo,identity,sobel,busy').split(',');
const JSON_OUT = opt('--json', undefined);
const CHROMIUM = opt('--chromium', process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
const FPS = 30;
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  // camera permission (fake device) unlocks raw host ICE candidates, see page.html
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const DEBUG = !!process.env.G2G_DEBUG;
const debug = (...a) => DEBUG && console.error('g2g debug:', ...a);

// ---- kernel sides -----------------------------------------------------------------------------
/**
 * (a) Echo: forwards the browser's RTP back unchanged (werift rewrites SSRC/PT/seq offset on
 * send), and the browser's PLIs back to the browser.
 */
async function openEcho(offerSdp, sendCandidate) {
  const pc = new werift.RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: { audio: [], video: [werift.useVP8()] },
  });
  const t = { created: performance.now() };
  pc.onIceCandidate.subscribe((c) => sendCandidate(c ? c.toJSON() : null));
  pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && sendCandidate(null));
  pc.connectionStateChange.subscribe((s) => s === 'connected' && (t.connected ??= performance.now()));
  let packets = 0;
  pc.onRemoteTransceiverAdded.subscribe((tr) => {
    if (tr.kind !== 'video') return;
    tr.setDirection('sendrecv');
    const out = new werift.MediaStreamTrack({ kind: 'video' });
    tr.sender.replaceTrack(out).catch(() => undefined);
    let ssrc;
    tr.sender.onPictureLossIndication.subscribe(() => {
      if (ssrc !== undefined) tr.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
    });
    tr.onTrack.subscribe((track) => {
      ssrc = track.ssrc;
      track.onReceiveRtp.subscribe((rtp) => {
        if (track.ssrc !== undefined) ssrc = track.ssrc;
        t.firstRtp ??= performance.now();
        packets++;
        const p = rtp.clone();
        p.header.extensions = []; // the sender adds its own
        out.writeRtp(p);
      });
    });
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  await pc.setLocalDescription(await pc.createAnswer());
  t.answered = performance.now();
  return {
    answer: pc.localDescription.sdp,
    addCandidate: (c) => pc.addIceCandidate(c ?? undefined),
    close: () => pc.close(),
    timeline: t,
    details: () => ({ rtp_packets: packets }),
  };
}

/** (b)-(d) Our path, wired like WebRtcStreamer.answer(): MediaPeer -> TransformPipeline -> send. */
async function openPipeline(offerSdp, sendCandidate, transform) {
  const t = { created: performance.now() };
  const peer = await MediaPeer.create({
    iceServers: [],
    hostAddresses: ['127.0.0.1'],
    ...(MAX_IN_FLIGHT !== undefined ? { maxInFlight: Number(MAX_IN_FLIGHT) } : {}),
  });
  t.workerReady = performance.now();
  const stats = [];
  // age of each frame (Date.now() - frame.timestamp) on reaching the main thread and on leaving
  // the transform; frame.timestamp is the worker's mapping of the RTP timestamp to Date.now(),
  // anchored at the first frame, so only differences between these two are meaningful
  const ages = { in: [], out: [] };
  let transformErrors = 0;
  let lastError = '';
  let frameSize = null;
  const pipeline = new TransformPipeline({
    output: (frame) => {
      t.firstOutput ??= performance.now();
      ages.out.push(Date.now() - frame.timestamp);
      peer.send(frame);
    },
    error: (e) => {
      transformErrors++;
      lastError = String(e);
    },
    recovered: () => undefined,
  });
  pipeline.setTransform(transform);
  peer.frames$.subscribe((frame) => {
    t.firstFrame ??= performance.now();
    ages.in.push(Date.now() - frame.timestamp);
    frameSize = `${frame.width}x${frame.height}`;
    pipeline.push(frame);
  });
  peer.localCandidates$.subscribe((c) => sendCandidate(c));
  peer.state$.subscribe((s) => s === 'connected' && (t.connected ??= performance.now()));
  peer.stats$.subscribe((s) => stats.push({ ...s, transform_ms: pipeline.transformMs, at: performance.now() }));
  peer.errors$.subscribe((e) => (lastError = e.message));
  const answer = await peer.answer(offerSdp);
  t.answered = performance.now();
  return {
    answer,
    addCandidate: (c) => peer.addRemoteCandidate(c),
    close: async () => {
      pipeline.close();
      await peer.close();
    },
    timeline: t,
    stats,
    details: () => {
      const med = (a) => r1(pct(a.slice(-300).sort((x, y) => x - y), 0.5));
      return {
        frame_size: frameSize,
        main_thread_ms: r1(med(ages.out) - med(ages.in)),
        transform_errors: transformErrors,
        last_error: lastError,
      };
    },
  };
}

// ---- transforms -----------------------------------------------------------------------------
const identity = (frames$) => frames$;

/** Sobel magnitude on Y into one reused output frame (U, V grey); the stamp band is kept. */
function sobelTransform() {
  let out = null;
  return (frames$) =>
    frames$.pipe(
      map((f) => {
        const w = f.width;
        const h = f.height;
        if (!out || out.width !== w || out.height !== h) {
          out = createI420Frame(w, h); // grey chroma, black borders
        }
        const src = f.y;
        const dst = out.y;
        for (let y = 1; y < h - 1; y++) {
          let i = y * w + 1;
          for (let x = 1; x < w - 1; x++, i++) {
            const a = src[i - w - 1];
            const c = src[i - w + 1];
            const g = src[i + w - 1];
            const k = src[i + w + 1];
            const gx = c + 2 * src[i + 1] + k - (a + 2 * src[i - 1] + g);
            const gy = g + 2 * src[i + w] + k - (a + 2 * src[i - w] + c);
            const m = ((gx < 0 ? -gx : gx) + (gy < 0 ? -gy : gy)) >> 1;
            dst[i] = m > 255 ? 255 : m;
          }
        }
        // the latency stamp (top 2 blocks of width/32) must survive the filter
        const band = 2 * Math.floor(w / 32);
        dst.set(src.subarray(0, band * w), 0);
        return { width: w, height: h, timestamp: f.timestamp, data: out.data, y: out.y, u: out.u, v: out.v };
      }),
    );
}

function busyTransform(ms) {
  return (frames$) =>
    frames$.pipe(
      map((f) => {
        const end = performance.now() + ms;
        while (performance.now() < end) {
          /* a cell computing */
        }
        return f;
      }),
    );
}

const CONFIG = {
  echo: { label: 'echo (RTP forward)', open: (sdp, cand) => openEcho(sdp, cand) },
  identity: { label: 'identity', open: (sdp, cand) => openPipeline(sdp, cand, identity) },
  sobel: { label: 'Sobel (JS, Y)', open: (sdp, cand) => openPipeline(sdp, cand, sobelTransform()) },
  busy: { label: `busy ${BUSY_MS} ms`, open: (sdp, cand) => openPipeline(sdp, cand, busyTransform(BUSY_MS)), long: true },
};

// ---- one measurement ------------------------------------------------------------------------
function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);

async function measure(browser, url, name, [width, height]) {
  const cfg = CONFIG[name];
  const seconds = cfg.long ? LONG_SECONDS : SECONDS;
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('crash', () => console.error(`g2g: the page crashed (${name} ${width}x${height})`));
  page.on('close', () => debug('page closed'));
  let session = null;
  const early = [];
  let nodeOfferAt = 0;
  await page.exposeFunction('g2gCandidate', async (c) => {
    debug('browser candidate', JSON.stringify(c));
    if (!session) return void early.push(c);
    await session.addCandidate(c).catch(() => undefined);
  });
  await page.exposeFunction('g2gOffer', async (sdp) => {
    nodeOfferAt = performance.now();
    session = await cfg.open(sdp, (c) => {
      debug('kernel candidate', JSON.stringify(c));
      page.evaluate((cc) => window.g2g.addCandidate(cc), c).catch(() => undefined);
    });
    for (const c of early.splice(0)) await session.addCandidate(c).catch(() => undefined);
    return session.answer;
  });
  await page.goto(url);
  await page.evaluate((o) => window.g2g.start(o), { width, height, fps: FPS });
  // polled from here (page.waitForFunction timed out spuriously while the busy transform kept
  // this thread occupied)
  const deadline = performance.now() + 30000;
  let firstSeen = false;
  while (performance.now() < deadline) {
    if (await page.evaluate(() => window.g2g.marks.firstStamp !== undefined)) {
      firstSeen = true;
      break;
    }
    await sleep(50);
  }
  if (!firstSeen) {
    const r = await page.evaluate(() => window.g2g.report(0, 1e12));
    await session?.close();
    await page.close();
    return { config: cfg.label, size: `${width}x${height}`, failed: 'no readable frame in 30 s', marks: r.marks, errors: [...r.errors, ...consoleErrors] };
  }
  await sleep(WARMUP * 1000);
  const snap0 = await page.evaluate(() => window.g2g.snap());
  const w0 = snap0.at;
  const cpu0 = process.cpuUsage();
  const n0 = performance.now();
  await sleep(seconds * 1000);
  const snap1 = await page.evaluate(() => window.g2g.snap());
  const w1 = snap1.at;
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - n0;
  // let frames stamped before w1 arrive
  await sleep(cfg.long ? 3000 : 1500);
  const r = await page.evaluate(([a, b]) => window.g2g.report(a, b), [w0, w1]);
  await page.evaluate(() => window.g2g.stop());
  const details = session.details();
  const stats = session.stats ?? [];
  const timeline = session.timeline;
  await session.close();
  await page.close();

  const lat = r.samples.map(([s, v]) => v - s);
  const sorted = [...lat].sort((a, b) => a - b);
  const span = (w1 - w0) / 1000;
  const res = {
    config: cfg.label,
    size: `${width}x${height}`,
    p50_ms: r1(pct(sorted, 0.5)),
    p95_ms: r1(pct(sorted, 0.95)),
    fps: r1(r.samples.length / span),
    dropped: r.drawn - r.samples.length,
    src_frames: r.drawn,
    kernel_cpu_pct: Math.round((100 * (cpu.user + cpu.system)) / 1000 / wall),
    start_to_first_ms: Math.round(r.marks.firstStamp - r.marks.start),
  };
  if (cfg.long) {
    const first = r.samples.filter(([s]) => s < w0 + 10000).map(([s, v]) => v - s).sort((a, b) => a - b);
    const last = r.samples.filter(([s]) => s > w1 - 10000).map(([s, v]) => v - s).sort((a, b) => a - b);
    res.first10s_p50 = r1(pct(first, 0.5));
    res.last10s_p50 = r1(pct(last, 0.5));
    res.drift_ms = r1(pct(last, 0.5) - pct(first, 0.5));
    // p50 per 10 s slice, to show the shape
    const slices = [];
    for (let a = w0; a < w1 - 1; a += 10000) {
      const s = r.samples.filter(([x]) => x >= a && x < a + 10000).map(([x, v]) => v - x).sort((p, q) => p - q);
      slices.push(r1(pct(s, 0.5)));
    }
    res.p50_per_10s = slices;
  }
  const m = r.marks;
  const rel = (x) => (x === undefined ? null : Math.round(x - m.start));
  const nrel = (x) => (x === undefined ? null : Math.round(x - nodeOfferAt));
  res.start_breakdown = {
    // page clock, ms after Start (offer creation)
    offer_created: rel(m.offer),
    answer_applied: rel(m.answer),
    connected: rel(m['pc-connected']),
    track: rel(m.track),
    first_displayed: rel(m.firstDisplayed),
    first_stamp: rel(m.firstStamp),
    // Node clock, ms after the offer reached Node
    node: {
      worker_ready: nrel(timeline.workerReady),
      answered: nrel(timeline.answered),
      connected: nrel(timeline.connected),
      first_rtp: nrel(timeline.firstRtp),
      first_decoded_frame: nrel(timeline.firstFrame),
      first_output: nrel(timeline.firstOutput),
    },
  };
  const d = (k) => (snap1[k] === undefined || snap0[k] === undefined ? null : Math.round((snap1[k] - snap0[k]) * 1000) / 1000);
  const perFrame = (t, n) => (d(n) ? r1((1000 * d(t)) / d(n)) : null);
  // frame counts over the window, browser side: drawn -> captured -> encoded -> ... -> received -> decoded -> displayed
  res.browser = {
    drawn: d('drawnTotal'),
    captured: d('sourceFrames'),
    encoded: d('framesEncoded'),
    received: d('framesReceived'),
    decoded: d('framesDecoded'),
    dropped_by_receiver: d('framesDropped'),
    displayed_callbacks: d('callbacks'),
    encode_ms: perFrame('totalEncodeTime', 'framesEncoded'),
    decode_ms: perFrame('totalDecodeTime', 'framesDecoded'),
    jitter_buffer_ms: perFrame('jitterBufferDelay', 'jitterBufferEmittedCount'),
    send_size: snap1.sendSize,
    quality_limitation: snap1.qualityLimitationReason,
    key_frames_sent: d('keyFramesEncoded'),
    send_kbps: d('bytesSent') === null ? null : Math.round((8 * d('bytesSent')) / (w1 - w0)),
    target_kbps: snap1.targetBitrate === undefined ? null : Math.round(snap1.targetBitrate / 1000),
    available_out_kbps: snap1.availableOutgoingBitrate === undefined ? null : Math.round(snap1.availableOutgoingBitrate / 1000),
    plis_in_out: `${d('pliReceived')}/${d('pliSent')}`,
    nacks_in_out: `${d('nackReceived')}/${d('nackSent')}`,
    freezes: d('freezeCount'),
  };
  res.extra = {
    ...details,
    video_sizes: r.videoSizes.map(([w, h, t]) => `${w}x${h}@${Math.round(t - m.start)}ms`),
    unreadable: r.unreadable,
    repeats: r.repeats,
    errors: [...r.errors, ...consoleErrors].slice(0, 5),
  };
  if (stats.length) {
    const inWin = stats.slice(-Math.max(1, Math.round(seconds)));
    const avg = (k) => r1(inWin.reduce((a, s) => a + s[k], 0) / inWin.length);
    res.extra.worker = {
      fps_in: avg('fps_in'),
      fps_out: avg('fps_out'),
      dropped_total: stats[stats.length - 1].dropped,
      decode_ms: avg('decode_ms'),
      encode_ms: avg('encode_ms'),
      transform_ms: r1(stats[stats.length - 1].transform_ms),
    };
  }
  return res;
}

// ---- main -------------------------------------------------------------------------------------
async function main() {
  const isolated = Object.values(os.networkInterfaces()).every((a) => (a ?? []).every((x) => x.internal));
  if (!isolated) {
    console.error("g2g: run inside a loopback-only namespace: unshare -n bash -c 'ip link set lo up && node kernel-bridge/bench/g2g/run.js'");
    process.exit(2);
  }
  const html = fs.readFileSync(path.join(__dirname, 'page.html'));
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  browser.on('disconnected', () => debug('browser disconnected'));
  console.log(
    `g2g: node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0].model}), load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, chromium ${browser.version()}`,
  );
  console.log(
    `g2g: ${SECONDS} s per config after ${WARMUP} s warm-up (busy: ${LONG_SECONDS} s), ${FPS} fps source, sizes ${SIZES.map((s) => s.join('x')).join(', ')}` +
      (MAX_IN_FLIGHT !== undefined ? `, maxInFlight ${MAX_IN_FLIGHT}` : ''),
  );
  const results = [];
  try {
    for (const size of SIZES) {
      for (const name of CONFIGS) {
        if (!CONFIG[name]) throw new Error(`unknown config ${name}`);
        const res = await measure(browser, url, name, size);
        results.push(res);
        console.log(`g2g: ${res.config} ${res.size}: ${JSON.stringify(res)}`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log('\nglass-to-glass (latency = display time of the returned frame - draw time of its stamp, page clock):');
  console.table(
    results.map((r) => ({
      config: r.config,
      size: r.size,
      'p50 ms': r.p50_ms,
      'p95 ms': r.p95_ms,
      'fps': r.fps,
      'dropped': r.failed ? r.failed : `${r.dropped}/${r.src_frames}`,
      'kernel CPU %': r.kernel_cpu_pct,
      'start→first ms': r.start_to_first_ms,
    })),
  );
  const longs = results.filter((r) => r.p50_per_10s);
  if (longs.length) {
    console.log('latency over time (p50 per 10 s slice, ms):');
    console.table(
      longs.map((r) => ({
        config: r.config,
        size: r.size,
        'first 10 s p50': r.first10s_p50,
        'last 10 s p50': r.last10s_p50,
        'drift ms': r.drift_ms,
        slices: r.p50_per_10s.join(' '),
      })),
    );
  }
  console.log('start → first frame breakdown (page ms after Start; node ms after the offer reached Node):');
  for (const r of results) console.log(`  ${r.config} ${r.size}: ${JSON.stringify(r.start_breakdown)}`);
  console.log('browser counters over the window (drawn -> captured -> encoded -> received back -> decoded -> displayed; per-frame ms):');
  for (const r of results) console.log(`  ${r.config} ${r.size}: ${JSON.stringify(r.browser)}`);
  console.log('details:');
  for (const r of results) console.log(`  ${r.config} ${r.size}: ${JSON.stringify(r.extra)}`);
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
