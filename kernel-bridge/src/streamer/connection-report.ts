/**
 * The connection doctor's report, kernel side: its type, limits and validation. The browser
 * watches each connection attempt (src/streamer/doctor.ts) and sends what it learnt
 * (`connection_report`): which candidate types each side gathered, whether any connectivity check
 * succeeded, what the TURN servers answered, and what to configure. `ctx.diagnose()` returns the
 * latest. The same names and limits are in src/streamer/connection-report.ts (docs/design.md,
 * "Connection doctor").
 */
import type { JSONObject, JSONValue } from '../kernel/api';

/** Most TURN errors a report carries. */
const MAX_TURN_ERRORS = 8;
/** Longest TURN error URL or text. */
const MAX_TURN_ERROR_TEXT = 256;
/** Most lines of advice. */
const MAX_ADVICE_LINES = 6;
/** Highest candidate or pair count a report carries. */
const MAX_REPORT_COUNT = 10_000;
/** The longest summary or advice line (protocol.ts's MAX_TEXT_LENGTH; repeated here to keep this file standalone). */
const MAX_REPORT_TEXT = 4 * 1024;

export const CONNECTION_REPORT_LIMITS = {
  MAX_TURN_ERRORS,
  MAX_TURN_ERROR_TEXT,
  MAX_ADVICE_LINES,
  MAX_REPORT_COUNT,
} as const;

const CONNECTION_OUTCOMES = ['connected', 'failed', 'connecting'] as const;
type ConnectionOutcome = (typeof CONNECTION_OUTCOMES)[number];
const CANDIDATE_TYPES = ['host', 'srflx', 'prflx', 'relay'] as const;
export type CandidateType = (typeof CANDIDATE_TYPES)[number];
export type CandidateCounts = Record<CandidateType, number>;

export interface TurnError {
  /** The server URL as configured. */
  url: string;
  /** The STUN error code (401 unauthorized, 403 forbidden, ...; Chrome's 701: no answer). */
  code: number;
  text: string;
}

/** What the browser learnt about one connection attempt, and the doctor's words about it. */
export interface ConnectionReport {
  outcome: ConnectionOutcome;
  /** The browser's ICE transport policy. */
  policy: 'all' | 'relay';
  /** How many STUN and TURN server URLs the browser was given. */
  ice_servers: { stun: number; turn: number };
  /** Candidates the browser gathered, by type. */
  browser_candidates: CandidateCounts;
  /** Candidates the kernel sent, by type. */
  kernel_candidates: CandidateCounts;
  /** Candidate pairs the browser formed, and how many passed a connectivity check. */
  checks: { pairs: number; succeeded: number };
  /** The pair in use, once connected. */
  selected: { local: CandidateType; remote: CandidateType; protocol: 'udp' | 'tcp' } | null;
  /** What STUN/TURN servers answered when they failed. */
  turn_errors: TurnError[];
  /** One sentence: what happened. */
  summary: string;
  /** What to do about it (empty when connected). */
  advice: string[];
}

const isObject = (value: JSONValue | undefined): value is JSONObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(what: string, expected: string): never {
  throw new TypeError(`connection_report.report.${what} must be ${expected}`);
}

function count(value: JSONValue | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_REPORT_COUNT) {
    fail(what, `a whole number from 0 to ${MAX_REPORT_COUNT}`);
  }
  return value;
}

function text(value: JSONValue | undefined, what: string, max: number): string {
  if (typeof value !== 'string' || value.length > max) fail(what, `a string of at most ${max} characters`);
  return value;
}

function oneOf<T extends string>(value: JSONValue | undefined, values: readonly T[], what: string): T {
  if (!(values as readonly JSONValue[]).includes(value ?? null)) fail(what, `one of ${values.join(', ')}`);
  return value as T;
}

function counts(value: JSONValue | undefined, what: string): CandidateCounts {
  if (!isObject(value)) fail(what, 'an object of counts by candidate type');
  const result = {} as CandidateCounts;
  for (const type of CANDIDATE_TYPES) result[type] = count(value[type], `${what}.${type}`);
  return result;
}

/** The browser's report, validated: only its fields, every count, text and list within the limits. */
export function parseConnectionReport(value: JSONValue | undefined): ConnectionReport {
  if (!isObject(value)) throw new TypeError('connection_report.report must be an object');
  const { ice_servers, checks, selected, turn_errors, advice } = value;
  if (!isObject(ice_servers)) fail('ice_servers', 'an object {stun, turn}');
  if (!isObject(checks)) fail('checks', 'an object {pairs, succeeded}');
  let chosen: ConnectionReport['selected'] = null;
  if (selected !== null) {
    if (!isObject(selected)) fail('selected', 'null or an object {local, remote, protocol}');
    chosen = {
      local: oneOf(selected.local, CANDIDATE_TYPES, 'selected.local'),
      remote: oneOf(selected.remote, CANDIDATE_TYPES, 'selected.remote'),
      protocol: oneOf(selected.protocol, ['udp', 'tcp'] as const, 'selected.protocol'),
    };
  }
  if (!Array.isArray(turn_errors) || turn_errors.length > MAX_TURN_ERRORS) {
    fail('turn_errors', `a list of at most ${MAX_TURN_ERRORS} errors`);
  }
  if (!Array.isArray(advice) || advice.length > MAX_ADVICE_LINES) {
    fail('advice', `a list of at most ${MAX_ADVICE_LINES} lines`);
  }
  const pairs = count(checks.pairs, 'checks.pairs');
  const succeeded = count(checks.succeeded, 'checks.succeeded');
  if (succeeded > pairs) fail('checks.succeeded', 'at most checks.pairs');
  return {
    outcome: oneOf(value.outcome, CONNECTION_OUTCOMES, 'outcome'),
    policy: oneOf(value.policy, ['all', 'relay'] as const, 'policy'),
    ice_servers: {
      stun: count(ice_servers.stun, 'ice_servers.stun'),
      turn: count(ice_servers.turn, 'ice_servers.turn'),
    },
    browser_candidates: counts(value.browser_candidates, 'browser_candidates'),
    kernel_candidates: counts(value.kernel_candidates, 'kernel_candidates'),
    checks: { pairs, succeeded },
    selected: chosen,
    turn_errors: turn_errors.map((error, i) => {
      if (!isObject(error)) fail(`turn_errors[${i}]`, 'an object {url, code, text}');
      const code = error.code;
      if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 999) {
        fail(`turn_errors[${i}].code`, 'a whole number from 0 to 999');
      }
      return {
        url: text(error.url, `turn_errors[${i}].url`, MAX_TURN_ERROR_TEXT),
        code,
        text: text(error.text, `turn_errors[${i}].text`, MAX_TURN_ERROR_TEXT),
      };
    }),
    summary: text(value.summary, 'summary', MAX_REPORT_TEXT),
    advice: advice.map((line, i) => text(line, `advice[${i}]`, MAX_REPORT_TEXT)),
  };
}
