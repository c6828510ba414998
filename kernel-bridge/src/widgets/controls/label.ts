/**
 * Label: display-only text (the user cannot edit it), styled through LabelStyle's font keys; a cell
 * updates `value` to show results next to other controls.
 */
import { str, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { descriptionTraits, DescriptionState } from './dom';
import { controlTraits, ModelState } from './model';
import { LabelStyle } from './styles';

export interface LabelState extends ModelState, DescriptionState<LabelStyle> {
  value: string;
  placeholder: string;
}

const traits = (): Traits<LabelState> => ({
  ...controlTraits('LabelModel', 'LabelView'),
  ...descriptionTraits((init) => new LabelStyle(init)),
  value: str(''),
  placeholder: str('\u200b'),
});

export interface Label extends Accessors<LabelState> {}
export class Label extends ValueWidget<LabelState> {
  constructor(options: Options<LabelState> = {}) {
    super(traits(), options);
  }
}
