/**
 * Runs cells with tslab's TypeScript engine (converter + executor, deep imports of a pinned
 * version). tslab reports through a console-like callback: `log` receives the last expression's
 * value, `error` receives either a compile diagnostic (a fixed format string) or a thrown value.
 * This class turns those into results the kernel can reply with.
 */
import * as ts from '@tslab/typescript-for-tslab';
import { createConverter, isCompleteCode, Converter } from 'tslab/dist/converter';
import { createExecutor, ConverterSet, Executor } from 'tslab/dist/executor';
import { printQuickInfo } from 'tslab/dist/inspect';
import { getCodeMetadata } from 'tslab/dist/metadata';
import { format } from 'util';
import { docsHidden, installDocHiding, restoreDocs } from './declaration-docs';
import { installTypeCheckerFallback } from './resolve';
import { expandShorthandProperties } from './shorthand';

const DIAGNOSTIC_FORMAT = '%s%d:%d - %s';

export interface ExecutionError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type ExecutionOutcome = { ok: true; hasValue: boolean; value?: unknown } | { ok: false; error: ExecutionError };

/**
 * Thrown by process.exit() while the engine runs: cells share the kernel's process, and exiting it
 * with the heartbeat worker's ZeroMQ socket open made zeromq abort (SIGABRT). Like ipykernel,
 * which turns `sys.exit()` in a cell into a SystemExit shown under the cell and keeps running,
 * the cell fails and the kernel keeps its state: a library calling exit (a CLI parser, a test
 * runner) must not cost the notebook every variable, and a deliberate restart is one click away.
 */
class ProcessExitError extends Error {
  constructor(code: string | number | null | undefined) {
    super(
      `process.exit() was called with code ${code ?? process.exitCode ?? 0}: the kernel keeps running; restart the kernel to start afresh`,
    );
    this.name = 'ProcessExit';
  }
}

export class TypeScriptEngine {
  private readonly realExit = process.exit;
  private readonly converters: { node?: Converter; browser?: Converter } = {};
  private readonly executor: Executor;
  /** Creates each converter on first use, and again after resetConverter(). */
  private readonly converterSet: ConverterSet;
  private diagnostics: string[] = [];
  private thrown: unknown[] = [];
  private lastValue: { value: unknown } | null = null;
  /** A `//%module:` cell's module lives only in the converter it was added to. */
  private modulesAdded = false;

  constructor(rootDir: string) {
    installTypeCheckerFallback(ts.sys as never);
    installDocHiding(ts.sys);
    process.exit = ((code?: string | number | null) => {
      throw new ProcessExitError(code);
    }) as typeof process.exit;
    const converters = this.converters;
    this.converterSet = {
      get node() {
        return (converters.node ??= createConverter({ isBrowser: false }));
      },
      get browser() {
        return (converters.browser ??= createConverter({ isBrowser: true }));
      },
      close() {
        converters.node?.close();
        converters.browser?.close();
      },
    };
    this.executor = createExecutor(rootDir, this.converterSet, {
      log: (value: unknown) => {
        this.lastValue = { value };
      },
      error: (...args: unknown[]) => {
        if (args[0] === DIAGNOSTIC_FORMAT) {
          this.diagnostics.push(format(...(args as [string, ...unknown[]])));
        } else {
          this.thrown.push(args.length === 1 ? args[0] : format(...args));
        }
      },
    });
  }

  /**
   * Builds the TypeScript program now (1-3 s cold) so the first cell does not pay for it. Does
   * nothing once a converter exists: a warm-up convert then would only delay the cell at hand.
   * The empty cell still runs check and emit once (compiled, and kept by the code cache); a cell
   * with a declaration made tslab update the program twice (about 40 ms more).
   */
  warm(): void {
    if (this.converters.node) return;
    this.converterSet.node.convert('', '');
  }

  async execute(code: string): Promise<ExecutionOutcome> {
    this.diagnostics = [];
    this.thrown = [];
    this.lastValue = null;
    if (getCodeMetadata(code).module) this.modulesAdded = true;
    const ok = await this.recovering(() => this.executor.execute(expandShorthandProperties(code)));
    if (ok) {
      const last = this.lastValue as { value: unknown } | null;
      return last ? { ok: true, hasValue: true, value: last.value } : { ok: true, hasValue: false };
    }
    return { ok: false, error: this.describeFailure() };
  }

  complete(code: string, cursor: number): { matches: string[]; cursor_start: number; cursor_end: number } {
    const info = this.recoveringSync(() => this.executor.complete(code, cursor));
    return { matches: info.candidates, cursor_start: info.start, cursor_end: info.end };
  }

  inspect(code: string, cursor: number): string | null {
    this.withDocs();
    const info = this.recoveringSync(() => this.executor.inspect(code, cursor));
    return info ? printQuickInfo(info) : null;
  }

  isComplete(code: string): { status: 'complete' } | { status: 'incomplete'; indent: string } {
    const result = isCompleteCode(code);
    return result.completed ? { status: 'complete' } : { status: 'incomplete', indent: result.indent ?? '' };
  }

  /** Ends an awaiting cell; a synchronously busy one is ended by SIGINT itself (breakOnSigint). */
  interrupt(): void {
    this.executor.interrupt();
  }

  /** Ends the engine; process.exit works again from here on (the kernel's own shutdown exits). */
  close(): void {
    process.exit = this.realExit;
    this.executor.close();
  }

  /**
   * tslab's converter fakes TypeScript's timers with a single slot and throws "Unexpected pending
   * rebuildTimer" forever once a watched file outside the cell changes (a package.json or .d.ts of
   * an imported package): TypeScript then arms a second timer. The converter is unusable from then
   * on, so it is rebuilt (cold, 2-3 s) and the request retried once. Cell declarations survive:
   * the executor keeps them and hands them to the new converter.
   */
  private async recovering<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.dropIfWedged(error);
      return run();
    }
  }

  private recoveringSync<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      this.dropIfWedged(error);
      return run();
    }
  }

  /**
   * The first inspection rebuilds the program with the declaration files' JSDoc (1-3 s, once):
   * see declaration-docs.ts. Not after a `//%module:` cell, whose module the rebuild would lose:
   * inspections then show types without documentation.
   */
  private withDocs(): void {
    if (!docsHidden() || this.modulesAdded) return;
    restoreDocs();
    this.drop('node');
    this.drop('browser');
  }

  /** Rethrows anything but the wedge; for the wedge, drops the converter so the retry builds a new one. */
  private dropIfWedged(error: unknown): void {
    if (!isWedged(error)) throw error;
    this.drop('node');
  }

  /** The next use builds the converter anew; the executor keeps the cells' declarations. */
  private drop(which: 'node' | 'browser'): void {
    try {
      this.converters[which]?.close();
    } catch {
      // a wedged converter may fail to close; it is dropped either way
    }
    this.converters[which] = undefined;
  }

  private describeFailure(): ExecutionError {
    if (this.diagnostics.length > 0) {
      return {
        ename: 'TypeScriptError',
        evalue: this.diagnostics.join('\n'),
        traceback: this.diagnostics,
      };
    }
    const thrown = this.thrown[0];
    if (thrown instanceof Error) {
      const interrupted =
        (thrown as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED' ||
        thrown.message === 'Interrupted asynchronously';
      if (interrupted) {
        // JupyterLab shows only the traceback: V8's stack of the interrupt would say nothing useful.
        return {
          ename: 'Interrupted',
          evalue: 'the cell was interrupted',
          traceback: ['Interrupted: the cell was interrupted'],
        };
      }
      return { ename: thrown.name, evalue: thrown.message, traceback: userStack(thrown) };
    }
    return { ename: 'Error', evalue: format(thrown), traceback: [`Uncaught ${format(thrown)}`] };
  }
}

function isWedged(error: unknown): boolean {
  return error instanceof Error && /^Unexpected pending rebuildTimer$|^clearing unexpected tiemr$/.test(error.message);
}

/**
 * The stack from the error line on, without the source-arrow V8 puts above errors thrown in vm
 * code and without the frames of node:vm and of the kernel, which only confuse a notebook user.
 */
function userStack(error: Error): string[] {
  const all = (error.stack ?? `${error.name}: ${error.message}`).split('\n');
  const start = Math.max(
    0,
    all.findIndex((line) => line.startsWith(`${error.name}:`) || line === error.name),
  );
  const lines = all.slice(start);
  const kernelFrame = lines.findIndex(
    (line, index) => index > 0 && /node:vm|tslab[\\/]dist[\\/]executor|[\\/]lib[\\/]kernel[\\/]/.test(line),
  );
  return kernelFrame > 0 ? lines.slice(0, kernelFrame) : lines;
}
