/**
 * Routes each decoded message to its handler. Cells go to the execute handler's queue and run one
 * after another; other shell messages are handled one at a time in arrival order, without waiting
 * for cells, so a cell that awaits a widget value still receives the widget's messages; control
 * messages are handled at once. A handler that throws is logged and its request gets an error
 * reply: nothing reaches the socket loop.
 */
import { errorMessage } from '../../errors';
import type { IopubPublisher } from '../transport/iopub';
import type { ReplyChannel, ReplySender } from '../transport/replies';
import { JupyterMessage, routingIdentities, WireError } from '../transport/wire';
import { whileBusy } from './busy-status';
import { handleCommMessage, KernelCommManager } from './comms';
import { errorContent, errorReply, replyTypeFor, requestFailure, RequestError } from './error-reply';
import type { ExecuteHandler } from './execute';
import { handleRequest, RequestContext } from './requests';

export interface RouterParts {
  iopub: IopubPublisher;
  replies: ReplySender;
  comms: KernelCommManager;
  execute: ExecuteHandler;
  requests: RequestContext;
  /** The kernel's own log (stderr), never a cell. */
  log(message: string): void;
  interrupt(): void;
  shutdown(): Promise<void>;
}

export class MessageRouter {
  private shellChain: Promise<void> = Promise.resolve();

  constructor(private readonly parts: RouterParts) {}

  route(message: JupyterMessage, channel: ReplyChannel): void {
    if (channel === 'shell' && message.header.msg_type === 'execute_request') {
      this.parts.execute.enqueue(message);
    } else if (channel === 'shell') {
      // handle() catches what a handler throws; this catch is for the rest (a reply that cannot
      // be built), so that one failure neither stops the chain nor lands under some cell.
      this.shellChain = this.shellChain
        .then(() => this.handle(message, channel))
        .catch((error) => this.failed(message, error));
    } else {
      this.handle(message, channel).catch((error) => this.failed(message, error));
    }
  }

  private failed(message: JupyterMessage, error: unknown): void {
    this.parts.log(`${message.header.msg_type} failed: ${errorMessage(error)}`);
  }

  /** Frames that did not decode: logged, and answered when enough of a request's header was read. */
  rejectUndecodable(error: unknown, frames: Buffer[], channel: ReplyChannel): void {
    this.parts.log(`dropped a ${channel} message: ${errorMessage(error)}`);
    const header = error instanceof WireError ? error.header : undefined;
    const replyType = header && replyTypeFor(header.msg_type);
    if (!header || !replyType) return;
    const request = { identities: routingIdentities(frames), header };
    this.parts.replies.send(request, channel, replyType, errorReply(errorContent('MalformedMessage', error)));
  }

  private handle(message: JupyterMessage, channel: ReplyChannel): Promise<void> {
    return whileBusy(this.parts.iopub, message.header, async () => {
      try {
        await this.dispatch(message, channel);
      } catch (error) {
        this.parts.log(`${message.header.msg_type}: ${errorMessage(error)}`);
        const replyType = replyTypeFor(message.header.msg_type);
        if (replyType) this.parts.replies.send(message, channel, replyType, errorReply(requestFailure(error)));
      }
    });
  }

  private async dispatch(message: JupyterMessage, channel: ReplyChannel): Promise<void> {
    const type = message.header.msg_type;
    switch (type) {
      case 'shutdown_request': {
        const restart = message.content.restart === true;
        this.parts.replies.send(message, channel, 'shutdown_reply', { status: 'ok', restart });
        this.parts.iopub.publish('shutdown_reply', { status: 'ok', restart });
        await this.parts.shutdown();
        process.exit(0);
        return;
      }
      case 'interrupt_request':
        this.parts.interrupt();
        this.parts.replies.send(message, channel, 'interrupt_reply', { status: 'ok' });
        return;
      case 'comm_open':
      case 'comm_msg':
      case 'comm_close':
        await handleCommMessage(this.parts.comms, message);
        return;
      case 'execute_request':
        throw new RequestError('execute_request is only accepted on the shell channel');
    }
    const reply = handleRequest(this.parts.requests, type, message.content);
    if (!reply) {
      this.parts.log(`unknown msg_type ${type}`);
      if (replyTypeFor(type)) throw new RequestError(`unknown message type ${JSON.stringify(type)}`);
      return;
    }
    this.parts.replies.send(message, channel, reply.type, reply.content);
  }
}
