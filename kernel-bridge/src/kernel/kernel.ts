/**
 * The kernel: reads requests from shell and control, answers them, and publishes on iopub.
 * Every request is wrapped in busy/idle parented to it (the widget manager's update throttle
 * waits for that idle). Cells run one after another; everything else is handled as it arrives,
 * in order, so a cell that awaits a widget value still receives the widget's messages.
 */
import type * as zmq from 'zeromq';
import { KernelApi, setKernelApi, CommMessage, DisplayOptions, JSONObject, Unsubscribe } from './api';
import { KernelCommManager } from './comms';
import type { ConnectionInfo } from './connection';
import { runWithParent } from './context';
import { toMimeBundle } from './display';
import { TypeScriptEngine } from './engine';
import { ExecutionQueue } from './execution-queue';
import { IopubPublisher } from './iopub';
import { redirectOutput, RedirectedOutput } from './output';
import { handleRequest, RequestContext, RequestError } from './requests';
import { Session } from './session';
import { saveTypeScriptCache } from './typescript-cache';
import { bindSockets, KernelSockets, SerialSender } from './sockets';
import { decodeMessage, DEFAULT_LIMITS, encodeMessage, JupyterMessage, Signer, WireError, WireLimits } from './wire';

type ReplyChannel = 'shell' | 'control';

export interface KernelOptions {
  connection: ConnectionInfo;
  /** Folder whose node_modules cells import from: the notebook's folder. */
  rootDir: string;
  limits?: WireLimits;
}

export class Kernel {
  private readonly queue = new ExecutionQueue();
  private readonly shutdownHandlers = new Set<() => void | Promise<void>>();
  private readonly history: [number, number, string][] = [];
  private readonly outputs = new Map<number, string>();
  private executionCount = 0;
  private shellChain: Promise<void> = Promise.resolve();
  private stopping = false;

  private constructor(
    private readonly session: Session,
    private readonly signer: Signer,
    private readonly sockets: KernelSockets,
    private readonly iopub: IopubPublisher,
    private readonly output: RedirectedOutput,
    private readonly engine: TypeScriptEngine,
    private readonly comms: KernelCommManager,
    private readonly limits: WireLimits,
  ) {}

  static async start(options: KernelOptions): Promise<Kernel> {
    const signer = new Signer(options.connection.key, options.connection.signature_scheme);
    let log: (message: string) => void = (message) => process.stderr.write(`${message}\n`);
    const sockets = await bindSockets(options.connection, (error) => log(`socket error: ${describe(error)}`));
    const session = new Session();
    const iopub = new IopubPublisher(session, sockets.senders.iopub, signer);
    const output = redirectOutput(iopub);
    log = output.log;
    const engine = new TypeScriptEngine(options.rootDir);
    const comms = new KernelCommManager(iopub, (what, error) => output.log(`${what}: ${describe(error)}`));
    const kernel = new Kernel(session, signer, sockets, iopub, output, engine, comms, options.limits ?? DEFAULT_LIMITS);
    setKernelApi(kernel.api());
    iopub.status('starting', undefined);
    void kernel.serve(sockets.shell, 'shell');
    void kernel.serve(sockets.control, 'control');
    void kernel.drainStdin(sockets.stdin);
    // Warm the TypeScript program while the frontend is still connecting, not on the first cell.
    setImmediate(() => {
      const started = Date.now();
      engine.warm();
      output.log(`TypeScript engine warm in ${Date.now() - started} ms`);
      saveTypeScriptCache();
    });
    return kernel;
  }

  get context(): RequestContext {
    return {
      engine: this.engine,
      comms: this.comms,
      history: this.history,
      outputs: this.outputs,
      executionCount: () => this.executionCount,
    };
  }

  /** SIGINT: end the running cell (an awaiting one; a looping one is ended by V8 itself). */
  interrupt(): void {
    this.engine.interrupt();
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const handler of [...this.shutdownHandlers]) {
      try {
        await Promise.race([handler(), new Promise((resolve) => setTimeout(resolve, 3000))]);
      } catch (error) {
        this.output.log(`shutdown handler: ${describe(error)}`);
      }
    }
    this.comms.closeAll();
    await this.iopub.drained();
    this.output.restore();
    await this.sockets.close();
    this.engine.close();
    setKernelApi(undefined);
  }

  private api(): KernelApi {
    return {
      comms: this.comms,
      display: (value: unknown, options: DisplayOptions = {}) =>
        this.iopub.displayData(toMimeBundle(value), options.displayId, options.update === true),
      onShutdown: (handler): Unsubscribe => {
        this.shutdownHandlers.add(handler);
        return () => this.shutdownHandlers.delete(handler);
      },
      log: (message: string) => this.output.log(message),
    };
  }

  private async serve(socket: zmq.Router, channel: ReplyChannel): Promise<void> {
    for await (const frames of socket) {
      let message: JupyterMessage;
      try {
        message = decodeMessage(frames, this.signer, this.limits);
      } catch (error) {
        this.rejectUndecodable(error, frames, channel);
        continue;
      }
      if (channel === 'shell' && message.header.msg_type === 'execute_request') {
        this.enqueueExecute(message);
      } else if (channel === 'shell') {
        this.shellChain = this.shellChain.then(() => this.handle(message, channel));
      } else {
        void this.handle(message, channel);
      }
    }
  }

  /** We never ask for input (allow_stdin is not supported); anything arriving is dropped. */
  private async drainStdin(socket: zmq.Router): Promise<void> {
    for await (const _frames of socket) {
      this.output.log('ignored a message on stdin: input requests are not supported');
    }
  }

  private rejectUndecodable(error: unknown, frames: Buffer[], channel: ReplyChannel): void {
    this.output.log(`dropped a ${channel} message: ${describe(error)}`);
    const header = error instanceof WireError ? error.header : undefined;
    if (!header || !header.msg_type.endsWith('_request')) return;
    const split = frames.findIndex((frame) => frame.toString() === '<IDS|MSG>');
    const request = { identities: frames.slice(0, split), header } as JupyterMessage;
    this.reply(request, channel, header.msg_type.replace(/_request$/, '_reply'), {
      status: 'error',
      ename: 'MalformedMessage',
      evalue: (error as Error).message,
      traceback: [],
    });
  }

  private async handle(message: JupyterMessage, channel: ReplyChannel): Promise<void> {
    await runWithParent(message.header, async () => {
      this.iopub.status('busy', message.header);
      try {
        await this.handleInContext(message, channel);
      } catch (error) {
        this.output.log(`${message.header.msg_type}: ${describe(error)}`);
        if (message.header.msg_type.endsWith('_request')) {
          this.reply(message, channel, message.header.msg_type.replace(/_request$/, '_reply'), {
            status: 'error',
            ename: error instanceof RequestError ? 'BadRequest' : 'KernelError',
            evalue: describe(error),
            traceback: [],
          });
        }
      } finally {
        this.iopub.status('idle', message.header);
      }
    });
  }

  private async handleInContext(message: JupyterMessage, channel: ReplyChannel): Promise<void> {
    const type = message.header.msg_type;
    switch (type) {
      case 'shutdown_request': {
        const restart = message.content.restart === true;
        this.reply(message, channel, 'shutdown_reply', { status: 'ok', restart });
        this.iopub.publish('shutdown_reply', { status: 'ok', restart });
        await this.shutdown();
        process.exit(0);
        return;
      }
      case 'interrupt_request':
        this.interrupt();
        this.reply(message, channel, 'interrupt_reply', { status: 'ok' });
        return;
      case 'comm_open':
      case 'comm_msg':
      case 'comm_close':
        await this.handleComm(message);
        return;
      case 'execute_request':
        throw new RequestError('execute_request is only accepted on the shell channel');
    }
    const reply = handleRequest(this.context, type, message.content);
    if (!reply) {
      this.output.log(`unknown msg_type ${type}`);
      if (type.endsWith('_request')) {
        throw new RequestError(`unknown message type ${JSON.stringify(type)}`);
      }
      return;
    }
    this.reply(message, channel, reply.type, reply.content);
  }

  private async handleComm(message: JupyterMessage): Promise<void> {
    const { comm_id: commId, data = {}, target_name: targetName } = message.content as JSONObject;
    if (typeof commId !== 'string' || typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new RequestError(`${message.header.msg_type} needs a string comm_id and an object data`);
    }
    const commMessage: CommMessage = { data: data as JSONObject, metadata: message.metadata, buffers: message.buffers };
    switch (message.header.msg_type) {
      case 'comm_open':
        if (typeof targetName !== 'string') throw new RequestError('comm_open needs a string target_name');
        await this.comms.handleOpen(commId, targetName, commMessage);
        return;
      case 'comm_msg':
        await this.comms.handleMessage(commId, commMessage);
        return;
      default:
        this.comms.handleClose(commId, commMessage);
    }
  }

  private enqueueExecute(message: JupyterMessage): void {
    this.queue.push({
      run: () =>
        runWithParent(message.header, async () => {
          this.iopub.status('busy', message.header);
          try {
            return await this.execute(message);
          } finally {
            this.iopub.status('idle', message.header);
          }
        }),
      abort: () =>
        runWithParent(message.header, () => {
          this.iopub.status('busy', message.header);
          this.reply(message, 'shell', 'execute_reply', { status: 'aborted', execution_count: null });
          this.iopub.status('idle', message.header);
        }),
    });
  }

  private async execute(message: JupyterMessage): Promise<{ failed: boolean; stopOnError: boolean }> {
    const content = message.content;
    const stopOnError = content.stop_on_error !== false;
    if (typeof content.code !== 'string') {
      this.reply(message, 'shell', 'execute_reply', {
        status: 'error',
        ename: 'BadRequest',
        evalue: 'execute_request needs a string code',
        traceback: [],
        execution_count: this.executionCount,
      });
      return { failed: true, stopOnError };
    }
    const code = content.code;
    const silent = content.silent === true;
    const storeHistory = !silent && content.store_history !== false;
    if (storeHistory) this.executionCount += 1;
    const count = this.executionCount;
    if (!silent) this.iopub.publish('execute_input', { code, execution_count: count });
    if (storeHistory) this.history.push([0, count, code]);

    // A cell may keep the main thread busy: busy and execute_input must be on the wire first.
    await this.iopub.drained();
    let outcome: Awaited<ReturnType<TypeScriptEngine['execute']>>;
    try {
      outcome = await this.engine.execute(code);
    } catch (error) {
      // The engine itself failed (not the cell): still answer, or the frontend waits forever.
      outcome = { ok: false, error: { ename: 'KernelError', evalue: describe(error), traceback: [`kernel error: ${describe(error)}`] } };
    }
    let failure = outcome.ok ? null : outcome.error;
    if (outcome.ok && outcome.hasValue && !silent) {
      try {
        const bundle = toMimeBundle(outcome.value);
        this.iopub.publish('execute_result', { execution_count: count, data: bundle.data, metadata: bundle.metadata ?? {} });
        const text = bundle.data['text/plain'];
        if (storeHistory && typeof text === 'string') this.outputs.set(count, text);
      } catch (error) {
        failure = { ename: 'DisplayError', evalue: describe(error), traceback: [`could not display the result: ${describe(error)}`] };
      }
    }
    if (failure) {
      this.iopub.publish('error', failure);
      this.reply(message, 'shell', 'execute_reply', { status: 'error', execution_count: count, ...failure });
      return { failed: true, stopOnError };
    }
    this.reply(message, 'shell', 'execute_reply', {
      status: 'ok',
      execution_count: count,
      user_expressions: {},
      payload: [],
    });
    return { failed: false, stopOnError };
  }

  private reply(request: JupyterMessage, channel: ReplyChannel, type: string, content: object): void {
    const message = this.session.message(type, content, request.header, { identities: request.identities });
    const sender: SerialSender = this.sockets.senders[channel];
    void sender.send(encodeMessage(message, this.signer));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
