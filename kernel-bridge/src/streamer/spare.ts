/**
 * Spare MediaPeers for the whole kernel, started ahead of the next Starts: spawning a worker and
 * loading werift and the codecs takes most of a second, which would otherwise come before the first
 * frame. A spare opens no socket until it answers an offer, but it is a thread and ~33 MB: one per
 * idle widget took a kernel with 10 of them from 301 to 635 MB. So the pool holds one spare per
 * streamer that is not streaming (several widgets started together each find one ready), at least
 * one while any streamer exists (the next Start after a Stop), and at most MAX_SPARES
 * (env JUPYTERLAB_WEBRTC_MAX_SPARES, 0..8, default 3).
 *
 * A spare is used only for the settings it was made with. Spares start one after another: workers
 * booting together on a 2-core machine slow the first one down, and the first is the one a Start is
 * most likely to wait for. The pool lives while at least one streamer does, never past the kernel's
 * shutdown.
 */
import { errorSummary } from '../errors';
import { getKernelApi, Unsubscribe } from '../kernel/api';
import { MediaPeer, MediaPeerOptions } from '../rtc';

const DEFAULT_MAX_SPARES = 3;
const MAX_SPARES_LIMIT = 8;

interface Spare {
  key: string;
  peer: Promise<MediaPeer>;
  /** The peer once its worker has started. */
  ready: MediaPeer | null;
}

interface Wanted {
  key: string;
  options: MediaPeerOptions;
}

/** Each streamer that exists: the settings of the spare it would take, null while it streams. */
const users = new Map<object, Wanted | null>();
let spares: Spare[] = [];
/** Settings of the last Start: the one spare kept while every streamer streams. */
let lastTaken: Wanted | null = null;
/** Spare workers booting now (taken or discarded ones too): the next one waits for them. */
let booting = 0;
let maxSpares: number | null = null;
let stopOnShutdown: Unsubscribe | null = null;

const wantedOf = (options: MediaPeerOptions): Wanted => ({ key: JSON.stringify(options), options });

/** The pool's cap from the environment's value: a whole number 0..8, else the default (logged). */
export function maxSparesFrom(value: string | undefined, log: (message: string) => void): number {
  if (value === undefined || value.trim() === '') return DEFAULT_MAX_SPARES;
  if (/^\s*\d{1,2}\s*$/.test(value) && Number(value) <= MAX_SPARES_LIMIT) return Number(value);
  log(
    `JUPYTERLAB_WEBRTC_MAX_SPARES=${JSON.stringify(value.slice(0, 40))} is not a whole number from 0 to ` +
      `${MAX_SPARES_LIMIT}; keeping at most ${DEFAULT_MAX_SPARES} spare media workers`,
  );
  return DEFAULT_MAX_SPARES;
}

/** A streamer exists: spares may be kept for it (it is idle once prepareSpare says with what). */
export function retainSpare(owner: object): void {
  if (!users.has(owner)) users.set(owner, null);
  stopOnShutdown ??= getKernelApi().onShutdown(() => closeAll());
}

/** A streamer ended; the last one takes all the spares with it. */
export function releaseSpare(owner: object): void {
  users.delete(owner);
  if (users.size > 0) return refill();
  void closeAll();
}

/** The streamer is idle (made, or stopped): a spare for these settings is kept for its next Start. */
export function prepareSpare(owner: object, options: MediaPeerOptions): void {
  if (!users.has(owner)) return;
  users.set(owner, wantedOf(options));
  refill();
}

/**
 * A peer for this streamer's Start: a spare made for these settings (a ready one first), else a new
 * peer. The pool is refilled in the background, so it boots while this peer answers.
 */
export async function takePeer(owner: object, options: MediaPeerOptions): Promise<MediaPeer> {
  const wanted = wantedOf(options);
  const matching = spares.filter((spare) => spare.key === wanted.key);
  const taken = matching.find((spare) => spare.ready !== null) ?? matching[0];
  spares = spares.filter((spare) => spare !== taken);
  if (users.has(owner)) {
    users.set(owner, null);
    lastTaken = wanted;
  }
  refill();
  let peer = taken ? await taken.peer.catch(() => null) : null;
  if (peer && peer.currentState !== 'new') {
    // Its worker died while it waited.
    void peer.close();
    peer = null;
  }
  return peer ?? MediaPeer.create(options);
}

/** The settings the pool should hold spares for, oldest idle streamers first, at most the cap. */
function wantedSpares(): Wanted[] {
  const idle = [...users.values()].filter((wanted): wanted is Wanted => wanted !== null);
  if (idle.length === 0 && users.size > 0 && lastTaken) idle.push(lastTaken);
  maxSpares ??= maxSparesFrom(process.env.JUPYTERLAB_WEBRTC_MAX_SPARES, (message) => log(message));
  return idle.slice(0, maxSpares);
}

/** Closes the spares nobody wants and starts the first missing one, unless a spare still boots. */
function refill(): void {
  const missing = wantedSpares();
  spares = spares.filter((spare) => {
    const i = missing.findIndex((wanted) => wanted.key === spare.key);
    if (i < 0) void discard(spare);
    else missing.splice(i, 1);
    return i >= 0;
  });
  if (missing.length > 0 && booting === 0) start(missing[0]);
}

function start({ key, options }: Wanted): void {
  const spare: Spare = { key, peer: MediaPeer.create(options), ready: null };
  spares.push(spare);
  booting++;
  spare.peer.then(
    (peer) => {
      booting--;
      spare.ready = peer;
      refill();
    },
    (error) => {
      // Not retried until the next Start, Stop or widget: a worker that cannot start now would
      // fail again at once. A Start meanwhile makes its own peer.
      booting--;
      spares = spares.filter((other) => other !== spare);
      log(`could not start a spare media worker: ${errorSummary(error)}`);
    },
  );
}

/**
 * The kernel shuts down, or no streamer is left: every spare is closed (resolves when they are) and
 * none is started.
 */
async function closeAll(): Promise<void> {
  users.clear();
  lastTaken = null;
  stopOnShutdown?.();
  stopOnShutdown = null;
  await Promise.all(spares.splice(0).map(discard));
}

function discard(spare: Spare): Promise<void> {
  return spare.peer.then(
    (peer) => peer.close(),
    () => undefined,
  );
}

function log(message: string): void {
  getKernelApi().log(`streamer: ${message}`);
}

/** For tests: the spares whose worker has started, and how many are still booting. */
export function currentSpares(): { ready: MediaPeer[]; booting: number } {
  const ready = spares.flatMap((spare) => (spare.ready ? [spare.ready] : []));
  return { ready, booting: spares.length - ready.length };
}
