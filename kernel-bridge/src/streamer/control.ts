/**
 * Control of a stream from the notebook: `status$` (the kernel's state and the browser's, each with
 * its reason) and `start()`, which asks the browser to start a session as its Start button does and
 * waits for the outcome. Kept out of streamer.ts, which wires it to the comm and the peer.
 */
import { BehaviorSubject, filter, firstValueFrom, Observable, Subject, take, timeout } from 'rxjs';
import type { KernelStatus } from './protocol';

/** One state change of the stream, on either side. */
export interface StreamStatus {
  /** The state word: 'idle', 'connecting', 'playing', 'stopped' or 'error'. */
  state: KernelStatus;
  /** Why ("" when there is nothing to say), e.g. "camera access denied: ..." or "stopped by the user". */
  reason: string;
  /**
   * 'kernel': the kernel's peer (also the `kernel_status` trait); 'browser': the browser's session
   * (camera, ICE, answer timeout), as its status line shows it.
   */
  side: 'kernel' | 'browser';
}

export interface StartOptions {
  /** How long to wait for the stream to play, ms (default START_TIMEOUT_MS: 60 s, time for a permission prompt). */
  timeoutMs?: number;
}

/** start()'s default wait: the browser's answer timeout is 30 s, and a person may be reading a permission prompt. */
const START_TIMEOUT_MS = 60_000;
const MAX_START_TIMEOUT_MS = 600_000;

export class StreamControl {
  private readonly latest: BehaviorSubject<StreamStatus>;
  private readonly changes = new Subject<StreamStatus>();
  /** Why the kernel's status is what it is; set just before each change of the trait. */
  kernelReason = '';

  constructor(
    kernelStatus$: Observable<KernelStatus>,
    initial: KernelStatus,
    private readonly requestStart: () => void,
  ) {
    this.latest = new BehaviorSubject<StreamStatus>({ state: initial, reason: '', side: 'kernel' });
    kernelStatus$.subscribe((state) =>
      this.push({ state, reason: state === 'playing' ? '' : this.kernelReason, side: 'kernel' }),
    );
  }

  /** The latest status of either side first, then every change. */
  get status$(): Observable<StreamStatus> {
    return this.latest.asObservable();
  }

  /** The browser's session changed state (its `browser_status` message). */
  browser(state: KernelStatus, detail: string): void {
    this.push({ state, reason: detail, side: 'browser' });
  }

  /**
   * Asks the browser to start and resolves once the kernel's peer plays; rejects with the browser's
   * reason when its session fails or stops first (camera denied, no widget shown...), or after
   * `timeoutMs` without an outcome (no browser shows the notebook).
   */
  async start(playing: boolean, options: StartOptions = {}): Promise<void> {
    const timeoutMs = options?.timeoutMs ?? START_TIMEOUT_MS;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_START_TIMEOUT_MS)) {
      throw new RangeError(`start(): timeoutMs must be a number of ms in 1..${MAX_START_TIMEOUT_MS}`);
    }
    if (playing) return;
    // A browser 'stopped' counts only once the browser has begun a session since this request: the
    // end of the session before it (`await ctx.stop(); await ctx.start()`) arrives afterwards and is
    // not this start's outcome. A browser 'error' always counts: the browser may refuse at once
    // (no view of the widget shown) without beginning a session.
    let began = false;
    const outcome = firstValueFrom(
      this.changes.pipe(
        filter((s) => {
          if (s.side === 'browser' && s.state === 'connecting') began = true;
          return (
            (s.side === 'kernel' && (s.state === 'playing' || s.state === 'error')) ||
            (s.side === 'browser' && (s.state === 'error' || (s.state === 'stopped' && began)))
          );
        }),
        take(1),
        timeout({
          first: timeoutMs,
          with: () => {
            throw new Error(
              `start(): the stream did not start within ${timeoutMs / 1000} s: is the notebook open in a browser, with the widget shown?`,
            );
          },
        }),
      ),
    );
    this.requestStart();
    const status = await outcome;
    if (status.state === 'playing') return;
    const where = status.side === 'browser' ? 'the browser' : 'the kernel';
    throw new Error(`start(): ${where} could not start the stream: ${status.reason || status.state}`);
  }

  close(): void {
    this.changes.complete();
    this.latest.complete();
  }

  private push(status: StreamStatus): void {
    this.latest.next(status);
    this.changes.next(status);
  }
}
