/**
 * Where a recording goes: the notebook's `record({input, output})` paths and the record button's
 * default names, checked on the main thread before the worker opens anything, so that a path that
 * cannot be written is a clear error under the cell at once. Relative paths are resolved against
 * the kernel's working directory (the notebook's folder). An existing file is not replaced unless
 * the code says `overwrite: true` (a recording is easy to lose by re-running a cell).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { containerOf, MAX_RECORD_PATH_LENGTH, type RecordKind, type RecordTarget } from '../rtc/record-protocol';

export interface RecordOptions {
  /** File for what the browser sends (its VP8 as received: .webm; or H.264: .mp4). */
  input?: string;
  /** File for what the kernel sends back (after the transform). */
  output?: string;
  /** Replace existing files (default false: an existing file is an error). */
  overwrite?: boolean;
}

/**
 * The options checked and resolved (absolute paths); throws an Error saying what is wrong.
 * `audio`: the stream has audio, which the files then record too.
 */
export function recordTargets(
  options: RecordOptions,
  cwd: string,
  busy: ReadonlySet<string>,
  audio = false,
): RecordTarget[] {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('record() needs options: { input?: "in.webm", output?: "out.webm" }');
  }
  const unknown = Object.keys(options).filter((k) => !['input', 'output', 'overwrite'].includes(k));
  if (unknown.length) throw new TypeError(`record(): unknown option ${unknown.join(', ')} (input, output, overwrite)`);
  if (options.overwrite !== undefined && typeof options.overwrite !== 'boolean') {
    throw new TypeError('record(): overwrite must be true or false');
  }
  const overwrite = options.overwrite === true;
  const targets: RecordTarget[] = [];
  for (const kind of ['input', 'output'] as RecordKind[]) {
    const given = options[kind];
    if (given === undefined) continue;
    targets.push({ ...checkTarget(kind, given, cwd, overwrite, busy), audio });
  }
  if (!targets.length) throw new TypeError('record() needs input and/or output, e.g. { input: "in.webm" }');
  if (targets.length === 2 && targets[0].path === targets[1].path) {
    throw new Error(`record(): input and output are the same file (${targets[0].path})`);
  }
  return targets;
}

function checkTarget(
  kind: RecordKind,
  given: unknown,
  cwd: string,
  overwrite: boolean,
  busy: ReadonlySet<string>,
): Omit<RecordTarget, 'audio'> {
  if (typeof given !== 'string' || given === '') throw new TypeError(`record(): ${kind} must be a file name`);
  if (given.length > MAX_RECORD_PATH_LENGTH) {
    throw new Error(`record(): ${kind} is longer than ${MAX_RECORD_PATH_LENGTH} characters`);
  }
  if (given.includes('\0')) throw new Error(`record(): ${kind} contains a NUL character`);
  const container = containerOf(given);
  if (!container) {
    throw new Error(`record(): ${kind} "${given}" must end in .webm (VP8, kept as sent) or .mp4 (encoded to H.264)`);
  }
  const resolved = path.resolve(cwd, given);
  if (resolved.length > MAX_RECORD_PATH_LENGTH) {
    throw new Error(`record(): ${kind} resolves to a path longer than ${MAX_RECORD_PATH_LENGTH} characters`);
  }
  const dir = path.dirname(resolved);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`record(): cannot write ${given}: the folder ${dir} does not exist`);
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new Error(`record(): cannot write ${given}: no permission to write in ${dir}`);
  }
  if (busy.has(resolved)) throw new Error(`record(): ${given} is already being recorded`);
  if (existsSync(resolved)) {
    if (statSync(resolved).isDirectory()) throw new Error(`record(): ${given} is a folder`);
    if (!overwrite) throw new Error(`record(): ${given} exists (pass overwrite: true to replace it)`);
    try {
      accessSync(resolved, constants.W_OK);
    } catch {
      throw new Error(`record(): cannot write ${given}: no permission to replace it`);
    }
  }
  return { kind, path: resolved, container, overwrite };
}

/** The record button's file names: `<key>-<YYYYMMDD-HHMMSS>-input.webm` and `...-output.webm` in `cwd`. */
export function defaultRecordNames(key: string, now: Date): { input: string; output: string } {
  const safeKey =
    key
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[.]+/, '')
      .slice(0, 64) || 'stream';
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}-` +
    `${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  return { input: `${safeKey}-${stamp}-input.webm`, output: `${safeKey}-${stamp}-output.webm` };
}

/** How a recorded file is named to the notebook: relative to `cwd` when inside it, else absolute. */
export function shownPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
