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
import { readWhen, zoneAt, zoneIn } from './report-template.dates.js';
import { BOX, compact, FREE_TEXT, INCIDENT_KEYS, JAPANESE, readLabelLine, REPORTER_KEYS, type Key } from './report-template.labels.js';

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
