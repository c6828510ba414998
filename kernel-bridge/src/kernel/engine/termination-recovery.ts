/**
 * The main thread's half of ending a stuck cell (the worker's half is cell-interrupter.ts).
 * Runtime.terminateExecution unwinds the cell's promise job without running Node's async-hook
 * "after" callbacks, so the async id stack keeps the job's entry, and Node aborts the process
 * (CHECK execution_async_id == 0) when the callback it ran in closes, as long as any hook is
 * enabled: the kernel's AsyncLocalStorages (../async-context.ts) are. So, while the main thread
 * is paused just before the termination, the worker calls the function installed here, which
 * switches them off (no hook left: no CHECK) and queues the cleanup: an uncaught error, which
 * makes Node empty the async id stack once it has been reported (stdio.ts's handler ignores it),
 * then the storages back on.
 */
import { suspendAsyncContext } from '../async-context';

const HOOK_KEY = 'jupyterlab-webrtc.kernel.before-termination';
const CLEANUP_MARK = Symbol.for('jupyterlab-webrtc.kernel.termination-cleanup');

/** What the worker evaluates on the paused main thread; true when the hook ran. */
export const BEFORE_TERMINATION_EXPRESSION = `globalThis[Symbol.for(${JSON.stringify(HOOK_KEY)})]?.() === true`;

export function installTerminationRecovery(): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for(HOOK_KEY)] = (): boolean => {
    const resume = suspendAsyncContext();
    setImmediate(() => {
      throw Object.assign(new Error('async id stack cleanup after an interrupt'), { [CLEANUP_MARK]: true });
    });
    setImmediate(resume);
    return true;
  };
}

/** The error thrown only to make Node clean up after a termination: not to be reported. */
export function isTerminationCleanup(error: unknown): boolean {
  return typeof error === 'object' && error !== null && CLEANUP_MARK in error;
}
