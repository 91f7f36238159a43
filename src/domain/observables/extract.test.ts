import { describe, expect, it } from 'vitest';
import { extractObservables } from './extract.js';
import type { ObservableType } from './observable.js';

/** `type value` of each observable, in order: compact to compare. */
const found = (text: string): string[] => extractObservables(text).map((o) => `${o.type} ${o.value}`);
const valuesOf = (text: string, type: ObservableType): string[] =>
  extractObservables(text)
    .filter((o) => o.type === type)
    .map((o) => o.value);

describe('extractObservables: URLs', () => {
  it('normalises scheme and host, keeps path case and trailing slash, adds the host', () => {
    expect(found('See https://Secure-Login.Example-Bank.com.evil.example/jp/ now')).toEqual([
      'url https://secure-login.example-bank.com.evil.example/jp/',
      'domain secure-login.example-bank.com.evil.example',
    ]);
    expect(found('GET HTTP://Evil.Example:80/Login.PHP?ID=Ab#top')).toEqual(['url http://evil.example/Login.PHP?ID=Ab', 'domain evil.example']);
    expect(valuesOf('http://evil.example', 'url')).toEqual(['http://evil.example/']);
  });

  it('adds an IP host as an address', () => {
    expect(found('http://203.0.113.5:8080/x and http://[2001:DB8::1]/y')).toEqual([
      'url http://203.0.113.5:8080/x',
      'ipv4 203.0.113.5',
      'url http://[2001:db8::1]/y',
      'ipv6 2001:db8::1',
    ]);
  });

  it('ends a URL before Japanese text and Japanese punctuation', () => {
    expect(valuesOf('攻撃者は https://evil.example/jp/から認証情報を窃取した。', 'url')).toEqual(['https://evil.example/jp/']);
    expect(valuesOf('次のURL「https://evil.example/login」にアクセス', 'url')).toEqual(['https://evil.example/login']);
    expect(valuesOf('URLはhttps://evil.example/a。次に、https://b.example/x、です', 'url')).toEqual(['https://evil.example/a', 'https://b.example/x']);
    expect(valuesOf('https://evil.exampleから', 'url')).toEqual(['https://evil.example/']);
    expect(valuesOf('（https://evil.example/a）', 'url')).toEqual(['https://evil.example/a']);
  });

  it('trims prose punctuation but keeps balanced brackets', () => {
    const text = 'Visit https://a.example/x. Or https://b.example/y, (see https://c.example/z) "https://d.example/q" <https://e.example/r> https://en.wikipedia.org/wiki/Foo_(bar)! [link](https://f.example/s)';
    expect(valuesOf(text, 'url')).toEqual([
      'https://a.example/x',
      'https://b.example/y',
      'https://c.example/z',
      'https://d.example/q',
      'https://e.example/r',
      'https://en.wikipedia.org/wiki/Foo_(bar)',
      'https://f.example/s',
    ]);
  });

  it('handles IDN hosts and matches the punycode spelling', () => {
    expect(found('http://例え.jp/ and http://xn--r8jz45g.jp/')).toEqual(['url http://xn--r8jz45g.jp/', 'domain xn--r8jz45g.jp']);
  });

  it('reads defanged URLs', () => {
    expect(valuesOf('hxxp://evil[.]example/a hxxps[://]evil(.)example/b h**ps://evil{.}example/c HXXPS[:]//evil[dot]example/d fxp://files[.]example/e', 'url')).toEqual([
      'http://evil.example/a',
      'https://evil.example/b',
      'https://evil.example/c',
      'https://evil.example/d',
      'ftp://files.example/e',
    ]);
  });

  it('does not read inside a URL for other types, except CVE ids', () => {
    expect(found('https://nvd.example/vuln/CVE-2024-3400/d41d8cd98f00b204e9800998ecf8427e/1.2.3.4/x.example')).toEqual([
      'url https://nvd.example/vuln/CVE-2024-3400/d41d8cd98f00b204e9800998ecf8427e/1.2.3.4/x.example',
      'domain nvd.example',
      'cve CVE-2024-3400',
    ]);
  });

  it('skips URLs over 8 KB', () => {
    expect(valuesOf(`https://evil.example/${'a'.repeat(9000)} https://ok.example/`, 'url')).toEqual(['https://ok.example/']);
  });

  it('marks a URL with a private host private', () => {
    expect(extractObservables('http://192.168.1.1/admin')).toEqual([
      { type: 'url', value: 'http://192.168.1.1/admin', isPrivate: true },
      { type: 'ipv4', value: '192.168.1.1', isPrivate: true },
    ]);
  });
});

describe('extractObservables: domains', () => {
  it('needs a known public suffix or a reserved TLD', () => {
    expect(valuesOf('mail.evil.example, example.co.jp, foo.test, file.txt, version.1, e.g. this, i.e. that, a.b', 'domain')).toEqual([
      'mail.evil.example',
      'example.co.jp',
      'foo.test',
    ]);
  });

  it('does not take file names with file-extension TLDs unless written as a host', () => {
    expect(valuesOf('Open readme.md, run setup.py and deploy.sh, unpack invoice.zip, play clip.mov', 'domain')).toEqual([]);
    expect(valuesOf('evil[.]zip and www.promo.mov and https://login.zip/ and files.example.com.pl', 'domain')).toEqual([
      'evil.zip',
      'www.promo.mov',
      'login.zip',
      'files.example.com.pl',
    ]);
  });

  it('does not take dates or version numbers', () => {
    expect(found('Released 2026.11.25 as version 1.2.3 (build 10.0.19045) and v4.5.6.7, 1.2.3.4.5')).toEqual([]);
  });

  it('does not take path or file parts as domains', () => {
    expect(valuesOf('C:\\Users\\taro\\evil.example and /var/www/evil.example and ../x.example', 'domain')).toEqual([]);
  });

  it('treats IDN and punycode as one observable', () => {
    expect(extractObservables('「例え.jp」と xn--r8jz45g.jp と 例え．jp')).toEqual([{ type: 'domain', value: 'xn--r8jz45g.jp', isPrivate: false }]);
  });

  it('finds ASCII names glued to Japanese text, and IDNs only when delimited', () => {
    expect(valuesOf('攻撃者はevil.exampleへ接続し、mail.example.jpからメールを送信', 'domain')).toEqual(['evil.example', 'mail.example.jp']);
    expect(valuesOf('ドメイン 例え.jp を確認', 'domain')).toEqual(['xn--r8jz45g.jp']);
    expect(valuesOf('悪性ドメインevil例え.jpへ', 'domain')).toEqual([]);
  });

  it('reads defanged and full-width names', () => {
    expect(valuesOf('evil[.]example evil2(.)example evil3{.}example evil4[dot]example evil5(dot)example ｅｖｉｌ６．ｅｘａｍｐｌｅ', 'domain')).toEqual([
      'evil.example',
      'evil2.example',
      'evil3.example',
      'evil4.example',
      'evil5.example',
      'evil6.example',
    ]);
  });

  it('recovers the name or address from a sentence missing its space', () => {
    expect(found('It came from evil.example.Then from 203.0.113.9.Then')).toEqual(['domain evil.example', 'ipv4 203.0.113.9']);
  });

  it('flags private names', () => {
    expect(extractObservables('printer.local nas.home.arpa db.corp.internal pc.lan app.localhost evil.example foo.test')).toEqual([
      { type: 'domain', value: 'printer.local', isPrivate: true },
      { type: 'domain', value: 'nas.home.arpa', isPrivate: true },
      { type: 'domain', value: 'db.corp.internal', isPrivate: true },
      { type: 'domain', value: 'pc.lan', isPrivate: true },
      { type: 'domain', value: 'app.localhost', isPrivate: true },
      { type: 'domain', value: 'evil.example', isPrivate: false },
      { type: 'domain', value: 'foo.test', isPrivate: false },
    ]);
  });
});

describe('extractObservables: internationalised names in Latin, Greek and Cyrillic', () => {
  // Expected values are what `domainToASCII` (UTS #46, non-transitional, as WHATWG URL) gives.
  it('takes a bare name with accented Latin letters whole, never a truncated tail', () => {
    expect(found('see münchen.de today')).toEqual(['domain xn--mnchen-3ya.de']);
    expect(found('bücher.example')).toEqual(['domain xn--bcher-kva.example']);
    expect(found('MÜNCHEN.DE and Bücher.Example')).toEqual(['domain xn--mnchen-3ya.de', 'domain xn--bcher-kva.example']);
  });

  it('takes accented letters at the start, middle and end of a label, and in any label', () => {
    expect(valuesOf('éa.fr naïve.example café.fr', 'domain')).toEqual(['xn--a-9fa.fr', 'xn--nave-6pa.example', 'xn--caf-dma.fr']);
    expect(valuesOf('www.dömain.de and sub.example.cömpany.de and mail.münchen.de.', 'domain')).toEqual([
      'www.xn--dmain-jua.de',
      'sub.example.xn--cmpany-wxa.de',
      'mail.xn--mnchen-3ya.de',
    ]);
    expect(valuesOf('Vietnamese tiếngviệt.vn, decomposed mu\u0308nchen.de', 'domain')).toEqual(['xn--tingvit-5t4cyc.vn', 'xn--mnchen-3ya.de']);
  });

  it('maps as UTS #46 does: case folded, ß kept (IDNA2008), one observable with the punycode spelling', () => {
    expect(valuesOf('Straße.de STRASSE.DE', 'domain')).toEqual(['xn--strae-oqa.de', 'strasse.de']);
    expect(extractObservables('xn--mnchen-3ya.de münchen.de MÜNCHEN.DE münchen[.]de')).toEqual([{ type: 'domain', value: 'xn--mnchen-3ya.de', isPrivate: false }]);
  });

  it('treats a Latin word as one word: no name in it, no name cut out of it', () => {
    expect(found('Bitte die Überweisung prüfen')).toEqual([]);
    expect(found('Die Überweisung.Bitte prüfen, Größe.Danke')).toEqual([]);
    expect(found('Überweisung.de')).toEqual(['domain xn--berweisung-8db.de']);
    expect(found('evil.exampleü and évil.zipé')).toEqual([]);
    expect(found('Gesendet von evil.example.Überweisung folgt')).toEqual(['domain evil.example']);
  });

  it('finds the name in delimited, defanged and Japanese-glued forms', () => {
    expect(valuesOf('「münchen.de」、bücher[.]example。攻撃者はcafé.frへ接続し、ドメインnaïve.exampleを使用', 'domain')).toEqual([
      'xn--mnchen-3ya.de',
      'xn--bcher-kva.example',
      'xn--caf-dma.fr',
      'xn--nave-6pa.example',
    ]);
  });

  it('takes Cyrillic and Greek names, and homographs mixing them with ASCII, whole', () => {
    expect(valuesOf('пример.рф ПРИМЕР.РФ παράδειγμα.ελ ΠΑΡΆΔΕΙΓΜΑ.ΕΛ', 'domain')).toEqual(['xn--e1afmkfd.xn--p1ai', 'xn--hxajbheg2az3al.xn--qxam']);
    expect(valuesOf('login at p\u0430ypal.com now', 'domain')).toEqual(['xn--pypal-4ve.com']);
  });

  it('keeps names in Korean, Chinese, Arabic and Thai, and ASCII names glued to such prose', () => {
    expect(valuesOf('한국.kr 도메인.한국 例子.中国 مثال.مصر ตัวอย่าง.ไทย', 'domain')).toEqual([
      'xn--3e0b707e.kr',
      'xn--hq1bm8jm9l.xn--3e0b707e',
      'xn--fsqu00a.xn--fiqs8s',
      'xn--mgbh0fb.xn--wgbh1c',
      'xn--72c1a1bt4awk9o.xn--o3cw4h',
    ]);
    expect(valuesOf('공격자는 evil.example에서 접속, 攻击者通过mail.example发送, ไปที่cdn.exampleครับ', 'domain')).toEqual(['evil.example', 'mail.example', 'cdn.example']);
  });

  it('reads accented hosts and paths in URLs and accented domains in e-mail addresses', () => {
    expect(found('https://www.münchen.de/ and https://de.wikipedia.org/wiki/München.')).toEqual([
      'url https://www.xn--mnchen-3ya.de/',
      'domain www.xn--mnchen-3ya.de',
      'url https://de.wikipedia.org/wiki/M%C3%BCnchen',
      'domain de.wikipedia.org',
    ]);
    expect(found('Mail an info@mail.münchen.de bitte')).toEqual(['email info@mail.xn--mnchen-3ya.de']);
  });

  it('does not cut an address out of an accented local part', () => {
    expect(found('jürgen@example.de und jürgen.müller@example.de')).toEqual([]);
  });
});

describe('extractObservables: e-mail addresses', () => {
  it('extracts addresses without adding their domain', () => {
    expect(found('From: "Support" <Support@Evil.Example>, cc taro.yamada+x@mail.example.jp.')).toEqual([
      'email support@evil.example',
      'email taro.yamada+x@mail.example.jp',
    ]);
  });

  it('reads defanged and full-width addresses', () => {
    expect(valuesOf('a[@]example[.]com b(@)example.com c[at]example[.]com d [at] example [dot] com e＠example．com', 'email')).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
      'd@example.com',
      'e@example.com',
    ]);
  });

  it('stops at Japanese text and skips invalid addresses', () => {
    expect(valuesOf('連絡先info@example.jpまで。foo@bar と @handle と user@file.txt', 'email')).toEqual(['info@example.jp']);
  });
});

describe('extractObservables: addresses', () => {
  it('finds IPv4 in logs and headers', () => {
    expect(valuesOf('Received: from mx (mx [203.0.113.5]) SRC=198.51.100.7:443 DST=192.0.2.1, 10.0.0.1-10.0.0.9', 'ipv4')).toEqual([
      '203.0.113.5',
      '198.51.100.7',
      '192.0.2.1',
      '10.0.0.1',
      '10.0.0.9',
    ]);
  });

  it('normalises zero-padded octets and rejects out-of-range ones', () => {
    expect(valuesOf('192.168.001.010 and 256.1.1.1 and 1.2.3.999', 'ipv4')).toEqual(['192.168.1.10']);
  });

  it('reads defanged and full-width addresses', () => {
    expect(valuesOf('1.2.3[.]4 192[.]0[.]2[.]1 198(.)51(.)100(.)2 接続元は１９２．０．２．３です', 'ipv4')).toEqual(['1.2.3.4', '192.0.2.1', '198.51.100.2', '192.0.2.3']);
  });

  it('finds IPv6 in canonical form, but not times or MAC addresses', () => {
    expect(valuesOf('2001:DB8:0:0:0:0:0:1 fe80::1%eth0 [2001:db8::2]:443 ::ffff:192.0.2.1 at 10:30:00 on 00:1a:2b:3c:4d:5e std::vector', 'ipv6')).toEqual([
      '2001:db8::1',
      'fe80::1',
      '2001:db8::2',
      '::ffff:192.0.2.1',
    ]);
    expect(valuesOf('The address 2001:db8::1.', 'ipv6')).toEqual(['2001:db8::1']);
  });

  it('takes addresses and networks at the end of a sentence', () => {
    expect(found('Block 2001:db8::/32. Then 10.0.0.0/8. And 2001:db8::7.')).toEqual(['cidr 2001:db8::/32', 'cidr 10.0.0.0/8', 'ipv6 2001:db8::7']);
  });

  it('takes a dotted quad followed by more labels as a name', () => {
    expect(found('via 203.0.113.5.nip.example')).toEqual(['domain 203.0.113.5.nip.example']);
  });

  it('canonicalises CIDRs to their network', () => {
    expect(extractObservables('block 203.0.113.77/24, 10.1.2.3/8 and 2001:db8:1:2::5/48')).toEqual([
      { type: 'cidr', value: '203.0.113.0/24', isPrivate: false },
      { type: 'cidr', value: '10.0.0.0/8', isPrivate: true },
      { type: 'cidr', value: '2001:db8:1::/48', isPrivate: false },
    ]);
  });

  it('flags private and reserved addresses, not documentation ranges', () => {
    const flags = Object.fromEntries(
      extractObservables('10.0.0.1 172.16.5.4 192.168.0.1 127.0.0.1 169.254.1.1 100.64.0.1 0.0.0.0 224.0.0.1 255.255.255.255 240.0.0.1 192.0.2.1 198.51.100.1 203.0.113.1 8.8.8.8 ::1 fc00::1 fe80::2 ff02::1 ::ffff:10.0.0.1 2001:db8::1').map((o) => [
        o.value,
        o.isPrivate,
      ]),
    );
    expect(flags).toEqual({
      '10.0.0.1': true,
      '172.16.5.4': true,
      '192.168.0.1': true,
      '127.0.0.1': true,
      '169.254.1.1': true,
      '100.64.0.1': true,
      '0.0.0.0': true,
      '224.0.0.1': true,
      '255.255.255.255': true,
      '240.0.0.1': true,
      '192.0.2.1': false,
      '198.51.100.1': false,
      '203.0.113.1': false,
      '8.8.8.8': false,
      '::1': true,
      'fc00::1': true,
      'fe80::2': true,
      'ff02::1': true,
      '::ffff:10.0.0.1': true,
      '2001:db8::1': false,
    });
  });
});

describe('extractObservables: hashes, CVE ids, AS numbers', () => {
  const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
  const sha1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
  const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

  it('takes whole hex tokens of 32, 40 and 64 digits, lower-cased', () => {
    expect(found(`MD5: ${md5.toUpperCase()} SHA1=${sha1} (${sha256}) ${md5}.exe sample_${sha1}`)).toEqual([
      `md5 ${md5}`,
      `sha1 ${sha1}`,
      `sha256 ${sha256}`,
    ]);
  });

  it('ignores hex runs of other lengths and hashes inside longer runs or words', () => {
    expect(found(`${md5}0 ${md5.slice(1)} ${sha256}${md5} x${md5} ${md5}g 0x${md5}`)).toEqual([]);
  });

  it('finds CVE ids in any case, upper-cased', () => {
    expect(valuesOf('Exploits cve-2021-44228 and CVE-2024-12345 (see CVE‐2024‐3400); not CVE-2024-123 or XCVE-2024-1234', 'cve')).toEqual([
      'CVE-2021-44228',
      'CVE-2024-12345',
      'CVE-2024-3400',
    ]);
  });

  it('finds AS numbers written several ways, but not prose', () => {
    expect(valuesOf('AS64500, ASN 64501, AS 64502, ASN: 64503, as64504, ＡＳ６４５０５ but not such as 300 hosts, HAS 12 or BASN64506', 'asn')).toEqual([
      'AS64500',
      'AS64501',
      'AS64502',
      'AS64503',
      'AS64504',
      'AS64505',
    ]);
  });
});

describe('extractObservables: order, dedupe, Japanese reports', () => {
  it('is unique by (type, value) in order of first appearance', () => {
    expect(found('evil.example 203.0.113.5 EVIL.example evil[.]example CVE-2024-1234 203.0.113.5 cve-2024-1234 http://evil.example/')).toEqual([
      'domain evil.example',
      'ipv4 203.0.113.5',
      'cve CVE-2024-1234',
      'url http://evil.example/',
    ]);
  });

  it('keeps the same value under different types apart', () => {
    expect(found('1.2.3.4 and 1.2.3.4/32')).toEqual(['ipv4 1.2.3.4', 'cidr 1.2.3.4/32']);
  });

  it('reads a Japanese report', () => {
    const report = [
      '件名: フィッシングサイトのご報告',
      '',
      'お世話になっております。弊社ユーザーより、実在する銀行を装ったフィッシングメールを受信したとの報告がありました。',
      'メール本文のURL（hxxps://secure-login[.]example-bank[.]com[.]evil[.]example/jp/）にアクセスすると、認証情報の入力を求められます。',
      '送信元は support＠example-bank．com．evil．example、送信元IPアドレスは１９８．５１．１００．２３（ＡＳ６４４９６）です。',
      '添付ファイルのSHA256は E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 でした。CVE-2024-3400 を悪用した形跡があります。',
    ].join('\r\n');
    expect(found(report)).toEqual([
      'url https://secure-login.example-bank.com.evil.example/jp/',
      'domain secure-login.example-bank.com.evil.example',
      'email support@example-bank.com.evil.example',
      'ipv4 198.51.100.23',
      'asn AS64496',
      'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'cve CVE-2024-3400',
    ]);
  });

  it('returns fresh objects each call', () => {
    const text = 'evil.example http://203.0.113.5/x';
    for (const observable of extractObservables(text)) observable.isPrivate = true;
    expect(extractObservables(text).map((o) => o.isPrivate)).toEqual([false, false, false]);
  });
});

describe('extractObservables: never throws', () => {
  it.each([
    ['empty', ''],
    ['lone surrogates', '\ud800evil.example\udfff http://\ud83d.example/ a\udc00@example.com 例\ud800.jp'],
    ['NUL and control characters', '\u0000evil.example\u0001\u0002 1.2.3.4\u0000 http://x.example/\u0007a \u001b[31m'],
    ['only markers', '[.]'.repeat(10_000) + '[@]'.repeat(10_000) + 'hxxp'.repeat(1000)],
    ['pathological dots and colons', 'a.'.repeat(50_000) + ':'.repeat(50_000) + '@'.repeat(50_000) + '1.'.repeat(50_000)],
  ])('%s', (_name, text) => {
    expect(() => extractObservables(text)).not.toThrow();
  });

  it('still finds what is findable around broken UTF-16 and NULs', () => {
    expect(found('\ud800 evil.example \u0000 1.2.3.4\u0000')).toEqual(['domain evil.example', 'ipv4 1.2.3.4']);
  });

  it('returns [] for a non-string from untyped callers', () => {
    expect(extractObservables(undefined as unknown as string)).toEqual([]);
    expect(extractObservables(42 as unknown as string)).toEqual([]);
  });

  it('handles a 1 MB line without spaces in linear time', () => {
    const line = 'a.b-c_d:e/f@g%h'.repeat(70_000) + 'x'.repeat(1000) + '.example';
    const started = performance.now();
    expect(() => extractObservables(line)).not.toThrow();
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('handles 1 MB runs of hex, digits and dots', () => {
    for (const text of ['f'.repeat(1_000_000), '1'.repeat(1_000_000), '1.1.'.repeat(250_000), 'a-'.repeat(500_000), 'http://' + 'a'.repeat(1_000_000), 'ü.'.repeat(500_000), 'ä'.repeat(1_000_000) + '.de', 'aé-'.repeat(333_333) + '.de', '例.ü'.repeat(250_000)]) {
      const started = performance.now();
      expect(extractObservables(text)).toEqual([]);
      expect(performance.now() - started).toBeLessThan(5000);
    }
  });

  it('handles 10 MB of text', () => {
    const chunk = 'Report: evil[.]example sent from 203.0.113.5 to user@example.jp; 攻撃者は https://evil.example/jp/ から。\n';
    const text = chunk.repeat(Math.ceil((10 * 1024 * 1024) / chunk.length));
    expect(found(text)).toEqual(['domain evil.example', 'ipv4 203.0.113.5', 'email user@example.jp', 'url https://evil.example/jp/']);
  });
});
