/**
 * Which addresses the peer offers and binds. werift's defaults bind every media socket to 0.0.0.0
 * and offer a host candidate on every interface, so a kernel behind a loopback-only JupyterLab was
 * still reachable (and told the browser its LAN addresses). Here the host addresses are exactly the
 * ones we are given, and the sockets are bound to them.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { PeerConfig } from 'werift';
import type { IceServerLike } from '../protocol';

type NetworkConfig = Pick<
  Partial<PeerConfig>,
  'iceAdditionalHostAddresses' | 'iceInterfaceAddresses' | 'iceUseIpv4' | 'iceUseIpv6'
>;

/**
 * werift options for these host addresses. werift binds all sockets of one family to a single
 * address (iceInterfaceAddresses), so a family is bound to its address when exactly one is given;
 * with several (loopback plus a LAN address) that family's sockets stay on the wildcard address,
 * still offering only the given addresses. With ICE servers the sockets must reach them (STUN
 * replies, TURN relays), which a loopback-bound socket cannot: then binding is left to werift too.
 */
export function networkConfig(hostAddresses: readonly string[], iceServers: readonly IceServerLike[]): NetworkConfig {
  const v4 = hostAddresses.filter((address) => isIPv4(address));
  const v6 = hostAddresses.filter((address) => isIPv6(address));
  const bind = iceServers.length === 0;
  const interfaces: NonNullable<NetworkConfig['iceInterfaceAddresses']> = {};
  if (bind && v4.length === 1) interfaces.udp4 = v4[0];
  if (bind && v6.length === 1) interfaces.udp6 = v6[0];
  return {
    // No interface enumeration: the host candidates are the given addresses only.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [...v4, ...v6],
    ...(Object.keys(interfaces).length > 0 ? { iceInterfaceAddresses: interfaces } : {}),
  };
}
