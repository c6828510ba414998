/**
 * Loads OpenCV (the WASM build @techstark/opencv-js) once, on first use, and shares it: parsing
 * its 10 MB script and compiling the WASM takes ~0.2 s, so the kernel must not pay it at start, and
 * every filter of every cell must get the same instance (Mats of one instance mean nothing to another).
 *
 * Two traps of this Emscripten build are handled here rather than by every caller:
 * - the module is a thenable whose `then` hands back the module itself, so `await`ing it (or
 *   resolving a promise with it) never settles; we wait for onRuntimeInitialized and drop `then`.
 * - on load it adds process-wide `uncaughtException` (rethrow) and `unhandledRejection` (abort)
 *   listeners, which would turn any stray error in a cell into the end of the kernel (or of OpenCV);
 *   we remove the listeners it added.
 */
import type * as OpenCVModule from '@techstark/opencv-js';

/**
 * The OpenCV.js module, `cv`: its functions, constants and classes (cv.Mat, ...). An interface of
 * our own, not the package's `typeof` alias: a cell's `const cv = await loadOpenCV()` is compiled
 * with declarations, and TypeScript can name this type there, not the package's internal module.
 */
export interface CV extends OpenCVModuleType {}
type OpenCVModuleType = typeof OpenCVModule;

const OPENCV_MODULE = '@techstark/opencv-js';
/** Longer than any init measured here (~0.2 s, seconds on a loaded machine): a hung init must fail, not wait forever. */
const INIT_TIMEOUT_MS = 60_000;

/** The Emscripten module before it is ready: what we touch of it. */
interface PendingModule {
  calledRun?: boolean;
  then?: unknown;
  onRuntimeInitialized?: () => void;
  onAbort?: (what: unknown) => void;
}

let loading: Promise<CV> | null = null;
let loaded: CV | null = null;

/**
 * OpenCV, loaded on the first call (later calls get the same instance). Rejects with an Error
 * saying what failed when the package is missing or its WASM runtime does not start.
 */
export function loadOpenCV(): Promise<CV> {
  loading ??= loadModule(OPENCV_MODULE).then((cv) => (loaded = cv));
  return loading;
}

/** OpenCV when loadOpenCV() has finished, else null. */
export function loadedOpenCV(): CV | null {
  return loaded;
}

/** Loads an OpenCV.js build from a module id (tests load a broken one to check the errors). */
export function loadModule(id: string): Promise<CV> {
  return new Promise<CV>((resolve, reject) => {
    const fail = (why: string, cause?: unknown) => {
      clearTimeout(timer);
      reject(new Error(`OpenCV (${id}) could not be loaded: ${why}`, cause === undefined ? undefined : { cause }));
    };
    const settle = (runtime: PendingModule) => {
      clearTimeout(timer);
      if (typeof runtime !== 'object' || runtime === null || typeof (runtime as Partial<CV>).Mat !== 'function') {
        fail('its runtime started without cv.Mat (not an OpenCV.js build?)');
        return;
      }
      delete runtime.then; // a thenable returning itself: resolving with it would never settle
      resolve(runtime as unknown as CV);
    };
    const timer = setTimeout(
      () => fail(`its WASM runtime did not start within ${INIT_TIMEOUT_MS / 1000} s`),
      INIT_TIMEOUT_MS,
    );
    timer.unref();
    let module: PendingModule;
    try {
      module = requireWithoutProcessListeners(id) as PendingModule;
    } catch (error) {
      fail(String((error as { message?: unknown } | null)?.message ?? error), error);
      return;
    }
    if (module instanceof Promise) {
      // Builds that export a promise of the runtime instead of the runtime itself.
      module.then(
        (runtime: PendingModule) => settle(runtime),
        (error: unknown) => fail(`its runtime failed to start (${String(error)})`, error),
      );
      return;
    }
    if (typeof module !== 'object' || module === null || (!module.calledRun && typeof module.then !== 'function')) {
      fail('it is not an OpenCV.js (Emscripten) runtime');
      return;
    }
    if (module.calledRun) {
      settle(module);
      return;
    }
    const previous = module.onRuntimeInitialized;
    module.onRuntimeInitialized = () => {
      previous?.();
      settle(module);
    };
    module.onAbort = (what) => {
      fail(`its WASM runtime aborted (${String(what)})`);
    };
  });
}

/** require(id), undoing the process-wide error listeners the Emscripten runtime adds (see the top). */
function requireWithoutProcessListeners(id: string): unknown {
  const listeners = () => [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')];
  const before = new Set<unknown>(listeners());
  try {
    // Synchronous, so the listeners it adds are known to be its own; import() would also wrap the
    // thenable module in a namespace object that a promise cannot resolve with.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(id);
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
}
