import { Observable } from 'rxjs';
import { bool, int, intPair, oneOf, str, Traits } from '../traits';
import { Accessors, Options, Widget } from '../widget';
import { clampRange } from './bounded';
import { descriptionTraits, DescriptionState, ORIENTATIONS, SLIDER_BEHAVIORS } from './dom';
import { controlTraits, ModelState } from './model';
import { SliderStyle } from './styles';

export interface IntRangeSliderState extends ModelState, DescriptionState<SliderStyle> {
  /** [lower, upper], lower <= upper. */
  value: [number, number];
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

const traits = (): Traits<IntRangeSliderState> => ({
  ...controlTraits('IntRangeSliderModel', 'IntRangeSliderView'),
  ...descriptionTraits((init) => new SliderStyle(init)),
  value: intPair([25, 75]),
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

export interface IntRangeSlider extends Accessors<IntRangeSliderState> {}
export class IntRangeSlider extends Widget<IntRangeSliderState> {
  constructor(options: Options<IntRangeSliderState> = {}) {
    super(traits(), options);
  }

  get value$(): Observable<[number, number]> {
    return this.observe('value');
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
