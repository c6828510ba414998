import { deepEqual, putBuffers, removeBuffers } from '../../src/widgets/buffers';

describe('removeBuffers / putBuffers', () => {
  const a = Buffer.from([1, 2, 3]);
  const b = new Float32Array([1.5, -2]);
  const c = new Uint8Array([9]).buffer;

  it('splits nested binaries in path order without touching the input', () => {
    const state = { plain: [0, 'x'], x: { ar: a, keep: 1 }, y: [b, { deep: c }], z: null };
    const split = removeBuffers(state);
    expect(split.state).toEqual({ plain: [0, 'x'], x: { keep: 1 }, y: [null, {}], z: null });
    expect(split.bufferPaths).toEqual([
      ['x', 'ar'],
      ['y', 0],
      ['y', 1, 'deep'],
    ]);
    expect(split.buffers[0]).toBe(a);
    expect(split.buffers[1]).toBe(b);
    expect(Array.from(split.buffers[2] as Uint8Array)).toEqual([9]);
    // The caller's object still holds its binaries, and untouched branches are shared.
    expect(state.x.ar).toBe(a);
    expect(state.y[0]).toBe(b);
    expect(split.state.plain).toBe(state.plain);
  });

  it('round-trips through putBuffers', () => {
    const state = { v: { frames: [a, Buffer.from('hi')], meta: { data: b } } };
    const split = removeBuffers(state);
    const wire = JSON.parse(JSON.stringify(split.state));
    putBuffers(wire, split.bufferPaths, split.buffers);
    expect(deepEqual(wire, state)).toBe(true);
    expect(wire.v.frames[1]).toBe(split.buffers[1]);
  });

  it('refuses paths that do not fit the state', () => {
    expect(() => putBuffers({ a: 1 }, [['a', 'b']], [a])).toThrow(/does not fit/);
    expect(() => putBuffers({ a: [] }, [['a', 'x']], [a])).toThrow(/does not fit/);
    expect(() => putBuffers({}, [[]], [a])).toThrow(/bad buffer path/);
    expect(() => putBuffers({}, [['a']], [])).toThrow(/only 0 buffers/);
    expect(() => putBuffers({}, 'x', [])).toThrow(/must be an array/);
  });

  it('compares binaries by bytes, not by identity or type', () => {
    expect(deepEqual({ x: Buffer.from([1, 2]) }, { x: new Uint8Array([1, 2]) })).toBe(true);
    expect(deepEqual({ x: Buffer.from([1, 2]) }, { x: new Uint8Array([1, 3]) })).toBe(false);
    expect(deepEqual([1, { a: 'x' }], [1, { a: 'x' }])).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual(Buffer.from([1]), [1])).toBe(false);
  });
});
