import { withBitrateHints } from '../../src/rtc/bitrate-hints';

const HINTS = 'x-google-start-bitrate=1500;x-google-max-bitrate=5000';

describe('bitrate hints in the answer', () => {
  it('appends the hints to an existing VP8 fmtp line, keeping CRLF', () => {
    const sdp = [
      'v=0',
      'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
      'a=rtpmap:96 VP8/90000',
      'a=fmtp:96 max-fr=30',
      'a=rtpmap:97 rtx/90000',
      'a=fmtp:97 apt=96',
      '',
    ].join('\r\n');
    expect(withBitrateHints(sdp).split('\r\n')).toEqual([
      'v=0',
      'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
      'a=rtpmap:96 VP8/90000',
      `a=fmtp:96 max-fr=30;${HINTS}`,
      'a=rtpmap:97 rtx/90000',
      'a=fmtp:97 apt=96',
      '',
    ]);
  });

  it('adds a VP8 fmtp line when there is none, and leaves other codecs alone', () => {
    const sdp = ['v=0', 'a=rtpmap:100 VP8/90000', 'a=rtpmap:102 H264/90000', 'a=fmtp:102 profile-level-id=42e01f'].join(
      '\n',
    );
    expect(withBitrateHints(sdp).split('\n')).toEqual([
      'v=0',
      'a=rtpmap:100 VP8/90000',
      `a=fmtp:100 ${HINTS}`,
      'a=rtpmap:102 H264/90000',
      'a=fmtp:102 profile-level-id=42e01f',
    ]);
  });
});

describe('no bitrate floor', () => {
  it('never pins a minimum: Chrome may back off on a slow link', () => {
    const sdp = ['v=0', 'a=rtpmap:96 VP8/90000', 'a=fmtp:96 max-fr=30', ''].join('\r\n');
    expect(withBitrateHints(sdp)).not.toMatch(/x-google-min-bitrate/);
  });
});
