/**
 * A real TURN server for the UI tests: Debian's coturn (turnserver), started by the test inside the
 * loopback-only namespace of scripts/run-ui-tests.sh with a temporary config (no daemon, no CLI,
 * REST-API secret, loopback peers allowed: here the kernel and the browser are both on 127.0.0.1,
 * which coturn refuses to relay to by default), and nftables rules that drop UDP the way a
 * firewall would. Both are removed again by the test.
 */
import { execFileSync, spawn } from 'child_process';
import { createSocket } from 'dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';

export const TURN_PORT = 3478;
export const TURN_SECRET = 'ui-tests-turn-secret';
/** coturn's relay ports: below Linux's ephemeral range, so no browser or kernel socket lands in it. */
const RELAY_PORTS = { min: 20000, max: 20100 };
const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';
const NFT = '/usr/sbin/nft';
const NFT_TABLE = 'jupyterlab_webrtc_turn_test';

export interface ITurnServer {
  /** Everything coturn logged so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts turnserver on 127.0.0.1:TURN_PORT (UDP and TCP) and resolves once both listeners are
 * open, as its log says.
 */
export async function startTurnServer(): Promise<ITurnServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'jupyterlab-webrtc-coturn-'));
  const config = path.join(dir, 'turnserver.conf');
  writeFileSync(
    config,
    [
      'listening-ip=127.0.0.1',
      'relay-ip=127.0.0.1',
      `listening-port=${TURN_PORT}`,
      `min-port=${RELAY_PORTS.min}`,
      `max-port=${RELAY_PORTS.max}`,
      'realm=jupyterlab-webrtc.test',
      'use-auth-secret',
      `static-auth-secret=${TURN_SECRET}`,
      // The peers (browser and kernel) are on loopback: coturn 4.6 denies them unless allowed.
      'allow-loopback-peers',
      'no-cli',
      'no-tls',
      'no-dtls',
      'no-multicast-peers',
      'fingerprint',
      // the listeners' "opened" lines, which tell the test coturn is ready, are verbose-level
      'verbose',
      'log-file=stdout',
      `userdb=${path.join(dir, 'turndb')}`,
      'simple-log',
      `pidfile=${path.join(dir, 'turnserver.pid')}`,
      '',
    ].join('\n'),
  );
  const child = spawn(TURNSERVER, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const seen = () =>
      /UDP listener opened on\s*:\s*127\.0\.0\.1:3478/.test(log) &&
      /TCP listener opened on\s*:\s*127\.0\.0\.1:3478/.test(log);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (seen()) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`turnserver exited (${code}) before listening:\n${log}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return { log: () => log, stop };
}

/** Stops coturn when it was started (for afterAll). */
export async function stopTurnServer(server: ITurnServer | undefined): Promise<void> {
  await server?.stop();
}

/**
 * Drops every UDP packet in the namespace except coturn's relay traffic (to and from RELAY_PORTS):
 * the browser can reach neither the kernel nor coturn over UDP, as behind a firewall that only lets
 * TCP out, while the relay's own side (TURN server ↔ kernel) is UDP as in any deployment.
 */
export function blockUdpExceptRelay(): void {
  const range = `${RELAY_PORTS.min}-${RELAY_PORTS.max}`;
  nft('add', 'table', 'inet', NFT_TABLE);
  nft('add', 'chain', 'inet', NFT_TABLE, 'out', '{ type filter hook output priority 0; }');
  nft(
    'add',
    'rule',
    'inet',
    NFT_TABLE,
    'out',
    'udp',
    'sport',
    '!=',
    range,
    'udp',
    'dport',
    '!=',
    range,
    'counter',
    'drop',
  );
}

/**
 * Sends one UDP datagram to coturn's listening port, as the browser would for TURN over UDP, and
 * resolves with whether the rule dropped it (its counter went up; the kernel also refuses the send).
 */
export async function udpProbeDropped(): Promise<boolean> {
  const before = droppedUdpPackets();
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.send(Buffer.from('probe'), TURN_PORT, '127.0.0.1', () => resolve()));
  socket.close();
  return droppedUdpPackets() > before;
}

/** How many packets the UDP rule dropped. */
function droppedUdpPackets(): number {
  const listing = execFileSync(NFT, ['list', 'table', 'inet', NFT_TABLE]).toString();
  return Number(/counter packets (\d+)/.exec(listing)?.[1] ?? NaN);
}

/** Removes the rules of blockUdpExceptRelay (nothing when there are none). */
export function unblockUdp(): void {
  try {
    nft('delete', 'table', 'inet', NFT_TABLE);
  } catch {
    // no table: nothing was blocked
  }
}

function nft(...args: string[]): void {
  execFileSync(NFT, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
