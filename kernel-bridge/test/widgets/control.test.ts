import { JSONObject } from '../../src/kernel/api';
import * as widgets from '../../src/widgets';
import { HBox, IntSlider, Widget } from '../../src/widgets';
import { modelTraits, ModelState } from '../../src/widgets/controls/model';
import { anyValue } from '../../src/widgets/traits';
import { putBuffers } from '../../src/widgets/buffers';
import { FakeComm, FakeKernel, freshKernel } from './fake-kernel';

class Bin extends Widget<ModelState & { blob: unknown }> {
  constructor(blob: unknown) {
    super({ ...modelTraits(['m', '1.0.0', 'BinModel'], ['m', '1.0.0', 'BinView']), blob: anyValue(null) }, { blob });
  }
}

let kernel: FakeKernel;
beforeEach(() => {
  kernel = freshKernel();
});

function openControl(version = '1.0.0'): FakeComm {
  const comm = kernel.openFromFrontend('jupyter.widget.control', {}, { version });
  if (!comm) throw new Error('jupyter.widget.control is not registered');
  return comm;
}

describe('jupyter.widget.control', () => {
  it('answers request_states like ipywidgets: states by model id, buffer paths from the id', () => {
    const slider = new IntSlider({ value: 7 });
    const bin = new Bin({ parts: [Buffer.from([1]), Buffer.from([2, 3])] });
    const gone = new IntSlider();
    gone.close();
    const comm = openControl();
    comm.receive({ method: 'request_states' });
    const [reply, ...more] = comm.take();
    expect(more).toEqual([]);
    const data = reply.data as { method: string; states: Record<string, JSONObject>; buffer_paths: unknown[] };
    expect(data.method).toBe('update_states');
    expect(Object.keys(data.states).sort()).toEqual(
      [slider.modelId, slider.layout.modelId, slider.style.modelId, bin.modelId].sort(),
    );
    expect(data.states[slider.modelId]).toEqual({
      model_name: 'IntSliderModel',
      model_module: '@jupyter-widgets/controls',
      model_module_version: '2.0.0',
      state: slider.wireState(),
    });
    expect(data.states[slider.style.modelId]).toMatchObject({ model_name: 'SliderStyleModel' });
    expect(data.buffer_paths).toEqual([
      [bin.modelId, 'state', 'blob', 'parts', 0],
      [bin.modelId, 'state', 'blob', 'parts', 1],
    ]);
    // What the frontend's _loadFromKernel does with it: peel off the id, put the buffer back.
    data.buffer_paths.forEach((path, i) => {
      const [id, ...rest] = path as string[];
      putBuffers(data.states[id], [rest], [reply.buffers[i]]);
    });
    expect((data.states[bin.modelId].state as { blob: unknown }).blob).toEqual({
      parts: [Buffer.from([1]), Buffer.from([2, 3])],
    });
  });

  it('refuses another control protocol major version by closing the comm', () => {
    new IntSlider();
    const comm = openControl('2.0.0');
    expect(comm.isClosed).toBe(true);
    expect(kernel.logs.join()).toMatch(/control comm version "2.0.0"/);
  });

  it('logs unknown methods without replying', () => {
    new IntSlider();
    const comm = openControl();
    comm.receive({ method: 'nope' });
    expect(comm.take()).toEqual([]);
    expect(kernel.logs.join()).toMatch(/unknown control comm method "nope"/);
  });

  it('is registered once per kernel, again for a new kernel', () => {
    new IntSlider();
    new IntSlider();
    expect(kernel.registrations).toBe(1);
    const next = freshKernel();
    new IntSlider();
    expect(next.registrations).toBe(1);
  });

  it('is shared by two loaded copies of the package, which can nest each other', async () => {
    let copy: typeof widgets | undefined;
    await jest.isolateModulesAsync(async () => {
      copy = await import('../../src/widgets');
    });
    if (!copy) throw new Error('second copy not loaded');
    expect(copy.IntSlider).not.toBe(IntSlider);
    const mine = new IntSlider();
    const theirs = new copy.IntSlider({ value: 9 });
    const box = new HBox([mine, theirs]);
    expect(kernel.registrations).toBe(1);
    expect(box.wireState().children).toEqual([`IPY_MODEL_${mine.modelId}`, `IPY_MODEL_${theirs.modelId}`]);
    const comm = openControl();
    comm.receive({ method: 'request_states' });
    const states = comm.take()[0].data.states as Record<string, JSONObject>;
    expect(states[theirs.modelId]).toMatchObject({ model_name: 'IntSliderModel', state: { value: 9 } });
    expect(states[box.modelId]).toMatchObject({ model_name: 'HBoxModel' });
  });
});
