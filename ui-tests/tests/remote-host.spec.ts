/**
 * Issue 12, "Remote servers": when JupyterLab is not on the browser's machine, the kernel must offer
 * its real interface addresses as ICE host candidates (deploy/host-addresses.ts), and
 * `hostInterfaces` / JUPYTERLAB_WEBRTC_HOST_INTERFACES restrict them. Unit tests cover the choice;
 * this file checks it end to end in the loopback-only namespace of scripts/run-ui-tests.sh: a veth
 * pair gives the kernel and Chromium a non-loopback address (10.77.0.1; the test machines' Linux
 * has no dummy devices), and an nftables rule drops every UDP packet to or from loopback, as if
 * browser and kernel were on two machines. Both are added once for the file, while no page is
 * open, and removed after it. (1) Default settings: the stream plays, the kernel offered 10.77.0.1,
 * and the browser's selected candidate pair is on 10.77.0.1. (2) hostInterfaces ["loopback"]: no
 * connection, and the connection doctor says the kernel offered one host candidate and what to set.
 */
import { execFileSync } from 'child_process';
import { createSocket } from 'dgram';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import {
  clickStart,
  clickStop,
  expectNoErrors,
  fakeCameraFrom,
  newTypeScriptNotebook,
  runCode,
  streamerStatus,
  writeHalvesPicture,
  halvesShown,
  selectedCandidatePair,
  type ICandidateSeen,
} from './helpers';

const W = 320;
const H = 240;
const DARK = 40;
const BRIGHT = 210;
/** The "LAN" address both the kernel and the browser see (on one end of the veth pair). */
const LAN_ADDRESS = '10.77.0.1';
/** This file's own interface and table names: other spec files run in the same namespace. */
const LINK = 'remotehost0';
const PEER = 'remotehost1';
const TABLE = 'remote_host_no_loopback_udp';

test.use({ launchOptions: fakeCameraFrom(writeHalvesPicture('remote-host', W, H, DARK, BRIGHT)) });

const streamCell = (
  key: string,
  hostInterfaces?: string[],
) => `import { webrtcStreamer, createI420Frame } from "jupyterlab-webrtc-bridge";
import { map } from "rxjs";
const ctx = webrtcStreamer({ key: ${JSON.stringify(key)}, transport: "webrtc"${hostInterfaces ? `, hostInterfaces: ${JSON.stringify(hostInterfaces)}` : ''} });
ctx.transform((frames$) => frames$.pipe(map((frame) => {
  const out = createI420Frame(frame.width, frame.height, frame.timestamp, new Uint8Array(frame.data));
  for (let i = 0; i < out.y.length; i++) out.y[i] = 255 - frame.y[i];
  return out;
})));
ctx`;

function run(command: string, ...args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `command` and ignores its failure (removing what may not be there). */
function tryRun(command: string, ...args: string[]): void {
  try {
    run(command, ...args);
  } catch {
    // nothing to remove
  }
}

/**
 * The veth pair with LAN_ADDRESS on one end, both ends up (Chromium skips links that are not
 * running). Without IPv6 addresses: a link-local address's duplicate detection ends a second or two
 * later, and Chromium answers that address change by failing the page's requests in flight
 * (ERR_NETWORK_CHANGED). Resolves once the kernel says both ends are up, the last change.
 */
async function addLanInterface(): Promise<void> {
  run('ip', 'link', 'add', LINK, 'type', 'veth', 'peer', 'name', PEER);
  for (const end of [LINK, PEER]) run('ip', 'link', 'set', end, 'addrgenmode', 'none');
  run('ip', 'addr', 'add', `${LAN_ADDRESS}/24`, 'dev', LINK);
  for (const end of [LINK, PEER]) run('ip', 'link', 'set', end, 'up');
  const up = (end: string) => / state UP /.test(run('ip', '-o', 'link', 'show', 'dev', end));
  await expect.poll(() => up(LINK) && up(PEER), { timeout: 10_000 }).toBe(true);
}

/** Drops every UDP packet from or to loopback (IPv4 and IPv6), counting them. */
function dropLoopbackUdp(): void {
  run('nft', 'add', 'table', 'inet', TABLE);
  run('nft', 'add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0; }');
  for (const match of [
    ['ip', 'saddr', '127.0.0.0/8'],
    ['ip', 'daddr', '127.0.0.0/8'],
    ['ip6', 'saddr', '::1'],
    ['ip6', 'daddr', '::1'],
  ]) {
    run('nft', 'add', 'rule', 'inet', TABLE, 'out', ...match, 'meta', 'l4proto', 'udp', 'counter', 'drop');
  }
}

/** The UDP packets the rules dropped so far (all rules' counters). */
function droppedLoopbackUdp(): number {
  const counters = [...run('nft', 'list', 'table', 'inet', TABLE).matchAll(/counter packets (\d+)/g)];
  return counters.reduce((sum, match) => sum + Number(match[1]), 0);
}

/** Removes the table and the veth pair (deleting one end deletes both); nothing when absent. */
function cleanUp(): void {
  tryRun('nft', 'delete', 'table', 'inet', TABLE);
  tryRun('ip', 'link', 'delete', LINK);
}

/** One UDP datagram to 127.0.0.1: the rule must drop it (its counters go up). */
async function loopbackProbeDropped(): Promise<boolean> {
  const before = droppedLoopbackUdp();
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.send(Buffer.from('probe'), 9, '127.0.0.1', () => resolve()));
  socket.close();
  return droppedLoopbackUdp() > before;
}

/**
 * Records every RTCPeerConnection the page creates from now on (the widget looks the class up when
 * it starts), with the "address:port" of each candidate it gathers and each one the kernel sends:
 * a failed connection's getStats no longer lists them.
 */
async function recordPeerConnections(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const w = window as any;
    if (w.__peerConnections) return;
    w.__peerConnections = [] as RTCPeerConnection[];
    w.__candidates = { browser: [] as string[], kernel: [] as string[] };
    // "candidate:1 1 udp 2122260223 10.77.0.1 54321 typ host ...": the fifth and sixth fields
    const endpointOf = (line: string | undefined) => {
      const fields = line?.split(' ') ?? [];
      return fields.length > 5 ? `${fields[4]}:${fields[5]}` : undefined;
    };
    const Original = window.RTCPeerConnection;
    w.RTCPeerConnection = class extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        w.__peerConnections.push(this);
        this.addEventListener('icecandidate', (event) => {
          const endpoint = endpointOf(event.candidate?.candidate);
          if (endpoint) w.__candidates.browser.push(endpoint);
        });
      }
      addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
        const endpoint = endpointOf(candidate?.candidate);
        if (endpoint) w.__candidates.kernel.push(endpoint);
        return super.addIceCandidate(candidate ?? undefined);
      }
    };
  });
}

interface ICandidateEndpoints {
  /** "address:port" of each candidate the browser gathered, sorted, without duplicates. */
  browser: string[];
  /** The same for the candidates the kernel sent. */
  kernel: string[];
}

async function candidateEndpoints(page: IJupyterLabPageFixture): Promise<ICandidateEndpoints> {
  return page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const seen = (window as any).__candidates as ICandidateEndpoints;
    const unique = (list: string[]) => [...new Set(list)].sort();
    return { browser: unique(seen.browser), kernel: unique(seen.kernel) };
  });
}

/** The distinct addresses of "address:port" endpoints, sorted. */
const addressesOf = (endpoints: string[]): string[] =>
  [...new Set(endpoints.map((endpoint) => endpoint.replace(/:\d+$/, '')))].sort();

/**
 * The last peer connection's selected candidate pair, each candidate as "type address:port".
 * Chromium redacts a remote peer-reflexive candidate's address: "prflx redacted:port".
 */
async function selectedPair(page: IJupyterLabPageFixture) {
  const pair = await selectedCandidatePair(page);
  const describe = (c: ICandidateSeen) => (c.type ? `${c.type} ${c.address || 'redacted'}:${c.port}` : '');
  return pair && { local: describe(pair.local), remote: describe(pair.remote), state: pair.state };
}

/** "inverted", "original", or what the output shows instead. */
const picture = (page: IJupyterLabPageFixture) => halvesShown(page, DARK, BRIGHT);

test.beforeAll(async () => {
  cleanUp(); // what a crashed run left
  await addLanInterface();
  dropLoopbackUdp();
  expect(await loopbackProbeDropped()).toBe(true);
});

test.afterAll(() => {
  cleanUp();
});

test('default host interfaces: the stream plays over the LAN address, loopback UDP dropped', async ({ page }) => {
  await newTypeScriptNotebook(page, 'remote-host.ipynb');
  await recordPeerConnections(page);
  const dropsBefore = droppedLoopbackUdp();
  await runCode(page, 0, streamCell('remote-host'));
  await expectNoErrors(page, 0);
  await clickStart(page);
  await test.step('the output is the transformed camera picture', async () => {
    await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('inverted');
  });
  await test.step(`the kernel offered loopback and ${LAN_ADDRESS}; the selected pair is on ${LAN_ADDRESS}`, async () => {
    const pair = await selectedPair(page);
    const endpoints = await candidateEndpoints(page);
    const dropped = droppedLoopbackUdp() - dropsBefore;
    test.info().annotations.push({
      type: 'candidates',
      description: `selected ${JSON.stringify(pair)}; candidates ${JSON.stringify(endpoints)}; loopback UDP dropped: ${dropped}`,
    });
    expect(addressesOf(endpoints.kernel)).toEqual([LAN_ADDRESS, '127.0.0.1']);
    expect(dropped).toBeGreaterThan(0); // loopback pairs were tried, and could not carry the stream
    expect(pair?.state).toBe('succeeded');
    expect(pair?.local).toMatch(new RegExp(`^host ${LAN_ADDRESS.replace(/\./g, '\\.')}:\\d+$`));
    // The kernel's LAN host candidate; or (about one run in ten here) a peer-reflexive one: werift gives
    // each host candidate its own socket, on the wildcard address when there are several, so the
    // socket of the kernel's 127.0.0.1 candidate also answers from 10.77.0.1 and Chromium may keep
    // that pair. Its address is redacted, but its port is one of the kernel's, and with loopback UDP
    // dropped only 10.77.0.1 can carry it.
    const kernelPorts = endpoints.kernel.map((endpoint) => endpoint.replace(/^.*:/, ''));
    const onLan = [
      ...endpoints.kernel.filter((endpoint) => endpoint.startsWith(`${LAN_ADDRESS}:`)).map((e) => `host ${e}`),
      ...kernelPorts.map((port) => `prflx redacted:${port}`),
    ];
    expect(onLan).toContain(pair?.remote);
  });
  await clickStop(page);
});

test('hostInterfaces ["loopback"]: no connection, and the doctor says what the kernel offered', async ({ page }) => {
  await newTypeScriptNotebook(page, 'remote-host-loopback.ipynb');
  await recordPeerConnections(page);
  const dropsBefore = droppedLoopbackUdp();
  await runCode(page, 0, streamCell('remote-host-loopback', ['loopback']));
  await expectNoErrors(page, 0);
  await page.locator('.jp-webrtc-start').first().click();
  await test.step('the status: no check succeeded, the kernel offered one host candidate', async () => {
    await expect(streamerStatus(page)).toHaveText(
      /^error: connection failed: no connectivity check succeeded \(\d+ candidate pairs tried; the browser gathered \d+ host; the kernel offered 1 host\)$/,
      { timeout: 60_000 },
    );
  });
  await test.step('the notice: which setting decides the kernel addresses', async () => {
    const notice = page.locator('.jp-webrtc-error').first();
    await expect(notice).toContainText('what to do: UDP between the browser and the kernel seems blocked');
    await expect(notice).toContainText(
      'it must offer an address the browser can reach: leave JUPYTERLAB_WEBRTC_HOST_INTERFACES unset',
    );
  });
  await test.step(`the kernel offered only loopback, the browser ${LAN_ADDRESS} too; loopback checks were dropped`, async () => {
    const endpoints = await candidateEndpoints(page);
    const dropped = droppedLoopbackUdp() - dropsBefore;
    test.info().annotations.push({
      type: 'candidates',
      description: `candidates ${JSON.stringify(endpoints)}; loopback UDP dropped: ${dropped}`,
    });
    expect(addressesOf(endpoints.kernel)).toEqual(['127.0.0.1']);
    expect(addressesOf(endpoints.browser)).toContain(LAN_ADDRESS);
    expect(dropped).toBeGreaterThan(0);
  });
});
