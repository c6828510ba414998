/**
 * Sends whatever user code writes to stdout/stderr (console.log included) to the cell that wrote
 * it, as it is written. The kernel's own diagnostics keep the original stderr: they belong in the
 * Jupyter server's terminal, not in a notebook.
 *
 * Code run through captureOutput(sink, fn) also hands what it writes to `sink`, for as long as
 * anything it started runs (AsyncLocalStorage follows timers, promises and callbacks): the
 * streamer's transform callbacks write long after their cell finished, when JupyterLab drops
 * output sent under that cell, so the streamer shows it in its widget instead.
 *
 * Errors nobody caught follow the same rule by where they were thrown: inside a cell's context
 * (its code, or a callback it started) they are shown under that cell; anywhere else (kernel
 * machinery, comm and widget handlers run for frontend messages) they go to the kernel log. Before,
 * all of them were printed under whichever cell had run last, which had nothing to do with them.
 */
import { inspect } from 'util';
import { errorSummary } from '../errors';
import { SuspendableStorage } from './async-context';
import { isTerminationCleanup } from './engine/termination-recovery';
import type { IopubPublisher, StreamName } from './transport/iopub';
import { contextParent } from './transport/parent-context';

/** Receives what captured code writes, as written (not split into lines). */
export type OutputSink = (name: StreamName, text: string) => void;

const sinks = new SuspendableStorage<OutputSink>();

/**
 * Runs `fn` so that stdout/stderr written by it, and by whatever it starts, also reach `sink`
 * (the cell still gets it too). A sink that throws is ignored: output must never fail the writer.
 */
export function captureOutput<T>(sink: OutputSink, fn: () => T): T {
  return sinks.run(sink, fn);
}

export interface RedirectedOutput {
  /** Writes to the real stderr of the kernel process. */
  log(message: string): void;
  restore(): void;
}

export function redirectOutput(iopub: IopubPublisher): RedirectedOutput {
  const originalStdout = process.stdout.write;
  const originalStderr = process.stderr.write;
  const decoder = new TextDecoder();
  const redirect = (name: StreamName) =>
    function write(chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array);
      iopub.stream(name, text);
      const sink = sinks.getStore();
      if (sink) {
        try {
          sink(name, text);
        } catch {
          // See captureOutput.
        }
      }
      const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    } as typeof process.stdout.write;
  process.stdout.write = redirect('stdout');
  process.stderr.write = redirect('stderr');
  const log = (message: string) => {
    originalStderr.call(process.stderr, `[jupyterlab-webrtc kernel] ${message}\n`);
  };
  const uncaught = (what: string) => (error: unknown) => {
    if (isTerminationCleanup(error)) return; // thrown on purpose after an interrupt
    if (contextParent()?.msg_type === 'execute_request') {
      // Node keeps the async context of the throw (and of the rejection) for these handlers.
      console.error(what, error);
    } else {
      // inspect, not String(), for non-Errors: String(Object.create(null)) throws, and a throw here would end the process.
      log(`${what} ${error instanceof Error ? errorSummary(error) : inspect(error)}`);
    }
  };
  // Never removed: after restore() they print to the real stderr, and without them an error
  // during shutdown would end the process with a crash instead of exit code 0.
  process.on('uncaughtException', uncaught('Uncaught'));
  process.on('unhandledRejection', uncaught('Unhandled promise rejection:'));
  return {
    log,
    restore() {
      process.stdout.write = originalStdout;
      process.stderr.write = originalStderr;
    },
  };
}
