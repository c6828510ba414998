/**
 * The streamer's public face: its types and webrtcStreamer(), which keeps one stream per key so
 * that re-running a cell updates the live stream (same peer, same camera) instead of opening another.
 */
import { streamersByKey } from './registry';
import { StreamerOptions, WebRtcStreamer } from './streamer';

export { WebRtcStreamer } from './streamer';
export type { StreamerOptions } from './streamer';
export type { AudioTransform, Transform } from './pipeline';
export type { Annotator } from './annotations';
export type { StartOptions, StreamStatus } from './control';
export type { SnapshotOptions, SnapshotWhich } from './snapshot';
export type { Degradation, KernelStatus, StreamMode } from './protocol';
export type { FrameSource } from './source';
export type { QualityOptions } from './quality';
export type { StreamerLabels } from './display-options';
export type { RecordOptions } from './record-paths';
export type { Recording, RecordingResult } from './recording';
export type { RecordedFile } from '../rtc/record-protocol';
export type { ConnectionReport, CandidateCounts, CandidateType, TurnError } from './connection-report';

/**
 * The streamer for `key`: a new widget the first time, the same widget (same connection, options
 * updated) when a cell runs again with that key. Display it as the cell's last expression.
 */
export function webrtcStreamer(options: StreamerOptions): WebRtcStreamer {
  const streams = streamersByKey();
  const existing = streams.get(options?.key);
  if (existing && !existing.isClosed) return existing.update(options);
  const streamer = new WebRtcStreamer(options);
  streams.set(options.key, streamer);
  streamer.changes$.subscribe({ complete: () => streams.get(options.key) === streamer && streams.delete(options.key) });
  return streamer;
}
