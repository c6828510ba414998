/**
 * The `_model_*` / `_view_*` keys that tell the frontend which JS classes to instantiate, and the
 * module versions it matches them against: a wrong name or version and the view does not render.
 */
import { constant, int, nullable, Traits } from '../traits';

/** The semver the frontend matches against its registered @jupyter-widgets packages. */
export const BASE_VERSION = '2.0.0';
export const CONTROLS_VERSION = '2.0.0';
export const BASE_MODULE = '@jupyter-widgets/base';
export const CONTROLS_MODULE = '@jupyter-widgets/controls';

/** Keys every widget model carries: which frontend classes to instantiate. */
export interface ModelState {
  _model_module: string;
  _model_module_version: string;
  _model_name: string;
  _view_module: string | null;
  _view_module_version: string;
  _view_name: string | null;
  _view_count: number | null;
}

export function modelTraits(
  model: [module: string, version: string, name: string],
  view: [module: string, version: string, name: string],
): Traits<ModelState> {
  return {
    _model_module: constant(model[0]),
    _model_module_version: constant(model[1]),
    _model_name: constant(model[2]),
    _view_module: constant(view[0]) as Traits<ModelState>['_view_module'],
    _view_module_version: constant(view[1]),
    _view_name: constant(view[2]) as Traits<ModelState>['_view_name'],
    // Set by the frontend only when view counting is on (null = off).
    _view_count: nullable(int(0)),
  };
}

/** A stock @jupyter-widgets/controls model and view. */
export const controlTraits = (modelName: string, viewName: string): Traits<ModelState> =>
  modelTraits([CONTROLS_MODULE, CONTROLS_VERSION, modelName], [CONTROLS_MODULE, CONTROLS_VERSION, viewName]);
