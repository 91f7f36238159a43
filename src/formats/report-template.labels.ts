/**
 * The labels of filled-in report templates: the wordings each item is known
 * by, and the reading of a line into label and value (see report-template.ts).
 */

export type Key =
  | 'name' | 'organisation' | 'email' | 'phone' | 'contact' | 'type' | 'occurredAt' | 'detectedAt' | 'sources' | 'targets'
  | 'description' | 'logs' | 'disclose' | 'anonymous' | 'timeZone' | 'notes' | 'other';

/** Labels as templates spell them; matched after NFKC, lower-casing and dropping everything but letters and digits. */
const LABELS: Record<Key, readonly string[]> = {
  name: ['氏名', '名前', 'お名前', '報告者', '報告者名', '報告者氏名', '担当者', '担当者名', 'ご担当者', 'ご担当者名', 'name', 'full name', 'your name', 'reporter', 'reporter name', "reporter's name", 'reported by', 'contact name', 'contact person'],
  organisation: ['組織名', '組織名称', '組織', '所属', '所属組織', '所属組織名', '貴組織名', '会社名', '企業名', '団体名', '法人名', '社名', '企業・組織名', '組織・団体名', 'organisation', 'organization', 'organisation name', 'organization name', 'company', 'company name', 'affiliation'],
  email: ['電子メール', '電子メールアドレス', 'メール', 'メールアドレス', 'eメール', '連絡先メールアドレス', 'email', 'e-mail', 'mail', 'email address', 'e-mail address'],
  phone: ['電話', '電話番号', '連絡先電話番号', 'tel', 'telephone', 'phone', 'phone number', 'telephone number'],
  contact: ['連絡先', 'ご連絡先', '連絡先情報', 'contact', 'contact details', 'contact information'],
  type: ['インシデントの種類', 'インシデント種別', 'インシデントの種別', 'インシデントの分類', '種類', '種別', '分類', '事象の種類', '被害の種類', '攻撃の種類', 'incident type', 'type of incident', 'type', 'category', 'incident category', 'classification', 'nature of incident'],
  occurredAt: ['発生日時', 'インシデント発生日時', 'インシデントの発生日時', '発生日', '発生時刻', '発生年月日', '発生日付', '被害発生日時', '攻撃日時', 'occurred', 'occurred at', 'occurrence', 'date of occurrence', 'time of occurrence', 'date/time of occurrence', 'date and time of occurrence', 'incident date', 'date of incident', 'date/time of incident', 'date and time of incident', 'start time', 'time of attack'],
  detectedAt: ['発見日時', 'インシデントの発見日時', 'インシデント発見日時', '発見日', '発見年月日', '発見時刻', '検知日時', '検出日時', '発覚日時', '確認日時', '認知日時', 'detected', 'detected at', 'detection time', 'detection date', 'date of detection', 'time of detection', 'date/time of detection', 'date and time of detection', 'discovered', 'discovered at', 'date of discovery', 'discovery date'],
  sources: ['送信元', '攻撃元', '発信元', 'アクセス元', '接続元', '不正アクセス元', '送信元ipアドレス', '攻撃元ipアドレス', '送信元ホスト', '攻撃元ホスト', '攻撃元url', '送信元アドレス', '送信元メールアドレス', 'source', 'sources', 'source ip', 'source address', 'source host', 'source url', 'attacker', 'attack source', 'attacking host', 'origin'],
  targets: ['攻撃先', '攻撃対象', '対象', '対象url', '対象サイト', '対象ホスト', '対象システム', '被害対象', '被害url', '被害サイト', '被害システム', '被害を受けたシステム', '攻撃先ipアドレス', '攻撃先url', '宛先', '送信先', '該当url', 'url', 'target', 'targets', 'target url', 'target host', 'affected', 'affected system', 'affected systems', 'affected host', 'affected url', 'victim', 'destination'],
  description: ['概要', '内容', '詳細', '事象の概要', 'インシデントの概要', 'インシデントの内容', 'インシデントの詳細', '被害状況', '被害の概要', '被害内容', '状況', '説明', 'description', 'details', 'summary', 'incident description', 'incident details', 'what happened'],
  logs: ['ログ', 'ログ情報', '該当ログ', '関連ログ', '添付ログ', 'ログの抜粋', '証跡', '証拠', 'log', 'logs', 'log excerpt', 'relevant logs', 'log data', 'evidence'],
  disclose: ['第三者への開示', '連絡先の開示', '報告者情報の開示', '開示', '情報開示', '開示の可否', '開示可否', 'disclose', 'disclosure', 'may we disclose', 'permission to disclose', 'share contact details'],
  anonymous: ['匿名希望', '匿名', '非開示希望', 'anonymous', 'remain anonymous', 'do not disclose'],
  timeZone: ['タイムゾーン', 'time zone', 'timezone'],
  notes: ['備考', 'その他', '補足', 'その他の情報', '対応状況', '対処状況', '実施した対策', 'remarks', 'notes', 'comments', 'other', 'other information', 'actions taken', 'additional information'],
  other: ['報告者情報', 'インシデント情報', '部署名', '部署', '部門', '役職', '住所', '所在地', 'fax', 'fax番号', 'pgp', 'pgp公開鍵', '件名', '報告日', '報告日時', 'ホスト名', 'ipアドレス', 'os', '用途', '発見のきっかけ', 'department', 'division', 'title', 'position', 'address', 'report date', 'hostname', 'ip address', 'reporter information', 'incident information'],
};

/**
 * Label wordings not in LABELS, by keyword; first match wins. `j` is the
 * compact label (Japanese), `w` its lower-cased words (English). Plain
 * look-ups, no `.*`: this runs on every label-shaped line of the input.
 */
const LABEL_KEYWORDS: readonly [Key, (j: string, w: string) => boolean][] = [
  ['anonymous', (j) => /匿名|非開示|anonym/.test(j)],
  ['disclose', (j) => /開示|disclos/.test(j)],
  ['occurredAt', (j) => (j.includes('発生') && /[日時]/.test(j)) || j.includes('occur')],
  ['detectedAt', (j) => /発見|検知|検出|発覚/.test(j) ? /[日時]/.test(j) : /detect|discover/.test(j) && /date|time|when/.test(j)],
  ['sources', (j, w) => /送信元|攻撃元|発信元|アクセス元|接続元/.test(j) || /\bsource\b|\battack(?:er|ing)\b/.test(w)],
  ['targets', (j, w) => /攻撃先|攻撃対象|被害対象/.test(j) || /\btargets?\b|\baffected\b|\bvictim/.test(w)],
  ['logs', (j, w) => (j.includes('ログ') && !/ブログ|ログイン|ログオン|カタログ|ダイアログ/.test(j)) || /\blogs?\b|\bevidence\b/.test(w)],
  ['description', (j, w) => /(?:概要|詳細)$/.test(j) || /\bdescription\b|\bdetails\b/.test(w)],
  ['type', (j, w) => /(?:種類|種別|分類)$/.test(j) || /\b(?:type|category)$/.test(w)],
];

export const FREE_TEXT: ReadonlySet<Key | undefined> = new Set<Key | undefined>(['description', 'logs', 'notes']);
export const REPORTER_KEYS: ReadonlySet<Key> = new Set<Key>(['name', 'organisation', 'email', 'phone', 'contact']);
export const INCIDENT_KEYS: ReadonlySet<Key> = new Set<Key>(['type', 'occurredAt', 'detectedAt', 'sources', 'targets', 'description', 'logs', 'disclose', 'anonymous']);

const LABEL_WINDOW = 80;
export const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;
const MARKERS = '■□◆◇●○▼▽▶►◎★☆▪';
const BRACKETS: Readonly<Record<string, string>> = { '[': ']', '［': '］', '【': '】', '〔': '〕', '《': '》', '〈': '〉', '<': '>' };
const BULLET = /^(?:[(（]?\d{1,3}(?:[-.．]\d{1,3}){0,3}[.)）．]|[\u2460-\u2473・･•*\-–])[ \t\u3000]*/;
const UNKNOWN_LABEL = /^[\p{L}\p{M}][\p{L}\p{M}\p{N} _\-&'’()（）/・･\u3000]*$/u;
const NOT_A_LABEL = /^(?:https?|hxxps?|ftp|mailto|tel|javascript)$/i;
export const BOX = /[□■☐☑☒]/;

/** Lower-case letters and digits only, parenthesised asides (`(必須)`, `(JST)`, `(yes/no)`) dropped. */
export function compact(label: string): string {
  return label.normalize('NFKC').toLowerCase().replace(/\([^()]*\)|\[[^[\]]*\]/g, '').replace(/[^\p{L}\p{N}]+/gu, '');
}

const EXACT = new Map<string, Key>();
for (const [key, labels] of Object.entries(LABELS) as [Key, readonly string[]][]) {
  for (const label of labels) if (!EXACT.has(compact(label))) EXACT.set(compact(label), key);
}

const KEY_CACHE = new Map<string, Key | null>();

function keyOf(label: string): Key | undefined {
  let key = KEY_CACHE.get(label);
  if (key === undefined) {
    const j = compact(label);
    key = EXACT.get(j) ?? null;
    // Two digits in a row are a value run into the label (`発見日時 2026/11/25 09` before the colon of 09:00).
    if (key === null && !/\d\d/.test(label)) {
      const w = label.normalize('NFKC').toLowerCase().replace(/\([^()]*\)/g, ' ');
      key = LABEL_KEYWORDS.find(([, matches]) => matches(j, w))?.[0] ?? null;
    }
    if (KEY_CACHE.size > 10_000) KEY_CACHE.clear();
    KEY_CACHE.set(label, key);
  }
  return key ?? undefined;
}

interface LabelLine {
  label: string;
  value: string;
  key: Key | undefined;
  /** Written `■項目`: in a check-box list `□その他` is a choice, not a heading. */
  isHeading?: boolean;
}

function isGenericLabel(label: string, value: string): boolean {
  if (label.length < 2 || label.length > 40 || !UNKNOWN_LABEL.test(label) || NOT_A_LABEL.test(label)) return false;
  if (label.split(' ').length > 6 || value.startsWith('//') || value.startsWith('\\')) return false;
  if (/\d$/.test(label) && /^\d/.test(value)) return false; // a time: `Nov 25 03:00:01 fw kernel: …`
  return !(/^[0-9a-f]{1,4}$/i.test(label) && /^[0-9a-f]{0,4}:/i.test(value)); // an IPv6 address
}

/** `label: value` with the first colon outside brackets in the window; undefined if none. */
function splitAtColon(rest: string): { label: string; value: string } | undefined {
  let depth = 0;
  const end = Math.min(rest.length, LABEL_WINDOW);
  for (let i = 0; i < end; i++) {
    const c = rest[i];
    if (c === '(' || c === '（' || c === '[' || c === '「') depth++;
    else if ((c === ')' || c === '）' || c === ']' || c === '」') && depth > 0) depth--;
    else if ((c === ':' || c === '：') && depth === 0) {
      const label = rest.slice(0, i).trim();
      return label === '' ? undefined : { label, value: rest.slice(i + 1).trim() };
    }
  }
  return undefined;
}

/** A known label, then white space, then the value: `発生日時 2026/11/25`, the space full-width or not (English only with a tab or two spaces). */
function splitAtSpace(rest: string, isHeading: boolean): LabelLine | undefined {
  const m = /^(\S{1,40}?)(\t|[ \u3000]{1,8})/.exec(rest.slice(0, LABEL_WINDOW));
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  const key = EXACT.get(compact(m[1]));
  if (key === undefined || (!isHeading && !JAPANESE.test(m[1]) && m[2] !== '\t' && m[2].length < 2)) return undefined;
  return { label: m[1], value: rest.slice(m[0].length).trim(), key, isHeading };
}

export function readLabelLine(line: string): LabelLine | undefined {
  const trimmed = line.trimStart();
  if (trimmed === '') return undefined;
  const rest = trimmed.replace(BULLET, '');
  const first = rest[0] ?? '';
  if (MARKERS.includes(first)) {
    const heading = rest.slice(1).trim();
    const colon = splitAtColon(heading);
    if (colon !== undefined) {
      const key = keyOf(colon.label);
      if (key !== undefined || isGenericLabel(colon.label, colon.value)) return { ...colon, key, isHeading: true };
    }
    const key = heading.length <= 40 ? keyOf(heading) : undefined;
    return key !== undefined ? { label: heading, value: '', key, isHeading: true } : splitAtSpace(heading, true);
  }
  const close = BRACKETS[first];
  if (close !== undefined) {
    const end = rest.slice(0, LABEL_WINDOW + 1).indexOf(close, 1);
    if (end > 1 && end <= LABEL_WINDOW) {
      const label = rest.slice(1, end).trim();
      const value = rest.slice(end + 1).replace(/^[ \t\u3000]*[:：]?/, '').trim();
      const key = keyOf(label);
      if (key !== undefined || isGenericLabel(label, value)) return { label, value, key };
    }
  }
  const colon = splitAtColon(rest);
  if (colon !== undefined) {
    const key = keyOf(colon.label);
    if (key !== undefined || isGenericLabel(colon.label, colon.value)) return { ...colon, key };
  }
  // A bulleted label alone on its line is a heading too (`  - 該当ログ`); not a numbered one, nor
  // `その他`: those are the options of a choice (`6. その他`).
  const key = /^[・･•*\-–]/.test(trimmed) && rest.length <= 40 && !/^(?:その他|other)$/.test(compact(rest)) ? keyOf(rest.trim()) : undefined;
  return key !== undefined ? { label: rest.trim(), value: '', key, isHeading: true } : splitAtSpace(rest, false);
}
