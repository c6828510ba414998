import { parseClientMessage, MAX_SDP_BYTES } from '../../src/streamer/signalling';

describe('signalling message validation', () => {
  it('accepts an offer, candidates (and the end-of-candidates null) and stop', () => {
    expect(parseClientMessage({ type: 'offer', sdp: 'v=0\r\n' })).toEqual({ type: 'offer', sdp: 'v=0\r\n', iceServers: [] });
    expect(
      parseClientMessage({ type: 'offer', sdp: 'v=0\r\n', ice_servers: [{ urls: 'turn:relay.example:3478', username: 'u', credential: 'c' }, { urls: ['stun:a', 'stun:b'] }] }),
    ).toEqual({
      type: 'offer',
      sdp: 'v=0\r\n',
      iceServers: [{ urls: ['turn:relay.example:3478'], username: 'u', credential: 'c' }, { urls: ['stun:a', 'stun:b'] }],
    });
    expect(parseClientMessage({ type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } })).toEqual({
      type: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    });
    expect(parseClientMessage({ type: 'candidate', candidate: null })).toEqual({ type: 'candidate', candidate: null });
    expect(parseClientMessage({ type: 'stop' })).toEqual({ type: 'stop' });
  });

  it.each([
    [null, /must be an object/],
    [[1, 2], /must be an object/],
    ['offer', /must be an object/],
    [{}, /unknown signalling message type null/],
    [{ type: 'teleport' }, /unknown signalling message type "teleport"/],
    [{ type: 'offer' }, /offer.sdp must be an SDP string/],
    [{ type: 'offer', sdp: 42 }, /offer.sdp must be an SDP string/],
    [{ type: 'offer', sdp: 'hello' }, /offer.sdp must be an SDP string/],
    [{ type: 'offer', sdp: 'v=0' + 'a'.repeat(MAX_SDP_BYTES) }, /larger than 65536 bytes/],
    [{ type: 'offer', sdp: 'v=0', ice_servers: 'stun:x' }, /ice_servers must be a list/],
    [{ type: 'offer', sdp: 'v=0', ice_servers: [{ urls: 'http://evil' }] }, /urls must be stun:\/turn: URLs/],
    [{ type: 'offer', sdp: 'v=0', ice_servers: [{ urls: 'stun:x', credential: 5 }] }, /username and credential must be strings/],
    [{ type: 'candidate', candidate: 'x' }, /RTCIceCandidateInit object or null/],
    [{ type: 'candidate', candidate: { candidate: 5 } }, /candidate.candidate must be a string/],
    [{ type: 'candidate', candidate: { candidate: 'c', sdpMLineIndex: 'zero' } }, /sdpMLineIndex must be an integer/],
    [{ type: 'candidate', candidate: { candidate: 'c', sdpMid: 3 } }, /sdpMid must be a string/],
  ])('rejects %j with a clear error', (message, reason) => {
    expect(() => parseClientMessage(message as never)).toThrow(reason);
  });
});
