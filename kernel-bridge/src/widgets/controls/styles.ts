/**
 * Style models (colours, fonts, description width), one class per ipywidgets 8 style kind. The kinds
 * share one trait table here, so each class is a one-line constructor.
 */
import { color, nullable, str, Traits } from '../traits';
import { Accessors, Options, Widget } from '../widget';
import { BASE_MODULE, BASE_VERSION, CONTROLS_MODULE, CONTROLS_VERSION, ModelState, modelTraits } from './model';

/**
 * The `style` sub-models of ipywidgets 8: model in @jupyter-widgets/controls, view StyleView in
 * @jupyter-widgets/base. Each control needs its own kind or the frontend fails to render it.
 */
const styleTraits = (modelName: string) =>
  modelTraits([CONTROLS_MODULE, CONTROLS_VERSION, modelName], [BASE_MODULE, BASE_VERSION, 'StyleView']);

const css = () => nullable(str(''));
const cssColor = () => nullable(color('black'));
const font = {
  font_family: css(),
  font_size: css(),
  font_style: css(),
  font_variant: css(),
  font_weight: css(),
  text_decoration: css(),
};
type Font = { [K in keyof typeof font]: string | null };

export type DescriptionStyleState = ModelState & { description_width: string };
export type SliderStyleState = DescriptionStyleState & { handle_color: string | null };
export type CheckboxStyleState = DescriptionStyleState & { background: string | null };
export type TextStyleState = CheckboxStyleState & { font_size: string | null; text_color: string | null };
export type LabelStyleState = TextStyleState & Font;
export type ToggleButtonsStyleState = DescriptionStyleState & { button_width: string; font_weight: string };
export type ButtonStyleState = ModelState & Font & { button_color: string | null; text_color: string | null };

/** The traits every description style model shares (DescriptionStyle and the styles built on it). */
const descriptionStyleTraits = (modelName: string) => ({ ...styleTraits(modelName), description_width: str('') });
const TRAITS = {
  description: descriptionStyleTraits('DescriptionStyleModel') as Traits<DescriptionStyleState>,
  slider: { ...descriptionStyleTraits('SliderStyleModel'), handle_color: cssColor() } as Traits<SliderStyleState>,
  checkbox: { ...descriptionStyleTraits('CheckboxStyleModel'), background: css() } as Traits<CheckboxStyleState>,
  text: {
    ...descriptionStyleTraits('TextStyleModel'),
    background: css(),
    font_size: css(),
    text_color: cssColor(),
  } as Traits<TextStyleState>,
  label: {
    ...descriptionStyleTraits('LabelStyleModel'),
    background: css(),
    text_color: cssColor(),
    ...font,
  } as Traits<LabelStyleState>,
  toggleButtons: {
    ...descriptionStyleTraits('ToggleButtonsStyleModel'),
    button_width: str(''),
    font_weight: str(''),
  } as Traits<ToggleButtonsStyleState>,
  button: {
    ...styleTraits('ButtonStyleModel'),
    button_color: cssColor(),
    text_color: css(),
    ...font,
  } as Traits<ButtonStyleState>,
};

export interface DescriptionStyle extends Accessors<DescriptionStyleState> {}
export class DescriptionStyle extends Widget<DescriptionStyleState> {
  constructor(options: Options<DescriptionStyleState> = {}) {
    super(TRAITS.description, options);
  }
}

export interface SliderStyle extends Accessors<SliderStyleState> {}
export class SliderStyle extends Widget<SliderStyleState> {
  constructor(options: Options<SliderStyleState> = {}) {
    super(TRAITS.slider, options);
  }
}

export interface CheckboxStyle extends Accessors<CheckboxStyleState> {}
export class CheckboxStyle extends Widget<CheckboxStyleState> {
  constructor(options: Options<CheckboxStyleState> = {}) {
    super(TRAITS.checkbox, options);
  }
}

export interface TextStyle extends Accessors<TextStyleState> {}
export class TextStyle extends Widget<TextStyleState> {
  constructor(options: Options<TextStyleState> = {}) {
    super(TRAITS.text, options);
  }
}

export interface LabelStyle extends Accessors<LabelStyleState> {}
export class LabelStyle extends Widget<LabelStyleState> {
  constructor(options: Options<LabelStyleState> = {}) {
    super(TRAITS.label, options);
  }
}

export interface ToggleButtonsStyle extends Accessors<ToggleButtonsStyleState> {}
export class ToggleButtonsStyle extends Widget<ToggleButtonsStyleState> {
  constructor(options: Options<ToggleButtonsStyleState> = {}) {
    super(TRAITS.toggleButtons, options);
  }
}

export interface ButtonStyle extends Accessors<ButtonStyleState> {}
export class ButtonStyle extends Widget<ButtonStyleState> {
  constructor(options: Options<ButtonStyleState> = {}) {
    super(TRAITS.button, options);
  }
}
