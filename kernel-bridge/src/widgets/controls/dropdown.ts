/**
 * Dropdown: pick one of `options`. The selection rules (kernel-only values, index/value/label kept
 * consistent) live in selection.ts, shared with ToggleButtons.
 */
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { controlTraits } from './model';
import { coerceSelection, selectionTraits, SelectionState } from './selection';
import { DescriptionStyle } from './styles';

export type DropdownState<V = string> = SelectionState<V, DescriptionStyle>;

export interface Dropdown<V = string> extends Accessors<DropdownState<V>> {}
/** `options` as values or [label, value] pairs; the frontend only ever sees labels and `index`. */
export class Dropdown<V = string> extends ValueWidget<DropdownState<V>> {
  constructor(options: Options<DropdownState<V>> = {}) {
    super(
      {
        ...controlTraits('DropdownModel', 'DropdownView'),
        ...selectionTraits<V, DescriptionStyle>((init) => new DescriptionStyle(init)),
      },
      options,
    );
  }

  protected override coerce(next: DropdownState<V>, touched: ReadonlySet<PropertyKey>, initial: boolean): void {
    coerceSelection(next, touched, initial);
  }
}
