/**
 * ipywidgets' Layout model (from @jupyter-widgets/base, not controls): a DOM widget's CSS sizing and
 * placement. Every control creates its own unless given one (dom.ts) and closes it with itself.
 */
import { nullable, str, Traits } from '../traits';
import { Accessors, Options, Widget } from '../widget';
import { BASE_MODULE, BASE_VERSION, ModelState, modelTraits } from './model';

/** ipywidgets 8 Layout's CSS keys (null = not set); values are CSS strings. */
const CSS_KEYS = [
  'align_content',
  'align_items',
  'align_self',
  'border_top',
  'border_right',
  'border_bottom',
  'border_left',
  'bottom',
  'display',
  'flex',
  'flex_flow',
  'height',
  'justify_content',
  'justify_items',
  'left',
  'margin',
  'max_height',
  'max_width',
  'min_height',
  'min_width',
  'overflow',
  'order',
  'padding',
  'right',
  'top',
  'visibility',
  'width',
  'object_fit',
  'object_position',
  'grid_auto_columns',
  'grid_auto_flow',
  'grid_auto_rows',
  'grid_gap',
  'grid_template_rows',
  'grid_template_columns',
  'grid_template_areas',
  'grid_row',
  'grid_column',
  'grid_area',
] as const;

type CssKey = (typeof CSS_KEYS)[number];
export type LayoutState = ModelState & { [K in CssKey]: string | null };

const LAYOUT_TRAITS = {
  ...modelTraits([BASE_MODULE, BASE_VERSION, 'LayoutModel'], [BASE_MODULE, BASE_VERSION, 'LayoutView']),
  ...Object.fromEntries(CSS_KEYS.map((key) => [key, nullable(str(''))])),
} as Traits<LayoutState>;

export interface Layout extends Accessors<LayoutState> {}
/** The `layout` sub-model every DOM widget references; the frontend will not render without it. */
export class Layout extends Widget<LayoutState> {
  constructor(options: Options<LayoutState> = {}) {
    super(LAYOUT_TRAITS, options);
  }
}
