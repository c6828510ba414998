/**
 * The worker skips a browser's mDNS candidates (rtc/worker/peer.ts): werift would spend up to 10 s
 * looking each one up, holding the signalling queue. Only the address field decides.
 */
import { isMdnsCandidate } from '../../src/rtc/worker/peer';

describe('isMdnsCandidate', () => {
  it.each([
    ['candidate:1 1 udp 2122260223 8c0b5a1e-2f4d-4a8e-9d0f-1a2b3c4d5e6f.local 54321 typ host', true],
    ['candidate:1 1 UDP 2122260223 Host.LOCAL 54321 typ host', true],
    ['candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host', false],
    ['candidate:2 1 udp 1686052607 203.0.113.4 50000 typ srflx raddr x.local rport 0', false],
    ['', false],
  ])('%s → %s', (line, mdns) => {
    expect(isMdnsCandidate(line)).toBe(mdns);
  });
});
