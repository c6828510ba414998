/**
 * Issue 12: the stream through a real TURN server. The test starts Debian's coturn in the
 * loopback-only namespace (turn-server.ts), the notebook makes time-limited credentials from its
 * static auth secret with turnCredentials(), and the widget's iceTransportPolicy "relay" makes the
 * browser use only TURN relay candidates. The output video must be the transformed camera picture,
 * and the browser's selected candidate pair (its own getStats) must be a relay one: over UDP, and
 * over TCP with all UDP dropped by nftables except the relay's own side (TURN server ↔ kernel).
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import {
  clickStart,
  clickStop,
  expectNoErrors,
  outputText,
  streamerStatus,
  fakeCameraFrom,
  newTypeScriptNotebook,
  runCode,
  writeHalvesPicture,
  halvesShown,
  selectedCandidatePair,
} from './helpers';
import {
  blockUdpExceptRelay,
  startTurnServer,
  stopTurnServer,
  TURN_PORT,
  TURN_SECRET,
  ITurnServer,
  udpProbeDropped,
  unblockUdp,
} from './turn-server';

const W = 320;
const H = 240;
const DARK = 40;
const BRIGHT = 210;

test.use({ launchOptions: fakeCameraFrom(writeHalvesPicture('turn', W, H, DARK, BRIGHT)) });

/** A streamer through the TURN server at `url`, relay only, inverting the picture; `secret` makes its credentials. */
const streamCell = (
  key: string,
  url: string,
  secret = TURN_SECRET,
) => `import { webrtcStreamer, turnCredentials, createI420Frame, display } from "jupyterlab-webrtc-bridge";
import { map } from "rxjs";
const ctx = webrtcStreamer({
  key: ${JSON.stringify(key)},
  iceServers: [{ urls: ${JSON.stringify(url)}, ...turnCredentials({ secret: ${JSON.stringify(secret)}, ttlSeconds: 600, user: "galata" }) }],
  iceTransportPolicy: "relay",
});
ctx.transform((frames$) => frames$.pipe(map((frame) => {
  const out = createI420Frame(frame.width, frame.height, frame.timestamp, new Uint8Array(frame.data));
  for (let i = 0; i < out.y.length; i++) out.y[i] = 255 - frame.y[i];
  return out;
})));
ctx`;

/** Records every RTCPeerConnection the page creates from now on (the widget looks the class up when it starts). */
async function recordPeerConnections(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const w = window as any;
    if (w.__peerConnections) return;
    w.__peerConnections = [] as RTCPeerConnection[];
    const Original = window.RTCPeerConnection;
    w.RTCPeerConnection = class extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        w.__peerConnections.push(this);
      }
    };
  });
}

/** The last peer connection's configured policy and its selected candidate pair's types. */
async function selectedPair(page: IJupyterLabPageFixture) {
  const pair = await selectedCandidatePair(page);
  return (
    pair && {
      policy: pair.policy,
      local: pair.local.type,
      remote: pair.remote.type,
      relayProtocol: pair.local.relayProtocol,
      state: pair.state,
    }
  );
}

/** "inverted", "original", or what the output shows instead. */
const picture = (page: IJupyterLabPageFixture) => halvesShown(page, DARK, BRIGHT);

let turn: ITurnServer | undefined;

test.beforeEach(async () => {
  unblockUdp(); // a rule left by a crashed run
  turn = await startTurnServer();
});

test.afterEach(async () => {
  unblockUdp();
  await stopTurnServer(turn);
  turn = undefined;
});

async function playsThroughRelay(page: IJupyterLabPageFixture, name: string, url: string, protocol: string) {
  await newTypeScriptNotebook(page, `${name}.ipynb`);
  await recordPeerConnections(page);
  await runCode(page, 0, streamCell(name, url));
  await expectNoErrors(page, 0);
  await clickStart(page);
  await test.step('the output is the transformed camera picture', async () => {
    await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('inverted');
  });
  await test.step(`the browser's selected candidate pair is its TURN relay over ${protocol}`, async () => {
    const pair = await selectedPair(page);
    // Which kernel candidate the relay reached (its host one, or its own relay): shown in the report.
    test.info().annotations.push({ type: 'selected pair', description: JSON.stringify(pair) });
    expect(pair, turn?.log()).toMatchObject({
      policy: 'relay',
      local: 'relay',
      relayProtocol: protocol,
      state: 'succeeded',
    });
  });
  await clickStop(page);
}

test('relay only, TURN over UDP: plays through coturn', async ({ page }) => {
  await playsThroughRelay(page, 'turn-udp', `turn:127.0.0.1:${TURN_PORT}`, 'udp');
});

test('relay only, TURN over TCP with UDP dropped: plays through coturn', async ({ page }) => {
  blockUdpExceptRelay();
  expect(await udpProbeDropped()).toBe(true); // TURN over UDP cannot pass
  await playsThroughRelay(page, 'turn-tcp', `turn:127.0.0.1:${TURN_PORT}?transport=tcp`, 'tcp');
});

test('the connection doctor: credentials coturn refuses → the widget and ctx.diagnose() say so and what to do', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'turn-doctor.ipynb');
  await runCode(page, 0, streamCell('turn-doctor', `turn:127.0.0.1:${TURN_PORT}`, 'not-the-secret'));
  await expectNoErrors(page, 0);
  await page.locator('.jp-webrtc-start').first().click();
  await test.step('the status names the TURN server and its 401, the notice what to configure', async () => {
    await expect(streamerStatus(page)).toHaveText(
      /^error: connection failed: no TURN relay: turn:127\.0\.0\.1:3478\S* answered 401/,
      { timeout: 30_000 },
    );
    await expect(page.locator('.jp-webrtc-error').first()).toContainText('what to do: turn:127.0.0.1:3478');
    await expect(page.locator('.jp-webrtc-error').first()).toContainText('refused the username/credential');
  });
  await test.step('ctx.diagnose() returns the same report to the notebook', async () => {
    await runCode(
      page,
      1,
      'const r = await ctx.diagnose(); JSON.stringify([r.outcome, r.policy, r.browser_candidates.relay, r.turn_errors.map((e) => e.code), r.advice.length > 0])',
    );
    await expect.poll(() => outputText(page, 1), { timeout: 30_000 }).toContain('["failed","relay",0,[401],true]');
  });
});
