/**
 * One spare MediaPeer for the whole kernel, started ahead of the next Start: spawning the worker
 * and loading werift and the codecs takes most of a second, which would otherwise come before the
 * first frame. It opens no socket until it answers an offer, but it is a thread and ~33 MB: one per
 * idle streamer widget took a kernel with 10 of them from 301 to 635 MB. Whichever streamer starts
 * takes it (when it was made for the same settings) and a new one is prepared for the next Start.
 *
 * The spare lives while at least one streamer does (retain/release), and never past the kernel's
 * shutdown.
 */
import { errorSummary } from '../errors';
import { getKernelApi, Unsubscribe } from '../kernel/api';
import { MediaPeer, MediaPeerOptions } from '../rtc';

interface Spare {
  peer: Promise<MediaPeer>;
  key: string;
}

let spare: Spare | null = null;
let users = 0;
let stopOnShutdown: Unsubscribe | null = null;

const keyOf = (options: MediaPeerOptions): string => JSON.stringify(options);

/** A streamer exists: a spare may be kept for it. */
export function retainSpare(): void {
  users++;
  if (!stopOnShutdown) stopOnShutdown = getKernelApi().onShutdown(() => closeSpare());
}

/** A streamer ended; the last one takes the spare with it. */
export function releaseSpare(): void {
  users = Math.max(0, users - 1);
  if (users > 0) return;
  stopOnShutdown?.();
  stopOnShutdown = null;
  void closeSpare();
}

/** Starts a spare for these settings unless one for them is there already. */
export function prepareSpare(options: MediaPeerOptions, log: (message: string) => void): void {
  if (users === 0) return;
  const key = keyOf(options);
  if (spare?.key === key) return;
  discard(spare);
  const peer = MediaPeer.create(options);
  peer.catch((error) => log(`could not start a spare media worker: ${errorSummary(error)}`));
  spare = { peer, key };
}

/**
 * A peer for these settings: the spare when it was made for them (the usual case), else a new one.
 * A spare for the same settings is prepared for the next Start either way.
 */
export async function takePeer(options: MediaPeerOptions, log: (message: string) => void): Promise<MediaPeer> {
  const key = keyOf(options);
  const taken = spare;
  spare = null;
  let peer: MediaPeer | null = null;
  if (taken?.key === key) {
    peer = await taken.peer.catch(() => null);
    if (peer && peer.currentState !== 'new') {
      void peer.close();
      peer = null;
    }
  } else discard(taken);
  // Prepared after the take, so it starts while this peer answers.
  prepareSpare(options, log);
  return peer ?? MediaPeer.create(options);
}

/** Closes the spare (the kernel shuts down, or no streamer is left). */
async function closeSpare(): Promise<void> {
  const closing = spare;
  spare = null;
  await closing?.peer.then(
    (peer) => peer.close(),
    () => undefined,
  );
}

/** The spare's peer, for tests: resolves to null when there is none or it failed to start. */
export function currentSpare(): Promise<MediaPeer | null> {
  return spare ? spare.peer.catch(() => null) : Promise.resolve(null);
}

function discard(old: Spare | null): void {
  void old?.peer.then(
    (peer) => peer.close(),
    () => undefined,
  );
}
