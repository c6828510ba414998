/**
 * The one place error replies are built. A request that fails is answered `<type>_reply` with
 * status "error", ename, evalue and traceback, whatever failed: frames that did not decode,
 * content that is wrong, a handler that threw, or (execute_request) the cell itself.
 */
import { errorMessage } from '../../errors';
import type { ExecutionError } from '../engine/engine';

/** A request whose content is wrong; answered with ename "BadRequest". */
export class RequestError extends Error {}

/** `kernel_info_request` -> `kernel_info_reply`; null for messages that get no reply (comm_msg...). */
export function replyTypeFor(msgType: string): string | null {
  return msgType.endsWith('_request') ? msgType.replace(/_request$/, '_reply') : null;
}

/** The content of an error reply; `extra` holds what the reply type adds (execute_reply: execution_count). */
export function errorReply(error: ExecutionError, extra: object = {}): object {
  return { status: 'error', ...error, ...extra };
}

/** A failure named `ename`, its text taken from what was thrown; `context` adds a traceback line "context: text". */
export function errorContent(ename: string, thrown: unknown, context?: string): ExecutionError {
  const evalue = errorMessage(thrown);
  return { ename, evalue, traceback: context === undefined ? [] : [`${context}: ${evalue}`] };
}

/** What a request handler threw: BadRequest for wrong content, KernelError for anything else. */
export function requestFailure(thrown: unknown): ExecutionError {
  return errorContent(thrown instanceof RequestError ? 'BadRequest' : 'KernelError', thrown);
}
