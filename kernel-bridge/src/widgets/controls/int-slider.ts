import { Observable } from 'rxjs';
import { bool, int, oneOf, str, Traits } from '../traits';
import { Accessors, Options, Widget } from '../widget';
import { clampValue } from './bounded';
import { descriptionTraits, DescriptionState, ORIENTATIONS, SLIDER_BEHAVIORS } from './dom';
import { controlTraits, ModelState } from './model';
import { SliderStyle } from './styles';

export interface IntSliderState extends ModelState, DescriptionState<SliderStyle> {
  value: number;
  min: number;
  max: number;
  step: number;
  orientation: (typeof ORIENTATIONS)[number];
  readout: boolean;
  readout_format: string;
  continuous_update: boolean;
  disabled: boolean;
  behavior: (typeof SLIDER_BEHAVIORS)[number];
}

const traits = (): Traits<IntSliderState> => ({
  ...controlTraits('IntSliderModel', 'IntSliderView'),
  ...descriptionTraits((init) => new SliderStyle(init)),
  value: int(0),
  min: int(0),
  max: int(100),
  step: int(1),
  orientation: oneOf(ORIENTATIONS, 'horizontal'),
  readout: bool(true),
  readout_format: str('d'),
  continuous_update: bool(true),
  disabled: bool(false),
  behavior: oneOf(SLIDER_BEHAVIORS, 'drag-tap'),
});

export interface IntSlider extends Accessors<IntSliderState> {}
export class IntSlider extends Widget<IntSliderState> {
  constructor(options: Options<IntSliderState> = {}) {
    super(traits(), options);
  }

  get value$(): Observable<number> {
    return this.observe('value');
  }

  protected override coerce(next: IntSliderState, touched: ReadonlySet<keyof IntSliderState>): void {
    clampValue(next, touched);
  }
}
