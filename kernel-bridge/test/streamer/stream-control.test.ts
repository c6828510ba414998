/**
 * StreamControl (streamer/control.ts) on its own: start()'s outcome is the session it asked for, not
 * the end of the one before it (`await ctx.stop(); await ctx.start()` in one cell), while an
 * immediate refusal by the browser (no view shown) still rejects it.
 */
import { Subject } from 'rxjs';
import type { KernelStatus } from '../../src/streamer/protocol';
import { StreamControl } from '../../src/streamer/control';

function setup() {
  const kernel$ = new Subject<KernelStatus>();
  let requests = 0;
  const control = new StreamControl(kernel$, 'stopped', () => requests++);
  return { control, kernel$, requests: () => requests };
}

describe('StreamControl.start', () => {
  it("ignores the previous session's 'stopped' that arrives after the request, and resolves once playing", async () => {
    const { control, kernel$, requests } = setup();
    const started = control.start(false);
    expect(requests()).toBe(1);
    control.browser('stopped', ''); // the browser tearing down the session stop() ended
    control.browser('connecting', 'opening the camera');
    kernel$.next('connecting');
    kernel$.next('playing');
    await expect(started).resolves.toBeUndefined();
  });

  it("rejects with the browser's reason when the session it began stops or fails", async () => {
    const { control } = setup();
    const stopped = control.start(false);
    control.browser('connecting', 'opening the camera');
    control.browser('stopped', 'stopped by the user');
    await expect(stopped).rejects.toThrow(/the browser could not start the stream: stopped by the user/);

    const refused = control.start(false);
    control.browser('error', 'no view of the widget is shown');
    await expect(refused).rejects.toThrow(/no view of the widget is shown/);
  });

  it('resolves at once when already playing, and checks its timeout', async () => {
    const { control, requests } = setup();
    await expect(control.start(true)).resolves.toBeUndefined();
    expect(requests()).toBe(0);
    await expect(control.start(false, { timeoutMs: 0 })).rejects.toThrow(RangeError);
  });
});
