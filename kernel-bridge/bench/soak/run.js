#!/usr/bin/env node
/**
 * Soak bench of the streamer widget (issue 8): does a long stream, or many Start/Stop cycles, leave
 * anything behind in the kernel process?
 *
 *   soak    one 640x480 30 fps stream from Chromium through `webrtcStreamer({key})` with a
 *           transform that inverts the Y plane into a reused frame, for --minutes (30). The kernel
 *           process's VmRSS (/proc/<pid>/status) is sampled every 10 s; reported: RSS at 1 min and
 *           at the end, growth after the first minute (target < 5 %), frames delivered (displayed
 *           by the page, distinct) per minute, kernel CPU % (all threads, /proc/<pid>/stat).
 *   cycles  --cycles (100) Start/Stop cycles from the page: getUserMedia + canvas stream, offer over
 *           the widget's protocol, wait until the first processed frame is displayed, then Stop as
 *           the extension does (`stop` to the kernel, close the RTCPeerConnection, stop the
 *           source). After each Stop, the kernel process's UDP sockets (/proc/<pid>/fd matched
 *           against /proc/<pid>/net/udp{,6}), threads (/proc/<pid>/task) and live worker threads
 *           are polled every 50 ms until all three equal the baseline and the kernel has
 *           confirmed the stop (`stopped`; equal counts before it can be the session's worker
 *           between closing its socket and exiting), at most --back-timeout s (10). The baseline is taken before the first counted cycle, with the streamer idle:
 *           a spare peer started ahead of Start (its worker and threads) is part of it, so "back"
 *           includes starting the next spare. Reported: time back to baseline p50/p95/max, cycles
 *           over 5 s (target 0), RSS before/after the cycles.
 *
 * Each phase runs in a fresh kernel process (kernel.js, forked): the widget as a notebook cell
 * holds it, behind a stand-in for the kernel API whose comm is bridged here, so the browser page
 * (g2g/page.html) speaks the extension's protocol to the real WebRtcStreamer.
 *
 * Uses the build in lib/ (cd kernel-bridge && npm run build), Debian's Chromium and the
 * playwright-core of ui-tests/. Needs a loopback-only network namespace (as root):
 *   unshare -n bash -c 'ip link set lo up && node kernel-bridge/bench/soak/run.js --minutes 30 --cycles 100'
 * Options: --minutes N (0: skip the soak), --cycles N (0: skip the cycles), --size 640x480,
 *          --sample-seconds 10, --back-timeout 10 (s), --poll-ms 50, --warmup-cycles 1 (uncounted
 *          cycles before the baseline: one-off lazy allocations such as libuv's thread pool are not
 *          leaks), --json FILE, --chromium PATH, --report FILE (print the tables of a --json file
 *          again, nothing run). SOAK_DEBUG=1 logs the signalling.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');
const {
  DEFAULT_CHROMIUM,
  launchChromium,
  loadavg,
  machineLine,
  openSignallingPage,
  requireLoopbackNamespace,
  servePage,
} = require('../shared/chromium');
const { cpuMsOf, rssKbOf, threadsOf, udpSocketsOf } = require('../shared/proc');

// ---- options --------------------------------------------------------------------------------
const { option: opt } = require('../shared/options');
const MINUTES = Number(opt('--minutes', 30));
const CYCLES = Number(opt('--cycles', 100));
const [WIDTH, HEIGHT] = opt('--size', '640x480').split('x').map(Number);
const SAMPLE_S = Number(opt('--sample-seconds', 10));
const BACK_TIMEOUT_MS = 1000 * Number(opt('--back-timeout', 10));
const POLL_MS = Number(opt('--poll-ms', 50));
const WARMUP_CYCLES = Number(opt('--warmup-cycles', 1));
const JSON_OUT = opt('--json', undefined);
const CHROMIUM = opt('--chromium', DEFAULT_CHROMIUM);
const FPS = 30;
const SLOW_MS = 5000; // the target: no cycle slower than this back to baseline
const FIRST_FRAME_TIMEOUT_MS = 30000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const DEBUG = !!process.env.SOAK_DEBUG;
const debug = (...a) => DEBUG && console.error('soak debug:', ...a);
const log = (...a) => console.error(`soak [${new Date().toISOString().slice(11, 19)}]`, ...a);
const r1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 10) / 10);
function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}
const mb = (kb) => (kb === null ? null : r1(kb / 1024));

// ---- the kernel process -----------------------------------------------------------------------
/** Forks kernel.js and resolves once its streamer widget exists. */
function startKernel() {
  const child = fork(path.join(__dirname, 'kernel.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const k = {
    child,
    pid: child.pid,
    exited: false,
    onCustom: () => undefined,
    probes: new Map(),
    nextProbe: 1,
    logs: [],
    send: (content) => !k.exited && child.send({ t: 'custom', content }),
    /** Worker count and widget status from inside the process. */
    probe: () =>
      new Promise((resolve, reject) => {
        const id = k.nextProbe++;
        const timer = setTimeout(() => {
          k.probes.delete(id);
          reject(new Error('kernel probe timed out'));
        }, 5000);
        k.probes.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        child.send({ t: 'probe', id });
      }),
  };
  child.on('exit', () => (k.exited = true));
  return new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (m.t === 'ready') resolve(k);
      else if (m.t === 'custom') k.onCustom(m.content);
      else if (m.t === 'probe') k.probes.get(m.id)?.(m);
      else if (m.t === 'log') {
        if (k.logs.length < 200) k.logs.push(m.message);
        debug('kernel log:', m.message);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`kernel.js exited (${code})`)));
  });
}

/** The page, wired to the kernel's streamer widget over its custom messages. */
async function connect(browser, url, k) {
  const session = { answer: null, errors: [], stopped: [], stats: null, candidates: 0 };
  const { page, addCandidate, consoleErrors } = await openSignallingPage(browser, url, {
    debug,
    onOffer: (sdp) => {
      const answer = new Promise((resolve, reject) => (session.answer = { resolve, reject }));
      k.send({ type: 'offer', sdp, ice_servers: [] });
      return answer;
    },
    onCandidate: (candidate) => k.send({ type: 'candidate', candidate }),
    onStop: () => k.send({ type: 'stop' }),
  });
  k.onCustom = (m) => {
    debug('kernel says', m.type === 'answer' ? 'answer' : JSON.stringify(m));
    switch (m.type) {
      case 'answer':
        session.answer?.resolve(m.sdp);
        session.answer = null;
        break;
      case 'candidate':
        session.candidates++;
        void addCandidate(m.candidate);
        break;
      case 'stats':
        session.stats = m;
        break;
      case 'stopped':
        session.stopped.push({ at: performance.now(), reason: m.reason });
        break;
      case 'error':
        if (session.errors.length < 50) session.errors.push(m.message);
        if (m.fatal && session.answer) {
          session.answer.reject(new Error(m.message));
          session.answer = null;
        }
        break;
    }
  };
  return { page, session, consoleErrors };
}

/** Starts a session on the page; resolves to ms from Start to the first processed frame shown. */
async function startSession(page) {
  const t0 = performance.now();
  await page.evaluate((o) => window.g2g.start(o), { width: WIDTH, height: HEIGHT, fps: FPS });
  while (performance.now() - t0 < FIRST_FRAME_TIMEOUT_MS) {
    if (await page.evaluate(() => window.g2g.marks.firstStamp !== undefined)) return performance.now() - t0;
    await sleep(POLL_MS);
  }
  const errors = await page.evaluate(() => window.g2g.errors.slice(-5));
  throw new Error(`no processed frame displayed within ${FIRST_FRAME_TIMEOUT_MS / 1000} s (${errors.join('; ')})`);
}

/** What is compared with the baseline after a Stop. */
async function resources(k) {
  const p = await k.probe();
  return { udp: udpSocketsOf(k.pid), threads: threadsOf(k.pid).count, workers: p.workers, probe: p };
}
const sameAs = (a, b) => a.udp === b.udp && a.threads === b.threads && a.workers === b.workers;
const show = (r) => `udp ${r.udp}, threads ${r.threads}, workers ${r.workers}`;

/** Waits until threads/udp/workers hold still for `quietMs` (e.g. the spare worker has loaded). */
async function settle(k, quietMs = 1500, maxMs = 20000) {
  const t0 = performance.now();
  let last = await resources(k);
  let since = performance.now();
  while (performance.now() - t0 < maxMs) {
    await sleep(100);
    const r = await resources(k);
    if (!sameAs(r, last)) {
      last = r;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) break;
  }
  return last;
}

/** Median VmRSS over 3 s: a single reading swings by tens of MB with the isolates' GCs. */
async function steadyRss(k) {
  const xs = [];
  for (let i = 0; i < 12; i++) {
    xs.push(rssKbOf(k.pid));
    await sleep(250);
  }
  return pct(
    xs.sort((a, b) => a - b),
    0.5,
  );
}

// ---- phase 1: one long stream -----------------------------------------------------------------
async function soak(browser, url) {
  const k = await startKernel();
  const { page, session, consoleErrors } = await connect(browser, url, k);
  try {
    const idle = await settle(k);
    log(`soak: kernel pid ${k.pid} idle: ${show(idle)}, RSS ${mb(rssKbOf(k.pid))} MB; starting the stream`);
    const startToFirst = await startSession(page);
    log(`soak: first processed frame after ${Math.round(startToFirst)} ms; streaming for ${MINUTES} min`);
    const pageT0 = await page.evaluate(() => performance.now());
    const displayedBefore = await page.evaluate(() => window.g2g.received.length);
    let seen = displayedBefore;
    const t0 = performance.now();
    const cpu0 = cpuMsOf(k.pid);
    const samples = [];
    const minutes = Array.from({ length: MINUTES }, () => ({ displayed: 0, lat: [] }));
    const take = async () => {
      // frames displayed since the last sample, bucketed by display minute (page clock)
      const fresh = await page.evaluate((from) => window.g2g.received.slice(from), seen);
      seen += fresh.length;
      for (const [sent, recv] of fresh) {
        const m = Math.floor((recv - pageT0) / 60000);
        if (m >= 0 && m < MINUTES) {
          minutes[m].displayed++;
          minutes[m].lat.push(recv - sent);
        }
      }
      const r = await resources(k);
      const s = {
        t_s: Math.round((performance.now() - t0) / 1000),
        rss_kb: rssKbOf(k.pid),
        cpu_ms: cpuMsOf(k.pid) - cpu0,
        threads: r.threads,
        udp: r.udp,
        workers: r.workers,
        kernel_fps_in: session.stats?.fps_in ?? null,
        kernel_fps_out: session.stats?.fps_out ?? null,
        kernel_dropped: session.stats?.dropped ?? null,
        load1: r1(os.loadavg()[0]),
      };
      samples.push(s);
      return s;
    };
    await take();
    for (let i = 1; i * SAMPLE_S <= MINUTES * 60; i++) {
      await sleep(Math.max(0, t0 + i * SAMPLE_S * 1000 - performance.now()));
      const s = await take();
      if (s.t_s % 60 < SAMPLE_S)
        log(
          `soak: ${s.t_s} s: RSS ${mb(s.rss_kb)} MB, kernel fps out ${s.kernel_fps_out}, CPU ${Math.round((100 * s.cpu_ms) / (1000 * s.t_s))} %, load ${loadavg()}`,
        );
      if (k.exited) throw new Error('the kernel process exited during the soak');
      if (session.stopped.length) throw new Error(`the kernel stopped the stream: ${session.stopped[0].reason}`);
    }
    const wall = performance.now() - t0;
    await sleep(1500); // frames in flight at the end
    await take();
    samples.pop(); // that one was only to collect the last frames
    const end = samples[samples.length - 1];
    const at1 = samples.find((s) => s.t_s >= 60) ?? end;
    const perMinute = minutes.map((m, i) => {
      const lat = m.lat.sort((a, b) => a - b);
      const inMin = samples.filter((s) => s.t_s > i * 60 && s.t_s <= (i + 1) * 60);
      const cpuA = samples.filter((s) => s.t_s <= i * 60).pop();
      const cpuB = inMin[inMin.length - 1];
      return {
        minute: i + 1,
        fps: r1(m.displayed / 60),
        p50_ms: r1(pct(lat, 0.5)),
        kernel_fps_out: r1(inMin.reduce((a, s) => a + (s.kernel_fps_out ?? 0), 0) / Math.max(1, inMin.length)),
        rss_mb: mb(cpuB?.rss_kb ?? null),
        cpu_pct: cpuA && cpuB ? Math.round((100 * (cpuB.cpu_ms - cpuA.cpu_ms)) / (1000 * (cpuB.t_s - cpuA.t_s))) : null,
        load1: cpuB?.load1 ?? null,
      };
    });
    const steady = perMinute.slice(1).map((m) => m.fps);
    const steadySorted = [...steady].sort((a, b) => a - b);
    const res = {
      minutes: MINUTES,
      size: `${WIDTH}x${HEIGHT}`,
      start_to_first_ms: Math.round(startToFirst),
      rss_idle_mb: mb(samples[0].rss_kb),
      rss_1min_mb: mb(at1.rss_kb),
      rss_end_mb: mb(end.rss_kb),
      rss_max_mb: mb(Math.max(...samples.map((s) => s.rss_kb))),
      rss_growth_pct: r1((100 * (end.rss_kb - at1.rss_kb)) / at1.rss_kb),
      ...rssTrend(samples),
      fps_steady_median: pct(steadySorted, 0.5),
      fps_steady_min: steadySorted[0] ?? null,
      fps_steady_max: steadySorted[steadySorted.length - 1] ?? null,
      kernel_cpu_pct: Math.round((100 * end.cpu_ms) / wall),
      load1_median: pct(
        samples.map((s) => s.load1).sort((a, b) => a - b),
        0.5,
      ),
      kernel_dropped: end.kernel_dropped,
      per_minute: perMinute,
      samples,
      kernel_errors: session.errors,
      page_errors: [...(await page.evaluate(() => window.g2g.errors)), ...consoleErrors].slice(0, 10),
      kernel_log: k.logs.slice(0, 20),
    };
    await page.evaluate(() => window.g2g.stop());
    return res;
  } finally {
    await page.close().catch(() => undefined);
    if (!k.exited) k.child.kill('SIGKILL');
  }
}

// ---- phase 2: Start/Stop cycles ---------------------------------------------------------------
async function cycles(browser, url) {
  const k = await startKernel();
  const { page, session, consoleErrors } = await connect(browser, url, k);
  const one = async (n, baseline) => {
    let startToFirst = null;
    let failed;
    try {
      startToFirst = await startSession(page);
    } catch (e) {
      failed = String(e.message ?? e);
      log(`cycles: #${n}: ${failed}`);
    }
    const playing = await resources(k); // what the session holds, for the record
    const stopsBefore = session.stopped.length;
    const tStop = performance.now();
    await page.evaluate(() => window.g2g.stop());
    let last = null;
    let backMs = null;
    let equalMs = null;
    if (baseline) {
      while (performance.now() - tStop < BACK_TIMEOUT_MS) {
        // Equal counts before the kernel's `stopped` can be a transient: the session's worker has
        // closed its socket but not exited yet, and still stands for the spare in the count. The
        // ack is looked at before the probe, so the counts compared are from after it.
        const acked = session.stopped.length > stopsBefore;
        last = await resources(k);
        if (sameAs(last, baseline)) {
          equalMs ??= performance.now() - tStop;
          if (acked) {
            backMs = performance.now() - tStop;
            break;
          }
        }
        await sleep(POLL_MS);
      }
    }
    const ack = session.stopped[stopsBefore];
    return {
      cycle: n,
      start_to_first_ms: startToFirst === null ? null : Math.round(startToFirst),
      failed,
      back_ms: backMs === null ? null : Math.round(backMs),
      first_equal_ms: equalMs === null ? null : Math.round(equalMs),
      workers_started: last ? last.probe.workersStarted - playing.probe.workersStarted : null,
      workers_exited: last ? last.probe.workersExited - playing.probe.workersExited : null,
      stopped_ack_ms: ack ? Math.round(ack.at - tStop) : null,
      playing: show(playing),
      left: backMs === null && last ? show(last) : undefined,
      rss_mb: mb(rssKbOf(k.pid)),
    };
  };
  try {
    const idle0 = await settle(k);
    const rssFresh = rssKbOf(k.pid);
    log(`cycles: kernel pid ${k.pid}, fresh and idle: ${show(idle0)}, RSS ${mb(rssFresh)} MB`);
    const warmups = [];
    for (let i = 1; i <= WARMUP_CYCLES; i++) warmups.push(await one(-i, null));
    const baseline = await settle(k);
    const rssBefore = await steadyRss(k);
    const names = threadsOf(k.pid, true).byName;
    log(
      `cycles: baseline after ${WARMUP_CYCLES} warm-up cycle(s): ${show(baseline)} (threads: ${JSON.stringify(names)}), RSS ${mb(rssBefore)} MB`,
    );
    const cpu0 = cpuMsOf(k.pid);
    const t0 = performance.now();
    const rows = [];
    for (let n = 1; n <= CYCLES; n++) {
      const row = await one(n, baseline);
      rows.push(row);
      if (row.back_ms === null || n % 10 === 0 || n <= 3)
        log(
          `cycles: #${n}: start→first ${row.start_to_first_ms} ms, back to baseline ${row.back_ms ?? `not within ${BACK_TIMEOUT_MS / 1000} s (${row.left})`} ms, RSS ${mb(rssKbOf(k.pid))} MB, load ${loadavg()}`,
        );
      if (k.exited) throw new Error('the kernel process exited during the cycles');
    }
    const wall = performance.now() - t0;
    const cpuMs = cpuMsOf(k.pid) - cpu0;
    const after = await settle(k);
    const rssAfter = await steadyRss(k);
    const back = rows.map((r) => (r.back_ms === null ? Infinity : r.back_ms)).sort((a, b) => a - b);
    const firsts = rows
      .map((r) => r.start_to_first_ms)
      .filter((x) => x !== null)
      .sort((a, b) => a - b);
    const fin = (x) => (x === Infinity ? `> ${BACK_TIMEOUT_MS}` : x);
    return {
      cycles: CYCLES,
      warmup_cycles: WARMUP_CYCLES,
      idle_fresh: show(idle0),
      baseline: show(baseline),
      baseline_threads: names,
      after: show(after),
      back_p50_ms: fin(pct(back, 0.5)),
      back_p95_ms: fin(pct(back, 0.95)),
      back_max_ms: fin(back[back.length - 1]),
      over_5s: back.filter((x) => x > SLOW_MS).length,
      playing_first: rows[0]?.playing ?? null,
      not_back: rows.filter((r) => r.back_ms === null).length,
      failed_starts: rows.filter((r) => r.failed).length,
      first_equal_p50_ms: pct(
        rows
          .map((r) => r.first_equal_ms)
          .filter((x) => x !== null)
          .sort((x, y) => x - y),
        0.5,
      ),
      workers_started_exited_per_cycle: [...new Set(rows.map((r) => `${r.workers_started}/${r.workers_exited}`))].join(
        ', ',
      ),
      start_to_first_p50_ms: pct(firsts, 0.5),
      start_to_first_p95_ms: pct(firsts, 0.95),
      stopped_ack_p50_ms: pct(
        rows
          .map((r) => r.stopped_ack_ms)
          .filter((x) => x !== null)
          .sort((a, b) => a - b),
        0.5,
      ),
      rss_fresh_mb: mb(rssFresh),
      rss_before_mb: mb(rssBefore),
      rss_after_mb: mb(rssAfter),
      rss_growth_pct: r1((100 * (rssAfter - rssBefore)) / rssBefore),
      kernel_cpu_pct: Math.round((100 * cpuMs) / wall),
      ...cyclesTrend(rows),
      load_end: loadavg(),
      warmups,
      rows,
      kernel_errors: session.errors,
      page_errors: [...(await page.evaluate(() => window.g2g.errors)), ...consoleErrors].slice(0, 10),
      kernel_log: k.logs.slice(0, 20),
    };
  } finally {
    await page.close().catch(() => undefined);
    if (!k.exited) k.child.kill('SIGKILL');
  }
}

// ---- main -------------------------------------------------------------------------------------
async function main() {
  const again = opt('--report', undefined);
  if (again) return report(JSON.parse(fs.readFileSync(again, 'utf8'))); // re-print a --json file
  requireLoopbackNamespace('node kernel-bridge/bench/soak/run.js --minutes 30 --cycles 100');
  const server = await servePage();
  const browser = await launchChromium(CHROMIUM);
  const loadStart = loadavg();
  console.log(`soak: ${machineLine(browser)}`);
  console.log(
    `soak: ${MINUTES} min stream + ${CYCLES} Start/Stop cycles (${WARMUP_CYCLES} warm-up), ${WIDTH}x${HEIGHT} ${FPS} fps, transform: invert Y into a reused frame`,
  );
  const out = { machine: machineLine(browser), load_start: loadStart };
  try {
    if (MINUTES > 0) out.soak = await soak(browser, server.url);
    if (CYCLES > 0) out.cycles = await cycles(browser, server.url);
  } finally {
    out.load_end = loadavg();
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(out, null, 2));
    await browser.close();
    server.close();
  }
  report(out);
}

/**
 * Single VmRSS readings swing by ±15 MB with the GCs of two isolates (main thread and media
 * worker), so next to "at 1 min → at the end" two steadier figures: the median of the second
 * minute's samples vs the last minute's, and the least-squares slope after the first minute.
 */
function rssTrend(samples) {
  const med = (xs) =>
    pct(
      xs.map((x) => x.rss_kb).sort((a, b) => a - b),
      0.5,
    );
  const tEnd = samples[samples.length - 1].t_s;
  const second = samples.filter((x) => x.t_s >= 60 && x.t_s <= 120);
  const last = samples.filter((x) => x.t_s >= tEnd - 60);
  const after = samples.filter((x) => x.t_s >= 60);
  let slope = null;
  if (after.length > 2) {
    const n = after.length;
    const mt = after.reduce((a, x) => a + x.t_s, 0) / n;
    const mr = after.reduce((a, x) => a + x.rss_kb, 0) / n;
    const sxy = after.reduce((a, x) => a + (x.t_s - mt) * (x.rss_kb - mr), 0);
    const sxx = after.reduce((a, x) => a + (x.t_s - mt) ** 2, 0);
    slope = sxx ? (sxy / sxx) * 3600 : null; // kB per hour
  }
  const a = second.length ? med(second) : null;
  const b = last.length ? med(last) : null;
  return {
    rss_minute2_median_mb: mb(a),
    rss_last_minute_median_mb: mb(b),
    rss_median_growth_pct: a && b ? r1((100 * (b - a)) / a) : null,
    rss_slope_mb_per_hour: slope === null ? null : r1(slope / 1024),
  };
}

/** RSS right after each cycle came back: median of the first 10 cycles vs of the last 10. */
function cyclesTrend(rows) {
  const med = (xs) =>
    pct(
      xs.map((r) => r.rss_mb).sort((a, b) => a - b),
      0.5,
    );
  const k = Math.min(10, Math.floor(rows.length / 2));
  if (!k) return { rss_first10_median_mb: null, rss_last10_median_mb: null };
  return { rss_first10_median_mb: med(rows.slice(0, k)), rss_last10_median_mb: med(rows.slice(-k)) };
}

function report(out) {
  if (out.soak && out.soak.rss_median_growth_pct === undefined) Object.assign(out.soak, rssTrend(out.soak.samples));
  if (out.cycles && out.cycles.rss_last10_median_mb === undefined)
    Object.assign(out.cycles, cyclesTrend(out.cycles.rows));
  const s = out.soak;
  const c = out.cycles;
  if (s) {
    console.log(`\nsoak, fps per minute (distinct processed frames displayed; kernel = the streamer's stats):`);
    console.table(
      s.per_minute.map((m) => ({
        minute: m.minute,
        fps: m.fps,
        'kernel fps out': m.kernel_fps_out,
        'p50 ms': m.p50_ms,
        'RSS MB': m.rss_mb,
        'kernel CPU %': m.cpu_pct,
        load: m.load1,
      })),
    );
  }
  const rows = [];
  if (s) {
    rows.push(
      {
        measure: `soak ${s.minutes} min: RSS at 1 min → end (max)`,
        value: `${s.rss_1min_mb} → ${s.rss_end_mb} MB (${s.rss_max_mb})`,
        target: '',
      },
      { measure: 'soak: RSS growth after the first minute', value: `${s.rss_growth_pct} %`, target: '< 5 %' },
      {
        measure: 'soak: RSS median of minute 2 → of the last minute; slope after 1 min',
        value: `${s.rss_minute2_median_mb} → ${s.rss_last_minute_median_mb} MB (${s.rss_median_growth_pct} %); ${s.rss_slope_mb_per_hour} MB/h`,
        target: '< 5 %',
      },
      {
        measure: 'soak: fps delivered per minute (after the first) median [min–max]',
        value: `${s.fps_steady_median} [${s.fps_steady_min}–${s.fps_steady_max}]`,
        target: 'steady',
      },
      { measure: 'soak: kernel CPU % (of one core)', value: s.kernel_cpu_pct, target: '' },
      { measure: 'soak: load average (1 min), median of samples', value: s.load1_median, target: '' },
    );
  }
  if (c) {
    rows.push(
      {
        measure: `cycles (${c.cycles}): back to baseline p50 / p95 / max`,
        value: `${c.back_p50_ms} / ${c.back_p95_ms} / ${c.back_max_ms} ms`,
        target: '',
      },
      {
        measure: 'cycles: counts first equal / stopped ack, p50',
        value: `${c.first_equal_p50_ms} / ${c.stopped_ack_p50_ms} ms`,
        target: '',
      },
      {
        measure: 'cycles: workers started/exited per cycle (set)',
        value: c.workers_started_exited_per_cycle,
        target: '',
      },
      { measure: 'cycles: over 5 s back to baseline', value: c.over_5s, target: '0' },
      { measure: 'cycles: failed starts (no processed frame in 30 s)', value: c.failed_starts, target: '0' },
      { measure: 'cycles: baseline (idle, spare peer included)', value: c.baseline, target: '' },
      { measure: 'cycles: fresh process before the warm-up cycle', value: c.idle_fresh, target: '' },
      { measure: 'cycles: while playing (cycle 1)', value: c.playing_first, target: '' },
      {
        measure: 'cycles: Start → first processed frame p50 / p95',
        value: `${c.start_to_first_p50_ms} / ${c.start_to_first_p95_ms} ms`,
        target: '',
      },
      {
        measure: 'cycles: RSS before → after (median over 3 s)',
        value: `${c.rss_before_mb} → ${c.rss_after_mb} MB (${c.rss_growth_pct} %)`,
        target: '',
      },
      {
        measure: 'cycles: RSS after each cycle, median of the first 10 → last 10',
        value: `${c.rss_first10_median_mb} → ${c.rss_last10_median_mb} MB`,
        target: '',
      },
      { measure: 'cycles: kernel CPU %', value: c.kernel_cpu_pct, target: '' },
    );
  }
  rows.push({ measure: 'load average at start → end', value: `${out.load_start} → ${out.load_end}`, target: '' });
  console.log('\nsoak bench:');
  console.table(rows);
  for (const [name, r] of [
    ['soak', s],
    ['cycles', c],
  ]) {
    if (!r) continue;
    const problems = [...r.kernel_errors, ...r.page_errors];
    if (problems.length) console.log(`${name}: errors: ${JSON.stringify(problems.slice(0, 5))}`);
    if (r.kernel_log.length) console.log(`${name}: kernel log: ${JSON.stringify(r.kernel_log.slice(0, 5))}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
