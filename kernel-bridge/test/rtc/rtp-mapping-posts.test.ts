/**
 * @jest-environment ./test/media/native-env.js
 *
 * The sender tells the main thread its RTP clock mapping (rtp_mapping) when the clock's shift
 * changes, not per frame: a transform whose timestamps never increase shifts the clock at every
 * frame, which posted one message per frame.
 */
import type { MediaStreamTrack } from 'werift';
import { createI420Frame } from '../../src/media';
import type { RtpMapping } from '../../src/rtc/worker/rtp-clock';
import { Sender } from '../../src/rtc/worker/send';
import { WorkerStats } from '../../src/rtc/worker/stats';

describe('Sender rtp_mapping posts', () => {
  it('a constant timestamp (a shift at every frame) is not posted per frame', () => {
    const posted: RtpMapping[] = [];
    const sender = new Sender({
      bitrate: undefined,
      encoderThreads: 1,
      maxPayload: undefined,
      stats: new WorkerStats(),
      onRtpMapping: (mapping) => posted.push(mapping),
    });
    const track = { writeRtp: () => undefined } as unknown as MediaStreamTrack;
    const image = createI420Frame(64, 48);
    const start = performance.now();
    try {
      for (let i = 0; i < 20; i++) sender.send(64, 48, 0, image.data, { track, payloadType: 96 });
    } finally {
      sender.close();
    }
    const elapsed = performance.now() - start;
    // the first is told at once, then at most one per MAPPING_INTERVAL_MS (500) of the time taken
    expect(posted.length).toBeGreaterThanOrEqual(1);
    expect(posted.length).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 500));
    expect(posted.length).toBeLessThan(20);
  });
});
