/**
 * Incident categories a coordination centre reports on, each mapped to the
 * ENISA Reference Security Incident Taxonomy (RSIT) class/type, so exports use
 * the machine tags of the MISP `rsit` taxonomy (`rsit:fraud="phishing"`).
 */
export const CATEGORIES = [
  'phishing',
  'defacement',
  'malware',
  'scan',
  'dos',
  'targeted-attack',
  'ics',
  'vulnerability',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface RsitType {
  /** RSIT class (MISP predicate). */
  readonly class: string;
  /** RSIT type (MISP value). */
  readonly type: string;
}

export interface CategoryInfo {
  readonly rsit: RsitType;
  readonly label: { readonly ja: string; readonly en: string };
}

export const CATEGORY_INFO: Readonly<Record<Category, CategoryInfo>> = {
  phishing: { rsit: { class: 'fraud', type: 'phishing' }, label: { ja: 'フィッシングサイト', en: 'Phishing site' } },
  defacement: {
    rsit: { class: 'information-content-security', type: 'unauthorised-information-modification' },
    label: { ja: 'Webサイト改ざん', en: 'Web site defacement' },
  },
  malware: {
    rsit: { class: 'malicious-code', type: 'malware-distribution' },
    label: { ja: 'マルウェアサイト・配布', en: 'Malware site / distribution' },
  },
  scan: { rsit: { class: 'information-gathering', type: 'scanner' }, label: { ja: 'スキャン', en: 'Scan' } },
  dos: { rsit: { class: 'availability', type: 'ddos' }, label: { ja: 'DoS/DDoS', en: 'DoS / DDoS' } },
  'targeted-attack': {
    rsit: { class: 'intrusions', type: 'system-compromise' },
    label: { ja: '標的型攻撃', en: 'Targeted attack' },
  },
  ics: {
    rsit: { class: 'intrusion-attempts', type: 'exploit' },
    label: { ja: '制御システム関連', en: 'Control-system related' },
  },
  vulnerability: {
    rsit: { class: 'vulnerable', type: 'vulnerable-system' },
    label: { ja: '脆弱性', en: 'Vulnerability' },
  },
  other: { rsit: { class: 'other', type: 'other' }, label: { ja: 'その他', en: 'Other' } },
};

/** The MISP machine tag of a category's RSIT type. */
export const rsitMachineTag = (category: Category): string => {
  const { rsit } = CATEGORY_INFO[category];
  return `rsit:${rsit.class}="${rsit.type}"`;
};

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
