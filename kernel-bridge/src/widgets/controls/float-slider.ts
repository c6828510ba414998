import { Observable } from 'rxjs';
import { bool, float, nullable, oneOf, str, Traits } from '../traits';
import { Accessors, Options, Widget } from '../widget';
import { clampValue } from './bounded';
import { descriptionTraits, DescriptionState, ORIENTATIONS, SLIDER_BEHAVIORS } from './dom';
import { controlTraits, ModelState } from './model';
import { SliderStyle } from './styles';

export interface FloatSliderState extends ModelState, DescriptionState<SliderStyle> {
  value: number;
  min: number;
  max: number;
  step: number | null;
  orientation: (typeof ORIENTATIONS)[number];
  readout: boolean;
  readout_format: string;
  continuous_update: boolean;
  disabled: boolean;
  behavior: (typeof SLIDER_BEHAVIORS)[number];
}

const traits = (): Traits<FloatSliderState> => ({
  ...controlTraits('FloatSliderModel', 'FloatSliderView'),
  ...descriptionTraits((init) => new SliderStyle(init)),
  value: float(0),
  min: float(0),
  max: float(100),
  step: nullable(float(0.1), 0.1),
  orientation: oneOf(ORIENTATIONS, 'horizontal'),
  readout: bool(true),
  readout_format: str('.2f'),
  continuous_update: bool(true),
  disabled: bool(false),
  behavior: oneOf(SLIDER_BEHAVIORS, 'drag-tap'),
});

export interface FloatSlider extends Accessors<FloatSliderState> {}
export class FloatSlider extends Widget<FloatSliderState> {
  constructor(options: Options<FloatSliderState> = {}) {
    super(traits(), options);
  }

  get value$(): Observable<number> {
    return this.observe('value');
  }

  protected override coerce(next: FloatSliderState, touched: ReadonlySet<keyof FloatSliderState>): void {
    clampValue(next, touched);
  }
}
