/**
 * The kernel's AsyncLocalStorages (request parent, cell scope, output capture), made so that
 * engine/termination-recovery.ts can switch them all off at once: while any is on, Node runs
 * async hooks, and a terminated cell leaves their stack unbalanced, which aborts the process.
 * While suspended, run() just calls its function (AsyncLocalStorage.run would switch the storage
 * back on) and getStore() answers undefined; stores set before come back on resume.
 */
import { AsyncLocalStorage } from 'async_hooks';

const all: AsyncLocalStorage<unknown>[] = [];
let suspended = false;

export class SuspendableStorage<T> {
  private readonly storage = new AsyncLocalStorage<T>();

  constructor() {
    all.push(this.storage as AsyncLocalStorage<unknown>);
  }

  run<R>(store: T, fn: () => R): R {
    return suspended ? fn() : this.storage.run(store, fn);
  }

  getStore(): T | undefined {
    return this.storage.getStore();
  }

  exit<R>(fn: () => R): R {
    // A disabled storage's exit() only calls fn: safe while suspended.
    return this.storage.exit(fn);
  }
}

/** Switches every storage (and with them the process's async hooks) off until the returned function is called. */
export function suspendAsyncContext(): () => void {
  suspended = true;
  for (const storage of all) storage.disable();
  return () => {
    suspended = false;
    // run() switches a storage back on; the store it sets lasts only for the call.
    for (const storage of all) storage.run(undefined, () => undefined);
  };
}
