/**
 * Why the session listens to `pagehide`: leaving or reloading the page does
 * not remove the widget views, so nothing else would tell the kernel to
 * release its peer at once. This file holds that one listener, installed
 * only while a session is active.
 */

export class PageExitStop {
  /** `stop` is called when the page is hidden while armed. */
  constructor(private readonly stop: () => void) {}

  /** Listens to `pagehide` while `active` (call on every session state change). */
  setActive(active: boolean): void {
    if (active && !this._listener) {
      this._listener = () => this.stop();
      window.addEventListener('pagehide', this._listener);
    } else if (!active && this._listener) {
      window.removeEventListener('pagehide', this._listener);
      this._listener = null;
    }
  }

  /** Stops listening. */
  dispose(): void {
    this.setActive(false);
  }

  private _listener: (() => void) | null = null;
}
