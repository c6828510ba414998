/**
 * The kernel as a whole, and nothing else: binds the sockets, builds the parts (iopub, engine,
 * comms, history, handlers) and connects them, publishes the KernelApi, and owns the lifecycle
 * (start, interrupt, shutdown). The work itself is done in transport/, handlers/ and engine/.
 */
import { errorMessage } from '../errors';
import { KernelApi, setKernelApi, DisplayOptions, Unsubscribe } from './api';
import { toMimeBundle } from './display';
import { TypeScriptEngine } from './engine/engine';
import { saveTypeScriptCache } from './engine/typescript-cache';
import { KernelCommManager } from './handlers/comms';
import { ExecuteHandler } from './handlers/execute';
import { MessageRouter } from './handlers/router';
import { History } from './history';
import { CellScopes, currentScope, detached } from './scope/cell-scope';
import { installScopeHooks } from './scope/hooks';
import { captureOutput, redirectOutput, RedirectedOutput } from './stdio';
import type { ConnectionInfo } from './transport/connection-file';
import { IopubPublisher } from './transport/iopub';
import { ignoreStdin, receiveMessages } from './transport/receive';
import { SeenSignatures } from './transport/replay';
import { ReplySender } from './transport/replies';
import { Session } from './transport/session';
import { bindSockets, KernelSockets } from './transport/sockets';
import { decodeMessage, DEFAULT_LIMITS, Signer, WireLimits } from './transport/wire';

export interface KernelOptions {
  connection: ConnectionInfo;
  /** Folder whose node_modules cells import from: the notebook's folder. */
  rootDir: string;
  limits?: WireLimits;
  /** Cap on comms the frontend opens; KernelCommManager's MAX_OPEN_COMMS when not given. */
  maxOpenComms?: number;
}

export class Kernel {
  private readonly shutdownHandlers = new Set<() => void | Promise<void>>();
  private stopping = false;

  private constructor(
    private readonly sockets: KernelSockets,
    private readonly iopub: IopubPublisher,
    private readonly output: RedirectedOutput,
    private readonly engine: TypeScriptEngine,
    private readonly comms: KernelCommManager,
  ) {}

  static async start(options: KernelOptions): Promise<Kernel> {
    const signer = new Signer(options.connection.key, options.connection.signature_scheme);
    let log: (message: string) => void = (message) => process.stderr.write(`${message}\n`);
    const limits = options.limits ?? DEFAULT_LIMITS;
    const binding = bindSockets(options.connection, (error) => log(`socket error: ${errorMessage(error)}`), {
      limits,
      log: (message) => log(message),
    });
    const engine = new TypeScriptEngine(options.rootDir);
    let sockets: KernelSockets;
    try {
      // The first cell cannot run before the TypeScript program exists: building it now, while the
      // control thread boots on another core and the frontend connects, leaves no core idle.
      warmEngine(engine, log);
      sockets = await binding;
    } catch (error) {
      engine.close(); // gives process.exit back, so a kernel that cannot bind exits
      throw error;
    }
    const session = new Session();
    const iopub = new IopubPublisher(session, sockets.senders.iopub, signer);
    const output = redirectOutput(iopub);
    log = output.log;
    const comms = new KernelCommManager(
      iopub,
      (what, error) => output.log(`${what}: ${errorMessage(error)}`),
      options.maxOpenComms,
    );
    const kernel = new Kernel(sockets, iopub, output, engine, comms);
    const replies = new ReplySender(session, signer, sockets.senders);
    const history = new History();
    installScopeHooks();
    const router = new MessageRouter({
      iopub,
      replies,
      comms,
      execute: new ExecuteHandler(engine, iopub, replies, history, new CellScopes(output.log)),
      requests: { engine, comms, history },
      log: output.log,
      interrupt: () => kernel.interrupt(),
      shutdown: () => kernel.shutdown(),
    });
    setKernelApi(kernel.api());
    iopub.status('starting', undefined);
    // One set for both channels, as jupyter_client keeps one per Session.
    const seen = new SeenSignatures();
    const decode = (frames: Buffer[]) => decodeMessage(frames, signer, limits, seen);
    for (const channel of ['shell', 'control'] as const) {
      receiveMessages(
        sockets[channel],
        decode,
        (message) => router.route(message, channel),
        (error, frames) => router.rejectUndecodable(error, frames, channel),
      ).catch((error) => output.log(`${channel} channel stopped: ${errorMessage(error)}`));
    }
    ignoreStdin(sockets.stdin, output.log).catch((error) =>
      output.log(`stdin channel stopped: ${errorMessage(error)}`),
    );
    return kernel;
  }

  /**
   * interrupt_request or SIGINT: end the running cell (an awaiting one; a looping one is ended
   * by V8 itself, or by the control worker). Telling the worker the main thread got here keeps
   * it from stopping a thread that is not stuck.
   */
  interrupt(): void {
    this.engine.interrupt();
    this.sockets.control.acknowledgeInterrupt();
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const handler of [...this.shutdownHandlers]) {
      try {
        await Promise.race([handler(), new Promise((resolve) => setTimeout(resolve, 3000))]);
      } catch (error) {
        this.output.log(`shutdown handler: ${errorMessage(error)}`);
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
      currentScope,
      detached,
      captureOutput,
    };
  }
}

/** A warm-up that fails only costs the first cell its head start; that cell then reports the error. */
function warmEngine(engine: TypeScriptEngine, log: (message: string) => void): void {
  const started = Date.now();
  try {
    engine.warm();
    log(`TypeScript engine warm in ${Date.now() - started} ms`);
    saveTypeScriptCache();
  } catch (error) {
    log(`TypeScript engine warm-up failed: ${errorMessage(error)}`);
  }
}
