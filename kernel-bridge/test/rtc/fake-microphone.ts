/**
 * The fake browser's microphone (fake-browser.ts, `{ audio: 'opus' }`): a sine tone as 20 ms Opus
 * RTP packets on its audio track, paced by the wall clock (a late timer sends the frames that are
 * due, so a loaded machine still sends 50 frames a second and a recording's audio is as long as
 * its video). Shared by the audio tests of MediaPeer, the streamer and recording.
 */
import { MediaStreamTrack, RtpHeader, RtpPacket } from 'werift';
import { OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE, OpusEncoder } from '../../src/media/opus';

export class Microphone {
  private readonly encoder = new OpusEncoder({ channels: 1 });
  private t = 0;
  private seq = 1;
  private startedAt = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly track: MediaStreamTrack,
    private readonly hz = 1000,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.send();
    this.timer = setInterval(() => {
      const due = ((performance.now() - this.startedAt) * OPUS_SAMPLE_RATE) / 1000;
      while (this.t + OPUS_FRAME_SAMPLES <= due) this.send();
    }, 20);
  }

  private send(): void {
    const pcm = new Float32Array(OPUS_FRAME_SAMPLES);
    for (let i = 0; i < pcm.length; i++, this.t++)
      pcm[i] = 0.5 * Math.sin((2 * Math.PI * this.hz * this.t) / OPUS_SAMPLE_RATE);
    const ts = (this.t - OPUS_FRAME_SAMPLES + 12345) >>> 0;
    this.encoder.encode(pcm, this.t, (payload) => {
      const header = new RtpHeader({ sequenceNumber: this.seq++ & 0xffff, timestamp: ts, payloadType: 111 });
      this.track.writeRtp(new RtpPacket(header, payload));
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.encoder.close();
  }
}
