/**
 * latestFirst(): the notebook-facing operator for a per-frame (possibly async) function slower than
 * the camera. It is the LatestGate (latest-slot.ts) with capacity 1 around that function, so a slow
 * function always works on the newest frame instead of a growing backlog.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { LatestGate } from './latest-slot';

export interface LatestFirstOptions<T> {
  /** Called for each input dropped because a newer one arrived while the transform was busy. */
  onDrop?: (dropped: T, totalDropped: number) => void;
  /**
   * Called when the transform throws or rejects; that input is skipped and the stream goes on.
   * Without it the error is passed downstream (ending the stream).
   */
  onError?: (error: unknown, input: T) => void;
}

function isPromiseLike<R>(v: unknown): v is PromiseLike<R> {
  return (
    v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<R>).then === 'function'
  );
}

/**
 * Runs a sync or async transform over a stream, latest-first: while the transform is busy at most
 * one input waits; a newer input replaces the waiting one (the older is dropped and counted). Outputs
 * keep input order. Completes after the last running/waiting transform finishes.
 */
export function latestFirst<T, R>(
  transform: (input: T) => R | PromiseLike<R>,
  options: LatestFirstOptions<T> = {},
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let sourceDone = false;

      const fail = (error: unknown, input: T): boolean => {
        if (options.onError) {
          options.onError(error, input);
          return true;
        }
        subscriber.error(error);
        return false;
      };

      const finish = (): void => {
        if (subscriber.closed) return;
        if (!gate.done() && gate.idle && sourceDone) subscriber.complete();
      };

      const run = (input: T): void => {
        let result: R | PromiseLike<R>;
        try {
          result = transform(input);
        } catch (e) {
          if (fail(e, input)) finish();
          return;
        }
        if (isPromiseLike<R>(result)) {
          result.then(
            (out) => {
              if (!subscriber.closed) subscriber.next(out);
              finish();
            },
            (e) => {
              if (subscriber.closed) return;
              if (fail(e, input)) finish();
            },
          );
        } else {
          subscriber.next(result);
          finish();
        }
      };

      // one transform runs; one input waits (newest wins)
      const gate = new LatestGate<T>(1, run, options.onDrop);

      const sub = source.subscribe({
        next: (value) => gate.offer(value),
        error: (e) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          if (gate.idle) subscriber.complete();
        },
      });
      return () => {
        gate.clear();
        sub.unsubscribe();
      };
    });
}
