/**
 * Random UDP loss for the benches, by nftables in the bench's loopback-only network namespace (netem
 * does not exist on this machine's kernel). Loopback packets pass the output hook once per packet
 * sent, so one rule dropping `percent`% of UDP drops that share of each direction: the browser's
 * packets to the kernel and the kernel's back. A first rule counts all UDP packets, so the run can
 * report the loss it actually got. Only ever used inside `unshare -n` (requireLoopbackNamespace).
 */
'use strict';
const { execFileSync } = require('node:child_process');

const TABLE = 'bench_udp_loss';

const nft = (...args) => execFileSync('nft', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Drops `percent`% (integer 0-100) of UDP packets from now on; 0 only counts. */
function startUdpLoss(percent) {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error(`--loss: ${percent} is not 0-100`);
  stopUdpLoss();
  nft('add', 'table', 'inet', TABLE);
  nft('add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0; }');
  nft('add', 'rule', 'inet', TABLE, 'out', 'meta', 'l4proto', 'udp', 'counter');
  const drop = ['meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', '<', String(percent), 'counter', 'drop'];
  nft('add', 'rule', 'inet', TABLE, 'out', ...drop);
}

/** {udp, dropped} packets counted since startUdpLoss. */
function udpLossCounts() {
  const counts = [...nft('list', 'table', 'inet', TABLE).matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
  return { udp: counts[0] ?? 0, dropped: counts[1] ?? 0 };
}

/** Removes the rules (nothing to do when there are none). */
function stopUdpLoss() {
  try {
    nft('delete', 'table', 'inet', TABLE);
  } catch {
    // no table: nothing was started
  }
}

module.exports = { startUdpLoss, stopUdpLoss, udpLossCounts };
