/**
 * Cell scopes: re-running a notebook cell replaces what its previous run started, as in Observable
 * notebooks. Each JupyterLab cell id (`metadata.cellId` of execute_request) owns one scope per run;
 * when an execute_request with the same cell id starts, the previous scope is disposed. The scope
 * is kept in AsyncLocalStorage, so callbacks the cell started (timers, promise continuations,
 * subscription callbacks) still belong to it. What registers itself is decided in ./hooks.ts.
 */
import { SuspendableStorage } from '../async-context';
import { errorMessage } from '../../errors';
import type { CellScope, Teardown, Unsubscribe } from '../api';

const storage = new SuspendableStorage<CellScopeImpl>();

function runTeardown(teardown: Teardown): void {
  if (typeof teardown === 'function') teardown();
  else teardown.unsubscribe();
}

export class CellScopeImpl implements CellScope {
  private readonly teardowns = new Set<Teardown>();
  private isDisposed = false;

  constructor(
    readonly cellId: string,
    private readonly log: (message: string) => void,
  ) {}

  get disposed(): boolean {
    return this.isDisposed;
  }

  get size(): number {
    return this.teardowns.size;
  }

  add(teardown: Teardown): Unsubscribe {
    if (this.isDisposed) {
      // A straggler of the previous run (e.g. an await that resumed late): end it at once.
      this.run(teardown);
      return () => undefined;
    }
    // Wrapped so that the same function added twice is two registrations, removed one by one.
    const entry: Teardown = () => runTeardown(teardown);
    this.teardowns.add(entry);
    return () => {
      this.teardowns.delete(entry);
    };
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    const all = [...this.teardowns];
    this.teardowns.clear();
    for (const teardown of all) this.run(teardown);
  }

  private run(teardown: Teardown): void {
    try {
      runTeardown(teardown);
    } catch (error) {
      // One failing teardown must not keep the others (or the new run) from happening.
      this.log(`cell ${this.cellId}: teardown failed: ${errorMessage(error)}`);
    }
  }
}

/** The latest scope of every cell id that ran in this kernel. */
export class CellScopes {
  private readonly byCell = new Map<string, CellScopeImpl>();

  constructor(private readonly log: (message: string) => void) {}

  /** Disposes what the cell's previous run started and opens the scope of its new run. */
  begin(cellId: string): CellScopeImpl {
    this.end(cellId);
    const scope = new CellScopeImpl(cellId, this.log);
    this.byCell.set(cellId, scope);
    return scope;
  }

  /** Disposes a cell's scope: it ran again, or was deleted from the notebook. */
  end(cellId: string): void {
    const scope = this.byCell.get(cellId);
    this.byCell.delete(cellId);
    scope?.dispose();
  }

  get(cellId: string): CellScopeImpl | undefined {
    return this.byCell.get(cellId);
  }
}

export function runInScope<T>(scope: CellScopeImpl, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentScope(): CellScopeImpl | null {
  return storage.getStore() ?? null;
}

export function detached<T>(fn: () => T): T {
  return storage.exit(fn);
}
