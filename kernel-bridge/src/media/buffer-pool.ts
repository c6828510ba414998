/**
 * Recycled I420 pixel buffers, written once (the worker's decode side and MediaPeer's send side each
 * had a copy). At 30 fps a 1280x720 stream needs 1.4 MB per frame; allocating each one keeps the
 * garbage collector busy in both threads, while frames in flight at any time are few (one decoded,
 * one held, one being sent), so a handful of buffers, transferred back and forth, covers it.
 */
import { allocI420Buffer, i420Size } from './frame';

export class I420BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private size = 0;

  /** Keeps at most `capacity` spare buffers. */
  constructor(readonly capacity: number) {}

  /** Spare buffers held now. */
  get spare(): number {
    return this.free.length;
  }

  /**
   * A buffer for one width x height I420 image (with slack, see allocI420Buffer): a spare one, else
   * a new one. A new size drops the spares (they were for the old resolution).
   */
  take(width: number, height: number): ArrayBuffer {
    const size = i420Size(width, height);
    if (size !== this.size) {
      this.free.length = 0;
      this.size = size;
    }
    return this.free.pop() ?? allocI420Buffer(width, height);
  }

  /** Returns a buffer for reuse; kept only if it fits the current size and the pool is not full. */
  give(buffer: ArrayBuffer | null | undefined): void {
    if (!buffer || this.size === 0 || buffer.byteLength < this.size || this.free.length >= this.capacity) return;
    this.free.push(buffer);
  }

  clear(): void {
    this.free.length = 0;
  }
}
