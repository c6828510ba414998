/**
 * Attacks a frontend (or anything that can send comm messages) can make on kernel-side widgets,
 * each sent as the raw update it would be, with the clean outcome asserted: prototype pollution
 * through buffer_paths, and unbounded lists and strings in trait values (issue 8).
 */
import { Button, IntSlider, ToggleButtons } from '../../src/widgets';
import { putBuffers } from '../../src/widgets/buffers';
import { MAX_LIST_ENTRIES, MAX_STRING_LENGTH } from '../../src/widgets/traits';
import { FakeKernel, freshKernel } from './fake-kernel';

let kernel: FakeKernel;
beforeEach(() => {
  kernel = freshKernel();
});

const commOf = (w: { modelId: string }) => kernel.comm(w.modelId);
const sentStates = (w: { modelId: string }) =>
  commOf(w)
    .take()
    .map((s) => [s.data.method, s.data.state]);

describe('buffer_paths cannot reach a prototype', () => {
  afterEach(() => {
    // Should a check regress, do not leak the pollution into the other tests.
    for (const key of ['x', 'polluted']) delete (Object.prototype as Record<string, unknown>)[key];
  });

  it('rejects ["__proto__", "x"]: nothing lands on Object.prototype, the frontend is resynced, the widget still works', () => {
    const slider = new IntSlider({ value: 5 });
    commOf(slider).receive({ method: 'update', state: { value: 7 }, buffer_paths: [['__proto__', 'x']] }, [
      Buffer.from([1, 2, 3]),
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(slider.value).toBe(5);
    expect(kernel.logs.join('\n')).toMatch(
      /rejected update of value: buffer path \["__proto__","x"\] names '__proto__'/,
    );
    expect(sentStates(slider)).toEqual([['update', { value: 5 }]]);

    commOf(slider).receive({ method: 'update', state: { value: 8 }, buffer_paths: [] });
    expect(slider.value).toBe(8);
    expect(sentStates(slider)).toEqual([['echo_update', { value: 8 }]]);
  });

  it('rejects constructor/prototype segments and inherited properties along the path', () => {
    const attacks: unknown[][] = [
      ['constructor', 'prototype', 'polluted'],
      ['value', 'constructor', 'prototype', 'polluted'],
      ['toString', 'polluted'],
      ['__proto__'],
    ];
    for (const path of attacks) {
      expect(() => putBuffers({ value: {} }, [path], [Buffer.from([1])])).toThrow(/never a state key|does not fit/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('only puts buffers at existing array indices, so a path cannot grow an array to any length', () => {
    expect(() => putBuffers({ a: [null] }, [['a', 1e9]], [Buffer.from([1])])).toThrow(/does not fit/);
    expect(() => putBuffers({ a: [null] }, [['a', -1]], [Buffer.from([1])])).toThrow(/does not fit/);
    const state = { a: [null] as unknown[] };
    putBuffers(state, [['a', 0]], [Buffer.from([1])]);
    expect(state.a).toHaveLength(1);
  });
});

describe('list and string traits are bounded', () => {
  it('rejects a 200,000-entry _dom_classes with a clear, short log line and resyncs the frontend', () => {
    const button = new Button({ description: 'go' });
    const huge = Array.from({ length: 200_000 }, (_, i) => `c${i}`);
    commOf(button).receive({ method: 'update', state: { _dom_classes: huge }, buffer_paths: [] });
    expect(button.get('_dom_classes')).toEqual([]);
    const log = kernel.logs.join('\n');
    expect(log).toMatch(new RegExp(`_dom_classes: expected at most ${MAX_LIST_ENTRIES} entries, got 200000`));
    expect(log.length).toBeLessThan(1000);
    expect(sentStates(button)).toEqual([['update', { _dom_classes: [] }]]);
  });

  it('accepts a list of exactly the bound', () => {
    const button = new Button();
    const most = Array.from({ length: MAX_LIST_ENTRIES }, (_, i) => `c${i}`);
    commOf(button).receive({ method: 'update', state: { _dom_classes: most }, buffer_paths: [] });
    expect(button.get('_dom_classes')).toHaveLength(MAX_LIST_ENTRIES);
  });

  it('bounds other list traits and the strings inside them, kernel-side too', () => {
    const buttons = new ToggleButtons({ options: ['a', 'b'] });
    const tooMany = Array.from({ length: MAX_LIST_ENTRIES + 1 }, () => 'tip');
    commOf(buttons).receive({ method: 'update', state: { tooltips: tooMany }, buffer_paths: [] });
    expect(buttons.get('tooltips')).toEqual([]);
    const tooLong = 'x'.repeat(MAX_STRING_LENGTH + 1);
    commOf(buttons).receive({ method: 'update', state: { tooltips: [tooLong] }, buffer_paths: [] });
    expect(buttons.get('tooltips')).toEqual([]);
    expect(() => buttons.set({ tooltips: tooMany })).toThrow(/at most 1000 entries/);
  });

  it('bounds string traits', () => {
    const button = new Button({ description: 'go' });
    const tooLong = 'x'.repeat(MAX_STRING_LENGTH + 1);
    commOf(button).receive({ method: 'update', state: { description: tooLong }, buffer_paths: [] });
    expect(button.description).toBe('go');
    expect(kernel.logs.join('\n')).toMatch(/description: expected a string of at most 1000000 characters, got 1000001/);
    expect(sentStates(button)).toEqual([['update', { description: 'go' }]]);
  });
});
