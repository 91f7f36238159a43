import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INCIDENT_STATUSES } from '../../src/domain/incident-lifecycle.js';
import { OBSERVABLE_TYPES } from '../../src/domain/observables/index.js';
import { CONTACT_ROLES, ORGANISATION_KINDS, TRUST_LEVELS } from '../../src/domain/organisation.schema.js';
import { REJECT_REASONS, REPORT_CHANNELS, REPORT_STATUSES } from '../../src/domain/report.js';
import { CATEGORIES, CATEGORY_INFO, PRIORITIES, SEVERITIES } from '../../src/domain/taxonomy.js';
import { TIMELINE_ACTIONS } from '../../src/domain/timeline.js';
import { TEMPLATE_FIELD_NAMES, TEMPLATE_KINDS } from '../../src/domain/message-template.js';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };

/**
 * The web app's two languages have the same keys: a key in one and not the
 * other fails here, as does a key the code uses (t('…')) that neither has, or
 * a value of the domain (status, category…) the screens show without a label.
 */
type Tree = { [k: string]: string | Tree };
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const keys = { ja: flatten(ja), en: flatten(en) };
/** Keys without plural suffixes: Japanese has one form (_other), English two (_one, _other). */
const base = (m: Map<string, string>) => new Set([...m.keys()].map((k) => k.replace(PLURAL, '')));
const has = (lang: 'ja' | 'en', key: string) => keys[lang].has(key) || keys[lang].has(`${key}_other`);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

describe('web translations', () => {
  it('have the same keys in Japanese and English', () => {
    const jaKeys = base(keys.ja);
    const enKeys = base(keys.en);
    expect([...jaKeys].filter((k) => !enKeys.has(k)), 'in ja.json, missing from en.json').toEqual([]);
    expect([...enKeys].filter((k) => !jaKeys.has(k)), 'in en.json, missing from ja.json').toEqual([]);
  });

  it('give every plural key its _other form in both languages, and English its _one', () => {
    for (const lang of ['ja', 'en'] as const)
      for (const k of keys[lang].keys()) if (PLURAL.test(k)) expect(keys[lang].has(k.replace(PLURAL, '_other')), `${lang}: ${k}`).toBe(true);
    for (const k of keys.en.keys()) if (k.endsWith('_other')) expect(keys.en.has(k.replace(/_other$/, '_one')), `en: ${k}`).toBe(true);
  });

  it('have no empty texts, and no Japanese in English or English words in Japanese', () => {
    for (const [k, v] of keys.en) {
      expect(v.trim(), `en: ${k}`).not.toBe('');
      expect(v, `en: ${k}`).not.toMatch(/[\u3040-\u30ff\u3400-\u9fff]/);
    }
    for (const [k, v] of keys.ja) {
      expect(v.trim(), `ja: ${k}`).not.toBe('');
      const words = (v.replace(/\{\{[^}]+\}\}/g, '').match(/[A-Za-z]*[a-z]{2,}[A-Za-z0-9]*/g) ?? []).filter((w) => !['IPv4', 'IPv6', 'Web', 'Enter'].includes(w));
      expect(words, `ja: ${k}`).toEqual([]);
    }
  });

  it('contain every key the code uses', () => {
    const used = new Set<string>();
    for (const file of sources(join(import.meta.dirname, '../../web/src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([^'$`]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/\bt\(\s*(?:isExact \? )?'([a-zA-Z.]+)'\s*:\s*'([a-zA-Z.]+)'/g)) used.add(m[2]!);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !has('ja', k) || !has('en', k));
    expect(missing, 'used in web/src but missing from a locale').toEqual([]);
  });

  it('label every value of the domain that the screens show', () => {
    const families: [string, readonly string[]][] = [
      ['incidentStatus', INCIDENT_STATUSES],
      ['category', CATEGORIES],
      ['severity', SEVERITIES],
      ['priority', PRIORITIES],
      ['channel', REPORT_CHANNELS],
      ['reportStatus', REPORT_STATUSES],
      ['rejectReason', REJECT_REASONS],
      ['observableType', OBSERVABLE_TYPES],
      ['orgKind', ORGANISATION_KINDS],
      ['trust', TRUST_LEVELS],
      ['contactRole', CONTACT_ROLES],
      ['timelineAction', TIMELINE_ACTIONS],
      ['templateKind', TEMPLATE_KINDS],
      ['templateField', TEMPLATE_FIELD_NAMES],
      ['marks.signature', ['valid', 'invalid', 'unknown-key', 'none']],
      ['attachmentKind', ['attachment', 'inline', 'forwarded-message']],
    ];
    const missing = families.flatMap(([prefix, values]) => values.map((v) => `${prefix}.${v}`)).filter((k) => !has('ja', k) || !has('en', k));
    expect(missing, 'values of src/domain without a label in web/src/locales/ja.json and en.json').toEqual([]);
  });

  it('name the categories as the taxonomy does', () => {
    for (const c of CATEGORIES) {
      expect(keys.ja.get(`category.${c}`)).toBe(CATEGORY_INFO[c].label.ja);
      expect(keys.en.get(`category.${c}`)).toBe(CATEGORY_INFO[c].label.en);
    }
  });
});
