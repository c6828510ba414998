/**
 * Makes what a cell starts register itself in the cell's scope (./cell-scope.ts) without the cell
 * doing anything: RxJS subscriptions and setTimeout/setInterval. RxJS has no global hook, so the
 * `subscribe` of the kernel's rxjs copy is patched: that copy is also the one notebooks import
 * (see ../engine/resolve.ts); an rxjs installed next to the notebook is not patched.
 *
 * Only calls made directly by notebook code register. Our widgets and streamer, rxjs operators and
 * other libraries also run in the cell's async context (a streamer created by a cell keeps serving
 * its later runs, an operator subscribes to its source), and must never be torn down with it:
 * whatever they start is owned by the notebook subscription that started them, or by nobody.
 */
import * as path from 'path';
import { promisify } from 'util';
// The three classes from their own modules: rxjs' index loads all 220 of its modules (about 0.1 s of
// every kernel start); these are the same module instances the index re-exports to notebooks.
import { Observable } from 'rxjs/internal/Observable';
import { Subscriber } from 'rxjs/internal/Subscriber';
import type { Subscription } from 'rxjs/internal/Subscription';
import type { Unsubscribe } from '../api';
import { PACKAGE_ROOT } from '../engine/resolve';
import { CellScopeImpl, currentScope, runInScope } from './cell-scope';

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** Cell code runs as `evalmachine.<anonymous>`; local modules next to the notebook count as notebook code. */
function isNotebookFile(file: string | null | undefined): boolean {
  if (!file) return false; // a builtin (Array.prototype.map, Function.prototype.call, ...)
  if (file.startsWith('node:') || file.includes(NODE_MODULES)) return false;
  return !file.startsWith(PACKAGE_ROOT + path.sep);
}

/** Whether `hook` (one of the patched functions) was called directly by notebook code. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function calledFromNotebook(hook: Function): boolean {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    Error.stackTraceLimit = 1;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, hook);
    return isNotebookFile(holder.stack?.[0]?.getFileName());
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

type Callback = (...args: unknown[]) => unknown;

/**
 * The subscriber's callbacks run in the cell's scope wherever the values come from (a widget
 * change from the frontend, a worker): what they start belongs to the cell too.
 */
function bindToScope(args: unknown[], scope: CellScopeImpl): unknown[] {
  const bind =
    (call: Callback): Callback =>
    (...values) =>
      runInScope(scope, () => call(...values));
  const [first, ...rest] = args;
  if (first !== null && typeof first === 'object') {
    const observer = first as Record<string, Callback | undefined>;
    const bound: Record<string, Callback> = {};
    // Only the callbacks it has: an observer without `error` must keep rxjs' unhandled-error report.
    for (const key of ['next', 'error', 'complete']) {
      if (typeof observer[key] === 'function') bound[key] = bind((...values) => observer[key]!(...values));
    }
    return [bound, ...rest];
  }
  return args.map((arg) => (typeof arg === 'function' ? bind(arg as Callback) : arg));
}

function patchSubscribe(): void {
  const proto = Observable.prototype as unknown as { subscribe: (...args: unknown[]) => Subscription };
  const original = proto.subscribe;
  proto.subscribe = function scopedSubscribe(this: Observable<unknown>, ...args: unknown[]): Subscription {
    const scope = currentScope();
    // Operators subscribe with Subscriber instances: checked first, it is the cheap test.
    if (!scope || args[0] instanceof Subscriber || !calledFromNotebook(scopedSubscribe)) {
      return original.apply(this, args);
    }
    const subscription = original.apply(this, bindToScope(args, scope));
    // Closed subscriptions leave the scope, so a long-lived cell cannot grow it without bound.
    subscription.add(scope.add(subscription));
    return subscription;
  };
}

function patchTimers(): void {
  const globals = globalThis as unknown as Record<string, unknown>;
  type SetTimer = (callback: unknown, ms?: number, ...args: unknown[]) => object;
  type ClearTimer = (timer: unknown) => void;
  const originalClear = globals.clearTimeout as ClearTimer;
  const removers = new WeakMap<object, Unsubscribe>();
  const forget = (timer: unknown): void => {
    if (typeof timer !== 'object' || timer === null) return;
    removers.get(timer)?.();
    removers.delete(timer);
  };

  const wrapSet = (name: 'setTimeout' | 'setInterval', once: boolean): void => {
    const original = globals[name] as SetTimer & { [promisify.custom]?: unknown };
    const scoped = function (this: unknown, callback: unknown, ms?: number, ...args: unknown[]): object {
      const scope = currentScope();
      if (!scope || typeof callback !== 'function' || !calledFromNotebook(scoped)) {
        return original.call(this, callback, ms, ...args);
      }
      const timer: object = original.call(
        this,
        function (this: unknown, ...values: unknown[]) {
          if (once) forget(timer);
          return (callback as Callback).apply(this, values);
        },
        ms,
        ...args,
      );
      removers.set(
        timer,
        scope.add(() => originalClear(timer)),
      );
      return timer;
    };
    // util.promisify(setTimeout) and `timers/promises` users look for this.
    if (original[promisify.custom])
      Object.defineProperty(scoped, promisify.custom, { value: original[promisify.custom] });
    globals[name] = scoped;
  };
  wrapSet('setTimeout', true);
  wrapSet('setInterval', false);

  // Node's clearTimeout and clearInterval are interchangeable; both let go of the registration.
  for (const name of ['clearTimeout', 'clearInterval']) {
    const original = globals[name] as ClearTimer;
    globals[name] = function (this: unknown, timer: unknown): void {
      forget(timer);
      original.call(this, timer);
    };
  }
}

let installed = false;

/** Called once by the kernel at start. */
export function installScopeHooks(): void {
  if (installed) return;
  installed = true;
  patchSubscribe();
  patchTimers();
}
