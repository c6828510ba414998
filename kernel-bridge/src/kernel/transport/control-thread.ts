/**
 * The main thread's side of the control socket, which lives in a worker (see control-worker.ts):
 * the messages it forwards, as an async iterable of frames like a zmq socket's; replies to send
 * on control; and the acknowledgement that the main thread handled an interrupt, which tells the
 * worker the main thread is not stuck.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';

export interface ControlWorkerData {
  address: string;
  key: string;
  signatureScheme: string;
  maxMessageBytes: number;
}

export type ToControlWorker = { type: 'send'; frames: Buffer[] } | { type: 'interrupt-handled' } | { type: 'close' };

export type FromControlWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'frames'; frames: Uint8Array[] }
  | { type: 'log'; message: string };

export class ControlThread implements AsyncIterable<Buffer[]> {
  private readonly received: Buffer[][] = [];
  private waiting: ((result: IteratorResult<Buffer[]>) => void) | null = null;
  private ended = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    log: (message: string) => void,
  ) {
    worker.on('message', (message: FromControlWorker) => {
      if (message.type === 'frames') this.push(message.frames.map(toBuffer));
      else if (message.type === 'log') log(message.message);
    });
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        this.ended = true;
        this.waiting?.({ done: true, value: undefined });
        resolve();
      }),
    );
  }

  /** Starts the worker; resolves once the control socket is bound. */
  static start(
    data: ControlWorkerData,
    onError: (error: unknown) => void,
    log: (message: string) => void,
  ): Promise<ControlThread> {
    const worker = new Worker(path.join(__dirname, 'control-worker.js'), { workerData: data });
    worker.on('error', onError);
    const thread = new ControlThread(worker, log);
    return new Promise((resolve, reject) => {
      const onStart = (message: FromControlWorker) => {
        if (message.type === 'ready') resolve(thread);
        else if (message.type === 'failed') reject(new Error(`control socket: ${message.message}`));
        else return;
        worker.off('message', onStart);
      };
      worker.on('message', onStart);
      worker.once('exit', () => reject(new Error('the control worker ended before binding')));
    });
  }

  /** Queues frames for the worker to send; the worker keeps their order. */
  send(frames: Buffer[]): Promise<void> {
    if (!this.ended) this.worker.postMessage({ type: 'send', frames } satisfies ToControlWorker);
    return Promise.resolve();
  }

  acknowledgeInterrupt(): void {
    if (!this.ended) this.worker.postMessage({ type: 'interrupt-handled' } satisfies ToControlWorker);
  }

  /** Sends what is queued, closes the socket and ends the worker. */
  async close(): Promise<void> {
    if (!this.ended) this.worker.postMessage({ type: 'close' } satisfies ToControlWorker);
    await this.exited;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer[]> {
    return {
      next: () => {
        const frames = this.received.shift();
        if (frames) return Promise.resolve({ done: false, value: frames });
        if (this.ended) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }

  private push(frames: Buffer[]): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      waiting({ done: false, value: frames });
    } else {
      this.received.push(frames);
    }
  }
}

/** Buffers become plain Uint8Arrays when posted between threads. */
function toBuffer(frame: Uint8Array): Buffer {
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}
