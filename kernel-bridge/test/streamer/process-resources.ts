/**
 * Threads and UDP sockets of a process, from /proc (Linux): what a media peer holds (its worker
 * thread, libvpx threads, its ICE sockets). UDP sockets are matched by inode between
 * /proc/<pid>/net/udp{,6} (the whole network namespace) and /proc/<pid>/fd (this process).
 */
import { readdirSync, readFileSync, readlinkSync } from 'fs';

export interface Resources {
  threads: number;
  udp: number;
}

function udpInodes(pid: number | 'self'): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['udp', 'udp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue; // no IPv6
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode) inodes.add(inode);
    }
  }
  return inodes;
}

export function resourcesOf(pid: number | 'self'): Resources {
  const threads = readdirSync(`/proc/${pid}/task`).length;
  const udp = udpInodes(pid);
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && udp.has(inode)) sockets++;
  }
  return { threads, udp: sockets };
}

/**
 * Resolves once `accept` holds for the process's resources (checked on every `step` of the
 * process), or rejects after `timeoutMs` with the last counts: a bounded wait for the release.
 */
export async function waitForResources(
  pid: number | 'self',
  accept: (now: Resources) => boolean,
  what: string,
  timeoutMs = 20000,
): Promise<Resources> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = resourcesOf(pid);
    if (accept(now)) return now;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(now)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The same counting as source text, for a cell or a shutdown hook that counts from inside the kernel. */
export const RESOURCES_OF_SELF_SOURCE = `(${resourcesOfSelfSource.toString()})()`;

function resourcesOfSelfSource(): { threads: number; udp: number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('fs');
  const inodes = new Set<string>();
  for (const table of ['udp', 'udp6']) {
    let text = '';
    try {
      text = fs.readFileSync(`/proc/self/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) inodes.add(line.trim().split(/\s+/)[9]);
  }
  let udp = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (m && inodes.has(m[1])) udp++;
    } catch {
      // closed meanwhile
    }
  }
  return { threads: fs.readdirSync('/proc/self/task').length, udp };
}
