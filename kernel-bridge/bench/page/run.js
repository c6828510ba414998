#!/usr/bin/env node
/**
 * Glass-to-glass through a real JupyterLab page (issue 9): what g2g/run.js measures with its own
 * harness, measured here through JupyterLab, a notebook on our kernel and the streamer widget, with
 * the RTP echo in the same page as the same-run limit.
 *
 * Starts `jupyter lab` from the worktree's .venv (scripts/setup.sh), opens it in Debian's Chromium
 * (shared/chromium.js) whose getUserMedia gives a stamped 30 fps canvas per call (page/inject.js,
 * shared/stamp.js), and per configuration:
 *   identity / invert  a new notebook on a fresh kernel (kernel start → first cell result timed),
 *                      the transforms cell, one streamer widget cell per stream (stats overlay on),
 *                      Start clicked on each, the output <video>s read with requestVideoFrameCallback;
 *   echo               the same notebook with the same widgets, displayed and not started, and per
 *                      stream a plain RTCPeerConnection in the page to a werift peer that sends the
 *                      RTP straight back (page/echo-process.js, shared/echo-peer.js), shown in a
 *                      widget's camera preview and output <video>s: the page renders what it renders
 *                      for a playing widget (issue 9's same-run limit);
 *   echo-empty         the echo with no notebook open, in a corner of the page (the baseline before).
 *   identity-kernel / invert-kernel   identity / invert with transport "kernel" (issue 12): the
 *                      frames as WebCodecs VP8 over the widget's comm and Jupyter's websocket.
 * Figures per configuration, size and number of streams: p50/p95 latency, fps shown (distinct
 * stamps per second), presented fps, frames lost, the kernel's CPU (all threads, /proc), Start →
 * first processed frame, the browser's per-stage counters (getStats) and the kernel's (the widget's
 * stats overlay, cumulative data-total at the window's two ends), and issue 9's targets.
 *
 * Run as root from the repository root (cd kernel-bridge && npm run build; bash scripts/setup.sh):
 *   unshare -n bash -c 'ip link set lo up && node kernel-bridge/bench/page/run.js'
 * Options: --seconds N (measured, default 10), --warmup N (after the first frame, default 2),
 *          --settle N (seconds between the widget cells and Start, default 3: the user's pause, in
 *          which the kernel's spare media worker starts), --sizes 640x480,1280x720,
 *          --configs echo,identity,invert[,echo-empty,identity-kernel,invert-kernel], --streams 1,3, --rounds N (interleaved, default 1),
 *          --json FILE, --chromium PATH, --report FILE (print the tables of a --json file again);
 *          PAGEBENCH_DEBUG=1 logs progress details.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { fork } = require('node:child_process');

const {
  DEFAULT_CHROMIUM,
  launchChromium,
  loadavg,
  machineLine,
  requireLoopbackNamespace,
} = require('../shared/chromium');
const { cpuMsOf, threadCpuMsOf, threadsOf } = require('../shared/proc');
const { option } = require('../shared/options');
const { FIRST_CELL, SETUP_CELL, WORKERS_CELL, parseWorkers, streamerCell } = require('./cells');
const { startJupyterLab, openLab, newNotebookFirstResult, runCell, resultText, closeNotebook } = require('./lab');
const { r1, sessionFigures, rowOf } = require('./figures');
const { printReport } = require('./report');

const SECONDS = Number(option('--seconds', 10));
const WARMUP = Number(option('--warmup', 2));
const SETTLE = Number(option('--settle', 3));
const SIZES = option('--sizes', '640x480,1280x720')
  .split(',')
  .map((s) => s.split('x').map(Number));
const CONFIGS = option('--configs', 'echo,identity,invert').split(',');
const STREAMS = option('--streams', '1,3').split(',').map(Number);
const ROUNDS = Number(option('--rounds', 1));
const JSON_OUT = option('--json', undefined);
const REPORT = option('--report', undefined);
const CHROMIUM = option('--chromium', DEFAULT_CHROMIUM);
const FIRST_FRAME_TIMEOUT_MS = 60_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const debug = (...a) => process.env.PAGEBENCH_DEBUG && console.error('pagebench debug:', ...a);
const progress = (...a) => console.error('pagebench:', ...a);

for (const c of CONFIGS)
  if (!['echo', 'echo-empty', 'identity', 'invert', 'identity-kernel', 'invert-kernel'].includes(c))
    throw new Error(`unknown config ${c}`);
if (!SIZES.every((s) => s.length === 2 && s.every((x) => x > 0 && x <= 4096))) throw new Error('bad --sizes');
if (!STREAMS.every((n) => n >= 1 && n <= 8)) throw new Error('--streams: 1 to 8');

// ---- the echo peers -----------------------------------------------------------------------------
function startEchoProcess() {
  const child = fork(path.join(__dirname, 'echo-process.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const echo = { child, pid: child.pid, answers: new Map(), onCandidate: () => undefined };
  echo.open = (id, sdp) =>
    new Promise((resolve, reject) => {
      echo.answers.set(id, { resolve, reject });
      child.send({ t: 'open', id, offer: sdp });
    });
  echo.candidate = (id, candidate) => child.send({ t: 'candidate', id, candidate });
  echo.close = (id) => child.send({ t: 'close', id });
  return new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (m.t === 'ready') resolve(echo);
      else if (m.t === 'answer') echo.answers.get(m.id)?.resolve(m.sdp);
      else if (m.t === 'error') echo.answers.get(m.id)?.reject(new Error(m.message));
      else if (m.t === 'candidate') echo.onCandidate(m.id, m.candidate);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`echo-process.js exited (${code})`)));
  });
}

// ---- one measured window over several sessions ----------------------------------------------------
async function waitStamped(page, labels) {
  await page.waitForFunction((l) => window.pagebench.allStamped(l), labels, {
    timeout: FIRST_FRAME_TIMEOUT_MS,
    polling: 20,
  });
}

/**
 * Warm-up, then --seconds of every session in `labels` and of process `pid` (CPU, threads). A
 * widget's reading waits for its next kernel stats message (up to 2.5 s), so each session has its
 * own window (its figures are per its own span); the CPU's runs from the last reading at the start
 * to the last at the end.
 */
async function measureWindow(page, labels, pid) {
  await sleep(WARMUP * 1000);
  const snap = (l) => page.evaluate((x) => window.pagebench.snap(x), l);
  const snaps0 = await Promise.all(labels.map(snap));
  const cpu0 = cpuMsOf(pid);
  const threads0 = threadCpuMsOf(pid);
  const t0 = performance.now();
  const load0 = loadavg();
  await sleep(SECONDS * 1000);
  const snaps1 = await Promise.all(labels.map(snap));
  const cpuMs = cpuMsOf(pid) - cpu0;
  const threads1 = threadCpuMsOf(pid);
  const wall = performance.now() - t0;
  const threadCount = threadsOf(pid).count;
  await sleep(1500); // frames drawn before the end of the window may still be on their way
  const sessions = [];
  for (let i = 0; i < labels.length; i++) {
    const report = await page.evaluate(
      ([l, a, b]) => window.pagebench.report(l, a, b),
      [labels[i], snaps0[i].at, snaps1[i].at],
    );
    sessions.push({ label: labels[i], ...sessionFigures(report, snaps0[i], snaps1[i]) });
  }
  const perThread = [];
  for (const [tid, ms] of threads1) perThread.push(Math.round((100 * (ms - (threads0.get(tid) ?? 0))) / wall));
  perThread.sort((a, b) => b - a);
  return {
    sessions,
    cpu_pct: Math.round((100 * cpuMs) / wall),
    threads: threadCount,
    busy_threads: perThread.filter((p) => p >= 5).length,
    thread_cpu_pct: perThread.slice(0, 8),
    load: `${load0} → ${loadavg()}`,
  };
}

// ---- configurations -------------------------------------------------------------------------------
/**
 * A fresh kernel and the notebook of a measurement: the first cell (kernel start → first result
 * timed), the transforms, one streamer widget per stream (displayed, not started), then --settle
 * seconds (the user's pause, in which the kernel starts its spare media worker).
 */
async function openNotebook(page, config, size, n) {
  const first = await newNotebookFirstResult(page, FIRST_CELL);
  const pid = Number(resultText(first.outputs));
  if (!Number.isInteger(pid) || !fs.existsSync(`/proc/${pid}`)) {
    throw new Error(`no kernel pid from the first cell: ${JSON.stringify(first.outputs).slice(0, 300)}`);
  }
  debug(
    `kernel ${pid}: session ready ${Math.round(first.sessionReadyMs)} ms, first result ${Math.round(first.firstResultMs)} ms`,
  );
  await runCell(page, 1, SETUP_CELL);
  for (let i = 0; i < n; i++) await runCell(page, 2 + i, streamerCell(i, config, size));
  await page.waitForFunction((k) => document.querySelectorAll('.jp-webrtc-start').length >= k, n);
  const idleThreads = threadsOf(pid).count;
  await sleep(SETTLE * 1000);
  return { pid, first, idleThreads };
}

/** Shuts the notebook's kernel down, closes the notebook and waits (up to 10 s) for the kernel to exit. */
async function closeKernelNotebook(page, pid) {
  await closeNotebook(page).catch((e) => progress('closing the notebook failed:', e.message));
  for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) await sleep(100);
}

/**
 * The RTP echo, n sessions. By default in the page state of the widget's measurement (issue 9's
 * fair baseline): a notebook on a fresh kernel with the n streamer widgets displayed but not
 * started, each echo shown in a widget's own camera preview and output <video>s. `empty` (config
 * echo-empty): no notebook open, the echo's output in the bench's corner (the baseline before).
 */
async function measureEcho(lab, echo, size, n, empty) {
  const { page } = lab;
  const [width, height] = size;
  const labels = Array.from({ length: n }, (_, i) => `echo-${i}`);
  const notebook = empty ? null : await openNotebook(page, 'identity', size, n);
  try {
    for (let i = 0; i < n; i++) {
      await page.evaluate(
        ([l, w, h, k]) => window.pagebench.startEcho(l, w, h, k),
        [labels[i], width, height, notebook ? i : null],
      );
    }
    await waitStamped(page, labels);
    const res = await measureWindow(page, labels, echo.pid);
    return { ...res, echo_page: empty ? 'empty' : 'notebook' };
  } finally {
    for (const id of labels) {
      await page.evaluate((i) => window.pagebench.stopEcho(i), id).catch(() => undefined);
      echo.close(id);
    }
    if (notebook) await closeKernelNotebook(page, notebook.pid);
  }
}

async function measureStreamer(lab, config, size, n) {
  const { page } = lab;
  const labels = Array.from({ length: n }, (_, i) => `${config}-${i}`);
  let pid = null;
  try {
    const notebook = await openNotebook(page, config, size, n);
    pid = notebook.pid;
    for (let i = 0; i < n; i++) await page.evaluate(([l, k]) => window.pagebench.watchWidget(l, k), [labels[i], i]);
    for (let i = 0; i < n; i++) await page.locator('.jp-webrtc-start').nth(i).click();
    await waitStamped(page, labels);
    const res = await measureWindow(page, labels, pid);
    const workers = parseWorkers(resultText(await runCell(page, 2 + n, WORKERS_CELL)));
    return {
      ...res,
      idle_threads: notebook.idleThreads,
      media_workers: workers,
      kernel_start_ms: Math.round(notebook.first.firstResultMs),
      kernel_session_ms: Math.round(notebook.first.sessionReadyMs),
    };
  } finally {
    for (let i = 0; i < n; i++) {
      await page
        .locator('.jp-webrtc-stop')
        .nth(i)
        .click({ timeout: 5000 })
        .catch(() => undefined);
      await page.evaluate((l) => window.pagebench.unwatch(l), labels[i]).catch(() => undefined);
    }
    if (pid !== null) await closeKernelNotebook(page, pid);
  }
}

// ---- main -----------------------------------------------------------------------------------------
async function main() {
  requireLoopbackNamespace('node kernel-bridge/bench/page/run.js');
  const server = await startJupyterLab();
  let browser = null;
  let echo = null;
  const results = [];
  try {
    browser = await launchChromium(CHROMIUM);
    echo = await startEchoProcess();
    const lab = await openLab(browser, server.url, {
      onEchoOffer: (id, sdp) => echo.open(id, sdp),
      onEchoCandidate: (id, c) => echo.candidate(id, c),
    });
    echo.onCandidate = (id, c) =>
      void lab.page.evaluate(([i, cc]) => window.pagebench.echoCandidate(i, cc), [id, c]).catch(() => undefined);
    const machine = machineLine(browser);
    console.log(`pagebench: ${machine}`);
    console.log(
      `pagebench: JupyterLab ${server.url} (log ${server.log}); ${SECONDS} s per configuration after ${WARMUP} s warm-up, ` +
        `30 fps canvas camera, sizes ${SIZES.map((s) => s.join('x')).join(', ')}, streams ${STREAMS.join(',')}, rounds ${ROUNDS}`,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      for (const size of SIZES) {
        for (const n of STREAMS) {
          for (const config of CONFIGS) {
            const label = `${config} ${size.join('x')} x${n}`;
            progress(`round ${round}: ${label} ...`);
            let res;
            try {
              res = config.startsWith('echo')
                ? await measureEcho(lab, echo, size, n, config === 'echo-empty')
                : await measureStreamer(lab, config, size, n);
            } catch (e) {
              res = { failed: String(e.message ?? e).slice(0, 400) };
              progress(`${label} failed: ${res.failed}`);
            }
            const row = res.failed ? null : rowOf(res.sessions);
            results.push({ round, config, size: size.join('x'), streams: n, ...res, row });
            debug(JSON.stringify({ label, row, cpu: res.cpu_pct, workers: res.media_workers }));
          }
        }
      }
    }
    printReport(results, { machine, load: loadavg(), consoleErrors: lab.consoleErrors });
    if (JSON_OUT) {
      const slim = results.map((r) => ({
        ...r,
        sessions: r.sessions?.map((s) => ({ ...s, latencies: undefined })),
      }));
      fs.writeFileSync(JSON_OUT, JSON.stringify({ machine, results: slim }, null, 2));
    }
  } finally {
    await browser?.close().catch(() => undefined);
    echo?.child.kill();
    await server.stop();
  }
}

/** Prints the report of a --json file again (files from before presented fps was kept get it estimated). */
function reprint(file) {
  const { machine, results } = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const r of results) {
    for (const s of r.sessions ?? []) s.presented_fps ??= s.shown ? r1((s.stages.shown * s.fps) / s.shown) : null;
    if (r.row && r.row.presented_fps === undefined) {
      r.row.presented_fps = r1(r.sessions.reduce((a, s) => a + (s.presented_fps ?? 0), 0) / r.sessions.length);
    }
  }
  printReport(results, { machine, load: '(from the file)', consoleErrors: [] });
}

(REPORT ? Promise.resolve().then(() => reprint(REPORT)) : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
