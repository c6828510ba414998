/**
 * Checkbox: a boolean with ipywidgets' keys and defaults, so the stock frontend view renders it.
 */
import { bool, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { descriptionTraits, DescriptionState } from './dom';
import { controlTraits, ModelState } from './model';
import { CheckboxStyle } from './styles';

export interface CheckboxState extends ModelState, DescriptionState<CheckboxStyle> {
  value: boolean;
  disabled: boolean;
  indent: boolean;
}

const traits = (): Traits<CheckboxState> => ({
  ...controlTraits('CheckboxModel', 'CheckboxView'),
  ...descriptionTraits((init) => new CheckboxStyle(init)),
  value: bool(false),
  disabled: bool(false),
  indent: bool(true),
});

export interface Checkbox extends Accessors<CheckboxState> {}
export class Checkbox extends ValueWidget<CheckboxState> {
  constructor(options: Options<CheckboxState> = {}) {
    super(traits(), options);
  }
}
