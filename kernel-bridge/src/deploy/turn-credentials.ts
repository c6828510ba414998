/**
 * Time-limited TURN credentials from one shared secret (coturn's `use-auth-secret` +
 * `static-auth-secret`, the "TURN REST API"): a JupyterHub admin configures the secret once, in the
 * TURN server and in the kernel's environment, and every stream gets a username and credential that
 * expire, so nothing long-lived is written into notebooks or sent to browsers.
 */
import { createHmac } from 'node:crypto';

export interface TurnCredentialOptions {
  /** coturn's static-auth-secret. */
  secret: string;
  /** How long the credentials stay valid, in seconds (1 s to 7 days). */
  ttlSeconds: number;
  /** Put after the expiry in the username (coturn logs it; it is not checked): e.g. the hub user's name. */
  user?: string;
  /** The current time in ms (tests); default Date.now(). */
  now?: number;
}

/** What an RTCIceServer needs besides its urls. */
export interface TurnCredentials {
  /** "<expiry in Unix seconds>" or "<expiry>:<user>". */
  username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  credential: string;
}

const MAX_TTL_SECONDS = 7 * 24 * 3600;
const MAX_SECRET_LENGTH = 1024;
const MAX_USER_LENGTH = 256;

/**
 * The username and credential coturn accepts until `ttlSeconds` from now, e.g.
 * `{ urls: "turn:turn.example.org:3478", ...turnCredentials({ secret: process.env.TURN_SECRET!, ttlSeconds: 3600 }) }`.
 */
export function turnCredentials(options: TurnCredentialOptions): TurnCredentials {
  const { secret, ttlSeconds, user } = options ?? ({} as TurnCredentialOptions);
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
    throw new TypeError(
      `turnCredentials: secret must be a non-empty string of at most ${MAX_SECRET_LENGTH} characters`,
    );
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new TypeError(`turnCredentials: ttlSeconds must be a whole number from 1 to ${MAX_TTL_SECONDS} (7 days)`);
  }
  if (user !== undefined && (typeof user !== 'string' || user.length > MAX_USER_LENGTH || user.includes(':'))) {
    throw new TypeError(`turnCredentials: user must be a string without ':' of at most ${MAX_USER_LENGTH} characters`);
  }
  const now = options.now ?? Date.now();
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  const username = user ? `${expiry}:${user}` : String(expiry);
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}
