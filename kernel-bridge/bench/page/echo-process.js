#!/usr/bin/env node
/**
 * The werift side of page/run.js's RTP echo baseline, in a child process of its own so that its
 * CPU is measured apart from the driver's (and the driver's Playwright calls do not delay the
 * forwarding). Several sessions at once (3 echoes beside 3 streams), by id. IPC with run.js:
 *   in:  {t: 'open', id, offer}, {t: 'candidate', id, candidate}, {t: 'close', id}
 *   out: {t: 'ready'}, {t: 'answer', id, sdp} | {t: 'error', id, message}, {t: 'candidate', id, candidate}
 */
'use strict';
const { openEcho } = require('../shared/echo-peer');

const MAX_SESSIONS = 16;
const MAX_EARLY_CANDIDATES = 64;
const sessions = new Map(); // id -> echo session, or an array of early candidates while it opens

function isId(id) {
  return typeof id === 'string' && id.length > 0 && id.length <= 64;
}

process.on('message', async (m) => {
  if (!m || typeof m !== 'object' || !isId(m.id)) return;
  const { id } = m;
  try {
    if (m.t === 'open' && typeof m.offer === 'string' && m.offer.length < 64 * 1024) {
      if (sessions.has(id) || sessions.size >= MAX_SESSIONS) throw new Error(`echo ${id}: busy or too many sessions`);
      sessions.set(id, []);
      const echo = await openEcho(m.offer, (candidate) => process.send({ t: 'candidate', id, candidate }));
      const early = sessions.get(id);
      sessions.set(id, echo);
      process.send({ t: 'answer', id, sdp: echo.answer });
      for (const c of Array.isArray(early) ? early : []) await echo.addCandidate(c).catch(() => undefined);
    } else if (m.t === 'candidate') {
      const s = sessions.get(id);
      if (Array.isArray(s)) {
        if (s.length < MAX_EARLY_CANDIDATES) s.push(m.candidate);
      } else if (s) await s.addCandidate(m.candidate).catch(() => undefined);
    } else if (m.t === 'close') {
      const s = sessions.get(id);
      sessions.delete(id);
      if (s && !Array.isArray(s)) await s.close();
    }
  } catch (e) {
    process.send({ t: 'error', id, message: String(e && e.stack ? e.stack : e) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ t: 'ready' });
