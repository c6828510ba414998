/**
 * Every request is handled inside its parent context (so output lands under it) and between a
 * busy and an idle status parented to it: the widget manager's update throttle waits for that
 * idle. One wrapper, so every handler keeps the rule the same way.
 */
import type { IopubPublisher } from '../transport/iopub';
import { runWithParent } from '../transport/parent-context';
import type { MessageHeader } from '../transport/wire';

/**
 * Runs `handle` for the request `parent`. A synchronous handler gets its idle synchronously (an
 * abort burst stays busy/reply/idle per cell on the wire); a promise gets it when it settles.
 */
export function whileBusy<T>(iopub: IopubPublisher, parent: MessageHeader, handle: () => T): T {
  return runWithParent(parent, () => {
    iopub.status('busy', parent);
    let result: T;
    try {
      result = handle();
    } catch (error) {
      iopub.status('idle', parent);
      throw error;
    }
    if (result instanceof Promise) return result.finally(() => iopub.status('idle', parent)) as T;
    iopub.status('idle', parent);
    return result;
  });
}
