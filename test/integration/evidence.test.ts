import { unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { TextWriter, Uint8ArrayReader, Uint8ArrayWriter, ZipReader, type Entry } from '@zip.js/zip.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemActor, type Actor } from '../../src/domain/actor.js';
import type { CustodyEvent, EvidenceItem } from '../../src/domain/evidence.js';
import { buildApp } from '../../src/http/app.js';
import { searchAudit } from '../../src/services/audit.service.js';
import { bytesKept, dropBytes, storedBytes } from '../../src/services/evidence-bytes.js';
import { newId } from '../../src/domain/ids.js';
import { EvidenceFiles, INLINE_MAX } from '../../src/store/evidence-files.js';
import { runEvidenceRetention, scheduleEvidenceRetention, EVIDENCE_RETENTION_JOB } from '../../src/services/evidence-retention.service.js';
import { changeIncidentStatus, updateIncident } from '../../src/services/incident.service.js';
import { receiveMail } from '../../src/services/mail-intake.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { setIncidentShares } from '../../src/services/incident-access.service.js';
import { getTimeline } from '../../src/services/timeline.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { createCoordination } from '../../src/services/coordination.service.js';
import { sendCoordination } from '../../src/services/coordination-send.service.js';
import { parseMail } from '../../src/formats/mail.js';
import { createHarness, type Harness } from '../support/harness.js';
import { openDatabase } from '../../src/store/database.js';
import * as m0001 from '../../src/store/migrations/0001-core.js';
import * as m0002 from '../../src/store/migrations/0002-accounts.js';
import * as m0003 from '../../src/store/migrations/0003-evidence.js';
import * as m0004 from '../../src/store/migrations/0004-coordination.js';
import * as m0005 from '../../src/store/migrations/0005-registry.js';
import * as m0006 from '../../src/store/migrations/0006-takedown.js';
import * as m0007 from '../../src/store/migrations/0007-incident-merged-index.js';
import * as m0008 from '../../src/store/migrations/0008-incident-steering.js';
import * as m0009 from '../../src/store/migrations/0009-evidence-custody.js';

/**
 * Evidence and its chain of custody (issue #7): items made where evidence
 * enters, the hash re-checked on every read (an altered file is detected, and
 * recorded, never served), every view / download / export / hand-over in the
 * custody log and the audit log, dangerous files only as a ZIP encrypted with
 * "infected", and retention that honours legal hold.
 */
let h: Harness;
let app: FastifyInstance;
let lead: { actor: Actor; token: string };
let outsider: { actor: Actor; token: string };
let partner: { actor: Actor; token: string };
const smtp = systemActor('smtp');
const envelope = { mailFrom: 'reporter@example.jp', rcptTo: ['report@renkei.example'], remoteAddress: '192.0.2.25' };

const EXE = Buffer.concat([Buffer.from('4d5a90000300000004000000ffff0000', 'hex'), Buffer.from('This program cannot be run in DOS mode. (a test sample)')]);
const LOG = Buffer.from('2026-11-25 10:00:01 login from 203.0.113.9 user=victim\n', 'utf8');

function mail(id: string, files: { name: string; type: string; content: Buffer }[]): Buffer {
  const parts = files.map((f) =>
    [`--b1`, `Content-Type: ${f.type}; name="${f.name}"`, 'Content-Transfer-Encoding: base64', `Content-Disposition: attachment; filename="${f.name}"`, '', f.content.toString('base64'), ''].join('\r\n'),
  );
  return Buffer.from(
    [
      'From: Reporter <reporter@example.jp>',
      'To: report@renkei.example',
      `Message-ID: <${id}@example.jp>`,
      'Subject: suspicious invoice',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The attached invoice came from hxxps://invoice.evil[.]example/a',
      '',
      ...parts,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

const auth = (t: { token: string }) => ({ authorization: `Bearer ${t.token}` });
const get = (who: { token: string }, url: string) => app.inject({ method: 'GET', url, headers: auth(who) });
const post = (who: { token: string }, url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: auth(who), payload: payload as object });

async function incidentFromMail(id: string, files: { name: string; type: string; content: Buffer }[], extra: { constituency?: string } = {}) {
  const { report } = await receiveMail(h.deps, smtp, mail(id, files), envelope, undefined);
  const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [report.id], category: 'malware', tlp: 'AMBER', ...extra });
  return { report, incident };
}
async function list(number: string): Promise<EvidenceItem[]> {
  const res = await get(lead, `/api/incidents/${number}/evidence`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: EvidenceItem[] }>().items;
}
async function custody(number: string, itemId: string): Promise<CustodyEvent[]> {
  return (await h.deps.store.evidence.custody([itemId])).filter((e) => e.itemId === itemId);
}
async function auditActions(targetId: string): Promise<string[]> {
  const page = await searchAudit(h.deps, systemActor('test'), { targetId, limit: 500 });
  return page.items.map((e) => e.action).reverse();
}
async function openZip(zip: Buffer) {
  return new ZipReader(new Uint8ArrayReader(zip)).getEntries();
}
const bytesOf = async (entry: Entry, password?: string) =>
  Buffer.from(await (entry as { getData: (w: Uint8ArrayWriter, o?: { password?: string }) => Promise<Uint8Array> }).getData(new Uint8ArrayWriter(), password ? { password } : {}));
const textOf = async (entry: Entry) => (entry as { getData: (w: TextWriter) => Promise<string> }).getData(new TextWriter());

beforeAll(async () => {
  h = await createHarness();
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
  lead = await h.user(['lead']);
  outsider = await h.user(['handler'], { constituencies: ['gov'] });
  const org = await createOrganisation(h.deps, h.actor, { name: 'Partner CSIRT', kind: 'csirt' });
  partner = await h.user(['partner'], { organisationId: org.id });
});
afterAll(async () => {
  await app.close();
  await h.close();
});

describe('evidence items', () => {
  it('are made for each file of a report and its raw original, with who, when and from where', async () => {
    const { report, incident } = await incidentFromMail('items-1', [
      { name: 'auth.log', type: 'text/plain', content: LOG },
      { name: 'invoice.pdf.exe', type: 'application/octet-stream', content: EXE },
    ]);
    const items = await list(incident.number);
    expect(items.map((i) => [i.kind, i.filename, i.dangerous])).toEqual([
      ['report-attachment', 'auth.log', false],
      ['report-attachment', 'invoice.pdf.exe', true],
      ['raw-original', `report-${report.id}.eml`, true],
    ]);
    const [log, exe, raw] = items as [EvidenceItem, EvidenceItem, EvidenceItem];
    expect(log).toMatchObject({
      reportId: report.id,
      sha256: createHash('sha256').update(LOG).digest('hex'),
      sha1: createHash('sha1').update(LOG).digest('hex'),
      size: LOG.length,
      collectedBy: 'system:smtp',
      collectedAt: report.createdAt,
      collectedFrom: 'e-mail from reporter@example.jp (connection from 192.0.2.25)',
    });
    expect(exe.dangerousReason).toMatch(/Windows executable.*\.exe/);
    expect(raw.dangerousReason).toMatch(/carries dangerous attachments: "invoice.pdf.exe"/);
    for (const i of items) expect((await custody(incident.number, i.id)).map((e) => e.action)).toEqual(['collected']);
  });

  it('are made for uploads, recorded on the timeline and in the audit log', async () => {
    const { incident } = await incidentFromMail('upload-1', [{ name: 'a.txt', type: 'text/plain', content: Buffer.from('upload test') }]);
    const res = await post(lead, `/api/incidents/${incident.number}/evidence`, {
      filename: 'memory-notes.txt',
      contentBase64: Buffer.from('notes from the victim PC').toString('base64'),
      collectedFrom: "victim's PC, C:\\Users\\taro\\Desktop",
      collectedAt: '2026-11-25T09:00:00+09:00',
      note: 'copied by the on-site responder',
    });
    expect(res.statusCode, res.body).toBe(201);
    const item = res.json<EvidenceItem>();
    expect(item).toMatchObject({ kind: 'upload', incidentId: incident.id, mimeType: 'text/plain', collectedBy: lead.actor.id, collectedAt: '2026-11-25T00:00:00.000Z', dangerous: false });
    expect(item.collectedFrom).toContain('victim');
    expect((await list(incident.number)).map((i) => i.id)).toContain(item.id);
    expect((await getTimeline(h.deps, h.actor, incident.number)).items.map((e) => e.action)).toContain('evidence.added');
    expect(await auditActions(item.id)).toEqual(['evidence.collected']);
    const tooBig = await post(lead, `/api/incidents/${incident.number}/evidence`, { filename: 'x', contentBase64: 'not base64!' });
    expect(tooBig.statusCode).toBe(400);
  });

  it('keep a complete custody log after view, download, export and hand-over', async () => {
    const { incident } = await incidentFromMail('custody-1', [{ name: 'auth.log', type: 'text/plain', content: Buffer.concat([LOG, Buffer.from('custody')]) }]);
    const log = (await list(incident.number)).find((i) => i.filename === 'auth.log')!;
    const base = `/api/incidents/${incident.number}/evidence/${log.id}`;

    const view = await get(lead, base);
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json<{ custody: CustodyEvent[] }>().custody.map((e) => e.action)).toEqual(['collected', 'viewed']);

    const download = await get(lead, `${base}/content`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['x-renkei-sha256']).toBe(log.sha256);
    expect(download.headers['content-disposition']).toContain('attachment; filename="auth.log"');
    expect(download.rawPayload.equals(Buffer.concat([LOG, Buffer.from('custody')]))).toBe(true);

    const exported = await post(lead, `/api/incidents/${incident.number}/evidence/export`, { note: 'for the police' });
    expect(exported.statusCode, exported.body).toBe(201);
    const exportItem = exported.json<EvidenceItem>();
    expect(exportItem).toMatchObject({ kind: 'export', incidentId: incident.id, mimeType: 'application/zip', dangerous: false });

    const handOver = await post(lead, `${base}/hand-over`, { recipient: 'Tokyo Metropolitan Police, Cybercrime Division', method: 'USB stick, sealed bag 42', note: 'receipt no. 7' });
    expect(handOver.statusCode, handOver.body).toBe(200);

    const events = await custody(incident.number, log.id);
    expect(events.map((e) => e.action)).toEqual(['collected', 'viewed', 'downloaded', 'exported', 'handed-over']);
    expect(events.slice(1).every((e) => e.actor === lead.actor.id)).toBe(true);
    expect(events[3]!.detail).toMatchObject({ exportItemId: exportItem.id, exportSha256: exportItem.sha256 });
    expect(events[4]!.detail).toMatchObject({ recipient: 'Tokyo Metropolitan Police, Cybercrime Division', method: 'USB stick, sealed bag 42', sha256Verified: log.sha256 });
    expect(await auditActions(log.id)).toEqual(['evidence.viewed', 'evidence.downloaded', 'evidence.handed-over']);
    expect(await auditActions(exportItem.id)).toEqual(['evidence.exported']);
    const timeline = (await getTimeline(h.deps, h.actor, incident.number)).items.map((e) => e.action);
    expect(timeline).toEqual(expect.arrayContaining(['evidence.exported', 'evidence.handed-over']));

    // The export: every file, a manifest with hashes, collection and custody, and SHA256SUMS that check out.
    const zipRes = await get(lead, `/api/incidents/${incident.number}/evidence/${exportItem.id}/content`);
    expect(zipRes.statusCode).toBe(200);
    expect(createHash('sha256').update(zipRes.rawPayload).digest('hex')).toBe(exportItem.sha256);
    const entries = await openZip(zipRes.rawPayload);
    const names = entries.map((e) => e.filename);
    expect(names).toEqual(['files/001-auth.log', expect.stringMatching(/^files\/002-report-.*\.eml$/), 'manifest.json', 'SHA256SUMS']);
    const manifest = JSON.parse(await textOf(entries[2]!)) as { incident: { number: string }; exportedBy: string; note: string; items: { id: string; path: string; sha256: string; collectedFrom: string; custody: { action: string }[] }[] };
    expect(manifest).toMatchObject({ incident: { number: incident.number }, exportedBy: lead.actor.id, note: 'for the police' });
    const m = manifest.items.find((i) => i.id === log.id)!;
    expect(m).toMatchObject({ path: 'files/001-auth.log', sha256: log.sha256, collectedFrom: log.collectedFrom });
    expect(m.custody.map((c) => c.action)).toEqual(['collected', 'viewed', 'downloaded']);
    const sums = await textOf(entries[3]!);
    for (const [n, entry] of entries.slice(0, 2).entries()) {
      const content = await bytesOf(entry);
      expect(sums).toContain(`${createHash('sha256').update(content).digest('hex')}  ${names[n]}`);
    }
    // The download of the export is in the export's own custody log.
    expect((await custody(incident.number, exportItem.id)).map((e) => e.action)).toEqual(['collected', 'downloaded']);
  });
});

describe('integrity', () => {
  it('detects evidence altered in the database on the next read: recorded, alerted, never served', async () => {
    const { incident } = await incidentFromMail('tamper-1', [{ name: 'phish.html', type: 'text/html', content: Buffer.from('<html>original page</html>') }]);
    const item = (await list(incident.number)).find((i) => i.filename === 'phish.html')!;
    const url = `/api/incidents/${incident.number}/evidence/${item.id}/content`;
    expect((await get(lead, url)).statusCode).toBe(200);

    // A page of a few bytes is kept in its `evidence` row (content up to 64 KiB); a large file is altered on disk below.
    await sql`update evidence set content = ${Buffer.from('<html>altered page</html>')} where sha256 = ${item.sha256}`.execute(h.database.db);
    const res = await get(lead, url);
    expect(res.statusCode).toBe(500);
    const body = res.json<{ error: { code: string; message: string; details: Record<string, unknown> } }>();
    expect(body.error.code).toBe('EVIDENCE_CORRUPT');
    expect(body.error.details).toMatchObject({ itemId: item.id, sha256: item.sha256, problem: 'mismatch', actualSha256: createHash('sha256').update('<html>altered page</html>').digest('hex') });
    expect(res.body).not.toContain('altered page');
    expect(res.body).not.toContain('original page');
    // The report's own download route says the same.
    const viaReport = await get(lead, `/api/reports/${item.reportId}/attachments/${item.id}`);
    expect(viaReport.statusCode).toBe(500);
    expect(viaReport.json<{ error: { code: string } }>().error.code).toBe('EVIDENCE_CORRUPT');

    const events = await custody(incident.number, item.id);
    expect(events.map((e) => e.action)).toEqual(['collected', 'downloaded', 'integrity-failed', 'integrity-failed']);
    expect(events[2]!.detail).toMatchObject({ problem: 'mismatch', expectedSha256: item.sha256 });
    expect(await auditActions(item.id)).toEqual(['evidence.downloaded', 'evidence.integrity-failed', 'evidence.integrity-failed']);
    expect((await list(incident.number)).find((i) => i.id === item.id)!.integrityFailedAt).not.toBeNull();
    // Every failed read is in the custody log and the audit log; the timeline and the alert to the leads say it once.
    const failures = async () => (await getTimeline(h.deps, h.actor, incident.number)).items.filter((e) => e.action === 'evidence.integrity-failed');
    const alerts = async () =>
      (await sql<{ subject: string; envelope_to: string }>`select subject, envelope_to from outbound_mail where kind = 'notice' and incident_id = ${incident.id} order by created_at, id`.execute(h.database.db)).rows;
    expect(await failures()).toHaveLength(1);
    expect(await alerts()).toHaveLength(1);
    expect((await alerts())[0]!.subject).toContain('evidence failed its integrity check');
    expect(JSON.parse((await alerts())[0]!.envelope_to)).toContain('handler@team.example');
    // An export containing it stops, loudly — and mails nobody again.
    const exported = await post(lead, `/api/incidents/${incident.number}/evidence/export`, {});
    expect(exported.json<{ error: { code: string } }>().error.code).toBe('EVIDENCE_CORRUPT');
    expect(await alerts()).toHaveLength(1);

    // The bytes restored from a backup: served again, the mark cleared, and that is on the record.
    await sql`update evidence set content = ${Buffer.from('<html>original page</html>')} where sha256 = ${item.sha256}`.execute(h.database.db);
    const restored = await get(lead, url);
    expect(restored.statusCode).toBe(200);
    expect(restored.body).toBe('<html>original page</html>');
    expect((await list(incident.number)).find((i) => i.id === item.id)!.integrityFailedAt).toBeNull();
    const after = await custody(incident.number, item.id);
    expect(after.map((e) => e.action).filter((a) => a.startsWith('integrity'))).toEqual(['integrity-failed', 'integrity-failed', 'integrity-failed', 'integrity-restored']);
    expect(after.find((e) => e.action === 'integrity-restored')!.detail).toMatchObject({ sha256Verified: item.sha256 });
    expect((await getTimeline(h.deps, h.actor, incident.number)).items.map((e) => e.action)).toContain('evidence.integrity-restored');
    expect(await auditActions(item.id)).toContain('evidence.integrity-restored');
    // Altered again later: that is news again, and the leads hear of it.
    await sql`update evidence set content = ${Buffer.from('<html>altered twice</html>')} where sha256 = ${item.sha256}`.execute(h.database.db);
    expect((await get(lead, url)).statusCode).toBe(500);
    expect(await failures()).toHaveLength(2);
    expect(await alerts()).toHaveLength(2);
  });

  it('tells every incident holding the altered file, once, and mails the team once, also when two reads fail at once', async () => {
    const large = Buffer.concat([Buffer.from('a capture shared by two incidents'), Buffer.alloc(INLINE_MAX, ' ')]);
    const one = await incidentFromMail('shared-1', [{ name: 'shared.pcap', type: 'application/vnd.tcpdump.pcap', content: large }]);
    const two = await incidentFromMail('shared-2', [{ name: 'same.pcap', type: 'application/vnd.tcpdump.pcap', content: large }]);
    const itemOne = (await list(one.incident.number)).find((i) => i.filename === 'shared.pcap')!;
    const itemTwo = (await list(two.incident.number)).find((i) => i.filename === 'same.pcap')!;
    expect(itemTwo.sha256).toBe(itemOne.sha256);
    writeFileSync(h.deps.evidence.pathOf(itemOne.sha256), 'altered shared capture');
    const reads = await Promise.all([
      get(lead, `/api/incidents/${one.incident.number}/evidence/${itemOne.id}/content`),
      get(lead, `/api/incidents/${two.incident.number}/evidence/${itemTwo.id}/content`),
    ]);
    expect(reads.map((r) => r.json<{ error: { code: string } }>().error.code)).toEqual(['EVIDENCE_CORRUPT', 'EVIDENCE_CORRUPT']);
    const entries = async (number: string, action: string) => (await getTimeline(h.deps, h.actor, number)).items.filter((e) => e.action === action);
    for (const { incident } of [one, two]) expect(await entries(incident.number, 'evidence.integrity-failed')).toHaveLength(1);
    const alerts = await sql<{ subject: string }>`select subject from outbound_mail where kind = 'notice' and subject like ${'%integrity%'} and (incident_id = ${one.incident.id} or incident_id = ${two.incident.id})`.execute(h.database.db);
    expect(alerts.rows).toHaveLength(1);
    expect(alerts.rows[0]!.subject).toMatch(/^\[RK-\d{4}-\d{6} \+1\] /);
    // Both items are marked; each has both failed reads in its custody log.
    for (const [{ incident }, item] of [[one, itemOne], [two, itemTwo]] as const) {
      expect((await list(incident.number)).find((i) => i.id === item.id)!.integrityFailedAt).not.toBeNull();
      expect((await custody(incident.number, item.id)).filter((e) => e.action === 'integrity-failed')).toHaveLength(2);
    }
    // Put right: the read from one incident clears both, and both timelines say so.
    writeFileSync(h.deps.evidence.pathOf(itemOne.sha256), large);
    expect((await get(lead, `/api/incidents/${one.incident.number}/evidence/${itemOne.id}/content`)).statusCode).toBe(200);
    for (const { incident } of [one, two]) expect(await entries(incident.number, 'evidence.integrity-restored')).toHaveLength(1);
    expect((await list(two.incident.number)).find((i) => i.id === itemTwo.id)!.integrityFailedAt).toBeNull();
  });

  it('judges a failed read and a restore of the same item one after the other: the restore waits for the failure to commit, then clears its mark', async () => {
    const { incident } = await incidentFromMail('race-1', [{ name: 'race.txt', type: 'text/plain', content: Buffer.from('raced bytes') }]);
    const item = (await list(incident.number)).find((i) => i.filename === 'race.txt')!;
    let commitFailure!: () => void;
    const held = new Promise<void>((r) => (commitFailure = r));
    let marked!: () => void;
    const markedNow = new Promise<void>((r) => (marked = r));
    // A failed read: marks the item (the first failure) and holds its transaction open.
    const failure = h.deps.store.transaction(async (tx) => {
      const result = await tx.evidence.markIntegrityFailed(item, h.now().toISOString());
      marked();
      await held;
      return result;
    });
    await markedNow;
    // A good read meanwhile: its clear must wait for the failure (the lock; a plain read would see no mark yet and
    // clear nothing), then see the mark and clear it.
    const restore = h.deps.store.transaction((tx) => tx.evidence.clearIntegrityFailed(item));
    const early = await Promise.race([restore.then(() => 'done'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(early).toBe('waiting');
    commitFailure();
    expect((await failure).first.map((i) => i.id)).toEqual([item.id]);
    expect((await restore).map((i) => i.id)).toEqual([item.id]);
    expect((await list(incident.number)).find((i) => i.id === item.id)!.integrityFailedAt).toBeNull();
  });

  it('detects a file altered on disk, a missing file and an altered raw original', async () => {
    const large = (text: string) => Buffer.concat([Buffer.from(text), Buffer.alloc(INLINE_MAX, ' ')]);
    const { report, incident } = await incidentFromMail('tamper-2', [
      { name: 'gone.txt', type: 'text/plain', content: large('this file will vanish') },
      { name: 'capture.pcap', type: 'application/vnd.tcpdump.pcap', content: large('a capture') },
    ]);
    const items = await list(incident.number);
    const gone = items.find((i) => i.filename === 'gone.txt')!;
    expect(h.deps.evidence.has(gone.sha256)).toBe(true);
    unlinkSync(h.deps.evidence.pathOf(gone.sha256));
    const res = await get(lead, `/api/incidents/${incident.number}/evidence/${gone.id}/content`);
    expect(res.json()).toMatchObject({ error: { code: 'EVIDENCE_CORRUPT', details: { problem: 'missing' } } });
    const capture = items.find((i) => i.filename === 'capture.pcap')!;
    writeFileSync(h.deps.evidence.pathOf(capture.sha256), 'altered capture');
    const altered = await get(lead, `/api/incidents/${incident.number}/evidence/${capture.id}/content`);
    expect(altered.json()).toMatchObject({ error: { code: 'EVIDENCE_CORRUPT', details: { problem: 'mismatch', actualSha256: createHash('sha256').update('altered capture').digest('hex') } } });

    await sql`update report_raw set content = ${Buffer.from('forged message')} where report_id = ${report.id}`.execute(h.database.db);
    const raw = await get(lead, `/api/reports/${report.id}/raw`);
    expect(raw.json()).toMatchObject({ error: { code: 'EVIDENCE_CORRUPT', details: { problem: 'mismatch' } } });
    expect(raw.body).not.toContain('forged');
    const rawItem = items.find((i) => i.kind === 'raw-original')!;
    expect((await custody(incident.number, rawItem.id)).map((e) => e.action)).toEqual(['collected', 'integrity-failed']);
  });

  it('does not take a database error of the moment for tampering: the read fails, nothing is recorded, the next read serves the bytes', async () => {
    const { incident } = await incidentFromMail('tamper-3', [{ name: 'note.txt', type: 'text/plain', content: Buffer.from('kept in the database') }]);
    const item = (await list(incident.number)).find((i) => i.filename === 'note.txt')!;
    const url = `/api/incidents/${incident.number}/evidence/${item.id}/content`;
    const spy = vi.spyOn(h.deps.store.evidence, 'content').mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
    try {
      expect((await get(lead, url)).statusCode).toBe(500);
    } finally {
      spy.mockRestore();
    }
    expect((await list(incident.number)).find((i) => i.id === item.id)!.integrityFailedAt).toBeNull();
    expect(await auditActions(item.id)).toEqual([]);
    const again = await get(lead, url);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe('kept in the database');
  });

  it('refuses to record small content without its bytes (they would be nowhere)', async () => {
    const hashes = EvidenceFiles.hashes(Buffer.from('forty bytes of something'));
    await expect(h.deps.store.evidence.ensureFile(hashes, h.now().toISOString())).rejects.toThrow(/came without its bytes/);
    expect(await bytesKept(h.deps, hashes.sha256)).toBe(false);
  });

  it('refuses to edit or delete the custody log', async () => {
    await expect(sql`update custody_event set actor = 'someone else'`.execute(h.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from custody_event`.execute(h.database.db)).rejects.toThrow(/append-only/);
  });
});

describe('dangerous files', () => {
  it('leave the team in a coordination only inside a ZIP encrypted with "infected"; harmless ones as they are', async () => {
    const { incident } = await incidentFromMail('danger-mail', [
      { name: 'dropper.js', type: 'application/javascript', content: Buffer.from('new ActiveXObject("WScript.Shell").Run("calc")') },
      { name: 'headers.txt', type: 'text/plain', content: Buffer.from('Received: from evil.example') },
    ]);
    const [js, txt] = (await list(incident.number)).filter((i) => i.kind !== 'raw-original') as [EvidenceItem, EvidenceItem];
    const draft = await createCoordination(h.deps, h.actor, incident.number, { purpose: 'notification', contactEmail: 'abuse@hoster.example', language: 'en', evidence: [js.sha256, txt.sha256] });
    await sendCoordination(h.deps, h.actor, incident.number, draft.id);
    const sent = await sql<{ raw: Buffer }>`select raw from outbound_mail where coordination_id = ${draft.id}`.execute(h.database.db);
    const mime = await parseMail(Buffer.from(sent.rows[0]!.raw));
    // (the PGP signature of the signed message is an attachment too)
    const names = mime.attachments.map((a) => a.filename).filter((n) => !n?.endsWith('.asc')).sort();
    expect(names).toEqual(['dropper.js.zip', 'headers.txt']);
    const zip = mime.attachments.find((a) => a.filename === 'dropper.js.zip')!;
    expect(zip.mimeType).toBe('application/zip');
    expect(Buffer.from(zip.content).includes(Buffer.from('WScript.Shell'))).toBe(false);
    const entries = await new ZipReader(new Uint8ArrayReader(new Uint8Array(zip.content))).getEntries();
    const inner = entries.find((e) => e.filename === 'dropper.js')! as Entry & { getData(w: TextWriter, o: { password: string }): Promise<string> };
    expect(inner.encrypted).toBe(true);
    expect(await inner.getData(new TextWriter(), { password: 'infected' })).toContain('WScript.Shell');
  });

  it('are only handed out inside a ZIP encrypted with "infected", with a warning', async () => {
    const { report, incident } = await incidentFromMail('danger-1', [
      { name: 'invoice.pdf.exe', type: 'application/octet-stream', content: EXE },
      { name: 'notes.txt', type: 'text/plain', content: Buffer.from('harmless notes') },
    ]);
    const [exe, notes] = (await list(incident.number)) as [EvidenceItem, EvidenceItem];
    for (const url of [
      `/api/incidents/${incident.number}/evidence/${exe.id}/content`,
      `/api/incidents/${incident.number}/evidence/${exe.id}/content?as=original`,
      `/api/reports/${report.id}/attachments/${exe.id}`,
    ]) {
      const res = await get(lead, url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.headers['content-disposition']).toContain('filename="invoice.pdf.exe.zip"');
      expect(res.headers['x-renkei-warning']).toMatch(/dangerous file .*password "infected"/);
      expect(res.headers['x-renkei-sha256']).toBe(exe.sha256);
      expect(res.rawPayload.includes(EXE.subarray(0, 16))).toBe(false);
      const [warning, file] = await openZip(res.rawPayload);
      expect(await textOf(warning!)).toMatch(/危険なファイル[\s\S]*WARNING — dangerous file/);
      expect(file!.filename).toBe('invoice.pdf.exe');
      expect((await bytesOf(file!, 'infected')).equals(EXE)).toBe(true);
      await expect(bytesOf(file!)).rejects.toThrow();
      await expect(bytesOf(file!, 'wrong')).rejects.toThrow();
    }
    // Any item may be asked for as the encrypted ZIP.
    const packed = await get(lead, `/api/incidents/${incident.number}/evidence/${notes.id}/content?as=zip`);
    expect(packed.headers['content-type']).toBe('application/zip');
    expect(packed.headers['x-renkei-warning']).toBeUndefined();
    const [, inner] = await openZip(packed.rawPayload);
    expect((await bytesOf(inner!, 'infected')).toString()).toBe('harmless notes');
    expect((await custody(incident.number, exe.id)).filter((e) => e.action === 'downloaded').every((e) => e.detail.packed === 'encrypted-zip')).toBe(true);
    // An upload is judged by its content, not its name.
    const upload = await post(lead, `/api/incidents/${incident.number}/evidence`, { filename: 'photo.jpg', contentBase64: EXE.toString('base64') });
    expect(upload.json<EvidenceItem>()).toMatchObject({ dangerous: true });
    expect(upload.json<EvidenceItem>().dangerousReason).toMatch(/Windows executable/);
  });
});

describe('migration 0009', () => {
  it('gives reports stored before it their evidence items, each with its collection', async () => {
    // A database as it was at 0008, with one mailed report (an attachment and the raw original), then 0009.
    const db = openDatabase({ sqliteFile: ':memory:' });
    try {
      const before = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008];
      for (const m of before) await m.up(db.db, 'sqlite');
      const at = '2026-01-05T01:02:03.000Z';
      // As the table was at 0008 (later migrations add columns the typed schema knows).
      await sql`insert into report (id, channel, source_ref, sender, body, received_at, created_at, created_by, status, tlp, meta, raw_sha256, raw_size)
        values ('r1', 'email', '<old@example.jp>', 'old@example.jp', 'old report', ${at}, ${at}, 'system:smtp', 'new', 'AMBER',
                ${JSON.stringify({ envelope: { remoteAddress: '198.51.100.7' } })}, ${'c'.repeat(64)}, 12)`.execute(db.db);
      await db.db.insertInto('report_raw').values({ report_id: 'r1', content: Buffer.from('raw message!') }).execute();
      await db.db.insertInto('evidence').values({ sha256: 'a'.repeat(64), sha1: 'b'.repeat(40), md5: 'd'.repeat(32), size: 3, first_seen_at: at }).execute();
      await db.db
        .insertInto('report_attachment')
        .values({ id: '0190a0a0-0000-7000-8000-000000000001', report_id: 'r1', sha256: 'a'.repeat(64), filename: 'old.txt', mime_type: 'text/plain', size: 3, kind: 'attachment', note: null })
        .execute();
      await m0009.up(db.db, 'sqlite');
      const items = await db.db.selectFrom('evidence_item').selectAll().orderBy('kind').execute();
      expect(items.map((i) => [i.id === '0190a0a0-0000-7000-8000-000000000001', i.kind, i.filename, i.sha256.slice(0, 1), i.is_dangerous, i.collected_by, i.collected_at, i.collected_from])).toEqual([
        [false, 'raw-original', 'report-r1.eml', 'c', null, 'system:smtp', at, 'e-mail from old@example.jp (connection from 198.51.100.7)'],
        [true, 'report-attachment', 'old.txt', 'a', null, 'system:smtp', at, 'e-mail from old@example.jp (connection from 198.51.100.7)'],
      ]);
      const events = await db.db.selectFrom('custody_event').selectAll().execute();
      expect(events.map((e) => [e.action, e.at, e.actor])).toEqual([
        ['collected', at, 'system:smtp'],
        ['collected', at, 'system:smtp'],
      ]);
    } finally {
      await db.close();
    }
  });
});

describe('the API description', () => {
  it('names the evidence routes', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    for (const p of ['/api/incidents/{id}/evidence', '/api/incidents/{id}/evidence/export', '/api/incidents/{id}/evidence/{itemId}', '/api/incidents/{id}/evidence/{itemId}/content', '/api/incidents/{id}/evidence/{itemId}/hand-over'])
      expect(doc.paths[p], p).toBeDefined();
  });
});

describe('who may see evidence', () => {
  it('answers 404 to whoever cannot see the incident, and 403 to partners', async () => {
    const { incident } = await incidentFromMail('hidden-1', [{ name: 'x.txt', type: 'text/plain', content: Buffer.from('finance only') }], { constituency: 'finance' });
    const item = (await list(incident.number))[0]!;
    const other = await incidentFromMail('hidden-2', [{ name: 'y.txt', type: 'text/plain', content: Buffer.from('another incident') }]);
    await setIncidentShares(h.deps, h.actor, incident.id, { organisationIds: [partner.actor.organisationId!] });
    const urls = [
      `/api/incidents/${incident.number}/evidence`,
      `/api/incidents/${incident.number}/evidence/${item.id}`,
      `/api/incidents/${incident.number}/evidence/${item.id}/content`,
    ];
    for (const url of urls) {
      expect((await get(outsider, url)).statusCode, url).toBe(404);
      expect((await get(partner, url)).statusCode, url).toBe(403);
    }
    expect((await post(outsider, `/api/incidents/${incident.number}/evidence`, { filename: 'a.txt', contentBase64: 'YQ==' })).statusCode).toBe(404);
    expect((await post(outsider, `/api/incidents/${incident.number}/evidence/${item.id}/hand-over`, { recipient: 'x' })).statusCode).toBe(404);
    // An item of another incident is not found under this one.
    expect((await get(lead, `/api/incidents/${other.incident.number}/evidence/${item.id}/content`)).statusCode).toBe(404);
    expect((await custody(incident.number, item.id)).map((e) => e.action)).toEqual(['collected']);
  });
});

describe('retention', () => {
  it('removes the evidence of incidents closed long enough ago, never under legal hold nor a file still held', async () => {
    const shared = Buffer.from('the same phishing kit, seen in two incidents');
    const a = await incidentFromMail('retention-a', [
      { name: 'kit.txt', type: 'text/plain', content: shared },
      { name: 'only-a.txt', type: 'text/plain', content: Buffer.from('only in A') },
    ]);
    const b = await incidentFromMail('retention-b', [
      { name: 'kit.txt', type: 'text/plain', content: shared },
      { name: 'only-b.txt', type: 'text/plain', content: Buffer.from('only in B') },
    ]);
    const open = await incidentFromMail('retention-open', [{ name: 'only-open.txt', type: 'text/plain', content: Buffer.from('still being worked') }]);
    const upload = await post(lead, `/api/incidents/${a.incident.number}/evidence`, { filename: 'upload-a.txt', contentBase64: Buffer.from('uploaded to A').toString('base64') });
    expect(upload.statusCode).toBe(201);
    await updateIncident(h.deps, h.actor, b.incident.number, { legalHold: true });
    for (const i of [a.incident, b.incident]) {
      await changeIncidentStatus(h.deps, h.actor, i.number, { status: 'open' });
      await changeIncidentStatus(h.deps, h.actor, i.number, { status: 'resolved' });
      await changeIncidentStatus(h.deps, h.actor, i.number, { status: 'closed', override: 'closed for the retention test' });
    }

    h.deps.settings.evidence = { retentionDays: 30 };
    try {
      // Not yet due.
      expect((await runEvidenceRetention(h.deps, systemActor('test'), { dryRun: true })).removed).toEqual([]);
      h.advance(31 * 86_400_000);
      const dry = await runEvidenceRetention(h.deps, systemActor('test'), { dryRun: true });
      expect(dry.removed.map((r) => r.incident)).toEqual([a.incident.number, a.incident.number, a.incident.number, a.incident.number]);
      expect(dry.held.every((x) => x.incident === b.incident.number)).toBe(true);
      expect(dry.held).toHaveLength(3);
      expect((await list(a.incident.number)).every((i) => i.removedAt === null)).toBe(true);

      // The daily job does it.
      expect(await scheduleEvidenceRetention(h.deps, h.now())).toBe(true);
      expect(await h.runJobs()).toBeGreaterThanOrEqual(1);
    } finally {
      h.deps.settings.evidence = { retentionDays: null };
    }

    const itemsA = await list(a.incident.number);
    expect(itemsA.map((i) => [i.filename, i.removedAt !== null])).toEqual([
      ['kit.txt', true],
      ['only-a.txt', true],
      [`report-${a.report.id}.eml`, true],
      ['upload-a.txt', true],
    ]);
    const kitA = itemsA[0]!;
    const onlyA = itemsA[1]!;
    expect(await bytesKept(h.deps, onlyA.sha256)).toBe(false);
    // The kit is still held by incident B (under legal hold): its bytes stay, A's item is a tombstone.
    expect(await bytesKept(h.deps, kitA.sha256)).toBe(true);
    const removedEvent = (await custody(a.incident.number, kitA.id)).at(-1)!;
    expect(removedEvent).toMatchObject({ action: 'removed', actor: 'system:retention', detail: { file: 'kept (still held by other items)' } });
    expect((await custody(a.incident.number, onlyA.id)).at(-1)).toMatchObject({ action: 'removed', detail: { file: 'deleted' } });
    expect(await auditActions(onlyA.id)).toEqual(['evidence.removed']);
    expect((await getTimeline(h.deps, h.actor, a.incident.number)).items.map((e) => e.action)).toContain('evidence.removed');
    const gone = await get(lead, `/api/incidents/${a.incident.number}/evidence/${onlyA.id}/content`);
    expect(gone.statusCode).toBe(410);
    expect(gone.json<{ error: { code: string } }>().error.code).toBe('GONE');
    expect((await get(lead, `/api/reports/${a.report.id}/raw`)).statusCode).toBe(410);

    // Legal hold: B keeps everything; the open incident is untouched.
    const itemsB = await list(b.incident.number);
    expect(itemsB.every((i) => i.removedAt === null)).toBe(true);
    for (const i of itemsB.filter((x) => x.kind !== 'raw-original')) expect(await bytesKept(h.deps, i.sha256)).toBe(true);
    expect((await get(lead, `/api/reports/${b.report.id}/raw`)).statusCode).toBe(200);
    expect((await list(open.incident.number)).every((i) => i.removedAt === null)).toBe(true);

    // The next run is queued for the next day.
    const next = await sql<{ n: number }>`select count(*) as n from job where kind = ${EVIDENCE_RETENTION_JOB} and state = 'queued'`.execute(h.database.db);
    expect(Number(next.rows[0]!.n)).toBe(1);

    // The same bytes arriving again after retention deleted them are kept again (their `evidence` row outlived them).
    const again = await incidentFromMail('retention-again', [{ name: 'only-a-again.txt', type: 'text/plain', content: Buffer.from('only in A') }]);
    const back = (await list(again.incident.number)).find((i) => i.filename === 'only-a-again.txt')!;
    expect(back.sha256).toBe(onlyA.sha256);
    expect((await storedBytes(h.deps, back.sha256)).toString()).toBe('only in A');
    expect((await get(lead, `/api/incidents/${again.incident.number}/evidence/${back.id}/content`)).body).toBe('only in A');
    // Bytes an item still holds are never dropped, whatever the caller thought (the check is the drop's own statement).
    expect(await h.deps.store.evidence.dropContent(back.sha256)).toBe(false);
    expect((await storedBytes(h.deps, back.sha256)).toString()).toBe('only in A');
  });

  /** A transaction held open until `release()`, with `started` once `fn` ran in it. */
  function heldOpen(fn: (tx: Parameters<Parameters<Harness['deps']['store']['transaction']>[0]>[0]) => Promise<unknown>) {
    let release!: () => void;
    let started!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ran = new Promise<void>((r) => (started = r));
    const done = h.deps.store.transaction(async (tx) => {
      const result = await fn(tx);
      started();
      await gate;
      return result;
    });
    return { release, started: ran, done };
  }

  it('keeps the bytes a report brings while retention removes the same content, whichever goes first', async () => {
    const { report } = await receiveMail(h.deps, smtp, mail('retention-race', []), envelope, undefined);
    const attachment = async (content: Buffer) => ({ ...(await h.deps.evidence.put(content)), id: newId(), filename: 'kit.txt', mimeType: 'text/plain', kind: 'attachment' as const, note: null });
    const pause = () => new Promise((r) => setTimeout(r, 150));

    // Small content (kept in the database), known and held by nothing: what retention drops.
    for (const first of ['the report', 'retention'] as const) {
      const content = Buffer.from(`a kit that came back, ${first} first`);
      const stored = await attachment(content);
      await h.deps.store.evidence.ensureFile(stored, h.now().toISOString());
      if (first === 'the report') {
        // Recorded, not committed yet, when retention looks: retention waits, then sees the report's attachment.
        const recording = heldOpen((tx) => tx.reports.addAttachmentsOf([{ reportId: report.id, attachments: [stored] }], h.now().toISOString()));
        await recording.started;
        const dropping = dropBytes(h.deps, stored.sha256);
        await pause();
        recording.release();
        await recording.done;
        expect(await dropping).toBe(false);
      } else {
        // Retention dropped them and has not committed when the report comes: the report waits, then puts them back.
        const dropping = heldOpen((tx) => tx.evidence.dropContent(stored.sha256));
        await dropping.started;
        const recording = h.deps.store.transaction((tx) => tx.reports.addAttachmentsOf([{ reportId: report.id, attachments: [stored] }], h.now().toISOString()));
        await pause();
        dropping.release();
        expect(await dropping.done).toBe(true);
        await recording;
      }
      expect((await storedBytes(h.deps, stored.sha256)).equals(content), `${first} first`).toBe(true);
    }

    // A file: retention leaves one a report put (found, touched) within the last day, and removes it once it was not.
    const large = Buffer.concat([Buffer.from('a large kit that came back'), Buffer.alloc(INLINE_MAX, ' ')]);
    const { sha256 } = await h.deps.evidence.put(large);
    // File times are the system's (the file system's clock), not the test's.
    const longAgo = new Date(Date.now() - 3 * 86_400_000);
    utimesSync(h.deps.evidence.pathOf(sha256), longAgo, longAgo);
    await h.deps.evidence.put(large);
    expect(await dropBytes(h.deps, sha256)).toBe(false);
    expect(h.deps.evidence.get(sha256).equals(large)).toBe(true);
    // A day on, nobody having put it again.
    utimesSync(h.deps.evidence.pathOf(sha256), longAgo, longAgo);
    expect(await dropBytes(h.deps, sha256)).toBe(true);
    expect(h.deps.evidence.has(sha256)).toBe(false);
  });
});
