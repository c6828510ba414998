/** Requests answered from the engine's and the kernel's state alone, with no side effects. */
import * as ts from '@tslab/typescript-for-tslab';
import type { JSONObject } from './api';
import type { KernelCommManager } from './comms';
import type { TypeScriptEngine } from './engine';
import { PROTOCOL_VERSION } from './session';

const { version: KERNEL_VERSION } = require('../../package.json') as { version: string };

/** A request whose content is wrong; answered with status "error". */
export class RequestError extends Error {}

export interface RequestContext {
  engine: TypeScriptEngine;
  comms: KernelCommManager;
  /** [session, line, input] per stored cell. */
  history: readonly [number, number, string][];
  /** text/plain of execute_result per stored line. */
  outputs: ReadonlyMap<number, string>;
  executionCount(): number;
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
      return { type: 'complete_reply', content: { status: 'ok', metadata: {}, ...context.engine.complete(code, cursor) } };
    }
    case 'inspect_request': {
      const { code, cursor } = codeAndCursor(content);
      const text = context.engine.inspect(code, cursor);
      return {
        type: 'inspect_reply',
        content: { status: 'ok', found: text !== null, data: text === null ? {} : { 'text/plain': text }, metadata: {} },
      };
    }
    case 'is_complete_request':
      if (typeof content.code !== 'string') throw new RequestError('is_complete_request needs a string code');
      return { type: 'is_complete_reply', content: context.engine.isComplete(content.code) };
    case 'history_request':
    {
      const selected = selectHistory(context.history, content);
      // output=true: each entry is [session, line, [input, output or null]], as ipykernel sends.
      const history =
        content.output === true
          ? selected.map(([session, line, input]) => [session, line, [input, context.outputs.get(line) ?? null]])
          : selected;
      return { type: 'history_reply', content: { status: 'ok', history } };
    }
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
    protocol_version: PROTOCOL_VERSION,
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

function selectHistory(
  history: readonly [number, number, string][],
  content: JSONObject,
): [number, number, string][] {
  const n = typeof content.n === 'number' && content.n >= 0 ? content.n : 10;
  switch (content.hist_access_type) {
    case 'tail':
      return history.slice(-n);
    case 'search': {
      const pattern = typeof content.pattern === 'string' ? globToRegExp(content.pattern) : /.*/;
      let found = history.filter(([, , input]) => pattern.test(input));
      if (content.unique === true) {
        // Keep the latest occurrence of each input, in history order (IPython's unique search).
        const latest = new Map(found.map((entry, index) => [entry[2], index]));
        found = found.filter((entry, index) => latest.get(entry[2]) === index);
      }
      return found.slice(-n);
    }
    case 'range': {
      const start = typeof content.start === 'number' ? content.start : 0;
      const stop = typeof content.stop === 'number' ? content.stop : Infinity;
      return history.filter(([, line]) => line >= start && line < stop);
    }
    default:
      return [];
  }
}

/** History search patterns are globs (`*`, `?`), matched against the whole input. */
function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
