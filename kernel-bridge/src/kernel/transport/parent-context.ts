/**
 * Which request a piece of running code belongs to. The frontend files output under the cell
 * whose request is the message's parent, so callbacks a cell started (timers, RxJS, sockets) must
 * still name that cell long after its reply: AsyncLocalStorage carries it through every await.
 */
import { SuspendableStorage } from '../async-context';
import type { MessageHeader } from './wire';

const storage = new SuspendableStorage<MessageHeader>();
let lastExecuteParent: MessageHeader | undefined;

export function runWithParent<T>(parent: MessageHeader, fn: () => T): T {
  if (parent.msg_type === 'execute_request') lastExecuteParent = parent;
  return storage.run(parent, fn);
}

/** The request the calling code runs for; outside any, the latest cell (like ipykernel). */
export function currentParent(): MessageHeader | undefined {
  return storage.getStore() ?? lastExecuteParent;
}

/** The request the calling code runs for, with no fallback: undefined outside any request. */
export function contextParent(): MessageHeader | undefined {
  return storage.getStore();
}
