/**
 * Binary values in widget state travel as raw comm buffers next to the JSON, addressed by
 * `buffer_paths` (protocol 2.x). These helpers split them out and put them back, and copy and
 * compare state values that may hold binaries.
 */

export type BufferPath = (string | number)[];

export interface SplitState<T> {
  state: T;
  bufferPaths: BufferPath[];
  buffers: ArrayBufferView[];
}

export function isBinary(value: unknown): value is ArrayBufferView | ArrayBuffer {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

function asView(value: ArrayBufferView | ArrayBuffer): ArrayBufferView {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // Realm-agnostic: objects parsed or cloned in another vm context have another Object.prototype.
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** Deep copy of JSON-shaped data (binaries are shared, not copied). */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJson(v)])) as T;
  }
  return value;
}

/**
 * Removes binary leaves. Like ipywidgets, binaries in objects are deleted and binaries in arrays
 * become null (so array indices in the paths stay valid); only containers on a path to a binary
 * are copied, the caller's state is never modified.
 */
export function removeBuffers<T>(state: T): SplitState<T> {
  const bufferPaths: BufferPath[] = [];
  const buffers: ArrayBufferView[] = [];
  const walk = (value: unknown, path: BufferPath): unknown => {
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, i) => {
        let next: unknown = item;
        if (isBinary(item)) {
          buffers.push(asView(item));
          bufferPaths.push([...path, i]);
          next = null;
        } else {
          next = walk(item, [...path, i]);
        }
        if (next !== item) (copy ??= [...value])[i] = next;
      });
      return copy ?? value;
    }
    if (isPlainObject(value)) {
      let copy: Record<string, unknown> | undefined;
      for (const [key, item] of Object.entries(value)) {
        if (isBinary(item)) {
          buffers.push(asView(item));
          bufferPaths.push([...path, key]);
          copy ??= { ...value };
          delete copy[key];
        } else {
          const next = walk(item, [...path, key]);
          if (next !== item) (copy ??= { ...value })[key] = next;
        }
      }
      return copy ?? value;
    }
    return value;
  };
  return { state: walk(state, []) as T, bufferPaths, buffers };
}

/**
 * Path segments that would leave the state for an object's prototype chain: a buffer path
 * `["__proto__", "x"]` would otherwise put a buffer on the kernel's Object.prototype, where every
 * cell sees it as `({}).x`.
 */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const hasOwn = (object: object, key: string | number): boolean => Object.prototype.hasOwnProperty.call(object, key);

/**
 * Puts buffers back at their paths (modifies `state`); throws on a malformed path. Paths only walk
 * own properties of plain objects and existing indices of arrays (where removeBuffers left null),
 * so a frontend cannot reach a prototype or grow an array to any length.
 */
export function putBuffers(state: unknown, bufferPaths: unknown, buffers: readonly unknown[]): void {
  if (!Array.isArray(bufferPaths)) throw new Error('buffer_paths must be an array');
  if (bufferPaths.length > buffers.length) {
    throw new Error(`${bufferPaths.length} buffer_paths but only ${buffers.length} buffers`);
  }
  bufferPaths.forEach((path, i) => {
    if (!Array.isArray(path) || path.length === 0) throw new Error(`bad buffer path ${JSON.stringify(path)}`);
    let node = state;
    for (const [depth, key] of path.entries()) {
      if (typeof key === 'string' && FORBIDDEN_SEGMENTS.has(key)) {
        throw new Error(`buffer path ${JSON.stringify(path)} names '${key}', which is never a state key`);
      }
      const last = depth === path.length - 1;
      const container = node as Record<string | number, unknown>;
      const ok =
        (Array.isArray(container) && Number.isSafeInteger(key) && key >= 0 && key < container.length) ||
        (isPlainObject(container) && typeof key === 'string' && (last || hasOwn(container, key)));
      if (!ok) throw new Error(`buffer path ${JSON.stringify(path)} does not fit the state`);
      if (last) container[key] = buffers[i];
      else node = container[key];
    }
  });
}

function sameBytes(a: ArrayBufferView | ArrayBuffer, b: ArrayBufferView | ArrayBuffer): boolean {
  const x = asView(a);
  const y = asView(b);
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** Structural equality of wire values (JSON plus binaries, compared by bytes). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (isBinary(a) || isBinary(b)) return isBinary(a) && isBinary(b) && sameBytes(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}
