import type { Actor } from '../domain/actor.js';
import { newId } from '../domain/ids.js';
import type { IntakeRoute } from '../domain/intake-route.js';
import { parseMail, type ParsedMail } from '../formats/mail.js';
import type { ReportAttachment } from '../store/repositories/report.repository.js';
import type { ServiceDeps } from './deps.js';
import { recordChannelReport, type RecordedReport } from './record-report.service.js';
import type { GroupCommitter } from './group-commit.js';
import type { ReportCreateInput } from '../domain/report.js';

export interface Envelope {
  mailFrom: string | null;
  rcptTo: string[];
  remoteAddress: string | null;
}

const MAX_BODY = 5_000_000;
// eslint-disable-next-line no-control-regex -- control characters are what is being removed
const oneLine = (s: string | null | undefined, max: number) => (s ? s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, max) || undefined : undefined);

/**
 * One inbound mail, from the SMTP listener or the IMAP poller: parsed,
 * attachments written to the evidence store (fsynced), then the report
 * recorded in one transaction. When this returns, the mail is durable —
 * only then may the listener answer 250. The same Message-ID (or, without
 * one, the same bytes) is one report.
 */
export async function receiveMail(
  deps: ServiceDeps,
  actor: Actor,
  raw: Buffer,
  envelope: Envelope,
  route: IntakeRoute | undefined,
  committer?: GroupCommitter,
): Promise<RecordedReport & { mail: ParsedMail }> {
  const mail = await parseMail(raw);
  // Ids first, in message order (they sort the attachments), then the writes, side by side.
  const ids = mail.attachments.map(() => newId());
  const attachments: ReportAttachment[] = await Promise.all(
    mail.attachments.map(async (a, i) => {
      const stored = await deps.evidence.put(a.content);
      return { id: ids[i]!, ...stored, filename: a.filename, mimeType: a.mimeType.slice(0, 255), kind: a.kind, note: null };
    }),
  );
  const problems = [...mail.problems];
  if (mail.text.length > MAX_BODY) problems.push(`the body was cut to ${MAX_BODY} characters for reading; the raw original is whole`);
  const input: ReportCreateInput = {
      channel: 'email',
      // Without a Message-ID the raw bytes' hash is the identity (the default).
      ...(mail.messageId ? { sourceRef: mail.messageId.slice(0, 998) } : {}),
      sender: oneLine(mail.from?.address ?? envelope.mailFrom, 320),
      senderName: oneLine(mail.from?.name, 200),
      subject: oneLine(mail.subject, 998),
      body: mail.text.slice(0, MAX_BODY),
      ...(mail.language ? { language: mail.language } : {}),
      raw: raw.toString('base64'),
      attachmentsText: mail.attachmentsText.slice(0, 100).map((t) => t.slice(0, MAX_BODY)),
      meta: {
        mail: {
          messageId: mail.messageId,
          date: mail.date,
          to: mail.to,
          inReplyTo: mail.inReplyTo,
          references: mail.references,
          hasHtml: mail.html !== null,
          isAutomated: mail.isAutomated,
          forwarded: mail.forwarded.map(({ text: _t, ...f }) => f),
        },
        envelope,
        route: route ? { address: `${route.localPart}@${route.domain}`, category: route.category, constituency: route.constituency } : null,
        problems,
      },
    };
  const result = committer ? await committer.submit({ input, attachments }) : await recordChannelReport(deps, actor, input, attachments);
  return { ...result, mail };
}
