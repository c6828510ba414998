/**
 * Text: a single-line string input. continuous_update (default true) sends every keystroke; false
 * sends the value only on Enter or leaving the field.
 */
import { bool, str, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { descriptionTraits, DescriptionState } from './dom';
import { controlTraits, ModelState } from './model';
import { TextStyle } from './styles';

export interface TextState extends ModelState, DescriptionState<TextStyle> {
  value: string;
  placeholder: string;
  disabled: boolean;
  continuous_update: boolean;
}

const traits = (): Traits<TextState> => ({
  ...controlTraits('TextModel', 'TextView'),
  ...descriptionTraits((init) => new TextStyle(init)),
  value: str(''),
  // ipywidgets' default: a zero-width space keeps the input's height when empty.
  placeholder: str('\u200b'),
  disabled: bool(false),
  continuous_update: bool(true),
});

export interface Text extends Accessors<TextState> {}
export class Text extends ValueWidget<TextState> {
  constructor(options: Options<TextState> = {}) {
    super(traits(), options);
  }
}
