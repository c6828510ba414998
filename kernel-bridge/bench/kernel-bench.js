#!/usr/bin/env node
/**
 * Kernel benchmark: the real kernel process (bin/jupyterlab-webrtc-kernel.js, build in lib/) driven
 * over zeromq with signed messages, the way jupyter_client does.
 *
 *   (a) cold start: process spawn -> execute_result of `1+1`, sent right after connecting (N runs)
 *   (b) round trip of a trivial cell `1`: send -> execute_reply, and send -> idle (one kernel,
 *       after warm-up runs)
 *   (c) 10,000 console.log lines: send -> idle, every line checked as received on iopub
 *
 *   cd kernel-bridge && npm run build && node bench/kernel-bench.js
 * Options: --starts N (default 5), --trips N (default 50), --warmup N (default 5),
 *          --lines N (default 10000), --line-runs N (default 3),
 *          --node-args "..." (extra node flags for the kernel process, e.g. "--cpu-prof").
 */
'use strict';
const { spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const zmq = require('zeromq');

const ROOT = path.join(__dirname, '..');
const KERNEL_SCRIPT = path.join(ROOT, 'bin', 'jupyterlab-webrtc-kernel.js');
const { decodeMessage, encodeMessage, Signer } = require(path.join(ROOT, 'lib', 'kernel', 'transport', 'wire.js'));

const { option: opt } = require('./shared/options');
const STARTS = Number(opt('--starts', 5));
const TRIPS = Number(opt('--trips', 50));
const WARMUP = Number(opt('--warmup', 5));
const LINES = Number(opt('--lines', 10000));
const LINE_RUNS = Number(opt('--line-runs', 3));
const NODE_ARGS = opt('--node-args', '').split(' ').filter(Boolean);
const TIMEOUT_MS = 60000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const pct = (xs, p) => {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};
const median = (xs) => {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

class BenchKernel {
  /** Spawns the kernel and connects at once; `t0` is taken just before the spawn. */
  static async spawn() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kernel-bench-'));
    const key = randomUUID();
    const [shellPort, controlPort, iopubPort, stdinPort, hbPort] = await Promise.all([0, 1, 2, 3, 4].map(freePort));
    const connection = {
      transport: 'tcp',
      ip: '127.0.0.1',
      key,
      signature_scheme: 'hmac-sha256',
      shell_port: shellPort,
      control_port: controlPort,
      iopub_port: iopubPort,
      stdin_port: stdinPort,
      hb_port: hbPort,
    };
    const file = path.join(dir, 'kernel.json');
    fs.writeFileSync(file, JSON.stringify(connection));
    const t0 = performance.now();
    const child = spawn(process.execPath, [...NODE_ARGS, KERNEL_SCRIPT, 'kernel', file], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const kernel = new BenchKernel(child, new Signer(key), dir, t0);
    kernel.shell.connect(`tcp://127.0.0.1:${shellPort}`);
    kernel.control.connect(`tcp://127.0.0.1:${controlPort}`);
    kernel.iopub.connect(`tcp://127.0.0.1:${iopubPort}`);
    kernel.iopub.subscribe();
    return kernel;
  }

  constructor(child, signer, dir, t0) {
    this.child = child;
    this.signer = signer;
    this.dir = dir;
    this.t0 = t0;
    this.session = randomUUID();
    this.shell = new zmq.Dealer();
    this.control = new zmq.Dealer();
    this.iopub = new zmq.Subscriber();
    this.stderr = '';
    this.waiters = new Map(); // parent msg_id -> handler(message, channel)
    this.exited = new Promise((resolve) => child.on('exit', resolve));
    child.stderr.on('data', (chunk) => (this.stderr += chunk));
    void this.read(this.shell, 'shell');
    void this.read(this.control, 'control');
    void this.read(this.iopub, 'iopub');
  }

  async read(socket, channel) {
    try {
      for await (const frames of socket) {
        const message = decodeMessage(frames, this.signer);
        this.waiters.get(message.parent_header.msg_id)?.(message, channel);
      }
    } catch {
      // socket closed
    }
  }

  header(msgType) {
    return {
      msg_id: randomUUID(),
      session: this.session,
      username: 'bench',
      date: new Date().toISOString(),
      msg_type: msgType,
      version: '5.3',
    };
  }

  /**
   * Sends a request and calls `onMessage(message, channel, now)` for the reply and every iopub
   * message parented to it; resolves with the times (ms since the send) once `done()` says so.
   */
  request(channel, msgType, content, done) {
    const header = this.header(msgType);
    const times = {};
    const messages = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(header.msg_id);
        reject(new Error(`${msgType}: no answer in ${TIMEOUT_MS} ms; kernel stderr:\n${this.stderr}`));
      }, TIMEOUT_MS);
      let sent = 0;
      this.waiters.set(header.msg_id, (message, from) => {
        const now = performance.now();
        const type = message.header.msg_type;
        const name =
          type === 'status' ? `status:${message.content.execution_state}` : from === 'iopub' ? type : 'reply';
        times[name] ??= now;
        messages.push(message);
        if (done(times, messages)) {
          clearTimeout(timer);
          this.waiters.delete(header.msg_id);
          resolve({ sent, times, messages });
        }
      });
      sent = performance.now();
      const message = { identities: [], header, parent_header: {}, metadata: {}, content, buffers: [] };
      void this[channel].send(encodeMessage(message, this.signer));
    });
  }

  execute(code, done = (t) => t.reply && t['status:idle']) {
    const content = {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    };
    return this.request('shell', 'execute_request', content, done);
  }

  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await Promise.race([
        this.request('control', 'shutdown_request', { restart: false }, (t) => t.reply).catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 5000)),
      ]);
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(killer);
    }
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * CPU time (user + system, all threads) the kernel process has used so far, from /proc on Linux:
   * unlike wall time it hardly moves when other processes compete for the cores.
   */
  cpuMs() {
    try {
      const fields = fs.readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
    } catch {
      return NaN;
    }
  }

  /** The kernel logs how long warming the TypeScript program took. */
  warmMs() {
    const match = /TypeScript engine warm in (\d+) ms/.exec(this.stderr);
    return match ? Number(match[1]) : NaN;
  }
}

async function coldStarts() {
  const rows = [];
  for (let i = 0; i < STARTS; i++) {
    const kernel = await BenchKernel.spawn();
    try {
      // PUB drops what it publishes before our SUB is connected, so the execute_reply is the
      // fallback end point; on loopback SUB is connected while the kernel builds its TypeScript program.
      const { times, messages } = await kernel.execute('1+1', (t) => t.reply && (t.execute_result || t['status:idle']));
      const result = messages.find((m) => m.header.msg_type === 'execute_result');
      if (result && result.content.data['text/plain'] !== '2')
        throw new Error(`1+1 gave ${JSON.stringify(result.content.data)}`);
      rows.push({
        result: (times.execute_result ?? NaN) - kernel.t0,
        reply: times.reply - kernel.t0,
        cpu: kernel.cpuMs(),
      });
    } finally {
      await kernel.stop();
    }
    rows[rows.length - 1].warm = kernel.warmMs(); // stderr is complete once the process exited
  }
  return rows;
}

async function roundTrips(kernel) {
  for (let i = 0; i < WARMUP; i++) await kernel.execute('1');
  const reply = [];
  const idle = [];
  for (let i = 0; i < TRIPS; i++) {
    const { sent, times } = await kernel.execute('1');
    reply.push(times.reply - sent);
    idle.push(times['status:idle'] - sent);
  }
  return { reply, idle };
}

async function consoleLines(kernel) {
  const code = `for (let i = 0; i < ${LINES}; i++) console.log("line " + i);`;
  const runs = [];
  for (let r = 0; r < LINE_RUNS; r++) {
    const { sent, times, messages } = await kernel.execute(code);
    const streams = messages.filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stdout');
    const text = streams.map((m) => m.content.text).join('');
    const lines = text.split('\n').filter(Boolean);
    if (lines.length !== LINES || lines[LINES - 1] !== `line ${LINES - 1}`) {
      throw new Error(`console.log: got ${lines.length} of ${LINES} lines`);
    }
    runs.push({ total: times['status:idle'] - sent, messages: streams.length });
  }
  return runs;
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((cell, c) => String(cell).padEnd(widths[c])).join('  ')).join('\n');
}

async function main() {
  console.log(
    `kernel-bench: node ${process.version}, ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const starts = await coldStarts();
  console.log(`\n(a) spawn -> first result of 1+1 (${STARTS} cold starts)`);
  console.log(
    table([
      ['run', 'execute_result', 'execute_reply', 'warm (kernel log)', 'kernel CPU at result'],
      ...starts.map((s, i) => [i + 1, ms(s.result), ms(s.reply), ms(s.warm), ms(s.cpu)]),
    ]),
  );

  const kernel = await BenchKernel.spawn();
  let trips;
  let lines;
  try {
    await kernel.execute('0');
    trips = await roundTrips(kernel);
    lines = await consoleLines(kernel);
  } finally {
    await kernel.stop();
  }
  const firstResult = starts.map((s) => s.result);
  const firstCpu = starts.map((s) => s.cpu);
  console.log('\nsummary');
  console.log(
    table([
      ['measure', 'median', 'p95', 'min', 'max', 'goal'],
      [
        '(a) spawn -> execute_result of 1+1',
        ms(median(firstResult)),
        ms(pct(firstResult, 0.95)),
        ms(Math.min(...firstResult)),
        ms(Math.max(...firstResult)),
        '<= 1500 ms',
      ],
      [
        '(a) kernel CPU time at that result',
        ms(median(firstCpu)),
        ms(pct(firstCpu, 0.95)),
        ms(Math.min(...firstCpu)),
        ms(Math.max(...firstCpu)),
        '',
      ],
      [
        `(b) \`1\` send -> execute_reply (${TRIPS})`,
        ms(median(trips.reply)),
        ms(pct(trips.reply, 0.95)),
        ms(Math.min(...trips.reply)),
        ms(Math.max(...trips.reply)),
        'low',
      ],
      [
        `(b) \`1\` send -> idle (${TRIPS})`,
        ms(median(trips.idle)),
        ms(pct(trips.idle, 0.95)),
        ms(Math.min(...trips.idle)),
        ms(Math.max(...trips.idle)),
        '',
      ],
      [
        `(c) ${LINES} console.log lines -> idle (${LINE_RUNS})`,
        ms(median(lines.map((l) => l.total))),
        '',
        ms(Math.min(...lines.map((l) => l.total))),
        ms(Math.max(...lines.map((l) => l.total))),
        `${lines.map((l) => l.messages).join('/')} stream msgs`,
      ],
    ]),
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
