/**
 * The single-selection rules Dropdown and ToggleButtons share. ipywidgets 8 syncs only `index` and
 * the labels, so options and values stay in the kernel (any JS value, not just JSON) and this file
 * keeps index, value and label consistent whichever of them is set.
 */
import { RegisteredWidget } from '../registry';
import { anyValue, bool, int, nullable, str, strings, TraitError, Traits } from '../traits';
import { deepEqual } from '../buffers';
import { descriptionTraits, DescriptionState } from './dom';
import { ModelState } from './model';

/** Plain values (labels are String(value)) or [label, value] pairs, as ipywidgets accepts them. */
export type SelectionOptions<V> = readonly V[] | readonly (readonly [string, V])[];

/**
 * ipywidgets 8 selection model: only `index` and `_options_labels` are synced. `options`, `value`
 * and `label` live in the kernel alone, so values need not be JSON.
 */
export interface SelectionState<V, Style> extends ModelState, DescriptionState<Style> {
  options: SelectionOptions<V>;
  value: V | null;
  label: string | null;
  index: number | null;
  _options_labels: string[];
  disabled: boolean;
}

function normalizeOptions<V>(options: unknown): [string, V][] {
  if (!Array.isArray(options)) throw new TraitError('options must be an array');
  const pairs = options.length > 0 && options.every((o) => Array.isArray(o) && o.length === 2);
  return pairs
    ? options.map(([label, value]) => [String(label), value as V])
    : options.map((value) => [String(value), value as V]);
}

export function selectionTraits<V, Style extends RegisteredWidget>(
  createStyle: (init?: object) => Style,
): Traits<SelectionState<V, Style>> {
  const kernelOnly = { sync: false } as const;
  return {
    ...(descriptionTraits(createStyle) as Traits<ModelState & DescriptionState<Style>>),
    options: anyValue<SelectionOptions<V>>([], {
      ...kernelOnly,
      validate: (v) => (normalizeOptions(v), v as SelectionOptions<V>),
    }),
    value: anyValue<V | null>(null, kernelOnly),
    label: { ...nullable(str('')), ...kernelOnly },
    index: nullable(int(0)),
    _options_labels: { ...strings(), readOnly: true, repr: false },
    disabled: bool(false),
  };
}

/** Resolves whichever of index/value/label was set into all three, like ipywidgets' observers. */
export function coerceSelection<V>(
  next: SelectionState<V, unknown>,
  touched: ReadonlySet<PropertyKey>,
  initial: boolean,
): void {
  const pairs = normalizeOptions<V>(next.options);
  next._options_labels = pairs.map(([label]) => label);
  let index = next.index;
  if (touched.has('index')) {
    if (index !== null && index >= pairs.length) throw new TraitError('Invalid selection: index out of bounds');
  } else if (touched.has('value')) {
    index = next.value === null ? null : pairs.findIndex(([, value]) => deepEqual(value, next.value));
    if (index === -1) throw new TraitError('Invalid selection: value not found');
  } else if (touched.has('label')) {
    index = next.label === null ? null : pairs.findIndex(([label]) => label === next.label);
    if (index === -1) throw new TraitError('Invalid selection: label not found');
  } else if (initial || touched.has('options')) {
    // New options select the first one, unless the selection was deliberately empty.
    index = pairs.length > 0 && (initial || next.index !== null) ? 0 : null;
  }
  if (index !== null && index < 0) throw new TraitError('Invalid selection: index out of bounds');
  next.index = index;
  next.label = index === null ? null : pairs[index][0];
  next.value = index === null ? null : pairs[index][1];
}
