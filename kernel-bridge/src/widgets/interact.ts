/**
 * interact(): ipywidgets' interact for the TypeScript kernel. The controls are passed in (not
 * inferred from abbreviations as in Python); the function runs with all their values on every change.
 */
import { BehaviorSubject, combineLatest, Observable } from 'rxjs';
import { Displayable, getKernelApi, MIME_BUNDLE, MimeBundle } from '../kernel/api';
import { VBox } from './controls/box';
import { RegisteredWidget } from './registry';
import { errorSummary } from '../errors';

export interface ValueControl<T> extends RegisteredWidget {
  readonly value$: Observable<T>;
}

export type ControlValues<C> = { [K in keyof C]: C[K] extends ValueControl<infer T> ? T : never };

export interface Interaction<R> extends Displayable {
  /** The controls stacked vertically; displaying the interaction displays this box. */
  readonly box: VBox;
  /** fn's latest result (undefined until the first call); completes on close. */
  readonly results$: Observable<R | undefined>;
  /** Stops calling fn and closes the box; the controls stay open. */
  close(): void;
}

/**
 * Calls `fn` with every control's current value at once and again on each change. Output that
 * `fn` prints is not routed to the cell (it runs under the frontend's comm message): show
 * results through `results$` or another widget.
 */
export function interact<C extends Record<string, ValueControl<unknown>>, R>(
  fn: (values: ControlValues<C>) => R,
  controls: C,
): Interaction<R> {
  const names = Object.keys(controls);
  const box = new VBox(names.map((name) => controls[name]));
  const results = new BehaviorSubject<R | undefined>(undefined);
  const subscription = combineLatest(names.map((name) => controls[name].value$)).subscribe((values) => {
    try {
      results.next(fn(Object.fromEntries(names.map((name, i) => [name, values[i]])) as ControlValues<C>));
    } catch (error) {
      // One failing call must not stop later ones: the user is probably still dragging.
      getKernelApi().log(`widgets: interact function failed: ${errorSummary(error)}`);
    }
  });
  return {
    box,
    results$: results.asObservable(),
    close() {
      subscription.unsubscribe();
      results.complete();
      box.close();
    },
    [MIME_BUNDLE]: (): MimeBundle => box[MIME_BUNDLE](),
  };
}
