/**
 * The offer's video direction as the worker and the streamer read it (rtc/sdp-direction.ts): the
 * media section's attribute, else the session's, else sendrecv; only the first video section.
 */
import { directionOf, reverseDirection, videoDirectionOf } from '../../src/rtc/sdp-direction';

const sdp = (...lines: string[]) => ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', ...lines].join('\r\n') + '\r\n';

describe('videoDirectionOf', () => {
  it.each([
    [sdp('m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:0', 'a=recvonly'), 'recvonly'],
    [sdp('m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=sendonly'), 'sendonly'],
    [sdp('m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=rtpmap:96 VP8/90000'), 'sendrecv'],
    [sdp('a=inactive', 'm=video 9 UDP/TLS/RTP/SAVPF 96'), 'inactive'],
    [sdp('a=recvonly', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=sendrecv'), 'sendrecv'],
    [sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=sendonly', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=recvonly'), 'recvonly'],
    // an earlier section's attribute is not session-level
    [sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=sendonly', 'm=video 9 UDP/TLS/RTP/SAVPF 96'), 'sendrecv'],
    [sdp('m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=sendonly', 'm=video 9 UDP/TLS/RTP/SAVPF 97', 'a=recvonly'), 'sendonly'],
    [sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=sendonly'), null],
  ])('%#: %j', (offer, direction) => {
    expect(videoDirectionOf(offer)).toBe(direction);
  });

  it("reads the audio section's direction the same way (the mode applies to both)", () => {
    const offer = sdp('a=recvonly', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=sendonly', 'm=audio 9 UDP/TLS/RTP/SAVPF 111');
    expect(directionOf(offer, 'audio')).toBe('recvonly'); // the session's, not the video section's
    expect(directionOf(sdp('m=video 9 UDP/TLS/RTP/SAVPF 96', 'm=audio 9 RTP 111', 'a=sendonly'), 'audio')).toBe(
      'sendonly',
    );
    expect(directionOf(sdp('m=video 9 UDP/TLS/RTP/SAVPF 96'), 'audio')).toBeNull();
  });

  it('reverses a direction for the answer', () => {
    expect(['sendrecv', 'sendonly', 'recvonly', 'inactive'].map((d) => reverseDirection(d as never))).toEqual([
      'sendrecv',
      'recvonly',
      'sendonly',
      'inactive',
    ]);
  });
});
