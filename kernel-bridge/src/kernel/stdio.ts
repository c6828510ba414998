/**
 * Sends whatever user code writes to stdout/stderr (console.log included) to the cell that wrote
 * it, as it is written. The kernel's own diagnostics keep the original stderr: they belong in the
 * Jupyter server's terminal, not in a notebook.
 */
import type { IopubPublisher, StreamName } from './transport/iopub';

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
      const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    } as typeof process.stdout.write;
  process.stdout.write = redirect('stdout');
  process.stderr.write = redirect('stderr');
  return {
    log(message: string) {
      originalStderr.call(process.stderr, `[jupyterlab-webrtc kernel] ${message}\n`);
    },
    restore() {
      process.stdout.write = originalStdout;
      process.stderr.write = originalStderr;
    },
  };
}
