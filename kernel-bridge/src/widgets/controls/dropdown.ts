import { Observable } from 'rxjs';
import { Accessors, Options, Widget } from '../widget';
import { controlTraits } from './model';
import { coerceSelection, selectionTraits, SelectionState } from './selection';
import { DescriptionStyle } from './styles';

export type DropdownState<V = string> = SelectionState<V, DescriptionStyle>;

export interface Dropdown<V = string> extends Accessors<DropdownState<V>> {}
/** `options` as values or [label, value] pairs; the frontend only ever sees labels and `index`. */
export class Dropdown<V = string> extends Widget<DropdownState<V>> {
  constructor(options: Options<DropdownState<V>> = {}) {
    super(
      { ...controlTraits('DropdownModel', 'DropdownView'), ...selectionTraits<V, DescriptionStyle>((init) => new DescriptionStyle(init)) },
      options,
    );
  }

  get value$(): Observable<V | null> {
    return this.observe('value');
  }

  protected override coerce(next: DropdownState<V>, touched: ReadonlySet<PropertyKey>, initial: boolean): void {
    coerceSelection(next, touched, initial);
  }
}
