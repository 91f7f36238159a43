import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { EVIDENCE_UPLOAD_MAX_BYTES, EvidenceUploadSchema, reportOrigin, type EvidenceItem } from '../domain/evidence.js';
import { newId } from '../domain/ids.js';
import type { Report } from '../domain/report.js';
import { assessFile } from '../formats/file-assessment.js';
import { safeFilename } from '../formats/mail.js';
import type { AssessedAttachment, EvidenceItemRow } from '../store/repositories/evidence.repository.js';
import type { Store } from '../store/store.js';
import type { StoredFile } from '../store/evidence-files.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { assertNotMerged, loadIncident } from './incident.service.js';
import { parseInput } from './validate.js';

/**
 * Evidence as it enters Renkei (see evidence.service.ts for the whole story):
 * an item per file with its SHA-256, who collected it, when and from where,
 * and its `collected` custody event — a report's attachments and raw
 * original (in the intake transaction), pages kept by a liveness check, and
 * a handler's upload.
 */

/** An item's row as it is first stored (also the evidence services' own: exports, uploads). */
export function itemRow(
  p: Pick<EvidenceItem, 'sha256' | 'filename' | 'mimeType' | 'size' | 'kind' | 'collectedBy' | 'collectedAt' | 'collectedFrom'> & {
    id?: string;
    incidentId?: string | null;
    reportId?: string | null;
    /** null: assessed, harmless; undefined: not assessed yet. */
    dangerousReason: string | null | undefined;
    note?: string | null;
  },
): EvidenceItemRow {
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
