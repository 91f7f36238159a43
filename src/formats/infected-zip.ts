import type * as ZipJs from '@zip.js/zip.js';

/**
 * zip.js is loaded when a ZIP is first written, not at start: the SMTP
 * intake and the worker start often (and must start fast) but rarely zip.
 */
let zipjs: Promise<typeof ZipJs> | undefined;
const loadZip = () =>
  (zipjs ??= import('@zip.js/zip.js').then((m) => {
    m.configure({ useWebWorkers: false });
    return m;
  }));

/**
 * ZIP archives for evidence going out: the "infected" convention for
 * dangerous files (the file inside a ZIP encrypted with the password
 * `infected`, beside a warning in Japanese and English that opens without
 * it), and plain archives for exports.
 *
 * ZipCrypto, not AES, on purpose: the password is public, so the encryption
 * only keeps the bytes from being run, scanned or quarantined by accident on
 * the way — and ZipCrypto opens everywhere a handler works (Info-ZIP `unzip
 * -P infected`, 7-Zip, Windows Explorer, macOS), which AES does not.
 */

export const WARNING_FILENAME = 'WARNING-README.txt';

/** A name that is safe to extract: no directories, no control or direction-control characters, not empty. */
export function entryName(name: string | null | undefined, fallback: string): string {
  const base = (name ?? '').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const cleaned = base.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '_').replace(/^\.+/, '').trim().slice(0, 200);
  return cleaned || fallback;
}

export interface InfectedFile {
  name: string;
  content: Uint8Array;
  sha256: string;
  /** Shown in the archive as the file's date (when it was collected). */
  modifiedAt?: Date;
  /** Why it is dangerous (English; listed in both languages' sections). */
  reasons: string[];
}

export function warningText(file: Pick<InfectedFile, 'name' | 'sha256' | 'reasons'>, password: string): string {
  if (file.reasons.length === 0)
    return [
      `「${file.name}」は依頼に応じてパスワード「${password}」で暗号化しました。危険の兆候は見つかっていませんが、証拠として慎重に扱ってください。`,
      `SHA-256: ${file.sha256}`,
      '',
      `"${file.name}" was packed on request, encrypted with the password "${password}". No sign of danger was found; handle it with care as evidence.`,
      `SHA-256: ${file.sha256}`,
      '',
    ].join('\r\n');
  const why = file.reasons.map((r) => `  - ${r}`).join('\r\n');
  return [
    '警告 — 危険なファイル(マルウェアの可能性があります)',
    '',
    `このアーカイブの「${file.name}」は危険と判定されたファイルです。パスワード「${password}」で暗号化しています。`,
    '隔離された解析環境(ネットワークから切り離した仮想マシンなど)の外では展開しないでください。決して実行しないでください。',
    `SHA-256: ${file.sha256}`,
    '判定の理由(英語):',
    why,
    '',
    '----',
    '',
    'WARNING — dangerous file (possibly malware)',
    '',
    `"${file.name}" in this archive was found dangerous. It is encrypted with the password "${password}".`,
    'Extract it only inside an isolated analysis environment (a virtual machine cut off from the network). Never run it.',
    `SHA-256: ${file.sha256}`,
    'Why:',
    why,
    '',
  ].join('\r\n');
}

/** The file encrypted with `password` (ZipCrypto) beside an unencrypted bilingual warning. */
export async function infectedZip(file: InfectedFile, password: string): Promise<Buffer> {
  const { TextReader, Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } = await loadZip();
  const writer = new ZipWriter(new Uint8ArrayWriter(), { useWebWorkers: false });
  await writer.add(WARNING_FILENAME, new TextReader(warningText(file, password)), { level: 0 });
  await writer.add(entryName(file.name, `${file.sha256.slice(0, 16)}.bin`), new Uint8ArrayReader(file.content), {
    password,
    zipCrypto: true,
    level: 6,
    ...(file.modifiedAt ? { lastModDate: file.modifiedAt } : {}),
  });
  return Buffer.from(await writer.close());
}

export interface ZipEntryInput {
  /** A path inside the archive (`files/…`); each segment is made safe. */
  path: string;
  content: Uint8Array | string;
  modifiedAt?: Date;
}

/** A plain (unencrypted) ZIP. */
export async function plainZip(entries: ZipEntryInput[]): Promise<Buffer> {
  const { TextReader, Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } = await loadZip();
  const writer = new ZipWriter(new Uint8ArrayWriter(), { useWebWorkers: false });
  for (const e of entries) {
    const path = e.path
      .split('/')
      .map((segment, i) => entryName(segment, `entry-${i}`))
      .join('/');
    await writer.add(path, typeof e.content === 'string' ? new TextReader(e.content) : new Uint8ArrayReader(e.content), {
      level: 6,
      ...(e.modifiedAt ? { lastModDate: e.modifiedAt } : {}),
    });
  }
  return Buffer.from(await writer.close());
}
