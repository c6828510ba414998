/**
 * The control socket, read in a worker thread: kernel.json declares interrupt_mode "message", so
 * the stop button arrives as an interrupt_request on control, and a cell that keeps the main
 * thread busy would keep it from ever being read there. Every message is forwarded to the main
 * thread as raw frames (decoded, checked and answered there, like shell's); a signed
 * interrupt_request additionally starts the CellInterrupter here, which ends a cell the main
 * thread is stuck in. Replies the main thread sends on control come back here to be sent.
 */
import { parentPort, workerData } from 'worker_threads';
import * as zmq from 'zeromq';
import { CellInterrupter } from '../engine/cell-interrupter';
import type { ControlWorkerData, FromControlWorker, ToControlWorker } from './control-thread';
import { SeenSignatures } from './replay';
import { decodeMessage, DEFAULT_LIMITS, Signer } from './wire';

const port = parentPort!;
const data = workerData as ControlWorkerData;
const post = (message: FromControlWorker) => port.postMessage(message);
const report = (message: string) => post({ type: 'log', message });

// Same frame limit as the other channels (see sockets.ts).
const socket = new zmq.Router({ maxMessageSize: data.maxMessageBytes });
const signer = new Signer(data.key, data.signatureScheme);
const interrupter = new CellInterrupter(report);
// A replayed interrupt_request must not start the interrupter either (the main thread drops it).
const seen = new SeenSignatures();
let sending: Promise<void> = Promise.resolve();

/** zeromq.js copies a frame of at most this many bytes; larger Buffers are sent zero-copy. */
const ZMQ_COPY_THRESHOLD = 128;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A frame libzmq copies. zeromq.js sends a Buffer over 128 bytes zero-copy and releases it later
 * through this thread's event loop: a reply sent just before the worker ends (shutdown_reply) was
 * released after the thread was gone, and the kernel died at shutdown in 2 of 4 full test runs
 * (glibc "corrupted double-linked list", or no exit code; zeromq.js issue #411). A string is copied
 * into memory libzmq frees itself, so UTF-8 frames (the JSON parts) go as strings; identities,
 * the delimiter and the signature are under the threshold. A binary frame over it (control sends
 * no buffers) stays zero-copy.
 */
function copiedByZmq(frame: Uint8Array): Uint8Array | string {
  if (frame.byteLength <= ZMQ_COPY_THRESHOLD) return frame;
  try {
    return utf8.decode(frame);
  } catch {
    return frame;
  }
}

port.on('message', (message: ToControlWorker) => {
  switch (message.type) {
    case 'send':
      sending = sending
        .then(() => socket.send(message.frames.map(copiedByZmq)))
        .catch((error: unknown) => report(`control send: ${String(error)}`));
      return;
    case 'interrupt-handled':
      interrupter.handled();
      return;
    case 'close':
      // zeromq aborts the process if a worker ends with a socket open: close it, then end.
      void sending.then(() => {
        interrupter.close();
        socket.close();
        port.close();
      });
      return;
  }
});

function isInterruptRequest(frames: Buffer[]): boolean {
  try {
    return (
      decodeMessage(frames, signer, { ...DEFAULT_LIMITS, maxMessageBytes: data.maxMessageBytes }, seen).header
        .msg_type === 'interrupt_request'
    );
  } catch {
    return false; // the main thread reports it
  }
}

socket.bind(data.address).then(
  async () => {
    post({ type: 'ready' });
    try {
      for await (const frames of socket) {
        post({ type: 'frames', frames });
        if (isInterruptRequest(frames)) interrupter.interrupt();
      }
    } catch (error) {
      if (!socket.closed) report(`control receive: ${String(error)}`);
    }
  },
  (error: unknown) => {
    post({ type: 'failed', message: String(error) });
    interrupter.close();
    socket.close();
    port.close();
  },
);
