/**
 * The Widget base class every control extends: one `jupyter.widget` comm per model, state synced
 * both ways under widget protocol 2.1 (echo_update, binary buffers) and validated by its traits.
 */
import { BehaviorSubject, defer, Observable, of, Subject } from 'rxjs';
import {
  Comm,
  CommMessage,
  Displayable,
  getKernelApi,
  JSONObject,
  JSONValue,
  KernelApi,
  MIME_BUNDLE,
  MimeBundle,
} from '../kernel/api';
import { registerWidgetControlTarget } from './control';
import { isWidget, RegisteredWidget, WIDGET_BRAND, widgetRegistry } from './registry';
import { Trait, TraitError, Traits } from './traits';
import { cloneJson, deepEqual, isPlainObject, putBuffers, removeBuffers } from './buffers';
import { errorMessage } from '../errors';

export const WIDGET_TARGET = 'jupyter.widget';
/** The Jupyter widget protocol version (not the messaging protocol's: see kernel/transport/session.ts). */
export const WIDGET_PROTOCOL_VERSION = '2.1.0';
export const VIEW_MIME = 'application/vnd.jupyter.widget-view+json';

export interface WidgetOptions {
  /** Reuse a model id (the comm id); normally left to the kernel. */
  modelId?: string;
}

/** A `custom` message from the frontend; buffers are the raw binary frames. */
export interface CustomMessage {
  content: JSONValue;
  buffers: readonly Buffer[];
}

export interface StateChange<S> {
  name: keyof S & string;
  oldValue: unknown;
  newValue: unknown;
  fromFrontend: boolean;
}

type PublicKeys<S> = { [K in keyof S]-?: K extends `_${string}` ? never : K }[keyof S];
/** Typed get/set properties for every public state key (defined on the prototype at runtime). */
export type Accessors<S> = { [K in PublicKeys<S>]: S[K] };
/** Constructor options: the public keys; layout/style also accept a plain options object. */
export type Options<S> = {
  [K in PublicKeys<S>]?: [S[K]] extends [Widget<infer T>] ? S[K] | Options<T> : S[K];
};

const withAccessors = new WeakSet<object>();

function defineAccessors(proto: object, names: string[]): void {
  if (withAccessors.has(proto)) return;
  withAccessors.add(proto);
  for (const name of names) {
    if (name.startsWith('_') || name in proto) continue;
    Object.defineProperty(proto, name, {
      configurable: true,
      get(this: Widget<Record<string, unknown>>) {
        return this.get(name);
      },
      set(this: Widget<Record<string, unknown>>, value: unknown) {
        this.set({ [name]: value });
      },
    });
  }
}

/**
 * A kernel-side widget model: one `jupyter.widget` comm, state kept in sync both ways.
 * Subclasses pass their traits (every state key with its default and validation) to the
 * constructor and enforce cross-key rules in `coerce`.
 */
export class Widget<S extends object> implements Displayable, RegisteredWidget {
  readonly [WIDGET_BRAND] = true;
  readonly modelId: string;
  readonly custom$: Observable<CustomMessage>;
  readonly changes$: Observable<StateChange<S>>;

  private readonly api: KernelApi;
  private readonly comm: Comm;
  private readonly traits: Traits<S>;
  private readonly state: S;
  private readonly subjects = new Map<keyof S, BehaviorSubject<unknown>>();
  private readonly customSubject = new Subject<CustomMessage>();
  private readonly changeSubject = new Subject<StateChange<S>>();
  /** Layout/style created for this widget alone: closed with it. */
  private readonly owned: RegisteredWidget[] = [];
  /** While applying a frontend update: the wire value the frontend believes each key has. */
  private frontendView: Map<string, unknown> | undefined;
  private closed = false;

  constructor(traits: Traits<S>, init: { [K in keyof S]?: unknown } = {}, options: WidgetOptions = {}) {
    this.api = getKernelApi();
    this.traits = traits;
    this.custom$ = this.customSubject.asObservable();
    this.changes$ = this.changeSubject.asObservable();
    defineAccessors(Object.getPrototypeOf(this), Object.keys(traits));
    const state = {} as S;
    try {
      const touched = new Set<keyof S>();
      for (const [key, value] of Object.entries(init) as [keyof S & string, unknown][]) {
        if (value === undefined) continue;
        if (!(key in traits)) throw new TraitError(`${this.constructor.name} has no option '${key}'`);
        state[key] = this.validate(key, value);
        if (isWidget(state[key]) && state[key] !== value) this.owned.push(state[key] as RegisteredWidget);
        touched.add(key);
      }
      for (const key of this.keys()) {
        if (touched.has(key)) continue;
        state[key] = this.traits[key].default();
        if (isWidget(state[key])) this.owned.push(state[key] as RegisteredWidget);
      }
      this.coerce(state, touched, true);
    } catch (error) {
      this.closeOwned();
      throw error;
    }
    this.state = state;
    const { state: wire, bufferPaths, buffers } = removeBuffers(this.wireState());
    this.comm = this.api.comms.open(WIDGET_TARGET, { state: wire, buffer_paths: bufferPaths } as JSONObject, {
      metadata: { version: WIDGET_PROTOCOL_VERSION },
      buffers,
      ...(options.modelId ? { commId: options.modelId } : {}),
    });
    this.modelId = this.comm.id;
    widgetRegistry().widgets.set(this.modelId, this);
    this.comm.onMessage((message) => this.onMessage(message));
    this.comm.onClose(() => this.onClosed());
    registerWidgetControlTarget(this.api);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get<K extends keyof S>(name: K): S[K] {
    return this.state[name];
  }

  /** Validates every key first (throws TraitError, nothing applied), then sends one update. */
  set(patch: Partial<S>): void {
    const valid: Partial<S> = {};
    for (const [key, value] of Object.entries(patch) as [keyof S & string, unknown][]) {
      if (!(key in this.traits)) throw new TraitError(`${this.constructor.name} has no key '${key}'`);
      valid[key] = this.validate(key, value);
    }
    this.commit(valid, false);
  }

  /** Current value on subscribe, then every change; completes when the widget closes. */
  observe<K extends keyof S>(name: K): Observable<S[K]> {
    return defer(() => {
      if (this.closed) return of(this.state[name]);
      let subject = this.subjects.get(name);
      if (!subject) this.subjects.set(name, (subject = new BehaviorSubject<unknown>(this.state[name])));
      return subject as BehaviorSubject<S[K]>;
    });
  }

  /** A custom message to the frontend model (`msg:custom` there). */
  send(content: JSONValue, buffers: readonly ArrayBufferView[] = []): void {
    if (!this.closed) this.comm.send({ method: 'custom', content }, { buffers });
  }

  /** Closes the comm (the frontend removes the views) and completes every observable. */
  close(): void {
    if (this.closed) return;
    this.comm.close();
    this.onClosed();
  }

  wireState(): Record<string, unknown> {
    const wire: Record<string, unknown> = {};
    for (const key of this.keys()) {
      const trait = this.traits[key];
      if (trait.sync !== false) wire[key] = this.toJson(key, this.state[key]);
    }
    return wire;
  }

  toString(): string {
    const shown = this.keys()
      .filter((key) => !key.startsWith('_') && this.traits[key].repr !== false)
      .filter((key) => !this.same(key, this.state[key], this.traits[key].default()))
      .sort()
      .map((key) => `${key}=${repr(this.toJson(key, this.state[key]))}`);
    const text = `${this.constructor.name}(${shown.join(', ')})`;
    return text.length > 110 ? text.slice(0, 110) + '…' : text;
  }

  [MIME_BUNDLE](): MimeBundle {
    const data: MimeBundle['data'] = { 'text/plain': this.toString() };
    if (!this.closed) data[VIEW_MIME] = { model_id: this.modelId, version_major: 2, version_minor: 1 };
    return { data };
  }

  /**
   * Enforces rules across keys on the proposed state `next` (mutate it; throw TraitError to
   * refuse). `touched` holds the keys being set; `initial` is true during construction.
   */
  protected coerce(_next: S, _touched: ReadonlySet<keyof S>, _initial: boolean): void {}

  protected log(message: string): void {
    this.api.log(`widgets: ${this.constructor.name} ${this.modelId}: ${message}`);
  }

  private keys(): (keyof S & string)[] {
    return Object.keys(this.traits) as (keyof S & string)[];
  }

  private validate<K extends keyof S>(key: K, value: unknown): S[K] {
    try {
      return this.traits[key].validate(value);
    } catch (error) {
      throw new TraitError(`${this.constructor.name}.${String(key)}: ${errorMessage(error)}`);
    }
  }

  private toJson<K extends keyof S>(key: K, value: S[K]): unknown {
    const trait = this.traits[key] as Trait<S[K]>;
    return trait.toJson ? trait.toJson(value) : value;
  }

  private same<K extends keyof S>(key: K, a: S[K], b: S[K]): boolean {
    if (this.traits[key].sync === false) return Object.is(a, b);
    return deepEqual(this.toJson(key, a), this.toJson(key, b));
  }

  private sendState(method: 'update' | 'echo_update', wire: Record<string, unknown>): void {
    if (this.closed || Object.keys(wire).length === 0) return;
    const { state, bufferPaths, buffers } = removeBuffers(wire);
    this.comm.send({ method, state, buffer_paths: bufferPaths } as JSONObject, { buffers });
  }

  private commit(patch: Partial<S>, fromFrontend: boolean): void {
    const next = { ...this.state, ...patch };
    this.coerce(next, new Set(Object.keys(patch) as (keyof S)[]), false);
    const changed = this.keys().filter((key) => !this.same(key, this.state[key], next[key]));
    if (changed.length === 0) return;
    const old = { ...this.state };
    for (const key of changed) this.state[key] = next[key];
    const wire: Record<string, unknown> = {};
    for (const key of changed) {
      if (this.traits[key].sync === false) continue;
      const json = this.toJson(key, next[key]);
      // The frontend already shows what it just sent us; its echo covers that.
      if (this.frontendView?.has(key) && deepEqual(this.frontendView.get(key), json)) continue;
      wire[key] = json;
      this.frontendView?.set(key, json);
    }
    this.sendState('update', wire);
    for (const key of changed) {
      this.changeSubject.next({ name: key, oldValue: old[key], newValue: next[key], fromFrontend });
      this.subjects.get(key)?.next(next[key]);
    }
  }

  private onMessage(message: CommMessage): void {
    try {
      const data = message.data;
      switch (data.method) {
        case 'update':
          return this.onUpdate(data, message.buffers);
        case 'request_state':
          return this.sendState('update', this.wireState());
        case 'custom':
          if (!('content' in data)) throw new Error('custom message without content');
          return this.customSubject.next({ content: data.content, buffers: message.buffers });
        default:
          this.log(`unknown method ${JSON.stringify(data.method)}`);
      }
    } catch (error) {
      this.log(`bad message: ${errorMessage(error)}`);
    }
  }

  /**
   * Protocol 2.1: echo what we accept, before applying it (as ipywidgets 8 does; the frontend
   * matches the echo's parent msg_id to its own update), apply, then send a corrective `update`
   * for keys we refused or coerced, so the frontend never keeps a value the kernel does not have.
   * ipywidgets echoes even values it then refuses; we do not. We never answer an echo, so
   * nothing can loop.
   */
  private onUpdate(data: JSONObject, buffers: readonly Buffer[]): void {
    if (!isPlainObject(data.state)) throw new Error('update without a state object');
    const incoming = cloneJson(data.state) as Record<string, unknown>;
    try {
      putBuffers(incoming, data.buffer_paths ?? [], buffers);
    } catch (error) {
      // Nothing of it is applied; the frontend already shows the values it sent, so resend ours.
      this.log(`rejected update of ${Object.keys(incoming).join(', ')}: ${errorMessage(error)}`);
      const current = this.wireState();
      const known = Object.keys(incoming).filter((key) => Object.hasOwn(current, key));
      this.sendState('update', Object.fromEntries(known.map((key) => [key, current[key]])));
      return;
    }
    const accepted: Partial<S> = {};
    const view = new Map<string, unknown>();
    const refused: string[] = [];
    for (const [key, json] of Object.entries(incoming)) {
      // Own keys only: 'constructor' or 'toString' must not find Object.prototype's.
      const trait = Object.hasOwn(this.traits, key) ? (this.traits as Record<string, Trait<unknown>>)[key] : undefined;
      if (!trait || trait.sync === false) {
        this.log(`rejected unknown key '${key}'`);
        continue;
      }
      try {
        const value = this.validate(key as keyof S, trait.fromJson ? trait.fromJson(json) : json);
        if (trait.readOnly && !this.same(key as keyof S, this.state[key as keyof S], value)) {
          throw new TraitError(`'${key}' is read-only`);
        }
        accepted[key as keyof S] = value;
        view.set(key, json);
      } catch (error) {
        this.log(`rejected ${key}=${clip(repr(json))}: ${errorMessage(error)}`);
        refused.push(key);
      }
    }
    try {
      // Dry run of the cross-key rules, so we never echo a value we then refuse.
      this.coerce({ ...this.state, ...accepted }, new Set(Object.keys(accepted) as (keyof S)[]), false);
    } catch (error) {
      this.log(`rejected ${[...view.keys()].join(', ')}: ${errorMessage(error)}`);
      refused.push(...view.keys());
      view.clear();
      for (const key of Object.keys(accepted)) delete accepted[key as keyof S];
    }
    const echo = Object.fromEntries([...view].filter(([key]) => this.traits[key as keyof S].echo !== false));
    this.sendState('echo_update', echo);
    this.frontendView = view;
    try {
      this.commit(accepted, true);
    } catch (error) {
      this.log(`rejected ${Object.keys(accepted).join(', ')}: ${errorMessage(error)}`);
    } finally {
      this.frontendView = undefined;
    }
    const current = this.wireState();
    const stale = [...view].filter(([key, json]) => !deepEqual(json, current[key])).map(([key]) => key);
    this.sendState('update', Object.fromEntries([...refused, ...stale].map((key) => [key, current[key]])));
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    const registry = widgetRegistry();
    if (registry.widgets.get(this.modelId) === this) registry.widgets.delete(this.modelId);
    for (const subject of this.subjects.values()) subject.complete();
    this.customSubject.complete();
    this.changeSubject.complete();
    this.closeOwned();
  }

  private closeOwned(): void {
    for (const widget of this.owned.splice(0)) (widget as unknown as { close(): void }).close();
  }
}

/** How much of a rejected value the kernel log quotes: a 200,000-entry list must not flood it. */
const MAX_LOGGED_VALUE_CHARS = 200;

function clip(text: string): string {
  return text.length > MAX_LOGGED_VALUE_CHARS ? `${text.slice(0, MAX_LOGGED_VALUE_CHARS)}…` : text;
}

function repr(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) ? `<${v.byteLength} bytes>` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
