import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as openpgp from 'openpgp';
import { systemActor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { newId, UUID_PATTERN } from '../domain/ids.js';
import { FORM_MAX_FILE_BYTES, WebFormFieldsSchema, WebFormSubmissionSchema, formReportBody, leadingZeroBits, type WebFormFields } from '../domain/web-form.js';
import { DEFAULT_MAIL_LIMITS, readAttachedFiles } from '../formats/mail.js';
import { assessAttachments } from '../formats/mail-reading.js';
import type { AssessedAttachment } from '../store/repositories/evidence.repository.js';
import { ACKNOWLEDGE_JOB, reportReference } from './acknowledge.service.js';
import type { ServiceDeps } from './deps.js';
import { recordChannelReport } from './record-report.service.js';
import { parseInput } from './validate.js';

const FORM_ACTOR = systemActor('web-form');
/** Submissions per client address: per minute and per hour. */
const PER_MINUTE = 5;
const PER_HOUR = 30;
const CHALLENGE_MINUTES = 15;

/** A key for HMACs (challenges, status links) that every process of the deployment shares and no one outside knows: derived from the team's private key. */
function secret(deps: ServiceDeps, purpose: string): Buffer {
  const key = deps.teamKeys[0]?.privateKeyArmored ?? 'renkei-without-team-key';
  return createHash('sha256').update(`renkei:${purpose}:`).update(key).digest();
}
const mac = (deps: ServiceDeps, purpose: string, text: string) => createHmac('sha256', secret(deps, purpose)).update(text).digest('base64url');
const sameMac = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** A proof-of-work challenge for the form (bits = 0: none asked). */
export function issueChallenge(deps: ServiceDeps): { challenge: string; bits: number; expiresAt: string } {
  const now = deps.clock().getTime();
  const body = `${now}.${randomBytes(12).toString('hex')}`;
  return { challenge: `${body}.${mac(deps, 'pow', body)}`, bits: deps.settings.intake.formPowBits, expiresAt: new Date(now + CHALLENGE_MINUTES * 60_000).toISOString() };
}

/** The private status link of a form report: the report id and its HMAC — unguessable, nothing stored. */
export function statusToken(deps: ServiceDeps, reportId: string): string {
  return `${reportId}.${mac(deps, 'status', reportId)}`;
}
export const statusUrl = (deps: ServiceDeps, reportId: string): string => `${deps.settings.team.publicUrl}/status#${statusToken(deps, reportId)}`;

async function limit(deps: ServiceDeps, ip: string | null): Promise<void> {
  const now = deps.clock().getTime();
  const minute = new Date(Math.floor(now / 60_000) * 60_000).toISOString();
  const hour = new Date(Math.floor(now / 3600_000) * 3600_000).toISOString();
  const who = ip ?? '-';
  const perMinute = await deps.store.accounts.bump(`form:m:${who}`, minute);
  const perHour = await deps.store.accounts.bump(`form:h:${who}`, hour);
  if (perMinute > PER_MINUTE || perHour > PER_HOUR) throw new AppError('RATE_LIMITED', 'too many reports from this address; try again later', { retryAfterSeconds: 60 });
}

async function checkWork(deps: ServiceDeps, challenge: string | undefined, nonce: string | undefined): Promise<void> {
  const bits = deps.settings.intake.formPowBits;
  if (bits === 0) return;
  const refuse = (why: string) => new AppError('VALIDATION', `proof of work: ${why}; reload the form and send again`, { issues: [{ path: ['challenge'], message: why }] });
  if (!challenge || !nonce) throw refuse('missing');
  const [issued, random, tag] = challenge.split('.');
  if (!issued || !random || !tag || !sameMac(tag, mac(deps, 'pow', `${issued}.${random}`))) throw refuse('not a challenge we issued');
  if (deps.clock().getTime() - Number(issued) > CHALLENGE_MINUTES * 60_000) throw refuse('the challenge expired');
  if (leadingZeroBits(createHash('sha256').update(`${challenge}:${nonce}`).digest()) < bits) throw refuse('the work does not solve the challenge');
  if ((await deps.store.accounts.bump(`pow:${challenge}`, new Date(Number(issued)).toISOString())) > 1) throw refuse('the challenge was used already');
}

async function decryptFields(deps: ServiceDeps, armored: string): Promise<unknown> {
  try {
    const message = await openpgp.readMessage({ armoredMessage: armored });
    const decryptionKeys = await Promise.all(deps.teamKeys.map((k) => openpgp.readPrivateKey({ armoredKey: k.privateKeyArmored })));
    const { data } = (await openpgp.decrypt({ message, decryptionKeys, format: 'utf8' })) as { data: string };
    return JSON.parse(data) as unknown;
  } catch (err) {
    throw new AppError('VALIDATION', `the encrypted report cannot be opened with the team's key: ${(err as Error).message}`, {
      issues: [{ path: ['encrypted'], message: 'not an OpenPGP message for the team key holding the form as JSON' }],
    });
  }
}

/**
 * A report from the public form: abuse checks first (rate limit per address,
 * the honeypot, the proof of work), then the fields (decrypted with the team
 * key when the page encrypted them), files into the evidence store, and the
 * report with its receipt job in one transaction. The reporter gets a
 * reference and a private status link.
 */
export async function submitWebForm(
  deps: ServiceDeps,
  input: unknown,
  client: { ip: string | null },
): Promise<{ reference: string; statusUrl: string; receiptTo: string; encrypted: boolean }> {
  await limit(deps, client.ip);
  const submission = parseInput(WebFormSubmissionSchema, input);
  if (submission.website)
    throw new AppError('VALIDATION', 'this form was not filled in by a person (a hidden field has a value)', { issues: [{ path: ['website'], message: 'must be empty' }] });
  await checkWork(deps, submission.challenge, submission.nonce);
  const encrypted = submission.encrypted !== undefined;
  const raw = encrypted ? await decryptFields(deps, submission.encrypted!) : submission.fields;
  if (raw === undefined) throw new AppError('VALIDATION', 'send the form fields, or the form encrypted to the team key', { issues: [{ path: ['fields'], message: 'required' }] });
  const fields: WebFormFields = parseInput(WebFormFieldsSchema, raw);

  const uploads = fields.files.map((f, i) => {
    const content = Buffer.from(f.contentBase64, 'base64');
    if (content.length > FORM_MAX_FILE_BYTES)
      throw new AppError('VALIDATION', `file ${f.name} is larger than ${FORM_MAX_FILE_BYTES} bytes`, { issues: [{ path: ['files', i, 'contentBase64'], message: 'too large' }] });
    return { filename: f.name, mimeType: f.type || 'application/octet-stream', content };
  });
  // Read as a mail's attachments are: a lure uploaded as .eml or .msg gives its headers and URLs, a ZIP its text files,
  // a winmail.dat the files inside; each file is evidence.
  const problems: string[] = [];
  const read = await readAttachedFiles(uploads, DEFAULT_MAIL_LIMITS, problems);
  const assessed = assessAttachments(read.attachments);
  const attachments: AssessedAttachment[] = [];
  for (const a of assessed.attachments)
    attachments.push({ id: newId(), ...(await deps.evidence.put(a.content)), filename: a.filename, mimeType: a.mimeType.slice(0, 255), kind: a.kind, note: a.note, dangerousReason: a.dangerousReason });
  const texts = [...read.attachmentsText, ...assessed.archiveTexts];
  const firstLine = fields.description.split('\n').find((l) => l.trim())?.trim().slice(0, 120) ?? '';
  const original = encrypted ? Buffer.from(submission.encrypted!, 'utf8') : Buffer.from(JSON.stringify({ ...fields, files: fields.files.map((f) => ({ name: f.name, type: f.type })) }), 'utf8');
  const result = await recordChannelReport(
    deps,
    FORM_ACTOR,
    {
      channel: 'web-form',
      sourceRef: `form:${newId()}`,
      sender: fields.email,
      senderName: fields.reporterName,
      subject: `${fields.incidentType}: ${firstLine}`,
      body: formReportBody(fields),
      language: fields.language,
      ...(fields.country ? { reporterCountry: fields.country } : {}),
      attachmentsText: texts,
      meta: { form: { encrypted, mayNameReporter: fields.mayNameReporter, incidentType: fields.incidentType, occurredAt: fields.occurredAt ?? null, ip: client.ip }, forwarded: read.forwarded.map(({ text: _t, ...f }) => f), problems },
    },
    attachments,
    original,
    deps.settings.intake.autoAcknowledge ? { kind: ACKNOWLEDGE_JOB, delayMs: 0 } : undefined,
  );
  return { reference: reportReference(deps.settings.incidentPrefix, result.report.id), statusUrl: statusUrl(deps, result.report.id), receiptTo: fields.email, encrypted };
}

export type PublicStatus = 'received' | 'being-handled' | 'resolved' | 'closed';

/** What the private status link shows: the reference and where it stands, nothing internal. */
export async function publicStatus(deps: ServiceDeps, token: string): Promise<{ reference: string; receivedAt: string; status: PublicStatus }> {
  const [id, tag] = token.split('.');
  const missing = new AppError('NOT_FOUND', 'no report for this status link');
  if (!id || !tag || !UUID_PATTERN.test(id) || !sameMac(tag, mac(deps, 'status', id))) throw missing;
  const report = await deps.store.reports.findById({ kind: 'all' }, id);
  if (!report) throw missing;
  let status: PublicStatus = report.status === 'rejected' ? 'closed' : 'received';
  if (report.incidentId) {
    const incident = await deps.store.incidents.findById({ kind: 'all' }, report.incidentId);
    status = !incident ? 'received' : incident.status === 'resolved' || incident.status === 'closed' ? 'resolved' : incident.status === 'rejected' ? 'closed' : 'being-handled';
  }
  return { reference: reportReference(deps.settings.incidentPrefix, report.id), receivedAt: report.receivedAt, status };
}
