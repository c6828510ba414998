/**
 * The requests answered from the engine's and the kernel's state alone, with no side effects:
 * kernel_info, complete, inspect, is_complete, history and comm_info. Each returns its reply;
 * wrong content throws RequestError, which the router answers as an error reply.
 */
import * as ts from '@tslab/typescript-for-tslab';
import type { JSONObject } from '../api';
import type { TypeScriptEngine } from '../engine/engine';
import type { History } from '../history';
import { MESSAGING_PROTOCOL_VERSION } from '../transport/session';
import type { KernelCommManager } from './comms';
import { RequestError } from './error-reply';

const { version: KERNEL_VERSION } = require('../../../package.json') as { version: string };

export interface RequestContext {
  engine: TypeScriptEngine;
  comms: KernelCommManager;
  history: History;
}

export interface Reply {
  type: string;
  content: object;
}

export function handleRequest(context: RequestContext, type: string, content: JSONObject): Reply | null {
  switch (type) {
    case 'kernel_info_request':
      return { type: 'kernel_info_reply', content: kernelInfo() };
    case 'complete_request': {
      const { code, cursor } = codeAndCursor(content);
      return {
        type: 'complete_reply',
        content: { status: 'ok', metadata: {}, ...context.engine.complete(code, cursor) },
      };
    }
    case 'inspect_request': {
      const { code, cursor } = codeAndCursor(content);
      const text = context.engine.inspect(code, cursor);
      return {
        type: 'inspect_reply',
        content: {
          status: 'ok',
          found: text !== null,
          data: text === null ? {} : { 'text/plain': text },
          metadata: {},
        },
      };
    }
    case 'is_complete_request':
      if (typeof content.code !== 'string') throw new RequestError('is_complete_request needs a string code');
      return { type: 'is_complete_reply', content: context.engine.isComplete(content.code) };
    case 'history_request':
      return { type: 'history_reply', content: { status: 'ok', history: context.history.query(content) } };
    case 'comm_info_request': {
      const target = typeof content.target_name === 'string' ? content.target_name : undefined;
      const comms: Record<string, { target_name: string }> = {};
      for (const comm of context.comms.list(target)) comms[comm.id] = { target_name: comm.targetName };
      return { type: 'comm_info_reply', content: { status: 'ok', comms } };
    }
    default:
      return null;
  }
}

function kernelInfo(): object {
  return {
    status: 'ok',
    protocol_version: MESSAGING_PROTOCOL_VERSION,
    implementation: 'jupyterlab-webrtc-kernel',
    implementation_version: KERNEL_VERSION,
    language_info: {
      name: 'typescript',
      version: ts.version,
      mimetype: 'text/typescript',
      file_extension: '.ts',
      // JupyterLab picks the editor mode from `mode`; the classic name/typescript pair serves Notebook.
      codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
    },
    banner: `TypeScript ${ts.version} kernel with comms and WebRTC (jupyterlab-webrtc ${KERNEL_VERSION})`,
    help_links: [],
  };
}

function codeAndCursor(content: JSONObject): { code: string; cursor: number } {
  const { code, cursor_pos: cursor } = content;
  if (typeof code !== 'string' || typeof cursor !== 'number' || cursor < 0 || cursor > code.length) {
    throw new RequestError('needs a string code and a cursor_pos inside it');
  }
  return { code, cursor };
}
