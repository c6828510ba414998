/**
 * The connection doctor: watches one connection attempt (the candidates each side gathers, the
 * TURN servers' errors, the connectivity checks in getStats) and says, in words a user can act on,
 * why it failed and what to configure. The signalling client owns one per session; the report
 * shows in the widget and reaches the kernel (ctx.diagnose()). The fallback transport can use
 * describeConnectionProblem() as its reason.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  CANDIDATE_TYPES,
  CandidateType,
  ConnectionOutcome,
  ICandidateCounts,
  IConnectionReport,
  ITurnError,
  MAX_ADVICE_LINES,
  MAX_REPORT_COUNT,
  MAX_TURN_ERROR_TEXT,
  MAX_TURN_ERRORS,
} from './connection-report';
import { fitText } from './protocol';
import { ENGLISH } from './said';
import type { IStatsReportLike } from './rtc-stats';

/** Where the user configures ICE (the Settings Editor's title for our plugin; left as the editor shows it). */
const SETTINGS = 'Settings → WebRTC Streamer → ICE servers';

/** The facts of a report, without the words. */
export type ConnectionFacts = Omit<IConnectionReport, 'summary' | 'advice'>;

/** The candidate type of an ICE candidate line ("candidate:1 1 udp 2122 10.0.0.2 5000 typ host ..."), or null. */
export function candidateTypeOf(line: string): CandidateType | null {
  const type = / typ (\w+)/.exec(line)?.[1];
  return (CANDIDATE_TYPES as readonly string[]).includes(type ?? '') ? (type as CandidateType) : null;
}

/** How many stun: and turn:/turns: URLs the servers hold. */
function countIceServers(servers: readonly RTCIceServer[]): { stun: number; turn: number } {
  const urls = servers.flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]));
  return {
    stun: urls.filter((u) => /^stuns?:/i.test(u)).length,
    turn: urls.filter((u) => /^turns?:/i.test(u)).length,
  };
}

const noCandidates = (): ICandidateCounts => ({ host: 0, srflx: 0, prflx: 0, relay: 0 });
const total = (c: ICandidateCounts) => c.host + c.srflx + c.prflx + c.relay;

/** The part of an RTCPeerConnectionIceErrorEvent the doctor reads. */
export interface IIceErrorLike {
  url?: string;
  errorCode?: number;
  errorText?: string;
}

/** Collects one session's facts as they happen; report() adds getStats' checks and the words. */
export class IceObserver {
  constructor(iceServers: readonly RTCIceServer[], policy: 'all' | 'relay') {
    this._servers = countIceServers(iceServers);
    this._policy = policy;
  }

  /** One of the browser's own candidates (its onicecandidate). */
  local(line: string): void {
    const type = candidateTypeOf(line);
    if (type) this._browser[type]++;
  }

  /** One of the kernel's candidates (its `candidate` messages). */
  remote(line: string): void {
    const type = candidateTypeOf(line);
    if (type) this._kernel[type]++;
  }

  /** An icecandidateerror event: a STUN or TURN server that failed, and how. */
  error(event: IIceErrorLike): void {
    const entry: ITurnError = { url: event.url ?? '', code: event.errorCode ?? 0, text: event.errorText ?? '' };
    const seen = this._errors.some((e) => e.url === entry.url && e.code === entry.code);
    if (!seen && this._errors.length < MAX_TURN_ERRORS) this._errors.push(entry);
  }

  /** The browser gathered nothing at all (relay-only without a working TURN server, typically). */
  get gatheredNothing(): boolean {
    return total(this._browser) === 0;
  }

  /** The report on the attempt as it stands; `stats` is the peer connection's getStats() when it has one. */
  report(outcome: ConnectionOutcome, stats: IStatsReportLike | null): IConnectionReport {
    const facts: ConnectionFacts = {
      outcome,
      policy: this._policy,
      ice_servers: { ...this._servers },
      browser_candidates: { ...this._browser },
      kernel_candidates: { ...this._kernel },
      turn_errors: this._errors.map((e) => ({ ...e })),
      ...checksOf(stats),
    };
    return fitReport({ ...facts, ...explainConnection(facts) });
  }

  private readonly _servers: { stun: number; turn: number };
  private readonly _policy: 'all' | 'relay';
  private readonly _browser = noCandidates();
  private readonly _kernel = noCandidates();
  private readonly _errors: ITurnError[] = [];
}

/** The candidate pairs in getStats: how many, how many succeeded, and the selected one's types. */
export function checksOf(stats: IStatsReportLike | null): Pick<ConnectionFacts, 'checks' | 'selected'> {
  const all: Record<string, unknown>[] = [];
  stats?.forEach((stat) => {
    if (typeof stat === 'object' && stat !== null) all.push(stat as Record<string, unknown>);
  });
  const byId = new Map(all.map((s) => [s.id as string, s]));
  const pairs = all.filter((s) => s.type === 'candidate-pair');
  const transport = all.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
  const chosen =
    (transport && byId.get(transport.selectedCandidatePairId as string)) ||
    pairs.find((p) => p.nominated === true && p.state === 'succeeded');
  let selected: ConnectionFacts['selected'] = null;
  if (chosen) {
    const local = byId.get(chosen.localCandidateId as string);
    const remote = byId.get(chosen.remoteCandidateId as string);
    const type = (c: Record<string, unknown> | undefined) => candidateTypeOf(` typ ${String(c?.candidateType)}`);
    const localType = type(local);
    const remoteType = type(remote);
    // A relay candidate's own protocol is the hop to the TURN server (relayProtocol), which is what a firewall sees.
    const protocol = String(local?.relayProtocol ?? local?.protocol ?? 'udp').toLowerCase();
    if (localType && remoteType) {
      selected = { local: localType, remote: remoteType, protocol: protocol === 'tcp' ? 'tcp' : 'udp' };
    }
  }
  return {
    checks: { pairs: pairs.length, succeeded: pairs.filter((p) => p.state === 'succeeded').length },
    selected,
  };
}

const list = (trans: TranslationBundle, c: ICandidateCounts): string => {
  const parts = CANDIDATE_TYPES.filter((t) => c[t] > 0).map((t) => `${c[t]} ${t}`);
  return parts.length ? parts.join(', ') : trans.__('none');
};

const turnTcpHint = (trans: TranslationBundle) =>
  trans.__(
    'a TURN server reachable over TCP (turn:host:3478?transport=tcp, or turns: on port 443) passes most firewalls',
  );

/** What a TURN error code means for the user. */
function turnErrorAdvice(trans: TranslationBundle, error: ITurnError): string {
  const where = error.url || trans.__('the TURN server');
  if (error.code === 401) {
    return trans.__(
      "%1 refused the username/credential: check them; with coturn's use-auth-secret make them with turnCredentials() from the same static-auth-secret, and keep the clocks in sync",
      where,
    );
  }
  if (error.code === 403) {
    return trans.__(
      "%1 refused to relay to the kernel's address (coturn: denied-peer-ip, or allow-loopback-peers for a kernel on 127.0.0.1)",
      where,
    );
  }
  if (error.code === 437 || error.code === 486 || error.code === 508) {
    return trans.__('%1 has no allocation to give (quota or capacity): ask its admin', where);
  }
  if (error.code === 701 || error.code === 0) {
    return trans.__(
      '%1 did not answer: check the host name and port, and that a firewall lets it through (%2)',
      where,
      turnTcpHint(trans),
    );
  }
  return trans.__('%1 answered %2 %3', where, error.code, error.text).trim();
}

/**
 * The doctor's words for the facts: one summary sentence and what to do. In English for the report
 * (the kernel reads it); the signalling client asks again with the page's bundle for what it shows.
 */
export function explainConnection(
  facts: ConnectionFacts,
  trans: TranslationBundle = ENGLISH,
): { summary: string; advice: string[] } {
  const { browser_candidates: browser, kernel_candidates: kernel, checks, selected, turn_errors: errors } = facts;
  const gathered = trans.__(
    'the browser gathered %1; the kernel offered %2',
    list(trans, browser),
    list(trans, kernel),
  );
  if (facts.outcome === 'connected' && selected) {
    const relayed = selected.local === 'relay' || selected.remote === 'relay';
    const how = relayed ? trans.__('through a TURN relay') : trans.__('directly');
    return {
      summary: trans.__(
        'connected %1 (%2 ↔ %3 over %4); %5',
        how,
        selected.local,
        selected.remote,
        selected.protocol,
        gathered,
      ),
      advice: [],
    };
  }
  const advice: string[] = [];
  const turnAnswers = errors.filter((e) => /^turns?:/i.test(e.url));
  let summary: string;
  if (facts.policy === 'relay' && facts.ice_servers.turn === 0) {
    summary = trans.__('the ICE transport policy is relay-only but no TURN server is configured');
    advice.push(
      trans.__(
        "add a turn: server in %1 (or the widget's iceServers), or set the ICE transport policy to all",
        SETTINGS,
      ),
    );
  } else if (browser.relay === 0 && turnAnswers.length > 0) {
    const answers = turnAnswers.map((e) => trans.__('%1 answered %2 %3', e.url, e.code, e.text).trim());
    summary = trans.__('no TURN relay: %1', answers.join('; '));
    advice.push(...turnAnswers.slice(0, 3).map((e) => turnErrorAdvice(trans, e)));
  } else if (total(browser) === 0) {
    summary = trans.__('the browser gathered no ICE candidates');
    advice.push(
      facts.policy === 'relay'
        ? trans.__('relay-only needs a working TURN server in %1', SETTINGS)
        : trans.__('check that the browser allows WebRTC (an extension or policy may block it)'),
    );
  } else if (total(kernel) === 0) {
    summary = trans.__('the kernel offered no ICE candidates (%1)', gathered);
    advice.push(trans.__('check the kernel log; JUPYTERLAB_WEBRTC_HOST_INTERFACES may exclude every interface'));
  } else if (facts.outcome === 'connecting') {
    summary = trans.__(
      'still connecting: %1 of %2 candidate pairs passed a check; %3',
      checks.succeeded,
      checks.pairs,
      gathered,
    );
  } else {
    summary = trans.__('no connectivity check succeeded (%1 candidate pairs tried; %2)', checks.pairs, gathered);
  }
  if (facts.outcome !== 'connecting' && checks.succeeded === 0 && browser.relay === 0 && kernel.relay === 0) {
    advice.push(
      trans.__(
        "UDP between the browser and the kernel seems blocked (a firewall, Docker's port mapping, an SSH tunnel or a proxy): configure a TURN server in %1; %2",
        SETTINGS,
        turnTcpHint(trans),
      ),
    );
    if (kernel.host > 0 && kernel.srflx === 0) {
      advice.push(
        trans.__(
          'if the kernel runs on another machine than the browser, it must offer an address the browser can reach: leave JUPYTERLAB_WEBRTC_HOST_INTERFACES unset (every interface) or list the right one',
        ),
      );
    }
  } else if (facts.outcome === 'failed' && checks.succeeded === 0 && (browser.relay > 0 || kernel.relay > 0)) {
    advice.push(
      trans.__(
        'a relay was allocated but no check through it succeeded: the TURN server may not reach the kernel (or refuse its address)',
      ),
    );
  }
  return { summary, advice };
}

/** One line for a status or a fallback reason: the summary, then what to do. */
export function describeConnectionProblem(report: Pick<IConnectionReport, 'summary' | 'advice'>): string {
  return report.advice.length ? `${report.summary}. What to do: ${report.advice.join('; ')}` : report.summary;
}

/** A report within the limits the kernel checks: texts cut, lists and counts bounded. */
export function fitReport(report: IConnectionReport): IConnectionReport {
  const count = (n: number) => Math.min(MAX_REPORT_COUNT, Math.max(0, Math.round(Number.isFinite(n) ? n : 0)));
  const counts = (c: ICandidateCounts): ICandidateCounts => ({
    host: count(c.host),
    srflx: count(c.srflx),
    prflx: count(c.prflx),
    relay: count(c.relay),
  });
  const cut = (text: string) => (text.length > MAX_TURN_ERROR_TEXT ? text.slice(0, MAX_TURN_ERROR_TEXT) : text);
  return {
    ...report,
    ice_servers: { stun: count(report.ice_servers.stun), turn: count(report.ice_servers.turn) },
    browser_candidates: counts(report.browser_candidates),
    kernel_candidates: counts(report.kernel_candidates),
    checks: { pairs: count(report.checks.pairs), succeeded: count(report.checks.succeeded) },
    turn_errors: report.turn_errors.slice(0, MAX_TURN_ERRORS).map((e) => ({
      url: cut(e.url),
      code: Math.min(999, Math.max(0, Math.round(e.code) || 0)),
      text: cut(e.text),
    })),
    summary: fitText(report.summary),
    advice: report.advice.slice(0, MAX_ADVICE_LINES).map(fitText),
  };
}
