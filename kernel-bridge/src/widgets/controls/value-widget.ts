/**
 * The base of every control with a `value`: value$ is what interact() combines and what a cell
 * subscribes to, so it lives once here rather than in each control.
 */
import { Observable } from 'rxjs';
import { Widget } from '../widget';

/** A control with a `value`: `value$` emits it on subscribe, then on every change, until close. */
export abstract class ValueWidget<S extends { value: unknown }> extends Widget<S> {
  get value$(): Observable<S['value']> {
    return this.observe('value');
  }
}
