/**
 * The streamer's log (src/streamer/log.ts) and the output capture it is fed by (kernel/stdio.ts):
 * bounded in lines and line length, lines assembled from partial writes, synced in batches.
 */
import { captureOutput, redirectOutput } from '../../src/kernel/stdio';
import type { IopubPublisher } from '../../src/kernel/transport/iopub';
import { clip, LOG_SYNC_MS, StreamerLog } from '../../src/streamer/log';
import { MAX_LOG_LINE_LENGTH, MAX_LOG_LINES } from '../../src/streamer/protocol';

const at = new Date(2026, 0, 2, 3, 4, 5, 6);

function setup() {
  const synced: string[][] = [];
  const log = new StreamerLog(
    (lines) => synced.push(lines),
    () => at,
  );
  return { log, synced };
}

describe('streamer log', () => {
  it('keeps the last MAX_LOG_LINES lines, newest last, each prefixed with the time', () => {
    const { log } = setup();
    for (let i = 1; i <= MAX_LOG_LINES + 7; i++) log.add(`line ${i}`);
    expect(log.lines).toHaveLength(MAX_LOG_LINES);
    expect(log.lines[0]).toBe('03:04:05.006 line 8');
    expect(log.lines[MAX_LOG_LINES - 1]).toBe(`03:04:05.006 line ${MAX_LOG_LINES + 7}`);
    log.dispose();
  });

  it('cuts each line to MAX_LOG_LINE_LENGTH, without splitting a surrogate pair', () => {
    const { log } = setup();
    log.add('x'.repeat(MAX_LOG_LINE_LENGTH * 3) + '\nshort', 'frame 7:');
    expect(log.lines).toHaveLength(2);
    expect(log.lines[0]).toHaveLength(MAX_LOG_LINE_LENGTH);
    expect(log.lines[0].startsWith('03:04:05.006 frame 7: xxx')).toBe(true);
    expect(log.lines[0].endsWith('x…')).toBe(true);
    expect(log.lines[1]).toBe('03:04:05.006 frame 7: short');
    const pair = clip('y'.repeat(MAX_LOG_LINE_LENGTH - 2) + '😀😀');
    expect(pair).toBe('y'.repeat(MAX_LOG_LINE_LENGTH - 2) + '…');
    log.dispose();
  });

  it('assembles lines from partial writes and marks stderr', () => {
    const { log } = setup();
    log.write('stdout', 'a');
    log.write('stdout', 'b\nc');
    expect(log.lines).toEqual(['03:04:05.006 ab']);
    log.write('stderr', 'd\r\n');
    expect(log.lines).toEqual(['03:04:05.006 ab', '03:04:05.006 stderr: cd']);
    log.dispose();
  });

  it('syncs at most every LOG_SYNC_MS, and at once when cleared', () => {
    jest.useFakeTimers();
    try {
      const { log, synced } = setup();
      log.add('one');
      log.add('two');
      expect(synced).toEqual([]);
      jest.advanceTimersByTime(LOG_SYNC_MS);
      expect(synced).toEqual([['03:04:05.006 one', '03:04:05.006 two']]);
      log.clear();
      expect(synced).toEqual([['03:04:05.006 one', '03:04:05.006 two'], []]);
      log.dispose();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('captureOutput', () => {
  it('hands what captured code, and the callbacks it starts, write to the sink; the cell gets it too', async () => {
    const cell: string[] = [];
    const iopub = { stream: (_name: string, text: string) => cell.push(text) } as unknown as IopubPublisher;
    const captured: string[] = [];
    const output = redirectOutput(iopub);
    try {
      const later = captureOutput(
        (name, text) => captured.push(`${name}:${text}`),
        () => {
          process.stdout.write('now\n');
          return new Promise<void>((resolve) =>
            setTimeout(() => {
              process.stderr.write('later\n');
              resolve();
            }),
          );
        },
      );
      process.stdout.write('outside\n');
      await later;
    } finally {
      output.restore();
    }
    expect(captured).toEqual(['stdout:now\n', 'stderr:later\n']);
    expect(cell).toEqual(['now\n', 'outside\n', 'later\n']);
  });
});
