/**
 * Filled-in incident report templates: the plain-text forms coordination
 * centres publish (JPCERT/CC's インシデント報告様式 and its kin) that reporters
 * fill in and mail back, read into fields.
 *
 * An item starts at a line `項目: 値` / `項目：値`, `[項目] 値` (also 【】〔〕),
 * `■項目` (value on the same or the following lines; also □◆●○▼), a
 * bulleted known label alone (`- 該当ログ`), or a Japanese label and a space;
 * numbering (`1.`, `(2)`, `1-1)`) is skipped. Its value runs to the next item.
 * Inside a free-text item (概要, ログ, 備考) only a label we know and have not
 * yet seen ends it, so a pasted log line `Source: 1.2.3.4` after the
 * template's own 送信元 stays in the log. Any other item ends at a blank or
 * separator line after its value, so a greeting or signature does not join it.
 * Unknown labels are kept in `fields`; `IPアドレス` / `ホスト名` under an empty
 * 送信元 or 攻撃先 heading (`- アクセス元の情報`) count as that heading's.
 *
 * Every pass is linear: lines are split once, a label is looked for only in a
 * line's first 80 characters, and the regular expressions that run on
 * unbounded text have no nested or overlapping quantifiers; the others run on
 * slices of at most a few hundred characters.
 */
import { detectObservable } from '../domain/observables/index.js';
import type { Category } from '../domain/taxonomy.js';
import { cleanMultiLine } from '../domain/text.js';

export interface ReportTemplate {
  language: 'ja' | 'en';
  reporter: { name: string | null; organisation: string | null; email: string | null; phone: string | null };
  /** Mapped to our category when the text names one (フィッシング/phishing, 改ざん/defacement, マルウェア/malware, スキャン/scan, DoS/DDoS, 標的型/targeted, 制御システム/ICS, 脆弱性/vulnerability), else null; the original text in `incidentTypeText`. */
  category: Category | null;
  /** As written; for a check-box list (`□フィッシング ■改ざん`) only the marked choices. */
  incidentTypeText: string | null;
  /** ISO-8601 UTC; times with a zone honoured; without one JST for Japanese templates and UTC for English, said in `problems`. */
  occurredAt: string | null;
  detectedAt: string | null;
  /** Source addresses/hosts/URLs/mail addresses as written (defanged stays defanged). */
  sources: string[];
  targets: string[];
  description: string | null;
  /** The log / evidence section, whole (only the template's common indentation removed). */
  logs: string | null;
  /** Whether the reporter agrees to be named to the other party; null when not said. */
  mayDisclose: boolean | null;
  /** Every label → value as found, in order. */
  fields: { label: string; value: string }[];
  problems: string[];
}

type Key =
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

const FREE_TEXT: ReadonlySet<Key | undefined> = new Set<Key | undefined>(['description', 'logs', 'notes']);
const REPORTER_KEYS: ReadonlySet<Key> = new Set<Key>(['name', 'organisation', 'email', 'phone', 'contact']);
const INCIDENT_KEYS: ReadonlySet<Key> = new Set<Key>(['type', 'occurredAt', 'detectedAt', 'sources', 'targets', 'description', 'logs', 'disclose', 'anonymous']);

const LABEL_WINDOW = 80;
const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;
const MARKERS = '■□◆◇●○▼▽▶►◎★☆▪';
const BRACKETS: Readonly<Record<string, string>> = { '[': ']', '［': '］', '【': '】', '〔': '〕', '《': '》', '〈': '〉', '<': '>' };
const BULLET = /^(?:[(（]?\d{1,3}(?:[-.．]\d{1,3}){0,3}[.)）．]|[\u2460-\u2473・･•*\-–])[ \t\u3000]*/;
const UNKNOWN_LABEL = /^[\p{L}\p{M}][\p{L}\p{M}\p{N} _\-&'’()（）/・･\u3000]*$/u;
const NOT_A_LABEL = /^(?:https?|hxxps?|ftp|mailto|tel|javascript)$/i;
const BOX = /[□■☐☑☒]/;

/** Lower-case letters and digits only, parenthesised asides (`(必須)`, `(JST)`, `(yes/no)`) dropped. */
function compact(label: string): string {
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

function readLabelLine(line: string): LabelLine | undefined {
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

interface Item {
  label: string;
  key: Key | undefined;
  first: string;
  lines: string[];
  hasContent: boolean;
  isClosed: boolean;
}

const ADDRESS_LABELS: ReadonlySet<string> = new Set(['ipアドレス', 'ホスト名', 'ドメイン名', 'url', 'メールアドレス', 'ipaddress', 'hostname', 'domain', 'ip', 'emailaddress']);
const isSeparator = (t: string): boolean => t.length >= 4 && /^[-=_*#~─━―+.]+$/.test(t);
const NULL_WORD = /^(?:なし|無し|不明|特になし|該当なし|未記入|n\/?a|none|unknown|nil|[-ー―—?？…]+)$/i;

/** No template has this many items; past it labels are not looked for (the cost of a hostile text is in items). */
const MAX_ITEMS = 10_000;

function readItems(text: string): Item[] {
  const items: Item[] = [];
  const seen = new Set<string>();
  let previousHadBox = false;
  let group: Key | undefined; // `- アクセス元の情報` over `IPアドレス :` and `ホスト名 :`
  for (const line of text.split(/\r\n|[\r\n\u2028\u2029]/)) {
    if (line === '-- ') break; // the signature separator (RFC 3676)
    const current = items.at(-1);
    const isFree = current !== undefined && !current.isClosed && FREE_TEXT.has(current.key);
    const found = items.length < MAX_ITEMS ? readLabelLine(line) : undefined;
    const isChoice = found?.isHeading === true && previousHadBox && /^(?:その他|other)$/.test(compact(found.label));
    previousHadBox = BOX.test(line.slice(0, 400)) && found === undefined;
    if (found !== undefined && !isChoice) {
      const isAddress = group !== undefined && ADDRESS_LABELS.has(compact(found.label));
      const key = isAddress ? group : found.key;
      const id = key === undefined || key === 'other' || key === 'notes' ? `label:${compact(found.label)}` : key;
      if (isFree ? key !== undefined && !seen.has(id) : true) {
        seen.add(id);
        if (!isAddress) group = (key === 'sources' || key === 'targets') && found.value === '' ? key : undefined;
        items.push({ label: found.label, key, first: found.value, lines: [], hasContent: found.value !== '', isClosed: false });
        continue;
      }
    }
    if (current === undefined || current.isClosed) continue;
    const t = line.trim();
    if (!isFree && (t === '' ? current.hasContent : isSeparator(t))) current.isClosed = true;
    else if (isFree || t !== '' || current.hasContent) {
      current.lines.push(line);
      if (t !== '') current.hasContent = true;
    }
  }
  return items;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
/** The template's own hint under a label: `(開示できない部分は伏せてください)`, `※わかる範囲で`. */
const INSTRUCTION = /^(?:※|[(（].*[)）]$)/;

/** The item's text: the template's common indentation, and blank (and, for free text, separator) lines around it, removed. */
function valueOf(item: Item): string {
  let start = 0;
  if (item.first === '') while (start < item.lines.length && (item.lines[start]!.trim() === '' || INSTRUCTION.test(item.lines[start]!.trim()))) start++;
  const body = item.lines.slice(start);
  let min = Infinity;
  for (const l of body) if (l.trim() !== '') min = Math.min(min, indentOf(l));
  const lines = body.map((l) => (l.trim() === '' ? '' : l.slice(min)));
  if (item.first !== '') lines.unshift(item.first);
  const isEdge = (l: string) => l.trim() === '' || (FREE_TEXT.has(item.key) && isSeparator(l.trim()));
  let from = 0;
  let to = lines.length;
  while (from < to && isEdge(lines[from]!)) from++;
  while (to > from && isEdge(lines[to - 1]!)) to--;
  return lines.slice(from, to).join('\n');
}

const firstLine = (value: string): string | null => {
  for (const line of value.split('\n', 50)) {
    const t = line.trim();
    if (t !== '') return t.length < 20 && NULL_WORD.test(t.normalize('NFKC')) ? null : t;
  }
  return null;
};

// ── Dates ──────────────────────────────────────────────────────────────────

const ZONES: Readonly<Record<string, number>> = {
  jst: 540, kst: 540, utc: 0, gmt: 0, ut: 0, z: 0, sgt: 480, hkt: 480, cet: 60, cest: 120, bst: 60, eet: 120, eest: 180,
  est: -300, edt: -240, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420, aest: 600, aedt: 660,
  'asia/tokyo': 540, 日本時間: 540, 日本標準時: 540, 協定世界時: 0, 世界標準時: 0,
};
const ZONE_NAMES = Object.keys(ZONES).sort((a, b) => b.length - a.length);
const ZONE_AFTER = new RegExp(`^\\s*\\(?\\s*(?:(${ZONE_NAMES.join('|')})(?![a-z]))?\\s*(?:([+-])\\s*(\\d{1,2})(?::?(\\d{2}))?(?!\\d))?`, 'i');
/** Not `Z` and `UT` here: alone in a sentence they are letters, not zones. */
const ZONE_ANYWHERE = new RegExp(`(?<![a-z])(${ZONE_NAMES.filter((n) => n.length > 2).join('|')})(?![a-z])(?:\\s*([+-])(\\d{1,2})(?::?(\\d{2}))?(?!\\d))?`, 'i');
const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
const YMD = /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?/;
const DMY_NAMED = new RegExp(`(\\d{1,2})(?:st|nd|rd|th)?[\\s-]+(${MONTHS})[a-z]*\\.?[\\s,-]+(\\d{4})`, 'i');
const MDY_NAMED = new RegExp(`(${MONTHS})[a-z]*\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})`, 'i');
const NUMERIC_DMY = /(\d{1,2})\/(\d{1,2})\/(\d{4})/;
const TIME = /^(午前|午後|am|pm)?\s*(\d{1,2})\s*(?:(:)\s*(\d{2})(?:\s*:\s*(\d{2})(?:\.\d{1,9})?)?|(時)(?:\s*(半)|\s*(\d{1,2})\s*分(?:\s*(\d{1,2})\s*秒)?)?)?\s*(a\.?m\.?|p\.?m\.?)?/i;
const ERAS: Readonly<Record<string, number>> = { 令和: 2018, 平成: 1988, 昭和: 1925 };

/** `JST` / `UTC+9` / `+09:00` as minutes east of UTC; an offset after a zone name only counts after UTC or GMT. */
function zoneFrom(m: RegExpExecArray, isMinusOffset: boolean): number | undefined {
  const named = m[1] === undefined ? undefined : ZONES[m[1].toLowerCase()];
  if (m[2] === undefined || m[3] === undefined || (named !== undefined && named !== 0)) return named;
  if (m[2] === '-' && !isMinusOffset && named === undefined) return undefined;
  const minutes = Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[2] === '-' ? -minutes : minutes;
}

/**
 * The zone written at the start of `s`, right after a time. A bare negative
 * offset counts only after seconds (`09:00:00-05:00`): `09:00-10:00` is a range.
 */
const zoneAt = (s: string, isMinusOffset: boolean): number | undefined => {
  const m = ZONE_AFTER.exec(s);
  return m === null ? undefined : zoneFrom(m, isMinusOffset);
};

/** A zone named anywhere in `s`: a label's `(JST)`, a date's `日本時間 9時`, a `タイムゾーン` item. */
function zoneIn(s: string): number | undefined {
  const m = ZONE_ANYWHERE.exec(s.slice(0, 200).normalize('NFKC'));
  return m === null ? undefined : zoneFrom(m, true);
}

type When = { iso: string; hasZone: boolean; hasTime: boolean } | { error: string };

function monthOf(name: string): number {
  return MONTHS.split('|').indexOf(name.slice(0, 3).toLowerCase()) + 1;
}

/** One date and time as reporters write them; `fallbackZone` (minutes east of UTC) when none is written. */
function readWhen(value: string, fallbackZone: number): When {
  let s = value.slice(0, 200).normalize('NFKC').trim();
  s = s.replace(/(令和|平成|昭和)\s*(元|\d{1,2})\s*年/, (_, era: string, n: string) => `${(ERAS[era] ?? 0) + (n === '元' ? 1 : Number(n))}年`);
  let y: number, mo: number, d: number, end: number;
  const ymd = YMD.exec(s);
  const named = ymd ? null : (DMY_NAMED.exec(s) ?? MDY_NAMED.exec(s));
  const numeric = ymd || named ? null : NUMERIC_DMY.exec(s);
  if (ymd) [y, mo, d, end] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3]), ymd.index + ymd[0].length];
  else if (named) {
    const isDmy = /^\d/.test(named[0]);
    [y, mo, d] = [Number(named[3]), monthOf(isDmy ? named[2]! : named[1]!), Number(isDmy ? named[1] : named[2])];
    end = named.index + named[0].length;
  } else if (numeric) {
    const [a, b] = [Number(numeric[1]), Number(numeric[2])];
    if (a <= 12 && b <= 12 && a !== b) return { error: `the day and month of "${s.slice(0, 80)}" could be either way round` };
    [y, mo, d, end] = [Number(numeric[3]), a > 12 ? b : a, a > 12 ? a : b, numeric.index + numeric[0].length];
  } else return { error: `no date in "${s.slice(0, 80)}"` };
  let rest = s.slice(end).replace(/^[\sT,]*(?:\([^)]{0,12}\))?[\s,]*(?:at\s+)?/i, '');
  let h = 0, mi = 0, sec = 0, hasTime = false, hasSeconds = false;
  const t = TIME.exec(rest);
  const ampm = (t?.[1] ?? t?.[10] ?? '').toLowerCase().replace(/\./g, '');
  if (t && (t[3] !== undefined || t[6] !== undefined || ampm !== '')) {
    [h, mi, sec, hasTime, hasSeconds] = [Number(t[2]), t[7] ? 30 : Number(t[4] ?? t[8] ?? 0), Number(t[5] ?? t[9] ?? 0), true, t[5] !== undefined];
    if (ampm !== '' && h > 12) return { error: `no valid time in "${s.slice(0, 80)}"` };
    if (ampm === '午後' || ampm === 'pm') h = h % 12 + 12;
    else if (ampm === '午前' || ampm === 'am') h %= 12;
    rest = rest.slice(t[0].length);
  }
  const written = zoneAt(rest, hasSeconds) ?? zoneIn(s);
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  const check = new Date(ms);
  if (y < 1970 || y > 2200 || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59)
    return { error: `no valid date in "${s.slice(0, 80)}"` };
  return { iso: new Date(ms - (written ?? fallbackZone) * 60_000).toISOString(), hasZone: written !== undefined, hasTime };
}

// ── Values ─────────────────────────────────────────────────────────────────

const MARK = /(■|☑|☒|✓|✔|\[\s*[xX✓✔*]\s*\]|\(\s*[xX✓✔*]\s*\))|□|☐|\[\s*\]|\(\s*\)/g;

/** For a check-box list, the texts after the marked boxes ([] when none is marked); null when the value has no boxes. */
function markedChoices(value: string): string[] | null {
  const boxes = [...value.slice(0, 4000).matchAll(MARK)];
  if (boxes.length === 0) return null;
  const chosen: string[] = [];
  boxes.forEach((box, i) => {
    if (box[1] === undefined) return;
    const from = box.index + box[0].length;
    const next = boxes[i + 1]?.index ?? value.length;
    const text = value.slice(from, Math.min(next, from + 200)).split('\n')[0]!.trim();
    if (text !== '') chosen.push(text);
  });
  return chosen;
}

/** The answer on the first line; a number answering a numbered list of options (`1` under `1. プローブ,スキャン`) as that option. */
function chosenOption(value: string): string | null {
  const answer = firstLine(value);
  const n = answer === null ? null : /^[(]?(\d{1,2})[).]?$/.exec(answer.normalize('NFKC'));
  if (n === null) return answer;
  for (const line of value.split('\n', 100)) {
    const option = /^\s*[(]?(\d{1,2})[).:]\s*(\S.*)$/.exec(line.slice(0, 300).normalize('NFKC'));
    if (option !== null && option[1] === n[1] && option[2] !== undefined) return option[2].trim();
  }
  return answer;
}

const CATEGORY_WORDS: readonly [Category, RegExp][] = [
  ['ics', /制御システム|制御系|産業制御|(?<![a-z])(?:ics|scada)(?![a-z])/],
  ['targeted-attack', /標的型|targeted|spear|(?<![a-z])apt(?![a-z])|水飲み場|watering hole/],
  ['phishing', /フィッシング|phish/],
  ['defacement', /改ざん|改竄|defac/],
  ['malware', /マルウェア|マルウエア|ウイルス|ウィルス|ワーム|ランサム|トロイ|バックドア|malware|virus|ransom|trojan|backdoor|botnet|(?<![a-z])worm/],
  ['dos', /(?<![a-z])d?dos(?![a-z])|サービス(?:運用)?妨害|サービス不能|denial[- ]of[- ]service/],
  ['scan', /スキャン|scan|プローブ|probe|探索/],
  ['vulnerability', /脆弱性|vulnerab|(?<![a-z])cve-\d/],
];

function categoryOf(text: string, problems: string[]): Category | null {
  const t = text.slice(0, 2000).normalize('NFKC').toLowerCase();
  const hits = CATEGORY_WORDS.map(([c, re]) => ({ c, at: re.exec(t)?.index ?? -1 })).filter((h) => h.at >= 0).sort((a, b) => a.at - b.at);
  if (hits.length > 1) problems.push(`the incident type names more than one category (${hits.map((h) => h.c).join(', ')}); took ${hits[0]!.c}`);
  return hits[0]?.c ?? null;
}

const YES_DESPITE_NO = /問題(?:ない|ありません|なし)|差し支え(?:ない|ありません|なし)|構わ(?:ない|ん)|かまわ(?:ない|ん)|no objection|don'?t mind|do not mind/;
const NO = /[\p{L}]{0,6}(?:しない|しません|できない|できません|望まない|望みません)|不可|不許可|不同意|いいえ|否|\bnot\s+\w+|\bdo(?:n'?t| not)\s+\w+|\bno\b|^n$|\bdisagree\w*|\bden(?:y|ied)\b|\brefuse\w*|\bnever\b|\bfalse\b/gu;
const YES = /可|許可|はい|同意|承諾|了承|\byes\b|^y$|\bok\b|\bagree\w*|\ballow\w*|\bmay\b|\btrue\b/;

/** Yes, no, or null for "not said" and for an untouched `可 / 不可`. */
function yesNo(value: string): boolean | null {
  const marked = markedChoices(value);
  if (marked !== null && marked.length !== 1) return null;
  const t = (marked?.[0] ?? firstLine(value) ?? '').slice(0, 200).normalize('NFKC').toLowerCase().trim();
  if (t === '' || YES_DESPITE_NO.test(t)) return t === '' ? null : true;
  const rest = t.replace(NO, ' ');
  const isNo = rest !== t;
  const isYes = YES.test(rest);
  return isNo === isYes ? null : isYes;
}

const MAX_ADDRESSES = 1000;
const MAX_TOKENS = 50_000;
const MAX_PROBLEMS = 100;
const SOURCE_TYPES: ReadonlySet<string> = new Set(['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email']);
const LEADING = '(<「『"\'・*-';
const TRAILING = '.,。、;:)>」』"\'!?';

function stripEdges(t: string): string {
  let from = 0;
  let to = t.length;
  while (from < to && LEADING.includes(t[from]!)) from++;
  while (to > from && TRAILING.includes(t[to - 1]!)) to--;
  return t.slice(from, to);
}

/** The addresses, host names, URLs and mail addresses in a value, as written, in order, added to `found` once each. */
function addAddresses(found: Set<string>, value: string, label: string, problems: string[]): void {
  if (found.size > MAX_ADDRESSES) return;
  let added = 0;
  const tokens = value.split(/[\s,、，;；（）()「」『』<>|]+/, MAX_TOKENS);
  for (const raw of tokens) {
    if (raw === '' || raw.length > 2048) continue;
    const stripped = stripEdges(raw);
    const token = [stripped, raw].find((t) => t !== '' && SOURCE_TYPES.has(detectObservable(t)?.type ?? ''));
    if (token === undefined) continue;
    added++;
    if (found.has(token)) continue;
    if (found.size === MAX_ADDRESSES) {
      problems.push(`${label}: more than ${MAX_ADDRESSES} addresses; the rest are left out`);
      found.add(''); // the mark that the list is full; dropped by the caller
      return;
    }
    found.add(token);
  }
  const said = firstLine(value);
  if (added === 0 && said !== null) problems.push(`${label}: no address, host name or URL in "${said.slice(0, 80)}"`);
}

function emailIn(value: string): string | null {
  for (const token of value.slice(0, 2000).split(/[\s,;<>()（）]+/)) {
    const o = detectObservable(token.replace(/^mailto:/i, ''));
    if (o?.type === 'email') return o.value;
  }
  return null;
}

// ── The template ───────────────────────────────────────────────────────────

/** undefined when the text does not look like a filled-in template (fewer than 3 recognised labels, or fewer than 2 about the incident). Never throws. */
export function parseReportTemplate(text: string): ReportTemplate | undefined {
  try {
    return typeof text === 'string' ? read(cleanMultiLine(text).replace(/^\uFEFF/, '')) : undefined;
  } catch {
    return undefined; // every step is written not to throw; this is the last guard of "never throws"
  }
}

function read(text: string): ReportTemplate | undefined {
  const items = readItems(text);
  const isTruncated = items.length === MAX_ITEMS;
  const keys = new Set(items.flatMap((i) => (i.key !== undefined && (REPORTER_KEYS.has(i.key) || INCIDENT_KEYS.has(i.key)) ? [i.key] : [])));
  if (keys.size < 3 || [...keys].filter((k) => INCIDENT_KEYS.has(k)).length < 2) return undefined;

  const labelled = items.filter((i) => i.key !== undefined && i.key !== 'other');
  const japaneseLabels = labelled.filter((i) => JAPANESE.test(i.label)).length;
  const language = japaneseLabels * 2 > labelled.length || (japaneseLabels * 2 === labelled.length && /[\u3040-\u30ff]/.test(text)) ? 'ja' : 'en';
  const r: ReportTemplate = {
    language,
    reporter: { name: null, organisation: null, email: null, phone: null },
    category: null, incidentTypeText: null, occurredAt: null, detectedAt: null, sources: [], targets: [],
    description: null, logs: null, mayDisclose: null,
    fields: items.map((i) => ({ label: i.label, value: valueOf(i) })),
    problems: isTruncated ? [`more than ${MAX_ITEMS} items; the rest is read as text of the last one`] : [],
  };
  const zoneItem = items.find((i) => i.key === 'timeZone');
  const zoneText = zoneItem === undefined ? '' : valueOf(zoneItem).slice(0, 100).normalize('NFKC');
  const templateZone = zoneAt(zoneText, true) ?? zoneIn(zoneText);
  const defaultZone = templateZone ?? (language === 'ja' ? 540 : 0);
  const setOnce = <K extends 'occurredAt' | 'detectedAt' | 'incidentTypeText' | 'mayDisclose'>(k: K, v: ReportTemplate[K], label: string) => {
    if (v === null) return;
    if (r[k] === null) r[k] = v;
    else if (r[k] !== v) r.problems.push(`${label}: given again with another value; kept the first`);
  };
  const setReporter = (k: keyof ReportTemplate['reporter'], v: string | null) => {
    if (v !== null && r.reporter[k] === null) r.reporter[k] = v;
  };

  const addresses = { sources: new Set<string>(), targets: new Set<string>() };
  items.forEach((item, index) => {
    const value = r.fields[index]!.value;
    const { label } = item;
    switch (item.key) {
      case 'name': case 'organisation': case 'phone':
        setReporter(item.key, firstLine(value));
        break;
      case 'email': {
        const email = emailIn(value);
        if (email === null && firstLine(value) !== null) r.problems.push(`${label}: no mail address in "${firstLine(value)!.slice(0, 80)}"`);
        setReporter('email', email);
        break;
      }
      case 'contact':
        setReporter('email', emailIn(value));
        setReporter('phone', /^\+?[\d\s()-]{6,}$/.test(firstLine(value) ?? '') ? firstLine(value) : null);
        break;
      case 'type': {
        const marked = markedChoices(value);
        if (marked !== null && marked.length === 0) r.problems.push(`${label}: no choice is marked`);
        const said = marked === null ? chosenOption(value) : marked.length > 0 ? marked.join(', ') : null;
        if (said !== null && r.incidentTypeText === null) r.category = categoryOf(said, r.problems);
        setOnce('incidentTypeText', said, label);
        break;
      }
      case 'occurredAt': case 'detectedAt': {
        const said = firstLine(value);
        if (said === null || /^[\s年月日時分秒:/.-]*$/.test(said.slice(0, 100).normalize('NFKC'))) break; // not filled in (`    年  月  日`)
        const zone = zoneIn(label) ?? templateZone;
        const when = readWhen(said, zone ?? defaultZone);
        if ('error' in when) {
          r.problems.push(`${label}: ${when.error}`);
          break;
        }
        if (!when.hasTime) r.problems.push(`${label}: no time given; read as 00:00`);
        if (!when.hasZone && zone === undefined) r.problems.push(`${label}: no time zone given; read as ${language === 'ja' ? 'JST' : 'UTC'}`);
        setOnce(item.key, when.iso, label);
        break;
      }
      case 'sources': case 'targets':
        addAddresses(addresses[item.key], value, label, r.problems);
        break;
      case 'description': case 'logs':
        if (value !== '') r[item.key] = r[item.key] === null ? value : `${r[item.key]}\n\n${value}`;
        break;
      case 'disclose': case 'anonymous': {
        const said = yesNo(value);
        if (said === null && firstLine(value) !== null) r.problems.push(`${label}: not a clear yes or no: "${firstLine(value)!.slice(0, 80)}"`);
        setOnce('mayDisclose', said === null ? null : item.key === 'disclose' ? said : !said, label);
        break;
      }
      case 'timeZone':
        if (templateZone === undefined && firstLine(value) !== null) r.problems.push(`${label}: unknown time zone "${firstLine(value)!.slice(0, 40)}"`);
        break;
      case 'notes': case 'other': case undefined:
        break;
    }
  });
  r.sources = [...addresses.sources].filter((a) => a !== '');
  r.targets = [...addresses.targets].filter((a) => a !== '');
  if (r.problems.length > MAX_PROBLEMS) r.problems.splice(MAX_PROBLEMS, Infinity, `and ${r.problems.length - MAX_PROBLEMS} more problems`);
  if (r.occurredAt !== null && r.detectedAt !== null && r.occurredAt > r.detectedAt) r.problems.push('the incident is said to have occurred after it was detected');
  return r;
}
