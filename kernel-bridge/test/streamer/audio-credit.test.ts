/**
 * The kernel transport's audio flow control (src/streamer/audio-credit.ts): a bounded window of
 * unacknowledged packets with cumulative acks, and the receiver's every-Nth ack.
 */
import { AudioAcker, AudioCredit } from '../../src/streamer/audio-credit';

describe('AudioCredit', () => {
  it('numbers packets consecutively and drops (counted) beyond the limit until acked', () => {
    const credit = new AudioCredit(3);
    expect([credit.offer(), credit.offer(), credit.offer(), credit.offer()]).toEqual([0, 1, 2, null]);
    expect(credit.dropped).toBe(1);
    expect(credit.ack(1)).toBe(true); // cumulative: 0 and 1
    expect(credit.inFlight).toBe(1);
    expect([credit.offer(), credit.offer(), credit.offer()]).toEqual([3, 4, null]);
  });

  it('refuses acks of packets not in flight (already acked, or never sent)', () => {
    const credit = new AudioCredit(4);
    credit.offer();
    credit.offer();
    expect(credit.ack(2)).toBe(false);
    expect(credit.ack(0)).toBe(true);
    expect(credit.ack(0)).toBe(false);
    expect(credit.ack(1)).toBe(true);
    expect(credit.inFlight).toBe(0);
  });
});

describe('AudioAcker', () => {
  it('says to ack every n-th packet', () => {
    const acker = new AudioAcker(4);
    expect(Array.from({ length: 9 }, () => acker.took())).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
    ]);
  });
});
