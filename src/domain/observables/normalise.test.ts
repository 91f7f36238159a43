import { describe, expect, it } from 'vitest';
import { detectObservable, normaliseDomain, normaliseObservable } from './normalise.js';
import { OBSERVABLE_TYPES } from './observable.js';

describe('normaliseObservable: domain', () => {
  it('lower-cases and stores IDN as punycode, so both spellings are one observable', () => {
    expect(normaliseObservable('domain', '例え.jp')).toEqual({ type: 'domain', value: 'xn--r8jz45g.jp', isPrivate: false });
    expect(normaliseObservable('domain', 'XN--R8JZ45G.JP')?.value).toBe('xn--r8jz45g.jp');
    expect(normaliseObservable('domain', 'Secure-Login.Example-Bank.COM')?.value).toBe('secure-login.example-bank.com');
    expect(normaliseObservable('domain', 'ｅｘａｍｐｌｅ．ｃｏｍ')?.value).toBe('example.com');
    expect(normaliseObservable('domain', 'example.com.')?.value).toBe('example.com');
  });

  it('maps accented Latin, Greek and Cyrillic names as UTS #46 does (case folded, ß kept)', () => {
    expect(normaliseObservable('domain', 'MÜNCHEN.DE')?.value).toBe('xn--mnchen-3ya.de');
    expect(normaliseObservable('domain', 'Straße.de')?.value).toBe('xn--strae-oqa.de');
    expect(normaliseObservable('domain', 'ПРИМЕР.РФ')?.value).toBe('xn--e1afmkfd.xn--p1ai');
    expect(detectObservable('bücher.example')?.value).toBe('xn--bcher-kva.example');
  });

  it('accepts defanged input', () => {
    expect(normaliseObservable('domain', 'evil[.]example')?.value).toBe('evil.example');
    expect(normaliseObservable('domain', 'evil(dot)example(dot)jp')?.value).toBe('evil.example.jp');
  });

  it('needs a registrable name under a known public suffix or a reserved TLD', () => {
    for (const good of ['example.com', 'foo.example', 'a.b.test', 'x.invalid', 'printer.local', 'nas.home.arpa', 'db.internal', 'pc.lan', 'localhost', 'a.localhost', '_dmarc.example.com']) {
      expect(normaliseDomain(good), good).toBeDefined();
    }
    for (const bad of ['file.txt', 'version.1', 'e.g', 'com', 'co.jp', 'foo.notatld', '2026.11.25', '-bad.example', 'bad-.example', 'a..example', 'a b.example', '']) {
      expect(normaliseDomain(bad), bad).toBeUndefined();
    }
    expect(normaliseDomain(`${'a'.repeat(64)}.example`)).toBeUndefined();
    expect(normaliseDomain(`${'a.'.repeat(130)}example`)).toBeUndefined();
  });

  it('takes a file-extension TLD when the user says it is a domain', () => {
    expect(normaliseObservable('domain', 'readme.md')?.value).toBe('readme.md');
  });

  it.each([
    ['localhost', true],
    ['printer.localhost', true],
    ['printer.local', true],
    ['db.corp.internal', true],
    ['pc.lan', true],
    ['nas.home.arpa', true],
    ['evil.example', false], // stands in for a public name in examples, drills, tests
    ['foo.test', false],
    ['example.com', false],
  ])('%s private: %s', (name, isPrivate) => {
    expect(normaliseObservable('domain', name)?.isPrivate).toBe(isPrivate);
  });
});

describe('normaliseObservable: url', () => {
  it.each([
    ['https://Secure-Login.Example-Bank.com.evil.example/jp/', 'https://secure-login.example-bank.com.evil.example/jp/'],
    ['HTTPS://EVIL.example/Path/To/Page.PHP?Q=AbC', 'https://evil.example/Path/To/Page.PHP?Q=AbC'],
    ['http://evil.example', 'http://evil.example/'],
    ['http://evil.example:80/a', 'http://evil.example/a'],
    ['https://evil.example:443/a', 'https://evil.example/a'],
    ['https://evil.example:8443/a', 'https://evil.example:8443/a'],
    ['https://evil.example/a/#frag', 'https://evil.example/a/'],
    ['https://evil.example/a', 'https://evil.example/a'],
    ['http://例え.jp/パス', 'http://xn--r8jz45g.jp/%E3%83%91%E3%82%B9'],
    ['hxxp://evil[.]example/login', 'http://evil.example/login'],
    ['hxxps[://]evil[.]example', 'https://evil.example/'],
    ['fxp://files.example/x', 'ftp://files.example/x'],
    ['http://[2001:DB8::1]:8080/', 'http://[2001:db8::1]:8080/'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseObservable('url', input)?.value).toBe(expected);
  });

  it('rejects other schemes, missing hosts and huge URLs', () => {
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'evil.example/a', 'http://', 'http://exa mple.com/', `https://evil.example/${'a'.repeat(9000)}`]) {
      expect(normaliseObservable('url', bad), bad.slice(0, 40)).toBeUndefined();
    }
  });

  it('is private when its host is', () => {
    expect(normaliseObservable('url', 'http://192.168.0.1/admin')?.isPrivate).toBe(true);
    expect(normaliseObservable('url', 'http://[fe80::1]/')?.isPrivate).toBe(true);
    expect(normaliseObservable('url', 'http://printer.local/')?.isPrivate).toBe(true);
    expect(normaliseObservable('url', 'http://intranet/')?.isPrivate).toBe(true);
    expect(normaliseObservable('url', 'http://203.0.113.5/')?.isPrivate).toBe(false);
    expect(normaliseObservable('url', 'https://evil.example/')?.isPrivate).toBe(false);
  });
});

describe('normaliseObservable: other types', () => {
  it('e-mail: lower-cased, IDN domain as punycode, defanged accepted', () => {
    expect(normaliseObservable('email', 'Taro.Yamada@Example.CO.JP')).toEqual({ type: 'email', value: 'taro.yamada@example.co.jp', isPrivate: false });
    expect(normaliseObservable('email', 'info@例え.jp')?.value).toBe('info@xn--r8jz45g.jp');
    expect(normaliseObservable('email', 'user[at]example[.]com')?.value).toBe('user@example.com');
    expect(normaliseObservable('email', 'user＠example．com')?.value).toBe('user@example.com');
    expect(normaliseObservable('email', 'mailto:abuse@example.net')?.value).toBe('abuse@example.net');
    expect(normaliseObservable('email', 'root@localhost')?.isPrivate).toBe(true);
    for (const bad of ['user@', '@example.com', 'user@file.txt', 'a..b@example.com', '.a@example.com', `${'a'.repeat(65)}@example.com`]) {
      expect(normaliseObservable('email', bad), bad).toBeUndefined();
    }
  });

  it('hashes: lower-case hex of the exact length', () => {
    expect(normaliseObservable('md5', 'D41D8CD98F00B204E9800998ECF8427E')?.value).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(normaliseObservable('sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709')?.value).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(normaliseObservable('sha256', ' E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 ')?.value).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(normaliseObservable('md5', 'da39a3ee5e6b4b0d3255bfef95601890afd80709')).toBeUndefined();
    expect(normaliseObservable('md5', 'g41d8cd98f00b204e9800998ecf8427e')).toBeUndefined();
  });

  it('CVE ids: upper-case canonical', () => {
    expect(normaliseObservable('cve', 'cve-2024-12345')?.value).toBe('CVE-2024-12345');
    expect(normaliseObservable('cve', 'CVE-2021-44228')?.value).toBe('CVE-2021-44228');
    expect(normaliseObservable('cve', 'CVE‐2024‐0001')?.value).toBe('CVE-2024-0001');
    expect(normaliseObservable('cve', 'ＣＶＥ－２０２４－１２３４５')?.value).toBe('CVE-2024-12345');
    for (const bad of ['CVE-2024-123', 'CVE-24-12345', 'CVE-1990-1234', 'CVE-2024-01234', 'CVE 2024 1234']) {
      expect(normaliseObservable('cve', bad), bad).toBeUndefined();
    }
  });

  it.each([
    ['AS64500', 'AS64500', false],
    ['as64500', 'AS64500', false],
    ['ASN 64500', 'AS64500', false],
    ['AS 64500', 'AS64500', false],
    ['ASN: 64500', 'AS64500', false],
    ['64500', 'AS64500', false],
    ['AS1.10', 'AS65546', false],
    ['ＡＳ６４５００', 'AS64500', false],
    ['AS65000', 'AS65000', true],
    ['AS4200000001', 'AS4200000001', true],
    ['AS0', 'AS0', true],
    ['AS23456', 'AS23456', true],
    ['AS2497', 'AS2497', false],
  ])('ASN %s → %s (private: %s)', (input, value, isPrivate) => {
    expect(normaliseObservable('asn', input)).toEqual({ type: 'asn', value, isPrivate });
  });

  it('rejects out-of-range AS numbers', () => {
    expect(normaliseObservable('asn', 'AS4294967296')).toBeUndefined();
    expect(normaliseObservable('asn', 'AS70000.1')).toBeUndefined();
    expect(normaliseObservable('asn', 'ASX1')).toBeUndefined();
  });

  it('IP types accept defanged and full-width input', () => {
    expect(normaliseObservable('ipv4', '1.2.3[.]4')?.value).toBe('1.2.3.4');
    expect(normaliseObservable('ipv4', '192[.]0[.]2[.]1')?.value).toBe('192.0.2.1');
    expect(normaliseObservable('ipv4', '１９２．０．２．１')?.value).toBe('192.0.2.1');
    expect(normaliseObservable('ipv6', '[2001:db8::1]')?.value).toBe('2001:db8::1');
    expect(normaliseObservable('cidr', '203.0.113.77/24')?.value).toBe('203.0.113.0/24');
    expect(normaliseObservable('ipv4', '1.2.3')).toBeUndefined();
  });

  it('never throws, whatever the input', () => {
    const nasty = ['', '\u0000', '\ud800', '\udfff.example', 'a'.repeat(100_000), '[.]'.repeat(10_000), '\u0000@\u0000', 'http://\ud800/'];
    for (const type of OBSERVABLE_TYPES) for (const raw of nasty) expect(() => normaliseObservable(type, raw)).not.toThrow();
  });
});

describe('detectObservable', () => {
  it.each([
    ['203.0.113.5', 'ipv4', '203.0.113.5'],
    ['1.2.3[.]4', 'ipv4', '1.2.3.4'],
    ['2001:DB8::1', 'ipv6', '2001:db8::1'],
    ['[2001:db8::1]', 'ipv6', '2001:db8::1'],
    ['203.0.113.77/24', 'cidr', '203.0.113.0/24'],
    ['evil[.]example', 'domain', 'evil.example'],
    ['例え.jp', 'domain', 'xn--r8jz45g.jp'],
    ['readme.md', 'domain', 'readme.md'],
    ['hxxps://evil[.]example/jp/', 'url', 'https://evil.example/jp/'],
    ['evil[.]example/jp/login.php', 'url', 'http://evil.example/jp/login.php'],
    ['user[@]example[.]com', 'email', 'user@example.com'],
    ['D41D8CD98F00B204E9800998ECF8427E', 'md5', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['da39a3ee5e6b4b0d3255bfef95601890afd80709', 'sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['cve-2024-12345', 'cve', 'CVE-2024-12345'],
    ['ASN 64500', 'asn', 'AS64500'],
    ['as64500', 'asn', 'AS64500'],
    ['  <evil.example>  ', 'domain', 'evil.example'],
    ['evil.example:8080', 'domain', 'evil.example'],
    ['203.0.113.5:443', 'ipv4', '203.0.113.5'],
  ])('%s is %s %s', (input, type, value) => {
    expect(detectObservable(input)).toMatchObject({ type, value });
  });

  it.each(['', '   ', 'hello', 'hello world', '64500', '1.2.3', 'file.txt', 'abc123', 'javascript:alert(1)', '\ud800'])('%s is nothing', (input) => {
    expect(detectObservable(input)).toBeUndefined();
  });
});
