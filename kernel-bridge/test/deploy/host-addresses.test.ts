/**
 * The kernel's host candidates: loopback always, the machine's interface addresses by default (a
 * browser on another machine), restricted by interface names, CIDR ranges or "loopback".
 */
import { chooseHostAddresses, MAX_HOST_ADDRESSES, parseHostInterfaces } from '../../src/deploy/host-addresses';

const v4 = (address: string, internal = false) => ({ address, family: 'IPv4' as const, internal });
const v6 = (address: string, internal = false) => ({ address, family: 'IPv6' as const, internal });

/** os.networkInterfaces() of a server with a LAN card, a Docker bridge and a VPN. */
const SERVER = {
  lo: [v4('127.0.0.1', true), v6('::1', true)],
  eth0: [v4('192.168.1.20'), v6('2001:db8::20'), v6('fe80::1')],
  docker0: [v4('172.17.0.1')],
  wg0: [v4('10.8.0.3')],
  usb0: [v4('169.254.3.4')],
};

describe('chooseHostAddresses', () => {
  it('offers loopback and every non-internal, non-link-local address by default', () => {
    const all = ['127.0.0.1', '192.168.1.20', '2001:db8::20', '172.17.0.1', '10.8.0.3'];
    expect(chooseHostAddresses(SERVER, undefined)).toEqual(all);
    expect(chooseHostAddresses(SERVER, '')).toEqual(all);
  });

  it('"loopback" offers loopback only (the old behaviour), plus explicit extra addresses', () => {
    expect(chooseHostAddresses(SERVER, 'loopback')).toEqual(['127.0.0.1']);
    expect(chooseHostAddresses(SERVER, 'loopback', ['203.0.113.7'])).toEqual(['127.0.0.1', '203.0.113.7']);
  });

  it('restricts to the named interfaces and CIDR ranges', () => {
    expect(chooseHostAddresses(SERVER, 'eth0')).toEqual(['127.0.0.1', '192.168.1.20', '2001:db8::20']);
    expect(chooseHostAddresses(SERVER, '10.0.0.0/8, 172.16.0.0/12')).toEqual(['127.0.0.1', '172.17.0.1', '10.8.0.3']);
    expect(chooseHostAddresses(SERVER, ['wg0', '2001:db8::/32'])).toEqual(['127.0.0.1', '2001:db8::20', '10.8.0.3']);
    expect(chooseHostAddresses(SERVER, '192.168.1.20/32')).toEqual(['127.0.0.1', '192.168.1.20']);
    expect(chooseHostAddresses(SERVER, 'eth1')).toEqual(['127.0.0.1']);
  });

  it('offers loopback once and at most MAX_HOST_ADDRESSES addresses', () => {
    const many = { eth0: Array.from({ length: 20 }, (_, i) => v4(`10.0.0.${i + 1}`)) };
    const chosen = chooseHostAddresses(many, undefined, ['127.0.0.1']);
    expect(chosen).toHaveLength(MAX_HOST_ADDRESSES);
    expect(chosen.filter((a) => a === '127.0.0.1')).toHaveLength(1);
  });

  it('copes with interfaces without addresses', () => {
    expect(chooseHostAddresses({ eth0: undefined, lo: [] }, undefined)).toEqual(['127.0.0.1']);
  });
});

describe('parseHostInterfaces', () => {
  it.each([
    ['10.0.0.0/33', /CIDR/],
    ['fd00::/129', /CIDR/],
    ['not an address/8', /CIDR/],
    ['10.0.0.1', /single address is a \/32/],
    ['eth0;rm', /neither/],
    [Array.from({ length: 33 }, (_, i) => `eth${i}`), /at most 32/],
    [['x'.repeat(65)], /at most 64 characters/],
  ])('refuses %p', (spec, message) => {
    expect(() => parseHostInterfaces(spec)).toThrow(message);
  });
});
