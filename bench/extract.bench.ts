/**
 * Observable extraction throughput on mixed report text; target >= 50 MB/s on one core.
 *
 * Workload: ~32 MB of generated reports, fixed by a seed, each shaped like an
 * abuse or incident report: mail headers, English or Japanese paragraphs (some
 * citing indicators inline, full-width digits included), an indicator list
 * (URLs plain and defanged, domains, IPs, e-mail addresses, hashes, CVE ids,
 * AS numbers) and a log excerpt (sshd, web server, firewall). Half the host
 * names are fresh random labels, so the domain and URL memos in
 * `normalise.ts` do not make the figure. Measured twice: report by report
 * (how intake calls it) and as one 32 MB string (the worst case for a call).
 * Throughput is UTF-8 bytes / wall-clock seconds.
 */
import { extractObservables } from '../src/domain/observables/index.js';
import { defineBench, percentile, seededRandom, type BenchResult } from './lib.js';

const TARGET_BYTES = 32 * 1024 * 1024;
const RUNS = 5;

/** Generated reports: mail headers, prose paragraphs (some citing indicators), an indicator list, a log excerpt. */
export function workload(seed: number): string[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (max: number): number => Math.floor(random() * max);
  const hex = (length: number): string => Array.from({ length }, () => '0123456789abcdef'[int(16)]).join('');
  const word = (): string => Array.from({ length: 4 + int(8) }, () => 'abcdefghijklmnopqrstuvwxyz'[int(26)]).join('');
  const ipv4 = (): string =>
    pick([() => `203.0.113.${int(256)}`, () => `198.51.100.${int(256)}`, () => `192.168.${int(256)}.${int(256)}`, () => `${1 + int(223)}.${int(256)}.${int(256)}.${int(256)}`])();
  // Half the names are drawn from a small set (a report repeats its hosts), half are fresh.
  const name = (): string => (int(2) === 0 ? pick(['secure-login', 'account-verify', 'mail', 'cdn', 'update', 'portal', 'pay', 'auth']) : word());
  const domain = (): string => `${name()}.${pick(['example', 'example.jp', 'evil.example', 'test', 'example.com', 'co.jp', 'example.net', 'ne.jp'])}`;
  const url = (): string => `https://${domain()}/${pick(['jp/', 'login', 'wp-admin/', `index.php?id=${int(9999)}`, 'a/b/c.html', '', `${word()}/${word()}.php`])}`;
  const defangedUrl = (): string =>
    url().replace('https://', pick(['hxxps://', 'hxxps[://]', 'h**ps://'])).replace(/\.(?=[a-z])/g, pick(['[.]', '(.)', '[dot]']));
  const email = (): string => `${pick(['info', 'abuse', 'taro.yamada', 'noreply', 'support', word()])}@${domain()}`;
  const cve = (): string => `CVE-20${10 + int(16)}-${1000 + int(40000)}`;
  const english = [
    'We observed repeated authentication failures against the public web portal during the maintenance window.',
    'The phishing campaign impersonates a well known bank and asks recipients to confirm their account details.',
    'Please find the indicators below; the affected hosts were isolated and reimaged on the same day.',
    'Our analysis shows the loader contacts its command and control server every five minutes.',
    'Kindly take down the listed resources or forward this report to the responsible party.',
    'The attached sample was submitted by a customer and detected by two engines at the time of writing.',
    'Version 10.0.19045 and build 1.2.3 of the client were affected; see section 4.2 for details, e.g. the timeline.',
  ];
  const japanese = [
    '本日、弊社ユーザーより不審なメールを受信したとの報告がありました。',
    '当該サイトは実在する銀行を装ったフィッシングサイトであり、認証情報の入力を求めます。',
    '調査の結果、マルウェアは五分ごとに指令サーバーへ通信していることが判明しました。',
    'お手数ですが、下記の件につきましてご対応のほどよろしくお願いいたします。',
    '影響を受けた端末は隔離済みであり、現在ログの詳細な分析を進めております。',
  ];
  const withIndicator = [
    () => `The message links to ${pick([url, defangedUrl])()} and was sent from ${ipv4()}.`,
    () => `The exploit targets ${cve()} and was launched from AS${64496 + int(100)} (${ipv4()}).`,
    () => `攻撃者は${url()}から認証情報を窃取しており、${domain()}も同一の攻撃者によるものと考えられます。`,
    () => `送信元アドレスは${email()}、接続元は${ipv4()}（ＡＳ${64496 + int(100)}）です。`,
  ];
  const header = (): string[] => [
    `Received: from ${domain()} (${domain()} [${ipv4()}]) by mx.example.jp with ESMTPS id ${hex(12)}`,
    `Received: from [${ipv4()}] by ${domain()} with HTTP; Tue, 25 Nov 2026 10:00:01 +0900`,
    `From: "Support" <${email()}>`,
    `To: ${email()}`,
    `Subject: ${pick(['Phishing report', 'フィッシングサイトのご報告', 'Malware C2 notification', 'Abuse report'])}`,
    `Message-ID: <${hex(16)}@${domain()}>`,
    'Content-Type: text/plain; charset=UTF-8',
  ];
  const indicator = (): string =>
    pick([
      () => `URL: ${pick([url, defangedUrl])()}`,
      () => `Domain: ${domain().replace(/\./g, '[.]')}`,
      () => `IP: ${ipv4().replace(/\.(\d+)$/, '[.]$1')}`,
      () => `From: ${email()}`,
      () => `SHA256: ${hex(64)}`,
      () => `MD5: ${hex(32)}`,
      () => `CVE: ${cve()}`,
    ])();
  const logLine = (): string =>
    pick([
      () => `2026-11-25T10:${int(60)}:${int(60)}Z sshd[${int(65535)}]: Failed password for root from ${ipv4()} port ${int(65535)} ssh2`,
      () => `${ipv4()} - - [25/Nov/2026:10:00:01 +0900] "GET /${pick(['wp-login.php', 'admin', 'index.html'])} HTTP/1.1" 404 ${int(9999)} "-" "Mozilla/5.0"`,
      () => `Nov 25 10:00:01 fw01 kernel: DROP IN=eth0 SRC=${ipv4()} DST=${ipv4()} PROTO=TCP SPT=${int(65535)} DPT=443`,
    ])();
  const paragraph = (): string => {
    const sentences: string[] = [];
    const isJapanese = int(2) === 0;
    for (let i = 0, n = 2 + int(4); i < n; i++) sentences.push(int(4) === 0 ? pick(withIndicator)() : pick(isJapanese ? japanese : english));
    return sentences.join(isJapanese ? '' : ' ');
  };

  const reports: string[] = [];
  let bytes = 0;
  while (bytes < TARGET_BYTES) {
    const parts = [header().join('\n'), ''];
    for (let i = 0, n = 2 + int(6); i < n; i++) parts.push(paragraph(), '');
    for (let i = 0, n = 3 + int(25); i < n; i++) parts.push(indicator());
    parts.push('');
    for (let i = 0, n = int(3) === 0 ? 0 : int(60); i < n; i++) parts.push(logLine());
    const text = parts.join(int(4) === 0 ? '\r\n' : '\n');
    reports.push(text);
    bytes += Buffer.byteLength(text, 'utf8');
  }
  return reports;
}

const megabytes = (bytes: number): number => bytes / (1024 * 1024);

export default defineBench({
  name: 'extract',
  async run(): Promise<BenchResult[]> {
    const reports = workload(20261125);
    const whole = reports.join('\n\n');
    const bytes = Buffer.byteLength(whole, 'utf8');
    const description = `${megabytes(bytes).toFixed(1)} MB UTF-8, ${reports.length} generated reports (EN/JA prose, headers, logs, IOCs), seed 20261125`;

    // Warm-up: let V8 optimise the scanner and regular expressions.
    for (let i = 0; i < 3; i++) for (const report of reports.slice(0, 200)) extractObservables(report);

    const perReport: number[] = [];
    let found = 0;
    for (let run = 0; run < RUNS; run++) {
      found = 0;
      const started = process.hrtime.bigint();
      for (const report of reports) found += extractObservables(report).length;
      perReport.push(megabytes(bytes) / (Number(process.hrtime.bigint() - started) / 1e9));
    }

    const wholeText: number[] = [];
    let foundWhole = 0;
    for (let run = 0; run < 3; run++) {
      const started = process.hrtime.bigint();
      foundWhole = extractObservables(whole).length;
      wholeText.push(megabytes(bytes) / (Number(process.hrtime.bigint() - started) / 1e9));
    }

    return [
      { metric: 'extraction throughput', value: percentile(perReport, 50), unit: 'MB/s', target: '>= 50 MB/s', workload: `${description}; median of ${RUNS}, report by report` },
      { metric: 'extraction throughput, one 32 MB text', value: percentile(wholeText, 50), unit: 'MB/s', target: '>= 50 MB/s', workload: `the same text as one string; median of 3` },
      { metric: 'observables found per MB', value: found / megabytes(bytes), unit: 'per MB', target: 'informative', workload: 'unique per report, summed over reports' },
      { metric: 'observables found per MB, one text', value: foundWhole / megabytes(bytes), unit: 'per MB', target: 'informative', workload: 'unique over the whole text' },
    ];
  },
});
