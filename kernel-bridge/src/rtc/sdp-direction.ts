/**
 * The direction an offer gives its video section, read from the SDP text. The browser's offer
 * decides the stream's mode (sendrecv, sendonly: camera to kernel only, recvonly: kernel to
 * browser only); the worker answers with the reverse direction and the streamer checks the offer
 * against the widget's mode before answering. Both read it here, the same way.
 */

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** The direction of the first video m-line as the offerer sees it; see directionOf. */
export function videoDirectionOf(sdp: string): MediaDirection | null {
  return directionOf(sdp, 'video');
}

/**
 * The direction of the first `kind` m-line as the offerer sees it (RFC 8866: its own `a=` direction
 * attribute, else the session-level one, else sendrecv); null when the SDP has no such m-line.
 */
export function directionOf(sdp: string, kind: 'video' | 'audio'): MediaDirection | null {
  const mLine = `m=${kind} `;
  let session: MediaDirection = 'sendrecv';
  let anySection = false; // session-level attributes come before the first m-line
  let inSection = false;
  let seen = false;
  let media: MediaDirection | null = null;
  for (const raw of sdp.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('m=')) {
      if (inSection) break; // the first section of this kind ended
      anySection = true;
      inSection = line.startsWith(mLine);
      seen ||= inSection;
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const attribute = line.slice(2);
    if (!DIRECTIONS.includes(attribute)) continue;
    if (inSection) media = attribute as MediaDirection;
    else if (!anySection) session = attribute as MediaDirection;
  }
  if (!seen) return null;
  return media ?? session;
}

/** What the answerer does for an offer's direction: it receives what the offerer sends, and sends what it receives. */
export function reverseDirection(direction: MediaDirection): MediaDirection {
  if (direction === 'sendonly') return 'recvonly';
  if (direction === 'recvonly') return 'sendonly';
  return direction;
}
