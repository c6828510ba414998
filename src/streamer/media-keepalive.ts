/**
 * The kernel transport's keepalive, browser end (docs/design.md, "Kernel transport"): the kernel
 * takes a browser that sent nothing for 4 s for gone (its Liveness). A recvonly browser only sends
 * acks, so a source that pauses or starts late would end the session; this wrapper of the comm's
 * send adds a header-only `keepalive` whenever nothing else went out for MEDIA_KEEPALIVE_MS.
 */
import { MEDIA_HEADER_BYTES, MEDIA_KEEPALIVE_MS, writeMediaHeader } from './protocol';

export class MediaKeepalive {
  private lastSent: number;
  private readonly timer: ReturnType<typeof setInterval>;
  /** The one keepalive message (constant: no allocation per tick). */
  private readonly keepalive = new Uint8Array(MEDIA_HEADER_BYTES);
  /** Keepalives sent so far (for the tests). */
  sent = 0;

  /** `send` puts one `media` buffer on the comm; checked every `checkMs` (a quarter of the interval by default). */
  constructor(
    private readonly sendMedia: (buffer: Uint8Array) => void,
    private readonly now: () => number = () => performance.now(),
    checkMs = MEDIA_KEEPALIVE_MS / 4,
  ) {
    writeMediaHeader(this.keepalive, 'keepalive', 0);
    this.lastSent = now();
    this.timer = setInterval(() => this.tick(), checkMs);
  }

  /** Sends one `media` buffer, noting the time. */
  readonly send = (buffer: Uint8Array): void => {
    this.lastSent = this.now();
    this.sendMedia(buffer);
  };

  close(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.now() - this.lastSent >= MEDIA_KEEPALIVE_MS) {
      this.sent++;
      this.send(this.keepalive);
    }
  }
}
