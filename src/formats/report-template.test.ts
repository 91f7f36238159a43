import { describe, expect, it } from 'vitest';
import { parseReportTemplate, type ReportTemplate } from './report-template.js';

/** Written in the style of JPCERT/CC's インシデント報告様式: bracketed groups, indented `項目：値` items, full-width colons. */
const JA_TEMPLATE = `JPCERT/CC 御中

お世話になっております。下記のとおりインシデントを報告いたします。

======================================================================
                 インシデント報告様式
======================================================================
[報告者情報]
  氏名：山田 太郎
  組織名：株式会社例示商事 情報システム部
  部署名：情報システム部
  電子メール：csirt@example.co.jp
  電話番号：03-1234-5678

[インシデント情報]
  インシデントの種類：Webサイト改ざん
  発生日時：2026年11月25日 9時00分
  発見日時：2026/11/25 10:30 JST
  送信元：198.51.100.23, hxxp://evil[.]example/inject.js
  攻撃先：https://www.example.co.jp/index.html
  概要：
    当社Webサイトのトップページが改ざんされ、外部のスクリプトを読み込む
    タグが挿入されていました。

    10時30分に顧客からの連絡で発覚しました。
  ログ：
----------------------------------------------------------------------
198.51.100.23 - - [25/Nov/2026:09:00:12 +0900] "POST /wp-login.php HTTP/1.1" 200 512
198.51.100.23 - - [25/Nov/2026:09:00:15 +0900] "GET /index.html HTTP/1.1" 200 10240

[notice] WAF alert
Source: 198.51.100.23
----------------------------------------------------------------------
  第三者への開示：不可
======================================================================

以上、よろしくお願いいたします。
--${' '}
山田 太郎
`;

const EN_TEMPLATE = `Hello CSIRT team,

please find our report below.

Incident Report Form
Reporter
Name: Jane Doe
Organization: Example Bank plc
E-mail: Jane Doe <SOC@example.com>
Phone: +44 20 7946 0000

Incident type: Phishing site imitating our login page
Date/time of occurrence: 2026-11-24 22:15 UTC
Date/time of detection: 25 Nov 2026 09:00 +0900
Source: 203.0.113.7
Target:
  hxxps://login-examplebank[.]test/secure/
  https://examplebank.example/
Description:
Customers received mail linking to a copy of our login page.
Two of them entered their credentials.
Logs:
  Nov 24 22:15:01 mx1 postfix/smtpd[4242]: connect from unknown[203.0.113.7]
  Nov 24 22:15:02 mx1 postfix/cleanup[4243]: message-id=<x@example.net>
May we disclose your contact details to the other party? (yes/no): no
`;

function parse(text: string): ReportTemplate {
  const r = parseReportTemplate(text);
  if (r === undefined) throw new Error('not read as a template');
  return r;
}

describe('parseReportTemplate: a Japanese template', () => {
  const r = parse(JA_TEMPLATE);

  it('reads the reporter, the type and the parties', () => {
    expect(r.language).toBe('ja');
    expect(r.reporter).toEqual({ name: '山田 太郎', organisation: '株式会社例示商事 情報システム部', email: 'csirt@example.co.jp', phone: '03-1234-5678' });
    expect(r.category).toBe('defacement');
    expect(r.incidentTypeText).toBe('Webサイト改ざん');
    expect(r.sources).toEqual(['198.51.100.23', 'hxxp://evil[.]example/inject.js']);
    expect(r.targets).toEqual(['https://www.example.co.jp/index.html']);
    expect(r.mayDisclose).toBe(false);
  });

  it('reads dates as UTC, a time without a zone as JST, and says so', () => {
    expect(r.occurredAt).toBe('2026-11-25T00:00:00.000Z');
    expect(r.detectedAt).toBe('2026-11-25T01:30:00.000Z');
    expect(r.problems).toEqual(['発生日時: no time zone given; read as JST']);
  });

  it('keeps multi-line sections whole: blank lines inside, log lines that look like labels', () => {
    expect(r.description).toBe(
      '当社Webサイトのトップページが改ざんされ、外部のスクリプトを読み込む\nタグが挿入されていました。\n\n10時30分に顧客からの連絡で発覚しました。',
    );
    expect(r.logs).toBe(
      [
        '198.51.100.23 - - [25/Nov/2026:09:00:12 +0900] "POST /wp-login.php HTTP/1.1" 200 512',
        '198.51.100.23 - - [25/Nov/2026:09:00:15 +0900] "GET /index.html HTTP/1.1" 200 10240',
        '',
        '[notice] WAF alert',
        'Source: 198.51.100.23',
      ].join('\n'),
    );
  });

  it('lists every label in order, the unknown and the empty ones too; greeting and closing are no field', () => {
    expect(r.fields.map((f) => f.label)).toEqual([
      '報告者情報', '氏名', '組織名', '部署名', '電子メール', '電話番号', 'インシデント情報', 'インシデントの種類',
      '発生日時', '発見日時', '送信元', '攻撃先', '概要', 'ログ', '第三者への開示',
    ]);
    expect(r.fields[0]).toEqual({ label: '報告者情報', value: '' });
    expect(r.fields.find((f) => f.label === '発生日時')?.value).toBe('2026年11月25日 9時00分');
    expect(r.fields.at(-1)).toEqual({ label: '第三者への開示', value: '不可' });
  });

  it('reads CRLF line ends the same', () => {
    expect(parse(JA_TEMPLATE.replace(/\n/g, '\r\n'))).toEqual(r);
  });
});

describe('parseReportTemplate: an English template', () => {
  const r = parse(EN_TEMPLATE);

  it('reads every field', () => {
    expect(r.language).toBe('en');
    expect(r.reporter).toEqual({ name: 'Jane Doe', organisation: 'Example Bank plc', email: 'soc@example.com', phone: '+44 20 7946 0000' });
    expect(r.category).toBe('phishing');
    expect(r.incidentTypeText).toBe('Phishing site imitating our login page');
    expect(r.occurredAt).toBe('2026-11-24T22:15:00.000Z');
    expect(r.detectedAt).toBe('2026-11-25T00:00:00.000Z');
    expect(r.sources).toEqual(['203.0.113.7']);
    expect(r.targets).toEqual(['hxxps://login-examplebank[.]test/secure/', 'https://examplebank.example/']);
    expect(r.description).toBe('Customers received mail linking to a copy of our login page.\nTwo of them entered their credentials.');
    expect(r.logs).toBe(
      'Nov 24 22:15:01 mx1 postfix/smtpd[4242]: connect from unknown[203.0.113.7]\nNov 24 22:15:02 mx1 postfix/cleanup[4243]: message-id=<x@example.net>',
    );
    expect(r.mayDisclose).toBe(false);
    expect(r.problems).toEqual([]);
  });

  it('assumes UTC for an English template without a zone, and says so', () => {
    const t = parse(EN_TEMPLATE.replace('2026-11-24 22:15 UTC', '2026-11-24 22:15'));
    expect(t.occurredAt).toBe('2026-11-24T22:15:00.000Z');
    expect(t.problems).toEqual(['Date/time of occurrence: no time zone given; read as UTC']);
  });
});

describe('parseReportTemplate: layouts', () => {
  it('reads ■ headings with the value on the following lines, full-width text and check boxes', () => {
    const r = parse(
      [
        '■報告者',
        '山田花子',
        '',
        '■組織名',
        '例示大学　情報基盤センター',
        '■電子メール',
        'ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ａｃ．ｊｐ',
        '■インシデントの種類',
        '□フィッシング',
        '■マルウェア感染',
        '□その他（　　　）',
        '■発生日時',
        '令和８年１１月２５日（水）午前９時３０分',
        '■攻撃元',
        '１９８．５１．１００．２３',
        '■ログ',
        '  2026-11-25 09:30:01 blocked 198.51.100.23',
        '    payload: /bin/sh -c id',
        '■第三者への開示',
        '■可　□不可',
      ].join('\n'),
    );
    expect(r.language).toBe('ja');
    expect(r.reporter).toEqual({ name: '山田花子', organisation: '例示大学　情報基盤センター', email: 'yamada@example.ac.jp', phone: null });
    expect(r.incidentTypeText).toBe('マルウェア感染');
    expect(r.category).toBe('malware');
    expect(r.occurredAt).toBe('2026-11-25T00:30:00.000Z');
    expect(r.sources).toEqual(['１９８．５１．１００．２３']);
    expect(r.logs).toBe('2026-11-25 09:30:01 blocked 198.51.100.23\n  payload: /bin/sh -c id');
    expect(r.mayDisclose).toBe(true);
    expect(r.fields.find((f) => f.label === 'インシデントの種類')?.value).toBe('□フィッシング\n■マルウェア感染\n□その他（　　　）');
  });

  it('reads [項目] 値, 【項目】, numbered and bulleted items, and labels with asides', () => {
    const r = parse(
      [
        '[氏名] 佐藤 一郎',
        '[組織名]: 例示ネット株式会社',
        '【インシデントの種類】DDoS攻撃',
        '1. 発生日時（JST）: 2026/11/25 09:00',
        '(2) 発見日時 (YYYY/MM/DD hh:mm)： 2026/11/25 09:05',
        '・攻撃先：192.0.2.80、192.0.2.81',
        '- 送信元 : 多数（添付のとおり）',
        '連絡先の開示（可/不可）：可',
      ].join('\n'),
    );
    expect(r.reporter.name).toBe('佐藤 一郎');
    expect(r.reporter.organisation).toBe('例示ネット株式会社');
    expect(r.category).toBe('dos');
    expect(r.occurredAt).toBe('2026-11-25T00:00:00.000Z');
    expect(r.detectedAt).toBe('2026-11-25T00:05:00.000Z');
    expect(r.targets).toEqual(['192.0.2.80', '192.0.2.81']);
    expect(r.sources).toEqual([]);
    expect(r.mayDisclose).toBe(true);
    expect(r.problems).toEqual(['発見日時 (YYYY/MM/DD hh:mm): no time zone given; read as JST', '送信元: no address, host name or URL in "多数（添付のとおり）"']);
    expect(r.fields.map((f) => f.label)).toEqual(['氏名', '組織名', 'インシデントの種類', '発生日時（JST）', '発見日時 (YYYY/MM/DD hh:mm)', '攻撃先', '送信元', '連絡先の開示（可/不可）']);
  });

  it('reads numbered sections, bulleted groups, a numbered choice and the template\'s own hints', () => {
    const r = parse(
      [
        '1. 連絡先情報をご記入ください.',
        '',
        '  氏名 : 田中 次郎',
        '  組織名称 : 例示通信',
        '  FAX 番号 :',
        '',
        '3. 発生したインシデントについてご記入ください.',
        '',
        '  インシデント種別 : 5',
        '  (下記の番号から選択してください)',
        '    1. プローブ,スキャン,その他不審なアクセスの検出',
        '    5. サービス運用妨害につながる攻撃',
        '    6. その他',
        '',
        '  - アクセス元の情報',
        '      IPアドレス : 203.0.113.50',
        '      ホスト名 : bot.example.net',
        '  - 発生日時',
        '      タイムゾーン : UTC',
        '      インシデント発生日時 : 2026/11/25 03:00',
        '      NTPによる同期 (有/無) : 有',
        '  - 該当ログ',
        '    (開示できない部分は伏せてください)',
        'Nov 25 03:00:01 fw kernel: DROP SRC=203.0.113.50 DPT=80',
        'Nov 25 03:00:02 fw kernel: DROP SRC=203.0.113.50 DPT=80',
      ].join('\n'),
    );
    expect(r.reporter).toEqual({ name: '田中 次郎', organisation: '例示通信', email: null, phone: null });
    expect(r.incidentTypeText).toBe('サービス運用妨害につながる攻撃');
    expect(r.category).toBe('dos');
    expect(r.sources).toEqual(['203.0.113.50', 'bot.example.net']);
    expect(r.occurredAt).toBe('2026-11-25T03:00:00.000Z');
    expect(r.logs).toBe('Nov 25 03:00:01 fw kernel: DROP SRC=203.0.113.50 DPT=80\nNov 25 03:00:02 fw kernel: DROP SRC=203.0.113.50 DPT=80');
    expect(r.fields.map((f) => f.label)).toEqual([
      '氏名', '組織名称', 'FAX 番号', 'インシデント種別', 'アクセス元の情報', 'IPアドレス', 'ホスト名', '発生日時', 'タイムゾーン', 'インシデント発生日時', 'NTPによる同期 (有/無)', '該当ログ',
    ]);
    expect(r.problems).toEqual([]);
  });

  it('reads a Japanese label followed by a space', () => {
    const r = parse('氏名　鈴木\nインシデントの種類　ポートスキャン\n発見日時 2026/11/25 09:00 JST\n送信元 203.0.113.9');
    expect(r.reporter.name).toBe('鈴木');
    expect(r.category).toBe('scan');
    expect(r.detectedAt).toBe('2026-11-25T00:00:00.000Z');
    expect(r.sources).toEqual(['203.0.113.9']);
  });

  it('ends a one-line item at a blank line, so a greeting after it is not its value', () => {
    const r = parse('氏名: 山田\n\nよろしくお願いします。\n種別: 脆弱性\n発生日時: 2026/11/25 09:00 JST\n送信元:\n  192.0.2.1\n  192.0.2.2\n\nthanks');
    expect(r.reporter.name).toBe('山田');
    expect(r.category).toBe('vulnerability');
    expect(r.sources).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(r.fields[0]).toEqual({ label: '氏名', value: '山田' });
  });

  it('takes a zone from a タイムゾーン item for dates without one', () => {
    const r = parse('タイムゾーン: UTC\n種類: 標的型攻撃メール\n発生日時: 2026/11/25 09:00\n発見日時: 2026/11/25 19:00 JST');
    expect(r.category).toBe('targeted-attack');
    expect(r.occurredAt).toBe('2026-11-25T09:00:00.000Z');
    expect(r.detectedAt).toBe('2026-11-25T10:00:00.000Z');
    expect(r.problems).toEqual([]);
  });
});

describe('parseReportTemplate: dates', () => {
  const occurred = (value: string, language: 'ja' | 'en' = 'ja') => {
    const r = parse(language === 'ja' ? `種類: スキャン\n送信元: 192.0.2.1\n発生日時: ${value}` : `Type: scan\nSource: 192.0.2.1\nOccurred: ${value}`);
    return { at: r.occurredAt, problems: r.problems };
  };

  it.each([
    ['2026-11-25 09:00 JST', '2026-11-25T00:00:00.000Z'],
    ['2026年11月25日 9時00分', '2026-11-25T00:00:00.000Z'],
    ['2026/11/25 09:00', '2026-11-25T00:00:00.000Z'],
    ['令和8年11月25日 9時', '2026-11-25T00:00:00.000Z'],
    ['令和元年5月1日 0時0分', '2019-04-30T15:00:00.000Z'],
    ['平成31年4月30日 23時59分59秒', '2019-04-30T14:59:59.000Z'],
    ['２０２６年１１月２５日（水）午後３時半', '2026-11-25T06:30:00.000Z'],
    ['2026-11-25T09:00:00+09:00', '2026-11-25T00:00:00.000Z'],
    ['2026-11-25T00:00:00.000Z', '2026-11-25T00:00:00.000Z'],
    ['2026/11/25 00:00 UTC', '2026-11-25T00:00:00.000Z'],
    ['2026/11/25 00:00 (GMT)', '2026-11-25T00:00:00.000Z'],
    ['2026/11/25 09:00 日本時間', '2026-11-25T00:00:00.000Z'],
    ['2026-11-25 00:00 UTC+9', '2026-11-24T15:00:00.000Z'],
    ['2026/11/25 09:00〜10:30 JST', '2026-11-25T00:00:00.000Z'],
    ['2026/11/25 09:00:00-05:00', '2026-11-25T14:00:00.000Z'],
    ['Wed, 25 Nov 2026 18:00:00 +0900', '2026-11-25T09:00:00.000Z'],
    ['November 25, 2026 9:00 AM EST', '2026-11-25T14:00:00.000Z'],
  ])('%s → %s', (value, iso) => {
    const r = occurred(value);
    expect(r.at).toBe(iso);
  });

  it('says when it assumed JST or UTC, and when no time is given', () => {
    expect(occurred('2026/11/25 09:00').problems).toEqual(['発生日時: no time zone given; read as JST']);
    expect(occurred('2026/11/25 09:00 JST').problems).toEqual([]);
    expect(occurred('2026-11-25 09:00', 'en')).toEqual({ at: '2026-11-25T09:00:00.000Z', problems: ['Occurred: no time zone given; read as UTC'] });
    expect(occurred('2026/11/25')).toEqual({
      at: '2026-11-24T15:00:00.000Z',
      problems: ['発生日時: no time given; read as 00:00', '発生日時: no time zone given; read as JST'],
    });
  });

  it('gives null and a problem for what it cannot read; nothing for a blank form', () => {
    expect(occurred('2026/02/30 09:00 JST')).toEqual({ at: null, problems: ['発生日時: no valid date in "2026/02/30 09:00 JST"'] });
    expect(occurred('2026/11/25 25:00 JST').at).toBeNull();
    expect(occurred('先週の金曜日')).toEqual({ at: null, problems: ['発生日時: no date in "先週の金曜日"'] });
    expect(occurred('03/04/2026 09:00', 'en').problems).toEqual(['Occurred: the day and month of "03/04/2026 09:00" could be either way round']);
    expect(occurred('25/11/2026 09:00 UTC', 'en').at).toBe('2026-11-25T09:00:00.000Z');
    expect(occurred('    年  月  日')).toEqual({ at: null, problems: [] });
    expect(occurred('不明')).toEqual({ at: null, problems: [] });
  });

  it('notes a detection before the occurrence', () => {
    const r = parse('種類: DoS\n発生日時: 2026/11/25 10:00 JST\n発見日時: 2026/11/25 09:00 JST');
    expect(r.problems).toEqual(['the incident is said to have occurred after it was detected']);
  });
});

describe('parseReportTemplate: category and disclosure', () => {
  const typeOf = (text: string) => {
    const r = parse(`種類: ${text}\n送信元: 192.0.2.1\n氏名: A`);
    return [r.category, r.incidentTypeText];
  };

  it.each([
    ['フィッシングサイト', 'phishing'],
    ['Web改竄', 'defacement'],
    ['ランサムウェア', 'malware'],
    ['ポートスキャン', 'scan'],
    ['DDoS', 'dos'],
    ['標的型攻撃', 'targeted-attack'],
    ['Spear phishing', 'targeted-attack'],
    ['制御システムへの不正アクセス', 'ics'],
    ['脆弱性の報告 (CVE-2026-1234)', 'vulnerability'],
    ['その他', null],
    ['Windows の不具合', null],
  ])('%s → %s', (text, category) => {
    expect(typeOf(text)).toEqual([category, text]);
  });

  it('takes the first category named, and says there were more', () => {
    const r = parse('種類: フィッシングサイトでのマルウェア配布\n送信元: 192.0.2.1\n氏名: A');
    expect(r.category).toBe('phishing');
    expect(r.problems).toEqual(['the incident type names more than one category (phishing, malware); took phishing']);
  });

  it.each([
    ['可', true],
    ['不可', false],
    ['はい', true],
    ['いいえ', false],
    ['同意する', true],
    ['同意しない', false],
    ['開示不可', false],
    ['可（組織名のみ）', true],
    ['差し支えありません', true],
    ['yes', true],
    ['No', false],
    ['not allowed', false],
    ['no objection', true],
    ['□可　■不可', false],
    ['[x] yes  [ ] no', true],
    ['可 / 不可', null],
    ['yes/no', null],
    ['□可 □不可', null],
    ['', null],
  ])('第三者への開示: %j → %s', (value, may) => {
    expect(parse(`種類: DoS\n送信元: 192.0.2.1\n第三者への開示: ${value}`).mayDisclose).toBe(may);
  });

  it('reads an anonymity question the other way round', () => {
    expect(parse('種類: DoS\n送信元: 192.0.2.1\n匿名希望: はい').mayDisclose).toBe(false);
    expect(parse('Type: DoS\nSource: 192.0.2.1\nRemain anonymous: no').mayDisclose).toBe(true);
  });
});

describe('parseReportTemplate: what is not a template', () => {
  it('returns undefined for an ordinary mail, Japanese or English', () => {
    expect(
      parseReportTemplate(
        'お世話になっております。\n昨日から当社サイトにアクセスしづらい状態です。\nログを確認したところ、海外からの大量アクセスがありました。\nご確認のほどよろしくお願いいたします。\n\n山田\nTEL: 03-1234-5678\nMail: yamada@example.jp',
      ),
    ).toBeUndefined();
    expect(
      parseReportTemplate(
        'Hi,\n\nNote: we saw a phishing page at https://examplebank.example/ this morning.\nCould you take a look?\n\nRegards,\nJane\nPhone: +44 20 7946 0000\nEmail: jane@example.com\nOrganization: Example Bank',
      ),
    ).toBeUndefined();
  });

  it('needs three recognised labels, two about the incident', () => {
    expect(parseReportTemplate('氏名: 山田\n組織名: 例示\n電子メール: a@example.jp')).toBeUndefined();
    expect(parseReportTemplate('種類: DoS\n送信元: 192.0.2.1')).toBeUndefined();
    expect(parseReportTemplate('種類: DoS\n送信元: 192.0.2.1\n氏名: 山田')).toBeDefined();
    expect(parseReportTemplate('')).toBeUndefined();
  });
});

describe('parseReportTemplate: hostile input never throws and stays linear', () => {
  const TIMEOUT = 20_000;
  const seeded = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

  it('10 MB of mixed text', () => {
    const random = seeded(42);
    const pieces = ['氏名', ':', '：', ' ', '\n', '[', ']', '■', '(', '2026/11/25', '192.0.2.1', 'http://x.example/', 'ログ', '発生日時', 'a', '\u3000', '可', '□', '-', '年'];
    const parts: string[] = [];
    let size = 0;
    while (size < 10_000_000) {
      const p = pieces[Math.floor(random() * pieces.length)]!;
      parts.push(p);
      size += p.length;
    }
    expect(() => parseReportTemplate(parts.join(''))).not.toThrow();
  }, TIMEOUT);

  it('long lines and deep nesting', () => {
    for (const text of ['a'.repeat(10_000_000), ':'.repeat(5_000_000), '('.repeat(5_000_000), `氏名: ${'['.repeat(3_000_000)}`, `送信元: ${'.'.repeat(3_000_000)}a`, `概要: ${'x '.repeat(2_000_000)}`]) {
      expect(() => parseReportTemplate(text)).not.toThrow();
    }
  }, TIMEOUT);

  it('100,000 lines of `a:`, and of labels', () => {
    expect(parseReportTemplate('a:\n'.repeat(100_000))).toBeUndefined();
    const labels = parse(`種類: DoS\n氏名: A\n${'送信元: 192.0.2.1\n'.repeat(100_000)}`);
    expect(labels.sources).toEqual(['192.0.2.1']);
    expect(labels.fields).toHaveLength(10_000);
    expect(labels.problems).toEqual(['more than 10000 items; the rest is read as text of the last one']);
    const inLog = parse(`種類: DoS\n送信元: 192.0.2.1\nログ:\n${'Source: 203.0.113.1\n'.repeat(100_000)}`);
    expect(inLog.logs?.split('\n')).toHaveLength(100_000);
    expect(inLog.sources).toEqual(['192.0.2.1']);
    expect(() => parseReportTemplate('■概要\n'.repeat(100_000))).not.toThrow();
  }, TIMEOUT);

  it('control characters and lone surrogates', () => {
    const r = parse('氏名: 山\u0000田\u0007\ud800\n種類: DoS\u001b[31m\n送信元: 192.0.2.1\udc00\n\u0085発生日時: 2026/11/25 09:00 JST');
    expect(r.reporter.name).toBe('山田\ufffd');
    expect(r.category).toBe('dos');
    expect(r.occurredAt).toBe('2026-11-25T00:00:00.000Z');
    let all = '';
    for (let c = 0; c < 0x20; c++) all += String.fromCharCode(c) + ':';
    expect(() => parseReportTemplate(all + '\ud800\udfff\udfff\ud800'.repeat(1000))).not.toThrow();
    expect(parseReportTemplate(undefined as unknown as string)).toBeUndefined();
  });
});
