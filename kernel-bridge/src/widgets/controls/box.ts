/**
 * HBox and VBox: containers that lay out other widgets (interact() stacks its controls in a VBox).
 * One state shape; only the frontend model and view names differ.
 */
import { RegisteredWidget } from '../registry';
import { oneOf, Traits, widgetList } from '../traits';
import { Accessors, Options, Widget } from '../widget';
import { domTraits, DomState } from './dom';
import { controlTraits, ModelState } from './model';

const BOX_STYLES = ['success', 'info', 'warning', 'danger', ''] as const;

export interface BoxState extends ModelState, DomState {
  /** Serialized as 'IPY_MODEL_<id>' references, in order. */
  children: RegisteredWidget[];
  box_style: (typeof BOX_STYLES)[number];
}

const traits = (model: string, view: string): Traits<BoxState> => ({
  ...controlTraits(model, view),
  ...domTraits(),
  children: widgetList(),
  box_style: oneOf(BOX_STYLES, ''),
});

export type BoxOptions = Options<BoxState>;

export interface HBox extends Accessors<BoxState> {}
export class HBox extends Widget<BoxState> {
  constructor(children: RegisteredWidget[] = [], options: BoxOptions = {}) {
    super(traits('HBoxModel', 'HBoxView'), { children, ...options });
  }
}

export interface VBox extends Accessors<BoxState> {}
export class VBox extends Widget<BoxState> {
  constructor(children: RegisteredWidget[] = [], options: BoxOptions = {}) {
    super(traits('VBoxModel', 'VBoxView'), { children, ...options });
  }
}
