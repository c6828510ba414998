/**
 * Every live widget by model id, kept on globalThis so that a second copy of this package (loaded
 * by another cell) shares it: the control comm must restore all widgets, and a box may hold
 * children from either copy.
 */
import type { KernelApi, Unsubscribe } from '../kernel/api';

/**
 * What the registry needs from a live widget. Deliberately tiny and structural: a notebook may load
 * a second copy of this package, and widgets of both copies must be restorable and nestable.
 */
export interface RegisteredWidget {
  readonly modelId: string;
  /** Full synced state in wire form: widget references as 'IPY_MODEL_<id>', binaries inline. */
  wireState(): Record<string, unknown>;
}

/** Marks widget instances across package copies (instanceof would not). */
export const WIDGET_BRAND: unique symbol = Symbol.for('jupyterlab-webrtc.widget.v1') as never;

export interface WidgetRegistry {
  readonly widgets: Map<string, RegisteredWidget>;
  /** The kernel whose `jupyter.widget.control` target we registered, so we register once per kernel. */
  control?: { api: KernelApi; unregister: Unsubscribe };
}

const REGISTRY = Symbol.for('jupyterlab-webrtc.widgets.registry.v1');

export function widgetRegistry(): WidgetRegistry {
  const slot = globalThis as Record<symbol, WidgetRegistry | undefined>;
  return (slot[REGISTRY] ??= { widgets: new Map() });
}

export function isWidget(value: unknown): value is RegisteredWidget {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[WIDGET_BRAND] === true &&
    typeof (value as RegisteredWidget).modelId === 'string'
  );
}

export const IPY_MODEL = 'IPY_MODEL_';
