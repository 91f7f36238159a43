import { domainToUnicode } from 'node:url';
import type { Incident } from './incident.js';
import type { IncidentStatus } from './incident-lifecycle.js';
import type { TemplateField } from './message-template.js';
import type { Language } from './organisation.schema.js';
import { CATEGORY_INFO } from './taxonomy.js';
import type { Tlp } from './tlp.js';
import { defang, type ExtractedObservable } from './observables/index.js';

const STATUS_LABELS: Record<IncidentStatus, Record<Language, string>> = {
  new: { ja: '受付', en: 'received' },
  open: { ja: '対応中', en: 'being handled' },
  waiting: { ja: '関係者の回答待ち', en: 'waiting for a party to act' },
  resolved: { ja: '解決', en: 'resolved' },
  closed: { ja: '完了', en: 'closed' },
  rejected: { ja: '対応対象外', en: 'not handled by us' },
};

/** What each TLP 2.0 label lets the recipient do (FIRST), in one sentence per language. */
const TLP_NOTICE: Record<Tlp, Record<Language, string>> = {
  CLEAR: {
    ja: 'この情報は著作権の範囲内で制限なく共有できます。',
    en: 'Recipients may share this information without restriction, subject to copyright.',
  },
  GREEN: {
    ja: 'この情報は受信者のコミュニティ内で共有できますが、公開はできません。',
    en: 'Recipients may share this information within their community, but not publicly.',
  },
  AMBER: {
    ja: 'この情報は受信者の組織とその顧客の中で、知る必要のある者にのみ共有できます。',
    en: 'Recipients may share this information only on a need-to-know basis within their organisation and its clients.',
  },
  'AMBER+STRICT': {
    ja: 'この情報は受信者の組織内で、知る必要のある者にのみ共有できます。',
    en: 'Recipients may share this information only on a need-to-know basis within their organisation.',
  },
  RED: {
    ja: 'この情報は受信者本人限りです。共有できません。',
    en: 'For the eyes and ears of individual recipients only; no further disclosure.',
  },
};

const NONE: Record<Language, string> = { ja: '（なし）', en: '(none)' };

/** `2026-11-25 23:40 (Asia/Tokyo, GMT+09:00)`: the time where the reader is, with the zone said. */
export function formatInZone(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} (${timeZone}, ${get('timeZoneName')})`;
}

/**
 * The host of a URL or domain in Unicode when it is an IDN (`xn--…`), so a
 * homograph (Cyrillic `а` for Latin `a`) is visible: the punycode is what is
 * written, the Unicode is shown beside it. Null for plain ASCII hosts.
 */
export function unicodeHostOf(o: Pick<ExtractedObservable, 'type' | 'value'>): string | null {
  let host: string;
  if (o.type === 'domain') host = o.value;
  else if (o.type === 'url') {
    try {
      host = new URL(o.value).hostname;
    } catch {
      return null;
    }
  } else return null;
  if (!host.split('.').some((label) => label.startsWith('xn--'))) return null;
  const unicode = domainToUnicode(host);
  return unicode && unicode !== host ? unicode : null;
}

/** Fingerprint in groups of four, as people read it out on the phone. */
export const groupFingerprint = (fpr: string): string => fpr.replace(/(.{4})(?=.)/g, '$1 ');

export interface MessageFacts {
  incident: Pick<Incident, 'number' | 'title' | 'category' | 'summary' | 'status' | 'fiveW1H' | 'createdAt'>;
  observables: Pick<ExtractedObservable, 'type' | 'value'>[];
  language: Language;
  tlp: Tlp;
  defang: boolean;
  tag: string;
  recipient: { name: string | null; email: string; organisation: string | null; timeZone: string };
  handlerName: string;
  team: { name: string; email: string; pgpFingerprint: string | null };
  now: Date;
}

/** The value of every template field for one message. */
export function messageValues(f: MessageFacts): Record<TemplateField, string> {
  const shown = (o: Pick<ExtractedObservable, 'type' | 'value'>) => {
    const text = f.defang ? defang(o) : o.value;
    const unicode = unicodeHostOf(o);
    return unicode ? `${text} (IDN: ${unicode})` : text;
  };
  const list = (types: readonly string[]) => {
    const lines = f.observables.filter((o) => types.includes(o.type)).map(shown);
    return lines.length ? lines.join('\n') : NONE[f.language];
  };
  const firstSeen = f.incident.fiveW1H.occurredAt ?? f.incident.fiveW1H.detectedAt ?? f.incident.createdAt;
  const who = f.recipient.name ?? f.recipient.email;
  return {
    'incident.number': f.incident.number,
    'incident.title': f.incident.title,
    'incident.category': CATEGORY_INFO[f.incident.category].label[f.language],
    'incident.summary': f.incident.summary ?? NONE[f.language],
    'incident.firstSeen': formatInZone(new Date(firstSeen), f.recipient.timeZone),
    'incident.status': STATUS_LABELS[f.incident.status][f.language],
    'tlp.label': `TLP:${f.tlp}`,
    'tlp.notice': TLP_NOTICE[f.tlp][f.language],
    'coordination.tag': f.tag,
    'recipient.name': who,
    'recipient.organisation': f.recipient.organisation ?? who,
    'recipient.localTime': formatInZone(f.now, f.recipient.timeZone),
    'observables.urls': list(['url']),
    'observables.domains': list(['domain']),
    'observables.ips': list(['ipv4', 'ipv6', 'cidr']),
    'observables.all': f.observables.length ? f.observables.map((o) => `${o.type}: ${shown(o)}`).join('\n') : NONE[f.language],
    'reporter.name': who,
    'handler.name': f.handlerName,
    'team.name': f.team.name,
    'team.email': f.team.email,
    'team.pgpFingerprint': f.team.pgpFingerprint ? groupFingerprint(f.team.pgpFingerprint) : NONE[f.language],
  };
}
