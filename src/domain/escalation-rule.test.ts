import { describe, expect, it } from 'vitest';
import { RuleSchema, raised, ruleCause, selfTriggers, type RuleFacts } from './escalation-rule.js';
import { DEFAULT_PLAYBOOKS, PlaybookSchema, orderedTasks } from './playbook.js';
import { CATEGORIES, PRIORITIES } from './taxonomy.js';

const facts = (over: Partial<RuleFacts> = {}): RuleFacts => ({
  category: 'phishing',
  severity: 'medium',
  priority: 'normal',
  constituency: 'finance',
  tlp: 'AMBER',
  observables: new Set(['evil.example', '203.0.113.9']),
  reportCount: 1,
  text: 'ネットバンキングを装うフィッシング',
  clocks: [{ clock: 'first-notification', state: 'running', minutesLeft: 30 }],
  ...over,
});
const rule = (when: object) => RuleSchema.parse({ name: 'r', when, then: [{ type: 'notify', who: 'leads' }] });

describe('ruleCause', () => {
  it('needs every condition given; each one can refuse', () => {
    expect(ruleCause(rule({ categories: ['phishing'], severities: ['medium'] }), facts())).toBe('match');
    expect(ruleCause(rule({ categories: ['phishing'], severities: ['high'] }), facts())).toBeNull();
    expect(ruleCause(rule({ priorities: ['urgent'] }), facts())).toBeNull();
    expect(ruleCause(rule({ tlp: ['RED'] }), facts())).toBeNull();
    expect(ruleCause(rule({ constituencies: ['gov'] }), facts())).toBeNull();
    expect(ruleCause(rule({ constituencies: ['gov'] }), facts({ constituency: null }))).toBeNull();
    expect(ruleCause(rule({ keywords: ['ネットバンキング'] }), facts())).toBe('match');
    expect(ruleCause(rule({ keywords: ['ransomware'] }), facts())).toBeNull();
  });

  it('names the cause: the watch-list entry, the clock and its state, the report threshold', () => {
    expect(ruleCause(rule({ watchlist: ['EVIL.example'] }), facts())).toBe('watchlist:evil.example');
    expect(ruleCause(rule({ watchlist: ['good.example'] }), facts())).toBeNull();
    expect(ruleCause(rule({ sla: { state: 'due-soon', withinMinutes: 60 } }), facts())).toBe('sla:first-notification:due-soon');
    expect(ruleCause(rule({ sla: { state: 'due-soon', withinMinutes: 10 } }), facts())).toBeNull();
    expect(ruleCause(rule({ sla: { state: 'breached' } }), facts())).toBeNull();
    expect(ruleCause(rule({ sla: { state: 'breached', clock: 'resolution' } }), facts({ clocks: [{ clock: 'resolution', state: 'breached', minutesLeft: -5 }] }))).toBe('sla:resolution:breached');
    expect(ruleCause(rule({ reportsAtLeast: 3 }), facts({ reportCount: 2 }))).toBeNull();
    expect(ruleCause(rule({ reportsAtLeast: 3, categories: ['phishing'] }), facts({ reportCount: 3 }))).toBe('match|reports>=3');
  });
});

describe('rules as data', () => {
  it('refuses a rule without conditions, and one whose action makes its own condition true again', () => {
    expect(RuleSchema.safeParse({ name: 'r', when: {}, then: [{ type: 'notify', who: 'leads' }] }).success).toBe(false);
    const loop = RuleSchema.safeParse({ name: 'r', when: { priorities: ['high', 'urgent'] }, then: [{ type: 'raise-priority', to: 'urgent' }] });
    expect(loop.success).toBe(false);
    expect(loop.error?.issues[0]).toMatchObject({ path: ['then', 0] });
    expect(loop.error?.issues[0]?.message).toMatch(/trigger itself/);
    expect(selfTriggers({ when: { priorities: ['normal'] }, then: [{ type: 'raise-priority', to: 'high' }] })).toEqual([]);
  });

  it('raises, never lowers', () => {
    expect(raised(PRIORITIES, 'normal', 'high')).toBe('high');
    expect(raised(PRIORITIES, 'urgent', 'high')).toBe('urgent');
  });
});

describe('built-in playbooks', () => {
  it('exist for every category, valid, in both languages, ordered by phase', () => {
    for (const c of CATEGORIES) {
      const p = PlaybookSchema.parse(DEFAULT_PLAYBOOKS[c]);
      for (const t of p.tasks) expect(t.title.ja && t.title.en, `${c}/${t.key}`).toBeTruthy();
      const phases = orderedTasks(p.tasks).map((t) => t.phase);
      expect(phases.indexOf('recovery')).toBeGreaterThan(phases.lastIndexOf('analysis'));
    }
  });

  it('refuses a playbook naming a task key twice, at the second one', () => {
    const r = PlaybookSchema.safeParse({ title: { ja: 'x', en: 'x' }, tasks: [0, 1].map(() => ({ key: 'same', phase: 'analysis', title: { ja: 'a', en: 'a' } })) });
    expect(r.error?.issues[0]).toMatchObject({ path: ['tasks', 1, 'key'] });
  });
});
