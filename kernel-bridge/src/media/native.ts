/**
 * Loads node-av (FFmpeg bindings).
 *
 * node-av ships as an ES module; plain Node 20.19+ loads it with `require` (require(esm)). Jest's
 * module sandbox cannot (before Node 24.9), so tests run in an environment
 * (test/media/native-env.js) that publishes Node's real `require` under a global symbol; we use it
 * when present. Production code never sets that symbol.
 */
import type * as NodeAv from 'node-av';

export type NodeAvModule = typeof NodeAv;

const NATIVE_REQUIRE = Symbol.for('jupyterlab-webrtc.nativeRequire');
let cached: NodeAvModule | undefined;

export function nodeAv(): NodeAvModule {
  if (!cached) {
    const hook = (globalThis as Record<symbol, unknown>)[NATIVE_REQUIRE] as NodeRequire | undefined;
    cached = (hook ?? require)('node-av') as NodeAvModule;
    // FFmpeg logs every recoverable decode error to stderr; keep only fatal messages.
    try {
      cached.Log.setLevel(cached.AV_LOG_FATAL);
    } catch {
      /* older node-av without Log: ignore */
    }
  }
  return cached;
}
