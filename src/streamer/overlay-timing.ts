/**
 * Which annotations the overlay draws on the frame being shown, and how
 * faded: pure functions of RTP timestamps and times, so the alignment and
 * the fade are tested without a browser.
 *
 * Alignment: the kernel puts on each annotations message the RTP timestamp
 * its outgoing video gives the frame they describe (`rtp`). For received
 * video the overlay learns each displayed frame's RTP timestamp from
 * requestVideoFrameCallback (metadata.rtpTimestamp) and draws the newest
 * annotations whose rtp is at or before it (wrap-aware: the field is 32
 * bits and wraps every ~13 h at 90 kHz, from a random start). So boxes are
 * drawn on the frame they belong to, or on later frames until newer ones
 * arrive; annotations that come before their frame wait for it. Without
 * RTP timestamps (sendonly: drawn over the local camera preview, which has
 * none; `rtp` null) they are drawn as they arrive.
 */

/** The RTP timestamp field's range, and half of it (what "before" means across a wrap). */
const RTP_RANGE = 0x100000000;
const RTP_HALF = 0x80000000;

/**
 * Drawn annotations start fading this long after they were first shown
 * when no newer ones replace them, ms...
 */
export const FADE_START_MS = 500;
/** ...and are gone this long after, ms. */
export const FADE_END_MS = 1500;
/**
 * Longest an annotation waits for its frame, ms. Its frame may never be
 * shown (dropped by the browser, or a transform that gave frames timestamps
 * of its own so no frame has that RTP timestamp): then it is drawn anyway
 * rather than never.
 */
export const MAX_WAIT_MS = 1000;
/** Most annotations waiting for their frame (a model ahead of the video by more is dropped oldest first). */
export const MAX_PENDING = 32;

/** True when RTP timestamp `a` is at or before `b`, across a wrap of the 32-bit field. */
export function rtpAtOrBefore(a: number, b: number): boolean {
  return (((b - a) % RTP_RANGE) + RTP_RANGE) % RTP_RANGE < RTP_HALF;
}

/** The overlay's opacity for annotations first shown `shownForMs` ago (1, then linear to 0). */
export function fadeAlpha(shownForMs: number): number {
  if (shownForMs <= FADE_START_MS) {
    return 1;
  }
  if (shownForMs >= FADE_END_MS) {
    return 0;
  }
  return 1 - (shownForMs - FADE_START_MS) / (FADE_END_MS - FADE_START_MS);
}

/** What the timeline holds of a message: its RTP timestamp (null: none) and when it arrived. */
export interface ITimed {
  rtp: number | null;
}

/** The annotations to draw now and how faded, or null (nothing to draw). */
export interface IPick<T> {
  value: T;
  alpha: number;
  /**
   * It became current at this call only because it waited MAX_WAIT_MS (its
   * frame, with an RTP timestamp, never came): a misaligned draw.
   */
  late?: boolean;
}

/**
 * The annotations that arrived and are waiting for their frame, and the one
 * being shown. Bounded (MAX_PENDING); each pick drops what a newer due
 * annotation replaced.
 */
export class AnnotationTimeline<T extends ITimed> {
  private pending: { value: T; arrivedAt: number }[] = [];
  private current: { value: T; shownAt: number } | null = null;

  /** An annotations message arrived at `now` (ms, any monotonic clock). */
  add(value: T, now: number): void {
    this.pending.push({ value, arrivedAt: now });
    if (this.pending.length > MAX_PENDING) {
      this.pending.splice(0, this.pending.length - MAX_PENDING);
    }
  }

  /** Forgets everything (a new session, or the stream stopped). */
  clear(): void {
    this.pending = [];
    this.current = null;
  }

  /** Whether anything is waiting or still visible (the overlay keeps drawing while so). */
  get busy(): boolean {
    return this.pending.length > 0 || this.current !== null;
  }

  /**
   * What to draw at `now` on a frame with RTP timestamp `displayedRtp`
   * (null: the video gives none: a local preview, or a browser without
   * rtpTimestamp in its frame callbacks). The newest due annotation becomes
   * current: one without rtp or shown over a video without, or whose rtp is
   * at or before the displayed frame's, or that waited MAX_WAIT_MS. Older
   * ones are dropped.
   */
  pick(displayedRtp: number | null, now: number): IPick<T> | null {
    let due = -1;
    let late = false;
    for (let i = 0; i < this.pending.length; i++) {
      const { value, arrivedAt } = this.pending[i];
      const onTime = value.rtp === null || displayedRtp === null || rtpAtOrBefore(value.rtp, displayedRtp);
      if (onTime || now - arrivedAt >= MAX_WAIT_MS) {
        due = i;
        late = !onTime;
      }
    }
    if (due >= 0) {
      this.current = { value: this.pending[due].value, shownAt: now };
      this.pending.splice(0, due + 1);
    }
    if (!this.current) {
      return null;
    }
    const alpha = fadeAlpha(now - this.current.shownAt);
    if (alpha <= 0) {
      this.current = null;
      return null;
    }
    return due >= 0 && late ? { value: this.current.value, alpha, late } : { value: this.current.value, alpha };
  }
}
