import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { systemActor } from '../../src/domain/actor.js';
import { createIncident, updateIncident } from '../../src/services/incident.service.js';
import { audit, searchAudit, verifyAudit } from '../../src/services/audit.service.js';
import { createHarness, type Harness } from '../support/harness.js';

/** The audit log: every change recorded, the chain verifiable, tampering found. */
let h: Harness;
const auditor = systemActor('auditor');
beforeEach(async () => {
  await h?.close();
  h = await createHarness();
});
afterAll(async () => h.close());

describe('audit log', () => {
  it('records changes with who and what, and verifies', async () => {
    const i = await createIncident(h.deps, h.actor, { title: 'audited' });
    await updateIncident(h.deps, h.actor, i.id, { severity: 'high' });
    const events = await searchAudit(h.deps, auditor, { targetId: i.id });
    expect(events.items.map((e) => e.action).sort()).toEqual(['incident.created', 'incident.updated']);
    expect(events.items[0]!.actor).toBe(h.actor.id);
    expect(await verifyAudit(h.deps, auditor)).toMatchObject({ ok: true });
  });

  it('names the account behind each event, and finds the events of an account by its e-mail address', async () => {
    const { actor: other } = await h.user(['handler'], { email: 'Someone.Else@team.example' });
    const i = await createIncident(h.deps, h.actor, { title: 'who did it' });
    await updateIncident(h.deps, other, i.id, { severity: 'low' });
    await h.deps.store.transaction((tx) => audit(tx, systemActor('retention'), 'evidence.retention-run', { type: 'incident', id: i.id }));
    const events = await searchAudit(h.deps, auditor, { targetId: i.id });
    expect(events.items.map((e) => [e.action, e.actor, e.actorName, e.actorEmail])).toEqual([
      ['evidence.retention-run', 'system:retention', null, null],
      ['incident.updated', other.id, other.displayName, 'someone.else@team.example'],
      ['incident.created', h.actor.id, h.actor.displayName, 'handler@team.example'],
    ]);
    const byEmail = await searchAudit(h.deps, auditor, { actor: ' SOMEONE.else@team.example ', targetId: i.id });
    expect(byEmail.items.map((e) => e.action)).toEqual(['incident.updated']);
    expect((await searchAudit(h.deps, auditor, { actor: 'nobody@team.example' })).items).toEqual([]);
    expect((await searchAudit(h.deps, auditor, { actor: 'system:retention' })).items.map((e) => e.actor)).toEqual(['system:retention']);
  });

  it('is refused to people without the auditor or administrator role', async () => {
    await expect(searchAudit(h.deps, h.actor, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('detects an edited row and names it', async () => {
    for (let k = 0; k < 5; k++) await createIncident(h.deps, h.actor, { title: `e${k}` });
    const target = await sql<{ position: number }>`select position from audit_event order by position limit 1 offset 3`.execute(h.database.db);
    const position = Number(target.rows[0]!.position);
    await sql`update audit_event set details = '{"forged":true}' where position = ${position}`.execute(h.database.db);
    expect(await verifyAudit(h.deps, auditor)).toMatchObject({ ok: false, position, problem: 'hash' });
  });

  it('detects a deleted row, and deleted newest rows', async () => {
    for (let k = 0; k < 5; k++) await createIncident(h.deps, h.actor, { title: `d${k}` });
    const rows = await sql<{ position: number }>`select position from audit_event order by position`.execute(h.database.db);
    const middle = Number(rows.rows[2]!.position);
    await sql`delete from audit_event where position = ${middle}`.execute(h.database.db);
    expect(await verifyAudit(h.deps, auditor)).toMatchObject({ ok: false, position: middle, problem: 'gap' });
    await sql`delete from audit_event where position >= ${middle}`.execute(h.database.db);
    expect(await verifyAudit(h.deps, auditor)).toMatchObject({ ok: false, problem: 'head' });
  });

  it('keeps one unbroken chain with 4 concurrent writers', async () => {
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let k = 0; k < 10; k++) await createIncident(h.deps, h.actor, { title: `writer ${w} #${k}` });
      }),
    );
    const result = await verifyAudit(h.deps, auditor);
    expect(result).toMatchObject({ ok: true });
    const forks = await sql<{ n: number }>`select count(*) as n from (select prev_hash from audit_event group by prev_hash having count(*) > 1) f`.execute(
      h.database.db,
    );
    expect(Number(forks.rows[0]!.n)).toBe(0);
  });
});
