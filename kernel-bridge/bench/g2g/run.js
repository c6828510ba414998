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
 *   faces     identity, with every frame also offered to detectFaces() (worker, latest-first):
 *             the video's rate with the detector running; inferences/s in the details
 *
 * The kernel side runs in a child process per configuration (kernel.js): a slow transform holds
 * that process's main thread, and must not hold this driver (Playwright) with it. Its CPU is read
 * from /proc/<pid>/stat (all threads, including the media worker).
 *
 * Uses the build in lib/ (cd kernel-bridge && npm run build), Debian's Chromium and the
 * playwright-core of ui-tests/. Needs a loopback-only network namespace (as root):
 *   unshare -n bash -c 'ip link set lo up && node kernel-bridge/bench/g2g/run.js'
 * Options: --seconds N (measured per config, default 10), --warmup N (default 2),
 *          --long-seconds N (busy config, default 60), --sizes 640x480,1280x720,
 *          --configs echo,identity,sobel,busy (also: faces, see above), --busy-ms N (default 200),
 *          --loss 0,5 (random UDP loss in %, each way, by nftables in the namespace
 *          (shared/udp-loss.js); every size and config is measured at each; default 0),
 *          --max-in-flight N (MediaPeer maxInFlight; default: the product default),
 *          --json FILE (raw results), --chromium PATH.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const { fork } = require('node:child_process');
const {
  DEFAULT_CHROMIUM,
  launchChromium,
  machineLine,
  openSignallingPage,
  requireLoopbackNamespace,
  servePage,
} = require('../shared/chromium');
const { cpuMsOf } = require('../shared/proc');
const { startUdpLoss, stopUdpLoss, udpLossCounts } = require('../shared/udp-loss');

// ---- options --------------------------------------------------------------------------------
const { option: opt } = require('../shared/options');
const SECONDS = Number(opt('--seconds', 10));
const WARMUP = Number(opt('--warmup', 2));
const LONG_SECONDS = Number(opt('--long-seconds', 60));
const BUSY_MS = Number(opt('--busy-ms', 200));
const MAX_IN_FLIGHT = opt('--max-in-flight', undefined);
const SIZES = opt('--sizes', '640x480,1280x720')
  .split(',')
  .map((s) => s.split('x').map(Number));
const CONFIGS = opt('--configs', 'echo,identity,sobel,busy').split(',');
const LOSSES = opt('--loss', '0').split(',').map(Number);
const JSON_OUT = opt('--json', undefined);
const CHROMIUM = opt('--chromium', DEFAULT_CHROMIUM);
const FPS = 30;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const DEBUG = !!process.env.G2G_DEBUG;
const debug = (...a) => DEBUG && console.error('g2g debug:', ...a);

const CONFIG = {
  echo: { label: 'echo (RTP forward)' },
  identity: { label: 'identity' },
  sobel: { label: 'Sobel (JS, Y)' },
  busy: { label: `busy ${BUSY_MS} ms`, long: true },
  faces: { label: 'identity + detectFaces' },
};

// ---- the kernel process -----------------------------------------------------------------------
/** Starts kernel.js (one session) and resolves once its modules are loaded. */
function startKernel() {
  const child = fork(path.join(__dirname, 'kernel.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const k = { child, info: null, exited: false, onCandidate: () => undefined, answer: null };
  child.on('exit', () => (k.exited = true));
  return new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (m.t === 'ready') resolve(k);
      else if (m.t === 'answer') k.answer?.resolve(m.sdp);
      else if (m.t === 'error') {
        if (k.answer) k.answer.reject(new Error(m.message));
        else console.error('g2g kernel:', m.message);
      } else if (m.t === 'candidate') k.onCandidate(m.candidate);
      else if (m.t === 'info') k.info = m;
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`kernel.js exited (${code})`)));
  });
}
function stopKernel(k) {
  if (!k.exited) k.child.kill('SIGKILL'); // by pid; it may be too busy to exit on its own
}

// ---- one measurement ------------------------------------------------------------------------
function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);

async function measure(browser, url, name, [width, height], loss) {
  const cfg = CONFIG[name];
  const seconds = cfg.long ? LONG_SECONDS : SECONDS;
  const kernel = await startKernel();
  // the whole session is lossy, connecting included
  startUdpLoss(loss);
  const { page, addCandidate, consoleErrors } = await openSignallingPage(browser, url, {
    debug,
    onCandidate: (c) => kernel.child.send({ t: 'candidate', candidate: c }),
    onOffer: (sdp) => {
      const answer = new Promise((resolve, reject) => (kernel.answer = { resolve, reject }));
      kernel.child.send({
        t: 'open',
        config: name,
        offer: sdp,
        busyMs: BUSY_MS,
        maxInFlight: MAX_IN_FLIGHT === undefined ? undefined : Number(MAX_IN_FLIGHT),
      });
      return answer;
    },
  });
  kernel.onCandidate = (c) => void addCandidate(c);
  const finish = async () => {
    await page.evaluate(() => window.g2g.stop()).catch(() => undefined);
    await page.close().catch(() => undefined);
    stopKernel(kernel);
    stopUdpLoss();
  };
  await page.evaluate((o) => window.g2g.start(o), { width, height, fps: FPS });
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
    await finish();
    return {
      config: cfg.label,
      size: `${width}x${height}`,
      loss,
      failed: 'no readable frame in 30 s',
      marks: r.marks,
      errors: [...r.errors, ...consoleErrors],
    };
  }
  await sleep(WARMUP * 1000);
  const snap0 = await page.evaluate(() => window.g2g.snap());
  const w0 = snap0.at;
  const cpu0 = cpuMsOf(kernel.child.pid);
  const n0 = performance.now();
  await sleep(seconds * 1000);
  const snap1 = await page.evaluate(() => window.g2g.snap());
  const w1 = snap1.at;
  const cpuMs = cpuMsOf(kernel.child.pid) - cpu0;
  const wall = performance.now() - n0;
  // let frames stamped before w1 arrive
  await sleep(cfg.long ? 3000 : 1500);
  const r = await page.evaluate(([a, b]) => window.g2g.report(a, b), [w0, w1]);
  const info = kernel.info ?? { timeline: {}, details: {}, stats: [] };
  const counted = udpLossCounts();
  await finish();

  const lat = r.samples.map(([s, v]) => v - s);
  const sorted = [...lat].sort((a, b) => a - b);
  const span = (w1 - w0) / 1000;
  const res = {
    config: cfg.label,
    size: `${width}x${height}`,
    loss,
    udp_dropped: `${counted.dropped}/${counted.udp}`,
    p50_ms: r1(pct(sorted, 0.5)),
    p95_ms: r1(pct(sorted, 0.95)),
    fps: r1(r.samples.length / span),
    dropped: r.drawn - r.samples.length,
    src_frames: r.drawn,
    kernel_cpu_pct: Math.round((100 * cpuMs) / wall),
    start_to_first_ms: Math.round(r.marks.firstStamp - r.marks.start),
  };
  if (cfg.long) {
    const first = r.samples
      .filter(([s]) => s < w0 + 10000)
      .map(([s, v]) => v - s)
      .sort((a, b) => a - b);
    const last = r.samples
      .filter(([s]) => s > w1 - 10000)
      .map(([s, v]) => v - s)
      .sort((a, b) => a - b);
    res.first10s_p50 = r1(pct(first, 0.5));
    res.last10s_p50 = r1(pct(last, 0.5));
    res.drift_ms = first.length && last.length ? r1(pct(last, 0.5) - pct(first, 0.5)) : null;
    const slices = [];
    for (let a = w0; a < w1 - 1; a += 10000) {
      const sl = r.samples
        .filter(([x]) => x >= a && x < a + 10000)
        .map(([x, v]) => v - x)
        .sort((p, q) => p - q);
      slices.push(r1(pct(sl, 0.5)));
    }
    res.p50_per_10s = slices;
  }
  const m = r.marks;
  const t = info.timeline;
  const rel = (x) => (x === undefined ? null : Math.round(x - m.start));
  const nrel = (x) => (x === undefined || t.offer === undefined ? null : Math.round(x - t.offer));
  res.start_breakdown = {
    // page clock, ms after Start (offer creation)
    offer_created: rel(m.offer),
    answer_applied: rel(m.answer),
    connected: rel(m['pc-connected']),
    first_displayed: rel(m.firstDisplayed),
    first_stamp: rel(m.firstStamp),
    // kernel clock, ms after the offer reached the kernel process
    kernel: {
      worker_ready: nrel(t.workerReady),
      answered: nrel(t.answered),
      connected: nrel(t.connected),
      first_rtp: nrel(t.firstRtp),
      first_decoded_frame: nrel(t.firstFrame),
      first_output: nrel(t.firstOutput),
    },
  };
  const d = (k) =>
    snap1[k] === undefined || snap0[k] === undefined ? null : Math.round((snap1[k] - snap0[k]) * 1000) / 1000;
  const perFrame = (tk, n) => (d(n) ? r1((1000 * d(tk)) / d(n)) : null);
  // browser side, over the window: drawn -> captured -> encoded -> ... -> received -> decoded -> displayed
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
    plis_in_out: `${d('pliReceived')}/${d('pliSent')}`,
    nacks_in_out: `${d('nackReceived')}/${d('nackSent')}`,
    freezes: d('freezeCount'),
  };
  res.extra = {
    ...info.details,
    video_sizes: r.videoSizes.map(([w, h, tt]) => `${w}x${h}@${Math.round(tt - m.start)}ms`),
    unreadable: r.unreadable,
    repeats: r.repeats,
    errors: [...r.errors, ...consoleErrors].slice(0, 5),
  };
  const stats = info.stats;
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
      // what the kernel's VP8 sender does with the browser's loss reports (rtc/send-rate.ts)
      kbps_out: avg('kbps_out'),
      loss_out_pct: r1(100 * avg('loss_out')),
      encoder_opens: stats[stats.length - 1].encoder_opens,
      stats_ticks: stats.length,
    };
  }
  return res;
}

// ---- main -------------------------------------------------------------------------------------
async function main() {
  requireLoopbackNamespace('node kernel-bridge/bench/g2g/run.js');
  const server = await servePage(path.join(__dirname, 'page.html'));
  const url = server.url;
  const browser = await launchChromium(CHROMIUM);
  browser.on('disconnected', () => debug('browser disconnected'));
  console.log(`g2g: ${machineLine(browser)}`);
  console.log(
    `g2g: ${SECONDS} s per config after ${WARMUP} s warm-up (busy: ${LONG_SECONDS} s), ${FPS} fps source, sizes ${SIZES.map((s) => s.join('x')).join(', ')}` +
      (MAX_IN_FLIGHT !== undefined ? `, maxInFlight ${MAX_IN_FLIGHT}` : ''),
  );
  const results = [];
  try {
    for (const size of SIZES) {
      for (const loss of LOSSES) {
        for (const name of CONFIGS) {
          if (!CONFIG[name]) throw new Error(`unknown config ${name}`);
          console.error(`g2g: measuring ${name} ${size.join('x')} at ${loss}% UDP loss ...`);
          const res = await measure(browser, url, name, size, loss);
          results.push(res);
          console.log(`g2g: ${res.config} ${res.size} ${loss}% loss: ${JSON.stringify(res)}`);
        }
      }
    }
  } finally {
    stopUdpLoss();
    await browser.close();
    server.close();
  }
  console.log('\nglass-to-glass (latency = display time of the returned frame - draw time of its stamp, page clock):');
  console.table(
    results.map((r) => ({
      config: r.config,
      size: r.size,
      'loss %': r.loss,
      'udp dropped': r.udp_dropped,
      'p50 ms': r.p50_ms,
      'p95 ms': r.p95_ms,
      fps: r.fps,
      dropped: r.failed ? r.failed : `${r.dropped}/${r.src_frames}`,
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
  for (const r of results) console.log(`  ${r.config} ${r.size} ${r.loss}%: ${JSON.stringify(r.start_breakdown)}`);
  console.log(
    'browser counters over the window (drawn -> captured -> encoded -> received back -> decoded -> displayed; per-frame ms):',
  );
  for (const r of results) console.log(`  ${r.config} ${r.size} ${r.loss}%: ${JSON.stringify(r.browser)}`);
  console.log('details:');
  for (const r of results) console.log(`  ${r.config} ${r.size} ${r.loss}%: ${JSON.stringify(r.extra)}`);
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
