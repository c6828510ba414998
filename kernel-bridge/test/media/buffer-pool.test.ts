/** I420BufferPool: which buffers come back out, step by step (no native code involved). */
import { I420BufferPool } from '../../src/media/buffer-pool';
import { allocI420Buffer, i420Size } from '../../src/media/frame';

describe('I420BufferPool', () => {
  test('take() allocates with slack; a given-back buffer is reused (same object)', () => {
    const pool = new I420BufferPool(2);
    const a = pool.take(4, 2);
    expect(a.byteLength).toBe(allocI420Buffer(4, 2).byteLength);
    expect(a.byteLength).toBeGreaterThan(i420Size(4, 2));
    pool.give(a);
    expect(pool.spare).toBe(1);
    expect(pool.take(4, 2)).toBe(a);
    expect(pool.spare).toBe(0);
  });

  test('keeps at most `capacity` spares', () => {
    const pool = new I420BufferPool(2);
    const bufs = [pool.take(4, 4), pool.take(4, 4), pool.take(4, 4)];
    bufs.forEach((b) => pool.give(b));
    expect(pool.spare).toBe(2);
    expect([pool.take(4, 4), pool.take(4, 4)]).toEqual([bufs[1], bufs[0]]);
  });

  test('a new size drops the old spares; too small or detached buffers are refused', () => {
    const pool = new I420BufferPool(4);
    const small = pool.take(4, 4);
    pool.give(small);
    const big = pool.take(16, 16); // new size: the 4x4 spare is gone
    expect(big).not.toBe(small);
    expect(pool.spare).toBe(0);
    pool.give(small); // too small for 16x16
    expect(pool.spare).toBe(0);
    structuredClone(big, { transfer: [big] }); // big is now detached (0 bytes), as after a postMessage
    pool.give(big);
    pool.give(null);
    expect(pool.spare).toBe(0);
    pool.give(allocI420Buffer(32, 32)); // bigger than needed: still usable
    expect(pool.spare).toBe(1);
  });

  test('give() before any take() keeps nothing; clear() empties', () => {
    const pool = new I420BufferPool(4);
    pool.give(allocI420Buffer(4, 4));
    expect(pool.spare).toBe(0);
    pool.give(pool.take(4, 4));
    expect(pool.spare).toBe(1);
    pool.clear();
    expect(pool.spare).toBe(0);
  });
});
