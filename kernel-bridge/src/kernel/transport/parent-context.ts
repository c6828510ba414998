/**
 * Which request a piece of running code belongs to. The frontend files output under the cell
 * whose request is the message's parent, so callbacks a cell started (timers, RxJS, sockets) must
 * still name that cell long after its reply: AsyncLocalStorage carries it through every await.
 */
import { AsyncLocalStorage } from 'async_hooks';
import type { MessageHeader } from './wire';

const storage = new AsyncLocalStorage<MessageHeader>();
let lastExecuteParent: MessageHeader | undefined;
let suspended = false;

export function runWithParent<T>(parent: MessageHeader, fn: () => T): T {
  if (parent.msg_type === 'execute_request') lastExecuteParent = parent;
  // run() would switch the suspended storage back on too early.
  return suspended ? fn() : storage.run(parent, fn);
}

/** The request the calling code runs for; outside any, the latest cell (like ipykernel). */
export function currentParent(): MessageHeader | undefined {
  return storage.getStore() ?? lastExecuteParent;
}

/**
 * Switches the storage (and with it the process's only async hook) off until the returned
 * function is called: needed around ending a stuck cell, see engine/termination-recovery.ts.
 * Meanwhile currentParent() falls back to the latest cell.
 */
export function suspendParentTracking(): () => void {
  suspended = true;
  storage.disable();
  return () => {
    suspended = false;
    storage.run(undefined as unknown as MessageHeader, () => undefined);
  };
}
