/**
 * The streamer's own log, shown in its widget: transform errors and what the transform code
 * prints. It exists because output that comes after a cell finished (every frame of a running
 * stream does) is sent under that cell, and JupyterLab drops it; the widget is where the user
 * looks at the stream anyway. Bounded in lines and line length (protocol.ts), synced to the
 * browser as the `log` trait at most every LOG_SYNC_MS.
 */
import { MAX_LOG_LINE_LENGTH, MAX_LOG_LINES } from './protocol';

/**
 * Most time between a line being logged and the browser seeing it, ms. A transform that prints on
 * every frame (30/s) would otherwise resend the whole log 30 times a second; 5 syncs a second
 * still reads as live.
 */
export const LOG_SYNC_MS = 200;

export class StreamerLog {
  private entries: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** A write without its newline yet (process.stdout.write("a"); ...("b\n")), bounded. */
  private partial = '';

  /** `sync` gets the current lines, at most every LOG_SYNC_MS after a change. */
  constructor(
    private readonly sync: (lines: string[]) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get lines(): readonly string[] {
    return this.entries;
  }

  /** Adds `text` (one or more lines), each line prefixed with the time and `label`. */
  add(text: string, label = ''): void {
    const prefix = `${clock(this.now())} ${label ? `${label} ` : ''}`;
    for (const line of text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n')) {
      this.entries.push(clip(prefix + line));
    }
    if (this.entries.length > MAX_LOG_LINES) this.entries.splice(0, this.entries.length - MAX_LOG_LINES);
    this.schedule();
  }

  /** Adds what the transform wrote to stdout/stderr, line by line as the lines complete. */
  write(name: 'stdout' | 'stderr', text: string): void {
    const all = this.partial + text;
    const end = all.lastIndexOf('\n');
    this.partial = clip(all.slice(end + 1));
    if (end >= 0) this.add(all.slice(0, end), name === 'stderr' ? 'stderr:' : '');
  }

  clear(): void {
    this.entries = [];
    this.partial = '';
    this.flush();
  }

  /** Syncs now (pending changes, or the cleared log). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sync([...this.entries]);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), LOG_SYNC_MS);
    // A pending sync must not keep a finished process alive.
    this.timer.unref?.();
  }
}

/** HH:MM:SS.mmm, local time: enough to match a line to what was happening. */
function clock(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/** At most MAX_LOG_LINE_LENGTH UTF-16 units, a cut line ending in "…" (no surrogate pair split). */
export function clip(line: string): string {
  if (line.length <= MAX_LOG_LINE_LENGTH) return line;
  let end = MAX_LOG_LINE_LENGTH - 1;
  if (/[\ud800-\udbff]/.test(line[end - 1])) end--;
  return `${line.slice(0, end)}…`;
}
