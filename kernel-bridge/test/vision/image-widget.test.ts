/** @jest-environment ./test/media/native-env.js */
import { firstValueFrom, skip, Subject } from 'rxjs';
import type { Frame } from '../../src/media/frame';
import { Image, MAX_IMAGE_BYTES } from '../../src/widgets/controls/image';
import { FakeKernel, freshKernel } from '../widgets/fake-kernel';
import { BLUE, RED, solidFrame } from './patches';

let kernel: FakeKernel;
beforeEach(() => {
  kernel = freshKernel();
});
afterEach(() => jest.restoreAllMocks());

const opened = (w: Image) => {
  const open = kernel.opened.find((o) => o.comm.id === w.modelId);
  if (!open) throw new Error('not opened');
  return open;
};
const isJpeg = (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
const isPng = (b: Uint8Array) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
/** The next picture the widget takes (its value$ after the current one). */
const nextValue = (image: Image) => firstValueFrom(image.value$.pipe(skip(1)));

describe('Image widget (the stock ImageModel / ImageView)', () => {
  it('opens with the ipywidgets state, the picture as a binary buffer', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const image = new Image({ value: png, width: '320' });
    const open = opened(image);
    expect(open.data.state).toMatchObject({
      _model_name: 'ImageModel',
      _view_name: 'ImageView',
      _model_module: '@jupyter-widgets/controls',
      _view_module: '@jupyter-widgets/controls',
      _model_module_version: '2.0.0',
      format: 'png',
      width: '320',
      height: '',
    });
    expect((open.data.state as Record<string, unknown>).value).toBeUndefined();
    expect(open.data.buffer_paths).toEqual([['value']]);
    expect(open.buffers[0].equals(png)).toBe(true);
    expect(String(image)).not.toMatch(/value/);
  });

  it('sends a new picture as an update with one buffer, and takes one from the frontend', () => {
    const image = new Image();
    const comm = kernel.comm(image.modelId);
    comm.take();
    image.value = new Uint8Array([1, 2, 3]);
    const [update] = comm.take();
    expect(update.data).toMatchObject({ method: 'update', buffer_paths: [['value']] });
    expect([...update.buffers[0]]).toEqual([1, 2, 3]);
    comm.receive({ method: 'update', state: {}, buffer_paths: [['value']] }, [Buffer.from([9, 8])]);
    expect([...image.value]).toEqual([9, 8]);
  });

  it('refuses a picture that is not bytes, or too big', () => {
    const image = new Image();
    expect(() => (image.value = 'abc' as never)).toThrow(/expected bytes/);
    expect(() => (image.value = new Uint8Array(MAX_IMAGE_BYTES + 1))).toThrow(/at most 67108864 bytes/);
  });

  it('showFrame encodes JPEG or PNG and sets format', () => {
    const image = new Image();
    image.showFrame(solidFrame(32, 24, RED), { format: 'jpeg', quality: 70 });
    expect(image.format).toBe('jpeg');
    expect(isJpeg(image.value)).toBe(true);
    image.showFrame(solidFrame(32, 24, RED), { format: 'png' });
    expect(image.format).toBe('png');
    expect(isPng(image.value)).toBe(true);
  });
});

describe('Image.show(frames$)', () => {
  it('shows each frame (JPEG by default) and follows the stream', async () => {
    const image = new Image();
    const frames = new Subject<Frame>();
    const subscription = image.show(frames, { maxFps: 60 });
    let shown = nextValue(image);
    frames.next(solidFrame(32, 24, RED));
    const first = await shown;
    expect(isJpeg(first)).toBe(true);
    expect(image.format).toBe('jpeg');
    shown = nextValue(image);
    frames.next(solidFrame(32, 24, BLUE)); // inside the 1/60 s window: shown when it ends (trailing)
    const second = await shown;
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(false);
    subscription.unsubscribe();
    expect(frames.observed).toBe(false);
  });

  it('keeps only the newest of a burst within one interval', async () => {
    const image = new Image();
    const frames = new Subject<Frame>();
    const pictures: Uint8Array[] = [];
    image.value$.pipe(skip(1)).subscribe((v) => pictures.push(v));
    image.show(frames, { maxFps: 20, format: 'png' });
    const done = firstValueFrom(image.value$.pipe(skip(2)));
    for (let i = 0; i < 10; i++) frames.next(solidFrame(16, 16, i === 9 ? BLUE : RED));
    await done;
    expect(pictures).toHaveLength(2); // the first (leading) and the last (trailing) only
  });

  it('a non-frame or a failed encode is printed under the cell; the last picture stays', async () => {
    const image = new Image();
    const frames = new Subject<unknown>();
    const printed = new Promise<string>((resolve) =>
      jest.spyOn(console, 'error').mockImplementation((message: string) => resolve(message)),
    );
    image.show(frames as Subject<Frame>, { maxFps: 60 });
    const shown = nextValue(image);
    frames.next(solidFrame(16, 16, RED));
    const good = await shown;
    frames.next({ width: 16, height: 16 }); // trailing, after the interval
    expect(await printed).toMatch(/Image.show: .*expected an I420 frame.*keeps the last good frame/);
    expect(image.value).toBe(good);
    // The stream goes on: the next good frame is shown.
    const again = nextValue(image);
    frames.next(solidFrame(16, 16, BLUE));
    expect(isJpeg(await again)).toBe(true);
  });

  it('a failing source is printed, and closing the widget ends the feed', async () => {
    const image = new Image();
    const frames = new Subject<Frame>();
    const printed = new Promise<string>((resolve) =>
      jest.spyOn(console, 'error').mockImplementation((message: string) => resolve(message)),
    );
    const subscription = image.show(frames);
    frames.error(new Error('camera gone'));
    expect(await printed).toBe('Image.show: the frames stopped: camera gone');
    expect(subscription.closed).toBe(true);

    const other = new Subject<Frame>();
    const live = new Image().show(other);
    const widget = new Image();
    const fed = widget.show(other);
    widget.close();
    expect(fed.closed).toBe(true);
    expect(live.closed).toBe(false);
    live.unsubscribe();
  });

  it('checks its arguments', () => {
    const image = new Image();
    expect(() => image.show(null as never)).toThrow(/Observable of frames/);
    expect(() => image.show(new Subject<Frame>(), { maxFps: 0 })).toThrow(/maxFps/);
    expect(() => image.show(new Subject<Frame>(), { maxFps: 1000 })).toThrow(/maxFps/);
    expect(() => image.show(new Subject<Frame>(), { format: 'gif' as never })).toThrow(/format/);
    expect(() => image.show(new Subject<Frame>(), { quality: 101 })).toThrow(/quality/);
  });
});
