import { Observable } from 'rxjs';
import { bool, Traits } from '../traits';
import { Accessors, Options, Widget } from '../widget';
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
export class Checkbox extends Widget<CheckboxState> {
  constructor(options: Options<CheckboxState> = {}) {
    super(traits(), options);
  }

  get value$(): Observable<boolean> {
    return this.observe('value');
  }
}
