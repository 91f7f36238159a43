import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrganisation,
  exportOrganisationsCsv,
  importOrganisationsCsv,
  listOrganisations,
  replaceOrganisation,
} from '../../src/services/organisation.service.js';
import { lookupOwner } from '../../src/services/owner-lookup.service.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

describe('organisations and owner lookup', () => {
  it('answers with the most specific range and explains overlaps', async () => {
    const isp = await createOrganisation(h.deps, h.actor, {
      name: 'Example ISP',
      kind: 'isp',
      country: 'jp',
      resources: [
        { kind: 'ip-range', value: '203.0.0.0/16' },
        { kind: 'asn', value: 'as 64500' },
      ],
      contacts: [{ email: 'abuse@isp.example', role: 'abuse', language: 'ja', timezone: 'Asia/Tokyo', officeHours: 'Mon-Fri 09:00-18:00' }],
    });
    expect(isp.country).toBe('JP');
    expect(isp.resources.map((r) => r.value).sort()).toEqual(['203.0.0.0/16', 'AS64500']);
    const hosting = await createOrganisation(h.deps, h.actor, {
      name: 'Example Hosting',
      kind: 'hosting',
      country: 'US',
      resources: [
        { kind: 'ip-range', value: '203.0.113.77/24' },
        { kind: 'domain', value: 'hosting.example' },
      ],
      contacts: [{ email: 'abuse@hosting.example', role: '24x7', timezone: 'America/New_York' }],
    });
    const result = await lookupOwner(h.deps, h.actor, '203.0.113.77');
    expect(result.matches.map((m) => [m.organisation.name, m.resource.value, m.isMostSpecific])).toEqual([
      ['Example Hosting', '203.0.113.0/24', true],
      ['Example ISP', '203.0.0.0/16', false],
    ]);
    expect(result.explanation).toContain('203.0.113.0/24');
    expect(result.explanation).toContain('most specific');
    expect((await lookupOwner(h.deps, h.actor, 'hxxps://www.hosting[.]example/login')).matches[0]!.organisation.id).toBe(hosting.id);
    expect((await lookupOwner(h.deps, h.actor, 'AS64500')).matches[0]!.organisation.id).toBe(isp.id);
    expect((await lookupOwner(h.deps, h.actor, '198.51.100.1')).matches).toEqual([]);
  });

  it('sees a change to the directory at once', async () => {
    const org = await createOrganisation(h.deps, h.actor, { name: 'Mover', kind: 'other', resources: [{ kind: 'ip-range', value: '192.0.2.0/25' }] });
    expect((await lookupOwner(h.deps, h.actor, '192.0.2.1')).matches[0]!.organisation.name).toBe('Mover');
    await replaceOrganisation(h.deps, h.actor, org.id, { name: 'Mover', kind: 'other', resources: [{ kind: 'ip-range', value: '192.0.2.128/25' }] });
    expect((await lookupOwner(h.deps, h.actor, '192.0.2.1')).matches).toEqual([]);
  });

  it('finds names containing % and _ literally on both databases', async () => {
    await createOrganisation(h.deps, h.actor, { name: 'A_B Net', kind: 'isp' });
    await createOrganisation(h.deps, h.actor, { name: '100% Hosting', kind: 'hosting' });
    await createOrganisation(h.deps, h.actor, { name: 'AxB Net', kind: 'isp' });
    expect((await listOrganisations(h.deps, h.actor, { q: 'a_b' }, { limit: 10, offset: 0 })).items.map((o) => o.name)).toEqual(['A_B Net']);
    expect((await listOrganisations(h.deps, h.actor, { q: '100%' }, { limit: 10, offset: 0 })).items.map((o) => o.name)).toEqual(['100% Hosting']);
  });

  it('refuses a duplicate name and a bad resource, naming the field', async () => {
    await expect(createOrganisation(h.deps, h.actor, { name: 'example isp ', kind: 'isp' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      createOrganisation(h.deps, h.actor, { name: 'Bad', kind: 'isp', resources: [{ kind: 'ip-range', value: '300.1.2.0/24' }] }),
    ).rejects.toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: ['resources', 0, 'value'] }] } });
    await expect(createOrganisation(h.deps, h.actor, { name: 'Bad', kind: 'spaceship' as never })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});

describe('directory CSV', () => {
  it('imports the good rows, reports the bad one, and round-trips through export', async () => {
    const csv = [
      'organisation,kind,country,trust_level,ip_ranges,asns,domains,contact_name,contact_email,contact_role,contact_language,contact_timezone,contact_office_hours',
      '日本ホスティング株式会社,hosting,JP,medium,198.51.100.0/24,AS64510,hosting.example.jp,窓口,abuse@hosting.example.jp,abuse,ja,Asia/Tokyo,Mon-Fri 09:00-18:00',
      '日本ホスティング株式会社,,,,,,,夜間,noc@hosting.example.jp,24x7,ja,Asia/Tokyo,24/7',
      'Broken Org,isp,JP,low,999.0.0.0/8,,,,not-an-email,abuse,en,UTC,',
      'Registrar Inc.,registrar,US,high,,,registrar.example,,abuse@registrar.example,abuse,en,America/Los_Angeles,',
    ].join('\n');
    const result = await importOrganisationsCsv(h.deps, h.actor, csv);
    expect(result.created).toBe(2);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.row).toBe(4);
    expect(result.errors[0]!.errors.map((e) => e.column)).toEqual(expect.arrayContaining(['ip_ranges', 'contact_email']));
    const found = await listOrganisations(h.deps, h.actor, { q: 'ホスティング' }, { limit: 10, offset: 0 });
    expect(found.items[0]!.contacts.map((c) => c.role).sort()).toEqual(['24x7', 'abuse']);
    expect((await lookupOwner(h.deps, h.actor, '198.51.100.20')).matches[0]!.organisation.name).toBe('日本ホスティング株式会社');

    const exported = await exportOrganisationsCsv(h.deps, h.actor);
    const again = await importOrganisationsCsv(h.deps, h.actor, exported);
    expect(again.errors).toEqual([]);
    expect(again.created).toBe(0);
    expect(await exportOrganisationsCsv(h.deps, h.actor)).toBe(exported);
  });
});
