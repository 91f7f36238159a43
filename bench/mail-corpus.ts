import iconv from 'iconv-lite';
import * as openpgp from 'openpgp';
import type { PublicKey } from 'openpgp';
import { randomHex, seededRandom } from './workload.js';

/**
 * A seeded corpus of realistic report mails for the intake benchmark: plain
 * phishing reports, forwarded phishing mails (message/rfc822), ARF feedback
 * reports, filled-in report templates; 30% Japanese in ISO-2022-JP,
 * Shift_JIS, EUC-JP or UTF-8; 10% carry a 20–200 KB attachment; with
 * `encryptTo` (the team's armored public key), 5% are PGP/MIME (RFC 3156)
 * encrypted to it. The plaintexts are fixed by the seed; the ciphertexts are
 * not (OpenPGP session keys are random), which changes nothing measured.
 */
export async function mailCorpus(count: number, seed = 42, encryptTo?: string): Promise<Buffer[]> {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const teamKey = encryptTo ? await openpgp.readKey({ armoredKey: encryptTo }) : undefined;
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const encrypted = rand() < 0.05;
    const japanese = rand() < 0.3;
    const charset = japanese ? pick(['iso-2022-jp', 'shift_jis', 'euc-jp', 'utf-8'] as const) : 'utf-8';
    const kind = pick(['plain', 'plain', 'forwarded', 'arf', 'template'] as const);
    const host = `${pick(['login', 'secure', 'verify', 'account'])}-${Math.floor(rand() * 100_000)}.${pick(['example.com', 'example.net', 'test'])}`;
    const ip = `${11 + Math.floor(rand() * 200)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`;
    const text = japanese ? japaneseBody(pick, host, ip) : englishBody(pick, host, ip);
    const attachment = rand() < 0.1 ? Buffer.from(randomHex(rand, 40_000 + Math.floor(rand() * 360_000))).subarray(0, 20_000 + Math.floor(rand() * 180_000)) : undefined;
    const mail = build(i, kind, charset, japanese ? '不審なメールの報告' : 'Suspicious mail report', text, host, ip, attachment);
    out.push(encrypted && teamKey ? await encryptMail(mail, teamKey) : mail);
  }
  return out;
}

/** The mail's content entity (its Content-* headers and body) encrypted to `key`, as RFC 3156 multipart/encrypted. */
async function encryptMail(mail: Buffer, key: PublicKey): Promise<Buffer> {
  const split = mail.indexOf('\r\n\r\n');
  const headers = mail.subarray(0, split).toString('latin1').split('\r\n');
  const outer = headers.filter((h) => !/^content-/i.test(h));
  const entity = Buffer.concat([Buffer.from(`${headers.filter((h) => /^content-/i.test(h)).join('\r\n')}\r\n\r\n`, 'latin1'), mail.subarray(split + 4)]);
  const armored = (await openpgp.encrypt({ message: await openpgp.createMessage({ binary: entity }), encryptionKeys: key, format: 'armored' })) as string;
  const boundary = `enc-${outer.find((h) => /^message-id:/i.test(h))?.replace(/\W/g, '') ?? 'x'}`;
  return Buffer.from(
    [
      ...outer,
      `Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: application/pgp-encrypted',
      '',
      'Version: 1',
      '',
      `--${boundary}`,
      'Content-Type: application/octet-stream; name="encrypted.asc"',
      '',
      armored.replace(/\r?\n/g, '\r\n'),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
    'latin1',
  );
}

function japaneseBody(pick: <T>(xs: readonly T[]) => T, host: string, ip: string): string {
  const lines = [
    'お世話になっております。',
    '本日、弊社の顧客から銀行を装った不審なメールを受信したとの連絡がありました。',
    `リンク先は https://${host}/jp/login です。`,
    `送信元のIPアドレスは ${ip} でした。`,
    'フィッシングサイトの可能性が高いため、対応をお願いいたします。',
    'ページではIDとパスワード、ワンタイムパスワードの入力を求められます。',
    '詳細は以下のヘッダ情報をご確認ください。',
  ];
  const filler = Array.from({ length: 30 }, () => pick(lines)).join('\r\n');
  return `${lines.slice(0, 5).join('\r\n')}\r\n${filler}\r\n`;
}

function englishBody(pick: <T>(xs: readonly T[]) => T, host: string, ip: string): string {
  const lines = [
    'Hello CSIRT team,',
    `We received a phishing mail that points to https://${host}/secure/update.php and is sent from ${ip}.`,
    'The page imitates our online banking login and asks for the one-time password.',
    'Please find the original message headers below and help us take the site down.',
    `Received: from mail.${host} (mail.${host} [${ip}]) by mx.example.jp with ESMTP`,
    'Best regards,',
  ];
  return `${lines.join('\r\n')}\r\n${Array.from({ length: 30 }, () => pick(lines)).join('\r\n')}\r\n`;
}

/** ISO-2022-JP from EUC-JP: JIS X 0208 pairs shifted down by 0x80 between ESC $ B and ESC ( B. */
export function iso2022jp(text: string): Buffer {
  const euc = iconv.encode(text, 'euc-jp');
  const out: number[] = [];
  let inJis = false;
  for (let i = 0; i < euc.length; i++) {
    const b = euc[i]!;
    if (b >= 0xa1 && i + 1 < euc.length) {
      if (!inJis) out.push(0x1b, 0x24, 0x42);
      inJis = true;
      out.push(b - 0x80, euc[i + 1]! - 0x80);
      i++;
    } else {
      if (inJis) out.push(0x1b, 0x28, 0x42);
      inJis = false;
      out.push(b);
    }
  }
  if (inJis) out.push(0x1b, 0x28, 0x42);
  return Buffer.from(out);
}

const encode = (text: string, charset: string): Buffer =>
  charset === 'iso-2022-jp' ? iso2022jp(text) : charset === 'utf-8' ? Buffer.from(text) : iconv.encode(text, charset);

function build(i: number, kind: string, charset: string, subject: string, text: string, host: string, ip: string, attachment?: Buffer): Buffer {
  const head = (extra: string[]) =>
    Buffer.from(
      [
        `From: reporter${i}@example.jp`,
        'To: report@renkei.example',
        `Subject: =?UTF-8?B?${Buffer.from(`${subject} #${i}`).toString('base64')}?=`,
        `Message-ID: <bench-${i}@example.jp>`,
        `Date: ${new Date(1_795_000_000_000 + i * 1000).toUTCString()}`,
        'MIME-Version: 1.0',
        ...extra,
        '',
        '',
      ].join('\r\n'),
    );
  const part = (ct: string, body: Buffer, extra: string[] = []) => Buffer.concat([Buffer.from([`Content-Type: ${ct}`, ...extra, '', ''].join('\r\n')), body, Buffer.from('\r\n')]);
  const textPart = part(`text/plain; charset=${charset}`, encode(text, charset), charset === 'iso-2022-jp' ? ['Content-Transfer-Encoding: 7bit'] : ['Content-Transfer-Encoding: 8bit']);
  const parts: Buffer[] = [textPart];
  if (kind === 'forwarded')
    parts.push(
      part(
        'message/rfc822',
        Buffer.from(
          [`Received: from mx.${host} ([${ip}]) by mx.example.jp`, `From: "Bank" <no-reply@${host}>`, 'Subject: Verify your account', '', `Click https://${host}/verify to keep your account`, ''].join('\r\n'),
        ),
        ['Content-Disposition: attachment; filename="original.eml"'],
      ),
    );
  if (kind === 'arf')
    parts.push(
      part('message/feedback-report', Buffer.from(['Feedback-Type: abuse', 'User-Agent: BenchFBL/1.0', 'Version: 1', `Source-IP: ${ip}`, `Reported-URI: https://${host}/`, ''].join('\r\n'))),
    );
  if (kind === 'template')
    parts.push(part('text/plain; charset=utf-8', Buffer.from(`報告者: 山田\r\nインシデントの種類: フィッシングサイト\r\n発生日時: 2026-11-25 09:00 JST\r\n送信元: ${ip}\r\n対象URL: https://${host}/\r\n`), ['Content-Disposition: attachment; filename="template.txt"']));
  if (attachment) parts.push(part('application/octet-stream', Buffer.from(attachment.toString('base64').replace(/.{76}/g, '$&\r\n')), ['Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="capture.bin"']));
  if (parts.length === 1 && kind === 'plain') return Buffer.concat([head([`Content-Type: text/plain; charset=${charset}`, 'Content-Transfer-Encoding: 8bit']), encode(text, charset)]);
  const boundary = `b${i}x`;
  const type = kind === 'arf' ? `multipart/report; report-type=feedback-report; boundary="${boundary}"` : `multipart/mixed; boundary="${boundary}"`;
  return Buffer.concat([head([`Content-Type: ${type}`]), ...parts.flatMap((p) => [Buffer.from(`--${boundary}\r\n`), p]), Buffer.from(`--${boundary}--\r\n`)]);
}
