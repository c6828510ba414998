/**
 * The connection doctor's report, frontend side of the protocol: what the browser learned about
 * one connection attempt (candidate types each side gathered, the connectivity checks, the TURN
 * servers' errors) and the doctor's words about it. The browser sends it to the kernel
 * (`connection_report`, after a failure, once connected, and when the kernel asks with `diagnose`)
 * so `ctx.diagnose()` returns it. The kernel validates it with the same limits
 * (kernel-bridge/src/streamer/connection-report.ts; docs/design.md, "Connection doctor").
 */
/** Most TURN errors a report carries (the first ones: one per server URL is typical). */
export const MAX_TURN_ERRORS = 8;
/** Longest TURN error URL or text (Chrome's errorText is a short phrase). */
export const MAX_TURN_ERROR_TEXT = 256;
/** Most lines of advice. */
export const MAX_ADVICE_LINES = 6;
/** Highest candidate or pair count a report carries (a real session has a few dozen). */
export const MAX_REPORT_COUNT = 10_000;

export const CONNECTION_REPORT_LIMITS = {
  MAX_TURN_ERRORS,
  MAX_TURN_ERROR_TEXT,
  MAX_ADVICE_LINES,
  MAX_REPORT_COUNT,
} as const;

/** How the attempt stands: `connected`, `failed`, or still `connecting`. */
export type ConnectionOutcome = 'connected' | 'failed' | 'connecting';

/** ICE candidate types (RFC 8445): on an interface, seen by STUN, learnt from a check, through TURN. */
export const CANDIDATE_TYPES = ['host', 'srflx', 'prflx', 'relay'] as const;
export type CandidateType = (typeof CANDIDATE_TYPES)[number];
export type ICandidateCounts = Record<CandidateType, number>;

export interface ITurnError {
  /** The server URL as configured (e.g. "turn:turn.example.org:3478?transport=tcp"). */
  url: string;
  /** The STUN error code (401 unauthorized, 403 forbidden, ...; Chrome's 701: no answer). */
  code: number;
  text: string;
}

export interface IConnectionReport {
  outcome: ConnectionOutcome;
  /** The browser's iceTransportPolicy. */
  policy: 'all' | 'relay';
  /** How many STUN and TURN server URLs the browser was given. */
  ice_servers: { stun: number; turn: number };
  /** Candidates the browser gathered, by type. */
  browser_candidates: ICandidateCounts;
  /** Candidates the kernel sent, by type. */
  kernel_candidates: ICandidateCounts;
  /** Candidate pairs the browser formed, and how many of them passed a connectivity check. */
  checks: { pairs: number; succeeded: number };
  /** The pair in use, once connected. */
  selected: { local: CandidateType; remote: CandidateType; protocol: 'udp' | 'tcp' } | null;
  /** What TURN (and STUN) servers answered when they failed (the browser's icecandidateerror events). */
  turn_errors: ITurnError[];
  /** One sentence: what happened. */
  summary: string;
  /** What to do about it (empty when connected). */
  advice: string[];
}
