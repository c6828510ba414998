import { buildTwccFeedback, TwccFeedback } from '../../src/rtc/worker/twcc-feedback';

/**
 * Reads a feedback packet back per the draft (run-length chunks, which is all we write):
 * what Chrome's parser sees. werift's own parser is not used: it counts one packet too many per run.
 */
function parse(buf: Buffer) {
  expect(buf[0] & 0xdf).toBe(0x80 | 15);
  expect(buf[1]).toBe(205);
  expect((buf.readUInt16BE(2) + 1) * 4).toBe(buf.length);
  const baseSeq = buf.readUInt16BE(12);
  const statusCount = buf.readUInt16BE(14);
  const referenceTime = buf.readUIntBE(16, 3);
  const fbCount = buf[19];
  const statuses: number[] = [];
  let at = 20;
  while (statuses.length < statusCount) {
    const chunk = buf.readUInt16BE(at);
    at += 2;
    expect(chunk >> 15).toBe(0);
    for (let i = 0; i < (chunk & 0x1fff); i++) statuses.push((chunk >> 13) & 3);
  }
  expect(statuses).toHaveLength(statusCount);
  const arrivalsUs: (number | undefined)[] = [];
  let t = referenceTime * 64_000;
  for (const status of statuses) {
    if (status === 0) {
      arrivalsUs.push(undefined);
      continue;
    }
    const ticks = status === 1 ? buf.readUInt8(at) : buf.readInt16BE(at);
    at += status;
    t += ticks * 250;
    arrivalsUs.push(t);
  }
  return { baseSeq, referenceTime, fbCount, arrivalsUs, received: arrivalsUs.map((a) => a !== undefined) };
}

describe('transport-wide feedback packet', () => {
  it('reports each number from the base, lost ones as not received, deltas from the 64 ms reference', () => {
    const t0 = 10 * 64_000 + 1000; // 1 ms after a reference boundary
    const buf = buildTwccFeedback({
      senderSsrc: 1,
      mediaSsrc: 2,
      baseSeq: 65534,
      arrivalsUs: [t0, undefined, t0 + 500, t0 + 100_000],
      count: 7,
    });
    expect(buf.length % 4).toBe(0);
    const fb = parse(buf);
    expect(fb.baseSeq).toBe(65534);
    expect(fb.referenceTime).toBe(10);
    expect(fb.fbCount).toBe(7);
    expect(fb.arrivalsUs).toEqual([t0, undefined, t0 + 500, t0 + 100_000]);
  });

  it('writes negative (reordered) and long deltas as large ones', () => {
    const arrivalsUs = [64_000 + 5000, 64_000 + 3000, 64_000 + 3000 + 250 * 300];
    const buf = buildTwccFeedback({ senderSsrc: 1, mediaSsrc: 2, baseSeq: 0, arrivalsUs, count: 0 });
    expect(parse(buf).arrivalsUs).toEqual(arrivalsUs);
  });
});

describe('TwccFeedback', () => {
  it('sends one feedback per flush from the first unreported number to the newest, across the 16-bit wrap', () => {
    const sent: Buffer[] = [];
    let now = 1_000_000;
    const twcc = new TwccFeedback({ send: (b) => sent.push(b), senderSsrc: () => 1, mediaSsrc: () => 2 }, () => now);
    try {
      for (const seq of [65533, 65534, 1]) {
        twcc.handleTWCC(seq);
        now += 1000;
      }
      twcc.flush();
      twcc.handleTWCC(0); // late: already reported lost
      twcc.handleTWCC(2);
      twcc.flush();
      twcc.flush(); // nothing new: nothing sent
    } finally {
      twcc.stop();
    }
    expect(sent).toHaveLength(2);
    const [a, b] = sent.map(parse);
    expect(a.baseSeq).toBe(65533);
    expect(a.received).toEqual([true, true, false, false, true]);
    expect(a.arrivalsUs[4]! - a.arrivalsUs[0]!).toBe(2000);
    expect(b.baseSeq).toBe(2);
    expect(b.received).toEqual([true]);
    expect(b.fbCount).toBe(1);
  });

  it('ignores numbers that are not 16-bit integers', () => {
    const sent: Buffer[] = [];
    const twcc = new TwccFeedback({ send: (b) => sent.push(b), senderSsrc: () => 1, mediaSsrc: () => 2 });
    try {
      for (const bad of [undefined, -1, 70000, 1.5, '3']) twcc.handleTWCC(bad);
      twcc.flush();
    } finally {
      twcc.stop();
    }
    expect(sent).toHaveLength(0);
  });
});
