/**
 * Comms in both directions: the CommManager of the kernel API, and the handler of comm_open,
 * comm_msg and comm_close. Kernel-to-frontend traffic goes out on iopub; frontend-to-kernel
 * traffic arrives on shell and is dispatched here. Comm handlers that throw are reported to the
 * kernel log and never reach the socket loop.
 */
import { randomUUID } from 'crypto';
import type { Comm, CommManager, CommMessage, CommOpenHandler, JSONObject, SendOptions, Unsubscribe } from '../api';
import type { IopubPublisher } from '../transport/iopub';
import type { JupyterMessage } from '../transport/wire';
import { RequestError } from './error-reply';

type MessageHandler = (message: CommMessage) => void | Promise<void>;
type CloseHandler = (message: CommMessage | null) => void;

function toBuffers(views: readonly ArrayBufferView[] | undefined): Buffer[] {
  if (!views) return [];
  return views.map((view) =>
    Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength),
  );
}

class KernelComm implements Comm {
  private readonly messageHandlers = new Set<MessageHandler>();
  private readonly closeHandlers = new Set<CloseHandler>();
  private closed = false;

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly iopub: IopubPublisher,
    private readonly forget: (id: string) => void,
    private readonly report: (what: string, error: unknown) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  send(data: JSONObject, options: SendOptions = {}): void {
    if (this.closed) throw new Error(`comm ${this.id} (${this.targetName}) is closed`);
    this.iopub.publish('comm_msg', { comm_id: this.id, data }, undefined, toBuffers(options.buffers), options.metadata);
  }

  close(data: JSONObject = {}, options: SendOptions = {}): void {
    if (this.closed) return;
    this.iopub.publish(
      'comm_close',
      { comm_id: this.id, data },
      undefined,
      toBuffers(options.buffers),
      options.metadata,
    );
    this.closeLocally(null);
  }

  onMessage(handler: MessageHandler): Unsubscribe {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  onClose(handler: CloseHandler): Unsubscribe {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  async deliver(message: CommMessage): Promise<void> {
    for (const handler of [...this.messageHandlers]) {
      try {
        await handler(message);
      } catch (error) {
        this.report(`comm ${this.targetName} message handler`, error);
      }
    }
  }

  closeLocally(message: CommMessage | null): void {
    if (this.closed) return;
    this.closed = true;
    this.forget(this.id);
    for (const handler of [...this.closeHandlers]) {
      try {
        handler(message);
      } catch (error) {
        this.report(`comm ${this.targetName} close handler`, error);
      }
    }
    this.messageHandlers.clear();
    this.closeHandlers.clear();
  }
}

/**
 * 10,000 open comms: a notebook with a few hundred widgets is already a heavy one (each widget is
 * one comm, plus its layout and style), so this is far above real use, while a frontend opening
 * comms in a loop is stopped long before the kernel's memory is.
 */
const MAX_OPEN_COMMS = 10_000;

export class KernelCommManager implements CommManager {
  private readonly targets = new Map<string, CommOpenHandler>();
  private readonly comms = new Map<string, KernelComm>();

  constructor(
    private readonly iopub: IopubPublisher,
    private readonly report: (what: string, error: unknown) => void,
    /** Comms the frontend may open while this many are open get comm_close (kernel-side opens are not capped). */
    private readonly maxOpenComms = MAX_OPEN_COMMS,
  ) {}

  registerTarget(targetName: string, onOpen: CommOpenHandler): Unsubscribe {
    this.targets.set(targetName, onOpen);
    return () => {
      if (this.targets.get(targetName) === onOpen) this.targets.delete(targetName);
    };
  }

  open(targetName: string, data: JSONObject, options: SendOptions & { commId?: string } = {}): Comm {
    if (options.commId !== undefined && this.comms.has(options.commId)) {
      throw new Error(`comm id ${options.commId} is already open`);
    }
    const comm = this.create(options.commId ?? randomUUID(), targetName);
    this.iopub.publish(
      'comm_open',
      { comm_id: comm.id, target_name: targetName, data },
      undefined,
      toBuffers(options.buffers),
      options.metadata,
    );
    return comm;
  }

  list(targetName?: string): readonly Comm[] {
    return [...this.comms.values()].filter((comm) => targetName === undefined || comm.targetName === targetName);
  }

  /** comm_open from the frontend. */
  async handleOpen(commId: string, targetName: string, message: CommMessage): Promise<void> {
    if (this.comms.has(commId)) {
      // Replacing the live comm would silently detach its widget, and a comm_close would close the
      // live one in the frontend: the second open is ignored, the live comm left untouched.
      this.report('comm_open', new Error(`comm id ${commId} is already open; the second comm_open was ignored`));
      return;
    }
    if (this.comms.size >= this.maxOpenComms) {
      this.iopub.publish('comm_close', { comm_id: commId, data: {} });
      this.report('comm_open', new Error(`${this.comms.size} comms are open, the kernel's limit: closed ${commId}`));
      return;
    }
    const onOpen = this.targets.get(targetName);
    if (!onOpen) {
      // The protocol's answer to an unknown target: close it so the frontend does not wait.
      this.iopub.publish('comm_close', { comm_id: commId, data: {} });
      this.report(`comm_open`, new Error(`no comm target named ${JSON.stringify(targetName)}`));
      return;
    }
    const comm = this.create(commId, targetName);
    try {
      await onOpen(comm, message);
    } catch (error) {
      this.report(`comm target ${targetName}`, error);
      comm.close();
    }
  }

  async handleMessage(commId: string, message: CommMessage): Promise<void> {
    const comm = this.comms.get(commId);
    if (!comm) {
      this.report('comm_msg', new Error(`no open comm with id ${commId}`));
      return;
    }
    await comm.deliver(message);
  }

  handleClose(commId: string, message: CommMessage): void {
    this.comms.get(commId)?.closeLocally(message);
  }

  /** Kernel shutdown: every comm ends, so their owners release what they hold. */
  closeAll(): void {
    for (const comm of [...this.comms.values()]) comm.closeLocally(null);
  }

  private create(id: string, targetName: string): KernelComm {
    const comm = new KernelComm(id, targetName, this.iopub, (gone) => this.comms.delete(gone), this.report);
    this.comms.set(id, comm);
    return comm;
  }
}

/** comm_open, comm_msg or comm_close from the frontend: checks the content, then hands it to the manager. */
export async function handleCommMessage(comms: KernelCommManager, message: JupyterMessage): Promise<void> {
  const { comm_id: commId, data = {}, target_name: targetName } = message.content;
  if (typeof commId !== 'string' || typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new RequestError(`${message.header.msg_type} needs a string comm_id and an object data`);
  }
  const commMessage: CommMessage = { data, metadata: message.metadata, buffers: message.buffers };
  switch (message.header.msg_type) {
    case 'comm_open':
      if (typeof targetName !== 'string') throw new RequestError('comm_open needs a string target_name');
      await comms.handleOpen(commId, targetName, commMessage);
      return;
    case 'comm_msg':
      await comms.handleMessage(commId, commMessage);
      return;
    default:
      comms.handleClose(commId, commMessage);
  }
}
