/**
 * snapshot(): the stream's latest frame, as a copy the caller owns (the pipeline goes on using its
 * frames). Keeps a reference to the newest input frame (from the browser) and output frame (what
 * the transform produced), forgotten when the session ends.
 */
import { filter, firstValueFrom, map, race, Subject, take, timer } from 'rxjs';
import { I420Frame, i420Size, type Frame } from '../media/frame';

export type SnapshotWhich = 'input' | 'output';

export interface SnapshotOptions {
  /** 'input' (default): the transform's input (the browser's camera, or the source); 'output': after the transform. */
  which?: SnapshotWhich;
}

/** How long snapshot() waits for a first frame of a session that has none yet. */
const FIRST_FRAME_WAIT_MS = 5000;

export class FrameSnapshots {
  private latest: Record<SnapshotWhich, Frame | null> = { input: null, output: null };
  private readonly arrivals = new Subject<SnapshotWhich>();
  private readonly ends = new Subject<void>();

  record(which: SnapshotWhich, frame: Frame): void {
    this.latest[which] = frame;
    this.arrivals.next(which);
  }

  /** The session ended: its frames are no longer "the latest frame of the stream". */
  reset(): void {
    this.latest = { input: null, output: null };
    this.ends.next();
  }

  /**
   * A copy of the newest frame of `which`; while the session has none yet, the first one (up to
   * FIRST_FRAME_WAIT_MS). `active` = a session is connecting or playing.
   */
  async take(options: SnapshotOptions | undefined, active: boolean, status: string): Promise<I420Frame> {
    const which = options?.which ?? 'input';
    if (which !== 'input' && which !== 'output') {
      throw new TypeError(`snapshot(): which must be 'input' or 'output', got ${JSON.stringify(which)}`);
    }
    if (!active) {
      throw new Error(`snapshot(): nothing is playing (status '${status}'): press Start, or await start() first`);
    }
    const now = this.latest[which];
    if (now) return copyFrame(now);
    const next = await firstValueFrom(
      race(
        this.arrivals.pipe(
          filter((w) => w === which),
          map(() => this.latest[which]),
        ),
        this.ends.pipe(map(() => 'ended' as const)),
        timer(FIRST_FRAME_WAIT_MS).pipe(map(() => 'timeout' as const)),
      ).pipe(take(1)),
    );
    if (next === 'ended') throw new Error('snapshot(): the stream stopped before a frame arrived');
    if (next === 'timeout' || !next) {
      throw new Error(`snapshot(): no ${which} frame arrived within ${FIRST_FRAME_WAIT_MS / 1000} s`);
    }
    return copyFrame(next);
  }
}

/** A frame whose pixels are its own. */
function copyFrame(frame: Frame): I420Frame {
  const size = i420Size(frame.width, frame.height);
  return new I420Frame(frame.width, frame.height, frame.timestamp, frame.data.slice(0, size));
}
