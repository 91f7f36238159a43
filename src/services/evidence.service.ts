import { createHash } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { AppError, notFound } from '../domain/errors.js';
import {
  EVIDENCE_EXPORT_MAX_BYTES,
  EVIDENCE_UPLOAD_MAX_BYTES,
  EvidenceExportSchema,
  EvidenceHandOverSchema,
  EvidenceUploadSchema,
  INFECTED_PASSWORD,
  reportOrigin,
  type CustodyEvent,
  type EvidenceItem,
  type EvidenceKind,
} from '../domain/evidence.js';
import { newId } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import type { Report } from '../domain/report.js';
import { assessFile } from '../formats/file-assessment.js';
import { entryName, infectedZip, plainZip, type ZipEntryInput } from '../formats/infected-zip.js';
import { safeFilename } from '../formats/mail.js';
import type { AssessedAttachment, EvidenceItemRow } from '../store/repositories/evidence.repository.js';
import type { Store } from '../store/store.js';
import type { StoredFile } from '../store/evidence-files.js';
import { accessScope, assertCan } from './access.policy.js';
import { alertTeam } from './team-alert.service.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { assertNotMerged, loadIncident } from './incident.service.js';
import { parseInput } from './validate.js';

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
// Collection: items are made where evidence enters, in the caller's transaction.

function itemRow(p: {
  id?: string;
  incidentId?: string | null;
  reportId?: string | null;
  sha256: string;
  filename: string | null;
  mimeType: string;
  size: number;
  kind: EvidenceKind;
  collectedBy: string;
  collectedAt: string;
  collectedFrom: string;
  dangerousReason: string | null | undefined;
  note?: string | null;
}): EvidenceItemRow {
  return {
    id: p.id ?? newId(),
    incident_id: p.incidentId ?? null,
    report_id: p.reportId ?? null,
    sha256: p.sha256,
    filename: p.filename,
    mime_type: p.mimeType.slice(0, 255),
    size: p.size,
    kind: p.kind,
    collected_by: p.collectedBy,
    collected_at: p.collectedAt,
    collected_from: p.collectedFrom.slice(0, 2000),
    is_dangerous: p.dangerousReason === undefined ? null : p.dangerousReason === null ? 0 : 1,
    dangerous_reason: p.dangerousReason ?? null,
    note: p.note ?? null,
    integrity_failed_at: null,
    removed_at: null,
    removed_by: null,
    removed_reason: null,
  };
}

const rawName = (report: Pick<Report, 'id' | 'channel'>) => `report-${report.id}.${report.channel === 'email' ? 'eml' : 'bin'}`;
const rawMime = (report: Pick<Report, 'channel'>) => (report.channel === 'email' ? 'message/rfc822' : 'application/octet-stream');

/**
 * A new report's evidence: an item per attachment (keeping the attachment's
 * id) and one for the raw original, each with its `collected` event. Called
 * by the record use case inside its transaction, for every channel.
 */
export async function recordReportEvidence(tx: Store, report: Report, attachments: readonly AssessedAttachment[], raw: Buffer | undefined): Promise<void> {
  await recordReportsEvidence(tx, [{ report, attachments, raw }]);
}

/** The same for many reports at once (a group commit): two statements in all. */
export async function recordReportsEvidence(tx: Store, list: { report: Report; attachments: readonly AssessedAttachment[]; raw: Buffer | undefined }[]): Promise<void> {
  const rows = list.flatMap(({ report, attachments, raw }) => reportEvidenceRows(report, attachments, raw).map((row) => ({ row, report })));
  if (rows.length === 0) return;
  await tx.evidence.insertItems(rows.map((r) => r.row));
  await tx.evidence.appendCustody(
    rows.map(({ row, report }) => ({ itemId: row.id, at: report.createdAt, actor: report.createdBy, action: 'collected', detail: { reportId: report.id, channel: report.channel, sourceRef: report.sourceRef } })),
  );
}

function reportEvidenceRows(report: Report, attachments: readonly AssessedAttachment[], raw: Buffer | undefined) {
  const from = reportOrigin(report);
  const rows = attachments.map((a) =>
    itemRow({
      id: a.id,
      reportId: report.id,
      sha256: a.sha256,
      filename: a.filename,
      mimeType: a.mimeType,
      size: a.size,
      kind: 'report-attachment',
      collectedBy: report.createdBy,
      collectedAt: report.createdAt,
      collectedFrom: from,
      dangerousReason: a.dangerousReason,
    }),
  );
  if (raw && report.rawSha256) {
    const carried = attachments.filter((a) => a.dangerousReason);
    const own = assessFile(raw, rawName(report), rawMime(report));
    const reasons = [
      ...(own ? [own] : []),
      ...(carried.length ? [`the message carries dangerous attachments: ${carried.map((a) => `"${a.filename ?? a.sha256.slice(0, 12)}"`).join(', ')}`] : []),
    ];
    rows.push(
      itemRow({
        reportId: report.id,
        sha256: report.rawSha256,
        filename: rawName(report),
        mimeType: rawMime(report),
        size: raw.length,
        kind: 'raw-original',
        collectedBy: report.createdBy,
        collectedAt: report.createdAt,
        collectedFrom: from,
        // Attachments a channel did not look at leave the original unassessed too (assessed at its first read).
        dangerousReason: reasons.length ? reasons.join('; ') : attachments.some((a) => a.dangerousReason === undefined) ? undefined : null,
      }),
    );
  }
  return rows;
}

/** Pages kept by a liveness check: one item per distinct page per incident (later checks that see the same page add nothing). */
export async function recordLivenessCaptures(
  tx: Store,
  incidentId: string,
  captures: { stored: StoredFile; url: string; finalUrl: string; profile: string; body: Buffer }[],
  at: string,
): Promise<void> {
  for (const c of captures) {
    if (await tx.evidence.findCapture(incidentId, c.stored.sha256)) continue;
    const isHtml = /^\s*</.test(c.body.subarray(0, 512).toString('latin1'));
    const host = (() => {
      try {
        return new URL(c.finalUrl).hostname;
      } catch {
        return 'page';
      }
    })();
    const filename = `${host}-${c.profile}-${at.replace(/[:.]/g, '-')}.${isHtml ? 'html' : 'bin'}`;
    await tx.evidence.ensureFile(c.stored, at);
    const row = itemRow({
      incidentId,
      sha256: c.stored.sha256,
      filename,
      mimeType: isHtml ? 'text/html' : 'application/octet-stream',
      size: c.stored.size,
      kind: 'liveness-capture',
      collectedBy: 'system:liveness',
      collectedAt: at,
      collectedFrom: `liveness check of ${c.url} as ${c.profile}${c.finalUrl !== c.url ? ` (answered at ${c.finalUrl})` : ''}`,
      dangerousReason: assessFile(c.body, filename, null),
    });
    await tx.evidence.insertItems([row]);
    await tx.evidence.appendCustody([{ itemId: row.id, at, actor: 'system:liveness', action: 'collected', detail: { url: c.url, finalUrl: c.finalUrl, profile: c.profile } }]);
  }
}

// ---------------------------------------------------------------------------
// Finding items, under the incident's and report's visibility

async function incidentIds(store: Store, incident: Incident): Promise<string[]> {
  return [incident.id, ...(await store.evidence.mergedInto(incident.id))];
}

/** The item, when it is the incident's (its own, a merged-in incident's, or one of its reports'); NOT_FOUND otherwise. */
async function itemOf(store: Store, incident: Incident, itemId: string): Promise<EvidenceItem> {
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
async function readVerified(deps: ServiceDeps, actor: Actor, item: EvidenceItem): Promise<Buffer> {
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
      content = deps.evidence.get(item.sha256);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      const actual = /hashes to ([0-9a-f]{64})/.exec((err as Error).message)?.[1];
      problem = { kind: missing ? 'missing' : 'mismatch', message: missing ? 'the file is missing from the evidence store' : (err as Error).message, ...(actual ? { actual } : {}) };
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
  return content;
}

async function recordIntegrityFailure(deps: ServiceDeps, actor: Actor, item: EvidenceItem, problem: { kind: string; message: string; actual?: string }): Promise<void> {
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    const affected = await tx.evidence.markIntegrityFailed(item, at);
    const detail = { problem: problem.kind, message: problem.message, expectedSha256: item.sha256, ...(problem.actual ? { actualSha256: problem.actual } : {}), readItem: item.id };
    await tx.evidence.appendCustody(affected.map((id) => ({ itemId: id, at, actor: actor.id, action: 'integrity-failed' as const, detail })));
    await audit(tx, actor, 'evidence.integrity-failed', { type: 'evidence', id: item.id }, { ...detail, affectedItems: affected });
    const owner = await ownerOf(tx, item);
    await tx.timeline.append([
      {
        incidentId: owner.incidentId,
        reportId: owner.reportId,
        actor: actor.id,
        action: 'evidence.integrity-failed',
        changes: { item: item.id, filename: item.filename, kind: item.kind, ...detail, affectedItems: affected.length },
        note: 'The evidence no longer matches its SHA-256 and is not served. Check the evidence store (disk, backups) and the chain of custody.',
      },
    ]);
    // The alert: the leads (and the on-call address) hear of it at once, not only the log.
    const where = owner.incidentId ? ((await tx.incidents.findById({ kind: 'all' }, owner.incidentId))?.number ?? owner.incidentId) : `report ${owner.reportId ?? '?'}`;
    await alertTeam(deps, tx, {
      who: deps.settings.team.oncallEmail ? 'on-call' : 'leads',
      incidentId: owner.incidentId,
      subject: `[${where}] 証拠の完全性検査に失敗 / evidence failed its integrity check: ${item.filename ?? item.sha256.slice(0, 16)}`,
      lines: {
        ja: [`${where} の証拠「${item.filename ?? item.id}」が SHA-256 と一致しません（${problem.kind}）。ファイルは提供されていません。`, '証拠ストア（ディスク、バックアップ）と保管記録を確認してください。', `期待値 SHA-256: ${item.sha256}`, ...(problem.actual ? [`実際の SHA-256: ${problem.actual}`] : [])],
        en: [`Evidence "${item.filename ?? item.id}" of ${where} no longer matches its SHA-256 (${problem.kind}). It is not served.`, 'Check the evidence store (disk, backups) and the chain of custody.', `expected SHA-256: ${item.sha256}`, ...(problem.actual ? [`actual SHA-256: ${problem.actual}`] : [])],
      },
    });
  });
}

/** Dangerous by its record or by a fresh look at its bytes (records a new finding); the reasons. */
async function dangerOf(deps: ServiceDeps, item: EvidenceItem, content: Buffer): Promise<string | null> {
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

// ---------------------------------------------------------------------------
// Upload, hand-over, export

const MIME_BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain', log: 'text/plain', csv: 'text/csv', json: 'application/json', html: 'text/html', htm: 'text/html', eml: 'message/rfc822',
  pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', zip: 'application/zip', pcap: 'application/vnd.tcpdump.pcap',
  pcapng: 'application/vnd.tcpdump.pcap', xml: 'application/xml',
};

/** A handler adds evidence to an incident (a file from the victim, a memory dump, a sample). */
export async function uploadEvidence(deps: ServiceDeps, actor: Actor, incidentRef: string, input: unknown): Promise<EvidenceItem> {
  assertCan(actor, 'evidence.handle');
  const data = parseInput(EvidenceUploadSchema, input);
  const content = Buffer.from(data.contentBase64, 'base64');
  if (content.length > EVIDENCE_UPLOAD_MAX_BYTES)
    throw new AppError('VALIDATION', `the file is larger than ${EVIDENCE_UPLOAD_MAX_BYTES} bytes`, { issues: [{ path: ['contentBase64'], message: 'too large' }] });
  if (content.length === 0) throw new AppError('VALIDATION', 'the file is empty', { issues: [{ path: ['contentBase64'], message: 'empty' }] });
  assertNotMerged(await loadIncident(deps.store, actor, incidentRef));
  const filename = safeFilename(data.filename) ?? 'upload.bin';
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? '';
  const mimeType = data.mimeType ?? MIME_BY_EXTENSION[ext] ?? 'application/octet-stream';
  const dangerousReason = assessFile(content, filename, mimeType);
  const stored = await deps.evidence.put(content);
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentRef);
    assertNotMerged(incident);
    await tx.evidence.ensureFile(stored, at);
    const row = itemRow({
      incidentId: incident.id,
      sha256: stored.sha256,
      filename,
      mimeType,
      size: stored.size,
      kind: 'upload',
      collectedBy: actor.id,
      collectedAt: data.collectedAt ?? at,
      collectedFrom: data.collectedFrom ?? `upload by ${actor.displayName}`,
      dangerousReason,
      note: data.note ?? null,
    });
    await tx.evidence.insertItems([row]);
    await tx.evidence.appendCustody([{ itemId: row.id, at, actor: actor.id, action: 'collected', detail: { uploadedAt: at, collectedAt: row.collected_at, collectedFrom: row.collected_from } }]);
    await audit(tx, actor, 'evidence.collected', { type: 'evidence', id: row.id }, { incident: incident.number, sha256: stored.sha256, filename, size: stored.size, dangerous: dangerousReason !== null });
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: actor.id,
        action: 'evidence.added',
        changes: { item: row.id, filename, sha256: stored.sha256, size: stored.size, kind: 'upload', dangerous: dangerousReason !== null, collectedFrom: row.collected_from },
        note: data.note ?? null,
      },
    ]);
    return (await tx.evidence.find(row.id))!;
  });
}

/** Evidence given to someone (law enforcement, another CSIRT): checked against its hash at that moment, and recorded. */
export async function handOverEvidence(deps: ServiceDeps, actor: Actor, incidentRef: string, itemId: string, input: unknown): Promise<EvidenceItemView> {
  assertCan(actor, 'evidence.handle');
  const data = parseInput(EvidenceHandOverSchema, input);
  const incident = await loadIncident(deps.store, actor, incidentRef);
  const item = await itemOf(deps.store, incident, itemId);
  await readVerified(deps, actor, item);
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    const locked = await loadIncident(tx, actor, incident.id);
    const detail = { recipient: data.recipient, ...(data.method ? { method: data.method } : {}), ...(data.note ? { note: data.note } : {}), sha256Verified: item.sha256 };
    await tx.evidence.appendCustody([{ itemId: item.id, at, actor: actor.id, action: 'handed-over', detail }]);
    await audit(tx, actor, 'evidence.handed-over', { type: 'evidence', id: item.id }, { incident: locked.number, ...detail });
    await tx.timeline.append([
      {
        incidentId: locked.id,
        reportId: null,
        actor: actor.id,
        action: 'evidence.handed-over',
        changes: { item: item.id, filename: item.filename, sha256: item.sha256, recipient: data.recipient, ...(data.method ? { method: data.method } : {}) },
        note: data.note ?? null,
      },
    ]);
    return { item, custody: await tx.evidence.custody([item.id]) };
  });
}

/** Sent to an outside party as a coordination's attachment: a hand-over by mail, recorded on each item that holds the file. */
export async function recordMailedEvidence(tx: Store, actor: Actor, incident: Incident, sha256s: string[], recipient: string, detail: Record<string, unknown>, at: string): Promise<void> {
  if (sha256s.length === 0) return;
  const wanted = new Set(sha256s);
  const items = (await tx.evidence.forIncidents(await incidentIds(tx, incident))).filter((i) => wanted.has(i.sha256) && i.kind !== 'raw-original' && !i.removedAt);
  if (items.length === 0) return;
  await tx.evidence.appendCustody(items.map((i) => ({ itemId: i.id, at, actor: actor.id, action: 'handed-over' as const, detail: { recipient, method: 'e-mail attachment', ...detail } })));
  await audit(tx, actor, 'evidence.handed-over', { type: 'incident', id: incident.id }, { incident: incident.number, recipient, items: items.map((i) => i.id), ...detail });
}

interface ManifestItem {
  id: string;
  path: string | null;
  sha256: string;
  sha1: string | null;
  md5: string | null;
  size: number;
  filename: string | null;
  mimeType: string;
  kind: EvidenceKind;
  reportId: string | null;
  collectedBy: string;
  collectedAt: string;
  collectedFrom: string;
  dangerous: boolean;
  dangerousReason: string | null;
  note: string | null;
  custody: Omit<CustodyEvent, 'itemId'>[];
}

/**
 * An incident's evidence as one ZIP: the files under `files/`, `manifest.json`
 * (the incident, who exported it and when, and per item its hashes, who
 * collected it, when and from where, and its chain of custody) and
 * `SHA256SUMS` (`sha256sum -c`). The ZIP is itself kept as an `export` item;
 * each exported item gets an `exported` event. An item that fails its check
 * stops the export (it is recorded, and can be left out with `itemIds`).
 */
export async function exportEvidence(deps: ServiceDeps, actor: Actor, incidentRef: string, input: unknown = {}): Promise<EvidenceItem> {
  assertCan(actor, 'evidence.handle');
  const data = parseInput(EvidenceExportSchema, input ?? {});
  const incident = await loadIncident(deps.store, actor, incidentRef);
  const all = await deps.store.evidence.forIncidents(await incidentIds(deps.store, incident));
  let chosen: EvidenceItem[];
  if (data.itemIds) {
    const byId = new Map(all.map((i) => [i.id, i]));
    const issues = data.itemIds.flatMap((id, i) => (byId.has(id) ? [] : [{ path: ['itemIds', i], message: 'not an evidence item of this incident' }]));
    if (issues.length) throw new AppError('VALIDATION', 'every item exported must be evidence of this incident', { issues });
    chosen = [...new Set(data.itemIds)].map((id) => byId.get(id)!);
  } else chosen = all.filter((i) => i.kind !== 'export');
  const removed = chosen.filter((i) => i.removedAt);
  const included = chosen.filter((i) => !i.removedAt);
  if (included.length === 0) throw new AppError('VALIDATION', `incident ${incident.number} has no evidence to export`, { issues: [{ path: ['itemIds'], message: 'nothing to export' }] });
  const total = included.reduce((n, i) => n + i.size, 0);
  if (total > EVIDENCE_EXPORT_MAX_BYTES)
    throw new AppError('VALIDATION', `the evidence is ${total} bytes, more than one export holds (${EVIDENCE_EXPORT_MAX_BYTES}); export a selection with itemIds`, {
      issues: [{ path: ['itemIds'], message: 'too large for one export' }],
    });

  const custody = await deps.store.evidence.custody(included.map((i) => i.id));
  const entries: ZipEntryInput[] = [];
  const manifestItems: ManifestItem[] = [];
  const dangerous: string[] = [];
  for (const [n, item] of included.entries()) {
    const content = await readVerified(deps, actor, item);
    const danger = await dangerOf(deps, item, content);
    const path = `files/${String(n + 1).padStart(3, '0')}-${entryName(item.filename, `${item.sha256.slice(0, 16)}.bin`)}`;
    if (danger) dangerous.push(path);
    entries.push({ path, content, modifiedAt: new Date(item.collectedAt) });
    manifestItems.push({
      id: item.id,
      path,
      sha256: item.sha256,
      sha1: item.sha1 ?? (item.kind === 'raw-original' ? createHash('sha1').update(content).digest('hex') : null),
      md5: item.md5 ?? (item.kind === 'raw-original' ? createHash('md5').update(content).digest('hex') : null),
      size: content.length,
      filename: item.filename,
      mimeType: item.mimeType,
      kind: item.kind,
      reportId: item.reportId,
      collectedBy: item.collectedBy,
      collectedAt: item.collectedAt,
      collectedFrom: item.collectedFrom,
      dangerous: danger !== null,
      dangerousReason: danger,
      note: item.note,
      custody: custody.filter((c) => c.itemId === item.id).map(({ itemId: _i, ...c }) => c),
    });
  }
  const at = deps.clock().toISOString();
  const exportId = newId();
  const manifest = {
    format: 'renkei-evidence-export/1',
    exportId,
    incident: { id: incident.id, number: incident.number, title: incident.title, tlp: incident.tlp, status: incident.status, legalHold: incident.legalHold },
    exportedAt: at,
    exportedBy: actor.id,
    note: data.note ?? null,
    items: manifestItems,
    omitted: removed.map((i) => ({ id: i.id, sha256: i.sha256, filename: i.filename, why: `removed on ${i.removedAt}: ${i.removedReason ?? 'retention'}` })),
  };
  entries.push({ path: 'manifest.json', content: `${JSON.stringify(manifest, null, 2)}\n` });
  entries.push({ path: 'SHA256SUMS', content: manifestItems.map((m) => `${m.sha256}  ${m.path}\n`).join('') });
  const zip = await plainZip(entries);
  const filename = `${incident.number}-evidence-${at.replace(/[:.]/g, '-')}.zip`;
  const ownDanger = assessFile(zip, filename, 'application/zip');
  const reason = [...(dangerous.length ? [`holds dangerous evidence: ${dangerous.slice(0, 5).join(', ')}${dangerous.length > 5 ? ` and ${dangerous.length - 5} more` : ''}`] : []), ...(ownDanger ? [ownDanger] : [])];
  const stored = await deps.evidence.put(zip);

  return deps.store.transaction(async (tx) => {
    const locked = await loadIncident(tx, actor, incident.id);
    await tx.evidence.ensureFile(stored, at);
    const row = itemRow({
      id: exportId,
      incidentId: locked.id,
      sha256: stored.sha256,
      filename,
      mimeType: 'application/zip',
      size: stored.size,
      kind: 'export',
      collectedBy: actor.id,
      collectedAt: at,
      collectedFrom: `export of ${locked.number}'s evidence (${included.length} items${removed.length ? `, ${removed.length} removed left out` : ''})`,
      dangerousReason: reason.length ? reason.join('; ') : null,
      note: data.note ?? null,
    });
    await tx.evidence.insertItems([row]);
    await tx.evidence.appendCustody([
      { itemId: row.id, at, actor: actor.id, action: 'collected', detail: { export: true, items: included.map((i) => i.id) } },
      ...included.map((i) => ({ itemId: i.id, at, actor: actor.id, action: 'exported' as const, detail: { exportItemId: row.id, exportSha256: stored.sha256 } })),
    ]);
    await audit(tx, actor, 'evidence.exported', { type: 'evidence', id: row.id }, { incident: locked.number, sha256: stored.sha256, items: included.map((i) => i.id), omitted: removed.map((i) => i.id) });
    await tx.timeline.append([
      {
        incidentId: locked.id,
        reportId: null,
        actor: actor.id,
        action: 'evidence.exported',
        changes: { item: row.id, filename, sha256: stored.sha256, size: stored.size, items: included.length, omitted: removed.length },
        note: data.note ?? null,
      },
    ]);
    return (await tx.evidence.find(row.id))!;
  });
}
