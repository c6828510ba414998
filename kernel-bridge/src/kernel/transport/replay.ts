/**
 * Replay protection. The HMAC proves a message came from someone who holds the key, not that it
 * is new: frames captured on the wire (or sent twice by a buggy proxy) would run a cell again.
 * jupyter_client's Session rejects a signature it has already seen; so do we, with the same bound.
 */

/**
 * 2^16 signatures, as jupyter_client's `digest_history_size`: about 8 MB of hex strings, and at
 * a thousand messages a second still a minute of history, far longer than a replay of a captured
 * message takes to arrive in any of the attacks this guards against.
 */
const SIGNATURE_HISTORY_SIZE = 2 ** 16;

/** The most recent signatures; the oldest is forgotten first once the set is full. */
export class SeenSignatures {
  // A Set iterates in insertion order, so its first value is always the oldest: FIFO for free.
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = SIGNATURE_HISTORY_SIZE) {}

  /** Records `signature`; false when it was already there (a replay). */
  add(signature: string): boolean {
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    return true;
  }
}
