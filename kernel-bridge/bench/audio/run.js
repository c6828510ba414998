#!/usr/bin/env node
/**
 * Audio round trip benchmark: added mouth-to-ear latency of the kernel's audio path, and the
 * kernel's CPU per audio stream. Chromium (page.html) sends a 20 ms 1 kHz click every 500 ms as
 * its microphone (WebAudio) and times when each comes back out, on its AudioContext clock.
 * Configurations, each in a fresh kernel process (kernel.js):
 *   echo            werift forwards the RTP back: Chromium's own floor (Opus encode, jitter buffer, playout)
 *   kernel          MediaPeer: Opus decode -> audio$ -> identity transformAudio -> Opus encode
 *   kernel-no-audio the same page without an audio track: the CPU baseline (a 64x64 5 fps video)
 * Added latency = kernel − echo (p50); CPU per audio stream = kernel − kernel-no-audio.
 *
 * Needs `npm run build` (lib/), Debian's Chromium and the playwright-core of ui-tests/, in a
 * loopback-only namespace (as root):
 *   cd kernel-bridge && npm run build && cd ..
 *   unshare -n bash -c 'ip link set lo up && node kernel-bridge/bench/audio/run.js'
 * Options: --seconds N (measured per config, default 20), --warmup N (default 3),
 *          --configs echo,kernel,kernel-no-audio, --chromium PATH.
 */
'use strict';
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
const { cpuMsOf } = require('../shared/proc');
const { option: opt } = require('../shared/options');

const SECONDS = Number(opt('--seconds', 20));
const WARMUP = Number(opt('--warmup', 3));
const CONFIGS = opt('--configs', 'echo,kernel,kernel-no-audio').split(',');
const CHROMIUM = opt('--chromium', DEFAULT_CHROMIUM);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startKernel() {
  const child = fork(path.join(__dirname, 'kernel.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const k = { child, answer: null, onCandidate: () => undefined, audio: null };
  return new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (m.t === 'ready') resolve(k);
      else if (m.t === 'answer') k.answer?.resolve(m.sdp);
      else if (m.t === 'candidate') k.onCandidate(m.candidate);
      else if (m.t === 'stats') k.audio = m.audio;
      else if (m.t === 'error' && k.answer) k.answer.reject(new Error(m.message));
      else if (m.t === 'error') console.error('kernel:', m.message);
    });
    child.on('exit', (code) => reject(new Error(`kernel.js exited (${code})`)));
  });
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);
const r1 = (x) => (x === null ? null : Math.round(x * 10) / 10);

async function until(page, condition, what, ms = 30000) {
  const deadline = performance.now() + ms;
  while (!(await page.evaluate(condition))) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function measure(browser, url, config) {
  const kernel = await startKernel();
  const withAudio = config !== 'kernel-no-audio';
  const { page, addCandidate } = await openSignallingPage(browser, `${url}?audio=${withAudio ? 1 : 0}`, {
    onCandidate: (c) => kernel.child.send({ t: 'candidate', candidate: c }),
    onOffer: (sdp) => {
      const answer = new Promise((resolve, reject) => (kernel.answer = { resolve, reject }));
      kernel.child.send({ t: 'open', config: config === 'echo' ? 'echo' : 'kernel', offer: sdp });
      return answer;
    },
  });
  kernel.onCandidate = (c) => void addCandidate(c);
  try {
    await page.evaluate(() => window.bench.start());
    await until(page, () => window.bench.connected, 'the connection');
    if (withAudio) await until(page, () => window.bench.latencies.length > 0, 'the first click back');
    await sleep(WARMUP * 1000);
    await page.evaluate(() => (window.bench.latencies.length = 0));
    const clicks0 = await page.evaluate(() => window.bench.clicks);
    const cpu0 = cpuMsOf(kernel.child.pid);
    const t0 = performance.now();
    await sleep(SECONDS * 1000); // a measuring window, not a wait for a condition
    const cpu = ((cpuMsOf(kernel.child.pid) - cpu0) / (performance.now() - t0)) * 100;
    const { latencies, clicks } = await page.evaluate(() => ({
      latencies: [...window.bench.latencies],
      clicks: window.bench.clicks,
    }));
    const sorted = latencies.sort((a, b) => a - b);
    return {
      config,
      clicks: clicks - clicks0,
      detected: sorted.length,
      p50: r1(pct(sorted, 0.5)),
      p95: r1(pct(sorted, 0.95)),
      cpu: r1(cpu),
      audio: kernel.audio,
    };
  } finally {
    await page.evaluate(() => window.bench.stop()).catch(() => undefined);
    await page.close().catch(() => undefined);
    kernel.child.kill('SIGKILL');
  }
}

async function main() {
  requireLoopbackNamespace('node kernel-bridge/bench/audio/run.js');
  const server = await servePage(path.join(__dirname, 'page.html'));
  const browser = await launchChromium(CHROMIUM);
  console.log(machineLine(browser));
  const results = {};
  try {
    for (const config of CONFIGS) {
      results[config] = await measure(browser, server.url, config);
      const r = results[config];
      console.log(
        `${config.padEnd(16)} clicks ${r.clicks}, detected ${r.detected}, mouth-to-ear p50 ${r.p50} ms, p95 ${r.p95} ms, kernel CPU ${r.cpu}% of a core` +
          (r.audio ? `, kernel audio/s ${JSON.stringify(r.audio.fps)}` : ''),
      );
    }
  } finally {
    await browser.close();
    server.close();
  }
  const { echo, kernel, 'kernel-no-audio': none } = results;
  if (echo && kernel)
    console.log(
      `added mouth-to-ear (kernel − echo): p50 ${r1(kernel.p50 - echo.p50)} ms, p95 ${r1(kernel.p95 - echo.p95)} ms`,
    );
  if (kernel && none)
    console.log(`kernel CPU per audio stream (kernel − kernel-no-audio): ${r1(kernel.cpu - none.cpu)}% of a core`);
  console.log(`load ${loadavg()}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
