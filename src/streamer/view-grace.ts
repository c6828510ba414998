/**
 * Why a session outlives its views for a while: a re-run cell clears its
 * output (removing the view) before it displays the same model again. This
 * file counts a model's views and stops the session only when none has shown
 * it for a grace period (longer while the kernel is busy, within a bound).
 */

export interface IViewGraceOptions {
  /** True while a session is connecting or playing (nothing to stop otherwise). */
  isActive(): boolean;
  /** True while the kernel is busy (e.g. still running the re-run cell). */
  isKernelBusy(): boolean;
  /** The grace period (ms), read each time a wait starts. */
  graceMs(): number;
  /** How long a missing view is tolerated while the kernel is busy (ms). */
  busyWaitMs(): number;
  /** Stops the session: no view has shown it for the grace period. */
  stop(): void;
}

export class ViewGrace {
  constructor(private readonly options: IViewGraceOptions) {}

  /** The number of views currently attached. */
  get count(): number {
    return this._views.size;
  }

  /** A view now shows the session (cancels a pending stop). */
  attach(view: unknown): void {
    this._views.add(view);
    this.cancel();
  }

  /**
   * A view was removed. When it was the last one and a session is active,
   * the session stops after the grace period unless a view is attached
   * before; while the kernel is busy the wait is renewed, up to
   * `busyWaitMs` after the removal. Removing an unknown view does nothing.
   */
  detach(view: unknown): void {
    if (!this._views.delete(view) || this._views.size > 0 || !this.options.isActive()) {
      return;
    }
    this.cancel();
    const removedAt = Date.now();
    const check = () => {
      this._timer = null;
      if (this._views.size > 0) {
        return;
      }
      // A re-running cell clears its output first and shows the widget when it
      // finishes, which may take longer than the grace period (type-checking on
      // a busy machine): wait while the kernel is busy, within a bound.
      const waited = Date.now() - removedAt;
      if (this.options.isKernelBusy() && waited < this.options.busyWaitMs()) {
        this._timer = setTimeout(check, this.options.graceMs());
        return;
      }
      this.options.stop();
    };
    this._timer = setTimeout(check, this.options.graceMs());
  }

  /** Cancels a pending stop (the session ended, or a view came back). */
  cancel(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _views = new Set<unknown>();
  private _timer: ReturnType<typeof setTimeout> | null = null;
}
