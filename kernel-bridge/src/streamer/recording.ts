/**
 * A recording as the notebook holds it: `const rec = ctx.record({...})`, then `await rec.stop()`
 * (or `rec.done`, which settles however the recording ends: stop(), ctx.stop(), the stream
 * stopping, the widget closing, the kernel shutting down). Both give the finished files; a cell
 * showing the result gets links to them (JupyterLab resolves the relative links to its /files/ URL).
 */
import { MIME_BUNDLE, type Displayable, type MimeBundle } from '../kernel/api';
import type { RecordedFile, RecordTarget } from '../rtc/record-protocol';

/** What a recording wrote; `path` relative to the notebook's folder (absolute when outside it). */
export class RecordingResult implements Displayable {
  constructor(readonly files: RecordedFile[]) {}

  [MIME_BUNDLE](): MimeBundle {
    const lines = this.files.map(
      (f) =>
        `${f.kind}: ${f.path} (${f.frames} frames, ${(f.durationMs / 1000).toFixed(1)} s, ${Math.round(f.bytes / 1024)} KiB)`,
    );
    const items = this.files.map((f) => {
      const href = encodeURI(f.path).replace(/#/g, '%23').replace(/\?/g, '%3F');
      const about = `${f.frames} frames, ${(f.durationMs / 1000).toFixed(1)} s, ${Math.round(f.bytes / 1024)} KiB`;
      return `<li>${f.kind}: <a href="${escapeHtml(href)}" download>${escapeHtml(f.path)}</a> (${about})</li>`;
    });
    return {
      data: {
        'text/plain': lines.length ? lines.join('\n') : 'no files recorded',
        'text/html': items.length
          ? `<ul class="jp-webrtc-recording">${items.join('')}</ul>`
          : '<p>no files recorded</p>',
      },
    };
  }
}

export class Recording {
  /** Settles once the files are finalised: the files, or the reason recording failed. */
  readonly done: Promise<RecordingResult>;
  private settle!: { resolve: (r: RecordingResult) => void; reject: (e: Error) => void };
  private finished = false;

  /** @internal made by WebRtcStreamer.record() */
  constructor(
    readonly id: number,
    readonly targets: readonly RecordTarget[],
    private readonly requestStop: (rec: Recording) => void,
  ) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // a failure is reported under the cell that started the recording (WebRtcStreamer); awaiting it is optional
    this.done.catch(() => undefined);
  }

  /** Whether the files are still being written. */
  get active(): boolean {
    return !this.finished;
  }

  /** Finalises the files (trailers written) and resolves with them. */
  stop(): Promise<RecordingResult> {
    if (!this.finished) this.requestStop(this);
    return this.done;
  }

  /** @internal the worker finalised the files (or never opened them: `error`). */
  finish(files: RecordedFile[], error: string): void {
    if (this.finished) return;
    this.finished = true;
    if (error) this.settle.reject(Object.assign(new Error(error), { files }));
    else this.settle.resolve(new RecordingResult(files));
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
