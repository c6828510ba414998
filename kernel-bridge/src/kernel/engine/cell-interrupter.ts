/**
 * Interrupts a cell that keeps the kernel's main thread busy, from a thread that stays
 * responsive (the control worker). Needed because a cell that loops after an `await` runs outside
 * vm's breakOnSigint and never gives the event loop back, so nothing on the main thread can end it.
 *
 * Through an inspector session on the main thread (Node dispatches its messages in a V8
 * interrupt, even while JavaScript spins) the main thread is paused and its stack read; only then
 * is anything ended, so the decision is made on a stopped thread:
 * - a cell's code on the stack, outside a vm run: Runtime.terminateExecution while paused, then
 *   resume. V8 unwinds the stack and cancels the termination when the outer-most call returns,
 *   so the event loop carries on (termination-recovery.ts keeps Node's async hooks consistent)
 *   and the kernel answers the cell "Interrupted" as for an endless
 *   await (the forwarded interrupt_request rejects the cell's wait). Cost: V8 also drops the
 *   microtasks queued behind the terminated one.
 * - inside a vm run (a synchronous cell): SIGINT to the process, which vm's breakOnSigint turns
 *   into the usual ERR_SCRIPT_EXECUTION_INTERRUPTED without unwinding the kernel's own frames.
 * - anything else (the kernel's own code, e.g. compiling a cell): nothing yet; tried again.
 * The main thread acknowledges each interrupt it handles; until it does, or until a cell was
 * ended, the probe is repeated.
 */
import { Session } from 'inspector';
import { BEFORE_TERMINATION_EXPRESSION } from './termination-recovery';

/** tslab runs each cell with vm.runInThisContext and no filename: V8 names such scripts so. */
const CELL_SCRIPT_URL = 'evalmachine.<anonymous>';
const VM_MODULE_URL = 'node:vm';
/** How long a responsive main thread takes at most to handle the forwarded interrupt_request. */
const GRACE_MS = 200;
const PAUSE_TIMEOUT_MS = 2000;
const MAX_ATTEMPTS = 25;

type Verdict = 'terminated' | 'signalled' | 'not-in-cell';

export class CellInterrupter {
  private readonly session = new Session();
  private acknowledged = true;
  private wake: (() => void) | null = null;
  private running = false;

  constructor(private readonly report: (message: string) => void) {
    this.session.connectToMainThread();
  }

  /** An interrupt_request arrived (it is also forwarded to the main thread). */
  interrupt(): void {
    this.acknowledged = false;
    if (!this.running) void this.run();
  }

  /** The main thread handled an interrupt: it is not stuck. */
  handled(): void {
    this.acknowledged = true;
    this.wake?.();
  }

  close(): void {
    this.handled();
    this.session.disconnect();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (await this.acknowledgedWithin(GRACE_MS)) return;
        const verdict = await this.probe();
        // Done: probing again before the main thread's acknowledgement arrives could stop the
        // next cell. Another stop press starts over if this did not unstick it.
        if (verdict !== 'not-in-cell') return this.report(`interrupt: the main thread was busy in a cell (${verdict})`);
      }
      this.report('interrupt: the main thread stayed busy outside any cell; gave up');
    } catch (error) {
      this.report(`interrupt: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running = false;
    }
  }

  private acknowledgedWithin(ms: number): Promise<boolean> {
    if (this.acknowledged) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(this.acknowledged);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve(true);
      };
    });
  }

  /** Pauses the main thread, reads its stack, ends the cell if one is running, resumes. */
  private async probe(): Promise<Verdict> {
    const urls = new Map<string, string>();
    const onScript = (message: { params: { scriptId: string; url: string } }) =>
      urls.set(message.params.scriptId, message.params.url);
    this.session.on('Debugger.scriptParsed', onScript);
    try {
      await this.post('Debugger.enable');
      const paused = new Promise<{ callFrames: { location: { scriptId: string } }[] } | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), PAUSE_TIMEOUT_MS);
        this.session.once('Debugger.paused', (message) => {
          clearTimeout(timer);
          resolve(message.params);
        });
      });
      await this.post('Debugger.pause');
      const stack = await paused;
      // No JavaScript ran on the main thread for a while: idle, so not stuck.
      if (!stack) return 'not-in-cell';
      const frameUrls = stack.callFrames.map((frame) => urls.get(frame.location.scriptId));
      const inCell = frameUrls.includes(CELL_SCRIPT_URL);
      const inVmRun = frameUrls.includes(VM_MODULE_URL);
      if (inCell && !inVmRun) {
        if (!(await this.evaluate(BEFORE_TERMINATION_EXPRESSION))) {
          await this.post('Debugger.resume');
          throw new Error('the main thread has no termination recovery installed');
        }
        // Answered only once the termination is over, which needs the thread resumed first.
        const terminated = this.post('Runtime.terminateExecution');
        await this.post('Debugger.resume');
        await terminated;
        return 'terminated';
      }
      await this.post('Debugger.resume');
      if (inCell) {
        process.kill(process.pid, 'SIGINT');
        return 'signalled';
      }
      return 'not-in-cell';
    } finally {
      this.session.off('Debugger.scriptParsed', onScript);
      await this.post('Debugger.disable').catch(() => undefined);
    }
  }

  private evaluate(expression: string): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.session.post('Runtime.evaluate', { expression, returnByValue: true }, (error, answer) =>
        error ? reject(error) : resolve(answer.result.value),
      ),
    );
  }

  private post(method: string): Promise<void> {
    return new Promise((resolve, reject) => this.session.post(method, (error) => (error ? reject(error) : resolve())));
  }
}
