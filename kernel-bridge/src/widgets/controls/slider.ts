/**
 * The keys and defaults every stock slider shares, so IntSlider, FloatSlider and IntRangeSlider
 * differ only in their value type, bounds and readout format.
 */
import { bool, oneOf, str, Traits } from '../traits';
import { descriptionTraits, DescriptionState, ORIENTATIONS, SLIDER_BEHAVIORS } from './dom';
import { controlTraits, ModelState } from './model';
import { SliderStyle } from './styles';

/** What every stock slider has besides its value, bounds and step (ipywidgets' slider keys). */
export interface SliderState extends ModelState, DescriptionState<SliderStyle> {
  orientation: (typeof ORIENTATIONS)[number];
  readout: boolean;
  readout_format: string;
  continuous_update: boolean;
  disabled: boolean;
  behavior: (typeof SLIDER_BEHAVIORS)[number];
}

export const sliderTraits = (modelName: string, viewName: string, readoutFormat: string): Traits<SliderState> => ({
  ...controlTraits(modelName, viewName),
  ...descriptionTraits((init) => new SliderStyle(init)),
  orientation: oneOf(ORIENTATIONS, 'horizontal'),
  readout: bool(true),
  readout_format: str(readoutFormat),
  continuous_update: bool(true),
  disabled: bool(false),
  behavior: oneOf(SLIDER_BEHAVIORS, 'drag-tap'),
});
