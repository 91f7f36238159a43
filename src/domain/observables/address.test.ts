import { describe, expect, it } from 'vitest';
import { formatIpv6, isPrivateIpv4, normaliseCidr, normaliseIpv4, normaliseIpv6, parseIpv4, parseIpv6 } from './address.js';

describe('IPv4', () => {
  it('parses four decimal octets and nothing else', () => {
    expect(parseIpv4('203.0.113.7')).toBe(0xcb007107);
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.', '.1.2.3', '1..2.3', '1.2.3.4a', '1234.1.1.1', '0x7f.0.0.1', '']) {
      expect(parseIpv4(bad), bad).toBeUndefined();
    }
  });

  it('reads zero-padded octets as decimal and normalises them', () => {
    expect(normaliseIpv4('192.168.001.010')?.value).toBe('192.168.1.10');
    expect(normaliseIpv4('010.000.000.001')?.value).toBe('10.0.0.1');
  });

  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['127.0.0.1', true],
    ['169.254.10.10', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['100.128.0.1', false],
    ['0.0.0.0', true],
    ['0.1.2.3', true],
    ['224.0.0.251', true],
    ['239.255.255.250', true],
    ['240.0.0.1', true],
    ['255.255.255.255', true],
    ['198.18.0.1', true],
    ['192.0.0.8', true],
    // Documentation ranges stand in for public addresses: not private.
    ['192.0.2.1', false],
    ['198.51.100.7', false],
    ['203.0.113.77', false],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
  ])('%s private: %s', (address, isPrivate) => {
    expect(normaliseIpv4(address)).toEqual({ type: 'ipv4', value: address, isPrivate });
  });
});

describe('IPv6', () => {
  it.each([
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::', '::'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FE80::1', 'fe80::1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:201', '::ffff:192.0.2.1'],
    ['::1.2.3.4', '::102:304'], // IPv4-compatible, not mapped
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s (RFC 5952)', (input, expected) => {
    expect(normaliseIpv6(input)?.value).toBe(expected);
  });

  it.each(['1::2::3', ':1::', ':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::1', '10:30:00', '00:1a:2b:3c:4d:5e', 'fe80::1%eth0', '1.2.3.4::1', 'g::1'])(
    'rejects %s',
    (input) => {
      expect(parseIpv6(input)).toBeUndefined();
    },
  );

  it('formats the groups it parsed', () => {
    expect(formatIpv6(parseIpv6('2001:db8::')!)).toBe('2001:db8::');
  });

  it.each([
    ['::1', true],
    ['::', true],
    ['fc00::1', true],
    ['fd12:3456:789a::1', true],
    ['fe80::1', true],
    ['febf::1', true],
    ['fec0::1', true],
    ['ff02::1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:192.168.1.1', true],
    ['::ffff:8.8.8.8', false],
    ['2001:db8::1', false], // documentation: stands in for a public address
    ['2606:4700::1111', false],
  ])('%s private: %s', (address, isPrivate) => {
    expect(normaliseIpv6(address)?.isPrivate).toBe(isPrivate);
  });
});

describe('CIDR', () => {
  it.each([
    ['203.0.113.77/24', '203.0.113.0/24', false],
    ['10.1.2.3/8', '10.0.0.0/8', true],
    ['192.168.1.0/24', '192.168.1.0/24', true],
    ['172.16.0.0/11', '172.0.0.0/11', false], // wider than 172.16/12: not inside it
    ['0.0.0.0/0', '0.0.0.0/0', false],
    ['1.2.3.4/32', '1.2.3.4/32', false],
    ['2001:DB8:0:1::5/48', '2001:db8::/48', false],
    ['2001:db8:1:2::5/48', '2001:db8:1::/48', false],
    ['fe80::1/64', 'fe80::/64', true],
    ['fc00::/7', 'fc00::/7', true],
    ['::ffff:10.0.0.0/104', '::ffff:10.0.0.0/104', true],
  ])('%s → %s (private: %s)', (input, expected, isPrivate) => {
    expect(normaliseCidr(input)).toEqual({ type: 'cidr', value: expected, isPrivate });
  });

  it.each(['1.2.3.4/33', '2001:db8::/129', '1.2.3.4/', '1.2.3.4/x', '1.2.3/24', '1.2.3.4'])('rejects %s', (input) => {
    expect(normaliseCidr(input)).toBeUndefined();
  });

  it('checks a network against the private ranges as a whole', () => {
    expect(isPrivateIpv4(parseIpv4('10.0.0.0')!, 8)).toBe(true);
    expect(isPrivateIpv4(parseIpv4('8.0.0.0')!, 7)).toBe(false);
  });
});
