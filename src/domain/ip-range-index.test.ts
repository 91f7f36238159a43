import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { IpRangeIndex, parseCidr, rangeToCidrs } from './ip-range-index.js';

const cidrsOf = (index: IpRangeIndex<string>, ip: string) => {
  const found = index.lookup(ip);
  return found && [found.best, ...found.covering].map((m) => `${m.cidr}=${m.value}`);
};

describe('parseCidr', () => {
  it('clears host bits and gives the canonical network', () => {
    expect(parseCidr('203.0.113.77/24')).toEqual({ family: 4, network: '203.0.113.0', prefixLength: 24 });
    expect(parseCidr(' 10.1.2.3/8 ')).toEqual({ family: 4, network: '10.0.0.0', prefixLength: 8 });
    expect(parseCidr('2001:DB8:0:0:0:0:0:1/32')).toEqual({ family: 6, network: '2001:db8::', prefixLength: 32 });
    expect(parseCidr('2001:db8:0:0:1:0:0:1/128')?.network).toBe('2001:db8::1:0:0:1');
    expect(parseCidr('2001:0db8:0000:0001:0000:0000:0000:0000/64')?.network).toBe('2001:db8:0:1::');
    expect(parseCidr('2001:db8::1:0:1/128')?.network).toBe('2001:db8::1:0:1');
  });

  it('reads a bare address as a host route', () => {
    expect(parseCidr('192.0.2.1')).toEqual({ family: 4, network: '192.0.2.1', prefixLength: 32 });
    expect(parseCidr('::1')).toEqual({ family: 6, network: '::1', prefixLength: 128 });
  });

  it('accepts /0, /32 and /128', () => {
    expect(parseCidr('1.2.3.4/0')).toEqual({ family: 4, network: '0.0.0.0', prefixLength: 0 });
    expect(parseCidr('1.2.3.4/32')).toEqual({ family: 4, network: '1.2.3.4', prefixLength: 32 });
    expect(parseCidr('2001:db8::ff/0')).toEqual({ family: 6, network: '::', prefixLength: 0 });
    expect(parseCidr('2001:db8::ff/128')?.network).toBe('2001:db8::ff');
  });

  it('reads IPv4-mapped IPv6 ranges of /96 or longer as IPv4', () => {
    expect(parseCidr('::ffff:203.0.113.0/120')).toEqual({ family: 4, network: '203.0.113.0', prefixLength: 24 });
    expect(parseCidr('::ffff:cb00:7100/120')).toEqual({ family: 4, network: '203.0.113.0', prefixLength: 24 });
    // IPv4-compatible (deprecated) is a plain IPv6 address, not a mapped one.
    expect(parseCidr('::1.2.3.4')).toEqual({ family: 6, network: '::102:304', prefixLength: 128 });
  });

  it.each([
    '',
    'not-an-ip',
    '203.0.113.0/33',
    '2001:db8::/129',
    '203.0.113/24',
    '256.0.0.0/8',
    '010.0.0.0/8',
    '127.1',
    '1.2.3.4/',
    '1.2.3.4/-1',
    '1.2.3.4/24/8',
    '1.2.3.4/2 4',
    '2001:db8::1::/64',
    '2001:db8:1:2:3:4:5:6:7/64',
    '2001:db8:1:2:3:4:5/64',
    'fe80::1%eth0',
    '12345::/16',
    '1.2.3.4::',
  ])('rejects %j', (input) => {
    expect(parseCidr(input)).toBeUndefined();
  });
});

describe('IpRangeIndex', () => {
  it('answers with the most specific of nested ranges, and lists the rest most specific first', () => {
    const index = new IpRangeIndex<string>();
    index.add('10.0.0.0/8', 'isp');
    index.add('10.1.0.0/16', 'hosting');
    index.add('10.1.2.0/24', 'customer');
    expect(cidrsOf(index, '10.1.2.3')).toEqual(['10.1.2.0/24=customer', '10.1.0.0/16=hosting', '10.0.0.0/8=isp']);
    expect(cidrsOf(index, '10.1.3.3')).toEqual(['10.1.0.0/16=hosting', '10.0.0.0/8=isp']);
    expect(cidrsOf(index, '10.200.0.1')).toEqual(['10.0.0.0/8=isp']);
    expect(index.lookup('11.0.0.1')).toBeUndefined();
    expect(index.lookup('10.1.2.3')?.best).toEqual({ cidr: '10.1.2.0/24', prefixLength: 24, value: 'customer' });
  });

  it('keeps every owner of overlapping ranges: the most specific wins, the other is covering', () => {
    const index = new IpRangeIndex<string>();
    index.add('198.51.100.0/22', 'org-a');
    index.add('198.51.101.128/25', 'org-b');
    const found = index.lookup('198.51.101.200');
    expect(found?.best.value).toBe('org-b');
    expect(found?.covering.map((m) => m.value)).toEqual(['org-a']);
    expect(index.lookup('198.51.101.1')?.best.value).toBe('org-a');
  });

  it('keeps several values for the same CIDR: first added is best, the others lead covering', () => {
    const index = new IpRangeIndex<string>();
    index.add('203.0.113.0/24', 'first');
    index.add('203.0.113.77/24', 'second'); // same network once host bits are cleared
    index.add('203.0.113.0/24', 'first'); // same value again: not duplicated
    index.add('203.0.0.0/16', 'parent');
    expect(index.size).toBe(3);
    expect(cidrsOf(index, '203.0.113.77')).toEqual([
      '203.0.113.0/24=first',
      '203.0.113.0/24=second',
      '203.0.0.0/16=parent',
    ]);
  });

  it('handles /0 and /32', () => {
    const index = new IpRangeIndex<string>();
    index.add('0.0.0.0/0', 'everything');
    index.add('192.0.2.1/32', 'host');
    expect(cidrsOf(index, '192.0.2.1')).toEqual(['192.0.2.1/32=host', '0.0.0.0/0=everything']);
    expect(cidrsOf(index, '192.0.2.2')).toEqual(['0.0.0.0/0=everything']);
    expect(cidrsOf(index, '255.255.255.255')).toEqual(['0.0.0.0/0=everything']);
    expect(cidrsOf(index, '0.0.0.0')).toEqual(['0.0.0.0/0=everything']);
    // IPv4 /0 does not cover IPv6.
    expect(index.lookup('2001:db8::1')).toBeUndefined();
  });

  it('handles the top of the IPv4 space (unsigned arithmetic)', () => {
    const index = new IpRangeIndex<string>();
    index.add('255.255.255.0/24', 'top');
    index.add('128.0.0.0/1', 'upper-half');
    expect(cidrsOf(index, '255.255.255.255')).toEqual(['255.255.255.0/24=top', '128.0.0.0/1=upper-half']);
    expect(index.lookup('127.255.255.255')).toBeUndefined();
  });

  it('looks up IPv6 with nesting, /0 and /128', () => {
    const index = new IpRangeIndex<string>();
    index.add('::/0', 'all-v6');
    index.add('2001:db8::/32', 'rir');
    index.add('2001:db8:1234::/48', 'customer');
    index.add('2001:db8:1234::1/128', 'host');
    expect(cidrsOf(index, '2001:db8:1234::1')).toEqual([
      '2001:db8:1234::1/128=host',
      '2001:db8:1234::/48=customer',
      '2001:db8::/32=rir',
      '::/0=all-v6',
    ]);
    expect(cidrsOf(index, '2001:DB8:1234:0:0:0:0:2')).toEqual(['2001:db8:1234::/48=customer', '2001:db8::/32=rir', '::/0=all-v6']);
    expect(cidrsOf(index, '2001:db9::1')).toEqual(['::/0=all-v6']);
    expect(index.lookup('2001:db8:1234::1')?.best.prefixLength).toBe(128);
    // IPv6 /0 does not cover IPv4.
    expect(index.lookup('192.0.2.1')).toBeUndefined();
  });

  it('looks up IPv4-mapped IPv6 addresses as IPv4, and stores mapped ranges as IPv4', () => {
    const index = new IpRangeIndex<string>();
    index.add('203.0.113.0/24', 'v4');
    index.add('::ffff:198.51.100.0/120', 'mapped');
    expect(index.lookup('::ffff:203.0.113.77')?.best.value).toBe('v4');
    expect(index.lookup('::FFFF:cb00:714d')?.best.value).toBe('v4');
    expect(index.lookup('198.51.100.9')?.best).toEqual({ cidr: '198.51.100.0/24', prefixLength: 24, value: 'mapped' });
    expect(index.lookup('0:0:0:0:0:ffff:198.51.100.9')?.best.value).toBe('mapped');
  });

  it('returns undefined for invalid addresses', () => {
    const index = new IpRangeIndex<string>();
    index.add('0.0.0.0/0', 'all');
    index.add('::/0', 'all-v6');
    for (const ip of ['', 'x', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4/32', '::g', '1::2::3', 'fe80::1%eth0']) {
      expect(index.lookup(ip), ip).toBeUndefined();
    }
    expect(index.lookup(' 192.0.2.1 ')?.best.value).toBe('all');
  });

  it('throws a clear error on invalid ranges', () => {
    const index = new IpRangeIndex<string>();
    expect(() => index.add('203.0.113.0/33', 'x')).toThrow(/invalid IP range "203.0.113.0\/33": prefix length \/33 is longer than 32 bits/);
    expect(() => index.add('example.jp', 'x')).toThrow(/"example.jp" is not an IPv4 or IPv6 address/);
    expect(() => index.add('10.0.0.0/abc', 'x')).toThrow(AppError);
    expect(index.size).toBe(0);
  });

  describe('addRange', () => {
    it('decomposes an inclusive range into the minimal CIDR set', () => {
      expect(rangeToCidrs('10.0.0.0', '10.0.2.255')).toEqual(['10.0.0.0/23', '10.0.2.0/24']);
      expect(rangeToCidrs('192.0.2.1', '192.0.2.6')).toEqual(['192.0.2.1/32', '192.0.2.2/31', '192.0.2.4/31', '192.0.2.6/32']);
      expect(rangeToCidrs('0.0.0.0', '255.255.255.255')).toEqual(['0.0.0.0/0']);
      expect(rangeToCidrs('192.0.2.7', '192.0.2.7')).toEqual(['192.0.2.7/32']);
      expect(rangeToCidrs('2001:db8::', '2001:db8:1:ffff:ffff:ffff:ffff:ffff')).toEqual(['2001:db8::/47']);
      expect(rangeToCidrs('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toEqual(['::/0']);
      expect(rangeToCidrs('2001:db8::1', '2001:db8::2')).toEqual(['2001:db8::1/128', '2001:db8::2/128']);
    });

    it('indexes every block of the range', () => {
      const index = new IpRangeIndex<string>();
      // An RIR delegation line: 10.0.0.0 with count 768.
      index.addRange('10.0.0.0', '10.0.2.255', 'jpnic-member');
      expect(index.size).toBe(2);
      expect(index.lookup('10.0.0.0')?.best.cidr).toBe('10.0.0.0/23');
      expect(index.lookup('10.0.1.255')?.best.cidr).toBe('10.0.0.0/23');
      expect(index.lookup('10.0.2.255')?.best.cidr).toBe('10.0.2.0/24');
      expect(index.lookup('10.0.3.0')).toBeUndefined();
      expect(index.lookup('9.255.255.255')).toBeUndefined();
    });

    it('rejects bad ranges', () => {
      const index = new IpRangeIndex<string>();
      expect(() => index.addRange('10.0.2.0', '10.0.0.0', 'x')).toThrow(/the start is after the end/);
      expect(() => index.addRange('10.0.0.0', '2001:db8::', 'x')).toThrow(/one end is IPv4, the other IPv6/);
      expect(() => index.addRange('10.0.0', '10.0.0.255', 'x')).toThrow(/invalid range start "10.0.0"/);
      expect(() => index.addRange('10.0.0.0', 'nope', 'x')).toThrow(/invalid range end "nope"/);
    });
  });
});

describe('IpRangeIndex against a linear scan', () => {
  // mulberry32, so a failure is reproducible.
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const v4 = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

  it('agrees on random nested IPv4 ranges', () => {
    const next = random(7);
    const index = new IpRangeIndex<number>();
    const ranges: { network: number; prefixLength: number; id: number }[] = [];
    for (let id = 0; id < 3000; id++) {
      // Confine to 10.0.0.0/12 so ranges nest and overlap often.
      const prefixLength = 12 + Math.floor(next() * 21);
      const mask = prefixLength === 0 ? 0 : (-1 << (32 - prefixLength)) >>> 0;
      const network = ((0x0a000000 | Math.floor(next() * 0x100000)) & mask) >>> 0;
      index.add(`${v4(network)}/${prefixLength}`, id);
      ranges.push({ network, prefixLength, id });
    }
    for (let i = 0; i < 3000; i++) {
      const ip = (0x0a000000 | Math.floor(next() * 0x100000)) >>> 0;
      const expected = ranges
        .filter((r) => {
          const mask = r.prefixLength === 0 ? 0 : (-1 << (32 - r.prefixLength)) >>> 0;
          return ((ip & mask) >>> 0) === r.network;
        })
        .sort((a, b) => b.prefixLength - a.prefixLength || a.id - b.id)
        .map((r) => r.id);
      const found = index.lookup(v4(ip));
      expect(found ? [found.best.value, ...found.covering.map((m) => m.value)] : [], v4(ip)).toEqual(expected);
    }
  });
});
