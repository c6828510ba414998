/**
 * ctx.diagnose(): asks the browser for its connection doctor report and waits for the next one
 * (the browser also sends one on its own after a failure and once connected). Keeps the latest, so
 * a report is still there when the widget is no longer shown.
 */
import type { ConnectionReport } from './connection-report';

/** How long diagnose() waits for a browser to answer before it settles for the latest report. */
const DIAGNOSE_TIMEOUT_MS = 5000;

interface Waiter {
  resolve: (report: ConnectionReport) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class ConnectionReports {
  private last: ConnectionReport | null = null;
  private waiters = new Set<Waiter>();

  /** The latest report, or null before any. */
  get latest(): ConnectionReport | null {
    return this.last;
  }

  /** A report from the browser: kept, and handed to every waiting diagnose(). */
  arrived(report: ConnectionReport): void {
    this.last = report;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(report);
    }
    this.waiters.clear();
  }

  /**
   * The next report after `ask()` (which sends the request); after `timeoutMs` without one the
   * latest, or a rejection saying that no browser answered.
   */
  next(ask: () => void, timeoutMs = DIAGNOSE_TIMEOUT_MS): Promise<ConnectionReport> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          if (this.last) resolve(this.last);
          else
            reject(
              new Error(
                `diagnose(): no browser sent a connection report within ${timeoutMs / 1000} s: display the widget and press Start`,
              ),
            );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
      ask();
    });
  }

  /** The widget closed: pending diagnose() calls reject. */
  close(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('diagnose(): the widget was closed'));
    }
    this.waiters.clear();
  }
}
