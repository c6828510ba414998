/**
 * IntRangeSlider: a [lower, upper] pair of ints. Without a value it starts on the middle half of
 * [min, max], as ipywidgets picks it.
 */
import { int, intPair, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { clampRange } from './bounded';
import { sliderTraits, SliderState } from './slider';

export interface IntRangeSliderState extends SliderState {
  /** [lower, upper], lower <= upper. */
  value: [number, number];
  min: number;
  max: number;
  step: number;
}

const traits = (): Traits<IntRangeSliderState> => ({
  ...sliderTraits('IntRangeSliderModel', 'IntRangeSliderView', 'd'),
  value: intPair([25, 75]),
  min: int(0),
  max: int(100),
  step: int(1),
});

export interface IntRangeSlider extends Accessors<IntRangeSliderState> {}
export class IntRangeSlider extends ValueWidget<IntRangeSliderState> {
  constructor(options: Options<IntRangeSliderState> = {}) {
    super(traits(), options);
  }

  protected override coerce(
    next: IntRangeSliderState,
    touched: ReadonlySet<keyof IntRangeSliderState>,
    initial: boolean,
  ): void {
    if (initial && !touched.has('value')) {
      // ipywidgets' default: the middle half of [min, max], truncated to ints.
      const { min, max } = next;
      next.value = [Math.trunc(0.75 * min + 0.25 * max), Math.trunc(0.25 * min + 0.75 * max)];
    }
    clampRange(next, touched);
  }
}
