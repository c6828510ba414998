/**
 * @jest-environment ./test/media/native-env.js
 *
 * The streamer's log trait, end to end in the kernel: what a transform prints (console.log, via
 * the kernel's stdout redirection) and its errors land in `log`, which the widget shows; output
 * there is what the user sees of callbacks that run after their cell finished. Frames are pushed
 * into the pipeline directly: no peer is needed for this.
 */
import { Console } from 'console';
import { firstValueFrom, filter, map } from 'rxjs';
import { redirectOutput } from '../../src/kernel/stdio';
import type { IopubPublisher } from '../../src/kernel/transport/iopub';
import { createI420Frame, Frame } from '../../src/media';
import { webrtcStreamer } from '../../src/streamer';
import { freshKernel } from '../widgets/fake-kernel';

describe('streamer log', () => {
  it('holds what the transform prints and its errors with the frame number; clear_log empties it', async () => {
    const kernel = freshKernel();
    const cell: string[] = [];
    const output = redirectOutput({
      stream: (_name: string, text: string) => cell.push(text),
    } as unknown as IopubPublisher);
    // Notebook cells use Node's console on the process streams (jest's own console does not).
    const notebookConsole = new Console(process.stdout, process.stderr);
    const streamer = webrtcStreamer({ key: 'log-test' });
    try {
      const comm = kernel.comm(streamer.modelId);
      let n = 0;
      streamer.transform((frames$) =>
        frames$.pipe(
          map((frame): Frame => {
            n++;
            if (n === 2) notebookConsole.log(`saw frame ${n} of width ${frame.width}`);
            if (n >= 3) throw new Error('late failure');
            return frame;
          }),
        ),
      );
      const logged = (text: string) =>
        firstValueFrom(streamer.observe('log').pipe(filter((lines) => lines.some((line) => line.includes(text)))));
      const push = (frame: Frame) =>
        (streamer as unknown as { pipeline: { push(f: Frame): void } }).pipeline.push(frame);
      for (let i = 0; i < 5; i++) push(createI420Frame(16, 8, i));

      const lines = await logged('late failure');
      expect(lines).toEqual([
        expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} saw frame 2 of width 16$/),
        // Once, though frames 4 and 5 failed too.
        expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} frame 3: transform error: Error: late failure$/),
      ]);
      expect(cell).toContain('saw frame 2 of width 16\n');
      const synced = comm.sent.filter((s) => s.data.method === 'update' && 'log' in (s.data.state as object));
      expect(synced.length).toBeGreaterThan(0);

      comm.receive({ method: 'custom', content: { type: 'clear_log' } });
      expect(await firstValueFrom(streamer.observe('log').pipe(filter((l) => l.length === 0)))).toEqual([]);
    } finally {
      output.restore();
      streamer.close();
    }
  });
});
