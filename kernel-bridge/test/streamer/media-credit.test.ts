// The kernel transport's latest-first flow control (src/streamer/media-credit.ts) as a pure unit.
import { MediaCredit } from '../../src/streamer/media-credit';

describe('MediaCredit', () => {
  it('sends up to the limit with consecutive sequence numbers, then frees credit per ack', () => {
    const credit = new MediaCredit(2);
    expect(credit.offer(true)).toBe('send');
    expect(credit.lastSeq).toBe(0);
    expect(credit.offer(false)).toBe('send');
    expect(credit.lastSeq).toBe(1);
    expect(credit.inFlight).toBe(2);
    expect(credit.ack(0)).toBe(true);
    expect(credit.inFlight).toBe(1);
    expect(credit.ack(0)).toBe(false); // not in flight any more
    expect(credit.ack(99)).toBe(false);
  });

  it('an ack frees the frame acked and every older one still in flight (piggybacked acks skip some)', () => {
    const credit = new MediaCredit(4);
    for (let i = 0; i < 4; i++) expect(credit.offer(i === 0)).toBe('send');
    expect(credit.ack(2)).toBe(true);
    expect(credit.inFlight).toBe(1);
    expect(credit.ack(1)).toBe(false);
    expect(credit.ack(3)).toBe(true);
    expect(credit.inFlight).toBe(0);
  });

  it('after a drop, asks for a keyframe once and sends nothing but a keyframe next', () => {
    const credit = new MediaCredit(1);
    expect(credit.offer(true)).toBe('send');
    expect(credit.offer(false)).toBe('drop_want_keyframe');
    expect(credit.offer(false)).toBe('drop'); // asked already
    credit.ack(0);
    expect(credit.offer(false)).toBe('drop'); // credit again, but the decoder needs a keyframe
    expect(credit.offer(true)).toBe('send');
    expect(credit.lastSeq).toBe(1); // dropped frames take no sequence number
    expect(credit.dropped).toBe(3);
    credit.ack(1);
    expect(credit.offer(false)).toBe('send');
  });

  it('asks again when the awaited keyframe itself finds no credit', () => {
    const credit = new MediaCredit(1);
    credit.offer(true);
    expect(credit.offer(false)).toBe('drop_want_keyframe');
    expect(credit.offer(true)).toBe('drop_want_keyframe');
  });

  it('a keyframe request from the other side holds delta frames back', () => {
    const credit = new MediaCredit(2);
    credit.offer(true);
    credit.keyframeRequested();
    expect(credit.offer(false)).toBe('drop');
    expect(credit.offer(true)).toBe('send');
  });

  it('wraps sequence numbers at 2^32', () => {
    const credit = new MediaCredit(1);
    (credit as unknown as { nextSeq: number }).nextSeq = 0xffffffff;
    credit.offer(true);
    expect(credit.lastSeq).toBe(0xffffffff);
    credit.ack(0xffffffff);
    credit.offer(false);
    expect(credit.lastSeq).toBe(0);
  });
});
