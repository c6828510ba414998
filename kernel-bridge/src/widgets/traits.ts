/**
 * Traits, after ipywidgets' traitlets: each state key's default, validation and wire form. Every
 * value from the frontend is untrusted, so each is checked, and strings and lists are capped.
 */
import { IPY_MODEL, isWidget, RegisteredWidget, widgetRegistry } from './registry';
import { isBinary, isPlainObject } from './buffers';

/** A rejected value; the message says why in terms a notebook user understands. */
export class TraitError extends TypeError {
  override name = 'TraitError';
}

/** One key of a widget's state: its default, its validation and how it travels. */
export interface Trait<T> {
  default(): T;
  /** Returns the accepted (possibly coerced) value or throws TraitError. */
  validate(value: unknown): T;
  toJson?(value: T): unknown;
  fromJson?(json: unknown): unknown;
  /** false: kernel-side only (e.g. a Dropdown's value); never sent, rejected from the frontend. */
  sync?: boolean;
  /** The frontend may not change it (model names, derived keys). */
  readOnly?: boolean;
  /** false: no echo_update for it (ipywidgets' `echo_update=False` trait metadata). */
  echo?: boolean;
  /** false: left out of the text/plain representation. */
  repr?: boolean;
}

export type Traits<S> = { [K in keyof S]-?: Trait<S[K]> };

/**
 * Most entries a list trait takes (`_dom_classes`, `children`, a ToggleButtons' `tooltips`...).
 * Real lists are a few CSS classes, children or buttons; unbounded, the frontend could send
 * 200,000 entries that the kernel validates, stores and echoes to every view.
 */
export const MAX_LIST_ENTRIES = 1000;

/**
 * Longest string a string trait takes (descriptions, labels, text values, CSS values). Far above
 * any text typed into a control, far below the wire's message limit: it only stops a frontend
 * from parking megabytes in a label that is echoed and re-sent on every state request.
 */
export const MAX_STRING_LENGTH = 1_000_000;

/** How much of an offending value a rejection message quotes: enough to recognise it. */
const MAX_DESCRIBED_CHARS = 120;

/** The offending value as a rejection message shows it. */
const describeValue = (v: unknown): string => {
  if (isBinary(v)) return 'binary data';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > MAX_DESCRIBED_CHARS ? `${text.slice(0, MAX_DESCRIBED_CHARS)}…` : text;
};

function checkLength(s: string): void {
  if (s.length > MAX_STRING_LENGTH) {
    throw new TraitError(`expected a string of at most ${MAX_STRING_LENGTH} characters, got ${s.length}`);
  }
}

function checkEntries(list: readonly unknown[]): void {
  if (list.length > MAX_LIST_ENTRIES) {
    throw new TraitError(`expected at most ${MAX_LIST_ENTRIES} entries, got ${list.length}`);
  }
}

function simple<T>(def: T, what: string, ok: (v: unknown) => boolean, extra: Partial<Trait<T>> = {}): Trait<T> {
  return {
    default: () => def,
    validate(v) {
      if (!ok(v)) throw new TraitError(`expected ${what}, got ${describeValue(v)}`);
      return v as T;
    },
    ...extra,
  };
}

export const constant = (value: string): Trait<string> =>
  simple(value, JSON.stringify(value), (v) => v === value, { readOnly: true });

export const int = (def: number): Trait<number> => simple(def, 'an integer', (v) => Number.isSafeInteger(v));

export const float = (def: number): Trait<number> =>
  simple(def, 'a finite number', (v) => typeof v === 'number' && Number.isFinite(v));

export const bool = (def: boolean): Trait<boolean> => simple(def, 'a boolean', (v) => typeof v === 'boolean');

const isString = (v: unknown): v is string => typeof v === 'string';

export const str = (def: string): Trait<string> => ({
  default: () => def,
  validate(v) {
    if (!isString(v)) throw new TraitError(`expected a string, got ${describeValue(v)}`);
    checkLength(v);
    return v;
  },
});

export const oneOf = <T extends string>(values: readonly T[], def: T): Trait<T> =>
  simple(def, `one of ${values.join(', ')}`, (v) => values.includes(v as T));

export const strings = (def: string[] = []): Trait<string[]> => ({
  default: () => def,
  validate(v) {
    if (Array.isArray(v)) checkEntries(v);
    if (!Array.isArray(v) || !v.every(isString))
      throw new TraitError(`expected an array of strings, got ${describeValue(v)}`);
    v.forEach(checkLength);
    return v;
  },
});

export const intPair = (def: [number, number]): Trait<[number, number]> =>
  simple(def, 'a pair of integers', (v) => Array.isArray(v) && v.length === 2 && v.every(Number.isSafeInteger));

/** Any JSON-like value, binaries allowed anywhere inside. */
export const anyValue = <T>(def: T, extra: Partial<Trait<T>> = {}): Trait<T> =>
  simple(def, 'a value', () => true, extra);

export function nullable<T>(trait: Trait<T>, def: T | null = null): Trait<T | null> {
  return {
    ...(trait as Trait<T | null>),
    default: () => def,
    validate: (v) => (v === null ? null : trait.validate(v)),
  };
}

/** CSS colors as the stock color picker accepts them: names, hex, rgb()/hsl() forms. */
export const color = (def: string): Trait<string> =>
  simple(
    def,
    'a CSS color',
    (v) =>
      typeof v === 'string' &&
      /^(#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})|[a-z]+|(rgb|hsl)a?\([\d\s.,%/+-]+\))$/i.test(v.trim()),
  );

const toRef = (w: RegisteredWidget): string => IPY_MODEL + w.modelId;

function fromRef(json: unknown): unknown {
  if (typeof json !== 'string' || !json.startsWith(IPY_MODEL)) return json;
  const widget = widgetRegistry().widgets.get(json.slice(IPY_MODEL.length));
  if (!widget) throw new TraitError(`no live widget ${json}`);
  return widget;
}

/**
 * A reference to another widget, serialized as 'IPY_MODEL_<id>'. A plain object (or nothing)
 * creates one with `create`, as ipywidgets' InstanceDict does for layout and style.
 */
export function widgetRef<W extends RegisteredWidget>(create: (init?: object) => W): Trait<W> {
  return {
    default: () => create(),
    validate(v) {
      if (isWidget(v)) return v as W;
      if (isPlainObject(v)) return create(v);
      throw new TraitError(`expected a widget or an options object, got ${describeValue(v)}`);
    },
    toJson: toRef,
    fromJson: fromRef,
    repr: false,
  };
}

export function widgetList<W extends RegisteredWidget = RegisteredWidget>(): Trait<W[]> {
  return {
    default: () => [],
    validate(v) {
      if (Array.isArray(v)) checkEntries(v);
      if (!Array.isArray(v) || !v.every(isWidget))
        throw new TraitError(`expected an array of widgets, got ${describeValue(v)}`);
      return [...v] as W[];
    },
    toJson: (list) => list.map(toRef),
    fromJson: (json) => (Array.isArray(json) ? json.map(fromRef) : json),
  };
}

/**
 * Binary data (an Image's picture), kept as a Uint8Array (Buffers and ArrayBuffers are taken too)
 * and sent as a raw comm buffer; at most `maxBytes`, so a frontend cannot park an unbounded blob.
 */
export const bytes = (maxBytes: number): Trait<Uint8Array> => ({
  default: () => new Uint8Array(0),
  validate(v) {
    if (!isBinary(v) || v instanceof DataView || !(v instanceof ArrayBuffer || v instanceof Uint8Array)) {
      throw new TraitError(`expected bytes (a Uint8Array, Buffer or ArrayBuffer), got ${describeValue(v)}`);
    }
    if (v.byteLength > maxBytes) throw new TraitError(`expected at most ${maxBytes} bytes, got ${v.byteLength}`);
    return v instanceof ArrayBuffer ? new Uint8Array(v) : v;
  },
  repr: false,
});
