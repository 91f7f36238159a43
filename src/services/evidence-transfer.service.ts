import { createHash } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { EVIDENCE_EXPORT_MAX_BYTES, EvidenceExportSchema, EvidenceHandOverSchema, type CustodyEvent, type EvidenceItem, type EvidenceKind } from '../domain/evidence.js';
import { newId } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import { assessFile } from '../formats/file-assessment.js';
import { entryName, plainZip, type ZipEntryInput } from '../formats/infected-zip.js';
import type { Store } from '../store/store.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { itemRow } from './evidence-collection.service.js';
import { dangerOf, incidentIds, itemOf, readVerified, type EvidenceItemView } from './evidence.service.js';
import { loadIncident } from './incident.service.js';
import { parseInput } from './validate.js';

/**
 * Evidence leaving Renkei (see evidence.service.ts for the whole story): a
 * hand-over to someone (law enforcement, another CSIRT), a file sent as a
 * coordination mail's attachment, and the export of an incident's evidence
 * as one ZIP with its manifest. Each is checked against its hash at that
 * moment and recorded in the chain of custody.
 */

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
