import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistry, resolveAbuseContact } from '../../src/services/abuse-contact.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { createHarness, type Harness } from '../support/harness.js';

/** Abuse-contact resolution: the directory first, then imported registry data (RPSL bulk exports, delegated statistics). */
let h: Harness;
let dir: string;

const RPSL = `% An excerpt in the shape of an RIR bulk export
inetnum:        198.51.100.0 - 198.51.100.255
netname:        EXAMPLE-HOSTING-NET
country:        US
org:            ORG-EH1-TEST
abuse-c:        AR1-TEST
source:         TEST

inetnum:        198.51.100.0 - 198.51.100.127
netname:        CUSTOMER-SUB
descr:          a customer's assignment,
+               continued on a second line
country:        us
abuse-c:        AR2-TEST
source:         TEST

inet6num:       2001:db8:1000::/36
netname:        V6-NET
country:        JP
org:            ORG-EH1-TEST
source:         TEST

inetnum:        not a range at all
netname:        BROKEN

role:           Abuse Role
nic-hdl:        AR1-TEST
abuse-mailbox:  abuse@hosting.example

role:           Sub Abuse
nic-hdl:        AR2-TEST
abuse-mailbox:  abuse@customer.example

organisation:   ORG-EH1-TEST
org-name:       Example Hosting Inc.
abuse-c:        AR1-TEST
`;

const DELEGATED = `2|apnic|20261125|3|19830613|20261124|+1000
apnic|*|ipv4|*|2|summary
apnic|JP|ipv4|203.0.113.0|256|20100101|allocated
apnic|JP|ipv6|2001:db8:f000::|36|20100101|allocated
apnic|AU|ipv4|192.0.2.0|256|20100101|reserved
`;

beforeAll(async () => {
  h = await createHarness();
  dir = mkdtempSync(join(tmpdir(), 'renkei-registry-'));
  writeFileSync(join(dir, 'test.db.inetnum.gz'), gzipSync(RPSL));
  writeFileSync(join(dir, 'delegated-apnic-latest'), DELEGATED);
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('registry import and abuse-contact resolution', () => {
  it('reads an RPSL export (gzipped): ranges with their abuse mailbox through abuse-c or the organisation; bad objects listed', async () => {
    const r = await importRegistry(h.deps, h.actor, join(dir, 'test.db.inetnum.gz'));
    expect(r).toMatchObject({ source: 'test.db.inetnum', format: 'rpsl', ranges: 3, withAbuseMailbox: 3, problemCount: 1 });
    expect(r.problems[0]).toMatch(/inetnum not a range at all/);

    const sub = await resolveAbuseContact(h.deps, h.actor, '198.51.100.23');
    expect(sub.contact).toMatchObject({ email: 'abuse@customer.example', source: 'registry:test.db.inetnum', country: 'US' });
    expect(sub.contact!.asOf).not.toBeNull();
    expect(sub.steps.map((s) => [s.source, s.found])).toEqual([
      ['directory', false],
      ['registry', true],
    ]);
    expect(sub.steps[1]!.detail).toContain('198.51.100.0 – 198.51.100.127 (CUSTOMER-SUB, US)');
    // The same as data, for a screen to say in its own language.
    expect(sub.steps[0]!.facts).toEqual({ kind: 'directory', subject: '198.51.100.23', owner: null, lessSpecific: [], contact: null, withoutContact: null });
    expect(sub.steps[1]!.facts).toMatchObject({
      kind: 'registry',
      subject: '198.51.100.23',
      isImported: true,
      range: { from: '198.51.100.0', to: '198.51.100.127', names: expect.arrayContaining(['CUSTOMER-SUB', 'US']) as unknown, source: 'test.db.inetnum', abuseEmail: 'abuse@customer.example' },
    });

    expect((await resolveAbuseContact(h.deps, h.actor, 'https://198.51.100.200/login')).contact?.email).toBe('abuse@hosting.example');
    const v6 = await resolveAbuseContact(h.deps, h.actor, '2001:db8:1234::1');
    expect(v6.contact).toMatchObject({ email: 'abuse@hosting.example', organisation: 'Example Hosting Inc.', country: 'JP' });
  });

  it('prefers the directory, and proposes the 24/7 contact when the abuse desk is closed', async () => {
    await createOrganisation(h.deps, h.actor, {
      name: 'Known Hosting KK',
      kind: 'hosting',
      country: 'JP',
      contacts: [
        { email: 'abuse@known.example', role: 'abuse', timezone: 'Asia/Tokyo', officeHours: 'Mon-Fri 09:00-18:00' },
        { email: 'noc@known.example', role: '24x7', timezone: 'Asia/Tokyo' },
      ],
      resources: [{ kind: 'ip-range', value: '198.51.100.0/26' }],
    });
    // The harness clock is 23:40 JST on a Wednesday: outside office hours.
    const answer = await resolveAbuseContact(h.deps, h.actor, '198.51.100.23');
    expect(answer.contact).toMatchObject({ email: 'noc@known.example', organisation: 'Known Hosting KK', source: 'directory' });
    expect(answer.contact!.reason).toMatch(/outside office hours/);
    expect(answer.steps[0]!.facts).toMatchObject({
      kind: 'directory',
      owner: { resource: '198.51.100.0/26', resourceKind: 'ip-range', organisations: ['Known Hosting KK'] },
      contact: { email: 'noc@known.example', why: { code: 'outside-hours', email: 'abuse@known.example', timezone: 'Asia/Tokyo' } },
    });
    expect(answer.steps.map((s) => [s.source, s.found])).toEqual([
      ['directory', true],
      ['registry', true],
    ]);
  });

  it('reads delegated statistics (country and registry, no mailbox), and a re-import replaces its source', async () => {
    const r = await importRegistry(h.deps, h.actor, join(dir, 'delegated-apnic-latest'));
    expect(r).toMatchObject({ format: 'delegated', ranges: 2, withAbuseMailbox: 0 });
    const answer = await resolveAbuseContact(h.deps, h.actor, '203.0.113.9');
    expect(answer.contact).toBeNull();
    expect(answer.steps[1]).toMatchObject({ source: 'registry', found: false });
    expect(answer.steps[1]!.detail).toMatch(/203\.0\.113\.0 – 203\.0\.113\.255 \(JP\) from delegated-apnic-latest; it names no abuse mailbox/);
    const outside = await resolveAbuseContact(h.deps, h.actor, '192.0.2.1');
    expect(outside.steps[1]!.detail).toMatch(/No imported registry range contains/);
    expect(outside.steps[1]!.facts).toEqual({ kind: 'registry', subject: '192.0.2.1', isImported: true, range: null });

    writeFileSync(join(dir, 'delegated-apnic-latest'), 'apnic|JP|ipv4|203.0.113.0|128|20100101|allocated\n');
    expect((await importRegistry(h.deps, h.actor, join(dir, 'delegated-apnic-latest'))).ranges).toBe(1);
    expect((await h.deps.store.registry.sources()).map((s) => [s.source, s.ranges])).toEqual([
      ['delegated-apnic-latest', 1],
      ['test.db.inetnum', 3],
    ]);
    expect((await resolveAbuseContact(h.deps, h.actor, '203.0.113.200')).steps[1]!.detail).toMatch(/No imported registry range/);
  });

  it('refuses a missing file and a query that is not an address, and asks for the directory capability', async () => {
    await expect(importRegistry(h.deps, h.actor, join(dir, 'nope.txt'))).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(resolveAbuseContact(h.deps, h.actor, 'not an address')).rejects.toMatchObject({ code: 'VALIDATION' });
    const partner = (await h.user(['partner'], { organisationId: (await createOrganisation(h.deps, h.actor, { name: 'P', kind: 'csirt' })).id })).actor;
    await expect(resolveAbuseContact(h.deps, partner, '198.51.100.1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
