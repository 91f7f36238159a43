import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { composeMail, newMessageId, PgpKeyError, type MailAddress, type OutboundAttachment } from '../formats/outbound-mail.js';
import type { Store } from '../store/store.js';
import { RelayError, type ServiceDeps } from './deps.js';

export const MAIL_DELIVER_JOB = 'mail.deliver';

/** Every kind of mail Renkei sends. */
/** `notice`: the team's own alerts (escalation rules notifying leads or the on-call person). */
export type OutboundKind = 'coordination' | 'follow-up' | 'acknowledgement' | 'password-reset' | 'notice';

export interface MailToSend {
  kind: OutboundKind;
  coordinationId?: string | null;
  incidentId?: string | null;
  to: MailAddress[];
  subject: string;
  text: string;
  language: 'ja' | 'en';
  /** With angle brackets, as parsed from mail. */
  inReplyTo?: string | null;
  references?: string[];
  attachments?: OutboundAttachment[];
  /** Armored public keys to encrypt to; empty = signed only. */
  encryptTo?: string[];
  headers?: Record<string, string>;
  /** The message carries a secret (a reset link): its copy is wiped once delivered or given up. */
  isSecret?: boolean;
  /** Send with the null envelope sender (`MAIL FROM:<>`), as RFC 3834 asks of automatic replies: nothing bounces back to us. */
  nullSender?: boolean;
  /** About an exercise (drill) incident: the subject, a header and the first line say so. */
  exercise?: boolean;
}

/** How mail about an exercise incident is marked, so nobody acts on a drill. */
export const EXERCISE_MARK = {
  subject: '[訓練/EXERCISE]',
  header: 'X-Renkei-Exercise',
  line: { ja: '【訓練】これは訓練のための連絡です。実際のインシデントではありません。', en: '[EXERCISE] This message is part of an exercise. It is not about a real incident.' },
} as const;

function markExercise(input: MailToSend): MailToSend {
  if (!input.exercise) return input;
  return {
    ...input,
    subject: input.subject.includes(EXERCISE_MARK.subject) ? input.subject : `${EXERCISE_MARK.subject} ${input.subject}`,
    text: input.text.startsWith(EXERCISE_MARK.line[input.language]) ? input.text : `${EXERCISE_MARK.line[input.language]}\n\n${input.text}`,
    headers: { ...input.headers, [EXERCISE_MARK.header]: 'yes' },
  };
}

export interface PreparedMail {
  id: string;
  /** With angle brackets. */
  messageId: string;
  input: MailToSend;
  raw: Buffer;
  isSigned: boolean;
  isEncrypted: boolean;
}

const bare = (id: string) => id.replace(/^<|>$/g, '');

/**
 * Write the message (PGP-signed with the team key; encrypted when keys are
 * given). Slow work, so done before the transaction that queues it.
 */
export async function prepareMail(deps: ServiceDeps, toSend: MailToSend): Promise<PreparedMail> {
  const { team } = deps.settings;
  const input = markExercise(toSend);
  const messageId = newMessageId(team.mailDomain);
  try {
    const composed = await composeMail(
      {
        from: { name: team.name, address: team.email },
        to: input.to,
        replyTo: { name: team.name, address: team.email },
        subject: input.subject,
        text: input.text,
        messageId,
        ...(input.inReplyTo ? { inReplyTo: bare(input.inReplyTo) } : {}),
        ...(input.references?.length ? { references: input.references.map(bare) } : {}),
        date: deps.clock(),
        language: input.language,
        attachments: input.attachments ?? [],
        headers: input.headers ?? {},
      },
      { ...(deps.teamKeys[0] ? { signWith: deps.teamKeys[0] } : {}), encryptTo: input.encryptTo ?? [] },
    );
    return { id: newId(), messageId: `<${messageId}>`, input, ...composed };
  } catch (err) {
    if (err instanceof PgpKeyError)
      throw new AppError('VALIDATION', `${err.message}. Fix the contact's key in the directory, or send this one without encryption (encrypt: false).`, {
        issues: [{ path: ['encrypt'], message: err.message }],
      });
    throw err;
  }
}

/** Queue a prepared message inside the caller's transaction: the mail and its delivery job commit together. */
export async function enqueueMail(deps: ServiceDeps, tx: Store, actor: Actor, prepared: PreparedMail, at: string): Promise<void> {
  const { input } = prepared;
  await tx.coordinations.insertMail({
    id: prepared.id,
    kind: input.kind,
    coordination_id: input.coordinationId ?? null,
    incident_id: input.incidentId ?? null,
    message_id: prepared.messageId,
    envelope_from: input.nullSender ? '' : deps.settings.team.email,
    envelope_to: JSON.stringify(input.to.map((t) => t.address)),
    subject: input.subject,
    raw: prepared.raw,
    raw_size: prepared.raw.length,
    is_signed: prepared.isSigned ? 1 : 0,
    is_encrypted: prepared.isEncrypted ? 1 : 0,
    state: 'queued',
    attempts: 0,
    last_error: null,
    relay_response: null,
    created_at: at,
    created_by: actor.id,
    sent_at: null,
  });
  await tx.jobs.enqueue({ kind: MAIL_DELIVER_JOB, payload: { mailId: prepared.id, secret: input.isSecret === true }, runAt: at, maxAttempts: 10 }, at);
}

export interface DeliveryOutcome {
  state: 'sent' | 'retry' | 'failed';
  error?: string;
  mail: { id: string; coordinationId: string | null; incidentId: string | null };
}

/**
 * Hand one queued message to the relay. A refusal (5xx) or the last attempt
 * marks it failed and returns; a temporary failure throws so the queue
 * retries with back-off. The envelope sender is the team address.
 */
export async function deliverMail(
  deps: ServiceDeps,
  mailId: string,
  attempt: { number: number; isLast: boolean; isSecret: boolean },
): Promise<DeliveryOutcome> {
  const mail = await deps.store.coordinations.findMail(mailId);
  if (!mail) throw new AppError('NOT_FOUND', `outbound mail ${mailId} not found`);
  const ref = { id: mail.id, coordinationId: mail.coordination_id, incidentId: mail.incident_id };
  if (mail.state !== 'queued') return { state: mail.state === 'sent' ? 'sent' : 'failed', mail: ref };
  const raw = await deps.store.coordinations.mailRaw(mailId);
  if (!raw) {
    await deps.store.coordinations.markMailAttempt(mailId, attempt.number, 'the message content is gone', true, attempt.isSecret);
    return { state: 'failed', error: 'the message content is gone', mail: ref };
  }
  try {
    const result = await deps.mailer.send({ from: mail.envelope_from, to: mail.envelopeTo }, raw);
    await deps.store.coordinations.markMailSent(mailId, attempt.number, deps.clock().toISOString(), result.response, attempt.isSecret);
    return { state: 'sent', mail: ref };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const permanent = err instanceof RelayError && err.permanent;
    const failed = permanent || attempt.isLast;
    await deps.store.coordinations.markMailAttempt(mailId, attempt.number, message, failed, attempt.isSecret);
    if (failed) return { state: 'failed', error: message, mail: ref };
    return { state: 'retry', error: message, mail: ref };
  }
}
