import { createHash } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { newId } from '../domain/ids.js';
import { extractObservables, type ExtractedObservable } from '../domain/observables/index.js';
import { ReportCreateSchema, countryOfCcTld, type Report, type ReportCreate, type ReportCreateInput } from '../domain/report.js';
import { documentTerms } from '../domain/search-terms.js';
import type { Store } from '../store/store.js';
import type { Observable } from '../store/repositories/observable.repository.js';
import type { ReportAttachment } from '../store/repositories/report.repository.js';
import { accessScope, assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { audit } from './audit.service.js';
import { recordReportsEvidence } from './evidence-collection.service.js';
import { parseInput } from './validate.js';
import { isDatabaseDown } from '../store/db-errors.js';

export interface RecordedReport {
  report: Report;
  /** False when the same `(channel, sourceRef)` was already stored: nothing changed. */
  isNew: boolean;
  observableCount: number;
  candidateIncidentIds: string[];
}

/**
 * Work done before the transaction, needing no database: validation,
 * hashing, extraction, tokenising. Plain data (the mail threads make it and
 * hand it over; see inbound-mail.ts).
 */
export interface PreparedReport {
  input: ReportCreate;
  raw: Buffer | undefined;
  rawSha256: string | null;
  sourceRef: string;
  /**
   * What tells apart two reports of one `sourceRef` (mail: the body and any
   * resent fields, so another mail under the same Message-ID — a second
   * reporter redirecting the same phishing mail, a sender reusing ids — is a
   * report of its own, while the same mail delivered twice is one); null: the
   * sourceRef alone.
   */
  sourceVariant: string | null;
  observables: ExtractedObservable[];
  terms: string[];
}

/** `rawBytes`: a channel's original as bytes (no base64 round trip); the API sends `raw` as base64 instead. */
export function prepareReport(input: ReportCreateInput, rawBytes?: Buffer, sourceVariant: string | null = null): PreparedReport {
  const data = parseInput(ReportCreateSchema, input);
  const raw = rawBytes ?? (data.raw === undefined ? undefined : Buffer.from(data.raw, 'base64'));
  const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  const rawSha256 = raw ? sha256(raw) : null;
  // Without the channel's own identity, the same raw bytes, or the same text from the same sender, is one report;
  // the same text from two different senders stays two reports.
  const sourceRef = data.sourceRef ?? `sha256:${rawSha256 ?? sha256(`${data.sender ?? ''}\n${data.subject ?? ''}\n${data.body}`)}`;
  const texts = [data.subject ?? '', data.body, ...(data.attachmentsText ?? [])];
  return {
    input: data,
    raw,
    rawSha256,
    sourceRef,
    sourceVariant,
    observables: extractObservables(texts.join('\n')),
    terms: documentTerms([data.sender ?? '', data.senderName ?? '', ...texts].join('\n')),
  };
}

/**
 * Where each reporter is (for the statistics' domestic / foreign split): what the channel says (a form's
 * country field), else the country of the directory organisation the sender belongs to, else the sender
 * domain's ccTLD (.jp → JP). Generic TLDs and unknown senders stay null: unknown, never guessed. The
 * directory is asked once for the whole group.
 */
async function reporterCountriesOf(tx: Store, inputs: ReportCreate[]): Promise<(string | null)[]> {
  // The sender to look up, for inputs whose channel did not say: an address, trimmed.
  const senders = inputs.map((input) => {
    const sender = input.sender?.trim();
    return !input.reporterCountry && sender?.includes('@') ? sender : null;
  });
  const toAsk = senders.filter((s): s is string => s !== null);
  const directory = toAsk.length ? await tx.reports.directoryCountriesOf(toAsk) : new Map<string, string>();
  return inputs.map((input, i) => input.reporterCountry ?? (senders[i] ? (directory.get(senders[i]) ?? countryOfCcTld(senders[i])) : null));
}

/** The variant a stored report was recorded under (see PreparedReport.sourceVariant). */
const variantOf = (report: Report): string | null => (typeof report.meta.sourceVariant === 'string' ? report.meta.sourceVariant : null);

/**
 * Store reports in the caller's transaction: each once per `(channel,
 * sourceRef)`, raw original and attachments as evidence, observables linked
 * and correlated, indexed for search. A group commit stores its whole group
 * here, so most steps are one statement for the group, not one per report.
 * Results in input order.
 */
async function storeAll(deps: ServiceDeps, tx: Store, actor: Actor, list: { p: PreparedReport; attachments?: ReportAttachment[]; by?: string | undefined }[]): Promise<RecordedReport[]> {
  const now = deps.clock().toISOString();
  const countries = await reporterCountriesOf(
    tx,
    list.map(({ p }) => p.input),
  );
  const entries = list.map(({ p }, i) => {
    const { input, raw } = p;
    return {
      report: {
        id: newId(),
        channel: input.channel,
        sourceRef: p.sourceRef,
        sender: input.sender ?? null,
        senderName: input.senderName ?? null,
        subject: input.subject ?? null,
        body: input.body,
        language: input.language ?? null,
        receivedAt: input.receivedAt ?? now,
        createdAt: now,
        createdBy: list[i]!.by ?? actor.id,
        tlp: input.tlp,
        rawSha256: p.rawSha256,
        rawSize: raw ? raw.length : null,
        meta: p.sourceVariant ? { ...input.meta, sourceVariant: p.sourceVariant } : (input.meta ?? {}),
        reporterCountry: countries[i]!,
      },
      raw,
    };
  });
  const stored = await tx.reports.insertManyIfAbsent(entries);
  // The same source with other content: a report of its own, under its source and variant (the first keeps the source
  // alone, which replies find it by). A third copy of either is found under its own. A report stored without a
  // variant (before variants, or from a channel without them) is the same as any copy, as it always was.
  const clashing = stored.flatMap(({ report, isNew }, i) => {
    const was = variantOf(report);
    return !isNew && was !== null && was !== list[i]!.p.sourceVariant ? [i] : [];
  });
  if (clashing.length) {
    const again = await tx.reports.insertManyIfAbsent(
      clashing.map((i) => ({ ...entries[i]!, report: { ...entries[i]!.report, sourceRef: `${entries[i]!.report.sourceRef} #${list[i]!.p.sourceVariant ?? '-'}` } })),
    );
    clashing.forEach((i, k) => (stored[i] = again[k]!));
  }
  const fresh = stored.flatMap(({ report, isNew }, i) => (isNew ? [{ report, p: list[i]!.p, attachments: list[i]!.attachments ?? [], by: list[i]!.by ?? actor.id }] : []));
  if (fresh.length === 0) return stored.map(({ report, isNew }) => ({ report, isNew, observableCount: 0, candidateIncidentIds: [] }));

  await tx.reports.addAttachmentsOf(
    fresh.filter((f) => f.attachments.length).map((f) => ({ reportId: f.report.id, attachments: f.attachments })),
    now,
  );
  // Each file (and the raw original) becomes an evidence item with its `collected` custody event.
  await recordReportsEvidence(
    tx,
    fresh.map((f) => ({ report: f.report, attachments: f.attachments, raw: f.p.raw })),
  );
  const observables = await tx.observables.upsertMany(
    fresh.flatMap((f) => f.p.observables),
    now,
  );
  const perReport: Observable[][] = [];
  let at = 0;
  for (const f of fresh) perReport.push(observables.slice(at, (at += f.p.observables.length)));
  await tx.observables.linkReports(fresh.flatMap((f, i) => perReport[i]!.map((o) => ({ reportId: f.report.id, observableId: o.id }))));
  const outcome = new Map<string, RecordedReport>();
  const candidateCount = new Map<string, number>();
  const shareable = (observables: Observable[]) => observables.filter((o) => !o.isPrivate).map((o) => o.id);
  // One probe for the group: usually no incident holds any of its observables, and no report needs the candidate query.
  const anyHeld = await tx.observables.anyHeldByIncidents([...new Set(perReport.flatMap(shareable))]);
  for (const [i, f] of fresh.entries()) {
    const mine = perReport[i]!;
    const candidates = anyHeld ? await tx.observables.candidateIncidents(shareable(mine)) : [];
    if (candidates.length) await tx.observables.saveCandidates(f.report.id, candidates, now);
    // The submitter learns only of candidates it may see (a partner submitting sees none of the team's).
    const visible = candidates.length ? await tx.incidents.findManyById(accessScope(actor), candidates.map((c) => c.incidentId)) : [];
    const shown = new Set(visible.map((v) => v.id));
    outcome.set(f.report.id, { report: f.report, isNew: true, observableCount: mine.length, candidateIncidentIds: candidates.map((c) => c.incidentId).filter((id) => shown.has(id)) });
    candidateCount.set(f.report.id, candidates.length);
  }
  await tx.timeline.append(
    fresh.map((f) => ({
      incidentId: null,
      reportId: f.report.id,
      actor: f.by,
      action: 'report.received',
      changes: { channel: f.report.channel, sourceRef: f.report.sourceRef, observables: outcome.get(f.report.id)!.observableCount, candidates: candidateCount.get(f.report.id) ?? 0 },
      note: null,
    })),
  );
  await tx.search.indexNew(
    'report',
    fresh.map((f) => ({ refId: f.report.id, terms: f.p.terms })),
  );
  return stored.map(({ report, isNew }) => (isNew ? outcome.get(report.id)! : { report, isNew, observableCount: 0, candidateIncidentIds: [] }));
}

const storeOne = async (deps: ServiceDeps, tx: Store, actor: Actor, p: PreparedReport, attachments?: ReportAttachment[], by?: string): Promise<RecordedReport> =>
  (await storeAll(deps, tx, actor, [{ p, ...(attachments ? { attachments } : {}), by }]))[0]!;

/**
 * Record one inbound report from any channel: stored once per
 * `(channel, sourceRef)`, raw bytes kept unchanged, observables extracted and
 * correlated, open incidents that share them marked as candidates, indexed
 * for search — all in one transaction, committed before this returns.
 */
export async function recordReport(deps: ServiceDeps, actor: Actor, input: ReportCreateInput): Promise<RecordedReport> {
  assertCan(actor, 'report.submit');
  const prepared = prepareReport(input);
  return deps.store.transaction(async (tx) => {
    const result = await storeOne(deps, tx, actor, prepared);
    if (result.isNew) await audit(tx, actor, 'report.recorded', { type: 'report', id: result.report.id }, { channel: result.report.channel });
    return result;
  });
}

/**
 * For channels (mail, forms, feeds): record a report with attachments whose
 * bytes are already durably in the evidence store. Same transaction, same
 * dedupe, same correlation as `recordReport`.
 */
export async function recordChannelReport(
  deps: ServiceDeps,
  actor: Actor,
  input: ChannelItem['input'],
  attachments: ReportAttachment[],
  raw?: Buffer,
  followUp?: FollowUpJob,
): Promise<RecordedReport> {
  assertCan(actor, 'report.submit');
  const prepared = preparedOf(input, raw);
  const result = await deps.store.transaction(async (tx) => withFollowUp(deps, tx, await storeOne(deps, tx, actor, prepared, attachments), followUp));
  if (result.isNew && followUp) deps.wakeJobs();
  return result;
}

/** A job to run about a report once it is stored (e.g. the acknowledgement to its sender): enqueued in the same transaction, only for a new report. */
export interface FollowUpJob {
  kind: string;
  /** Run this long after the report is stored. */
  delayMs: number;
}

/** Enqueue each new report's follow-up job, one statement for the group; returns the results unchanged. */
async function withFollowUps(deps: ServiceDeps, tx: Store, recorded: { result: RecordedReport; followUp: FollowUpJob | undefined }[]): Promise<RecordedReport[]> {
  const now = deps.clock();
  const jobs = recorded.flatMap(({ result, followUp }) =>
    result.isNew && followUp
      ? [{ kind: followUp.kind, payload: { reportId: result.report.id }, runAt: new Date(now.getTime() + followUp.delayMs).toISOString(), dedupeKey: `${followUp.kind}:${result.report.id}` }]
      : [],
  );
  if (jobs.length) await tx.jobs.enqueueMany(jobs, now.toISOString());
  return recorded.map((r) => r.result);
}

const withFollowUp = async (deps: ServiceDeps, tx: Store, result: RecordedReport, followUp: FollowUpJob | undefined): Promise<RecordedReport> =>
  (await withFollowUps(deps, tx, [{ result, followUp }]))[0]!;

export interface ChannelItem {
  /** The report's input, or the report already prepared from it (by a mail thread; its raw is `raw`). */
  input: ReportCreateInput | { prepared: Omit<PreparedReport, 'raw'> };
  /** The original as received (kept byte for byte). */
  raw?: Buffer;
  attachments: ReportAttachment[];
  followUp?: FollowUpJob;
  /** The mail spool's row of this item: removed in the transaction that records it (see mail-spool.service.ts). */
  spoolId?: string;
  /** Who records it, when not the committer's actor: the spool records mail from the IMAP poller as system:imap. */
  createdBy?: string;
}

/** Enqueue the follow-ups and remove the spool rows of items just recorded, in their transaction. */
async function settleChannelItems(deps: ServiceDeps, tx: Store, recorded: { result: RecordedReport; item: Pick<ChannelItem, 'followUp' | 'spoolId'> }[]): Promise<RecordedReport[]> {
  const spooled = recorded.flatMap(({ item }) => (item.spoolId ? [item.spoolId] : []));
  if (spooled.length) await tx.mailSpool.remove(spooled);
  return withFollowUps(
    deps,
    tx,
    recorded.map(({ result, item }) => ({ result, followUp: item.followUp })),
  );
}

/**
 * Group commit for channels: many reports in one transaction, so one disk
 * sync serves them all. All or nothing: when the transaction fails, each
 * item is retried in a transaction of its own, so one bad item does not
 * fail the others. Per-item results, in order.
 */
export async function recordChannelReports(deps: ServiceDeps, actor: Actor, items: ChannelItem[]): Promise<BatchItemResult[]> {
  const { results, durable } = await recordChannelReportsCommitted(deps, actor, items);
  await durable;
  return results;
}

/**
 * The same, returning once the group is committed; `durable` settles when it
 * is on disk (see Store.transactionCommitted). The group committer starts the
 * next group meanwhile, and answers this one's senders only after `durable`.
 */
export async function recordChannelReportsCommitted(
  deps: ServiceDeps,
  actor: Actor,
  items: ChannelItem[],
): Promise<{ results: BatchItemResult[]; durable: Promise<void> }> {
  assertCan(actor, 'report.submit');
  const results: BatchItemResult[] = new Array<BatchItemResult>(items.length);
  const prepared: { index: number; p: PreparedReport; attachments: ReportAttachment[]; item: ChannelItem; by: string | undefined }[] = [];
  items.forEach((item, index) => {
    try {
      prepared.push({ index, p: preparedOf(item.input, item.raw), attachments: item.attachments, item, by: item.createdBy });
    } catch (error) {
      results[index] = { ok: false, index, error };
    }
  });
  let durable = Promise.resolve();
  try {
    ({ durable } = await deps.store.transactionCommitted(async (tx) => {
      const recorded = await storeAll(deps, tx, actor, prepared);
      const followed = await settleChannelItems(
        deps,
        tx,
        prepared.map(({ item }, k) => ({ result: recorded[k]!, item })),
      );
      for (const [k, { index }] of prepared.entries()) results[index] = { ok: true, ...followed[k]! };
      const stored = newReportIds(results);
      // One event for the group, naming each report it recorded (the trail of every report, at a group's cost).
      if (stored.length) await audit(tx, actor, 'report.recorded-batch', null, { received: items.length, stored: stored.length, reports: stored });
    }));
  } catch (groupError) {
    // The database is away: every item would fail the same way, each after its own wait for a connection.
    if (isDatabaseDown(groupError)) {
      for (const { index } of prepared) results[index] = { ok: false, index, error: groupError };
      return { results, durable };
    }
    for (const { index, p, attachments, item, by } of prepared) {
      try {
        results[index] = { ok: true, ...(await deps.store.transaction(async (tx) => (await settleChannelItems(deps, tx, [{ result: await storeOne(deps, tx, actor, p, attachments, by), item }]))[0]!)) };
      } catch (error) {
        results[index] = { ok: false, index, error };
      }
    }
  }
  // Jobs enqueued with the reports run once the reports are on disk.
  if (items.some((i) => i.followUp)) durable.then(() => deps.wakeJobs()).catch(() => undefined);
  return { results, durable };
}

/** The ids of the reports a batch recorded anew (not those it found already stored), in order. */
const newReportIds = (results: BatchItemResult[]): string[] => results.flatMap((r) => (r.ok && r.isNew ? [r.report.id] : []));

const preparedOf = (input: ChannelItem['input'], raw: Buffer | undefined): PreparedReport =>
  typeof input === 'object' && input !== null && 'prepared' in input ? { ...input.prepared, raw } : prepareReport(input, raw);

export type BatchItemResult = ({ ok: true } & RecordedReport) | { ok: false; index: number; error: unknown };

/**
 * Record many reports in one transaction (feeds, imports, benchmarks). A bad
 * item is reported with its index and the rest go on; the good ones are
 * committed together.
 */
export async function recordReports(deps: ServiceDeps, actor: Actor, inputs: ReportCreateInput[]): Promise<BatchItemResult[]> {
  assertCan(actor, 'report.submit');
  const results: BatchItemResult[] = new Array<BatchItemResult>(inputs.length);
  const prepared: { index: number; p: PreparedReport }[] = [];
  inputs.forEach((input, index) => {
    try {
      prepared.push({ index, p: prepareReport(input) });
    } catch (error) {
      results[index] = { ok: false, index, error };
    }
  });
  await deps.store.transaction(async (tx) => {
    const recorded = await storeAll(deps, tx, actor, prepared);
    for (const [k, { index }] of prepared.entries()) results[index] = { ok: true, ...recorded[k]! };
    const stored = newReportIds(results);
    await audit(tx, actor, 'report.recorded-batch', null, { received: inputs.length, stored: stored.length, refused: inputs.length - prepared.length, reports: stored });
  });
  return results;
}
