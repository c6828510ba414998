/**
 * The connection doctor: its words for each kind of failure (what happened, what to configure),
 * the facts it reads from getStats, and how the signalling client reports a failed attempt to the
 * widget and to the kernel.
 */
import {
  ConnectionFacts,
  checksOf,
  candidateTypeOf,
  describeConnectionProblem,
  explainConnection,
  fitReport,
  IceObserver,
} from '../streamer/doctor';
import { MAX_TURN_ERRORS, MAX_TURN_ERROR_TEXT } from '../streamer/connection-report';
import { SignallingClient } from '../streamer/signalling';
import type { FrontendMessage } from '../streamer/protocol';
import { DEFAULT_QUALITY } from '../settings';
import { FakeMediaDevices, FakePeerConnection, flush, VIDEO_CAPABILITIES } from './fakes';

const none = { host: 0, srflx: 0, prflx: 0, relay: 0 };
const facts = (over: Partial<ConnectionFacts>): ConnectionFacts => ({
  outcome: 'failed',
  policy: 'all',
  ice_servers: { stun: 0, turn: 0 },
  browser_candidates: { ...none, host: 2 },
  kernel_candidates: { ...none, host: 1 },
  checks: { pairs: 2, succeeded: 0 },
  selected: null,
  turn_errors: [],
  ...over,
});

describe('explainConnection', () => {
  it('UDP blocked, no TURN: says no check succeeded and to configure a TURN server in the settings', () => {
    const { summary, advice } = explainConnection(facts({}));
    expect(summary).toBe(
      'no connectivity check succeeded (2 candidate pairs tried; the browser gathered 2 host; the kernel offered 1 host)',
    );
    expect(advice[0]).toMatch(/UDP between the browser and the kernel seems blocked/);
    expect(advice[0]).toContain('Settings → WebRTC Streamer → ICE servers');
    expect(advice[0]).toContain('?transport=tcp');
    expect(advice[1]).toContain('JUPYTERLAB_WEBRTC_HOST_INTERFACES');
  });

  it('relay-only without a TURN server: says so', () => {
    const { summary, advice } = explainConnection(facts({ policy: 'relay', browser_candidates: none }));
    expect(summary).toBe('the ICE transport policy is relay-only but no TURN server is configured');
    expect(advice[0]).toMatch(/add a turn: server in Settings/);
  });

  it.each([
    [401, 'Unauthorized', /refused the username\/credential.*turnCredentials\(\)/],
    [701, 'TURN host lookup received error.', /did not answer: check the host name and port/],
    [403, 'Forbidden IP', /refused to relay to the kernel's address.*allow-loopback-peers/],
    [486, 'Allocation Quota Reached', /no allocation to give/],
  ])('a TURN server that answered %d: names the server, the error and the fix', (code, text, fix) => {
    const url = 'turn:turn.example.org:3478?transport=udp';
    const { summary, advice } = explainConnection(
      facts({
        policy: 'relay',
        ice_servers: { stun: 0, turn: 1 },
        browser_candidates: none,
        turn_errors: [{ url, code, text }],
      }),
    );
    expect(summary).toBe(`no TURN relay: ${url} answered ${code} ${text}`);
    expect(advice[0]).toMatch(fix);
    expect(advice[0]).toContain(url);
  });

  it('connected: says how (direct or relayed) with no advice', () => {
    expect(
      explainConnection(facts({ outcome: 'connected', selected: { local: 'relay', remote: 'host', protocol: 'tcp' } })),
    ).toEqual({
      summary:
        'connected through a TURN relay (relay ↔ host over tcp); the browser gathered 2 host; the kernel offered 1 host',
      advice: [],
    });
    expect(
      explainConnection(facts({ outcome: 'connected', selected: { local: 'host', remote: 'host', protocol: 'udp' } }))
        .summary,
    ).toMatch(/^connected directly/);
  });

  it('a relay that was allocated but never passed a check points at the TURN server → kernel leg', () => {
    const { advice } = explainConnection(
      facts({ browser_candidates: { ...none, relay: 1 }, ice_servers: { stun: 0, turn: 1 } }),
    );
    expect(advice).toEqual([expect.stringMatching(/a relay was allocated but no check through it succeeded/)]);
  });

  it('describeConnectionProblem: one line for a status or a fallback reason', () => {
    expect(describeConnectionProblem({ summary: 'a', advice: ['b', 'c'] })).toBe('a. What to do: b; c');
    expect(describeConnectionProblem({ summary: 'connected', advice: [] })).toBe('connected');
  });
});

describe('the facts', () => {
  it('candidateTypeOf reads the typ of a candidate line', () => {
    expect(candidateTypeOf('candidate:1 1 udp 2122260223 10.0.0.2 5000 typ host generation 0')).toBe('host');
    expect(candidateTypeOf('candidate:2 1 udp 41885439 127.0.0.1 20000 typ relay raddr 0.0.0.0 rport 0')).toBe('relay');
    expect(candidateTypeOf('candidate:3 1 udp 1 10.0.0.2 5000 typ magic')).toBeNull();
  });

  it('checksOf counts pairs and succeeded checks and reads the selected pair (relay: its relayProtocol)', () => {
    const stats = new Map<string, Record<string, unknown>>([
      ['T', { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' }],
      ['P1', { id: 'P1', type: 'candidate-pair', state: 'failed', localCandidateId: 'L1', remoteCandidateId: 'R' }],
      ['P2', { id: 'P2', type: 'candidate-pair', state: 'succeeded', localCandidateId: 'L2', remoteCandidateId: 'R' }],
      ['L1', { id: 'L1', type: 'local-candidate', candidateType: 'host', protocol: 'udp' }],
      ['L2', { id: 'L2', type: 'local-candidate', candidateType: 'relay', protocol: 'udp', relayProtocol: 'tcp' }],
      ['R', { id: 'R', type: 'remote-candidate', candidateType: 'host', protocol: 'udp' }],
    ]);
    expect(checksOf(stats)).toEqual({
      checks: { pairs: 2, succeeded: 1 },
      selected: { local: 'relay', remote: 'host', protocol: 'tcp' },
    });
    expect(checksOf(null)).toEqual({ checks: { pairs: 0, succeeded: 0 }, selected: null });
  });

  it('IceObserver counts both sides by type and keeps distinct TURN errors, bounded', () => {
    const observer = new IceObserver([{ urls: ['turn:a', 'stun:b'] }, { urls: 'turns:c' }], 'all');
    observer.local('candidate:1 1 udp 1 10.0.0.2 5000 typ host');
    observer.remote('candidate:1 1 udp 1 127.0.0.1 6000 typ host');
    observer.remote('candidate:2 1 udp 1 127.0.0.1 20001 typ relay');
    for (let i = 0; i < 20; i++) observer.error({ url: `turn:a${i}`, errorCode: 701, errorText: 'x' });
    observer.error({ url: 'turn:a0', errorCode: 701, errorText: 'again' });
    const report = observer.report('failed', null);
    expect(report.ice_servers).toEqual({ stun: 1, turn: 2 });
    expect(report.browser_candidates).toEqual({ ...none, host: 1 });
    expect(report.kernel_candidates).toEqual({ ...none, host: 1, relay: 1 });
    expect(report.turn_errors).toHaveLength(MAX_TURN_ERRORS);
  });

  it('fitReport keeps what the kernel accepts', () => {
    const long = 'x'.repeat(MAX_TURN_ERROR_TEXT + 10);
    const fitted = fitReport({
      ...facts({ turn_errors: [{ url: long, code: 70000, text: long }], browser_candidates: { ...none, host: -3 } }),
      summary: 's',
      advice: Array.from({ length: 10 }, () => 'a'),
    });
    expect(fitted.turn_errors[0]).toEqual({
      url: long.slice(0, MAX_TURN_ERROR_TEXT),
      code: 999,
      text: long.slice(0, MAX_TURN_ERROR_TEXT),
    });
    expect(fitted.browser_candidates.host).toBe(0);
    expect(fitted.advice).toHaveLength(6);
  });
});

describe('the signalling client with the doctor', () => {
  function setup() {
    FakePeerConnection.instances = [];
    const sent: FrontendMessage[] = [];
    const notices: string[] = [];
    const devices = new FakeMediaDevices();
    const client = new SignallingClient({
      send: (m) => sent.push(m),
      getUserMedia: (c) => devices.getUserMedia(c),
      createPeerConnection: (config) => new FakePeerConnection(config),
      getCodecCapabilities: () => VIDEO_CAPABILITIES,
    });
    client.notice.connect((_, m) => notices.push(m));
    return { client, sent, notices };
  }
  const reports = (sent: FrontendMessage[]) => sent.flatMap((m) => (m.type === 'connection_report' ? [m.report] : []));

  it('relay-only with a TURN server refusing the credentials: fails when gathering ends, saying why', async () => {
    const { client, sent, notices } = setup();
    const url = 'turn:127.0.0.1:3478?transport=udp';
    await client.start({
      constraints: { video: true },
      iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'wrong' }],
      iceTransportPolicy: 'relay',
      codec: 'VP8',
      quality: DEFAULT_QUALITY,
    });
    const pc = FakePeerConnection.last();
    expect(pc.config.iceTransportPolicy).toBe('relay');
    pc.onicecandidateerror?.({ url, errorCode: 401, errorText: 'Unauthorized' });
    pc.emitCandidate(null); // gathering complete, nothing gathered
    await flush();
    expect(client.statusText).toBe(`error: connection failed: no TURN relay: ${url} answered 401 Unauthorized`);
    expect(notices[notices.length - 1]).toMatch(/^what to do: .*refused the username\/credential/);
    expect(sent.map((m) => m.type)).toEqual(['offer', 'candidate', 'connection_report', 'stop']);
    expect(reports(sent)[0]).toMatchObject({
      outcome: 'failed',
      policy: 'relay',
      browser_candidates: none,
      turn_errors: [{ url, code: 401, text: 'Unauthorized' }],
    });
    expect(pc.closed).toBe(true);
  });

  it("a kernel's diagnose while playing answers with a connected report naming the selected pair", async () => {
    const { client, sent } = setup();
    await client.start({ constraints: { video: true }, iceServers: [], codec: 'VP8', quality: DEFAULT_QUALITY });
    const pc = FakePeerConnection.last();
    pc.emitCandidate('candidate:1 1 udp 2122260223 10.0.0.2 5000 typ host');
    await client.handleMessage({ type: 'answer', sdp: 'v=0\r\nanswer' });
    await client.handleMessage({
      type: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 6000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    });
    pc.statsReport = new Map<string, Record<string, unknown>>([
      ['T', { id: 'T', type: 'transport', selectedCandidatePairId: 'P' }],
      ['P', { id: 'P', type: 'candidate-pair', state: 'succeeded', localCandidateId: 'L', remoteCandidateId: 'R' }],
      ['L', { id: 'L', type: 'local-candidate', candidateType: 'host', protocol: 'udp' }],
      ['R', { id: 'R', type: 'remote-candidate', candidateType: 'host', protocol: 'udp' }],
    ]);
    pc.setConnectionState('connected');
    await client.handleMessage({ type: 'diagnose' });
    expect(reports(sent)).toEqual([
      expect.objectContaining({
        outcome: 'connected',
        browser_candidates: { ...none, host: 1 },
        kernel_candidates: { ...none, host: 1 },
        checks: { pairs: 1, succeeded: 1 },
        selected: { local: 'host', remote: 'host', protocol: 'udp' },
        advice: [],
      }),
    ]);
    expect(reports(sent)[0].summary).toMatch(/^connected directly/);
  });
});
