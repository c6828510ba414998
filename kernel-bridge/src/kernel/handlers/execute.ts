/**
 * execute_request: cells run one at a time through the execution queue; each publishes
 * execute_input, then its result or its error, and is answered with execute_reply. The execution
 * count lives here; stored cells and their results go to the history. A request that names its
 * notebook cell (`metadata.cellId`, sent by JupyterLab 4) runs in that cell's scope, and disposes
 * what the cell's previous run started (see ../scope/cell-scope.ts).
 */
import { toMimeBundle } from '../display';
import type { ExecutionError, ExecutionOutcome, TypeScriptEngine } from '../engine/engine';
import type { History } from '../history';
import { CellScopeImpl, CellScopes, runInScope } from '../scope/cell-scope';
import type { IopubPublisher } from '../transport/iopub';
import type { ReplySender } from '../transport/replies';
import type { JupyterMessage } from '../transport/wire';
import { whileBusy } from './busy-status';
import { errorContent, errorReply, requestFailure, RequestError } from './error-reply';
import { ExecutionQueue } from './execution-queue';

export class ExecuteHandler {
  private readonly queue = new ExecutionQueue();
  private executionCount = 0;

  constructor(
    private readonly engine: TypeScriptEngine,
    private readonly iopub: IopubPublisher,
    private readonly replies: ReplySender,
    private readonly history: History,
    private readonly scopes: CellScopes,
  ) {}

  /** Queues the cell; when its turn comes it runs, or is answered "aborted" after a failed cell. */
  enqueue(message: JupyterMessage): void {
    this.queue.push({
      run: () => whileBusy(this.iopub, message.header, () => this.execute(message)),
      abort: () =>
        whileBusy(this.iopub, message.header, () =>
          this.replies.send(message, 'shell', 'execute_reply', { status: 'aborted', execution_count: null }),
        ),
    });
  }

  private async execute(message: JupyterMessage): Promise<void> {
    const content = message.content;
    const stopOnError = content.stop_on_error !== false;
    if (typeof content.code !== 'string') {
      const failure = requestFailure(new RequestError('execute_request needs a string code'));
      if (stopOnError) this.queue.abortWaiting();
      this.replies.send(
        message,
        'shell',
        'execute_reply',
        errorReply(failure, { execution_count: this.executionCount }),
      );
      return;
    }
    const code = content.code;
    const silent = content.silent === true;
    const storeHistory = !silent && content.store_history !== false;
    if (storeHistory) this.executionCount += 1;
    const count = this.executionCount;
    if (!silent) this.iopub.publish('execute_input', { code, execution_count: count });
    if (storeHistory) this.history.recordInput(count, code);

    // A cell may keep the main thread busy: busy and execute_input must be on the wire first.
    await this.iopub.drained();
    const scope = this.beginScope(message);
    let outcome: ExecutionOutcome;
    try {
      outcome = await (scope ? runInScope(scope, () => this.engine.execute(code)) : this.engine.execute(code));
    } catch (error) {
      // The engine itself failed (not the cell): still answer, or the frontend waits forever.
      outcome = { ok: false, error: errorContent('KernelError', error, 'kernel error') };
    }
    let failure: ExecutionError | null = outcome.ok ? null : outcome.error;
    if (outcome.ok && outcome.hasValue && !silent) {
      try {
        const bundle = toMimeBundle(outcome.value);
        this.iopub.publish('execute_result', {
          execution_count: count,
          data: bundle.data,
          metadata: bundle.metadata ?? {},
        });
        const text = bundle.data['text/plain'];
        if (storeHistory && typeof text === 'string') this.history.recordOutput(count, text);
      } catch (error) {
        failure = errorContent('DisplayError', error, 'could not display the result');
      }
    }
    if (failure) {
      this.iopub.publish('error', failure);
      if (stopOnError) this.queue.abortWaiting();
      this.replies.send(message, 'shell', 'execute_reply', errorReply(failure, { execution_count: count }));
      return;
    }
    this.replies.send(message, 'shell', 'execute_reply', {
      status: 'ok',
      execution_count: count,
      user_expressions: {},
      payload: [],
    });
  }

  /**
   * JupyterLab sends `cellId` and the ids of cells deleted since its last request
   * (`deletedCells`). Without a cell id (a console, the conformance suite) nothing is scoped.
   */
  private beginScope(message: JupyterMessage): CellScopeImpl | null {
    const { cellId, deletedCells } = message.metadata;
    if (Array.isArray(deletedCells)) {
      for (const id of deletedCells) if (typeof id === 'string') this.scopes.end(id);
    }
    return typeof cellId === 'string' && cellId !== '' ? this.scopes.begin(cellId) : null;
  }
}
