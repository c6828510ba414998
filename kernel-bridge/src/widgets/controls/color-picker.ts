/**
 * ColorPicker: a CSS color string (a name, or '#rrggbb' from the browser's picker), checked by
 * traits.ts color() the same way whichever side sets it.
 */
import { bool, color, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { descriptionTraits, DescriptionState } from './dom';
import { controlTraits, ModelState } from './model';
import { DescriptionStyle } from './styles';

export interface ColorPickerState extends ModelState, DescriptionState<DescriptionStyle> {
  /** A CSS color: name or '#rrggbb' (what the browser's picker sends). */
  value: string;
  concise: boolean;
  disabled: boolean;
}

const traits = (): Traits<ColorPickerState> => ({
  ...controlTraits('ColorPickerModel', 'ColorPickerView'),
  ...descriptionTraits((init) => new DescriptionStyle(init)),
  value: color('black'),
  concise: bool(false),
  disabled: bool(false),
});

export interface ColorPicker extends Accessors<ColorPickerState> {}
export class ColorPicker extends ValueWidget<ColorPickerState> {
  constructor(options: Options<ColorPickerState> = {}) {
    super(traits(), options);
  }
}
