/**
 * Which of the kernel's own addresses it offers the browser as ICE host candidates. Loopback is
 * always offered (JupyterLab on this machine); when the browser is elsewhere (JupyterHub, a server
 * on the LAN) it needs the kernel's real interface addresses, which are offered by default too. An
 * admin restricts them with JUPYTERLAB_WEBRTC_HOST_INTERFACES or the streamer's `hostInterfaces`:
 * a list of interface names and CIDR ranges, or "loopback" for loopback only. Pure: it reads an
 * os.networkInterfaces()-shaped object, so it is tested without a network.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

/** The environment variable an admin sets for every kernel. */
export const HOST_INTERFACES_ENV = 'JUPYTERLAB_WEBRTC_HOST_INTERFACES';
/** Loopback only: the behaviour for a JupyterLab that is only ever used on this machine. */
const LOOPBACK_ONLY = 'loopback';
/** At most this many addresses are offered (each is one host candidate per media section). */
export const MAX_HOST_ADDRESSES = 8;
const MAX_ENTRIES = 32;
const MAX_ENTRY_LENGTH = 64;
const LOOPBACK = '127.0.0.1';

type Interfaces = Record<string, readonly Pick<NetworkInterfaceInfo, 'address' | 'family' | 'internal'>[] | undefined>;

interface Allowed {
  names: Set<string>;
  ranges: BlockList;
  any: boolean;
}

/**
 * Parses a restriction: "" or undefined = every interface; "loopback" = none besides loopback;
 * else interface names ("eth0") and CIDR ranges ("10.0.0.0/8", "fd00::/8"), separated by commas
 * or spaces. Throws a TypeError naming the bad entry.
 */
export function parseHostInterfaces(spec: string | readonly string[] | undefined): Allowed | null {
  const entries = (typeof spec === 'string' ? spec.split(/[\s,]+/) : [...(spec ?? [])]).filter((e) => e !== '');
  if (entries.length === 0) return { names: new Set(), ranges: new BlockList(), any: true };
  if (entries.length === 1 && entries[0] === LOOPBACK_ONLY) return null;
  if (entries.length > MAX_ENTRIES) throw new TypeError(`host interfaces: at most ${MAX_ENTRIES} entries`);
  const allowed: Allowed = { names: new Set(), ranges: new BlockList(), any: false };
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry.length > MAX_ENTRY_LENGTH) {
      throw new TypeError(`host interfaces: each entry must be a string of at most ${MAX_ENTRY_LENGTH} characters`);
    }
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      const [, address, bits] = cidr;
      const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
      const prefix = Number(bits);
      if (!family || prefix > (family === 'ipv4' ? 32 : 128)) {
        throw new TypeError(`host interfaces: "${entry}" is not a CIDR range like 10.0.0.0/8`);
      }
      allowed.ranges.addSubnet(address, prefix, family);
    } else if (/^[\w.:@-]+$/.test(entry) && !isIPv4(entry) && !isIPv6(entry)) {
      allowed.names.add(entry);
    } else {
      throw new TypeError(
        `host interfaces: "${entry}" is neither an interface name nor a CIDR range (a single address is a /32)`,
      );
    }
  }
  return allowed;
}

/**
 * The host addresses to offer: loopback first, then every allowed non-internal address (IPv4, and
 * IPv6 except link-local, which needs a zone the browser cannot use), then `extra` (explicit
 * addresses, e.g. the streamer's hostAddresses), without duplicates, at most MAX_HOST_ADDRESSES.
 */
export function chooseHostAddresses(
  interfaces: Interfaces,
  restriction: string | readonly string[] | undefined,
  extra: readonly string[] = [],
): string[] {
  const allowed = parseHostInterfaces(restriction);
  const chosen = [LOOPBACK];
  if (allowed) {
    for (const [name, infos] of Object.entries(interfaces)) {
      for (const info of infos ?? []) {
        if (info.internal || isLinkLocal(info.address)) continue;
        const family = isIPv4(info.address) ? 'ipv4' : isIPv6(info.address) ? 'ipv6' : null;
        if (!family) continue;
        if (allowed.any || allowed.names.has(name) || allowed.ranges.check(info.address, family)) {
          chosen.push(info.address);
        }
      }
    }
  }
  chosen.push(...extra);
  return [...new Set(chosen)].slice(0, MAX_HOST_ADDRESSES);
}

function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address) || address.startsWith('169.254.');
}
