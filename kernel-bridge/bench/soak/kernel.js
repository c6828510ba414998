#!/usr/bin/env node
/**
 * Kernel side of bench/soak/run.js, in a child process of its own whose /proc figures (RSS, CPU,
 * threads, UDP sockets) run.js samples. It holds what a notebook cell holds: one
 * `webrtcStreamer({key})` (the public API, lib/streamer) with a transform, inside a minimal
 * stand-in for the kernel's API (lib/kernel/api: comms, display, onShutdown, log) as the tests'
 * fake kernel does. The widget's comm is bridged to run.js over IPC, so the browser speaks the
 * streamer protocol of the extension (offer, candidate, stop / answer, candidate, stopped, stats,
 * error) and whatever the streamer does on its own (spare peer, liveness, ...) is measured as is.
 *
 * IPC with run.js (process.send):
 *   in:  {t: 'custom', content}  a custom message from the frontend to the widget
 *        {t: 'probe', id}        asks for {t: 'probe', id, workers, workersStarted, workersExited, status}
 *   out: {t: 'ready'}, {t: 'custom', content} (the widget's custom messages), {t: 'probe', ...},
 *        {t: 'log', message} (the kernel log: media errors etc.)
 *
 * Workers are counted by wrapping worker_threads.Worker before the library is loaded: live =
 * started and not yet exited, whoever starts them.
 */
'use strict';
const path = require('node:path');
const workerThreads = require('node:worker_threads');

let liveWorkers = 0;
let startedWorkers = 0;
let exitedWorkers = 0;
const BaseWorker = workerThreads.Worker;
workerThreads.Worker = class CountedWorker extends BaseWorker {
  constructor(...args) {
    super(...args);
    liveWorkers++;
    startedWorkers++;
    this.once('exit', () => {
      liveWorkers--;
      exitedWorkers++;
    });
  }
};

const kb = path.resolve(__dirname, '..', '..');
const lib = path.join(kb, 'lib');
const { setKernelApi } = require(path.join(lib, 'kernel', 'api'));

// ---- the kernel API stand-in ----------------------------------------------------------------
const comms = new Map();
let nextId = 1;
class BridgedComm {
  constructor(id, targetName) {
    this.id = id;
    this.targetName = targetName;
    this.closed = false;
    this.messageHandlers = [];
    this.closeHandlers = [];
  }
  get isClosed() {
    return this.closed;
  }
  send(data) {
    if (this.closed) throw new Error('send on a closed comm');
    // JSON round trip, as on the real wire
    if (data.method === 'custom') process.send({ t: 'custom', content: JSON.parse(JSON.stringify(data.content)) });
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers.splice(0)) h(null);
  }
  onMessage(h) {
    this.messageHandlers.push(h);
    return () => (this.messageHandlers = this.messageHandlers.filter((x) => x !== h));
  }
  onClose(h) {
    this.closeHandlers.push(h);
    return () => (this.closeHandlers = this.closeHandlers.filter((x) => x !== h));
  }
  receive(data) {
    const message = { data, metadata: {}, buffers: [] };
    for (const h of this.messageHandlers) void h(message);
  }
}
const shutdownHandlers = [];
setKernelApi({
  comms: {
    registerTarget: () => () => undefined,
    open: (targetName, _data, options = {}) => {
      const comm = new BridgedComm(options.commId ?? `soak-${nextId++}`, targetName);
      comms.set(comm.id, comm);
      return comm;
    },
    list: (targetName) => [...comms.values()].filter((c) => !c.closed && (!targetName || c.targetName === targetName)),
  },
  display: () => undefined,
  onShutdown: (h) => {
    shutdownHandlers.push(h);
    return () => shutdownHandlers.splice(shutdownHandlers.indexOf(h) >>> 0, 1);
  },
  log: (message) => process.send({ t: 'log', message: String(message) }),
  // no cells here: nothing is scoped to one, and what the transform prints is not captured
  currentScope: () => null,
  detached: (fn) => fn(),
  captureOutput: (_sink, fn) => fn(),
});

// ---- the notebook cell ----------------------------------------------------------------------
const { webrtcStreamer } = require(path.join(lib, 'streamer'));

const { invertY } = require('../shared/invert');

const streamer = webrtcStreamer({ key: 'soak' }).transform(invertY());
const comm = comms.get(streamer.modelId);

process.on('message', (m) => {
  if (m.t === 'custom') comm.receive({ method: 'custom', content: m.content });
  else if (m.t === 'probe')
    process.send({
      t: 'probe',
      id: m.id,
      workers: liveWorkers,
      workersStarted: startedWorkers,
      workersExited: exitedWorkers,
      status: streamer.get('kernel_status'),
    });
});
process.on('disconnect', () => process.exit(0));
process.send({ t: 'ready' });
