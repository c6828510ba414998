/**
 * The state keys every visible control shares (ipywidgets' DOMWidget and DescriptionWidget), and
 * the enumerations (button styles, orientations, slider behaviours) several controls accept.
 */
import { RegisteredWidget } from '../registry';
import { bool, nullable, str, strings, Traits, widgetRef } from '../traits';
import { Layout } from './layout';
import { DescriptionStyle } from './styles';

/** ipywidgets' DOMWidget keys: every visible widget references a Layout model. */
export interface DomState {
  _dom_classes: string[];
  tabbable: boolean | null;
  tooltip: string | null;
  layout: Layout;
}

export const domTraits = (): Traits<DomState> => ({
  _dom_classes: strings(),
  tabbable: nullable(bool(false)),
  tooltip: nullable(str('')),
  layout: widgetRef((init) => new Layout(init)),
});

/** ipywidgets' DescriptionWidget keys; `style` is the kind of style model the control needs. */
export interface DescriptionState<Style = DescriptionStyle> extends DomState {
  description: string;
  description_allow_html: boolean;
  style: Style;
}

export function descriptionTraits<Style extends RegisteredWidget>(
  createStyle: (init?: object) => Style,
): Traits<DescriptionState<Style>> {
  return {
    ...domTraits(),
    description: str(''),
    description_allow_html: bool(false),
    style: widgetRef(createStyle),
  };
}

export const BUTTON_STYLES = ['primary', 'success', 'info', 'warning', 'danger', ''] as const;
export type ButtonStyleName = (typeof BUTTON_STYLES)[number];
export const ORIENTATIONS = ['horizontal', 'vertical'] as const;
export const SLIDER_BEHAVIORS = ['drag-tap', 'drag-snap', 'tap', 'drag', 'snap'] as const;
