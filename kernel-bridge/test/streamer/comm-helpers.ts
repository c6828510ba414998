/**
 * What the streamer tests that drive a widget over a fake comm share: a bounded wait for a
 * condition the code under test makes true, and the custom messages the kernel sent of one type.
 */
import type { FakeComm } from '../widgets/fake-kernel';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A bounded wait for a condition the code under test makes true (checked every 10 ms). */
export async function until(condition: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited >= timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** The contents of the custom messages of `type` the kernel sent on `comm`, oldest first. */
export function customs(comm: FakeComm, type: string): Record<string, unknown>[] {
  return comm.sent
    .filter((s) => s.data.method === 'custom' && (s.data.content as { type?: string }).type === type)
    .map((s) => s.data.content as Record<string, unknown>);
}
