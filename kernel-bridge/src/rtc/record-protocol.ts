/**
 * Recording, as the media worker sees it: what the main thread asks (record_start / record_stop)
 * and what the worker reports back (record_done) when a recording's files are finalised. Kept apart
 * from protocol.ts so the recorder's messages read in one place. Paths arrive absolute and checked
 * (streamer/record-paths.ts); the worker checks the shape again, since it opens what it is given.
 */

/** What is recorded: the browser's video as received, or what the kernel sends back. */
export type RecordKind = 'input' | 'output';
/** The container, from the file's extension: WebM remuxes VP8, MP4 encodes H.264. */
export type RecordContainer = 'webm' | 'mp4';

export interface RecordTarget {
  kind: RecordKind;
  /** Absolute path of the file (of its first segment, see RecordedFile). */
  path: string;
  container: RecordContainer;
  /** Replace an existing file (else the worker refuses it too: it opens with "must not exist"). */
  overwrite: boolean;
  /** Record the stream's audio too (Opus), fed through Recorders.inputAudio / outputAudio. */
  audio: boolean;
}

/** One finished file. A WebM recording whose frame size changed continues in `<name>-2.webm`, ... */
export interface RecordedFile {
  path: string;
  kind: RecordKind;
  /** Video frames written. */
  frames: number;
  /** From the first frame's time to the last frame's end, ms. */
  durationMs: number;
  bytes: number;
}

/** Most targets per recording (one input, one output). */
const MAX_RECORD_TARGETS = 2;
/** Longest path accepted, UTF-16 code units (Linux PATH_MAX is 4096 bytes). */
export const MAX_RECORD_PATH_LENGTH = 1024;

/** The extension's container, or null for one we do not write. */
export function containerOf(path: string): RecordContainer | null {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === 'webm' ? 'webm' : ext === 'mp4' ? 'mp4' : null;
}

/** `targets` checked at the worker's boundary; throws a clear Error. */
export function checkRecordTargets(targets: unknown): RecordTarget[] {
  if (!Array.isArray(targets) || targets.length < 1 || targets.length > MAX_RECORD_TARGETS) {
    throw new Error(`a recording needs 1 to ${MAX_RECORD_TARGETS} targets`);
  }
  return targets.map((t: Partial<RecordTarget>) => {
    if (typeof t !== 'object' || t === null) throw new Error('record target must be an object');
    if (t.kind !== 'input' && t.kind !== 'output') throw new Error('record target kind must be input or output');
    const path = t.path;
    if (
      typeof path !== 'string' ||
      !path.startsWith('/') ||
      path.length > MAX_RECORD_PATH_LENGTH ||
      path.includes('\0')
    ) {
      throw new Error(`record target path must be absolute, at most ${MAX_RECORD_PATH_LENGTH} characters, no NUL`);
    }
    const container = containerOf(path);
    if (!container || container !== t.container) throw new Error(`record target ${path}: not a .webm or .mp4 file`);
    return { kind: t.kind, path, container, overwrite: t.overwrite === true, audio: t.audio === true };
  });
}
