/**
 * IntSlider: an int in [min, max], clamped as ipywidgets does (bounded.ts); the keys it shares with
 * the other sliders are in slider.ts.
 */
import { int, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { clampValue } from './bounded';
import { sliderTraits, SliderState } from './slider';

export interface IntSliderState extends SliderState {
  value: number;
  min: number;
  max: number;
  step: number;
}

const traits = (): Traits<IntSliderState> => ({
  ...sliderTraits('IntSliderModel', 'IntSliderView', 'd'),
  value: int(0),
  min: int(0),
  max: int(100),
  step: int(1),
});

export interface IntSlider extends Accessors<IntSliderState> {}
export class IntSlider extends ValueWidget<IntSliderState> {
  constructor(options: Options<IntSliderState> = {}) {
    super(traits(), options);
  }

  protected override coerce(next: IntSliderState, touched: ReadonlySet<keyof IntSliderState>): void {
    clampValue(next, touched);
  }
}
