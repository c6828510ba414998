/**
 * turnCredentials makes what coturn's use-auth-secret checks. Reference values were computed
 * independently (Python's hmac module, and `openssl dgst -sha1 -hmac`), not with this code.
 */
import { turnCredentials } from '../../src';

describe('turnCredentials', () => {
  it('makes username "<expiry>:<user>" and credential base64(HMAC-SHA1(secret, username))', () => {
    const now = 1_700_000_000_000 + 999; // the expiry counts from whole seconds
    expect(turnCredentials({ secret: 'north', ttlSeconds: 600, user: 'alice', now })).toEqual({
      username: '1700000600:alice',
      credential: 'gthUwOpcRoLI0MMCziCEBOWYnpo=',
    });
  });

  it('without a user the username is the expiry alone', () => {
    expect(turnCredentials({ secret: 's3cret', ttlSeconds: 3600, now: 1_700_000_000_000 })).toEqual({
      username: '1700003600',
      credential: 'hkHv/K58ZdACCJ9F4MWT46M317I=',
    });
  });

  it('counts the expiry from the current time by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const expiry = Number(turnCredentials({ secret: 'x', ttlSeconds: 60 }).username);
    expect(expiry).toBeGreaterThanOrEqual(before + 60);
    expect(expiry).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 60);
  });

  it.each([
    [{ secret: '', ttlSeconds: 60 }, /secret/],
    [{ secret: 'x'.repeat(1025), ttlSeconds: 60 }, /secret/], // too long
    [{ secret: 'x', ttlSeconds: 0 }, /ttlSeconds/],
    [{ secret: 'x', ttlSeconds: 1.5 }, /ttlSeconds/],
    [{ secret: 'x', ttlSeconds: 8 * 24 * 3600 }, /ttlSeconds/],
    [{ secret: 'x', ttlSeconds: 60, user: 'a:b' }, /user/],
  ])('refuses case %#', (options, message) => {
    expect(() => turnCredentials(options)).toThrow(message);
  });
});
