/**
 * The kernel's ZeroMQ sockets. zeromq 6 allows one send in flight per socket and throws EBUSY
 * otherwise, so every send goes through a per-socket chain: nothing is fired and forgotten,
 * nothing is lost, and order is kept.
 */
import { Worker } from 'worker_threads';
import * as zmq from 'zeromq';
import { ConnectionInfo, endpoint } from './connection-file';
import { ControlThread } from './control-thread';
import { DEFAULT_LIMITS, WireLimits } from './wire';

/** What SerialSender writes to: a zmq socket, or the control worker. */
export interface FrameSink {
  send(frames: Buffer[]): Promise<void>;
}

export class SerialSender {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: FrameSink,
    private readonly onError: (error: unknown) => void,
  ) {}

  send(frames: Buffer[]): Promise<void> {
    const sent = this.tail.then(() => this.socket.send(frames));
    this.tail = sent.catch(this.onError);
    return this.tail;
  }

  /** Resolves when everything queued so far has been handed to ZeroMQ. */
  drained(): Promise<void> {
    return this.tail;
  }
}

export interface KernelSockets {
  shell: zmq.Router;
  /** Read and written in a worker thread, so an interrupt_request gets through while a cell runs. */
  control: ControlThread;
  stdin: zmq.Router;
  iopub: zmq.Publisher;
  senders: { shell: SerialSender; control: SerialSender; stdin: SerialSender; iopub: SerialSender };
  close(): Promise<void>;
}

/**
 * `options.limits.maxMessageBytes` becomes ZeroMQ's maxMessageSize (ZMQ_MAXMSGSIZE) on the channels that read:
 * despite its name libzmq applies it to each frame, checked when the frame's length arrives, and
 * disconnects the peer instead of reading on. Without it a 300 MB frame was read whole into the
 * kernel's memory before wire.ts could refuse it. The peer reconnects by itself (ZeroMQ's
 * reconnect), so only the oversize message and replies still in flight to it are lost.
 */
export async function bindSockets(
  info: ConnectionInfo,
  onError: (error: unknown) => void,
  options: { limits?: WireLimits; log?: (message: string) => void } = {},
): Promise<KernelSockets> {
  const maxFrameBytes = (options.limits ?? DEFAULT_LIMITS).maxMessageBytes;
  const shell = new zmq.Router({ maxMessageSize: maxFrameBytes });
  const stdin = new zmq.Router({ maxMessageSize: maxFrameBytes });
  // A subscriber slower than a burst of output must not make PUB drop messages silently; our own
  // stream batching keeps the message count low, so this bound is rarely approached.
  const iopub = new zmq.Publisher({ sendHighWaterMark: 100_000 });
  const controlData = {
    address: endpoint(info, 'control'),
    key: info.key,
    signatureScheme: info.signature_scheme,
    maxMessageBytes: maxFrameBytes,
  };
  const [started, ...bound] = await Promise.allSettled([
    ControlThread.start(controlData, onError, (message) => (options.log ?? onError)(message)),
    shell.bind(endpoint(info, 'shell')),
    stdin.bind(endpoint(info, 'stdin')),
    iopub.bind(endpoint(info, 'iopub')),
  ]);
  const failed = [started, ...bound].find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed || started.status === 'rejected') {
    // A port in use: the kernel exits, and zeromq aborts the process (SIGABRT instead of exit
    // code 1 and the reason) if the control worker's socket is still open then.
    for (const socket of [shell, stdin, iopub]) socket.close();
    if (started.status === 'fulfilled') await started.value.close();
    throw failed?.reason;
  }
  const control = started.value;
  const heartbeat = startHeartbeat(endpoint(info, 'hb'), onError);
  const senders = {
    shell: new SerialSender(shell, onError),
    control: new SerialSender(control, onError),
    stdin: new SerialSender(stdin, onError),
    iopub: new SerialSender(iopub, onError),
  };
  return {
    shell,
    control,
    stdin,
    iopub,
    senders,
    async close() {
      await Promise.all(Object.values(senders).map((sender) => sender.drained()));
      for (const socket of [shell, stdin, iopub]) socket.close();
      await Promise.all([control.close(), heartbeat.stop()]);
    },
  };
}

/**
 * The heartbeat echoes in a worker thread, like ipykernel's heartbeat thread: a cell that keeps
 * the main thread busy must not make the kernel look dead. zeromq aborts the process if a worker
 * is terminated (or the process exits) with a socket open, so the worker closes its own socket
 * when asked and then ends by itself.
 */
interface Heartbeat {
  stop(): Promise<void>;
}

function startHeartbeat(address: string, onError: (error: unknown) => void): Heartbeat {
  const source = `
    const zmq = require(${JSON.stringify(require.resolve('zeromq'))});
    const { workerData, parentPort } = require('worker_threads');
    const socket = new zmq.Reply();
    parentPort.once('message', () => { socket.close(); parentPort.close(); });
    socket.bind(workerData).then(async () => {
      for await (const frames of socket) await socket.send(frames);
    }).catch((error) => { if (!socket.closed) throw error; });
  `;
  const worker = new Worker(source, { eval: true, workerData: address });
  worker.on('error', onError);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.postMessage('close');
      await exited;
    },
  };
}
