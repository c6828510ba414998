import { firstValueFrom, skip } from 'rxjs';
import {
  Button,
  Checkbox,
  ColorPicker,
  Dropdown,
  FloatSlider,
  HBox,
  interact,
  IntRangeSlider,
  IntSlider,
  Label,
  Play,
  Text,
  ToggleButtons,
  VBox,
} from '../../src/widgets';
import { FakeKernel, freshKernel } from './fake-kernel';

let kernel: FakeKernel;
beforeEach(() => {
  kernel = freshKernel();
});

const commOf = (w: { modelId: string }) => kernel.comm(w.modelId);
const openState = (w: { modelId: string }) => {
  const open = kernel.opened.find((o) => o.comm.id === w.modelId);
  if (!open) throw new Error('not opened');
  return open.data.state as Record<string, unknown>;
};
const fromFrontend = (w: { modelId: string }, state: Record<string, unknown>) =>
  commOf(w).receive({ method: 'update', state: state as never, buffer_paths: [] });
const sentStates = (w: { modelId: string }) =>
  commOf(w)
    .take()
    .map((s) => [s.data.method, s.data.state]);

describe('model, view and style of each control (ipywidgets 8 / controls 2.0.0)', () => {
  const cases: [string, () => { modelId: string; style: { modelId: string } }, string, string, string][] = [
    ['IntSlider', () => new IntSlider(), 'IntSliderModel', 'IntSliderView', 'SliderStyleModel'],
    ['FloatSlider', () => new FloatSlider(), 'FloatSliderModel', 'FloatSliderView', 'SliderStyleModel'],
    ['IntRangeSlider', () => new IntRangeSlider(), 'IntRangeSliderModel', 'IntRangeSliderView', 'SliderStyleModel'],
    ['Dropdown', () => new Dropdown(), 'DropdownModel', 'DropdownView', 'DescriptionStyleModel'],
    ['ToggleButtons', () => new ToggleButtons(), 'ToggleButtonsModel', 'ToggleButtonsView', 'ToggleButtonsStyleModel'],
    ['Checkbox', () => new Checkbox(), 'CheckboxModel', 'CheckboxView', 'CheckboxStyleModel'],
    ['Button', () => new Button(), 'ButtonModel', 'ButtonView', 'ButtonStyleModel'],
    ['Text', () => new Text(), 'TextModel', 'TextView', 'TextStyleModel'],
    ['Label', () => new Label(), 'LabelModel', 'LabelView', 'LabelStyleModel'],
    ['ColorPicker', () => new ColorPicker(), 'ColorPickerModel', 'ColorPickerView', 'DescriptionStyleModel'],
    ['Play', () => new Play(), 'PlayModel', 'PlayView', 'DescriptionStyleModel'],
  ];
  it.each(cases)('%s', (_name, create, model, view, style) => {
    const widget = create();
    const state = openState(widget);
    expect(state).toMatchObject({
      _model_name: model,
      _view_name: view,
      _model_module: '@jupyter-widgets/controls',
      _view_module: '@jupyter-widgets/controls',
      _model_module_version: '2.0.0',
      _view_module_version: '2.0.0',
      style: `IPY_MODEL_${widget.style.modelId}`,
    });
    expect(openState(widget.style)._model_name).toBe(style);
    const layoutId = String(state.layout).replace('IPY_MODEL_', '');
    expect(kernel.comm(layoutId).targetName).toBe('jupyter.widget');
    expect(openState({ modelId: layoutId })._model_name).toBe('LayoutModel');
  });

  it('accepts a plain object for style, as ipywidgets does', () => {
    const slider = new IntSlider({ style: { handle_color: 'red', description_width: 'initial' } });
    expect(openState(slider.style)).toMatchObject({ handle_color: 'red', description_width: 'initial' });
  });
});

describe('Dropdown', () => {
  it('syncs labels and index only; value stays in the kernel', () => {
    const dd = new Dropdown({ options: ['a', 'b', 'c'] });
    expect(dd.index).toBe(0);
    expect(dd.value).toBe('a');
    const state = openState(dd);
    expect(state).toMatchObject({ _options_labels: ['a', 'b', 'c'], index: 0 });
    expect(state).not.toHaveProperty('value');
    expect(state).not.toHaveProperty('options');
    expect(state).not.toHaveProperty('label');
  });

  it('maps a kernel-side value to the index it sends', () => {
    const dd = new Dropdown<number>({
      options: [
        ['One', 1],
        ['Two', 2],
        ['Three', 3],
      ],
      value: 2,
    });
    expect(openState(dd)).toMatchObject({ _options_labels: ['One', 'Two', 'Three'], index: 1 });
    dd.value = 3;
    expect([dd.index, dd.label]).toEqual([2, 'Three']);
    expect(sentStates(dd)).toEqual([['update', { index: 2 }]]);
    expect(() => (dd.value = 4)).toThrow(/value not found/);
    dd.label = 'One';
    expect(dd.value).toBe(1);
  });

  it('maps a frontend index to value and value$', async () => {
    const dd = new Dropdown({ options: ['x', 'y'] });
    const next = firstValueFrom(dd.value$.pipe(skip(1)));
    fromFrontend(dd, { index: 1 });
    await expect(next).resolves.toBe('y');
    expect(dd.label).toBe('y');
    expect(sentStates(dd)).toEqual([['echo_update', { index: 1 }]]);
  });

  it('rejects an out-of-range index and a frontend attempt to set the kernel-only value', () => {
    const dd = new Dropdown({ options: ['x', 'y'] });
    fromFrontend(dd, { index: 7 });
    fromFrontend(dd, { value: 'y' });
    expect(dd.value).toBe('x');
    expect(sentStates(dd)).toEqual([['update', { index: 0 }]]);
    expect(kernel.logs.join('\n')).toMatch(/index out of bounds/);
    expect(kernel.logs.join('\n')).toMatch(/unknown key 'value'/);
  });

  it('selects the first of new options and resends the labels', () => {
    const dd = new Dropdown({ options: ['a', 'b'], index: 1 });
    dd.options = ['p', 'q', 'r'];
    expect([dd.index, dd.value]).toEqual([0, 'p']);
    expect(sentStates(dd)).toEqual([['update', { index: 0, _options_labels: ['p', 'q', 'r'] }]]);
    dd.options = [];
    expect([dd.index, dd.value, dd.label]).toEqual([null, null, null]);
  });

  it('allows no selection', () => {
    const dd = new Dropdown({ options: ['a'], value: null });
    expect(openState(dd).index).toBeNull();
    fromFrontend(dd, { index: 0 });
    expect(dd.value).toBe('a');
  });
});

describe('ToggleButtons', () => {
  it('shares the selection behaviour and has its own keys', () => {
    const tb = new ToggleButtons({ options: ['slow', 'fast'], tooltips: ['s', 'f'], button_style: 'info' });
    expect(openState(tb)).toMatchObject({ index: 0, tooltips: ['s', 'f'], button_style: 'info', icons: [] });
    fromFrontend(tb, { index: 1 });
    expect(tb.value).toBe('fast');
  });
});

describe('HBox / VBox', () => {
  it('serializes children as IPY_MODEL_ references in order', () => {
    const a = new IntSlider();
    const b = new Text();
    const box = new HBox([b, a], { box_style: 'info' });
    expect(openState(box)).toMatchObject({
      _model_name: 'HBoxModel',
      _view_name: 'HBoxView',
      children: [`IPY_MODEL_${b.modelId}`, `IPY_MODEL_${a.modelId}`],
      box_style: 'info',
    });
    expect(openState(box)).not.toHaveProperty('style');
    box.children = [a];
    expect(sentStates(box)).toEqual([['update', { children: [`IPY_MODEL_${a.modelId}`] }]]);
    expect(() => (box.children = [{} as never])).toThrow(/array of widgets/);
  });

  it('resolves IPY_MODEL_ references from the frontend and rejects unknown ones', () => {
    const a = new IntSlider();
    const b = new IntSlider();
    const box = new VBox([a]);
    expect(openState(box)._model_name).toBe('VBoxModel');
    fromFrontend(box, { children: [`IPY_MODEL_${b.modelId}`, `IPY_MODEL_${a.modelId}`] });
    expect(box.children).toEqual([b, a]);
    fromFrontend(box, { children: ['IPY_MODEL_nope'] });
    expect(box.children).toEqual([b, a]);
    expect(kernel.logs.join()).toMatch(/no live widget IPY_MODEL_nope/);
  });
});

describe('sliders', () => {
  it('FloatSlider takes floats and refuses strings', () => {
    const s = new FloatSlider({ value: 0.5, max: 1 });
    expect(openState(s)).toMatchObject({ value: 0.5, step: 0.1, readout_format: '.2f' });
    fromFrontend(s, { value: 0.75 });
    fromFrontend(s, { value: '0.9' });
    expect(s.value).toBe(0.75);
  });

  it('IntRangeSlider defaults to the middle half and keeps lower <= upper', () => {
    expect(new IntRangeSlider().value).toEqual([25, 75]);
    const r = new IntRangeSlider({ min: 10, max: 20 });
    expect(r.value).toEqual([12, 17]);
    fromFrontend(r, { value: [11, 19] });
    expect(r.value).toEqual([11, 19]);
    commOf(r).take();
    fromFrontend(r, { value: [18, 12] });
    expect(r.value).toEqual([11, 19]);
    expect(sentStates(r)).toEqual([['update', { value: [11, 19] }]]);
    r.max = 15;
    expect(r.value).toEqual([11, 15]);
  });
});

describe('Button', () => {
  it('emits click$ for frontend clicks and click(), completes on close', () => {
    const button = new Button({ description: 'Go', button_style: 'success' });
    const clicks: unknown[] = [];
    button.click$.subscribe({ next: (b) => clicks.push(b === button), complete: () => clicks.push('done') });
    commOf(button).receive({ method: 'custom', content: { event: 'click' } });
    commOf(button).receive({ method: 'custom', content: { event: 'hover' } });
    button.click();
    button.close();
    expect(clicks).toEqual([true, true, 'done']);
    expect(openState(button)).toMatchObject({ description: 'Go', button_style: 'success', icon: '' });
  });
});

describe('value controls', () => {
  it('Play streams values and playing state from the frontend', () => {
    const play = new Play({ max: 3, interval: 50 });
    const values: number[] = [];
    const playing: boolean[] = [];
    play.value$.subscribe((v) => values.push(v));
    play.playing$.subscribe((p) => playing.push(p));
    fromFrontend(play, { playing: true });
    fromFrontend(play, { value: 1 });
    fromFrontend(play, { value: 2 });
    fromFrontend(play, { value: 3, playing: false });
    expect(values).toEqual([0, 1, 2, 3]);
    expect(playing).toEqual([false, true, false]);
  });

  it('Checkbox, Text, Label and ColorPicker validate their values', () => {
    // Starts false: a truthy non-boolean accepted (or coerced) would show as true.
    const cb = new Checkbox({ value: false, description: 'on' });
    fromFrontend(cb, { value: 1 });
    expect(cb.value).toBe(false);
    expect(sentStates(cb)).toEqual([['update', { value: false }]]);
    expect(kernel.logs.join('\n')).toMatch(/Checkbox.value: expected a boolean/);
    fromFrontend(cb, { value: true });
    expect(cb.value).toBe(true);
    const text = new Text({ placeholder: 'name' });
    fromFrontend(text, { value: 'Ada' });
    expect(text.value).toBe('Ada');
    fromFrontend(text, { value: 42 });
    expect(text.value).toBe('Ada');
    const label = new Label({ value: 'hi' });
    expect(openState(label)).toMatchObject({ value: 'hi', placeholder: '\u200b' });
    const picker = new ColorPicker();
    fromFrontend(picker, { value: '#ff0000' });
    fromFrontend(picker, { value: 'not a color!' });
    expect(picker.value).toBe('#ff0000');
    commOf(picker).take();
    // Kernel-side: the CSS forms the stock picker accepts are taken and sent; others throw.
    picker.value = 'rgb(1, 2, 3)';
    expect(picker.value).toBe('rgb(1, 2, 3)');
    expect(sentStates(picker)).toEqual([['update', { value: 'rgb(1, 2, 3)' }]]);
    expect(() => (picker.value = 'not a color!')).toThrow(/ColorPicker.value: expected a CSS color/);
    expect(picker.value).toBe('rgb(1, 2, 3)');
  });
});

describe('interact', () => {
  it('calls fn with all current values, then on every change', () => {
    const a = new IntSlider({ value: 2 });
    const op = new Dropdown({ options: ['+', '*'] });
    const calls: string[] = [];
    const it = interact(
      ({ a: x, op: o }) => {
        calls.push(`${x}${o}`);
        return o === '+' ? x + x : x * x;
      },
      { a, op },
    );
    fromFrontend(a, { value: 3 });
    fromFrontend(op, { index: 1 });
    expect(calls).toEqual(['2+', '3+', '3*']);
    return firstValueFrom(it.results$).then((r) => {
      expect(r).toBe(9);
      expect(openState(it.box).children).toEqual([`IPY_MODEL_${a.modelId}`, `IPY_MODEL_${op.modelId}`]);
      it.close();
      expect(it.box.isClosed).toBe(true);
      expect(a.isClosed).toBe(false);
    });
  });
});
