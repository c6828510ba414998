/** Kernel-side Jupyter widgets (protocol 2.1) driving the stock @jupyter-widgets/controls models. */
export { Widget, WIDGET_TARGET, WIDGET_PROTOCOL_VERSION, VIEW_MIME } from './widget';
export { ValueWidget } from './controls/value-widget';
export type { Accessors, CustomMessage, Options, StateChange, WidgetOptions } from './widget';
export { registerWidgetControlTarget, CONTROL_TARGET } from './control';
export { isWidget } from './registry';
export type { RegisteredWidget } from './registry';
export * as traits from './traits';
export { TraitError } from './traits';
export type { Trait, Traits } from './traits';
export { removeBuffers, putBuffers } from './buffers';
export type { BufferPath } from './buffers';
export { modelTraits, controlTraits } from './controls/model';
export type { ModelState } from './controls/model';
export { domTraits, descriptionTraits } from './controls/dom';
export type { DomState, DescriptionState } from './controls/dom';
export { Layout } from './controls/layout';
export type { LayoutState } from './controls/layout';
export {
  ButtonStyle,
  CheckboxStyle,
  DescriptionStyle,
  LabelStyle,
  SliderStyle,
  TextStyle,
  ToggleButtonsStyle,
} from './controls/styles';
export type {
  ButtonStyleState,
  CheckboxStyleState,
  DescriptionStyleState,
  LabelStyleState,
  SliderStyleState,
  TextStyleState,
  ToggleButtonsStyleState,
} from './controls/styles';
export { IntSlider } from './controls/int-slider';
export type { IntSliderState } from './controls/int-slider';
export { FloatSlider } from './controls/float-slider';
export type { FloatSliderState } from './controls/float-slider';
export { IntRangeSlider } from './controls/int-range-slider';
export type { IntRangeSliderState } from './controls/int-range-slider';
export { Dropdown } from './controls/dropdown';
export type { DropdownState } from './controls/dropdown';
export { ToggleButtons } from './controls/toggle-buttons';
export type { ToggleButtonsState } from './controls/toggle-buttons';
export type { SelectionOptions } from './controls/selection';
export { Checkbox } from './controls/checkbox';
export type { CheckboxState } from './controls/checkbox';
export { Button } from './controls/button';
export type { ButtonState } from './controls/button';
export { Text } from './controls/text';
export type { TextState } from './controls/text';
export { Label } from './controls/label';
export type { LabelState } from './controls/label';
export { ColorPicker } from './controls/color-picker';
export type { ColorPickerState } from './controls/color-picker';
export { Play } from './controls/play';
export type { PlayState } from './controls/play';
export { HBox, VBox } from './controls/box';
export type { BoxState, BoxOptions } from './controls/box';
export { interact } from './interact';
export type { ControlValues, Interaction, ValueControl } from './interact';
