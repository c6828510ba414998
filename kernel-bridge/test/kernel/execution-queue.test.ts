/**
 * The execution queue aborts the cells queued when a failure reply is sent, and only those: a cell
 * sent after the client saw that reply runs (it used to be aborted when it arrived while the failed
 * cell's busy/idle was still going out).
 */
import { ExecutionQueue } from '../../src/kernel/handlers/execution-queue';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ExecutionQueue', () => {
  it('runs cells one at a time in order', async () => {
    const queue = new ExecutionQueue();
    const log: string[] = [];
    const first = deferred();
    const done = deferred();
    queue.push({
      run: async () => {
        log.push('a start');
        await first.promise;
        log.push('a end');
      },
      abort: () => log.push('a aborted'),
    });
    queue.push({
      run: async () => {
        log.push('b');
        done.resolve();
      },
      abort: () => log.push('b aborted'),
    });
    expect(log).toEqual(['a start']);
    first.resolve();
    await done.promise;
    expect(log).toEqual(['a start', 'a end', 'b']);
  });

  it('aborts the cells waiting when a cell fails, and runs a cell queued after its reply', async () => {
    const queue = new ExecutionQueue();
    const log: string[] = [];
    const cellFails = deferred();
    const failedReplySent = deferred();
    const trailingIdle = deferred();
    const done = deferred();
    queue.push({
      run: async () => {
        await cellFails.promise; // the cell runs while b is queued
        queue.abortWaiting(); // the handler does this just before sending the failure reply
        log.push('a failed');
        failedReplySent.resolve();
        await trailingIdle.promise; // busy/idle still going out
      },
      abort: () => log.push('a aborted'),
    });
    queue.push({ run: async () => void log.push('b ran'), abort: () => log.push('b aborted') });
    cellFails.resolve();
    await failedReplySent.promise;
    // The client saw the reply and sends a new cell while the failed one is still finishing.
    queue.push({
      run: async () => {
        log.push('c ran');
        done.resolve();
      },
      abort: () => log.push('c aborted'),
    });
    trailingIdle.resolve();
    await done.promise;
    expect(log).toEqual(['b aborted', 'a failed', 'c ran']);
  });
});
