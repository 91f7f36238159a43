import { describe, expect, it } from 'vitest';
import { formatInZone, messageValues, unicodeHostOf } from './message-context.js';

const incident = {
  number: 'RK-2026-000001',
  title: 'Phishing',
  category: 'phishing' as const,
  summary: null,
  status: 'open' as const,
  fiveW1H: { occurredAt: '2026-11-25T14:40:00.000Z', detectedAt: null, reportedAt: null, vector: null, impact: null, affectedAssets: null, actor: null, motive: null },
  createdAt: '2026-11-25T15:00:00.000Z',
};
const facts = (over: Partial<Parameters<typeof messageValues>[0]> = {}) => ({
  incident,
  observables: [
    { type: 'url' as const, value: 'https://xn--pple-43d.com/login' },
    { type: 'domain' as const, value: 'evil.example' },
    { type: 'ipv4' as const, value: '198.51.100.23' },
  ],
  language: 'en' as const,
  tlp: 'AMBER' as const,
  defang: true,
  tag: 'RK-2026-000001-C1',
  recipient: { name: null, email: 'abuse@host.example', organisation: 'Host', timeZone: 'America/New_York' },
  handlerName: 'Handler',
  team: { name: 'CSIRT', email: 'csirt@team.example', pgpFingerprint: 'ABCD1234ABCD1234' },
  now: new Date('2026-11-25T14:40:00.000Z'),
  ...over,
});

describe('message values', () => {
  it('shows an IDN homograph host in punycode with the Unicode beside it', () => {
    expect(unicodeHostOf({ type: 'url', value: 'https://xn--pple-43d.com/login' })).toBe('аpple.com');
    expect(unicodeHostOf({ type: 'url', value: 'https://apple.com/' })).toBeNull();
    const v = messageValues(facts());
    expect(v['observables.urls']).toBe('hxxps://xn--pple-43d[.]com/login (IDN: аpple.com)');
    expect(messageValues(facts({ defang: false }))['observables.urls']).toBe('https://xn--pple-43d.com/login (IDN: аpple.com)');
  });

  it('writes times in the recipient’s zone with the zone named, and the labels in the message language', () => {
    expect(formatInZone(new Date('2026-11-25T14:40:00.000Z'), 'Asia/Tokyo')).toBe('2026-11-25 23:40 (Asia/Tokyo, GMT+09:00)');
    const en = messageValues(facts());
    expect(en['incident.firstSeen']).toBe('2026-11-25 09:40 (America/New_York, GMT-05:00)');
    expect(en['incident.category']).toBe('Phishing site');
    expect(en['team.pgpFingerprint']).toBe('ABCD 1234 ABCD 1234');
    const ja = messageValues(facts({ language: 'ja', observables: [] }));
    expect(ja['incident.category']).toBe('フィッシングサイト');
    expect(ja['observables.urls']).toBe('（なし）');
    expect(ja['incident.status']).toBe('対応中');
  });
});
