/**
 * The kernel's API for code that runs inside it: our own widgets and media layers, and notebook
 * cells. Kept as plain interfaces so that layers above the kernel depend on this file only.
 *
 * The live instance is stored on globalThis under a registered symbol, not in a module variable:
 * a notebook may load a second copy of this package (npm install next to the notebook), and both
 * copies must reach the one kernel that owns the sockets.
 */

type JSONPrimitive = string | number | boolean | null;
export type JSONValue = JSONPrimitive | JSONValue[] | { [key: string]: JSONValue };
export type JSONObject = { [key: string]: JSONValue };

/** A comm message as kernel-side code sees it; buffers are the binary frames after the JSON. */
export interface CommMessage {
  readonly data: JSONObject;
  readonly metadata: JSONObject;
  readonly buffers: readonly Buffer[];
}

export interface SendOptions {
  metadata?: JSONObject;
  /** Sent as raw binary frames; the HMAC covers only the JSON frames, as the protocol requires. */
  buffers?: readonly ArrayBufferView[];
}

export type Unsubscribe = () => void;

export interface Comm {
  readonly id: string;
  readonly targetName: string;
  readonly isClosed: boolean;
  send(data: JSONObject, options?: SendOptions): void;
  /** Closes our side and tells the frontend; a second call does nothing. */
  close(data?: JSONObject, options?: SendOptions): void;
  /** Handlers run inside the parent context of the message that carried the data. */
  onMessage(handler: (message: CommMessage) => void | Promise<void>): Unsubscribe;
  /** Called once, with the frontend's comm_close, or with null when we closed it ourselves. */
  onClose(handler: (message: CommMessage | null) => void): Unsubscribe;
}

export type CommOpenHandler = (comm: Comm, openMessage: CommMessage) => void | Promise<void>;

export interface CommManager {
  /** Comms the frontend opens for `targetName` go to `onOpen`; unknown targets get comm_close. */
  registerTarget(targetName: string, onOpen: CommOpenHandler): Unsubscribe;
  /** Opens a comm from the kernel side (comm_open on iopub). */
  open(targetName: string, data: JSONObject, options?: SendOptions & { commId?: string }): Comm;
  /** Open comms, for comm_info_request. */
  list(targetName?: string): readonly Comm[];
}

/** A MIME bundle: `text/plain` plus any richer representations. */
export interface MimeBundle {
  data: { [mimeType: string]: JSONValue };
  metadata?: JSONObject;
}

export interface DisplayOptions {
  /** Makes the output updatable: later `display(..., {displayId, update: true})` replaces it. */
  displayId?: string;
  update?: boolean;
}

/**
 * Values that know how to show themselves implement this method under this symbol; the kernel
 * uses it for a cell's last expression and for `display(value)`.
 */
export const MIME_BUNDLE: unique symbol = Symbol.for('jupyterlab-webrtc.mimeBundle') as never;
export interface Displayable {
  [MIME_BUNDLE](): MimeBundle;
}

/** What a cell scope runs when the cell runs again: a function, or anything with unsubscribe(). */
export type Teardown = (() => void) | { unsubscribe(): void };

/**
 * What one notebook cell (one JupyterLab cell id) started in its latest run: RxJS subscriptions,
 * timers and streamer transforms register here and are torn down when the same cell runs again,
 * or is deleted. Only requests that carry `metadata.cellId` get a scope.
 */
export interface CellScope {
  readonly cellId: string;
  /** True once the cell ran again: teardowns added from then on run at once. */
  readonly disposed: boolean;
  /** How many registrations are live (closed subscriptions and fired timeouts leave by themselves). */
  readonly size: number;
  /** Registers a teardown; the returned function removes it without running it. */
  add(teardown: Teardown): Unsubscribe;
}

export interface KernelApi {
  readonly comms: CommManager;
  /** Shows a value (Displayable, MimeBundle via `{data}` with displayOptions, or anything else as text). */
  display(value: unknown, options?: DisplayOptions): void;
  /** Registers cleanup that runs before the kernel restarts or shuts down. */
  onShutdown(handler: () => void | Promise<void>): Unsubscribe;
  /** Logs to the kernel's own log (the Jupyter server's terminal), never to a cell. */
  log(message: string): void;
  /** The scope of the cell the calling code runs for (also in callbacks it started), or null. */
  currentScope(): CellScope | null;
  /** Runs `fn` outside any cell scope: what it starts survives re-runs of the calling cell. */
  detached<T>(fn: () => T): T;
  /**
   * Runs `fn`; what it and everything it starts (timers, promises, RxJS callbacks) write to
   * stdout/stderr (console.log...) also goes to `sink`, besides the cell. For output that comes
   * after its cell finished, which JupyterLab no longer shows under the cell.
   */
  captureOutput<T>(sink: (name: 'stdout' | 'stderr', text: string) => void, fn: () => T): T;
}

const KERNEL_API: unique symbol = Symbol.for('jupyterlab-webrtc.kernel-api.v1') as never;

export function setKernelApi(api: KernelApi | undefined): void {
  (globalThis as Record<symbol, unknown>)[KERNEL_API] = api;
}

/** The running kernel; throws a readable error outside of it (e.g. plain `node`). */
export function getKernelApi(): KernelApi {
  const api = (globalThis as Record<symbol, unknown>)[KERNEL_API] as KernelApi | undefined;
  if (!api) {
    throw new Error('jupyterlab-webrtc: not running inside the TypeScript (WebRTC) kernel');
  }
  return api;
}

export function isDisplayable(value: unknown): value is Displayable {
  return (
    typeof value === 'object' && value !== null && typeof (value as Partial<Displayable>)[MIME_BUNDLE] === 'function'
  );
}
