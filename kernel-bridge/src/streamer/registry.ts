/**
 * Streams by key, on globalThis so that a second loaded copy of the package finds the same
 * streams: running a cell again with the same key must reach the running stream.
 */
import type { WebRtcStreamer } from './streamer';

const REGISTRY = Symbol.for('jupyterlab-webrtc.streamers.v1');

export function streamersByKey(): Map<string, WebRtcStreamer> {
  const global = globalThis as Record<symbol, Map<string, WebRtcStreamer> | undefined>;
  return (global[REGISTRY] ??= new Map());
}
