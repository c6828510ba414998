/**
 * FloatSlider: a float in [min, max], clamped as ipywidgets does (bounded.ts); the keys it shares
 * with the other sliders are in slider.ts.
 */
import { float, nullable, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { clampValue } from './bounded';
import { sliderTraits, SliderState } from './slider';

export interface FloatSliderState extends SliderState {
  value: number;
  min: number;
  max: number;
  step: number | null;
}

const traits = (): Traits<FloatSliderState> => ({
  ...sliderTraits('FloatSliderModel', 'FloatSliderView', '.2f'),
  value: float(0),
  min: float(0),
  max: float(100),
  step: nullable(float(0.1), 0.1),
});

export interface FloatSlider extends Accessors<FloatSliderState> {}
export class FloatSlider extends ValueWidget<FloatSliderState> {
  constructor(options: Options<FloatSliderState> = {}) {
    super(traits(), options);
  }

  protected override coerce(next: FloatSliderState, touched: ReadonlySet<keyof FloatSliderState>): void {
    clampValue(next, touched);
  }
}
