import { createHash } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { AppError, notFound } from '../domain/errors.js';
import { INFECTED_PASSWORD, type CustodyEvent, type EvidenceItem } from '../domain/evidence.js';
import type { Incident } from '../domain/incident.js';
import type { Report } from '../domain/report.js';
import { assessFile } from '../formats/file-assessment.js';
import { entryName, infectedZip } from '../formats/infected-zip.js';
import type { Store } from '../store/store.js';
import { EvidenceMismatchError } from '../store/evidence-files.js';
import { accessScope, assertCan } from './access.policy.js';
import { alertTeam } from './team-alert.service.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { recordReportEvidence } from './evidence-collection.service.js';
import { loadIncident } from './incident.service.js';
import { storedBytes } from './evidence-bytes.js';

/**
 * Evidence and its chain of custody (issue #7).
 *
 * Every file that enters Renkei — a report's attachments and raw original, a
 * handler's upload, a page kept by a liveness check, an export — is an item
 * with its SHA-256, who collected it, when and from where. Every view,
 * download, export and hand-over is a custody event and an audit event.
 *
 * The bytes are re-hashed on every read. A mismatch (or a missing file) is
 * never served: it is recorded as an `integrity-failed` custody event, an
 * audit event and a timeline entry on the incident, marks every item backed
 * by that file, and answers EVIDENCE_CORRUPT (logged at error level by the
 * HTTP layer). A dangerous file (an executable, a script, a macro document,
 * an archive that cannot be checked …, see domain/dangerous-file.ts) is only
 * ever handed out inside a ZIP encrypted with the password `infected`, with a
 * warning; any item may be asked for that way.
 *
 * Retention (`evidence.retention`, daily when RENKEI_EVIDENCE_RETENTION_DAYS is
 * set) removes the bytes of items whose incident was closed more than that
 * many days ago — never under legal hold, never a file another live item
 * still needs; the item stays as a tombstone with a `removed` event.
 *
 * This module finds items under the incident's and the report's visibility,
 * reads them (hash re-checked, failures recorded), shows and hands them out
 * as downloads. Items are made in evidence-collection.service.ts; hand-overs
 * and exports are evidence-transfer.service.ts.
 */

export interface EvidenceItemView {
  item: EvidenceItem;
  custody: CustodyEvent[];
}

/** What a download hands out: the evidence itself, or the encrypted ZIP around it. */
export interface EvidenceDelivery {
  item: EvidenceItem;
  filename: string;
  contentType: string;
  content: Buffer;
  /** SHA-256 of the evidence itself (not of a ZIP around it), checked just now. */
  sha256: string;
  packed: 'original' | 'encrypted-zip';
  /** Set for a dangerous item: what the answer warns (ASCII, for a header). */
  warning: string | null;
}

export interface DownloadOptions {
  /** `zip`: always as the encrypted ZIP; dangerous items are packed whatever is asked. */
  as?: 'original' | 'zip';
}

// ---------------------------------------------------------------------------
// Finding items, under the incident's and report's visibility

export async function incidentIds(store: Store, incident: Incident): Promise<string[]> {
  return [incident.id, ...(await store.evidence.mergedInto(incident.id))];
}

/** The item, when it is the incident's (its own, a merged-in incident's, or one of its reports'); NOT_FOUND otherwise. */
export async function itemOf(store: Store, incident: Incident, itemId: string): Promise<EvidenceItem> {
  const item = await store.evidence.find(itemId);
  if (item) {
    if (item.incidentId && (await incidentIds(store, incident)).includes(item.incidentId)) return item;
    if (item.reportId && (await store.reports.findById({ kind: 'all' }, item.reportId))?.incidentId === incident.id) return item;
  }
  throw notFound('evidence item', itemId);
}

/** The incident (or, for an untriaged report's item, the report) an item's entries go on. */
async function ownerOf(store: Store, item: EvidenceItem): Promise<{ incidentId: string | null; reportId: string | null }> {
  if (item.incidentId) return { incidentId: item.incidentId, reportId: null };
  const report = item.reportId ? await store.reports.findById({ kind: 'all' }, item.reportId) : undefined;
  return report?.incidentId ? { incidentId: report.incidentId, reportId: null } : { incidentId: null, reportId: item.reportId };
}

/** Every item of an incident and of its reports (and of incidents merged into it), oldest first. Listing is not a view of each item. */
export async function listEvidence(deps: ServiceDeps, actor: Actor, incidentRef: string): Promise<EvidenceItem[]> {
  assertCan(actor, 'evidence.read');
  const incident = await loadIncident(deps.store, actor, incidentRef);
  return deps.store.evidence.forIncidents(await incidentIds(deps.store, incident));
}

/** One item with its chain of custody; the look is itself recorded (`viewed`). */
export async function getEvidenceItem(deps: ServiceDeps, actor: Actor, incidentRef: string, itemId: string): Promise<EvidenceItemView> {
  assertCan(actor, 'evidence.read');
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentRef);
    const item = await itemOf(tx, incident, itemId);
    await tx.evidence.appendCustody([{ itemId: item.id, at, actor: actor.id, action: 'viewed', detail: { incident: incident.number } }]);
    await audit(tx, actor, 'evidence.viewed', { type: 'evidence', id: item.id }, { incident: incident.number, sha256: item.sha256 });
    return { item, custody: await tx.evidence.custody([item.id]) };
  });
}

// ---------------------------------------------------------------------------
// Reading: hash re-checked every time; a failure is recorded, never served.

/** The item's bytes, checked against its SHA-256; EVIDENCE_CORRUPT (recorded first) when they do not match or are gone. */
export async function readVerified(deps: ServiceDeps, actor: Actor, item: EvidenceItem): Promise<Buffer> {
  if (item.removedAt) throw new AppError('GONE', `evidence ${item.id} was removed on ${item.removedAt}: ${item.removedReason ?? 'retention'}`, { itemId: item.id, removedAt: item.removedAt });
  let content: Buffer | undefined;
  let problem: { kind: 'missing' | 'mismatch'; message: string; actual?: string } | undefined;
  if (item.kind === 'raw-original') {
    content = item.reportId ? await deps.store.evidence.raw(item.reportId) : undefined;
    if (!content) problem = { kind: 'missing', message: 'the raw original is no longer in the database' };
    else {
      const actual = createHash('sha256').update(content).digest('hex');
      if (actual !== item.sha256) problem = { kind: 'mismatch', message: `the raw original hashes to ${actual}`, actual };
    }
  } else {
    try {
      content = await storedBytes(deps, item.sha256);
    } catch (err) {
      // Only bytes that are gone or altered are an integrity failure; any other error (the database
      // unreachable for a moment, a disk that cannot be read) is an error of the moment, not recorded as one.
      if (err instanceof EvidenceMismatchError) problem = { kind: 'mismatch', message: err.message, actual: err.actual };
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') problem = { kind: 'missing', message: 'the bytes are missing from the evidence store' };
      else throw err;
    }
  }
  if (problem || !content) {
    const p = problem ?? { kind: 'missing' as const, message: 'no bytes' };
    await recordIntegrityFailure(deps, actor, item, p);
    throw new AppError('EVIDENCE_CORRUPT', `evidence ${item.id} (${item.filename ?? item.sha256}) failed its integrity check and is not served: ${p.message}; expected SHA-256 ${item.sha256}`, {
      itemId: item.id,
      sha256: item.sha256,
      problem: p.kind,
      ...(p.actual ? { actualSha256: p.actual } : {}),
    });
  }
  // Asked of the database, not of the item as loaded: a failure may have marked it since (a concurrent read).
  if (item.integrityFailedAt || (await deps.store.evidence.isIntegrityFailing(item))) await recordIntegrityRestored(deps, actor, item);
  return content;
}

/**
 * A failed read: every attempt is in the chain of custody and the audit log;
 * a timeline entry on each incident (or loose report) holding an item of
 * those bytes, and the alert to the leads (or on-call), only for the items
 * not already known to fail — a handler retrying a download, or an export
 * stopping on it, must not mail the team each time.
 */
async function recordIntegrityFailure(deps: ServiceDeps, actor: Actor, item: EvidenceItem, problem: { kind: string; message: string; actual?: string }): Promise<void> {
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    const { affected, first } = await tx.evidence.markIntegrityFailed(item, at);
    const detail = { problem: problem.kind, message: problem.message, expectedSha256: item.sha256, ...(problem.actual ? { actualSha256: problem.actual } : {}), readItem: item.id };
    await tx.evidence.appendCustody(affected.map((id) => ({ itemId: id, at, actor: actor.id, action: 'integrity-failed' as const, detail })));
    await audit(tx, actor, 'evidence.integrity-failed', { type: 'evidence', id: item.id }, { ...detail, affectedItems: affected, alreadyFailing: first.length === 0 });
    if (first.length === 0) return;
    // The incident read from first: the alert is filed under it.
    first.sort((a, b) => Number(b.id === item.id) - Number(a.id === item.id));
    const owners = await appendPerOwner(tx, actor, first, 'evidence.integrity-failed', detail, 'The evidence no longer matches its SHA-256 and is not served. Check the evidence store (the database and the evidence files, their backups) and the chain of custody.');
    // The alert: the leads (and the on-call address) hear of it at once, not only the log.
    const names = await Promise.all(owners.map(async (o) => (o.incidentId ? ((await tx.incidents.findById({ kind: 'all' }, o.incidentId))?.number ?? o.incidentId) : `report ${o.reportId ?? '?'}`)));
    const where = names.join(', ');
    await alertTeam(deps, tx, {
      who: deps.settings.team.oncallEmail ? 'on-call' : 'leads',
      incidentId: owners[0]?.incidentId ?? null,
      subject: `[${names[0] ?? '?'}${names.length > 1 ? ` +${names.length - 1}` : ''}] 証拠の完全性検査に失敗 / evidence failed its integrity check: ${item.filename ?? item.sha256.slice(0, 16)}`,
      lines: {
        ja: [`${where} の証拠「${item.filename ?? item.id}」が SHA-256 と一致しません（${problem.kind}）。ファイルは提供されていません。`, '証拠ストア（データベースと証拠ファイル、それぞれのバックアップ）と保管記録を確認してください。', `期待値 SHA-256: ${item.sha256}`, ...(problem.actual ? [`実際の SHA-256: ${problem.actual}`] : []), 'この証拠の失敗が続いても、次の通知は一致が回復してからの再発時になります。'],
        en: [`Evidence "${item.filename ?? item.id}" of ${where} no longer matches its SHA-256 (${problem.kind}). It is not served.`, 'Check the evidence store (the database and the evidence files, their backups) and the chain of custody.', `expected SHA-256: ${item.sha256}`, ...(problem.actual ? [`actual SHA-256: ${problem.actual}`] : []), 'Further failed reads of this evidence are logged, not mailed, until its bytes match again.'],
      },
    });
  });
}

/** A read that matches again after failing (the bytes restored from a backup): the marks are cleared, and that is on the record too, on every incident that was told. */
async function recordIntegrityRestored(deps: ServiceDeps, actor: Actor, item: EvidenceItem): Promise<void> {
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    const cleared = await tx.evidence.clearIntegrityFailed(item);
    if (cleared.length === 0) return;
    const detail = { sha256Verified: item.sha256, readItem: item.id };
    await tx.evidence.appendCustody(cleared.map((c) => ({ itemId: c.id, at, actor: actor.id, action: 'integrity-restored' as const, detail })));
    await audit(tx, actor, 'evidence.integrity-restored', { type: 'evidence', id: item.id }, { ...detail, affectedItems: cleared.map((c) => c.id) });
    await appendPerOwner(tx, actor, cleared, 'evidence.integrity-restored', detail, 'The evidence matches its SHA-256 again and is served again.');
  });
}

/** One timeline entry for each incident (or loose report) holding some of these items; the owners, in order. */
async function appendPerOwner(
  tx: Store,
  actor: Actor,
  items: EvidenceItem[],
  action: 'evidence.integrity-failed' | 'evidence.integrity-restored',
  detail: Record<string, unknown>,
  note: string,
): Promise<{ incidentId: string | null; reportId: string | null }[]> {
  const byOwner = new Map<string, { owner: { incidentId: string | null; reportId: string | null }; items: EvidenceItem[] }>();
  for (const i of items) {
    const owner = await ownerOf(tx, i);
    const key = `${owner.incidentId ?? ''}/${owner.reportId ?? ''}`;
    const entry = byOwner.get(key) ?? { owner, items: [] };
    entry.items.push(i);
    byOwner.set(key, entry);
  }
  const groups = [...byOwner.values()];
  await tx.timeline.append(
    groups.map(({ owner, items: held }) => ({
      incidentId: owner.incidentId,
      reportId: owner.reportId,
      actor: actor.id,
      action,
      changes: { item: held[0]!.id, filename: held[0]!.filename, kind: held[0]!.kind, ...detail, affectedItems: held.length },
      note,
    })),
  );
  return groups.map((g) => g.owner);
}

/** Dangerous by its record or by a fresh look at its bytes (records a new finding); the reasons. */
export async function dangerOf(deps: ServiceDeps, item: EvidenceItem, content: Buffer): Promise<string | null> {
  const now = assessFile(content, item.filename, item.mimeType);
  const reason = item.dangerous && item.dangerousReason ? item.dangerousReason : now;
  if (item.dangerous === null || (item.dangerous === false && now !== null)) await deps.store.evidence.setAssessment(item.id, reason);
  return reason;
}

const asciiHeader = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 900);

async function deliver(deps: ServiceDeps, actor: Actor, item: EvidenceItem, options: DownloadOptions, context: Record<string, unknown>): Promise<EvidenceDelivery> {
  const content = await readVerified(deps, actor, item);
  const danger = await dangerOf(deps, item, content);
  const name = entryName(item.filename, `${item.sha256.slice(0, 16)}.bin`);
  const packed = danger !== null || options.as === 'zip' ? 'encrypted-zip' : 'original';
  const delivery: EvidenceDelivery = {
    item: { ...item, dangerous: danger !== null, dangerousReason: danger },
    sha256: item.sha256,
    packed,
    filename: packed === 'original' ? name : `${name}.zip`,
    contentType: packed === 'original' ? 'application/octet-stream' : 'application/zip',
    content:
      packed === 'original'
        ? content
        : await infectedZip({ name, content, sha256: item.sha256, modifiedAt: new Date(item.collectedAt), reasons: danger ? danger.split('; ') : [] }, INFECTED_PASSWORD),
    warning: danger
      ? asciiHeader(`dangerous file (${danger}); delivered only inside a ZIP encrypted with the password "${INFECTED_PASSWORD}": open it in an isolated analysis environment, never run it`)
      : null,
  };
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    const detail = { ...context, packed, dangerous: danger !== null, sha256: item.sha256 };
    await tx.evidence.appendCustody([{ itemId: item.id, at, actor: actor.id, action: 'downloaded', detail }]);
    await audit(tx, actor, 'evidence.downloaded', { type: 'evidence', id: item.id }, { ...detail, filename: item.filename });
  });
  return delivery;
}

/** An incident's item as a download: re-hashed, recorded, dangerous ones only as the encrypted ZIP. */
export async function downloadEvidence(deps: ServiceDeps, actor: Actor, incidentRef: string, itemId: string, options: DownloadOptions = {}): Promise<EvidenceDelivery> {
  assertCan(actor, 'evidence.read');
  const incident = await loadIncident(deps.store, actor, incidentRef);
  const item = await itemOf(deps.store, incident, itemId);
  return deliver(deps, actor, item, options, { incident: incident.number });
}

/** A report's attachment (GET /api/reports/:id/attachments/:attachmentId), under the report's visibility. */
export async function downloadReportAttachment(deps: ServiceDeps, actor: Actor, reportId: string, attachmentId: string, options: DownloadOptions = {}): Promise<EvidenceDelivery> {
  const report = await deps.store.reports.findById(accessScope(actor), reportId);
  if (!report) throw notFound('attachment', attachmentId);
  let item = await deps.store.evidence.find(attachmentId);
  if (item && (item.reportId !== reportId || item.kind !== 'report-attachment')) throw notFound('attachment', attachmentId);
  if (!item) {
    // An attachment stored without an item (written straight to the repository): its item is made now.
    const a = await deps.store.evidence.attachment(attachmentId);
    if (!a || a.reportId !== reportId) throw notFound('attachment', attachmentId);
    item = await deps.store.transaction(async (tx) => {
      await recordReportEvidence(tx, report, [a], undefined);
      return (await tx.evidence.find(attachmentId))!;
    });
  }
  return deliver(deps, actor, item, options, { reportId });
}

/** A report's raw original as an item, under the report's visibility (made at its first read when the report has none). */
async function rawOriginalOf(deps: ServiceDeps, actor: Actor, reportId: string): Promise<{ report: Report; item: EvidenceItem }> {
  const report = await deps.store.reports.findById(accessScope(actor), reportId);
  if (!report) throw notFound('raw original of report', reportId);
  return { report, item: await rawOriginalItem(deps, report) };
}

/** The raw original's evidence item of a report the caller may see. */
async function rawOriginalItem(deps: ServiceDeps, report: Report): Promise<EvidenceItem> {
  const reportId = report.id;
  if (!report.rawSha256) throw notFound('raw original of report', reportId);
  let item = (await deps.store.evidence.forReport(reportId)).find((i) => i.kind === 'raw-original');
  if (!item) {
    const raw = await deps.store.evidence.raw(reportId);
    if (!raw) throw notFound('raw original of report', reportId);
    item = await deps.store.transaction(async (tx) => {
      await recordReportEvidence(tx, report, [], raw);
      return (await tx.evidence.forReport(reportId)).find((i) => i.kind === 'raw-original')!;
    });
  }
  return item;
}

/** A report's raw original (GET /api/reports/:id/raw), under the report's visibility. */
export async function downloadReportRaw(deps: ServiceDeps, actor: Actor, reportId: string, options: DownloadOptions = {}): Promise<EvidenceDelivery & { report: Report }> {
  const { report, item } = await rawOriginalOf(deps, actor, reportId);
  return { ...(await deliver(deps, actor, item, options, { reportId })), report };
}

/**
 * The raw original of a report the caller was allowed to load, read to show something of it inside Renkei
 * (`shownAs`, e.g. its HTML version), never handed out: hash-checked as a download is, recorded as `viewed` in its
 * chain of custody.
 */
export async function viewReportRaw(deps: ServiceDeps, actor: Actor, report: Report, shownAs: string): Promise<Buffer> {
  const reportId = report.id;
  const item = await rawOriginalItem(deps, report);
  const content = await readVerified(deps, actor, item);
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.evidence.appendCustody([{ itemId: item.id, at, actor: actor.id, action: 'viewed', detail: { reportId, shownAs } }]);
    await audit(tx, actor, 'evidence.viewed', { type: 'evidence', id: item.id }, { reportId, shownAs, sha256: item.sha256 });
  });
  return content;
}
