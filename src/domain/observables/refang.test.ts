import { describe, expect, it } from 'vitest';
import { normaliseObservable } from './normalise.js';
import type { ObservableType } from './observable.js';
import { defang, foldFullWidth, refang, refangWithMarks } from './refang.js';

describe('refang', () => {
  it.each([
    ['hxxp://evil.example/a', 'http://evil.example/a'],
    ['hxxps://evil.example/a', 'https://evil.example/a'],
    ['HXXPS://evil.example/', 'https://evil.example/'],
    ['h**p://evil.example/', 'http://evil.example/'],
    ['h**ps://evil.example/', 'https://evil.example/'],
    ['fxp://files.example/x', 'ftp://files.example/x'],
    ['hxxps[:]//evil.example', 'https://evil.example'],
    ['hxxps[://]evil.example', 'https://evil.example'],
    ['example[.]com', 'example.com'],
    ['example(.)com', 'example.com'],
    ['example{.}com', 'example.com'],
    ['example[dot]com', 'example.com'],
    ['example(dot)com', 'example.com'],
    ['example[DOT]com', 'example.com'],
    ['1.2.3[.]4', '1.2.3.4'],
    ['192[.]0[.]2[.]1', '192.0.2.1'],
    ['user[@]example[.]com', 'user@example.com'],
    ['user(@)example.com', 'user@example.com'],
    ['user[at]example.com', 'user@example.com'],
    ['user [at] example [dot] com', 'user@example.com'],
    ['2001:db8[:]:1', '2001:db8::1'],
    ['evil.example[/]login', 'evil.example/login'],
  ])('%s → %s', (input, expected) => {
    expect(refang(input)).toBe(expected);
  });

  it('drops spaces only around a square-bracketed marker between two words', () => {
    expect(refang('a list: [.] and (at) the end')).toBe('a list: . and @ the end');
    expect(refang('abuse [at] example [.] jp')).toBe('abuse@example.jp');
  });

  it('leaves ordinary text alone (and returns the same string)', () => {
    const text = 'Nothing to see here (really) [ok]. http://x.example/ — 連携。';
    expect(refang(text)).toBe(text);
  });

  it('turns full-width ASCII into ASCII but leaves 。 alone', () => {
    expect(foldFullWidth('ｅｖｉｌ．ｅｘａｍｐｌｅ ＠ １２３ ［．］ 。')).toBe('evil.example @ 123 [.] 。');
    expect(refang('ｅｖｉｌ［．］ｅｘａｍｐｌｅ')).toBe('evil.example');
  });

  it('records where markers were replaced', () => {
    const { text, marks } = refangWithMarks('a setup[.]py b');
    expect(text).toBe('a setup.py b');
    expect(marks).toEqual([7]);
    expect(refangWithMarks('no markers').marks).toEqual([]);
  });
});

describe('defang', () => {
  it.each<[ObservableType, string, string]>([
    ['url', 'https://secure-login.example-bank.com.evil.example/jp/', 'hxxps://secure-login[.]example-bank[.]com[.]evil[.]example/jp/'],
    ['url', 'http://evil.example:8080/a.php?x=1', 'hxxp://evil[.]example:8080/a.php?x=1'],
    ['url', 'http://203.0.113.5/x', 'hxxp://203.0.113[.]5/x'],
    ['url', 'ftp://files.example/x', 'fxp://files[.]example/x'],
    ['url', 'http://[2001:db8::1]/', 'hxxp://[2001:db8::1]/'],
    ['domain', 'example.com', 'example[.]com'],
    ['domain', 'www.evil.example', 'www[.]evil[.]example'],
    ['ipv4', '1.2.3.4', '1.2.3[.]4'],
    ['cidr', '203.0.113.0/24', '203.0.113[.]0/24'],
    ['email', 'user@example.com', 'user[@]example[.]com'],
    ['email', 'taro.yamada@mail.example.jp', 'taro.yamada[@]mail[.]example[.]jp'],
    ['ipv6', '2001:db8::1', '2001:db8::1'],
    ['md5', 'd41d8cd98f00b204e9800998ecf8427e', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['cve', 'CVE-2024-12345', 'CVE-2024-12345'],
    ['asn', 'AS64500', 'AS64500'],
  ])('%s %s → %s', (type, value, expected) => {
    expect(defang({ type, value })).toBe(expected);
  });

  it.each<[ObservableType, string]>([
    ['url', 'https://secure-login.example-bank.com.evil.example/jp/'],
    ['url', 'http://user@203.0.113.5:8080/a?b=c'],
    ['domain', 'xn--r8jz45g.jp'],
    ['ipv4', '198.51.100.7'],
    ['cidr', '10.0.0.0/8'],
    ['email', 'abuse@example.net'],
  ])('round-trips %s %s through normaliseObservable', (type, value) => {
    expect(normaliseObservable(type, defang({ type, value }))?.value).toBe(value);
  });
});
