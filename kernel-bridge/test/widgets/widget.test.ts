import { MIME_BUNDLE } from '../../src/kernel/api';
import { IntSlider, TraitError, Widget } from '../../src/widgets';
import { modelTraits, ModelState } from '../../src/widgets/controls/model';
import { widgetRegistry } from '../../src/widgets/registry';
import { anyValue, int } from '../../src/widgets/traits';
import { FakeKernel, freshKernel } from './fake-kernel';

interface BlobState extends ModelState {
  data: { frames: Uint8Array[]; label: string };
  count: number;
  quiet: number;
}

/** A widget with binary state, to exercise buffer_paths through the generic base class. */
class Blob extends Widget<BlobState> {
  constructor(init: Partial<BlobState> = {}) {
    super(
      {
        ...modelTraits(['test-module', '1.0.0', 'BlobModel'], ['test-module', '1.0.0', 'BlobView']),
        data: anyValue({ frames: [], label: '' }),
        count: int(0),
        quiet: { ...int(0), echo: false },
      },
      init,
    );
  }
}

let kernel: FakeKernel;
beforeEach(() => {
  kernel = freshKernel();
});

const commOf = (w: { modelId: string }) => kernel.comm(w.modelId);

describe('comm_open', () => {
  it('opens jupyter.widget with protocol 2.1.0, full state and its layout/style first', () => {
    const slider = new IntSlider({ value: 3, description: 'x' });
    const [layout, style, own] = kernel.opened;
    expect(kernel.opened).toHaveLength(3);
    expect(own.comm.id).toBe(slider.modelId);
    expect(own.comm.targetName).toBe('jupyter.widget');
    expect(own.metadata).toEqual({ version: '2.1.0' });
    expect(own.data.buffer_paths).toEqual([]);
    expect(own.data.state).toMatchObject({
      _model_module: '@jupyter-widgets/controls',
      _model_module_version: '2.0.0',
      _model_name: 'IntSliderModel',
      _view_module: '@jupyter-widgets/controls',
      _view_module_version: '2.0.0',
      _view_name: 'IntSliderView',
      value: 3,
      min: 0,
      max: 100,
      step: 1,
      description: 'x',
      layout: `IPY_MODEL_${layout.comm.id}`,
      style: `IPY_MODEL_${style.comm.id}`,
    });
    expect(layout.data.state).toMatchObject({
      _model_module: '@jupyter-widgets/base',
      _model_name: 'LayoutModel',
      _view_name: 'LayoutView',
      width: null,
    });
    expect(style.data.state).toMatchObject({
      _model_module: '@jupyter-widgets/controls',
      _model_name: 'SliderStyleModel',
      _view_module: '@jupyter-widgets/base',
      _view_name: 'StyleView',
      description_width: '',
    });
  });

  it('sends binaries as buffers in buffer_paths order', () => {
    const a = Buffer.from([1, 2]);
    const b = new Uint8Array([3]);
    new Blob({ data: { frames: [a, b], label: 'two' } });
    const [open] = kernel.opened;
    expect(open.data.state).toMatchObject({ data: { frames: [null, null], label: 'two' } });
    expect(open.data.buffer_paths).toEqual([
      ['data', 'frames', 0],
      ['data', 'frames', 1],
    ]);
    expect(open.buffers.map((x) => [...x])).toEqual([[1, 2], [3]]);
  });

  it('refuses bad options at construction without opening anything', () => {
    expect(() => new IntSlider({ value: 'big' as never })).toThrow(TraitError);
    expect(() => new IntSlider({ valeu: 1 } as never)).toThrow(/no option 'valeu'/);
    expect(() => new IntSlider({ min: 5, max: 1 })).toThrow(/min > max/);
    // The style/layout of the failed slider were closed again.
    expect(kernel.opened.every((o) => o.comm.isClosed)).toBe(true);
    expect(widgetRegistry().widgets.size).toBe(0);
  });
});

describe('kernel-side sets', () => {
  it('sends an update with only the changed keys', () => {
    const slider = new IntSlider();
    slider.value = 5;
    slider.set({ value: 5, description: 'd' });
    slider.description = 'd';
    expect(
      commOf(slider)
        .take()
        .map((s) => s.data),
    ).toEqual([
      { method: 'update', state: { value: 5 }, buffer_paths: [] },
      { method: 'update', state: { description: 'd' }, buffer_paths: [] },
    ]);
  });

  it('applies cross-key rules in one message (ipywidgets clamps value to min/max)', () => {
    const slider = new IntSlider({ value: 5 });
    slider.min = 10;
    expect(slider.value).toBe(10);
    expect(
      commOf(slider)
        .take()
        .map((s) => s.data.state),
    ).toEqual([{ min: 10, value: 10 }]);
  });

  it('throws on a bad kernel-side value and applies nothing', () => {
    const slider = new IntSlider({ value: 5 });
    expect(() => slider.set({ value: 6, disabled: 'no' as never })).toThrow(/IntSlider.disabled: expected a boolean/);
    expect(() => (slider.value = 1.5)).toThrow(TraitError);
    expect(() => slider.set({ max: -1 })).toThrow(/max < min/);
    expect(slider.value).toBe(5);
    expect(commOf(slider).take()).toEqual([]);
  });

  it('sends binary values as buffers', () => {
    const blob = new Blob();
    blob.set({ data: { frames: [Buffer.from([7])], label: 'one' } });
    const [update] = commOf(blob).take();
    expect(update.data).toEqual({
      method: 'update',
      state: { data: { frames: [null], label: 'one' } },
      buffer_paths: [['data', 'frames', 0]],
    });
    expect([...update.buffers[0]]).toEqual([7]);
  });
});

describe('frontend updates', () => {
  it('applies, notifies and echoes the same values back, without an update', () => {
    const slider = new IntSlider();
    const seen: number[] = [];
    slider.value$.subscribe((v) => seen.push(v));
    commOf(slider).receive({ method: 'update', state: { value: 42 }, buffer_paths: [] });
    expect(slider.value).toBe(42);
    expect(seen).toEqual([0, 42]);
    expect(
      commOf(slider)
        .take()
        .map((s) => s.data),
    ).toEqual([{ method: 'echo_update', state: { value: 42 }, buffer_paths: [] }]);
  });

  it('echoes, then corrects a value the kernel coerced', () => {
    const slider = new IntSlider({ value: 100 });
    commOf(slider).receive({ method: 'update', state: { value: 500 }, buffer_paths: [] });
    expect(slider.value).toBe(100);
    // Even though the kernel value did not change, the frontend must not keep showing 500.
    expect(
      commOf(slider)
        .take()
        .map((s) => [s.data.method, s.data.state]),
    ).toEqual([
      ['echo_update', { value: 500 }],
      ['update', { value: 100 }],
    ]);
  });

  it('sends the value a subscriber chose while handling the frontend change', () => {
    const slider = new IntSlider();
    slider.value$.subscribe((v) => {
      if (v % 2 === 1) slider.value = v + 1;
    });
    commOf(slider).receive({ method: 'update', state: { value: 3 }, buffer_paths: [] });
    expect(slider.value).toBe(4);
    expect(
      commOf(slider)
        .take()
        .map((s) => [s.data.method, s.data.state]),
    ).toEqual([
      ['echo_update', { value: 3 }],
      ['update', { value: 4 }],
    ]);
  });

  it('rejects wrong types and unknown keys: logged, not applied, never thrown, frontend resynced', () => {
    const slider = new IntSlider({ value: 5 });
    const seen: number[] = [];
    slider.value$.subscribe((v) => seen.push(v));
    expect(() =>
      commOf(slider).receive({ method: 'update', state: { value: 'x', nope: 1, disabled: true }, buffer_paths: [] }),
    ).not.toThrow();
    expect(slider.value).toBe(5);
    expect(slider.disabled).toBe(true);
    expect(seen).toEqual([5]);
    expect(kernel.logs.join('\n')).toMatch(/rejected value="x": IntSlider.value: expected an integer/);
    expect(kernel.logs.join('\n')).toMatch(/rejected unknown key 'nope'/);
    expect(
      commOf(slider)
        .take()
        .map((s) => [s.data.method, s.data.state]),
    ).toEqual([
      ['echo_update', { disabled: true }],
      ['update', { value: 5 }],
    ]);
  });

  it('rejects changes to read-only keys', () => {
    const slider = new IntSlider();
    commOf(slider).receive({ method: 'update', state: { _model_name: 'Evil' }, buffer_paths: [] });
    expect(slider.get('_model_name')).toBe('IntSliderModel');
    expect(kernel.logs.join()).toMatch(/_model_name/);
    expect(
      commOf(slider)
        .take()
        .map((s) => s.data.state),
    ).toEqual([{ _model_name: 'IntSliderModel' }]);
  });

  it('logs malformed messages without throwing; bad buffer paths resync the keys they came with', () => {
    const slider = new IntSlider();
    const comm = commOf(slider);
    comm.receive({ method: 'update' });
    comm.receive({ method: 'update', state: [1] });
    comm.receive({ method: 'update', state: { value: 1 }, buffer_paths: [['value']] }); // no buffer
    comm.receive({ method: 'update', state: { value: 1 }, buffer_paths: 'value' });
    comm.receive({ method: 'custom' });
    comm.receive({ method: 'bogus' });
    expect(slider.value).toBe(0);
    expect(comm.take().map((s) => [s.data.method, s.data.state])).toEqual([
      ['update', { value: 0 }],
      ['update', { value: 0 }],
    ]);
    expect(kernel.logs).toHaveLength(6);
  });

  it('never answers an echo_update, so echoes cannot loop', () => {
    const slider = new IntSlider();
    commOf(slider).receive({ method: 'echo_update', state: { value: 9 }, buffer_paths: [] });
    expect(slider.value).toBe(0);
    expect(commOf(slider).take()).toEqual([]);
  });

  it('puts incoming buffers back at nested paths and echoes them as buffers', () => {
    const blob = new Blob();
    const a = Buffer.from([1, 2, 3]);
    const b = Buffer.from([4]);
    commOf(blob).receive(
      {
        method: 'update',
        state: { data: { frames: [null, null], label: 'in' }, count: 2 },
        buffer_paths: [
          ['data', 'frames', 1],
          ['data', 'frames', 0],
        ],
      },
      [a, b],
    );
    expect(blob.get('data').frames).toEqual([b, a]);
    expect(blob.get('count')).toBe(2);
    const [echo, ...rest] = commOf(blob).take();
    expect(rest).toEqual([]);
    expect(echo.data).toEqual({
      method: 'echo_update',
      state: { data: { frames: [null, null], label: 'in' }, count: 2 },
      buffer_paths: [
        ['data', 'frames', 0],
        ['data', 'frames', 1],
      ],
    });
    expect(echo.buffers.map((x) => [...x])).toEqual([[4], [1, 2, 3]]);
  });

  it('does not echo keys marked echo: false', () => {
    const blob = new Blob();
    commOf(blob).receive({ method: 'update', state: { quiet: 1, count: 1 }, buffer_paths: [] });
    expect(blob.get('quiet')).toBe(1);
    expect(
      commOf(blob)
        .take()
        .map((s) => [s.data.method, s.data.state]),
    ).toEqual([['echo_update', { count: 1 }]]);
  });
});

describe('request_state and custom messages', () => {
  it('answers request_state with a full update including buffers', () => {
    const blob = new Blob({ data: { frames: [Buffer.from([5])], label: 'l' }, count: 3 });
    commOf(blob).receive({ method: 'request_state' });
    const [update] = commOf(blob).take();
    expect(update.data.method).toBe('update');
    expect(update.data.state).toEqual(kernel.opened[0].data.state);
    expect(update.data.buffer_paths).toEqual([['data', 'frames', 0]]);
    expect([...update.buffers[0]]).toEqual([5]);
  });

  it('sends and receives custom messages with buffers', () => {
    const blob = new Blob();
    const got: unknown[] = [];
    blob.custom$.subscribe(({ content, buffers }) => got.push([content, buffers.map((x) => [...x])]));
    blob.send({ type: 'hello', n: 1 }, [new Uint8Array([1, 2])]);
    commOf(blob).receive({ method: 'custom', content: { type: 'back' } }, [Buffer.from([9])]);
    const [sent] = commOf(blob).take();
    expect(sent.data).toEqual({ method: 'custom', content: { type: 'hello', n: 1 } });
    expect([...sent.buffers[0]]).toEqual([1, 2]);
    expect(got).toEqual([[{ type: 'back' }, [[9]]]]);
  });
});

describe('display', () => {
  it('returns a widget-view MIME bundle and a readable text form', () => {
    const slider = new IntSlider({ value: 5, description: 'speed' });
    expect(slider[MIME_BUNDLE]()).toEqual({
      data: {
        'text/plain': 'IntSlider(description="speed", value=5)',
        'application/vnd.jupyter.widget-view+json': { model_id: slider.modelId, version_major: 2, version_minor: 1 },
      },
    });
  });
});

describe('value$ and close', () => {
  it('emits the current value on subscribe, each change once, and completes on close', () => {
    const slider = new IntSlider({ value: 1 });
    const seen: unknown[] = [];
    slider.value$.subscribe({ next: (v) => seen.push(v), complete: () => seen.push('done') });
    slider.value = 2;
    slider.value = 2;
    commOf(slider).receive({ method: 'update', state: { value: 3 }, buffer_paths: [] });
    const late: unknown[] = [];
    slider.value$.subscribe((v) => late.push(v));
    slider.close();
    expect(seen).toEqual([1, 2, 3, 'done']);
    expect(late).toEqual([3]);
    const after: unknown[] = [];
    slider.value$.subscribe({ next: (v) => after.push(v), complete: () => after.push('done') });
    expect(after).toEqual([3, 'done']);
  });

  it('close() closes the comm, its own layout and style, and leaves the registry', () => {
    const slider = new IntSlider();
    const custom = jest.fn();
    slider.custom$.subscribe({ complete: custom });
    slider.close();
    slider.close();
    expect(kernel.opened.map((o) => o.comm.isClosed)).toEqual([true, true, true]);
    expect(slider.isClosed).toBe(true);
    expect(custom).toHaveBeenCalledTimes(1);
    expect(widgetRegistry().widgets.size).toBe(0);
    // Closed widgets still accept local sets but send nothing (the fake throws on a closed send).
    expect(() => (slider.value = 3)).not.toThrow();
    expect(slider[MIME_BUNDLE]().data).toEqual({ 'text/plain': 'IntSlider(value=3)' });
  });

  it('a frontend comm_close closes the widget and completes its observables', () => {
    const slider = new IntSlider();
    const done = jest.fn();
    slider.value$.subscribe({ complete: done });
    commOf(slider).closeFromFrontend();
    expect(slider.isClosed).toBe(true);
    expect(done).toHaveBeenCalled();
    expect(widgetRegistry().widgets.has(slider.modelId)).toBe(false);
    expect(() => slider.send({ late: true })).not.toThrow();
  });

  it('keeps a layout the caller passed in open', () => {
    const first = new IntSlider();
    const second = new IntSlider({ layout: first.layout });
    second.close();
    expect(first.layout.isClosed).toBe(false);
    expect(second.style.isClosed).toBe(true);
  });
});
