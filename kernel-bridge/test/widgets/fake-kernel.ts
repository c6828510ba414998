import {
  Comm,
  CommManager,
  CommMessage,
  CommOpenHandler,
  JSONObject,
  KernelApi,
  SendOptions,
  setKernelApi,
} from '../../src/kernel/api';
import { captureOutput } from '../../src/kernel/stdio';
import { widgetRegistry } from '../../src/widgets/registry';

export interface Sent {
  data: JSONObject;
  metadata: JSONObject;
  buffers: Buffer[];
}

/** Binary data inside the JSON part would be mangled by JSON.stringify on the real wire. */
function assertJson(value: unknown, path = 'data'): void {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw new Error(`binary value inside JSON at ${path}`);
  if (value === undefined) throw new Error(`undefined inside JSON at ${path}`);
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) assertJson(item, `${path}.${key}`);
  }
}

function toWire(data: JSONObject = {}, options: SendOptions = {}): Sent {
  assertJson(data);
  return {
    data: JSON.parse(JSON.stringify(data)),
    metadata: JSON.parse(JSON.stringify(options.metadata ?? {})),
    buffers: (options.buffers ?? []).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
  };
}

export class FakeComm implements Comm {
  readonly sent: Sent[] = [];
  closedWith: Sent | undefined;
  private messageHandlers: ((m: CommMessage) => void | Promise<void>)[] = [];
  private closeHandlers: ((m: CommMessage | null) => void)[] = [];
  private closed = false;

  constructor(
    readonly id: string,
    readonly targetName: string,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  send(data: JSONObject, options?: SendOptions): void {
    if (this.closed) throw new Error('send on a closed comm');
    this.sent.push(toWire(data, options));
  }

  close(data?: JSONObject, options?: SendOptions): void {
    if (this.closed) return;
    this.closed = true;
    this.closedWith = toWire(data, options);
    for (const handler of this.closeHandlers.splice(0)) handler(null);
  }

  onMessage(handler: (message: CommMessage) => void | Promise<void>): () => void {
    this.messageHandlers.push(handler);
    return () => (this.messageHandlers = this.messageHandlers.filter((h) => h !== handler));
  }

  onClose(handler: (message: CommMessage | null) => void): () => void {
    this.closeHandlers.push(handler);
    return () => (this.closeHandlers = this.closeHandlers.filter((h) => h !== handler));
  }

  /** A comm_msg from the frontend; data goes through JSON like the real wire. */
  receive(data: JSONObject, buffers: Buffer[] = []): void {
    const message = { data: JSON.parse(JSON.stringify(data)), metadata: {}, buffers };
    for (const handler of this.messageHandlers) void handler(message);
  }

  /** A comm_close from the frontend. */
  closeFromFrontend(): void {
    if (this.closed) return;
    this.closed = true;
    for (const handler of this.closeHandlers.splice(0)) handler({ data: {}, metadata: {}, buffers: [] });
  }

  /** Messages sent since the last call, with only their data. */
  take(): Sent[] {
    return this.sent.splice(0);
  }
}

export interface Opened extends Sent {
  comm: FakeComm;
}

export class FakeKernel implements KernelApi {
  readonly logs: string[] = [];
  readonly opened: Opened[] = [];
  readonly targets = new Map<string, CommOpenHandler>();
  registrations = 0;
  private byId = new Map<string, FakeComm>();
  private nextId = 1;

  readonly comms: CommManager = {
    registerTarget: (name, onOpen) => {
      this.registrations++;
      this.targets.set(name, onOpen);
      return () => {
        if (this.targets.get(name) === onOpen) this.targets.delete(name);
      };
    },
    open: (targetName, data, options = {}) => {
      const id = options.commId ?? `model-${this.nextId++}`;
      const comm = new FakeComm(id, targetName);
      this.byId.set(id, comm);
      this.opened.push({ comm, ...toWire(data, options) });
      return comm;
    },
    list: (targetName) =>
      [...this.byId.values()].filter((c) => !c.isClosed && (!targetName || c.targetName === targetName)),
  };

  display(): void {}

  onShutdown(_handler: () => void | Promise<void>): () => void {
    return () => undefined;
  }

  log(message: string): void {
    this.logs.push(message);
  }

  currentScope(): null {
    return null;
  }

  detached<T>(fn: () => T): T {
    return fn();
  }
  /** The kernel's own: captured writes reach the sink once redirectOutput (stdio.ts) is on. */
  readonly captureOutput = captureOutput;

  comm(id: string): FakeComm {
    const comm = this.byId.get(id);
    if (!comm) throw new Error(`no comm ${id}`);
    return comm;
  }

  /** The frontend opening a comm to one of our targets; undefined if the target is unknown. */
  openFromFrontend(targetName: string, data: JSONObject, metadata: JSONObject): FakeComm | undefined {
    const handler = this.targets.get(targetName);
    if (!handler) return undefined;
    const comm = new FakeComm(`frontend-${this.nextId++}`, targetName);
    void handler(comm, { data, metadata, buffers: [] });
    return comm;
  }
}

function installFakeKernel(): FakeKernel {
  const kernel = new FakeKernel();
  setKernelApi(kernel);
  return kernel;
}

/** A kernel with no widgets and no control target yet, as at the start of each test. */
export function freshKernel(): FakeKernel {
  const registry = widgetRegistry();
  registry.widgets.clear();
  delete registry.control;
  return installFakeKernel();
}
