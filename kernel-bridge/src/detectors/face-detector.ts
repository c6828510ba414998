/**
 * detectFaces(): an RxJS operator from video Frames to FrameAnnotations (boxes labelled 'face'),
 * with the detection in a worker thread (face-worker.ts) so the kernel's main thread, and the video
 * it forwards, never wait for the model.
 *
 * Latest-first (latestFirst(), media/latest-first.ts): while one detection runs, only the newest
 * frame waits; older ones are skipped. The video keeps the camera's rate and the boxes come at the
 * model's rate, each for the newest frame there was, never from a backlog.
 *
 * One worker per weights folder is shared by every subscription (a streamer and a cell's own
 * subscription, say): it starts with the first and is terminated with the last, so a cell's
 * teardown (which unsubscribes) ends it. A frame's pixels are copied as it arrives, into a recycled
 * buffer that is transferred to the worker and back: per subscription at most one copy waits and
 * one is in the worker, whatever the source does with its frames afterwards.
 */
import { map, Observable, type OperatorFunction } from 'rxjs';
import type { FrameAnnotations } from '../annotations/types';
import type { Frame } from '../media/frame';
import { latestFirst } from '../media/latest-first';
import { checkOptions, type DetectFacesOptions } from './face-options';
import { FaceWorker, type Snapshot } from './face-thread';

/** The running worker of each weights folder. */
const workers = new Map<string, FaceWorker>();

/**
 * How long a weights folder whose worker failed (weights that did not load, a crash) fails again
 * at once, without a new thread. Whoever re-subscribes on error at once (the streamer's annotate()
 * does, to survive a transient failure) would otherwise start a thread, and load TensorFlow.js,
 * several times a second for as long as the folder stays broken.
 */
const FAILURE_MEMORY_MS = 3000;
const recentFailures = new Map<string, { error: Error; at: number }>();

function recentFailure(modelDir: string): Error | null {
  const failure = recentFailures.get(modelDir);
  if (!failure) return null;
  if (performance.now() - failure.at < FAILURE_MEMORY_MS) return failure.error;
  recentFailures.delete(modelDir);
  return null;
}

function acquire(modelDir: string): FaceWorker {
  let worker = workers.get(modelDir);
  if (!worker) {
    worker = new FaceWorker(modelDir, (dead, error) => {
      if (workers.get(dead.modelDir) === dead) workers.delete(dead.modelDir); // the next user starts afresh
      const now = performance.now();
      for (const [dir, f] of recentFailures) if (now - f.at >= FAILURE_MEMORY_MS) recentFailures.delete(dir);
      recentFailures.set(dead.modelDir, { error, at: now });
    });
    workers.set(modelDir, worker);
  }
  worker.users++;
  return worker;
}

/**
 * One user fewer. The thread ends once it has none, checked a turn later: a subscription replaced
 * by another in the same turn (a cell re-run swapping the streamer's annotate(), which unsubscribes
 * the old before subscribing the new) keeps the thread and its loaded model.
 */
function release(worker: FaceWorker): void {
  if (--worker.users > 0) return;
  setImmediate(() => {
    if (worker.users > 0) return;
    if (workers.get(worker.modelDir) === worker) workers.delete(worker.modelDir);
    worker.close();
  });
}

/**
 * Detects faces in each frame, latest-first, off the main thread: emits one FrameAnnotations
 * (boxes labelled 'face' with their score, in the frame's pixels, the frame's timestamp) per frame
 * it ran on; frames that arrive while a detection runs are skipped but the newest. Bad options
 * throw at once; weights that fail to load, a crashed worker or an input that is not a Frame make
 * the observable error with a message saying which.
 *
 *     frames$.pipe(detectFaces({ inputSize: 320 })).subscribe((a) => console.log(a.items.length));
 */
export function detectFaces(options?: DetectFacesOptions): OperatorFunction<Frame, FrameAnnotations> {
  const { params, modelDir } = checkOptions(options);
  return (source) =>
    new Observable<FrameAnnotations>((subscriber) => {
      const failed = recentFailure(modelDir);
      if (failed) {
        // Fails on the next frame without starting a thread: see FAILURE_MEMORY_MS.
        return source
          .pipe(
            map((): FrameAnnotations => {
              throw failed;
            }),
          )
          .subscribe(subscriber);
      }
      const worker = acquire(modelDir);
      const unwatch = worker.watchFailure((error) => subscriber.error(error));
      const subscription = source
        .pipe(
          map((frame: Frame) => worker.snapshot(frame)),
          latestFirst((snapshot: Snapshot) => worker.detect(snapshot, params), {
            onDrop: (dropped) => worker.recycle(dropped),
          }),
        )
        .subscribe(subscriber);
      return () => {
        unwatch();
        subscription.unsubscribe();
        release(worker);
      };
    });
}
