/**
 * LatestSlot / LatestGate, marble-style: each test is a script of events (offer a value, finish one
 * in flight) and the exact trace of starts and drops it must produce. No timers, no threads.
 */
import { LatestGate, LatestSlot } from '../../src/media/latest-slot';

/**
 * Runs a marble script against a gate: a letter offers that value, `|` finishes the oldest in-flight
 * value. Returns the trace: "s:x" started x, "d:x" dropped x.
 */
function marbles(capacity: number, script: string): string[] {
  const trace: string[] = [];
  const gate = new LatestGate<string>(
    capacity,
    (v) => trace.push(`s:${v}`),
    (v) => trace.push(`d:${v}`),
  );
  for (const c of script.replace(/ /g, '')) {
    if (c === '|') gate.done();
    else gate.offer(c);
  }
  return trace;
}

describe('LatestSlot', () => {
  test('put/take: newest wins, replaced values are dropped, counted and handed to onDrop', () => {
    const drops: [string, number][] = [];
    const slot = new LatestSlot<string>((v, total) => drops.push([v, total]));
    expect(slot.full).toBe(false);
    expect(slot.take()).toBeUndefined();
    slot.put('a');
    slot.put('b');
    slot.put('c');
    expect(slot.full).toBe(true);
    expect(slot.take()).toBe('c');
    expect(slot.full).toBe(false);
    expect(slot.take()).toBeUndefined();
    expect(drops).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(slot.dropped).toBe(2);
  });

  test('falsy values are values (0, "", null)', () => {
    const slot = new LatestSlot<number | null>();
    slot.put(0);
    expect(slot.full).toBe(true);
    expect(slot.take()).toBe(0);
    slot.put(null);
    expect(slot.full).toBe(true);
    expect(slot.take()).toBeNull();
  });
});

describe('LatestGate', () => {
  test('capacity 1: one runs, one waits, newer waiting ones replace older ones', () => {
    expect(marbles(1, 'a b c d | | e |')).toEqual(['s:a', 'd:b', 'd:c', 's:d', 's:e']);
  });

  test('capacity 2: two run before anything waits', () => {
    expect(marbles(2, 'a b c d | |')).toEqual(['s:a', 's:b', 'd:c', 's:d']);
  });

  test('a done() with nothing waiting frees a place; extra done() never goes below zero', () => {
    expect(marbles(1, 'a | | | b c')).toEqual(['s:a', 's:b']);
  });

  test('done() reports whether it started the waiting value; idle/inFlight/dropped follow', () => {
    const gate = new LatestGate<number>(1, () => undefined);
    expect(gate.idle).toBe(true);
    gate.offer(1);
    gate.offer(2);
    gate.offer(3);
    expect(gate.inFlight).toBe(1);
    expect(gate.dropped).toBe(1);
    expect(gate.idle).toBe(false);
    expect(gate.done()).toBe(true);
    expect(gate.inFlight).toBe(1);
    expect(gate.done()).toBe(false);
    expect(gate.idle).toBe(true);
  });

  test('clear() hands back the waiting value without counting it as dropped', () => {
    const gate = new LatestGate<string>(1, () => undefined);
    gate.offer('a');
    gate.offer('b');
    expect(gate.clear()).toBe('b');
    expect(gate.dropped).toBe(0);
    expect(gate.done()).toBe(false);
    expect(gate.idle).toBe(true);
  });

  test('a start that finishes synchronously (re-entrant done) keeps the order', () => {
    const trace: string[] = [];
    const gate: LatestGate<string> = new LatestGate<string>(1, (v) => {
      trace.push(v);
      if (v === 'a') gate.offer('b'); // arrives while a runs: waits
      gate.done(); // a finishes at once, then starts b, which finishes too
    });
    gate.offer('a');
    expect(trace).toEqual(['a', 'b']);
    expect(gate.idle).toBe(true);
  });

  test('capacity below 1 is refused', () => {
    expect(() => new LatestGate(0, () => undefined)).toThrow(RangeError);
  });
});
