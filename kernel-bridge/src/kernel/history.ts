/**
 * The kernel's input history, for history_request: each stored cell's code under its execution
 * count, and the text/plain of its result. Like IPython's history manager it sits beside the
 * handlers rather than inside one: the execute handler records, the request handler queries.
 */
import type { JSONObject } from './api';

/** [session, line, input], as history_reply sends it; the session is always 0 (this one). */
export type HistoryEntry = [number, number, string];

export class History {
  private readonly entries: HistoryEntry[] = [];
  /** text/plain of execute_result per stored line. */
  private readonly outputs = new Map<number, string>();

  recordInput(line: number, input: string): void {
    this.entries.push([0, line, input]);
  }

  recordOutput(line: number, text: string): void {
    this.outputs.set(line, text);
  }

  /** The `history` of a history_reply, for a history_request's content. */
  query(content: JSONObject): unknown[] {
    const selected = select(this.entries, content);
    // output=true: each entry is [session, line, [input, output or null]], as ipykernel sends.
    return content.output === true
      ? selected.map(([session, line, input]) => [session, line, [input, this.outputs.get(line) ?? null]])
      : selected;
  }
}

function select(history: readonly HistoryEntry[], content: JSONObject): HistoryEntry[] {
  const n = typeof content.n === 'number' && content.n >= 0 ? content.n : 10;
  switch (content.hist_access_type) {
    case 'tail':
      return history.slice(-n);
    case 'search': {
      const pattern = typeof content.pattern === 'string' ? content.pattern : '*';
      let found = history.filter(([, , input]) => globMatch(pattern, input));
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

/**
 * History search patterns are globs matched against the whole input, with fnmatch's `*` (any run
 * of characters, newlines included) and `?` (exactly one character); every other character is
 * literal. Hand-written rather than turned into a RegExp: a glob like `*a*a*a*a*a*a*a*b` became a
 * backtracking regex that took seconds per input on the main thread (ReDoS from one
 * history_request). This two-pointer matcher remembers only the last `*` and resumes from it, so
 * it never backtracks past an earlier star: at worst pattern length x input length steps, never
 * exponential. It walks code points, so `?` matches one emoji as Python's fnmatch does.
 */
export function globMatch(pattern: string, text: string): boolean {
  const p = Array.from(pattern);
  const t = Array.from(text);
  let pi = 0;
  let ti = 0;
  let star = -1; // index in p of the last `*` seen
  let resume = 0; // where in t that star's match would be extended next
  while (ti < t.length) {
    if (pi < p.length && p[pi] === '*') {
      star = pi++;
      resume = ti;
    } else if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (star >= 0) {
      // Let the last star swallow one more character and retry the rest of the pattern.
      pi = star + 1;
      ti = ++resume;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
