import { Observable } from 'rxjs';
import { Widget } from '../widget';

/** A control with a `value`: `value$` emits it on subscribe, then on every change, until close. */
export abstract class ValueWidget<S extends { value: unknown }> extends Widget<S> {
  get value$(): Observable<S['value']> {
    return this.observe('value');
  }
}
