/**
 * ToggleButtons: a selection shown as a row of buttons. The selection rules are Dropdown's
 * (selection.ts); this adds per-button tooltips, icons and a button style.
 */
import { nullable, oneOf, strings, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { BUTTON_STYLES, ButtonStyleName } from './dom';
import { controlTraits } from './model';
import { coerceSelection, selectionTraits, SelectionState } from './selection';
import { ToggleButtonsStyle } from './styles';

export interface ToggleButtonsState<V = string> extends SelectionState<V, ToggleButtonsStyle> {
  tooltips: string[];
  icons: string[];
  button_style: ButtonStyleName | null;
}

const traits = <V>(): Traits<ToggleButtonsState<V>> => ({
  ...controlTraits('ToggleButtonsModel', 'ToggleButtonsView'),
  ...selectionTraits<V, ToggleButtonsStyle>((init) => new ToggleButtonsStyle(init)),
  tooltips: strings(),
  icons: strings(),
  button_style: nullable(oneOf(BUTTON_STYLES, ''), ''),
});

export interface ToggleButtons<V = string> extends Accessors<ToggleButtonsState<V>> {}
export class ToggleButtons<V = string> extends ValueWidget<ToggleButtonsState<V>> {
  constructor(options: Options<ToggleButtonsState<V>> = {}) {
    super(traits<V>(), options);
  }

  protected override coerce(next: ToggleButtonsState<V>, touched: ReadonlySet<PropertyKey>, initial: boolean): void {
    coerceSelection(next, touched, initial);
  }
}
